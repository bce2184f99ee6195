//! The gateway's own browser-facing routes (`connect360-api.md` §1.6): widget sessions and the
//! start of a sign-in. Shared so the widget and the gateway cannot drift.

use serde::{Deserialize, Serialize};

/// `POST /api/widget/session`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionRequest {
    pub channel_identifier: String,
    /// A visitor id from an earlier session on this browser, to resume it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_id: Option<String>,
    /// A merchant-signed identity (HS256 JWT) of a logged-in user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<SessionCustomer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionCustomer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The session a visitor's token opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    pub token: String,
    pub visitor_id: String,
    pub conversation_id: String,
    /// ISO-8601; renew before then.
    pub expires_at: String,
    /// Whether the visitor is a merchant-identified customer.
    #[serde(default)]
    pub identified: bool,
    #[serde(default)]
    pub sign_in_configured: bool,
    #[serde(default)]
    pub ai_agent_id: Option<String>,
    /// Where the gateway serves tRPC (`send`, `listMessages`) to this visitor: its
    /// `--trpc-path`. Absent (an older gateway): [`DEFAULT_TRPC_PATH`].
    #[serde(default = "default_trpc_path")]
    pub trpc_path: String,
    /// Whether the team is in, when the session was issued; absent: the merchant set no
    /// opening hours or reply time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    /// The contact form to show before a guest's first message (`[prechat]`); absent for
    /// identified visitors and when the merchant set none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prechat: Option<crate::contact::PrechatForm>,
    /// The visitor gave their contact details in this conversation already.
    #[serde(default)]
    pub contact_given: bool,
    /// Whether the conversation has ended and been rated.
    #[serde(default)]
    pub conversation: ConversationState,
}

/// What a visitor is shown of their conversation's life: with the session, from
/// `GET /api/widget/conversation`, and in the event stream's `conversation` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationState {
    /// An agent resolved it, or the visitor ended it (`metadata.status = "resolved"`).
    #[serde(default)]
    pub ended: bool,
    /// It was rated (once: a second rating is refused).
    #[serde(default)]
    pub rated: bool,
}

/// The conversation metadata keys of its life: `status` (`"resolved"` when ended, `"open"`
/// when the visitor wrote again), `resolvedAt`, `resolvedBy`, `rating` (1–5),
/// `ratingComment`, `ratedAt`, and `handoff`.
pub mod life {
    pub const STATUS: &str = "status";
    pub const RESOLVED: &str = "resolved";
    pub const OPEN: &str = "open";
    pub const RESOLVED_AT: &str = "resolvedAt";
    pub const RESOLVED_BY: &str = "resolvedBy";
    pub const RATING: &str = "rating";
    pub const RATING_COMMENT: &str = "ratingComment";
    pub const RATED_AT: &str = "ratedAt";
    /// The flag on the customer message that carries a rating.
    pub const RATING_FLAG: &str = "rating";
    /// `{"requestedAt": "…"}`: the visitor asked for a person (a live-agent chip). The gateway
    /// writes it; the console marks the conversation, and the demo bot stays quiet after it
    /// until the chat is resolved.
    pub const HANDOFF: &str = "handoff";
    pub const HANDOFF_REQUESTED_AT: &str = "requestedAt";
}

impl ConversationState {
    /// The state a conversation's metadata records.
    pub fn of(metadata: &super::Json) -> ConversationState {
        ConversationState {
            ended: metadata.get(life::STATUS).and_then(|s| s.as_str()) == Some(life::RESOLVED),
            rated: metadata.get(life::RATING).is_some_and(|r| r.is_u64()),
        }
    }
}

/// `POST /api/widget/end`: the visitor ends their chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndRequest {
    pub conversation_id: String,
}

/// `POST /api/widget/rating`: the visitor rates their ended chat, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RatingRequest {
    pub conversation_id: String,
    /// 1 (very poor) to 5 (excellent).
    pub rating: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The visitor's language, for the message that carries the rating (`en`, `ar`, `tr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// The longest rating comment (characters).
pub const MAX_RATING_COMMENT_CHARS: usize = 500;

/// The event stream's event for a change of [`ConversationState`].
pub const CONVERSATION_EVENT: &str = "conversation";

/// The team's availability (the gateway's settings, `[availability]`), decided by the
/// gateway in the merchant's time zone; the widget shows it in the visitor's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    /// Within opening hours (always, when the merchant set none).
    pub online: bool,
    /// How long a reply usually takes, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_minutes: Option<u32>,
    /// When `online` next changes (ISO-8601): closing time while online, the return while
    /// away. Absent: not within the next two weeks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes_at: Option<String>,
}

/// The tRPC mount of the documented API (`connect360-api.md`).
pub const DEFAULT_TRPC_PATH: &str = "/api/trpc";

fn default_trpc_path() -> String {
    DEFAULT_TRPC_PATH.to_owned()
}

/// `POST /api/widget/oauth/start` (`rich-messages.md` §5.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInStartRequest {
    pub conversation_id: String,
    pub message_id: String,
    pub lang: String,
    /// The suggestion's path inside the value, e.g. `suggestions[0]`.
    pub suggestion: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInStartResponse {
    pub authorization_url: String,
}

/// `GET /api/widget/events?conversationId=…[&after=…][&active=true]`: the conversation's new
/// messages as server-sent events (`event: message`, the message as `listMessages` shows it to
/// a visitor, its id as the event id). `after` (or the `Last-Event-ID` header, which wins)
/// resumes after that message: what came since is sent first. `active` says the visitor is
/// looking (panel open, tab visible), so a gateway polling a remote Connect360 polls faster.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventsQuery {
    pub conversation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(default)]
    pub active: bool,
}

/// The event that carries a message on `GET /api/widget/events`.
pub const MESSAGE_EVENT: &str = "message";

/// The event that follows what a stream sends first (the messages since `after`): what comes
/// after it is new, so the widget may sound for it; what came before is catching up.
pub const READY_EVENT: &str = "ready";

/// `POST /api/widget/seen`: the newest message the visitor has seen in their conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeenReport {
    pub conversation_id: String,
    pub message_id: String,
}

/// `GET /api/widget/history?conversationId=…[&before=…]`: the newest messages of a
/// conversation, or those just before `before` (an earlier reply's `olderCursor`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HistoryQuery {
    pub conversation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
}

/// Messages oldest → newest; `olderCursor`, when set, asks for the ones before them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    #[serde(default)]
    pub items: Vec<super::Message>,
    #[serde(default)]
    pub older_cursor: Option<String>,
}

/// `POST /api/widget/chats`: after the chat `conversationId` (the visitor's current one) has
/// ended, start a new one. The answer is a session for the new chat.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewChatRequest {
    pub conversation_id: String,
}

/// `GET /api/widget/chats`: the visitor's chats, newest first (at most [`MAX_LISTED_CHATS`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatList {
    #[serde(default)]
    pub chats: Vec<ChatSummary>,
}

/// One of the visitor's chats: when it started and the newest message they are shown in it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSummary {
    pub conversation_id: String,
    /// ISO-8601.
    pub started_at: String,
    /// The chat the visitor writes in now (the others are read-only).
    #[serde(default)]
    pub current: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<super::Message>,
}

/// How many chats the list names.
pub const MAX_LISTED_CHATS: usize = 20;

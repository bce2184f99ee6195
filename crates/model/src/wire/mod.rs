//! The Connect360 wire shapes (`connect360-api.md`): procedure inputs and outputs, REST bodies,
//! ai-stream events and the tRPC envelopes.
//!
//! Inputs are strict (`deny_unknown_fields`: the server answers 400 to an unknown field);
//! outputs are tolerant readers (unknown fields ignored, a missing list reads as `[]`, a missing
//! optional as `None`). For optional fields `null` and absent are the same, except where
//! [`Patch`] keeps them apart.

mod ai_stream;
mod attachment;
mod conversation;
mod customer;
mod envelope;
mod guest;
mod message;
mod patch;
mod widget;

pub use ai_stream::{AiStreamEvent, AiStreamInput, SseDecoder, SseEvent};
pub use attachment::{mime_essence, visitor_may_send, FileRef, UploadResponse, VISITOR_FILE_TYPES};
pub use conversation::{
    Conversation, ConversationType, CreateSubConversationInput, DeleteConversationInput,
    DeleteConversationOutput, GetOrCreateConversationInput, UpdateConversationInput,
};
pub use customer::CustomerInput;
pub use envelope::{
    ErrorCode, RestError, TrpcError, TrpcErrorData, TrpcErrorEnvelope, TrpcResponse, TrpcSuccess,
};
pub use guest::{ClaimGuestConversationsInput, ClaimGuestConversationsOutput};
pub use message::{
    AiRequest, ListMessagesInput, Message, MessagePage, SendAs, SendInput, Sender, SenderType,
};
pub use patch::Patch;
pub use widget::{
    life, Availability, ChatList, ChatSummary, ConversationState, EndRequest, EventsQuery,
    HistoryPage, HistoryQuery, NewChatRequest, RatingRequest, SeenReport, SessionCustomer,
    SessionRequest, SessionResponse, SignInStartRequest, SignInStartResponse, CONVERSATION_EVENT,
    DEFAULT_TRPC_PATH, MAX_LISTED_CHATS, MAX_RATING_COMMENT_CHARS, MESSAGE_EVENT, READY_EVENT,
};

/// A JSON object (`metadata`, `claimMetadata`, …).
pub type Json = serde_json::Map<String, serde_json::Value>;

/// A message's `content`: language code → value (string or rich object).
pub type Content = serde_json::Map<String, serde_json::Value>;

/// Procedure paths of the `v1.connect` router.
pub mod procedure {
    pub const GET_OR_CREATE_CONVERSATION: &str = "v1.connect.getOrCreateConversation";
    pub const CREATE_SUB_CONVERSATION: &str = "v1.connect.createSubConversation";
    pub const UPDATE_CONVERSATION: &str = "v1.connect.updateConversation";
    pub const DELETE_CONVERSATION: &str = "v1.connect.deleteConversation";
    pub const SEND: &str = "v1.connect.send";
    pub const LIST_MESSAGES: &str = "v1.connect.listMessages";
    pub const CLAIM_GUEST_CONVERSATIONS: &str = "v1.connect.claimGuestConversations";
}

/// Limits of `connect360-api.md` §4.1 and §5.5.
pub mod limits {
    /// At most 5 files per upload.
    pub const MAX_UPLOAD_FILES: usize = 5;
    /// At most 25 MB per file (26 214 400 bytes in local mode).
    pub const MAX_FILE_BYTES: u64 = 26_214_400;
    /// `listMessages.limit` is 1..=100, default 50.
    pub const LIST_LIMIT_DEFAULT: u32 = 50;
    pub const LIST_LIMIT_MAX: u32 = 100;
    /// JSON request bodies up to 1 MiB in local mode.
    pub const MAX_JSON_BODY_BYTES: usize = 1 << 20;
    /// `claimGuestConversations.fingerprint` has at least 8 characters.
    pub const MIN_FINGERPRINT_CHARS: usize = 8;
    /// `Idempotency-Key` header: at most 255 characters.
    pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;
}

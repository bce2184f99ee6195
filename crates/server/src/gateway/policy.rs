//! What a visitor token may do (`architecture.md`, `connect360-api.md` §1.5): `send` into
//! their own conversation as their own customer on the site's channel, and `listMessages` of
//! it without internal notes. Everything else is refused with 403 and a clear message.

use connect360_model::content::SuggestionResponseType;
use connect360_model::lang::Lang;
use connect360_model::validate::decode_customer_value;
use connect360_model::wire::{
    procedure, CustomerInput, ErrorCode, ListMessagesInput, Message, MessagePage, SendAs,
    SendInput, SenderType,
};
use std::time::Duration;

use serde_json::Value;

use super::token::VisitorClaims;
use super::Gateway;
use crate::error::parse_input;
use crate::error::ApiError;
use crate::store::grants::Idempotency;
use connect360_model::wire::limits::MAX_IDEMPOTENCY_KEY_CHARS;

/// How long a repeated send waits for the first one with the same key to finish.
const IN_FLIGHT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The flag that marks a team-only note; never shown to visitors.
pub const INTERNAL_FLAG: &str = "internal";

/// The flag the gateway puts on a conversation's first message written while the team is away
/// (the settings' opening hours).
pub const OFFLINE_FLAG: &str = "offline";

fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, message)
}

impl Gateway {
    /// A tRPC call made with a visitor token.
    pub async fn visitor_call(
        self: &std::sync::Arc<Self>,
        claims: &VisitorClaims,
        path: &str,
        input: Value,
        idempotency_key: Option<&str>,
    ) -> Result<Value, ApiError> {
        match path {
            procedure::SEND => {
                let limit = self.config.rate_limits.sends_per_visitor;
                self.rate_check(&format!("send:{}", claims.external_id), limit).await?;
                let body_hash = body_hash(&input);
                let input = parse_input(input)?;
                match idempotency_key {
                    None => self.visitor_send(claims, input).await,
                    Some(key) => self.idempotent_send(claims, input, key, body_hash).await,
                }
            }
            procedure::LIST_MESSAGES => {
                let limit = self.config.rate_limits.reads_per_visitor;
                self.rate_check(&format!("read:{}", claims.external_id), limit).await?;
                self.visitor_list(claims, parse_input(input)?).await
            }
            _ => Err(forbidden(format!(
                "A visitor may not call {path}; only send and listMessages of their own conversation."
            ))),
        }
    }

    /// 403 unless the conversation is granted to this visitor. The token's own conversation
    /// is granted when the session opens and, like every grant, is revoked by a merge or a
    /// deletion: a token signed earlier does not outlive either. Its revocation answers 401,
    /// so the widget opens a new session (and gets the conversation that is now its own).
    pub async fn require_own_conversation(
        &self,
        claims: &VisitorClaims,
        conversation_id: &str,
    ) -> Result<(), ApiError> {
        let granted = self
            .records
            .has_conversation(&claims.external_id, conversation_id)
            .await?;
        if granted {
            Ok(())
        } else if conversation_id == claims.conversation_id {
            Err(ApiError::new(
                ErrorCode::Unauthorized,
                "This session has ended (its conversation was merged or deleted); open a new one.",
            ))
        } else {
            Err(forbidden(
                "This conversation does not belong to this visitor.",
            ))
        }
    }

    /// [`Gateway::require_own_conversation`], and the chat the visitor writes in: the one the
    /// token was issued for, while no newer chat has followed it. Earlier chats are read, never
    /// written in (nor ended, rated, asked about again, or marked seen). A token whose chat was
    /// followed by a newer one (another tab started it) gets 401, so its widget opens a session
    /// and moves to the newer chat.
    pub async fn require_current_conversation(
        &self,
        claims: &VisitorClaims,
        conversation_id: &str,
    ) -> Result<(), ApiError> {
        if conversation_id != claims.conversation_id {
            self.require_own_conversation(claims, conversation_id)
                .await?;
            return Err(forbidden(
                "Earlier chats can be read, not written in: write in the current chat.",
            ));
        }
        let (granted, current) = self
            .records
            .access(&claims.external_id, conversation_id)
            .await?;
        // No current chat recorded yet (a token from before chats were kept): the token's.
        if !granted || current.is_some_and(|c| c != conversation_id) {
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "This session's chat is no longer the current one (merged, deleted or followed by a newer chat); open a new session.",
            ));
        }
        Ok(())
    }

    /// `send` at most once per visitor and `Idempotency-Key` within 24 h: a repeat gets the
    /// first result without a new upstream call (`connect360-api.md` §5.3).
    async fn idempotent_send(
        self: &std::sync::Arc<Self>,
        claims: &VisitorClaims,
        input: SendInput,
        key: &str,
        body_hash: String,
    ) -> Result<Value, ApiError> {
        if key.is_empty()
            || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS
            || !key.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(ApiError::bad_request(
                "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            ));
        }
        let deadline = tokio::time::Instant::now() + IN_FLIGHT_WAIT;
        loop {
            let state = self
                .records
                .claim_idempotency_key(&claims.external_id, key, &body_hash)
                .await?;
            match state {
                Idempotency::OtherBody => {
                    return Err(ApiError::bad_request(
                        "This Idempotency-Key was already used for a different message.",
                    ));
                }
                Idempotency::Done(response) => {
                    return serde_json::from_str(&response)
                        .map_err(|e| ApiError::internal(format!("stored response: {e}")));
                }
                Idempotency::InFlight if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Idempotency::InFlight => {
                    return Err(ApiError::new(
                        ErrorCode::ServiceUnavailable,
                        "A send with this Idempotency-Key is still in progress; retry shortly.",
                    ));
                }
                Idempotency::Claimed => break,
            }
        }
        // The send and its record run to the end on their own, even if this request is given
        // up (a timeout, the browser leaving): a stored message always gets its reply
        // recorded, so a retry with the same key never sends it twice.
        let (gateway, claims, key) = (self.clone(), claims.clone(), key.to_owned());
        tokio::spawn(async move {
            let result = gateway.visitor_send(&claims, input).await;
            let response = result.as_ref().ok().map(Value::to_string);
            // A reply that cannot be recorded does not turn a stored message into a failed
            // send (its retry would store it again): tried a few times, then the claim
            // expires by itself and the reply stands.
            for attempt in 0..3u64 {
                let recorded = gateway
                    .records
                    .finish_idempotency_key(&claims.external_id, &key, &body_hash, response.clone())
                    .await;
                match recorded {
                    Ok(()) => break,
                    Err(error) if attempt == 2 => {
                        tracing::warn!(%error, "a send's Idempotency-Key could not be recorded");
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await,
                }
            }
            result
        })
        .await
        .unwrap_or_else(|e| Err(ApiError::internal(format!("the send failed: {e}"))))
    }

    async fn visitor_send(
        &self,
        claims: &VisitorClaims,
        mut input: SendInput,
    ) -> Result<Value, ApiError> {
        self.require_current_conversation(claims, &input.conversation_id)
            .await?;
        if input.sender.is_some_and(|s| s != SendAs::Customer) {
            return Err(forbidden("A visitor sends as the customer only."));
        }
        if input.customer_id.is_some()
            || input.customer.as_ref().is_some_and(|c| {
                c.external_id.as_deref() != Some(&claims.external_id) || c.id.is_some()
            })
        {
            return Err(forbidden("A visitor sends as their own customer only."));
        }
        if input.channel_id.is_some()
            || input
                .channel_identifier
                .as_ref()
                .is_some_and(|c| *c != claims.channel)
        {
            return Err(forbidden("A visitor sends on this site's channel only."));
        }
        if input.flags.is_some() || input.template_id.is_some() || input.template_context.is_some()
        {
            return Err(forbidden("A visitor may not set flags or templates."));
        }
        if input.ai.is_some() {
            return Err(forbidden(
                "A visitor asks for AI replies through ai-stream, not send.ai.",
            ));
        }
        let mut asks_for_person = false;
        if let Some(content) = &input.content {
            for lang in Lang::ALL {
                let Some(value) = content.get(lang.code()).filter(|v| !v.is_null()) else {
                    continue;
                };
                let decoded = decode_customer_value(value, lang.code()).value;
                let answered = decoded
                    .as_ref()
                    .and_then(|c| c.suggestion_response.as_ref())
                    .map(|r| r.kind);
                // Only as the answer to a message (whose chip Connect360 checks, rule K2).
                asks_for_person |= answered == Some(SuggestionResponseType::LiveAgent)
                    && input.parent_id.is_some();
                let auth = decoded
                    .as_ref()
                    .is_some_and(|c| c.authentication_response.is_some())
                    || answered == Some(SuggestionResponseType::Auth);
                if auth {
                    return Err(forbidden(
                        "Sign-in results are posted by the sign-in relay only.",
                    ));
                }
            }
        }
        for id in input.attachment_ids.clone().unwrap_or_default() {
            let owned = self.records.uploaded_file(&claims.external_id, &id).await?;
            if !owned {
                return Err(forbidden("A visitor may attach only files they uploaded."));
            }
        }
        // The first message of a conversation while the team is away is flagged, so agents
        // see it was written out of hours.
        let conversation = input.conversation_id.clone();
        let mut away_stretch = None;
        if let Some(back_at) = self.config.away_until() {
            let first = self
                .records
                .first_while_away(&conversation, back_at)
                .await?;
            if first {
                input.flags = Some(vec![OFFLINE_FLAG.to_owned()]);
                away_stretch = Some(back_at);
            }
        }
        input.sender = Some(SendAs::Customer);
        input.customer = Some(CustomerInput {
            external_id: Some(claims.external_id.clone()),
            ..Default::default()
        });
        input.channel_identifier = Some(claims.channel.clone());
        let attached = input.attachment_ids.clone().unwrap_or_default();
        let input = serde_json::to_value(&input).map_err(|e| ApiError::internal(e.to_string()))?;
        let sent = match self.call_upstream(procedure::SEND, input).await {
            Ok(sent) => sent,
            Err(error) => {
                if let Some(back_at) = away_stretch {
                    // Not stored: the flag goes on the next message (this one's retry).
                    self.records.forget_away(&conversation, back_at).await?;
                }
                return Err(error);
            }
        };
        // Writing in an ended chat opens it again (its rating stays), and a request for a
        // person is recorded for the console, whatever bot (or none) answers. The message is
        // stored already: a failure here is logged, never answered as a failed send (a retry
        // would store it twice).
        if let Err(error) = self
            .after_visitor_message(&conversation, asks_for_person)
            .await
        {
            tracing::warn!(%error, "an ended chat written in, or a request for a person, could not be recorded");
        }
        if !attached.is_empty() {
            // Attached files are kept; the clean-up takes only files no message names. The
            // message is stored already: a failure is logged, never answered as a failed send.
            if let Err(error) = self
                .records
                .mark_attached(&claims.external_id, attached)
                .await
            {
                tracing::warn!(%error, "sent files could not be marked as attached");
            }
        }
        // The visitor's other tabs, on whichever replica, see it now.
        self.announce_change(&conversation).await;
        Ok(sent)
    }

    async fn visitor_list(
        &self,
        claims: &VisitorClaims,
        input: ListMessagesInput,
    ) -> Result<Value, ApiError> {
        self.require_own_conversation(claims, &input.conversation_id)
            .await?;
        let page = self.visitor_page(input).await?;
        self.grant_shown_files(claims, &page.items).await?;
        serde_json::to_value(page).map_err(|e| ApiError::internal(e.to_string()))
    }

    /// One upstream page, exactly as the local or remote Connect360 answers it.
    async fn upstream_page(
        &self,
        conversation_id: &str,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<MessagePage, ApiError> {
        let input = ListMessagesInput {
            conversation_id: conversation_id.to_owned(),
            cursor: cursor.map(str::to_owned),
            limit,
        };
        let input = serde_json::to_value(&input).map_err(|e| ApiError::internal(e.to_string()))?;
        serde_json::from_value(self.call_upstream(procedure::LIST_MESSAGES, input).await?)
            .map_err(|e| ApiError::internal(format!("unexpected upstream reply: {e}")))
    }

    /// A page as a visitor sees it: internal notes are skipped before paging, so no item,
    /// cursor, page size or answer points at or reveals one. The page is filled to `limit`
    /// visible messages from the upstream pages after it; `nextCursor` names the next
    /// visible message (or none); a note's id as a cursor is refused exactly like an unknown
    /// id. Sign-in codes are for the agent.
    pub async fn visitor_page(&self, input: ListMessagesInput) -> Result<MessagePage, ApiError> {
        let conversation = input.conversation_id.as_str();
        // The first call carries the visitor's own limit, so a bad one gets the upstream's
        // own refusal; later ones read ahead in full pages.
        let wanted = usize::try_from(input.limit.unwrap_or(50)).unwrap_or(0);
        let mut page = self
            .upstream_page(conversation, input.cursor.as_deref(), input.limit)
            .await?;
        if let (Some(cursor), Some(first)) = (&input.cursor, page.items.first()) {
            if first.id == *cursor && is_internal(first) {
                return Err(ApiError::bad_request("Invalid cursor."));
            }
        }
        let mut items = Vec::with_capacity(wanted);
        let mut rounds = 0;
        loop {
            for message in page.items {
                if is_internal(&message) {
                    continue;
                }
                if items.len() == wanted {
                    return Ok(visible_page(items, Some(message.id)));
                }
                items.push(message);
            }
            let Some(cursor) = page.next_cursor else {
                return Ok(visible_page(items, None));
            };
            rounds += 1;
            if rounds > MAX_LOOKAHEAD_PAGES {
                return Err(ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    "Too many team notes in a row to page past; retry shortly.",
                ));
            }
            page = self
                .upstream_page(conversation, Some(&cursor), Some(LOOKAHEAD_LIMIT))
                .await?;
        }
    }

    /// The message an AI reply for this visitor answers: their own latest message in the
    /// conversation. The widget's hint (`from`, its newest message) only says where to start
    /// looking when it is the visitor's own message; the visitor cannot point the agent at
    /// anything else (a team note, say).
    pub async fn visitor_message_to_answer(
        &self,
        claims: &VisitorClaims,
        conversation_id: &str,
        from: Option<&str>,
    ) -> Result<String, ApiError> {
        let own = |m: &Message| {
            m.sender.kind == SenderType::Customer
                && m.sender.id == claims.customer_id
                && !is_internal(m)
        };
        let mut cursor = None;
        if let Some(hint) = from {
            // An unknown id is treated like no hint: the search starts at the beginning.
            if let Ok(page) = self
                .upstream_page(conversation_id, Some(hint), Some(1))
                .await
            {
                if page.items.first().is_some_and(|m| m.id == hint && own(m)) {
                    cursor = Some(hint.to_owned());
                }
            }
        }
        let mut latest = None;
        for _ in 0..MAX_ANSWER_SCAN_PAGES {
            let page = self
                .upstream_page(conversation_id, cursor.as_deref(), Some(LOOKAHEAD_LIMIT))
                .await?;
            if let Some(found) = page.items.iter().rev().find(|m| own(m)) {
                latest = Some(found.id.clone());
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => {
                    return latest.ok_or_else(|| {
                        ApiError::bad_request("There is no message of this visitor to answer.")
                    })
                }
            }
        }
        Err(ApiError::bad_request(
            "The conversation is too long to search: give lastMessageId, your newest message.",
        ))
    }
}

/// The SHA-256 of a request's input as received (serde_json keeps key order).
fn body_hash(input: &Value) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(input.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Upstream pages read ahead per visitor page: past 100 × 100 notes in a row, a 503.
const MAX_LOOKAHEAD_PAGES: usize = 100;
const LOOKAHEAD_LIMIT: i64 = 100;
/// How far forward the AI-stream check walks from the widget's hint (its newest message).
const MAX_ANSWER_SCAN_PAGES: usize = 50;

fn visible_page(mut items: Vec<Message>, next_cursor: Option<String>) -> MessagePage {
    for message in &mut items {
        strip_sign_in_codes(message);
    }
    MessagePage { items, next_cursor }
}

/// A team note: never shown to a visitor, in any form.
pub fn is_internal(message: &Message) -> bool {
    message.flags.iter().any(|f| f == INTERNAL_FLAG)
}

/// The sign-in relay's result carries the authorization code for the merchant's agent only
/// (`rich-messages.md` §5.8): a visitor sees the message without it.
fn strip_sign_in_codes(message: &mut Message) {
    for value in message.content.values_mut() {
        if let Some(object) = value.as_object_mut() {
            object.remove("authenticationResponse");
        }
    }
}

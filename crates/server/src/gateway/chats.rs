//! A visitor's chats (built only from documented procedures, so it works with a remote
//! Connect360 too):
//!
//! - `POST /api/widget/chats`: once the chat they write in has ended, the visitor starts a new
//!   one: a sub-conversation of their top-level conversation (`createSubConversation`), with
//!   the contact details they gave carried over. The answer is a session for it; from then on
//!   every session opens it.
//! - `GET /api/widget/chats`: their chats, newest first, each with when it started and the
//!   newest message they are shown in it. Earlier chats are read with the history route; only
//!   the current one is written in (the policy refuses the rest).

use axum::extract::rejection::JsonRejection;
use axum::Json;
use connect360_model::wire::{
    procedure, ChatList, ChatSummary, Conversation, ConversationState, ConversationType,
    CreateSubConversationInput, CustomerInput, DeleteConversationInput, ErrorCode,
    GetOrCreateConversationInput, NewChatRequest, SessionResponse, MAX_LISTED_CHATS,
};
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::session::{issue, Visitor as SessionVisitor};
use super::token::VisitorClaims;
use super::Gateway;
use crate::caller::Visitor;
use crate::error::ApiError;

const MAX_ID_CHARS: usize = 200;

/// Chats whose newest message is read at once when listing.
const LIST_CONCURRENCY: usize = 4;

pub async fn start(
    Visitor { gateway, claims }: Visitor,
    request: Result<Json<NewChatRequest>, JsonRejection>,
) -> Result<Json<SessionResponse>, ApiError> {
    let Json(request) = request.map_err(|e| ApiError::rejected_body("The request", &e))?;
    let id = &request.conversation_id;
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
        return Err(ApiError::bad_request(
            "conversationId is an id of 1 to 200 characters.",
        ));
    }
    gateway.count_life(&claims, "life").await?;
    Ok(Json(gateway.new_chat(&claims, id).await?))
}

pub async fn list(Visitor { gateway, claims }: Visitor) -> Result<Json<ChatList>, ApiError> {
    gateway
        .rate_check(
            &format!("read:{}", claims.external_id),
            gateway.config.rate_limits.reads_per_visitor,
        )
        .await?;
    Ok(Json(gateway.chats_of(&claims).await?))
}

fn conflict(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Conflict, message)
}

impl Gateway {
    async fn new_chat(
        &self,
        claims: &VisitorClaims,
        ended: &str,
    ) -> Result<SessionResponse, ApiError> {
        self.require_current_conversation(claims, ended).await?;
        let current = self.records.current_chat(&claims.external_id).await?;
        if current.as_deref() != Some(ended) {
            return Err(conflict(
                "A newer chat has been started already; open a session to join it.",
            ));
        }
        let previous = self.upstream.conversation(ended).await?;
        if !ConversationState::of(&previous.metadata).ended {
            return Err(conflict(
                "This chat is still open; end it before starting a new one.",
            ));
        }
        let customer = CustomerInput {
            external_id: Some(claims.external_id.clone()),
            ..Default::default()
        };
        // The visitor's top-level conversation (as it is returned unchanged, this names no
        // one new): the parent of every chat they start.
        let top: Conversation = self
            .upstream_reply(
                procedure::GET_OR_CREATE_CONVERSATION,
                &GetOrCreateConversationInput {
                    kind: Some(ConversationType::Direct),
                    customer: Some(customer.clone()),
                    channel_identifier: Some(claims.channel.clone()),
                    ..Default::default()
                },
            )
            .await?;
        let mut metadata = json!({"source": "website-chat", "previousChat": ended});
        // What the visitor told the team about themselves holds for the new chat too.
        if let Some(contact) = previous.metadata.get(super::contact::CONTACT_KEY) {
            metadata[super::contact::CONTACT_KEY] = contact.clone();
        }
        let chat: Conversation = self
            .upstream_reply(
                procedure::CREATE_SUB_CONVERSATION,
                &CreateSubConversationInput {
                    parent_id: top.id.clone(),
                    kind: Some(ConversationType::Direct),
                    customer: Some(customer),
                    channel_identifier: Some(claims.channel.clone()),
                    metadata: metadata.as_object().cloned(),
                    ..Default::default()
                },
            )
            .await?;
        let moved = self
            .records
            .start_chat(
                &claims.external_id,
                ended,
                &chat.id,
                &chat.created_at,
                &top.id,
            )
            .await?;
        if !moved {
            // Another tab started one first: this one is nobody's, and goes.
            let delete = DeleteConversationInput {
                id: chat.id.clone(),
            };
            if let Err(error) = self
                .call_upstream_with(procedure::DELETE_CONVERSATION, &delete)
                .await
            {
                tracing::warn!(%error, "a new chat that lost a race could not be deleted");
            }
            return Err(conflict(
                "A newer chat has been started already; open a session to join it.",
            ));
        }
        Ok(issue(
            self,
            SessionVisitor {
                visitor_id: claims.visitor_id.clone(),
                external_id: claims.external_id.clone(),
                customer_id: claims.customer_id.clone(),
            },
            &chat,
        ))
    }

    async fn chats_of(&self, claims: &VisitorClaims) -> Result<ChatList, ApiError> {
        // A token whose chat was merged or deleted away is over (401): its widget renews it
        // rather than showing an empty list.
        self.require_own_conversation(claims, &claims.conversation_id)
            .await?;
        let (listed, current) = self
            .records
            .chats(&claims.external_id, MAX_LISTED_CHATS)
            .await?;
        // A few at a time; a chat whose newest message cannot be read now (its index still
        // being built, deleted upstream) is listed without it rather than failing the list.
        let chats = futures_util::stream::iter(listed)
            .map(|(conversation_id, started_at)| {
                let current = current.as_deref() == Some(conversation_id.as_str());
                async move {
                    let last_message = self.newest_message(&conversation_id).await.ok().flatten();
                    ChatSummary {
                        conversation_id,
                        started_at,
                        current,
                        last_message,
                    }
                }
            })
            .buffered(LIST_CONCURRENCY)
            .collect()
            .await;
        Ok(ChatList { chats })
    }

    async fn upstream_reply<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        input: &impl serde::Serialize,
    ) -> Result<T, ApiError> {
        let reply: Value = self.call_upstream_with(path, input).await?;
        serde_json::from_value(reply)
            .map_err(|e| ApiError::internal(format!("unexpected upstream reply: {e}")))
    }
}

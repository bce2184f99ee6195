//! The end of a conversation and its rating (`rich-messages.md` has none of this; it is built
//! only from documented procedures, so it works with a remote Connect360 too):
//!
//! - `POST /api/widget/end`: the visitor ends their chat: `metadata.status = "resolved"`
//!   (with `resolvedAt`, `resolvedBy: "visitor"`) through `updateConversation`. An agent
//!   resolves it the same way (the console's button, or the API).
//! - `POST /api/widget/rating`: once the chat has ended, the visitor rates it once: 1–5 and a
//!   comment of at most 500 characters, written as `rating`, `ratingComment`, `ratedAt` and as
//!   a customer message flagged `rating` (its stars, then the comment), so agents see it in the
//!   transcript. A second rating is refused with 409.
//! - `GET /api/widget/conversation`: whether the chat has ended and been rated (what the event
//!   stream's `conversation` events say, for a widget polling instead).
//!
//! A visitor who writes in an ended chat opens it again (`status: "open"`); its rating stays.
//! A visitor who answers a live-agent chip is recorded as asking for a person (`handoff`,
//! [`crate::handoff`]); an end clears it. These are the only metadata keys the gateway writes
//! for a visitor besides their seen receipt and contact details.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::Json;
use connect360_model::lang::Lang;
use connect360_model::validate::forbidden_character;
use connect360_model::wire::{
    life, procedure, ConversationState, CustomerInput, EndRequest, ErrorCode, Json as Metadata,
    RatingRequest, SendAs, SendInput, UpdateConversationInput, MAX_RATING_COMMENT_CHARS,
};
use serde_json::{json, Value};

use super::token::VisitorClaims;
use super::Gateway;
use crate::caller::Visitor;
use crate::clock::{format_millis, now_millis};
use crate::error::ApiError;
use crate::handoff::handed_over;

const MAX_ID_CHARS: usize = 200;

/// A checked rating: 1–5, the comment, the visitor's language (for its message).
struct Rating<'a> {
    stars: u8,
    comment: Option<&'a str>,
    lang: Lang,
}

/// `?conversationId=` of the state route.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateQuery {
    conversation_id: String,
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
        return Err(ApiError::bad_request(
            "conversationId is an id of 1 to 200 characters.",
        ));
    }
    Ok(())
}

fn conflict(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Conflict, message)
}

pub async fn end(
    Visitor { gateway, claims }: Visitor,
    request: Result<Json<EndRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(request) = request.map_err(|e| ApiError::rejected_body("The request", &e))?;
    check_id(&request.conversation_id)?;
    gateway.count_life(&claims, "life").await?;
    gateway.end(&claims, &request.conversation_id).await?;
    gateway.announce_change(&request.conversation_id).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn rate(
    Visitor { gateway, claims }: Visitor,
    request: Result<Json<RatingRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(request) = request.map_err(|e| ApiError::rejected_body("The rating", &e))?;
    check_id(&request.conversation_id)?;
    if !(1..=5).contains(&request.rating) {
        return Err(ApiError::bad_request("rating: a whole number from 1 to 5."));
    }
    let comment = request
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(comment) = comment {
        if comment.chars().count() > MAX_RATING_COMMENT_CHARS {
            return Err(ApiError::bad_request(format!(
                "comment: at most {MAX_RATING_COMMENT_CHARS} characters."
            )));
        }
        if let Some(why) = forbidden_character(comment, true) {
            return Err(ApiError::bad_request(format!("comment: {why}.")));
        }
    }
    let lang = match request.lang.as_deref() {
        None => Lang::En,
        Some(code) => Lang::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .ok_or_else(|| ApiError::bad_request("lang: one of en, ar, tr."))?,
    };
    gateway.count_life(&claims, "life").await?;
    let rating = Rating {
        stars: request.rating,
        comment,
        lang,
    };
    gateway
        .rate(&claims, &request.conversation_id, &rating)
        .await?;
    gateway.announce_change(&request.conversation_id).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn state(
    Visitor { gateway, claims }: Visitor,
    query: Result<Query<StateQuery>, QueryRejection>,
) -> Result<Json<ConversationState>, ApiError> {
    let Query(query) = query
        .map_err(|e| ApiError::bad_request(format!("The query is not valid: {}", e.body_text())))?;
    check_id(&query.conversation_id)?;
    // Its own bucket: a widget polling the state never uses up the visitor's ends and ratings.
    gateway.count_life(&claims, "life-read").await?;
    gateway
        .require_own_conversation(&claims, &query.conversation_id)
        .await?;
    Ok(Json(
        gateway.conversation_state(&query.conversation_id).await?,
    ))
}

impl Gateway {
    /// Counts a visitor's end, rating (bucket `life`) or state read (`life-read`).
    pub(super) async fn count_life(
        &self,
        claims: &VisitorClaims,
        bucket: &str,
    ) -> Result<(), ApiError> {
        self.rate_check(
            &format!("{bucket}:{}", claims.external_id),
            self.config.rate_limits.life_changes_per_visitor,
        )
        .await
    }

    async fn metadata_of(&self, conversation: &str) -> Result<Metadata, ApiError> {
        Ok(self.upstream.conversation(conversation).await?.metadata)
    }

    /// Whether `conversation` has ended and been rated.
    pub async fn conversation_state(
        &self,
        conversation: &str,
    ) -> Result<ConversationState, ApiError> {
        Ok(ConversationState::of(
            &self.metadata_of(conversation).await?,
        ))
    }

    async fn merge_metadata(&self, conversation: &str, metadata: Value) -> Result<(), ApiError> {
        let input = UpdateConversationInput {
            id: conversation.to_owned(),
            metadata: metadata.as_object().cloned(),
            ..Default::default()
        };
        self.call_upstream_with(procedure::UPDATE_CONVERSATION, &input)
            .await
            .map(drop)
    }

    async fn end(&self, claims: &VisitorClaims, conversation: &str) -> Result<(), ApiError> {
        self.require_current_conversation(claims, conversation)
            .await?;
        if ConversationState::of(&self.metadata_of(conversation).await?).ended {
            // Ended already (by the team, or in another tab): nothing changes.
            return Ok(());
        }
        self.merge_metadata(
            conversation,
            json!({life::STATUS: life::RESOLVED, life::RESOLVED_AT: format_millis(now_millis()),
                   life::RESOLVED_BY: "visitor", life::HANDOFF: null}),
        )
        .await
    }

    async fn rate(
        &self,
        claims: &VisitorClaims,
        conversation: &str,
        rating: &Rating<'_>,
    ) -> Result<(), ApiError> {
        self.require_current_conversation(claims, conversation)
            .await?;
        let state = ConversationState::of(&self.metadata_of(conversation).await?);
        if !state.ended {
            return Err(conflict(
                "This chat has not ended; it can be rated once it has.",
            ));
        }
        let taken = self.records.take_rating(conversation).await?;
        if state.rated || !taken {
            return Err(conflict("This chat has already been rated."));
        }
        let written = self.write_rating(claims, conversation, rating).await;
        if written.is_err() {
            self.records.give_back_rating(conversation).await?;
        }
        written
    }

    /// The rating in the metadata, then as a customer message the team reads in the
    /// transcript: its stars (the same in every language) and the comment.
    async fn write_rating(
        &self,
        claims: &VisitorClaims,
        conversation: &str,
        rating: &Rating<'_>,
    ) -> Result<(), ApiError> {
        let at = format_millis(now_millis());
        let mut metadata = json!({life::RATING: rating.stars, life::RATED_AT: at});
        if let Some(comment) = rating.comment {
            metadata[life::RATING_COMMENT] = json!(comment);
        }
        self.merge_metadata(conversation, metadata).await?;
        if let Err(error) = self.send_rating_message(claims, conversation, rating).await {
            // Not half-written: the metadata goes too, so the visitor's retry can rate.
            let undo =
                json!({life::RATING: null, life::RATING_COMMENT: null, life::RATED_AT: null});
            if let Err(undo) = self.merge_metadata(conversation, undo).await {
                tracing::warn!(%undo, "a rating whose message failed could not be taken back");
            }
            return Err(error);
        }
        Ok(())
    }

    async fn send_rating_message(
        &self,
        claims: &VisitorClaims,
        conversation: &str,
        rating: &Rating<'_>,
    ) -> Result<(), ApiError> {
        let n = rating.stars;
        let stars: String = (1..=5).map(|i| if i <= n { '★' } else { '☆' }).collect();
        let text = match rating.comment {
            Some(comment) => format!("{stars} ({n}/5)\n{comment}"),
            None => format!("{stars} ({n}/5)"),
        };
        let mut content = serde_json::Map::new();
        content.insert(rating.lang.code().into(), json!(text));
        let input = SendInput {
            conversation_id: conversation.to_owned(),
            content: Some(content),
            flags: Some(vec![life::RATING_FLAG.to_owned()]),
            sender: Some(SendAs::Customer),
            customer: Some(CustomerInput {
                external_id: Some(claims.external_id.clone()),
                ..Default::default()
            }),
            channel_identifier: Some(claims.channel.clone()),
            ..Default::default()
        };
        self.call_upstream_with(procedure::SEND, &input)
            .await
            .map(drop)
    }

    /// After a visitor's message stored in `conversation`: an ended chat is open again, and a
    /// request for a person (`asks_for_person`: the answer to a live-agent chip) is recorded
    /// unless one stands already (its first time is kept). One read, at most one write.
    pub(super) async fn after_visitor_message(
        &self,
        conversation: &str,
        asks_for_person: bool,
    ) -> Result<(), ApiError> {
        let metadata = self.metadata_of(conversation).await?;
        let now = format_millis(now_millis());
        let mut changes = Metadata::new();
        if ConversationState::of(&metadata).ended {
            changes.insert(life::STATUS.into(), json!(life::OPEN));
            changes.insert("reopenedAt".into(), json!(now));
        }
        if asks_for_person && !handed_over(&metadata) {
            changes.insert(
                life::HANDOFF.into(),
                json!({life::HANDOFF_REQUESTED_AT: now}),
            );
        }
        if changes.is_empty() {
            return Ok(());
        }
        self.merge_metadata(conversation, Value::Object(changes))
            .await
    }
}

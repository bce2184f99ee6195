//! `POST /api/widget/seen`: the widget reports the newest message the visitor has seen (the
//! panel open and the tab visible). The gateway checks that it is a message the visitor sees in
//! their own conversation, and writes it with the time into the conversation's metadata under
//! [`SEEN_KEY`] through `updateConversation` — the one key a visitor's browser may write, and
//! only here; agents read it ("Seen 14:03" in the console).

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::Json;
use connect360_model::wire::{procedure, ListMessagesInput, SeenReport, UpdateConversationInput};
use serde_json::json;

use super::token::VisitorClaims;
use super::Gateway;
use crate::caller::Visitor;
use crate::error::ApiError;

/// The conversation metadata key that holds the visitor's seen receipt:
/// `{"messageId": "msg_…", "at": "2026-12-07T14:03:00Z"}`.
pub const SEEN_KEY: &str = "visitorSeen";

/// Ids are opaque but short; anything longer is not one of ours.
const MAX_ID_CHARS: usize = 200;

pub async fn seen(
    Visitor { gateway, claims }: Visitor,
    report: Result<Json<SeenReport>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(report) = report.map_err(|e| ApiError::rejected_body("The report", &e))?;
    let bad = |s: &str| s.is_empty() || s.chars().count() > MAX_ID_CHARS;
    if bad(&report.conversation_id) || bad(&report.message_id) {
        return Err(ApiError::bad_request(
            "conversationId and messageId are ids of 1 to 200 characters.",
        ));
    }
    gateway
        .rate_check(
            &format!("seen:{}", claims.external_id),
            gateway.config.rate_limits.seen_reports_per_visitor,
        )
        .await?;
    gateway.record_seen(&claims, &report).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl Gateway {
    async fn record_seen(
        &self,
        claims: &VisitorClaims,
        report: &SeenReport,
    ) -> Result<(), ApiError> {
        self.require_current_conversation(claims, &report.conversation_id)
            .await?;
        // A message this visitor is shown (a team note's id is refused like an unknown one).
        let page = self
            .visitor_page(ListMessagesInput {
                conversation_id: report.conversation_id.clone(),
                cursor: Some(report.message_id.clone()),
                limit: Some(1),
            })
            .await?;
        if page.items.first().map(|m| m.id.as_str()) != Some(report.message_id.as_str()) {
            return Err(ApiError::bad_request(
                "That message is not in this conversation.",
            ));
        }
        let at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let mut metadata = serde_json::Map::new();
        metadata.insert(
            SEEN_KEY.into(),
            json!({"messageId": report.message_id, "at": at}),
        );
        let input = UpdateConversationInput {
            id: report.conversation_id.clone(),
            metadata: Some(metadata),
            ..Default::default()
        };
        self.call_upstream_with(procedure::UPDATE_CONVERSATION, &input)
            .await?;
        Ok(())
    }
}

//! `GET /api/widget/history`: a conversation opens at its newest messages and pages back, at
//! O(1) requests a page however long it is (`connect360-api.md` §3.6 pages forward only).
//!
//! The gateway keeps, per conversation, where each page of 100 visible messages starts
//! ([`crate::store::history_pages`]). It builds that index once by walking the upstream
//! forward at its own pace (not the visitor's read limit), resumes a walk cut short, and
//! afterwards only extends it from its last page. Pages are counted in messages the visitor
//! sees, so neither a page's size nor a cursor says anything about team notes.

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::Json;
use connect360_model::wire::{ErrorCode, HistoryPage, HistoryQuery, ListMessagesInput, Message};

use super::token::VisitorClaims;
use super::Gateway;
use crate::caller::Visitor;
use crate::error::ApiError;

/// Visible messages per history page (the API's largest page).
pub const HISTORY_PAGE: usize = connect360_model::wire::limits::LIST_LIMIT_MAX as usize;

/// Upstream pages one request walks while indexing; a longer conversation is indexed over
/// several requests (each answers 503 and keeps its progress).
const MAX_INDEX_STEPS: usize = 200;

/// Ids are opaque but short; anything longer is not one of ours.
const MAX_ID_CHARS: usize = 200;

pub async fn history(
    Visitor { gateway, claims }: Visitor,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<HistoryPage>, ApiError> {
    let Query(query) = query
        .map_err(|e| ApiError::bad_request(format!("The query is not valid: {}", e.body_text())))?;
    let too_long = |s: &str| s.is_empty() || s.chars().count() > MAX_ID_CHARS;
    if too_long(&query.conversation_id) || query.before.as_deref().is_some_and(too_long) {
        return Err(ApiError::bad_request(
            "conversationId and before are ids of 1 to 200 characters.",
        ));
    }
    let limit = gateway.config.rate_limits.reads_per_visitor;
    gateway
        .rate_check(&format!("read:{}", claims.external_id), limit)
        .await?;
    Ok(Json(gateway.visitor_history(&claims, query).await?))
}

impl Gateway {
    /// The newest page of the visitor's conversation (with the one before it when the newest
    /// is short), or the page just before `before`.
    pub async fn visitor_history(
        &self,
        claims: &VisitorClaims,
        query: HistoryQuery,
    ) -> Result<HistoryPage, ApiError> {
        self.require_own_conversation(claims, &query.conversation_id)
            .await?;
        let conversation = query.conversation_id.as_str();
        let page = match query.before {
            None => self.newest_pages(conversation).await?,
            Some(before) => self.page_before(conversation, &before).await?,
        };
        self.grant_shown_files(claims, &page.items).await?;
        Ok(page)
    }

    /// The id of the newest message a visitor sees in `conversation` (none when empty).
    pub(super) async fn newest_message_id(
        &self,
        conversation: &str,
    ) -> Result<Option<String>, ApiError> {
        Ok(self.newest_message(conversation).await?.map(|m| m.id))
    }

    /// The newest message a visitor sees in `conversation` (none when empty).
    pub(super) async fn newest_message(
        &self,
        conversation: &str,
    ) -> Result<Option<Message>, ApiError> {
        let page = self.newest_pages(conversation).await?;
        Ok(page.items.into_iter().next_back())
    }

    async fn newest_pages(&self, conversation: &str) -> Result<HistoryPage, ApiError> {
        let (starts, newest, before_newest) = match self.extend_index(conversation).await {
            // The upstream no longer knows a page's start: the index is built again.
            Err(e) if e.code == ErrorCode::BadRequest => {
                self.records.forget_pages(conversation).await?;
                self.extend_index(conversation).await?
            }
            other => other?,
        };
        let newest_page = starts.len();
        if newest.len() >= HISTORY_PAGE / 2 || newest_page == 0 {
            return Ok(history_page(&starts, newest_page, newest));
        }
        // A newest page of a few messages is shown with the page before it.
        let mut items = match before_newest {
            Some(items) => items,
            None => {
                self.read_page(conversation, &starts, newest_page - 1)
                    .await?
            }
        };
        items.extend(newest);
        Ok(history_page(&starts, newest_page - 1, items))
    }

    async fn page_before(&self, conversation: &str, before: &str) -> Result<HistoryPage, ApiError> {
        let starts = self.records.page_starts(conversation).await?;
        // `before` must start a page this index holds; the page before it is asked for.
        let Some(page) = starts.iter().position(|s| s == before) else {
            return Err(ApiError::bad_request("Invalid cursor."));
        };
        let mut items = self.read_page(conversation, &starts, page).await?;
        // The page ends where the next one starts, whatever arrived since.
        if let Some(end) = items.iter().position(|m| m.id == before) {
            items.truncate(end);
        }
        Ok(history_page(&starts, page, items))
    }

    /// Page `page` (0 starts at the first message) as the visitor sees it.
    async fn read_page(
        &self,
        conversation: &str,
        starts: &[String],
        page: usize,
    ) -> Result<Vec<Message>, ApiError> {
        let cursor = page.checked_sub(1).map(|i| starts[i].clone());
        Ok(self
            .visitor_page(page_input(conversation, cursor))
            .await?
            .items)
    }

    /// Walks forward from the last page the index holds to the newest message, recording
    /// each page's start. Returns the index, the newest page and, when this walk read it, the
    /// page before the newest.
    async fn extend_index(
        &self,
        conversation: &str,
    ) -> Result<(Vec<String>, Vec<Message>, Option<Vec<Message>>), ApiError> {
        let mut starts = self.records.page_starts(conversation).await?;
        let mut previous = None;
        for _ in 0..MAX_INDEX_STEPS {
            let page = self
                .visitor_page(page_input(conversation, starts.last().cloned()))
                .await?;
            let Some(next) = page.next_cursor else {
                return Ok((starts, page.items, previous));
            };
            starts.push(next.clone());
            self.records
                .record_page_start(conversation, starts.len(), &next)
                .await?;
            previous = Some(page.items);
        }
        Err(ApiError::new(
            ErrorCode::ServiceUnavailable,
            "This conversation's history is still being indexed; retry shortly.",
        ))
    }

    /// Files shown in the visitor's conversation may be downloaded by them.
    pub(super) async fn grant_shown_files(
        &self,
        claims: &VisitorClaims,
        items: &[Message],
    ) -> Result<(), ApiError> {
        let shown: Vec<(String, String)> = items
            .iter()
            .flat_map(|m| {
                m.attachments
                    .iter()
                    .map(|f| (f.id.clone(), f.s3_key.clone()))
            })
            .collect();
        self.records
            .grant_shown_files(&claims.external_id, shown)
            .await
    }
}

fn page_input(conversation: &str, cursor: Option<String>) -> ListMessagesInput {
    ListMessagesInput {
        conversation_id: conversation.to_owned(),
        limit: Some(HISTORY_PAGE as i64),
        cursor,
    }
}

/// `items` from page `first` on: older pages exist when `first` is not the first page, and
/// the first item (the start of page `first`) asks for them.
fn history_page(starts: &[String], first: usize, items: Vec<Message>) -> HistoryPage {
    let older_cursor = first.checked_sub(1).map(|i| starts[i].clone());
    HistoryPage {
        items,
        older_cursor,
    }
}

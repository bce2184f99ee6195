//! What the gateway cleans up by itself, every few minutes: uploads no message ever named
//! (after [`UNATTACHED_FILE_TTL`]) and guest conversations nobody ever wrote in (after
//! [`EMPTY_CONVERSATION_TTL`] since their latest session), each with every grant to them.
//! A sweep handles a bounded batch, so it never holds the store for long.

use std::sync::Arc;
use std::time::Duration;

use connect360_model::wire::{procedure, ErrorCode, MessagePage};
use serde_json::json;

use super::Gateway;
use crate::clock::now_millis;
use crate::error::ApiError;

/// An upload not attached to a message within an hour was abandoned.
pub const UNATTACHED_FILE_TTL: Duration = Duration::from_secs(3600);
/// A guest conversation with no message a day after its latest session was never used.
pub const EMPTY_CONVERSATION_TTL: Duration = Duration::from_secs(24 * 3600);
/// How often the sweep runs.
const INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Items per sweep and kind.
const BATCH: usize = 200;

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub files: usize,
    pub conversations: usize,
}

impl Gateway {
    /// Runs [`Gateway::sweep`] every few minutes, for ever.
    pub async fn run_housekeeping(self: Arc<Self>) {
        let mut ticks = tokio::time::interval(INTERVAL);
        loop {
            ticks.tick().await;
            match self.sweep(now_millis()).await {
                Ok(swept) if swept != Swept::default() => tracing::info!(?swept, "housekeeping"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "housekeeping failed"),
            }
        }
    }

    /// One sweep as of `now` (Unix milliseconds). An item that fails is logged and left for
    /// the next sweep; it never stops the others.
    pub async fn sweep(&self, now: i64) -> Result<Swept, ApiError> {
        let mut swept = Swept::default();
        // Away stretches a month over: no message can fall in them any more.
        self.records
            .forget_old(now - super::quota::WINDOW_MILLIS, now - 30 * 24 * 3_600_000)
            .await?;
        let before = now - UNATTACHED_FILE_TTL.as_millis() as i64;
        let files = self.records.unattached_uploads(before, BATCH).await?;
        for (file_id, _) in files {
            if let Err(error) = self.upstream.discard_file(&file_id).await {
                tracing::warn!(%error, file_id, "could not discard an abandoned upload");
                continue;
            }
            self.records.revoke_files(vec![file_id]).await?;
            swept.files += 1;
        }

        let before = now - EMPTY_CONVERSATION_TTL.as_millis() as i64;
        let idle = self.records.idle_guest_conversations(before, BATCH).await?;
        for conversation in idle {
            match self.remove_if_empty(&conversation).await {
                Ok(true) => swept.conversations += 1,
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(%error, conversation, "could not sweep a guest conversation")
                }
            }
        }
        Ok(swept)
    }

    /// Deletes a guest conversation that holds no message (true), or marks it kept.
    async fn remove_if_empty(&self, conversation: &str) -> Result<bool, ApiError> {
        let id = [conversation.to_owned()];
        let listed = self
            .call_upstream(
                procedure::LIST_MESSAGES,
                json!({"conversationId": conversation, "limit": 1}),
            )
            .await;
        let page: MessagePage = match listed {
            Ok(value) => serde_json::from_value(value)
                .map_err(|e| ApiError::internal(format!("unexpected upstream reply: {e}")))?,
            // Deleted upstream already (by the merchant, say): only the grants are left.
            Err(error) if error.code == ErrorCode::NotFound => {
                self.records.revoke_conversations(&id).await?;
                return Ok(false);
            }
            Err(error) => return Err(error),
        };
        if !page.items.is_empty() || page.next_cursor.is_some() {
            self.records.keep_conversation(conversation).await?;
            return Ok(false);
        }
        match self
            .call_upstream(procedure::DELETE_CONVERSATION, json!({"id": conversation}))
            .await
        {
            Ok(_) => {}
            Err(error) if error.code == ErrorCode::NotFound => {}
            Err(error) => return Err(error),
        }
        self.records.revoke_conversations(&id).await?;
        Ok(true)
    }
}

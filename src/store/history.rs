//! The history: the gateway's newest page of the conversation, shown at once however long the
//! conversation is, and the pages before it, fetched one at a time as the visitor scrolls
//! back (`GET /api/widget/history`). What arrives later comes from the poller.

use connect360_model::wire::{HistoryPage, HistoryQuery};

use leptos::prelude::*;

use super::Chat;
use crate::api::ApiError;

/// Where fetching the page before the oldest message held stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OlderLoad {
    #[default]
    Idle,
    Loading,
    /// The last attempt failed; asking again retries it.
    Failed,
}

impl Chat {
    /// One history page of the visitor's conversation: the newest, or the one before `before`.
    async fn history_page(&self, before: Option<String>) -> Result<HistoryPage, ApiError> {
        self.authorised(|api, session| {
            let query = HistoryQuery {
                conversation_id: session.conversation_id.clone(),
                before: before.clone(),
            };
            async move { api.history(&session.token, &query).await }
        })
        .await
    }

    /// Loads the newest page; the poller goes on from its newest message. Messages of the
    /// visitor's own still in the outbox that it shows stored are delivered.
    pub(super) async fn load_history(&self) -> Result<(), ApiError> {
        let asked_of = self.conversation_id();
        let page = self.history_page(None).await?;
        if self.moved_on_from(asked_of.as_deref()) {
            // The visitor moved to another chat meanwhile: the next round loads that one.
            return Ok(());
        }
        let added = self
            .transcript
            .try_update(|t| t.load_newest(page.items, page.older_cursor))
            .unwrap_or_default();
        self.older_load.try_set(OlderLoad::Idle);
        self.take_stored(&added);
        self.loaded.try_set(true);
        if let Ok(inner) = self.alive() {
            // The live stream can follow from the newest message now.
            inner.live_alarm.wake();
        }
        self.report_seen();
        Ok(())
    }

    /// Fetches every earlier page not held yet (for the transcript file); false when one could
    /// not be fetched.
    pub async fn load_all_history(&self) -> bool {
        loop {
            let older = self
                .transcript
                .try_with_untracked(|t| t.older_cursor().is_some())
                .unwrap_or(false);
            if !older {
                return true;
            }
            if self.load_older().await == 0 {
                return false;
            }
        }
    }

    /// Fetches the page before the oldest message held and puts it in front; the number of
    /// messages added (none when everything is held or a fetch is under way already).
    pub async fn load_older(&self) -> usize {
        let Some(cursor) = self
            .transcript
            .try_with_untracked(|t| t.older_cursor().map(str::to_owned))
            .flatten()
        else {
            return 0;
        };
        if !matches!(
            self.older_load.try_get_untracked(),
            Some(OlderLoad::Idle | OlderLoad::Failed)
        ) {
            return 0;
        }
        self.older_load.try_set(OlderLoad::Loading);
        let asked_of = self.conversation_id();
        match self.history_page(Some(cursor.clone())).await {
            Ok(_) if self.moved_on_from(asked_of.as_deref()) => {
                self.older_load.try_set(OlderLoad::Idle);
                0
            }
            Ok(page) => {
                self.older_load.try_set(OlderLoad::Idle);
                self.transcript
                    .try_update(|t| t.prepend_older(&cursor, page.items, page.older_cursor))
                    .unwrap_or_default()
            }
            Err(_) => {
                self.older_load.try_set(OlderLoad::Failed);
                0
            }
        }
    }
}

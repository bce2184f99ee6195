//! The visitor's chats: a new one once the current chat has ended, and the earlier ones,
//! listed and read (never written in: the gateway refuses that).

use connect360_model::wire::{ChatSummary, HistoryQuery, Message};
use leptos::prelude::*;

use super::session::Renew;
use super::Chat;
use crate::api::ApiError;

/// History requests an earlier chat is read in, at most (100 messages each).
const MAX_EARLIER_PAGES: usize = 10;

impl Chat {
    /// Starts a new chat after the current one ended; the panel follows it. When another tab
    /// started one first (or the chat is open again), a fresh session says which chat is current.
    pub async fn new_chat(&self) -> Result<(), ApiError> {
        let opened = self
            .authorised(|api, session| async move {
                api.new_chat(&session.token, &session.conversation_id).await
            })
            .await;
        let inner = self.alive()?;
        match opened {
            Ok(opened) => {
                let current = inner.session.borrow().clone();
                self.adopt_session(&inner, current.as_ref(), opened);
            }
            Err(ApiError::Http { status: 409, .. }) => {
                self.session(Renew::Always).await?;
            }
            Err(error) => return Err(error),
        }
        self.loaded.try_set(false);
        inner.poll_alarm.wake();
        Ok(())
    }

    /// The visitor's chats, newest first.
    pub async fn chats(&self) -> Result<Vec<ChatSummary>, ApiError> {
        let list = self
            .authorised(|api, session| async move { api.chats(&session.token).await })
            .await?;
        Ok(list.chats)
    }

    /// The messages of one of the visitor's chats, oldest first (its newest 1 000 at most).
    pub async fn chat_messages(&self, conversation_id: &str) -> Result<Vec<Message>, ApiError> {
        let mut messages = Vec::new();
        let mut before = None;
        for _ in 0..MAX_EARLIER_PAGES {
            let query = HistoryQuery {
                conversation_id: conversation_id.to_owned(),
                before: before.clone(),
            };
            let page = self
                .authorised(|api, session| {
                    let query = query.clone();
                    async move { api.history(&session.token, &query).await }
                })
                .await?;
            let mut items = page.items;
            items.append(&mut messages);
            messages = items;
            match page.older_cursor {
                Some(cursor) => before = Some(cursor),
                None => break,
            }
        }
        Ok(messages)
    }
}

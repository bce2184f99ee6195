//! The chat's end and its rating. The visitor ends it from the header's menu, or an agent
//! resolves it: the event stream's `conversation` events (or, while it is down, each poll)
//! say so. Then the visitor rates it once. Writing again opens it (the gateway does).

use connect360_model::wire::{ConversationState, RatingRequest};
use leptos::prelude::*;

use super::Chat;
use crate::api::ApiError;

impl Chat {
    /// The gateway says how the conversation stands.
    pub(super) fn conversation_changed(&self, state: ConversationState) {
        if self.life.try_get_untracked() == Some(state) {
            return;
        }
        self.life.try_set(state);
        if let Ok(inner) = self.alive() {
            if let Some(session) = inner.session.borrow_mut().as_mut() {
                session.conversation = state;
                inner.persisted.save_session(session);
            }
        }
    }

    /// Reads how the conversation stands (the poller does, while the stream is down).
    pub(super) async fn refresh_life(&self) {
        let state = self
            .authorised(|api, session| async move {
                api.conversation_state(&session.token, &session.conversation_id)
                    .await
            })
            .await;
        if let Ok(state) = state {
            self.conversation_changed(state);
        }
    }

    /// Ends the chat.
    pub async fn end_chat(&self) -> Result<(), ApiError> {
        self.authorised(|api, session| async move {
            api.end_chat(&session.token, &session.conversation_id).await
        })
        .await?;
        let rated = self.life.get_untracked().rated;
        self.conversation_changed(ConversationState { ended: true, rated });
        Ok(())
    }

    /// Rates the ended chat: 1–5 and an optional comment. A refusal because it was rated (in
    /// another tab) or opened again meanwhile shows how it stands now.
    pub async fn rate_chat(&self, rating: u8, comment: Option<String>) -> Result<(), ApiError> {
        let lang = self.lang().code().to_owned();
        let result = self
            .authorised(|api, session| {
                let request = RatingRequest {
                    conversation_id: session.conversation_id.clone(),
                    rating,
                    comment: comment.clone(),
                    lang: Some(lang.clone()),
                };
                async move { api.rate_chat(&session.token, &request).await }
            })
            .await;
        match result {
            Ok(()) => {
                self.conversation_changed(ConversationState {
                    ended: true,
                    rated: true,
                });
                Ok(())
            }
            Err(error @ ApiError::Http { status: 409, .. }) => {
                self.refresh_life().await;
                Err(error)
            }
            Err(error) => Err(error),
        }
    }
}

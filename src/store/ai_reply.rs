//! The AI agent's reply, streamed (`connect360-api.md` §4.3) after the visitor's free text.
//! In the split release build (`--cfg c360_split`) this code is a module of its own, fetched
//! with the first reply of a site that has an AI agent: most sites have none.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

use super::Chat;
use crate::ui::LoadFailed;

/// The streaming of one AI reply, as a task to await.
pub(super) type AiReplyTask = Pin<Box<dyn Future<Output = ()>>>;

/// The task streaming the reply to `message_id`, once its module is here.
#[cfg(c360_split)]
#[leptos::wasm_split::wasm_split(ai_reply, wasm_split_path = ::leptos::wasm_split, fallible)]
pub(super) fn ai_reply_task(chat: Chat, message_id: String) -> Result<AiReplyTask, LoadFailed> {
    Ok(Box::pin(chat.stream_ai_reply(message_id)))
}

/// The task streaming the reply to `message_id`.
#[cfg(not(c360_split))]
pub(super) async fn ai_reply_task(
    chat: Chat,
    message_id: String,
) -> Result<AiReplyTask, LoadFailed> {
    Ok(Box::pin(chat.stream_ai_reply(message_id)))
}

/// An AI reply while it is being written (`connect360-api.md` §4.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamingReply {
    /// The text so far; empty while the agent is "typing".
    pub text: String,
    /// The stored message's id once the stream is done: the streamed bubble gives way to it.
    pub message_id: Option<String>,
}

/// Fetches of the reply's module before it is given up (1 s, then 3 s apart).
const MODULE_ATTEMPTS: u32 = 3;

impl Chat {
    /// Asks the AI agent to answer the visitor's message `message_id`, fetching the module that
    /// streams replies first. Without it no reply is asked for (the agent answers only when
    /// asked), so a failed fetch is tried again; given up, the visitor can still write on.
    pub(super) async fn answer_with_ai(self, message_id: String) {
        for attempt in 0..MODULE_ATTEMPTS {
            if attempt > 0 {
                super::alarm::sleep(1000 * (2 * attempt - 1)).await;
                if self.alive().is_err() {
                    return;
                }
            }
            if let Ok(reply) = ai_reply_task(self, message_id.clone()).await {
                reply.await;
                return;
            }
        }
    }

    /// Streams the AI agent's reply to the visitor's message `message_id`: a typing
    /// indicator, the text as it grows, one announcement when done; the stored message then
    /// takes its place (merged by id). Any failure falls back to polling.
    async fn stream_ai_reply(self, message_id: String) {
        let Some(agent) = self.alive().ok().and_then(|i| {
            i.session
                .borrow()
                .as_ref()
                .and_then(|s| s.ai_agent_id.clone())
        }) else {
            return;
        };
        self.streaming.try_set(Some(StreamingReply::default()));
        let result = self
            .authorised(|api, session| {
                let input = connect360_model::wire::AiStreamInput {
                    agent_id: agent.clone(),
                    conversation_id: session.conversation_id.clone(),
                    channel_id: None,
                    last_message_id: Some(message_id.clone()),
                    sender_id: None,
                };
                let chat = self;
                async move {
                    api.ai_stream(&session.token, &input, |event| chat.on_ai_event(event))
                        .await
                }
            })
            .await;
        let finished = self
            .streaming
            .try_with_untracked(|s| s.as_ref().is_some_and(|s| s.message_id.is_some()))
            .unwrap_or(false);
        if result.is_err() || !finished {
            self.streaming.try_set(None);
        }
        self.poll_unless_live();
    }

    pub(super) fn on_ai_event(&self, event: connect360_model::wire::AiStreamEvent) {
        use connect360_model::wire::AiStreamEvent;
        match event {
            AiStreamEvent::Delta { text, .. } => {
                self.streaming.try_update(|s| {
                    if let Some(s) = s {
                        s.text = text;
                    }
                });
            }
            AiStreamEvent::Done { message_id, text } => {
                if self
                    .transcript
                    .try_with_untracked(|t| t.contains(&message_id))
                    == Some(true)
                {
                    // A poll brought (and announced) the stored reply first.
                    self.streaming.try_set(None);
                    return;
                }
                self.streaming.try_set(Some(StreamingReply {
                    text: text.clone(),
                    message_id: Some(message_id),
                }));
                let Ok(lang) = self.alive().map(|i| i.config.lang) else {
                    return;
                };
                self.announce(format!(
                    "{}: {text}",
                    crate::i18n::Text::Assistant.get(lang)
                ));
            }
            AiStreamEvent::Error { .. } => {
                self.streaming.try_set(None);
            }
        }
    }
}

//! The AI agent's reply, streamed (`connect360-api.md` §4.3) after the visitor's free text.

use leptos::prelude::*;

use super::Chat;

/// An AI reply while it is being written (`connect360-api.md` §4.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamingReply {
    /// The text so far; empty while the agent is "typing".
    pub text: String,
    /// The stored message's id once the stream is done: the streamed bubble gives way to it.
    pub message_id: Option<String>,
}

impl Chat {
    /// Streams the AI agent's reply to the visitor's message `message_id`: a typing
    /// indicator, the text as it grows, one announcement when done; the stored message then
    /// takes its place (merged by id). Any failure falls back to polling.
    pub(super) async fn stream_ai_reply(self, message_id: String) {
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

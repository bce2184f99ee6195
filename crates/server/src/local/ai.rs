//! The local demo AI agent: deterministic replies (no language model), written as normal
//! messages with `sender.type = "ai"` after the visitor's message (`send.ai`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use connect360_model::wire::Message;
use serde_json::json;
use tokio::sync::mpsc;

use super::LocalConnect;
use crate::clock::new_id;
use crate::error::ApiError;
use crate::store::messages::{self, MessageRow};

/// An AI reply to write.
#[derive(Debug, Clone)]
pub struct AiJob {
    pub agent_id: String,
    pub conversation_id: String,
    pub reply_to: Message,
}

/// The demo agent's answer to a visitor's text: deterministic, so tests can expect it.
pub fn demo_reply(visitor_text: &str) -> String {
    let topic = visitor_text.trim();
    let topic: String = topic.chars().take(80).collect();
    if topic.is_empty() {
        "Thanks for reaching out! A member of our team will be with you shortly.".into()
    } else {
        format!(
            "Thanks for your message about \u{201C}{topic}\u{201D}. I'm the demo assistant: I can show \
             our products, track an order or connect you with a person. What would you like to do?"
        )
    }
}

/// The text of a message's first present language, for replying to it.
pub fn message_text(message: &Message) -> String {
    ["en", "ar", "tr"]
        .iter()
        .filter_map(|lang| message.content.get(*lang))
        .find_map(|value| {
            value.as_str().map(str::to_owned).or_else(|| {
                value
                    .get("text")
                    .and_then(|t| t.as_str())
                    .map(str::to_owned)
            })
        })
        .unwrap_or_default()
}

impl LocalConnect {
    /// Stores an AI message in a conversation (the end of a stream or a `send.ai` reply).
    pub fn store_ai_reply(
        &self,
        agent_id: &str,
        conversation_id: &str,
        parent_id: Option<&str>,
        text: &str,
    ) -> Result<Message, ApiError> {
        self.store
            .transaction(|tx| {
                let row = MessageRow {
                    id: new_id("msg"),
                    conversation_id: conversation_id.to_owned(),
                    parent_id: parent_id.map(str::to_owned),
                    content: json!({ "en": text })
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                    attachment_ids: Vec::new(),
                    sender_type: "ai".into(),
                    sender_id: agent_id.to_owned(),
                    flags: Vec::new(),
                    template_id: None,
                    template_context: None,
                    channel_id: None,
                    created_at: tx.now(),
                };
                messages::insert(tx, &row)?;
                self.to_message(tx, row, &mut HashMap::new())
            })
            .inspect(|message| self.announce_change(&message.conversation_id))
    }
}

/// Writes the replies `send.ai` asked for, each shortly after its message (the reply is
/// asynchronous, as documented).
pub async fn run_worker(local: Arc<LocalConnect>, mut jobs: mpsc::UnboundedReceiver<AiJob>) {
    while let Some(job) = jobs.recv().await {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let text = demo_reply(&message_text(&job.reply_to));
        let local = local.clone();
        let result = tokio::task::spawn_blocking(move || {
            local.store_ai_reply(
                &job.agent_id,
                &job.conversation_id,
                Some(&job.reply_to.id),
                &text,
            )
        })
        .await;
        if let Ok(Err(error)) | Err(error) = result.map_err(|e| ApiError::internal(e.to_string())) {
            tracing::warn!(%error, "the demo AI reply could not be stored");
        }
    }
}

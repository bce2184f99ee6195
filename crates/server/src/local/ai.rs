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

/// The demo agent's answer: its text, in the language the visitor wrote in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReply {
    /// The content key: the language of the message answered (`en` when there is none).
    pub lang: &'static str,
    pub text: String,
}

/// The demo agent's answer to a visitor's message: deterministic, so tests can expect it.
pub fn demo_reply(to: Option<&Message>) -> DemoReply {
    let (lang, said) = to.and_then(message_text).unwrap_or(("en", String::new()));
    let topic: String = said.trim().chars().take(80).collect();
    // Isolated (FSI … PDI): a left-to-right topic in Arabic, or an Arabic one in English, keeps
    // its own direction without moving the quotes and punctuation around it.
    let empty = topic.is_empty();
    let topic = format!("\u{2068}{topic}\u{2069}");
    let text = match (lang, empty) {
        ("ar", true) => "شكرًا لتواصلك معنا! سينضم إليك أحد أفراد فريقنا قريبًا.".into(),
        ("ar", false) => format!(
            "شكرًا على رسالتك بخصوص «{topic}». أنا المساعد التجريبي: يمكنني عرض \
             منتجاتنا أو تتبّع طلب أو إيصالك بأحد أفراد الفريق. ماذا تودّ أن تفعل؟"
        ),
        ("tr", true) => {
            "Bize ulaştığınız için teşekkürler! Ekibimizden biri birazdan size katılacak.".into()
        }
        ("tr", false) => format!(
            "\u{201C}{topic}\u{201D} hakkındaki mesajınız için teşekkürler. Ben demo asistanıyım: \
             ürünlerimizi gösterebilir, bir siparişi takip edebilir ya da sizi bir çalışanımıza \
             bağlayabilirim. Ne yapmak istersiniz?"
        ),
        (_, true) => "Thanks for reaching out! A member of our team will be with you shortly.".into(),
        (_, false) => format!(
            "Thanks for your message about \u{201C}{topic}\u{201D}. I'm the demo assistant: I can show \
             our products, track an order or connect you with a person. What would you like to do?"
        ),
    };
    DemoReply { lang, text }
}

/// The language and text of a message's first present language, for replying to it.
fn message_text(message: &Message) -> Option<(&'static str, String)> {
    ["en", "ar", "tr"].into_iter().find_map(|lang| {
        let value = message.content.get(lang)?;
        let text = value
            .as_str()
            .or_else(|| value.get("text").and_then(|t| t.as_str()))?;
        Some((lang, text.to_owned()))
    })
}

impl LocalConnect {
    /// Stores an AI message in a conversation (the end of a stream or a `send.ai` reply).
    pub fn store_ai_reply(
        &self,
        agent_id: &str,
        conversation_id: &str,
        parent_id: Option<&str>,
        reply: &DemoReply,
    ) -> Result<Message, ApiError> {
        self.store
            .transaction(|tx| {
                let row = MessageRow {
                    id: new_id("msg"),
                    conversation_id: conversation_id.to_owned(),
                    parent_id: parent_id.map(str::to_owned),
                    content: [(reply.lang.to_owned(), json!(reply.text))]
                        .into_iter()
                        .collect(),
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
        let reply = demo_reply(Some(&job.reply_to));
        let local = local.clone();
        let result = tokio::task::spawn_blocking(move || {
            local.store_ai_reply(
                &job.agent_id,
                &job.conversation_id,
                Some(&job.reply_to.id),
                &reply,
            )
        })
        .await;
        if let Ok(Err(error)) | Err(error) = result.map_err(|e| ApiError::internal(e.to_string())) {
            tracing::warn!(%error, "the demo AI reply could not be stored");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_visitor(content: serde_json::Value) -> Message {
        serde_json::from_value(json!({
            "id": "msg_1", "conversationId": "conv_1", "content": content,
            "sender": {"type": "customer", "id": "cust_1"},
            "createdAt": "2026-12-07T10:00:00.000Z"
        }))
        .unwrap()
    }

    #[test]
    fn the_demo_agent_answers_in_the_language_the_visitor_wrote_in() {
        let reply = demo_reply(Some(&from_visitor(json!({"ar": "مقاس الحذاء"}))));
        assert_eq!(reply.lang, "ar");
        assert!(
            reply.text.contains("«\u{2068}مقاس الحذاء\u{2069}»"),
            "{}",
            reply.text
        );
        assert!(reply.text.contains("المساعد التجريبي"));

        let reply = demo_reply(Some(&from_visitor(
            json!({"tr": {"text": "Sipariş nerede?"}}),
        )));
        assert_eq!(reply.lang, "tr");
        assert!(reply
            .text
            .starts_with("\u{201C}\u{2068}Sipariş nerede?\u{2069}\u{201D} hakkındaki"));

        let reply = demo_reply(Some(&from_visitor(json!({"en": "Sizes"}))));
        assert_eq!(reply.lang, "en");
        assert!(reply
            .text
            .starts_with("Thanks for your message about \u{201C}\u{2068}Sizes\u{2069}\u{201D}"));
    }

    #[test]
    fn with_nothing_to_answer_the_demo_agent_greets_in_english_or_the_visitor_s_language() {
        assert_eq!(demo_reply(None).lang, "en");
        assert!(demo_reply(None)
            .text
            .starts_with("Thanks for reaching out!"));
        let reply = demo_reply(Some(&from_visitor(json!({"tr": "   "}))));
        assert_eq!(reply.lang, "tr");
        assert!(reply.text.starts_with("Bize ulaştığınız için"));
    }
}

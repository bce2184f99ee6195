//! `POST /api/v1/connect/ai-stream` (`connect360-api.md` §4.3): the demo agent's reply as
//! server-sent events — cumulative `delta`s, then `done` with the stored message's id, or one
//! `error`. Auth and a malformed body fail before the stream as ordinary HTTP errors.

use std::sync::Arc;
use std::time::Duration;

use connect360_model::wire::{AiStreamEvent, AiStreamInput, Message, SenderType};

use super::ai::{demo_reply, DemoReply};
use super::LocalConnect;
use crate::error::ApiError;
use crate::store::{conversations, messages};

/// Pause between deltas, so a client sees the reply grow.
const DELTA_INTERVAL: Duration = Duration::from_millis(35);

/// What the stream answers: the text to stream and where to store it.
struct Plan {
    agent_id: String,
    conversation_id: String,
    reply_to: Option<String>,
    reply: DemoReply,
}

impl LocalConnect {
    /// Checks the request against the store; `Err` becomes the stream's `error` event.
    fn plan_stream(&self, input: &AiStreamInput) -> Result<Plan, String> {
        let agent = self
            .workspace
            .agent(&input.agent_id)
            .ok_or("AI agent not found.")?;
        let found = self
            .store
            .transaction(|tx| {
                let Some(conversation) = conversations::get(tx, &input.conversation_id)? else {
                    return Ok(None);
                };
                let last = match &input.last_message_id {
                    Some(id) => {
                        messages::get(tx, id)?.filter(|m| m.conversation_id == conversation.id)
                    }
                    None => messages::latest(tx, &conversation.id)?,
                };
                let last = match last {
                    Some(row) => Some(self.to_message(tx, row, &mut Default::default())?),
                    None => None,
                };
                Ok(Some(last))
            })
            .map_err(|e| e.message)?;
        let last: Option<Message> = found.ok_or("Conversation not found.")?;
        let sender = input.sender_id.clone().or_else(|| {
            last.as_ref()
                .filter(|m| m.sender.kind == SenderType::Customer)
                .map(|m| m.sender.id.clone())
        });
        if sender.is_none() {
            return Err("No sender: give senderId or a lastMessageId from the customer.".into());
        }
        Ok(Plan {
            agent_id: agent.id.clone(),
            conversation_id: input.conversation_id.clone(),
            reply_to: last.as_ref().map(|m| m.id.clone()),
            reply: demo_reply(last.as_ref()),
        })
    }
}

impl LocalConnect {
    /// The reply to `input` as an SSE body, one frame per event as it is produced.
    pub fn ai_stream_body(self: &Arc<Self>, input: AiStreamInput) -> axum::body::Body {
        use tokio_stream::StreamExt;
        let (sender, receiver) = tokio::sync::mpsc::channel::<AiStreamEvent>(16);
        tokio::spawn(stream_reply(self.clone(), input, sender));
        let frames = tokio_stream::wrappers::ReceiverStream::new(receiver)
            .map(|event| Ok::<_, std::convert::Infallible>(event.to_frame()));
        axum::body::Body::from_stream(frames)
    }
}

/// Streams the reply into `events`; the receiver side is the HTTP body.
pub async fn stream_reply(
    local: Arc<LocalConnect>,
    input: AiStreamInput,
    events: tokio::sync::mpsc::Sender<AiStreamEvent>,
) {
    let planner = local.clone();
    let plan = tokio::task::spawn_blocking(move || planner.plan_stream(&input))
        .await
        .unwrap_or_else(|e| Err(format!("The stream failed: {e}")));
    let plan = match plan {
        Ok(plan) => plan,
        Err(error) => {
            let _ = events.send(AiStreamEvent::Error { error }).await;
            return;
        }
    };
    let mut text = String::new();
    for word in plan.reply.text.split_inclusive(' ') {
        text.push_str(word);
        let delta = AiStreamEvent::Delta {
            delta: word.to_owned(),
            text: text.clone(),
        };
        if events.send(delta).await.is_err() {
            return; // the client went away: nothing is stored
        }
        tokio::time::sleep(DELTA_INTERVAL).await;
    }
    let stored = tokio::task::spawn_blocking(move || {
        local.store_ai_reply(
            &plan.agent_id,
            &plan.conversation_id,
            plan.reply_to.as_deref(),
            &plan.reply,
        )
    })
    .await
    .unwrap_or_else(|e| Err(ApiError::internal(e.to_string())));
    let last = match stored {
        Ok(message) => AiStreamEvent::Done {
            message_id: message.id,
            text,
        },
        Err(error) => AiStreamEvent::Error {
            error: error.message,
        },
    };
    let _ = events.send(last).await;
}

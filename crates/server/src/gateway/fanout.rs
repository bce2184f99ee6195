//! Replicas sharing their state (`--state`) share their conversations' events too. The one
//! replica polling the upstream for a conversation (it holds the conversation's lease; see
//! [`super::live`]) tells the others each message and state change it reads, on
//! [`EVENTS_CHANNEL`]; their streams of that conversation hand it on as if they had read it.
//! A replica that writes into a conversation (a visitor's send, an end, a rating) asks on
//! [`WAKE_CHANNEL`] for it to be read at once, so a stream on another replica gets it in
//! milliseconds rather than at the next poll.
//!
//! Nothing is lost while Redis does not answer: each replica then polls for its own streams,
//! and a stream that misses an event resumes from its last one.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::live::WatchEvent;
use super::records::redis::{RedisState, EVENTS_CHANNEL, WAKE_CHANNEL};
use super::Gateway;

/// One replica's word to the others.
#[derive(Serialize, Deserialize)]
struct Told {
    /// The replica it came from (which does not hear itself).
    from: String,
    conversation: String,
    event: WatchEvent,
}

/// Tells the other replicas of `event` in `conversation`. A failure is left to the streams:
/// without Redis each replica polls for itself.
pub(super) async fn tell(redis: &RedisState, conversation: &str, event: &WatchEvent) {
    let told = Told {
        from: redis.replica().to_owned(),
        conversation: conversation.to_owned(),
        event: event.clone(),
    };
    if let Ok(payload) = serde_json::to_string(&told) {
        let _ = redis.publish(EVENTS_CHANNEL, &payload).await;
    }
}

impl Gateway {
    /// Something was written into `conversation` through this replica: whichever replica
    /// polls for it reads now.
    pub async fn announce_change(&self, conversation: &str) {
        self.live.wake(conversation);
        if let Some(redis) = self.shared_feed() {
            let _ = redis.publish(WAKE_CHANNEL, conversation).await;
        }
    }

    /// Listens to the other replicas, for ever; after a Redis outage, again.
    pub async fn run_shared_feed(self: Arc<Self>) {
        let Some(redis) = self.shared_feed().cloned() else {
            return;
        };
        redis.check_eviction_policy().await;
        let mut backoff = Duration::from_millis(250);
        loop {
            match redis.pubsub().await {
                Ok(pubsub) => {
                    backoff = Duration::from_millis(250);
                    // Listening now: the watches that polled meanwhile leave it to the pollers.
                    self.live.set_feed_up(true);
                    let mut messages = pubsub.into_on_message();
                    while let Some(message) = messages.next().await {
                        self.heard(&redis, &message);
                    }
                    self.live.set_feed_up(false);
                    tracing::warn!("the shared event feed (Redis) was cut; listening again");
                }
                Err(error) => {
                    // Once an outage: the requests that need Redis say so too.
                    if backoff == Duration::from_millis(250) {
                        tracing::warn!(kind = ?error.kind(), "the shared event feed cannot listen");
                    }
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    fn heard(&self, redis: &RedisState, message: &::redis::Msg) {
        let Ok(payload) = message.get_payload::<String>() else {
            return;
        };
        match message.get_channel_name() {
            WAKE_CHANNEL => self.live.wake(&payload),
            EVENTS_CHANNEL => match serde_json::from_str::<Told>(&payload) {
                Ok(told) if told.from != redis.replica() => {
                    self.live.hear(&told.conversation, told.event);
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "an unreadable event from another replica"),
            },
            _ => {}
        }
    }
}

//! What the visitor wrote and the server has not confirmed: kept in order, persisted (as JSON
//! in `localStorage`) so a reload, a crash or an offline hour loses nothing. Each item's id is
//! the `Idempotency-Key` of every attempt, so a resend after an unknown outcome never
//! duplicates. Pure logic, no browser APIs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    pub id: String,
    /// The conversation it goes to (a new session may bring another).
    pub conversation_id: String,
    pub text: String,
    /// Unix milliseconds, when the visitor sent it.
    pub created_at: f64,
    /// The server refused it for good, or retries ran out: it waits for the visitor.
    #[serde(default)]
    pub failed: bool,
    /// Files uploaded already, sent as `attachmentIds`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<connect360_model::wire::FileRef>,
    /// Set when the message answers a suggestion (`rich-messages.md` §5.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<SuggestionAnswer>,
}

/// The suggestion a message answers: its carrying message, the language of the value it came
/// from, and what the suggestion posts back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestionAnswer {
    pub parent_id: String,
    pub lang: String,
    pub postback_data: String,
    /// `REPLY`, `ACTION` or `LIVE_AGENT`.
    pub kind: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    items: Vec<OutboxItem>,
}

impl Outbox {
    /// Reads a persisted outbox; anything unreadable is an empty outbox, never a crash.
    pub fn from_json(json: &str) -> Outbox {
        serde_json::from_str(json).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"items\":[]}".into())
    }

    pub fn items(&self) -> &[OutboxItem] {
        &self.items
    }

    pub fn push(&mut self, item: OutboxItem) {
        self.items.push(item);
    }

    /// The next item to send: the oldest one not waiting for the visitor.
    pub fn next(&self) -> Option<&OutboxItem> {
        self.items.iter().find(|i| !i.failed)
    }

    pub fn remove(&mut self, id: &str) -> Option<OutboxItem> {
        let index = self.items.iter().position(|i| i.id == id)?;
        Some(self.items.remove(index))
    }

    pub fn set_failed(&mut self, id: &str, failed: bool) {
        if let Some(item) = self.items.iter_mut().find(|i| i.id == id) {
            item.failed = failed;
        }
    }

    /// Items that ran out of retries go back in the queue (the network is back).
    pub fn retry_all(&mut self) {
        for item in &mut self.items {
            item.failed = false;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> OutboxItem {
        OutboxItem {
            id: id.into(),
            conversation_id: "conv_1".into(),
            text: format!("text of {id}"),
            created_at: 1.0,
            failed: false,
            attachments: vec![],
            answers: None,
        }
    }

    #[test]
    fn items_go_out_in_order_and_failed_ones_wait() {
        let mut outbox = Outbox::default();
        outbox.push(item("a"));
        outbox.push(item("b"));
        assert_eq!(outbox.next().unwrap().id, "a");
        outbox.set_failed("a", true);
        assert_eq!(outbox.next().unwrap().id, "b");
        outbox.remove("b");
        assert!(outbox.next().is_none());
        outbox.retry_all();
        assert_eq!(outbox.next().unwrap().id, "a");
    }

    #[test]
    fn an_outbox_survives_a_round_trip_through_storage() {
        let mut outbox = Outbox::default();
        outbox.push(item("a"));
        outbox.set_failed("a", true);
        outbox.push(item("b"));
        assert_eq!(Outbox::from_json(&outbox.to_json()), outbox);
    }

    #[test]
    fn unreadable_storage_is_an_empty_outbox() {
        for junk in ["", "null", "{", "[1,2]", "{\"items\":[{\"id\":3}]}"] {
            assert!(Outbox::from_json(junk).is_empty(), "{junk}");
        }
    }
}

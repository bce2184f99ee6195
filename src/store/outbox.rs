//! What the visitor wrote and the server has not confirmed: kept in order, persisted (as JSON
//! in `localStorage`) so a reload, a crash or an offline hour loses nothing. Each item's id is
//! the `Idempotency-Key` of every attempt, so a resend after an unknown outcome never
//! duplicates. This is the one source of pending state: the transcript's pending rows are
//! drawn from it after every change ([`super::Chat`]'s `update_outbox`). Pure logic, no
//! browser APIs.

use connect360_model::wire::{Message, SenderType};
use serde::{Deserialize, Serialize};

use super::delivery::Delivery;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    pub id: String,
    pub text: String,
    /// Unix milliseconds, when the visitor sent it.
    pub created_at: f64,
    #[serde(default)]
    pub delivery: Delivery,
    /// It went on the wire at least once, so the server may hold it already (a poll can bring
    /// it before the send's own reply does, or instead of an unreadable one).
    #[serde(default)]
    pub attempted: bool,
    /// An older build's single flag for "waiting for the visitor"; read as [`Delivery::Stalled`].
    #[serde(default, skip_serializing)]
    failed: bool,
    /// Files uploaded already, sent as `attachmentIds`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<connect360_model::wire::FileRef>,
    /// Set when the message answers a suggestion (`rich-messages.md` §5.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<SuggestionAnswer>,
}

impl OutboxItem {
    pub fn new(
        id: String,
        text: String,
        created_at: f64,
        attachments: Vec<connect360_model::wire::FileRef>,
        answers: Option<SuggestionAnswer>,
    ) -> OutboxItem {
        OutboxItem {
            id,
            text,
            created_at,
            delivery: Delivery::Queued,
            attempted: false,
            failed: false,
            attachments,
            answers,
        }
    }

    /// Whether `message`, new from the server, is this item stored: the visitor's own message
    /// with the same text (an answer: to the same message), once this item was sent.
    fn stored_as(&self, message: &Message) -> bool {
        self.attempted
            && !matches!(self.delivery, Delivery::Refused(_))
            && message.sender.kind == SenderType::Customer
            && super::transcript::plain_text_of(message).unwrap_or_default() == self.text
            && message.parent_id.as_deref() == self.answers.as_ref().map(|a| a.parent_id.as_str())
            && message.attachments.len() == self.attachments.len()
    }
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
        let mut outbox: Outbox = serde_json::from_str(json).unwrap_or_default();
        for item in &mut outbox.items {
            if std::mem::take(&mut item.failed) && item.delivery == Delivery::Queued {
                item.delivery = Delivery::Stalled;
            }
        }
        outbox
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"items\":[]}".into())
    }

    pub fn items(&self) -> &[OutboxItem] {
        &self.items
    }

    pub fn contains(&self, id: &str) -> bool {
        self.items.iter().any(|i| i.id == id)
    }

    pub fn push(&mut self, item: OutboxItem) {
        self.items.push(item);
    }

    /// The next item to send: the oldest one queued.
    pub fn next(&self) -> Option<&OutboxItem> {
        self.items.iter().find(|i| i.delivery == Delivery::Queued)
    }

    pub fn remove(&mut self, id: &str) -> Option<OutboxItem> {
        let index = self.items.iter().position(|i| i.id == id)?;
        Some(self.items.remove(index))
    }

    pub fn set_delivery(&mut self, id: &str, delivery: Delivery) {
        if let Some(item) = self.items.iter_mut().find(|i| i.id == id) {
            item.delivery = delivery;
        }
    }

    /// `id` is going on the wire.
    pub fn mark_attempted(&mut self, id: &str) {
        if let Some(item) = self.items.iter_mut().find(|i| i.id == id) {
            item.attempted = true;
        }
    }

    /// Stalled items go back in the queue (the network is back); refused ones stay, since
    /// sending them again cannot succeed. Whether any went back.
    pub fn requeue_stalled(&mut self) -> bool {
        let mut any = false;
        for item in &mut self.items {
            if item.delivery == Delivery::Stalled {
                item.delivery = Delivery::Queued;
                any = true;
            }
        }
        any
    }

    /// Takes out the items that `added` (messages new from the server) shows stored — a poll
    /// that overtook a send's reply, or answered for a send whose reply was unreadable — each
    /// message standing for one item, the oldest first. Each with its stored message's id.
    pub fn stored(&mut self, added: &[Message]) -> Vec<(OutboxItem, String)> {
        let mut taken = Vec::new();
        for message in added {
            if let Some(index) = self.items.iter().position(|i| i.stored_as(message)) {
                taken.push((self.items.remove(index), message.id.clone()));
            }
        }
        taken
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::delivery::Refusal;
    use connect360_model::wire::Sender;
    use serde_json::json;

    fn item(id: &str) -> OutboxItem {
        OutboxItem::new(id.into(), format!("text of {id}"), 1.0, vec![], None)
    }

    fn stored(id: &str, text: &str, kind: SenderType) -> Message {
        Message {
            id: id.into(),
            conversation_id: "conv_1".into(),
            parent_id: None,
            content: json!({"en": text}).as_object().unwrap().clone(),
            attachments: vec![],
            sender: Sender {
                kind,
                id: "x".into(),
                name: None,
                image: None,
            },
            flags: vec![],
            created_at: "2026-12-05T10:00:00.000Z".into(),
        }
    }

    fn ids_of(taken: Vec<(OutboxItem, String)>) -> Vec<String> {
        taken
            .into_iter()
            .map(|(item, message)| format!("{}:{message}", item.id))
            .collect()
    }

    #[test]
    fn items_go_out_in_order_and_stalled_or_refused_ones_wait() {
        let mut outbox = Outbox::default();
        outbox.push(item("a"));
        outbox.push(item("b"));
        outbox.push(item("c"));
        assert_eq!(outbox.next().unwrap().id, "a");
        outbox.set_delivery("a", Delivery::Stalled);
        assert_eq!(outbox.next().unwrap().id, "b");
        outbox.set_delivery("b", Delivery::Refused(Refusal::Characters));
        outbox.remove("c");
        assert!(outbox.next().is_none());
        assert!(outbox.requeue_stalled());
        assert_eq!(outbox.next().unwrap().id, "a");
        assert!(!outbox.requeue_stalled(), "nothing stalled any more");
    }

    /// Defect 1: a refusal survived as a plain "failed", so every reconnect and every page
    /// load sent it again.
    #[test]
    fn a_refused_message_is_never_requeued_by_a_reconnect_or_a_reload() {
        let mut outbox = Outbox::default();
        outbox.push(item("refused"));
        outbox.push(item("stalled"));
        outbox.set_delivery("refused", Delivery::Refused(Refusal::TooLong));
        outbox.set_delivery("stalled", Delivery::Stalled);
        let reloaded = Outbox::from_json(&outbox.to_json());
        assert_eq!(reloaded, outbox, "a reload keeps both states");
        let mut reloaded = reloaded;
        reloaded.requeue_stalled();
        assert_eq!(
            reloaded.items()[0].delivery,
            Delivery::Refused(Refusal::TooLong)
        );
        assert_eq!(reloaded.next().unwrap().id, "stalled");
    }

    #[test]
    fn an_older_builds_failed_flag_loads_as_stalled() {
        let old = r#"{"items":[{"id":"a","conversationId":"conv_1","text":"hi","createdAt":1,"failed":true},
            {"id":"b","conversationId":"conv_1","text":"yo","createdAt":2}]}"#;
        let outbox = Outbox::from_json(old);
        assert_eq!(outbox.items()[0].delivery, Delivery::Stalled);
        assert_eq!(outbox.items()[1].delivery, Delivery::Queued);
        assert!(!outbox.to_json().contains("failed"), "{}", outbox.to_json());
    }

    #[test]
    fn unreadable_storage_is_an_empty_outbox() {
        for junk in ["", "null", "{", "[1,2]", "{\"items\":[{\"id\":3}]}"] {
            assert!(Outbox::from_json(junk).is_empty(), "{junk}");
        }
    }

    /// Defect 3: a send whose 2xx reply was unreadable was stored, and the poll brought the
    /// stored copy beside a "Not sent" one.
    #[test]
    fn a_poll_that_brings_a_sent_item_stored_takes_it_out_once() {
        let mut outbox = Outbox::default();
        outbox.push(item("a"));
        outbox.push(item("b"));
        outbox.push(item("c"));
        outbox.mark_attempted("a");
        outbox.set_delivery("a", Delivery::Stalled);
        outbox.mark_attempted("b");
        let added = [
            stored("m0", "text of a", SenderType::Workspace),
            stored("m1", "text of a", SenderType::Customer),
            stored("m2", "text of b", SenderType::Customer),
            stored("m3", "text of c", SenderType::Customer),
        ];
        assert_eq!(ids_of(outbox.stored(&added)), ["a:m1", "b:m2"]);
        assert_eq!(
            outbox
                .items()
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>(),
            ["c"],
            "never sent, so not the stored one"
        );
        outbox.mark_attempted("c");
        outbox.set_delivery("c", Delivery::Refused(Refusal::Other));
        assert!(
            outbox.stored(&added[3..]).is_empty(),
            "a refused item was not stored"
        );
    }

    #[test]
    fn one_stored_message_stands_for_one_of_two_identical_items() {
        let mut outbox = Outbox::default();
        for id in ["a", "b"] {
            let mut same = OutboxItem::new(id.into(), "same".into(), 1.0, vec![], None);
            same.attempted = true;
            outbox.push(same);
        }
        assert_eq!(
            ids_of(outbox.stored(&[stored("m1", "same", SenderType::Customer)])),
            ["a:m1"]
        );
        assert_eq!(outbox.items()[0].id, "b");
    }
}

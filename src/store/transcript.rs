//! The conversation as the visitor sees it: stored messages in server order, merged by id from
//! every source (send replies, polls, history pages), followed by the visitor's own messages
//! that are not confirmed yet (drawn from the outbox, which alone decides them). Pure logic, no
//! browser APIs.

use std::collections::HashSet;

use connect360_model::content::SuggestionResponseType;
use connect360_model::wire::{Message, SenderType};

use super::delivery::Delivery;
use connect360_model::content::answer;

/// A message the visitor wrote that the server has not confirmed yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// The outbox id, also the `Idempotency-Key` of every attempt.
    pub local_id: String,
    pub text: String,
    /// Unix milliseconds, for its timestamp.
    pub created_at: f64,
    /// The suggestion it answers, if any.
    pub answers: Option<super::outbox::SuggestionAnswer>,
    /// Names of the files it carries.
    pub files: Vec<String>,
    pub state: Delivery,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcript {
    /// Oldest → newest, each id once.
    messages: Vec<Message>,
    ids: HashSet<String>,
    pending: Vec<Pending>,
    /// The newest id the server listed in order (a poll or the history): where the next poll
    /// starts. Send replies do not move it, so a message stored between the last poll and a
    /// send (an agent's answer, another tab's message) is still fetched.
    polled_to: Option<String>,
    /// Asks the gateway for the messages before the oldest held; none: the first is held.
    older_cursor: Option<String>,
}

impl Transcript {
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Whether the visitor has written in this conversation (stored or still pending).
    pub fn visitor_wrote(&self) -> bool {
        !self.pending.is_empty()
            || self
                .messages
                .iter()
                .any(|m| m.sender.kind == connect360_model::wire::SenderType::Customer)
    }

    pub fn pending(&self) -> &[Pending] {
        &self.pending
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Where the next poll starts (see `polled_to`); none: load the history first.
    pub fn poll_cursor(&self) -> Option<&str> {
        self.polled_to.as_deref()
    }

    /// Where the messages before the oldest held start to be asked for; none: all are held.
    pub fn older_cursor(&self) -> Option<&str> {
        self.older_cursor.as_deref()
    }

    /// The newest page of the history (the gateway's, `older` asks for what precedes it),
    /// merged like a listing from the start. Returns the new messages.
    pub fn load_newest(&mut self, messages: Vec<Message>, older: Option<String>) -> Vec<Message> {
        self.older_cursor = older;
        self.merge_listed(messages)
    }

    /// The page before the oldest held, asked for with `asked`: it goes in front, and `older`
    /// asks for the one before it. A page asked for with a cursor no longer current (the
    /// history was reloaded meanwhile) is dropped. Returns how many messages were added.
    pub fn prepend_older(
        &mut self,
        asked: &str,
        messages: Vec<Message>,
        older: Option<String>,
    ) -> usize {
        if self.older_cursor.as_deref() != Some(asked) {
            return 0;
        }
        self.older_cursor = older;
        let mut front: Vec<Message> = messages.into_iter().filter(|m| self.admit(m)).collect();
        let added = front.len();
        front.append(&mut self.messages);
        self.messages = front;
        added
    }

    /// The newest stored id.
    pub fn newest_id(&self) -> Option<&str> {
        self.messages.last().map(|m| m.id.as_str())
    }

    /// Appends the messages not held yet (send replies, a streamed AI reply), and returns
    /// them. They sit at the end until a poll lists them in their server positions.
    pub fn append(&mut self, messages: impl IntoIterator<Item = Message>) -> Vec<Message> {
        let mut added = Vec::new();
        for message in messages {
            if self.admit(&message) {
                self.messages.push(message.clone());
                added.push(message);
            }
        }
        added
    }

    /// Merges what the server listed in its order after [`Self::poll_cursor`] (a poll page, or
    /// the history from the start): each message takes its server position, before anything
    /// held from a send reply that the listing has not reached yet. Returns the new ones.
    pub fn merge_listed(&mut self, listed: Vec<Message>) -> Vec<Message> {
        let start = self
            .polled_to
            .as_ref()
            .and_then(|id| self.messages.iter().position(|m| &m.id == id))
            .map_or(0, |i| i + 1);
        let mut unlisted = self.messages.split_off(start);
        let mut added = Vec::new();
        for message in listed {
            if let Some(i) = unlisted.iter().position(|m| m.id == message.id) {
                unlisted.remove(i);
                self.polled_to = Some(message.id.clone());
                self.messages.push(message);
            } else if self.admit(&message) {
                self.polled_to = Some(message.id.clone());
                self.messages.push(message.clone());
                added.push(message);
            }
            // Otherwise held before the cursor already (a poll repeats its cursor message;
            // the stream and a poll both bring it): the cursor stays where it is.
        }
        self.messages.extend(unlisted);
        added
    }

    /// Records `message`'s id; false when it is held already.
    fn admit(&mut self, message: &Message) -> bool {
        self.ids.insert(message.id.clone())
    }

    /// The visitor's unconfirmed messages, as the outbox holds them now.
    pub fn set_pending(&mut self, pending: Vec<Pending>) {
        self.pending = pending;
    }

    /// Whether the visitor answered the suggestion of `message_id` that posts `kind`,
    /// `postback` and `label` (rule K2): a stored or pending customer message says so.
    pub fn answered(
        &self,
        message_id: &str,
        kind: SuggestionResponseType,
        postback: &str,
        label: &str,
    ) -> bool {
        let stored = self.messages.iter().any(|m| {
            m.sender.kind == SenderType::Customer
                && m.parent_id.as_deref() == Some(message_id)
                && m.content.values().any(|value| {
                    answer::read(value).is_some_and(|a| {
                        a.text == label && a.kind == kind.as_str() && a.postback_data == postback
                    })
                })
        });
        stored
            || self.pending.iter().any(|p| {
                p.text == label
                    && p.answers.as_ref().is_some_and(|a| {
                        a.parent_id == message_id
                            && a.kind == kind.as_str()
                            && a.postback_data == postback
                    })
            })
    }

    /// The newest entry of the thread, stored or pending: message-level suggestions show only
    /// on it (`rich-messages.md` §5.6).
    pub fn newest_is(&self, message_id: &str) -> bool {
        self.pending.is_empty() && self.newest_id() == Some(message_id)
    }

    /// Starts over (the conversation changed or the cursor became invalid).
    pub fn clear_history(&mut self) {
        self.messages.clear();
        self.ids.clear();
        self.polled_to = None;
        self.older_cursor = None;
    }
}

/// The plain text a visitor's message carries in any language, if it has one.
pub fn plain_text_of(message: &Message) -> Option<&str> {
    message.content.values().find_map(|value| {
        value
            .as_str()
            .or_else(|| value.get("text").and_then(|t| t.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect360_model::wire::Sender;
    use serde_json::json;

    fn message(id: &str, kind: SenderType, text: &str) -> Message {
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
            created_at: "2026-11-22T10:00:00.000Z".into(),
        }
    }

    fn pending(local_id: &str, text: &str) -> Pending {
        Pending {
            local_id: local_id.into(),
            text: text.into(),
            created_at: 0.0,
            answers: None,
            files: vec![],
            state: Delivery::Queued,
        }
    }

    fn ids(t: &Transcript) -> Vec<&str> {
        t.messages().iter().map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn messages_keep_server_order_and_each_id_appears_once() {
        let mut t = Transcript::default();
        let added = t.append([
            message("a", SenderType::Workspace, "hi"),
            message("b", SenderType::Customer, "hello"),
        ]);
        assert_eq!(added.len(), 2);
        // A poll repeats the cursor message: it is dropped by id.
        let added = t.append([
            message("b", SenderType::Customer, "hello"),
            message("c", SenderType::Ai, "x"),
        ]);
        assert_eq!(
            added.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["c"]
        );
        assert_eq!(ids(&t), ["a", "b", "c"]);
        assert_eq!(t.newest_id(), Some("c"));
    }

    #[test]
    fn a_message_brought_twice_by_the_stream_and_a_poll_leaves_the_cursor_where_it_is() {
        let mut t = Transcript::default();
        t.merge_listed(vec![
            message("m1", SenderType::Customer, "one"),
            message("m2", SenderType::Workspace, "two"),
        ]);
        // The stream's catch-up repeats m1 after a poll listed m1 and m2.
        assert!(t
            .merge_listed(vec![message("m1", SenderType::Customer, "one")])
            .is_empty());
        assert_eq!(t.poll_cursor(), Some("m2"), "not back to m1");
        // So what comes next takes its place after m2, not between m1 and m2.
        t.merge_listed(vec![message("m3", SenderType::Workspace, "three")]);
        assert_eq!(ids(&t), ["m1", "m2", "m3"]);
    }

    #[test]
    fn a_send_reply_does_not_move_the_poll_cursor_past_unlisted_messages() {
        let mut t = Transcript::default();
        t.merge_listed(vec![message("a1", SenderType::Customer, "tab A one")]);
        assert_eq!(t.poll_cursor(), Some("a1"));
        // Another tab's message (or an agent's answer) is stored, then this tab sends: the send
        // reply arrives before any poll.
        t.append([message("a2", SenderType::Customer, "tab A two")]);
        assert_eq!(
            t.poll_cursor(),
            Some("a1"),
            "the next poll still starts at a1"
        );
        // The poll lists both in server order: the unseen one is fetched and goes first.
        let added = t.merge_listed(vec![
            message("a1", SenderType::Customer, "tab A one"),
            message("b1", SenderType::Customer, "tab B one"),
            message("a2", SenderType::Customer, "tab A two"),
        ]);
        assert_eq!(
            added.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["b1"]
        );
        assert_eq!(ids(&t), ["a1", "b1", "a2"]);
        assert_eq!(t.poll_cursor(), Some("a2"));
        // A send reply newer than what a poll listed stays after it.
        t.append([message("a3", SenderType::Customer, "three")]);
        t.merge_listed(vec![message("c1", SenderType::Workspace, "agent")]);
        assert_eq!(ids(&t), ["a1", "b1", "a2", "c1", "a3"]);
        t.clear_history();
        assert_eq!(t.poll_cursor(), None);
    }

    #[test]
    fn a_suggestion_is_answered_by_a_matching_reply_to_its_message_only() {
        use crate::store::outbox::SuggestionAnswer;
        let mut t = Transcript::default();
        t.append([message("card", SenderType::Workspace, "Pick one")]);
        assert!(t.newest_is("card"));
        let mut reply = message("r1", SenderType::Customer, "");
        reply.parent_id = Some("card".into());
        reply.content.insert(
            "en".into(),
            json!({"text": "Latte", "suggestionResponse": {"postbackData": "order:latte", "type": "REPLY"}}),
        );
        let kind = SuggestionResponseType::Reply;
        assert!(!t.answered("card", kind, "order:latte", "Latte"));
        t.set_pending(vec![Pending {
            answers: Some(SuggestionAnswer {
                parent_id: "card".into(),
                lang: "en".into(),
                postback_data: "order:latte".into(),
                kind: "REPLY".into(),
            }),
            ..pending("sr:card:x", "Latte")
        }]);
        assert!(
            t.answered("card", kind, "order:latte", "Latte"),
            "pending counts"
        );
        assert!(!t.newest_is("card"), "a pending answer is newer");
        t.append([reply]);
        t.set_pending(vec![]);
        assert!(t.answered("card", kind, "order:latte", "Latte"));
        assert!(!t.answered("card", kind, "order:mocha", "Mocha"));
        assert!(!t.answered("other", kind, "order:latte", "Latte"));
        assert!(!t.answered(
            "card",
            SuggestionResponseType::Action,
            "order:latte",
            "Latte"
        ));
    }

    #[test]
    fn older_pages_go_in_front_once_and_a_stale_one_is_dropped() {
        let mut t = Transcript::default();
        let newest = vec![
            message("m3", SenderType::Customer, "three"),
            message("m4", SenderType::Workspace, "four"),
        ];
        assert_eq!(t.load_newest(newest, Some("m3".into())).len(), 2);
        assert_eq!(t.poll_cursor(), Some("m4"));
        assert_eq!(t.older_cursor(), Some("m3"));
        // An answer to an earlier request, after the history was reloaded, changes nothing.
        assert_eq!(
            t.prepend_older("m9", vec![message("m0", SenderType::Customer, "x")], None),
            0
        );
        let older = vec![
            message("m1", SenderType::Customer, "one"),
            message("m2", SenderType::Workspace, "two"),
            message("m3", SenderType::Customer, "three"),
        ];
        assert_eq!(t.prepend_older("m3", older, Some("m1".into())), 2);
        assert_eq!(ids(&t), ["m1", "m2", "m3", "m4"]);
        assert_eq!(t.older_cursor(), Some("m1"));
        assert_eq!(
            t.poll_cursor(),
            Some("m4"),
            "polling goes on from the newest"
        );
        assert_eq!(
            t.prepend_older(
                "m1",
                vec![message("m0", SenderType::Customer, "zero")],
                None
            ),
            1
        );
        assert_eq!(ids(&t), ["m0", "m1", "m2", "m3", "m4"]);
        assert_eq!(t.older_cursor(), None, "the first message is held");
        t.load_newest(Vec::new(), Some("m3".into()));
        t.clear_history();
        assert_eq!(t.older_cursor(), None);
    }
}

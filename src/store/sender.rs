//! The sender: the visitor's messages and suggestion answers go through the outbox (the one
//! source of pending state), in order, each with its own `Idempotency-Key`, retried while a
//! retry can help; a refusal is kept with its reason.

use std::cell::Cell;

use connect360_model::wire::{CustomerInput, SendAs, SendInput};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{Map, Value};

use super::alarm::sleep;
use super::delivery::{after_failure, AfterFailure, Delivery};
use super::outbox::{Outbox, OutboxItem, SuggestionAnswer};
use super::page_events::js_object;
use super::persist::StoredSession;
use super::transcript::Pending;
use super::{new_sequence, Chat, Connection};
use crate::api::ApiError;
use crate::config::WidgetConfig;

/// A composer message is at most as long as an agent's text may be (the model's limit).
pub const MAX_MESSAGE_CHARS: usize = connect360_model::validate::MAX_TEXT_CHARS;

/// The visitor's `send`: their text under the UI language, as the customer, on the site's
/// channel. The gateway enforces the same; a guest names their own customer, a signed-in
/// visitor is known to the gateway by their token.
pub(super) fn send_input(
    item: &OutboxItem,
    session: &StoredSession,
    config: &WidgetConfig,
) -> SendInput {
    let mut content = Map::new();
    let mut parent_id = None;
    match &item.answers {
        None if item.text.is_empty() => {}
        None => {
            content.insert(
                config.lang.code().to_owned(),
                Value::String(item.text.clone()),
            );
        }
        Some(answer) => {
            content.insert(
                answer.lang.clone(),
                connect360_model::content::answer::value(
                    &item.text,
                    &answer.postback_data,
                    &answer.kind,
                ),
            );
            parent_id = Some(answer.parent_id.clone());
        }
    }
    let customer = (!session.identified).then(|| CustomerInput {
        external_id: Some(session.visitor_id.clone()),
        ..Default::default()
    });
    SendInput {
        conversation_id: session.conversation_id.clone(),
        content: (!content.is_empty()).then_some(content),
        attachment_ids: (!item.attachments.is_empty())
            .then(|| item.attachments.iter().map(|f| f.id.clone()).collect()),
        sender: Some(SendAs::Customer),
        customer,
        channel_identifier: Some(config.channel.clone()),
        parent_id,
        ..Default::default()
    }
}

pub(super) fn pending_of(item: &OutboxItem) -> Pending {
    Pending {
        local_id: item.id.clone(),
        text: item.text.clone(),
        created_at: item.created_at,
        answers: item.answers.clone(),
        files: item.attachments.iter().map(|f| f.name.clone()).collect(),
        state: item.delivery,
    }
}

/// A local id, unique across reloads and tabs: time, a counter and randomness.
pub(super) fn new_local_id(sequence: &Cell<u32>) -> String {
    let n = new_sequence(sequence);
    let random = (js_sys::Math::random() * 1e12) as u64;
    format!("local_{:x}{n:x}{random:x}", js_sys::Date::now() as u64)
}

impl Chat {
    /// Queues `text` (trimmed; at most [`MAX_MESSAGE_CHARS`]) and shows it as sending. Returns
    /// whether it was accepted.
    pub fn send_text(&self, text: &str) -> bool {
        // Characters the server refuses from anyone (rule C1) are taken out first: pasted text
        // carries bidirectional embeddings the visitor never saw (README, "What is sent").
        let text = connect360_model::validate::without_forbidden_characters(text, true);
        let text = text.trim();
        let files = self.ready_files();
        let Some(files) = files else {
            return false; // an upload is still under way
        };
        if (text.is_empty() && files.is_empty()) || text.chars().count() > MAX_MESSAGE_CHARS {
            return false;
        }
        let id = new_local_id(&self.inner().sequence);
        self.enqueue(id, text.to_owned(), None, files);
        self.tray.set(Vec::new());
        self.tray_notice.set(None);
        true
    }

    /// Posts the answer to a suggestion (`rich-messages.md` §5.7): `text` under the value's
    /// language, `parentId` = the carrying message, at most once per suggestion (its id, and
    /// so its `Idempotency-Key`, is `sr:<parentId>:<path>`). Returns whether it was posted now.
    pub fn answer_suggestion(&self, path: &str, text: &str, answer: SuggestionAnswer) -> bool {
        let id = format!("sr:{}:{path}", answer.parent_id);
        if self.inner().outbox.borrow().contains(&id) {
            return false;
        }
        self.emit(
            "action",
            js_object(&[
                ("messageId", Some(answer.parent_id.as_str().into())),
                ("suggestion", Some(path.into())),
                ("type", Some(answer.kind.as_str().into())),
                ("postbackData", Some(answer.postback_data.as_str().into())),
                ("text", Some(text.into())),
            ]),
        );
        self.enqueue(id, text.to_owned(), Some(answer), Vec::new());
        true
    }

    pub(super) fn enqueue(
        &self,
        id: String,
        text: String,
        answers: Option<SuggestionAnswer>,
        attachments: Vec<connect360_model::wire::FileRef>,
    ) {
        self.start();
        let item = OutboxItem::new(id, text, js_sys::Date::now(), attachments, answers);
        self.update_outbox(|outbox| outbox.push(item));
        self.inner().send_alarm.wake();
    }

    /// Changes the outbox, the one source of pending state: it is saved, and the pending rows
    /// are drawn from it again. `None` when the widget is gone.
    pub(super) fn update_outbox<R>(&self, change: impl FnOnce(&mut Outbox) -> R) -> Option<R> {
        let inner = self.alive().ok()?;
        let result = change(&mut inner.outbox.borrow_mut());
        let outbox = inner.outbox.borrow();
        inner.persisted.save_outbox(&outbox);
        let pending = outbox.items().iter().map(pending_of).collect();
        self.transcript.try_update(|t| t.set_pending(pending));
        Some(result)
    }

    /// Puts a stalled message back in the queue (the visitor's Retry).
    pub fn retry(&self, local_id: &str) {
        self.update_outbox(|outbox| outbox.set_delivery(local_id, Delivery::Queued));
        self.inner().send_alarm.wake();
    }

    /// Drops an unsent message for good.
    pub fn discard(&self, local_id: &str) {
        self.update_outbox(|outbox| outbox.remove(local_id));
    }

    /// Sends the outbox in order, forever.
    pub(super) async fn send_loop(self) {
        let Ok(alarm) = self.alive().map(|i| i.send_alarm.clone()) else {
            return;
        };
        while let Ok(inner) = self.alive() {
            let next = inner.outbox.borrow().next().cloned();
            drop(inner);
            match next {
                Some(item) => self.deliver(item).await,
                None => alarm.sleep(u32::MAX / 2).await,
            }
        }
    }

    /// Sends one outbox item, retrying what is worth retrying; a refusal is kept with its
    /// reason, and what ran out of retries waits (stalled) for the network or the visitor.
    pub(super) async fn deliver(&self, item: OutboxItem) {
        let mut retry = 0;
        let config = self.config();
        self.update_outbox(|outbox| outbox.mark_attempted(&item.id));
        loop {
            // Offline, a send cannot succeed: wait for the network (the "online" event wakes
            // the sender) instead of using up its retries.
            while self.offline.try_get_untracked() == Some(true) {
                let Ok(alarm) = self.alive().map(|i| i.send_alarm.clone()) else {
                    return;
                };
                alarm.sleep(u32::MAX / 2).await;
            }
            let result = self
                .authorised(|api, session| {
                    let input = send_input(&item, &session, &config);
                    let key = item.id.clone();
                    async move {
                        api.send(&session.token, &session.trpc_path, &input, &key)
                            .await
                    }
                })
                .await;
            // A poll may have shown it stored meanwhile (and delivered it).
            let still_here = self.update_outbox(|outbox| match &result {
                Ok(_) => outbox.remove(&item.id).is_some(),
                Err(_) => outbox.contains(&item.id),
            });
            match (still_here, result) {
                (None, _) | (_, Err(ApiError::Stopped)) | (Some(false), _) => return,
                (Some(true), Ok(message)) => {
                    let message_id = message.id.clone();
                    self.transcript.try_update(|t| t.append([message]));
                    return self.delivered(&item, message_id);
                }
                (Some(true), Err(error)) => {
                    match after_failure(&error, retry, js_sys::Math::random()) {
                        // Refused, or waiting for the visitor's retry or the network.
                        AfterFailure::Settle(delivery) => {
                            self.update_outbox(|o| o.set_delivery(&item.id, delivery));
                            return;
                        }
                        AfterFailure::RetryIn(ms) => {
                            self.connection.try_set(Connection::Reconnecting);
                            sleep(ms).await;
                            retry += 1;
                        }
                    }
                }
            }
        }
    }

    /// `item` is stored as `message_id` (by its send's reply or a poll): the page hears of it,
    /// and free text after the opening message gets an AI reply when the site enabled an
    /// agent. The opening message is the greeting's, and suggestion answers go to whatever
    /// offered the suggestions; of several queued messages only the last is answered, once.
    pub(super) fn delivered(&self, item: &OutboxItem, message_id: String) {
        let Ok(inner) = self.alive() else {
            return;
        };
        // The opening message: nothing else in the thread but this very message.
        let opening = self
            .transcript
            .try_with_untracked(|t| t.messages().iter().all(|m| m.id == message_id))
            .unwrap_or(true);
        self.emit(
            "sent",
            js_object(&[
                ("id", Some(message_id.as_str().into())),
                ("text", Some(item.text.as_str().into())),
            ]),
        );
        self.poll_unless_live();
        // The gateway opens an ended chat written in; the stream would not say so if it had
        // not seen it end.
        let life = self.life.try_get_untracked().unwrap_or_default();
        if life.ended {
            self.conversation_changed(connect360_model::wire::ConversationState {
                ended: false,
                rated: life.rated,
            });
        }
        let drained = inner.outbox.borrow().next().is_none();
        if item.answers.is_none()
            && !item.text.is_empty()
            && !opening
            && drained
            && self.has_ai_agent()
        {
            let chat = *self;
            spawn_local(chat.answer_with_ai(message_id));
        }
    }

    /// After an outage, messages that only ran out of retries are sent again by themselves;
    /// refused ones are not (defect 1 of #15: they went again after every reconnect).
    pub(super) fn requeue_failed_by_network(&self) {
        if self.update_outbox(Outbox::requeue_stalled) == Some(true) {
            if let Ok(inner) = self.alive() {
                inner.send_alarm.wake();
            }
        }
    }
}

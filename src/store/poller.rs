//! The poller: the history's newest page loaded once ([`super::history`]), then polls from
//! the newest message held — fast while open, slow while closed, paused while hidden or while
//! the live stream ([`super::live`]) is up, backing off on errors — and what arrives (by
//! either way) is shown, counted and announced.

use connect360_model::wire::{ListMessagesInput, Message, MessagePage, SenderType};
use leptos::prelude::*;

use super::alarm::sleep;
use super::announce;
use super::page_events::js_object;
use super::retry::{poll_backoff_ms, poll_gap_remaining_ms, poll_interval_ms};
use super::transcript::Transcript;
use super::{Chat, Connection};
use crate::api::ApiError;

/// A history page (the API's maximum).
pub(super) const PAGE_LIMIT: i64 = connect360_model::wire::limits::LIST_LIMIT_MAX as i64;

/// Whether the browser reports no network at all (a `true` `onLine` may still be offline).
pub(super) fn browser_offline() -> bool {
    web_sys::window().is_some_and(|w| !w.navigator().on_line())
}

pub(super) fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() != web_sys::VisibilityState::Hidden)
}

/// Polls (and connects the live stream) at once when the tab becomes visible or focused or
/// the network comes back; follows whether the browser is offline.
pub(super) fn listen_for_wakeups(chat: Chat) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    chat.offline.try_set(browser_offline());
    let wake = Closure::<dyn Fn()>::new(move || {
        // First what the browser says of its network (the header says "offline"; the sender
        // waits while it is), then the tasks: each listener's awaited work runs as soon as it
        // returns, so a separate listener would be too late.
        chat.offline.try_set(browser_offline());
        // A widget that was unmounted (setLocale, a test) leaves its listener behind: it
        // must do nothing then, not touch disposed state.
        if let Ok(inner) = chat.alive() {
            inner.poll_alarm.wake();
            inner.send_alarm.wake();
            inner.live_alarm.wake();
            chat.on_page_wake();
        }
    });
    let handler = wake.as_ref().unchecked_ref();
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", handler);
    }
    // Mobile browsers drop connections in the background: coming back reconnects at once.
    for event in ["online", "offline", "focus"] {
        let _ = window.add_event_listener_with_callback(event, handler);
    }
    // The listeners live as long as the page.
    wake.forget();
    chat.on_page_wake();
}

impl Chat {
    /// One page of the conversation after `cursor` (from the start without one).
    async fn list_page(&self, cursor: Option<String>) -> Result<MessagePage, ApiError> {
        self.authorised(|api, session| {
            let input = ListMessagesInput {
                conversation_id: session.conversation_id.clone(),
                limit: Some(PAGE_LIMIT),
                cursor: cursor.clone(),
            };
            async move {
                api.list_messages(&session.token, &session.trpc_path, &input)
                    .await
            }
        })
        .await
    }

    pub(super) async fn poll_loop(self) {
        /// Polls (1.5 s apart while the panel is open) per read of the chat's state.
        const STATE_EVERY_POLLS: u32 = 4;
        let Ok(alarm) = self.alive().map(|i| i.poll_alarm.clone()) else {
            return;
        };
        let mut failures = 0u32;
        let mut last_poll_at = f64::NEG_INFINITY;
        // What a poll brings is new (it may chime) once a poll has caught up since the
        // history loaded, a failure, or a (re)connect of the stream.
        let mut caught_up = false;
        // Polls since the chat's state was last asked along.
        let mut since_state = 0u32;
        while let Ok(inner) = self.alive() {
            if !inner.engaged.get() {
                // Logged out: nothing is asked until the visitor engages again.
                drop(inner);
                alarm.sleep(u32::MAX / 2).await;
                continue;
            }
            drop(inner);
            if let Some(ms) = poll_gap_remaining_ms(js_sys::Date::now() - last_poll_at) {
                // Not woken by the alarm: whatever rings meanwhile, this poll covers.
                sleep(ms).await;
            }
            alarm.settle();
            last_poll_at = js_sys::Date::now();
            let catching_up = self.alive().is_ok_and(|i| i.catch_up_poll.replace(false));
            let outcome = if self.loaded.try_get_untracked().unwrap_or_default() {
                self.poll_once(caught_up && !catching_up).await
            } else {
                self.load_history().await
            };
            caught_up = outcome.is_ok();
            match outcome {
                Ok(()) => {
                    if failures > 0
                        || self.connection.try_get_untracked().unwrap_or_default()
                            != Connection::Online
                    {
                        self.connection.try_set(Connection::Online);
                        // The network is back: what ran out of retries goes out again.
                        self.requeue_failed_by_network();
                    }
                    failures = 0;
                    // Without the stream, how the chat stands (an agent may have ended it)
                    // is asked along every few polls while the visitor looks: with a remote
                    // Connect360 each read is an upstream call.
                    if !self.stream_up() && self.open.try_get_untracked().unwrap_or_default() {
                        if since_state.is_multiple_of(STATE_EVERY_POLLS) {
                            self.refresh_life().await;
                        }
                        since_state = since_state.wrapping_add(1);
                    }
                    if let Ok(inner) = self.alive() {
                        if inner.live_waiting.get() {
                            // There may be something to follow now.
                            inner.live_alarm.wake();
                        }
                    }
                    let interval = poll_interval_ms(
                        self.open.try_get_untracked().unwrap_or_default(),
                        page_visible(),
                    )
                    .filter(|_| !self.stream_up());
                    match interval {
                        Some(ms) => alarm.sleep(ms).await,
                        // Hidden, or the stream brings what comes: wait for a wake (the
                        // stream dropping, the tab showing, a send).
                        None => alarm.sleep(u32::MAX / 2).await,
                    }
                }
                Err(ApiError::Stopped) => return,
                Err(error) => {
                    failures += 1;
                    self.connection.try_set(Connection::Reconnecting);
                    if matches!(&error, ApiError::Http { status: 400, .. }) {
                        // The cursor is no longer valid: reload the history from the start.
                        self.loaded.try_set(false);
                        self.transcript.try_update(Transcript::clear_history);
                    }
                    alarm
                        .sleep(poll_backoff_ms(failures, &error, js_sys::Math::random()))
                        .await;
                }
            }
        }
    }

    /// One poll from the newest id held (dropping the cursor message), following pages. With
    /// no id held yet (the visitor's first message is still only confirmed, not listed) it
    /// lists from the start, and what it finds is new all the same: an answer that came in
    /// the meantime is announced like any other, not taken in silently as history.
    pub(super) async fn poll_once(&self, live: bool) -> Result<(), ApiError> {
        let mut cursor = self
            .transcript
            .try_with_untracked(|t| t.poll_cursor().map(str::to_owned))
            .flatten();
        let asked_of = self.conversation_id();
        loop {
            let page = self.list_page(cursor.clone()).await?;
            if self.moved_on_from(asked_of.as_deref()) {
                // The visitor moved to another chat meanwhile: this page is the last one's.
                return Ok(());
            }
            self.receive(page.items, live);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// New messages from the server (a poll, the stream): shown once each, counted as unread
    /// while the visitor is not looking, the newest incoming one announced. `live`: they are
    /// new, not catching up (only then may the chime sound).
    pub fn receive(&self, messages: Vec<Message>, live: bool) {
        let mut added = Vec::new();
        self.transcript
            .try_update(|t| added = t.merge_listed(messages));
        // The streamed AI reply gives way to its stored message, announced already.
        let streamed = self
            .streaming
            .try_with_untracked(|s| s.as_ref().and_then(|s| s.message_id.clone()))
            .flatten();
        if let Some(id) = streamed {
            if self.transcript.try_with_untracked(|t| t.contains(&id)) == Some(true) {
                self.streaming.try_set(None);
                added.retain(|m| m.id != id);
            }
        }
        self.take_stored(&added);
        self.notice_incoming(&added, live);
    }

    /// Outbox items the server shows stored among `added` (a poll overtook the send's reply,
    /// or the reply was unreadable) are delivered: shown once, as stored.
    pub(super) fn take_stored(&self, added: &[Message]) {
        let taken = self
            .update_outbox(|outbox| outbox.stored(added))
            .unwrap_or_default();
        for (item, message_id) in taken {
            self.delivered(&item, message_id);
        }
    }

    /// Counts incoming messages as unread while the visitor is not looking; while they are,
    /// announces each one in the live region (`rich-messages.md` §6), in the name its bubble
    /// shows.
    pub(super) fn notice_incoming(&self, added: &[Message], live: bool) {
        let incoming: Vec<&Message> = added
            .iter()
            .filter(|m| m.sender.kind != SenderType::Customer)
            .collect();
        if incoming.is_empty() {
            return;
        }
        let Ok(lang) = self.alive().map(|i| i.config.lang) else {
            return;
        };
        let sign_in = self.sign_in_configured();
        // Each as its bubble shows it: the page's event and the live region say the same.
        let shown: Vec<_> = incoming
            .into_iter()
            .map(|message| {
                let view = connect360_model::display::view_message(
                    &message.content,
                    connect360_model::validate::Side::Agent,
                    Some(lang),
                    lang,
                    !message.attachments.is_empty(),
                    connect360_model::validate::Options {
                        sign_in_configured: Some(sign_in),
                    },
                );
                (message, view)
            })
            .collect();
        for (message, view) in &shown {
            self.emit(
                "message",
                js_object(&[
                    ("id", Some(message.id.as_str().into())),
                    ("text", Some(announce::shown_text(view, lang).into())),
                    (
                        "sender",
                        Some(announce::shown_name(message, view, lang).into()),
                    ),
                ]),
            );
        }
        let seen = self.open.try_get_untracked().unwrap_or_default() && page_visible();
        if !seen {
            self.unread.try_update(|n| *n += shown.len() as u32);
            let unread = self.unread.try_get_untracked().unwrap_or(0);
            self.emit("unread", js_object(&[("count", Some(unread.into()))]));
            self.draw_attention(unread, live);
            return;
        }
        for (message, view) in &shown {
            self.announce(announce::announcement_of(message, view, lang));
        }
        self.report_seen();
    }
}

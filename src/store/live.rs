//! The live stream: once the history is loaded, the widget holds the gateway's event stream
//! (`GET /api/widget/events`), resuming after the newest message it holds, and shows each
//! message as it is stored. While the stream is up the poller stays asleep, so a reply costs
//! no request; it stays connected while the tab is hidden (the unread badge stays live). When
//! the stream is refused, breaks or stalls (a proxy that buffers it sends nothing, not even
//! its pings), polling takes over at once and the stream is tried again later; waking the
//! page (`online`, `focus`, `visibilitychange`) tries again at once. Every (re)connect is
//! followed by one poll, which closes any gap; a message that arrives by two ways (stream,
//! poll, the send's reply, the AI stream) is shown once, merged by id.

use connect360_model::wire::EventsQuery;
use leptos::prelude::*;

use super::poller::{browser_offline, page_visible};
use super::retry::stream_retry_ms;
use super::Chat;
use crate::api::ApiError;

impl Chat {
    pub(super) async fn live_loop(self) {
        let Ok(alarm) = self.alive().map(|i| i.live_alarm.clone()) else {
            return;
        };
        let mut failures = 0u32;
        loop {
            let Ok(inner) = self.alive() else {
                return;
            };
            // The stream resumes after the newest message listed, so what it brings follows
            // on from what the transcript holds. Until a poll has listed one (a new visitor's
            // empty conversation), polling alone goes on.
            let listed = self
                .transcript
                .try_with_untracked(|t| t.poll_cursor().is_some())
                .unwrap_or(false);
            let ready = inner.engaged.get()
                && self.loaded.try_get_untracked().unwrap_or_default()
                && listed
                && !browser_offline();
            if !ready {
                // Woken when a poll has listed something, or the network or the tab comes back.
                inner.live_waiting.set(true);
                drop(inner);
                alarm.sleep(u32::MAX / 2).await;
                if let Ok(inner) = self.alive() {
                    inner.live_waiting.set(false);
                }
                continue;
            }
            drop(inner);
            alarm.settle();
            let started = js_sys::Date::now();
            let outcome = self.stream_once().await;
            let Ok(inner) = self.alive() else {
                return;
            };
            inner.live_up.set(false);
            // Polling takes over until the stream is back; what its first poll finds was
            // missed while the stream was down, not new.
            inner.catch_up_poll.set(true);
            inner.poll_alarm.wake();
            drop(inner);
            // A stream the server ends sooner than a ping interval (a proxy's short read
            // timeout, an answer cut short) counts as a failure: reconnecting at once would
            // loop.
            let lasted = js_sys::Date::now() - started;
            let outcome = match outcome {
                Ok(true) if lasted < f64::from(crate::api::PING_INTERVAL_MS) => {
                    Err(ApiError::Network)
                }
                other => other,
            };
            let wait = match &outcome {
                Err(ApiError::Stopped) => return,
                Ok(true) => {
                    failures = 0;
                    stream_retry_ms(0, None, js_sys::Math::random())
                }
                Ok(false) => continue,
                Err(error) => {
                    failures += 1;
                    stream_retry_ms(failures, Some(error), js_sys::Math::random())
                }
            };
            alarm.sleep(wait).await;
        }
    }

    /// Holds one stream until it ends: `Ok(true)` when it was up and the server ended it,
    /// `Ok(false)` when it was ended here (logout, a new identity) before anything failed.
    async fn stream_once(&self) -> Result<bool, ApiError> {
        let controller = web_sys::AbortController::new().map_err(|_| ApiError::Network)?;
        let signal = controller.signal();
        *self.alive()?.live_abort.borrow_mut() = Some(controller);
        let after = self
            .transcript
            .try_with_untracked(|t| t.poll_cursor().map(str::to_owned))
            .flatten();
        let active = self.looking();
        self.alive()?.live_active.set(active);
        let chat = *self;
        let result = self
            .authorised(|api, session| {
                let query = EventsQuery {
                    conversation_id: session.conversation_id.clone(),
                    after: after.clone(),
                    active,
                };
                let signal = signal.clone();
                async move {
                    api.events(
                        &session.token,
                        &query,
                        &signal,
                        &mut || {
                            chat.stream_opened();
                            // A widget that was removed lets its stream go (pings come
                            // every 20 s).
                            chat.alive().is_ok()
                        },
                        &mut |message, live| {
                            chat.receive(vec![message], live);
                            // A widget that was removed lets its stream go.
                            chat.alive().is_ok()
                        },
                        &mut |state| chat.conversation_changed(state),
                    )
                    .await
                }
            })
            .await;
        if let Ok(inner) = self.alive() {
            inner.live_abort.borrow_mut().take();
        }
        match result {
            Ok(()) => Ok(true),
            Err(_) if signal.aborted() => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The stream is up (its first bytes; called for every chunk): the poller sleeps, after
    /// one poll that closes any gap.
    fn stream_opened(&self) {
        if let Ok(inner) = self.alive() {
            if !inner.live_up.replace(true) {
                inner.catch_up_poll.set(true);
                inner.poll_alarm.wake();
            }
        }
    }

    /// Whether the visitor is looking: the panel open and the tab visible.
    pub(super) fn looking(&self) -> bool {
        self.open.try_get_untracked().unwrap_or_default() && page_visible()
    }

    /// The visitor started looking (the panel opened, the tab shown): a stream that told the
    /// gateway otherwise connects again saying so, since a gateway polling a remote
    /// Connect360 polls faster for a visitor who looks. It resumes after its last message:
    /// nothing is lost. Looking away keeps the stream as it is, so a reply that comes just
    /// then is not taken for a reconnect's catch-up (it chimes), at the price of faster
    /// remote polling until the stream's token is renewed.
    pub(super) fn stream_follows_looking(&self) {
        let stale = self
            .alive()
            .is_ok_and(|i| i.live_up.get() && !i.live_active.get() && self.looking());
        if stale {
            self.drop_stream();
        }
    }

    /// Ends the stream (logout, another visitor or conversation); the loop connects again
    /// when there is something to follow.
    pub(super) fn drop_stream(&self) {
        if let Ok(inner) = self.alive() {
            if let Some(controller) = inner.live_abort.borrow_mut().take() {
                controller.abort();
            }
            inner.live_alarm.wake();
        }
    }

    /// Whether the stream is up (so the poller need not poll).
    pub(super) fn stream_up(&self) -> bool {
        self.alive().is_ok_and(|i| i.live_up.get())
    }

    /// Asks for a poll now (a send delivered, the panel opened), unless the stream is up and
    /// brings what comes anyway.
    pub(super) fn poll_unless_live(&self) {
        if let Ok(inner) = self.alive() {
            if !inner.live_up.get() {
                inner.poll_alarm.wake();
            }
        }
    }
}

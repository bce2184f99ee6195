//! Seen receipts: while the visitor can see the conversation (the panel open, the tab
//! visible), the newest message shown is reported to the gateway (`POST /api/widget/seen`),
//! which agents read as "Seen 14:03". Only when it changed, at most one report every few
//! seconds (the last one of a quick run goes out at the end of it), never from a hidden tab;
//! a failed report is not retried (the next message reports again).

use std::cell::{Cell, RefCell};

use connect360_model::wire::SeenReport;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::alarm::sleep;
use super::poller::page_visible;
use super::Chat;

/// The shortest time between two reports.
const REPORT_GAP_MS: f64 = 3_000.0;

/// What was reported, and when.
#[derive(Default)]
pub(super) struct Receipts {
    reported: RefCell<Option<String>>,
    last_at: Cell<f64>,
    /// A report waits for the end of the gap.
    waiting: Cell<bool>,
}

impl Chat {
    /// Reports the newest message shown, if the visitor can see it and it was not reported.
    pub(super) fn report_seen(&self) {
        let Ok(inner) = self.alive() else {
            return;
        };
        if !(self.open.try_get_untracked().unwrap_or(false) && page_visible()) {
            return;
        }
        let receipts = &inner.receipts;
        if receipts.waiting.get() {
            return;
        }
        let wait = receipts.last_at.get() + REPORT_GAP_MS - js_sys::Date::now();
        let chat = *self;
        receipts.waiting.set(true);
        spawn_local(async move {
            if wait > 0.0 {
                sleep(wait.ceil() as u32).await;
            }
            chat.send_seen().await;
        });
    }

    async fn send_seen(&self) {
        let Ok(inner) = self.alive() else {
            return;
        };
        inner.receipts.waiting.set(false);
        let newest = self
            .transcript
            .try_with_untracked(|t| t.messages().last().map(|m| m.id.clone()))
            .flatten();
        let still_seen = self.open.try_get_untracked().unwrap_or(false) && page_visible();
        let Some(newest) = newest.filter(|id| {
            still_seen && inner.receipts.reported.borrow().as_deref() != Some(id.as_str())
        }) else {
            return;
        };
        inner.receipts.last_at.set(js_sys::Date::now());
        *inner.receipts.reported.borrow_mut() = Some(newest.clone());
        drop(inner);
        let _ = self
            .authorised(|api, session| {
                let report = SeenReport {
                    conversation_id: session.conversation_id.clone(),
                    message_id: newest.clone(),
                };
                async move { api.seen(&session.token, &report).await }
            })
            .await;
    }
}

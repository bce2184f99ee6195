//! What the widget tells the page (the embed loader's event sink) and the screen reader (the
//! live region).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::alarm::sleep;
use super::{new_sequence, Chat};

/// An announcement stays in the live region this long (screen readers take it when it is
/// added; it is removed so a visitor browsing the region later does not find stale ones).
pub(super) const ANNOUNCEMENT_MS: u32 = 3_000;

/// An announcement is at most this long.
pub(super) const ANNOUNCEMENT_MAX_CHARS: usize = 500;

/// One entry of the live region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: u32,
    pub text: String,
}

/// A plain JS object from `(key, value)` pairs; `None` is `null`.
pub(super) fn js_object(pairs: &[(&str, Option<wasm_bindgen::JsValue>)]) -> wasm_bindgen::JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        let value = value.clone().unwrap_or(wasm_bindgen::JsValue::NULL);
        let _ = js_sys::Reflect::set(&object, &(*key).into(), &value);
    }
    object.into()
}

impl Chat {
    /// Where the widget's events go (`ready`, `open`, `close`, `message`, `sent`, `unread`,
    /// `action`, `identified`, `error`).
    pub fn set_event_sink(&self, sink: js_sys::Function) {
        *self.inner().events.borrow_mut() = Some(sink);
    }

    /// Tells the page about `name` with `detail`; a failing listener never breaks the widget.
    pub(super) fn emit(&self, name: &str, detail: wasm_bindgen::JsValue) {
        let Ok(inner) = self.alive() else {
            return;
        };
        let sink = inner.events.borrow().clone();
        if let Some(sink) = sink {
            let _ = sink.call2(&wasm_bindgen::JsValue::NULL, &name.into(), &detail);
        }
    }

    /// `{visitorId, conversationId, open, unread}` for the page's script.
    pub fn state_object(&self) -> wasm_bindgen::JsValue {
        let session = self.alive().ok().and_then(|i| i.session.borrow().clone());
        js_object(&[
            (
                "visitorId",
                session.as_ref().map(|s| s.visitor_id.as_str().into()),
            ),
            (
                "conversationId",
                session.as_ref().map(|s| s.conversation_id.as_str().into()),
            ),
            (
                "open",
                Some(self.open.try_get_untracked().unwrap_or(false).into()),
            ),
            (
                "unread",
                Some(self.unread.try_get_untracked().unwrap_or(0).into()),
            ),
        ])
    }

    /// Says `text` in the live region: added as its own entry (so several at once are all
    /// heard), removed a few seconds later.
    pub fn announce(&self, text: String) {
        let Ok(inner) = self.alive() else {
            return;
        };
        let id = new_sequence(&inner.sequence);
        let text: String = text.chars().take(ANNOUNCEMENT_MAX_CHARS).collect();
        self.announcements
            .try_update(|list| list.push(Announcement { id, text }));
        let chat = *self;
        spawn_local(async move {
            sleep(ANNOUNCEMENT_MS).await;
            chat.announcements
                .try_update(|list| list.retain(|a| a.id != id));
        });
    }
}

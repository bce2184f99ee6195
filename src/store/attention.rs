//! Telling a visitor who looks elsewhere that an answer came. Besides the launcher's badge:
//! the count before the page's title ("(2) Shop"), given back to the host's own title when the
//! visitor looks, unless the host changed its title meanwhile (then the host's stands: the
//! widget never fights it); and, if the merchant turned it on (`data-sound="on"`), a short
//! chime — only once the visitor has interacted with the page, only for messages from others
//! that arrive live (never the history or a reconnect's catch-up), and in one tab of the
//! visitor's only, the one focused last. The page hears it too: the `sound` event.

use leptos::prelude::*;

use super::page_events::js_object;
use super::poller::page_visible;
use super::Chat;

/// The page title with the unread count before it, and what it was before the count.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TitleBadge {
    /// The host's own title.
    base: Option<String>,
    /// The title last written here.
    written: Option<String>,
}

impl TitleBadge {
    /// The title to show `count` unread messages, the page's title being `current` now. A
    /// title this badge did not write is the host's own, and the count goes before it.
    pub fn show(&mut self, current: &str, count: u32) -> String {
        if self.written.as_deref() != Some(current) {
            self.base = Some(current.to_owned());
        }
        let titled = format!("({count}) {}", self.base.as_deref().unwrap_or_default());
        self.written = Some(titled.clone());
        titled
    }

    /// The title to put back when the visitor looks: the host's, unless the host changed the
    /// title since it was written here (then `None`: leave the host's alone).
    pub fn clear(&mut self, current: &str) -> Option<String> {
        let written = self.written.take();
        let base = self.base.take();
        base.filter(|_| written.as_deref() == Some(current))
    }
}

impl Chat {
    /// `count` messages from others are unread now: the title says so and, when `live` (not
    /// history, not a catch-up), the chime may sound.
    pub(super) fn draw_attention(&self, count: u32, live: bool) {
        let Ok(inner) = self.alive() else {
            return;
        };
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let titled = inner.title.borrow_mut().show(&document.title(), count);
            document.set_title(&titled);
        }
        let now = js_sys::Date::now();
        let chimes = live
            && inner.config.sound
            && now - inner.last_chime.get() >= CHIME_GAP_MS
            && page_was_used()
            && self.sounds_here();
        if chimes && chime(&inner.audio).is_some() {
            inner.last_chime.set(now);
            self.emit("sound", js_object(&[("unread", Some(count.into()))]));
        }
    }

    /// The visitor looks (the panel opened, or the tab shown with the panel open): nothing is
    /// unread, and the title is the host's again.
    pub(super) fn visitor_looks(&self) {
        let Ok(inner) = self.alive() else {
            return;
        };
        if self.unread.try_get_untracked().unwrap_or(0) > 0 {
            self.unread.try_set(0);
            self.emit("unread", js_object(&[("count", Some(0.into()))]));
        }
        drop(inner);
        self.give_back_title();
        self.report_seen();
    }

    /// The page's title without the count (the host's, unless it changed it meanwhile).
    pub(super) fn give_back_title(&self) {
        let Ok(inner) = self.alive() else {
            return;
        };
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(title) = inner.title.borrow_mut().clear(&document.title()) {
                document.set_title(&title);
            }
        }
    }

    /// This tab was focused: it is the one that chimes.
    pub(super) fn claim_sound(&self) {
        if let Ok(inner) = self.alive() {
            if inner.config.sound {
                inner.persisted.claim_sounding_tab(&inner.tab);
            }
        }
    }

    /// Whether this tab chimes: the one focused last of the visitor's (this one when none was).
    fn sounds_here(&self) -> bool {
        self.alive().is_ok_and(|inner| {
            inner
                .persisted
                .sounding_tab()
                .is_none_or(|tab| tab == inner.tab)
        })
    }

    /// The visitor looks when the tab shows with the panel open; a focused tab chimes.
    pub(super) fn on_page_wake(&self) {
        let focused = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.has_focus().unwrap_or(false));
        if focused {
            self.claim_sound();
        }
        if page_visible() && self.open.try_get_untracked().unwrap_or(false) {
            self.visitor_looks();
        }
        self.stream_follows_looking();
    }
}

/// A run of messages chimes once: at most one chime in this long.
const CHIME_GAP_MS: f64 = 2_000.0;

/// Whether the visitor has interacted with the page (browsers allow sound only then).
fn page_was_used() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let get = |target: &wasm_bindgen::JsValue, key: &str| {
        js_sys::Reflect::get(target, &key.into()).unwrap_or_default()
    };
    get(&get(&window.navigator(), "userActivation"), "hasBeenActive").is_truthy()
}

/// Two short soft tones (the audio context made once, on the first chime).
fn chime(audio: &std::cell::RefCell<Option<web_sys::AudioContext>>) -> Option<()> {
    let mut audio = audio.borrow_mut();
    if audio.is_none() {
        *audio = web_sys::AudioContext::new().ok();
    }
    let context = audio.as_ref()?;
    let _ = context.resume();
    let now = context.current_time();
    for (i, frequency) in [660.0, 880.0].into_iter().enumerate() {
        let tone = context.create_oscillator().ok()?;
        let volume = context.create_gain().ok()?;
        tone.frequency().set_value(frequency);
        let start = now + i as f64 * 0.12;
        let gain = volume.gain();
        gain.set_value_at_time(0.0001, start).ok()?;
        gain.exponential_ramp_to_value_at_time(0.08, start + 0.02)
            .ok()?;
        gain.exponential_ramp_to_value_at_time(0.0001, start + 0.18)
            .ok()?;
        tone.connect_with_audio_node(&volume).ok()?;
        volume
            .connect_with_audio_node(&context.destination())
            .ok()?;
        tone.start_with_when(start).ok()?;
        tone.stop_with_when(start + 0.2).ok()?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::TitleBadge;

    #[test]
    fn the_count_goes_before_the_hosts_title_and_comes_off_when_the_visitor_looks() {
        let mut badge = TitleBadge::default();
        assert_eq!(badge.show("Acme shoes", 1), "(1) Acme shoes");
        assert_eq!(badge.show("(1) Acme shoes", 2), "(2) Acme shoes");
        assert_eq!(badge.clear("(2) Acme shoes").as_deref(), Some("Acme shoes"));
        // Nothing written since: nothing to put back.
        assert_eq!(badge.clear("Acme shoes"), None);
    }

    #[test]
    fn a_host_that_changes_its_title_is_never_fought() {
        let mut badge = TitleBadge::default();
        badge.show("Cart", 1);
        // The host changed its title (a single-page app navigated): that is the new base.
        assert_eq!(badge.show("Checkout", 2), "(2) Checkout");
        // The host changed it again before the visitor looked: its title stays.
        assert_eq!(badge.clear("Order placed"), None);
        assert_eq!(badge.show("Order placed", 1), "(1) Order placed");
        assert_eq!(
            badge.clear("(1) Order placed").as_deref(),
            Some("Order placed")
        );
    }
}

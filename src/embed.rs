//! The JS-facing surface for the embed loader (`embed/loader.js`): `start(host, emit)` mounts
//! the widget into the open shadow root the loader made (replacing its painted launcher in the
//! same task, so nothing flashes) and returns the object behind `window.Connect360`.
//! `emit(name, detail)` is how the widget's events reach the page.

use std::cell::{Cell, RefCell};

use connect360_model::Lang;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::config::WidgetConfig;
use crate::mount::{mount_widget, WidgetHandle};
use crate::store::Chat;
use crate::ui::PanelState;

/// The widget as the page's script sees it.
#[wasm_bindgen]
pub struct EmbeddedWidget {
    host: web_sys::Element,
    emit: js_sys::Function,
    panel: Cell<PanelState>,
    /// Dropping it unmounts the widget (a new language mounts a new one).
    handle: RefCell<Option<WidgetHandle>>,
}

/// Mounts the widget on `host` (configured by its `data-*` attributes) and wires `emit`.
#[wasm_bindgen]
pub fn start(host: web_sys::Element, emit: js_sys::Function) -> Result<EmbeddedWidget, JsValue> {
    let (panel, handle) = mount_on(&host, &emit)?;
    if let Some(shadow) = host.shadow_root() {
        // The loader's painted launcher gives way to the widget's own; a keyboard user who
        // had focused it (which is what started the load) keeps focus on the launcher.
        if let Ok(Some(boot)) = shadow.query_selector(".c360-boot") {
            let shell = boot.query_selector(".c360-shell").ok().flatten();
            let composer_focused =
                shell.is_some_and(|shell| take_over_shell(&shadow, &shell, panel));
            let had_focus = !composer_focused
                && shadow
                    .active_element()
                    .is_some_and(|active| boot.contains(Some(&active)));
            boot.remove();
            let launcher = shadow
                .query_selector(".c360-root .c360-launcher")
                .ok()
                .flatten();
            if let Some(launcher) = launcher.filter(|_| had_focus) {
                crate::ui::focus_without_scrolling(launcher.unchecked_ref());
            }
        }
    }
    Ok(EmbeddedWidget {
        host,
        emit,
        panel: Cell::new(panel),
        handle: RefCell::new(Some(handle)),
    })
}

/// The panel shell the loader painted on the first tap (`embed/loader.js`) gives way to the
/// panel in this same task, before anything is painted: open if the shell was, with the
/// shell composer's text, caret and focus. Returns whether the composer took focus. (Messages
/// sent in the shell are queued by the loader and sent after this.)
fn take_over_shell(
    shadow: &web_sys::ShadowRoot,
    shell: &web_sys::Element,
    panel: PanelState,
) -> bool {
    let textarea = |root: &web_sys::Element| {
        root.query_selector(".c360-input")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
    };
    let widget_root = shadow.query_selector(".c360-root").ok().flatten();
    let (Some(typed), Some(composer)) = (textarea(shell), widget_root.as_ref().and_then(textarea))
    else {
        return false;
    };
    // Focus anywhere in the open shell goes to the composer: on a phone the launcher is hidden
    // while the panel is open, so it could not take it.
    let focused = shadow
        .active_element()
        .is_some_and(|active| shell.contains(Some(&active)));
    let open = !shell.unchecked_ref::<web_sys::HtmlElement>().hidden();
    if open {
        panel.chat.set_open(true);
        // Shown now rather than at the next reactive flush, so focus can move straight from
        // the shell's composer to this one (the effect sets the same).
        if let Some(section) = shadow.get_element_by_id(crate::ui::panel::PANEL_ID) {
            let _ = section.remove_attribute("hidden");
        }
    }
    let text = typed.value();
    if !text.is_empty() {
        composer.set_value(&text);
        // The composer's own input handler takes the text in (the send button, the counter).
        if let Ok(event) = web_sys::Event::new("input") {
            let _ = composer.dispatch_event(&event);
        }
        let start = typed.selection_start().ok().flatten();
        let end = typed.selection_end().ok().flatten();
        if let (Some(start), Some(end)) = (start, end) {
            let _ = composer.set_selection_range(start, end);
        }
    }
    let take_focus = open && focused;
    if take_focus {
        crate::ui::focus_without_scrolling(&composer);
    }
    take_focus
}

/// Mounts a widget configured by `host`'s attributes, its events going to `emit`.
fn mount_on(
    host: &web_sys::Element,
    emit: &js_sys::Function,
) -> Result<(PanelState, WidgetHandle), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let location = window.location();
    let config = WidgetConfig::read(
        |name| host.get_attribute(name),
        &location.origin().unwrap_or_default(),
        &location.hostname().unwrap_or_default(),
        window.navigator().language().as_deref(),
    );
    let mounted = mount_widget(host, config).map_err(|e| JsValue::from_str(&e.to_string()))?;
    mounted.chat.set_event_sink(emit.clone());
    Ok((mounted.panel, mounted.handle))
}

#[wasm_bindgen]
impl EmbeddedWidget {
    /// Switches the widget's language (`en`, `ar`, `tr`): it is mounted anew in that language
    /// and reopened if it was open; the conversation and anything unsent carry over (they live
    /// on the server and in storage). An unknown language is ignored.
    #[wasm_bindgen(js_name = setLocale)]
    pub fn set_locale(&self, lang: &str) -> Result<(), JsValue> {
        let Some(lang) = Lang::from_tag(lang) else {
            return Ok(());
        };
        let was_open = self.chat().open.get_untracked();
        self.host.set_attribute("data-locale", lang.code())?;
        // The old widget goes, with its root element.
        drop(self.handle.borrow_mut().take());
        if let Some(shadow) = self.host.shadow_root() {
            if let Ok(Some(root)) = shadow.query_selector(".c360-root") {
                root.remove();
            }
        }
        let (panel, handle) = mount_on(&self.host, &self.emit)?;
        if was_open {
            panel.chat.set_open(true);
        }
        self.panel.set(panel);
        *self.handle.borrow_mut() = Some(handle);
        Ok(())
    }

    fn chat(&self) -> Chat {
        self.panel.get().chat
    }

    pub fn open(&self) {
        self.chat().set_open(true);
    }

    pub fn close(&self) {
        self.chat().set_open(false);
    }

    pub fn toggle(&self) {
        let chat = self.chat();
        chat.set_open(!chat.open.get_untracked());
    }

    /// The loader's painted launcher was activated before the widget had loaded: what the
    /// widget's own launcher does, focus included (into the composer on open), so the first
    /// keyboard open behaves like every later one.
    #[wasm_bindgen(js_name = launcherToggle)]
    pub fn launcher_toggle(&self) {
        self.panel.get().toggle();
    }

    pub fn show(&self) {
        self.chat().set_launcher_hidden(false);
    }

    pub fn hide(&self) {
        self.chat().set_launcher_hidden(true);
    }

    /// `identify({token})`: the merchant's signed identity for a logged-in user.
    pub fn identify(&self, token: &str) {
        self.chat().identify(token);
    }

    pub fn logout(&self) {
        self.chat().logout();
    }

    /// Sends `text` as the visitor; `false` when it is empty or too long.
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&self, text: &str) -> bool {
        self.chat().send_text(text)
    }

    /// `{visitorId, conversationId, open, unread}`.
    #[wasm_bindgen(js_name = getState)]
    pub fn get_state(&self) -> JsValue {
        self.chat().state_object()
    }
}

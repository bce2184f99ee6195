//! The JS-facing surface for the embed loader (`embed/loader.js`): `start(host, emit)` mounts
//! the widget into the open shadow root the loader made (replacing its painted launcher in the
//! same task, so nothing flashes) and returns the object behind `window.Connect360`.
//! `emit(name, detail)` is how the widget's events reach the page.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::config::WidgetConfig;
use crate::mount::mount_widget;
use crate::store::Chat;

/// The widget as the page's script sees it.
#[wasm_bindgen]
pub struct EmbeddedWidget {
    chat: Chat,
}

/// Mounts the widget on `host` (configured by its `data-*` attributes) and wires `emit`.
#[wasm_bindgen]
pub fn start(host: web_sys::Element, emit: js_sys::Function) -> Result<EmbeddedWidget, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let location = window.location();
    let config = WidgetConfig::read(
        |name| host.get_attribute(name),
        &location.origin().unwrap_or_default(),
        &location.hostname().unwrap_or_default(),
        window.navigator().language().as_deref(),
    );
    let mounted = mount_widget(&host, config).map_err(|e| JsValue::from_str(&e.to_string()))?;
    if let Some(shadow) = host.shadow_root() {
        // The loader's painted launcher gives way to the widget's own.
        if let Ok(Some(boot)) = shadow.query_selector(".c360-boot") {
            boot.remove();
        }
    }
    mounted.chat.set_event_sink(emit);
    mounted.handle.forget();
    Ok(EmbeddedWidget { chat: mounted.chat })
}

#[wasm_bindgen]
impl EmbeddedWidget {
    pub fn open(&self) {
        self.chat.set_open(true);
    }

    pub fn close(&self) {
        self.chat.set_open(false);
    }

    pub fn toggle(&self) {
        self.chat.set_open(!self.chat.open.get_untracked());
    }

    pub fn show(&self) {
        self.chat.set_launcher_hidden(false);
    }

    pub fn hide(&self) {
        self.chat.set_launcher_hidden(true);
    }

    /// `identify({token})`: the merchant's signed identity for a logged-in user.
    pub fn identify(&self, token: &str) {
        self.chat.identify(token);
    }

    pub fn logout(&self) {
        self.chat.logout();
    }

    /// Sends `text` as the visitor; `false` when it is empty or too long.
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&self, text: &str) -> bool {
        self.chat.send_text(text)
    }

    /// `{visitorId, conversationId, open, unread}`.
    #[wasm_bindgen(js_name = getState)]
    pub fn get_state(&self) -> JsValue {
        self.chat.state_object()
    }
}

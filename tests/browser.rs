//! Browser tests (wasm-bindgen-test in headless Chromium): the widget mounts into an open
//! shadow root, adopts its stylesheet, and its controls work there (events are not delegated,
//! which would break them inside a shadow root).
#![cfg(target_arch = "wasm32")]

use connect360_model::Lang;
use connect360_widget::mount::mount_widget;
use connect360_widget::ui::WidgetSettings;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, KeyboardEvent, KeyboardEventInit, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_host() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    host
}

fn find(shadow: &ShadowRoot, selector: &str) -> HtmlElement {
    shadow
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} not found"))
        .unchecked_into()
}

fn mounted(lang: Lang) -> (Element, ShadowRoot, connect360_widget::mount::WidgetHandle) {
    let host = fresh_host();
    let handle = mount_widget(&host, WidgetSettings { lang }).expect("mounts");
    let shadow = host.shadow_root().expect("an open shadow root");
    (host, shadow, handle)
}

#[wasm_bindgen_test]
async fn the_widget_mounts_a_launcher_and_a_hidden_panel_in_an_open_shadow_root() {
    let (host, shadow, _handle) = mounted(Lang::En);
    assert_eq!(shadow.mode(), web_sys::ShadowRootMode::Open);
    let launcher = find(&shadow, "button.c360-launcher");
    assert_eq!(
        launcher.get_attribute("aria-label").as_deref(),
        Some("Open chat")
    );
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert_eq!(
        launcher.get_attribute("aria-controls").as_deref(),
        Some("c360-panel")
    );
    let panel = find(&shadow, "#c360-panel");
    assert!(panel.hidden());
    assert_eq!(panel.get_attribute("role").as_deref(), Some("dialog"));
    assert!(
        host.query_selector("button").unwrap().is_none(),
        "nothing leaks into the light DOM"
    );
}

#[wasm_bindgen_test]
async fn the_stylesheet_is_adopted_and_applies_inside_the_shadow_root() {
    let (_host, shadow, _handle) = mounted(Lang::En);
    let sheets = js_sys::Reflect::get(&shadow, &"adoptedStyleSheets".into()).unwrap();
    assert_eq!(sheets.unchecked_into::<js_sys::Array>().length(), 1);
    let launcher = find(&shadow, "button.c360-launcher");
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&launcher)
        .unwrap()
        .unwrap();
    assert_eq!(style.get_property_value("border-radius").unwrap(), "50%");
    assert_eq!(style.get_property_value("width").unwrap(), "56px");
}

#[wasm_bindgen_test]
async fn clicking_the_launcher_opens_and_the_close_button_closes_the_panel() {
    let (_host, shadow, _handle) = mounted(Lang::En);
    let launcher = find(&shadow, "button.c360-launcher");
    launcher.click();
    tick().await;
    let panel = find(&shadow, "#c360-panel");
    assert!(!panel.hidden(), "the panel opens");
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    assert_eq!(
        launcher.get_attribute("aria-label").as_deref(),
        Some("Close chat")
    );
    assert_eq!(
        find(&shadow, ".c360-title").text_content().as_deref(),
        Some("Chat with us")
    );
    find(&shadow, "button.c360-close").click();
    tick().await;
    assert!(panel.hidden(), "the close button closes it");
}

/// Waits `ms` milliseconds (lets animation frames and effects run).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn focused_class(shadow: &ShadowRoot) -> Option<String> {
    shadow.active_element().map(|e| e.class_name())
}

#[wasm_bindgen_test]
async fn opening_moves_focus_into_the_panel_and_escape_returns_it_to_the_launcher() {
    let (_host, shadow, _handle) = mounted(Lang::En);
    find(&shadow, "button.c360-launcher").click();
    sleep(50).await;
    assert_eq!(focused_class(&shadow).as_deref(), Some("c360-close"));
    let panel = find(&shadow, "#c360-panel");
    let init = KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    init.set_composed(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    find(&shadow, "button.c360-close")
        .dispatch_event(&event)
        .unwrap();
    tick().await;
    assert!(panel.hidden());
    assert_eq!(focused_class(&shadow).as_deref(), Some("c360-launcher"));
}

#[wasm_bindgen_test]
async fn arabic_renders_right_to_left_with_arabic_labels() {
    let (_host, shadow, _handle) = mounted(Lang::Ar);
    let widget = find(&shadow, ".c360-widget");
    assert_eq!(widget.get_attribute("dir").as_deref(), Some("rtl"));
    assert_eq!(widget.get_attribute("lang").as_deref(), Some("ar"));
    let launcher = find(&shadow, "button.c360-launcher");
    assert_eq!(
        launcher.get_attribute("aria-label").as_deref(),
        Some("فتح المحادثة")
    );
}

#[wasm_bindgen_test]
async fn dropping_the_handle_unmounts_the_widget() {
    let (_host, shadow, handle) = mounted(Lang::Tr);
    assert!(shadow.query_selector(".c360-launcher").unwrap().is_some());
    drop(handle);
    tick().await;
    assert!(shadow.query_selector(".c360-launcher").unwrap().is_none());
}

//! Browser tests (wasm-bindgen-test in headless Chromium): the widget mounts into an open
//! shadow root styled by widget.css, and its controls work there (events are not delegated,
//! which would break them inside a shadow root); the transcript, composer, outbox and live
//! region behave as the visitor needs.
//!
//! The endpoint is a closed loopback port, so nothing here reaches a server: what the poller
//! would deliver is handed to `Chat::receive`, exactly as the poller does. Each test uses its
//! own channel, so their stored sessions and outboxes never mix.
#![cfg(target_arch = "wasm32")]

use connect360_model::Lang;
use connect360_widget::config::WidgetConfig;
use connect360_widget::mount::mount_widget;
use connect360_widget::mount::Mounted;
use connect360_widget::store::Chat;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, KeyboardEvent, KeyboardEventInit, ShadowRoot, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

/// An empty host element at the end of the page.
fn bare_host() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    host
}

/// A host element with an open shadow root styled by the widget stylesheet, as the embed
/// loader leaves it (it links widget.css and conversation.css; the test runner serves no
/// files, so they are adopted).
fn fresh_host() -> Element {
    let host = bare_host();
    let shadow = host
        .attach_shadow(&web_sys::ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    let sheet = web_sys::CssStyleSheet::new().unwrap();
    sheet
        .replace_sync(concat!(
            include_str!("../style/widget.css"),
            include_str!("../style/conversation.css")
        ))
        .unwrap();
    js_sys::Reflect::set(
        &shadow,
        &"adoptedStyleSheets".into(),
        &js_sys::Array::of1(&sheet),
    )
    .unwrap();
    host
}

fn computed_style(element: &Element) -> web_sys::CssStyleDeclaration {
    web_sys::window()
        .unwrap()
        .get_computed_style(element)
        .unwrap()
        .unwrap()
}

fn find(shadow: &ShadowRoot, selector: &str) -> HtmlElement {
    shadow
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} not found"))
        .unchecked_into()
}

/// Nothing listens on port 9 (discard) here: every request fails fast as a network error.
const UNREACHABLE: &str = "http://127.0.0.1:9";

fn config(lang: Lang, channel: &str) -> WidgetConfig {
    WidgetConfig::new(UNREACHABLE, channel, lang)
}

fn mount_in(host: &Element, config: WidgetConfig) -> Mounted {
    mount_widget(host, config).expect("mounts")
}

fn mounted(lang: Lang) -> (Element, ShadowRoot, connect360_widget::mount::WidgetHandle) {
    let (host, shadow, mounted) = mounted_with(config(lang, &unique_channel()));
    (host, shadow, mounted.handle)
}

fn mounted_with(config: WidgetConfig) -> (Element, ShadowRoot, Mounted) {
    let host = fresh_host();
    let mounted = mount_in(&host, config);
    let shadow = host.shadow_root().expect("an open shadow root");
    (host, shadow, mounted)
}

/// A channel no other test uses (stored state is scoped by endpoint and channel).
fn unique_channel() -> String {
    format!("test-{}.example", (js_sys::Math::random() * 1e15) as u64)
}

#[wasm_bindgen_test]
async fn the_widget_mounts_a_launcher_and_a_hidden_panel_in_an_open_shadow_root() {
    let (host, shadow, _handle) = mounted(Lang::En);
    assert_eq!(shadow.mode(), ShadowRootMode::Open);
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
    // The small-screen panel follows the visual viewport's height.
    let root = find(&shadow, ".c360-root");
    let height = root
        .style()
        .get_property_value("--c360-viewport-height")
        .unwrap();
    assert!(height.ends_with("px") && height.len() > 2, "{height}");
    assert!(
        host.query_selector("button").unwrap().is_none(),
        "nothing leaks into the light DOM"
    );
}

#[wasm_bindgen_test]
async fn a_bare_host_gets_an_open_shadow_root_styled_by_whoever_made_it_not_by_the_wasm() {
    let host = bare_host();
    let _mounted = mount_in(&host, config(Lang::En, &unique_channel()));
    let shadow = host.shadow_root().expect("an open shadow root");
    assert_eq!(shadow.mode(), ShadowRootMode::Open);
    find(&shadow, "button.c360-launcher");
    // The stylesheets are linked by the loader or mount_on_page: never a second copy.
    let sheets = js_sys::Reflect::get(&shadow, &"adoptedStyleSheets".into()).unwrap();
    assert_eq!(sheets.unchecked_into::<js_sys::Array>().length(), 0);
    assert!(shadow.query_selector("link, style").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn the_standalone_page_links_the_stylesheet_its_host_names_and_it_applies() {
    let document = web_sys::window().unwrap().document().unwrap();
    assert!(document.get_element_by_id("connect360-chat").is_none());
    let host = document.create_element("div").unwrap();
    host.set_id("connect360-chat");
    host.set_attribute("data-channel", &unique_channel())
        .unwrap();
    // The real stylesheets, as data: URLs (the test runner serves no files of ours).
    let data_url = |css: &str| {
        let css: String = js_sys::encode_uri_component(css).into();
        format!("data:text/css,{css}")
    };
    let hrefs = [
        data_url(include_str!("../style/widget.css")),
        data_url(include_str!("../style/conversation.css")),
    ];
    host.set_attribute("data-stylesheet", &hrefs.join(" "))
        .unwrap();
    document.body().unwrap().append_child(&host).unwrap();

    let mounted = connect360_widget::mount::mount_on_page().expect("mounts");
    let shadow = host.shadow_root().expect("an open shadow root");
    let links = shadow.query_selector_all("link[rel=stylesheet]").unwrap();
    assert_eq!(links.length(), 2, "the frame, then the conversation");
    for (i, href) in hrefs.iter().enumerate() {
        let link: Element = links.item(i as u32).unwrap().unchecked_into();
        assert_eq!(link.get_attribute("href").as_deref(), Some(href.as_str()));
    }
    let launcher = find(&shadow, "button.c360-launcher");
    for _ in 0..100 {
        if computed_style(&launcher)
            .get_property_value("width")
            .unwrap()
            == "56px"
        {
            break;
        }
        sleep(20).await;
    }
    let style = computed_style(&launcher);
    assert_eq!(style.get_property_value("border-radius").unwrap(), "50%");
    assert_eq!(style.get_property_value("width").unwrap(), "56px");
    drop(mounted.handle);
    host.remove();
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
        Some("Minimize chat"),
        "the launcher and the header's Close have distinct names"
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
    assert_eq!(focused_class(&shadow).as_deref(), Some("c360-input"));
    let panel = find(&shadow, "#c360-panel");
    let init = KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    init.set_composed(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    find(&shadow, "textarea.c360-input")
        .dispatch_event(&event)
        .unwrap();
    tick().await;
    assert!(panel.hidden());
    sleep(50).await; // focus moves once the closed panel is drawn
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

fn message(
    id: &str,
    kind: &str,
    name: &str,
    text: &str,
    at: &str,
) -> connect360_model::wire::Message {
    serde_json::from_value(serde_json::json!({
        "id": id, "conversationId": "conv_1", "parentId": null,
        "content": {"en": text}, "attachments": [],
        "sender": {"type": kind, "id": format!("{kind}_1"), "name": name, "image": null},
        "flags": [], "createdAt": at
    }))
    .unwrap()
}

fn texts(shadow: &ShadowRoot, selector: &str) -> Vec<String> {
    let list = shadow.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.get(i).unwrap().text_content().unwrap_or_default())
        .collect()
}

fn type_into(input: &HtmlElement, text: &str) {
    let area: &web_sys::HtmlTextAreaElement = input.unchecked_ref();
    area.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
}

fn press(target: &HtmlElement, key: &str, shift: bool, composing: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_is_composing(composing);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn received_messages_render_in_server_order_once_grouped_by_sender() {
    let (_host, shadow, mounted) = mounted_with(config(Lang::En, &unique_channel()));
    let chat: Chat = mounted.chat;
    let mut rich = message("m1", "workspace", "Sam", "", "2026-11-20T10:00:00.000Z");
    rich.content.insert(
        "en".into(),
        serde_json::json!({"text": "Hello! **How** can I help?", "containsRichText": true}),
    );
    chat.receive(
        vec![
            rich,
            message(
                "m2",
                "workspace",
                "Sam",
                "We are **online**.",
                "2026-11-20T10:01:00.000Z",
            ),
            message(
                "m3",
                "customer",
                "Jane",
                "Where is my order?",
                "2026-11-20T10:02:00.000Z",
            ),
        ],
        true,
    );
    // A poll repeats the cursor message and brings one more.
    chat.receive(
        vec![
            message(
                "m3",
                "customer",
                "Jane",
                "Where is my order?",
                "2026-11-20T10:02:00.000Z",
            ),
            message(
                "m4",
                "ai",
                "Acme AI",
                "It ships today.",
                "2026-11-21T09:00:00.000Z",
            ),
        ],
        true,
    );
    tick().await;
    assert_eq!(
        texts(&shadow, ".c360-bubble"),
        [
            "Hello! How can I help?",
            "We are **online**.",
            "Where is my order?",
            "It ships today."
        ]
    );
    // Sam's two messages form one group; the AI starts another on a new day.
    assert_eq!(texts(&shadow, ".c360-sender-name"), ["Sam", "Acme AI"]);
    assert_eq!(shadow.query_selector_all(".c360-day").unwrap().length(), 2);
    assert_eq!(
        shadow
            .query_selector_all(".c360-row--mine")
            .unwrap()
            .length(),
        1
    );
    // Rich text only where containsRichText asks for it; plain text is never markup.
    assert_eq!(texts(&shadow, ".c360-bubble strong"), ["How"]);
    let log = find(&shadow, ".c360-transcript");
    assert_eq!(log.get_attribute("role").as_deref(), Some("log"));
}

#[wasm_bindgen_test]
async fn incoming_messages_count_as_unread_while_closed_and_are_announced_while_open() {
    let (_host, shadow, mounted) = mounted_with(config(Lang::En, &unique_channel()));
    let chat = mounted.chat;
    chat.receive(
        vec![message(
            "m1",
            "workspace",
            "Sam",
            "Your parcel left.",
            "2026-11-20T10:00:00.000Z",
        )],
        true,
    );
    chat.receive(
        vec![message(
            "m2",
            "workspace",
            "Sam",
            "It arrives Monday.",
            "2026-11-20T10:00:01.000Z",
        )],
        true,
    );
    tick().await;
    let launcher = find(&shadow, "button.c360-launcher");
    assert_eq!(
        find(&shadow, ".c360-badge").text_content().as_deref(),
        Some("2")
    );
    assert_eq!(
        launcher.get_attribute("aria-label").as_deref(),
        Some("Open chat (2 unread messages)")
    );
    let announcer = find(&shadow, ".c360-announcer");
    assert_eq!(
        announcer.get_attribute("aria-live").as_deref(),
        Some("polite")
    );
    assert_eq!(
        announcer.text_content().as_deref(),
        Some(""),
        "closed: not announced"
    );

    launcher.click();
    tick().await;
    assert!(
        shadow.query_selector(".c360-badge").unwrap().is_none(),
        "opening reads them"
    );
    chat.receive(
        vec![message(
            "m3",
            "ai",
            "Acme AI",
            "Anything else?",
            "2026-11-20T10:00:02.000Z",
        )],
        true,
    );
    tick().await;
    assert_eq!(
        announcer.text_content().as_deref(),
        Some("Acme AI: Anything else?")
    );
    // The visitor's own messages are never announced or counted.
    chat.receive(
        vec![message(
            "m4",
            "customer",
            "Jane",
            "No, thanks",
            "2026-11-20T10:00:03.000Z",
        )],
        true,
    );
    tick().await;
    assert_eq!(
        announcer.text_content().as_deref(),
        Some("Acme AI: Anything else?")
    );
    // A burst: every message is its own entry, each read out as it is added.
    chat.receive(
        (1..=5)
            .map(|n| {
                message(
                    &format!("b{n}"),
                    "workspace",
                    "Sam",
                    &format!("Burst {n}"),
                    "2026-11-20T10:00:04.000Z",
                )
            })
            .collect(),
        true,
    );
    tick().await;
    let entries = texts(&shadow, ".c360-announcer > p");
    assert_eq!(
        entries[entries.len() - 5..],
        [
            "Sam: Burst 1",
            "Sam: Burst 2",
            "Sam: Burst 3",
            "Sam: Burst 4",
            "Sam: Burst 5"
        ]
    );
    // The entries are removed a few seconds later.
    sleep(3300).await;
    assert_eq!(announcer.text_content().as_deref(), Some(""));
    assert!(shadow.query_selector(".c360-badge").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn enter_sends_shift_enter_and_composition_do_not() {
    let (_host, shadow, _mounted) = mounted_with(config(Lang::En, &unique_channel()));
    find(&shadow, "button.c360-launcher").click();
    tick().await;
    let input = find(&shadow, "textarea.c360-input");
    let send = find(&shadow, "button.c360-send");
    assert!(
        send.unchecked_ref::<web_sys::HtmlButtonElement>()
            .disabled(),
        "nothing to send"
    );
    type_into(&input, "   ");
    tick().await;
    assert!(
        send.unchecked_ref::<web_sys::HtmlButtonElement>()
            .disabled(),
        "blank is nothing"
    );

    type_into(&input, "Hello there");
    tick().await;
    press(&input, "Enter", true, false);
    press(&input, "Enter", false, true);
    tick().await;
    assert!(
        texts(&shadow, ".c360-bubble").is_empty(),
        "Shift+Enter and IME Enter do not send"
    );
    press(&input, "Enter", false, false);
    tick().await;
    assert_eq!(texts(&shadow, ".c360-bubble--pending"), ["Hello there"]);
    assert_eq!(texts(&shadow, ".c360-status"), ["Sending…"]);
    let area: &web_sys::HtmlTextAreaElement = input.unchecked_ref();
    assert_eq!(area.value(), "", "the composer is cleared");
}

#[wasm_bindgen_test]
async fn the_counter_appears_near_the_limit() {
    let (_host, shadow, _mounted) = mounted_with(config(Lang::En, &unique_channel()));
    let input = find(&shadow, "textarea.c360-input");
    assert_eq!(input.get_attribute("maxlength").as_deref(), Some("3072"));
    let counter = find(&shadow, ".c360-counter");
    type_into(&input, &"a".repeat(100));
    tick().await;
    assert!(counter.hidden());
    type_into(&input, &"a".repeat(3000));
    tick().await;
    assert!(!counter.hidden());
    assert_eq!(
        counter.text_content().as_deref(),
        Some("72 characters left")
    );
}

#[wasm_bindgen_test]
async fn unsent_messages_survive_a_reload_in_order() {
    let config = config(Lang::En, &unique_channel());
    let (_host, shadow, mounted) = mounted_with(config.clone());
    assert!(mounted.chat.send_text("first"));
    assert!(mounted.chat.send_text("second"));
    assert!(!mounted.chat.send_text("  "), "blank is refused");
    assert!(
        !mounted.chat.send_text(&"x".repeat(3073)),
        "over the limit is refused"
    );
    tick().await;
    assert_eq!(texts(&shadow, ".c360-bubble--pending"), ["first", "second"]);
    // A reload: the page's widget goes away and a new one starts from storage.
    drop(mounted);
    tick().await;
    let (_host, shadow, _again) = mounted_with(config);
    tick().await;
    assert_eq!(texts(&shadow, ".c360-bubble--pending"), ["first", "second"]);
}

#[wasm_bindgen_test]
async fn arabic_messages_and_chrome_render_right_to_left() {
    let (_host, shadow, mounted) = mounted_with(config(Lang::Ar, &unique_channel()));
    let arabic: connect360_model::wire::Message = serde_json::from_value(serde_json::json!({
        "id": "m1", "content": {"ar": "مرحبا", "en": "Hello"},
        "sender": {"type": "workspace", "id": "mem_1", "name": "سارة"},
        "createdAt": "2026-11-20T10:00:00.000Z"
    }))
    .unwrap();
    mounted.chat.receive(vec![arabic], true);
    tick().await;
    let bubble = find(&shadow, ".c360-content");
    assert_eq!(bubble.get_attribute("dir").as_deref(), Some("rtl"));
    assert_eq!(bubble.get_attribute("lang").as_deref(), Some("ar"));
    assert_eq!(bubble.text_content().as_deref(), Some("مرحبا"));
    assert_eq!(
        find(&shadow, "textarea.c360-input")
            .get_attribute("placeholder")
            .as_deref(),
        Some("اكتب رسالة…")
    );
}

#[wasm_bindgen_test]
async fn the_accent_colour_and_corner_come_from_the_config_with_readable_text() {
    let mut config = config(Lang::En, &unique_channel());
    config.accent = connect360_widget::config::Accent::parse("#ffcc00");
    config.position = connect360_widget::config::Position::Left;
    let (_host, shadow, _mounted) = mounted_with(config);
    let launcher = find(&shadow, "button.c360-launcher");
    let style = computed_style(&launcher);
    assert_eq!(
        style.get_property_value("background-color").unwrap(),
        "rgb(255, 204, 0)"
    );
    // Yellow is too light for white text: the icon and labels turn dark.
    assert_eq!(
        style.get_property_value("color").unwrap(),
        "rgb(31, 31, 31)"
    );
    assert!(find(&shadow, ".c360-widget")
        .class_list()
        .contains("c360-widget--left"));
}

/// The canonical examples of `rich-messages.md` §7, each mounted as a visitor of its language
/// would see it (sign-in not configured: no session in these tests).
#[wasm_bindgen_test]
async fn every_canonical_example_renders_as_the_spec_says_and_nothing_unsafe_reaches_the_dom() {
    let fixtures: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("../fixtures/rich-messages.json")).unwrap();
    assert_eq!(fixtures.len(), 18);
    for fixture in fixtures {
        let name = fixture["fixture"].as_str().unwrap();
        let lang = Lang::from_code(fixture["visitorLanguage"].as_str().unwrap()).unwrap();
        let message: connect360_model::wire::Message =
            serde_json::from_value(fixture["message"].clone()).unwrap();
        let mut expect = fixture["expect"].clone();
        if let Some(without) = expect.get("withoutSignIn").cloned() {
            expect["shown"] = without["shown"].clone();
            expect["text"] = without["text"].clone();
        }
        let (_host, shadow, mounted) = mounted_with(config(lang, &unique_channel()));
        mounted.chat.set_open(true);
        mounted.chat.receive(vec![message], true);
        tick().await;

        let content = find(&shadow, ".c360-content");
        assert_eq!(
            content.get_attribute("lang").as_deref(),
            expect["lang"].as_str(),
            "{name}"
        );
        assert_eq!(
            content.get_attribute("dir").as_deref(),
            expect["dir"].as_str(),
            "{name}"
        );
        let text = content.text_content().unwrap_or_default();
        match expect["shown"].as_str().unwrap() {
            "fallback" => {
                assert_eq!(Some(text.as_str()), expect["text"].as_str(), "{name}");
                assert!(
                    shadow
                        .query_selector(".c360-card, .c360-chip")
                        .unwrap()
                        .is_none(),
                    "{name}"
                );
            }
            "placeholder" => {
                assert!(
                    shadow
                        .query_selector(".c360-placeholder")
                        .unwrap()
                        .is_some(),
                    "{name}"
                );
                assert_eq!(Some(text.as_str()), expect["text"].as_str(), "{name}");
            }
            "customer" => {
                assert!(
                    shadow.query_selector(".c360-row--mine").unwrap().is_some(),
                    "{name}"
                );
                assert_eq!(Some(text.as_str()), expect["text"].as_str(), "{name}");
            }
            _ => assert!(
                shadow
                    .query_selector(".c360-placeholder")
                    .unwrap()
                    .is_none(),
                "{name}"
            ),
        }
        if let Some(representative) = expect["representative"].as_str() {
            assert_eq!(
                find(&shadow, ".c360-sender-name").text_content().as_deref(),
                Some(representative),
                "{name}"
            );
        }
        assert_nothing_unsafe(&shadow, name);
        match name {
            "F02-rich-text" => {
                assert_eq!(texts(&shadow, ".c360-text strong").len(), 1, "{name}");
                assert_eq!(texts(&shadow, ".c360-text em").len(), 1, "{name}");
                let links = shadow.query_selector_all(".c360-text a").unwrap();
                assert_eq!(links.length(), 2, "{name}");
            }
            "F03-image" => {
                let link = find(&shadow, "a.c360-image-link");
                assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
                assert!(link
                    .get_attribute("aria-label")
                    .unwrap()
                    .starts_with("Open image:"));
            }
            "F04-standalone-card" => {
                let card = find(&shadow, ".c360-card");
                assert_eq!(card.get_attribute("role").as_deref(), Some("group"));
                assert_eq!(
                    card.get_attribute("aria-roledescription").as_deref(),
                    Some("card")
                );
                assert!(
                    shadow
                        .query_selector_all(".c360-card-button")
                        .unwrap()
                        .length()
                        >= 1
                );
            }
            "F05-carousel-medium" => {
                let carousel = find(&shadow, ".c360-carousel");
                assert_eq!(
                    carousel.get_attribute("aria-label").as_deref(),
                    Some("3 cards")
                );
                let cards = shadow
                    .query_selector_all(".c360-strip > .c360-card")
                    .unwrap();
                assert_eq!(cards.length(), 3);
                let second: Element = cards.get(1).unwrap().unchecked_into();
                assert_eq!(
                    second.get_attribute("aria-label").as_deref(),
                    Some("2 of 3: Latte")
                );
                // One tab stop: the first card, and only its buttons.
                assert_eq!(
                    texts(&shadow, ".c360-strip > .c360-card[tabindex='0']").len(),
                    1
                );
                assert_eq!(texts(&shadow, ".c360-card-button[tabindex='0']").len(), 2);
                assert_eq!(
                    texts(&shadow, ".c360-chip").len(),
                    1,
                    "the message-level chip"
                );
            }
            "F07-thirteen-chips" => assert_eq!(texts(&shadow, ".c360-chip").len(), 13, "{name}"),
            "F08-live-agent" => {
                assert!(texts(&shadow, ".c360-chip").contains(&"Talk to a person".to_owned()))
            }
            "F14-html-as-text" => assert!(text.contains('<'), "markup shows as text: {text}"),
            _ => {}
        }
        drop(mounted);
    }
}

/// No event-handler attribute, script or frame, and only allow-listed URLs in the widget.
fn assert_nothing_unsafe(shadow: &ShadowRoot, name: &str) {
    let all = shadow.query_selector_all("*").unwrap();
    for i in 0..all.length() {
        let element: Element = all.get(i).unwrap().unchecked_into();
        let tag = element.tag_name().to_lowercase();
        assert!(
            !["script", "iframe", "object", "embed", "style"].contains(&tag.as_str()),
            "{name}: <{tag}>"
        );
        let names = element.get_attribute_names();
        for j in 0..names.length() {
            let attribute = names.get(j).as_string().unwrap();
            assert!(
                !attribute.starts_with("on"),
                "{name}: {attribute} on <{tag}>"
            );
            if attribute == "href" || attribute == "src" {
                let value = element.get_attribute(&attribute).unwrap();
                let allowed = ["https://", "http://", "tel:", "mailto:"]
                    .iter()
                    .any(|scheme| value.starts_with(scheme));
                assert!(allowed, "{name}: {attribute}={value} on <{tag}>");
            }
        }
    }
}

#[wasm_bindgen_test]
async fn the_dark_theme_follows_data_theme_with_readable_text() {
    let host = fresh_host();
    host.set_attribute("data-theme", "dark").unwrap();
    let mounted = mount_in(&host, config(Lang::En, &unique_channel()));
    let shadow = host.shadow_root().unwrap();
    mounted.chat.set_open(true);
    mounted.chat.receive(
        vec![message(
            "m1",
            "workspace",
            "Sam",
            "Good evening",
            "2026-11-20T20:00:00.000Z",
        )],
        true,
    );
    tick().await;
    let style = |selector: &str| computed_style(&find(&shadow, selector));
    let bubble = style(".c360-bubble");
    assert_eq!(
        bubble.get_property_value("background-color").unwrap(),
        "rgb(48, 49, 52)"
    );
    assert_eq!(
        bubble.get_property_value("color").unwrap(),
        "rgb(232, 234, 237)"
    );
    assert_eq!(
        style(".c360-panel")
            .get_property_value("background-color")
            .unwrap(),
        "rgb(32, 33, 36)"
    );
}

/// A sleeper on `alarm` as a flag that turns true when its (minute-long) sleep ends.
fn sleeper(alarm: &connect360_widget::store::alarm::Alarm) -> std::rc::Rc<std::cell::Cell<bool>> {
    let woke = std::rc::Rc::new(std::cell::Cell::new(false));
    let (alarm, flag) = (alarm.clone(), woke.clone());
    wasm_bindgen_futures::spawn_local(async move {
        alarm.sleep(60_000).await;
        flag.set(true);
    });
    woke
}

#[wasm_bindgen_test]
async fn the_poll_alarm_keeps_a_wake_for_the_next_sleep_unless_a_poll_already_covered_it() {
    use connect360_widget::store::alarm::Alarm;
    // A wake while nobody sleeps (a send during a poll): the next sleep returns at once.
    let alarm = Alarm::default();
    alarm.wake();
    let woke = sleeper(&alarm);
    sleep(30).await;
    assert!(
        woke.get(),
        "a wake that came while nobody slept cuts the next sleep"
    );

    // Wakes before a poll starts (panel opened, tab shown) are covered by that poll.
    let alarm = Alarm::default();
    alarm.wake();
    alarm.wake();
    alarm.settle();
    let woke = sleeper(&alarm);
    sleep(30).await;
    assert!(
        !woke.get(),
        "settled wakes do not cut the sleep after the poll"
    );
    alarm.wake();
    sleep(30).await;
    assert!(woke.get(), "a wake during the sleep ends it");
}

/// The browser's own words for `millis`, as the header must show them.
fn locale_words(millis: f64, lang: &str, options: &[(&str, &str)]) -> String {
    let object = js_sys::Object::new();
    for (key, value) in options {
        js_sys::Reflect::set(&object, &(*key).into(), &(*value).into()).unwrap();
    }
    js_sys::Date::new(&millis.into())
        .to_locale_string(lang, &object)
        .into()
}

#[wasm_bindgen_test]
fn the_header_says_whether_the_team_is_in_and_when_it_is_back_in_the_visitors_words() {
    use connect360_model::wire::Availability;
    use connect360_widget::ui::panel::presence;
    // Noon today in the browser's time zone, and returns at 09:00 local 1, 3 and 10 days on.
    let noon = js_sys::Date::new_0();
    noon.set_hours(12);
    noon.set_minutes(0);
    let now = noon.get_time();
    let nine_on = |days: u32| {
        let day = js_sys::Date::new(&now.into());
        day.set_date(day.get_date() + days);
        day.set_hours(9);
        day.set_minutes(0);
        day.get_time()
    };
    let away = |at: Option<f64>| Availability {
        online: false,
        reply_minutes: None,
        changes_at: at.map(|at| js_sys::Date::new(&at.into()).to_iso_string().into()),
    };
    let clock = [("hour", "numeric"), ("minute", "2-digit")];

    let tomorrow = nine_on(1);
    assert_eq!(
        presence(Some(&away(Some(tomorrow))), now, Lang::En),
        format!(
            "Away · back tomorrow at {}",
            locale_words(tomorrow, "en", &clock)
        )
    );
    let ar = presence(Some(&away(Some(tomorrow))), now, Lang::Ar);
    assert!(
        ar.contains("غدًا") && ar.contains(&locale_words(tomorrow, "ar", &clock)),
        "{ar}"
    );
    let tr = presence(Some(&away(Some(tomorrow))), now, Lang::Tr);
    assert!(
        tr.contains("yarın") && tr.contains(&locale_words(tomorrow, "tr", &clock)),
        "{tr}"
    );

    let later_this_week = nine_on(3);
    let weekday = locale_words(later_this_week, "en", &[("weekday", "long")]);
    assert_eq!(
        presence(Some(&away(Some(later_this_week))), now, Lang::En),
        format!(
            "Away · back {weekday} at {}",
            locale_words(later_this_week, "en", &clock)
        )
    );
    let far = nine_on(10);
    let date = locale_words(far, "en", &[("day", "numeric"), ("month", "long")]);
    assert!(presence(Some(&away(Some(far))), now, Lang::En).contains(&date));
    // Back later today.
    let tonight = now + 3.0 * 3_600_000.0;
    assert!(
        presence(Some(&away(Some(tonight))), now, Lang::En).starts_with("Away · back today at ")
    );
    assert_eq!(
        presence(Some(&away(None)), now, Lang::En),
        "Away · leave a message and we'll reply"
    );

    let online = |minutes: Option<u32>| Availability {
        online: true,
        reply_minutes: minutes,
        changes_at: None,
    };
    assert_eq!(
        presence(Some(&online(Some(5))), now, Lang::En),
        "Online · replies in about 5 minutes"
    );
    assert_eq!(
        presence(Some(&online(Some(1))), now, Lang::En),
        "Online · replies in about 1 minute"
    );
    assert_eq!(
        presence(Some(&online(Some(120))), now, Lang::En),
        "Online · replies in about 2 hours"
    );
    assert!(presence(Some(&online(Some(5))), now, Lang::Tr).contains("5 dakika"));
    let ar = presence(Some(&online(Some(5))), now, Lang::Ar);
    assert!(ar.contains("دقائق"), "{ar}");
    assert_eq!(presence(Some(&online(None)), now, Lang::En), "Online now");
    // No hours set: what the header always said.
    assert_eq!(
        presence(None, now, Lang::En),
        "We usually reply in a few minutes"
    );
}

/// Sets an `<input>`'s value as typing does (an `input` event).
fn fill_input(input: &HtmlElement, text: &str) {
    let field: &web_sys::HtmlInputElement = input.unchecked_ref();
    field.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
}

fn submit_form(shadow: &ShadowRoot, selector: &str) {
    let form: web_sys::HtmlFormElement = find(shadow, selector).unchecked_into();
    form.request_submit().unwrap();
}

#[wasm_bindgen_test]
async fn the_contact_form_links_each_error_to_its_field_and_keeps_what_was_typed() {
    use connect360_model::contact::{Ask, PrechatForm, When};
    use leptos::prelude::Set;
    let (_host, shadow, mounted) = mounted_with(config(Lang::En, &unique_channel()));
    mounted.chat.prechat.set(Some(PrechatForm {
        when: When::Always,
        name: Ask::Required,
        email: Ask::Optional,
        phone: Ask::Off,
        consent_url: Some("https://shop.example/privacy".into()),
    }));
    mounted.chat.set_open(true);
    tick().await;
    let name = find(&shadow, "#c360-contact-name");
    let email = find(&shadow, "#c360-contact-email");
    assert!(
        shadow
            .query_selector("#c360-contact-phone")
            .unwrap()
            .is_none(),
        "phone is off"
    );
    assert_eq!(
        texts(&shadow, ".c360-field label"),
        ["Name", "E-mail (optional)", "I agree to the privacy notice"]
    );
    for field in [&name, &email] {
        assert_eq!(
            computed_style(field)
                .get_property_value("font-size")
                .unwrap(),
            "16px"
        );
    }
    let link = find(&shadow, ".c360-consent-link");
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://shop.example/privacy")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert!(link.get_attribute("rel").unwrap().contains("noopener"));

    fill_input(&email, "not-an-address");
    submit_form(&shadow, ".c360-contact form");
    tick().await;
    sleep(50).await;
    assert_eq!(name.get_attribute("aria-invalid").as_deref(), Some("true"));
    let error = find(
        &shadow,
        &format!("#{}", name.get_attribute("aria-describedby").unwrap()),
    );
    assert_eq!(
        error.text_content().as_deref(),
        Some("Please enter your name.")
    );
    assert!(!error.hidden());
    let email_error = find(
        &shadow,
        &format!("#{}", email.get_attribute("aria-describedby").unwrap()),
    );
    assert_eq!(
        email_error.text_content().as_deref(),
        Some("Enter an e-mail address such as name@example.com.")
    );
    assert!(!find(&shadow, "#c360-contact-consent-error").hidden());
    // Focus goes to the first field in error, which is read out with its error.
    assert_eq!(shadow.active_element().unwrap().id(), "c360-contact-name");
    // What was typed stays; typing in a field clears its own error only.
    let typed: &web_sys::HtmlInputElement = email.unchecked_ref();
    assert_eq!(typed.value(), "not-an-address");
    fill_input(&name, "Ada");
    tick().await;
    assert_eq!(name.get_attribute("aria-invalid"), None);
    assert_eq!(name.get_attribute("aria-describedby"), None);
    assert_eq!(email.get_attribute("aria-invalid").as_deref(), Some("true"));
    drop(mounted.handle);
}

#[wasm_bindgen_test]
async fn an_ended_chat_asks_for_a_rating_named_in_words_and_a_choice_first() {
    use connect360_model::wire::ConversationState;
    use leptos::prelude::Set;
    let (_host, shadow, mounted) = mounted_with(config(Lang::Tr, &unique_channel()));
    mounted.chat.set_open(true);
    tick().await;
    assert!(shadow.query_selector(".c360-ended").unwrap().is_none());
    mounted.chat.life.set(ConversationState {
        ended: true,
        rated: false,
    });
    tick().await;
    assert_eq!(
        find(&shadow, ".c360-ended h3").text_content().as_deref(),
        Some("Bu sohbet sona erdi.")
    );
    let choices: Vec<String> = texts(&shadow, ".c360-rating-choice")
        .iter()
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        choices,
        [
            "1 Çok kötü",
            "2 Kötü",
            "3 İdare eder",
            "4 İyi",
            "5 Mükemmel"
        ]
    );
    let radios = shadow
        .query_selector_all(".c360-rating input[type=radio]")
        .unwrap();
    assert_eq!(radios.length(), 5);
    // Each choice is a target of at least 44 px.
    let labels = shadow.query_selector_all(".c360-rating-choice").unwrap();
    for i in 0..labels.length() {
        let label: Element = labels.get(i).unwrap().unchecked_into();
        assert!(label.get_bounding_client_rect().height() >= 44.0);
    }
    submit_form(&shadow, ".c360-ended form");
    tick().await;
    assert_eq!(
        find(&shadow, "#c360-rating-problem")
            .text_content()
            .as_deref(),
        Some("Önce bir puan seçin.")
    );
    // Rated (another tab, say): the thanks replace the form.
    mounted.chat.life.set(ConversationState {
        ended: true,
        rated: true,
    });
    tick().await;
    assert!(shadow.query_selector(".c360-ended form").unwrap().is_none());
    assert!(find(&shadow, ".c360-ended [role=status]")
        .text_content()
        .unwrap()
        .starts_with("Değerlendirmeniz için teşekkürler!"));
    drop(mounted.handle);
}

#[wasm_bindgen_test]
async fn an_email_typed_while_away_does_not_block_the_form_once_the_team_is_back() {
    use connect360_model::contact::{Ask, PrechatForm, When};
    use connect360_model::wire::Availability;
    use leptos::prelude::Set;
    let (_host, shadow, mounted) = mounted_with(config(Lang::En, &unique_channel()));
    let availability = |online| Availability {
        online,
        reply_minutes: None,
        changes_at: None,
    };
    mounted.chat.prechat.set(Some(PrechatForm {
        when: When::Always,
        name: Ask::Required,
        email: Ask::Off,
        phone: Ask::Off,
        consent_url: None,
    }));
    mounted.chat.availability.set(Some(availability(false)));
    mounted.chat.set_open(true);
    tick().await;
    // Away: an e-mail is asked for too, and typed.
    fill_input(&find(&shadow, "#c360-contact-email"), "later@example.com");
    fill_input(&find(&shadow, "#c360-contact-name"), "Ada");
    // The team is back: the form no longer shows the e-mail, and what was typed there is not
    // held against it (no error the visitor could not see).
    mounted.chat.availability.set(Some(availability(true)));
    tick().await;
    assert!(shadow
        .query_selector("#c360-contact-email")
        .unwrap()
        .is_none());
    submit_form(&shadow, ".c360-contact form");
    tick().await;
    assert!(texts(&shadow, ".c360-field-error:not([hidden])").is_empty());
    // The form went to the (unreachable) server: its failure says so, the values stay.
    for _ in 0..100 {
        if find(&shadow, ".c360-contact [role=alert]")
            .text_content()
            .unwrap_or_default()
            .is_empty()
        {
            sleep(50).await;
        }
    }
    assert_eq!(
        find(&shadow, ".c360-contact [role=alert]")
            .text_content()
            .as_deref(),
        Some("Your details could not be saved. Please try again.")
    );
    drop(mounted.handle);
}

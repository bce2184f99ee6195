//! Mounting: an **open** shadow root on the host element and the Leptos app inside it. The
//! widget's stylesheets (`style/widget.css`, the frame the loader paints before the wasm, and
//! `style/conversation.css`, the rest) are separate, cacheable files linked into the shadow
//! root — by the embed loader, or by `mount_on_page` on the standalone page — rather than
//! compiled into the wasm as well (that copy cost ~3.5 KB gzip);
//! `<link>` is allowed under a strict `style-src` CSP, unlike `<style>`. Events are not
//! delegated (the `delegation` feature stays off), so handlers work inside the shadow root.

use std::fmt;

use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::config::WidgetConfig;
use crate::store::Chat;
use crate::ui::{App, PanelState};

/// The id of the host element the standalone build mounts into.
pub const HOST_ID: &str = "connect360-chat";

/// Why the widget could not be mounted.
#[derive(Debug)]
pub enum MountError {
    NoDocument,
    Dom(String),
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountError::NoDocument => f.write_str("no document to mount into"),
            MountError::Dom(e) => write!(f, "the page refused a DOM operation: {e}"),
        }
    }
}

impl From<JsValue> for MountError {
    fn from(value: JsValue) -> Self {
        // Not `{:?}`: the release build compiles Debug formatting away (-Zfmt-debug=none).
        let message = value
            .as_string()
            .or_else(|| value.dyn_ref::<js_sys::Error>().map(|e| e.message().into()))
            .unwrap_or_else(|| "an unknown error".into());
        MountError::Dom(message)
    }
}

/// The handle of a mounted widget; dropping it unmounts the widget.
pub type WidgetHandle = leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>;

/// A mounted widget: dropping `handle` unmounts it; `chat` is its state and actions, `panel`
/// opens and closes it as its launcher does (focus included).
pub struct Mounted {
    pub handle: WidgetHandle,
    pub chat: Chat,
    pub panel: PanelState,
}

/// The open shadow root on `host`: the one already attached, else a new one.
fn open_shadow_root(host: &Element) -> Result<ShadowRoot, MountError> {
    match host.shadow_root() {
        Some(shadow) => Ok(shadow),
        None => Ok(host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?),
    }
}

/// Mounts the widget into an open shadow root on `host` (reusing one already attached). The
/// shadow root gets its styles from whoever made it: the loader's `<link>`s to widget.css and
/// conversation.css, or `mount_on_page`'s.
pub fn mount_widget(host: &Element, config: WidgetConfig) -> Result<Mounted, MountError> {
    let shadow = open_shadow_root(host)?;
    let document = host.owner_document().ok_or(MountError::NoDocument)?;
    let root: HtmlElement = document.create_element("div")?.unchecked_into();
    root.set_class_name("c360-root");
    shadow.append_child(&root)?;
    follow_visual_viewport(&root);
    if let Some(accent) = config.accent {
        // Through the CSSOM, which a strict style-src CSP allows.
        let style = root.style();
        style.set_property("--c360-accent", &accent.css())?;
        style.set_property("--c360-on-accent", accent.on_accent())?;
    }
    let created = std::rc::Rc::new(std::cell::Cell::new(None));
    let slot = created.clone();
    let handle = mount_to(root, move || {
        // Created inside the mounted view, so its signals live and die with it.
        let chat = Chat::new(config);
        let panel = PanelState::new(chat);
        slot.set(Some(panel));
        view! { <App panel=panel/> }.into_any()
    });
    let panel = created
        .take()
        .ok_or_else(|| MountError::Dom("the widget did not render".into()))?;
    Ok(Mounted {
        handle,
        chat: panel.chat,
        panel,
    })
}

/// Keeps `--c360-viewport-height` on `root` equal to the visual viewport's height, so the
/// full-screen panel on small screens ends above the on-screen keyboard, with the newest
/// message still in view. Set through the
/// CSSOM (`style.setProperty`), which a strict `style-src` CSP allows.
fn follow_visual_viewport(root: &HtmlElement) {
    use wasm_bindgen::closure::Closure;
    let Some(viewport) = web_sys::window().and_then(|w| w.visual_viewport()) else {
        return;
    };
    let apply = {
        let (root, viewport) = (root.clone(), viewport.clone());
        move || {
            // A transcript showing its newest message keeps showing it as the panel shrinks
            // (the on-screen keyboard opening) or grows.
            let log = root.query_selector(".c360-transcript").ok().flatten();
            let pinned = log.as_ref().is_some_and(crate::ui::transcript::at_newest);
            let _ = root.style().set_property(
                "--c360-viewport-height",
                &format!("{}px", viewport.height()),
            );
            if let Some(log) = log.filter(|_| pinned) {
                log.set_scroll_top(log.scroll_height());
            }
        }
    };
    apply();
    let listener = Closure::<dyn Fn()>::new(apply);
    let _ = viewport.add_event_listener_with_callback("resize", listener.as_ref().unchecked_ref());
    // As long-lived as the page's widget; it only writes one property on its own element.
    listener.forget();
}

/// The widget's stylesheets when the host names none, in cascade order: the frame (what the
/// loader paints before the wasm) and the conversation. Trunk copies both from `style/` beside
/// the page (`trunk serve`); `scripts/version-assets.sh` writes the content-hashed names of a
/// build into the page's `data-stylesheet`.
const DEFAULT_STYLESHEETS: &str = "widget.css conversation.css";

/// Links the widget's stylesheets into `shadow`, in order, from `hrefs` (URLs separated by
/// white space), unless it has its styles already (the loader linked them).
fn link_stylesheets(shadow: &ShadowRoot, hrefs: &str) -> Result<(), MountError> {
    if shadow.query_selector("link[rel=stylesheet]")?.is_some() {
        return Ok(());
    }
    let document = shadow.owner_document().ok_or(MountError::NoDocument)?;
    for href in hrefs.split_ascii_whitespace() {
        let link = document.create_element("link")?;
        link.set_attribute("rel", "stylesheet")?;
        link.set_attribute("href", href)?;
        shadow.append_child(&link)?;
    }
    Ok(())
}

/// Mounts into the page's `#connect360-chat` element (created at the end of `<body>` when
/// missing), configured by its `data-*` attributes, styled by the stylesheets its
/// `data-stylesheet` names (`widget.css` and `conversation.css` beside the page by default).
pub fn mount_on_page() -> Result<Mounted, MountError> {
    let window = web_sys::window().ok_or(MountError::NoDocument)?;
    let document = window.document().ok_or(MountError::NoDocument)?;
    let host = match document.get_element_by_id(HOST_ID) {
        Some(host) => host,
        None => {
            let host = document.create_element("div")?;
            host.set_id(HOST_ID);
            document
                .body()
                .ok_or(MountError::NoDocument)?
                .append_child(&host)?;
            host
        }
    };
    let location = window.location();
    let config = WidgetConfig::read(
        |name| host.get_attribute(name),
        &location.origin().unwrap_or_default(),
        &location.hostname().unwrap_or_default(),
        window.navigator().language().as_deref(),
    );
    let stylesheets = host
        .get_attribute("data-stylesheet")
        .unwrap_or_else(|| DEFAULT_STYLESHEETS.to_owned());
    link_stylesheets(&open_shadow_root(&host)?, &stylesheets)?;
    mount_widget(&host, config)
}

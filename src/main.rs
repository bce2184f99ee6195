//! Entry point of the standalone build (`index.html`, `trunk serve`): mounts the widget into
//! the page's `#connect360-chat` host element. Loaded by the embed loader instead (which calls
//! `start` itself), it mounts nothing.

fn main() {
    // With the size build's immediate-abort panics no hook ever runs: leave it out there.
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    let embedded = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"Connect360".into()).ok())
        .is_some_and(|api| !api.is_undefined());
    if embedded {
        return;
    }
    match connect360_widget::mount::mount_on_page() {
        Ok(mounted) => mounted.handle.forget(),
        Err(error) => leptos::logging::error!("Connect360 Chat could not start: {error}"),
    }
}

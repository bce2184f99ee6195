//! Entry point of the standalone build (`index.html`, `trunk serve`): mounts the widget into
//! the page's `#connect360-chat` host element, creating it when the page has none.

fn main() {
    console_error_panic_hook::set_once();
    match connect360_widget::mount::mount_on_page() {
        Ok(mounted) => mounted.handle.forget(),
        Err(error) => leptos::logging::error!("Connect360 Chat could not start: {error}"),
    }
}

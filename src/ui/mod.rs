//! Leptos components: the root [`App`], the [`launcher`] button and the chat [`panel`] with its
//! [`transcript`], [`message`] bubbles with [`rich`] content, and [`composer`]. Components never call HTTP: they read
//! the [`crate::store::Chat`] from context and call its actions.

/// Declares a view the split release build (`--cfg c360_split`, scripts/build-widget.sh) keeps
/// out of the main wasm: a module of its own, fetched the first time the view is shown (or
/// preloaded). Everywhere else it is an ordinary function. Either way calling it gives a future
/// of the view, or of [`LoadFailed`] when its module could not be fetched.
macro_rules! on_demand_view {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        #[cfg(c360_split)]
        $(#[$meta])*
        #[leptos::wasm_split::wasm_split($name, wasm_split_path = ::leptos::wasm_split, fallible)]
        $vis fn $name($($arg: $ty),*) -> Result<leptos::prelude::AnyView, $crate::ui::LoadFailed> {
            Ok($body)
        }
        #[cfg(not(c360_split))]
        $(#[$meta])*
        $vis async fn $name($($arg: $ty),*) -> Result<leptos::prelude::AnyView, $crate::ui::LoadFailed> {
            Ok($body)
        }
    };
}

pub mod attachments;
pub mod composer;
pub mod contact;
pub mod download;
pub mod earlier;
pub mod launcher;
pub mod life;
pub mod message;
pub mod panel;
pub mod rich;
pub mod rich_text;
pub mod time;
pub mod transcript;

use leptos::html;
use leptos::prelude::*;
use web_sys::FocusOptions;

use crate::store::Chat;
use launcher::Launcher;
use panel::Panel;

/// Open/closed state of the panel, with focus moved the way a keyboard user expects: into the
/// composer when it opens, back to the launcher when it closes. Focus never scrolls the page.
#[derive(Clone, Copy)]
pub struct PanelState {
    pub chat: Chat,
    pub launcher: NodeRef<html::Button>,
    pub composer: NodeRef<html::Textarea>,
}

impl PanelState {
    pub fn new(chat: Chat) -> Self {
        PanelState {
            chat,
            launcher: NodeRef::new(),
            composer: NodeRef::new(),
        }
    }

    pub fn toggle(self) {
        if self.chat.open.get_untracked() {
            self.close();
        } else {
            self.chat.set_open(true);
            // The panel is shown on the next render; focus it then.
            let state = self;
            // The widget may be gone by the next frame: focus_composer checks.
            request_animation_frame(move || state.focus_composer());
        }
    }

    /// Puts focus in the composer (after a control that goes away, like a chosen chip).
    pub fn focus_composer(self) {
        if let Some(input) = self.composer.try_get_untracked().flatten() {
            focus_without_scrolling(&input);
        }
    }

    pub fn close(self) {
        if self.chat.open.get_untracked() {
            self.chat.set_open(false);
            // On a phone the launcher is hidden while the panel is open: it can take focus
            // once the closed panel is rendered.
            let launcher = self.launcher;
            request_animation_frame(move || {
                if let Some(launcher) = launcher.try_get_untracked().flatten() {
                    focus_without_scrolling(&launcher);
                }
            });
        }
    }
}

pub(crate) fn focus_without_scrolling(element: &web_sys::HtmlElement) {
    let options = FocusOptions::new();
    options.set_prevent_scroll(true);
    let _ = element.focus_with_options(&options);
}

/// The widget: a launcher and the panel it opens (`panel`, made by the mount so the page's
/// script can open it as the launcher does). Esc anywhere in the widget closes the panel.
#[component]
pub fn App(panel: PanelState) -> impl IntoView {
    let chat = panel.chat;
    provide_context(chat);
    provide_context(panel);
    provide_context(OnDemandRetry(RwSignal::new(0)));
    let lang = chat.lang();
    view! {
        <div
            class="c360-widget"
            class:c360-widget--left=chat.config().position == crate::config::Position::Left
            lang=lang.code()
            dir=lang.direction().as_str()
            on:keydown=move |event: leptos::ev::KeyboardEvent| {
                if event.key() == "Escape" && chat.open.get_untracked() {
                    event.stop_propagation();
                    panel.close();
                }
            }
        >
            <Panel state=panel/>
            <Launcher state=panel/>
        </div>
    }
}

/// Asks every view whose module could not be fetched to fetch it again.
#[derive(Clone, Copy)]
pub struct OnDemandRetry(RwSignal<u32>);

/// A view's module could not be fetched (the split release build, a network failure).
#[derive(Debug, Clone, Copy)]
pub struct LoadFailed;

#[cfg(c360_split)]
impl From<leptos::wasm_split::SplitLoaderError> for LoadFailed {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        LoadFailed
    }
}

/// A view's future, boxed: one `on_demand` body serves every call site.
type ViewFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<AnyView, LoadFailed>>>>;

/// Shows the view `load` makes, once it is there (at once outside the split build); if its
/// module could not be fetched, a notice with a Retry that asks again.
pub fn on_demand<F, Fut>(load: F) -> AnyView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<AnyView, LoadFailed>> + 'static,
{
    on_demand_boxed(std::sync::Arc::new(move || Box::pin(load()) as ViewFuture))
}

fn on_demand_boxed(load: std::sync::Arc<dyn Fn() -> ViewFuture + Send + Sync>) -> AnyView {
    // One Retry for every view whose module failed (they likely failed together).
    let attempt = use_context::<OnDemandRetry>()
        .map(|r| r.0)
        .unwrap_or_else(|| RwSignal::new(0));
    let late = use_context::<transcript::LateContent>();
    (move || {
        attempt.track();
        let loading = load();
        // The browser has one thread: the future need not be `Send` (Leptos's own `#[lazy]`
        // wraps it the same way).
        Suspend::new(leptos::__reexports::send_wrapper::SendWrapper::new(
            async move {
                match loading.await {
                    Ok(view) => {
                        if let Some(late) = late {
                            late.drawn();
                        }
                        view
                    }
                    Err(LoadFailed) => {
                        let lang = expect_context::<Chat>().lang();
                        view! {
                            <div class="c360-notice-band">
                                <p class="c360-notice" role="alert">
                                    {crate::i18n::Text::PartFailed.get(lang)} " "
                                    <button
                                        type="button"
                                        class="c360-link-button"
                                        on:click=move |_| attempt.update(|n| *n += 1)
                                    >
                                        {crate::i18n::Text::Retry.get(lang)}
                                    </button>
                                </p>
                            </div>
                        }
                        .into_any()
                    }
                }
            },
        ))
    })
    .into_any()
}

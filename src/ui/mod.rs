//! Leptos components: the root [`App`], the [`launcher`] button and the chat [`panel`] with its
//! [`transcript`], [`message`] bubbles with [`rich`] content, and [`composer`]. Components never call HTTP: they read
//! the [`crate::store::Chat`] from context and call its actions.

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

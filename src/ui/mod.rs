//! Leptos components: the root [`App`], the [`launcher`] button and the chat [`panel`].
//! Components never call HTTP; they read and write the store (to come) only.

pub mod launcher;
pub mod panel;

use connect360_model::Lang;
use leptos::html;
use leptos::prelude::*;
use web_sys::FocusOptions;

use launcher::Launcher;
use panel::Panel;

/// What the embedding page configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WidgetSettings {
    /// The UI language (chrome strings, `lang`/`dir` of the widget).
    pub lang: Lang,
}

/// Open/closed state of the panel, with focus moved the way a keyboard user expects: into
/// the panel when it opens, back to the launcher when it closes. Focus never scrolls the page.
#[derive(Clone, Copy)]
pub struct PanelState {
    pub open: RwSignal<bool>,
    pub launcher: NodeRef<html::Button>,
    pub first_focus: NodeRef<html::Button>,
}

impl PanelState {
    fn new() -> Self {
        PanelState {
            open: RwSignal::new(false),
            launcher: NodeRef::new(),
            first_focus: NodeRef::new(),
        }
    }

    pub fn toggle(self) {
        if self.open.get_untracked() {
            self.close();
        } else {
            self.open.set(true);
            // The panel is shown on the next render; focus it then.
            request_animation_frame(move || focus_without_scrolling(self.first_focus));
        }
    }

    pub fn close(self) {
        if self.open.get_untracked() {
            self.open.set(false);
            focus_without_scrolling(self.launcher);
        }
    }
}

fn focus_without_scrolling(target: NodeRef<html::Button>) {
    if let Some(element) = target.get_untracked() {
        let options = FocusOptions::new();
        options.set_prevent_scroll(true);
        let _ = element.focus_with_options(&options);
    }
}

/// The widget: a launcher and the panel it opens. Esc anywhere in the widget closes the panel.
#[component]
pub fn App(settings: WidgetSettings) -> impl IntoView {
    let panel = PanelState::new();
    let lang = settings.lang;
    view! {
        <div
            class="c360-widget"
            lang=lang.code()
            dir=lang.direction().as_str()
            on:keydown=move |event: leptos::ev::KeyboardEvent| {
                if event.key() == "Escape" && panel.open.get_untracked() {
                    event.stop_propagation();
                    panel.close();
                }
            }
        >
            <Panel state=panel lang=lang/>
            <Launcher state=panel lang=lang/>
        </div>
    }
}

//! Leptos components: the root [`App`], the [`launcher`] button and the chat [`panel`].
//! Components never call HTTP; they read and write the store (to come) only.

pub mod launcher;
pub mod panel;

use connect360_model::Lang;
use leptos::prelude::*;

use launcher::Launcher;
use panel::Panel;

/// What the embedding page configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WidgetSettings {
    /// The UI language (chrome strings, `lang`/`dir` of the widget).
    pub lang: Lang,
}

/// The widget: a launcher and the panel it opens.
#[component]
pub fn App(settings: WidgetSettings) -> impl IntoView {
    let open = RwSignal::new(false);
    let lang = settings.lang;
    view! {
        <div class="c360-widget" lang=lang.code() dir=lang.direction().as_str()>
            <Panel open=open lang=lang/>
            <Launcher open=open lang=lang/>
        </div>
    }
}

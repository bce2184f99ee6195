//! The chat panel: header with title and close button, and the (for now empty) transcript.

use connect360_model::Lang;
use leptos::prelude::*;

use crate::i18n::Text;
use crate::ui::PanelState;

/// The panel's element id, referenced by the launcher's `aria-controls`.
pub const PANEL_ID: &str = "c360-panel";

#[component]
pub fn Panel(state: PanelState, lang: Lang) -> impl IntoView {
    let title_id = "c360-panel-title";
    view! {
        <section
            id=PANEL_ID
            class="c360-panel"
            role="dialog"
            aria-labelledby=title_id
            hidden=move || !state.open.get()
        >
            <header class="c360-header">
                <h2 class="c360-title" id=title_id>{Text::Title.get(lang)}</h2>
                <button
                    type="button"
                    class="c360-close"
                    node_ref=state.first_focus
                    aria-label=Text::CloseChat.get(lang)
                    on:click=move |_| state.close()
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                        <path d="M6 6l12 12M18 6L6 18"></path>
                    </svg>
                </button>
            </header>
            <div class="c360-transcript" role="log" aria-live="polite">
                <p class="c360-greeting">{Text::Greeting.get(lang)}</p>
            </div>
        </section>
    }
}

//! The launcher: a round button that opens and closes the panel.

use connect360_model::Lang;
use leptos::prelude::*;

use crate::i18n::Text;
use crate::ui::panel::PANEL_ID;
use crate::ui::PanelState;

#[component]
pub fn Launcher(state: PanelState, lang: Lang) -> impl IntoView {
    let open = state.open;
    let label = move || {
        if open.get() {
            Text::CloseChat.get(lang)
        } else {
            Text::OpenChat.get(lang)
        }
    };
    view! {
        <button
            type="button"
            class="c360-launcher"
            node_ref=state.launcher
            aria-label=label
            aria-expanded=move || open.get().to_string()
            aria-controls=PANEL_ID
            on:click=move |_| state.toggle()
        >
            <svg class="c360-launcher-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"></path>
            </svg>
        </button>
    }
}

//! The launcher: a round button that opens the panel and minimizes it again (its icon and name
//! say which), with the unread count.

use leptos::prelude::*;

use crate::i18n::{unread_label, Text};
use crate::store::Chat;
use crate::ui::panel::PANEL_ID;
use crate::ui::PanelState;

#[component]
pub fn Launcher(state: PanelState) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let open = chat.open;
    let unread = chat.unread;
    let label = move || {
        let action = if open.get() {
            Text::MinimizeChat.get(lang)
        } else {
            Text::OpenChat.get(lang)
        };
        match unread.get() {
            0 => action.to_owned(),
            n => format!("{action} ({})", unread_label(n, lang)),
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
            hidden=move || chat.launcher_hidden.get()
            on:click=move |_| state.toggle()
        >
            // A speech bubble while closed, a chevron pointing at the panel while open.
            <Show
                when=move || open.get()
                fallback=|| view! {
                    <svg class="c360-launcher-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                        <path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"></path>
                    </svg>
                }
            >
                <svg class="c360-launcher-icon c360-launcher-icon--open" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M6 9l6 6 6-6"></path>
                </svg>
            </Show>
            <Show when=move || { unread.get() > 0 }>
                <span class="c360-badge" aria-hidden="true">
                    {move || match unread.get() {
                        n if n > 99 => "99+".to_owned(),
                        n => n.to_string(),
                    }}
                </span>
            </Show>
        </button>
    }
}

//! The composer: a multi-line input where Enter sends and Shift+Enter starts a new line, never
//! while an input method is composing; a send button that is disabled while there is nothing
//! to send; and a counter once the text nears the limit.

use leptos::html;
use leptos::prelude::*;

use super::attachments::{files_of, tray_view};
use super::on_demand;
use crate::i18n::{characters_left, Text};
use crate::store::{Chat, TrayState, MAX_MESSAGE_CHARS};

/// The counter appears when this few characters are left.
const COUNTER_FROM: usize = 300;

/// Submits the contact form beside the composer (its errors or its acceptance follow).
fn submit_contact_form(input: NodeRef<html::Textarea>) {
    use wasm_bindgen::JsCast;
    let form = input
        .get_untracked()
        .and_then(|i| i.closest(".c360-panel").ok().flatten())
        .and_then(|panel| panel.query_selector(".c360-contact form").ok().flatten());
    if let Some(form) = form {
        let _ = form
            .unchecked_into::<web_sys::HtmlFormElement>()
            .request_submit();
    }
}

#[component]
pub fn Composer(input: NodeRef<html::Textarea>) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let text = RwSignal::new(String::new());
    let length = move || text.with(|t| t.chars().count());
    let has_files = move || {
        chat.tray
            .with(|t| t.iter().any(|f| matches!(f.state, TrayState::Ready(_))))
    };
    let sendable = move || {
        (text.with(|t| !t.trim().is_empty()) || has_files())
            && length() <= MAX_MESSAGE_CHARS
            && !chat.uploading()
    };
    let file_input: NodeRef<html::Input> = NodeRef::new();
    let left = move || MAX_MESSAGE_CHARS.saturating_sub(length());

    let send = move || {
        if sendable() && chat.contact_form().is_some() {
            // The merchant's form comes first: it is checked (or sent) now, and the text stays
            // here until it is accepted, then goes out.
            submit_contact_form(input);
            return;
        }
        if sendable() && chat.send_text(&text.get_untracked()) {
            text.set(String::new());
            if let Some(input) = input.get_untracked() {
                input.set_value("");
            }
        }
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        // 229: the key an input method reports while composing (older browsers).
        let composing = event.is_composing() || event.key_code() == 229;
        if event.key() == "Enter" && !event.shift_key() && !composing {
            event.prevent_default();
            send();
        }
    };

    // The tray is drawn once a file was chosen (or refused), not for every change in it.
    let tray_used = Memo::new(move |_| {
        chat.tray.with(|t| !t.is_empty()) || chat.tray_notice.with(Option::is_some)
    });
    view! {
        {move || tray_used.get().then(|| on_demand(tray_view))}
        <form
            class="c360-composer"
            on:submit=move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                send();
            }
        >
            <input
                type="file"
                multiple
                class="c360-file-input"
                node_ref=file_input
                tabindex="-1"
                aria-hidden="true"
                on:change=move |_| {
                    if let Some(input) = file_input.get_untracked() {
                        chat.attach(files_of(input.files()));
                        input.set_value("");
                    }
                }
            />
            <button
                type="button"
                class="c360-attach"
                aria-label=Text::Attach.get(lang)
                on:click=move |_| {
                    if let Some(input) = file_input.get_untracked() {
                        input.click();
                    }
                }
            >
                <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M21 11l-9 9a5 5 0 0 1-7-7l9-9a3 3 0 0 1 5 5l-9 9a1 1 0 0 1-2-2l8-8"></path>
                </svg>
            </button>
            <textarea
                class="c360-input"
                node_ref=input
                rows="1"
                maxlength=MAX_MESSAGE_CHARS.to_string()
                aria-label=Text::ComposerLabel.get(lang)
                aria-describedby="c360-counter"
                placeholder=Text::ComposerPlaceholder.get(lang)
                dir="auto"
                on:input=move |event| text.set(event_target_value(&event))
                on:keydown=on_keydown
                on:paste=move |event: leptos::ev::ClipboardEvent| {
                    let files = files_of(event.clipboard_data().and_then(|d| d.files()));
                    if !files.is_empty() {
                        event.prevent_default();
                        chat.attach(files);
                    }
                }
            ></textarea>
            <span
                id="c360-counter"
                class="c360-counter"
                aria-live="polite"
                hidden=move || { left() > COUNTER_FROM }
            >
                {move || characters_left(left(), lang)}
            </span>
            <button
                type="submit"
                class="c360-send"
                aria-label=Text::Send.get(lang)
                disabled=move || !sendable()
            >
                <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M3 20l18-8L3 4v6l12 2-12 2z"></path>
                </svg>
            </button>
        </form>
    }
}

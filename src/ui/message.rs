//! One message's content: what `connect360_model::display::view_message` decided to show —
//! text, rich content with its suggestions, a visitor's reply text, a fallback, or the neutral
//! placeholder — in the message's own language and direction. Never raw JSON, never markup.

use connect360_model::display::{MessageView, Shown};
use connect360_model::strings::MessageString;
use connect360_model::validate::{AgentValue, Side};
use connect360_model::wire::{Message, SenderType};
use leptos::prelude::*;

use super::attachments::received_files_view;
use super::on_demand;
use super::rich::{rich_body_view, ValueContext};
use super::rich_text::plain;
use crate::i18n::Text;
use crate::store::delivery::Delivery;
use crate::store::transcript::Pending;
use crate::store::Chat;

pub fn side_of(message: &Message) -> Side {
    match message.sender.kind {
        SenderType::Customer => Side::Customer,
        _ => Side::Agent,
    }
}

/// A stored message's content, decoded once into `shown`.
#[component]
pub fn MessageBody(message: Message, shown: MessageView) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let id = message.id.clone();
    // A memo, not a derived signal: a poll that brings nothing updates the transcript, and a
    // derived signal would rebuild the chips then, resetting a sign-in button's busy state.
    let newest: Signal<bool> =
        Memo::new(move |_| chat.transcript.with(|t| t.newest_is(&id))).into();
    let lang = shown.lang;
    let files = (!message.attachments.is_empty()).then(|| {
        let files = message.attachments.clone();
        on_demand(move || received_files_view(files.clone()))
    });
    let content = match shown.shown {
        Shown::Agent(AgentValue::Plain(text)) => {
            view! { <div class="c360-bubble c360-text">{plain(&text)}</div> }.into_any()
        }
        Shown::Agent(AgentValue::Rich(content)) => {
            let value = ValueContext {
                message_id: message.id.clone(),
                lang,
                ui_lang: chat.lang(),
                endpoint: chat.config().endpoint,
            };
            let content = *content;
            on_demand(move || rich_body_view(content.clone(), value.clone(), newest)).into_any()
        }
        Shown::Customer(reply) => {
            view! { <div class="c360-bubble c360-text">{plain(&reply.text)}</div> }.into_any()
        }
        Shown::Fallback(text) => {
            view! { <div class="c360-bubble c360-text">{plain(&text)}</div> }.into_any()
        }
        Shown::Placeholder => view! {
            <div class="c360-bubble c360-placeholder">
                <svg class="c360-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 11v6M12 7v1"></path>
                </svg>
                {MessageString::Placeholder.text(lang)}
            </div>
        }
        .into_any(),
        Shown::AttachmentsOnly => ().into_any(),
    };
    view! {
        <div class="c360-content" lang=lang.code() dir=lang.direction().as_str()>
            {content}
            {files}
        </div>
    }
}

/// The visitor's message that is not confirmed yet: "Sending…"; "Not sent" with Retry and
/// Discard when its retries ran out; "Not sent: <why>" with Discard when the server refused
/// it (sending it again could not succeed).
#[component]
pub fn PendingBody(pending: Pending) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let id = pending.local_id.clone();
    let discard = {
        let id = id.clone();
        view! {
            <button type="button" class="c360-link-button" on:click=move |_| chat.discard(&id)>
                {Text::Discard.get(lang)}
            </button>
        }
    };
    let status = match pending.state {
        Delivery::Queued => view! {
            <span class="c360-status">{Text::Sending.get(lang)}</span>
        }
        .into_any(),
        Delivery::Stalled => view! {
            <span class="c360-status c360-status--failed">
                {Text::NotSent.get(lang)}
                <button type="button" class="c360-link-button" on:click=move |_| chat.retry(&id)>
                    {Text::Retry.get(lang)}
                </button>
                {discard}
            </span>
        }
        .into_any(),
        Delivery::Refused(refusal) => view! {
            <span class="c360-status c360-status--failed">
                {crate::i18n::not_sent_because(refusal, lang)}
                {discard}
            </span>
        }
        .into_any(),
    };
    let text = (!pending.text.is_empty())
        .then(|| view! { <div class="c360-bubble c360-bubble--pending" dir="auto">{plain(&pending.text)}</div> });
    let files: Vec<_> = pending
        .files
        .iter()
        .map(|name| view! { <span class="c360-file c360-file--pending">{name.clone()}</span> })
        .collect();
    view! {
        {text}
        {files}
        {status}
    }
}

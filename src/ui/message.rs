//! One message bubble: what `connect360_model::display::view_message` decided to show — plain
//! or rich text, a visitor's reply text, a fallback, or the neutral placeholder — in the
//! message's own language and direction. Never raw JSON, never markup.

use connect360_model::content::Body;
use connect360_model::display::{view_message, Shown};
use connect360_model::strings::MessageString;
use connect360_model::validate::{AgentValue, Options, Side};
use connect360_model::wire::{Message, SenderType};
use connect360_model::Lang;
use leptos::prelude::*;

use super::rich_text::{plain, rich};
use crate::i18n::Text;
use crate::store::transcript::{Pending, SendState};
use crate::store::Chat;

pub fn side_of(message: &Message) -> Side {
    match message.sender.kind {
        SenderType::Customer => Side::Customer,
        _ => Side::Agent,
    }
}

/// A stored message's bubble.
#[component]
pub fn MessageBubble(message: Message, lang: Lang, sign_in_configured: bool) -> impl IntoView {
    let options = Options {
        sign_in_configured: Some(sign_in_configured),
    };
    let view = view_message(
        &message.content,
        side_of(&message),
        Some(lang),
        lang,
        !message.attachments.is_empty(),
        options,
    );
    let content = match view.shown {
        Shown::Agent(AgentValue::Plain(text)) => plain(&text),
        Shown::Agent(AgentValue::Rich(content)) => match &content.body {
            Body::Text(body) if body.contains_rich_text => rich(&body.text),
            Body::Text(body) => plain(&body.text),
            // Cards, carousels and images get their own components; until then their
            // fallback (or the placeholder) stands in.
            _ => plain(
                content
                    .fallback
                    .as_deref()
                    .unwrap_or(MessageString::Placeholder.text(view.lang)),
            ),
        },
        Shown::Customer(reply) => plain(&reply.text),
        Shown::Fallback(text) => plain(&text),
        Shown::Placeholder => view! {
            <span class="c360-placeholder">{MessageString::Placeholder.text(view.lang)}</span>
        }
        .into_any(),
        Shown::AttachmentsOnly => ().into_any(),
    };
    view! {
        <div class="c360-bubble" lang=view.lang.code() dir=view.lang.direction().as_str()>
            {content}
        </div>
    }
}

/// The visitor's message that is not confirmed yet: "Sending…", or "Not sent" with Retry and
/// Discard.
#[component]
pub fn PendingBubble(pending: Pending, lang: Lang) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let id = pending.local_id.clone();
    let status = match pending.state {
        SendState::Sending => view! {
            <span class="c360-status">{Text::Sending.get(lang)}</span>
        }
        .into_any(),
        SendState::Failed => {
            let (retry_id, discard_id) = (id.clone(), id.clone());
            view! {
                <span class="c360-status c360-status--failed">
                    {Text::NotSent.get(lang)}
                    <button type="button" class="c360-link-button" on:click=move |_| chat.retry(&retry_id)>
                        {Text::Retry.get(lang)}
                    </button>
                    <button type="button" class="c360-link-button" on:click=move |_| chat.discard(&discard_id)>
                        {Text::Discard.get(lang)}
                    </button>
                </span>
            }
            .into_any()
        }
    };
    view! {
        <div class="c360-bubble c360-bubble--pending" dir="auto">{plain(&pending.text)}</div>
        {status}
    }
}

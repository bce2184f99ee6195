//! Rich agent content (`rich-messages.md` §5): text, images, standalone cards and carousels,
//! then the message-level suggestions while the message is the newest in the thread. Every URL
//! here was checked by the shared model when the value was decoded.

pub mod card;
pub mod media;
pub mod sign_in;
pub mod suggestion;

use connect360_model::content::{AgentContent, Body, RichCard, Suggestion};
use connect360_model::Lang;
use leptos::prelude::*;

use super::rich_text::{plain, rich};
use crate::i18n::Text;
use card::{Card, Carousel};
use media::{Fit, ImageBox};
use suggestion::controls;

/// What every part of one value needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueContext {
    pub message_id: String,
    /// The value's language (its key in `content`).
    pub lang: Lang,
    /// The widget's UI language, for its own labels.
    pub ui_lang: Lang,
    /// Root-relative image URLs resolve against the gateway, never the host page.
    pub endpoint: String,
}

on_demand_view! {
    /// Rich content, in a module of its own in the split build: the first rich message brings
    /// it, and every later one finds it there.
    pub fn rich_body_view(content: AgentContent, value: ValueContext, newest: Signal<bool>) {
        view! { <RichBody content=content value=value newest=newest/> }.into_any()
    }
}

#[component]
fn RichBody(
    content: AgentContent,
    value: ValueContext,
    /// The message is the newest in the thread: its chips show.
    #[prop(into)]
    newest: Signal<bool>,
) -> impl IntoView {
    let ui_lang = value.ui_lang;
    let body = match content.body.clone() {
        Body::Text(text) if text.contains_rich_text => {
            view! { <div class="c360-bubble c360-text">{rich(&text.text)}</div> }.into_any()
        }
        Body::Text(text) => {
            view! { <div class="c360-bubble c360-text">{plain(&text.text)}</div> }.into_any()
        }
        Body::Image(image) => {
            let alt = crate::store::announce::image_alt(&content, &image, ui_lang);
            let href = connect360_model::safety::resolve_image_url(
                &image.content_info.file_url,
                &value.endpoint,
            );
            let name = format!(
                "{} {alt}{}",
                Text::OpenImage.get(ui_lang),
                Text::OpensInNewTab.get(ui_lang)
            );
            view! {
                <a class="c360-image-link" href=href target="_blank" rel="noopener noreferrer" aria-label=name>
                    <ImageBox info=image.content_info.clone() endpoint=value.endpoint.clone() alt=alt fit=Fit::Contain/>
                </a>
            }
            .into_any()
        }
        Body::RichCard(RichCard::StandaloneCard(standalone)) => view! {
            <Card
                card=standalone.card_content.clone()
                value=value.clone()
                path="richCard.standaloneCard.cardContent".to_owned()
            />
        }
        .into_any(),
        Body::RichCard(RichCard::CarouselCard(carousel)) => {
            view! { <Carousel carousel=carousel value=value.clone()/> }.into_any()
        }
    };
    let suggestions = content.suggestions.clone();
    let chip_value = value.clone();
    view! {
        {body}
        {move || {
            (!suggestions.is_empty() && newest.get()).then(|| chip_row(&suggestions, &chip_value))
        }}
    }
}

/// The message-level suggestions as a row of chips.
fn chip_row(suggestions: &[Suggestion], value: &ValueContext) -> impl IntoView {
    let chips = controls(suggestions, value, "", true, Signal::stored(false));
    view! {
        <div class="c360-chips" role="group" aria-label=Text::SuggestedReplies.get(value.ui_lang)>
            {chips}
        </div>
    }
}

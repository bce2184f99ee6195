//! What the live region says for an incoming message (`rich-messages.md` §6): the name the
//! bubble shows, then what the message is — its text, "sent a picture: …", or "sent 3 cards:
//! Blue Runner, …" — never raw content. One entry per message, so a burst is heard in full.

use connect360_model::content::{AgentContent, Body, Image, RichCard};
use connect360_model::display::{MessageView, Shown};
use connect360_model::rich_text::parse;
use connect360_model::strings::MessageString;
use connect360_model::validate::AgentValue;
use connect360_model::wire::Message;
use connect360_model::Lang;

use crate::i18n::{cards_sent, picture_sent, Text};

/// The name a message's bubble group shows: the effective representative (§5.1) — the value's
/// representative's name, else the sender's — or "Support team".
pub fn shown_name(message: &Message, view: &MessageView, lang: Lang) -> String {
    let named = |n: &Option<String>| n.clone().filter(|n| !n.trim().is_empty());
    view.representative
        .as_ref()
        .and_then(|rep| named(&rep.display_name))
        .or_else(|| named(&message.sender.name))
        .unwrap_or_else(|| Text::SupportTeam.get(lang).to_owned())
}

/// An image message's alternative text (§5.3): its `altText`, else the value's `fallback`,
/// else "Image" in the UI language `lang`.
pub fn image_alt(content: &AgentContent, image: &Image, lang: Lang) -> String {
    image
        .content_info
        .alt_text
        .clone()
        .or_else(|| content.fallback.clone())
        .unwrap_or_else(|| Text::Image.get(lang).to_owned())
}

/// What a message shows, as plain text in the language it is shown in: its text (rich-text
/// markers removed), a picture's alternative text, its cards' titles, the placeholder; empty
/// for files alone. The page's `message` event carries this, so it says what the bubble says.
pub fn shown_text(view: &MessageView, lang: Lang) -> String {
    match &view.shown {
        Shown::Agent(AgentValue::Plain(text)) | Shown::Fallback(text) => text.clone(),
        Shown::Customer(reply) => reply.text.clone(),
        Shown::Agent(AgentValue::Rich(content)) => match &content.body {
            Body::Text(text) if text.contains_rich_text => parse(&text.text).plain_text(),
            Body::Text(text) => text.text.clone(),
            Body::Image(image) => image_alt(content, image, lang),
            Body::RichCard(card) => card_titles(card).join(", "),
        },
        Shown::Placeholder => MessageString::Placeholder.text(view.lang).to_owned(),
        Shown::AttachmentsOnly => String::new(),
    }
}

/// The titles of a card or a carousel's cards that have one.
fn card_titles(card: &RichCard) -> Vec<String> {
    let contents = match card {
        RichCard::StandaloneCard(card) => std::slice::from_ref(&card.card_content),
        RichCard::CarouselCard(carousel) => carousel.card_contents.as_slice(),
    };
    contents
        .iter()
        .filter_map(|c| c.title.clone().filter(|t| !t.trim().is_empty()))
        .collect()
}

/// The announcement of an incoming message, in the UI language `lang`.
pub fn announcement_of(message: &Message, view: &MessageView, lang: Lang) -> String {
    let name = shown_name(message, view, lang);
    match &view.shown {
        Shown::Agent(AgentValue::Rich(content)) => match &content.body {
            Body::Image(image) => picture_sent(&name, &image_alt(content, image, lang), lang),
            Body::RichCard(card) => {
                let count = match card {
                    RichCard::StandaloneCard(_) => 1,
                    RichCard::CarouselCard(carousel) => carousel.card_contents.len(),
                };
                cards_sent(&name, count, &card_titles(card), lang)
            }
            Body::Text(_) => format!("{name}: {}", shown_text(view, lang)),
        },
        Shown::AttachmentsOnly => format!("{name}: {}", Text::NewMessage.get(lang)),
        _ => format!("{name}: {}", shown_text(view, lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect360_model::display::view_message;
    use connect360_model::validate::{Options, Side};
    use connect360_model::wire::{Sender, SenderType};
    use serde_json::json;

    /// An agent message with `content` (by language), as the visitor sees it in English.
    fn shown(content: serde_json::Value, sender_name: Option<&str>) -> (Message, MessageView) {
        let message = Message {
            id: "m1".into(),
            conversation_id: "c1".into(),
            parent_id: None,
            content: content.as_object().unwrap().clone(),
            attachments: vec![],
            sender: Sender {
                kind: SenderType::Workspace,
                id: "w".into(),
                name: sender_name.map(str::to_owned),
                image: None,
            },
            flags: vec![],
            created_at: "2026-12-02T10:00:00.000Z".into(),
        };
        let view = view_message(
            &message.content,
            Side::Agent,
            Some(Lang::En),
            Lang::En,
            false,
            Options::default(),
        );
        (message, view)
    }

    fn announced(value: serde_json::Value, sender_name: Option<&str>) -> String {
        let (message, view) = shown(json!({ "en": value }), sender_name);
        announcement_of(&message, &view, Lang::En)
    }

    fn card(title: &str) -> serde_json::Value {
        json!({"title": title, "suggestions": [{"reply": {"text": "Buy", "postbackData": "b"}}]})
    }

    #[test]
    fn a_carousel_says_how_many_cards_and_their_titles_in_the_representatives_name() {
        let carousel = json!({
            "richCard": {"carouselCard": {"cardWidth": "MEDIUM", "cardContents": [
                card("Blue Runner"), card("Trail Pro"), card("City Walk")
            ]}},
            "representative": {"representativeType": "BOT", "displayName": "Acme assistant"}
        });
        assert_eq!(
            announced(carousel, Some("Support")),
            "Acme assistant sent 3 cards: Blue Runner, Trail Pro, City Walk"
        );
    }

    /// Defect 4: the `message` event took the first key of the content map (`ar` sorts
    /// before `en`) and `sender.name`, while the bubble shows the visitor's language and the
    /// effective representative.
    #[test]
    fn the_shown_text_and_name_are_those_of_the_language_the_bubble_shows() {
        let (message, view) = shown(
            json!({
                "ar": "مرحبا",
                "en": {"text": "**Hello**", "containsRichText": true,
                       "representative": {"representativeType": "HUMAN", "displayName": "Dana"}}
            }),
            Some("Support"),
        );
        assert_eq!(shown_text(&view, Lang::En), "Hello");
        assert_eq!(shown_name(&message, &view, Lang::En), "Dana");
        assert_eq!(announcement_of(&message, &view, Lang::En), "Dana: Hello");
    }

    #[test]
    fn text_is_said_with_its_markers_removed_and_pictures_by_their_alt_text() {
        assert_eq!(
            announced(
                json!({"text": "**Big** news", "containsRichText": true}),
                Some("Sam")
            ),
            "Sam: Big news"
        );
        assert_eq!(announced(json!("Hello"), None), "Support: Hello");
        let image = json!({"image": {"contentInfo": {"fileUrl": "https://img.example/a.png", "altText": "A ridge"}}});
        assert_eq!(announced(image, Some("Sam")), "Sam sent a picture: A ridge");
    }
}

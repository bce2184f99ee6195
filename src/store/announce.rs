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

/// The announcement of an incoming message, in the UI language `lang`.
pub fn announcement_of(message: &Message, view: &MessageView, lang: Lang) -> String {
    let name = shown_name(message, view, lang);
    let said = |text: &str| format!("{name}: {text}");
    match &view.shown {
        Shown::Agent(AgentValue::Plain(text)) | Shown::Fallback(text) => said(text),
        Shown::Customer(reply) => said(&reply.text),
        Shown::Agent(AgentValue::Rich(content)) => match &content.body {
            Body::Text(text) if text.contains_rich_text => said(&parse(&text.text).plain_text()),
            Body::Text(text) => said(&text.text),
            Body::Image(image) => picture_sent(&name, &image_alt(content, image, lang), lang),
            Body::RichCard(RichCard::StandaloneCard(card)) => {
                let titles: Vec<String> = card.card_content.title.iter().cloned().collect();
                cards_sent(&name, 1, &titles, lang)
            }
            Body::RichCard(RichCard::CarouselCard(carousel)) => {
                let titles: Vec<String> = carousel
                    .card_contents
                    .iter()
                    .filter_map(|c| c.title.clone().filter(|t| !t.trim().is_empty()))
                    .collect();
                cards_sent(&name, carousel.card_contents.len(), &titles, lang)
            }
        },
        Shown::Placeholder => said(MessageString::Placeholder.text(view.lang)),
        Shown::AttachmentsOnly => said(Text::NewMessage.get(lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect360_model::display::view_message;
    use connect360_model::validate::{Options, Side};
    use connect360_model::wire::{Sender, SenderType};
    use serde_json::json;

    fn announced(value: serde_json::Value, sender_name: Option<&str>) -> String {
        let message = Message {
            id: "m1".into(),
            conversation_id: "c1".into(),
            parent_id: None,
            content: json!({ "en": value }).as_object().unwrap().clone(),
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

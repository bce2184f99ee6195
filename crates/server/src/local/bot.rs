//! The demo bot of the local Connect360: greets a visitor's first message with suggested
//! replies, answers chosen suggestions with a standalone card or a product carousel, and
//! hands over to a person on request. Everything it sends passes the shared validation (it
//! goes through `send` like any agent message).

use std::sync::Arc;
use std::time::Duration;

use connect360_model::validate::decode_customer_value;
use connect360_model::wire::{Message, SendInput};
use serde_json::{json, Map, Value};
use tokio::sync::broadcast;

use super::LocalConnect;

/// The bot's own representative on every message.
fn representative() -> Value {
    json!({"representativeType": "BOT", "displayName": "Acme assistant",
           "avatarImage": "/demo/img/assistant.png"})
}

/// A product of the demo catalogue.
struct Product {
    sku: &'static str,
    name: &'static str,
    description: &'static str,
    image: &'static str,
}

const PRODUCTS: [Product; 3] = [
    Product {
        sku: "blue-runner",
        name: "Blue Runner — €119",
        description: "Light trail shoe with a grippy sole. Sizes 36 to 47.",
        image: "/demo/img/blue-runner.png",
    },
    Product {
        sku: "summit-30",
        name: "Summit 30 L — €89",
        description: "Day pack with a rain cover and a padded hip belt.",
        image: "/demo/img/summit-30.png",
    },
    Product {
        sku: "ridge-2",
        name: "Ridge 2 tent — €329",
        description: "Two-person, three-season tent, 1.9 kg.",
        image: "/demo/img/ridge-2.png",
    },
];

/// The greeting that answers a visitor's first message.
pub fn greeting() -> Value {
    json!({
        "text": "Hi! I'm the Acme assistant. What can I help you with?",
        "suggestions": [
            {"reply": {"text": "Browse products", "postbackData": "menu:products"}},
            {"reply": {"text": "Track my order", "postbackData": "menu:track"}},
            {"reply": {"text": "Ask the assistant", "postbackData": "menu:ai"}},
            {"liveAgentRequest": {}}
        ],
        "fallback": "Hi! I'm the Acme assistant. Reply with: products, order tracking, or a person.",
        "representative": representative()
    })
}

/// The product carousel.
pub fn product_carousel() -> Value {
    let cards: Vec<Value> = PRODUCTS
        .iter()
        .map(|p| {
            json!({
                "title": p.name,
                "description": p.description,
                "media": {"height": "MEDIUM", "contentInfo": {"fileUrl": p.image, "altText": p.name}},
                "suggestions": [
                    {"reply": {"text": "Reserve in store", "postbackData": format!("reserve:{}", p.sku)}},
                    {"action": {"text": "View online", "postbackData": format!("view:{}", p.sku),
                                "openUrlAction": {"url": format!("https://www.example.com/products/{}", p.sku)}}}
                ]
            })
        })
        .collect();
    json!({
        "richCard": {"carouselCard": {"cardWidth": "MEDIUM", "cardContents": cards}},
        "suggestions": [{"reply": {"text": "Track my order", "postbackData": "menu:track"}}],
        "fallback": "Our favourites: Blue Runner (€119), Summit 30 L (€89) and the Ridge 2 tent (€329).",
        "representative": representative()
    })
}

/// The order status card.
pub fn order_card() -> Value {
    json!({
        "richCard": {"standaloneCard": {"cardContent": {
            "title": "Order #1042 — on its way",
            "description": "2 items, shipped yesterday.\nExpected delivery: Friday.",
            "media": {"height": "SHORT", "contentInfo": {"fileUrl": "/demo/img/summit-30.png", "altText": "Your parcel"}},
            "suggestions": [
                {"action": {"text": "Track online", "postbackData": "track:1042",
                            "openUrlAction": {"url": "https://www.example.com/orders/1042"}}},
                {"action": {"text": "Call the store", "postbackData": "call:store",
                            "dialAction": {"phoneNumber": "+1-201-555-0123"}}},
                {"liveAgentRequest": {}}
            ]
        }}},
        "fallback": "Order #1042 is on its way and should arrive on Friday.",
        "representative": representative()
    })
}

fn text(text: &str) -> Value {
    json!({"text": text, "containsRichText": true, "representative": representative()})
}

/// What the bot answers to a visitor's message, if anything. `first` is whether it is the
/// visitor's first message in the conversation.
pub fn answer(message: &Message, first: bool) -> Option<Value> {
    let (lang, value) = ["en", "ar", "tr"].iter().find_map(|l| {
        message
            .content
            .get(*l)
            .filter(|v| !v.is_null())
            .map(|v| (*l, v))
    })?;
    let response = decode_customer_value(value, lang)
        .value
        .and_then(|c| c.suggestion_response);
    let Some(response) = response else {
        return first.then(greeting);
    };
    use connect360_model::content::SuggestionResponseType as Kind;
    match (response.kind, response.postback_data.as_str()) {
        (Kind::LiveAgent, _) => Some(text(
            "Thanks — a member of our team will join this chat shortly. You can keep writing here.",
        )),
        (_, "menu:products") => Some(product_carousel()),
        (_, "menu:track") => Some(order_card()),
        (_, "menu:ai") => Some(text(
            "Sure — ask me anything about our gear, sizes or delivery, and I'll answer right here.",
        )),
        (_, postback) if postback.starts_with("reserve:") => {
            let sku = &postback["reserve:".len()..];
            let product = PRODUCTS.iter().find(|p| p.sku == sku)?;
            Some(text(&format!(
                "Done: **{}** is reserved for you at the Downtown store for 48 hours.",
                product.name
            )))
        }
        _ => None,
    }
}

/// Answers customer messages as they are stored, after a short, human pause.
pub async fn run(local: Arc<LocalConnect>, mut events: broadcast::Receiver<Message>) {
    loop {
        let message = match events.recv().await {
            Ok(message) => message,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        tokio::time::sleep(Duration::from_millis(400)).await;
        let local = local.clone();
        let result = tokio::task::spawn_blocking(move || {
            let first = local.is_first_customer_message(&message)?;
            let Some(value) = answer(&message, first) else {
                return Ok(());
            };
            let mut content = Map::new();
            content.insert("en".into(), value);
            local.send(SendInput {
                conversation_id: message.conversation_id.clone(),
                parent_id: Some(message.id.clone()),
                content: Some(content),
                ..Default::default()
            })?;
            Ok::<_, crate::error::ApiError>(())
        })
        .await;
        if let Ok(Err(error)) = result {
            tracing::warn!(%error, "the demo bot could not answer");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect360_model::validate::{check_content, Side};

    fn check(value: Value) {
        let content = json!({ "en": value });
        let violations = check_content(content.as_object(), Side::Agent, true);
        assert_eq!(
            violations,
            vec![],
            "bot content must pass the shared validation"
        );
    }

    #[test]
    fn every_bot_message_passes_validation() {
        check(greeting());
        check(product_carousel());
        check(order_card());
        check(text("Done: **x** is reserved."));
    }

    fn customer(value: Value) -> Message {
        serde_json::from_value(
            json!({"id": "m", "conversationId": "c", "sender": {"type": "customer"},
                                      "content": {"en": value}}),
        )
        .unwrap()
    }

    #[test]
    fn the_bot_greets_first_messages_and_answers_chosen_suggestions() {
        assert_eq!(answer(&customer(json!("hello")), true), Some(greeting()));
        assert_eq!(answer(&customer(json!("hello again")), false), None);
        let chosen = |postback: &str, kind: &str| {
            customer(connect360_model::content::answer::value(
                "x", postback, kind,
            ))
        };
        assert_eq!(
            answer(&chosen("menu:products", "REPLY"), false),
            Some(product_carousel())
        );
        assert_eq!(
            answer(&chosen("menu:track", "REPLY"), false),
            Some(order_card())
        );
        assert!(answer(&chosen("", "LIVE_AGENT"), false).is_some());
        assert!(answer(&chosen("reserve:ridge-2", "REPLY"), false).is_some());
        assert_eq!(answer(&chosen("reserve:unknown", "REPLY"), false), None);
    }
}

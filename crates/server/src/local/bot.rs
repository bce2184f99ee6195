//! The demo bot of the local Connect360: greets a visitor's first message with suggested
//! replies, answers chosen suggestions with a standalone card or a product carousel, and
//! hands over to a person on request. Everything it sends passes the shared validation (it
//! goes through `send` like any agent message).

use std::sync::Arc;
use std::time::Duration;

use connect360_model::validate::decode_customer_value;
use connect360_model::wire::{life, Message, SendInput, UpdateConversationInput};
use serde_json::{json, Map, Value};
use tokio::sync::broadcast;

use super::LocalConnect;

/// The bot's name: the one name the demo's automated replies carry (the AI agent's too).
pub const BOT_NAME: &str = "Acme assistant";

/// The demo's automated replies' picture, the bot's and the AI agent's.
pub const BOT_AVATAR: &str = "/demo/img/assistant.png";

/// The bot's own representative on every message.
fn representative() -> Value {
    json!({"representativeType": "BOT", "displayName": BOT_NAME, "avatarImage": BOT_AVATAR})
}

/// A product of the demo catalogue; its name is the brand's in every language.
struct Product {
    sku: &'static str,
    name: &'static str,
    image: &'static str,
}

const PRODUCTS: [Product; 3] = [
    Product {
        sku: "blue-runner",
        name: "Blue Runner — €119",
        image: "/demo/img/blue-runner.png",
    },
    Product {
        sku: "summit-30",
        name: "Summit 30 L — €89",
        image: "/demo/img/summit-30.png",
    },
    Product {
        sku: "ridge-2",
        name: "Ridge 2 tent — €329",
        image: "/demo/img/ridge-2.png",
    },
];

/// Everything the bot says, in one language.
struct Words {
    greeting: &'static str,
    greeting_fallback: &'static str,
    browse: &'static str,
    track: &'static str,
    ask_ai: &'static str,
    /// One per product, in catalogue order.
    descriptions: [&'static str; 3],
    reserve: &'static str,
    view_online: &'static str,
    carousel_fallback: &'static str,
    order_title: &'static str,
    order_description: &'static str,
    order_picture: &'static str,
    track_online: &'static str,
    call_store: &'static str,
    order_fallback: &'static str,
    handoff: &'static str,
    ai_intro: &'static str,
    /// Before and after the product's name.
    reserved: (&'static str, &'static str),
}

const EN: Words = Words {
    greeting: "Hi! I'm the Acme assistant. What can I help you with?",
    greeting_fallback:
        "Hi! I'm the Acme assistant. Reply with: products, order tracking, or a person.",
    browse: "Browse products",
    track: "Track my order",
    ask_ai: "Ask the assistant",
    descriptions: [
        "Light trail shoe with a grippy sole. Sizes 36 to 47.",
        "Day pack with a rain cover and a padded hip belt.",
        "Two-person, three-season tent, 1.9 kg.",
    ],
    reserve: "Reserve in store",
    view_online: "View online",
    carousel_fallback:
        "Our favourites: Blue Runner (€119), Summit 30 L (€89) and the Ridge 2 tent (€329).",
    order_title: "Order #1042 — on its way",
    order_description: "2 items, shipped yesterday.\nExpected delivery: Friday.",
    order_picture: "Your parcel",
    track_online: "Track online",
    call_store: "Call the store",
    order_fallback: "Order #1042 is on its way and should arrive on Friday.",
    handoff:
        "Thanks — a member of our team will join this chat shortly. You can keep writing here.",
    ai_intro:
        "Sure — ask me anything about our gear, sizes or delivery, and I'll answer right here.",
    reserved: (
        "Done: **",
        "** is reserved for you at the Downtown store for 48 hours.",
    ),
};

const AR: Words = Words {
    greeting: "مرحبًا! أنا مساعد Acme. كيف يمكنني مساعدتك؟",
    greeting_fallback: "مرحبًا! أنا مساعد Acme. اكتب: المنتجات، أو تتبّع الطلب، أو التحدث إلى موظف.",
    browse: "تصفّح المنتجات",
    track: "تتبّع طلبي",
    ask_ai: "اسأل المساعد",
    descriptions: [
        "حذاء خفيف للمسارات بنعل مانع للانزلاق. المقاسات من 36 إلى 47.",
        "حقيبة ظهر يومية مع غطاء للمطر وحزام وركين مبطّن.",
        "خيمة لشخصين لثلاثة فصول، وزنها 1.9 كغ.",
    ],
    reserve: "احجز في المتجر",
    view_online: "اعرضه على الموقع",
    carousel_fallback:
        "منتجاتنا المفضلة: Blue Runner (‏119 €)، وSummit 30 L (‏89 €)، وخيمة Ridge 2 (‏329 €).",
    order_title: "الطلب رقم 1042 — في الطريق",
    order_description: "قطعتان، شُحنتا أمس.\nالتسليم المتوقع: الجمعة.",
    order_picture: "طردك",
    track_online: "تتبّع على الموقع",
    call_store: "اتصل بالمتجر",
    order_fallback: "طلبك رقم 1042 في الطريق ويُتوقع وصوله يوم الجمعة.",
    handoff: "شكرًا — سينضم أحد أفراد فريقنا إلى هذه المحادثة قريبًا. يمكنك متابعة الكتابة هنا.",
    ai_intro: "بالتأكيد — اسألني عن معداتنا أو المقاسات أو التوصيل، وسأجيبك هنا.",
    reserved: ("تم: حجزنا لك **", "** في متجر وسط المدينة لمدة 48 ساعة."),
};

const TR: Words = Words {
    greeting: "Merhaba! Ben Acme asistanı. Size nasıl yardımcı olabilirim?",
    greeting_fallback: "Merhaba! Ben Acme asistanı. Şunlardan birini yazın: ürünler, sipariş takibi veya bir temsilci.",
    browse: "Ürünlere göz at",
    track: "Siparişimi takip et",
    ask_ai: "Asistana sor",
    descriptions: [
        "Kaymaz tabanlı hafif patika ayakkabısı. 36–47 numara.",
        "Yağmurluklu ve dolgulu bel kemerli günlük sırt çantası.",
        "İki kişilik, üç mevsimlik çadır, 1,9 kg.",
    ],
    reserve: "Mağazada ayırt",
    view_online: "Sitede gör",
    carousel_fallback: "Favorilerimiz: Blue Runner (119 €), Summit 30 L (89 €) ve Ridge 2 çadır (329 €).",
    order_title: "1042 numaralı sipariş — yolda",
    order_description: "2 ürün, dün kargoya verildi.\nTahmini teslimat: Cuma.",
    order_picture: "Paketiniz",
    track_online: "Sitede takip et",
    call_store: "Mağazayı ara",
    order_fallback: "1042 numaralı siparişiniz yolda, Cuma günü ulaşması bekleniyor.",
    handoff: "Teşekkürler — ekibimizden biri birazdan bu sohbete katılacak. Buraya yazmaya devam edebilirsiniz.",
    ai_intro: "Elbette — ekipmanlarımız, numaralar veya teslimat hakkında ne isterseniz sorun, burada yanıtlayayım.",
    reserved: ("Tamam: **", "** sizin için Merkez mağazada 48 saat ayrıldı."),
};

/// A reply in every language the widget speaks: the visitor sees theirs.
fn in_every_language(make: impl Fn(&Words) -> Value) -> Map<String, Value> {
    let mut content = Map::new();
    for (lang, words) in [("en", &EN), ("ar", &AR), ("tr", &TR)] {
        content.insert(lang.into(), make(words));
    }
    content
}

/// The greeting that answers a visitor's first message.
fn greeting(w: &Words) -> Value {
    json!({
        "text": w.greeting,
        "suggestions": [
            {"reply": {"text": w.browse, "postbackData": "menu:products"}},
            {"reply": {"text": w.track, "postbackData": "menu:track"}},
            {"reply": {"text": w.ask_ai, "postbackData": "menu:ai"}},
            {"liveAgentRequest": {}}
        ],
        "fallback": w.greeting_fallback,
        "representative": representative()
    })
}

/// The product carousel.
fn product_carousel(w: &Words) -> Value {
    let cards: Vec<Value> = PRODUCTS
        .iter()
        .zip(w.descriptions)
        .map(|(p, description)| {
            json!({
                "title": p.name,
                "description": description,
                "media": {"height": "MEDIUM", "contentInfo": {"fileUrl": p.image, "altText": p.name}},
                "suggestions": [
                    {"reply": {"text": w.reserve, "postbackData": format!("reserve:{}", p.sku)}},
                    {"action": {"text": w.view_online, "postbackData": format!("view:{}", p.sku),
                                "openUrlAction": {"url": format!("https://www.example.com/products/{}", p.sku)}}}
                ]
            })
        })
        .collect();
    json!({
        "richCard": {"carouselCard": {"cardWidth": "MEDIUM", "cardContents": cards}},
        "suggestions": [{"reply": {"text": w.track, "postbackData": "menu:track"}}],
        "fallback": w.carousel_fallback,
        "representative": representative()
    })
}

/// The order status card.
fn order_card(w: &Words) -> Value {
    json!({
        "richCard": {"standaloneCard": {"cardContent": {
            "title": w.order_title,
            "description": w.order_description,
            "media": {"height": "SHORT", "contentInfo": {"fileUrl": "/demo/img/summit-30.png", "altText": w.order_picture}},
            "suggestions": [
                {"action": {"text": w.track_online, "postbackData": "track:1042",
                            "openUrlAction": {"url": "https://www.example.com/orders/1042"}}},
                {"action": {"text": w.call_store, "postbackData": "call:store",
                            "dialAction": {"phoneNumber": "+1-201-555-0123"}}},
                {"liveAgentRequest": {}}
            ]
        }}},
        "fallback": w.order_fallback,
        "representative": representative()
    })
}

/// The greeting, the carousel and the order card in English: the console's templates.
pub fn english_samples() -> [Value; 3] {
    [greeting(&EN), product_carousel(&EN), order_card(&EN)]
}

fn text(text: &str) -> Value {
    json!({"text": text, "containsRichText": true, "representative": representative()})
}

/// What the bot says, and whether the visitor asked for a person with it.
#[derive(Debug, PartialEq)]
pub struct Answer {
    pub content: Map<String, Value>,
    pub handoff: bool,
}

/// What the bot answers to a visitor's message, if anything, in every language. `first` is
/// whether it is the visitor's first message in the conversation.
pub fn answer(message: &Message, first: bool) -> Option<Answer> {
    let (lang, value) = ["en", "ar", "tr"].iter().find_map(|l| {
        message
            .content
            .get(*l)
            .filter(|v| !v.is_null())
            .map(|v| (*l, v))
    })?;
    let said = |content| {
        Some(Answer {
            content,
            handoff: false,
        })
    };
    let response = decode_customer_value(value, lang)
        .value
        .and_then(|c| c.suggestion_response);
    let Some(response) = response else {
        return if first {
            said(in_every_language(greeting))
        } else {
            None
        };
    };
    use connect360_model::content::SuggestionResponseType as Kind;
    match (response.kind, response.postback_data.as_str()) {
        (Kind::LiveAgent, _) => Some(Answer {
            content: in_every_language(|w| text(w.handoff)),
            handoff: true,
        }),
        (_, "menu:products") => said(in_every_language(product_carousel)),
        (_, "menu:track") => said(in_every_language(order_card)),
        (_, "menu:ai") => said(in_every_language(|w| text(w.ai_intro))),
        (_, postback) if postback.starts_with("reserve:") => {
            let sku = &postback["reserve:".len()..];
            let product = PRODUCTS.iter().find(|p| p.sku == sku)?;
            said(in_every_language(|w| {
                text(&format!("{}{}{}", w.reserved.0, product.name, w.reserved.1))
            }))
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
            let conversation = local.conversation(&message.conversation_id)?;
            let asked_already = crate::handoff::handed_over(&conversation.metadata);
            let first = local.is_first_customer_message(&message)?;
            let Some(answer) = answer(&message, first) else {
                return Ok(());
            };
            if asked_already && !answer.handoff {
                // A person was asked for: the team answers now, not the bot. (The request
                // itself is still acknowledged: the gateway has usually marked it by now.)
                return Ok(());
            }
            local.send(SendInput {
                conversation_id: message.conversation_id.clone(),
                parent_id: Some(message.id.clone()),
                content: Some(answer.content),
                ..Default::default()
            })?;
            if answer.handoff && !asked_already {
                let mut metadata = Map::new();
                metadata.insert(
                    // As the gateway does ([`crate::handoff`]), for a visitor who reached the
                    // local Connect360 without one.
                    life::HANDOFF.into(),
                    json!({life::HANDOFF_REQUESTED_AT:
                        crate::clock::format_millis(crate::clock::now_millis())}),
                );
                local.update_conversation(UpdateConversationInput {
                    id: message.conversation_id.clone(),
                    metadata: Some(metadata),
                    ..Default::default()
                })?;
            }
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

    fn check(content: Map<String, Value>) {
        let violations = check_content(Some(&content), Side::Agent, true);
        assert_eq!(
            violations,
            vec![],
            "bot content must pass the shared validation"
        );
    }

    #[test]
    fn every_bot_message_passes_validation_in_every_language() {
        check(in_every_language(greeting));
        check(in_every_language(product_carousel));
        check(in_every_language(order_card));
        check(in_every_language(|w| text(w.handoff)));
    }

    #[test]
    fn every_language_says_the_same_things_in_its_own_words() {
        for words in [&AR, &TR] {
            for (a, b) in [
                (words.greeting, EN.greeting),
                (words.browse, EN.browse),
                (words.track, EN.track),
                (words.handoff, EN.handoff),
                (words.descriptions[0], EN.descriptions[0]),
            ] {
                assert_ne!(a, b);
            }
            // The same choices, whatever the language: the postbacks do not change.
            let (en, other) = (greeting(&EN), greeting(words));
            for i in 0..4 {
                assert_eq!(
                    en["suggestions"][i]["reply"]["postbackData"],
                    other["suggestions"][i]["reply"]["postbackData"]
                );
            }
        }
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
        let said = |content| {
            Some(Answer {
                content,
                handoff: false,
            })
        };
        assert_eq!(
            answer(&customer(json!("hello")), true),
            said(in_every_language(greeting))
        );
        assert_eq!(answer(&customer(json!("hello again")), false), None);
        let chosen = |postback: &str, kind: &str| {
            customer(connect360_model::content::answer::value(
                "x", postback, kind,
            ))
        };
        assert_eq!(
            answer(&chosen("menu:products", "REPLY"), false),
            said(in_every_language(product_carousel))
        );
        assert_eq!(
            answer(&chosen("menu:track", "REPLY"), false),
            said(in_every_language(order_card))
        );
        assert!(answer(&chosen("", "LIVE_AGENT"), false).is_some_and(|a| a.handoff));
        assert!(answer(&chosen("reserve:ridge-2", "REPLY"), false).is_some());
        assert_eq!(answer(&chosen("reserve:unknown", "REPLY"), false), None);
    }
}

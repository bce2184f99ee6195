//! Property tests: parsing and validation are total over arbitrary input, and nothing they
//! accept ever carries a link with a disallowed scheme. (Native only: proptest needs an OS RNG.)
#![cfg(not(target_arch = "wasm32"))]

use connect360_model::content::{Action, AgentContent, Body, RichCard, Suggestion};
use connect360_model::display::{view_message, Shown};
use connect360_model::rich_text::{parse, Inline};
use connect360_model::safety;
use connect360_model::validate::{
    check_content, decode_agent_value, decode_customer_value, AgentValue, Options, Side,
};
use connect360_model::Lang;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Strings rich in markup, schemes and tricky characters.
fn hostile_string() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "**",
        "*",
        "[",
        "]",
        "(",
        ")",
        "](",
        "\\",
        "\n",
        "\r\n",
        " ",
        "<script>",
        "<b>",
        "&amp;",
        "javascript:",
        "JaVaScRiPt:",
        "java\tscript:",
        "data:",
        "vbscript:",
        "mailto:",
        "a@b.example",
        "https://",
        "http://",
        "//",
        "/",
        "example.com",
        "u:p@",
        "%0a",
        "\u{202E}",
        "\u{200D}",
        "\u{0}",
        "é",
        "مرحبا",
        "x",
        "+1-201-555-0123",
        "tel:",
        "?",
        "#",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(str::to_owned), any::<String>()],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

/// Keys of the content model, so arbitrary JSON reaches deep into the decoder.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "text",
            "image",
            "richCard",
            "suggestions",
            "fallback",
            "containsRichText",
            "representative",
            "representativeType",
            "displayName",
            "avatarImage",
            "contentInfo",
            "fileUrl",
            "thumbnailUrl",
            "altText",
            "forceRefresh",
            "standaloneCard",
            "carouselCard",
            "cardContent",
            "cardContents",
            "cardWidth",
            "title",
            "description",
            "media",
            "height",
            "reply",
            "action",
            "liveAgentRequest",
            "authenticationRequest",
            "oauth",
            "clientId",
            "codeChallenge",
            "codeChallengeMethod",
            "scopes",
            "postbackData",
            "openUrlAction",
            "url",
            "dialAction",
            "phoneNumber",
            "suggestionResponse",
            "type",
            "authenticationResponse",
            "code",
            "redirectUri",
            "errorDetails",
            "error",
        ])
        .prop_map(str::to_owned),
        "[a-z]{1,6}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "BOT", "HUMAN", "TALL", "SMALL", "S256", "REPLY", "AUTH"
        ])
        .prop_map(Value::from),
        hostile_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn assert_safe_href(href: &str) {
    let lower = href.to_ascii_lowercase();
    assert!(
        lower.starts_with("https://")
            || lower.starts_with("http://")
            || lower.starts_with("mailto:"),
        "disallowed link {href:?}"
    );
    assert!(
        safety::web_link(href).is_ok() || safety::mailto_link(href).is_ok(),
        "href {href:?} does not pass its own check"
    );
}

fn assert_safe_image(url: &str) {
    assert!(
        url.starts_with("https://") || (url.starts_with('/') && !url.starts_with("//")),
        "disallowed image {url:?}"
    );
}

fn assert_links_safe(nodes: &[Inline]) {
    for node in nodes {
        match node {
            Inline::Link { target, .. } => assert_safe_href(target.href()),
            Inline::Strong(inner) | Inline::Em(inner) => assert_links_safe(inner),
            Inline::Text(_) | Inline::LineBreak => {}
        }
    }
}

fn assert_suggestions_safe(suggestions: &[Suggestion]) {
    for suggestion in suggestions {
        if let Suggestion::Action(action) = suggestion {
            match &action.action {
                Action::OpenUrlAction(open) => assert_safe_href(&open.url),
                Action::DialAction(dial) => {
                    assert!(safety::dial_link(&dial.phone_number).is_ok())
                }
            }
        }
    }
}

/// Every URL a decoded agent value carries is one the renderer may use.
fn assert_content_safe(content: &AgentContent) {
    assert_suggestions_safe(&content.suggestions);
    if let Some(rep) = &content.representative {
        rep.avatar_image.as_deref().map(assert_safe_image);
    }
    let infos: Vec<_> = match &content.body {
        Body::Text(text) => {
            if text.contains_rich_text {
                assert_links_safe(&parse(&text.text).nodes);
            }
            vec![]
        }
        Body::Image(image) => vec![&image.content_info],
        Body::RichCard(RichCard::StandaloneCard(card)) => {
            assert_suggestions_safe(&card.card_content.suggestions);
            card.card_content
                .media
                .iter()
                .map(|m| &m.content_info)
                .collect()
        }
        Body::RichCard(RichCard::CarouselCard(carousel)) => carousel
            .card_contents
            .iter()
            .inspect(|c| assert_suggestions_safe(&c.suggestions))
            .filter_map(|c| c.media.as_ref().map(|m| &m.content_info))
            .collect(),
    };
    for info in infos {
        assert_safe_image(&info.file_url);
        info.thumbnail_url.as_deref().map(assert_safe_image);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn rich_text_parsing_never_panics_nor_yields_unsafe_links(input in hostile_string()) {
        let parsed = parse(&input);
        assert_links_safe(&parsed.nodes);
        let flat = parsed.plain_text();
        prop_assert!(flat.chars().count() <= input.chars().count());
    }

    #[test]
    fn url_checks_only_ever_accept_allowed_schemes(input in hostile_string()) {
        if let Ok(href) = safety::web_link(&input) {
            assert_safe_href(&href);
        }
        if let Ok(href) = safety::mailto_link(&input) {
            assert_safe_href(&href);
        }
        if let Ok(url) = safety::image_url(&input) {
            assert_safe_image(&url);
        }
        if let Ok(tel) = safety::dial_link(&input) {
            prop_assert!(tel.starts_with("tel:+") && tel[5..].bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn decoding_arbitrary_json_never_panics_and_accepts_only_safe_urls(value in json()) {
        for sign_in in [None, Some(true), Some(false)] {
            let decoded = decode_agent_value(&value, "en", Options { sign_in_configured: sign_in });
            if let Some(AgentValue::Rich(content)) = &decoded.value {
                assert_content_safe(content);
            }
            if decoded.value.is_some() {
                prop_assert!(decoded.violations.iter().all(|v| !v.rule.invalidates_value()));
            } else {
                prop_assert!(!decoded.violations.is_empty());
            }
            if let Some(rep) = &decoded.representative {
                rep.avatar_image.as_deref().map(assert_safe_image);
            }
        }
        let customer = decode_customer_value(&value, "en");
        prop_assert_eq!(customer.value.is_none(), customer.violations.iter().any(|v| v.rule.invalidates_value()));
    }

    #[test]
    fn the_whole_content_check_and_view_are_total(values in prop::collection::vec((key(), json()), 0..4)) {
        let mut content: Map<String, Value> = values.into_iter().collect();
        for (i, lang) in ["en", "ar", "tr"].iter().enumerate() {
            if i % 2 == 0 {
                content.entry(lang.to_string()).or_insert(Value::Null);
            }
        }
        for side in [Side::Agent, Side::Customer] {
            let violations = check_content(Some(&content), side, true);
            for v in &violations {
                prop_assert!(v.path.starts_with("content"));
                prop_assert!(!v.message.is_empty());
            }
            let view = view_message(&content, side, Some(Lang::Tr), Lang::Ar, false, Options::default());
            if let Shown::Agent(AgentValue::Rich(content)) = &view.shown {
                assert_content_safe(content);
            }
        }
    }
}

#[test]
fn deeply_nested_and_huge_inputs_are_refused_quickly() {
    // 100,000 suggestions: the count is checked before any entry is inspected.
    let chips: Vec<Value> = (0..100_000)
        .map(|_| serde_json::json!({"reply": {"text": "x"}}))
        .collect();
    let huge = serde_json::json!({"text": "hi", "suggestions": chips});
    let decoded = decode_agent_value(&huge, "en", Options::default());
    assert_eq!(decoded.violations.len(), 1);
    // Nesting as deep as serde_json allows, in an unknown field: reported, never walked.
    let mut nested = Value::Null;
    for _ in 0..120 {
        nested = serde_json::json!({ "x": nested });
    }
    let deep = serde_json::json!({"text": "hi", "extra": nested});
    let decoded = decode_agent_value(&deep, "en", Options::default());
    assert!(decoded.value.is_some(), "unknown fields are class B");
    // A 10,000-character word in every text field stays a text node.
    let word = "W".repeat(10_000);
    let parsed = parse(&format!("**{word}** [{word}](https://example.com/{word})"));
    assert_links_safe(&parsed.nodes);
}

//! Every canonical example of `rich-messages.md` §7 (`fixtures/rich-messages.json`) against
//! its expected outcome: what the renderer shows, in which language, and what the server
//! refuses.

use connect360_model::display::{view_message, MessageView, Shown};
use connect360_model::lang::Lang;
use connect360_model::validate::{
    check_content, decode_customer_value, suggestion_response_matches, AgentValue, Options, Side,
};
use connect360_model::wire::{Message, SenderType};
use serde_json::Value;

const FIXTURES: &str = include_str!("../../../fixtures/rich-messages.json");

struct Fixture {
    name: String,
    visitor: String,
    message: Message,
    expect: Value,
}

fn fixtures() -> Vec<Fixture> {
    let all: Vec<Value> = serde_json::from_str(FIXTURES).expect("fixtures are JSON");
    all.into_iter()
        .map(|f| Fixture {
            name: f["fixture"].as_str().unwrap().to_owned(),
            visitor: f["visitorLanguage"].as_str().unwrap().to_owned(),
            message: serde_json::from_value(f["message"].clone()).expect("a Message"),
            expect: f["expect"].clone(),
        })
        .collect()
}

fn fixture(name: &str) -> Fixture {
    fixtures()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

/// The fixture's message as an English-speaking visitor sees it, sign-in configured.
fn view_in_english(f: &Fixture) -> MessageView {
    view_message(
        &f.message.content,
        side(&f.message),
        Some(Lang::En),
        Lang::En,
        false,
        SIGN_IN,
    )
}

fn side(message: &Message) -> Side {
    match message.sender.kind {
        SenderType::Customer => Side::Customer,
        _ => Side::Agent,
    }
}

fn shown_kind(shown: &Shown) -> &'static str {
    match shown {
        Shown::Agent(_) => "agent",
        Shown::Customer(_) => "customer",
        Shown::Fallback(_) => "fallback",
        Shown::Placeholder => "placeholder",
        Shown::AttachmentsOnly => "attachments",
    }
}

fn shown_text(shown: &Shown, lang: Lang) -> Option<String> {
    match shown {
        Shown::Fallback(text) => Some(text.clone()),
        Shown::Customer(c) => Some(c.text.clone()),
        Shown::Placeholder => Some(
            connect360_model::strings::MessageString::Placeholder
                .text(lang)
                .to_owned(),
        ),
        _ => None,
    }
}

const SIGN_IN: Options = Options {
    sign_in_configured: Some(true),
};

#[test]
fn all_eighteen_canonical_examples_are_present() {
    let names: Vec<String> = fixtures().into_iter().map(|f| f.name).collect();
    assert_eq!(names.len(), 18);
    assert!(names[0].starts_with("F01") && names[17].starts_with("F18"));
}

#[test]
fn each_fixture_renders_as_the_spec_describes() {
    for f in fixtures() {
        let view = view_message(
            &f.message.content,
            side(&f.message),
            Lang::from_tag(&f.visitor),
            Lang::En,
            !f.message.attachments.is_empty(),
            SIGN_IN,
        );
        let e = &f.expect;
        assert_eq!(shown_kind(&view.shown), e["shown"], "{}: {view:?}", f.name);
        assert_eq!(view.lang.code(), e["lang"], "{}", f.name);
        assert_eq!(view.lang.direction().as_str(), e["dir"], "{}", f.name);
        if let Some(text) = e.get("text") {
            assert_eq!(
                shown_text(&view.shown, view.lang).as_deref(),
                text.as_str(),
                "{}",
                f.name
            );
        }
        if let Some(name) = e.get("representative") {
            let got = view
                .representative
                .as_ref()
                .and_then(|r| r.display_name.as_deref());
            assert_eq!(got, name.as_str(), "{}", f.name);
        }
    }
}

#[test]
fn the_server_refuses_exactly_the_documented_rules() {
    for f in fixtures() {
        let mut rules: Vec<String> =
            check_content(Some(&f.message.content), side(&f.message), true)
                .into_iter()
                .map(|v| v.rule.id().to_owned())
                .collect();
        rules.sort();
        rules.dedup();
        let expected: Vec<String> =
            serde_json::from_value(f.expect["serverRules"].clone()).unwrap();
        assert_eq!(rules, expected, "{}", f.name);
    }
}

#[test]
fn sign_in_suggestions_fall_back_when_sign_in_is_not_configured() {
    let f = fixture("F09-sign-in");
    let without = Options {
        sign_in_configured: Some(false),
    };
    let view = view_message(
        &f.message.content,
        Side::Agent,
        Some(Lang::En),
        Lang::En,
        false,
        without,
    );
    let expected = &f.expect["withoutSignIn"];
    assert_eq!(shown_kind(&view.shown), expected["shown"]);
    assert_eq!(
        shown_text(&view.shown, view.lang).as_deref(),
        expected["text"].as_str()
    );
    assert_eq!(view.first_violation.unwrap().rule.id(), "S9");
}

#[test]
fn sign_in_with_a_plain_or_missing_challenge_method_falls_back_like_no_sign_in() {
    let f = fixture("F09-sign-in");
    let with = Options {
        sign_in_configured: Some(true),
    };
    let render = |content: &serde_json::Map<String, serde_json::Value>| {
        view_message(content, Side::Agent, Some(Lang::En), Lang::En, false, with)
    };
    assert!(render(&f.message.content).first_violation.is_none());
    let expected = &f.expect["withoutSignIn"];
    for method in [serde_json::json!("plain"), serde_json::Value::Null] {
        let mut content = f.message.content.clone();
        let text = content["en"].to_string();
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let oauth = value["suggestions"][0]["authenticationRequest"]["oauth"]
            .as_object_mut()
            .unwrap();
        if method.is_null() {
            oauth.remove("codeChallengeMethod");
        } else {
            oauth.insert("codeChallengeMethod".into(), method.clone());
        }
        content.insert("en".into(), value);
        let view = render(&content);
        assert_eq!(shown_kind(&view.shown), expected["shown"], "{method}");
        assert_eq!(view.first_violation.unwrap().rule.id(), "S9", "{method}");
    }
}

#[test]
fn multilingual_content_follows_each_visitor_language() {
    let f = fixture("F11-multilingual");
    for (visitor, expected) in f.expect["otherVisitors"].as_object().unwrap() {
        let view = view_message(
            &f.message.content,
            Side::Agent,
            Lang::from_tag(visitor),
            Lang::En,
            false,
            SIGN_IN,
        );
        assert_eq!(view.lang.code(), expected, "visitor {visitor}");
    }
    let mut without_tr = f.message.content.clone();
    without_tr.remove("tr");
    let view = view_message(
        &without_tr,
        Side::Agent,
        Some(Lang::Tr),
        Lang::En,
        false,
        SIGN_IN,
    );
    assert_eq!(view.lang, Lang::En);
}

#[test]
fn malicious_content_yields_no_unsafe_url_anywhere() {
    let f = fixture("F12-malicious");
    let view = view_in_english(&f);
    assert!(view.representative.is_none(), "R1 drops the representative");
    assert!(matches!(view.shown, Shown::Fallback(_)));
}

#[test]
fn rich_text_fixture_parses_to_strong_em_and_two_links() {
    use connect360_model::content::Body;
    use connect360_model::rich_text::{parse, Inline};
    let f = fixture("F02-rich-text");
    let view = view_in_english(&f);
    let Shown::Agent(AgentValue::Rich(content)) = view.shown else {
        panic!("rich content expected")
    };
    let Body::Text(body) = content.body else {
        panic!("text expected")
    };
    assert!(body.contains_rich_text);
    let nodes = parse(&body.text).nodes;
    let links: Vec<(&str, bool)> = nodes
        .iter()
        .filter_map(|n| match n {
            Inline::Link { target, .. } => Some((target.href(), target.opens_new_tab())),
            _ => None,
        })
        .collect();
    assert_eq!(
        links,
        [
            ("https://www.example.com/track/1042", true),
            ("mailto:help@example.com", false)
        ]
    );
    assert_eq!(nodes.iter().filter(|n| **n == Inline::LineBreak).count(), 2);
    assert!(matches!(nodes[0], Inline::Strong(_)));
}

#[test]
fn a_suggestion_response_matches_only_the_chip_it_answers() {
    let all = fixtures();
    let parent = &all
        .iter()
        .find(|f| f.name == "F07-thirteen-chips")
        .unwrap()
        .message;
    let answer = &all
        .iter()
        .find(|f| f.name == "F15-suggestion-response")
        .unwrap()
        .message;
    let response = decode_customer_value(&answer.content["en"], "en")
        .value
        .unwrap();
    assert!(suggestion_response_matches(
        &parent.content,
        "en",
        &response
    ));

    let mut forged = response.clone();
    forged.suggestion_response.as_mut().unwrap().postback_data = "topic:admin".into();
    assert!(!suggestion_response_matches(&parent.content, "en", &forged));
    let mut wrong_text = response.clone();
    wrong_text.text = "Opening hours".into();
    assert!(!suggestion_response_matches(
        &parent.content,
        "en",
        &wrong_text
    ));

    let live_parent = &all
        .iter()
        .find(|f| f.name == "F08-live-agent")
        .unwrap()
        .message;
    let live: connect360_model::content::CustomerContent = serde_json::from_value(serde_json::json!(
        {"text": "Talk to a person", "suggestionResponse": {"postbackData": "", "type": "LIVE_AGENT"}}
    ))
    .unwrap();
    assert!(suggestion_response_matches(
        &live_parent.content,
        "en",
        &live
    ));
    assert!(!suggestion_response_matches(&parent.content, "en", &live));
}

#[test]
fn card_buttons_count_for_suggestion_responses() {
    let all = fixtures();
    let card = &all
        .iter()
        .find(|f| f.name == "F05-carousel-medium")
        .unwrap()
        .message;
    let response: connect360_model::content::CustomerContent = serde_json::from_value(serde_json::json!(
        {"text": "Order latte", "suggestionResponse": {"postbackData": "order:latte", "type": "REPLY"}}
    ))
    .unwrap();
    assert!(suggestion_response_matches(&card.content, "en", &response));
    assert!(
        !suggestion_response_matches(&card.content, "ar", &response),
        "same language key only"
    );
}

#[test]
fn valid_rich_fixtures_round_trip_through_the_typed_model() {
    for f in fixtures() {
        if f.expect["shown"] != "agent" {
            continue;
        }
        for (lang, value) in &f.message.content {
            if !value.is_object() {
                continue;
            }
            let decoded = connect360_model::validate::decode_agent_value(value, lang, SIGN_IN);
            let Some(AgentValue::Rich(content)) = decoded.value else {
                panic!("{}: {:?}", f.name, decoded.violations)
            };
            let json = serde_json::to_value(&content).unwrap();
            assert_eq!(&json, value, "{}: serialises back to the same JSON", f.name);
        }
    }
}

/// The agent value of a fixture in English, decoded.
fn agent_content(name: &str) -> connect360_model::content::AgentContent {
    let f = fixture(name);
    let value = &f.message.content["en"];
    match connect360_model::validate::decode_agent_value(value, "en", Options::default()).value {
        Some(AgentValue::Rich(content)) => *content,
        other => panic!("{name}: not rich content: {other:?}"),
    }
}

#[test]
fn suggestions_are_found_by_their_path_in_the_value() {
    use connect360_model::content::{Suggestion, SuggestionResponseType};
    let sign_in = agent_content("F09-sign-in");
    assert!(matches!(
        sign_in.suggestion_at("suggestions[0]"),
        Some(Suggestion::AuthenticationRequest(_))
    ));
    let carousel = agent_content("F05-carousel-medium");
    let latte = carousel
        .suggestion_at("richCard.carouselCard.cardContents[1].suggestions[0]")
        .unwrap();
    assert_eq!(latte.postback_data(), "order:latte");
    let facts = carousel
        .suggestion_at("richCard.carouselCard.cardContents[0].suggestions[1]")
        .unwrap();
    assert_eq!(facts.response_type(), SuggestionResponseType::Action);
    assert_eq!(
        carousel
            .suggestion_at("suggestions[0]")
            .unwrap()
            .postback_data(),
        "menu:all"
    );
    let card = agent_content("F04-standalone-card");
    assert!(card
        .suggestion_at("richCard.standaloneCard.cardContent.suggestions[0]")
        .is_some());
    for bad in [
        "suggestions[9]",
        "suggestions[]",
        "suggestions[-1]",
        "suggestions[0].x",
        "suggestions[0",
        "suggestions[00001]",
        "richCard.carouselCard.cardContents[7].suggestions[0]",
        "richCard.standaloneCard.cardContent.suggestions[0]",
        "",
    ] {
        assert!(carousel.suggestion_at(bad).is_none(), "{bad}");
    }
}

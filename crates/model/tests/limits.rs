//! Every limit of `rich-messages.md` §1.1/§2.2 and `connect360-api.md` checked at N (accepted)
//! and N+1 (refused with the documented rule, a path and a readable reason).

use connect360_model::validate::{check_content, summary, Rule, Side, Violation};
use serde_json::{json, Value};

fn agent(value: Value) -> Vec<Violation> {
    let content = json!({ "en": value });
    check_content(content.as_object(), Side::Agent, true)
}

fn customer(value: Value) -> Vec<Violation> {
    let content = json!({ "en": value });
    check_content(content.as_object(), Side::Customer, true)
}

fn s(n: usize) -> String {
    "a".repeat(n)
}

/// Asserts `ok` is accepted and `bad` refused with exactly `rule` at `path`.
fn at_limit(ok: Vec<Violation>, bad: Vec<Violation>, rule: Rule, path: &str) {
    assert_eq!(ok, vec![], "N must be accepted");
    assert!(
        bad.iter().any(|v| v.rule == rule && v.path == path),
        "N+1 must be refused with {rule} at {path}, got {bad:?}"
    );
}

fn reply(text: &str) -> Value {
    json!({"reply": {"text": text, "postbackData": "x"}})
}

fn card(title: &str) -> Value {
    json!({"title": title})
}

#[test]
fn string_values_and_text_are_at_most_3072_characters() {
    at_limit(
        agent(json!(s(3072))),
        agent(json!(s(3073))),
        Rule::E4,
        "content.en",
    );
    at_limit(
        agent(json!({"text": s(3072)})),
        agent(json!({"text": s(3073)})),
        Rule::M2,
        "content.en.text",
    );
    let bad = agent(json!({"text": s(3073)}));
    assert_eq!(bad[0].message, "3073 characters, at most 3072");
    at_limit(
        customer(json!(s(3072))),
        customer(json!(s(3073))),
        Rule::E4,
        "content.en",
    );
    at_limit(
        customer(json!({"text": s(3072)})),
        customer(json!({"text": s(3073)})),
        Rule::K1,
        "content.en.text",
    );
}

#[test]
fn fallback_is_at_most_3072_characters() {
    at_limit(
        agent(json!({"text": "hi", "fallback": s(3072)})),
        agent(json!({"text": "hi", "fallback": s(3073)})),
        Rule::M4,
        "content.en.fallback",
    );
}

#[test]
fn at_most_13_message_suggestions() {
    let chips = |n: usize| (0..n).map(|i| reply(&format!("c{i}"))).collect::<Vec<_>>();
    at_limit(
        agent(json!({"text": "hi", "suggestions": chips(13)})),
        agent(json!({"text": "hi", "suggestions": chips(14)})),
        Rule::M3,
        "content.en.suggestions",
    );
}

#[test]
fn at_most_4_card_suggestions() {
    let chips = |n: usize| (0..n).map(|i| reply(&format!("c{i}"))).collect::<Vec<_>>();
    let standalone = |n| json!({"richCard": {"standaloneCard": {"cardContent": {"title": "t", "suggestions": chips(n)}}}});
    at_limit(
        agent(standalone(4)),
        agent(standalone(5)),
        Rule::CD3,
        "content.en.richCard.standaloneCard.cardContent.suggestions",
    );
}

#[test]
fn card_title_200_and_description_2000() {
    let standalone = |c: Value| json!({"richCard": {"standaloneCard": {"cardContent": c}}});
    at_limit(
        agent(standalone(json!({"title": s(200)}))),
        agent(standalone(json!({"title": s(201)}))),
        Rule::CD2,
        "content.en.richCard.standaloneCard.cardContent.title",
    );
    at_limit(
        agent(standalone(json!({"description": s(2000)}))),
        agent(standalone(json!({"description": s(2001)}))),
        Rule::CD2,
        "content.en.richCard.standaloneCard.cardContent.description",
    );
}

#[test]
fn carousel_title_violation_names_the_card() {
    let mut cards: Vec<Value> = (0..4).map(|i| card(&format!("card {i}"))).collect();
    cards[3] = card(&s(213));
    let bad = agent(json!({"richCard": {"carouselCard": {"cardContents": cards}}}));
    assert_eq!(
        bad[0].to_string(),
        "content.en.richCard.carouselCard.cardContents[3].title: 213 characters, at most 200"
    );
}

#[test]
fn carousels_hold_2_to_10_cards() {
    let carousel = |n: usize| json!({"richCard": {"carouselCard": {"cardContents": (0..n).map(|i| card(&format!("c{i}"))).collect::<Vec<_>>()}}});
    let path = "content.en.richCard.carouselCard.cardContents";
    at_limit(agent(carousel(2)), agent(carousel(1)), Rule::CA1, path);
    at_limit(agent(carousel(10)), agent(carousel(11)), Rule::CA1, path);
    assert_eq!(agent(carousel(1))[0].message, "1 cards, at least 2");
    assert_eq!(agent(carousel(11))[0].message, "11 cards, at most 10");
}

#[test]
fn chip_text_25_and_postback_2048() {
    at_limit(
        agent(json!({"text": "hi", "suggestions": [reply(&s(25))]})),
        agent(json!({"text": "hi", "suggestions": [reply(&s(26))]})),
        Rule::S2,
        "content.en.suggestions[0].reply.text",
    );
    let with_postback =
        |n| json!({"text": "hi", "suggestions": [{"reply": {"text": "ok", "postbackData": s(n)}}]});
    at_limit(
        agent(with_postback(2048)),
        agent(with_postback(2049)),
        Rule::S3,
        "content.en.suggestions[0].reply.postbackData",
    );
    assert_eq!(
        agent(with_postback(0)),
        vec![],
        "empty postback data is allowed"
    );
}

#[test]
fn display_name_100_and_alt_text_500() {
    let rep = |n| json!({"text": "hi", "representative": {"representativeType": "HUMAN", "displayName": s(n)}});
    at_limit(
        agent(rep(100)),
        agent(rep(101)),
        Rule::R1,
        "content.en.representative.displayName",
    );
    let img = |n| json!({"image": {"contentInfo": {"fileUrl": "https://cdn.example.com/a.png", "altText": s(n)}}});
    at_limit(
        agent(img(500)),
        agent(img(501)),
        Rule::I3,
        "content.en.image.contentInfo.altText",
    );
}

#[test]
fn urls_are_at_most_2048_characters() {
    let base = "https://example.com/";
    let url = |n: usize| format!("{base}{}", s(n - base.len()));
    let open = |u: String| json!({"text": "hi", "suggestions": [{"action": {"text": "Go", "openUrlAction": {"url": u}}}]});
    at_limit(
        agent(open(url(2048))),
        agent(open(url(2049))),
        Rule::S5,
        "content.en.suggestions[0].action.openUrlAction.url",
    );
    let img = |u: String| json!({"image": {"contentInfo": {"fileUrl": u}}});
    at_limit(
        agent(img(url(2048))),
        agent(img(url(2049))),
        Rule::I2,
        "content.en.image.contentInfo.fileUrl",
    );
}

#[test]
fn phone_numbers_have_7_to_15_digits() {
    let dial = |p: &str| json!({"text": "hi", "suggestions": [{"action": {"text": "Call", "dialAction": {"phoneNumber": p}}}]});
    let path = "content.en.suggestions[0].action.dialAction.phoneNumber";
    at_limit(
        agent(dial("+1234567")),
        agent(dial("+123456")),
        Rule::S6,
        path,
    );
    at_limit(
        agent(dial("+123456789012345")),
        agent(dial("+1234567890123456")),
        Rule::S6,
        path,
    );
}

#[test]
fn oauth_fields_are_bounded() {
    let challenge = s(43);
    let auth = |client: String, challenge: String, scopes: Vec<String>| {
        json!({"text": "Sign in please", "suggestions": [{"authenticationRequest": {"oauth": {
            "clientId": client, "codeChallenge": challenge, "codeChallengeMethod": "S256", "scopes": scopes}}}]})
    };
    let base = "content.en.suggestions[0].authenticationRequest.oauth";
    let scopes = |n: usize| (0..n).map(|i| format!("s{i}")).collect::<Vec<_>>();
    at_limit(
        agent(auth(s(255), challenge.clone(), scopes(1))),
        agent(auth(s(256), challenge.clone(), scopes(1))),
        Rule::S8,
        &format!("{base}.clientId"),
    );
    at_limit(
        agent(auth("c".into(), s(43), scopes(1))),
        agent(auth("c".into(), s(42), scopes(1))),
        Rule::S8,
        &format!("{base}.codeChallenge"),
    );
    at_limit(
        agent(auth("c".into(), s(128), scopes(1))),
        agent(auth("c".into(), s(129), scopes(1))),
        Rule::S8,
        &format!("{base}.codeChallenge"),
    );
    at_limit(
        agent(auth("c".into(), challenge.clone(), scopes(20))),
        agent(auth("c".into(), challenge.clone(), scopes(21))),
        Rule::S8,
        &format!("{base}.scopes"),
    );
    at_limit(
        agent(auth("c".into(), challenge.clone(), vec![s(128)])),
        agent(auth("c".into(), challenge.clone(), vec![s(129)])),
        Rule::S8,
        &format!("{base}.scopes[0]"),
    );
    let none = agent(auth("c".into(), challenge, vec![]));
    assert!(none
        .iter()
        .any(|v| v.rule == Rule::S8 && v.path == format!("{base}.scopes")));
}

#[test]
fn control_and_bidi_override_characters_are_refused() {
    let bad = agent(json!({"text": "hi\u{202E}there"}));
    assert_eq!(bad[0].rule, Rule::C1);
    assert!(bad[0].message.contains("U+202E"));
    assert_eq!(agent(json!({"text": "line\nbreak\ttab"})), vec![]);
    let title = agent(json!({"richCard": {"standaloneCard": {"cardContent": {"title": "a\nb"}}}}));
    assert_eq!(title[0].rule, Rule::C1);
    assert_eq!(
        title[0].message,
        "contains a line break; this field is single-line"
    );
    assert_eq!(agent(json!("bell\u{7}"))[0].rule, Rule::C1);
}

#[test]
fn blank_values_are_refused() {
    assert_eq!(agent(json!("   \n "))[0].rule, Rule::E4);
    assert_eq!(agent(json!({"text": " "}))[0].message, "must not be blank");
    assert_eq!(agent(json!({"text": ""}))[0].message, "must not be empty");
}

#[test]
fn content_keys_and_presence_are_checked() {
    let none = check_content(json!({}).as_object(), Side::Agent, true);
    assert_eq!(none[0].rule, Rule::E1);
    assert_eq!(
        check_content(json!({}).as_object(), Side::Agent, false),
        vec![]
    );
    assert_eq!(check_content(None, Side::Agent, false), vec![]);
    let fr = check_content(
        json!({"en": "hi", "fr": "salut"}).as_object(),
        Side::Agent,
        true,
    );
    assert_eq!(fr.len(), 1);
    assert_eq!((fr[0].rule, fr[0].path.as_str()), (Rule::E2, "content.fr"));
    let number = agent(json!(42));
    assert_eq!(number[0].rule, Rule::E3);
}

#[test]
fn unknown_fields_and_wrong_types_are_named() {
    let bad =
        agent(json!({"text": "hi", "name": "x", "messageId": "y", "containsRichText": "yes"}));
    let mut rules: Vec<(Rule, &str)> = bad.iter().map(|v| (v.rule, v.path.as_str())).collect();
    rules.sort_by_key(|(_, p)| p.to_string());
    assert_eq!(
        rules,
        [
            (Rule::G1, "content.en.containsRichText"),
            (Rule::G2, "content.en.messageId"),
            (Rule::G2, "content.en.name"),
        ]
    );
    let wrong = agent(json!({"text": 5}));
    assert_eq!(wrong[0].message, "expected a string, found a number");
}

#[test]
fn the_refusal_summary_names_the_first_violation_and_counts_the_rest() {
    let bad = agent(json!({"text": s(3073), "fallback": "", "suggestions": "x"}));
    assert_eq!(bad.len(), 3);
    assert!(summary(&bad).ends_with("(and 2 more)"), "{}", summary(&bad));
    assert_eq!(summary(&bad[..1]), bad[0].to_string());
}

#[test]
fn customer_suggestion_responses_are_shaped() {
    assert_eq!(
        customer(
            json!({"text": "Yes", "suggestionResponse": {"postbackData": "", "type": "REPLY"}})
        ),
        vec![]
    );
    let bad = customer(
        json!({"text": "Yes", "suggestionResponse": {"postbackData": "", "type": "NOPE"}}),
    );
    assert_eq!(
        (bad[0].rule, bad[0].path.as_str()),
        (Rule::K1, "content.en.suggestionResponse.type")
    );
    let auth_without_type = customer(
        json!({"text": "Signed in", "authenticationResponse": {"code": "c", "redirectUri": "https://x.example/cb"}}),
    );
    assert!(auth_without_type
        .iter()
        .any(|v| v.rule == Rule::K1 && v.path == "content.en.authenticationResponse"));
    assert_eq!(
        customer(
            json!({"text": "Signed in", "suggestionResponse": {"postbackData": "", "type": "AUTH"},
            "authenticationResponse": {"errorDetails": {"error": "access_denied"}}})
        ),
        vec![]
    );
}

//! The pre-chat form (`POST /api/widget/contact`) and offline capture: a guest's details are
//! checked by the model's rules against what `[prechat]` asks for and recorded, unverified,
//! on their own conversation and customer only; the first message written while the team is
//! away carries the `offline` flag.

mod common;

use common::{
    as_visitor, conversation_metadata, customer_of, expired_token, identity_for, session, visitor,
    TestServer, CHANNEL,
};
use connect360_server::settings::Settings;
use serde_json::{json, Value};

const FORM: &str = "[prechat]\nwhen = \"always\"\nname = \"required\"\nemail = \"required\"\nphone = \"optional\"\nconsent_url = \"https://shop.example/privacy\"\n";

fn settings(text: &str) -> Settings {
    Settings::parse(text).unwrap()
}

async fn submit(server: &TestServer, token: Option<&str>, body: Value) -> (u16, Value) {
    common::widget_post(server, token, "contact", body).await
}

fn message_of(body: &Value) -> String {
    body["message"].as_str().unwrap_or("").to_owned()
}

#[tokio::test]
async fn a_guests_details_are_recorded_unverified_on_their_conversation_and_customer() {
    let (server, _dir) = TestServer::start_with_settings(settings(FORM)).await;
    let opened = session(&server, json!({"channelIdentifier": CHANNEL})).await;
    assert_eq!(
        opened["prechat"],
        json!({"when": "always", "name": "required", "email": "required", "phone": "optional",
               "consentUrl": "https://shop.example/privacy"})
    );
    assert_eq!(opened["contactGiven"], false);
    let (token, conversation) = (
        opened["token"].as_str().unwrap(),
        opened["conversationId"].as_str().unwrap(),
    );
    let (status, body) = submit(
        &server,
        Some(token),
        json!({"conversationId": conversation, "name": " Ayşe Yılmaz ", "email": "ayse@example.com",
               "phone": "+90 532 123 45 67", "consent": true}),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    let contact = &conversation_metadata(&server, conversation).await["visitorContact"];
    assert_eq!(contact["name"], "Ayşe Yılmaz");
    assert_eq!(contact["email"], "ayse@example.com");
    assert_eq!(contact["phone"], "+905321234567");
    assert_eq!(contact["verified"], false);
    assert!(contact["at"].is_string());
    let customer = customer_of(&server, conversation).await;
    assert_eq!(
        customer["metadata"]["unverifiedContact"]["email"],
        "ayse@example.com"
    );
    assert_eq!(
        customer["metadata"]["consent"]["url"],
        "https://shop.example/privacy"
    );
    assert!(customer["metadata"]["consent"]["at"].is_string());
    // Never where matching reads: the customer's own e-mail and name stay unset.
    assert_eq!(customer["email"], Value::Null);
    assert_eq!(customer["externalId"], opened["visitorId"]);

    // The next session knows the form was filled in.
    let again = session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": opened["visitorId"]}),
    )
    .await;
    assert_eq!(again["conversationId"], conversation);
    assert_eq!(again["contactGiven"], true);
}

#[tokio::test]
async fn refused_values_name_their_fields_and_record_nothing() {
    let (server, _dir) = TestServer::start_with_settings(settings(FORM)).await;
    let (token, _, conversation) = visitor(&server).await;
    let (status, body) = submit(
        &server,
        Some(&token),
        json!({"conversationId": conversation, "email": "not an address", "phone": "0532 123"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let said = message_of(&body);
    for part in [
        "name: is required",
        "email: is not an e-mail address",
        "phone: is not a phone number in international form",
        "consent: is required",
    ] {
        assert!(said.contains(part), "{part} missing from {said}");
    }
    for (bad, says) in [
        (
            json!({"conversationId": conversation, "name": "a".repeat(101), "email": "a@b.co", "consent": true}),
            "name: must be one line",
        ),
        (
            json!({"conversationId": conversation, "name": "Eve\u{202E}", "email": "a@b.co", "consent": true}),
            "name: must be one line",
        ),
        (
            json!({"conversationId": conversation, "name": "Eve", "email": "a@b.co", "consent": true, "verified": true}),
            "unknown field",
        ),
        (json!({"name": "Eve"}), "conversationId"),
    ] {
        let (status, body) = submit(&server, Some(&token), bad).await;
        assert_eq!(status, 400, "{body}");
        assert!(message_of(&body).contains(says), "{says}: {body}");
    }
    let (status, _) = submit(
        &server,
        Some(&token),
        json!({"conversationId": conversation, "name": "x".repeat(64 * 1024)}),
    )
    .await;
    assert_eq!(status, 413, "a body over the small-body limit");
    assert_eq!(
        conversation_metadata(&server, &conversation)
            .await
            .get("visitorContact"),
        None,
        "nothing recorded"
    );
}

#[tokio::test]
async fn only_a_guest_with_a_valid_token_fills_in_their_own_conversations_form() {
    let (server, _dir) = TestServer::start_with_settings(settings(FORM)).await;
    let (_, _, victim_conversation) = visitor(&server).await;
    server
        .customer_says(&victim_conversation, "my order 1042")
        .await;
    let (eve, _, _) = visitor(&server).await;
    let good = json!({"conversationId": victim_conversation, "name": "Eve", "email": "eve@example.com", "consent": true});
    for (token, status) in [
        (Some(eve.clone()), 403),
        (Some(expired_token()), 401),
        (None, 401),
    ] {
        let (got, body) = submit(&server, token.as_deref(), good.clone()).await;
        assert_eq!(got, status, "{body}");
        assert!(!body.to_string().contains("1042"), "{body}");
    }
    assert_eq!(
        conversation_metadata(&server, &victim_conversation)
            .await
            .get("visitorContact"),
        None
    );

    // A signed-in customer is known already: no form, and the route refuses them.
    let known = session(
        &server,
        json!({"channelIdentifier": CHANNEL,
               "identityToken": identity_for("user_9", "Kim", "kim@shop.test")}),
    )
    .await;
    assert_eq!(known.get("prechat"), None, "{known}");
    let (status, body) = submit(
        &server,
        known["token"].as_str(),
        json!({"conversationId": known["conversationId"], "name": "Kim", "email": "kim@x.co", "consent": true}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(message_of(&body).contains("signed-in customer"), "{body}");
}

#[tokio::test]
async fn a_site_without_a_form_takes_no_contact_details() {
    let (server, _dir) = TestServer::start().await;
    let opened = session(&server, json!({"channelIdentifier": CHANNEL})).await;
    assert_eq!(opened.get("prechat"), None);
    let (status, body) = submit(
        &server,
        opened["token"].as_str(),
        json!({"conversationId": opened["conversationId"], "email": "a@b.co"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(message_of(&body).contains("asks for no contact details"));
}

#[tokio::test]
async fn the_first_message_written_while_the_team_is_away_is_flagged_offline() {
    // Closed every day: away now, whatever the hour. Offline capture asks for an e-mail.
    let (server, _dir) = TestServer::start_with_settings(settings(
        "[availability]\ntimezone = \"UTC\"\nmon = \"closed\"\n[prechat]\nwhen = \"offline\"\n",
    ))
    .await;
    let opened = session(&server, json!({"channelIdentifier": CHANNEL})).await;
    assert_eq!(opened["availability"], json!({"online": false}));
    let (token, conversation) = (
        opened["token"].as_str().unwrap(),
        opened["conversationId"].as_str().unwrap(),
    );
    // Away, the form asks for an e-mail (optional) even though `[prechat]` names no field.
    let (status, body) = submit(
        &server,
        Some(token),
        json!({"conversationId": conversation, "email": "later@example.com"}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    for text in ["Are you open on Sunday?", "Please write back"] {
        let (status, body) = as_visitor(
            &server,
            token,
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"en": text}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let messages = server.all_messages(conversation).await;
    let flags: Vec<Value> = messages.iter().map(|m| m["flags"].clone()).collect();
    // (The e-mail is on the conversation even had no message followed: see below.)
    assert_eq!(flags, [json!(["offline"]), json!([])], "{messages:?}");
    // A visitor still may not set flags themselves.
    let (status, _) = as_visitor(
        &server,
        token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "x"}, "flags": ["offline"]}),
    )
    .await;
    assert_eq!(status, 403);

    // With the team in (no hours set), nothing is flagged.
    let (open_server, _open_dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&open_server).await;
    as_visitor(
        &open_server,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "Hi"}}),
    )
    .await;
    assert_eq!(
        open_server.all_messages(&conversation).await[0]["flags"],
        json!([])
    );
}

#[tokio::test]
async fn details_left_without_a_message_are_not_swept_away_with_empty_chats() {
    let (server, _dir) = TestServer::start_with_settings(settings(
        "[availability]\ntimezone = \"UTC\"\nmon = \"closed\"\n[prechat]\nwhen = \"offline\"\n",
    ))
    .await;
    let (token, _, conversation) = visitor(&server).await;
    let (_, _, empty) = visitor(&server).await;
    let (status, body) = submit(
        &server,
        Some(&token),
        json!({"conversationId": conversation, "email": "later@example.com"}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let days_later = connect360_server::clock::now_millis() + 3 * 24 * 3_600_000;
    server.gateway.sweep(days_later).await.unwrap();
    assert_eq!(
        conversation_metadata(&server, &conversation).await["visitorContact"]["email"],
        "later@example.com",
        "the team still has the e-mail it asked for"
    );
    assert_eq!(
        conversation_metadata(&server, &empty).await,
        Value::Null,
        "an empty chat is swept"
    );
}

//! `POST /api/widget/seen`: a visitor's seen receipt lands in their conversation's metadata
//! under `visitorSeen` — the one key a browser may write — for a message they are shown, in
//! their own conversation only.

mod common;

use common::{conversation_metadata, expired_token, visitor, TestServer};
use serde_json::{json, Value};

async fn report(server: &TestServer, token: Option<&str>, body: Value) -> (u16, Value) {
    common::widget_post(server, token, "seen", body).await
}

async fn agent_says(server: &TestServer, conversation: &str, text: &str) -> String {
    let sent = server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"en": text}}),
        )
        .await;
    sent["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_seen_receipt_is_written_under_its_one_key_with_the_time() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let first = agent_says(&server, &conversation, "Hello").await;
    let (status, body) = report(
        &server,
        Some(&token),
        json!({"conversationId": conversation, "messageId": first}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let seen = &conversation_metadata(&server, &conversation).await["visitorSeen"];
    assert_eq!(seen["messageId"], first.as_str());
    let at = seen["at"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).is_ok(),
        "{at}"
    );
    // A later one replaces it; the rest of the metadata is left alone.
    let second = agent_says(&server, &conversation, "Anything else?").await;
    report(
        &server,
        Some(&token),
        json!({"conversationId": conversation, "messageId": second}),
    )
    .await;
    assert_eq!(
        conversation_metadata(&server, &conversation).await["visitorSeen"]["messageId"],
        second.as_str()
    );
}

#[tokio::test]
async fn receipts_for_others_notes_unknown_ids_or_other_keys_are_refused_and_write_nothing() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let (stranger, _, _) = visitor(&server).await;
    let message = agent_says(&server, &conversation, "Your order ships Monday").await;
    let note = server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "sender": "workspace",
                   "flags": ["internal"], "content": {"en": "VIP"}}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = conversation_metadata(&server, &conversation).await;
    let good = json!({"conversationId": conversation, "messageId": message});
    let long = "m".repeat(201);
    let expired = expired_token();
    let cases: Vec<(Option<&str>, Value, u16)> = vec![
        (None, good.clone(), 401),
        (Some(expired.as_str()), good.clone(), 401),
        (Some(stranger.as_str()), good.clone(), 403),
        (
            Some(token.as_str()),
            json!({"conversationId": conversation, "messageId": note}),
            400,
        ),
        (
            Some(token.as_str()),
            json!({"conversationId": conversation, "messageId": "msg_unknown"}),
            400,
        ),
        (
            Some(token.as_str()),
            json!({"conversationId": conversation, "messageId": long}),
            400,
        ),
        (
            Some(token.as_str()),
            json!({"conversationId": conversation, "messageId": message,
                   "metadata": {"status": "resolved"}}),
            400,
        ),
        (
            Some(token.as_str()),
            json!({"conversationId": conversation}),
            400,
        ),
    ];
    for (who, body, status) in cases {
        let (got, answer) = report(&server, who, body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(!answer.to_string().contains("ships Monday"));
    }
    assert_eq!(
        conversation_metadata(&server, &conversation).await,
        before,
        "nothing written"
    );
    // The tRPC procedure itself stays closed to visitors.
    let (status, _) = common::as_visitor(
        &server,
        &token,
        "v1.connect.updateConversation",
        json!({"id": conversation, "metadata": {"visitorSeen": {"messageId": message}}}),
    )
    .await;
    assert_eq!(status, 403);
}

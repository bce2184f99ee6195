//! The end of a conversation and its rating: a visitor ends their own chat, or an agent
//! resolves it; the event stream says so at once; the visitor rates it once (metadata and a
//! flagged message); writing again opens it; other visitors, expired tokens and none get
//! nothing.

mod common;

use common::{
    as_visitor, conversation_metadata, end_chat, expired_token, session, visitor, Events,
    TestServer, CHANNEL,
};
use serde_json::{json, Value};

async fn post(server: &TestServer, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
    common::widget_post(server, token, path, body).await
}

async fn state(server: &TestServer, token: Option<&str>, conversation: &str) -> (u16, Value) {
    let mut request = server
        .client
        .get(format!("{}/api/widget/conversation", server.base))
        .query(&[("conversationId", conversation)]);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

fn message_of(body: &Value) -> &str {
    body["message"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_visitor_ends_their_chat_and_rates_it_once() {
    let (server, _dir) = TestServer::start().await;
    let (token, visitor_id, conversation) = visitor(&server).await;
    assert_eq!(
        state(&server, Some(&token), &conversation).await,
        (200, json!({"ended": false, "rated": false}))
    );
    let rating = json!({"conversationId": conversation, "rating": 4, "comment": "Quick and kind.", "lang": "tr"});
    let (status, body) = post(&server, Some(&token), "rating", rating.clone()).await;
    assert_eq!(status, 409, "not ended yet: {body}");
    assert!(message_of(&body).contains("not ended"));

    end_chat(&server, &token, &conversation).await;
    let metadata = conversation_metadata(&server, &conversation).await;
    assert_eq!(metadata["status"], "resolved");
    assert_eq!(metadata["resolvedBy"], "visitor");
    let resolved_at = metadata["resolvedAt"].clone();
    // Ending again changes nothing.
    post(
        &server,
        Some(&token),
        "end",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!(
        conversation_metadata(&server, &conversation).await["resolvedAt"],
        resolved_at
    );

    let (status, body) = post(&server, Some(&token), "rating", rating.clone()).await;
    assert_eq!(status, 204, "{body}");
    let metadata = conversation_metadata(&server, &conversation).await;
    assert_eq!(metadata["rating"], 4);
    assert_eq!(metadata["ratingComment"], "Quick and kind.");
    assert!(metadata["ratedAt"].is_string());
    let messages = server.all_messages(&conversation).await;
    let rated = messages.last().unwrap();
    assert_eq!(rated["flags"], json!(["rating"]));
    assert_eq!(rated["sender"]["type"], "customer");
    assert_eq!(rated["content"]["tr"], "★★★★☆ (4/5)\nQuick and kind.");
    assert_eq!(
        state(&server, Some(&token), &conversation).await,
        (200, json!({"ended": true, "rated": true}))
    );

    // A second rating is refused, and nothing changes.
    let (status, body) = post(
        &server,
        Some(&token),
        "rating",
        json!({"conversationId": conversation, "rating": 1}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(message_of(&body).contains("already been rated"));
    assert_eq!(
        conversation_metadata(&server, &conversation).await["rating"],
        4
    );
    assert_eq!(
        server.all_messages(&conversation).await.len(),
        messages.len()
    );

    // Writing again opens the chat; its rating stays, and it cannot be rated again.
    let (status, _) = as_visitor(
        &server,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "One more thing"}}),
    )
    .await;
    assert_eq!(status, 200);
    let metadata = conversation_metadata(&server, &conversation).await;
    assert_eq!(
        (metadata["status"].as_str(), metadata["rating"].as_u64()),
        (Some("open"), Some(4))
    );
    let opened = session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": visitor_id}),
    )
    .await;
    assert_eq!(
        opened["conversation"],
        json!({"ended": false, "rated": true})
    );
}

#[tokio::test]
async fn bad_ratings_are_refused_with_their_reason_and_store_nothing() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    end_chat(&server, &token, &conversation).await;
    for (body, says) in [
        (
            json!({"conversationId": conversation, "rating": 0}),
            "1 to 5",
        ),
        (
            json!({"conversationId": conversation, "rating": 6}),
            "1 to 5",
        ),
        (
            json!({"conversationId": conversation, "rating": 3, "comment": "x".repeat(501)}),
            "at most 500",
        ),
        (
            json!({"conversationId": conversation, "rating": 3, "comment": "hi\u{202E}"}),
            "bidirectional",
        ),
        (
            json!({"conversationId": conversation, "rating": 3, "lang": "fr"}),
            "en, ar, tr",
        ),
        (
            json!({"conversationId": conversation, "rating": 3, "stars": 5}),
            "unknown field",
        ),
        (json!({"conversationId": "", "rating": 3}), "conversationId"),
    ] {
        let (status, reply) = post(&server, Some(&token), "rating", body.clone()).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert!(message_of(&reply).contains(says), "{says}: {reply}");
    }
    let metadata = conversation_metadata(&server, &conversation).await;
    assert!(metadata.get("rating").is_none(), "{metadata}");
    // An end that carries anything more is refused too, and writes nothing.
    for (body, says) in [
        (
            json!({"conversationId": conversation, "status": "open"}),
            "unknown field",
        ),
        (json!({"conversationId": 7}), "conversationId"),
        (json!({}), "conversationId"),
    ] {
        let (status, reply) = post(&server, Some(&token), "end", body.clone()).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert!(message_of(&reply).contains(says), "{says}: {reply}");
    }
    assert_eq!(
        conversation_metadata(&server, &conversation).await["status"],
        "resolved"
    );
    // A comment of exactly 500 characters is fine.
    let (status, _) = post(
        &server,
        Some(&token),
        "rating",
        json!({"conversationId": conversation, "rating": 5, "comment": "é".repeat(500)}),
    )
    .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn only_the_visitor_ends_rates_or_reads_their_own_chat() {
    let (server, _dir) = TestServer::start().await;
    let (_, _, victim) = visitor(&server).await;
    server
        .customer_says(&victim, "my address is 12 Elm St")
        .await;
    let (eve, _, _) = visitor(&server).await;
    for (token, status) in [
        (Some(eve.clone()), 403),
        (Some(expired_token()), 401),
        (None, 401),
    ] {
        for (path, body) in [
            ("end", json!({"conversationId": victim})),
            ("rating", json!({"conversationId": victim, "rating": 1})),
        ] {
            let (got, reply) = post(&server, token.as_deref(), path, body).await;
            assert_eq!(got, status, "{path}: {reply}");
            assert!(!reply.to_string().contains("Elm"), "{reply}");
        }
        let (got, reply) = state(&server, token.as_deref(), &victim).await;
        assert_eq!(got, status, "{reply}");
        assert!(
            reply.get("ended").is_none(),
            "nothing of the state leaks: {reply}"
        );
    }
    let metadata = conversation_metadata(&server, &victim).await;
    assert!(metadata.get("status").is_none() && metadata.get("rating").is_none());
}

#[tokio::test]
async fn an_agent_resolving_the_chat_reaches_the_visitors_stream_at_once() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let mut events = Events::open(
        &server.client,
        &server.base,
        Some(&token),
        &[("conversationId", conversation.as_str())],
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        events.next_state().await,
        json!({"ended": false, "rated": false})
    );
    // Its watch says the state once more as it starts.
    assert_eq!(
        events.next_state().await,
        json!({"ended": false, "rated": false})
    );
    let started = std::time::Instant::now();
    server
        .ok(
            "v1.connect.updateConversation",
            json!({"id": conversation, "metadata": {"status": "resolved"}}),
        )
        .await;
    assert_eq!(
        events.next_state().await,
        json!({"ended": true, "rated": false})
    );
    // Pushed by the change, not found by a later read: well before any poll (10 s idle).
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    post(
        &server,
        Some(&token),
        "rating",
        json!({"conversationId": conversation, "rating": 5}),
    )
    .await;
    // The rating's message, then the new state (in either order).
    let mut rated = false;
    for _ in 0..3 {
        if events.next_state().await == json!({"ended": true, "rated": true}) {
            rated = true;
            break;
        }
    }
    assert!(rated, "{:?}", events.states);
}

#[tokio::test]
async fn two_ratings_sent_at_once_make_one() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    end_chat(&server, &token, &conversation).await;
    // Two tabs press Send at the same moment, with different stars.
    let (first, second) = tokio::join!(
        post(
            &server,
            Some(&token),
            "rating",
            json!({"conversationId": conversation, "rating": 5}),
        ),
        post(
            &server,
            Some(&token),
            "rating",
            json!({"conversationId": conversation, "rating": 1}),
        ),
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(statuses, [204, 409], "{first:?} {second:?}");
    let flagged: Vec<Value> = server
        .all_messages(&conversation)
        .await
        .into_iter()
        .filter(|m| m["flags"] == json!(["rating"]))
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    let kept = if first.0 == 204 { 5 } else { 1 };
    assert_eq!(
        conversation_metadata(&server, &conversation).await["rating"],
        kept
    );
}

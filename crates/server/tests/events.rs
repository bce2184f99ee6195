//! `GET /api/widget/events`: a visitor's conversation pushed as server-sent events — what
//! anyone stores arrives at once, exactly as `listMessages` shows it to the visitor; a stream
//! resumes after its last event; one watch per conversation; limits and refusals.

mod common;

use std::time::Duration;

use common::{as_visitor, expired_token, visitor, Events, TestServer};
use connect360_server::gateway::rate_limit::{OpenStreamLimits, RateLimits};
use serde_json::{json, Value};

/// A stream of `conversation` from now on, which must open.
async fn follow(server: &TestServer, token: &str, conversation: &str) -> Events {
    open(
        server,
        Some(token),
        &[("conversationId", conversation)],
        None,
    )
    .await
    .unwrap()
}

/// Opens the stream on `server`; the status, JSON body and `Retry-After` when refused.
async fn open(
    server: &TestServer,
    token: Option<&str>,
    query: &[(&str, &str)],
    last_event_id: Option<&str>,
) -> Result<Events, (u16, Value, Option<String>)> {
    Events::open(&server.client, &server.base, token, query, last_event_id).await
}

fn text(message: &Value) -> &str {
    message["content"]["en"].as_str().unwrap_or("")
}

async fn agent_says(server: &TestServer, conversation: &str, text: &str) -> Value {
    server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"en": text}}),
        )
        .await
}

#[tokio::test]
async fn what_anyone_stores_arrives_at_once_as_the_visitor_sees_it() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let mut events = follow(&server, &token, &conversation).await;
    // An agent through the API, a team note, the visitor themselves.
    let sent = agent_says(&server, &conversation, "Hello from Sam").await;
    server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "sender": "workspace",
                   "flags": ["internal"], "content": {"en": "note: VIP"}}),
        )
        .await;
    let (status, own) = as_visitor(
        &server,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "Thanks!"}}),
    )
    .await;
    assert_eq!(status, 200, "{own}");

    let first = events.next_message().await;
    assert_eq!(first["id"], sent["id"]);
    assert_eq!(text(&first), "Hello from Sam");
    let second = events.next_message().await;
    assert_eq!(
        text(&second),
        "Thanks!",
        "the team note between them never arrives"
    );
    // Exactly what listMessages shows the visitor.
    let (_, page) = as_visitor(
        &server,
        &token,
        "v1.connect.listMessages",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!(page["result"]["data"]["items"], json!([first, second]));
    events.quiet_for(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_stream_resumes_after_its_last_event_with_what_it_missed() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let first = agent_says(&server, &conversation, "one").await;
    let first_id = first["id"].as_str().unwrap();
    agent_says(&server, &conversation, "two").await;
    agent_says(&server, &conversation, "three").await;

    // What came after `first`, which each new stream must send before `ready`.
    let mut missed = vec!["two".to_owned(), "three".to_owned()];
    let rounds = [(Some(first_id), None), (None, Some(first_id))];
    for (round, (query_after, header)) in rounds.into_iter().enumerate() {
        let mut query = vec![("conversationId", conversation.as_str())];
        if let Some(after) = query_after {
            query.push(("after", after));
        }
        let mut events = open(&server, Some(&token), &query, header).await.unwrap();
        for expected in &missed {
            assert_eq!(text(&events.next_message().await), expected);
        }
        events.quiet_for(Duration::from_millis(200)).await;
        let live = format!("live {round}");
        agent_says(&server, &conversation, &live).await;
        assert_eq!(text(&events.next_message().await), live);
        let caught_up: Vec<bool> = events
            .log
            .iter()
            .map(|(after_ready, _)| *after_ready)
            .collect();
        let mut expected = vec![false; missed.len()];
        expected.push(true);
        assert_eq!(
            caught_up, expected,
            "what it missed comes before ready, what is new after"
        );
        missed.push(live);
    }

    // Without a place to resume from, only what is new.
    let mut events = follow(&server, &token, &conversation).await;
    events.quiet_for(Duration::from_millis(200)).await;
    agent_says(&server, &conversation, "four").await;
    assert_eq!(text(&events.next_message().await), "four");
}

#[tokio::test]
async fn tabs_of_one_conversation_share_one_watch_which_stops_with_the_last() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let query = [("conversationId", conversation.as_str())];
    let mut tabs = Vec::new();
    for _ in 0..3 {
        tabs.push(open(&server, Some(&token), &query, None).await.unwrap());
    }
    assert_eq!(server.gateway.live.watched_conversations(), 1);
    assert_eq!(server.gateway.live.open_streams(), 3);
    agent_says(&server, &conversation, "to every tab").await;
    for tab in &mut tabs {
        assert_eq!(text(&tab.next_message().await), "to every tab");
    }
    drop(tabs);
    // A closed connection is noticed at the next frame sent to it.
    agent_says(&server, &conversation, "nobody listens").await;
    for _ in 0..50 {
        if server.gateway.live.open_streams() == 0
            && server.gateway.live.watched_conversations() == 0
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "still open: {} streams, {} watches",
        server.gateway.live.open_streams(),
        server.gateway.live.watched_conversations()
    );
}

#[tokio::test]
async fn no_token_an_expired_one_or_another_visitors_is_refused_and_nothing_leaks() {
    let (server, _dir) = TestServer::start().await;
    let (_, _, conversation) = visitor(&server).await;
    let secret = agent_says(&server, &conversation, "your order ships Monday").await;
    let (stranger, _, _) = visitor(&server).await;
    let expired = expired_token();
    let query = [
        ("conversationId", conversation.as_str()),
        ("after", "msg_nothing"),
    ];
    for (token, status) in [
        (None, 401),
        (Some(expired.as_str()), 401),
        (Some(stranger.as_str()), 403),
        (Some("c360v1.forged.token"), 401),
    ] {
        let (got, body, _) = open(&server, token, &query, None)
            .await
            .err()
            .expect("refused");
        assert_eq!(got, status, "{token:?}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        let said = body.to_string();
        assert!(!said.contains("ships Monday") && !said.contains(secret["id"].as_str().unwrap()));
    }
    assert_eq!(server.gateway.live.open_streams(), 0);
}

#[tokio::test]
async fn bad_queries_are_refused_with_a_clear_error() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let long = "x".repeat(201);
    for query in [
        vec![],
        vec![("conversationId", "")],
        vec![("conversationId", long.as_str())],
        vec![
            ("conversationId", conversation.as_str()),
            ("after", "msg_unknown"),
        ],
        vec![
            ("conversationId", conversation.as_str()),
            ("active", "maybe"),
        ],
        vec![("conversationId", conversation.as_str()), ("other", "1")],
    ] {
        let (status, body, _) = open(&server, Some(&token), &query, None)
            .await
            .err()
            .expect("refused");
        assert_eq!(status, 400, "{query:?}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(server.gateway.live.open_streams(), 0);
}

#[tokio::test]
async fn open_streams_are_limited_per_visitor_and_in_all() {
    let dir = tempfile::tempdir().unwrap();
    let limits = RateLimits {
        open_streams: OpenStreamLimits {
            per_visitor: 2,
            per_address: 100,
            total: 3,
        },
        ..RateLimits::default()
    };
    let server = TestServer::start_with(dir.path().to_path_buf(), limits).await;
    let (token, _, conversation) = visitor(&server).await;
    let query = [("conversationId", conversation.as_str())];
    let one = open(&server, Some(&token), &query, None).await.unwrap();
    let _two = open(&server, Some(&token), &query, None).await.unwrap();
    let (status, body, retry) = open(&server, Some(&token), &query, None)
        .await
        .err()
        .expect("a third tab is refused");
    assert_eq!(status, 429, "{body}");
    assert!(retry.is_some(), "with Retry-After");

    let (other, _, other_conversation) = visitor(&server).await;
    let other_query = [("conversationId", other_conversation.as_str())];
    let _three = open(&server, Some(&other), &other_query, None)
        .await
        .unwrap();
    let (status, body, retry) = open(&server, Some(&other), &other_query, None)
        .await
        .err()
        .expect("past the total");
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some(), "with Retry-After");

    // A closed stream gives its place back once the gateway notices (its next frame).
    drop(one);
    agent_says(&server, &conversation, "wake").await;
    for _ in 0..50 {
        if server.gateway.live.open_streams() == 2 {
            open(&server, Some(&other), &other_query, None)
                .await
                .unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the closed stream kept its place");
}

#[tokio::test]
async fn deleting_a_conversation_ends_its_streams_at_once() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    agent_says(&server, &conversation, "hello").await;
    let mut events = follow(&server, &token, &conversation).await;
    server
        .ok("v1.connect.deleteConversation", json!({"id": conversation}))
        .await;
    // Well before the next ping (20 s): the deletion wakes the watch.
    events.ends_within(Duration::from_secs(5)).await;
    // Reopening is refused: the conversation is no longer the visitor's.
    let refused = open(
        &server,
        Some(&token),
        &[("conversationId", &conversation)],
        None,
    )
    .await
    .err()
    .expect("refused");
    assert!(matches!(refused.0, 401 | 403), "{refused:?}");
    for _ in 0..50 {
        if server.gateway.live.open_streams() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the stream kept its place");
}

//! `GET /api/widget/history`: a conversation opens at its newest messages and pages back to
//! its first, through the gateway's index of page starts, without showing team notes.

mod common;

use common::{expired_token, item_ids, visitor, TestServer};
use connect360_server::gateway::rate_limit::{Rate, RateLimits};
use serde_json::{json, Value};

/// `n` customer messages `m0`, `m1`, … with a team note after every seventh; their ids.
async fn long_conversation(server: &TestServer, conversation: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let message = server.customer_says(conversation, &format!("m{i}")).await;
        ids.push(message["id"].as_str().unwrap().to_owned());
        if i % 7 == 6 {
            server
                .ok(
                    "v1.connect.send",
                    json!({"conversationId": conversation, "sender": "workspace",
                           "flags": ["internal"], "content": {"en": format!("note {i}")}}),
                )
                .await;
        }
    }
    ids
}

async fn history(server: &TestServer, token: Option<&str>, query: &[(&str, &str)]) -> (u16, Value) {
    let mut request = server
        .client
        .get(format!("{}/api/widget/history", server.base))
        .query(query);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// Every page from the newest back to the first, as the widget walks them.
async fn walk_back(server: &TestServer, token: &str, conversation: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut query = vec![("conversationId", conversation)];
        if let Some(cursor) = &before {
            query.push(("before", cursor.as_str()));
        }
        let (status, page) = history(server, Some(token), &query).await;
        assert_eq!(status, 200, "{page}");
        let ids = item_ids(&page);
        before = page["olderCursor"].as_str().map(str::to_owned);
        if let Some(cursor) = &before {
            assert_eq!(
                ids.first(),
                Some(cursor),
                "the cursor is the page's first message"
            );
        }
        pages.push(ids);
        if before.is_none() {
            return pages;
        }
    }
}

#[tokio::test]
async fn a_long_conversation_opens_at_its_newest_page_and_pages_back_to_its_first() {
    // Paging, not the read limit, is under test here: walking back twice in quick succession
    // would meet the visitor's five reads a second.
    let dir = tempfile::tempdir().unwrap();
    let limits = RateLimits {
        reads_per_visitor: Rate::per_second(100),
        ..RateLimits::default()
    };
    let server = TestServer::start_with(dir.path().to_path_buf(), limits).await;
    let (token, _, conversation) = visitor(&server).await;
    let ids = long_conversation(&server, &conversation, 250).await;

    let pages = walk_back(&server, &token, &conversation).await;
    // Pages of 100 messages the visitor sees, counted from the first: the notes between them
    // change neither a page's size nor where it starts.
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0], ids[200..]);
    assert_eq!(pages[1], ids[100..200]);
    assert_eq!(pages[2], ids[..100]);

    // Later messages extend the index from its last page; a newest page of a few messages
    // comes with the page before it, so the panel never opens nearly empty.
    let later = long_conversation(&server, &conversation, 53).await;
    let pages = walk_back(&server, &token, &conversation).await;
    let all: Vec<String> = ids.iter().chain(&later).cloned().collect();
    assert_eq!(pages.len(), 3);
    assert_eq!(
        pages[0],
        all[200..],
        "the 103 newest: page 2 and the 3 of page 3"
    );
    assert_eq!(pages[1], all[100..200]);
    assert_eq!(pages[2], all[..100]);

    // A conversation that fits one page has no older cursor.
    let (token, _, short) = visitor(&server).await;
    let few = long_conversation(&server, &short, 8).await;
    let (status, page) = history(&server, Some(&token), &[("conversationId", &short)]).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(item_ids(&page), few);
    assert!(page["olderCursor"].is_null());
    assert!(!page.to_string().contains("note "), "no team note is shown");
    server.stop();
}

#[tokio::test]
async fn only_the_conversations_visitor_with_a_valid_token_reads_it_and_learns_nothing_else() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    long_conversation(&server, &conversation, 160).await;
    let (_, page) = history(&server, Some(&token), &[("conversationId", &conversation)]).await;
    let cursor = page["olderCursor"].as_str().unwrap().to_owned();
    let (other, _, _) = visitor(&server).await;
    let expired = expired_token();
    let query = [
        ("conversationId", conversation.as_str()),
        ("before", &cursor),
    ];
    for (who, credential, status) in [
        ("another visitor", Some(other.as_str()), 403),
        ("an expired token", Some(expired.as_str()), 401),
        ("no token", None, 401),
        ("the API key", Some(common::KEY), 401),
    ] {
        for query in [&query[..1], &query[..]] {
            let (got, body) = history(&server, credential, query).await;
            assert_eq!(got, status, "{who}: {body}");
            assert!(body["message"].is_string(), "{who}: a clear error: {body}");
            assert!(
                !body.to_string().contains("\"m1"),
                "{who} sees no message: {body}"
            );
        }
    }
    server.stop();
}

#[tokio::test]
async fn a_cursor_that_does_not_start_one_of_its_pages_is_refused_with_a_clear_error() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let ids = long_conversation(&server, &conversation, 130).await;
    let (status, page) = history(&server, Some(&token), &[("conversationId", &conversation)]).await;
    assert_eq!(status, 200, "{page}");
    let note = server.all_messages(&conversation).await;
    let note = note
        .iter()
        .find(|m| m["flags"].to_string().contains("internal"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let too_long = "x".repeat(201);
    for (what, query, rule) in [
        (
            "a message inside a page",
            vec![("before", ids[5].as_str())],
            "Invalid cursor.",
        ),
        (
            "a team note",
            vec![("before", note.as_str())],
            "Invalid cursor.",
        ),
        (
            "an unknown id",
            vec![("before", "msg_nope")],
            "Invalid cursor.",
        ),
        (
            "an over-long id",
            vec![("before", too_long.as_str())],
            "1 to 200 characters",
        ),
        ("an empty id", vec![("before", "")], "1 to 200 characters"),
        ("an unknown field", vec![("limit", "5")], "not valid"),
    ] {
        let mut query = query;
        query.insert(0, ("conversationId", conversation.as_str()));
        let (status, body) = history(&server, Some(&token), &query).await;
        assert_eq!(status, 400, "{what}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(rule), "{what}: {body}");
        assert!(body["items"].is_null(), "{what}: nothing is served");
    }
    let (status, body) = history(&server, Some(&token), &[]).await;
    assert_eq!(status, 400, "no conversation: {body}");
    // Nothing was lost: the newest page is still there.
    let (_, again) = history(&server, Some(&token), &[("conversationId", &conversation)]).await;
    assert_eq!(again, page);
    server.stop();
}

//! The `listMessages` cursor contract (`connect360-api.md` §3.6), exactly.

mod common;

use std::collections::HashSet;

use common::{code, item_ids, TestServer};
use serde_json::{json, Value};

#[tokio::test]
async fn the_documented_table_for_five_messages_and_limit_two() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_table").await;
    let mut all = Vec::new();
    for text in ["A", "B", "C", "D", "E"] {
        all.push(
            server.customer_says(&conversation, text).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let page = |cursor: Value| {
        let server = &server;
        let conversation = conversation.clone();
        async move {
            server
                .ok(
                    "v1.connect.listMessages",
                    json!({"conversationId": conversation, "limit": 2, "cursor": cursor}),
                )
                .await
        }
    };
    let first = page(Value::Null).await;
    assert_eq!(item_ids(&first), [all[0].clone(), all[1].clone()]);
    assert_eq!(first["nextCursor"], all[2]);
    let second = page(json!(all[2])).await;
    assert_eq!(item_ids(&second), [all[2].clone(), all[3].clone()]);
    assert_eq!(second["nextCursor"], all[4]);
    let last = page(json!(all[4])).await;
    assert_eq!(item_ids(&last), [all[4].clone()]);
    assert_eq!(last["nextCursor"], Value::Null);
    let poll = page(json!(all[4])).await;
    assert_eq!(
        item_ids(&poll),
        [all[4].clone()],
        "a poll with nothing new returns the cursor message"
    );
}

#[tokio::test]
async fn pages_of_1_50_and_100_cover_the_history_without_gaps() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_pages").await;
    let mut sent = Vec::new();
    for i in 0..120 {
        sent.push(
            server.customer_says(&conversation, &format!("m{i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for limit in [1, 50, 100] {
        let mut seen = Vec::new();
        let mut cursor = Value::Null;
        let mut pages = 0;
        loop {
            let page = server
                .ok(
                    "v1.connect.listMessages",
                    json!({"conversationId": conversation, "limit": limit, "cursor": cursor}),
                )
                .await;
            let page_ids = item_ids(&page);
            assert!(page_ids.len() <= limit);
            seen.extend(page_ids);
            pages += 1;
            if page["nextCursor"].is_null() {
                break;
            }
            cursor = page["nextCursor"].clone();
        }
        assert_eq!(seen, sent, "limit {limit}");
        assert_eq!(pages, 120usize.div_ceil(limit), "limit {limit}");
    }
    let default = server
        .ok(
            "v1.connect.listMessages",
            json!({"conversationId": conversation}),
        )
        .await;
    assert_eq!(item_ids(&default).len(), 50, "the default limit is 50");
}

#[tokio::test]
async fn bad_limits_and_cursors_are_refused() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_bad").await;
    let other = server.conversation_for("visitor_bad_other").await;
    let foreign = server.customer_says(&other, "elsewhere").await;
    for input in [
        json!({"conversationId": conversation, "limit": 0}),
        json!({"conversationId": conversation, "limit": 101}),
        json!({"conversationId": conversation, "limit": -1}),
        json!({"conversationId": conversation, "limit": 1.5}),
        json!({"conversationId": conversation, "limit": "10"}),
        json!({"conversationId": conversation, "cursor": "msg_unknown"}),
        json!({"conversationId": conversation, "cursor": foreign["id"]}),
    ] {
        let (status, body) = server.query("v1.connect.listMessages", input.clone()).await;
        assert_eq!((status, code(&body)), (400, "BAD_REQUEST"), "{input}");
    }
    let (status, body) = server
        .query(
            "v1.connect.listMessages",
            json!({"conversationId": conversation, "cursor": "msg_unknown"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (400, Some("Invalid cursor."))
    );
    let (status, _) = server
        .query(
            "v1.connect.listMessages",
            json!({"conversationId": "conv_missing"}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn polling_by_last_id_sees_every_message_once_while_others_write_concurrently() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_poll").await;
    let first = server.customer_says(&conversation, "start").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    const WRITERS: usize = 4;
    const PER_WRITER: usize = 40;
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let client = server.client.clone();
        let url = server.url("v1.connect.send");
        let conversation = conversation.clone();
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..PER_WRITER {
                let body: Value = client
                    .post(&url)
                    .bearer_auth(common::KEY)
                    .json(&json!({"conversationId": conversation, "sender": "customer", "content": {"en": format!("w{w} m{i}")}}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                ids.push(body["result"]["data"]["id"].as_str().unwrap().to_owned());
            }
            ids
        }));
    }

    // The documented polling loop: cursor = newest id held; drop the first item if it is the
    // cursor; follow nextCursor at once.
    let mut held = vec![first.clone()];
    let mut seen: HashSet<String> = HashSet::from([first]);
    let total = 1 + WRITERS * PER_WRITER;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while held.len() < total && std::time::Instant::now() < deadline {
        let mut cursor = held.last().unwrap().clone();
        let mut drop_first = true;
        loop {
            let page = server
                .ok(
                    "v1.connect.listMessages",
                    json!({"conversationId": conversation, "limit": 7, "cursor": cursor}),
                )
                .await;
            for (i, id) in item_ids(&page).into_iter().enumerate() {
                if i == 0 && drop_first && id == cursor {
                    continue;
                }
                assert!(seen.insert(id.clone()), "duplicate {id}");
                held.push(id);
            }
            match page["nextCursor"].as_str() {
                Some(next) => {
                    cursor = next.to_owned();
                    drop_first = false;
                }
                None => break,
            }
        }
    }
    let mut written = HashSet::new();
    for writer in writers {
        written.extend(writer.await.unwrap());
    }
    assert_eq!(held.len(), total, "no gaps");
    assert!(written.iter().all(|id| seen.contains(id)));
    let history: Vec<String> = server
        .all_messages(&conversation)
        .await
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(history, held, "polling saw the same order as the history");
}

//! The gateway in forwarding mode, for real: two `connect360-server` processes, one running the
//! local Connect360 and one whose `--upstream` is the first's URL, holding its key only in
//! `PLATO_API_KEY`. A visitor talks to the second; the first is checked with the key.

mod common;

use std::time::Duration;

use common::process::{spawn, upload_receipt, Process, SHOP};
use serde_json::{json, Value};

const KEY: &str = "plato_forwarding_test_key";

/// The local Connect360 (no demo bot, so conversations hold only what the test writes).
async fn upstream() -> Process {
    spawn(&["--no-demo-bot"], &[("CONNECT360_LOCAL_API_KEY", KEY)]).await
}

/// A gateway forwarding to `upstream` with `key`.
async fn gateway(upstream: &Process, key: &str) -> Process {
    spawn(
        &["--upstream", &upstream.base, "--ai-agent", "agent_demo"],
        &[("PLATO_API_KEY", key)],
    )
    .await
}

fn client() -> reqwest::Client {
    connect360_server::upstream::install_tls_provider();
    reqwest::Client::new()
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Opens a visitor session at the gateway: (token, conversation id).
async fn session(gateway: &Process) -> (String, String) {
    let (status, body) = json_of(
        client()
            .post(format!("{}/api/widget/session", gateway.base))
            .header("origin", SHOP)
            .json(&json!({"channelIdentifier": "example.com", "customer": {"name": "Jane"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        body["token"].as_str().unwrap().to_owned(),
        body["conversationId"].as_str().unwrap().to_owned(),
    )
}

/// A tRPC call: with a visitor token or an API key.
async fn call(base: &str, credential: &str, path: &str, input: Value) -> (u16, Value) {
    let url = format!("{base}/api/trpc/{path}");
    let request = if path.ends_with("listMessages") {
        client().get(url).query(&[("input", input.to_string())])
    } else {
        client().post(url).json(&input)
    };
    json_of(request.bearer_auth(credential).send().await.unwrap()).await
}

fn items(page: &Value) -> Vec<Value> {
    page["result"]["data"]["items"].as_array().unwrap().clone()
}

/// What the local Connect360 holds for `conversation`, read with its key.
async fn stored(upstream: &Process, conversation: &str) -> Vec<Value> {
    let (status, page) = call(
        &upstream.base,
        KEY,
        "v1.connect.listMessages",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    items(&page)
}

#[tokio::test]
async fn a_visitor_chats_through_a_forwarding_gateway() {
    let upstream = upstream().await;
    let gateway = gateway(&upstream, KEY).await;
    let (token, conversation) = session(&gateway).await;

    // The conversation was created upstream for this visitor (and is empty).
    assert!(stored(&upstream, &conversation).await.is_empty());

    let (status, sent) = call(
        &gateway.base,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "Where is my order?"}}),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["result"]["data"]["sender"]["type"], "customer");
    assert_eq!(sent["result"]["data"]["sender"]["name"], "Jane");

    // A team-only note upstream never reaches the visitor.
    let (status, _) = call(
        &upstream.base,
        KEY,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "VIP customer"}, "flags": ["internal"]}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, page) = call(
        &upstream.base,
        KEY,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "It ships today."}}),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let (status, page) = call(
        &gateway.base,
        &token,
        "v1.connect.listMessages",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let texts: Vec<String> = items(&page)
        .iter()
        .map(|m| m["content"]["en"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(texts, ["Where is my order?", "It ships today."]);

    // Upload through the gateway, attach, download through the gateway.
    let (status, uploaded) = upload_receipt(&gateway.base, &token).await;
    assert_eq!(status, 200, "{uploaded}");
    let file = uploaded["files"][0].clone();
    assert_eq!(file["name"], "receipt.txt");
    let (status, sent) = call(
        &gateway.base,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "attachmentIds": [file["id"]]}),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    let download = client()
        .get(format!(
            "{}/api/v1/connect/assets/{}",
            gateway.base,
            file["s3Key"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        download.headers()["content-disposition"],
        "inline; filename=\"receipt.txt\""
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"order 1042");

    // The AI reply streams through, unbuffered, and is stored upstream.
    let last_id = sent["result"]["data"]["id"].as_str().unwrap().to_owned();
    let stream = client()
        .post(format!("{}/api/v1/connect/ai-stream", gateway.base))
        .bearer_auth(&token)
        .json(&json!({"agentId": "agent_demo", "conversationId": conversation, "lastMessageId": last_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let body = stream.text().await.unwrap();
    let events: Vec<Value> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(events.len() > 2, "{body}");
    let done = events.last().unwrap();
    assert_eq!(done["type"], "done", "{body}");
    let stored = stored(&upstream, &conversation).await;
    let reply = stored
        .iter()
        .find(|m| m["id"] == done["messageId"])
        .unwrap();
    assert_eq!(reply["sender"]["type"], "ai");
    assert_eq!(reply["content"]["en"], done["text"]);
}

#[tokio::test]
async fn a_forwarding_gateway_refuses_key_holders_and_passes_upstream_errors_through() {
    let upstream = upstream().await;
    let gateway = gateway(&upstream, KEY).await;
    let (token, conversation) = session(&gateway).await;

    // The gateway's key is never lent out: a key holder must go to Connect360 directly.
    let (status, body) = call(
        &gateway.base,
        KEY,
        "v1.connect.listMessages",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("visitor tokens only"));
    let console = client()
        .get(format!("{}/console", gateway.base))
        .send()
        .await
        .unwrap();
    assert_eq!(console.status(), 404);

    // Upstream validation errors arrive in the same envelope, with their code.
    let (status, body) = call(
        &gateway.base,
        &token,
        "v1.connect.listMessages",
        json!({"conversationId": conversation, "cursor": "msg_nope"}),
    )
    .await;
    assert_eq!((status, common_code(&body)), (400, "BAD_REQUEST"), "{body}");
    assert_eq!(body["error"]["message"], "Invalid cursor.");
    let (status, body) = call(
        &gateway.base,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"fr": "Bonjour"}}),
    )
    .await;
    assert_eq!((status, common_code(&body)), (400, "BAD_REQUEST"), "{body}");
    // The gateway's own policy still applies before anything is forwarded.
    let (status, body) = call(
        &gateway.base,
        &token,
        "v1.connect.send",
        json!({"conversationId": "conv_someone_else", "content": {"en": "hi"}}),
    )
    .await;
    assert_eq!((status, common_code(&body)), (403, "FORBIDDEN"), "{body}");
    let stored = stored(&upstream, &conversation).await;
    assert!(stored.is_empty(), "nothing was stored: {stored:?}");
}

fn common_code(body: &Value) -> &str {
    body["error"]["data"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn an_unreachable_upstream_or_a_refused_key_is_a_502() {
    let mut upstream = upstream().await;
    let wrong_key = gateway(&upstream, "plato_wrong").await;
    let (status, body) = json_of(
        client()
            .post(format!("{}/api/widget/session", wrong_key.base))
            .json(&json!({"channelIdentifier": "example.com"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 502, "{body}");
    assert!(!body.to_string().contains("plato_wrong"));

    let gateway = gateway(&upstream, KEY).await;
    let (token, conversation) = session(&gateway).await;
    upstream.child.kill().await.unwrap();
    let (status, body) = call(
        &gateway.base,
        &token,
        "v1.connect.listMessages",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!((status, common_code(&body)), (502, "BAD_GATEWAY"), "{body}");
}

#[tokio::test]
async fn a_gateway_will_not_start_without_a_key_or_with_a_cleartext_upstream() {
    for (upstream, key, says) in [
        ("https://api.plato.ae", None, "PLATO_API_KEY"),
        ("http://api.plato.ae", Some("plato_x"), "https"),
        ("https://api.plato.ae/api", Some("plato_x"), "bare origin"),
    ] {
        let data = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_connect360-server"));
        command
            .args([
                "--listen",
                "127.0.0.1:0",
                "--upstream",
                upstream,
                "--data-dir",
            ])
            .arg(data.path())
            .env_remove("PLATO_API_KEY");
        if let Some(key) = key {
            command.env("PLATO_API_KEY", key);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{upstream} started");
        assert!(stderr.contains(says), "{upstream}: {stderr}");
    }
}

#[tokio::test]
async fn team_notes_stay_internal_through_a_forwarding_gateway() {
    let upstream = upstream().await;
    let gateway = gateway(&upstream, KEY).await;
    let (token, conversation) = session(&gateway).await;
    common::internal_notes_stay_internal(&gateway.base, &upstream.base, KEY, &token, &conversation)
        .await;
}

/// A pass-through proxy to `upstream` that counts the `listMessages` calls reaching it.
async fn counting_proxy(
    upstream: &Process,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let lists = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (target, counted) = (upstream.base.clone(), lists.clone());
    let forward = move |request: axum::extract::Request| {
        let (target, counted) = (target.clone(), counted.clone());
        async move {
            let (parts, body) = request.into_parts();
            if parts.uri.path().ends_with("v1.connect.listMessages") {
                counted.fetch_add(1, Ordering::SeqCst);
            }
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let mut headers = parts.headers.clone();
            headers.remove("host");
            let answer = client()
                .request(parts.method, format!("{target}{}", parts.uri))
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap();
            let mut response = axum::http::Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                response = response.header(name, value);
            }
            response
                .body(axum::body::Body::from(answer.bytes().await.unwrap()))
                .unwrap()
        }
    };
    let app = axum::Router::new().fallback(forward);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, lists)
}

#[tokio::test]
async fn a_forwarding_gateway_polls_upstream_once_for_all_streams_of_a_conversation() {
    use std::sync::atomic::Ordering;
    let upstream = upstream().await;
    let (proxy, lists) = counting_proxy(&upstream).await;
    let gateway = spawn(
        &["--upstream", &proxy, "--ai-agent", "agent_demo"],
        &[("PLATO_API_KEY", KEY)],
    )
    .await;
    let (token, conversation) = session(&gateway).await;
    let query = [
        ("conversationId", conversation.as_str()),
        ("active", "true"),
    ];
    let mut tabs = Vec::new();
    for _ in 0..3 {
        let tab = common::Events::open(&client(), &gateway.base, Some(&token), &query, None)
            .await
            .unwrap();
        tabs.push(tab);
    }
    // An agent writes upstream, knowing nothing of the gateway: every tab hears it.
    let (status, sent) = call(
        &upstream.base,
        KEY,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "Hello from upstream"}}),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    for tab in &mut tabs {
        let message = tab.next_message().await;
        assert_eq!(message["id"], sent["result"]["data"]["id"]);
    }
    // One poller for the conversation: about one read a second while the visitor looks,
    // not one per tab.
    let from = lists.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let polled = lists.load(Ordering::SeqCst) - from;
    assert!(
        (3..=6).contains(&polled),
        "{polled} upstream reads in 4.5 s for three streams"
    );
    // The last stream closed: polling stops.
    drop(tabs);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let after_close = lists.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(
        lists.load(Ordering::SeqCst),
        after_close,
        "no upstream reads once no stream follows the conversation"
    );
}

/// A JSON `POST` to one of the gateway's own routes with a visitor token.
async fn widget_post(gateway: &Process, token: &str, route: &str, body: Value) -> (u16, Value) {
    json_of(
        client()
            .post(format!("{}/api/widget/{route}", gateway.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A `GET` of one of the gateway's own routes with a visitor token and a query.
async fn widget_get(
    gateway: &Process,
    token: &str,
    route: &str,
    query: &[(&str, &str)],
) -> (u16, Value) {
    json_of(
        client()
            .get(format!("{}/api/widget/{route}", gateway.base))
            .query(query)
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_chat_ends_and_is_rated_once_through_a_forwarding_gateway() {
    let upstream = upstream().await;
    let gateway = gateway(&upstream, KEY).await;
    let (token, conversation) = session(&gateway).await;
    let (status, body) = widget_post(
        &gateway,
        &token,
        "end",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    // Read remotely through an updateConversation that changes nothing.
    let (status, state) = widget_get(
        &gateway,
        &token,
        "conversation",
        &[("conversationId", &conversation)],
    )
    .await;
    assert_eq!(
        (status, state),
        (200, json!({"ended": true, "rated": false}))
    );
    let rating = json!({"conversationId": conversation, "rating": 5, "comment": "Great"});
    let (status, body) = widget_post(&gateway, &token, "rating", rating.clone()).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = widget_post(&gateway, &token, "rating", rating).await;
    assert_eq!(status, 409, "{body}");

    // Upstream holds it: the metadata and the flagged message, once.
    let (_, read) = call(
        &upstream.base,
        KEY,
        "v1.connect.updateConversation",
        json!({"id": conversation}),
    )
    .await;
    let metadata = &read["result"]["data"]["metadata"];
    assert_eq!(
        (
            &metadata["status"],
            &metadata["resolvedBy"],
            &metadata["rating"]
        ),
        (&json!("resolved"), &json!("visitor"), &json!(5))
    );
    let flagged: Vec<Value> = stored(&upstream, &conversation)
        .await
        .into_iter()
        .filter(|m| m["flags"] == json!(["rating"]))
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["content"]["en"], "★★★★★ (5/5)\nGreat");
}

#[tokio::test]
async fn contact_details_the_offline_flag_and_new_chats_reach_a_remote_connect360() {
    let upstream = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("connect360.toml");
    // Closed every day: away now. Offline capture asks for an e-mail.
    std::fs::write(
        &settings,
        "[availability]\ntimezone = \"UTC\"\nmon = \"closed\"\n[prechat]\nwhen = \"offline\"\n",
    )
    .unwrap();
    let gateway = spawn(
        &[
            "--upstream",
            &upstream.base,
            "--config",
            settings.to_str().unwrap(),
        ],
        &[("PLATO_API_KEY", KEY)],
    )
    .await;
    let (token, first) = session(&gateway).await;
    let (status, body) = widget_post(
        &gateway,
        &token,
        "contact",
        json!({"conversationId": first, "email": "later@example.com"}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    for text in ["Are you open on Sunday?", "Please write back"] {
        let (status, body) = call(
            &gateway.base,
            &token,
            "v1.connect.send",
            json!({"conversationId": first, "content": {"en": text}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    // Upstream: the details on the conversation, the first message of the away stretch flagged.
    let flags: Vec<Value> = stored(&upstream, &first)
        .await
        .iter()
        .map(|m| m["flags"].clone())
        .collect();
    assert_eq!(flags, [json!(["offline"]), json!([])]);
    let (_, read) = call(
        &upstream.base,
        KEY,
        "v1.connect.updateConversation",
        json!({"id": first}),
    )
    .await;
    let top = &read["result"]["data"];
    assert_eq!(
        top["metadata"]["visitorContact"]["email"],
        "later@example.com"
    );
    assert_eq!(top["metadata"]["visitorContact"]["verified"], false);

    // Ended, then a new chat: a sub-conversation upstream, for the same customer.
    let (status, body) =
        widget_post(&gateway, &token, "end", json!({"conversationId": first})).await;
    assert_eq!(status, 204, "{body}");
    let (status, opened) =
        widget_post(&gateway, &token, "chats", json!({"conversationId": first})).await;
    assert_eq!(status, 200, "{opened}");
    let (new_token, second) = (
        opened["token"].as_str().unwrap().to_owned(),
        opened["conversationId"].as_str().unwrap().to_owned(),
    );
    assert_ne!(second, first);
    let (_, read) = call(
        &upstream.base,
        KEY,
        "v1.connect.updateConversation",
        json!({"id": second}),
    )
    .await;
    let sub = &read["result"]["data"];
    assert_eq!(sub["parentId"], first.as_str());
    assert_eq!(sub["customerId"], top["customerId"]);

    // The visitor's list names both, the new one current; the earlier one stays readable.
    let (status, listed) = widget_get(&gateway, &new_token, "chats", &[]).await;
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&Value> = listed["chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["conversationId"])
        .collect();
    assert_eq!(ids, [&json!(second), &json!(first)], "{listed}");
    let (status, history) = widget_get(
        &gateway,
        &new_token,
        "history",
        &[("conversationId", &first)],
    )
    .await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(
        history["items"].as_array().map(Vec::len),
        Some(2),
        "{history}"
    );
    // Not writable: a send into the earlier chat is refused.
    let (status, body) = call(
        &gateway.base,
        &new_token,
        "v1.connect.send",
        json!({"conversationId": first, "content": {"en": "late"}}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
}

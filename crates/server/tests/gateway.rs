//! The visitor gateway over real HTTP: sessions, tokens, identity merge, and every refusal of
//! the visitor policy.

mod common;

use common::{
    as_visitor, code, download, open_session, stored_files, visitor, visitor_upload,
    visitor_upload_parts, TestServer, UploadPart, CHANNEL, IDENTITY_SECRET, SHOP_ORIGIN,
    TOKEN_SECRET,
};
use connect360_server::clock::now_millis;
use connect360_server::gateway::{identity, token};
use serde_json::{json, Value};

fn say(conversation: &str, text: &str) -> Value {
    json!({"conversationId": conversation, "content": {"en": text}})
}

#[tokio::test]
async fn a_session_is_created_and_resumed() {
    let (server, _dir) = TestServer::start().await;
    let (status, first) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL,
        "customer": {"name": "Jane", "email": "jane@example.com"}}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let visitor_id = first["visitorId"].as_str().unwrap();
    assert!(visitor_id.starts_with("guest_") && visitor_id.len() == 38);
    assert!(first["token"].as_str().unwrap().starts_with(token::PREFIX));
    assert!(first["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(first["identified"], false);
    assert_eq!(first["aiAgentId"], common::AGENT);
    let (_, again) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": visitor_id}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(again["visitorId"], visitor_id);
    assert_eq!(
        again["conversationId"], first["conversationId"],
        "the same conversation resumes"
    );
    let (_, fresh) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": "guest_'; DROP"}),
        None,
    )
    .await;
    assert_ne!(
        fresh["visitorId"], "guest_'; DROP",
        "a malformed id gets a new visitor"
    );
    // Upstream, the conversation is the documented website conversation.
    let conversation = server
        .ok(
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"externalId": visitor_id}}),
        )
        .await;
    assert_eq!(conversation["id"], first["conversationId"]);
    assert_eq!(conversation["metadata"], json!({"source": "website-chat"}));
    assert_eq!(conversation["channelIdentifier"], CHANNEL);
}

#[tokio::test]
async fn sessions_are_refused_for_other_origins_channels_and_bad_input() {
    let (server, _dir) = TestServer::start().await;
    let (status, body) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL}),
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(status, 403);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("https://evil.example"));
    let (status, body) = open_session(
        &server,
        json!({"channelIdentifier": "other.example"}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL, "apiKey": "x"}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL, "customer": {"email": "not an email"}}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 400);
    for name in ["Jane\u{202E}gpj.exe", "two\nlines", &"n".repeat(101)] {
        let (status, body) = open_session(
            &server,
            json!({"channelIdentifier": CHANNEL, "customer": {"name": name}}),
            Some(SHOP_ORIGIN),
        )
        .await;
        assert_eq!(status, 400, "{name:?}");
        assert!(body["message"]
            .as_str()
            .unwrap()
            .starts_with("customer.name:"));
    }
    let (status, _) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL, "identityToken": "a.b.c"}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_visitor_sends_as_themselves_and_reads_their_conversation_without_internal_notes() {
    let (server, _dir) = TestServer::start().await;
    let (token, visitor_id, conversation) = visitor(&server).await;
    let (status, body) = as_visitor(
        &server,
        &token,
        "v1.connect.send",
        say(&conversation, "Hello!"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let sent = &body["result"]["data"];
    assert_eq!(sent["sender"]["type"], "customer");
    server
        .ok("v1.connect.send", json!({"conversationId": conversation, "content": {"en": "note: VIP"}, "flags": ["internal"]}))
        .await;
    server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"en": "Hi, how can I help?"}}),
        )
        .await;
    let (status, body) = as_visitor(
        &server,
        &token,
        "v1.connect.listMessages",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let texts: Vec<&str> = body["result"]["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"]["en"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["Hello!", "Hi, how can I help?"],
        "the internal note is removed"
    );
    let upstream = server.all_messages(&conversation).await;
    assert_eq!(upstream.len(), 3);
    let customer = server
        .ok(
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"externalId": visitor_id}}),
        )
        .await;
    assert_eq!(sent["sender"]["id"], customer["customerId"]);
}

#[tokio::test]
async fn every_visitor_refusal_is_403_and_stores_nothing() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let (_, _, other_conversation) = visitor(&server).await;
    let refused = [
        (
            "v1.connect.send",
            say(&other_conversation, "into someone else's chat"),
        ),
        (
            "v1.connect.listMessages",
            json!({"conversationId": other_conversation}),
        ),
        (
            "v1.connect.send",
            json!({"conversationId": conversation, "sender": "workspace", "content": {"en": "as the agent"}}),
        ),
        (
            "v1.connect.send",
            json!({"conversationId": conversation, "customer": {"externalId": "someone_else"}, "content": {"en": "x"}}),
        ),
        (
            "v1.connect.send",
            json!({"conversationId": conversation, "customerId": "cus_x", "content": {"en": "x"}}),
        ),
        (
            "v1.connect.send",
            json!({"conversationId": conversation, "channelIdentifier": "other.example", "content": {"en": "x"}}),
        ),
        (
            "v1.connect.send",
            json!({"conversationId": conversation, "flags": ["internal"], "content": {"en": "x"}}),
        ),
        (
            "v1.connect.send",
            json!({"conversationId": conversation, "ai": {"agentId": "agent_demo"}, "content": {"en": "x"}}),
        ),
        (
            "v1.connect.send",
            json!({"conversationId": conversation, "attachmentIds": ["file_not_mine"]}),
        ),
        (
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"en": {"text": "Signed in",
            "suggestionResponse": {"postbackData": "", "type": "AUTH"},
            "authenticationResponse": {"code": "c", "redirectUri": "https://x.example/cb"}}}}),
        ),
        (
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"externalId": "x"}}),
        ),
        ("v1.connect.deleteConversation", json!({"id": conversation})),
        (
            "v1.connect.updateConversation",
            json!({"id": conversation, "name": "mine"}),
        ),
        // A visitor's chat life goes through its own routes (end, rating, contact, chats),
        // which write fixed keys with checked values: no metadata from a browser.
        (
            "v1.connect.updateConversation",
            json!({"id": conversation, "metadata": {"status": "resolved"}}),
        ),
        (
            "v1.connect.updateConversation",
            json!({"id": conversation, "metadata": {"rating": 5, "ratedAt": "2026-12-07T10:00:00Z"}}),
        ),
        (
            "v1.connect.updateConversation",
            json!({"id": conversation, "metadata": {"vip": true}}),
        ),
        (
            "v1.connect.createSubConversation",
            json!({"parentId": conversation, "customer": {"externalId": "x"}}),
        ),
        (
            "v1.connect.claimGuestConversations",
            json!({"fingerprint": "0123456789", "customer": {"externalId": "x"}}),
        ),
    ];
    for (path, input) in refused {
        let (status, body) = as_visitor(&server, &token, path, input.clone()).await;
        assert_eq!(
            (status, code(&body)),
            (403, "FORBIDDEN"),
            "{path} {input}: {body}"
        );
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    assert!(server.all_messages(&conversation).await.is_empty());
    assert!(server.all_messages(&other_conversation).await.is_empty());
    let metadata = common::conversation_metadata(&server, &conversation).await;
    for key in ["status", "rating", "ratedAt", "vip"] {
        assert!(metadata.get(key).is_none(), "{key} was written: {metadata}");
    }
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_are_401() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let mut claims = token::verify(&token, TOKEN_SECRET).unwrap();
    claims.expires_at = now_millis() - 1;
    let expired = token::sign(&claims, TOKEN_SECRET);
    claims.expires_at = now_millis() + 60_000;
    let forged = token::sign(&claims, b"not the secret");
    let tampered = format!("{}x", token);
    for bad in [
        expired.as_str(),
        forged.as_str(),
        tampered.as_str(),
        "c360v1.garbage",
    ] {
        let (status, body) =
            as_visitor(&server, bad, "v1.connect.send", say(&conversation, "x")).await;
        assert_eq!(
            (status, code(&body)),
            (401, "UNAUTHORIZED"),
            "{bad}: {body}"
        );
    }
    let (_, body) = as_visitor(
        &server,
        &expired,
        "v1.connect.send",
        say(&conversation, "x"),
    )
    .await;
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    assert!(server.all_messages(&conversation).await.is_empty());
}

#[tokio::test]
async fn a_signed_identity_merges_the_guest_history() {
    let (server, _dir) = TestServer::start().await;
    let (guest_token, visitor_id, guest_conversation) = visitor(&server).await;
    as_visitor(
        &server,
        &guest_token,
        "v1.connect.send",
        say(&guest_conversation, "before login"),
    )
    .await;
    let identity = identity::sign(
        &json!({"sub": "shop_user_42", "name": "Jane Known", "email": "jane@example.com", "iat": now_millis() / 1000, "exp": now_millis() / 1000 + 600}),
        IDENTITY_SECRET,
    );
    let (status, session) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": visitor_id,
        "identityToken": identity}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["identified"], true);
    assert_eq!(session["visitorId"], visitor_id);
    let known_conversation = session["conversationId"].as_str().unwrap();
    assert_ne!(known_conversation, guest_conversation);
    let token = session["token"].as_str().unwrap();
    // The guest conversation now belongs to the known customer, under their conversation.
    let moved = server
        .ok(
            "v1.connect.updateConversation",
            json!({"id": guest_conversation}),
        )
        .await;
    assert_eq!(moved["parentId"], known_conversation);
    let (status, body) = as_visitor(
        &server,
        token,
        "v1.connect.listMessages",
        json!({"conversationId": guest_conversation}),
    )
    .await;
    assert_eq!(status, 200, "the merged history stays readable: {body}");
    assert_eq!(
        body["result"]["data"]["items"][0]["content"]["en"],
        "before login"
    );
    let (status, _) = as_visitor(
        &server,
        token,
        "v1.connect.send",
        say(known_conversation, "after login"),
    )
    .await;
    assert_eq!(status, 200);
    let expired = identity::sign(
        &json!({"sub": "shop_user_42", "iat": 0, "exp": 1}),
        IDENTITY_SECRET,
    );
    let (status, body) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL, "identityToken": expired}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn cors_answers_only_allowed_origins() {
    let (server, _dir) = TestServer::start().await;
    let preflight = |origin: &'static str| {
        server
            .client
            .request(reqwest::Method::OPTIONS, server.url("v1.connect.send"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight(SHOP_ORIGIN).await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        SHOP_ORIGIN
    );
    let denied = preflight("https://evil.example").await.unwrap();
    assert!(denied
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn visitors_attach_and_download_only_their_own_files() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let (other_token, _, other_conversation) = visitor(&server).await;
    let file = visitor_upload(&server, &token, b"receipt", "receipt.txt").await;
    let (status, body) = as_visitor(
        &server,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "attachmentIds": [file["id"]]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(download(&server, &token, &file).await, 200);
    assert_eq!(download(&server, &other_token, &file).await, 403);
    let (status, _) = as_visitor(
        &server,
        &other_token,
        "v1.connect.send",
        json!({"conversationId": other_conversation, "attachmentIds": [file["id"]]}),
    )
    .await;
    assert_eq!(status, 403, "another visitor cannot attach it");

    // A file the agent sends becomes downloadable once the visitor has been shown it.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"invoice".to_vec()).file_name("invoice.txt"),
    );
    let agent_file: Value = server
        .client
        .post(format!("{}/api/v1/connect/attachments", server.base))
        .bearer_auth(common::KEY)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["files"][0]
        .clone();
    assert_eq!(
        download(&server, &token, &agent_file).await,
        403,
        "not yet shown"
    );
    server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "attachmentIds": [agent_file["id"]]}),
        )
        .await;
    as_visitor(
        &server,
        &token,
        "v1.connect.listMessages",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!(download(&server, &token, &agent_file).await, 200);
    assert_eq!(download(&server, &other_token, &agent_file).await, 403);
}

#[tokio::test]
async fn visitors_stream_only_the_configured_agent_in_their_conversation() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let (_, _, other_conversation) = visitor(&server).await;
    let (_, body) = as_visitor(
        &server,
        &token,
        "v1.connect.send",
        say(&conversation, "Any discounts?"),
    )
    .await;
    let question = body["result"]["data"]["id"].clone();
    let stream = |input: Value| {
        server
            .client
            .post(format!("{}/api/v1/connect/ai-stream", server.base))
            .bearer_auth(&token)
            .json(&input)
            .send()
    };
    let ok = stream(json!({"agentId": common::AGENT, "conversationId": conversation, "lastMessageId": question}))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let text = ok.text().await.unwrap();
    assert!(text.contains("\"type\":\"done\""), "{text}");
    for refused in [
        json!({"agentId": "agent_other", "conversationId": conversation}),
        json!({"agentId": common::AGENT, "conversationId": other_conversation}),
        json!({"agentId": common::AGENT, "conversationId": conversation, "senderId": "cus_someone"}),
    ] {
        let response = stream(refused.clone()).await.unwrap();
        assert_eq!(response.status(), 403, "{refused}");
    }
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_store_nothing_more() {
    use connect360_server::gateway::rate_limit::{Rate, RateLimits};
    let dir = tempfile::tempdir().unwrap();
    let limits = RateLimits {
        sessions_per_address: Rate::per_minute(3),
        sends_per_visitor: Rate::per_minute(2),
        ..RateLimits::default()
    };
    let server = TestServer::start_with(dir.path().to_path_buf(), limits).await;
    let (token, _, conversation) = visitor(&server).await;
    for text in ["one", "two"] {
        let (status, _) =
            as_visitor(&server, &token, "v1.connect.send", say(&conversation, text)).await;
        assert_eq!(status, 200);
    }
    let response = server
        .client
        .post(server.url("v1.connect.send"))
        .bearer_auth(&token)
        .json(&say(&conversation, "three"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "30");
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "TOO_MANY_REQUESTS");
    assert_eq!(
        server.all_messages(&conversation).await.len(),
        2,
        "the refused send stored nothing"
    );

    // A burst of new sessions from one address.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            open_session(
                &server,
                json!({"channelIdentifier": CHANNEL}),
                Some(SHOP_ORIGIN),
            )
            .await
            .0,
        );
    }
    assert_eq!(
        statuses,
        [200, 200, 429, 429],
        "one session was opened above"
    );
}

#[tokio::test]
async fn oversized_session_requests_are_refused() {
    let (server, _dir) = TestServer::start().await;
    let huge = json!({"channelIdentifier": CHANNEL, "customer": {"name": "x".repeat(20_000)}});
    let (status, _) = open_session(&server, huge, Some(SHOP_ORIGIN)).await;
    assert_eq!(status, 413);
}

async fn send_with_key(
    server: &TestServer,
    token: &str,
    conversation: &str,
    text: &str,
    key: &str,
) -> (u16, Value) {
    let response = server
        .client
        .post(server.url("v1.connect.send"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&say(conversation, text))
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn an_idempotency_key_sends_once_even_when_repeated_concurrently() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let (status, first) = send_with_key(&server, &token, &conversation, "once", "out_1").await;
    assert_eq!(status, 200, "{first}");
    let (_, again) = send_with_key(&server, &token, &conversation, "once", "out_1").await;
    assert_eq!(again["result"]["data"]["id"], first["result"]["data"]["id"]);

    let attempts: Vec<_> = (0..5)
        .map(|_| {
            let request = server
                .client
                .post(server.url("v1.connect.send"))
                .bearer_auth(&token)
                .header("idempotency-key", "out_2")
                .json(&say(&conversation, "racing"));
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.json::<Value>().await.unwrap()["result"]["data"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for attempt in attempts {
        ids.insert(attempt.await.unwrap());
    }
    assert_eq!(ids.len(), 1, "every racing attempt gets the one message");
    let texts: Vec<String> = server
        .all_messages(&conversation)
        .await
        .iter()
        .map(|m| m["content"]["en"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["once", "racing"]);

    let (status, _) = send_with_key(&server, &token, &conversation, "x", &"k".repeat(256)).await;
    assert_eq!(status, 400);
    let (other_token, _, other_conversation) = visitor(&server).await;
    let (status, body) =
        send_with_key(&server, &other_token, &other_conversation, "mine", "out_1").await;
    assert_eq!(status, 200);
    assert_ne!(
        body["result"]["data"]["id"], first["result"]["data"]["id"],
        "keys are per visitor"
    );
    // A refused send releases its key, so the corrected retry goes through.
    let (status, _) = send_with_key(&server, &token, "conv_not_mine", "x", "out_3").await;
    assert_eq!(status, 403);
    let (status, _) = send_with_key(&server, &token, &conversation, "fixed", "out_3").await;
    assert_eq!(status, 200);
}

/// One part of an upload: file name, declared type (if any), bytes.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
];

#[tokio::test]
async fn visitor_uploads_are_checked_against_their_bytes_and_refusals_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let limits = connect360_server::gateway::rate_limit::RateLimits {
        uploads_per_visitor: connect360_server::gateway::rate_limit::Rate::per_minute(100),
        ..Default::default()
    };
    let server = TestServer::start_with(dir.path().to_path_buf(), limits).await;
    let (token, _, _) = visitor(&server).await;
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let refusals: Vec<(Vec<UploadPart>, u16, &str)> = vec![
        (
            vec![("page.txt", Some("text/plain"), html.clone())],
            400,
            "page.txt: the content is not text/plain (it looks like text/html)",
        ),
        (
            vec![("page.html", Some("text/html"), html.clone())],
            400,
            "page.html: files of type text/html can't be sent",
        ),
        (
            vec![("page.html", None, html.clone())],
            400,
            "page.html: files of type application/octet-stream can't be sent",
        ),
        (
            vec![(
                "logo.svg",
                Some("image/svg+xml"),
                b"<svg onload=alert(1)>".to_vec(),
            )],
            400,
            "logo.svg: files of type image/svg+xml",
        ),
        (
            vec![("photo.png", Some("image/png"), b"not a picture".to_vec())],
            400,
            "photo.png: the content is not image/png",
        ),
        (
            vec![(
                "tool.pdf",
                Some("application/pdf"),
                b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0".to_vec(),
            )],
            400,
            "tool.pdf: the content is not application/pdf",
        ),
        (
            vec![(
                "invoice.txt",
                Some("text/plain"),
                b"\xEF\xBB\xBF  <html><script>alert(1)</script>".to_vec(),
            )],
            400,
            "invoice.txt: the content is not text/plain (it looks like HTML or XML)",
        ),
        (
            vec![("empty.txt", Some("text/plain"), Vec::new())],
            400,
            "empty.txt is empty",
        ),
        // A good file first, then a bad one: the whole upload is refused, the good one too.
        (
            vec![
                ("ok.txt", Some("text/plain"), b"fine".to_vec()),
                ("bad.png", Some("image/png"), b"nope".to_vec()),
            ],
            400,
            "bad.png: the content is not image/png",
        ),
        (
            (0..6)
                .map(|_| ("note.txt", Some("text/plain"), b"note".to_vec()))
                .collect(),
            400,
            "At most 5 files per upload.",
        ),
        (
            vec![("huge.txt", Some("text/plain"), vec![b'a'; 26_214_401])],
            413,
            "huge.txt is over 25 MB",
        ),
    ];
    for (parts, status, message) in refusals {
        let (got, body) = visitor_upload_parts(&server, &token, &parts).await;
        assert_eq!(got, status, "{message}: {body}");
        let said = body["message"].as_str().unwrap_or_default();
        assert!(
            said.starts_with(message),
            "expected {message:?}, got {said:?}"
        );
        assert_eq!(stored_files(&server), 0, "nothing stored after: {message}");
    }

    // What a visitor may send passes, typed by what it is.
    let mut png = PNG.to_vec();
    png.extend_from_slice(&[0; 64]);
    let (status, body) = visitor_upload_parts(
        &server,
        &token,
        &[
            ("photo.png", Some("image/png"), png),
            ("notes.txt", None, b"plain words".to_vec()),
            ("data.csv", Some("text/csv"), b"a,b\n1,2\n".to_vec()),
            // Beyond axum's 2 MB default: the route's own limit reaches the upstream too.
            ("log.txt", Some("text/plain"), vec![b'x'; 3 * 1024 * 1024]),
            // Accepted as text, stored under a name that says so.
            (
                "invoice.html",
                Some("text/plain"),
                b"Total: 12 EUR".to_vec(),
            ),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["files"][4]["name"], "invoice.html.txt", "{body}");
    let types: Vec<&str> = body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "image/png",
            "text/plain",
            "text/csv",
            "text/plain",
            "text/plain"
        ]
    );
    assert_eq!(stored_files(&server), 5);

    // Served back as an attachment, never sniffed.
    let file = &body["files"][1];
    let response = server
        .client
        .get(format!(
            "{}/api/v1/connect/assets/{}",
            server.base,
            file["s3Key"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("notes.txt"));
}

#[tokio::test]
async fn a_visitor_token_opens_nothing_meant_for_the_merchant() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    server.customer_says(&conversation, "private words").await;
    // A valid visitor token, an expired one and none: one refusal (crate::caller), no data.
    for presented in [Some(token), Some(common::expired_token()), None] {
        for path in ["/console/api/conversations", "/console/api/templates"] {
            let mut request = server.client.get(format!("{}{path}", server.base));
            if let Some(token) = &presented {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{path} {presented:?}");
            let body = response.text().await.unwrap();
            assert!(
                !body.contains("private words") && !body.contains(&conversation),
                "{body}"
            );
        }
    }
    // The merchant's key still works there (the refusal is about the token, not the route).
    let response = server
        .client
        .get(format!("{}/console/api/conversations", server.base))
        .bearer_auth(common::KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn rate_limits_hold_under_a_concurrent_burst() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    // 60 sends at once from one visitor (the default allows 10 a minute).
    let burst = (0..60).map(|i| {
        let (server, token, conversation) = (&server, &token, &conversation);
        async move {
            as_visitor(
                server,
                token,
                "v1.connect.send",
                say(conversation, &format!("burst {i}")),
            )
            .await
            .0
        }
    });
    let statuses = futures_util::future::join_all(burst).await;
    let accepted = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((accepted, limited), (10, 50), "{statuses:?}");
    assert_eq!(server.all_messages(&conversation).await.len(), 10);
    // 200 polls at once: at most the burst allowance of reads gets through.
    let polls = (0..200).map(|_| {
        let (server, token, conversation) = (&server, &token, &conversation);
        async move {
            as_visitor(
                server,
                token,
                "v1.connect.listMessages",
                json!({"conversationId": conversation}),
            )
            .await
            .0
        }
    });
    let statuses = futures_util::future::join_all(polls).await;
    let read = statuses.iter().filter(|s| **s == 200).count();
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429));
    assert!((1..=10).contains(&read), "{read} reads of 200 passed");
}

#[tokio::test]
async fn an_idempotency_key_answers_only_its_own_body_and_a_stuck_claim_expires() {
    let (server, _dir) = TestServer::start().await;
    let (token, visitor_id, conversation) = visitor(&server).await;
    let (status, first) = send_with_key(&server, &token, &conversation, "one", "k-1").await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = send_with_key(&server, &token, &conversation, "one", "k-1").await;
    assert_eq!(
        (status, &again),
        (200, &first),
        "a repeat gets the first reply"
    );
    let (status, other) = send_with_key(&server, &token, &conversation, "two", "k-1").await;
    assert_eq!(status, 400, "{other}");
    assert!(other.to_string().contains("different message"), "{other}");
    // A claim left in flight by a crash (no reply recorded, over a minute old) is released.
    rusqlite::Connection::open(server.data_dir.join("connect360.sqlite3"))
        .unwrap()
        .execute(
            "INSERT INTO gateway_idempotency (external_id, key, created_at)
             VALUES (?1, 'k-stuck', '2020-01-01T00:00:00.000Z')",
            [&visitor_id],
        )
        .unwrap();
    let (status, body) = send_with_key(&server, &token, &conversation, "three", "k-stuck").await;
    assert_eq!(status, 200, "{body}");
    let texts: Vec<Value> = server
        .all_messages(&conversation)
        .await
        .iter()
        .map(|m| m["content"]["en"].clone())
        .collect();
    assert_eq!(
        texts,
        [json!("one"), json!("three")],
        "nothing else was stored"
    );
}

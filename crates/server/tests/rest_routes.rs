//! The REST routes over real HTTP: uploads (limits, names, types, nothing stored on refusal),
//! asset downloads, and the AI stream's SSE framing.

mod common;

use common::{TestServer, AGENT, KEY, READ_ONLY_KEY};
use connect360_model::wire::{AiStreamEvent, SseDecoder};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

async fn upload(server: &TestServer, form: Form, key: Option<&str>) -> (u16, Value) {
    let mut request = server
        .client
        .post(format!("{}/api/v1/connect/attachments", server.base))
        .multipart(form);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

fn stored_files(server: &TestServer) -> usize {
    std::fs::read_dir(server.data_dir.join("files"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn files_upload_attach_and_download() {
    let (server, _dir) = TestServer::start().await;
    let form = Form::new()
        .part(
            "file",
            Part::bytes(PNG.to_vec())
                .file_name("../../My Photo (1).png")
                .mime_str("text/html")
                .unwrap(),
        )
        .part(
            "files",
            Part::bytes(b"hello".to_vec()).file_name("notes.txt"),
        )
        .text("other", "ignored");
    let (status, body) = upload(&server, form, Some(KEY)).await;
    assert_eq!(status, 200, "{body}");
    let files = body["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["name"], "My_Photo__1_.png");
    assert_eq!(
        files[0]["type"], "image/png",
        "sniffed from the bytes, not the declared text/html"
    );
    assert_eq!(files[1]["type"], "text/plain");
    let id = files[0]["id"].as_str().unwrap();
    let s3_key = files[0]["s3Key"].as_str().unwrap();
    assert_eq!(s3_key, format!("ws_test/connect360/{id}/My_Photo__1_.png"));
    assert_eq!(
        files[0]["url"],
        format!("{}/api/v1/connect/assets/{s3_key}", server.base)
    );

    let conversation = server.conversation_for("visitor_files").await;
    let message = server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "sender": "customer",
             "attachmentIds": [id, id, files[1]["id"]]}),
        )
        .await;
    assert_eq!(message["content"], json!({}));
    assert_eq!(
        message["attachments"].as_array().unwrap().len(),
        2,
        "duplicates count once"
    );
    assert_eq!(message["attachments"][0], files[0]);

    let response = server
        .client
        .get(files[0]["url"].as_str().unwrap())
        .bearer_auth(READ_ONLY_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["content-length"], PNG.len().to_string().as_str());
    assert_eq!(
        headers["content-disposition"],
        "inline; filename=\"My_Photo__1_.png\""
    );
    assert_eq!(headers["cache-control"], "private, max-age=3600");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);

    let missing = server
        .client
        .get(format!(
            "{}/api/v1/connect/assets/ws_test/connect360/file_x/a.png",
            server.base
        ))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["message"], "File not found.");
    let anonymous = server
        .client
        .get(files[0]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn refused_uploads_store_nothing() {
    let (server, _dir) = TestServer::start().await;
    let six = (0..6).fold(Form::new(), |form, i| {
        form.part(
            "file",
            Part::bytes(vec![b'x'; 10]).file_name(format!("f{i}.txt")),
        )
    });
    let (status, body) = upload(&server, six, Some(KEY)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["message"], "At most 5 files per upload.");
    assert_eq!(stored_files(&server), 0);

    let (status, _) = upload(&server, Form::new().text("note", "no file"), Some(KEY)).await;
    assert_eq!(status, 400);

    let too_big = Form::new()
        .part("file", Part::bytes(b"small".to_vec()).file_name("ok.txt"))
        .part(
            "file",
            Part::bytes(vec![0u8; 26_214_401]).file_name("big.bin"),
        );
    let (status, body) = upload(&server, too_big, Some(KEY)).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(
        stored_files(&server),
        0,
        "the accepted first file is removed too"
    );

    let exactly = Form::new().part(
        "file",
        Part::bytes(vec![0u8; 26_214_400]).file_name("max.bin"),
    );
    let (status, _) = upload(&server, exactly, Some(KEY)).await;
    assert_eq!(status, 200, "25 MB exactly is accepted");

    let form = Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("a.txt"));
    let (status, _) = upload(&server, form, Some(READ_ONLY_KEY)).await;
    assert_eq!(status, 403);
}

async fn stream(server: &TestServer, body: Value) -> (u16, String, Vec<AiStreamEvent>) {
    let response = server
        .client
        .post(format!("{}/api/v1/connect/ai-stream", server.base))
        .bearer_auth(KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap();
    let mut decoder = SseDecoder::new();
    let events = decoder
        .feed(&bytes)
        .iter()
        .filter_map(|p| serde_json::from_str(p).ok())
        .collect();
    (status, content_type, events)
}

#[tokio::test]
async fn the_ai_stream_grows_cumulatively_and_stores_one_message() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_stream").await;
    let question = server
        .customer_says(&conversation, "Do you ship to Izmir?")
        .await;
    let (status, content_type, events) = stream(
        &server,
        json!({"agentId": AGENT, "conversationId": conversation, "lastMessageId": question["id"]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/event-stream");
    let (last, deltas) = events.split_last().unwrap();
    assert!(deltas.len() > 3, "the reply arrives in pieces");
    let mut joined = String::new();
    for event in deltas {
        let AiStreamEvent::Delta { delta, text } = event else {
            panic!("only deltas before the end: {event:?}")
        };
        joined.push_str(delta);
        assert_eq!(text, &joined, "text is cumulative");
    }
    let AiStreamEvent::Done { message_id, text } = last else {
        panic!("ends with done: {last:?}")
    };
    assert_eq!(text, &joined);
    let messages = server.all_messages(&conversation).await;
    assert_eq!(messages.len(), 2, "exactly one stored reply");
    assert_eq!(&messages[1]["id"], message_id);
    assert_eq!(messages[1]["sender"]["type"], "ai");
    assert_eq!(messages[1]["content"]["en"], text.as_str());
    assert!(text.contains("Do you ship to Izmir?"));
}

#[tokio::test]
async fn ai_stream_failures_are_events_after_200_and_errors_before() {
    let (server, _dir) = TestServer::start().await;
    let (status, _, events) = stream(
        &server,
        json!({"agentId": AGENT, "conversationId": "conv_missing"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        events,
        [AiStreamEvent::Error {
            error: "Conversation not found.".into()
        }]
    );
    let conversation = server.conversation_for("visitor_stream_err").await;
    let (_, _, events) = stream(
        &server,
        json!({"agentId": "agent_x", "conversationId": conversation}),
    )
    .await;
    assert_eq!(
        events,
        [AiStreamEvent::Error {
            error: "AI agent not found.".into()
        }]
    );
    let (_, _, events) = stream(
        &server,
        json!({"agentId": AGENT, "conversationId": conversation}),
    )
    .await;
    assert!(
        matches!(&events[..], [AiStreamEvent::Error { .. }]),
        "no sender: {events:?}"
    );
    assert!(
        server.all_messages(&conversation).await.is_empty(),
        "nothing stored after error"
    );

    let (status, _, _) = stream(&server, json!({"conversationId": conversation})).await;
    assert_eq!(status, 400, "a malformed body fails before the stream");
    let response = server
        .client
        .post(format!("{}/api/v1/connect/ai-stream", server.base))
        .json(&json!({"agentId": AGENT, "conversationId": conversation}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

/// GETs listMessages of `conversation` with `accept` as `Accept-Encoding`: (encoding, body bytes).
async fn list_encoded(
    server: &TestServer,
    conversation: &str,
    accept: Option<&str>,
) -> (Option<String>, Vec<u8>) {
    let mut request = server
        .client
        .get(server.url("v1.connect.listMessages"))
        .query(&[(
            "input",
            json!({"conversationId": conversation, "limit": 100}).to_string(),
        )])
        .bearer_auth(KEY);
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let encoding = response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_owned());
    (encoding, response.bytes().await.unwrap().to_vec())
}

fn decode(encoding: Option<&str>, bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut plain = Vec::new();
    let read = match encoding {
        Some("br") => brotli::Decompressor::new(bytes, 4096).read_to_end(&mut plain),
        Some("gzip") => flate2::read::GzDecoder::new(bytes).read_to_end(&mut plain),
        None => return bytes.to_vec(),
        Some(other) => panic!("unexpected encoding {other}"),
    };
    read.unwrap();
    plain
}

#[tokio::test]
async fn json_answers_above_1_kib_are_compressed_and_an_event_stream_never_is() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_compression").await;
    // Small: sent as it is, whatever the browser accepts.
    server.customer_says(&conversation, "Hello").await;
    let (encoding, small) = list_encoded(&server, &conversation, Some("br, gzip")).await;
    assert_eq!(encoding, None, "{} bytes", small.len());
    assert!(small.len() < 1024);

    let question = server
        .customer_says(&conversation, &"Is the Ridge 2 waterproof? ".repeat(40))
        .await;
    let (_, plain) = list_encoded(&server, &conversation, None).await;
    assert!(plain.len() > 1024);
    for (accept, expected) in [
        (Some("gzip, deflate, br"), Some("br")),
        (Some("gzip"), Some("gzip")),
        (Some("identity"), None),
        (None, None),
    ] {
        let (encoding, bytes) = list_encoded(&server, &conversation, accept).await;
        assert_eq!(encoding.as_deref(), expected, "{accept:?}");
        let body = decode(encoding.as_deref(), &bytes);
        assert_eq!(body, plain, "{accept:?} decodes to the same JSON");
        if expected.is_some() {
            assert!(
                bytes.len() < plain.len() / 2,
                "{accept:?}: {} bytes",
                bytes.len()
            );
        }
    }

    // A stored JSON file above 1 KiB is a download, not an answer: its bytes and length stay.
    let document = format!("{{\"notes\": \"{}\"}}", "x".repeat(4000));
    let form = Form::new().part(
        "file",
        Part::bytes(document.clone().into_bytes()).file_name("notes.json"),
    );
    let (status, body) = upload(&server, form, Some(KEY)).await;
    assert_eq!(status, 200, "{body}");
    let download = server
        .client
        .get(body["files"][0]["url"].as_str().unwrap())
        .bearer_auth(KEY)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert!(download.headers().get("content-encoding").is_none());
    assert_eq!(
        download.headers()["content-length"],
        document.len().to_string().as_str()
    );
    assert_eq!(download.bytes().await.unwrap(), document.as_bytes());

    // The AI reply streams as plain text/event-stream even to a browser that accepts brotli.
    let response = server
        .client
        .post(format!("{}/api/v1/connect/ai-stream", server.base))
        .bearer_auth(KEY)
        .header("accept-encoding", "br, gzip")
        .json(&json!({"agentId": AGENT, "conversationId": conversation, "lastMessageId": question["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert!(response.headers().get("content-encoding").is_none());
    let mut response = response;
    // The first piece arrives on its own, readable as it is: nothing holds the stream back.
    let first = response.chunk().await.unwrap().unwrap();
    let mut decoder = SseDecoder::new();
    let events = decoder.feed(&first);
    assert!(!events.is_empty(), "{first:?}");
    assert!(serde_json::from_str::<AiStreamEvent>(&events[0]).is_ok());
    while response.chunk().await.unwrap().is_some() {}
}

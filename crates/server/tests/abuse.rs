//! What one visitor, or one client, can cost the merchant: bounded connections, requests,
//! batches, downloads and storage, and nothing left behind that nobody uses.

mod common;

use std::time::Duration;

use common::{
    as_visitor, download, stored_files, visitor, visitor_upload, visitor_upload_parts, TestServer,
};
use connect360_server::clock::now_millis;
use connect360_server::gateway::rate_limit::{Rate, RateLimits};
use connect360_server::serve::ServeLimits;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Reads until the server closes the connection; what it sent, or `None` if it did not close
/// within `wait`.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, wait: Duration) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(wait, stream.read_to_end(&mut received)).await;
    match read {
        Ok(_) => Some(String::from_utf8_lossy(&received).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn a_half_sent_request_is_dropped_after_the_header_timeout() {
    let (server, _dir) = TestServer::start_with_serve_limits(ServeLimits {
        header_timeout: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    let answer = answer.expect("the connection is closed within the header timeout");
    assert!(!answer.contains("200 OK"), "never answered: {answer}");
    // A whole request is still answered.
    let status = server
        .client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn connections_over_the_cap_are_closed_at_once() {
    let (server, _dir) = TestServer::start_with_serve_limits(ServeLimits {
        max_connections: 2,
        ..Default::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        // A request and nothing more keeps the connection open (keep-alive).
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buffer = [0u8; 256];
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(String::from_utf8_lossy(&buffer[..n]).contains("200 OK"));
        held.push(stream);
    }
    let mut third = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let answer = read_until_closed(&mut third, Duration::from_secs(5)).await;
    assert_eq!(answer.as_deref(), Some(""), "closed without an answer");
    // A slot comes free when a connection ends.
    held.clear();
    let mut ok = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Ok(response) = server
            .client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
        {
            ok = response.status() == 200;
            break;
        }
    }
    assert!(ok, "a new connection is served once others closed");
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let (server, _dir) = TestServer::start_with_serve_limits(ServeLimits {
        max_connections_per_address: 1,
        ..Default::default()
    })
    .await;
    let mut first = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    first
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 256];
    let n = first.read(&mut buffer).await.unwrap();
    assert!(String::from_utf8_lossy(&buffer[..n]).contains("200 OK"));
    let mut second = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let _ = second
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let answer = read_until_closed(&mut second, Duration::from_secs(5)).await;
    assert_eq!(
        answer.as_deref(),
        Some(""),
        "a second connection from 127.0.0.1 is closed"
    );
}

#[tokio::test]
async fn a_long_batch_is_refused_with_a_clear_400() {
    let (server, _dir) = TestServer::start().await;
    let paths = vec!["v1.connect.listMessages"; 2_000].join(",");
    let response = server
        .client
        .get(format!("{}/api/trpc/{paths}?batch=1", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    assert!(body.contains("at most 10 calls"), "{body}");
    assert!(
        body.len() < 1_000,
        "the answer stays small: {} bytes",
        body.len()
    );
}

#[tokio::test]
async fn downloads_are_rate_limited_per_visitor() {
    let dir = tempfile::tempdir().unwrap();
    let limits = RateLimits {
        downloads_per_visitor: Rate::per_minute(2),
        ..Default::default()
    };
    let server = TestServer::start_with(dir.path().to_path_buf(), limits).await;
    let (token, _, _) = visitor(&server).await;
    let file = visitor_upload(&server, &token, b"receipt", "receipt.txt").await;
    assert_eq!(download(&server, &token, &file).await, 200);
    assert_eq!(download(&server, &token, &file).await, 200);
    assert_eq!(download(&server, &token, &file).await, 429);
}

#[tokio::test]
async fn a_visitors_uploads_are_held_to_a_daily_quota() {
    let dir = tempfile::tempdir().unwrap();
    let limits = RateLimits {
        upload_bytes_per_day: 1_000,
        ..Default::default()
    };
    let server = TestServer::start_with(dir.path().to_path_buf(), limits).await;
    let (token, _, _) = visitor(&server).await;
    visitor_upload(&server, &token, &[b'a'; 600], "first.txt").await;
    let (status, body) = visitor_upload_parts(
        &server,
        &token,
        &[("second.txt", Some("text/plain"), vec![b'b'; 600])],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("second.txt can't be sent"),
        "{body}"
    );
    assert_eq!(stored_files(&server), 1, "nothing more was stored");
    // Another visitor has a quota of their own.
    let (other, _, _) = visitor(&server).await;
    visitor_upload(&server, &other, &[b'c'; 600], "theirs.txt").await;
}

#[tokio::test]
async fn new_guest_sessions_do_not_renew_the_quota() {
    let dir = tempfile::tempdir().unwrap();
    let limits = RateLimits {
        upload_bytes_per_address_per_day: 1_000,
        ..Default::default()
    };
    let server = TestServer::start_with(dir.path().to_path_buf(), limits).await;
    let (first, _, _) = visitor(&server).await;
    visitor_upload(&server, &first, &[b'a'; 600], "first.txt").await;
    // The same address as a brand-new guest.
    let (second, _, _) = visitor(&server).await;
    let (status, body) = visitor_upload_parts(
        &server,
        &second,
        &[("again.txt", Some("text/plain"), vec![b'b'; 600])],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    // Cleaning up the first upload gives nothing back.
    server
        .gateway
        .sweep(now_millis() + 2 * 3_600_000)
        .await
        .unwrap();
    let (status, _) = visitor_upload_parts(
        &server,
        &second,
        &[("later.txt", Some("text/plain"), vec![b'c'; 600])],
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(
        stored_files(&server),
        0,
        "the abandoned upload was removed, nothing added"
    );
}

#[tokio::test]
async fn abandoned_uploads_are_cleaned_up_and_attached_ones_kept() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let abandoned = visitor_upload(&server, &token, b"never sent", "draft.txt").await;
    let kept = visitor_upload(&server, &token, b"sent", "sent.txt").await;
    let (status, body) = as_visitor(
        &server,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "see file"},
               "attachmentIds": [kept["id"]]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let swept = server.gateway.sweep(now_millis()).await.unwrap();
    assert_eq!(swept.files, 0, "nothing is old enough yet");
    let swept = server
        .gateway
        .sweep(now_millis() + 2 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(swept.files, 1);
    assert_eq!(stored_files(&server), 1);
    assert_eq!(download(&server, &token, &abandoned).await, 403);
    assert_eq!(download(&server, &token, &kept).await, 200);
    // A cleaned-up upload can no longer be attached either.
    let (status, _) = as_visitor(
        &server,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "attachmentIds": [abandoned["id"]]}),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn deleting_a_conversation_takes_its_files_and_every_grant() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    let file = visitor_upload(&server, &token, b"private", "id-card.txt").await;
    as_visitor(
        &server,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "attachmentIds": [file["id"]]}),
    )
    .await;
    assert_eq!(download(&server, &token, &file).await, 200);
    server
        .ok("v1.connect.deleteConversation", json!({"id": conversation}))
        .await;
    assert_eq!(stored_files(&server), 0, "the file's bytes are gone");
    assert_eq!(download(&server, &token, &file).await, 403);
    let (status, _) = common::visitor_reads(&server, &token, &conversation).await;
    assert_eq!(
        status, 401,
        "the token's own conversation grant went with it: the widget opens a new session"
    );
    let grants: i64 = rusqlite::Connection::open(server.data_dir.join("connect360.sqlite3"))
        .unwrap()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM gateway_conversations WHERE conversation_id = ?1)
                  + (SELECT COUNT(*) FROM gateway_files WHERE file_id = ?2)",
            [conversation.as_str(), file["id"].as_str().unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(grants, 0);
}

#[tokio::test]
async fn guest_conversations_nobody_wrote_in_are_removed_after_a_day() {
    let (server, _dir) = TestServer::start().await;
    let (_, _, empty) = visitor(&server).await;
    let (token, _, used) = visitor(&server).await;
    as_visitor(
        &server,
        &token,
        "v1.connect.send",
        json!({"conversationId": used, "content": {"en": "hi"}}),
    )
    .await;
    let swept = server.gateway.sweep(now_millis()).await.unwrap();
    assert_eq!(swept.conversations, 0);
    let swept = server
        .gateway
        .sweep(now_millis() + 25 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(swept.conversations, 1);
    let (status, _) = server
        .mutate("v1.connect.updateConversation", json!({"id": empty}))
        .await;
    assert_eq!(status, 404, "the empty conversation is gone");
    let (status, _) = server
        .mutate("v1.connect.updateConversation", json!({"id": used}))
        .await;
    assert_eq!(status, 200, "the used one stays");
    // A later sweep does not look at the used one again.
    let swept = server
        .gateway
        .sweep(now_millis() + 50 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(swept.conversations, 0);
}

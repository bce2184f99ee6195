//! What an operator's tooling asks of the process: `/healthz` and `/readyz` (naming what is not
//! ready), logs as JSON lines without secrets, and a SIGTERM that ends the event streams at once
//! (their widgets connect again elsewhere) and exits 0.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::process::{free_port, series, spawn, SHOP};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

const KEY: &str = "plato_operator_test_key";
const METRICS_TOKEN: &str = "metrics-token-of-32-bytes-or-more-0123";

fn client() -> reqwest::Client {
    connect360_server::upstream::install_tls_provider();
    reqwest::Client::new()
}

/// A new visitor's session on the server at `base`: (token, conversation id).
async fn new_visitor(client: &reqwest::Client, base: &str) -> (String, String) {
    let session: Value = client
        .post(format!("{base}/api/widget/session"))
        .header("origin", SHOP)
        .json(&json!({"channelIdentifier": "example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let field = |name: &str| session[name].as_str().unwrap().to_owned();
    (field("token"), field("conversationId"))
}

async fn get(url: String) -> (u16, String) {
    let response = client().get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn readiness_names_what_is_not_ready() {
    let local = spawn(&["--no-demo-bot"], &[("CONNECT360_LOCAL_API_KEY", KEY)]).await;
    assert_eq!(
        get(format!("{}/healthz", local.base)).await,
        (200, "ok".into())
    );
    let (status, body) = get(format!("{}/readyz", local.base)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"ready": true, "checks": {"database": "ok", "upstream": "ok", "serving": "ok"}})
    );

    // A gateway whose upstream is down is alive but not ready, and says why.
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let gateway = spawn(&["--upstream", &nowhere], &[("PLATO_API_KEY", KEY)]).await;
    assert_eq!(
        get(format!("{}/healthz", gateway.base)).await,
        (200, "ok".into())
    );
    let (status, body) = get(format!("{}/readyz", gateway.base)).await;
    assert_eq!(status, 503, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["ready"], false);
    assert_eq!(body["checks"]["upstream"], "unreachable (no connection)");
    assert_eq!(body["checks"]["database"], "ok");
    assert!(!body.to_string().contains(KEY));
}

#[tokio::test]
async fn sigterm_ends_the_streams_at_once_says_so_and_exits_0_with_json_logs() {
    let data = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_connect360-server"))
        .args(["--listen", &listen, "--data-dir"])
        .arg(data.path())
        .args(["--widget-dir", "/nonexistent", "--allowed-origin", SHOP])
        .args([
            "--no-demo-bot",
            "--log-format",
            "json",
            "--shutdown-delay-seconds",
            "2",
        ])
        .env("CONNECT360_LOCAL_API_KEY", KEY)
        .env("RUST_LOG", "connect360_server=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // With JSON logs the start-up lines go to standard error.
    let mut banner = BufReader::new(child.stderr.take().unwrap()).lines();
    while let Some(line) = banner.next_line().await.unwrap() {
        if line.starts_with("Listening on") {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = banner.next_line().await {} });
    let logs = tokio::spawn({
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        async move {
            let mut all = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                all.push(line);
            }
            all
        }
    });
    let base = format!("http://{listen}");
    let client = client();
    let (token, conversation) = new_visitor(&client, &base).await;
    let conversation = conversation.as_str();
    let mut stream = client
        .get(format!("{base}/api/widget/events"))
        .query(&[("conversationId", conversation)])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).starts_with(": connected"));

    let pid = child.id().unwrap() as libc::pid_t;
    // SAFETY: a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    // The stream ends at once (not after the delay or the grace period).
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream was not ended");
    // During the delay the replica still answers, and says it is leaving.
    let (status, body) = get(format!("{base}/readyz")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["checks"]["serving"],
        "shutting down"
    );
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("the process did not exit")
        .unwrap();
    assert!(status.success(), "{status}");

    let output = logs.await.unwrap();
    assert!(!output.is_empty());
    // Standard output is one JSON object a line, every line.
    let logs: Vec<Value> = output
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect();
    assert!(
        logs.iter()
            .any(|l| l["message"] == "shutting down" && l["signal"] == "SIGTERM"),
        "{output:#?}"
    );
    assert!(logs
        .iter()
        .all(|l| l["level"].is_string() && l["timestamp"].is_string()));
    let everything = output.join("\n");
    assert!(!everything.contains(&token) && !everything.contains(KEY));
}

#[tokio::test]
async fn metrics_are_for_the_token_holder_and_move_with_the_traffic() {
    let private = free_port();
    let private_listen = format!("127.0.0.1:{private}");
    let server = spawn(
        &["--no-demo-bot", "--metrics-listen", &private_listen],
        &[
            ("CONNECT360_LOCAL_API_KEY", KEY),
            ("CONNECT360_METRICS_TOKEN", METRICS_TOKEN),
        ],
    )
    .await;
    let client = client();
    let url = format!("{}/metrics", server.base);
    for token in [None, Some("wrong"), Some(KEY)] {
        let mut request = client.get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert!(!response.text().await.unwrap().contains("connect360_"));
    }
    let scrape = || async {
        let response = client
            .get(&url)
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        response.text().await.unwrap()
    };
    let sessions = r#"connect360_http_requests_total{route="/api/widget/session",status="200"}"#;
    let before = series(&scrape().await, sessions);
    let mut token = String::new();
    for _ in 0..3 {
        token = new_visitor(&client, &server.base).await.0;
    }
    let page = scrape().await;
    assert_eq!(series(&page, sessions) - before, 3.0, "{page}");
    assert!(page
        .contains("connect360_http_request_duration_seconds_bucket{route=\"/api/widget/session\""));
    assert!(page.contains("connect360_event_streams_open"));
    assert!(
        series(
            &page,
            r#"connect360_upstream_calls_total{procedure="v1.connect.getOrCreateConversation",outcome="ok"}"#
        ) >= 3.0
    );
    // No visitor, token or path with an id in any label.
    assert!(!page.contains(&token) && !page.contains("guest_") && !page.contains("conv_"));

    // The private listener needs no token; the main one without a token configured has none.
    let response = client
        .get(format!("http://{private_listen}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let plain = spawn(&["--no-demo-bot"], &[("CONNECT360_LOCAL_API_KEY", KEY)]).await;
    let response = client
        .get(format!("{}/metrics", plain.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

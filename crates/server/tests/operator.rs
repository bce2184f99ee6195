//! What an operator's tooling asks of the process: `/healthz` and `/readyz` (naming what is not
//! ready), logs as JSON lines without secrets, and a SIGTERM that ends the event streams at once
//! (their widgets connect again elsewhere) and exits 0.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::process::{free_port, spawn, SHOP};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

const KEY: &str = "plato_operator_test_key";

fn client() -> reqwest::Client {
    connect360_server::upstream::install_tls_provider();
    reqwest::Client::new()
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
async fn sigterm_ends_the_streams_at_once_and_exits_0_with_json_logs() {
    let data = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_connect360-server"))
        .args(["--listen", &listen, "--data-dir"])
        .arg(data.path())
        .args(["--widget-dir", "/nonexistent", "--allowed-origin", SHOP])
        .args(["--no-demo-bot", "--log-format", "json"])
        .env("CONNECT360_LOCAL_API_KEY", KEY)
        .env("RUST_LOG", "connect360_server=info")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut output = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let listening = line.starts_with("Listening on");
        output.push(line);
        if listening {
            break;
        }
    }
    let base = format!("http://{listen}");
    let client = client();
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
    let token = session["token"].as_str().unwrap().to_owned();
    let conversation = session["conversationId"].as_str().unwrap();
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
    // The stream ends at once (not after the shutdown's grace period).
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream was not ended");
    let status = tokio::time::timeout(Duration::from_secs(12), child.wait())
        .await
        .expect("the process did not exit")
        .unwrap();
    assert!(status.success(), "{status}");

    while let Some(line) = lines.next_line().await.unwrap() {
        output.push(line);
    }
    let logs: Vec<Value> = output
        .iter()
        .filter(|line| line.starts_with('{'))
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

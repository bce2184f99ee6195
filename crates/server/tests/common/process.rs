//! The server binary as a process, for tests of what only a process shows (command line,
//! exit codes, a gateway forwarding to another process).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The origin every spawned server allows.
pub const SHOP: &str = "http://shop.example";

/// A running server process; killed when dropped.
pub struct Process {
    pub child: Child,
    pub base: String,
    _data: tempfile::TempDir,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the server binary with `args` and `env`, and waits for it to listen.
pub async fn spawn(args: &[&str], env: &[(&str, &str)]) -> Process {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_connect360-server"));
    command
        .args(["--listen", &listen, "--data-dir"])
        .arg(data.path())
        .args(["--widget-dir", "/nonexistent", "--allowed-origin", SHOP])
        .args(args)
        .env_remove("PLATO_API_KEY")
        .env_remove("CONNECT360_LOCAL_API_KEY")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("Listening on") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ready, Ok(true), "the server did not start");
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Process {
        child,
        base: format!("http://{listen}"),
        _data: data,
    }
}

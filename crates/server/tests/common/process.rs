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

/// Debian's `redis-server` on a free loopback port, writing every change to its append-only
/// file before answering (as docs/deploy.md asks of a production Redis); killed when dropped.
/// `stop` and `start_again` take it away mid-test and bring it back, with its data.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl RedisServer {
    pub async fn start() -> RedisServer {
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
        };
        server.start_again().await;
        server
    }

    /// `redis://127.0.0.1:<port>/0`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub async fn start_again(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(self.dir.path())
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server (Debian's package; scripts/setup.sh installs it)");
        self.child = Some(child);
        for _ in 0..100 {
            if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut reply = [0u8; 7];
                if stream.write_all(b"PING\r\n").await.is_ok()
                    && stream.read_exact(&mut reply).await.is_ok()
                    && &reply == b"+PONG\r\n"
                {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.unwrap();
        }
    }
}

/// The value of the series `name{labels}` in a Prometheus text page (0 when absent); every
/// other line must be a comment or `series value`.
pub fn series(page: &str, name_and_labels: &str) -> f64 {
    let mut found = 0.0;
    for line in page
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not Prometheus text: {line}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        if series == name_and_labels {
            found = value;
        }
    }
    found
}

/// A visitor's upload of `receipt.txt` ("order 1042") at the gateway at `base`: (status, body).
pub async fn upload_receipt(base: &str, token: &str) -> (u16, serde_json::Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"order 1042".to_vec()).file_name("receipt.txt"),
    );
    connect360_server::upstream::install_tls_provider();
    let response = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
        .post(format!("{base}/api/v1/connect/attachments"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

//! Bounded loopback soak of the real server process (gateway + local upstream + demo bot, its
//! default rate limits): N simulated visitors open a session, poll `listMessages` from their
//! last id every second and send a message every 10 s, for a fixed time; then it prints
//! throughput, latency percentiles, errors, and the server's memory and open files sampled
//! through the run. Visitors come from 50 loopback addresses (127.0.1.x), ten each, so the
//! per-address session limit applies as it would to real visitors.
//!
//! It fails on any request error, on file descriptors left open once the visitors are gone,
//! and on memory still growing at the end (more than half again over the second half of the
//! run); timings are reported, never asserted.
//!
//! `cargo build --release -p connect360-server && cargo run --release -p connect360-server
//! --example load` (env: `LOAD_VISITORS`, default 500; `LOAD_SECONDS`, default 300;
//! `LOAD_SERVER`, the binary, default `target/release/connect360-server`).

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Mutex;

/// Visitors per source address (the default session limit is 60 a minute per address).
const VISITORS_PER_ADDRESS: u64 = 10;

#[derive(Default)]
struct Samples {
    polls: Vec<Duration>,
    sends: Vec<Duration>,
    sessions: Vec<Duration>,
    errors: Vec<String>,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn report(name: &str, samples: &mut [Duration], seconds: f64) {
    samples.sort();
    println!(
        "{name:<9} {:>7} requests  {:>8.1}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        samples.len(),
        samples.len() as f64 / seconds,
        percentile(samples, 0.50).as_secs_f64() * 1000.0,
        percentile(samples, 0.99).as_secs_f64() * 1000.0,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
}

/// The server's resident memory (KiB) and open file descriptors, from /proc.
fn usage(pid: u32) -> (u64, usize) {
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    (rss, fds)
}

/// Starts the server binary on a free loopback port; returns it and its base URL.
async fn start_server(binary: &PathBuf, dir: &std::path::Path) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut child = tokio::process::Command::new(binary)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir)
        .args(["--widget-dir", "/nonexistent"])
        .env("CONNECT360_LOCAL_API_KEY", "plato_local_soak_key")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.contains("Listening on") {
            break;
        }
    }
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://127.0.0.1:{port}"))
}

async fn visitor(
    base: String,
    client: reqwest::Client,
    until: Instant,
    index: u64,
    samples: Arc<Mutex<Samples>>,
) {
    let fail = |samples: &Arc<Mutex<Samples>>, what: String| {
        let samples = samples.clone();
        async move { samples.lock().await.errors.push(what) }
    };
    // Arrivals spread over the first ten seconds, as a page's visitors would come.
    tokio::time::sleep(Duration::from_millis(index * 10_000 / 500 % 10_000)).await;
    let started = Instant::now();
    let session: Value = match client
        .post(format!("{base}/api/widget/session"))
        .json(&json!({"channelIdentifier": "example.com"}))
        .send()
        .await
    {
        Ok(r) if r.status() == 200 => r.json().await.unwrap_or(Value::Null),
        Ok(r) => return fail(&samples, format!("session: {}", r.status())).await,
        Err(e) => return fail(&samples, format!("session: {e}")).await,
    };
    samples.lock().await.sessions.push(started.elapsed());
    let token = session["token"].as_str().unwrap_or_default().to_owned();
    let conversation = session["conversationId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut last: Option<String> = None;
    let mut tick = 0u64;
    while Instant::now() < until {
        if tick.is_multiple_of(10) {
            let started = Instant::now();
            let sent = client
                .post(format!("{base}/api/trpc/v1.connect.send"))
                .bearer_auth(&token)
                .json(&json!({"conversationId": conversation, "content": {"en": format!("message {tick} from visitor {index}")}}))
                .send()
                .await;
            match sent {
                Ok(r) if r.status() == 200 => samples.lock().await.sends.push(started.elapsed()),
                Ok(r) => fail(&samples, format!("send: {}", r.status())).await,
                Err(e) => fail(&samples, format!("send: {e}")).await,
            }
        }
        let started = Instant::now();
        let input = json!({"conversationId": conversation, "limit": 50, "cursor": last});
        let polled = client
            .get(format!("{base}/api/trpc/v1.connect.listMessages"))
            .query(&[("input", input.to_string())])
            .bearer_auth(&token)
            .send()
            .await;
        match polled {
            Ok(r) if r.status() == 200 => {
                let body: Value = r.json().await.unwrap_or(Value::Null);
                samples.lock().await.polls.push(started.elapsed());
                if let Some(id) = body["result"]["data"]["items"]
                    .as_array()
                    .and_then(|i| i.last())
                    .and_then(|m| m["id"].as_str())
                {
                    last = Some(id.to_owned());
                }
            }
            Ok(r) => fail(&samples, format!("poll: {}", r.status())).await,
            Err(e) => fail(&samples, format!("poll: {e}")).await,
        }
        tick += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::main]
async fn main() {
    let visitors = env_number("LOAD_VISITORS", 500);
    let seconds = env_number("LOAD_SECONDS", 300);
    let binary = std::env::var_os("LOAD_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release/connect360-server")
        });
    connect360_server::upstream::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start_server(&binary, dir.path()).await;
    let pid = server.id().expect("a running server");
    let idle = usage(pid);
    let samples = Arc::new(Mutex::new(Samples::default()));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    println!(
        "load: {visitors} visitors for {seconds} s against {} ({base}, loopback)",
        binary.display()
    );

    // Resource samples every 5 s while the visitors run.
    let usage_log = Arc::new(Mutex::new(Vec::<(f64, u64, usize)>::new()));
    let sampler = {
        let usage_log = usage_log.clone();
        tokio::spawn(async move {
            loop {
                let (rss, fds) = usage(pid);
                usage_log
                    .lock()
                    .await
                    .push((started.elapsed().as_secs_f64(), rss, fds));
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        })
    };
    let clients: Vec<reqwest::Client> = (0..visitors.div_ceil(VISITORS_PER_ADDRESS))
        .map(|i| {
            let address = Ipv4Addr::new(127, 0, 1, 1 + (i % 250) as u8);
            reqwest::Client::builder()
                .local_address(IpAddr::V4(address))
                .pool_max_idle_per_host(VISITORS_PER_ADDRESS as usize)
                // The server drops a keep-alive connection that sends nothing for 10 s (its
                // header timeout). A client reusing one just then loses the request (a browser
                // retries it by itself; reqwest does not), so idle connections go sooner.
                .pool_idle_timeout(Duration::from_secs(5))
                .build()
                .unwrap()
        })
        .collect();
    let tasks: Vec<_> = (0..visitors)
        .map(|i| {
            let client = clients[(i / VISITORS_PER_ADDRESS) as usize].clone();
            tokio::spawn(visitor(base.clone(), client, until, i, samples.clone()))
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    sampler.abort();
    // The visitors leave: their connections close, and the server should hold what it held
    // before they came.
    drop(clients);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = usage(pid);
    // Stopped here: `process::exit` below would not run its drop.
    let mut server = server;
    let _ = server.start_kill();

    let mut samples = samples.lock().await;
    report("sessions", &mut samples.sessions, elapsed);
    report("polls", &mut samples.polls, elapsed);
    report("sends", &mut samples.sends, elapsed);
    let log = usage_log.lock().await;
    let peak_rss = log.iter().map(|s| s.1).max().unwrap_or(0);
    let peak_fds = log.iter().map(|s| s.2).max().unwrap_or(0);
    let half = log
        .iter()
        .find(|s| s.0 >= elapsed / 2.0)
        .map_or(idle.0, |s| s.1);
    let end = log.last().map_or(idle.0, |s| s.1);
    println!(
        "server memory: {} KiB idle, {half} KiB at half time, {end} KiB at the end, peak {peak_rss} KiB, {} KiB after",
        idle.0, after.0
    );
    println!(
        "server open files: {} idle, peak {peak_fds} under load, {} after the visitors left",
        idle.1, after.1
    );
    println!("errors: {}", samples.errors.len());
    for error in samples.errors.iter().take(10) {
        println!("  {error}");
    }
    let mut failed = !samples.errors.is_empty();
    // A few descriptors may open lazily (SQLite's WAL and shared memory files).
    if after.1 > idle.1 + 4 {
        println!("LEAK: {} file descriptors still open", after.1 - idle.1);
        failed = true;
    }
    if end > half + half / 2 {
        println!("LEAK: memory grew from {half} KiB to {end} KiB over the second half");
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
}

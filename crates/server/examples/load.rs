//! Bounded loopback load benchmark of the gateway with the local upstream: N simulated visitors
//! open a session, poll `listMessages` by last id every second and send a message every 10 s,
//! for a fixed time; then it prints throughput, latency percentiles and errors, and exits
//! non-zero only on errors (timings are reported, never asserted).
//!
//! `cargo run --release -p connect360-server --example load` (env: `LOAD_VISITORS`, default
//! 200; `LOAD_SECONDS`, default 60). Traffic goes to 127.0.0.1 only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use connect360_server::gateway::rate_limit::{Rate, RateLimits};
use connect360_server::gateway::{Gateway, GatewayConfig, DEFAULT_TOKEN_TTL};
use connect360_server::local::auth::ApiKey;
use connect360_server::local::{ai, AiAgent, LocalConnect, Member, Workspace};
use connect360_server::store::Store;
use connect360_server::{router, AppState};
use serde_json::{json, Value};
use tokio::sync::Mutex;

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

async fn start_server(dir: &std::path::Path) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let workspace = Workspace {
        id: "ws_load".into(),
        member: Member {
            id: "mem_01".into(),
            name: "Support".into(),
            image: None,
        },
        agents: vec![AiAgent {
            id: "agent_demo".into(),
            name: "Demo assistant".into(),
        }],
        public_base: base.clone(),
    };
    let key = ApiKey::full_access("plato_load".into());
    let (local, jobs) = LocalConnect::new(
        Arc::new(Store::open(dir).unwrap()),
        workspace,
        vec![key.clone()],
        dir.into(),
    );
    let local = Arc::new(local);
    tokio::spawn(ai::run_worker(local.clone(), jobs));
    let gateway = Gateway::in_front_of_local(
        GatewayConfig {
            token_secret: b"load-token-secret".to_vec(),
            identity_secret: None,
            allowed_origins: vec![],
            channel: "example.com".into(),
            ai_agent: Some("agent_demo".into()),
            oauth: None,
            token_ttl: DEFAULT_TOKEN_TTL,
            // Every simulated visitor comes from 127.0.0.1.
            rate_limits: RateLimits {
                sessions_per_address: Rate::per_second(10_000),
                ..RateLimits::default()
            },
        },
        local.clone(),
        key,
    );
    let app = router(
        AppState {
            local: Some(local),
            gateway: Some(Arc::new(gateway)),
        },
        "/api/trpc",
    );
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    base
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
    // Spread visitors over the first second so they do not poll in lockstep.
    tokio::time::sleep(Duration::from_millis(index % 1000)).await;
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

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let visitors = env_number("LOAD_VISITORS", 200);
    let seconds = env_number("LOAD_SECONDS", 60);
    let dir = tempfile::tempdir().unwrap();
    let base = start_server(dir.path()).await;
    connect360_server::upstream::install_tls_provider();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()
        .unwrap();
    let samples = Arc::new(Mutex::new(Samples::default()));
    let rss_before = resident_kib();
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    println!("load: {visitors} visitors for {seconds} s against {base} (loopback)");
    let tasks: Vec<_> = (0..visitors)
        .map(|i| {
            tokio::spawn(visitor(
                base.clone(),
                client.clone(),
                until,
                i,
                samples.clone(),
            ))
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut samples = samples.lock().await;
    report("sessions", &mut samples.sessions, elapsed);
    report("polls", &mut samples.polls, elapsed);
    report("sends", &mut samples.sends, elapsed);
    println!(
        "memory: {} KiB resident before, {} KiB after (client and server in one process)",
        rss_before,
        resident_kib()
    );
    println!("errors: {}", samples.errors.len());
    for error in samples.errors.iter().take(10) {
        println!("  {error}");
    }
    if !samples.errors.is_empty() {
        std::process::exit(1);
    }
}

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
//! `LOAD_MODE=stream`: the visitors hold the gateway's event stream instead of polling (no demo
//! bot), while agents send `LOAD_AGENT_RATE` (default 20) messages a second through the API,
//! spread over the conversations. It reports delivery latency (the agent's call → the message
//! on the visitor's stream), checks every message arrived exactly once, and reports the
//! visitors' requests per minute; it fails on a message lost or doubled as well.
//!
//! `LOAD_MODE=scale`: the scale-out comparison of [`scale`] — one gateway without Redis, then
//! two replicas sharing their state in Redis, each in front of a local Connect360 process.
//!
//! `cargo build --release -p connect360-server && cargo run --release -p connect360-server
//! --example load` (env: `LOAD_VISITORS`, default 500; `LOAD_SECONDS`, default 300;
//! `LOAD_MODE`, `poll`, `stream` or `scale`; `LOAD_SERVER`, the binary, default
//! `target/release/connect360-server`).

mod scale;

use std::collections::HashMap;
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

/// The local API key the agents of the stream mode send with.
const AGENT_KEY: &str = "plato_local_soak_key";

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
async fn start_server(
    binary: &PathBuf,
    dir: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut child = tokio::process::Command::new(binary)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir)
        .args(["--widget-dir", "/nonexistent"])
        .args(extra)
        .env("CONNECT360_LOCAL_API_KEY", AGENT_KEY)
        .envs(env.iter().copied())
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

/// Opens a visitor session, timing it: the token and conversation id, or the error said.
async fn open_session(
    base: &str,
    client: &reqwest::Client,
    samples: &Mutex<Samples>,
) -> Result<(String, String), String> {
    let started = Instant::now();
    let session: Value = match client
        .post(format!("{base}/api/widget/session"))
        .json(&json!({"channelIdentifier": "example.com"}))
        .send()
        .await
    {
        Ok(r) if r.status() == 200 => r.json().await.unwrap_or(Value::Null),
        Ok(r) => return Err(format!("session: {}", r.status())),
        Err(e) => return Err(format!("session: {e}")),
    };
    samples.lock().await.sessions.push(started.elapsed());
    let field = |name: &str| session[name].as_str().unwrap_or_default().to_owned();
    Ok((field("token"), field("conversationId")))
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
    let (token, conversation) = match open_session(&base, &client, &samples).await {
        Ok(session) => session,
        Err(error) => return fail(&samples, error).await,
    };
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

/// What the stream mode measures: when each agent message was sent, how often it arrived,
/// and how long it took.
#[derive(Default)]
struct Deliveries {
    sent: HashMap<String, Instant>,
    received: HashMap<String, u32>,
    latencies: Vec<Duration>,
    /// Requests the visitors made (sessions and stream connections).
    visitor_requests: u64,
    /// Conversations that hold a stream, for the agents to write into; with the visitor's
    /// token and the gateway to write through when a second tab of the visitor writes
    /// (scale mode) rather than an agent.
    conversations: Vec<(String, Option<(String, String)>)>,
}

/// A visitor holding the event stream until `until`, reconnecting (after its last event) if
/// it drops; every agent message it reads is counted and timed.
#[allow(clippy::too_many_arguments)]
async fn stream_visitor(
    base: String,
    client: reqwest::Client,
    until: Instant,
    index: u64,
    visitors: u64,
    samples: Arc<Mutex<Samples>>,
    deliveries: Arc<Mutex<Deliveries>>,
    writes_through: Option<String>,
) {
    use connect360_model::wire::SseDecoder;
    let fail = |what: String| {
        let samples = samples.clone();
        async move { samples.lock().await.errors.push(what) }
    };
    // Arrivals spread over the first twenty seconds.
    tokio::time::sleep(Duration::from_millis(index * 20_000 / visitors.max(1))).await;
    let (token, conversation) = match open_session(&base, &client, &samples).await {
        Ok(session) => session,
        Err(error) => return fail(error).await,
    };
    deliveries.lock().await.visitor_requests += 1;
    let mut last: Option<String> = None;
    let mut registered = false;
    while Instant::now() < until {
        deliveries.lock().await.visitor_requests += 1;
        let mut query = vec![("conversationId", conversation.clone())];
        if let Some(after) = &last {
            query.push(("after", after.clone()));
        }
        let response = match client
            .get(format!("{base}/api/widget/events"))
            .query(&query)
            .bearer_auth(&token)
            .send()
            .await
        {
            Ok(r) if r.status() == 200 => r,
            Ok(r) => {
                fail(format!("stream: {}", r.status())).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(e) => {
                fail(format!("stream: {e}")).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if !registered {
            let writer = writes_through
                .clone()
                .map(|through| (token.clone(), through));
            deliveries
                .lock()
                .await
                .conversations
                .push((conversation.clone(), writer));
            registered = true;
        }
        let mut response = response;
        let mut decoder = SseDecoder::new();
        loop {
            let chunk = tokio::select! {
                chunk = response.chunk() => chunk,
                () = tokio::time::sleep_until(until.into()) => return,
            };
            let bytes = match chunk {
                Ok(Some(bytes)) => bytes,
                // Ended by the server: connect again after the last event.
                Ok(None) => break,
                Err(e) => {
                    fail(format!("stream read: {e}")).await;
                    break;
                }
            };
            for event in decoder.feed_events(&bytes) {
                if event.event.as_deref() != Some("message") {
                    continue;
                }
                let message: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
                last = message["id"].as_str().map(str::to_owned).or(last);
                let Some(text) = message["content"]["en"].as_str() else {
                    continue;
                };
                let mut deliveries = deliveries.lock().await;
                if let Some(sent) = deliveries.sent.get(text).copied() {
                    deliveries.latencies.push(sent.elapsed());
                    *deliveries.received.entry(text.to_owned()).or_default() += 1;
                }
            }
        }
    }
}

/// Agents writing `rate` messages a second, each into the next conversation that holds a
/// stream, until `until`.
async fn agents(
    base: String,
    rate: u64,
    until: Instant,
    samples: Arc<Mutex<Samples>>,
    deliveries: Arc<Mutex<Deliveries>>,
) {
    let client = reqwest::Client::new();
    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let mut n = 0usize;
    while Instant::now() < until {
        ticks.tick().await;
        let conversation = {
            let mut deliveries = deliveries.lock().await;
            if deliveries.conversations.is_empty() {
                continue;
            }
            let (conversation, writer) =
                deliveries.conversations[n % deliveries.conversations.len()].clone();
            let text = format!("agent message {n}");
            deliveries.sent.insert(text.clone(), Instant::now());
            (conversation, text, writer)
        };
        let (conversation, text, writer) = conversation;
        n += 1;
        let (client, base, samples) = (client.clone(), base.clone(), samples.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            // An agent through the API, or the visitor's other tab through another gateway.
            let (through, credential) = match &writer {
                Some((token, through)) => (through.as_str(), token.as_str()),
                None => (base.as_str(), AGENT_KEY),
            };
            let sent = client
                .post(format!("{through}/api/trpc/v1.connect.send"))
                .bearer_auth(credential)
                .json(&json!({"conversationId": conversation, "content": {"en": text}}))
                .send()
                .await;
            let mut samples = samples.lock().await;
            match sent {
                Ok(r) if r.status() == 200 => samples.sends.push(started.elapsed()),
                Ok(r) => samples.errors.push(format!("agent send: {}", r.status())),
                Err(e) => samples.errors.push(format!("agent send: {e}")),
            }
        });
    }
}

/// Every agent message arrived exactly once; prints delivery and request figures. Whether
/// anything was lost or doubled.
async fn report_deliveries(deliveries: &Mutex<Deliveries>, visitors: u64, seconds: f64) -> bool {
    let mut deliveries = deliveries.lock().await;
    let lost = deliveries
        .sent
        .keys()
        .filter(|text| !deliveries.received.contains_key(*text))
        .count();
    let doubled = deliveries.received.values().filter(|n| **n > 1).count();
    let sent = deliveries.sent.len();
    report("delivery", &mut deliveries.latencies, seconds);
    println!("agent messages: {sent} sent, {lost} lost, {doubled} delivered more than once");
    println!(
        "visitor requests: {} in all, {:.2} per visitor per minute (sessions and stream connections)",
        deliveries.visitor_requests,
        deliveries.visitor_requests as f64 / visitors.max(1) as f64 / (seconds / 60.0)
    );
    lost > 0 || doubled > 0
}

/// A streaming visitor holds a connection: the soak's own process needs a descriptor each.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
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
    let streaming = std::env::var("LOAD_MODE").is_ok_and(|m| m == "stream");
    let agent_rate = env_number("LOAD_AGENT_RATE", 20);
    connect360_server::upstream::install_tls_provider();
    raise_open_file_limit();
    if std::env::var("LOAD_MODE").is_ok_and(|m| m == "scale") {
        let failed = scale::compare(&binary, visitors, seconds, agent_rate).await;
        std::process::exit(i32::from(failed));
    }
    let dir = tempfile::tempdir().unwrap();
    let extra: &[&str] = if streaming { &["--no-demo-bot"] } else { &[] };
    let (server, base) = start_server(&binary, dir.path(), extra, &[]).await;
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
    let deliveries = Arc::new(Mutex::new(Deliveries::default()));
    if streaming {
        println!("stream mode: agents send {agent_rate} messages a second over the visitors' conversations");
        // The agents stop a few seconds early, so what they sent last can arrive.
        tokio::spawn(agents(
            base.clone(),
            agent_rate,
            until - Duration::from_secs(5),
            samples.clone(),
            deliveries.clone(),
        ));
    }
    let tasks: Vec<_> = (0..visitors)
        .map(|i| {
            let client = clients[(i / VISITORS_PER_ADDRESS) as usize].clone();
            if streaming {
                tokio::spawn(stream_visitor(
                    base.clone(),
                    client,
                    until,
                    i,
                    visitors,
                    samples.clone(),
                    deliveries.clone(),
                    None,
                ))
            } else {
                tokio::spawn(visitor(base.clone(), client, until, i, samples.clone()))
            }
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
    if streaming && report_deliveries(&deliveries, visitors, elapsed).await {
        println!("LOST OR DOUBLED: every agent message must reach its visitor exactly once");
        failed = true;
    }
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

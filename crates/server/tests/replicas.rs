//! Two gateway replicas sharing their state in Redis (`--state`), for real: Debian's
//! `redis-server`, a local Connect360 process as the upstream, two gateway processes in
//! front of it, and a round-robin proxy in front of those that sends every new connection to
//! the next replica. The client opens a connection per request, so a visitor alternates
//! replicas at every step — and nothing they do is refused for it.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::process::{series, spawn, upload_receipt, Process, RedisServer, SHOP};
use serde_json::{json, Value};

const KEY: &str = "plato_replicas_test_key";
const TOKEN_SECRET: &str = "replicas-share-this-token-secret-of-32-bytes";
const AUTHORIZE_URL: &str = "https://id.shop.example/oauth/authorize";
const METRICS_TOKEN: &str = "replicas-metrics-token-of-32-bytes-or-more";
const FIXTURES: &str = include_str!("../../../fixtures/rich-messages.json");

/// A round-robin TCP proxy: connection `n` goes to `backends[n % len]`.
struct Proxy {
    base: String,
    /// Connections each backend was given.
    served: Arc<Vec<AtomicUsize>>,
}

impl Proxy {
    fn bind() -> (tokio::net::TcpListener, String) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        (tokio::net::TcpListener::from_std(listener).unwrap(), base)
    }

    fn start(listener: tokio::net::TcpListener, base: String, backends: Vec<String>) -> Proxy {
        let served: Arc<Vec<AtomicUsize>> =
            Arc::new(backends.iter().map(|_| AtomicUsize::new(0)).collect());
        let counts = served.clone();
        tokio::spawn(async move {
            let mut next = 0;
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let index = next % backends.len();
                next += 1;
                counts[index].fetch_add(1, Ordering::Relaxed);
                let backend = backends[index].trim_start_matches("http://").to_owned();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Proxy { base, served }
    }

    fn served(&self) -> Vec<usize> {
        self.served
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect()
    }
}

/// A deployment: Redis, the upstream, two replicas and the proxy in front of them.
struct Deployment {
    redis: RedisServer,
    upstream: Process,
    replicas: Vec<Process>,
    proxy: Proxy,
}

impl Deployment {
    async fn start() -> Deployment {
        let redis = RedisServer::start().await;
        let upstream = spawn(&["--no-demo-bot"], &[("CONNECT360_LOCAL_API_KEY", KEY)]).await;
        let (listener, base) = Proxy::bind();
        let mut replicas = Vec::new();
        for _ in 0..2 {
            let args = [
                "--upstream",
                &upstream.base,
                "--state",
                &redis.url(),
                "--public-url",
                &base,
                "--oauth-authorize-url",
                AUTHORIZE_URL,
            ];
            let env = [
                ("PLATO_API_KEY", KEY),
                ("CONNECT360_TOKEN_SECRET", TOKEN_SECRET),
                ("CONNECT360_METRICS_TOKEN", METRICS_TOKEN),
            ];
            replicas.push(spawn(&args, &env).await);
        }
        let backends = replicas.iter().map(|r| r.base.clone()).collect();
        let proxy = Proxy::start(listener, base, backends);
        Deployment {
            redis,
            upstream,
            replicas,
            proxy,
        }
    }

    /// `path` at the proxy.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.proxy.base)
    }

    /// What the upstream holds for `conversation`, read with its key.
    async fn stored(&self, conversation: &str) -> Vec<Value> {
        let (status, page) = trpc(
            &self.upstream.base,
            KEY,
            "v1.connect.listMessages",
            json!({"conversationId": conversation}),
        )
        .await;
        assert_eq!(status, 200, "{page}");
        page["result"]["data"]["items"].as_array().unwrap().clone()
    }
}

/// Conversations replica `index` polls the upstream for, from its `/metrics`.
async fn pollers(replica: &Process) -> f64 {
    let page = client()
        .get(format!("{}/metrics", replica.base))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    series(&page, "connect360_upstream_pollers")
}

/// An event stream of `conversation` opened on `replica` itself, as a widget whose visitor
/// is not looking (polled every 10 s): what reaches it sooner was pushed.
struct Stream {
    response: reqwest::Response,
    seen: String,
}

impl Stream {
    async fn open(replica: &Process, token: &str, conversation: &str) -> Stream {
        let response = client()
            .get(format!("{}/api/widget/events", replica.base))
            .query(&[("conversationId", conversation)])
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let mut stream = Stream {
            response,
            seen: String::new(),
        };
        assert!(stream
            .wait_for("event: ready", Duration::from_secs(5))
            .await
            .is_some());
        stream
    }

    /// How long until `needle` arrives, if within `limit`.
    async fn wait_for(&mut self, needle: &str, limit: Duration) -> Option<Duration> {
        let started = tokio::time::Instant::now();
        let found = tokio::time::timeout(limit, async {
            while !self.seen.contains(needle) {
                match self.response.chunk().await {
                    Ok(Some(chunk)) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                    _ => return false,
                }
            }
            true
        })
        .await;
        matches!(found, Ok(true)).then(|| started.elapsed())
    }
}

/// A connection per request: the proxy hands each to the next replica.
fn client() -> reqwest::Client {
    connect360_server::upstream::install_tls_provider();
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn trpc(base: &str, credential: &str, path: &str, input: Value) -> (u16, Value) {
    let url = format!("{base}/api/trpc/{path}");
    let request = if path.ends_with("listMessages") {
        client().get(url).query(&[("input", input.to_string())])
    } else {
        client().post(url).json(&input)
    };
    json_of(request.bearer_auth(credential).send().await.unwrap()).await
}

/// A new visitor's session through the proxy: (token, conversation id).
async fn session(deployment: &Deployment) -> (String, String) {
    let (status, body) = json_of(
        client()
            .post(deployment.url("/api/widget/session"))
            .header("origin", SHOP)
            .json(&json!({"channelIdentifier": "example.com"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let field = |name: &str| body[name].as_str().unwrap().to_owned();
    (field("token"), field("conversationId"))
}

async fn send(deployment: &Deployment, token: &str, input: Value) -> (u16, Value) {
    trpc(&deployment.proxy.base, token, "v1.connect.send", input).await
}

#[tokio::test]
async fn a_visitor_alternating_replicas_at_every_request_is_never_refused() {
    let deployment = Deployment::start().await;
    let (token, conversation) = session(&deployment).await;

    // Upload on one replica, send it on the other, download it on the first.
    let (status, uploaded) = upload_receipt(&deployment.proxy.base, &token).await;
    assert_eq!(status, 200, "{uploaded}");
    let file = uploaded["files"][0].clone();
    let (status, sent) = send(
        &deployment,
        &token,
        json!({"conversationId": conversation, "content": {"en": "My receipt"},
               "attachmentIds": [file["id"]]}),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    let download = client()
        .get(deployment.url(&format!(
            "/api/v1/connect/assets/{}",
            file["s3Key"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"order 1042");

    // A sign-in started on one replica returns to the other.
    let all: Vec<Value> = serde_json::from_str(FIXTURES).unwrap();
    let f09 = all.iter().find(|f| f["fixture"] == "F09-sign-in").unwrap();
    let (status, asked) = trpc(
        &deployment.upstream.base,
        KEY,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": f09["message"]["content"]["en"]}}),
    )
    .await;
    assert_eq!(status, 200, "{asked}");
    let started = client()
        .post(deployment.url("/api/widget/oauth/start"))
        .header("origin", SHOP)
        .bearer_auth(&token)
        .json(&json!({"conversationId": conversation,
                      "messageId": asked["result"]["data"]["id"], "lang": "en",
                      "suggestion": "suggestions[0]"}))
        .send()
        .await
        .unwrap();
    let cookie = started.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let (status, body) = json_of(started).await;
    assert_eq!(status, 200, "{body}");
    let authorization = url::Url::parse(body["authorizationUrl"].as_str().unwrap()).unwrap();
    let state = authorization
        .query_pairs()
        .find(|(name, _)| name == "state")
        .unwrap()
        .1
        .into_owned();
    // The authorization server sends the browser back: to the other replica. The state is
    // taken once, whichever replica is asked next.
    let callback = || async {
        client()
            .get(deployment.url("/api/widget/oauth/callback"))
            .query(&[("state", state.as_str()), ("code", "auth-code-1")])
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(callback().await, 200);
    assert_eq!(callback().await, 400);

    let stored = deployment.stored(&conversation).await;
    let customer: Vec<&Value> = stored
        .iter()
        .filter(|m| m["sender"]["type"] == "customer")
        .collect();
    assert_eq!(customer.len(), 2, "{stored:?}");
    assert_eq!(customer[0]["attachments"][0]["id"], file["id"]);
    assert_eq!(
        customer[1]["content"]["en"]["authenticationResponse"]["code"], "auth-code-1",
        "{:?}",
        customer[1]
    );
    // Both replicas served, turn about.
    let served = deployment.proxy.served();
    assert!(served.iter().all(|&n| n >= 3), "{served:?}");
}

#[tokio::test]
async fn a_burst_of_sends_meets_one_limit_across_the_replicas() {
    let deployment = Deployment::start().await;
    let (token, conversation) = session(&deployment).await;
    // Ten a minute per visitor (the default): each replica alone would allow ten more.
    let mut statuses = Vec::new();
    for n in 0..12 {
        let (status, _) = send(
            &deployment,
            &token,
            json!({"conversationId": conversation, "content": {"en": format!("message {n}")}}),
        )
        .await;
        statuses.push(status);
    }
    assert_eq!(statuses[..10], [200; 10]);
    assert_eq!(statuses[10..], [429, 429]);
    assert_eq!(deployment.stored(&conversation).await.len(), 10);
}

#[tokio::test]
async fn redis_stopped_mid_conversation_gives_503_and_once_back_nothing_is_lost_or_doubled() {
    let mut deployment = Deployment::start().await;
    let (token, conversation) = session(&deployment).await;
    let (status, _) = send(
        &deployment,
        &token,
        json!({"conversationId": conversation, "content": {"en": "before"}}),
    )
    .await;
    assert_eq!(status, 200);

    deployment.redis.stop().await;
    let during = client()
        .post(deployment.url("/api/trpc/v1.connect.send"))
        .bearer_auth(&token)
        .header("idempotency-key", "during-outage-1")
        .json(&json!({"conversationId": conversation, "content": {"en": "during"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(during.status(), 503);
    assert_eq!(during.headers()["retry-after"], "2");
    let (_, body) = json_of(during).await;
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("shared state"), "{body}");
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");
    // Each replica says it is not ready, and why.
    for replica in &deployment.replicas {
        let (status, ready) = json_of(
            client()
                .get(format!("{}/readyz", replica.base))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 503, "{ready}");
        assert_eq!(ready["checks"]["redis"], "not answering", "{ready}");
    }
    assert_eq!(
        deployment.stored(&conversation).await.len(),
        1,
        "nothing stored while down"
    );

    // Back: the widget's retry (same key) is sent once, on whichever replica; then again.
    deployment.redis.start_again().await;
    let mut retried = Vec::new();
    for _ in 0..40 {
        let response = client()
            .post(deployment.url("/api/trpc/v1.connect.send"))
            .bearer_auth(&token)
            .header("idempotency-key", "during-outage-1")
            .json(&json!({"conversationId": conversation, "content": {"en": "during"}}))
            .send()
            .await
            .unwrap();
        retried.push(response.status().as_u16());
        if response.status() == 200 && retried.iter().filter(|&&s| s == 200).count() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(retried.iter().all(|&s| s == 200 || s == 503), "{retried:?}");
    assert_eq!(
        retried.iter().filter(|&&s| s == 200).count(),
        2,
        "{retried:?}"
    );
    let texts: Vec<Value> = deployment
        .stored(&conversation)
        .await
        .iter()
        .map(|m| m["content"]["en"].clone())
        .collect();
    assert_eq!(texts, [json!("before"), json!("during")]);
}

#[tokio::test]
async fn one_replica_polls_and_a_send_through_the_other_reaches_its_streams_at_once() {
    let mut deployment = Deployment::start().await;
    let (token, conversation) = session(&deployment).await;
    let mut on = Vec::new();
    for replica in &deployment.replicas {
        on.push(Stream::open(replica, &token, &conversation).await);
    }
    // However many streams on both, one replica holds the conversation's poller.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let held = [
        pollers(&deployment.replicas[0]).await,
        pollers(&deployment.replicas[1]).await,
    ];
    assert_eq!(held.iter().sum::<f64>(), 1.0, "{held:?}");
    // Renewing and looking at the lease is about one call a second a watch, not a busy loop.
    let commands = || async {
        let client = redis::Client::open(deployment.redis.url()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let info: String = redis::cmd("INFO")
            .arg("stats")
            .query_async(&mut connection)
            .await
            .unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("total_commands_processed:"))
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let before = commands().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let spent = commands().await - before;
    assert!(spent < 60, "{spent} Redis commands in 3 idle seconds");

    // Sent through each replica in turn, heard on both streams long before the next poll
    // (10 s): it was pushed across.
    for (through, text) in [
        (0, "sent through the first"),
        (1, "sent through the second"),
    ] {
        let (status, body) = trpc(
            &deployment.replicas[through].base,
            &token,
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"en": text}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        for (index, stream) in on.iter_mut().enumerate() {
            let took = stream.wait_for(text, Duration::from_secs(3)).await;
            assert!(took.is_some(), "replica {index} did not hear {text:?}");
            eprintln!(
                "{text:?} reached replica {index}'s stream in {:?}",
                took.unwrap()
            );
        }
    }

    // A visitor looking at a stream on the replica that does not poll: the poller reads
    // every second for them (not every 10 s), so an agent's reply written straight into the
    // upstream reaches them within a few seconds.
    let leader = usize::from(held[1] == 1.0);
    let survivor = 1 - leader;
    let looking = client()
        .get(format!(
            "{}/api/widget/events",
            deployment.replicas[survivor].base
        ))
        .query(&[
            ("conversationId", conversation.as_str()),
            ("active", "true"),
        ])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let mut looking = Stream {
        response: looking,
        seen: String::new(),
    };
    assert!(looking
        .wait_for("event: ready", Duration::from_secs(5))
        .await
        .is_some());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, body) = trpc(
        &deployment.upstream.base,
        KEY,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "an agent, to one looking"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let took = looking
        .wait_for("an agent, to one looking", Duration::from_secs(4))
        .await;
    assert!(took.is_some(), "a looking visitor waited for the idle poll");
    drop(looking);

    // The poller's replica dies: the other takes over within seconds and goes on from
    // where it was told.
    deployment.replicas[leader].child.kill().await.unwrap();
    let mut took_over = false;
    for _ in 0..80 {
        if pollers(&deployment.replicas[survivor]).await == 1.0 {
            took_over = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(took_over, "no replica took the poller over");
    let (status, body) = trpc(
        &deployment.upstream.base,
        KEY,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "an agent, after the takeover"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let heard = on[survivor]
        .wait_for("an agent, after the takeover", Duration::from_secs(12))
        .await;
    assert!(
        heard.is_some(),
        "the surviving replica's stream did not hear the agent"
    );
    // Nothing twice: each message once on the surviving stream.
    for text in [
        "sent through the first",
        "sent through the second",
        "an agent, to one looking",
        "an agent, after the takeover",
    ] {
        assert_eq!(
            on[survivor].seen.matches(text).count(),
            1,
            "{}",
            on[survivor].seen
        );
    }
}

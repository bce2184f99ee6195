//! Test support: the real server on a loopback port, with a data dir that outlives restarts.
#![allow(dead_code)]

pub mod process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use connect360_server::compose::{compose, LocalParts, UpstreamParts};
use connect360_server::gateway::identity::IdentityVerifier;
use connect360_server::gateway::oauth::OAuthConfig;
use connect360_server::gateway::rate_limit::RateLimits;
use connect360_server::gateway::{Gateway, GatewayConfig, DEFAULT_TOKEN_TTL};
use connect360_server::local::auth::{ApiKey, Permission};
use connect360_server::local::{AiAgent, Member, Workspace};
use connect360_server::store::Store;
use std::collections::VecDeque;
use std::time::Duration;

use connect360_model::wire::{SseDecoder, SseEvent};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

pub const KEY: &str = "plato_test_key";
pub const READ_ONLY_KEY: &str = "plato_read_only";
pub const AGENT: &str = "agent_demo";
pub const SHOP_ORIGIN: &str = "http://shop.example";
pub const CHANNEL: &str = "example.com";
pub const TOKEN_SECRET: &[u8] = b"test-token-secret-of-32-bytes-or-more";
pub const IDENTITY_SECRET: &[u8] = b"test-identity-secret-of-32-bytes-or-more";
pub const AUTHORIZE_URL: &str = "https://id.shop.example/oauth/authorize?tenant=shop";

pub struct TestServer {
    pub base: String,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    task: JoinHandle<()>,
    /// The gateway itself, for its housekeeping.
    pub gateway: Arc<Gateway>,
    pub client: reqwest::Client,
}

impl TestServer {
    /// A server with a fresh data dir.
    pub async fn start() -> (TestServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start_in(dir.path().to_path_buf()).await;
        (server, dir)
    }

    /// A server over an existing data dir (a restart).
    pub async fn start_in(data_dir: PathBuf) -> TestServer {
        TestServer::start_with(data_dir, RateLimits::default()).await
    }

    /// A server with particular rate limits.
    pub async fn start_with(data_dir: PathBuf, limits: RateLimits) -> TestServer {
        TestServer::start_full(data_dir, limits, false, false).await
    }

    /// A server with particular connection limits.
    pub async fn start_with_serve_limits(
        serve: connect360_server::serve::ServeLimits,
    ) -> (TestServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start_all(
            dir.path().to_path_buf(),
            RateLimits::default(),
            false,
            false,
            serve,
            Default::default(),
        )
        .await;
        (server, dir)
    }

    /// A server whose sign-in suggestions go to [`AUTHORIZE_URL`].
    pub async fn start_with_sign_in() -> (TestServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let server =
            TestServer::start_full(dir.path().to_path_buf(), RateLimits::default(), false, true)
                .await;
        (server, dir)
    }

    /// A server with the merchant's settings (`--config`).
    pub async fn start_with_settings(
        settings: connect360_server::settings::Settings,
    ) -> (TestServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start_all(
            dir.path().to_path_buf(),
            RateLimits::default(),
            false,
            false,
            Default::default(),
            settings,
        )
        .await;
        (server, dir)
    }

    /// A server with the demo bot answering visitors.
    pub async fn start_with_bot() -> (TestServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let server =
            TestServer::start_full(dir.path().to_path_buf(), RateLimits::default(), true, false)
                .await;
        (server, dir)
    }

    async fn start_full(
        data_dir: PathBuf,
        limits: RateLimits,
        bot: bool,
        sign_in: bool,
    ) -> TestServer {
        TestServer::start_all(
            data_dir,
            limits,
            bot,
            sign_in,
            Default::default(),
            Default::default(),
        )
        .await
    }

    async fn start_all(
        data_dir: PathBuf,
        limits: RateLimits,
        bot: bool,
        sign_in: bool,
        serve: connect360_server::serve::ServeLimits,
        settings: connect360_server::settings::Settings,
    ) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let workspace = Workspace {
            id: "ws_test".into(),
            member: Member {
                id: "mem_01".into(),
                name: "Sam".into(),
                image: None,
            },
            agents: vec![AiAgent {
                id: AGENT.into(),
                name: "Acme AI".into(),
                image: Some("/demo/img/assistant.png".into()),
            }],
            public_base: base.clone(),
        };
        let keys = vec![
            ApiKey::full_access(KEY.into()),
            ApiKey {
                secret: READ_ONLY_KEY.into(),
                permissions: vec![Permission::Read],
            },
        ];
        let app = compose(
            GatewayConfig {
                token_secret: TOKEN_SECRET.to_vec(),
                identity: Some(IdentityVerifier::new(IDENTITY_SECRET.to_vec())),
                allowed_origins: vec![SHOP_ORIGIN.into()],
                channel: CHANNEL.into(),
                ai_agent: Some(AGENT.into()),
                oauth: sign_in.then(|| OAuthConfig::new(AUTHORIZE_URL, &base).unwrap()),
                token_ttl: DEFAULT_TOKEN_TTL,
                rate_limits: limits,
                trusted_proxies: Vec::new(),
                trpc_path: "/api/trpc".into(),
                availability: settings.availability,
                prechat: settings.prechat,
                metrics_token: None,
            },
            UpstreamParts::Local(LocalParts {
                store: Arc::new(Store::open(&data_dir).unwrap()),
                workspace,
                keys,
                gateway_key: ApiKey::full_access(KEY.into()),
                data_dir: data_dir.clone(),
                demo_bot: bot,
            }),
            "/api/trpc",
            None,
        );
        let gateway = app.gateway;
        let router = app.router;
        let task = tokio::spawn(async move {
            connect360_server::serve::serve(listener, router, serve, std::future::pending())
                .await
                .unwrap();
        });
        TestServer {
            base,
            addr,
            data_dir,
            task,
            gateway,
            client: {
                connect360_server::upstream::install_tls_provider();
                reqwest::Client::new()
            },
        }
    }

    pub fn stop(self) {
        self.task.abort();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/trpc/{path}", self.base)
    }

    /// POSTs a mutation with the full-access key; returns (status, body).
    pub async fn mutate(&self, path: &str, input: Value) -> (u16, Value) {
        self.mutate_with(path, input, Some(KEY)).await
    }

    pub async fn mutate_with(&self, path: &str, input: Value, key: Option<&str>) -> (u16, Value) {
        let mut request = self.client.post(self.url(path)).json(&input);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// GETs a query with `?input=`.
    pub async fn query(&self, path: &str, input: Value) -> (u16, Value) {
        let response = self
            .client
            .get(self.url(path))
            .query(&[("input", input.to_string())])
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The `data` of a successful call (panics with the body otherwise).
    pub async fn ok(&self, path: &str, input: Value) -> Value {
        let (status, body) = if path.ends_with("listMessages") {
            self.query(path, input).await
        } else {
            self.mutate(path, input).await
        };
        assert_eq!(status, 200, "{path}: {body}");
        body["result"]["data"].clone()
    }

    /// A visitor's conversation (customer `externalId`).
    pub async fn conversation_for(&self, external_id: &str) -> String {
        let data = self
            .ok(
                "v1.connect.getOrCreateConversation",
                json!({"type": "DIRECT", "customer": {"externalId": external_id, "name": "Jane Customer"},
                       "channelIdentifier": "example.com", "metadata": {"source": "website-chat"}}),
            )
            .await;
        data["id"].as_str().unwrap().to_owned()
    }

    /// Sends plain text as the conversation's customer; returns the message.
    pub async fn customer_says(&self, conversation: &str, text: &str) -> Value {
        self.ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "sender": "customer", "content": {"en": text}}),
        )
        .await
    }

    /// Every message of a conversation, following nextCursor.
    pub async fn all_messages(&self, conversation: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor = Value::Null;
        loop {
            let page = self
                .ok(
                    "v1.connect.listMessages",
                    json!({"conversationId": conversation, "limit": 100, "cursor": cursor}),
                )
                .await;
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            if page["nextCursor"].is_null() {
                return items;
            }
            cursor = page["nextCursor"].clone();
        }
    }
}

/// A visitor's session: (status, body).
pub async fn open_session(server: &TestServer, body: Value, origin: Option<&str>) -> (u16, Value) {
    let mut request = server
        .client
        .post(format!("{}/api/widget/session", server.base))
        .json(&body);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// A JSON `POST` to the gateway's route `/api/widget/{route}`, with a visitor token or none:
/// (status, body).
pub async fn widget_post(
    server: &TestServer,
    token: Option<&str>,
    route: &str,
    body: Value,
) -> (u16, Value) {
    let mut request = server
        .client
        .post(format!("{}/api/widget/{route}", server.base))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// The visitor ends their chat (`POST /api/widget/end`), which must succeed.
pub async fn end_chat(server: &TestServer, token: &str, conversation: &str) {
    let (status, body) = widget_post(
        server,
        Some(token),
        "end",
        json!({"conversationId": conversation}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
}

/// A tRPC call with a visitor token: (status, body).
pub async fn as_visitor(
    server: &TestServer,
    token: &str,
    path: &str,
    input: Value,
) -> (u16, Value) {
    let request = if path.ends_with("listMessages") {
        server
            .client
            .get(server.url(path))
            .query(&[("input", input.to_string())])
    } else {
        server.client.post(server.url(path)).json(&input)
    };
    let response = request.bearer_auth(token).send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// The customer of `conversation`, as the local store holds it.
pub async fn customer_of(server: &TestServer, conversation: &str) -> Value {
    let conversation = server
        .ok("v1.connect.updateConversation", json!({"id": conversation}))
        .await;
    let customer_id = conversation["customerId"].as_str().unwrap().to_owned();
    // A conversation opened for the customer by id returns the customer's conversation and
    // its row carries the profile; read it through the console's view of the store.
    let store = connect360_server::store::Store::open(&server.data_dir).unwrap();
    store
        .transaction(|tx| connect360_server::store::customers::get(tx, &customer_id))
        .unwrap()
        .map(|c| {
            json!({"id": c.id, "externalId": c.external_id, "name": c.name, "email": c.email,
                   "metadata": c.metadata})
        })
        .unwrap()
}

/// The conversation's metadata as the local store holds it (`Null` for an unknown one).
pub async fn conversation_metadata(server: &TestServer, conversation: &str) -> Value {
    let store = connect360_server::store::Store::open(&server.data_dir).unwrap();
    store
        .transaction(|tx| connect360_server::store::conversations::get(tx, conversation))
        .unwrap()
        .map(|c| Value::Object(c.metadata))
        .unwrap_or(Value::Null)
}

/// The ids of a page's `items`, in order.
pub fn item_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The error code of a tRPC error envelope.
pub fn code(body: &Value) -> &str {
    body["error"]["data"]["code"].as_str().unwrap_or("")
}

/// A new visitor's session: (token, visitor id, conversation id).
pub async fn visitor(server: &TestServer) -> (String, String, String) {
    let (status, body) = open_session(
        server,
        json!({"channelIdentifier": CHANNEL}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        body["token"].as_str().unwrap().to_owned(),
        body["visitorId"].as_str().unwrap().to_owned(),
        body["conversationId"].as_str().unwrap().to_owned(),
    )
}

/// A merchant-signed identity for `sub`, valid for ten minutes.
pub fn identity_for(sub: &str, name: &str, email: &str) -> String {
    let now = connect360_server::clock::now_millis() / 1000;
    connect360_server::gateway::identity::sign(
        &json!({"sub": sub, "name": name, "email": email, "iat": now, "exp": now + 600}),
        IDENTITY_SECRET,
    )
}

/// Opens a session with `body` from the shop's origin; panics unless it is 200.
pub async fn session(server: &TestServer, body: Value) -> Value {
    let (status, session) = open_session(server, body, Some(SHOP_ORIGIN)).await;
    assert_eq!(status, 200, "{session}");
    session
}

/// The items a visitor token reads from a conversation: (status, body).
pub async fn visitor_reads(server: &TestServer, token: &str, conversation: &str) -> (u16, Value) {
    as_visitor(
        server,
        token,
        "v1.connect.listMessages",
        json!({"conversationId": conversation, "limit": 100}),
    )
    .await
}

/// What a visitor can learn of team notes, checked through any gateway (`visitor_base`, the
/// visitor's `token` and `conversation`) whose upstream the merchant reaches at
/// `merchant_base` with `key`: nothing — no item, no cursor, no AI quote, no sign-in code.
pub async fn internal_notes_stay_internal(
    visitor_base: &str,
    merchant_base: &str,
    key: &str,
    token: &str,
    conversation: &str,
) {
    let client = reqwest::Client::new();
    let call = |base: &str, credential: &str, path: &str, input: Value| {
        let url = format!("{base}/api/trpc/{path}");
        let request = if path.ends_with("listMessages") {
            client.get(url).query(&[("input", input.to_string())])
        } else {
            client.post(url).json(&input)
        };
        let request = request.bearer_auth(credential.to_owned());
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let id = |body: &Value| body["result"]["data"]["id"].as_str().unwrap().to_owned();
    let (status, body) = call(
        visitor_base,
        token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "Where is my parcel?"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let question = id(&body);
    let note = |text: &str| {
        call(
            merchant_base,
            key,
            "v1.connect.send",
            json!({"conversationId": conversation, "sender": "workspace",
                   "flags": ["internal"], "content": {"en": text}}),
        )
    };
    let (status, body) = note("do not refund").await;
    assert_eq!(status, 200, "{body}");
    let secret_note = id(&body);
    note("second note").await;
    let (_, body) = call(
        merchant_base,
        key,
        "v1.connect.send",
        json!({"conversationId": conversation, "sender": "workspace",
               "content": {"en": "It ships today."}}),
    )
    .await;
    let answer = id(&body);
    note("trailing note").await;

    let page = |cursor: Option<&str>| {
        call(
            visitor_base,
            token,
            "v1.connect.listMessages",
            json!({"conversationId": conversation, "limit": 1, "cursor": cursor}),
        )
    };
    // Paging skips the notes: the cursor after the question names the visible answer.
    let (status, first) = page(None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["result"]["data"]["items"][0]["id"], question.as_str());
    assert_eq!(
        first["result"]["data"]["nextCursor"],
        answer.as_str(),
        "{first}"
    );
    let (_, second) = page(Some(&answer)).await;
    assert_eq!(second["result"]["data"]["items"][0]["id"], answer.as_str());
    assert_eq!(
        second["result"]["data"]["nextCursor"],
        Value::Null,
        "only notes follow: {second}"
    );
    // A page is filled with visible messages only: its size says nothing of the notes.
    let (_, filled) = call(
        visitor_base,
        token,
        "v1.connect.listMessages",
        json!({"conversationId": conversation, "limit": 2}),
    )
    .await;
    let ids: Vec<&str> = filled["result"]["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [question.as_str(), answer.as_str()], "{filled}");
    assert_eq!(filled["result"]["data"]["nextCursor"], Value::Null);
    // A note's id is as unknown as a made-up one.
    let (status, as_note) = page(Some(&secret_note)).await;
    let (unknown_status, unknown) = page(Some("msg_made_up")).await;
    assert_eq!((status, unknown_status), (400, 400), "{as_note} {unknown}");
    assert_eq!(as_note["error"]["message"], unknown["error"]["message"]);
    for body in [&first, &second, &as_note] {
        let text = body.to_string();
        assert!(
            !text.contains("refund") && !text.contains(&secret_note),
            "{text}"
        );
    }

    // The AI answers the visitor's own latest message, whatever the visitor names.
    for hint in [json!(secret_note), Value::Null] {
        let response = client
            .post(format!("{visitor_base}/api/v1/connect/ai-stream"))
            .bearer_auth(token)
            .json(&json!({"agentId": AGENT, "conversationId": conversation, "lastMessageId": hint}))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let stream = response.text().await.unwrap();
        assert_eq!(status, 200, "{stream}");
        assert!(stream.contains("\"type\":\"done\""), "{stream}");
        assert!(stream.contains("Where is my parcel?"), "{stream}");
        assert!(
            !stream.contains("refund") && !stream.contains("note"),
            "{stream}"
        );
    }
}

/// A correctly signed visitor token that expired a minute ago.
pub fn expired_token() -> String {
    use connect360_server::gateway::token::{sign, VisitorClaims};
    sign(
        &VisitorClaims {
            visitor_id: "guest_0123456789abcdef".into(),
            external_id: "guest_0123456789abcdef".into(),
            customer_id: "cus_x".into(),
            conversation_id: "conv_x".into(),
            channel: CHANNEL.into(),
            expires_at: connect360_server::clock::now_millis() - 60_000,
        },
        TOKEN_SECRET,
    )
}

pub type UploadPart<'a> = (&'a str, Option<&'a str>, Vec<u8>);

/// Uploads `parts` as a visitor; the status and the body.
pub async fn visitor_upload_parts(
    server: &TestServer,
    token: &str,
    parts: &[UploadPart<'_>],
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new();
    for (name, mime, bytes) in parts {
        let mut part = reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string());
        if let Some(mime) = mime {
            part = part.mime_str(mime).unwrap();
        }
        form = form.part("file", part);
    }
    let response = server
        .client
        .post(format!("{}/api/v1/connect/attachments", server.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.json::<Value>().await.unwrap_or(Value::Null),
    )
}

/// How many files the local Connect360 holds on disk.
pub fn stored_files(server: &TestServer) -> usize {
    std::fs::read_dir(server.data_dir.join("files"))
        .map(|dir| dir.count())
        .unwrap_or(0)
}

pub async fn visitor_upload(server: &TestServer, token: &str, bytes: &[u8], name: &str) -> Value {
    let (status, body) = visitor_upload_parts(server, token, &[(name, None, bytes.to_vec())]).await;
    assert_eq!(status, 200, "{body}");
    body["files"][0].clone()
}

pub async fn download(server: &TestServer, token: &str, file: &Value) -> u16 {
    server
        .client
        .get(format!(
            "{}/api/v1/connect/assets/{}",
            server.base,
            file["s3Key"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// An open event stream.
pub struct Events {
    response: reqwest::Response,
    decoder: SseDecoder,
    ready: VecDeque<SseEvent>,
    /// The `ready` event came: what follows is new.
    caught_up: bool,
    /// Every message read, with whether it came after `ready`.
    pub log: Vec<(bool, Value)>,
    /// Every `conversation` event read (the conversation's state), in order.
    pub states: Vec<Value>,
}

/// Events that carry no message: the end of the catch-up, and the conversation's state.
fn no_message(event: &SseEvent) -> bool {
    matches!(event.event.as_deref(), Some("ready" | "conversation"))
}

impl Events {
    /// Opens the stream at `base`; the status, JSON body and `Retry-After` when refused.
    pub async fn open(
        client: &reqwest::Client,
        base: &str,
        token: Option<&str>,
        query: &[(&str, &str)],
        last_event_id: Option<&str>,
    ) -> Result<Events, (u16, Value, Option<String>)> {
        let mut request = client
            .get(format!("{base}/api/widget/events"))
            .header("accept-encoding", "br, gzip")
            .query(query);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        if response.status() != 200 {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            return Err((
                status,
                response.json().await.unwrap_or(Value::Null),
                retry_after,
            ));
        }
        let headers = response.headers();
        assert_eq!(headers["content-type"], "text/event-stream");
        assert!(
            headers.get("content-encoding").is_none(),
            "an event stream is never compressed"
        );
        assert_eq!(headers["x-accel-buffering"], "no");
        Ok(Events {
            response,
            decoder: SseDecoder::new(),
            ready: VecDeque::new(),
            caught_up: false,
            log: Vec::new(),
            states: Vec::new(),
        })
    }

    /// The next message event's message, within a few seconds.
    pub async fn next_message(&mut self) -> Value {
        loop {
            if let Some(event) = self.ready.pop_front() {
                if event.event.as_deref() == Some("ready") {
                    self.caught_up = true;
                    continue;
                }
                if event.event.as_deref() == Some("conversation") {
                    self.states.push(serde_json::from_str(&event.data).unwrap());
                    continue;
                }
                assert_eq!(event.event.as_deref(), Some("message"));
                let message: Value = serde_json::from_str(&event.data).unwrap();
                self.log.push((self.caught_up, message.clone()));
                return message;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.response.chunk())
                .await
                .expect("an event within 5 s")
                .unwrap()
                .expect("the stream is still open");
            self.ready.extend(self.decoder.feed_events(&chunk));
        }
    }

    /// The server ends the stream within `wait`, sending no message before it does.
    pub async fn ends_within(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .expect("the stream to end in time");
            let Ok(Some(chunk)) = chunk else {
                return;
            };
            let events = self.decoder.feed_events(&chunk);
            assert!(
                events.iter().all(no_message),
                "nothing is sent once the conversation is not the visitor's: {events:?}"
            );
        }
    }

    /// Nothing more arrives within `wait`.
    pub async fn quiet_for(&mut self, wait: Duration) {
        assert!(
            self.ready.iter().all(no_message),
            "unexpected: {:?}",
            self.ready
        );
        self.ready.clear();
        if let Ok(chunk) = tokio::time::timeout(wait, self.response.chunk()).await {
            let chunk = chunk.unwrap().unwrap_or_default();
            let events = self.decoder.feed_events(&chunk);
            assert!(events.iter().all(no_message), "unexpected: {events:?}");
            self.caught_up |= events.iter().any(|e| e.event.as_deref() == Some("ready"));
        }
    }

    /// The next `conversation` event's state, within a few seconds.
    pub async fn next_state(&mut self) -> Value {
        loop {
            while let Some(event) = self.ready.pop_front() {
                match event.event.as_deref() {
                    Some("conversation") => {
                        let state: Value = serde_json::from_str(&event.data).unwrap();
                        self.states.push(state.clone());
                        return state;
                    }
                    Some("ready") => self.caught_up = true,
                    _ => {
                        let message: Value = serde_json::from_str(&event.data).unwrap();
                        self.log.push((self.caught_up, message));
                    }
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.response.chunk())
                .await
                .expect("an event within 5 s")
                .unwrap()
                .expect("the stream is still open");
            self.ready.extend(self.decoder.feed_events(&chunk));
        }
    }
}

//! The sign-in relay of `rich-messages.md` §5.8 over real HTTP: `/api/widget/oauth/start` builds
//! the authorization URL from the stored suggestion, and `/api/widget/oauth/callback` posts the
//! result once per state.

mod common;

use common::{open_session, visitor, TestServer, AUTHORIZE_URL, CHANNEL, SHOP_ORIGIN};
use serde_json::{json, Value};

const FIXTURES: &str = include_str!("../../../fixtures/rich-messages.json");

/// The agent value of canonical example F09 (a sign-in request).
fn sign_in_request() -> Value {
    let all: Vec<Value> = serde_json::from_str(FIXTURES).unwrap();
    let f09 = all.iter().find(|f| f["fixture"] == "F09-sign-in").unwrap();
    f09["message"]["content"]["en"].clone()
}

/// An agent's sign-in request in `conversation`; returns its id.
async fn agent_asks_to_sign_in(server: &TestServer, conversation: &str) -> String {
    let message = server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"en": sign_in_request()}}),
        )
        .await;
    message["id"].as_str().unwrap().to_owned()
}

async fn start(server: &TestServer, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = server
        .client
        .post(format!("{}/api/widget/oauth/start", server.base))
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

/// Follows the authorization server's redirect back: (status, page, CSP header).
async fn callback(server: &TestServer, query: &[(&str, &str)]) -> (u16, String, String) {
    let response = server
        .client
        .get(format!("{}/api/widget/oauth/callback", server.base))
        .query(query)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let csp = response
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, response.text().await.unwrap(), csp)
}

fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs().into_owned().collect()
}

/// Starts a sign-in for the visitor's conversation; returns its `state`.
async fn started_state(server: &TestServer, token: &str, conversation: &str) -> (String, String) {
    let message = agent_asks_to_sign_in(server, conversation).await;
    let (status, body) = start(
        server,
        Some(token),
        json!({"conversationId": conversation, "messageId": message, "lang": "en",
               "suggestion": "suggestions[0]"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let query = query_of(body["authorizationUrl"].as_str().unwrap());
    (query["state"].clone(), message)
}

#[tokio::test]
async fn a_sign_in_is_started_from_the_stored_suggestion_and_posted_once() {
    let (server, _dir) = TestServer::start_with_sign_in().await;
    let (status, session) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL}),
        Some(SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(session["signInConfigured"], true);
    let token = session["token"].as_str().unwrap();
    let conversation = session["conversationId"].as_str().unwrap();
    let message = agent_asks_to_sign_in(&server, conversation).await;

    let (status, body) = start(
        &server,
        Some(token),
        json!({"conversationId": conversation, "messageId": message, "lang": "en",
               "suggestion": "suggestions[0]"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let url = body["authorizationUrl"].as_str().unwrap();
    // The configured endpoint, its own query kept, then the authorization request.
    assert!(url.starts_with(&format!("{AUTHORIZE_URL}&")), "{url}");
    let query = query_of(url);
    let redirect = format!("{}/api/widget/oauth/callback", server.base);
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "c360-demo-shop");
    assert_eq!(query["redirect_uri"], redirect);
    assert_eq!(query["scope"], "openid orders.read");
    assert_eq!(
        query["code_challenge"],
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    assert_eq!(query["code_challenge_method"], "S256");
    let state = &query["state"];
    assert!(state.len() >= 22, "at least 128 random bits: {state}");

    let (status, page, csp) = callback(&server, &[("state", state), ("code", "auth-code-1")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You are signed in") && page.contains("window.close()"));
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'sha256-"));
    let messages = server.all_messages(conversation).await;
    let result = messages.last().unwrap();
    assert_eq!(result["sender"]["type"], "customer");
    assert_eq!(result["parentId"], message.as_str());
    assert_eq!(
        result["content"]["en"],
        json!({"text": "Signed in", "suggestionResponse": {"postbackData": "", "type": "AUTH"},
               "authenticationResponse": {"code": "auth-code-1", "redirectUri": redirect}})
    );

    // One result per state: a replay is refused and posts nothing.
    let (status, page, _) = callback(&server, &[("state", state), ("code", "auth-code-2")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("no longer valid"));
    assert_eq!(
        server.all_messages(conversation).await.len(),
        messages.len()
    );
}

#[tokio::test]
async fn an_authorization_error_is_posted_as_not_completed_in_the_bound_language() {
    let (server, _dir) = TestServer::start_with_sign_in().await;
    let (token, _, conversation) = visitor(&server).await;
    let message = server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"ar": sign_in_request()}}),
        )
        .await;
    let (status, body) = start(
        &server,
        Some(&token),
        json!({"conversationId": conversation, "messageId": message["id"], "lang": "ar",
               "suggestion": "suggestions[0]"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let state = query_of(body["authorizationUrl"].as_str().unwrap())["state"].clone();
    let (status, page, _) = callback(
        &server,
        &[
            ("state", state.as_str()),
            ("error", "access_denied"),
            ("error_description", "The user cancelled <script>"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("dir=\"rtl\"") && !page.contains("<script>The"));
    assert!(
        !page.contains("cancelled"),
        "the page echoes nothing it was sent"
    );
    let result = server.all_messages(&conversation).await.pop().unwrap();
    assert_eq!(
        result["content"]["ar"]["authenticationResponse"],
        json!({"errorDetails": {"error": "access_denied",
                                "errorDescription": "The user cancelled <script>"}})
    );
    assert_eq!(result["content"]["ar"]["text"], "Sign-in not completed");
}

#[tokio::test]
async fn bad_sign_in_starts_are_refused_and_post_nothing() {
    let (server, _dir) = TestServer::start_with_sign_in().await;
    let (token, _, conversation) = visitor(&server).await;
    let (other_token, _, other_conversation) = visitor(&server).await;
    let message = agent_asks_to_sign_in(&server, &conversation).await;
    let customer = server.customer_says(&conversation, "hello").await;
    let body = |message: &str, lang: &str, suggestion: &str| {
        json!({"conversationId": conversation, "messageId": message, "lang": lang,
               "suggestion": suggestion})
    };
    let cases = [
        (None, body(&message, "en", "suggestions[0]"), 401),
        (
            Some(&other_token),
            body(&message, "en", "suggestions[0]"),
            403,
        ),
        (Some(&token), body(&message, "en", "suggestions[1]"), 400),
        (Some(&token), body(&message, "en", "richCard"), 400),
        (Some(&token), body(&message, "fr", "suggestions[0]"), 400),
        (Some(&token), body(&message, "tr", "suggestions[0]"), 400),
        (
            Some(&token),
            body("msg_unknown", "en", "suggestions[0]"),
            404,
        ),
        (
            Some(&token),
            body(customer["id"].as_str().unwrap(), "en", "suggestions[0]"),
            404,
        ),
        (
            Some(&token),
            json!({"conversationId": conversation, "messageId": message, "lang": "en",
                   "suggestion": "suggestions[0]", "clientId": "evil"}),
            400,
        ),
        (
            Some(&token),
            json!({"conversationId": other_conversation, "messageId": message, "lang": "en",
                   "suggestion": "suggestions[0]"}),
            403,
        ),
    ];
    for (token, body, expected) in cases {
        let (status, reply) = start(&server, token.map(String::as_str), body.clone()).await;
        assert_eq!(status, expected, "{body} → {reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let count: i64 = rusqlite::Connection::open(server.data_dir.join("connect360.sqlite3"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM gateway_oauth_states", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(count, 0, "no state was created");

    // Without an authorization endpoint sign-in is off, and says so.
    let (plain, _plain_dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&plain).await;
    let message = agent_asks_to_sign_in(&plain, &conversation).await;
    let (status, reply) = start(
        &plain,
        Some(&token),
        json!({"conversationId": conversation, "messageId": message, "lang": "en",
               "suggestion": "suggestions[0]"}),
    )
    .await;
    assert_eq!(status, 404, "{reply}");
}

#[tokio::test]
async fn unknown_expired_and_malformed_states_post_nothing() {
    let (server, _dir) = TestServer::start_with_sign_in().await;
    let (token, _, conversation) = visitor(&server).await;
    let (state, _) = started_state(&server, &token, &conversation).await;
    let before = server.all_messages(&conversation).await.len();

    let unknown = "A".repeat(state.len());
    for query in [
        vec![("state", unknown.as_str()), ("code", "c")],
        vec![("code", "c")],
        vec![("state", "short"), ("code", "c")],
    ] {
        let (status, page, _) = callback(&server, &query).await;
        assert_eq!(status, 400, "{query:?}");
        assert!(page.contains("no longer valid"));
    }
    rusqlite::Connection::open(server.data_dir.join("connect360.sqlite3"))
        .unwrap()
        .execute("UPDATE gateway_oauth_states SET expires_at = 0", [])
        .unwrap();
    let (status, _, _) = callback(&server, &[("state", state.as_str()), ("code", "c")]).await;
    assert_eq!(status, 400, "an expired state is refused");
    assert_eq!(server.all_messages(&conversation).await.len(), before);
}

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

/// Starts a sign-in as the widget does (from the shop's origin); returns (status, body) and
/// the binding cookie the reply set, as `name=value`.
async fn start_in_browser(
    server: &TestServer,
    token: Option<&str>,
    body: Value,
) -> (u16, Value, Option<String>) {
    let mut request = server
        .client
        .post(format!("{}/api/widget/oauth/start", server.base))
        .header("origin", SHOP_ORIGIN)
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned());
    if let Some(cookie) = &cookie {
        assert!(cookie.starts_with("__Host-c360_signin="), "{cookie}");
        assert!(!cookie.contains("Domain"), "{cookie}");
        for attribute in ["HttpOnly", "Secure", "SameSite=None", "; Path=/;"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
    }
    let cookie = cookie.map(|c| c.split(';').next().unwrap().to_owned());
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
        cookie,
    )
}

async fn start(server: &TestServer, token: Option<&str>, body: Value) -> (u16, Value) {
    let (status, body, _) = start_in_browser(server, token, body).await;
    (status, body)
}

/// Follows the authorization server's redirect back in the browser that holds `cookie`:
/// (status, page, CSP header).
async fn callback_in(
    server: &TestServer,
    cookie: Option<&str>,
    query: &[(&str, &str)],
) -> (u16, String, String) {
    let mut request = server
        .client
        .get(format!("{}/api/widget/oauth/callback", server.base))
        .query(query);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
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

/// Starts a sign-in for the visitor's conversation; returns its `state`, the message and the
/// browser's binding cookie.
async fn started_state(
    server: &TestServer,
    token: &str,
    conversation: &str,
) -> (String, String, String) {
    let message = agent_asks_to_sign_in(server, conversation).await;
    let (status, body, cookie) = start_in_browser(
        server,
        Some(token),
        json!({"conversationId": conversation, "messageId": message, "lang": "en",
               "suggestion": "suggestions[0]"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let query = query_of(body["authorizationUrl"].as_str().unwrap());
    (query["state"].clone(), message, cookie.unwrap())
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

    let (status, body, cookie) = start_in_browser(
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

    let cookie = cookie.expect("the start reply binds the browser");
    let (status, page, csp) = callback_in(
        &server,
        Some(&cookie),
        &[("state", state), ("code", "auth-code-1")],
    )
    .await;
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
    let (status, page, _) = callback_in(
        &server,
        Some(&cookie),
        &[("state", state), ("code", "auth-code-2")],
    )
    .await;
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
    let (status, body, cookie) = start_in_browser(
        &server,
        Some(&token),
        json!({"conversationId": conversation, "messageId": message["id"], "lang": "ar",
               "suggestion": "suggestions[0]"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let state = query_of(body["authorizationUrl"].as_str().unwrap())["state"].clone();
    let (status, page, _) = callback_in(
        &server,
        cookie.as_deref(),
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
    let (state, _, cookie) = started_state(&server, &token, &conversation).await;
    let before = server.all_messages(&conversation).await.len();

    let unknown = "A".repeat(state.len());
    for query in [
        vec![("state", unknown.as_str()), ("code", "c")],
        vec![("code", "c")],
        vec![("state", "short"), ("code", "c")],
    ] {
        let (status, page, _) = callback_in(&server, Some(&cookie), &query).await;
        assert_eq!(status, 400, "{query:?}");
        assert!(page.contains("no longer valid"));
    }
    rusqlite::Connection::open(server.data_dir.join("connect360.sqlite3"))
        .unwrap()
        .execute("UPDATE gateway_oauth_states SET expires_at = 0", [])
        .unwrap();
    let (status, _, _) = callback_in(
        &server,
        Some(&cookie),
        &[("state", state.as_str()), ("code", "c")],
    )
    .await;
    assert_eq!(status, 400, "an expired state is refused");
    assert_eq!(server.all_messages(&conversation).await.len(), before);
}

/// Sets the F09 request's `codeChallengeMethod` (`None` removes it).
fn sign_in_request_with_method(method: Option<&str>) -> Value {
    let mut request = sign_in_request();
    let oauth = request["suggestions"][0]["authenticationRequest"]["oauth"]
        .as_object_mut()
        .unwrap();
    match method {
        Some(method) => oauth.insert("codeChallengeMethod".into(), json!(method)),
        None => oauth.remove("codeChallengeMethod"),
    };
    request
}

#[tokio::test]
async fn a_forwarded_authorization_url_completes_nothing_in_another_browser() {
    let (server, _dir) = TestServer::start_with_sign_in().await;
    // The attacker starts a sign-in from their own chat, with a plain HTTP client.
    let (attacker, _, attacker_conversation) = visitor(&server).await;
    let (state, _, attacker_cookie) =
        started_state(&server, &attacker, &attacker_conversation).await;
    let before = server.all_messages(&attacker_conversation).await.len();
    // The victim's browser opens the URL: it has no cookie, or a cookie of its own.
    let (victim, _, victim_conversation) = visitor(&server).await;
    let (_, _, victim_cookie) = started_state(&server, &victim, &victim_conversation).await;
    for cookie in [
        None,
        Some(victim_cookie.as_str()),
        Some("__Host-c360_signin=forged"),
    ] {
        let (status, page, _) = callback_in(
            &server,
            cookie,
            &[("state", state.as_str()), ("code", "victims-code")],
        )
        .await;
        assert_eq!(status, 400, "{cookie:?}");
        assert!(page.contains("no longer valid"));
    }
    assert_eq!(
        server.all_messages(&attacker_conversation).await.len(),
        before,
        "nothing was posted into the attacker's conversation"
    );
    // The starting browser still completes it; the visitor never reads the code back.
    let (status, _, _) = callback_in(
        &server,
        Some(&attacker_cookie),
        &[("state", state.as_str()), ("code", "own-code")],
    )
    .await;
    assert_eq!(status, 200);
    let (_, page) = common::visitor_reads(&server, &attacker, &attacker_conversation).await;
    let shown = page["result"]["data"]["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(shown["content"]["en"]["text"], "Signed in");
    assert_eq!(
        shown["content"]["en"].get("authenticationResponse"),
        None,
        "{shown}"
    );
    assert!(!page.to_string().contains("own-code"));
    let stored = server
        .all_messages(&attacker_conversation)
        .await
        .pop()
        .unwrap();
    assert_eq!(
        stored["content"]["en"]["authenticationResponse"]["code"],
        "own-code"
    );
}

#[tokio::test]
async fn the_binding_check_says_whether_this_browser_kept_the_cookie() {
    let (server, _dir) = TestServer::start_with_sign_in().await;
    let (token, _, conversation) = visitor(&server).await;
    let (other, _, _) = visitor(&server).await;
    let (_, _, cookie) = started_state(&server, &token, &conversation).await;
    let check = |token: Option<&str>, cookie: Option<&str>| {
        let mut request = server
            .client
            .get(format!("{}/api/widget/oauth/binding", server.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    assert_eq!(check(Some(&token), Some(&cookie)).await.0, 204);
    let (status, body) = check(Some(&token), None).await;
    assert_eq!(status, 403);
    assert!(body.contains("not available in this browser"), "{body}");
    // Another visitor's token with this cookie, an expired token and none learn nothing.
    assert_eq!(check(Some(&other), Some(&cookie)).await.0, 403);
    let expired = common::expired_token();
    assert_eq!(check(Some(&expired), Some(&cookie)).await.0, 401);
    assert_eq!(check(None, Some(&cookie)).await.0, 401);
}

#[tokio::test]
async fn plain_or_missing_pkce_methods_and_foreign_origins_are_not_relayed() {
    let (server, _dir) = TestServer::start_with_sign_in().await;
    let (token, _, conversation) = visitor(&server).await;
    for method in [Some("plain"), None] {
        let message = server
            .ok(
                "v1.connect.send",
                json!({"conversationId": conversation,
                       "content": {"en": sign_in_request_with_method(method)}}),
            )
            .await;
        let (status, reply, cookie) = start_in_browser(
            &server,
            Some(&token),
            json!({"conversationId": conversation, "messageId": message["id"], "lang": "en",
                   "suggestion": "suggestions[0]"}),
        )
        .await;
        assert_eq!(status, 400, "{method:?}: {reply}");
        assert!(reply["message"].as_str().unwrap().contains("S256"));
        assert_eq!(cookie, None);
    }
    let message = agent_asks_to_sign_in(&server, &conversation).await;
    let response = server
        .client
        .post(format!("{}/api/widget/oauth/start", server.base))
        .header("origin", "https://evil.example")
        .bearer_auth(&token)
        .json(
            &json!({"conversationId": conversation, "messageId": message, "lang": "en",
                      "suggestion": "suggestions[0]"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("set-cookie").is_none());
}

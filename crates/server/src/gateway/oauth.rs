//! The sign-in relay for `authenticationRequest` suggestions (`rich-messages.md` §5.8): an
//! OAuth 2.0 authorization-code flow with PKCE in which the agent keeps the code verifier.
//!
//! `start` re-reads the suggestion from the stored message (the browser cannot alter the client
//! id, challenge or scopes) and binds a single-use `state` to the visitor, conversation, message,
//! suggestion and language; `callback` consumes that state once and posts the result as the
//! customer's reply. Only the SHA-256 of a state is stored.
//!
//! Completion is bound to the browser that started the flow: the credentialed `start` reply
//! sets an `HttpOnly; Secure` cookie on the gateway's origin (only the widget's allowed
//! origins can make that request, since it carries a visitor token and so needs CORS), and
//! the callback requires it. An authorization URL forwarded to another browser completes
//! nothing. Where the browser will not keep the cookie (a cross-site gateway in a browser
//! that blocks third-party cookies), `binding` says so and the widget does not run the flow.

use axum::extract::Query;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use connect360_model::content::{CodeChallengeMethod, Suggestion, SuggestionResponseType};
use connect360_model::lang::Lang;
use connect360_model::validate::{decode_agent_value, AgentValue, Options};
use connect360_model::wire::{
    procedure, ErrorCode, MessagePage, SenderType, SignInStartRequest, SignInStartResponse,
};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::records::SignInState;
use super::Gateway;
use crate::caller::{OnGateway, Visitor};
use crate::clock::{now_millis, random_token};
use crate::error::parse_input;
use crate::error::ApiError;

/// A state is good for ten minutes (§5.8 step 2).
const STATE_TTL_MILLIS: i64 = 10 * 60 * 1000;
/// 43 base-62 characters: about 256 random bits (at least 128 are required).
const STATE_CHARS: usize = 43;
/// The cookie that binds a sign-in to the browser that started it (same size as a state).
/// `__Host-`: the browser keeps it only when it is `Secure`, for `Path=/` and without
/// `Domain`, so no sibling subdomain of the shop can plant one for the gateway's host.
pub const BROWSER_COOKIE: &str = "__Host-c360_signin";

/// Where visitors sign in, and where the authorization server sends them back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthConfig {
    /// The authorization endpoint (`--oauth-authorize-url`, https).
    pub authorize_url: url::Url,
    /// This gateway's `/api/widget/oauth/callback`, as browsers reach it.
    pub redirect_uri: String,
}

impl OAuthConfig {
    /// Checks the endpoint: https (a visitor's credentials go there), or http to this machine
    /// for development.
    pub fn new(authorize_url: &str, public_url: &str) -> Result<Self, String> {
        let url = url::Url::parse(authorize_url)
            .map_err(|e| format!("--oauth-authorize-url {authorize_url:?}: {e}"))?;
        if !crate::upstream::is_https_or_loopback_http(&url) {
            return Err(format!(
                "--oauth-authorize-url must be an https URL, not {authorize_url:?}"
            ));
        }
        Ok(OAuthConfig {
            authorize_url: url,
            redirect_uri: format!(
                "{}/api/widget/oauth/callback",
                public_url.trim_end_matches('/')
            ),
        })
    }
}

/// `POST /api/widget/oauth/start`
pub async fn start(
    OnGateway(gateway): OnGateway,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // The browser's binding: the one it already holds (several sign-ins may run), or new.
    let browser = browser_cookie(&headers).unwrap_or_else(|| random_token(STATE_CHARS));
    let url = start_sign_in(&gateway, &headers, &body, &browser).await?;
    let mut response = Json(SignInStartResponse {
        authorization_url: url,
    })
    .into_response();
    let cookie = format!(
        "{BROWSER_COOKIE}={browser}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=None",
        STATE_TTL_MILLIS / 1000
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The binding cookie the request carries: the first well-formed one.
fn browser_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == BROWSER_COOKIE)
        .map(|(_, value)| value.to_owned())
        .find(|v| v.len() == STATE_CHARS && v.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `GET /api/widget/oauth/binding`: 204 when this browser sent back the cookie of a live
/// sign-in of this visitor (so the callback will accept it), else 409 with the reason. The
/// widget asks before it sends the popup to the authorization server.
pub async fn binding(
    Visitor { gateway, claims }: Visitor,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let unbound = || {
        ApiError::new(
            ErrorCode::Forbidden,
            "Sign-in is not available in this browser: it did not keep the gateway's sign-in \
             cookie (third-party cookies blocked?). Host the gateway on the shop's own site.",
        )
    };
    let Some(browser) = browser_cookie(&headers) else {
        return Err(unbound());
    };
    let (hash, external) = (state_hash(&browser), claims.external_id.clone());
    let live = gateway.records.sign_in_waiting(&hash, &external).await?;
    if live {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(unbound())
    }
}

async fn start_sign_in(
    gateway: &Gateway,
    headers: &HeaderMap,
    body: &[u8],
    browser: &str,
) -> Result<String, ApiError> {
    let claims = gateway.visitor_from_headers(headers)?;
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        if !gateway.origin_allowed(origin) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("The origin {origin} may not start a sign-in."),
            ));
        }
    }
    let oauth = gateway.config.oauth.clone().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "Sign-in is not configured on this site.",
        )
    })?;
    let limit = gateway.config.rate_limits.sends_per_visitor;
    gateway
        .rate_check(&format!("sign-in:{}", claims.external_id), limit)
        .await?;
    let request: SignInStartRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Invalid sign-in request: {e}")))
        .and_then(|v: serde_json::Value| parse_input(v))?;
    let lang = Lang::from_code(&request.lang)
        .ok_or_else(|| ApiError::bad_request("lang must be en, ar or tr."))?;
    gateway
        .require_current_conversation(&claims, &request.conversation_id)
        .await?;

    // The message as stored: an inclusive cursor on its id returns it first.
    let page = gateway
        .call_upstream(
            procedure::LIST_MESSAGES,
            json!({"conversationId": request.conversation_id, "cursor": request.message_id, "limit": 1}),
        )
        .await
        .map_err(|e| match e.code {
            ErrorCode::BadRequest => ApiError::not_found("Message"),
            _ => e,
        })?;
    let page: MessagePage = serde_json::from_value(page)
        .map_err(|e| ApiError::internal(format!("unexpected upstream reply: {e}")))?;
    let message = page
        .items
        .into_iter()
        .find(|m| m.id == request.message_id)
        // A team note is as unknown to a visitor as a made-up id.
        .filter(|m| m.sender.kind != SenderType::Customer)
        .filter(|m| !super::policy::is_internal(m))
        .ok_or_else(|| ApiError::not_found("Message"))?;
    let value = message.content.get(lang.code()).ok_or_else(|| {
        ApiError::bad_request(format!("The message has no \"{}\" content.", lang.code()))
    })?;
    let Some(AgentValue::Rich(content)) =
        decode_agent_value(value, lang.code(), Options::default()).value
    else {
        return Err(ApiError::bad_request(
            "The message has no valid suggestions.",
        ));
    };
    let Some(Suggestion::AuthenticationRequest(request_oauth)) =
        content.suggestion_at(&request.suggestion)
    else {
        return Err(ApiError::bad_request(format!(
            "{} is not a sign-in suggestion of this message.",
            request.suggestion
        )));
    };

    // `plain` PKCE makes the challenge in the URL the verifier itself: not relayed (§5.8).
    if request_oauth.oauth.code_challenge_method != Some(CodeChallengeMethod::S256) {
        return Err(ApiError::bad_request(
            "Only S256 PKCE challenges are relayed; this sign-in suggestion uses plain or none.",
        ));
    }
    let state = random_token(STATE_CHARS);
    let browser_hash = state_hash(browser);
    let signing_in = SignInState {
        external_id: claims.external_id.clone(),
        conversation_id: request.conversation_id.clone(),
        message_id: request.message_id.clone(),
        suggestion: request.suggestion.clone(),
        lang: lang.code().to_owned(),
        expires_at: now_millis() + STATE_TTL_MILLIS,
        browser_hash,
    };
    gateway
        .records
        .start_sign_in(&state_hash(&state), signing_in)
        .await?;

    let oauth_request = &request_oauth.oauth;
    let mut url = oauth.authorize_url.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &oauth_request.client_id)
            .append_pair("redirect_uri", &oauth.redirect_uri)
            .append_pair("scope", &oauth_request.scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("code_challenge", &oauth_request.code_challenge)
            .append_pair("code_challenge_method", "S256");
    }
    Ok(url.into())
}

fn state_hash(state: &str) -> String {
    STANDARD.encode(Sha256::digest(state.as_bytes()))
}

/// What the authorization server sends back.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// `GET /api/widget/oauth/callback`
pub async fn callback(
    OnGateway(gateway): OnGateway,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    // Another browser (a forwarded authorization URL) has no cookie, or another one.
    let browser = browser_cookie(&headers).unwrap_or_default();
    match finish_sign_in(&gateway, query, &browser).await {
        Ok((lang, signed_in)) => closing_page(StatusCode::OK, lang, signed_in),
        Err((status, lang)) => closing_page(status, lang, Outcome::Invalid),
    }
}

/// What the closing page says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    SignedIn,
    NotCompleted,
    Invalid,
}

async fn finish_sign_in(
    gateway: &Gateway,
    query: CallbackQuery,
    browser: &str,
) -> Result<(Lang, Outcome), (StatusCode, Lang)> {
    let oauth = gateway
        .config
        .oauth
        .clone()
        .ok_or((StatusCode::NOT_FOUND, Lang::En))?;
    let state = query
        .state
        .filter(|s| s.len() == STATE_CHARS)
        .ok_or((StatusCode::BAD_REQUEST, Lang::En))?;
    let hash = state_hash(&state);
    let browser_hash = state_hash(browser);
    // Consumed before anything is posted: a second use of the same state finds nothing, and
    // a browser without the starting browser's cookie finds nothing either.
    if browser.is_empty() {
        return Err((StatusCode::BAD_REQUEST, Lang::En));
    }
    let bound = gateway
        .records
        .take_sign_in(&hash, &browser_hash)
        .await
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, Lang::En))?
        .ok_or((StatusCode::BAD_REQUEST, Lang::En))?;
    let lang = Lang::from_code(&bound.lang).unwrap_or(Lang::En);

    let (text, outcome, response) = match (query.code, query.error) {
        (Some(code), None) if !code.is_empty() && code.len() <= 2048 => (
            "Signed in",
            Outcome::SignedIn,
            json!({"code": code, "redirectUri": oauth.redirect_uri}),
        ),
        (_, error) => {
            let error = error
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| "invalid_request".into());
            let mut details = json!({"error": clip(&error, 200)});
            if let Some(description) = query.error_description.filter(|d| !d.is_empty()) {
                details["errorDescription"] = json!(clip(&description, 1000));
            }
            (
                "Sign-in not completed",
                Outcome::NotCompleted,
                json!({"errorDetails": details}),
            )
        }
    };
    let mut content = serde_json::Map::new();
    content.insert(lang.code().to_owned(), {
        let mut value = connect360_model::content::answer::value(
            text,
            "",
            SuggestionResponseType::Auth.as_str(),
        );
        value["authenticationResponse"] = response;
        value
    });
    gateway
        .call_upstream(
            procedure::SEND,
            json!({"conversationId": bound.conversation_id, "parentId": bound.message_id,
                   "sender": "customer", "customer": {"externalId": bound.external_id},
                   "channelIdentifier": gateway.config.channel, "content": content}),
        )
        .await
        .map_err(|error| {
            // Its code only: an upstream's message may echo what was posted.
            tracing::warn!(code = ?error.code, "posting a sign-in result failed");
            (StatusCode::BAD_GATEWAY, lang)
        })?;
    gateway.announce_change(&bound.conversation_id).await;
    Ok((lang, outcome))
}

/// At most `max` characters of an authorization server's text.
fn clip(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// The script that closes the popup; allowed by its hash, so the page needs no other script.
const CLOSE_SCRIPT: &str = "window.close();";

/// A page that says what happened and closes itself. It shows nothing it was sent.
fn closing_page(status: StatusCode, lang: Lang, outcome: Outcome) -> Response {
    let (title, body) = match (lang, outcome) {
        (Lang::En, Outcome::SignedIn) => {
            ("Signed in", "You are signed in. You can close this window.")
        }
        (Lang::En, Outcome::NotCompleted) => (
            "Sign-in not completed",
            "Sign-in was not completed. You can close this window.",
        ),
        (Lang::En, Outcome::Invalid) => (
            "Sign-in link expired",
            "This sign-in link is no longer valid. Close this window and try again from the chat.",
        ),
        (Lang::Ar, Outcome::SignedIn) => {
            ("تم تسجيل الدخول", "تم تسجيل دخولك. يمكنك إغلاق هذه النافذة.")
        }
        (Lang::Ar, Outcome::NotCompleted) => (
            "لم يكتمل تسجيل الدخول",
            "لم يكتمل تسجيل الدخول. يمكنك إغلاق هذه النافذة.",
        ),
        (Lang::Ar, Outcome::Invalid) => (
            "انتهت صلاحية الرابط",
            "رابط تسجيل الدخول هذا لم يعد صالحًا. أغلق هذه النافذة وحاول مرة أخرى من المحادثة.",
        ),
        (Lang::Tr, Outcome::SignedIn) => (
            "Giriş yapıldı",
            "Giriş yaptınız. Bu pencereyi kapatabilirsiniz.",
        ),
        (Lang::Tr, Outcome::NotCompleted) => (
            "Giriş tamamlanmadı",
            "Giriş tamamlanmadı. Bu pencereyi kapatabilirsiniz.",
        ),
        (Lang::Tr, Outcome::Invalid) => (
            "Giriş bağlantısı geçersiz",
            "Bu giriş bağlantısı artık geçerli değil. Pencereyi kapatıp sohbetten yeniden deneyin.",
        ),
    };
    let dir = if lang == Lang::Ar { "rtl" } else { "ltr" };
    let page = format!(
        "<!doctype html><html lang=\"{}\" dir=\"{dir}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body><p>{body}</p><script>{CLOSE_SCRIPT}</script></body></html>",
        lang.code()
    );
    let script_hash = STANDARD.encode(Sha256::digest(CLOSE_SCRIPT.as_bytes()));
    let mut response = (status, Html(page)).into_response();
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&format!(
        "default-src 'none'; script-src 'sha256-{script_hash}'; frame-ancestors 'none'"
    )) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_authorization_endpoints_are_accepted() {
        let config =
            OAuthConfig::new("https://id.example/authorize", "https://chat.example/").unwrap();
        assert_eq!(
            config.redirect_uri,
            "https://chat.example/api/widget/oauth/callback"
        );
        assert!(OAuthConfig::new("http://id.example/authorize", "https://chat.example").is_err());
        assert!(
            OAuthConfig::new("http://127.0.0.1:8787/demo/sign-in", "https://chat.example").is_ok()
        );
        assert!(OAuthConfig::new("javascript:alert(1)", "https://chat.example").is_err());
    }

    #[test]
    fn states_are_stored_as_hashes() {
        let state = random_token(STATE_CHARS);
        assert_ne!(state_hash(&state), state);
        assert_eq!(state_hash(&state), state_hash(&state));
    }
}

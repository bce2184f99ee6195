//! The agent console at `/console` (local upstream only): a static page and script, and two
//! small JSON routes behind the local API key — the conversation list with each latest
//! message, and ready rich-content templates. Replies go through the ordinary tRPC `send`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::local::auth::Permission;
use crate::local::{bot, LocalConnect};
use crate::store::{conversations, customers, messages};

const PAGE: &str = include_str!("../console/index.html");
const SCRIPT: &str = include_str!("../console/console.js");
const STYLE: &str = include_str!("../console/console.css");

/// At most this many conversations are listed, newest activity first.
const LISTED: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(page))
        .route(
            "/console/console.js",
            get(|| async { static_file("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/console/console.css",
            get(|| async { static_file("text/css; charset=utf-8", STYLE) }),
        )
        .route("/console/api/conversations", get(list_conversations))
        .route("/console/api/templates", get(templates))
}

/// The console's page, naming where tRPC is mounted for its script (a checked path).
async fn page(State(state): State<AppState>) -> Response {
    let page = PAGE.replace(
        "content=\"/api/trpc\"",
        &format!("content=\"{}\"", state.gateway.config.trpc_path),
    );
    let mut response = Html(page).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self' data: blob:; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The local Connect360, for a caller whose key may read.
fn authorise(state: &AppState, headers: &HeaderMap) -> Result<Arc<LocalConnect>, ApiError> {
    Caller::key_holder(state, headers, &[Permission::Read])
}

async fn list_conversations(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<Value>>, ApiError> {
    let local = authorise(&state, &headers)?;
    let listed = tokio::task::spawn_blocking(move || {
        local.store.transaction(|tx| {
            let mut names = HashMap::new();
            let mut rows = Vec::new();
            for conversation in conversations::list_recent(tx, LISTED)? {
                let latest = match messages::latest(tx, &conversation.id)? {
                    Some(row) => Some(local.to_message(tx, row, &mut names)?),
                    None => None,
                };
                let customer = match &conversation.customer_id {
                    Some(id) => customers::get(tx, id)?,
                    None => None,
                };
                let title = title(&conversation, customer.as_ref());
                rows.push(json!({"conversation": conversation, "latest": latest,
                                 "title": title}));
            }
            Ok(rows)
        })
    })
    .await
    .unwrap_or_else(|e| Err(ApiError::internal(e.to_string())));
    Ok(Json(listed?))
}

/// How the console names a conversation: a signed-in customer's name or e-mail; else what
/// the visitor said about themselves (their session's name, the pre-chat form), marked
/// unverified; else "Guest" and the end of their id. A guest's name is only their own word.
fn title(
    conversation: &connect360_model::wire::Conversation,
    customer: Option<&customers::CustomerRow>,
) -> String {
    let guest = customer.is_none_or(|c| {
        c.external_id
            .as_deref()
            .is_none_or(|x| x.starts_with("guest_"))
    });
    if let Some(known) = customer
        .filter(|_| !guest)
        .and_then(|c| c.name.clone().or_else(|| c.email.clone()))
    {
        return known;
    }
    let said = |contact: Option<&Value>| {
        let contact = contact?;
        ["name", "email"]
            .iter()
            .find_map(|key| contact.get(*key).and_then(Value::as_str))
            .map(str::to_owned)
    };
    let told = said(
        conversation
            .metadata
            .get(crate::gateway::contact::CONTACT_KEY),
    )
    .or_else(|| customer.and_then(|c| c.name.clone()))
    .or_else(|| said(customer.and_then(|c| c.metadata.get("unverifiedContact"))));
    if let Some(told) = told {
        return format!("{told} (unverified)");
    }
    let id = customer
        .and_then(|c| c.external_id.as_deref())
        .unwrap_or(&conversation.id);
    let tail: String = id
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("Guest {tail}")
}

/// Ready-made rich content for the JSON editor; each passes the shared validation.
pub fn reply_templates() -> Map<String, Value> {
    let mut templates = Map::new();
    let [greeting, carousel, card] = bot::english_samples();
    templates.insert("Text with suggested replies".into(), greeting);
    templates.insert("Product carousel".into(), carousel);
    templates.insert("Standalone card".into(), card);
    templates.insert(
        "Rich text".into(),
        json!({"text": "**Good news:** your refund was approved.\nDetails are [on your account page](https://www.example.com/account).",
               "containsRichText": true}),
    );
    templates.insert(
        "Live-agent offer".into(),
        json!({"text": "I can connect you with a member of our team.",
               "suggestions": [{"liveAgentRequest": {}}, {"reply": {"text": "No thanks", "postbackData": "handoff:decline"}}],
               "fallback": "Reply \"agent\" to talk to a member of our team."}),
    );
    templates.insert(
        "Sign-in request".into(),
        json!({"text": "Please sign in so I can look up your orders.",
               "suggestions": [{"authenticationRequest": {"oauth": {"clientId": "c360-demo-shop",
                   "codeChallenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "codeChallengeMethod": "S256",
                   "scopes": ["openid", "orders.read"]}}}],
               "fallback": "Please sign in on our website to see your orders."}),
    );
    templates.insert(
        "Image".into(),
        json!({"image": {"contentInfo": {"fileUrl": "/demo/img/ridge-2.png", "altText": "The Ridge 2 tent"}},
               "fallback": "A picture of the Ridge 2 tent."}),
    );
    templates
}

async fn templates(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Map<String, Value>>, ApiError> {
    authorise(&state, &headers)?;
    Ok(Json(reply_templates()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect360_model::validate::{check_content, Side};

    #[test]
    fn every_template_passes_the_shared_validation() {
        for (name, value) in reply_templates() {
            let content = json!({ "en": value });
            let violations = check_content(content.as_object(), Side::Agent, true);
            assert_eq!(violations, vec![], "{name}");
        }
    }
}

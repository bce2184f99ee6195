//! `POST /api/widget/session`: creates or resumes a visitor and issues their token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use connect360_model::wire::{
    procedure, Conversation, ErrorCode, SessionCustomer, SessionRequest, SessionResponse,
};
use serde_json::json;

use super::token::{self, VisitorClaims};
use super::{identity, Gateway};
use crate::app::AppState;
use crate::clock::{format_millis, now_millis, random_token};
use crate::error::ApiError;
use crate::local::parse_input;
use crate::store::grants;

/// A guest id is `guest_` plus 16 to 64 letters and digits; anything else gets a new one.
fn valid_visitor_id(id: &str) -> bool {
    id.strip_prefix("guest_").is_some_and(|rest| {
        (16..=64).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

fn check_customer(customer: &SessionCustomer) -> Result<(), ApiError> {
    if customer.name.as_ref().is_some_and(|n| {
        n.chars().count() > 100
            || n.chars().any(char::is_control)
            || connect360_model::validate::forbidden_character(n, false).is_some()
    }) {
        return Err(ApiError::bad_request(
            "customer.name: at most 100 characters, one line, no bidirectional overrides.",
        ));
    }
    if customer.email.as_ref().is_some_and(|e| {
        e.len() > 254 || !e.contains('@') || e.chars().any(|c| c.is_whitespace() || c.is_control())
    }) {
        return Err(ApiError::bad_request(
            "customer.email: not an e-mail address.",
        ));
    }
    Ok(())
}

pub async fn create(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(gateway) = state.gateway.clone() else {
        return ApiError::not_found("Route").into_rest_response();
    };
    let limit = gateway.config.rate_limits.sessions_per_address;
    if let Err(error) = gateway
        .limiter
        .check(&format!("session:{}", client.ip()), limit)
    {
        return error.into_rest_response();
    }
    match open_session(&gateway, &headers, &body).await {
        Ok(session) => Json(session).into_response(),
        Err(error) => error.into_rest_response(),
    }
}

async fn open_session(
    gateway: &Gateway,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<SessionResponse, ApiError> {
    if let Some(origin) = headers.get("origin").and_then(|o| o.to_str().ok()) {
        if !gateway.origin_allowed(origin) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!(
                    "The origin {origin} may not open chat sessions; add it with --allowed-origin."
                ),
            ));
        }
    }
    let request: SessionRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Invalid session request: {e}")))
        .and_then(|v: serde_json::Value| parse_input(v))?;
    if request.channel_identifier != gateway.config.channel {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("Unknown channel \"{}\".", request.channel_identifier),
        ));
    }
    let profile = request.customer.unwrap_or(SessionCustomer {
        name: None,
        email: None,
    });
    check_customer(&profile)?;
    let visitor_id = request
        .visitor_id
        .filter(|id| valid_visitor_id(id))
        .unwrap_or_else(|| format!("guest_{}", random_token(32)));

    let (external_id, name, email, identified) = match &request.identity_token {
        None => (visitor_id.clone(), profile.name, profile.email, false),
        Some(token) => {
            let secret = gateway.config.identity_secret.as_ref().ok_or_else(|| {
                ApiError::bad_request(
                    "identityToken given, but CONNECT360_IDENTITY_SECRET is not configured.",
                )
            })?;
            let identity = identity::verify(token, secret, now_millis() / 1000)
                .map_err(|e| ApiError::new(ErrorCode::Unauthorized, e.to_string()))?;
            (
                identity.sub,
                identity.name.or(profile.name),
                identity.email.or(profile.email),
                true,
            )
        }
    };
    let conversation: Conversation = serde_json::from_value(
        gateway
            .call_upstream(
                procedure::GET_OR_CREATE_CONVERSATION,
                json!({"type": "DIRECT", "customer": {"externalId": external_id, "name": name, "email": email,
                        "metadata": {"fingerprint": visitor_id}},
                       "channelIdentifier": gateway.config.channel, "metadata": {"source": "website-chat"}}),
            )
            .await?,
    )
    .map_err(|e| ApiError::internal(format!("unexpected upstream reply: {e}")))?;
    let customer_id = conversation.customer_id.clone().unwrap_or_default();

    if identified {
        // The guest's conversations become the known customer's, under their conversation.
        gateway
            .call_upstream(
                procedure::CLAIM_GUEST_CONVERSATIONS,
                json!({"fingerprint": visitor_id, "guestExternalId": visitor_id,
                       "targetParentId": conversation.id, "customer": {"externalId": external_id},
                       "claimMetadata": {"source": "website-login"}}),
            )
            .await?;
    }
    let (guest, known, conversation_id) = (
        visitor_id.clone(),
        external_id.clone(),
        conversation.id.clone(),
    );
    gateway
        .records(move |tx| {
            grants::grant_conversation(tx, &known, &conversation_id)?;
            if identified {
                let guest_conversations: Vec<String> = {
                    let mut statement = tx.sql.prepare(
                        "SELECT conversation_id FROM gateway_conversations WHERE external_id = ?1",
                    )?;
                    let rows = statement.query_map([&guest], |r| r.get(0))?;
                    rows.collect::<Result<_, _>>()?
                };
                for id in guest_conversations {
                    grants::grant_conversation(tx, &known, &id)?;
                }
            }
            Ok(())
        })
        .await?;

    let expires_at = now_millis() + gateway.config.token_ttl.as_millis() as i64;
    let claims = VisitorClaims {
        visitor_id: visitor_id.clone(),
        external_id,
        customer_id,
        conversation_id: conversation.id.clone(),
        channel: gateway.config.channel.clone(),
        expires_at,
    };
    Ok(SessionResponse {
        token: token::sign(&claims, &gateway.config.token_secret),
        visitor_id,
        conversation_id: conversation.id,
        expires_at: format_millis(expires_at),
        identified,
        sign_in_configured: gateway.config.oauth.is_some(),
        ai_agent_id: gateway.config.ai_agent.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_guest_ids_are_resumed() {
        assert!(valid_visitor_id("guest_0123456789abcdef"));
        assert!(!valid_visitor_id("guest_short"));
        assert!(!valid_visitor_id("user_0123456789abcdef"));
        assert!(!valid_visitor_id("guest_0123456789abcdef'--"));
    }
}

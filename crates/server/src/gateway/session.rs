//! `POST /api/widget/session`: creates or resumes a visitor and issues their token.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::Json;
use connect360_model::wire::{
    procedure, ClaimGuestConversationsInput, Conversation, ConversationType, CustomerInput,
    ErrorCode, GetOrCreateConversationInput, SessionCustomer, SessionRequest, SessionResponse,
};
use serde_json::{json, Value};

use super::token::{self, VisitorClaims};
use super::{rate_limit, Gateway};
use crate::caller::OnGateway;
use crate::clock::{format_millis, now_millis, random_token};
use crate::error::parse_input;
use crate::error::ApiError;

/// A guest id is `guest_` plus 16 to 64 letters and digits; anything else gets a new one.
fn valid_visitor_id(id: &str) -> bool {
    id.strip_prefix("guest_").is_some_and(|rest| {
        (16..=64).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

fn check_customer(customer: &SessionCustomer) -> Result<(), ApiError> {
    use connect360_model::contact::{valid_email, valid_name};
    if customer.name.as_ref().is_some_and(|n| !valid_name(n)) {
        return Err(ApiError::bad_request(
            "customer.name: at most 100 characters, one line, no bidirectional overrides.",
        ));
    }
    if customer.email.as_ref().is_some_and(|e| !valid_email(e)) {
        return Err(ApiError::bad_request(
            "customer.email: not an e-mail address.",
        ));
    }
    Ok(())
}

fn new_visitor_id() -> String {
    format!("guest_{}", random_token(32))
}

/// What the visitor said about themselves: kept for the team to read, marked unverified, and
/// never written where customer matching reads (`name`, `email`, `externalId`).
fn unverified_contact(profile: &SessionCustomer) -> Option<Value> {
    let mut contact = serde_json::Map::new();
    if let Some(name) = profile.name.as_ref().filter(|n| !n.trim().is_empty()) {
        contact.insert("name".into(), json!(name));
    }
    if let Some(email) = profile.email.as_ref().filter(|e| !e.trim().is_empty()) {
        contact.insert("email".into(), json!(email));
    }
    if contact.is_empty() {
        return None;
    }
    contact.insert("verified".into(), json!(false));
    Some(Value::Object(contact))
}

fn to_input(input: &impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(input).map_err(|e| ApiError::internal(e.to_string()))
}

pub async fn create(
    OnGateway(gateway): OnGateway,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<SessionResponse>, ApiError> {
    let limit = gateway.config.rate_limits.sessions_per_address;
    let address =
        rate_limit::client_address(client.ip(), &headers, &gateway.config.trusted_proxies);
    gateway
        .rate_check(
            &format!("session:{}", rate_limit::address_key(address)),
            limit,
        )
        .await?;
    Ok(Json(open_session(&gateway, &headers, &body).await?))
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
    let mut visitor_id = request
        .visitor_id
        .filter(|id| valid_visitor_id(id))
        .unwrap_or_else(new_visitor_id);

    // Who the customer is comes from the guest id or the verified token, never from what
    // the browser says about itself: `profile` is recorded as unverified contact details.
    let identity = match &request.identity_token {
        None => None,
        Some(token) => {
            let verifier = gateway.config.identity.as_ref().ok_or_else(|| {
                ApiError::bad_request(
                    "identityToken given, but CONNECT360_IDENTITY_SECRET is not configured.",
                )
            })?;
            Some(
                verifier
                    .verify(token, now_millis() / 1000)
                    .map_err(|e| ApiError::new(ErrorCode::Unauthorized, e.to_string()))?,
            )
        }
    };
    if let Some(identity) = &identity {
        // A browser whose guest was already merged into another person starts afresh, so the
        // second person to sign in on a shared browser gets none of the first one's chats.
        let merged_into_other = gateway
            .records
            .merged_into(&visitor_id)
            .await?
            .is_some_and(|owner| owner != identity.sub);
        if merged_into_other {
            visitor_id = new_visitor_id();
        }
    }
    let mut metadata = connect360_model::wire::Json::new();
    if let Some(contact) = unverified_contact(&profile) {
        metadata.insert("unverifiedContact".into(), contact);
    }
    let customer = match &identity {
        None => {
            // Only guests carry the browser's fingerprint: a claim by it can only ever take a
            // guest's conversations.
            metadata.insert("fingerprint".into(), json!(visitor_id));
            CustomerInput {
                external_id: Some(visitor_id.clone()),
                // A guest's own label for the team (no lookup reads a name).
                name: profile.name.clone(),
                metadata: Some(metadata),
                ..Default::default()
            }
        }
        Some(identity) => CustomerInput {
            external_id: Some(identity.sub.clone()),
            name: identity.name.clone(),
            email: identity.email.clone(),
            metadata: (!metadata.is_empty()).then_some(metadata),
            ..Default::default()
        },
    };
    let external_id = customer.external_id.clone().unwrap_or_default();
    let identified = identity.is_some();
    let input = GetOrCreateConversationInput {
        kind: Some(ConversationType::Direct),
        customer: Some(customer),
        channel_identifier: Some(gateway.config.channel.clone()),
        metadata: json!({"source": "website-chat"}).as_object().cloned(),
        ..Default::default()
    };
    let conversation: Conversation = serde_json::from_value(
        gateway
            .call_upstream(procedure::GET_OR_CREATE_CONVERSATION, to_input(&input)?)
            .await?,
    )
    .map_err(|e| ApiError::internal(format!("unexpected upstream reply: {e}")))?;
    let customer_id = conversation.customer_id.clone().unwrap_or_default();

    if identified {
        // The guest's conversations become the known customer's, under their conversation.
        let claim = ClaimGuestConversationsInput {
            fingerprint: visitor_id.clone(),
            guest_external_id: Some(visitor_id.clone()),
            target_parent_id: Some(conversation.id.clone()),
            customer: Some(CustomerInput {
                external_id: Some(external_id.clone()),
                ..Default::default()
            }),
            claim_metadata: json!({"source": "website-login"}).as_object().cloned(),
            ..Default::default()
        };
        gateway
            .call_upstream(procedure::CLAIM_GUEST_CONVERSATIONS, to_input(&claim)?)
            .await?;
    }
    let opened = gateway
        .records
        .open_session(
            &external_id,
            &conversation.id,
            &conversation.created_at,
            identified.then_some(visitor_id.as_str()),
        )
        .await?;
    let conversation = match opened.current {
        None => conversation,
        Some(current) => match gateway.upstream.conversation(&current).await {
            Ok(chat) => chat,
            // Deleted upstream behind the gateway's back: forgotten, the top-level one opens.
            Err(error) if error.code == ErrorCode::NotFound => {
                gateway
                    .records
                    .fall_back_to_top(&external_id, &current, &conversation.id)
                    .await?;
                conversation
            }
            Err(error) => return Err(error),
        },
    };
    Ok(issue(
        gateway,
        Visitor {
            visitor_id,
            external_id,
            customer_id,
        },
        &conversation,
    ))
}

/// Who a session is for.
pub(super) struct Visitor {
    pub visitor_id: String,
    pub external_id: String,
    pub customer_id: String,
}

/// The session (and its token) for `visitor` writing in `conversation`.
pub(super) fn issue(
    gateway: &Gateway,
    visitor: Visitor,
    conversation: &Conversation,
) -> SessionResponse {
    // A guest is their visitor id; a known customer, the merchant's subject.
    let identified = visitor.external_id != visitor.visitor_id;
    let expires_at = now_millis() + gateway.config.token_ttl.as_millis() as i64;
    let claims = VisitorClaims {
        visitor_id: visitor.visitor_id.clone(),
        external_id: visitor.external_id,
        customer_id: visitor.customer_id,
        conversation_id: conversation.id.clone(),
        channel: gateway.config.channel.clone(),
        expires_at,
    };
    SessionResponse {
        token: token::sign(&claims, &gateway.config.token_secret),
        visitor_id: visitor.visitor_id,
        conversation_id: conversation.id.clone(),
        expires_at: format_millis(expires_at),
        identified,
        sign_in_configured: gateway.config.oauth.is_some(),
        ai_agent_id: gateway.config.ai_agent.clone(),
        trpc_path: gateway.config.trpc_path.clone(),
        availability: gateway
            .config
            .availability
            .as_ref()
            .map(|a| a.at(now_millis())),
        prechat: gateway.config.prechat.clone().filter(|_| !identified),
        contact_given: conversation
            .metadata
            .contains_key(super::contact::CONTACT_KEY),
        conversation: connect360_model::wire::ConversationState::of(&conversation.metadata),
    }
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

//! Who is calling an API route: a website visitor (a gateway token) or a key holder (a local
//! API key). The tRPC, REST and console routes all ask here, so a credential is read and
//! checked one way; the gateway's own routes ask [`crate::gateway::Gateway::visitor_from_headers`],
//! which verifies tokens the same way ([`crate::gateway::Gateway::verify_visitor`]).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use connect360_model::wire::ErrorCode;

use crate::app::AppState;
use crate::credentials::presented_key;
use crate::error::ApiError;
use crate::gateway::token::{self, VisitorClaims};
use crate::gateway::Gateway;
use crate::local::auth::{ApiKey, Permission};
use crate::local::LocalConnect;

pub enum Caller {
    /// A key holder (the merchant's backend, tests, the console): served by the local
    /// Connect360 directly.
    Key {
        local: Arc<LocalConnect>,
        key: ApiKey,
    },
    /// A website visitor, confined by the gateway's policy and served through its upstream.
    Visitor {
        gateway: Arc<Gateway>,
        claims: VisitorClaims,
    },
}

impl Caller {
    /// The caller `headers` present: a visitor token goes to the gateway (401 if it is not
    /// valid); anything else must be a configured key (401).
    pub fn of(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let presented = presented_key(headers);
        if let Some(token) = presented.filter(|p| p.starts_with(token::PREFIX)) {
            let gateway = state.gateway.clone();
            let claims = gateway.verify_visitor(token)?;
            return Ok(Caller::Visitor { gateway, claims });
        }
        let local = state.local_for_key_holders()?.clone();
        let key = local.authenticate(presented)?.clone();
        Ok(Caller::Key { local, key })
    }

    /// As [`Caller::of`], with a key that must hold one of `any_of` (403 otherwise); a
    /// visitor is confined by the gateway's policy instead.
    pub fn with_permission(
        state: &AppState,
        headers: &HeaderMap,
        any_of: &[Permission],
    ) -> Result<Caller, ApiError> {
        let caller = Caller::of(state, headers)?;
        if let Caller::Key { key, .. } = &caller {
            key.require(any_of)?;
        }
        Ok(caller)
    }

    /// The local Connect360 for a key holder with one of `any_of`; a visitor token is refused
    /// (401) like any key it is not.
    pub fn key_holder(
        state: &AppState,
        headers: &HeaderMap,
        any_of: &[Permission],
    ) -> Result<Arc<LocalConnect>, ApiError> {
        match Caller::with_permission(state, headers, any_of)? {
            Caller::Key { local, .. } => Ok(local),
            Caller::Visitor { .. } => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "An API key is required.",
            )),
        }
    }
}

/// The gateway, for its own routes (`/api/widget/…`) that need no visitor yet.
pub struct OnGateway(pub Arc<Gateway>);

impl FromRequestParts<AppState> for OnGateway {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(OnGateway(state.gateway.clone()))
    }
}

/// A visitor with a valid token, on the gateway's own routes: 401 for a missing, expired or
/// foreign token.
pub struct Visitor {
    pub gateway: Arc<Gateway>,
    pub claims: VisitorClaims,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let gateway = state.gateway.clone();
        let claims = gateway.visitor_from_headers(&parts.headers)?;
        Ok(Visitor { gateway, claims })
    }
}

//! Visitor tokens: short-lived, HMAC-SHA256-signed, binding visitor, customer, conversation
//! and channel. Format `c360v1.<payload>.<signature>` (base64url, no padding); the payload is
//! JSON. Tokens are recognisable by prefix, so they can never be confused with API keys.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::clock::now_millis;

pub const PREFIX: &str = "c360v1.";

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorClaims {
    /// The visitor id (`guest_…`), or the merchant's user id for a known customer.
    #[serde(rename = "v")]
    pub visitor_id: String,
    /// The customer's `externalId` upstream.
    #[serde(rename = "x")]
    pub external_id: String,
    /// The customer's id upstream.
    #[serde(rename = "u")]
    pub customer_id: String,
    /// The visitor's top-level conversation.
    #[serde(rename = "c")]
    pub conversation_id: String,
    #[serde(rename = "ch")]
    pub channel: String,
    /// Expiry, Unix milliseconds.
    #[serde(rename = "e")]
    pub expires_at: i64,
}

impl VisitorClaims {
    /// A merchant-identified customer: their `externalId` is the merchant's user id, not the
    /// browser's guest id.
    pub fn identified(&self) -> bool {
        self.external_id != self.visitor_id
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("The visitor token is malformed.")]
    Malformed,
    #[error("The visitor token's signature is invalid.")]
    BadSignature,
    #[error("The visitor token has expired; start a new session.")]
    Expired,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], payload: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(PREFIX.as_bytes());
    mac.update(payload.as_bytes());
    mac
}

pub fn sign(claims: &VisitorClaims, secret: &[u8]) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, &payload).finalize().into_bytes());
    format!("{PREFIX}{payload}.{signature}")
}

/// Verifies signature (constant time) and expiry.
pub fn verify(token: &str, secret: &[u8]) -> Result<VisitorClaims, TokenError> {
    let rest = token.strip_prefix(PREFIX).ok_or(TokenError::Malformed)?;
    let (payload, signature) = rest.split_once('.').ok_or(TokenError::Malformed)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| TokenError::Malformed)?;
    mac(secret, payload)
        .verify_slice(&signature)
        .map_err(|_| TokenError::BadSignature)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenError::Malformed)?;
    let claims: VisitorClaims =
        serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    if claims.expires_at <= now_millis() {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(expires_in: i64) -> VisitorClaims {
        VisitorClaims {
            visitor_id: "guest_1".into(),
            external_id: "guest_1".into(),
            customer_id: "cus_1".into(),
            conversation_id: "conv_1".into(),
            channel: "example.com".into(),
            expires_at: now_millis() + expires_in,
        }
    }

    #[test]
    fn a_signed_token_verifies_with_its_secret_only() {
        let token = sign(&claims(60_000), b"secret");
        assert!(token.starts_with(PREFIX));
        assert_eq!(verify(&token, b"secret").unwrap().conversation_id, "conv_1");
        assert_eq!(verify(&token, b"other"), Err(TokenError::BadSignature));
    }

    #[test]
    fn forged_expired_and_malformed_tokens_are_refused() {
        let token = sign(&claims(60_000), b"secret");
        let (head, signature) = token.rsplit_once('.').unwrap();
        let mut forged_claims = claims(60_000);
        forged_claims.conversation_id = "conv_2".into();
        let forged_payload = sign(&forged_claims, b"attacker");
        let forged = format!("{}.{signature}", forged_payload.rsplit_once('.').unwrap().0);
        assert_eq!(verify(&forged, b"secret"), Err(TokenError::BadSignature));
        assert_eq!(
            verify(&format!("{head}.AAAA"), b"secret"),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify(&sign(&claims(-1), b"secret"), b"secret"),
            Err(TokenError::Expired)
        );
        for bad in ["", "plato_key", "c360v1.", "c360v1.abc", "c360v1.***.***"] {
            assert!(verify(bad, b"secret").is_err(), "{bad}");
        }
    }
}

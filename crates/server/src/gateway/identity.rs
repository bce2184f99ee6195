//! Merchant-signed identities: an HS256 JWT (`sub`, `name`, `email`, `exp`) the merchant's
//! site issues for a logged-in user, verified with `CONNECT360_IDENTITY_SECRET`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// A verified identity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Identity {
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Expiry, Unix seconds.
    pub exp: i64,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Why an identity token was refused (the message is shown to the merchant's developer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("identityToken is not a JWT")]
    Malformed,
    #[error("identityToken must be signed with HS256")]
    Algorithm,
    #[error("identityToken's signature does not match CONNECT360_IDENTITY_SECRET")]
    Signature,
    #[error("identityToken has expired")]
    Expired,
    #[error("identityToken needs a non-empty sub of at most 200 characters")]
    Subject,
}

/// Verifies `token` (HS256 only: `none` and every other algorithm are refused).
pub fn verify(token: &str, secret: &[u8], now_seconds: i64) -> Result<Identity, IdentityError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdentityError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| IdentityError::Malformed)
    };
    let header: Header =
        serde_json::from_slice(&decode(header)?).map_err(|_| IdentityError::Malformed)?;
    if header.alg != "HS256" {
        return Err(IdentityError::Algorithm);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    // The signed input is `header.payload`, exactly as received.
    mac.update(&token.as_bytes()[..token.len() - signature.len() - 1]);
    mac.verify_slice(&decode(signature)?)
        .map_err(|_| IdentityError::Signature)?;
    let identity: Identity =
        serde_json::from_slice(&decode(payload)?).map_err(|_| IdentityError::Malformed)?;
    if identity.exp <= now_seconds {
        return Err(IdentityError::Expired);
    }
    if identity.sub.trim().is_empty() || identity.sub.chars().count() > 200 {
        return Err(IdentityError::Subject);
    }
    Ok(identity)
}

/// Signs an identity as the merchant would (tests and the demo page's "log in" button).
pub fn sign(claims: &serde_json::Value, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(format!("{header}.{payload}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_merchant_signed_identity_verifies() {
        let token = sign(
            &json!({"sub": "user_42", "name": "Jane", "email": "jane@example.com", "exp": 2000}),
            b"s",
        );
        let identity = verify(&token, b"s", 1000).unwrap();
        assert_eq!(identity.sub, "user_42");
        assert_eq!(identity.email.as_deref(), Some("jane@example.com"));
    }

    #[test]
    fn wrong_secret_expiry_algorithm_and_shape_are_refused() {
        let token = sign(&json!({"sub": "user_42", "exp": 2000}), b"s");
        assert_eq!(
            verify(&token, b"other", 1000),
            Err(IdentityError::Signature)
        );
        assert_eq!(verify(&token, b"s", 2000), Err(IdentityError::Expired));
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let (_, rest) = token.split_once('.').unwrap();
        assert_eq!(
            verify(&format!("{none_header}.{rest}"), b"s", 1000),
            Err(IdentityError::Algorithm)
        );
        assert_eq!(verify("a.b", b"s", 1000), Err(IdentityError::Malformed));
        let empty_sub = sign(&json!({"sub": " ", "exp": 2000}), b"s");
        assert_eq!(verify(&empty_sub, b"s", 1000), Err(IdentityError::Subject));
    }
}

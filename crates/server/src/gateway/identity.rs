//! Merchant-signed identities: an HS256 JWT (`sub`, `name`, `email`, `iat`, `exp`, optional
//! `nbf`, `iss`, `aud`) the merchant's site issues for a logged-in user, verified with
//! `CONNECT360_IDENTITY_SECRET` and, when configured, the expected issuer and audience.

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
    /// Issued at, Unix seconds (required: it bounds how long a token may live).
    #[serde(default)]
    pub iat: Option<i64>,
    /// Not before, Unix seconds.
    #[serde(default)]
    pub nbf: Option<i64>,
    #[serde(default)]
    pub iss: Option<String>,
    /// One audience or several (RFC 7519 §4.1.3).
    #[serde(default)]
    pub aud: Option<Audience>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, wanted: &str) -> bool {
        match self {
            Audience::One(one) => one == wanted,
            Audience::Many(many) => many.iter().any(|a| a == wanted),
        }
    }
}

/// How identities are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityVerifier {
    pub secret: Vec<u8>,
    /// `iss` must equal this when set (`--identity-issuer`).
    pub issuer: Option<String>,
    /// `aud` must contain this when set (`--identity-audience`).
    pub audience: Option<String>,
    /// `exp - iat` may not exceed this many seconds.
    pub max_lifetime_seconds: i64,
}

/// An identity token is minted per page view; a day is more than any page needs.
pub const DEFAULT_MAX_LIFETIME_SECONDS: i64 = 24 * 3600;
/// Clocks of the merchant's servers and ours may differ this much.
const CLOCK_SKEW_SECONDS: i64 = 60;
/// The prefix of guest ids: an identified `sub` may not use it, so a merchant's user id can
/// never be confused with (or claim) a guest.
pub const GUEST_PREFIX: &str = "guest_";

impl IdentityVerifier {
    pub fn new(secret: Vec<u8>) -> Self {
        IdentityVerifier {
            secret,
            issuer: None,
            audience: None,
            max_lifetime_seconds: DEFAULT_MAX_LIFETIME_SECONDS,
        }
    }

    /// Verifies `token` and every claim the gateway relies on.
    pub fn verify(&self, token: &str, now_seconds: i64) -> Result<Identity, IdentityError> {
        let identity = verify(token, &self.secret, now_seconds)?;
        let iat = identity.iat.ok_or(IdentityError::IssuedAt)?;
        if iat > now_seconds + CLOCK_SKEW_SECONDS {
            return Err(IdentityError::IssuedAt);
        }
        if identity.exp - iat > self.max_lifetime_seconds {
            return Err(IdentityError::Lifetime(self.max_lifetime_seconds));
        }
        if identity
            .nbf
            .is_some_and(|nbf| nbf > now_seconds + CLOCK_SKEW_SECONDS)
        {
            return Err(IdentityError::NotYetValid);
        }
        if let Some(issuer) = &self.issuer {
            if identity.iss.as_deref() != Some(issuer) {
                return Err(IdentityError::Issuer);
            }
        }
        if let Some(audience) = &self.audience {
            if !identity.aud.as_ref().is_some_and(|a| a.contains(audience)) {
                return Err(IdentityError::Audience);
            }
        }
        if identity.sub.starts_with(GUEST_PREFIX) {
            return Err(IdentityError::GuestSubject);
        }
        Ok(identity)
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Why an identity token was refused (the message is shown to the merchant's developer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    #[error("identityToken's sub may not start with \"guest_\" (reserved for guests)")]
    GuestSubject,
    #[error("identityToken needs an iat (issued at) that is not in the future")]
    IssuedAt,
    #[error("identityToken may live at most {0} seconds from iat to exp")]
    Lifetime(i64),
    #[error("identityToken is not valid yet (nbf)")]
    NotYetValid,
    #[error("identityToken's iss is not the configured issuer")]
    Issuer,
    #[error("identityToken's aud does not name the configured audience")]
    Audience,
}

/// Verifies `token`'s signature, expiry and subject (HS256 only: `none` and every other
/// algorithm are refused); [`IdentityVerifier::verify`] checks the remaining claims.
fn verify(token: &str, secret: &[u8], now_seconds: i64) -> Result<Identity, IdentityError> {
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
            &json!({"sub": "user_42", "name": "Jane", "email": "jane@example.com", "iat": 900, "exp": 2000}),
            b"s",
        );
        let identity = IdentityVerifier::new(b"s".to_vec())
            .verify(&token, 1000)
            .unwrap();
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

    #[test]
    fn lifetime_issuer_audience_and_namespace_are_checked() {
        let verifier = IdentityVerifier {
            issuer: Some("https://shop.example".into()),
            audience: Some("chat".into()),
            ..IdentityVerifier::new(b"s".to_vec())
        };
        let good = json!({"sub": "u1", "iat": 1000, "exp": 1600, "iss": "https://shop.example", "aud": ["web", "chat"]});
        assert!(verifier.verify(&sign(&good, b"s"), 1000).is_ok());
        let with = |key: &str, value: serde_json::Value| {
            let mut claims = good.clone();
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(key);
            } else {
                claims[key] = value;
            }
            verifier.verify(&sign(&claims, b"s"), 1000)
        };
        assert_eq!(with("iat", json!(null)), Err(IdentityError::IssuedAt));
        assert_eq!(with("iat", json!(1100)), Err(IdentityError::IssuedAt));
        assert_eq!(
            with("exp", json!(1000 + 2 * 86_400)),
            Err(IdentityError::Lifetime(DEFAULT_MAX_LIFETIME_SECONDS))
        );
        assert_eq!(with("nbf", json!(1200)), Err(IdentityError::NotYetValid));
        assert!(with("nbf", json!(990)).is_ok());
        assert_eq!(
            with("iss", json!("https://evil.example")),
            Err(IdentityError::Issuer)
        );
        assert_eq!(with("iss", json!(null)), Err(IdentityError::Issuer));
        assert_eq!(with("aud", json!("web")), Err(IdentityError::Audience));
        assert!(with("aud", json!("chat")).is_ok());
        assert_eq!(
            with("sub", json!("guest_0123456789abcdef")),
            Err(IdentityError::GuestSubject)
        );
    }
}

//! API keys and permissions of the local Connect360 (`connect360-api.md` §1.3–§1.4).

use axum::http::HeaderMap;

use crate::error::ApiError;
use connect360_model::wire::ErrorCode;

/// A permission a key's role grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// `connect360:conversation:engage`
    Engage,
    /// `connect360:conversation:read`
    Read,
    /// `connect360:conversation:delete`
    Delete,
}

/// A configured key.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub secret: String,
    pub permissions: Vec<Permission>,
}

impl ApiKey {
    /// A key whose role has every Connect360 permission.
    pub fn full_access(secret: String) -> Self {
        ApiKey {
            secret,
            permissions: vec![Permission::Engage, Permission::Read, Permission::Delete],
        }
    }

    /// 403 unless the key has one of `any_of`.
    pub fn require(&self, any_of: &[Permission]) -> Result<(), ApiError> {
        if any_of.iter().any(|p| self.permissions.contains(p)) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Forbidden,
                "Unauthorized API key permissions.",
            ))
        }
    }
}

/// The credential a request presents: `Authorization: Bearer` wins over `x-api-key`.
/// `?apiKey=` is never read.
pub fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty());
    }
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn bearer_wins_over_x_api_key() {
        let h = headers(&[
            ("authorization", "Bearer plato_a"),
            ("x-api-key", "plato_b"),
        ]);
        assert_eq!(presented_key(&h), Some("plato_a"));
        assert_eq!(
            presented_key(&headers(&[("x-api-key", "plato_b")])),
            Some("plato_b")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "Basic abc")])),
            None
        );
        assert_eq!(presented_key(&headers(&[])), None);
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(constant_time_eq("plato_x", "plato_x"));
        assert!(!constant_time_eq("plato_x", "plato_y"));
        assert!(!constant_time_eq("plato_x", "plato_xx"));
    }
}

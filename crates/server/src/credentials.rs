//! What a request presents as its credential, read the same way by the local Connect360
//! (API keys), the gateway (visitor tokens) and the console.

use axum::http::HeaderMap;

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

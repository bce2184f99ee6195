//! Upload quotas: bytes a visitor, and a client address, may upload in 24 hours. Spent bytes
//! are kept in a ledger apart from the grants (a clean-up never gives quota back); uploads
//! under way hold a reservation, so parallel uploads cannot each spend the same remainder.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::params;

use crate::error::ApiError;
use crate::store::Tx;

/// How long spent bytes count.
pub const WINDOW_MILLIS: i64 = 24 * 3_600_000;

/// Bytes held by uploads under way, by quota key.
#[derive(Debug, Default)]
pub struct Reservations {
    held: Mutex<HashMap<String, u64>>,
}

/// What an upload under way holds; released when dropped.
#[derive(Debug)]
pub struct Reservation<'a> {
    reservations: &'a Reservations,
    keys: Vec<String>,
    bytes: u64,
}

impl Reservations {
    /// Bytes reserved under `key` right now.
    pub fn held(&self, key: &str) -> u64 {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.get(key).copied().unwrap_or(0)
    }

    /// Holds `bytes` under every key until the reservation is dropped.
    pub fn reserve(&self, keys: Vec<String>, bytes: u64) -> Reservation<'_> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        for key in &keys {
            *held.entry(key.clone()).or_default() += bytes;
        }
        Reservation {
            reservations: self,
            keys,
            bytes,
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut held = self
            .reservations
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for key in &self.keys {
            if let Some(value) = held.get_mut(key) {
                *value = value.saturating_sub(self.bytes);
                if *value == 0 {
                    held.remove(key);
                }
            }
        }
    }
}

/// Bytes spent under `key` since `since` (Unix milliseconds).
pub fn spent_since(tx: &Tx<'_>, key: &str, since: i64) -> Result<u64, ApiError> {
    let total: i64 = tx.sql.query_row(
        "SELECT COALESCE(SUM(bytes), 0) FROM gateway_upload_ledger
         WHERE quota_key = ?1 AND created_at >= ?2",
        params![key, crate::clock::format_millis(since)],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Records `bytes` spent under every key.
pub fn spend(tx: &Tx<'_>, keys: &[String], bytes: u64) -> Result<(), ApiError> {
    for key in keys {
        tx.sql.execute(
            "INSERT INTO gateway_upload_ledger (quota_key, bytes, created_at) VALUES (?1, ?2, ?3)",
            params![key, bytes as i64, tx.now()],
        )?;
    }
    Ok(())
}

/// Forgets what no longer counts.
pub fn forget_before(tx: &Tx<'_>, before: i64) -> Result<(), ApiError> {
    tx.sql.execute(
        "DELETE FROM gateway_upload_ledger WHERE created_at < ?1",
        [crate::clock::format_millis(before)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_add_up_and_are_released_when_dropped() {
        let reservations = Reservations::default();
        let a = reservations.reserve(vec!["v:1".into(), "a:x".into()], 100);
        let b = reservations.reserve(vec!["v:2".into(), "a:x".into()], 50);
        assert_eq!(reservations.held("a:x"), 150);
        assert_eq!(reservations.held("v:1"), 100);
        drop(a);
        assert_eq!(reservations.held("a:x"), 50);
        assert_eq!(reservations.held("v:1"), 0);
        drop(b);
        assert_eq!(reservations.held("a:x"), 0);
    }
}

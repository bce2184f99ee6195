//! Ids (`<prefix>_<random>`) and timestamps (ISO-8601 UTC with milliseconds).

use std::sync::atomic::{AtomicI64, Ordering};

use time::format_description::well_known::Iso8601;
use time::OffsetDateTime;

const ID_ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A new opaque id such as `msg_3kT9qL0xZb2m8Wc1` (16 random base-62 characters, ~95 bits).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_token(16))
}

/// `len` random base-62 characters from the OS random source.
pub fn random_token(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
        .iter()
        // 248 = 4 * 62: rejection-free enough for ids; the tiny bias is irrelevant here.
        .map(|b| ID_ALPHABET[(*b as usize) % ID_ALPHABET.len()] as char)
        .collect()
}

/// Formats Unix milliseconds as `2025-03-04T10:15:02.118Z`.
pub fn format_millis(millis: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Parses a timestamp written by [`format_millis`] (or any ISO-8601 instant).
pub fn parse_millis(text: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(text, &Iso8601::DEFAULT).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

pub fn now_millis() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// A clock that never goes backwards: each reading is at least the previous one, so rows
/// stamped in insertion order are also in timestamp order.
#[derive(Debug, Default)]
pub struct MonotonicClock {
    last: AtomicI64,
}

impl MonotonicClock {
    pub fn starting_at(millis: i64) -> Self {
        MonotonicClock {
            last: AtomicI64::new(millis),
        }
    }

    pub fn now(&self) -> i64 {
        let now = now_millis();
        let previous = self.last.fetch_max(now, Ordering::SeqCst);
        previous.max(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_with_milliseconds() {
        let text = format_millis(1_741_083_302_118);
        assert_eq!(text, "2025-03-04T10:15:02.118Z");
        assert_eq!(parse_millis(&text), Some(1_741_083_302_118));
    }

    #[test]
    fn ids_have_their_prefix_and_differ() {
        let a = new_id("msg");
        assert!(a.starts_with("msg_") && a.len() == 20);
        assert_ne!(a, new_id("msg"));
    }

    #[test]
    fn the_monotonic_clock_never_goes_back() {
        let clock = MonotonicClock::starting_at(now_millis() + 60_000);
        let first = clock.now();
        assert!(clock.now() >= first);
    }
}

//! Token-bucket rate limits of the gateway (`connect360-api.md` §5.4): per visitor for sends,
//! polls, uploads and AI streams, per client address for new sessions. Counters live in
//! memory: the only state the gateway keeps apart from its grants.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use connect360_model::wire::ErrorCode;

use crate::error::ApiError;

/// `burst` requests at once, refilled at `burst` per `per`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn per_minute(burst: u32) -> Rate {
        Rate {
            burst,
            per: Duration::from_secs(60),
        }
    }

    pub const fn per_second(burst: u32) -> Rate {
        Rate {
            burst,
            per: Duration::from_secs(1),
        }
    }
}

/// The limits the gateway applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// New or resumed sessions per client address.
    pub sessions_per_address: Rate,
    /// Messages a visitor sends.
    pub sends_per_visitor: Rate,
    /// `listMessages` calls of a visitor (polling and history).
    pub reads_per_visitor: Rate,
    /// Upload requests of a visitor.
    pub uploads_per_visitor: Rate,
    /// AI streams a visitor opens.
    pub streams_per_visitor: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            sessions_per_address: Rate::per_minute(60),
            sends_per_visitor: Rate::per_minute(10),
            // About one poll a second, with room for paging through history.
            reads_per_visitor: Rate::per_second(5),
            uploads_per_visitor: Rate::per_minute(10),
            streams_per_visitor: Rate::per_minute(10),
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Buckets by key (`send:<visitor>`, `session:<address>`, …).
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Above this many buckets, full (idle) ones are forgotten.
const PRUNE_ABOVE: usize = 50_000;

impl RateLimiter {
    /// Takes one token for `key`, or 429 with the seconds until one is available.
    pub fn check(&self, key: &str, rate: Rate) -> Result<(), ApiError> {
        self.check_at(key, rate, Instant::now())
    }

    fn check_at(&self, key: &str, rate: Rate, now: Instant) -> Result<(), ApiError> {
        let burst = f64::from(rate.burst.max(1));
        let per_token = rate.per.as_secs_f64() / burst;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.last).as_secs_f64() / per_token < burst
            });
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let refill = now.duration_since(bucket.last).as_secs_f64() / per_token;
        bucket.tokens = (bucket.tokens + refill).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - bucket.tokens) * per_token).ceil().max(1.0) as u64;
        Err(ApiError {
            retry_after: Some(wait),
            ..ApiError::new(
                ErrorCode::TooManyRequests,
                format!("Too many requests; try again in {wait} s."),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_until_refilled() {
        let limiter = RateLimiter::default();
        let rate = Rate::per_minute(3);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("k", rate, start).is_ok());
        }
        let refused = limiter.check_at("k", rate, start).unwrap_err();
        assert_eq!(refused.code, ErrorCode::TooManyRequests);
        assert_eq!(refused.retry_after, Some(20));
        assert!(
            limiter.check_at("other", rate, start).is_ok(),
            "keys are separate"
        );
        assert!(limiter
            .check_at("k", rate, start + Duration::from_secs(20))
            .is_ok());
        assert!(limiter
            .check_at("k", rate, start + Duration::from_secs(21))
            .is_err());
    }
}

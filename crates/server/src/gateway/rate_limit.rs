//! Token-bucket rate limits of the gateway (`connect360-api.md` §5.4): per visitor for sends,
//! polls, uploads, downloads and AI streams, per client address for new sessions. Counters
//! live in memory, in a map of bounded size whose oldest half is dropped at once when full.

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
    /// Files a visitor downloads.
    pub downloads_per_visitor: Rate,
    /// Bytes of files a visitor may upload in 24 hours.
    pub upload_bytes_per_day: u64,
    /// Bytes of files one client address may upload in 24 hours, all its visitors together
    /// (new guest sessions do not get a new allowance).
    pub upload_bytes_per_address_per_day: u64,
    /// Event streams a visitor opens (reconnects included).
    pub event_streams_per_visitor: Rate,
    /// Seen receipts a visitor reports (the widget sends at most one every few seconds).
    pub seen_reports_per_visitor: Rate,
    /// Contact forms a visitor submits (a few corrections after a refusal).
    pub contact_forms_per_visitor: Rate,
    /// Ends, ratings and reads of a conversation's state a visitor makes.
    pub life_changes_per_visitor: Rate,
    /// Event streams open at once: per visitor (a few tabs), per client address, in all.
    pub open_streams: OpenStreamLimits,
}

/// How many event streams may be open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenStreamLimits {
    pub per_visitor: usize,
    pub per_address: usize,
    pub total: usize,
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
            // A transcript full of pictures loads at once; then about one a second.
            downloads_per_visitor: Rate::per_minute(60),
            // Eight files of the full 25 MB a day: more than a conversation needs, and a bound
            // on what one visitor can make the merchant store.
            upload_bytes_per_day: 200 * 1024 * 1024,
            upload_bytes_per_address_per_day: 1024 * 1024 * 1024,
            // A reconnect at every wake-up (online, focus, visibility) of a few tabs.
            event_streams_per_visitor: Rate::per_minute(30),
            seen_reports_per_visitor: Rate::per_minute(30),
            contact_forms_per_visitor: Rate::per_minute(10),
            // The widget reads the state with each poll (every 1.5 s, sooner when woken)
            // while the stream is down.
            life_changes_per_visitor: Rate::per_minute(120),
            open_streams: OpenStreamLimits {
                per_visitor: 5,
                // An office or a mobile carrier puts many visitors behind one address.
                per_address: 200,
                // Four in five of the default connection cap (10 000): the rest stay free for
                // the requests of every other visitor.
                total: 8_000,
            },
        }
    }
}

/// The 429 for `key`, allowed again in `wait` seconds; counted by the key's kind.
pub fn limited(key: &str, wait: u64) -> ApiError {
    let wait = wait.max(1);
    // Labelled by the key's kind ("send", "read", …), never by whose it is.
    crate::metrics::rate_limited(key.split(':').next().unwrap_or(""));
    ApiError {
        retry_after: Some(wait),
        ..ApiError::new(
            ErrorCode::TooManyRequests,
            format!("Too many requests; try again in {wait} s."),
        )
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Buckets by key (`send:<visitor>`, `session:<address>`, …), in two generations: new and
/// refreshed buckets go into `current`; when it holds [`GENERATION`] buckets, `previous`
/// (buckets untouched for a whole generation) is dropped in one step and `current` takes its
/// place. Memory stays under two generations and no check ever scans the map.
#[derive(Debug)]
pub struct RateLimiter {
    generations: Mutex<Generations>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Generations {
    current: HashMap<String, Bucket>,
    previous: HashMap<String, Bucket>,
}

/// Buckets per generation: 100 000 keys of ~100 bytes, about 10 MB each.
const GENERATION: usize = 100_000;

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::with_capacity(GENERATION)
    }
}

impl RateLimiter {
    /// A limiter keeping at most about `2 × capacity` buckets.
    pub fn with_capacity(capacity: usize) -> Self {
        RateLimiter {
            generations: Mutex::default(),
            capacity: capacity.max(1),
        }
    }

    /// How many buckets are kept now.
    pub fn len(&self) -> usize {
        let generations = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        generations.current.len() + generations.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes one token for `key`, or 429 with the seconds until one is available.
    pub fn check(&self, key: &str, rate: Rate) -> Result<(), ApiError> {
        self.check_at(key, rate, Instant::now())
    }

    fn check_at(&self, key: &str, rate: Rate, now: Instant) -> Result<(), ApiError> {
        let burst = f64::from(rate.burst.max(1));
        let per_token = rate.per.as_secs_f64() / burst;
        let mut guard = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        let generations = &mut *guard;
        if !generations.current.contains_key(key) {
            if generations.current.len() >= self.capacity {
                generations.previous = std::mem::take(&mut generations.current);
            }
            let bucket = generations.previous.remove(key).unwrap_or(Bucket {
                tokens: burst,
                last: now,
            });
            generations.current.insert(key.to_owned(), bucket);
        }
        let Some(bucket) = generations.current.get_mut(key) else {
            return Ok(());
        };
        let refill = now.duration_since(bucket.last).as_secs_f64() / per_token;
        bucket.tokens = (bucket.tokens + refill).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - bucket.tokens) * per_token).ceil().max(1.0) as u64;
        Err(limited(key, wait))
    }
}

/// The rate-limit key of a client address: an IPv4 address, or the /64 prefix of an IPv6 one
/// (a single subscriber usually holds a whole /64 and can rotate through it freely).
pub fn address_key(address: std::net::IpAddr) -> String {
    match address {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The client's address: the peer's, or, when the peer is a trusted reverse proxy, the
/// nearest address in `X-Forwarded-For` that is not one of the trusted proxies. A browser
/// can write that header too, so it is believed only from a proxy the operator named.
pub fn client_address(
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
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

    #[test]
    fn the_map_stays_bounded_and_recent_buckets_survive_a_generation() {
        let limiter = RateLimiter::with_capacity(100);
        let rate = Rate::per_minute(1);
        let start = Instant::now();
        assert!(limiter.check_at("busy", rate, start).is_ok());
        for i in 0..1_000 {
            let _ = limiter.check_at(&format!("k{i}"), rate, start);
            if i % 60 == 0 {
                // Still limited: its bucket moves to the new generation when touched.
                assert!(limiter.check_at("busy", rate, start).is_err());
            }
            assert!(limiter.len() <= 200, "{}", limiter.len());
        }
    }

    #[test]
    fn addresses_key_by_ipv4_or_ipv6_64() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(address_key(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(
            address_key(ip("2001:db8:1:2:aaaa::1")),
            address_key(ip("2001:db8:1:2:ffff:1:2:3"))
        );
        assert_ne!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(address_key(ip("::ffff:198.51.100.1")), "198.51.100.1");
    }

    #[test]
    fn forwarded_for_is_believed_from_trusted_proxies_only() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "198.51.100.9, 203.0.113.5, 10.0.0.2".parse().unwrap(),
        );
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(
            client_address(ip("10.0.0.1"), &headers, &proxies),
            ip("203.0.113.5")
        );
        // Anyone else's header is ignored.
        assert_eq!(
            client_address(ip("192.0.2.4"), &headers, &proxies),
            ip("192.0.2.4")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &axum::http::HeaderMap::new(), &proxies),
            ip("10.0.0.1")
        );
    }
}

//! How long to wait before trying again (`connect360-api.md` §5.2): sends retry 3 times at
//! 0.5 s, 1 s, 2 s plus up to 250 ms jitter (429: `Retry-After`, else 1 s doubling); polls back
//! off exponentially with jitter up to 15 s; the cadence of healthy polls depends on whether
//! the panel is open and the tab visible. Pure functions; `random` is in `[0, 1)`.

use crate::api::ApiError;

/// Retries of one send before it shows as failed.
pub const SEND_RETRIES: u32 = 3;

/// Poll cadence while the panel is open and the tab visible.
pub const POLL_OPEN_MS: u32 = 1_500;
/// Poll cadence while the panel is closed (for the unread badge).
pub const POLL_CLOSED_MS: u32 = 20_000;
/// The shortest time between the starts of two polls. Wakes (a send, a chip, the panel opening,
/// the tab showing) poll early; in a quick run of them this keeps a visitor well under the
/// gateway's five reads a second instead of meeting its 429.
pub const POLL_MIN_GAP_MS: f64 = 300.0;
/// The longest wait between failing polls.
const POLL_BACKOFF_MAX_MS: u32 = 15_000;

/// The wait before retry number `retry` (0-based) of a send that failed with `error`.
pub fn send_retry_delay_ms(retry: u32, error: &ApiError, random: f64) -> u32 {
    let doubling = 1u32 << retry.min(10);
    match error.retry_after_seconds() {
        Some(seconds) => seconds.saturating_mul(1000).min(60_000),
        None if matches!(error, ApiError::Http { status: 429, .. }) => 1000 * doubling,
        None => 500 * doubling + (random * 250.0) as u32,
    }
}

/// The wait after `failures` consecutive failed polls (≥ 1): 1 s doubling up to 15 s, with
/// "equal jitter" (half fixed, half random) so many widgets do not retry in step.
pub fn poll_backoff_ms(failures: u32, error: &ApiError, random: f64) -> u32 {
    if let Some(seconds) = error.retry_after_seconds() {
        return seconds.saturating_mul(1000).clamp(1000, 120_000);
    }
    let ceiling = (1000u32 << failures.saturating_sub(1).min(5)).min(POLL_BACKOFF_MAX_MS);
    ceiling / 2 + (random * f64::from(ceiling / 2)) as u32
}

/// The wait before the event stream connects again. `failures` 0: it was up and the server
/// ended it (its token expired, a restart), so at once but spread over a second and a half
/// (every widget of a restarted server reconnects together). After failures: `Retry-After`,
/// else 2 s doubling up to a minute with equal jitter; a refusal that will not change (no
/// such route on an older gateway, a bad request) waits five minutes. Polling goes on meanwhile.
pub fn stream_retry_ms(failures: u32, error: Option<&ApiError>, random: f64) -> u32 {
    let jitter = |ceiling: u32| ceiling / 2 + (random * f64::from(ceiling / 2)) as u32;
    let Some(error) = error.filter(|_| failures > 0) else {
        return 500 + (random * 1000.0) as u32;
    };
    if let Some(seconds) = error.retry_after_seconds() {
        return seconds.saturating_mul(1000).clamp(1000, 120_000);
    }
    if matches!(error, ApiError::Http { status, .. } if (400..500).contains(status)
        && !matches!(status, 401 | 408 | 429))
    {
        return STREAM_REFUSED_MS;
    }
    jitter((2000u32 << failures.saturating_sub(1).min(5)).min(STREAM_BACKOFF_MAX_MS))
}

/// The longest wait between failed event-stream connections.
const STREAM_BACKOFF_MAX_MS: u32 = 60_000;
/// The wait after the gateway refused the event stream for good.
const STREAM_REFUSED_MS: u32 = 300_000;

/// The wait between healthy polls; `None` while the tab is hidden (no polling at all).
pub fn poll_interval_ms(open: bool, visible: bool) -> Option<u32> {
    match (visible, open) {
        (false, _) => None,
        (true, true) => Some(POLL_OPEN_MS),
        (true, false) => Some(POLL_CLOSED_MS),
    }
}

/// How long to wait before the next poll may start, `ms_since_last` after the last one started.
pub fn poll_gap_remaining_ms(ms_since_last: f64) -> Option<u32> {
    (ms_since_last < POLL_MIN_GAP_MS)
        .then(|| (POLL_MIN_GAP_MS - ms_since_last.max(0.0)).ceil() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect360_model::wire::ErrorCode;

    #[test]
    fn a_stream_reconnects_soon_after_an_end_and_backs_off_after_failures() {
        // Ended by the server: within half a second to two.
        for random in [0.0, 0.5, 0.999] {
            let wait = stream_retry_ms(0, None, random);
            assert!((500..1500).contains(&wait), "{wait}");
        }
        let network = ApiError::Network;
        assert!((1000..=2000).contains(&stream_retry_ms(1, Some(&network), 0.5)));
        assert!((2000..=4000).contains(&stream_retry_ms(2, Some(&network), 0.5)));
        assert_eq!(stream_retry_ms(30, Some(&network), 0.0), 30_000);
        assert_eq!(stream_retry_ms(30, Some(&network), 1.0), 60_000);
        // The gateway's own word, within bounds.
        assert_eq!(stream_retry_ms(1, Some(&http(503, Some(30))), 0.5), 30_000);
        assert_eq!(stream_retry_ms(1, Some(&http(429, Some(0))), 0.5), 1_000);
        assert_eq!(
            stream_retry_ms(1, Some(&http(429, Some(3600))), 0.5),
            120_000
        );
        // Refusals that will not change wait long; a stale token does not.
        assert_eq!(stream_retry_ms(1, Some(&http(404, None)), 0.5), 300_000);
        assert_eq!(stream_retry_ms(1, Some(&http(400, None)), 0.5), 300_000);
        assert!(stream_retry_ms(1, Some(&http(401, None)), 0.5) <= 2000);
        assert!(stream_retry_ms(1, Some(&http(500, None)), 0.5) <= 2000);
    }

    fn http(status: u16, retry_after: Option<u32>) -> ApiError {
        ApiError::Http {
            status,
            code: ErrorCode::from_http_status(status),
            message: String::new(),
            retry_after,
            broke: Default::default(),
        }
    }

    #[test]
    fn sends_back_off_half_a_second_doubling_with_jitter() {
        let e = ApiError::Network;
        assert_eq!(send_retry_delay_ms(0, &e, 0.0), 500);
        assert_eq!(send_retry_delay_ms(1, &e, 0.0), 1000);
        assert_eq!(send_retry_delay_ms(2, &e, 0.999), 2000 + 249);
    }

    #[test]
    fn a_429_waits_for_retry_after_or_one_second_doubling() {
        assert_eq!(send_retry_delay_ms(0, &http(429, Some(7)), 0.5), 7000);
        assert_eq!(send_retry_delay_ms(0, &http(429, None), 0.5), 1000);
        assert_eq!(send_retry_delay_ms(2, &http(429, None), 0.5), 4000);
        assert_eq!(
            send_retry_delay_ms(0, &http(429, Some(100_000)), 0.5),
            60_000
        );
    }

    #[test]
    fn polls_back_off_exponentially_up_to_fifteen_seconds() {
        let e = ApiError::Network;
        assert_eq!(poll_backoff_ms(1, &e, 0.0), 500);
        assert_eq!(poll_backoff_ms(1, &e, 0.999), 999);
        assert_eq!(poll_backoff_ms(3, &e, 0.0), 2000);
        assert_eq!(poll_backoff_ms(50, &e, 0.999), 14_992);
        assert_eq!(poll_backoff_ms(1, &http(429, Some(5)), 0.3), 5000);
    }

    #[test]
    fn polling_follows_the_panel_and_pauses_while_hidden() {
        assert_eq!(poll_interval_ms(true, true), Some(1500));
        assert_eq!(poll_interval_ms(false, true), Some(20_000));
        assert_eq!(poll_interval_ms(true, false), None);
    }

    #[test]
    fn early_polls_keep_their_distance_from_the_last_one() {
        assert_eq!(poll_gap_remaining_ms(0.0), Some(300));
        assert_eq!(poll_gap_remaining_ms(120.4), Some(180));
        assert_eq!(poll_gap_remaining_ms(300.0), None);
        assert_eq!(poll_gap_remaining_ms(f64::INFINITY), None);
        // A clock that went backwards waits the full gap, never longer.
        assert_eq!(poll_gap_remaining_ms(-5_000.0), Some(300));
    }

    #[test]
    fn only_network_errors_unreadable_answers_timeouts_429_and_5xx_are_retried() {
        assert!(ApiError::Network.retryable());
        assert!(ApiError::Malformed.retryable());
        assert!(!ApiError::Stopped.retryable());
        assert!(http(408, None).retryable(), "a request timeout");
        assert!(http(429, None).retryable());
        assert!(http(502, None).retryable());
        for status in [400, 401, 403, 404, 405, 409, 413] {
            assert!(!http(status, None).retryable(), "{status}");
        }
        assert!(http(401, None).needs_new_session());
    }
}

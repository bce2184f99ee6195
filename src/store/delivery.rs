//! Where an unsent message stands, why the server refused one, and what the sender does after
//! a failed attempt. Pure logic (the randomness of the retry delay is passed in), tested
//! natively.

use connect360_model::wire::ErrorCode;
use serde::{Deserialize, Serialize};

use super::retry::{send_retry_delay_ms, SEND_RETRIES};
use crate::api::ApiError;

/// Where an unsent message stands. Stored as one word (`queued`, `stalled`,
/// `refused-too-long`, …): a plain string costs the bundle less than a tagged enum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "&'static str", from = "String")]
pub enum Delivery {
    /// Waiting for its turn, or on the wire.
    #[default]
    Queued,
    /// Its retries ran out without an answer (offline, the server in trouble): it goes again
    /// by itself when the network is back, or when the visitor says Retry.
    Stalled,
    /// The server refused it for good: sending it again cannot succeed, so nothing does
    /// unless the visitor asks; they are told why.
    Refused(Refusal),
}

/// Why the server refused a message, as the visitor is told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It holds a character that may not be sent (rule C1).
    Characters,
    /// It is longer than a message may be.
    TooLong,
    /// The conversation is closed, gone or not this visitor's.
    Conversation,
    /// Any other refusal.
    Other,
}

const WORDS: [(Delivery, &str); 6] = [
    (Delivery::Queued, "queued"),
    (Delivery::Stalled, "stalled"),
    (Delivery::Refused(Refusal::Characters), "refused-characters"),
    (Delivery::Refused(Refusal::TooLong), "refused-too-long"),
    (
        Delivery::Refused(Refusal::Conversation),
        "refused-conversation",
    ),
    (Delivery::Refused(Refusal::Other), "refused"),
];

impl From<Delivery> for &'static str {
    fn from(delivery: Delivery) -> &'static str {
        WORDS
            .iter()
            .find(|(d, _)| *d == delivery)
            .map_or("queued", |(_, w)| w)
    }
}

impl From<String> for Delivery {
    /// A word this build does not know (a newer build's) is a plain refusal: never resent
    /// by itself, and the visitor can still retry or discard it.
    fn from(word: String) -> Delivery {
        WORDS
            .iter()
            .find(|(_, w)| *w == word)
            .map_or(Delivery::Refused(Refusal::Other), |(d, _)| *d)
    }
}

impl Refusal {
    /// The refusal an error is, or `None` when the error leaves the outcome open (it is
    /// retried, or the session renewed).
    pub fn of(error: &ApiError) -> Option<Refusal> {
        let ApiError::Http {
            status,
            code,
            broke,
            ..
        } = error
        else {
            return None;
        };
        if error.retryable() || error.needs_new_session() {
            return None;
        }
        Some(if broke.characters {
            Refusal::Characters
        } else if broke.length || *status == 413 || *code == ErrorCode::PayloadTooLarge {
            Refusal::TooLong
        } else if matches!(*status, 403 | 404 | 410) {
            Refusal::Conversation
        } else {
            Refusal::Other
        })
    }
}

/// What the sender does with an item whose attempt failed and that is still in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// It stops trying: refused (with the reason), or stalled until the network or the
    /// visitor says otherwise.
    Settle(Delivery),
    /// It tries again after this many milliseconds.
    RetryIn(u32),
}

/// The sender's decision after attempt number `retries_done` failed with `error`; `random`
/// in `[0, 1)` spreads the retries of many visitors.
pub fn after_failure(error: &ApiError, retries_done: u32, random: f64) -> AfterFailure {
    if let Some(refusal) = Refusal::of(error) {
        return AfterFailure::Settle(Delivery::Refused(refusal));
    }
    if !error.retryable() || retries_done >= SEND_RETRIES {
        return AfterFailure::Settle(Delivery::Stalled);
    }
    AfterFailure::RetryIn(send_retry_delay_ms(retries_done, error, random))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Broke;

    fn http(status: u16, broke: Broke) -> ApiError {
        ApiError::Http {
            status,
            code: ErrorCode::from_http_status(status),
            message: "refused".into(),
            retry_after: None,
            broke,
        }
    }

    const CHARACTERS: Broke = Broke {
        characters: true,
        length: false,
    };
    const LENGTH: Broke = Broke {
        characters: false,
        length: true,
    };
    const NONE: Broke = Broke {
        characters: false,
        length: false,
    };

    #[test]
    fn a_refusal_says_which_rule_and_leaves_open_what_may_still_go_through() {
        let cases = [
            (http(400, CHARACTERS), Some(Refusal::Characters)),
            (http(400, LENGTH), Some(Refusal::TooLong)),
            (http(413, NONE), Some(Refusal::TooLong)),
            (http(404, NONE), Some(Refusal::Conversation)),
            (http(403, NONE), Some(Refusal::Conversation)),
            (http(409, NONE), Some(Refusal::Other)),
            (ApiError::Network, None),
            (ApiError::Malformed, None),
        ];
        for (error, refusal) in cases {
            assert_eq!(Refusal::of(&error), refusal, "{error:?}");
        }
        for open in [401, 408, 429, 500, 503] {
            assert_eq!(Refusal::of(&http(open, NONE)), None, "{open}");
        }
    }

    /// Defects 1 and 2 of #15: a refusal was retried like an outage, and said no reason.
    #[test]
    fn a_refusal_settles_at_once_with_its_reason_whatever_the_retries_left() {
        assert_eq!(
            after_failure(&http(400, CHARACTERS), 0, 0.5),
            AfterFailure::Settle(Delivery::Refused(Refusal::Characters))
        );
        assert_eq!(
            after_failure(&http(410, NONE), 0, 0.5),
            AfterFailure::Settle(Delivery::Refused(Refusal::Conversation))
        );
    }

    #[test]
    fn an_outage_is_retried_with_a_growing_spread_delay_then_stalls() {
        for error in [
            http(500, NONE),
            http(408, NONE),
            ApiError::Network,
            ApiError::Malformed,
        ] {
            let mut delays = Vec::new();
            for retry in 0..SEND_RETRIES {
                match after_failure(&error, retry, 0.5) {
                    AfterFailure::RetryIn(ms) => delays.push(ms),
                    other => panic!("{error:?} after {retry}: {other:?}"),
                }
            }
            assert!(
                delays.windows(2).all(|w| w[0] < w[1]),
                "{error:?}: {delays:?}"
            );
            assert_eq!(
                after_failure(&error, SEND_RETRIES, 0.5),
                AfterFailure::Settle(Delivery::Stalled),
                "{error:?}"
            );
        }
        let spread = [0.0, 0.99].map(|r| after_failure(&http(503, NONE), 1, r));
        assert_ne!(spread[0], spread[1], "the randomness spreads the retries");
    }

    #[test]
    fn a_token_refused_twice_waits_for_the_visitor_instead_of_retrying() {
        assert_eq!(
            after_failure(&http(401, NONE), 0, 0.5),
            AfterFailure::Settle(Delivery::Stalled)
        );
    }

    #[test]
    fn every_delivery_is_stored_as_one_word_and_read_back() {
        for (delivery, word) in WORDS {
            let json = serde_json::to_string(&delivery).unwrap();
            assert_eq!(json, format!("\"{word}\""));
            assert_eq!(serde_json::from_str::<Delivery>(&json).unwrap(), delivery);
        }
        let unknown: Delivery = serde_json::from_str("\"refused-by-a-newer-build\"").unwrap();
        assert_eq!(unknown, Delivery::Refused(Refusal::Other));
    }
}

//! The visitor gateway: `POST /api/widget/session` issues short-lived signed visitor tokens,
//! and [`policy`] confines each token to what a visitor may do, adding the API key upstream.
//!
//! The upstream ([`crate::upstream`]) is the in-process local Connect360 (`--upstream local`)
//! or a remote Connect360 (`--upstream https://…`); the gateway's own records (grants,
//! idempotency keys, sign-in states) live in the data dir's SQLite file either way.

pub mod chats;
pub mod contact;
pub mod fanout;
pub mod history;
pub mod housekeeping;
pub mod identity;
pub mod life;
pub mod live;
pub mod oauth;
pub mod policy;
pub mod quota;
pub mod rate_limit;
pub mod receipts;
pub mod records;
pub mod session;
pub mod token;
pub mod uploads;

use std::time::Duration;

use serde_json::Value;

use crate::error::ApiError;
use crate::upstream::Upstream;
use rate_limit::{Rate, RateLimiter, RateLimits};
use records::Records;

/// How the gateway is configured.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Signs visitor tokens (`CONNECT360_TOKEN_SECRET`).
    pub token_secret: Vec<u8>,
    /// Verifies merchant-signed identities (`CONNECT360_IDENTITY_SECRET`, `--identity-issuer`,
    /// `--identity-audience`); none: not accepted.
    pub identity: Option<identity::IdentityVerifier>,
    /// Origins allowed to open sessions and call the API from a browser (`--allowed-origin`).
    pub allowed_origins: Vec<String>,
    /// The site's `channelIdentifier` (`--channel`).
    pub channel: String,
    /// The AI agent visitors may stream from (`--ai-agent`).
    pub ai_agent: Option<String>,
    /// Sign-in suggestions' OAuth relay (`--oauth-authorize-url`); none: sign-in is off.
    pub oauth: Option<oauth::OAuthConfig>,
    /// How long a visitor token lives.
    pub token_ttl: Duration,
    pub rate_limits: RateLimits,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Where the tRPC routes are mounted (`--trpc-path`), told to the widget with its session.
    pub trpc_path: String,
    /// Opening hours and reply time (`--config`'s `[availability]`), told to the widget with
    /// its session; none: the widget says what it always has.
    pub availability: Option<crate::settings::Availability>,
    /// The contact form (`--config`'s `[prechat]`), told to guests with their session.
    pub prechat: Option<connect360_model::contact::PrechatForm>,
    /// `CONNECT360_METRICS_TOKEN`: who may read `/metrics` on the main listener (none: 404).
    pub metrics_token: Option<String>,
}

impl GatewayConfig {
    /// Whether the team is away now (never, without opening hours); when so, a name for that
    /// away stretch: the instant it is back (Unix milliseconds), or, with no return within two
    /// weeks, the two-week period it is in (negative, so it never meets a return instant).
    pub fn away_until(&self) -> Option<i64> {
        const TWO_WEEKS: i64 = 14 * 24 * 3_600_000;
        let now = crate::clock::now_millis();
        let availability = self.availability.as_ref()?.at(now);
        (!availability.online).then(|| {
            availability
                .changes_at
                .as_deref()
                .and_then(crate::clock::parse_millis)
                .unwrap_or(-(now / TWO_WEEKS) - 1)
        })
    }
}

/// Visitor tokens live 15 minutes; the widget renews them transparently.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

pub struct Gateway {
    pub config: GatewayConfig,
    /// Where visitors' calls go, with the API key added there.
    pub upstream: Upstream,
    /// The gateway's own records: SQLite, or Redis shared by every replica.
    pub records: Records,
    /// Rate limits kept in memory, when the records are not shared.
    limiter: RateLimiter,
    /// Upload bytes held by uploads under way.
    pub upload_reservations: quota::Reservations,
    /// Event streams and the watches that feed them.
    pub live: live::Live,
    /// The last probes of the upstream and the database (`/readyz`).
    pub upstream_probe: crate::operator::Probes,
}

impl Gateway {
    pub fn new(config: GatewayConfig, upstream: Upstream, records: Records) -> Self {
        Gateway {
            config,
            upstream,
            records,
            limiter: RateLimiter::default(),
            upload_reservations: quota::Reservations::default(),
            live: live::Live::default(),
            upstream_probe: Default::default(),
        }
    }

    /// Calls a procedure upstream with the gateway's key.
    pub async fn call_upstream(&self, path: &str, input: Value) -> Result<Value, ApiError> {
        self.upstream.call(path, input).await
    }

    /// Conversations a remote upstream is polled for now (one poller each); none with the
    /// local upstream, which tells the gateway of every change itself.
    pub fn upstream_pollers(&self) -> usize {
        match self.upstream {
            Upstream::Remote(_) => self.live.polled_conversations(),
            Upstream::Local { .. } => 0,
        }
    }

    /// The Redis the replicas share their conversations' events through: with `--state`,
    /// in front of a remote upstream (the local one runs as one process).
    pub fn shared_feed(&self) -> Option<&records::redis::RedisState> {
        match (&self.records, &self.upstream) {
            (Records::Redis(redis), Upstream::Remote(_)) => Some(redis),
            _ => None,
        }
    }

    /// [`Gateway::call_upstream`] with a typed input (a wire shape of the model).
    pub async fn call_upstream_with(
        &self,
        path: &str,
        input: &impl serde::Serialize,
    ) -> Result<Value, ApiError> {
        let input = serde_json::to_value(input).map_err(|e| ApiError::internal(e.to_string()))?;
        self.upstream.call(path, input).await
    }

    /// Takes one request of `rate` under `key` (`send:<visitor>`, …), or 429 with the
    /// seconds until the next is allowed; one limit across replicas that share their state.
    pub async fn rate_check(&self, key: &str, rate: Rate) -> Result<(), ApiError> {
        self.records.rate_check(&self.limiter, key, rate).await
    }

    /// The claims of the visitor token in `Authorization`/`x-api-key`, or 401.
    pub fn visitor_from_headers(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<token::VisitorClaims, ApiError> {
        let presented = crate::credentials::presented_key(headers)
            .filter(|p| p.starts_with(token::PREFIX))
            .ok_or_else(|| {
                ApiError::new(
                    connect360_model::wire::ErrorCode::Unauthorized,
                    "A visitor token is required.",
                )
            })?;
        self.verify_visitor(presented)
    }

    /// The claims of a visitor token this gateway signed and that has not expired, or 401.
    pub fn verify_visitor(&self, presented: &str) -> Result<token::VisitorClaims, ApiError> {
        token::verify(presented, &self.config.token_secret).map_err(|e| {
            ApiError::new(
                connect360_model::wire::ErrorCode::Unauthorized,
                e.to_string(),
            )
        })
    }

    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.config.allowed_origins.iter().any(|o| o == origin)
    }
}

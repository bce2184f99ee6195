//! The visitor gateway: `POST /api/widget/session` issues short-lived signed visitor tokens,
//! and [`policy`] confines each token to what a visitor may do, adding the API key upstream.
//!
//! The upstream is the in-process local Connect360 (`--upstream local`).

pub mod identity;
pub mod policy;
pub mod rate_limit;
pub mod session;
pub mod token;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::error::ApiError;
use crate::local::auth::ApiKey;
use crate::local::LocalConnect;
use rate_limit::{RateLimiter, RateLimits};

/// How the gateway is configured.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Signs visitor tokens (`CONNECT360_TOKEN_SECRET`).
    pub token_secret: Vec<u8>,
    /// Verifies merchant-signed identities (`CONNECT360_IDENTITY_SECRET`); none: not accepted.
    pub identity_secret: Option<Vec<u8>>,
    /// Origins allowed to open sessions and call the API from a browser (`--allowed-origin`).
    pub allowed_origins: Vec<String>,
    /// The site's `channelIdentifier` (`--channel`).
    pub channel: String,
    /// The AI agent visitors may stream from (`--ai-agent`).
    pub ai_agent: Option<String>,
    /// Whether an OAuth authorization endpoint is configured (`--oauth-authorize-url`).
    pub sign_in_configured: bool,
    /// How long a visitor token lives.
    pub token_ttl: Duration,
    pub rate_limits: RateLimits,
}

/// Visitor tokens live 15 minutes; the widget renews them transparently.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

pub struct Gateway {
    pub config: GatewayConfig,
    pub upstream: Arc<LocalConnect>,
    /// The key the gateway acts with upstream; never leaves the server.
    upstream_key: ApiKey,
    pub limiter: RateLimiter,
}

impl Gateway {
    pub fn new(config: GatewayConfig, upstream: Arc<LocalConnect>, upstream_key: ApiKey) -> Self {
        Gateway {
            config,
            upstream,
            upstream_key,
            limiter: RateLimiter::default(),
        }
    }

    /// Calls a procedure upstream with the gateway's key.
    pub async fn call_upstream(&self, path: &str, input: Value) -> Result<Value, ApiError> {
        let local = self.upstream.clone();
        let key = self.upstream_key.clone();
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || local.call(&key, &path, input))
            .await
            .unwrap_or_else(|e| Err(ApiError::internal(format!("the upstream call failed: {e}"))))
    }

    /// Runs `body` against the gateway's own records.
    pub async fn records<T: Send + 'static>(
        &self,
        body: impl FnOnce(&crate::store::Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let local = self.upstream.clone();
        tokio::task::spawn_blocking(move || local.store.transaction(body))
            .await
            .unwrap_or_else(|e| Err(ApiError::internal(e.to_string())))
    }

    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.config.allowed_origins.iter().any(|o| o == origin)
    }
}

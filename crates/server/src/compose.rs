//! The composition root: the one place where a running server is wired from its parts — the
//! upstream (the local Connect360 with its AI worker and demo bot, or a remote Connect360),
//! the gateway in front of it with its housekeeping, and the router. `main` makes its parts
//! from the command line ([`build`]); the tests make theirs from fixed test values and call
//! [`compose`] like `main` does, so what they test is wired the same way.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;

use crate::app::{router_with_widget, AppState};
use crate::config::{load_or_create_secret, Config, Secrets};
use crate::gateway::identity::IdentityVerifier;
use crate::gateway::oauth::OAuthConfig;
use crate::gateway::rate_limit::{OpenStreamLimits, RateLimits};
use crate::gateway::records::{redis::RedisState, Records};
use crate::gateway::{Gateway, GatewayConfig};
use crate::local::auth::ApiKey;
use crate::local::{ai, bot, AiAgent, LocalConnect, Member, Workspace};
use crate::settings::Settings;
use crate::store::Store;
use crate::upstream::{check_upstream_url, RemoteConnect, Upstream};

/// The local Connect360's parts.
pub struct LocalParts {
    pub store: Arc<Store>,
    pub workspace: Workspace,
    /// The keys its API accepts.
    pub keys: Vec<ApiKey>,
    /// The key the gateway in front of it acts with.
    pub gateway_key: ApiKey,
    /// Where uploaded files are kept.
    pub data_dir: PathBuf,
    /// Whether the demo bot answers visitors.
    pub demo_bot: bool,
}

/// Where the gateway's calls go.
pub enum UpstreamParts {
    /// The in-process local Connect360; the gateway's records share its store.
    Local(LocalParts),
    /// A remote Connect360; the gateway keeps its records in `records`.
    Remote {
        remote: RemoteConnect,
        records: Records,
    },
}

/// A wired server, ready to serve.
pub struct App {
    pub router: Router,
    pub gateway: Arc<Gateway>,
    /// The local Connect360, when it is the upstream.
    pub local: Option<Arc<LocalConnect>>,
}

/// Wires a server: starts the local Connect360's workers (when it is the upstream), the
/// gateway's housekeeping and its event streams' change feed, and builds the router; `widget_dir` also serves the built widget
/// and the demo shop. Must run inside a Tokio runtime.
pub fn compose(
    gateway: GatewayConfig,
    upstream: UpstreamParts,
    trpc_path: &str,
    widget_dir: Option<&Path>,
) -> App {
    let (local, gateway) = match upstream {
        UpstreamParts::Local(parts) => {
            let (local, ai_jobs) =
                LocalConnect::new(parts.store, parts.workspace, parts.keys, parts.data_dir);
            let local = Arc::new(local);
            tokio::spawn(ai::run_worker(local.clone(), ai_jobs));
            if parts.demo_bot {
                tokio::spawn(bot::run(local.clone(), local.subscribe_customer_messages()));
            }
            let gateway = Gateway::in_front_of_local(gateway, local.clone(), parts.gateway_key);
            (Some(local), gateway)
        }
        UpstreamParts::Remote { remote, records } => (
            None,
            Gateway::new(gateway, Upstream::Remote(remote), records),
        ),
    };
    crate::metrics::install();
    let gateway = Arc::new(gateway);
    tokio::spawn(gateway.clone().run_housekeeping());
    tokio::spawn(gateway.clone().run_change_feed());
    tokio::spawn(gateway.clone().run_shared_feed());
    tokio::spawn(gateway.clone().run_lease_keeper());
    let state = AppState {
        local: local.clone(),
        gateway: gateway.clone(),
    };
    App {
        router: router_with_widget(state, trpc_path, widget_dir),
        gateway,
        local,
    }
}

/// The local demo agent's id.
pub const DEMO_AGENT: &str = "agent_demo";

/// What [`build`] did that its caller may want to say.
pub struct Built {
    pub app: App,
    /// The local API key was generated (and stored) by this start.
    pub local_key_generated: bool,
    /// The widget directory is served (it holds a build).
    pub serves_widget: bool,
    /// The remote Connect360's origin, when the gateway forwards to one.
    pub remote_origin: Option<String>,
}

/// Builds the server the command line describes, with its secrets from the environment.
pub fn build(config: &Config, secrets: &Secrets) -> Result<Built, Box<dyn std::error::Error>> {
    secrets.check()?;
    let base = config.public_base();
    let oauth = config
        .oauth_authorize_url
        .as_deref()
        .map(|url| OAuthConfig::new(url, &base))
        .transpose()?;
    let (token_secret, _) = load_or_create_secret(
        secrets.token_secret.as_deref(),
        &config.data_dir,
        "token-secret",
        "",
    )?;
    let settings = match &config.config {
        Some(path) => Settings::load(path)?,
        None => Settings::default(),
    };
    let store = Arc::new(Store::open(&config.data_dir)?);
    let mut gateway = GatewayConfig {
        availability: settings.availability,
        prechat: settings.prechat,
        token_secret: token_secret.into_bytes(),
        identity: secrets
            .identity_secret
            .clone()
            .map(|secret| IdentityVerifier {
                issuer: config.identity_issuer.clone(),
                audience: config.identity_audience.clone(),
                ..IdentityVerifier::new(secret.into_bytes())
            }),
        trusted_proxies: config.trusted_proxies.clone(),
        allowed_origins: config.browser_origins(),
        channel: config.channel.clone(),
        ai_agent: config.ai_agent.clone(),
        oauth,
        token_ttl: std::time::Duration::from_secs(config.token_ttl_seconds),
        trpc_path: config.trpc_path.trim_end_matches('/').to_owned(),
        metrics_token: secrets.metrics_token.clone(),
        rate_limits: RateLimits {
            open_streams: OpenStreamLimits {
                // Streams beyond this are refused with a 503 the widget understands, before
                // the connection cap would drop connections silently.
                total: config.max_connections as usize * 4 / 5,
                ..RateLimits::default().open_streams
            },
            ..RateLimits::default()
        },
    };
    let mut local_key_generated = false;
    let mut remote_origin = None;
    if let Some(url) = &config.state {
        crate::config::check_state_url(url)?;
    }
    if config.state.is_some() && config.local_upstream() {
        return Err(
            "--state shares the gateway's records between replicas in front of a remote \
                    Connect360 (--upstream https://…); the local Connect360 keeps everything in \
                    its own SQLite file and runs as one process"
                .into(),
        );
    }
    let upstream = if config.local_upstream() {
        let (api_key, generated) = load_or_create_secret(
            secrets.local_api_key.as_deref(),
            &config.data_dir,
            "local-api-key",
            "plato_local_",
        )?;
        local_key_generated = generated;
        let agent = config.ai_agent.clone().unwrap_or_else(|| DEMO_AGENT.into());
        gateway.ai_agent = Some(agent.clone());
        UpstreamParts::Local(LocalParts {
            store,
            workspace: Workspace {
                id: "ws_local".into(),
                member: Member {
                    id: "mem_01".into(),
                    name: "Support".into(),
                    image: None,
                },
                agents: vec![AiAgent {
                    id: agent,
                    // One name and face for the demo's automated replies, the bot's and the AI's.
                    name: bot::BOT_NAME.into(),
                    image: Some(bot::BOT_AVATAR.into()),
                }],
                public_base: base,
            },
            keys: vec![ApiKey::full_access(api_key.clone())],
            gateway_key: ApiKey::full_access(api_key),
            data_dir: config.data_dir.clone(),
            demo_bot: !config.no_demo_bot,
        })
    } else {
        let origin = check_upstream_url(&config.upstream)?;
        let key = secrets
            .plato_api_key
            .clone()
            .ok_or("--upstream names a remote Connect360: set PLATO_API_KEY to its API key")?;
        remote_origin = Some(origin.clone());
        let records = match &config.state {
            // Shared by every replica; the data dir's SQLite file is not opened for records.
            Some(url) => {
                Records::Redis(RedisState::connect(url, secrets.state_password.as_deref())?)
            }
            None => Records::Sqlite(store),
        };
        UpstreamParts::Remote {
            remote: RemoteConnect::new(origin, &config.trpc_path, key)?,
            records,
        }
    };
    let widget_dir = config
        .widget_dir
        .is_dir()
        .then_some(config.widget_dir.as_path());
    Ok(Built {
        app: compose(gateway, upstream, &config.trpc_path, widget_dir),
        local_key_generated,
        serves_widget: widget_dir.is_some(),
        remote_origin,
    })
}

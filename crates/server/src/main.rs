//! `connect360-server`: starts the local Connect360 and prints where it can be reached.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use connect360_server::app::router_with_widget;
use connect360_server::config::{load_or_create_secret, Config, Secrets};
use connect360_server::gateway::identity::IdentityVerifier;
use connect360_server::gateway::oauth::OAuthConfig;
use connect360_server::gateway::{Gateway, GatewayConfig};
use connect360_server::local::auth::ApiKey;
use connect360_server::local::{ai, bot, AiAgent, LocalConnect, Member, Workspace};
use connect360_server::store::Store;
use connect360_server::upstream::{check_upstream_url, RemoteConnect, Upstream};
use connect360_server::AppState;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "connect360_server=info".into()),
        )
        .init();
    let config = Config::parse();
    match run(config, Secrets::from_env()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("connect360-server: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config, secrets: Secrets) -> Result<(), Box<dyn std::error::Error>> {
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
    let store = Arc::new(Store::open(&config.data_dir)?);
    let gateway_config = |ai_agent: Option<String>| GatewayConfig {
        token_secret: token_secret.clone().into_bytes(),
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
        ai_agent,
        oauth: oauth.clone(),
        token_ttl: std::time::Duration::from_secs(config.token_ttl_seconds),
        rate_limits: Default::default(),
    };

    let (local, gateway) = if config.local_upstream() {
        let started = start_local(&config, &secrets, store)?;
        let agent = config.ai_agent.clone().unwrap_or_else(|| DEMO_AGENT.into());
        // The key itself is never printed: terminal scroll-back and CI logs keep it.
        if started.key_generated {
            println!(
                "Local API key: generated, stored in {} (readable by this user only)",
                config.data_dir.join("local-api-key").display()
            );
        } else {
            println!(
                "Local API key: from CONNECT360_LOCAL_API_KEY or {}",
                config.data_dir.join("local-api-key").display()
            );
        }
        let gateway = Gateway::in_front_of_local(
            gateway_config(Some(agent)),
            started.connect.clone(),
            ApiKey::full_access(started.api_key),
        );
        (Some(started.connect), gateway)
    } else {
        let origin = check_upstream_url(&config.upstream)?;
        let key = secrets
            .plato_api_key
            .clone()
            .ok_or("--upstream names a remote Connect360: set PLATO_API_KEY to its API key")?;
        let remote = RemoteConnect::new(origin.clone(), &config.trpc_path, key)?;
        println!(
            "Upstream Connect360:  {origin}{} (visitor tokens only)",
            config.trpc_path
        );
        let gateway = Gateway::new(
            gateway_config(config.ai_agent.clone()),
            Upstream::Remote(remote),
            store,
        );
        (None, gateway)
    };
    let gateway = Arc::new(gateway);
    tokio::spawn(gateway.clone().run_housekeeping());
    let state = AppState {
        local,
        gateway: Some(gateway),
    };
    let widget_dir = config
        .widget_dir
        .is_dir()
        .then_some(config.widget_dir.as_path());
    if widget_dir.is_none() {
        println!(
            "No built widget in {} (run `trunk build --release`): the demo page is not served.",
            config.widget_dir.display()
        );
    }
    let serves_console = state.local.is_some();
    let app = router_with_widget(state, &config.trpc_path, widget_dir);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    if widget_dir.is_some() {
        println!("Demo shop:            {base}/");
        println!("Widget files:         {base}/widget/");
    }
    if serves_console {
        println!("Agent console:        {base}/console");
        println!("Connect360 local API: {base}{}", config.trpc_path);
    }
    println!(
        "Visitor sessions:     {base}/api/widget/session (channel {}, origins {})",
        config.channel,
        config.browser_origins().join(", ")
    );
    // Tests and scripts wait for this line.
    println!("Listening on {}", listener.local_addr()?);
    let limits = connect360_server::serve::ServeLimits {
        max_connections: config.max_connections as usize,
        trusted_proxies: config.trusted_proxies.clone(),
        ..Default::default()
    };
    connect360_server::serve::serve(listener, app, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// The local demo agent's id.
const DEMO_AGENT: &str = "agent_demo";

/// A running local Connect360.
struct StartedLocal {
    connect: Arc<LocalConnect>,
    api_key: String,
    /// The key was generated (and stored) by this start.
    key_generated: bool,
}

/// Starts the local Connect360 on `store`: its AI worker and, unless turned off, the demo bot.
fn start_local(
    config: &Config,
    secrets: &Secrets,
    store: Arc<Store>,
) -> Result<StartedLocal, Box<dyn std::error::Error>> {
    let (api_key, generated) = load_or_create_secret(
        secrets.local_api_key.as_deref(),
        &config.data_dir,
        "local-api-key",
        "plato_local_",
    )?;
    let agent = config.ai_agent.clone().unwrap_or_else(|| DEMO_AGENT.into());
    let workspace = Workspace {
        id: "ws_local".into(),
        member: Member {
            id: "mem_01".into(),
            name: "Support".into(),
            image: None,
        },
        agents: vec![AiAgent {
            id: agent,
            name: "Demo assistant".into(),
        }],
        public_base: config.public_base(),
    };
    let (local, ai_jobs) = LocalConnect::new(
        store,
        workspace,
        vec![ApiKey::full_access(api_key.clone())],
        config.data_dir.clone(),
    );
    let local = Arc::new(local);
    tokio::spawn(ai::run_worker(local.clone(), ai_jobs));
    if !config.no_demo_bot {
        tokio::spawn(bot::run(local.clone(), local.subscribe_customer_messages()));
    }
    Ok(StartedLocal {
        connect: local,
        api_key,
        key_generated: generated,
    })
}

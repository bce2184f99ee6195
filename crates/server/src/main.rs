//! `connect360-server`: starts the local Connect360 and prints where it can be reached.

use std::process::ExitCode;

use clap::Parser;
use connect360_server::compose::build;
use connect360_server::config::{Config, LogFormat, Secrets};

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "connect360_server=info".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match config.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    if let Some(path) = &config.check_config {
        return check_settings(path);
    }
    raise_open_file_limit();
    match run(config, Secrets::from_env()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("connect360-server: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config, secrets: Secrets) -> Result<(), Box<dyn std::error::Error>> {
    // What the process says once at start: on standard output for people, on standard error
    // with JSON logs (whose standard output is one JSON object a line).
    let json_logs = config.log_format == LogFormat::Json;
    macro_rules! say {
        ($($arg:tt)*) => {
            if json_logs { eprintln!($($arg)*) } else { println!($($arg)*) }
        };
    }
    let base = config.public_base();
    let built = build(&config, &secrets)?;
    let serves_console = built.app.local.is_some();
    if serves_console {
        // The key itself is never printed: terminal scroll-back and CI logs keep it.
        let file = config.data_dir.join("local-api-key");
        if built.local_key_generated {
            say!(
                "Local API key: generated, stored in {} (readable by this user only)",
                file.display()
            );
        } else {
            say!(
                "Local API key: from CONNECT360_LOCAL_API_KEY or {}",
                file.display()
            );
        }
    }
    if let Some(origin) = &built.remote_origin {
        say!(
            "Upstream Connect360:  {origin}{} (visitor tokens only)",
            config.trpc_path
        );
    }
    if !built.serves_widget {
        say!(
            "No built widget in {} (run `trunk build --release`): the demo page is not served.",
            config.widget_dir.display()
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    if built.serves_widget {
        say!("Demo shop:            {base}/");
        say!("Widget files:         {base}/widget/");
    }
    if serves_console {
        say!("Agent console:        {base}/console");
        say!("Connect360 local API: {base}{}", config.trpc_path);
    }
    say!(
        "Visitor sessions:     {base}/api/widget/session (channel {}, origins {})",
        config.channel,
        config.browser_origins().join(", ")
    );
    if let Some(address) = config.metrics_listen {
        let metrics = tokio::net::TcpListener::bind(address).await?;
        say!(
            "Metrics (no token):   http://{}/metrics",
            metrics.local_addr()?
        );
        let router = connect360_server::metrics::private_router(built.app.gateway.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(metrics, router).await {
                tracing::warn!(%error, "the metrics listener stopped");
            }
        });
    }
    // Tests and scripts wait for this line.
    say!("Listening on {}", listener.local_addr()?);
    let limits = connect360_server::serve::ServeLimits {
        max_connections: config.max_connections as usize,
        trusted_proxies: config.trusted_proxies.clone(),
        ..Default::default()
    };
    let gateway = built.app.gateway.clone();
    let delay = std::time::Duration::from_secs(config.shutdown_delay_seconds);
    connect360_server::serve::serve(listener, built.app.router, limits, async move {
        let signal = shutdown_signal().await;
        // Streams end now (their widgets connect again, to another replica behind a load
        // balancer) and `/readyz` says so; after the delay the listener closes, and requests
        // under way get the grace period to finish.
        tracing::info!(signal, delay_seconds = delay.as_secs(), "shutting down");
        gateway.live.close_all();
        tokio::time::sleep(delay).await;
    })
    .await?;
    Ok(())
}

/// SIGTERM (an orchestrator stopping the process) or SIGINT (Ctrl+C): its name.
async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut terminate) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return "SIGINT";
    };
    tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}

/// `--check-config FILE`: every problem with its key on standard error and exit 2, or say the
/// file is fine.
fn check_settings(path: &std::path::Path) -> ExitCode {
    match connect360_server::settings::Settings::load(path) {
        Ok(_) => {
            println!("{}: valid", path.display());
            ExitCode::SUCCESS
        }
        Err(refused) => {
            eprintln!("{refused}");
            ExitCode::from(2)
        }
    }
}

/// Every event stream holds a connection, so the soft limit on open files (often 1 024) is
/// raised to the hard limit the system allows this process.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                tracing::warn!("could not raise the open-file limit");
            }
        }
    }
}

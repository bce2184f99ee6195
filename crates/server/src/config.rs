//! Command line, environment and the secrets kept in the data dir.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::clock::random_token;

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Connect360 Chat server: the visitor gateway, in front of a local, SQLite-backed Connect360
/// (the default) or a remote Connect360.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "connect360-server",
    version,
    about,
    long_about = None,
    after_help = "Environment:\n  \
    CONNECT360_LOCAL_API_KEY    the local Connect360's API key (generated and stored in the data dir if unset)\n  \
    PLATO_API_KEY               the API key for a remote --upstream (required then; never sent to browsers)\n  \
    CONNECT360_TOKEN_SECRET     signs visitor tokens (generated and stored in the data dir if unset)\n  \
    CONNECT360_IDENTITY_SECRET  HS256 secret the merchant signs logged-in users' identity tokens with\n  \
    CONNECT360_METRICS_TOKEN    who may read /metrics on the main listener (a bearer token; unset: 404)\n  \
    CONNECT360_STATE_URL        --state: the Redis the replicas share\n  \
    CONNECT360_STATE_PASSWORD   that Redis's password (never in the URL)"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// The URL browsers reach this server at, for links it hands out (sign-in redirect,
    /// upload URLs); default http://<listen>.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Where the gateway's calls go: `local` (the built-in Connect360) or the base URL of a
    /// remote Connect360 such as https://api.plato.ae (https; http only to this machine).
    #[arg(long, default_value = "local", value_name = "local|URL")]
    pub upstream: String,
    /// Where the SQLite database, uploads and generated secrets live.
    #[arg(long, default_value = ".connect360")]
    pub data_dir: PathBuf,
    /// Mount path of the tRPC API (the widget learns it with its session): `/` and then
    /// letters, digits, `-`, `_`, `.` and `/`.
    #[arg(long, default_value = "/api/trpc", value_parser = trpc_path_arg)]
    pub trpc_path: String,
    /// The AI agent visitors may stream replies from; default with the local upstream: its
    /// demo agent `agent_demo`; with a remote one: none.
    #[arg(long, value_name = "ID")]
    pub ai_agent: Option<String>,
    /// The OAuth 2.0 authorization endpoint (https) for sign-in suggestions; without it
    /// sign-in requests show their fallback text.
    #[arg(long, value_name = "URL")]
    pub oauth_authorize_url: Option<String>,
    /// A browser origin allowed to open chat sessions (repeatable); this server's own origin
    /// is always allowed.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// The built widget (`trunk build --release` output), served under /widget/ with the demo
    /// shop at /.
    #[arg(long, default_value = "dist")]
    pub widget_dir: std::path::PathBuf,
    /// Do not run the demo bot (it greets visitors and answers with rich content).
    #[arg(long)]
    pub no_demo_bot: bool,
    /// The site's channelIdentifier; sessions for any other channel are refused.
    #[arg(long, default_value = "example.com")]
    pub channel: String,
    /// The `iss` every identity token must carry (checked when set).
    #[arg(long, value_name = "ISSUER")]
    pub identity_issuer: Option<String>,
    /// The audience every identity token's `aud` must name (checked when set).
    #[arg(long, value_name = "AUDIENCE")]
    pub identity_audience: Option<String>,
    /// A reverse proxy in front of this server (an IP address, repeatable): only requests
    /// from it have their client address taken from `X-Forwarded-For`.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Open connections at most (each visitor's browser holds one or two); more are closed
    /// at once. Keep it under the process's descriptor limit (`ulimit -n`).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// The merchant's settings file (TOML): opening hours and what the widget shows with
    /// them. See the README for every key.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Serves `/metrics` without a token on this address too (keep it on a private network).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// On SIGTERM, how long to keep accepting (with `/readyz` answering 503) before closing the
    /// listener, so a load balancer sees the replica leave first (0 to 120; 5 behind one).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=120))]
    pub shutdown_delay_seconds: u64,
    /// Checks a settings file, prints each problem with its key, and exits (2 when it has any).
    #[arg(long, value_name = "FILE")]
    pub check_config: Option<PathBuf>,
    /// How the log reads: `text` for people, `json` (one object a line) for a log collector.
    /// Logs never carry a token, a key or what a visitor or agent wrote.
    #[arg(
        long,
        value_enum,
        default_value = "text",
        env = "CONNECT360_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    /// Where the gateway keeps its records and rate limits when several replicas serve one
    /// site: `redis://HOST:PORT/DB`. The password comes from
    /// `CONNECT360_STATE_PASSWORD` only. Unset: the data dir's SQLite file (one node).
    #[arg(long, value_name = "URL", env = "CONNECT360_STATE_URL")]
    pub state: Option<String>,
    /// How long a visitor token lives, in seconds (10 to 86 400); the widget renews it.
    #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub token_ttl_seconds: u64,
}

/// Secrets come from the environment only, never the command line (process listings show
/// arguments).
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// `CONNECT360_LOCAL_API_KEY`
    pub local_api_key: Option<String>,
    /// `CONNECT360_TOKEN_SECRET`
    pub token_secret: Option<String>,
    /// `CONNECT360_IDENTITY_SECRET`
    pub identity_secret: Option<String>,
    /// `PLATO_API_KEY`
    pub plato_api_key: Option<String>,
    /// `CONNECT360_METRICS_TOKEN`
    pub metrics_token: Option<String>,
    /// `CONNECT360_STATE_PASSWORD`
    pub state_password: Option<String>,
}

/// HMAC keys shorter than this are refused at start-up: a short one can be guessed offline
/// from a single token.
pub const MIN_SECRET_BYTES: usize = 32;

impl Secrets {
    /// Refuses secrets too short to sign with, naming the variable.
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("CONNECT360_TOKEN_SECRET", &self.token_secret),
            ("CONNECT360_IDENTITY_SECRET", &self.identity_secret),
            // Guessable online otherwise: failed scrapes are not slowed down.
            ("CONNECT360_METRICS_TOKEN", &self.metrics_token),
        ] {
            if let Some(value) = value {
                if value.trim().len() < MIN_SECRET_BYTES {
                    return Err(format!(
                        "{name} must be at least {MIN_SECRET_BYTES} bytes long (it has {}); \
                         generate one with `openssl rand -base64 48`",
                        value.trim().len()
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Secrets {
            local_api_key: var("CONNECT360_LOCAL_API_KEY"),
            token_secret: var("CONNECT360_TOKEN_SECRET"),
            identity_secret: var("CONNECT360_IDENTITY_SECRET"),
            plato_api_key: var("PLATO_API_KEY"),
            metrics_token: var("CONNECT360_METRICS_TOKEN").map(|t| t.trim().to_owned()),
            state_password: var("CONNECT360_STATE_PASSWORD"),
        }
    }
}

/// `--state`: a Redis URL without credentials (a process listing shows the command line).
/// Checked at start rather than by the argument parser, whose message would repeat the URL.
pub fn check_state_url(raw: &str) -> Result<(), String> {
    let url = url::Url::parse(raw).map_err(|e| format!("--state is not a URL: {e}"))?;
    if url.password().is_some() || !url.username().is_empty() {
        return Err(
            "--state must not carry a user or password: set CONNECT360_STATE_PASSWORD instead"
                .into(),
        );
    }
    if url.scheme() == "rediss" {
        return Err(
            "--state: TLS to Redis (rediss://) is not built in; reach Redis over a \
                    private network, or through a local TLS tunnel as redis://"
                .into(),
        );
    }
    if url.scheme() != "redis" || url.host_str().is_none() {
        return Err(format!(
            "--state {raw:?} is not a Redis URL such as redis://127.0.0.1:6379/0"
        ));
    }
    Ok(())
}

/// A tRPC mount path: it goes into the router, a URL and the console's page as it is.
fn trpc_path_arg(raw: &str) -> Result<String, String> {
    let path = raw.trim_end_matches('/');
    let plain = path.starts_with('/')
        && path.len() > 1
        && path.len() <= 100
        && !path.contains("//")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if plain {
        Ok(path.to_owned())
    } else {
        Err(format!(
            "{raw:?} is not a mount path such as /api/trpc (a / and then letters, digits, - _ . /)"
        ))
    }
}

impl Config {
    /// The base URL clients reach this server at.
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Whether the gateway runs in front of the built-in local Connect360.
    pub fn local_upstream(&self) -> bool {
        self.upstream == "local"
    }

    /// The configured origins plus this server's own.
    pub fn browser_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .allowed_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_owned())
            .collect();
        let own = self.public_base();
        if !origins.contains(&own) {
            origins.push(own);
        }
        origins
    }
}

/// A secret from the environment, else from `<data_dir>/<file>`, else newly generated there
/// (readable by the owner only). Returns the secret and whether it was generated now.
pub fn load_or_create_secret(
    given: Option<&str>,
    data_dir: &Path,
    file: &str,
    prefix: &str,
) -> std::io::Result<(String, bool)> {
    if let Some(secret) = given.filter(|s| !s.trim().is_empty()) {
        return Ok((secret.trim().to_owned(), false));
    }
    let path = data_dir.join(file);
    if let Ok(stored) = std::fs::read_to_string(&path) {
        if !stored.trim().is_empty() {
            return Ok((stored.trim().to_owned(), false));
        }
    }
    create_private_dir(data_dir)?;
    let secret = format!("{prefix}{}", random_token(40));
    write_private_file(&path, secret.as_bytes())?;
    Ok((secret, true))
}

/// Creates `dir` (and its parents) readable by the owner only: it holds the database, the
/// uploads and generated secrets.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir)?;
        // An existing directory keeps its mode otherwise.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    builder.create(dir)
}

/// Writes a new file that is never readable by others, not even for a moment.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trpc_mount_is_a_plain_path_and_anything_else_is_refused_with_its_value() {
        assert_eq!(trpc_path_arg("/api/trpc").as_deref(), Ok("/api/trpc"));
        assert_eq!(
            trpc_path_arg("/connect/rpc/").as_deref(),
            Ok("/connect/rpc")
        );
        for bad in [
            "", "/", "api/trpc", "//x", "/a b", "/x\"<y>", "/{path}", "/x?y",
        ] {
            let refused = trpc_path_arg(bad).unwrap_err();
            assert!(refused.contains("mount path"), "{bad:?}: {refused}");
        }
    }

    #[test]
    fn secrets_are_generated_once_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (first, created) = load_or_create_secret(None, dir.path(), "key", "plato_").unwrap();
        assert!(created && first.starts_with("plato_"));
        let (again, created) = load_or_create_secret(None, dir.path(), "key", "plato_").unwrap();
        assert_eq!((again, created), (first, false));
        let (given, _) =
            load_or_create_secret(Some("plato_given"), dir.path(), "key", "plato_").unwrap();
        assert_eq!(given, "plato_given");
    }

    #[cfg(unix)]
    #[test]
    fn generated_secrets_and_the_data_dir_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        load_or_create_secret(None, &data, "key", "").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("key")), 0o600);
    }

    #[test]
    fn short_secrets_are_refused_with_their_name() {
        let short = Secrets {
            identity_secret: Some("too-short".into()),
            ..Secrets::default()
        };
        let error = short.check().unwrap_err();
        assert!(
            error.contains("CONNECT360_IDENTITY_SECRET") && error.contains("32"),
            "{error}"
        );
        let long = Secrets {
            token_secret: Some("x".repeat(32)),
            identity_secret: Some("y".repeat(48)),
            ..Secrets::default()
        };
        assert!(long.check().is_ok());
        let guessable = Secrets {
            metrics_token: Some("letmein".into()),
            ..Secrets::default()
        };
        assert!(guessable
            .check()
            .unwrap_err()
            .contains("CONNECT360_METRICS_TOKEN"));
    }
}

//! The accept loop: every connection under a cap, every request under timeouts, and a
//! graceful stop. `axum::serve` has none of these knobs, and a gateway on the open internet
//! needs all of them (a client that sends half a request must not hold a socket for ever).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How the server treats connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeLimits {
    /// Open connections at most; one more is closed as soon as it is accepted.
    pub max_connections: usize,
    /// Open connections at most from one client address (an IPv4 address or an IPv6 /64),
    /// so one host cannot take every slot. Trusted proxies are not counted.
    pub max_connections_per_address: usize,
    /// Reverse proxies (`--trusted-proxy`): all their clients share their address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A request's headers must arrive within this long (also the keep-alive idle limit).
    pub header_timeout: Duration,
    /// How long a finished connection may take to drain on shutdown.
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            max_connections: 10_000,
            max_connections_per_address: 256,
            trusted_proxies: Vec::new(),
            header_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish
/// within [`ServeLimits::shutdown_grace`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let per_address = Arc::new(std::sync::Mutex::new(HashMap::<String, usize>::new()));
    // HTTP/1.1 only: cleartext HTTP/2 has no idle timeout to bound a silent connection, and
    // browsers reach the gateway through TLS at a reverse proxy anyway. hyper's own HTTP/1
    // connection, not the auto-detecting one: a connection's task is then sized for HTTP/1
    // alone, which an event stream holds for as long as it is open.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, say: wait a moment instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(max = limits.max_connections, "connection cap reached");
            drop(stream);
            continue;
        };
        let address = (!limits.trusted_proxies.contains(&peer.ip()))
            .then(|| crate::gateway::rate_limit::address_key(peer.ip()));
        if let Some(address) = &address {
            let mut counts = per_address.lock().unwrap_or_else(|p| p.into_inner());
            let count = counts.entry(address.clone()).or_default();
            if *count >= limits.max_connections_per_address {
                drop(counts);
                tracing::warn!(%address, "per-address connection cap reached");
                drop(stream);
                continue;
            }
            *count += 1;
        }
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut request: hyper::Request<Incoming>| {
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                request
            });
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        let per_address = per_address.clone();
        tokio::spawn(async move {
            let _ = connection.await;
            if let Some(address) = address {
                let mut counts = per_address.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(count) = counts.get_mut(&address) {
                    *count -= 1;
                    if *count == 0 {
                        counts.remove(&address);
                    }
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period");
    }
    Ok(())
}

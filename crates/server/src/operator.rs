//! What an operator's tooling asks of the process: `GET /healthz` (it is alive) and
//! `GET /readyz` (it can serve: its database answers, its upstream is reachable, it is not
//! shutting down). A load balancer routes to a replica while `/readyz` answers 200.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use crate::app::AppState;

/// A remote upstream is probed at most this often, however often `/readyz` is asked.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// The last probes of the upstream and of the database: when, and what they found. `/readyz`
/// is public: however often it is asked, neither is asked more than every few seconds.
#[derive(Default)]
pub struct Probes {
    upstream: tokio::sync::Mutex<Option<(Instant, Result<(), &'static str>)>>,
    database: tokio::sync::Mutex<Option<(Instant, Result<(), &'static str>)>>,
}

/// The database is asked at most this often.
const DATABASE_EVERY: Duration = Duration::from_secs(2);

/// `probe`'s last result while younger than `every`, else a new one.
async fn cached<F>(
    last: &tokio::sync::Mutex<Option<(Instant, Result<(), &'static str>)>>,
    every: Duration,
    probe: F,
) -> Result<(), &'static str>
where
    F: std::future::Future<Output = Result<(), &'static str>>,
{
    let mut last = last.lock().await;
    match *last {
        Some((at, result)) if at.elapsed() < every => result,
        _ => {
            let result = probe.await;
            *last = Some((Instant::now(), result));
            result
        }
    }
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let gateway = &state.gateway;
    let database = cached(&gateway.upstream_probe.database, DATABASE_EVERY, async {
        gateway.records.ping().await.map_err(|_| "not answering")
    })
    .await;
    let upstream = cached(
        &gateway.upstream_probe.upstream,
        PROBE_EVERY,
        gateway.upstream.reachable(),
    )
    .await;
    let serving = if gateway.live.is_closing() {
        Err("shutting down")
    } else {
        Ok(())
    };
    let word = |check: Result<(), &'static str>| check.err().unwrap_or("ok");
    let ready = database.is_ok() && upstream.is_ok() && serving.is_ok();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": ready,
        "checks": {
            gateway.records.check_name(): word(database),
            "upstream": word(upstream),
            "serving": word(serving),
        },
    });
    (status, Json(body))
}

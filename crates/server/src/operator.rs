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

/// The last upstream probe: when, and what it found.
#[derive(Default)]
pub struct UpstreamProbe(tokio::sync::Mutex<Option<(Instant, Result<(), &'static str>)>>);

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let gateway = &state.gateway;
    let database = gateway
        .records(|tx| Ok(tx.sql.query_row("SELECT 1", [], |_| Ok(()))?))
        .await
        .map_err(|_| "not answering");
    let upstream = {
        let mut last = gateway.upstream_probe.0.lock().await;
        match *last {
            Some((at, result)) if at.elapsed() < PROBE_EVERY => result,
            _ => {
                let result = gateway.upstream.reachable().await;
                *last = Some((Instant::now(), result));
                result
            }
        }
    };
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
        "checks": {"database": word(database), "upstream": word(upstream), "serving": word(serving)},
    });
    (status, Json(body))
}

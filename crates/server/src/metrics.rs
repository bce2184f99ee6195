//! `GET /metrics` in the Prometheus text format: requests by route and status with their
//! latency, open event streams, upstream pollers, upstream calls and errors, requests refused
//! by a rate limit. Through the `metrics` facade (`metrics-exporter-prometheus` renders it),
//! so any module counts with one line. Served on the main listener to a caller holding
//! `CONNECT360_METRICS_TOKEN` (404 without it configured), and without a token on
//! `--metrics-listen`, an address of the operator's private network.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::app::AppState;
use crate::gateway::Gateway;

/// Request latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The process's recorder (one per process; servers in one test process share it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&LATENCY_BUCKETS)
            .expect("the latency buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder installed first (a library's test) only means ours sees nothing.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Starts recording (before the first request, so the first one counts), and the upkeep that
/// folds recorded latencies into their histograms every few seconds: without it they pile up
/// until a scrape, and nobody may ever scrape.
pub fn install() {
    static UPKEEP: OnceLock<()> = OnceLock::new();
    let handle = handle();
    UPKEEP.get_or_init(|| {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        });
    });
}

/// Counts every request by its route (the pattern, never the path: no ids in labels) and
/// status, and how long it took to answer.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("connect360_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("connect360_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A call upstream and how it went (`ok`, or the error's code).
pub fn upstream_call(procedure: &str, outcome: &str) {
    metrics::counter!(
        "connect360_upstream_calls_total",
        "procedure" => procedure.to_owned(),
        "outcome" => outcome.to_owned()
    )
    .increment(1);
}

/// A request refused by the rate limit of `bucket` (the key's prefix: never a visitor id).
pub fn rate_limited(bucket: &str) {
    metrics::counter!("connect360_rate_limited_total", "bucket" => bucket.to_owned()).increment(1);
}

/// The Prometheus text of everything recorded, with the gauges read now.
fn render(gateway: &Gateway) -> Response {
    metrics::gauge!("connect360_event_streams_open").set(gateway.live.open_streams() as f64);
    metrics::gauge!("connect360_upstream_pollers").set(gateway.upstream_pollers() as f64);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response()
}

/// `GET /metrics` on the main listener: for the holder of the metrics token only.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.gateway.config.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let matches = presented.is_some_and(|p| crate::credentials::constant_time_eq(p, token));
    if !matches {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "The metrics token is missing or wrong.",
        )
            .into_response();
    }
    render(&state.gateway)
}

/// The router of `--metrics-listen`: `/metrics` without a token.
pub fn private_router(gateway: std::sync::Arc<Gateway>) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let gateway = gateway.clone();
            async move { render(&gateway) }
        }),
    )
}

//! The HTTP router: every route of the server assembled in one place.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::local::LocalConnect;
use crate::{rest, trpc};

/// An upload body holds at most 5 files of 25 MB plus multipart framing.
const MAX_UPLOAD_BODY_BYTES: usize = 5 * 26_214_400 + (1 << 20);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub local: Arc<LocalConnect>,
}

/// The whole application; `trpc_path` is the tRPC mount (default `/api/trpc`).
pub fn router(state: AppState, trpc_path: &str) -> Router {
    let mount = trpc_path.trim_end_matches('/');
    Router::new()
        .route(
            &format!("{mount}/{{path}}"),
            get(trpc::handle)
                .post(trpc::handle)
                // The tRPC layer enforces its own 1 MiB limit with a proper error envelope.
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/connect/attachments",
            post(rest::upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY_BYTES)),
        )
        .route("/api/v1/connect/assets/{*key}", get(rest::asset))
        .route("/api/v1/connect/ai-stream", post(rest::ai_stream))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state)
}

//! The HTTP router: every route of the server assembled in one place.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;

use crate::local::LocalConnect;
use crate::trpc;

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
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state)
}

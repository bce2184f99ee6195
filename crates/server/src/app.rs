//! The HTTP router: every route of the server assembled in one place.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use connect360_model::wire::ErrorCode;

use crate::error::ApiError;
use crate::gateway::{chats, contact, history, life, live, oauth, receipts, session, Gateway};
use crate::local::LocalConnect;
use crate::{rest, site, trpc};

/// Session and AI-stream requests are a few small fields.
const MAX_SMALL_BODY_BYTES: usize = 16 * 1024;

/// An upload body holds at most 5 files of 25 MB plus multipart framing.
const MAX_UPLOAD_BODY_BYTES: usize = 5 * 26_214_400 + (1 << 20);

/// How long a request may take to be answered (uploads excepted).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a request body may pause between two chunks.
pub const BODY_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The local Connect360 (`--upstream local`); `None` when the gateway forwards to a
    /// remote Connect360, where it accepts visitor tokens only.
    pub local: Option<Arc<LocalConnect>>,
    /// The visitor gateway.
    pub gateway: Arc<Gateway>,
}

impl AppState {
    /// The local Connect360 for a caller holding an API key, or 401: a forwarding gateway is
    /// never an open proxy for its own key.
    pub fn local_for_key_holders(&self) -> Result<&Arc<LocalConnect>, ApiError> {
        self.local.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthorized,
                "This gateway forwards to Connect360 and accepts visitor tokens only; \
                 call Connect360 directly with your API key.",
            )
        })
    }
}

/// The whole application; `trpc_path` is the tRPC mount (default `/api/trpc`).
pub fn router(state: AppState, trpc_path: &str) -> Router {
    router_with_widget(state, trpc_path, None)
}

/// The application, serving the built widget from `widget_dir` under `/widget/` and the demo
/// shop at `/` when given.
pub fn router_with_widget(
    state: AppState,
    trpc_path: &str,
    widget_dir: Option<&std::path::Path>,
) -> Router {
    let mount = trpc_path.trim_end_matches('/');
    let cors = cors_layer(&state.gateway);
    let small_body = || DefaultBodyLimit::max(MAX_SMALL_BODY_BYTES);
    let app = Router::new()
        .route(
            "/api/widget/session",
            post(session::create).layer(small_body()),
        )
        .route(
            "/api/widget/oauth/start",
            post(oauth::start).layer(small_body()),
        )
        .route("/api/widget/history", get(history::history))
        .route("/api/widget/seen", post(receipts::seen).layer(small_body()))
        .route(
            "/api/widget/contact",
            post(contact::contact).layer(small_body()),
        )
        .route("/api/widget/end", post(life::end).layer(small_body()))
        .route("/api/widget/rating", post(life::rate).layer(small_body()))
        .route("/api/widget/conversation", get(life::state))
        .route(
            "/api/widget/chats",
            get(chats::list).post(chats::start).layer(small_body()),
        )
        // Answers once it has read what the stream resumes after; the body then lasts as
        // long as the token (the timeout below bounds the answer, not the body).
        .route("/api/widget/events", get(live::events))
        .route("/api/widget/oauth/binding", get(oauth::binding))
        .route("/api/widget/oauth/callback", get(oauth::callback))
        .route(
            &format!("{mount}/{{path}}"),
            get(trpc::handle)
                .post(trpc::handle)
                // The tRPC layer enforces its own 1 MiB limit with a proper error envelope.
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/api/v1/connect/assets/{*key}", get(rest::asset))
        .route(
            "/api/v1/connect/ai-stream",
            post(rest::ai_stream).layer(small_body()),
        )
        .route("/healthz", get(crate::operator::healthz))
        .route("/readyz", get(crate::operator::readyz))
        .route("/metrics", get(crate::metrics::scrape))
        // Every route so far answers (or starts streaming) within this bound; uploads,
        // added below, may take longer but must keep their bytes coming.
        .route_layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .route(
            "/api/v1/connect/attachments",
            post(rest::upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY_BYTES)),
        )
        // A body that stops arriving is given up on (a slow-loris upload holds nothing).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            BODY_IDLE_TIMEOUT,
        ));
    // The console works on the local Connect360's records: not in front of a remote one.
    let app = match state.local {
        Some(_) => app
            .merge(crate::console::routes())
            .route("/demo/sign-in", get(site::demo_sign_in)),
        None => app,
    }
    // Counted by route pattern (known only once routed; the widget's files are not counted).
    .route_layer(axum::middleware::from_fn(crate::metrics::track))
    .layer(api_compression())
    .layer(cors);
    let app = match widget_dir {
        Some(dir) => app
            .nest_service("/widget", site::widget_files(dir))
            .merge(site::demo_shop()),
        None => app,
    };
    app.with_state(state)
}

/// JSON answers (and the console's pages) above 1 KiB, not stored files, go out brotli- or
/// gzip-compressed when the browser accepts it, at a quick level: they are made per request.
/// An event stream never is: compression would buffer it. Widget files are compressed at
/// build time instead.
fn api_compression(
) -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{Predicate, SizeAbove};
    use tower_http::compression::{CompressionLayer, CompressionLevel};
    let worth_compressing = |_: axum::http::StatusCode,
                             _: axum::http::Version,
                             headers: &axum::http::HeaderMap,
                             _: &axum::http::Extensions| {
        // A stored file (an attachment download, whatever its type) keeps its length and its
        // bytes: it is not compressed on the fly.
        !headers.contains_key(axum::http::header::CONTENT_DISPOSITION)
            && headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"))
    };
    CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Precise(4))
        .compress_when(SizeAbove::new(1024).and(worth_compressing))
}

/// CORS for the allowed origins only: browsers elsewhere cannot read any reply.
fn cors_layer(gateway: &Gateway) -> tower_http::cors::CorsLayer {
    use axum::http::{header, HeaderName, HeaderValue, Method};
    let origins: Vec<HeaderValue> = gateway
        .config
        .allowed_origins
        .iter()
        .filter_map(|o| o.parse().ok())
        .collect();
    tower_http::cors::CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::RETRY_AFTER])
        // Only the sign-in relay sends credentials (its binding cookie); the origins are a
        // fixed list, never a wildcard.
        .allow_credentials(true)
        .max_age(std::time::Duration::from_secs(600))
}

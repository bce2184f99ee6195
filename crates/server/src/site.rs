//! What a browser loads from this server besides the API: the built widget under `/widget/`
//! (any site may embed it, so CORS is open for these static files) and the demo shop at `/`,
//! which embeds the widget the way a merchant's page would.

use std::path::Path;

use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Static files of the built widget (`trunk build --release` output).
pub fn widget_files<S: Clone + Send + Sync + 'static>(widget_dir: &Path) -> Router<S> {
    Router::new()
        .fallback_service(ServeDir::new(widget_dir))
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

const SHOP_HTML: &str = include_str!("../demo/index.html");
const SHOP_JS: &str = include_str!("../demo/shop.js");
const SHOP_CSS: &str = include_str!("../demo/shop.css");

/// The demo shop's page and assets. Its CSP is strict: scripts and styles from this origin
/// only, wasm allowed.
pub fn demo_shop<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/",
            get(|| async { strict(Html(SHOP_HTML).into_response()) }),
        )
        .route(
            "/demo/shop.js",
            get(|| async { asset("text/javascript; charset=utf-8", SHOP_JS) }),
        )
        .route(
            "/demo/shop.css",
            get(|| async { asset("text/css; charset=utf-8", SHOP_CSS) }),
        )
        .route("/demo/img/{name}", get(demo_image))
}

/// The demo bot's product pictures and avatar (public, embeddable anywhere).
async fn demo_image(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let bytes: &'static [u8] = match name.as_str() {
        "blue-runner.png" => include_bytes!("../demo/img/blue-runner.png"),
        "summit-30.png" => include_bytes!("../demo/img/summit-30.png"),
        "ridge-2.png" => include_bytes!("../demo/img/ridge-2.png"),
        "assistant.png" => include_bytes!("../demo/img/assistant.png"),
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn strict(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' https: data: blob:; connect-src 'self'",
        ),
    );
    response
}

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

/// Static files of the built widget (`scripts/build-widget.sh` output). Each file goes out as
/// the brotli or gzip copy the build wrote beside it (`connect360-precompress`) when the
/// browser accepts that encoding, else as it is; caches are told the answer varies with
/// `Accept-Encoding`.
pub fn widget_files<S: Clone + Send + Sync + 'static>(widget_dir: &Path) -> Router<S> {
    Router::new()
        .fallback_service(
            ServeDir::new(widget_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(axum::middleware::map_response(
            |uri: axum::http::Uri, mut response: Response| async move {
                let status = response.status();
                if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
                    let policy = HeaderValue::from_static(cache_policy(uri.path()));
                    let headers = response.headers_mut();
                    headers.insert(header::CACHE_CONTROL, policy);
                    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                }
                response
            },
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// How long a browser may keep a widget file. The build names every file after its content
/// (scripts/version-assets.sh) except the loader, whose URL merchants paste into their pages:
/// the loader is revalidated after five minutes (so a deploy reaches every page soon), the rest
/// is cached forever.
fn cache_policy(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or("");
    let versioned = name
        .rsplit_once('.')
        .map(|(stem, _)| stem.trim_end_matches("_bg"))
        .and_then(|stem| stem.rsplit_once('-'))
        // Trunk prints its 64-bit hash without leading zeros: 16 hex digits, sometimes fewer.
        .is_some_and(|(_, hash)| {
            (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
        });
    if versioned {
        "public, max-age=31536000, immutable"
    } else if name == "loader.js" {
        "public, max-age=300"
    } else {
        "no-cache"
    }
}

const SHOP_HTML: &str = include_str!("../demo/index.html");
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

/// What the demo authorization page is asked for (an OAuth 2.0 authorization request).
#[derive(Debug, serde::Deserialize)]
pub struct DemoAuthorize {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    state: String,
}

/// `GET /demo/sign-in`: a stand-in authorization server for the demo (configure it with
/// `--oauth-authorize-url http://127.0.0.1:8787/demo/sign-in`). It sends the visitor back only
/// to this gateway's own callback, with a demo code or `access_denied`.
pub async fn demo_sign_in(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    axum::extract::Query(request): axum::extract::Query<DemoAuthorize>,
) -> Response {
    let callback = state
        .gateway
        .config
        .oauth
        .as_ref()
        .map(|o| o.redirect_uri.clone());
    let valid_state = !request.state.is_empty()
        && request.state.len() <= 128
        && request.state.bytes().all(|b| b.is_ascii_alphanumeric());
    let Some(callback) = callback
        .filter(|c| *c == request.redirect_uri && request.response_type == "code" && valid_state)
    else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            "Not a valid authorization request for this demo.",
        )
            .into_response();
    };
    let back = |pairs: &[(&str, &str)]| {
        let mut url = match url::Url::parse(&callback) {
            Ok(url) => url,
            Err(_) => return String::new(),
        };
        url.query_pairs_mut().extend_pairs(pairs);
        escape(url.as_str())
    };
    let code = format!("demo_{}", crate::clock::random_token(24));
    let allow = back(&[("code", &code), ("state", &request.state)]);
    let deny = back(&[
        ("error", "access_denied"),
        ("error_description", "The visitor cancelled the sign-in."),
        ("state", &request.state),
    ]);
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>Sign in — Acme Outdoor</title>\
         </head><body><main><h1>Acme Outdoor</h1>\
         <p>The chat on Acme Outdoor asks to see your orders (client <code>{}</code>, scopes \
         <code>{}</code>). This is the demo's stand-in sign-in page.</p>\
         <p><a id=\"allow\" href=\"{allow}\">Continue as Jane Doe</a></p>\
         <p><a id=\"deny\" href=\"{deny}\">Cancel</a></p></main></body></html>",
        escape(&request.client_id),
        escape(&request.scope),
    );
    let mut response = Html(page).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; form-action 'none'; frame-ancestors 'none'"),
    );
    response
}

/// Text for an HTML text node or a double-quoted attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::cache_policy;
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use std::io::Read;
    use tower::ServiceExt;

    /// GETs `path` from the widget files in `dir`, with `accept` as `Accept-Encoding`.
    async fn fetch(
        dir: &std::path::Path,
        path: &str,
        accept: Option<&str>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut request = Request::get(path);
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        let response = super::widget_files::<()>(dir)
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (parts.status, parts.headers, bytes.to_vec())
    }

    fn decoded(encoding: Option<&str>, bytes: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        match encoding {
            Some("br") => {
                brotli::Decompressor::new(bytes, 4096)
                    .read_to_end(&mut plain)
                    .unwrap();
            }
            Some("gzip") => {
                flate2::read::GzDecoder::new(bytes)
                    .read_to_end(&mut plain)
                    .unwrap();
            }
            None => plain = bytes.to_vec(),
            Some(other) => panic!("unexpected encoding {other}"),
        }
        plain
    }

    #[tokio::test]
    async fn every_asset_goes_out_in_each_accepted_encoding_and_decodes_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = "body { color: red }\n".repeat(200);
        let files: [(&str, Vec<u8>); 3] = [
            ("widget-0123456789abcdef.css", text.clone().into_bytes()),
            ("loader.js", format!("/* loader */ {text}").into_bytes()),
            (
                "connect360-widget-0123456789abcdef_bg.wasm",
                (0..60_000u32)
                    .map(|i| (i % 251) as u8 ^ (i / 700) as u8)
                    .collect(),
            ),
        ];
        for (name, bytes) in &files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        // A picture is not compressed again.
        std::fs::write(dir.path().join("icon.png"), b"\x89PNG not really").unwrap();
        assert_eq!(crate::precompress::precompress_dir(dir.path()).unwrap(), 3);
        assert!(!dir.path().join("icon.png.br").exists());

        for (name, bytes) in &files {
            let path = format!("/{name}");
            for (accept, expected) in [
                (Some("gzip, deflate, br, zstd"), Some("br")),
                (Some("br;q=1.0, gzip;q=0.8"), Some("br")),
                (Some("gzip"), Some("gzip")),
                (Some("identity"), None),
                (None, None),
            ] {
                let (status, headers, body) = fetch(dir.path(), &path, accept).await;
                assert_eq!(status, StatusCode::OK, "{name} {accept:?}");
                let encoding = headers
                    .get(header::CONTENT_ENCODING)
                    .map(|v| v.to_str().unwrap());
                assert_eq!(encoding, expected, "{name} {accept:?}");
                assert_eq!(headers[header::VARY], "accept-encoding");
                assert_eq!(
                    headers[header::CONTENT_LENGTH].to_str().unwrap(),
                    body.len().to_string()
                );
                assert_eq!(&decoded(encoding, &body), bytes, "{name} {accept:?}");
                assert!(headers.contains_key(header::CACHE_CONTROL));
            }
        }
        // Ranges still work on the plain file.
        let response = super::widget_files::<()>(dir.path())
            .oneshot(
                Request::get("/loader.js")
                    .header(header::RANGE, "bytes=0-11")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
        let bytes = axum::body::to_bytes(response.into_body(), 100)
            .await
            .unwrap();
        assert_eq!(&bytes[..], b"/* loader */");
    }

    #[test]
    fn a_copy_that_would_not_be_smaller_is_not_written_and_a_stale_one_goes() {
        let dir = tempfile::tempdir().unwrap();
        let tiny = dir.path().join("tiny.js");
        std::fs::write(&tiny, b"x").unwrap();
        std::fs::write(dir.path().join("tiny.js.br"), b"stale").unwrap();
        crate::precompress::precompress_dir(dir.path()).unwrap();
        assert!(!dir.path().join("tiny.js.br").exists());
        assert!(!dir.path().join("tiny.js.gz").exists());
    }

    #[test]
    fn content_named_files_are_immutable_and_the_loader_is_revalidated() {
        let forever = "public, max-age=31536000, immutable";
        assert_eq!(
            cache_policy("/widget/connect360-widget-94c08e8b13d62f71.js"),
            forever
        );
        assert_eq!(
            cache_policy("/connect360-widget-94c08e8b13d62f71_bg.wasm"),
            forever
        );
        assert_eq!(cache_policy("/widget/widget-914dc87d925ddf7d.css"), forever);
        // Trunk's hash without its leading zero (seen in a build: 15 digits).
        assert_eq!(
            cache_policy("/widget/connect360-widget-30ddc2c9290e8df.js"),
            forever
        );
        assert_eq!(cache_policy("/widget/loader.js"), "public, max-age=300");
        // Not content-named: always revalidated.
        assert_eq!(cache_policy("/widget/index.html"), "no-cache");
        assert_eq!(cache_policy("/widget/widget.css"), "no-cache");
        assert_eq!(
            cache_policy("/widget/connect360-widget-short.js"),
            "no-cache"
        );
        assert_eq!(
            cache_policy("/widget/x-zzzzzzzzzzzzzzzzzzzz.js"),
            "no-cache"
        );
    }
}

//! Where the gateway's calls go (`--upstream`): the in-process local Connect360, or a remote
//! Connect360 reached over HTTPS with `PLATO_API_KEY`. The key lives here and in nothing the
//! gateway returns; upstream errors come back as the same envelopes local mode produces, and an
//! unreachable upstream is 502 `BAD_GATEWAY` (`connect360-api.md` §1.5).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap};
use connect360_model::wire::{
    AiStreamInput, Conversation, ErrorCode, FileRef, RestError, TrpcErrorEnvelope, UploadResponse,
};
use serde_json::Value;

use crate::error::ApiError;
use crate::local::auth::ApiKey;
use crate::local::{is_query, LocalConnect};

/// How long a tRPC call or an asset's headers may take upstream.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// An upload carries up to 125 MB.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);
/// A stream (asset body, AI reply) may pause this long between chunks.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `/readyz` waits for the upstream.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

pub enum Upstream {
    /// The in-process local Connect360, called with the gateway's key.
    Local {
        connect: Arc<LocalConnect>,
        key: ApiKey,
    },
    Remote(RemoteConnect),
}

/// A downloaded file, ready to be served to a browser.
pub struct Asset {
    pub mime_type: String,
    pub name: String,
    pub length: Option<u64>,
    pub body: Body,
}

impl Upstream {
    /// Conversation ids as messages are stored in them or they change, where the upstream
    /// tells (the local Connect360); `None` where it must be polled (a remote one documents
    /// no push).
    pub fn changes(&self) -> Option<tokio::sync::broadcast::Receiver<String>> {
        match self {
            Upstream::Local { connect, .. } => Some(connect.subscribe_changes()),
            Upstream::Remote(_) => None,
        }
    }

    /// Runs the tRPC procedure `path` upstream.
    pub async fn call(&self, path: &str, input: Value) -> Result<Value, ApiError> {
        let result = match self {
            Upstream::Local { connect, key } => {
                let (connect, key, owned) = (connect.clone(), key.clone(), path.to_owned());
                tokio::task::spawn_blocking(move || connect.call(&key, &owned, input))
                    .await
                    .unwrap_or_else(|e| Err(ApiError::internal(format!("the call failed: {e}"))))
            }
            Upstream::Remote(remote) => remote.call(path, input).await,
        };
        let outcome = match &result {
            Ok(_) => "ok".to_owned(),
            Err(error) => error.code.http_status().to_string(),
        };
        // Only procedures of the API are labels (an unknown path would be a new series each).
        let procedure = if is_query(path).is_some() {
            path
        } else {
            "other"
        };
        crate::metrics::upstream_call(procedure, &outcome);
        result
    }

    /// The conversation `id` as stored. The documented API has no read of one conversation:
    /// from a remote Connect360 it is an `updateConversation` that changes nothing (its reply
    /// is the conversation); the local one is read directly.
    pub async fn conversation(&self, id: &str) -> Result<Conversation, ApiError> {
        let result = match self {
            Upstream::Local { connect, .. } => {
                let (connect, id) = (connect.clone(), id.to_owned());
                tokio::task::spawn_blocking(move || connect.conversation(&id))
                    .await
                    .unwrap_or_else(|e| Err(ApiError::internal(format!("the read failed: {e}"))))
            }
            Upstream::Remote(remote) => {
                let reply = remote
                    .call(
                        connect360_model::wire::procedure::UPDATE_CONVERSATION,
                        serde_json::json!({ "id": id }),
                    )
                    .await?;
                serde_json::from_value(reply)
                    .map_err(|e| bad_gateway(format!("unexpected conversation: {e}")))
            }
        };
        counted("conversation", result)
    }

    /// Stores the files of a multipart upload request.
    pub async fn upload(&self, request: Request) -> Result<Vec<FileRef>, ApiError> {
        let result = match self {
            Upstream::Local { connect, .. } => connect.upload_request(request).await,
            Upstream::Remote(remote) => remote.upload(request).await,
        };
        counted("upload", result)
    }

    /// The file stored under `s3_key`.
    pub async fn asset(&self, s3_key: &str) -> Result<Asset, ApiError> {
        let result = match self {
            Upstream::Local { connect, .. } => connect.asset(s3_key).await,
            Upstream::Remote(remote) => remote.asset(s3_key).await,
        };
        counted("asset", result)
    }

    /// Deletes an uploaded file no message names. The local Connect360 removes it; the
    /// documented API has no such call, so a remote Connect360 keeps it (the gateway still
    /// revokes every grant to it).
    pub async fn discard_file(&self, file_id: &str) -> Result<(), ApiError> {
        match self {
            Upstream::Local { connect, .. } => connect.discard_unattached_file(file_id).await,
            Upstream::Remote(_) => Ok(()),
        }
    }

    /// The AI reply as server-sent events, streamed as they come.
    pub async fn ai_stream(&self, input: AiStreamInput) -> Result<Body, ApiError> {
        let result = match self {
            Upstream::Local { connect, .. } => Ok(connect.ai_stream_body(input)),
            Upstream::Remote(remote) => remote.ai_stream(&input).await,
        };
        counted("ai-stream", result)
    }
}

/// Counts a call upstream by what it was and how it went (`ok`, or the status it failed with).
fn counted<T>(what: &str, result: Result<T, ApiError>) -> Result<T, ApiError> {
    let outcome = match &result {
        Ok(_) => "ok".to_owned(),
        Err(error) => error.code.http_status().to_string(),
    };
    crate::metrics::upstream_call(what, &outcome);
    result
}

impl Upstream {
    /// Whether the upstream answers (for `/readyz`): the local one always does; a remote one
    /// when its host answers within a few seconds other than with a server error (no key is
    /// sent).
    pub async fn reachable(&self) -> Result<(), &'static str> {
        match self {
            Upstream::Local { .. } => Ok(()),
            Upstream::Remote(remote) => remote.reachable().await,
        }
    }
}

/// A remote Connect360 (`https://api.plato.ae` in production).
pub struct RemoteConnect {
    client: reqwest::Client,
    /// Scheme, host and port, without a trailing slash.
    base: String,
    /// The tRPC mount, e.g. `/api/trpc`.
    trpc_mount: String,
    api_key: String,
}

/// Makes rustls use ring for every HTTP client in this process (reqwest is built without a
/// default provider); a second call is a no-op.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Why a `--upstream` URL is refused.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamUrlError {
    #[error("--upstream {0:?} is not a URL: {1}")]
    NotAUrl(String, url::ParseError),
    #[error("--upstream must be https (plain http only to this machine), not {0:?}")]
    Insecure(String),
    #[error("--upstream {0:?} must be a bare origin such as https://api.plato.ae")]
    NotAnOrigin(String),
}

/// Checks an upstream base URL: https, or http to a loopback address only (the API key must
/// never cross a network in clear). Returns the origin without a trailing slash.
pub fn check_upstream_url(raw: &str) -> Result<String, UpstreamUrlError> {
    let url = url::Url::parse(raw).map_err(|e| UpstreamUrlError::NotAUrl(raw.into(), e))?;
    if !is_https_or_loopback_http(&url) {
        return Err(UpstreamUrlError::Insecure(raw.into()));
    }
    if url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(UpstreamUrlError::NotAnOrigin(raw.into()));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// https anywhere, or plain http to this machine only (development and tests).
pub fn is_https_or_loopback_http(url: &url::Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    url.scheme() == "https" || (url.scheme() == "http" && loopback)
}

impl RemoteConnect {
    /// A client for `base` (already checked by [`check_upstream_url`]).
    pub fn new(base: String, trpc_mount: &str, api_key: String) -> Result<Self, reqwest::Error> {
        install_tls_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            // The gateway follows no redirects: the key must go to the configured host only.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("connect360-gateway/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(RemoteConnect {
            client,
            base,
            trpc_mount: trpc_mount.trim_end_matches('/').to_owned(),
            api_key,
        })
    }

    async fn reachable(&self) -> Result<(), &'static str> {
        match self
            .client
            .head(format!("{}/", self.base))
            .timeout(PROBE_TIMEOUT)
            .send()
            .await
        {
            Ok(response) if response.status().is_server_error() => Err("unhealthy (5xx)"),
            Ok(_) => Ok(()),
            Err(error) if error.is_timeout() => Err("unreachable (timed out)"),
            Err(_) => Err("unreachable (no connection)"),
        }
    }

    async fn call(&self, path: &str, input: Value) -> Result<Value, ApiError> {
        let url = format!("{}{}/{path}", self.base, self.trpc_mount);
        let request = match is_query(path) {
            Some(true) => self.client.get(url).query(&[("input", input.to_string())]),
            Some(false) => self.client.post(url).json(&input),
            None => return Err(ApiError::not_found(&format!("Procedure \"{path}\""))),
        };
        let response = request
            .bearer_auth(&self.api_key)
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body: Value = response.json().await.map_err(|e| {
            bad_gateway(format!(
                "Connect360 answered HTTP {status} with a body that is not JSON ({e})."
            ))
        })?;
        if status.is_success() {
            return match body {
                Value::Object(mut envelope) => envelope
                    .get_mut("result")
                    .and_then(|r| r.get_mut("data"))
                    .map(Value::take)
                    .ok_or_else(|| bad_gateway("Connect360 answered without result.data.")),
                _ => Err(bad_gateway("Connect360 answered without result.data.")),
            };
        }
        if let Some(error) = refused_key(status) {
            return Err(error);
        }
        let mut error = match serde_json::from_value::<TrpcErrorEnvelope>(body) {
            Ok(envelope) => {
                let data = envelope.error.data;
                let code = match data.code {
                    ErrorCode::Other => ErrorCode::from_http_status(status.as_u16()),
                    known => known,
                };
                let mut error = ApiError::new(code, envelope.error.message);
                error.violations = data.violations;
                error
            }
            Err(_) => ApiError::new(
                ErrorCode::from_http_status(status.as_u16()),
                format!("Connect360 answered HTTP {status}."),
            ),
        };
        error.retry_after = retry_after;
        Err(error)
    }

    /// Forwards the multipart body as it came (streamed, not buffered), then reads the files.
    async fn upload(&self, request: Request) -> Result<Vec<FileRef>, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .cloned()
            .ok_or_else(|| ApiError::bad_request("An upload must be multipart/form-data."))?;
        // The route's body limit (5 × 25 MB plus framing) holds while streaming too.
        let body = axum::RequestExt::with_limited_body(request).into_body();
        let body = reqwest::Body::wrap_stream(body.into_data_stream());
        let response = self
            .client
            .post(format!("{}/api/v1/connect/attachments", self.base))
            .bearer_auth(&self.api_key)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .timeout(UPLOAD_TIMEOUT)
            .send()
            .await
            .map_err(unreachable)?;
        let response = rest_success(response).await?;
        let uploaded: UploadResponse = response
            .json()
            .await
            .map_err(|e| bad_gateway(format!("Connect360's upload reply is not readable: {e}")))?;
        Ok(uploaded.files)
    }

    async fn asset(&self, s3_key: &str) -> Result<Asset, ApiError> {
        let path: String = s3_key
            .split('/')
            .map(|segment| {
                url::form_urlencoded::byte_serialize(segment.as_bytes())
                    .collect::<String>()
                    .replace('+', "%20")
            })
            .collect::<Vec<_>>()
            .join("/");
        let response = self
            .client
            .get(format!("{}/api/v1/connect/assets/{path}", self.base))
            .bearer_auth(&self.api_key)
            .send()
            .await
            .map_err(unreachable)?;
        let response = rest_success(response).await?;
        let mime_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        Ok(Asset {
            mime_type,
            name: s3_key.rsplit('/').next().unwrap_or("file").to_owned(),
            length: response.content_length(),
            body: Body::from_stream(response.bytes_stream()),
        })
    }

    /// Forwards the stream chunk by chunk: nothing is buffered or compressed on the way.
    async fn ai_stream(&self, input: &AiStreamInput) -> Result<Body, ApiError> {
        let response = self
            .client
            .post(format!("{}/api/v1/connect/ai-stream", self.base))
            .bearer_auth(&self.api_key)
            .json(input)
            .send()
            .await
            .map_err(unreachable)?;
        let response = rest_success(response).await?;
        Ok(Body::from_stream(response.bytes_stream()))
    }
}

/// A REST reply that is not 2xx becomes the same error, read from `{"message"}` or `{"error"}`.
async fn rest_success(response: reqwest::Response) -> Result<reqwest::Response, ApiError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    if let Some(error) = refused_key(status) {
        return Err(error);
    }
    let retry_after = retry_after(response.headers());
    let text = response
        .json::<RestError>()
        .await
        .ok()
        .map(|body| body.text().to_owned())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| format!("Connect360 answered HTTP {status}."));
    let mut error = ApiError::new(ErrorCode::from_http_status(status.as_u16()), text);
    error.retry_after = retry_after;
    Err(error)
}

/// Upstream 401/403 mean the gateway's own key is wrong or under-privileged: nothing a visitor
/// can fix, so they see a 502 and the operator a log line naming `PLATO_API_KEY`.
fn refused_key(status: reqwest::StatusCode) -> Option<ApiError> {
    let what = match status.as_u16() {
        401 => "refused the gateway's API key",
        403 => "says the gateway's API key lacks a permission",
        _ => return None,
    };
    tracing::error!("Connect360 {what} (HTTP {status}); check PLATO_API_KEY");
    Some(bad_gateway(format!(
        "Connect360 {what}; the site's chat is misconfigured."
    )))
}

fn retry_after(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn bad_gateway(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadGateway, message)
}

fn unreachable(error: reqwest::Error) -> ApiError {
    // The error's text never carries the key: it names the URL, which holds no secret.
    let what = if error.is_timeout() {
        "did not answer in time"
    } else if error.is_connect() {
        "could not be reached"
    } else {
        "failed"
    };
    // Without its URL: a query's input (ids, cursors) or an asset's key is no log's business.
    let error = error.without_url();
    tracing::warn!(%error, "upstream request {what}");
    bad_gateway(format!("Connect360 {what}; please try again."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls_must_be_https_or_loopback_http() {
        assert_eq!(
            check_upstream_url("https://api.plato.ae/").unwrap(),
            "https://api.plato.ae"
        );
        assert_eq!(
            check_upstream_url("http://127.0.0.1:9000").unwrap(),
            "http://127.0.0.1:9000"
        );
        assert!(check_upstream_url("http://localhost:9000").is_ok());
        assert!(check_upstream_url("http://[::1]:9000").is_ok());
        assert!(matches!(
            check_upstream_url("http://api.plato.ae"),
            Err(UpstreamUrlError::Insecure(_))
        ));
        assert!(matches!(
            check_upstream_url("ftp://127.0.0.1"),
            Err(UpstreamUrlError::Insecure(_))
        ));
        assert!(matches!(
            check_upstream_url("https://api.plato.ae/api/trpc"),
            Err(UpstreamUrlError::NotAnOrigin(_))
        ));
        assert!(matches!(
            check_upstream_url("https://user:pw@api.plato.ae"),
            Err(UpstreamUrlError::NotAnOrigin(_))
        ));
        // A password without a user name is still a credential in the URL.
        assert!(matches!(
            check_upstream_url("https://:password@api.plato.ae"),
            Err(UpstreamUrlError::NotAnOrigin(_))
        ));
        assert!(matches!(
            check_upstream_url("not a url"),
            Err(UpstreamUrlError::NotAUrl(..))
        ));
    }
}

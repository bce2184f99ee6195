//! Transport: the gateway's routes over `fetch` — the widget session, tRPC `send` and
//! `listMessages` with the visitor token — with one typed error and the retry rules of
//! `connect360-api.md` §5.2. Nothing here touches the DOM or reactive state. The streamed
//! answers (the AI reply, the conversation's events) are read in [`stream`].

mod stream;

pub use stream::PING_INTERVAL_MS;

use std::fmt;

use connect360_model::wire::{
    procedure, ErrorCode, FileRef, HistoryPage, HistoryQuery, ListMessagesInput, Message,
    MessagePage, RestError, SendInput, SessionRequest, SessionResponse, SignInStartRequest,
    SignInStartResponse, TrpcSuccess,
};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, Response};

/// A request that has not answered in this time is given up (and retried by the caller).
const REQUEST_TIMEOUT_MS: u32 = 15_000;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer: offline, refused, reset or timed out. The outcome of a send is unknown.
    Network,
    /// The server answered with an error.
    Http {
        status: u16,
        code: ErrorCode,
        message: String,
        /// `Retry-After`, in seconds.
        retry_after: Option<u32>,
        /// Which of the content rules a 400 says the value broke.
        broke: Broke,
    },
    /// A 2xx answer that is not what the contract says.
    Malformed,
    /// The widget was removed while the request was under way; nothing more is done.
    Stopped,
}

/// The rules a refused value broke, from the violations of a 400 (`rich-messages.md` §2.3):
/// the widget tells the visitor which, in their language, rather than the server's English.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Broke {
    /// Rule C1: a character that may not be sent.
    pub characters: bool,
    /// A text over its length limit (E4, K1).
    pub length: bool,
}

impl Broke {
    /// The rules are named as the model spells them on the wire (a test pins the spelling).
    fn of(violations: &[BrokenRule]) -> Broke {
        let any = |names: &[&str]| violations.iter().any(|v| names.contains(&v.rule.as_str()));
        Broke {
            characters: any(&["C1"]),
            length: any(&["E4", "K1"]),
        }
    }
}

/// The part of a tRPC error envelope (`connect360-api.md` §2.2) the widget reads; the rest,
/// and each violation's path and message, is skipped unread. Reading the model's whole
/// envelope (with its 60-rule enum) cost the bundle ~2 KB.
#[derive(serde::Deserialize)]
struct ErrorReply {
    error: ErrorReplyBody,
}

#[derive(serde::Deserialize)]
struct ErrorReplyBody {
    message: String,
    data: ErrorReplyData,
}

#[derive(serde::Deserialize)]
struct ErrorReplyData {
    code: ErrorCode,
    #[serde(default)]
    violations: Vec<BrokenRule>,
}

#[derive(serde::Deserialize)]
struct BrokenRule {
    rule: String,
}

impl ApiError {
    /// Network errors, timeouts (408), 429 and 5xx are worth retrying; other 4xx never are. So
    /// is a 2xx answer that does not parse (a proxy's error page, a cut-off body): like a
    /// dropped connection it leaves the outcome unknown, and the retry's `Idempotency-Key`
    /// makes it safe.
    pub fn retryable(&self) -> bool {
        match self {
            ApiError::Network | ApiError::Malformed => true,
            ApiError::Http { status, .. } => matches!(*status, 408 | 429) || *status >= 500,
            ApiError::Stopped => false,
        }
    }

    /// The token is missing, expired or forged: a new session is needed.
    pub fn needs_new_session(&self) -> bool {
        matches!(self, ApiError::Http { status: 401, .. })
    }

    pub fn retry_after_seconds(&self) -> Option<u32> {
        match self {
            ApiError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network => f.write_str("the chat server could not be reached"),
            ApiError::Http {
                status, message, ..
            } => write!(f, "HTTP {status}: {message}"),
            ApiError::Malformed => f.write_str("the chat server sent an unexpected answer"),
            ApiError::Stopped => f.write_str("the widget was removed"),
        }
    }
}

/// The gateway at one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    endpoint: String,
}

impl Api {
    pub fn new(endpoint: &str) -> Api {
        Api {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
        }
    }

    /// `POST /api/widget/session`: opens or resumes the visitor's session.
    pub async fn open_session(
        &self,
        request: &SessionRequest,
    ) -> Result<SessionResponse, ApiError> {
        self.post_rest("/api/widget/session", None, request).await
    }

    /// `POST /api/widget/oauth/start`: the authorization URL for a sign-in suggestion. The one
    /// request that carries cookies: its reply sets the cookie that binds the sign-in to this
    /// browser (`rich-messages.md` §5.8).
    pub async fn start_sign_in(
        &self,
        token: &str,
        request: &SignInStartRequest,
    ) -> Result<SignInStartResponse, ApiError> {
        let body = serde_json::to_string(request).map_err(|_| ApiError::Malformed)?;
        let url = format!("{}/api/widget/oauth/start", self.endpoint);
        let reply = fetch(Fetch {
            method: "POST",
            url: &url,
            token: Some(token),
            body: Some(&body),
            with_cookies: true,
            ..Fetch::default()
        })
        .await?;
        if reply.ok() {
            return serde_json::from_str(&reply.body).map_err(|_| ApiError::Malformed);
        }
        Err(reply.rest_error())
    }

    /// `GET /api/widget/oauth/binding`: whether this browser kept the sign-in cookie (a
    /// browser blocking the gateway's cookies cannot complete a sign-in: 403).
    pub async fn sign_in_binding(&self, token: &str) -> Result<(), ApiError> {
        let url = format!("{}/api/widget/oauth/binding", self.endpoint);
        let reply = fetch(Fetch {
            method: "GET",
            url: &url,
            token: Some(token),
            with_cookies: true,
            ..Fetch::default()
        })
        .await?;
        if reply.ok() {
            return Ok(());
        }
        Err(reply.rest_error())
    }

    /// `GET /api/widget/history`: the newest messages of the conversation, or those just
    /// before `before` (an earlier page's `olderCursor`).
    pub async fn history(
        &self,
        token: &str,
        query: &HistoryQuery,
    ) -> Result<HistoryPage, ApiError> {
        let mut url = format!(
            "{}/api/widget/history?conversationId={}",
            self.endpoint,
            String::from(js_sys::encode_uri_component(&query.conversation_id))
        );
        if let Some(before) = &query.before {
            url.push_str("&before=");
            url.push_str(&String::from(js_sys::encode_uri_component(before)));
        }
        self.get_json(&url, token).await
    }

    /// `POST /api/widget/seen`: the newest message the visitor has seen.
    pub async fn seen(
        &self,
        token: &str,
        report: &connect360_model::wire::SeenReport,
    ) -> Result<(), ApiError> {
        self.post_json("/api/widget/seen", Some(token), report)
            .await
            .map(drop)
    }

    /// `POST /api/widget/contact`: what the visitor filled in the contact form.
    pub async fn contact(
        &self,
        token: &str,
        input: &connect360_model::contact::ContactInput,
    ) -> Result<(), ApiError> {
        self.post_json("/api/widget/contact", Some(token), input)
            .await
            .map(drop)
    }

    /// `POST /api/widget/end`: the visitor ends their chat.
    pub async fn end_chat(&self, token: &str, conversation_id: &str) -> Result<(), ApiError> {
        let request = connect360_model::wire::EndRequest {
            conversation_id: conversation_id.to_owned(),
        };
        self.post_json("/api/widget/end", Some(token), &request)
            .await
            .map(drop)
    }

    /// `POST /api/widget/rating`: the visitor rates their ended chat.
    pub async fn rate_chat(
        &self,
        token: &str,
        request: &connect360_model::wire::RatingRequest,
    ) -> Result<(), ApiError> {
        self.post_json("/api/widget/rating", Some(token), request)
            .await
            .map(drop)
    }

    /// `GET /api/widget/conversation`: whether the chat has ended and been rated.
    pub async fn conversation_state(
        &self,
        token: &str,
        conversation_id: &str,
    ) -> Result<connect360_model::wire::ConversationState, ApiError> {
        let url = format!(
            "{}/api/widget/conversation?conversationId={}",
            self.endpoint,
            String::from(js_sys::encode_uri_component(conversation_id))
        );
        self.get_json(&url, token).await
    }

    /// `POST /api/widget/chats`: after the chat has ended, a new one; the session for it.
    pub async fn new_chat(
        &self,
        token: &str,
        conversation_id: &str,
    ) -> Result<SessionResponse, ApiError> {
        let request = connect360_model::wire::NewChatRequest {
            conversation_id: conversation_id.to_owned(),
        };
        self.post_rest("/api/widget/chats", Some(token), &request)
            .await
    }

    /// `GET /api/widget/chats`: the visitor's chats, newest first.
    pub async fn chats(&self, token: &str) -> Result<connect360_model::wire::ChatList, ApiError> {
        let url = format!("{}/api/widget/chats", self.endpoint);
        self.get_json(&url, token).await
    }

    /// A `GET` of one of the gateway's own routes with the visitor's token, its JSON reply
    /// read as `T`, else the error its REST body names.
    async fn get_json<T: DeserializeOwned>(&self, url: &str, token: &str) -> Result<T, ApiError> {
        let reply = fetch(Fetch {
            method: "GET",
            url,
            token: Some(token),
            ..Fetch::default()
        })
        .await?;
        if reply.ok() {
            return serde_json::from_str(&reply.body).map_err(|_| ApiError::Malformed);
        }
        Err(reply.rest_error())
    }

    /// A JSON `POST` to one of the gateway's own routes, its JSON reply read as `T`.
    async fn post_rest<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl serde::Serialize,
    ) -> Result<T, ApiError> {
        let reply = self.post_json(path, token, body).await?;
        serde_json::from_str(&reply.body).map_err(|_| ApiError::Malformed)
    }

    /// A JSON `POST` to one of the gateway's own routes: the reply when it succeeded, else the
    /// error its REST body names.
    async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl serde::Serialize,
    ) -> Result<Reply, ApiError> {
        let body = serde_json::to_string(body).map_err(|_| ApiError::Malformed)?;
        let url = format!("{}{path}", self.endpoint);
        let reply = fetch(Fetch {
            method: "POST",
            url: &url,
            token,
            body: Some(&body),
            ..Fetch::default()
        })
        .await?;
        if reply.ok() {
            return Ok(reply);
        }
        Err(reply.rest_error())
    }

    /// `send` as the visitor; `idempotency_key` makes a repeat return the first result.
    /// `trpc_path` is where the gateway mounts tRPC (the session says).
    pub async fn send(
        &self,
        token: &str,
        trpc_path: &str,
        input: &SendInput,
        idempotency_key: &str,
    ) -> Result<Message, ApiError> {
        let body = serde_json::to_string(input).map_err(|_| ApiError::Malformed)?;
        let url = format!("{}{trpc_path}/{}", self.endpoint, procedure::SEND);
        let reply = fetch(Fetch {
            method: "POST",
            url: &url,
            token: Some(token),
            body: Some(&body),
            idempotency_key: Some(idempotency_key),
            ..Fetch::default()
        })
        .await?;
        reply.trpc()
    }

    /// One `listMessages` page of the visitor's conversation.
    pub async fn list_messages(
        &self,
        token: &str,
        trpc_path: &str,
        input: &ListMessagesInput,
    ) -> Result<MessagePage, ApiError> {
        let json = serde_json::to_string(input).map_err(|_| ApiError::Malformed)?;
        let encoded: String = js_sys::encode_uri_component(&json).into();
        let url = format!(
            "{}{trpc_path}/{}?input={encoded}",
            self.endpoint,
            procedure::LIST_MESSAGES
        );
        fetch(Fetch {
            method: "GET",
            url: &url,
            token: Some(token),
            ..Fetch::default()
        })
        .await?
        .trpc()
    }
}

/// An upload under way: [`Upload::cancel`] stops it, `done` resolves to the stored file.
pub struct Upload {
    xhr: web_sys::XmlHttpRequest,
}

impl Upload {
    pub fn cancel(&self) {
        let _ = self.xhr.abort();
    }
}

impl Api {
    /// Uploads one file (`POST /api/v1/connect/attachments`, part `file`) with progress
    /// reports in `[0, 1]`. XHR, not fetch: only XHR reports upload progress.
    pub fn upload(
        &self,
        token: &str,
        file: &web_sys::File,
        progress: impl Fn(f64) + 'static,
    ) -> Result<
        (
            Upload,
            impl std::future::Future<Output = Result<FileRef, ApiError>>,
        ),
        ApiError,
    > {
        use wasm_bindgen::closure::Closure;
        let fail = |_| ApiError::Network;
        let xhr = web_sys::XmlHttpRequest::new().map_err(fail)?;
        xhr.open(
            "POST",
            &format!("{}/api/v1/connect/attachments", self.endpoint),
        )
        .map_err(fail)?;
        xhr.set_request_header("authorization", &format!("Bearer {token}"))
            .map_err(fail)?;
        let form = web_sys::FormData::new().map_err(fail)?;
        form.append_with_blob_and_filename("file", file, &file.name())
            .map_err(fail)?;
        let on_progress =
            Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
                if event.length_computable() && event.total() > 0.0 {
                    progress(event.loaded() / event.total());
                }
            });
        xhr.upload()
            .map_err(fail)?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        let finished = js_sys::Promise::new(&mut |resolve, _reject| {
            xhr.set_onloadend(Some(&resolve));
        });
        xhr.send_with_opt_form_data(Some(&form)).map_err(fail)?;
        let watched = xhr.clone();
        let done = async move {
            let _ = JsFuture::from(finished).await;
            // Kept alive until the upload ends.
            drop(on_progress);
            let status = watched.status().unwrap_or(0);
            if status == 0 {
                return Err(ApiError::Network);
            }
            let reply = Reply {
                status,
                body: watched.response_text().ok().flatten().unwrap_or_default(),
                retry_after: None,
            };
            if !reply.ok() {
                return Err(reply.rest_error());
            }
            serde_json::from_str::<connect360_model::wire::UploadResponse>(&reply.body)
                .ok()
                .and_then(|r| r.files.into_iter().next())
                .ok_or(ApiError::Malformed)
        };
        Ok((Upload { xhr }, done))
    }

    /// A stored file's bytes through the asset route, with the visitor token.
    pub async fn download(&self, token: &str, s3_key: &str) -> Result<web_sys::Blob, ApiError> {
        let url = self.asset_url(s3_key);
        // No timeout: a large file may take long; the visitor sees it arriving.
        let response = successful(
            send_request(
                &url,
                request_init(&Fetch {
                    method: "GET",
                    token: Some(token),
                    ..Fetch::default()
                })?,
            )
            .await?,
        )?;
        let blob = response.blob().map_err(|_| ApiError::Network)?;
        JsFuture::from(blob)
            .await
            .map_err(|_| ApiError::Network)?
            .dyn_into()
            .map_err(|_| ApiError::Malformed)
    }

    /// A stored file's size in bytes (`HEAD` on the asset route: its `Content-Length`), for a
    /// file chip that is not downloaded until the visitor asks.
    pub async fn file_size(&self, token: &str, s3_key: &str) -> Result<Option<f64>, ApiError> {
        let response = successful(
            send_request(
                &self.asset_url(s3_key),
                request_init(&Fetch {
                    method: "HEAD",
                    token: Some(token),
                    ..Fetch::default()
                })?,
            )
            .await?,
        )?;
        let length = response.headers().get("content-length").ok().flatten();
        // An integer parse: `f64`'s parser would bring ~15 KB of tables into the bundle.
        Ok(length
            .and_then(|l| l.trim().parse::<u64>().ok())
            .map(|n| n as f64))
    }

    /// The asset route of `s3_key`, each path segment percent-encoded.
    fn asset_url(&self, s3_key: &str) -> String {
        let path: Vec<String> = s3_key
            .split('/')
            .map(|segment| js_sys::encode_uri_component(segment).into())
            .collect();
        format!("{}/api/v1/connect/assets/{}", self.endpoint, path.join("/"))
    }
}

/// A finished HTTP exchange.
struct Reply {
    status: u16,
    body: String,
    retry_after: Option<u32>,
}

impl Reply {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A tRPC reply: `result.data`, or the error envelope as an [`ApiError`].
    fn trpc<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        if self.ok() {
            return serde_json::from_str::<TrpcSuccess<T>>(&self.body)
                .map(|s| s.result.data)
                .map_err(|_| ApiError::Malformed);
        }
        match serde_json::from_str::<ErrorReply>(&self.body) {
            Ok(envelope) => Err(ApiError::Http {
                status: self.status,
                code: envelope.error.data.code,
                message: envelope.error.message,
                retry_after: self.retry_after,
                broke: Broke::of(&envelope.error.data.violations),
            }),
            Err(_) => Err(self.rest_error()),
        }
    }

    /// A REST error body (`{"message"}` or `{"error"}`), or just the status.
    fn rest_error(self) -> ApiError {
        let message = serde_json::from_str::<RestError>(&self.body)
            .map(|e| e.text().to_owned())
            .unwrap_or_default();
        ApiError::Http {
            status: self.status,
            code: ErrorCode::from_http_status(self.status),
            message,
            retry_after: self.retry_after,
            broke: Broke::default(),
        }
    }
}

/// One request to the gateway.
#[derive(Default)]
struct Fetch<'a> {
    method: &'a str,
    url: &'a str,
    token: Option<&'a str>,
    body: Option<&'a str>,
    idempotency_key: Option<&'a str>,
    /// Send and accept cookies: the sign-in relay's binding only. Every other request has
    /// the token as its only credential.
    with_cookies: bool,
}

/// A request's method, headers and body.
fn request_init(request: &Fetch<'_>) -> Result<RequestInit, ApiError> {
    let headers = Headers::new().map_err(|_| ApiError::Network)?;
    let set = |name: &str, value: &str| headers.set(name, value).map_err(|_| ApiError::Malformed);
    if request.body.is_some() {
        set("content-type", "application/json")?;
    }
    if let Some(token) = request.token {
        set("authorization", &format!("Bearer {token}"))?;
    }
    if let Some(key) = request.idempotency_key {
        set("idempotency-key", key)?;
    }
    let init = RequestInit::new();
    init.set_method(request.method);
    init.set_headers(&headers);
    if let Some(body) = request.body {
        init.set_body(&JsValue::from_str(body));
    }
    init.set_credentials(if request.with_cookies {
        web_sys::RequestCredentials::Include
    } else {
        web_sys::RequestCredentials::Omit
    });
    Ok(init)
}

async fn send_request(url: &str, init: RequestInit) -> Result<Response, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| ApiError::Network)?
        .dyn_into()
        .map_err(|_| ApiError::Network)
}

/// The response if it is a 2xx, else its status as an error.
fn successful(response: Response) -> Result<Response, ApiError> {
    if response.ok() {
        return Ok(response);
    }
    Err(ApiError::Http {
        status: response.status(),
        code: ErrorCode::from_http_status(response.status()),
        message: String::new(),
        retry_after: None,
        broke: Broke::default(),
    })
}

/// A request that is given up after [`REQUEST_TIMEOUT_MS`], read to the end as text.
async fn fetch(request: Fetch<'_>) -> Result<Reply, ApiError> {
    let init = request_init(&request)?;
    init.set_signal(Some(&AbortSignal::timeout_with_u32(REQUEST_TIMEOUT_MS)));
    reply_of(send_request(request.url, init).await?).await
}

/// A response read to the end as text, with its status and `Retry-After`.
async fn reply_of(response: Response) -> Result<Reply, ApiError> {
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok());
    let text = response.text().map_err(|_| ApiError::Network)?;
    let body = JsFuture::from(text)
        .await
        .map_err(|_| ApiError::Network)?
        .as_string()
        .unwrap_or_default();
    Ok(Reply {
        status: response.status(),
        body,
        retry_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect360_model::{Rule, Violation};

    fn envelope_with(rules: &[Rule]) -> String {
        let mut envelope = connect360_model::wire::TrpcErrorEnvelope::new(
            ErrorCode::BadRequest,
            "refused",
            Some("v1.connect.send"),
        );
        envelope.error.data.violations = rules
            .iter()
            .map(|&rule| Violation {
                rule,
                path: "content.en".into(),
                message: "broken".into(),
            })
            .collect();
        serde_json::to_string(&envelope).unwrap()
    }

    /// The widget reads the server's envelope through its own small shape: the rules it
    /// names must be spelled as the model writes them.
    #[test]
    fn the_rules_a_server_refusal_names_are_read_from_its_own_envelope() {
        let read = |rules: &[Rule]| {
            let reply: ErrorReply = serde_json::from_str(&envelope_with(rules)).unwrap();
            assert_eq!(reply.error.data.code, ErrorCode::BadRequest);
            assert_eq!(reply.error.message, "refused");
            Broke::of(&reply.error.data.violations)
        };
        assert_eq!(
            read(&[Rule::E1, Rule::C1]),
            Broke {
                characters: true,
                length: false
            }
        );
        for length in [Rule::E4, Rule::K1] {
            assert_eq!(
                read(&[length]),
                Broke {
                    characters: false,
                    length: true
                }
            );
        }
        assert_eq!(read(&[]), Broke::default());
        assert_eq!(read(&[Rule::E1, Rule::G2]), Broke::default());
    }
}

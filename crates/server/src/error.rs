//! The server's error type and how it becomes the tRPC error envelope or a REST error body.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connect360_model::validate::{summary, Violation};
use connect360_model::wire::{ErrorCode, RestError, TrpcErrorEnvelope};

/// A failed call: a tRPC code, a message for humans, and for validation failures every
/// violation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub violations: Vec<Violation>,
    /// Seconds to wait, for 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            violations: Vec::new(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// A JSON body axum refused: 413 for one over the route's size limit, else 400, with what
    /// the body was meant to be.
    pub fn rejected_body(what: &str, rejection: &axum::extract::rejection::JsonRejection) -> Self {
        let code = match rejection.status().as_u16() {
            413 => ErrorCode::PayloadTooLarge,
            _ => ErrorCode::BadRequest,
        };
        ApiError::new(
            code,
            format!("{what} is not valid: {}", rejection.body_text()),
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found."))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InternalServerError, message)
    }

    /// 400 listing every violation; the message names the first (`rich-messages.md` §2.3).
    pub fn invalid_content(violations: Vec<Violation>) -> Self {
        ApiError {
            code: ErrorCode::BadRequest,
            message: summary(&violations),
            violations,
            retry_after: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The tRPC envelope for this error at `path`.
    pub fn envelope(&self, path: Option<&str>) -> TrpcErrorEnvelope {
        let mut envelope = TrpcErrorEnvelope::new(self.code, self.message.clone(), path);
        envelope.error.data.violations = self.violations.clone();
        envelope
    }

    /// Adds `Retry-After` to a response for 429s.
    pub fn decorate(&self, mut response: Response) -> Response {
        if let Some(seconds) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert("retry-after", value);
            }
        }
        response
    }
}

/// A REST route's error (`{"message"}` with the error's status and `Retry-After`): handlers
/// return `Result<_, ApiError>` and `?` their way through. The tRPC routes answer with the
/// error envelope of each call instead ([`ApiError::envelope`]).
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = RestError {
            message: Some(self.message.clone()),
            error: None,
        };
        let response = (self.status(), Json(body)).into_response();
        self.decorate(response)
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        tracing::error!(%error, "database error");
        ApiError::internal("The database failed; please try again.")
    }
}

/// Decodes a procedure input; type errors and unknown fields are 400s.
pub fn parse_input<T: serde::de::DeserializeOwned>(
    input: serde_json::Value,
) -> Result<T, ApiError> {
    serde_json::from_value(input).map_err(|e| ApiError::bad_request(format!("Invalid input: {e}")))
}

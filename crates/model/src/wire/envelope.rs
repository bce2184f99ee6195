//! The tRPC success and error envelopes (`connect360-api.md` §2.2) and REST error bodies.

use serde::{Deserialize, Serialize};

use crate::validate::Violation;

/// `{"result":{"data": <output>}}`; other members (`id`, `result.type`) are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrpcSuccess<T> {
    pub result: TrpcResult<T>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrpcResult<T> {
    pub data: T,
}

impl<T> TrpcSuccess<T> {
    pub fn new(data: T) -> Self {
        TrpcSuccess {
            result: TrpcResult { data },
        }
    }
}

/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrpcErrorEnvelope {
    pub error: TrpcError,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrpcError {
    /// For humans; clients branch on `data.code`, never on this.
    pub message: String,
    pub code: i32,
    pub data: TrpcErrorData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrpcErrorData {
    pub code: ErrorCode,
    pub http_status: u16,
    #[serde(default)]
    pub path: Option<String>,
    /// Every validation violation of a 400 (`rich-messages.md` §2.3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

impl TrpcErrorEnvelope {
    /// An error envelope whose numbers follow from `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>, path: Option<&str>) -> Self {
        TrpcErrorEnvelope {
            error: TrpcError {
                message: message.into(),
                code: code.json_rpc_code(),
                data: TrpcErrorData {
                    code,
                    http_status: code.http_status(),
                    path: path.map(str::to_owned),
                    violations: Vec::new(),
                },
            },
        }
    }
}

/// A tRPC reply as a client reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TrpcResponse<T> {
    Ok(TrpcSuccess<T>),
    Err(TrpcErrorEnvelope),
}

/// `data.code` values our server produces; any other reads as `Other` and is handled by its
/// HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ParseError,
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotSupported,
    PayloadTooLarge,
    /// The request contradicts the state (rating a chat twice).
    Conflict,
    TooManyRequests,
    InternalServerError,
    BadGateway,
    ServiceUnavailable,
    #[serde(other)]
    Other,
}

impl ErrorCode {
    /// The JSON-RPC style `code` of the envelope.
    pub fn json_rpc_code(self) -> i32 {
        match self {
            ErrorCode::ParseError => -32700,
            ErrorCode::BadRequest => -32600,
            ErrorCode::Unauthorized => -32001,
            ErrorCode::Forbidden => -32003,
            ErrorCode::NotFound => -32004,
            ErrorCode::MethodNotSupported => -32005,
            ErrorCode::PayloadTooLarge => -32013,
            ErrorCode::Conflict => -32009,
            ErrorCode::TooManyRequests => -32029,
            ErrorCode::InternalServerError
            | ErrorCode::BadGateway
            | ErrorCode::ServiceUnavailable
            | ErrorCode::Other => -32603,
        }
    }

    /// The code a client reads from a bare HTTP status (a reply without a tRPC envelope).
    pub fn from_http_status(status: u16) -> ErrorCode {
        match status {
            400 => ErrorCode::BadRequest,
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotSupported,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::PayloadTooLarge,
            429 => ErrorCode::TooManyRequests,
            502 => ErrorCode::BadGateway,
            503 => ErrorCode::ServiceUnavailable,
            _ => ErrorCode::InternalServerError,
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::ParseError | ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotSupported => 405,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Conflict => 409,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::InternalServerError | ErrorCode::Other => 500,
            ErrorCode::BadGateway => 502,
            ErrorCode::ServiceUnavailable => 503,
        }
    }
}

/// A REST error body: `{"message": …}` or `{"error": …}`; clients read both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RestError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RestError {
    pub fn text(&self) -> &str {
        self.message
            .as_deref()
            .or(self.error.as_deref())
            .unwrap_or("")
    }
}

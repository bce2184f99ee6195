//! The Connect360 REST routes (`connect360-api.md` §4): attachment upload, asset download
//! and the AI stream — for key holders, and through the gateway's policy for visitors.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connect360_model::wire::{AiStreamEvent, AiStreamInput, ErrorCode, UploadResponse};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use crate::app::AppState;
use crate::error::ApiError;
use crate::gateway::token::{self, VisitorClaims};
use crate::local::auth::{self, Permission};
use crate::local::{ai_stream, parse_input};
use crate::store::{files, grants};

/// Who is calling a REST route.
enum Caller {
    /// A key holder (the merchant's backend, tests, the console).
    Key,
    /// A website visitor, confined by the gateway's policy.
    Visitor(VisitorClaims),
}

/// A visitor token (through the gateway) or an API key with one of `any_of`.
fn authorise(
    state: &AppState,
    headers: &HeaderMap,
    any_of: &[Permission],
) -> Result<Caller, ApiError> {
    let presented = auth::presented_key(headers);
    if let Some(presented) = presented.filter(|p| p.starts_with(token::PREFIX)) {
        let gateway = state.gateway.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthorized,
                "Visitor tokens are not accepted here.",
            )
        })?;
        return token::verify(presented, &gateway.config.token_secret)
            .map(Caller::Visitor)
            .map_err(|e| ApiError::new(ErrorCode::Unauthorized, e.to_string()));
    }
    let key = state.local.authenticate(presented)?;
    key.require(any_of)?;
    Ok(Caller::Key)
}

fn forbidden(message: &str) -> Response {
    ApiError::new(ErrorCode::Forbidden, message).into_rest_response()
}

/// `POST /api/v1/connect/attachments`
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let caller = match authorise(&state, &headers, &[Permission::Engage]) {
        Ok(caller) => caller,
        Err(error) => return error.into_rest_response(),
    };
    if let (Caller::Visitor(claims), Some(gateway)) = (&caller, &state.gateway) {
        let limit = gateway.config.rate_limits.uploads_per_visitor;
        if let Err(error) = gateway
            .limiter
            .check(&format!("upload:{}", claims.external_id), limit)
        {
            return error.into_rest_response();
        }
    }
    let files = match state.local.upload(multipart).await {
        Ok(files) => files,
        Err(error) => return error.into_rest_response(),
    };
    if let (Caller::Visitor(claims), Some(gateway)) = (caller, &state.gateway) {
        // Only files a visitor uploaded may go into their messages and back to them.
        let recorded = files.clone();
        let result = gateway
            .records(move |tx| {
                for file in &recorded {
                    grants::grant_file(tx, &claims.external_id, &file.id, &file.s3_key, true)?;
                }
                Ok(())
            })
            .await;
        if let Err(error) = result {
            return error.into_rest_response();
        }
    }
    Json(UploadResponse { files }).into_response()
}

/// `GET /api/v1/connect/assets/<s3Key>`: the raw bytes with their stored type, inline, never
/// sniffed, never able to run script.
pub async fn asset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    let caller = match authorise(&state, &headers, &[Permission::Read, Permission::Engage]) {
        Ok(caller) => caller,
        Err(error) => return error.into_rest_response(),
    };
    let local = state.local.clone();
    let file = tokio::task::spawn_blocking(move || {
        local.store.transaction(|tx| {
            if let Caller::Visitor(claims) = &caller {
                if !grants::may_download(tx, &claims.external_id, &key)? {
                    return Err(ApiError::new(
                        ErrorCode::Forbidden,
                        "This file is not part of the visitor's conversation.",
                    ));
                }
            }
            files::by_s3_key(tx, &key)
        })
    })
    .await
    .unwrap_or_else(|e| Err(ApiError::internal(e.to_string())));
    let file = match file {
        Ok(Some(file)) => file,
        Ok(None) => return ApiError::not_found("File").into_rest_response(),
        Err(error) => return error.into_rest_response(),
    };
    let bytes = match tokio::fs::read(state.local.file_path(&file.id)).await {
        Ok(bytes) => bytes,
        Err(_) => return ApiError::not_found("File").into_rest_response(),
    };
    let mut response = Body::from(bytes).into_response();
    let h = response.headers_mut();
    let mime = HeaderValue::from_str(&file.mime_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, mime);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    if let Ok(disposition) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", file.name)) {
        h.insert(header::CONTENT_DISPOSITION, disposition);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    response
}

/// `POST /api/v1/connect/ai-stream`
pub async fn ai_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let caller = match authorise(&state, &headers, &[Permission::Engage]) {
        Ok(caller) => caller,
        Err(error) => return error.into_rest_response(),
    };
    let mut input: AiStreamInput = match serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}")))
        .and_then(parse_input)
    {
        Ok(input) => input,
        Err(error) => return error.into_rest_response(),
    };
    if let (Caller::Visitor(claims), Some(gateway)) = (&caller, &state.gateway) {
        let limit = gateway.config.rate_limits.streams_per_visitor;
        if let Err(error) = gateway
            .limiter
            .check(&format!("stream:{}", claims.external_id), limit)
        {
            return error.into_rest_response();
        }
        if gateway.config.ai_agent.as_deref() != Some(input.agent_id.as_str()) {
            return forbidden("This AI agent is not enabled for visitors.");
        }
        if input
            .sender_id
            .as_ref()
            .is_some_and(|s| *s != claims.customer_id)
        {
            return forbidden("A visitor streams replies to their own messages only.");
        }
        if let Err(error) = gateway
            .require_own_conversation(claims, &input.conversation_id)
            .await
        {
            return error.into_rest_response();
        }
        input.sender_id = Some(claims.customer_id.clone());
        input.channel_id = None;
    }
    let (sender, receiver) = tokio::sync::mpsc::channel::<AiStreamEvent>(16);
    tokio::spawn(ai_stream::stream_reply(state.local.clone(), input, sender));
    let frames = ReceiverStream::new(receiver)
        .map(|event| Ok::<_, std::convert::Infallible>(event.to_frame()));
    let mut response = Body::from_stream(frames).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Proxies must flush every event.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

//! The Connect360 REST routes (`connect360-api.md` §4): attachment upload, asset download
//! and the AI stream, authorised by the local API key.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connect360_model::wire::{AiStreamEvent, AiStreamInput, UploadResponse};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use crate::app::AppState;
use crate::error::ApiError;
use crate::local::auth::{self, ApiKey, Permission};
use crate::local::{ai_stream, parse_input};

fn authorise(
    state: &AppState,
    headers: &HeaderMap,
    any_of: &[Permission],
) -> Result<ApiKey, ApiError> {
    let key = state.local.authenticate(auth::presented_key(headers))?;
    key.require(any_of)?;
    Ok(key.clone())
}

/// `POST /api/v1/connect/attachments`
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    if let Err(error) = authorise(&state, &headers, &[Permission::Engage]) {
        return error.into_rest_response();
    }
    match state.local.upload(multipart).await {
        Ok(files) => Json(UploadResponse { files }).into_response(),
        Err(error) => error.into_rest_response(),
    }
}

/// `GET /api/v1/connect/assets/<s3Key>`: the raw bytes with their stored type, inline, never
/// sniffed, never able to run script.
pub async fn asset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    if let Err(error) = authorise(&state, &headers, &[Permission::Read, Permission::Engage]) {
        return error.into_rest_response();
    }
    let local = state.local.clone();
    let lookup = key.clone();
    let file = tokio::task::spawn_blocking(move || {
        local
            .store
            .transaction(|tx| crate::store::files::by_s3_key(tx, &lookup))
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
    let value = |s: &str| {
        HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    h.insert(header::CONTENT_TYPE, value(&file.mime_type));
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
    if let Err(error) = authorise(&state, &headers, &[Permission::Engage]) {
        return error.into_rest_response();
    }
    let input: AiStreamInput = match serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}")))
        .and_then(parse_input)
    {
        Ok(input) => input,
        Err(error) => return error.into_rest_response(),
    };
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

//! The Connect360 REST routes (`connect360-api.md` §4): attachment upload, asset download
//! and the AI stream — for key holders, and through the gateway's policy for visitors.

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connect360_model::wire::{AiStreamInput, ErrorCode, FileRef, UploadResponse};

use crate::app::AppState;
use crate::caller::Caller;
use crate::error::parse_input;
use crate::error::ApiError;
use crate::gateway::token::VisitorClaims;
use crate::gateway::{rate_limit, Gateway};
use crate::local::auth::Permission;
use crate::upstream::Asset;

fn forbidden(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, message)
}

/// `POST /api/v1/connect/attachments`
pub async fn upload(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<UploadResponse>, ApiError> {
    let files = match Caller::with_permission(&state, request.headers(), &[Permission::Engage])? {
        Caller::Key { local, .. } => local.upload_request(request).await?,
        Caller::Visitor { gateway, claims } => visitor_upload(&gateway, claims, request).await?,
    };
    Ok(Json(UploadResponse { files }))
}

async fn visitor_upload(
    gateway: &Gateway,
    claims: VisitorClaims,
    request: Request,
) -> Result<Vec<FileRef>, ApiError> {
    let limit = gateway.config.rate_limits.uploads_per_visitor;
    gateway
        .rate_check(&format!("upload:{}", claims.external_id), limit)
        .await?;
    // The quotas of this visitor and of their address: what is left of both, less what
    // other uploads under way hold.
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let address =
        rate_limit::client_address(peer, request.headers(), &gateway.config.trusted_proxies);
    let keys = vec![
        format!("visitor:{}", claims.external_id),
        format!("address:{}", rate_limit::address_key(address)),
    ];
    let limits = [
        gateway.config.rate_limits.upload_bytes_per_day,
        gateway.config.rate_limits.upload_bytes_per_address_per_day,
    ];
    // Held until this upload ends: its declared length, or everything left without one.
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let hold = gateway
        .records
        .hold_upload(
            &gateway.upload_reservations,
            keys.clone(),
            limits.to_vec(),
            declared,
        )
        .await?;
    let left = hold.left;
    let uploaded = upload_within(gateway, &claims, request, keys, left).await;
    hold.release().await;
    uploaded
}

/// The upload itself, within the `left` bytes the quotas leave.
async fn upload_within(
    gateway: &Gateway,
    claims: &VisitorClaims,
    request: Request,
    keys: Vec<String>,
    left: u64,
) -> Result<Vec<FileRef>, ApiError> {
    if left == 0 {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "Today's upload quota is used up; try again tomorrow.",
        ));
    }
    // Checked part by part as it streams through; a refusal is the visitor's answer even
    // when the upstream, its body broken, answered first.
    let (forwarded, checker) = crate::gateway::uploads::checked(request, left).await?;
    let (uploaded, checked) = tokio::join!(gateway.upstream.upload(forwarded), checker);
    let sizes = match checked {
        Ok(Err(crate::gateway::uploads::Stopped::Refused(error))) => return Err(error),
        Err(panicked) => return Err(ApiError::internal(panicked.to_string())),
        Ok(Err(crate::gateway::uploads::Stopped::UpstreamGone)) => Vec::new(),
        Ok(Ok(sizes)) => sizes,
    };
    let files = uploaded?;
    // Only files a visitor uploaded may go into their messages and back to them.
    let recorded = files
        .iter()
        .enumerate()
        .map(|(index, file)| (file.clone(), sizes.get(index).copied().unwrap_or(0)))
        .collect();
    gateway
        .records
        .record_uploads(&claims.external_id, recorded, keys)
        .await?;
    Ok(files)
}

/// `GET /api/v1/connect/assets/<s3Key>`: the raw bytes with their stored type, inline, never
/// sniffed, never able to run script.
pub async fn asset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let caller =
        Caller::with_permission(&state, &headers, &[Permission::Read, Permission::Engage])?;
    let asset = match caller {
        Caller::Key { local, .. } => local.asset(&key).await?,
        Caller::Visitor { gateway, claims } => visitor_asset(&gateway, claims, key).await?,
    };
    Ok(serve_asset(asset))
}

async fn visitor_asset(
    gateway: &Gateway,
    claims: VisitorClaims,
    key: String,
) -> Result<Asset, ApiError> {
    let limit = gateway.config.rate_limits.downloads_per_visitor;
    gateway
        .rate_check(&format!("download:{}", claims.external_id), limit)
        .await?;
    let allowed = gateway
        .records
        .may_download(&claims.external_id, &key)
        .await?;
    if !allowed {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "This file is not part of the visitor's conversation.",
        ));
    }
    gateway.upstream.asset(&key).await
}

fn serve_asset(asset: Asset) -> Response {
    let mut response = asset.body.into_response();
    let h = response.headers_mut();
    let mime = HeaderValue::from_str(&asset.mime_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, mime);
    if let Some(length) = asset.length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    // Names are normalised to [A-Za-z0-9._-] on upload; anything else is not echoed.
    let name: String = asset
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    if let Ok(disposition) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
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
) -> Result<Response, ApiError> {
    let caller = Caller::with_permission(&state, &headers, &[Permission::Engage])?;
    let mut input: AiStreamInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}")))
        .and_then(parse_input)?;
    let body = match caller {
        Caller::Key { local, .. } => Ok(local.ai_stream_body(input)),
        Caller::Visitor { gateway, claims } => {
            let limit = gateway.config.rate_limits.streams_per_visitor;
            gateway
                .rate_check(&format!("stream:{}", claims.external_id), limit)
                .await?;
            if gateway.config.ai_agent.as_deref() != Some(input.agent_id.as_str()) {
                return Err(forbidden("This AI agent is not enabled for visitors."));
            }
            if input
                .sender_id
                .as_ref()
                .is_some_and(|s| *s != claims.customer_id)
            {
                return Err(forbidden(
                    "A visitor streams replies to their own messages only.",
                ));
            }
            gateway
                .require_current_conversation(&claims, &input.conversation_id)
                .await?;
            // The gateway picks what the agent answers: the visitor's own latest message, not
            // whatever the visitor names (a team note, say).
            let answered = gateway
                .visitor_message_to_answer(
                    &claims,
                    &input.conversation_id,
                    input.last_message_id.as_deref(),
                )
                .await?;
            input.last_message_id = Some(answered);
            input.sender_id = Some(claims.customer_id.clone());
            input.channel_id = None;
            gateway.upstream.ai_stream(input).await
        }
    };
    Ok(crate::sse::response(body?))
}

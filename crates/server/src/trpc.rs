//! The tRPC HTTP wire format (`connect360-api.md` §2): `GET ?input=` for queries, JSON `POST`
//! for mutations, `?batch=1` with comma-joined paths, superjson-wrapped inputs (`{json, meta}`)
//! mirrored in the reply, and the success/error envelopes with matching HTTP status.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connect360_model::wire::limits::MAX_JSON_BODY_BYTES;
use connect360_model::wire::{ErrorCode, TrpcSuccess};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::gateway::token::VisitorClaims;
use crate::gateway::Gateway;
use crate::local::is_query;

/// The most calls one batched request may hold (our convention; our clients never batch).
pub const MAX_BATCH_CALLS: usize = 10;

/// One call of a (possibly batched) request.
struct Call {
    path: String,
    input: Value,
    /// The input came wrapped as superjson; the reply is wrapped likewise.
    superjson: bool,
}

/// `GET|POST <mount>/<path>`.
pub async fn handle(
    State(state): State<AppState>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let params: Vec<(String, String)> = query
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let batch = param("batch") == Some("1");

    let calls = match read_calls(&path, batch, &method, param("input"), body).await {
        Ok(calls) => calls,
        Err((error, path)) => return single_error(&error, path.as_deref()),
    };

    let (local, key) = match Caller::of(&state, &headers) {
        Ok(Caller::Key { local, key }) => (local, key),
        Ok(Caller::Visitor { gateway, claims }) => {
            let idempotency_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
            return visitor_calls(&gateway, &claims, &calls, batch, idempotency_key).await;
        }
        Err(error) => {
            let replies: Vec<(Result<Value, ApiError>, &Call)> =
                calls.iter().map(|c| (Err(error.clone()), c)).collect();
            return respond(replies, batch);
        }
    };

    let mut replies = Vec::with_capacity(calls.len());
    for call in &calls {
        let local = local.clone();
        let key = key.clone();
        let (path, input) = (call.path.clone(), call.input.clone());
        let result = tokio::task::spawn_blocking(move || local.call(&key, &path, input))
            .await
            .unwrap_or_else(|e| Err(ApiError::internal(format!("the call failed: {e}"))));
        replies.push((result, call));
    }
    respond(replies, batch)
}

/// Calls made with a visitor token go through the gateway's policy.
async fn visitor_calls(
    gateway: &std::sync::Arc<Gateway>,
    claims: &VisitorClaims,
    calls: &[Call],
    batch: bool,
    idempotency_key: Option<&str>,
) -> Response {
    let mut replies = Vec::with_capacity(calls.len());
    for call in calls {
        // One key names one send: in a batch it would name several.
        let key = idempotency_key.filter(|_| !batch);
        let result = gateway
            .visitor_call(claims, &call.path, call.input.clone(), key)
            .await;
        replies.push((result, call));
    }
    respond(replies, batch)
}

/// Splits the request into calls, checking paths, methods, size and JSON.
async fn read_calls(
    path: &str,
    batch: bool,
    method: &Method,
    query_input: Option<&str>,
    body: Body,
) -> Result<Vec<Call>, (ApiError, Option<String>)> {
    let paths: Vec<&str> = if batch {
        path.split(',').collect()
    } else {
        vec![path]
    };
    // Checked before any path is looked at: a long batch URL costs nothing but this 400.
    if paths.len() > MAX_BATCH_CALLS {
        return Err((
            ApiError::bad_request(format!(
                "A batch holds at most {MAX_BATCH_CALLS} calls; this one has {}.",
                paths.len()
            )),
            None,
        ));
    }
    let mut queries = 0;
    for p in &paths {
        match is_query(p) {
            None => {
                return Err((
                    ApiError::new(ErrorCode::NotFound, format!("No procedure \"{p}\".")),
                    None,
                ))
            }
            Some(true) => queries += 1,
            Some(false) => {}
        }
    }
    let all_queries = queries == paths.len();
    if queries != 0 && !all_queries {
        return Err((
            ApiError::bad_request("A batch holds only queries or only mutations."),
            None,
        ));
    }
    let expected = if all_queries {
        Method::GET
    } else {
        Method::POST
    };
    if *method != expected {
        let message = format!(
            "{} is a {}; use {expected}.",
            paths.join(","),
            if all_queries { "query" } else { "mutation" }
        );
        return Err((
            ApiError::new(ErrorCode::MethodNotSupported, message),
            Some(paths.join(",")),
        ));
    }
    let raw = if all_queries {
        query_input.map(|s| Bytes::copy_from_slice(s.as_bytes()))
    } else {
        let bytes = to_bytes(body, MAX_JSON_BODY_BYTES).await.map_err(|_| {
            (
                ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    "The request body is over 1 MiB.",
                ),
                Some(paths.join(",")),
            )
        })?;
        (!bytes.is_empty()).then_some(bytes)
    };
    let input: Value = match raw {
        None => Value::Null,
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            (
                ApiError::new(
                    ErrorCode::ParseError,
                    format!("The input is not valid JSON: {e}"),
                ),
                Some(paths.join(",")),
            )
        })?,
    };
    if !batch {
        let (input, superjson) = unwrap_superjson(input);
        return Ok(vec![Call {
            path: path.to_owned(),
            input,
            superjson,
        }]);
    }
    let mut items = match input {
        Value::Object(items) => items,
        Value::Null => Default::default(),
        _ => {
            return Err((
                ApiError::bad_request("A batch input is an object keyed \"0\", \"1\", …"),
                None,
            ))
        }
    };
    Ok(paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (input, superjson) =
                unwrap_superjson(items.remove(&i.to_string()).unwrap_or(Value::Null));
            Call {
                path: (*p).to_owned(),
                input,
                superjson,
            }
        })
        .collect())
}

/// `{"json": X, "meta"?: …}` with no other keys is the input `X`.
fn unwrap_superjson(input: Value) -> (Value, bool) {
    match input {
        Value::Object(mut map)
            if map.contains_key("json") && map.keys().all(|k| k == "json" || k == "meta") =>
        {
            (map.remove("json").unwrap_or(Value::Null), true)
        }
        other => (other, false),
    }
}

fn envelope(result: &Result<Value, ApiError>, path: &str, superjson: bool) -> (StatusCode, Value) {
    match result {
        Ok(data) => {
            let data = if superjson {
                json!({ "json": data })
            } else {
                data.clone()
            };
            (
                StatusCode::OK,
                serde_json::to_value(TrpcSuccess::new(data)).unwrap_or(Value::Null),
            )
        }
        Err(error) => {
            let body = serde_json::to_value(error.envelope(Some(path))).unwrap_or(Value::Null);
            let body = if superjson {
                json!({ "error": { "json": body["error"] } })
            } else {
                body
            };
            (error.status(), body)
        }
    }
}

fn respond(replies: Vec<(Result<Value, ApiError>, &Call)>, batch: bool) -> Response {
    if !batch {
        let (result, call) = &replies[0];
        let (status, body) = envelope(result, &call.path, call.superjson);
        let response = (status, Json(body)).into_response();
        return match result {
            Err(error) => error.decorate(response),
            Ok(_) => response,
        };
    }
    let envelopes: Vec<(StatusCode, Value)> = replies
        .iter()
        .map(|(result, call)| envelope(result, &call.path, call.superjson))
        .collect();
    let first = envelopes.first().map_or(StatusCode::OK, |(s, _)| *s);
    let status = if envelopes.iter().all(|(s, _)| *s == first) {
        first
    } else {
        StatusCode::MULTI_STATUS
    };
    let bodies: Vec<Value> = envelopes.into_iter().map(|(_, b)| b).collect();
    (status, Json(Value::Array(bodies))).into_response()
}

/// An error before any call could run (unknown path, wrong method, size, JSON).
fn single_error(error: &ApiError, path: Option<&str>) -> Response {
    let body = serde_json::to_value(error.envelope(path)).unwrap_or(Value::Null);
    error.decorate((error.status(), Json(body)).into_response())
}

//! The gateway's streamed answers, read from a `fetch` body (`EventSource` can neither POST nor
//! send the token in a header): the AI reply as it is written (`connect360-api.md` §4.3) and
//! the conversation's events (`GET /api/widget/events`).

use connect360_model::wire::{
    AiStreamEvent, AiStreamInput, ConversationState, EventsQuery, Message, SseDecoder, SseEvent,
    CONVERSATION_EVENT, MESSAGE_EVENT, READY_EVENT,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStreamDefaultReader, Response};

use super::{reply_of, request_init, send_request, successful, Api, ApiError, Fetch};

/// The gateway pings its event streams this often.
pub const PING_INTERVAL_MS: u32 = 20_000;

/// A live event stream that sends nothing (not even its ping) for this long is taken as held
/// back by a buffering proxy, or dead: it is given up and polling takes over.
pub const STALL_MS: u32 = 45_000;

impl Api {
    /// `POST /api/v1/connect/ai-stream`: the AI reply as it is written. `on_event` gets every
    /// event in order; returns when the stream ends.
    pub async fn ai_stream(
        &self,
        token: &str,
        input: &AiStreamInput,
        mut on_event: impl FnMut(AiStreamEvent),
    ) -> Result<(), ApiError> {
        let body = serde_json::to_string(input).map_err(|_| ApiError::Malformed)?;
        let url = format!("{}/api/v1/connect/ai-stream", self.endpoint);
        // No timeout: the stream lasts as long as the reply is being written.
        let init = request_init(&Fetch {
            method: "POST",
            token: Some(token),
            body: Some(&body),
            ..Fetch::default()
        })?;
        let response = successful(send_request(&url, init).await?)?;
        read_events(response, None, &mut || true, &mut |event: SseEvent| {
            // An event we do not know is skipped, never fatal.
            if let Ok(event) = serde_json::from_str::<AiStreamEvent>(&event.data) {
                on_event(event);
            }
            true
        })
        .await
    }

    /// `GET /api/widget/events`: the conversation's new messages as they are stored, after
    /// `query.after` first. `on_bytes` runs at every chunk (pings included) and returns false
    /// to end the stream; its first call means the stream is up — its first bytes (the
    /// gateway's `: connected`), not its headers, since a proxy that buffers the body passes
    /// headers only. `on_message` gets each
    /// message, and whether it is new (after the `ready` event) rather than catching up, and
    /// returns false to end the stream. Returns when the stream ends (`Ok`: the
    /// server closed it), fails, stalls for [`STALL_MS`], or `abort` is signalled.
    pub async fn events(
        &self,
        token: &str,
        query: &EventsQuery,
        abort: &AbortSignal,
        on_bytes: &mut dyn FnMut() -> bool,
        on_message: &mut dyn FnMut(Message, bool) -> bool,
        on_state: &mut dyn FnMut(ConversationState),
    ) -> Result<(), ApiError> {
        let encode = |s: &str| String::from(js_sys::encode_uri_component(s));
        let mut url = format!(
            "{}/api/widget/events?conversationId={}",
            self.endpoint,
            encode(&query.conversation_id)
        );
        if let Some(after) = &query.after {
            url.push_str("&after=");
            url.push_str(&encode(after));
        }
        if query.active {
            url.push_str("&active=true");
        }
        let init = request_init(&Fetch {
            method: "GET",
            token: Some(token),
            ..Fetch::default()
        })?;
        init.set_signal(Some(abort));
        let response = send_request(&url, init).await?;
        if !response.ok() {
            return Err(reply_of(response).await?.rest_error());
        }
        // Messages before `ready` catch up; those after it are new.
        let mut ready = false;
        read_events(
            response,
            Some(STALL_MS),
            on_bytes,
            &mut |event: SseEvent| {
                match event.event.as_deref() {
                    Some(MESSAGE_EVENT) => match serde_json::from_str::<Message>(&event.data) {
                        Ok(message) => on_message(message, ready),
                        // A message we cannot read is left to the next poll.
                        Err(_) => true,
                    },
                    Some(READY_EVENT) => {
                        ready = true;
                        true
                    }
                    Some(CONVERSATION_EVENT) => {
                        if let Ok(state) = serde_json::from_str(&event.data) {
                            on_state(state);
                        }
                        true
                    }
                    _ => true,
                }
            },
        )
        .await
    }
}

/// Reads `response`'s body as server-sent events until it ends (`Ok`), `on_bytes` (at every
/// chunk) or `on_event` returns false ([`ApiError::Stopped`]), or nothing arrives for
/// `stall_ms` ([`ApiError::Network`]).
async fn read_events(
    response: Response,
    stall_ms: Option<u32>,
    on_bytes: &mut dyn FnMut() -> bool,
    on_event: &mut dyn FnMut(SseEvent) -> bool,
) -> Result<(), ApiError> {
    let reader: ReadableStreamDefaultReader = response
        .body()
        .ok_or(ApiError::Malformed)?
        .get_reader()
        .dyn_into()
        .map_err(|_| ApiError::Malformed)?;
    let mut decoder = SseDecoder::new();
    loop {
        let Some(bytes) = next_chunk(&reader, stall_ms).await? else {
            if let Some(data) = decoder.finish() {
                on_event(SseEvent { event: None, data });
            }
            return Ok(());
        };
        let going = on_bytes() && decoder.feed_events(&bytes).into_iter().all(&mut *on_event);
        if !going {
            let _ = reader.cancel();
            return Err(ApiError::Stopped);
        }
    }
}

/// The next chunk of the body (`None` at its end), or [`ApiError::Network`] when it breaks or
/// sends nothing for `stall_ms`.
async fn next_chunk(
    reader: &ReadableStreamDefaultReader,
    stall_ms: Option<u32>,
) -> Result<Option<Vec<u8>>, ApiError> {
    let read = reader.read();
    let chunk = match stall_ms.and_then(|ms| Some((ms, web_sys::window()?))) {
        None => JsFuture::from(read).await,
        Some((ms, window)) => {
            // A timer that resolves with `undefined` races the read, which resolves with
            // an object: whichever comes first says what happened.
            let mut timer = 0;
            let timeout = js_sys::Promise::new(&mut |resolve, _| {
                timer = window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32)
                    .unwrap_or(0);
            });
            let first =
                JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(&read, &timeout))).await;
            window.clear_timeout_with_handle(timer);
            if matches!(&first, Ok(value) if value.is_undefined()) {
                let _ = reader.cancel();
                return Err(ApiError::Network);
            }
            first
        }
    }
    .map_err(|_| ApiError::Network)?;
    let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
        .map(|d| d.is_truthy())
        .unwrap_or(true);
    if done {
        return Ok(None);
    }
    let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))
        .map_err(|_| ApiError::Malformed)?;
    Ok(Some(js_sys::Uint8Array::new(&value).to_vec()))
}

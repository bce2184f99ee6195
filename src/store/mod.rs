//! The conversation as reactive state, and the tasks that keep it in step with the server:
//! the session (opened on first interaction, resumed from storage, renewed before expiry),
//! the outbox sender (in order, idempotent, retried), and the poller (fast while open, slow
//! while closed, paused while hidden, backing off on errors).
//!
//! Data flows one way: [`crate::api`] → here → `ui`; the UI calls the actions here and never
//! the API.

pub mod alarm;
pub mod announce;
pub mod attachments;
pub mod outbox;
pub mod persist;
pub mod retry;
pub mod transcript;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use connect360_model::wire::{
    CustomerInput, ListMessagesInput, Message, SendAs, SendInput, SenderType, SessionRequest,
};
use connect360_model::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{Map, Value};

use crate::api::{Api, ApiError};
use crate::config::WidgetConfig;
use alarm::{sleep, Alarm};
use outbox::{Delivery, Outbox, OutboxItem, Refusal, SuggestionAnswer};
use persist::{Persisted, StoredSession};
use retry::{
    poll_backoff_ms, poll_gap_remaining_ms, poll_interval_ms, send_retry_delay_ms, SEND_RETRIES,
};
use transcript::{Pending, Transcript};

/// A composer message is at most this long (the widget's own limit).
pub const MAX_MESSAGE_CHARS: usize = 3072;
/// A history page (the API's maximum).
const PAGE_LIMIT: i64 = 100;
/// History loaded at start: at most this many pages (older messages are not fetched).
const MAX_HISTORY_PAGES: usize = 20;
/// An announcement stays in the live region this long (screen readers take it when it is
/// added; it is removed so a visitor browsing the region later does not find stale ones).
const ANNOUNCEMENT_MS: u32 = 3_000;
/// An attachment refusal shows this long unless dismissed or replaced.
const TRAY_NOTICE_MS: u32 = 15_000;
/// An announcement is at most this long.
const ANNOUNCEMENT_MAX_CHARS: usize = 500;

/// Where a suggestion sits, as its answer and a sign-in need to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestionPlace {
    pub message_id: String,
    /// The language of the value it belongs to (the answer goes under the same key).
    pub lang: Lang,
    /// Its path inside the value, e.g. `suggestions[0]`.
    pub path: String,
}

/// A file in the composer's tray.
#[derive(Debug, Clone, PartialEq)]
pub struct TrayFile {
    pub id: u32,
    pub name: String,
    pub size: f64,
    pub state: TrayState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrayState {
    /// Uploading; progress in `[0, 1]`.
    Uploading(f64),
    Ready(connect360_model::wire::FileRef),
    Failed,
}

/// An AI reply while it is being written (`connect360-api.md` §4.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamingReply {
    /// The text so far; empty while the agent is "typing".
    pub text: String,
    /// The stored message's id once the stream is done: the streamed bubble gives way to it.
    pub message_id: Option<String>,
}

/// When [`Chat::session`] asks for a new session.
enum Renew {
    /// Only when there is none or its token is about to expire.
    IfStale,
    /// The server refused this token: unless another task replaced it already.
    Replacing(String),
    /// Always (a new identity).
    Always,
}

/// How the connection to the server is doing, as the visitor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connection {
    /// Nothing asked yet (no interaction, no stored session).
    #[default]
    Idle,
    Connecting,
    Online,
    /// Requests are failing; the widget keeps trying by itself.
    Reconnecting,
}

/// One entry of the live region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: u32,
    pub text: String,
}

/// Why a sign-in did not start.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInError {
    /// This browser did not keep the relay's binding cookie: sign-in cannot run here.
    Unavailable,
    /// Anything else (the network, the gateway refusing the request).
    Failed(ApiError),
}

/// The chat's reactive state and actions; cheap to copy into every component.
#[derive(Clone, Copy)]
pub struct Chat {
    pub transcript: RwSignal<Transcript>,
    pub connection: RwSignal<Connection>,
    /// Incoming messages the visitor has not seen (panel closed or tab hidden).
    pub unread: RwSignal<u32>,
    /// Whether the panel is open.
    pub open: RwSignal<bool>,
    /// The live region's entries, oldest first: each incoming message (with the name its
    /// bubble shows), each one read out as it is added.
    pub announcements: RwSignal<Vec<Announcement>>,
    /// The browser says it has no network (`navigator.onLine`).
    pub offline: RwSignal<bool>,
    /// The history has been loaded once (the transcript is not just empty because loading).
    pub loaded: RwSignal<bool>,
    /// Files chosen for the next message.
    pub tray: RwSignal<Vec<TrayFile>>,
    /// Why the last file was not attached.
    pub tray_notice: RwSignal<Option<String>>,
    /// The AI reply being streamed, if any.
    pub streaming: RwSignal<Option<StreamingReply>>,
    /// The page hid the launcher (`Connect360.hide()`).
    pub launcher_hidden: RwSignal<bool>,
    /// This browser did not keep the sign-in relay's binding cookie: sign-in cannot run here.
    /// Kept here, not in the button, so it outlives the button's re-rendering.
    pub sign_in_unavailable: RwSignal<bool>,
    inner: StoredValue<Rc<Inner>, LocalStorage>,
}

struct Inner {
    api: Api,
    config: WidgetConfig,
    persisted: Persisted,
    session: RefCell<Option<StoredSession>>,
    outbox: RefCell<Outbox>,
    /// Wakes the poller (after a send, on open, when the tab becomes visible).
    poll_alarm: Alarm,
    /// Wakes the sender (a new message, a retry, the network back).
    send_alarm: Alarm,
    started: Cell<bool>,
    /// The visitor (or the page, through the API) engaged since the last logout: until then
    /// no session is opened.
    engaged: Cell<bool>,
    /// A merchant-signed identity from `identify`, sent with the next sessions.
    identity: RefCell<Option<String>>,
    /// A session request is under way.
    opening_session: Cell<bool>,
    /// Counter for local ids within this page.
    sequence: Cell<u32>,
    /// Uploads under way, by tray id, for cancelling.
    uploads: RefCell<Vec<(u32, crate::api::Upload)>>,
    /// The page's listener for the widget's events (the embed loader's `emit`).
    events: RefCell<Option<js_sys::Function>>,
    /// A history walk that a failed page interrupted, resumed where it stopped.
    history_walk: RefCell<Option<HistoryWalk>>,
}

/// How far the history walk of one conversation got: the pages read and the next cursor.
struct HistoryWalk {
    conversation_id: String,
    cursor: Option<String>,
    pages: Vec<Message>,
    pages_read: usize,
}

impl Chat {
    /// The chat for `config`. Nothing is requested until [`Chat::start`], which the UI calls
    /// on the visitor's first interaction, or at once when this browser already has a session
    /// or unsent messages.
    pub fn new(config: WidgetConfig) -> Chat {
        let persisted = Persisted::new(&config.endpoint, &config.channel);
        let outbox = persisted.outbox();
        let session = persisted.session();
        let mut transcript = Transcript::default();
        transcript.set_pending(outbox.items().iter().map(pending_of).collect());
        let resume = session.is_some() || !outbox.is_empty();
        let chat = Chat {
            transcript: RwSignal::new(transcript),
            connection: RwSignal::new(Connection::Idle),
            unread: RwSignal::new(0),
            open: RwSignal::new(false),
            announcements: RwSignal::new(Vec::new()),
            offline: RwSignal::new(browser_offline()),
            loaded: RwSignal::new(false),
            tray: RwSignal::new(Vec::new()),
            tray_notice: RwSignal::new(None),
            streaming: RwSignal::new(None),
            launcher_hidden: RwSignal::new(false),
            sign_in_unavailable: RwSignal::new(false),
            inner: StoredValue::new_local(Rc::new(Inner {
                api: Api::new(&config.endpoint),
                config,
                persisted,
                session: RefCell::new(session),
                outbox: RefCell::new(outbox),
                poll_alarm: Alarm::default(),
                send_alarm: Alarm::default(),
                started: Cell::new(false),
                engaged: Cell::new(false),
                identity: RefCell::new(None),
                opening_session: Cell::new(false),
                sequence: Cell::new(0),
                uploads: RefCell::new(Vec::new()),
                events: RefCell::new(None),
                history_walk: RefCell::new(None),
            })),
        };
        if resume {
            chat.start();
        }
        chat
    }

    /// The non-reactive state; for UI callers, which run only while the widget is mounted.
    fn inner(&self) -> Rc<Inner> {
        self.inner.get_value()
    }

    /// The non-reactive state, for tasks that may outlive the widget (it was unmounted while
    /// a request was in flight): they stop instead of touching disposed state.
    fn alive(&self) -> Result<Rc<Inner>, ApiError> {
        self.inner.try_get_value().ok_or(ApiError::Stopped)
    }

    pub fn config(&self) -> WidgetConfig {
        self.inner().config.clone()
    }

    pub fn lang(&self) -> Lang {
        self.inner().config.lang
    }

    /// Whether the gateway relays sign-in suggestions (else they show their fallback).
    pub fn sign_in_configured(&self) -> bool {
        self.inner()
            .session
            .borrow()
            .as_ref()
            .is_some_and(|s| s.sign_in_configured)
    }

    /// Starts the session, the poller and the sender (once).
    pub fn start(&self) {
        let inner = self.inner();
        inner.engaged.set(true);
        if inner.started.replace(true) {
            inner.poll_alarm.wake();
            return;
        }
        self.connection.set(Connection::Connecting);
        let chat = *self;
        spawn_local(async move { chat.poll_loop().await });
        spawn_local(async move { chat.send_loop().await });
        listen_for_wakeups(*self);
    }

    /// Opens or closes the panel; opening counts as reading everything.
    pub fn set_open(&self, open: bool) {
        if self.open.get_untracked() == open {
            return;
        }
        self.open.set(open);
        self.emit(if open { "open" } else { "close" }, self.state_object());
        if open {
            self.unread.set(0);
            self.start();
            self.inner().poll_alarm.wake();
        }
    }

    /// Shows or hides the launcher (the panel can still be opened through the API).
    pub fn set_launcher_hidden(&self, hidden: bool) {
        self.launcher_hidden.set(hidden);
    }

    /// Makes the visitor the merchant's known customer (`identityToken`, an HS256 JWT the
    /// merchant signed): a new session for that customer, their guest conversations merged.
    pub fn identify(&self, token: &str) {
        *self.inner().identity.borrow_mut() = Some(token.to_owned());
        self.start();
        let chat = *self;
        spawn_local(async move {
            match chat.session(Renew::Always).await {
                Ok(_) => {
                    chat.loaded.try_set(false);
                    chat.emit("identified", chat.state_object());
                }
                Err(error) => chat.emit(
                    "error",
                    js_object(&[("message", Some(error.to_string().into()))]),
                ),
            }
            if let Ok(inner) = chat.alive() {
                inner.poll_alarm.wake();
            }
        });
    }

    /// Forgets the visitor on this browser: session, outbox and transcript; nothing more is
    /// requested until the next interaction, which starts a new visitor.
    pub fn logout(&self) {
        let inner = self.inner();
        inner.engaged.set(false);
        inner.persisted.clear();
        *inner.session.borrow_mut() = None;
        *inner.identity.borrow_mut() = None;
        *inner.outbox.borrow_mut() = Outbox::default();
        self.transcript.set(Transcript::default());
        self.loaded.set(false);
        self.unread.set(0);
        self.streaming.set(None);
        self.connection.set(Connection::Idle);
        self.set_open(false);
    }

    /// Where the widget's events go (`ready`, `open`, `close`, `message`, `sent`, `unread`,
    /// `action`, `identified`, `error`).
    pub fn set_event_sink(&self, sink: js_sys::Function) {
        *self.inner().events.borrow_mut() = Some(sink);
    }

    /// Tells the page about `name` with `detail`; a failing listener never breaks the widget.
    fn emit(&self, name: &str, detail: wasm_bindgen::JsValue) {
        let Ok(inner) = self.alive() else {
            return;
        };
        let sink = inner.events.borrow().clone();
        if let Some(sink) = sink {
            let _ = sink.call2(&wasm_bindgen::JsValue::NULL, &name.into(), &detail);
        }
    }

    /// `{visitorId, conversationId, open, unread}` for the page's script.
    pub fn state_object(&self) -> wasm_bindgen::JsValue {
        let session = self.alive().ok().and_then(|i| i.session.borrow().clone());
        js_object(&[
            (
                "visitorId",
                session.as_ref().map(|s| s.visitor_id.as_str().into()),
            ),
            (
                "conversationId",
                session.as_ref().map(|s| s.conversation_id.as_str().into()),
            ),
            (
                "open",
                Some(self.open.try_get_untracked().unwrap_or(false).into()),
            ),
            (
                "unread",
                Some(self.unread.try_get_untracked().unwrap_or(0).into()),
            ),
        ])
    }

    /// Queues `text` (trimmed; at most [`MAX_MESSAGE_CHARS`]) and shows it as sending. Returns
    /// whether it was accepted.
    pub fn send_text(&self, text: &str) -> bool {
        // Characters the server refuses from anyone (rule C1) are taken out first: pasted text
        // carries bidirectional embeddings the visitor never saw (README, "What is sent").
        let text = connect360_model::validate::without_forbidden_characters(text, true);
        let text = text.trim();
        let files = self.ready_files();
        let Some(files) = files else {
            return false; // an upload is still under way
        };
        if (text.is_empty() && files.is_empty()) || text.chars().count() > MAX_MESSAGE_CHARS {
            return false;
        }
        let id = new_local_id(&self.inner().sequence);
        self.enqueue(id, text.to_owned(), None, files);
        self.tray.set(Vec::new());
        self.tray_notice.set(None);
        true
    }

    /// The uploaded files of the tray; `None` while one is still uploading.
    fn ready_files(&self) -> Option<Vec<connect360_model::wire::FileRef>> {
        self.tray.with_untracked(|tray| {
            let mut ready = Vec::new();
            for file in tray {
                match &file.state {
                    TrayState::Uploading(_) => return None,
                    TrayState::Ready(file) => ready.push(file.clone()),
                    TrayState::Failed => {}
                }
            }
            Some(ready)
        })
    }

    /// Whether the tray holds an upload still under way (sending waits for it).
    pub fn uploading(&self) -> bool {
        self.tray
            .with(|t| t.iter().any(|f| matches!(f.state, TrayState::Uploading(_))))
    }

    /// Checks and uploads files the visitor chose, dropped or pasted; refusals are explained
    /// in [`Chat::tray_notice`] and nothing of them is sent.
    pub fn attach(&self, files: Vec<web_sys::File>) {
        let lang = self.lang();
        for file in files {
            let already = self.tray.with_untracked(Vec::len);
            if let Err(refusal) = attachments::check(&file.type_(), file.size(), already) {
                self.refuse_attachment(crate::i18n::attachment_refusal(
                    &refusal,
                    &file.name(),
                    lang,
                ));
                continue;
            }
            let id = new_sequence(&self.inner().sequence);
            self.tray.update(|t| {
                t.push(TrayFile {
                    id,
                    name: file.name(),
                    size: file.size(),
                    state: TrayState::Uploading(0.0),
                })
            });
            let chat = *self;
            spawn_local(async move { chat.upload(id, file).await });
        }
    }

    async fn upload(&self, id: u32, file: web_sys::File) {
        let set = move |chat: &Chat, state: TrayState| {
            chat.tray.try_update(|t| {
                if let Some(f) = t.iter_mut().find(|f| f.id == id) {
                    f.state = state;
                }
            });
        };
        let Ok(inner) = self.alive() else {
            return;
        };
        let name = file.name();
        let session = match self.session(Renew::IfStale).await {
            Ok(session) => session,
            Err(_) => return set(self, TrayState::Failed),
        };
        let chat = *self;
        let started = inner.api.upload(&session.token, &file, move |progress| {
            set(&chat, TrayState::Uploading(progress));
        });
        let (upload, done) = match started {
            Ok(started) => started,
            Err(_) => return set(self, TrayState::Failed),
        };
        inner.uploads.borrow_mut().push((id, upload));
        let result = done.await;
        inner.uploads.borrow_mut().retain(|(i, _)| *i != id);
        match result {
            Ok(file) => set(self, TrayState::Ready(file)),
            Err(error) => {
                // The gateway's reason, in the visitor's language, where there is one.
                if let ApiError::Http { status, .. } = error {
                    if let Some(refusal) = attachments::server_refusal(status) {
                        self.refuse_attachment(crate::i18n::attachment_refusal(
                            &refusal,
                            &name,
                            inner.config.lang,
                        ));
                    }
                }
                set(self, TrayState::Failed)
            }
        }
    }

    /// Cancels a file's upload (if under way) and takes it out of the tray.
    pub fn remove_attachment(&self, id: u32) {
        let inner = self.inner();
        if let Some((_, upload)) = inner.uploads.borrow().iter().find(|(i, _)| *i == id) {
            upload.cancel();
        }
        self.tray.update(|t| t.retain(|f| f.id != id));
    }

    /// A stored file's bytes, for previews and downloads.
    pub async fn download(&self, s3_key: &str) -> Result<web_sys::Blob, ApiError> {
        self.authorised(|api, session| {
            let key = s3_key.to_owned();
            async move { api.download(&session.token, &key).await }
        })
        .await
    }

    /// A stored file's size in bytes, when the gateway says.
    pub async fn file_size(&self, s3_key: &str) -> Result<Option<f64>, ApiError> {
        self.authorised(|api, session| {
            let key = s3_key.to_owned();
            async move { api.file_size(&session.token, &key).await }
        })
        .await
    }

    /// Posts the answer to a suggestion (`rich-messages.md` §5.7): `text` under the value's
    /// language, `parentId` = the carrying message, at most once per suggestion (its id, and
    /// so its `Idempotency-Key`, is `sr:<parentId>:<path>`). Returns whether it was posted now.
    pub fn answer_suggestion(&self, path: &str, text: &str, answer: SuggestionAnswer) -> bool {
        let id = format!("sr:{}:{path}", answer.parent_id);
        if self.inner().outbox.borrow().contains(&id) {
            return false;
        }
        self.emit(
            "action",
            js_object(&[
                ("messageId", Some(answer.parent_id.as_str().into())),
                ("suggestion", Some(path.into())),
                ("type", Some(answer.kind.as_str().into())),
                ("postbackData", Some(answer.postback_data.as_str().into())),
                ("text", Some(text.into())),
            ]),
        );
        self.enqueue(id, text.to_owned(), Some(answer), Vec::new());
        true
    }

    fn enqueue(
        &self,
        id: String,
        text: String,
        answers: Option<SuggestionAnswer>,
        attachments: Vec<connect360_model::wire::FileRef>,
    ) {
        self.start();
        let item = OutboxItem::new(id, text, js_sys::Date::now(), attachments, answers);
        self.update_outbox(|outbox| outbox.push(item));
        self.inner().send_alarm.wake();
    }

    /// Changes the outbox, the one source of pending state: it is saved, and the pending rows
    /// are drawn from it again. `None` when the widget is gone.
    fn update_outbox<R>(&self, change: impl FnOnce(&mut Outbox) -> R) -> Option<R> {
        let inner = self.alive().ok()?;
        let result = change(&mut inner.outbox.borrow_mut());
        let outbox = inner.outbox.borrow();
        inner.persisted.save_outbox(&outbox);
        let pending = outbox.items().iter().map(pending_of).collect();
        self.transcript.try_update(|t| t.set_pending(pending));
        Some(result)
    }

    /// Says `text` in the live region: added as its own entry (so several at once are all
    /// heard), removed a few seconds later.
    pub fn announce(&self, text: String) {
        let Ok(inner) = self.alive() else {
            return;
        };
        let id = new_sequence(&inner.sequence);
        let text: String = text.chars().take(ANNOUNCEMENT_MAX_CHARS).collect();
        self.announcements
            .try_update(|list| list.push(Announcement { id, text }));
        let chat = *self;
        spawn_local(async move {
            sleep(ANNOUNCEMENT_MS).await;
            chat.announcements
                .try_update(|list| list.retain(|a| a.id != id));
        });
    }

    /// Hides the attachment refusal notice (its dismiss button, or a while after it showed).
    pub fn dismiss_tray_notice(&self) {
        self.tray_notice.try_set(None);
    }

    /// Shows why a file was not attached, for a while or until dismissed.
    fn refuse_attachment(&self, text: String) {
        self.tray_notice.try_set(Some(text.clone()));
        let chat = *self;
        spawn_local(async move {
            sleep(TRAY_NOTICE_MS).await;
            // A newer notice stays for its own while.
            if chat.tray_notice.try_get_untracked().flatten().as_ref() == Some(&text) {
                chat.dismiss_tray_notice();
            }
        });
    }

    /// The authorization URL for the sign-in suggestion at `place` (the gateway re-reads the
    /// suggestion from the stored message), once the gateway confirmed this browser kept the
    /// cookie that binds the sign-in to it.
    pub async fn start_sign_in(&self, place: &SuggestionPlace) -> Result<String, SignInError> {
        let started = self
            .authorised(|api, session| {
                let request = connect360_model::wire::SignInStartRequest {
                    conversation_id: session.conversation_id.clone(),
                    message_id: place.message_id.clone(),
                    lang: place.lang.code().to_owned(),
                    suggestion: place.path.clone(),
                };
                async move { api.start_sign_in(&session.token, &request).await }
            })
            .await
            .map_err(SignInError::Failed)?;
        let bound = self
            .authorised(|api, session| async move { api.sign_in_binding(&session.token).await })
            .await;
        match bound {
            Ok(()) => Ok(started.authorization_url),
            Err(ApiError::Http { status: 403, .. }) => Err(SignInError::Unavailable),
            Err(error) => Err(SignInError::Failed(error)),
        }
    }

    /// Puts a stalled message back in the queue (the visitor's Retry).
    pub fn retry(&self, local_id: &str) {
        self.update_outbox(|outbox| outbox.set_delivery(local_id, Delivery::Queued));
        self.inner().send_alarm.wake();
    }

    /// Drops an unsent message for good.
    pub fn discard(&self, local_id: &str) {
        self.update_outbox(|outbox| outbox.remove(local_id));
    }

    /// A usable session: the stored one while its token is fresh, else a new or resumed one.
    async fn session(&self, renew: Renew) -> Result<StoredSession, ApiError> {
        // One session request at a time: the poller and the sender often need one at once,
        // and two requests would make two visitors.
        let inner = loop {
            let inner = self.alive()?;
            if !inner.opening_session.get() {
                break inner;
            }
            drop(inner);
            sleep(50).await;
        };
        let current = inner.session.borrow().clone();
        if let Some(session) = &current {
            let fresh = session.fresh_at(js_sys::Date::now());
            let reusable = match &renew {
                Renew::IfStale => fresh,
                // Another task may have replaced the refused token while we waited.
                Renew::Replacing(refused) => fresh && session.token != *refused,
                Renew::Always => false,
            };
            if reusable {
                return Ok(session.clone());
            }
        }
        inner.opening_session.set(true);
        let opened = self.open_session(&inner, current.as_ref()).await;
        inner.opening_session.set(false);
        opened
    }

    /// Asks the gateway for a session (resuming `current`'s visitor) and keeps it.
    async fn open_session(
        &self,
        inner: &Inner,
        current: Option<&StoredSession>,
    ) -> Result<StoredSession, ApiError> {
        let request = SessionRequest {
            channel_identifier: inner.config.channel.clone(),
            visitor_id: current.map(|s| s.visitor_id.clone()),
            identity_token: inner.identity.borrow().clone(),
            ..Default::default()
        };
        let opened = inner.api.open_session(&request).await?;
        let expires_at = js_sys::Date::parse(&opened.expires_at);
        let session = StoredSession {
            renew_at: StoredSession::renewal_time(js_sys::Date::now(), expires_at),
            expires_at,
            visitor_id: opened.visitor_id,
            conversation_id: opened.conversation_id,
            token: opened.token,
            identified: opened.identified,
            sign_in_configured: opened.sign_in_configured,
            ai_agent_id: opened.ai_agent_id,
        };
        if current.is_some_and(|c| c.conversation_id != session.conversation_id) {
            // Another conversation (the visitor was forgotten server-side): start over.
            self.transcript.try_update(Transcript::clear_history);
        }
        inner.persisted.save_session(&session);
        *inner.session.borrow_mut() = Some(session.clone());
        Ok(session)
    }

    /// Runs `call` with a fresh token, renewing the session once on a 401.
    async fn authorised<T, F, Fut>(&self, call: F) -> Result<T, ApiError>
    where
        F: Fn(Api, StoredSession) -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let api = self.alive()?.api.clone();
        let session = self.session(Renew::IfStale).await?;
        let refused = session.token.clone();
        match call(api.clone(), session).await {
            Err(error) if error.needs_new_session() => {
                let session = self.session(Renew::Replacing(refused)).await?;
                call(api, session).await
            }
            other => other,
        }
    }

    async fn poll_loop(self) {
        let Ok(alarm) = self.alive().map(|i| i.poll_alarm.clone()) else {
            return;
        };
        let mut failures = 0u32;
        let mut last_poll_at = f64::NEG_INFINITY;
        while let Ok(inner) = self.alive() {
            if !inner.engaged.get() {
                // Logged out: nothing is asked until the visitor engages again.
                drop(inner);
                alarm.sleep(u32::MAX / 2).await;
                continue;
            }
            drop(inner);
            if let Some(ms) = poll_gap_remaining_ms(js_sys::Date::now() - last_poll_at) {
                // Not woken by the alarm: whatever rings meanwhile, this poll covers.
                sleep(ms).await;
            }
            alarm.settle();
            last_poll_at = js_sys::Date::now();
            let outcome = if self.loaded.try_get_untracked().unwrap_or_default() {
                self.poll_once().await
            } else {
                self.load_history().await
            };
            match outcome {
                Ok(()) => {
                    if failures > 0
                        || self.connection.try_get_untracked().unwrap_or_default()
                            != Connection::Online
                    {
                        self.connection.try_set(Connection::Online);
                        // The network is back: what ran out of retries goes out again.
                        self.requeue_failed_by_network();
                    }
                    failures = 0;
                    match poll_interval_ms(
                        self.open.try_get_untracked().unwrap_or_default(),
                        page_visible(),
                    ) {
                        Some(ms) => alarm.sleep(ms).await,
                        // Hidden: wait for the visibility change (or a send) to wake us.
                        None => alarm.sleep(u32::MAX / 2).await,
                    }
                }
                Err(ApiError::Stopped) => return,
                Err(error) => {
                    failures += 1;
                    self.connection.try_set(Connection::Reconnecting);
                    if matches!(&error, ApiError::Http { status: 400, .. }) {
                        // The cursor is no longer valid: reload the history from the start.
                        self.loaded.try_set(false);
                        self.transcript.try_update(Transcript::clear_history);
                        if let Ok(inner) = self.alive() {
                            inner.history_walk.borrow_mut().take();
                        }
                    }
                    alarm
                        .sleep(poll_backoff_ms(failures, &error, js_sys::Math::random()))
                        .await;
                }
            }
        }
    }

    /// Loads the conversation from the start, following `nextCursor`. A page that fails (the
    /// read limit's 429, the network) leaves the walk where it was: the next attempt resumes
    /// from that page instead of starting over, so a long history is read once.
    async fn load_history(&self) -> Result<(), ApiError> {
        loop {
            let conversation_id = self
                .session(Renew::IfStale)
                .await
                .map(|s| s.conversation_id)?;
            let saved = self.alive()?.history_walk.borrow_mut().take();
            let walk = match saved {
                Some(walk) if walk.conversation_id == conversation_id => walk,
                _ => HistoryWalk {
                    conversation_id,
                    cursor: None,
                    pages: Vec::new(),
                    pages_read: 0,
                },
            };
            let done = walk.cursor.is_none() || walk.pages_read >= MAX_HISTORY_PAGES;
            if walk.pages_read > 0 && done {
                let added = self
                    .transcript
                    .try_update(|t| t.merge_listed(walk.pages))
                    .unwrap_or_default();
                self.take_stored(&added);
                self.loaded.try_set(true);
                return Ok(());
            }
            let cursor = walk.cursor.clone();
            let page = self
                .authorised(|api, session| {
                    let input = ListMessagesInput {
                        conversation_id: session.conversation_id.clone(),
                        limit: Some(PAGE_LIMIT),
                        cursor: cursor.clone(),
                    };
                    async move { api.list_messages(&session.token, &input).await }
                })
                .await;
            let inner = self.alive()?;
            match page {
                Ok(page) => {
                    let mut walk = walk;
                    walk.cursor = page.next_cursor;
                    walk.pages.extend(page.items);
                    walk.pages_read += 1;
                    *inner.history_walk.borrow_mut() = Some(walk);
                }
                Err(error) => {
                    *inner.history_walk.borrow_mut() = Some(walk);
                    return Err(error);
                }
            }
        }
    }

    /// One poll from the newest id held (dropping the cursor message), following pages. With
    /// no id held yet (the visitor's first message is still only confirmed, not listed) it
    /// lists from the start, and what it finds is new all the same: an answer that came in
    /// the meantime is announced like any other, not taken in silently as history.
    async fn poll_once(&self) -> Result<(), ApiError> {
        let mut cursor = self
            .transcript
            .try_with_untracked(|t| t.poll_cursor().map(str::to_owned))
            .flatten();
        loop {
            let page = self
                .authorised(|api, session| {
                    let input = ListMessagesInput {
                        conversation_id: session.conversation_id.clone(),
                        limit: Some(PAGE_LIMIT),
                        cursor: cursor.clone(),
                    };
                    async move { api.list_messages(&session.token, &input).await }
                })
                .await?;
            self.receive(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// New messages from the server (a poll): shown once each, counted as unread while the
    /// visitor is not looking, the newest incoming one announced.
    pub fn receive(&self, messages: Vec<Message>) {
        let mut added = Vec::new();
        self.transcript
            .try_update(|t| added = t.merge_listed(messages));
        // The streamed AI reply gives way to its stored message, announced already.
        let streamed = self
            .streaming
            .try_with_untracked(|s| s.as_ref().and_then(|s| s.message_id.clone()))
            .flatten();
        if let Some(id) = streamed {
            if self.transcript.try_with_untracked(|t| t.contains(&id)) == Some(true) {
                self.streaming.try_set(None);
                added.retain(|m| m.id != id);
            }
        }
        self.take_stored(&added);
        self.notice_incoming(&added);
    }

    /// Outbox items the server shows stored among `added` (a poll overtook the send's reply,
    /// or the reply was unreadable) are delivered: shown once, as stored.
    fn take_stored(&self, added: &[Message]) {
        let taken = self
            .update_outbox(|outbox| outbox.stored(added))
            .unwrap_or_default();
        for (item, message_id) in taken {
            self.delivered(&item, message_id);
        }
    }

    /// Counts incoming messages as unread while the visitor is not looking; while they are,
    /// announces each one in the live region (`rich-messages.md` §6), in the name its bubble
    /// shows.
    fn notice_incoming(&self, added: &[Message]) {
        let incoming: Vec<&Message> = added
            .iter()
            .filter(|m| m.sender.kind != SenderType::Customer)
            .collect();
        if incoming.is_empty() {
            return;
        }
        let Ok(lang) = self.alive().map(|i| i.config.lang) else {
            return;
        };
        let sign_in = self.sign_in_configured();
        // Each as its bubble shows it: the page's event and the live region say the same.
        let shown: Vec<_> = incoming
            .into_iter()
            .map(|message| {
                let view = connect360_model::display::view_message(
                    &message.content,
                    connect360_model::validate::Side::Agent,
                    Some(lang),
                    lang,
                    !message.attachments.is_empty(),
                    connect360_model::validate::Options {
                        sign_in_configured: Some(sign_in),
                    },
                );
                (message, view)
            })
            .collect();
        for (message, view) in &shown {
            self.emit(
                "message",
                js_object(&[
                    ("id", Some(message.id.as_str().into())),
                    ("text", Some(announce::shown_text(view, lang).into())),
                    (
                        "sender",
                        Some(announce::shown_name(message, view, lang).into()),
                    ),
                ]),
            );
        }
        let seen = self.open.try_get_untracked().unwrap_or_default() && page_visible();
        if !seen {
            self.unread.try_update(|n| *n += shown.len() as u32);
            let unread = self.unread.try_get_untracked().unwrap_or(0);
            self.emit("unread", js_object(&[("count", Some(unread.into()))]));
            return;
        }
        for (message, view) in &shown {
            self.announce(announce::announcement_of(message, view, lang));
        }
    }

    /// Streams the AI agent's reply to the visitor's message `message_id`: a typing
    /// indicator, the text as it grows, one announcement when done; the stored message then
    /// takes its place (merged by id). Any failure falls back to polling.
    async fn stream_ai_reply(self, message_id: String) {
        let Some(agent) = self.alive().ok().and_then(|i| {
            i.session
                .borrow()
                .as_ref()
                .and_then(|s| s.ai_agent_id.clone())
        }) else {
            return;
        };
        self.streaming.try_set(Some(StreamingReply::default()));
        let result = self
            .authorised(|api, session| {
                let input = connect360_model::wire::AiStreamInput {
                    agent_id: agent.clone(),
                    conversation_id: session.conversation_id.clone(),
                    channel_id: None,
                    last_message_id: Some(message_id.clone()),
                    sender_id: None,
                };
                let chat = self;
                async move {
                    api.ai_stream(&session.token, &input, |event| chat.on_ai_event(event))
                        .await
                }
            })
            .await;
        let finished = self
            .streaming
            .try_with_untracked(|s| s.as_ref().is_some_and(|s| s.message_id.is_some()))
            .unwrap_or(false);
        if result.is_err() || !finished {
            self.streaming.try_set(None);
        }
        if let Ok(inner) = self.alive() {
            inner.poll_alarm.wake();
        }
    }

    fn on_ai_event(&self, event: connect360_model::wire::AiStreamEvent) {
        use connect360_model::wire::AiStreamEvent;
        match event {
            AiStreamEvent::Delta { text, .. } => {
                self.streaming.try_update(|s| {
                    if let Some(s) = s {
                        s.text = text;
                    }
                });
            }
            AiStreamEvent::Done { message_id, text } => {
                if self
                    .transcript
                    .try_with_untracked(|t| t.contains(&message_id))
                    == Some(true)
                {
                    // A poll brought (and announced) the stored reply first.
                    self.streaming.try_set(None);
                    return;
                }
                self.streaming.try_set(Some(StreamingReply {
                    text: text.clone(),
                    message_id: Some(message_id),
                }));
                let Ok(lang) = self.alive().map(|i| i.config.lang) else {
                    return;
                };
                self.announce(format!(
                    "{}: {text}",
                    crate::i18n::Text::Assistant.get(lang)
                ));
            }
            AiStreamEvent::Error { .. } => {
                self.streaming.try_set(None);
            }
        }
    }

    /// Sends the outbox in order, forever.
    async fn send_loop(self) {
        let Ok(alarm) = self.alive().map(|i| i.send_alarm.clone()) else {
            return;
        };
        while let Ok(inner) = self.alive() {
            let next = inner.outbox.borrow().next().cloned();
            drop(inner);
            match next {
                Some(item) => self.deliver(item).await,
                None => alarm.sleep(u32::MAX / 2).await,
            }
        }
    }

    /// Sends one outbox item, retrying what is worth retrying; a refusal is kept with its
    /// reason, and what ran out of retries waits (stalled) for the network or the visitor.
    async fn deliver(&self, item: OutboxItem) {
        let mut retry = 0;
        let config = self.config();
        self.update_outbox(|outbox| outbox.mark_attempted(&item.id));
        loop {
            // Offline, a send cannot succeed: wait for the network (the "online" event wakes
            // the sender) instead of using up its retries.
            while self.offline.try_get_untracked() == Some(true) {
                let Ok(alarm) = self.alive().map(|i| i.send_alarm.clone()) else {
                    return;
                };
                alarm.sleep(u32::MAX / 2).await;
            }
            let result = self
                .authorised(|api, session| {
                    let input = send_input(&item, &session, &config);
                    let key = item.id.clone();
                    async move { api.send(&session.token, &input, &key).await }
                })
                .await;
            // A poll may have shown it stored meanwhile (and delivered it).
            let still_here = self.update_outbox(|outbox| match &result {
                Ok(_) => outbox.remove(&item.id).is_some(),
                Err(_) => outbox.contains(&item.id),
            });
            match (still_here, result) {
                (None, _) | (_, Err(ApiError::Stopped)) | (Some(false), _) => return,
                (Some(true), Ok(message)) => {
                    let message_id = message.id.clone();
                    self.transcript.try_update(|t| t.append([message]));
                    return self.delivered(&item, message_id);
                }
                (Some(true), Err(error)) => {
                    if let Some(refusal) = Refusal::of(&error) {
                        let refused = Delivery::Refused(refusal);
                        self.update_outbox(|outbox| outbox.set_delivery(&item.id, refused));
                        return;
                    }
                    if !error.retryable() || retry >= SEND_RETRIES {
                        // Waits for the visitor's retry, or for the network to come back.
                        self.update_outbox(|o| o.set_delivery(&item.id, Delivery::Stalled));
                        return;
                    }
                    self.connection.try_set(Connection::Reconnecting);
                    sleep(send_retry_delay_ms(retry, &error, js_sys::Math::random())).await;
                    retry += 1;
                }
            }
        }
    }

    /// `item` is stored as `message_id` (by its send's reply or a poll): the page hears of it,
    /// and free text after the opening message gets an AI reply when the site enabled an
    /// agent. The opening message is the greeting's, and suggestion answers go to whatever
    /// offered the suggestions; of several queued messages only the last is answered, once.
    fn delivered(&self, item: &OutboxItem, message_id: String) {
        let Ok(inner) = self.alive() else {
            return;
        };
        // The opening message: nothing else in the thread but this very message.
        let opening = self
            .transcript
            .try_with_untracked(|t| t.messages().iter().all(|m| m.id == message_id))
            .unwrap_or(true);
        self.emit(
            "sent",
            js_object(&[
                ("id", Some(message_id.as_str().into())),
                ("text", Some(item.text.as_str().into())),
            ]),
        );
        inner.poll_alarm.wake();
        let drained = inner.outbox.borrow().next().is_none();
        if item.answers.is_none() && !item.text.is_empty() && !opening && drained {
            let chat = *self;
            spawn_local(async move { chat.stream_ai_reply(message_id).await });
        }
    }

    /// After an outage, messages that only ran out of retries are sent again by themselves;
    /// refused ones are not (defect 1 of #15: they went again after every reconnect).
    fn requeue_failed_by_network(&self) {
        if self.update_outbox(Outbox::requeue_stalled) == Some(true) {
            if let Ok(inner) = self.alive() {
                inner.send_alarm.wake();
            }
        }
    }
}

/// The visitor's `send`: their text under the UI language, as the customer, on the site's
/// channel. The gateway enforces the same; a guest names their own customer, a signed-in
/// visitor is known to the gateway by their token.
fn send_input(item: &OutboxItem, session: &StoredSession, config: &WidgetConfig) -> SendInput {
    let mut content = Map::new();
    let mut parent_id = None;
    match &item.answers {
        None if item.text.is_empty() => {}
        None => {
            content.insert(
                config.lang.code().to_owned(),
                Value::String(item.text.clone()),
            );
        }
        Some(answer) => {
            content.insert(
                answer.lang.clone(),
                serde_json::json!({"text": item.text, "suggestionResponse":
                    {"postbackData": answer.postback_data, "type": answer.kind}}),
            );
            parent_id = Some(answer.parent_id.clone());
        }
    }
    let customer = (!session.identified).then(|| CustomerInput {
        external_id: Some(session.visitor_id.clone()),
        ..Default::default()
    });
    SendInput {
        conversation_id: session.conversation_id.clone(),
        content: (!content.is_empty()).then_some(content),
        attachment_ids: (!item.attachments.is_empty())
            .then(|| item.attachments.iter().map(|f| f.id.clone()).collect()),
        sender: Some(SendAs::Customer),
        customer,
        channel_identifier: Some(config.channel.clone()),
        parent_id,
        ..Default::default()
    }
}

fn pending_of(item: &OutboxItem) -> Pending {
    Pending {
        local_id: item.id.clone(),
        text: item.text.clone(),
        created_at: item.created_at,
        answers: item.answers.clone(),
        files: item.attachments.iter().map(|f| f.name.clone()).collect(),
        state: item.delivery,
    }
}

/// A local id, unique across reloads and tabs: time, a counter and randomness.
/// The next number of this page's sequence (tray files, announcements, local ids).
fn new_sequence(sequence: &Cell<u32>) -> u32 {
    let n = sequence.get().wrapping_add(1);
    sequence.set(n);
    n
}

fn new_local_id(sequence: &Cell<u32>) -> String {
    let n = new_sequence(sequence);
    let random = (js_sys::Math::random() * 1e12) as u64;
    format!("local_{:x}{n:x}{random:x}", js_sys::Date::now() as u64)
}

/// A plain JS object from `(key, value)` pairs; `None` is `null`.
fn js_object(pairs: &[(&str, Option<wasm_bindgen::JsValue>)]) -> wasm_bindgen::JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        let value = value.clone().unwrap_or(wasm_bindgen::JsValue::NULL);
        let _ = js_sys::Reflect::set(&object, &(*key).into(), &value);
    }
    object.into()
}

/// Whether the browser reports no network at all (a `true` `onLine` may still be offline).
fn browser_offline() -> bool {
    web_sys::window().is_some_and(|w| !w.navigator().on_line())
}

fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() != web_sys::VisibilityState::Hidden)
}

/// Polls at once when the tab becomes visible or the network comes back; follows whether the
/// browser is offline.
fn listen_for_wakeups(chat: Chat) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    chat.offline.try_set(browser_offline());
    let wake = Closure::<dyn Fn()>::new(move || {
        // First what the browser says of its network (the header says "offline"; the sender
        // waits while it is), then the tasks: each listener's awaited work runs as soon as it
        // returns, so a separate listener would be too late.
        chat.offline.try_set(browser_offline());
        // A widget that was unmounted (setLocale, a test) leaves its listener behind: it
        // must do nothing then, not touch disposed state.
        if let Ok(inner) = chat.alive() {
            inner.poll_alarm.wake();
            inner.send_alarm.wake();
        }
    });
    let handler = wake.as_ref().unchecked_ref();
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", handler);
    }
    for event in ["online", "offline"] {
        let _ = window.add_event_listener_with_callback(event, handler);
    }
    // The listeners live as long as the page.
    wake.forget();
}

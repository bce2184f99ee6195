//! `GET /api/widget/events`: a visitor's conversation pushed as server-sent events, so a reply
//! reaches the widget as it is stored instead of at its next poll.
//!
//! One *watch* per conversation with a stream open, however many tabs: it reads what is new
//! after the newest message it has seen, through the visitor policy
//! ([`Gateway::visitor_page`]: no team notes, no sign-in codes), and hands each message to that
//! conversation's streams. With the local Connect360 a watch is woken by every stored message
//! ([`crate::upstream::Upstream::changes`]); with a remote one it polls — about every
//! second while a visitor is looking, every ten seconds otherwise, backing off on errors — and
//! it stops when its last stream closes.
//!
//! A stream resumes after `Last-Event-ID` (or `?after=`): what came since is sent first, then
//! the conversation's state (a `conversation` event: has it ended, been rated), then a `ready`
//! event (what follows is new); the state is sent again whenever it changes. It
//! pings every 20 s, ends when its token expires or the conversation stops being the visitor's
//! (checked before every message and at every ping), or when its client stops reading (the
//! widget reconnects), and is never compressed or buffered.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query};
use axum::http::HeaderMap;
use axum::response::Response;
use connect360_model::wire::{
    ConversationState, ErrorCode, EventsQuery, ListMessagesInput, Message, CONVERSATION_EVENT,
    MESSAGE_EVENT, READY_EVENT,
};
use tokio::sync::{broadcast, mpsc, Notify};

use super::rate_limit::{self, OpenStreamLimits};
use super::token::VisitorClaims;
use super::Gateway;
use crate::caller::Visitor;
use crate::clock::now_millis;
use crate::error::ApiError;

/// A comment this often keeps proxies from closing an idle stream and lets the widget tell
/// a live stream from one a proxy holds back.
pub const PING_INTERVAL: Duration = Duration::from_secs(20);
/// Messages a watch keeps for a slow stream; a stream further behind is ended, and resumes
/// from its last event when the widget reconnects.
const WATCH_BACKLOG: usize = 16;
/// Frames queued for one connection.
const STREAM_QUEUE: usize = 8;
/// A client that reads nothing for this long while frames wait is let go.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Pages of 100 one read after a message follows: a resume from further back is refused
/// (the widget catches up through the history and polling, then streams again).
const MAX_READ_PAGES: usize = 20;
/// A remote upstream is polled this often while a visitor is looking, and otherwise.
const ACTIVE_POLL: Duration = Duration::from_secs(1);
const IDLE_POLL: Duration = Duration::from_secs(10);
/// A watch that is woken by its upstream still reads this often, should a wake-up be lost.
const SAFETY_READ: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Ids are opaque but short; anything longer is not one of ours.
const MAX_ID_CHARS: usize = 200;
/// A remote upstream's conversation state (ended, rated) is read at every this many polls
/// (each read is an `updateConversation` that changes nothing); a local one at every wake.
const STATE_EVERY: u32 = 10;

/// What a watch hands its streams (always behind one `Arc`, so its size does not matter);
/// also what replicas sharing their state tell each other ([`super::fanout`]).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "camelCase")]
pub(super) enum WatchEvent {
    Message(Message),
    State(ConversationState),
}
/// With replicas sharing their state, the poller of a conversation holds a lease this long,
/// renewed every [`LEASE_RENEW`]: another replica takes over within seconds of its death.
const LEASE: Duration = Duration::from_secs(3);
const LEASE_RENEW: Duration = Duration::from_secs(1);
/// How long a refused stream should wait before trying again.
const RETRY_SECONDS: u64 = 30;

/// The gateway's open streams and the watches that feed them.
pub struct Live {
    watches: Mutex<HashMap<String, Arc<Watch>>>,
    open: Arc<Mutex<OpenStreams>>,
    /// The process is shutting down: every stream ends (its widget connects again, to
    /// another replica) and no new one opens.
    closing: tokio::sync::watch::Sender<bool>,
    /// Whether this replica hears the others ([`super::fanout`]): until it does, it polls
    /// for its own streams rather than wait for what it would not hear.
    feed_up: AtomicBool,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            watches: Mutex::default(),
            open: Arc::default(),
            closing: tokio::sync::watch::Sender::new(false),
            feed_up: AtomicBool::new(false),
        }
    }
}

/// What one conversation's streams share.
pub(super) struct Watch {
    messages: broadcast::Sender<Arc<WatchEvent>>,
    wake: Notify,
    /// Streams whose visitor is looking: a remote upstream is polled faster for them.
    active: AtomicUsize,
    /// Whether this replica polls for it (always, unless replicas share their state and
    /// another one holds the lease).
    polling: AtomicBool,
    /// The newest message another replica's poller told of: where this one reads on from
    /// if it takes over.
    heard_newest: Mutex<Option<String>>,
    /// Who holds the lease when this watch does: a name of its own, so a watch that ends
    /// never gives up the lease a newer watch of the same conversation holds.
    owner: String,
    /// What the lease keeper last found ([`Gateway::run_lease_keeper`]): this watch holds the
    /// conversation's lease; a visitor looks at it on another replica; Redis did not answer
    /// (then this replica polls for its own streams).
    leading: AtomicBool,
    looked_elsewhere: AtomicBool,
    lease_unknown: AtomicBool,
    /// The messages handed to this watch's streams lately, read here or heard: a message
    /// both read and heard (around a change of poller) reaches the streams once.
    recent: Mutex<RecentIds>,
}

impl Watch {
    /// Whether a visitor is looking at one of its streams here.
    fn looking(&self) -> bool {
        self.active.load(Ordering::Relaxed) > 0
    }

    /// What a lease call found: whether this watch holds the lease, and whether a visitor
    /// looks on another replica. Whether that changed what the watch should do.
    fn learn_lease(&self, held: bool, looked: bool) -> bool {
        let was_held = self.leading.swap(held, Ordering::Relaxed);
        let was_looked = self.looked_elsewhere.swap(looked, Ordering::Relaxed);
        let was_unknown = self.lease_unknown.swap(false, Ordering::Relaxed);
        held != was_held || looked != was_looked || was_unknown
    }

    /// A lease call failed: not known to hold it, the watch polls for itself and tells
    /// nobody. Whether that is new.
    fn lease_not_known(&self) -> bool {
        self.leading.store(false, Ordering::Relaxed);
        !self.lease_unknown.swap(true, Ordering::Relaxed)
    }

    /// Whether `event` is for the streams: not a message handed to them already (read here
    /// and heard from the poller too, around a change of poller).
    fn first_time(&self, event: &WatchEvent) -> bool {
        match event {
            WatchEvent::Message(message) => lock(&self.recent).first_time(&message.id),
            _ => true,
        }
    }
}

/// The last [`RECENT_IDS`] message ids, oldest out first.
#[derive(Default)]
struct RecentIds {
    order: std::collections::VecDeque<String>,
    ids: HashSet<String>,
}

const RECENT_IDS: usize = 256;

impl RecentIds {
    /// Records `id`; false when it was recorded already.
    fn first_time(&mut self, id: &str) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        if self.order.len() == RECENT_IDS {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        self.order.push_back(id.to_owned());
        self.ids.insert(id.to_owned());
        true
    }
}

#[derive(Default)]
struct OpenStreams {
    total: usize,
    by_visitor: HashMap<String, usize>,
    by_address: HashMap<String, usize>,
}

/// One admitted stream; counted until dropped.
struct StreamPermit {
    open: Arc<Mutex<OpenStreams>>,
    visitor: String,
    address: String,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Live {
    /// Ends every stream and refuses new ones (the process is shutting down).
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    /// Whether the process is shutting down.
    pub fn is_closing(&self) -> bool {
        *self.closing.borrow()
    }

    /// Event streams open now.
    pub fn open_streams(&self) -> usize {
        lock(&self.open).total
    }

    /// Conversations with a watch (for a remote upstream: one poller each).
    pub fn watched_conversations(&self) -> usize {
        lock(&self.watches).len()
    }

    /// Conversations this replica polls the upstream for.
    pub fn polled_conversations(&self) -> usize {
        lock(&self.watches)
            .values()
            .filter(|w| w.polling.load(Ordering::Relaxed))
            .count()
    }

    /// Hands `event`, told by the replica polling for `conversation`, to this replica's
    /// streams of it (if any).
    pub(super) fn hear(&self, conversation: &str, event: WatchEvent) {
        let watches = lock(&self.watches);
        // A watch that polls reads for itself (two pollers for a moment: each its own).
        let Some(watch) = watches
            .get(conversation)
            .filter(|w| !w.polling.load(Ordering::Relaxed))
        else {
            return;
        };
        if !watch.first_time(&event) {
            return;
        }
        if let WatchEvent::Message(message) = &event {
            *lock(&watch.heard_newest) = Some(message.id.clone());
        }
        let _ = watch.messages.send(Arc::new(event));
    }

    /// Counts a new stream, or refuses it: 503 when the gateway holds as many as it may, 429
    /// when this visitor or address holds its share.
    fn admit(
        &self,
        visitor: &str,
        address: &str,
        limits: OpenStreamLimits,
    ) -> Result<StreamPermit, ApiError> {
        let mut open = lock(&self.open);
        let refused = |code, message: &str| ApiError {
            retry_after: Some(RETRY_SECONDS),
            ..ApiError::new(code, message)
        };
        if *self.closing.borrow() {
            return Err(refused(
                ErrorCode::ServiceUnavailable,
                "This chat server is shutting down; connect again.",
            ));
        }
        if open.total >= limits.total {
            return Err(refused(
                ErrorCode::ServiceUnavailable,
                "The chat server has as many live connections as it can hold; poll instead.",
            ));
        }
        if open.by_visitor.get(visitor).copied().unwrap_or(0) >= limits.per_visitor {
            return Err(refused(
                ErrorCode::TooManyRequests,
                "This visitor has too many live connections open (one per tab at most a few).",
            ));
        }
        if open.by_address.get(address).copied().unwrap_or(0) >= limits.per_address {
            return Err(refused(
                ErrorCode::TooManyRequests,
                "Too many live connections from this address.",
            ));
        }
        open.total += 1;
        *open.by_visitor.entry(visitor.to_owned()).or_default() += 1;
        *open.by_address.entry(address.to_owned()).or_default() += 1;
        Ok(StreamPermit {
            open: self.open.clone(),
            visitor: visitor.to_owned(),
            address: address.to_owned(),
        })
    }

    /// Wakes the watch of `conversation`, if any stream follows it.
    pub(super) fn wake(&self, conversation: &str) {
        if let Some(watch) = lock(&self.watches).get(conversation) {
            watch.wake.notify_one();
        }
    }

    /// The shared feed is up (or down); either way every watch looks again at once.
    pub(super) fn set_feed_up(&self, up: bool) {
        self.feed_up.store(up, Ordering::Relaxed);
        // Up: the watches that polled for themselves leave it to the pollers; down: every
        // watch polls for itself at once.
        self.wake_all();
    }

    fn wake_all(&self) {
        for watch in lock(&self.watches).values() {
            watch.wake.notify_one();
        }
    }

    /// A receiver on the watch of `conversation`, if one runs.
    fn join(
        &self,
        conversation: &str,
    ) -> Option<(Weak<Watch>, broadcast::Receiver<Arc<WatchEvent>>)> {
        let watches = lock(&self.watches);
        let watch = watches.get(conversation)?;
        Some((Arc::downgrade(watch), watch.messages.subscribe()))
    }

    /// Removes `watch` when no stream follows it any more (checked under the lock streams
    /// join under, so none joins a watch that is going away). Whether it was removed.
    fn retire_if_unfollowed(&self, conversation: &str, watch: &Arc<Watch>) -> bool {
        let mut watches = lock(&self.watches);
        if watch.messages.receiver_count() > 0 {
            return false;
        }
        if watches
            .get(conversation)
            .is_some_and(|w| Arc::ptr_eq(w, watch))
        {
            watches.remove(conversation);
        }
        true
    }

    /// Whether `watch` is the one this replica runs for `conversation`.
    fn is_current(&self, conversation: &str, watch: &Arc<Watch>) -> bool {
        lock(&self.watches)
            .get(conversation)
            .is_some_and(|w| Arc::ptr_eq(w, watch))
    }

    fn remove(&self, conversation: &str, watch: &Arc<Watch>) {
        let mut watches = lock(&self.watches);
        if watches
            .get(conversation)
            .is_some_and(|w| Arc::ptr_eq(w, watch))
        {
            watches.remove(conversation);
        }
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut guard = lock(&self.open);
        let open = &mut *guard;
        open.total -= 1;
        for (map, key) in [
            (&mut open.by_visitor, &self.visitor),
            (&mut open.by_address, &self.address),
        ] {
            if let Some(count) = map.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    map.remove(key);
                }
            }
        }
    }
}

/// Counts a stream as looking for as long as it lives.
struct Looking(Weak<Watch>);

impl Looking {
    fn new(watch: Weak<Watch>) -> Looking {
        if let Some(watch) = watch.upgrade() {
            watch.active.fetch_add(1, Ordering::Relaxed);
        }
        Looking(watch)
    }
}

impl Drop for Looking {
    fn drop(&mut self) {
        if let Some(watch) = self.0.upgrade() {
            watch.active.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

pub async fn events(
    Visitor { gateway, claims }: Visitor,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query
        .map_err(|e| ApiError::bad_request(format!("The query is not valid: {}", e.body_text())))?;
    let last_event = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::bad_request("Last-Event-ID is not a message id."))
        })
        .transpose()?
        .filter(|v| !v.is_empty());
    let after = last_event.or(query.after);
    let bad = |s: &str| s.is_empty() || s.chars().count() > MAX_ID_CHARS;
    if bad(&query.conversation_id) || after.as_deref().is_some_and(bad) {
        return Err(ApiError::bad_request(
            "conversationId and after are ids of 1 to 200 characters.",
        ));
    }
    let limits = gateway.config.rate_limits;
    gateway
        .rate_check(
            &format!("events:{}", claims.external_id),
            limits.event_streams_per_visitor,
        )
        .await?;
    gateway
        .require_own_conversation(&claims, &query.conversation_id)
        .await?;
    let address = rate_limit::address_key(rate_limit::client_address(
        client.ip(),
        &headers,
        &gateway.config.trusted_proxies,
    ));
    let permit = gateway
        .live
        .admit(&claims.external_id, &address, limits.open_streams)?;
    let conversation = query.conversation_id;
    // Joined before the catch-up is read: whatever is stored meanwhile reaches the stream
    // one way or the other (both ways: it is sent once). A remote watch that lags behind
    // `after` may still hand on messages the widget holds; it merges them by id.
    let (watch, receiver) = gateway.follow(&conversation).await?;
    let missed = match &after {
        Some(after) => gateway.messages_after(&conversation, Some(after)).await?,
        None => Vec::new(),
    };
    // Not fatal: without it the stream still carries messages (the watch says the state).
    let state = gateway.conversation_state(&conversation).await.ok();
    let (frames, body) = mpsc::channel::<String>(STREAM_QUEUE);
    // Sent at once, so the widget knows the stream is up before anything happens.
    let _ = frames.try_send(": connected\n\n".into());
    let stream = Stream {
        gateway: gateway.clone(),
        claims,
        conversation,
        frames,
        closing: gateway.live.closing.subscribe(),
        _permit: permit,
        _looking: query.active.then(|| Looking::new(watch.clone())),
        watch,
    };
    tokio::spawn(stream.run(receiver, missed, state));
    let body = tokio_stream::wrappers::ReceiverStream::new(body);
    let body = axum::body::Body::from_stream(tokio_stream::StreamExt::map(body, |frame| {
        Ok::<_, std::convert::Infallible>(frame)
    }));
    Ok(crate::sse::response(body))
}

/// One open stream.
struct Stream {
    gateway: Arc<Gateway>,
    claims: VisitorClaims,
    conversation: String,
    frames: mpsc::Sender<String>,
    watch: Weak<Watch>,
    closing: tokio::sync::watch::Receiver<bool>,
    _permit: StreamPermit,
    _looking: Option<Looking>,
}

impl Stream {
    async fn run(
        self,
        mut receiver: broadcast::Receiver<Arc<WatchEvent>>,
        missed: Vec<Message>,
        state: Option<ConversationState>,
    ) {
        let sent: HashSet<String> = missed.iter().map(|m| m.id.clone()).collect();
        let left = self.claims.expires_at.saturating_sub(now_millis()).max(0) as u64;
        let expiry = tokio::time::sleep(Duration::from_millis(left));
        tokio::pin!(expiry);
        let catch_up = async {
            for message in missed {
                if !Box::pin(self.push(&message)).await {
                    return false;
                }
            }
            // What follows is new, not catching up.
            let said = match &state {
                Some(state) => self.deliver(state_frame(state)).await,
                None => true,
            };
            said && self
                .deliver(format!("event: {READY_EVENT}\ndata: {{}}\n\n"))
                .await
        };
        let mut closing = self.closing.clone();
        let shutdown = async move {
            let _ = closing.wait_for(|closing| *closing).await;
        };
        tokio::pin!(shutdown);
        let mut open = tokio::select! {
            caught_up = catch_up => caught_up,
            () = &mut expiry => false,
            () = &mut shutdown => false,
        };
        let start = tokio::time::Instant::now() + PING_INTERVAL;
        let mut ping = tokio::time::interval_at(start, PING_INTERVAL);
        while open {
            open = tokio::select! {
                received = receiver.recv() => match received.as_deref() {
                    Ok(WatchEvent::Message(message)) if sent.contains(&message.id) => true,
                    // Boxed: an idle stream (most of them) then holds no room for a send.
                    Ok(WatchEvent::Message(message)) => Box::pin(self.push(message)).await,
                    Ok(WatchEvent::State(state)) => {
                        Box::pin(self.still_theirs()).await
                            && self.deliver(state_frame(state)).await
                    }
                    // Too far behind, or the watch is gone: the widget resumes from its last
                    // event on a new stream.
                    Err(_) => false,
                },
                _ = ping.tick() => {
                    Box::pin(self.still_theirs()).await
                        && self.deliver(": ping\n\n".into()).await
                }
                () = &mut expiry => false,
                () = &mut shutdown => false,
                () = self.frames.closed() => false,
            };
        }
        drop(receiver);
        // The watch stops at once if this was its last stream.
        if let Some(watch) = self.watch.upgrade() {
            watch.wake.notify_one();
        }
    }

    /// Whether the conversation is still the visitor's (a merge or a deletion takes it away;
    /// the token's own expiry ends the stream anyway).
    async fn still_theirs(&self) -> bool {
        self.gateway
            .require_own_conversation(&self.claims, &self.conversation)
            .await
            .is_ok()
    }

    /// Sends `message`, if the conversation is still the visitor's (its files become theirs
    /// to download); false when the stream is over.
    async fn push(&self, message: &Message) -> bool {
        if !self.still_theirs().await {
            return false;
        }
        if let Err(error) = self
            .gateway
            .grant_shown_files(&self.claims, std::slice::from_ref(message))
            .await
        {
            tracing::warn!(%error, "an event stream could not grant a message's files");
            return false;
        }
        self.deliver(message_frame(message)).await
    }

    /// Queues `frame` for the connection; false when it is gone, or when the client has read
    /// nothing for [`SEND_TIMEOUT`] (a stalled reader holds no slot, permit or watch).
    async fn deliver(&self, frame: String) -> bool {
        matches!(
            tokio::time::timeout(SEND_TIMEOUT, self.frames.send(frame)).await,
            Ok(Ok(()))
        )
    }
}

/// A conversation's state as an SSE frame (no id: it is not a place to resume from).
fn state_frame(state: &ConversationState) -> String {
    let data = serde_json::to_string(state).unwrap_or_default();
    format!("event: {CONVERSATION_EVENT}\ndata: {data}\n\n")
}

/// `message` as an SSE frame, its id as the event id (left out if it could break the frame).
pub fn message_frame(message: &Message) -> String {
    let data = serde_json::to_string(message).unwrap_or_default();
    if message.id.contains(['\n', '\r']) {
        format!("event: {MESSAGE_EVENT}\ndata: {data}\n\n")
    } else {
        format!(
            "id: {}\nevent: {MESSAGE_EVENT}\ndata: {data}\n\n",
            message.id
        )
    }
}

impl Gateway {
    /// Wakes the watch of each conversation the upstream says changed (a new message, an
    /// update, a deletion); returns at once for an upstream that must be polled.
    pub async fn run_change_feed(self: Arc<Self>) {
        let Some(mut changes) = self.upstream.changes() else {
            return;
        };
        loop {
            match changes.recv().await {
                Ok(conversation) => self.live.wake(&conversation),
                Err(broadcast::error::RecvError::Lagged(_)) => self.live.wake_all(),
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// Joins the watch of `conversation`, starting one from its newest message if none runs.
    async fn follow(
        self: &Arc<Self>,
        conversation: &str,
    ) -> Result<(Weak<Watch>, broadcast::Receiver<Arc<WatchEvent>>), ApiError> {
        if let Some(joined) = self.live.join(conversation) {
            return Ok(joined);
        }
        let newest = self.newest_message_id(conversation).await?;
        let mut watches = lock(&self.live.watches);
        if let Some(watch) = watches.get(conversation) {
            // Another stream started one meanwhile.
            return Ok((Arc::downgrade(watch), watch.messages.subscribe()));
        }
        let watch = Arc::new(Watch {
            messages: broadcast::channel(WATCH_BACKLOG).0,
            wake: Notify::new(),
            active: AtomicUsize::new(0),
            polling: AtomicBool::new(false),
            heard_newest: Mutex::default(),
            owner: crate::clock::random_token(16),
            leading: AtomicBool::new(false),
            looked_elsewhere: AtomicBool::new(false),
            lease_unknown: AtomicBool::new(false),
            recent: Mutex::default(),
        });
        let receiver = watch.messages.subscribe();
        watches.insert(conversation.to_owned(), watch.clone());
        let joined = (Arc::downgrade(&watch), receiver);
        tokio::spawn(
            self.clone()
                .run_watch(conversation.to_owned(), watch, newest),
        );
        Ok(joined)
    }

    /// Reads and hands on what is new after `newest`, until no stream follows. With replicas
    /// sharing their state, only the one holding the conversation's lease reads, and tells
    /// the others; should Redis not answer, each reads for itself rather than go quiet.
    async fn run_watch(
        self: Arc<Self>,
        conversation: String,
        watch: Arc<Watch>,
        mut newest: Option<String>,
    ) {
        let pushed = matches!(self.upstream, crate::upstream::Upstream::Local { .. });
        let shared = self.shared_feed();
        let mut failures = 0u32;
        let mut state = None;
        let mut reads = 0u32;
        let mut next_read = tokio::time::Instant::now();
        let mut state_due = false;
        let mut first_pass = true;
        if let Some(redis) = shared {
            // Asked once now; the lease keeper renews it with every other watch's.
            match redis
                .lead(&[(&conversation, &watch.owner, watch.looking())], LEASE)
                .await
            {
                Ok(found) => {
                    let (held, looked) = found.first().copied().unwrap_or_default();
                    watch.learn_lease(held, looked);
                }
                Err(_) => {
                    watch.lease_not_known();
                }
            }
        }
        loop {
            // Whether this replica holds the lease (so tells the others), whether it polls
            // (the lease, or no word from the others to wait for), and whether a visitor
            // looks at the conversation on another replica.
            let (leading, polling, looked_elsewhere) = match shared {
                None => (true, true, false),
                Some(_) => {
                    let held = watch.leading.load(Ordering::Relaxed);
                    let alone = !self.live.feed_up.load(Ordering::Relaxed)
                        || watch.lease_unknown.load(Ordering::Relaxed);
                    (
                        held,
                        held || alone,
                        watch.looked_elsewhere.load(Ordering::Relaxed),
                    )
                }
            };
            let was_polling = watch.polling.load(Ordering::Relaxed);
            if !was_polling {
                // On from the newest message the poller told of.
                if let Some(heard) = lock(&watch.heard_newest).take() {
                    newest = Some(heard);
                }
            }
            if polling && !was_polling {
                // Taking over: read at once.
                next_read = tokio::time::Instant::now();
                state_due = true;
            }
            watch.polling.store(polling, Ordering::Relaxed);
            if !polling && (was_polling || first_pass) {
                // Listening from now on (what is heard is kept): one last read of its own
                // covers what the poller said before this watch listened. What is both read
                // and heard reaches the streams once.
                let _ = self
                    .read_on(&conversation, &watch, &mut newest, false)
                    .await;
            }
            first_pass = false;
            // A visitor started looking on another replica: no longer the idle pace.
            let soon = tokio::time::Instant::now() + ACTIVE_POLL;
            if looked_elsewhere && failures == 0 && next_read > soon {
                next_read = soon;
            }
            if polling && tokio::time::Instant::now() >= next_read {
                match self
                    .read_on(&conversation, &watch, &mut newest, leading)
                    .await
                {
                    Ok(()) => {
                        failures = 0;
                        if pushed || state_due || reads.is_multiple_of(STATE_EVERY) {
                            state_due = false;
                            if let Ok(now) = Box::pin(self.conversation_state(&conversation)).await
                            {
                                if state != Some(now) {
                                    state = Some(now);
                                    let event = WatchEvent::State(now);
                                    self.hand_on(&conversation, &watch, event, leading).await;
                                }
                            }
                        }
                        reads = reads.wrapping_add(1);
                    }
                    Err(error)
                        if matches!(error.code, ErrorCode::BadRequest | ErrorCode::NotFound) =>
                    {
                        // Its newest message is gone (deleted) or the conversation is: the
                        // streams end, and resume from what each of them holds (or are refused).
                        tracing::info!(%error, conversation, "a watch lost its place");
                        self.live.remove(&conversation, &watch);
                        self.stop_polling(&conversation, &watch).await;
                        return;
                    }
                    Err(error) => {
                        failures += 1;
                        // Its code only: an upstream's message may echo what was asked.
                        tracing::warn!(code = ?error.code, conversation, "a watch could not read");
                    }
                }
                let pause = if failures > 0 {
                    (ACTIVE_POLL * 2u32.saturating_pow(failures.min(5))).min(MAX_BACKOFF)
                } else if pushed {
                    SAFETY_READ
                } else if looked_elsewhere || watch.looking() {
                    ACTIVE_POLL
                } else {
                    IDLE_POLL
                };
                next_read = tokio::time::Instant::now() + pause;
            }
            // A watch that does not poll waits to be woken: by the lease keeper when it takes
            // the lease over, or by its streams.
            let until = if polling {
                next_read
            } else {
                tokio::time::Instant::now() + IDLE_POLL
            };
            tokio::select! {
                () = watch.wake.notified() => {
                    next_read = tokio::time::Instant::now();
                    state_due = true;
                }
                () = tokio::time::sleep_until(until) => {}
            }
            if self.live.retire_if_unfollowed(&conversation, &watch) {
                self.stop_polling(&conversation, &watch).await;
                return;
            }
        }
    }

    /// With replicas sharing their state: renews the leases of every watch of this replica in
    /// one call a second (a thousand at most a call), and wakes a watch whose lease or whose
    /// visitors elsewhere changed, or that must poll for itself while Redis is away.
    pub async fn run_lease_keeper(self: Arc<Self>) {
        let Some(redis) = self.shared_feed().cloned() else {
            return;
        };
        let mut ticks = tokio::time::interval(LEASE_RENEW);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let watches: Vec<(String, Arc<Watch>)> = lock(&self.live.watches)
                .iter()
                .map(|(conversation, watch)| (conversation.clone(), watch.clone()))
                .collect();
            for batch in watches.chunks(1000) {
                let asked: Vec<(&str, &str, bool)> = batch
                    .iter()
                    .map(|(conversation, watch)| {
                        (conversation.as_str(), watch.owner.as_str(), watch.looking())
                    })
                    .collect();
                match redis.lead(&asked, LEASE).await {
                    Ok(found) => {
                        for ((conversation, watch), (held, looked)) in batch.iter().zip(found) {
                            if held && !self.live.is_current(conversation, watch) {
                                // Retired while asked for: the lease goes back at once.
                                let _ = redis.release(conversation, &watch.owner).await;
                                continue;
                            }
                            if watch.learn_lease(held, looked) {
                                watch.wake.notify_one();
                            }
                        }
                    }
                    Err(_) => {
                        for (_, watch) in batch {
                            if watch.lease_not_known() {
                                watch.wake.notify_one();
                            }
                        }
                    }
                }
            }
        }
    }

    /// Reads what is new after `newest` and hands it on (`leading`: to the other replicas
    /// too), moving `newest` along.
    async fn read_on(
        &self,
        conversation: &str,
        watch: &Watch,
        newest: &mut Option<String>,
        leading: bool,
    ) -> Result<(), ApiError> {
        // Boxed: a watch waiting (most of the time) then holds no room for a read.
        let messages = Box::pin(self.messages_after(conversation, newest.as_deref())).await?;
        for message in messages {
            *newest = Some(message.id.clone());
            let event = WatchEvent::Message(message);
            self.hand_on(conversation, watch, event, leading).await;
        }
        Ok(())
    }

    /// Hands `event` to this replica's streams, then, when it holds the lease, to the other
    /// replicas' (not while Redis is away: each polls for itself then).
    async fn hand_on(&self, conversation: &str, watch: &Watch, event: WatchEvent, leading: bool) {
        if !watch.first_time(&event) {
            return;
        }
        let event = Arc::new(event);
        // No stream listening just now is fine: the watch retires.
        let _ = watch.messages.send(event.clone());
        if let Some(redis) = self.shared_feed().filter(|r| leading && !r.is_failing()) {
            super::fanout::tell(redis, conversation, &event).await;
        }
    }

    /// Gives up the lease of a conversation no stream of this watch follows any more.
    async fn stop_polling(&self, conversation: &str, watch: &Watch) {
        if let Some(redis) = self.shared_feed() {
            let _ = redis.release(conversation, &watch.owner).await;
        }
    }

    /// The visible messages after `after` (from the start without it), oldest first.
    async fn messages_after(
        &self,
        conversation: &str,
        after: Option<&str>,
    ) -> Result<Vec<Message>, ApiError> {
        let mut cursor = after.map(str::to_owned);
        let mut messages = Vec::new();
        for _ in 0..MAX_READ_PAGES {
            let page = self
                .visitor_page(ListMessagesInput {
                    conversation_id: conversation.to_owned(),
                    cursor: cursor.clone(),
                    limit: Some(super::history::HISTORY_PAGE as i64),
                })
                .await?;
            // A page starts at its cursor: the message resumed after is not sent again.
            messages.extend(
                page.items
                    .into_iter()
                    .filter(|m| Some(m.id.as_str()) != after),
            );
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(messages),
            }
        }
        Err(ApiError::bad_request(
            "Too many messages since that one to resume from it: load the history first.",
        ))
    }
}

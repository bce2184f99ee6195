//! The conversation as reactive state, and the tasks that keep it in step with the server.
//! `Chat` holds the signals the UI reads and the actions it calls; each behaviour is its own
//! module, adding its part to `impl Chat`:
//!
//! | module          | what it does                                                        |
//! |-----------------|---------------------------------------------------------------------|
//! | `session`       | opens, resumes and renews the session; `identify`, `logout`         |
//! | `availability`  | the team's opening hours in the header, true to the clock           |
//! | `contact`       | the merchant's contact form: when it is asked, sending it           |
//! | `life`          | the chat's end (the visitor's or an agent's) and its rating         |
//! | `chats`         | a new chat after an end; the earlier chats, listed and read         |
//! | `history`       | the newest page at once, older pages as the visitor scrolls back    |
//! | `poller`        | loads the history once, then polls; shows what arrives              |
//! | `live`          | the gateway's event stream; the poller sleeps while it is up        |
//! | `attention`     | the unread count in the page's title, the chime                     |
//! | `receipts`      | the newest message the visitor has seen, reported to the gateway    |
//! | `sender`        | sends the outbox in order, retried and idempotent                   |
//! | `outbox`        | the queued messages: the one source of pending state                |
//! | `delivery`      | where a queued message stands; what a failed attempt leads to       |
//! | `tray`          | the composer's files: checked, uploaded, cancelled                  |
//! | `ai_reply`      | the AI agent's streamed reply                                       |
//! | `sign_in`       | the sign-in relay's authorization URL                               |
//! | `page_events`   | the page's events and the live region                               |
//! | `transcript`    | the messages shown, merged by id, and the pending rows              |
//! | `persist`       | what survives a reload (session, outbox)                            |
//! | `retry`, `alarm`| retry and poll timing; sleeping and waking tasks                    |
//!
//! Data flows one way: [`crate::api`] → here → `ui`; the UI calls the actions here and never
//! the API.

mod ai_reply;
pub mod alarm;
pub mod announce;
pub mod attachments;
pub mod attention;
mod availability;
mod chats;
mod contact;
pub mod delivery;
mod history;
mod life;
mod live;
pub mod outbox;
mod page_events;
pub mod persist;
mod poller;
mod receipts;
pub mod retry;
mod sender;
mod session;
mod sign_in;
pub mod transcript;
mod tray;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use connect360_model::Lang;

use crate::api::{Api, ApiError};
use crate::config::WidgetConfig;
use alarm::Alarm;
use outbox::Outbox;
use persist::{Persisted, StoredSession};
use poller::{browser_offline, listen_for_wakeups};
use sender::pending_of;
use transcript::Transcript;

pub use ai_reply::StreamingReply;
pub use history::OlderLoad;
pub use page_events::Announcement;
pub use sender::MAX_MESSAGE_CHARS;
pub use sign_in::{SignInError, SuggestionPlace};
pub use tray::{TrayFile, TrayState};

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
    /// Fetching the messages before the oldest held.
    pub older_load: RwSignal<OlderLoad>,
    /// Files chosen for the next message.
    pub tray: RwSignal<Vec<TrayFile>>,
    /// Why the last file was not attached.
    pub tray_notice: RwSignal<Option<String>>,
    /// The AI reply being streamed, if any.
    pub streaming: RwSignal<Option<StreamingReply>>,
    /// The page hid the launcher (`Connect360.hide()`).
    pub launcher_hidden: RwSignal<bool>,
    /// Whether the team is in (the merchant's opening hours), as the last session said; none
    /// before a session, or when the merchant set no hours or reply time.
    pub availability: RwSignal<Option<connect360_model::wire::Availability>>,
    /// The merchant's contact form (guests only), as the last session said.
    pub prechat: RwSignal<Option<connect360_model::contact::PrechatForm>>,
    /// The visitor gave their details in this conversation.
    pub contact_given: RwSignal<bool>,
    /// Whether the chat has ended (the visitor's end, an agent's resolve) and been rated.
    pub life: RwSignal<connect360_model::wire::ConversationState>,
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
    /// Wakes the live stream's loop (the history loaded, the network or the tab back).
    live_alarm: Alarm,
    /// Ends the live stream under way.
    live_abort: RefCell<Option<web_sys::AbortController>>,
    /// The live stream is up: the poller need not poll.
    live_up: Cell<bool>,
    /// The live stream told the gateway the visitor was looking.
    live_active: Cell<bool>,
    /// The live stream's loop waits for something to follow (the poller wakes it).
    live_waiting: Cell<bool>,
    /// When the chime last played (Unix milliseconds): a burst chimes once.
    last_chime: Cell<f64>,
    /// The next poll follows a (re)connect of the stream: what it finds is catching up.
    catch_up_poll: Cell<bool>,
    /// The unread count in the page's title.
    title: RefCell<attention::TitleBadge>,
    /// Plays the chime; made on the first one.
    audio: RefCell<Option<web_sys::AudioContext>>,
    /// This tab among the visitor's (which one chimes).
    tab: String,
    /// The seen receipts reported.
    receipts: receipts::Receipts,
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
}

/// The next number of this page's sequence (tray files, announcements, local ids).
fn new_sequence(sequence: &Cell<u32>) -> u32 {
    let n = sequence.get().wrapping_add(1);
    sequence.set(n);
    n
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
        // What a stored session says of the team (the availability loop corrects it if it
        // changed since).
        let availability = session.as_ref().and_then(|s| s.availability.clone());
        let prechat = session.as_ref().and_then(|s| s.prechat.clone());
        let contact_given = session.as_ref().is_some_and(|s| s.contact_given);
        let life = session.as_ref().map(|s| s.conversation).unwrap_or_default();
        let chat = Chat {
            transcript: RwSignal::new(transcript),
            connection: RwSignal::new(Connection::Idle),
            unread: RwSignal::new(0),
            open: RwSignal::new(false),
            announcements: RwSignal::new(Vec::new()),
            offline: RwSignal::new(browser_offline()),
            loaded: RwSignal::new(false),
            older_load: RwSignal::new(OlderLoad::Idle),
            tray: RwSignal::new(Vec::new()),
            tray_notice: RwSignal::new(None),
            streaming: RwSignal::new(None),
            launcher_hidden: RwSignal::new(false),
            availability: RwSignal::new(availability),
            prechat: RwSignal::new(prechat),
            contact_given: RwSignal::new(contact_given),
            life: RwSignal::new(life),
            sign_in_unavailable: RwSignal::new(false),
            inner: StoredValue::new_local(Rc::new(Inner {
                api: Api::new(&config.endpoint),
                config,
                persisted,
                session: RefCell::new(session),
                outbox: RefCell::new(outbox),
                poll_alarm: Alarm::default(),
                send_alarm: Alarm::default(),
                live_alarm: Alarm::default(),
                live_abort: RefCell::new(None),
                live_up: Cell::new(false),
                live_active: Cell::new(false),
                live_waiting: Cell::new(false),
                last_chime: Cell::new(f64::NEG_INFINITY),
                catch_up_poll: Cell::new(false),
                title: RefCell::new(attention::TitleBadge::default()),
                audio: RefCell::new(None),
                tab: format!("{:x}", (js_sys::Math::random() * 1e15) as u64),
                receipts: receipts::Receipts::default(),
                started: Cell::new(false),
                engaged: Cell::new(false),
                identity: RefCell::new(None),
                opening_session: Cell::new(false),
                sequence: Cell::new(0),
                uploads: RefCell::new(Vec::new()),
                events: RefCell::new(None),
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

    /// The panel's title: the merchant's, else the widget's own in the visitor's language.
    pub fn title(&self) -> String {
        let config = &self.inner().config;
        config
            .texts
            .title
            .clone()
            .unwrap_or_else(|| crate::i18n::Text::Title.get(config.lang).to_owned())
    }

    /// Whether the gateway names an AI agent that answers the visitor's free text.
    pub fn has_ai_agent(&self) -> bool {
        self.inner()
            .session
            .borrow()
            .as_ref()
            .is_some_and(|s| s.ai_agent_id.is_some())
    }

    /// Whether the gateway relays sign-in suggestions (else they show their fallback).
    pub fn sign_in_configured(&self) -> bool {
        self.inner()
            .session
            .borrow()
            .as_ref()
            .is_some_and(|s| s.sign_in_configured)
    }

    /// Starts the session, the poller, the live stream and the sender (once).
    pub fn start(&self) {
        let inner = self.inner();
        inner.engaged.set(true);
        if inner.started.replace(true) {
            self.poll_unless_live();
            return;
        }
        self.connection.set(Connection::Connecting);
        let chat = *self;
        spawn_local(async move { chat.poll_loop().await });
        spawn_local(async move { chat.live_loop().await });
        spawn_local(async move { chat.send_loop().await });
        spawn_local(async move { chat.availability_loop().await });
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
            self.visitor_looks();
            self.start();
            self.poll_unless_live();
        }
        self.stream_follows_looking();
    }

    /// Shows or hides the launcher (the panel can still be opened through the API).
    pub fn set_launcher_hidden(&self, hidden: bool) {
        self.launcher_hidden.set(hidden);
    }
}

//! The visitor's session with the gateway: opened on the first interaction, resumed from
//! storage, renewed before its token expires or when the server refuses it; and the two
//! actions that change who the visitor is (`identify`, `logout`).

use connect360_model::wire::SessionRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::alarm::sleep;
use super::outbox::Outbox;
use super::page_events::js_object;
use super::persist::StoredSession;
use super::transcript::Transcript;
use super::{Chat, Connection, Inner};
use crate::api::{Api, ApiError};

/// When [`Chat::session`] asks for a new session.
pub(super) enum Renew {
    /// Only when there is none or its token is about to expire.
    IfStale,
    /// The server refused this token: unless another task replaced it already.
    Replacing(String),
    /// Always (a new identity).
    Always,
}

impl Chat {
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
                    // The stream followed the guest's conversation.
                    chat.drop_stream();
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
        self.drop_stream();
        inner.persisted.clear();
        *inner.session.borrow_mut() = None;
        *inner.identity.borrow_mut() = None;
        *inner.outbox.borrow_mut() = Outbox::default();
        self.transcript.set(Transcript::default());
        self.loaded.set(false);
        self.unread.set(0);
        self.give_back_title();
        self.streaming.set(None);
        self.connection.set(Connection::Idle);
        self.set_open(false);
    }

    /// The conversation the visitor writes in, as the session held now names it.
    pub(super) fn conversation_id(&self) -> Option<String> {
        let inner = self.alive().ok()?;
        let session = inner.session.borrow();
        session.as_ref().map(|s| s.conversation_id.clone())
    }

    /// The visitor writes in another chat than `asked_of` now (a request made for that one
    /// answers for a chat left behind). A request made before any session is for the chat its
    /// session opens.
    pub(super) fn moved_on_from(&self, asked_of: Option<&str>) -> bool {
        asked_of.is_some_and(|asked| self.conversation_id().as_deref() != Some(asked))
    }

    /// A usable session: the stored one while its token is fresh, else a new or resumed one.
    pub(super) async fn session(&self, renew: Renew) -> Result<StoredSession, ApiError> {
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
    pub(super) async fn open_session(
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
        Ok(self.adopt_session(inner, current, opened))
    }

    /// Keeps the session the gateway `opened` (replacing `current`): a session for another
    /// conversation (the visitor was forgotten server-side, signed in, or started a new chat)
    /// starts the transcript over.
    pub(super) fn adopt_session(
        &self,
        inner: &Inner,
        current: Option<&StoredSession>,
        opened: connect360_model::wire::SessionResponse,
    ) -> StoredSession {
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
            trpc_path: opened.trpc_path,
            availability_changes_at: opened
                .availability
                .as_ref()
                .and_then(|a| a.changes_at.as_deref())
                .map(js_sys::Date::parse)
                .filter(|at| at.is_finite())
                .unwrap_or(0.0),
            availability: opened.availability,
            prechat: opened.prechat,
            contact_given: opened.contact_given,
            conversation: opened.conversation,
        };
        if current.is_some_and(|c| c.conversation_id != session.conversation_id) {
            self.transcript.try_update(Transcript::clear_history);
            self.drop_stream();
        }
        inner.persisted.save_session(&session);
        *inner.session.borrow_mut() = Some(session.clone());
        self.availability.try_set(session.availability.clone());
        self.prechat.try_set(session.prechat.clone());
        self.contact_given.try_set(session.contact_given);
        self.life.try_set(session.conversation);
        session
    }

    /// Runs `call` with a fresh token, renewing the session once on a 401.
    pub(super) async fn authorised<T, F, Fut>(&self, call: F) -> Result<T, ApiError>
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
}

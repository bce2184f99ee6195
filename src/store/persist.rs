//! What survives a reload: the visitor's session and the outbox, in `localStorage` under keys
//! scoped by endpoint and channel (two sites, or two widgets, never share a conversation).
//! Storage may be missing or refuse writes (private modes, sandboxed frames): the widget then
//! keeps working from memory.

use connect360_model::wire::Availability;
use serde::{Deserialize, Serialize};
use web_sys::Storage;

use super::outbox::Outbox;

/// A session as kept on this browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSession {
    pub visitor_id: String,
    pub conversation_id: String,
    pub token: String,
    /// Unix milliseconds.
    pub expires_at: f64,
    /// When to renew the token (Unix milliseconds); 0 (a session stored by an older build):
    /// a minute before it expires.
    #[serde(default)]
    pub renew_at: f64,
    /// A merchant-identified customer (not a guest).
    #[serde(default)]
    pub identified: bool,
    #[serde(default)]
    pub sign_in_configured: bool,
    #[serde(default)]
    pub ai_agent_id: Option<String>,
    /// Where the gateway serves tRPC (a session stored by an older build: the default).
    #[serde(default = "default_trpc_path")]
    pub trpc_path: String,
    /// Whether the team was in when the session was issued (the merchant's opening hours).
    #[serde(default)]
    pub availability: Option<Availability>,
    /// When that changes (Unix milliseconds; 0: not soon): the session is renewed then, and
    /// the answer with it.
    #[serde(default)]
    pub availability_changes_at: f64,
    /// The merchant's contact form (`[prechat]`), for guests.
    #[serde(default)]
    pub prechat: Option<connect360_model::contact::PrechatForm>,
    /// The visitor gave their details in this conversation.
    #[serde(default)]
    pub contact_given: bool,
    /// Whether the conversation has ended and been rated.
    #[serde(default)]
    pub conversation: connect360_model::wire::ConversationState,
}

fn default_trpc_path() -> String {
    connect360_model::wire::DEFAULT_TRPC_PATH.to_owned()
}

impl StoredSession {
    /// When a token that expires at `expires_at`, received at `now`, should be renewed: a
    /// minute ahead, or a quarter of its life ahead when it lives less than four minutes.
    pub fn renewal_time(now: f64, expires_at: f64) -> f64 {
        expires_at - (60_000.0f64).min((expires_at - now) / 4.0)
    }

    /// Whether the token can still be used at `now` without renewing it.
    pub fn fresh_at(&self, now: f64) -> bool {
        let renew_at = if self.renew_at > 0.0 {
            self.renew_at
        } else {
            self.expires_at - 60_000.0
        };
        now < renew_at
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persisted {
    prefix: String,
}

impl Persisted {
    pub fn new(endpoint: &str, channel: &str) -> Persisted {
        Persisted {
            prefix: format!("c360:{endpoint}|{channel}:"),
        }
    }

    fn storage() -> Option<Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    fn read(&self, name: &str) -> Option<String> {
        Self::storage()?
            .get_item(&format!("{}{name}", self.prefix))
            .ok()
            .flatten()
    }

    fn write(&self, name: &str, value: Option<&str>) {
        let Some(storage) = Self::storage() else {
            return;
        };
        let key = format!("{}{name}", self.prefix);
        let _ = match value {
            Some(value) => storage.set_item(&key, value),
            None => storage.remove_item(&key),
        };
    }

    pub fn session(&self) -> Option<StoredSession> {
        serde_json::from_str(&self.read("session")?).ok()
    }

    pub fn save_session(&self, session: &StoredSession) {
        if let Ok(json) = serde_json::to_string(session) {
            self.write("session", Some(&json));
        }
    }

    pub fn outbox(&self) -> Outbox {
        self.read("outbox")
            .map(|json| Outbox::from_json(&json))
            .unwrap_or_default()
    }

    /// Saves the outbox; an empty one leaves no key behind.
    pub fn save_outbox(&self, outbox: &Outbox) {
        let json = (!outbox.is_empty()).then(|| outbox.to_json());
        self.write("outbox", json.as_deref());
    }

    /// The tab that chimes for new messages: the one the visitor focused last.
    pub fn sounding_tab(&self) -> Option<String> {
        self.read("sound-tab")
    }

    pub fn claim_sounding_tab(&self, tab: &str) {
        self.write("sound-tab", Some(tab));
    }

    /// Forgets the visitor on this browser.
    pub fn clear(&self) {
        self.write("session", None);
        self.write("outbox", None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_stored_by_an_older_build_uses_the_default_trpc_mount() {
        let stored =
            r#"{"visitorId":"guest_x","conversationId":"conv_x","token":"t","expiresAt":1}"#;
        let session: StoredSession = serde_json::from_str(stored).unwrap();
        assert_eq!(session.trpc_path, "/api/trpc");
    }

    #[test]
    fn tokens_are_renewed_a_minute_ahead_or_a_quarter_of_a_short_life_ahead() {
        assert_eq!(StoredSession::renewal_time(0.0, 900_000.0), 840_000.0);
        assert_eq!(StoredSession::renewal_time(0.0, 20_000.0), 15_000.0);
        let mut session = StoredSession {
            visitor_id: "guest_x".into(),
            conversation_id: "conv_x".into(),
            token: "t".into(),
            expires_at: 900_000.0,
            renew_at: 0.0,
            identified: false,
            sign_in_configured: false,
            ai_agent_id: None,
            trpc_path: "/api/trpc".into(),
            availability: None,
            availability_changes_at: 0.0,
            prechat: None,
            contact_given: false,
            conversation: Default::default(),
        };
        assert!(
            session.fresh_at(839_999.0),
            "an older build's session: a minute ahead"
        );
        assert!(!session.fresh_at(840_000.0));
        session.renew_at = 15_000.0;
        assert!(!session.fresh_at(15_000.0));
    }
}

//! Sign-ins started through the OAuth relay (rich-messages.md §5.8), in SQLite
//! (`migrations/0004_oauth.sql`): kept under the SHA-256 of their `state`, taken once.

use rusqlite::{params, OptionalExtension};

use super::Tx;
use crate::clock::now_millis;
use crate::error::ApiError;
use crate::gateway::records::SignInState;

/// Keeps a sign-in started; expired ones are of no use to anyone and go as new ones come.
pub fn start(tx: &Tx<'_>, state_hash: &str, state: &SignInState) -> Result<(), ApiError> {
    tx.sql.execute(
        "DELETE FROM gateway_oauth_states WHERE expires_at < ?1",
        [now_millis()],
    )?;
    tx.sql.execute(
        "INSERT INTO gateway_oauth_states (state_hash, external_id, conversation_id,
         message_id, suggestion, lang, expires_at, browser_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            state_hash,
            state.external_id,
            state.conversation_id,
            state.message_id,
            state.suggestion,
            state.lang,
            state.expires_at,
            state.browser_hash
        ],
    )?;
    Ok(())
}

/// Whether a sign-in of `external_id` started in this browser is still waiting.
pub fn waiting(tx: &Tx<'_>, browser_hash: &str, external_id: &str) -> Result<bool, ApiError> {
    Ok(tx
        .sql
        .query_row(
            "SELECT 1 FROM gateway_oauth_states WHERE browser_hash = ?1
             AND external_id = ?2 AND used = 0 AND expires_at >= ?3 LIMIT 1",
            params![browser_hash, external_id, now_millis()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Takes the sign-in once, if unexpired and started in this browser.
pub fn take(
    tx: &Tx<'_>,
    state_hash: &str,
    browser_hash: &str,
) -> Result<Option<SignInState>, ApiError> {
    Ok(tx
        .sql
        .query_row(
            "UPDATE gateway_oauth_states SET used = 1
             WHERE state_hash = ?1 AND used = 0 AND expires_at >= ?2 AND browser_hash = ?3
             RETURNING external_id, conversation_id, message_id, suggestion, lang, expires_at",
            params![state_hash, now_millis(), browser_hash],
            |r| {
                Ok(SignInState {
                    external_id: r.get(0)?,
                    conversation_id: r.get(1)?,
                    message_id: r.get(2)?,
                    suggestion: r.get(3)?,
                    lang: r.get(4)?,
                    expires_at: r.get(5)?,
                    browser_hash: browser_hash.to_owned(),
                })
            },
        )
        .optional()?)
}

//! Website channels: an unknown `channelIdentifier` creates one (local-mode convention).

use rusqlite::{params, OptionalExtension};

use super::Tx;
use crate::clock::new_id;
use crate::error::ApiError;

/// The id of the channel named `identifier`, created when unknown.
pub fn ensure(tx: &Tx<'_>, identifier: &str) -> Result<String, ApiError> {
    let existing: Option<String> = tx
        .sql
        .query_row(
            "SELECT id FROM channels WHERE identifier = ?1",
            [identifier],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = new_id("ch");
    tx.sql.execute(
        "INSERT INTO channels (id, identifier, created_at) VALUES (?1, ?2, ?3)",
        params![id, identifier, tx.now()],
    )?;
    Ok(id)
}

/// Whether a channel id exists.
pub fn exists(tx: &Tx<'_>, id: &str) -> Result<bool, ApiError> {
    Ok(tx
        .sql
        .query_row("SELECT 1 FROM channels WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

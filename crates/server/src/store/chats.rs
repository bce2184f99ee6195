//! A visitor's chats (`migrations/0009_chats.sql`): which conversations they started, and the
//! one they write in. Only granted conversations count: a deleted or merged-away chat drops out.

use rusqlite::{params, OptionalExtension};

use super::Tx;
use crate::error::ApiError;

/// Records `conversation_id` as one of the visitor's chats, started at `started_at` (the
/// conversation's `createdAt`; once).
pub fn record(
    tx: &Tx<'_>,
    external_id: &str,
    conversation_id: &str,
    started_at: &str,
) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT OR IGNORE INTO gateway_chats (external_id, conversation_id, started_at)
         VALUES (?1, ?2, ?3)",
        params![external_id, conversation_id, started_at],
    )?;
    Ok(())
}

/// The chat the visitor writes in, while it is still theirs.
pub fn current(tx: &Tx<'_>, external_id: &str) -> Result<Option<String>, ApiError> {
    Ok(tx
        .sql
        .query_row(
            "SELECT c.conversation_id FROM gateway_current_chats c
             JOIN gateway_conversations g
               ON g.external_id = c.external_id AND g.conversation_id = c.conversation_id
             WHERE c.external_id = ?1",
            [external_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Makes `conversation_id` the chat the visitor writes in.
pub fn set_current(tx: &Tx<'_>, external_id: &str, conversation_id: &str) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT INTO gateway_current_chats (external_id, conversation_id) VALUES (?1, ?2)
         ON CONFLICT (external_id) DO UPDATE SET conversation_id = excluded.conversation_id",
        params![external_id, conversation_id],
    )?;
    Ok(())
}

/// Moves the visitor from chat `from` to chat `to`, unless another request moved them first:
/// false then (two tabs starting a new chat at once make one).
pub fn move_current(
    tx: &Tx<'_>,
    external_id: &str,
    from: &str,
    to: &str,
) -> Result<bool, ApiError> {
    let moved = tx.sql.execute(
        "UPDATE gateway_current_chats SET conversation_id = ?3
         WHERE external_id = ?1 AND conversation_id = ?2",
        params![external_id, from, to],
    )?;
    Ok(moved == 1)
}

/// The visitor's chats, newest first: (conversation id, started at), at most `limit`.
pub fn list(
    tx: &Tx<'_>,
    external_id: &str,
    limit: usize,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut statement = tx.sql.prepare(
        "SELECT c.conversation_id, c.started_at FROM gateway_chats c
         JOIN gateway_conversations g
           ON g.external_id = c.external_id AND g.conversation_id = c.conversation_id
         WHERE c.external_id = ?1
         ORDER BY c.started_at DESC, c.rowid DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(params![external_id, limit as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A guest signed in as `known`: the guest's chats become `known`'s earlier chats; `known`
/// goes on writing in their own current chat (the guest's is theirs no more).
pub fn merge_guest_into(tx: &Tx<'_>, guest: &str, known: &str) -> Result<(), ApiError> {
    tx.sql.execute(
        "UPDATE OR IGNORE gateway_chats SET external_id = ?2 WHERE external_id = ?1",
        params![guest, known],
    )?;
    tx.sql
        .execute("DELETE FROM gateway_chats WHERE external_id = ?1", [guest])?;
    tx.sql.execute(
        "DELETE FROM gateway_current_chats WHERE external_id = ?1",
        [guest],
    )?;
    Ok(())
}

/// `conversation_id` was deleted: it is nobody's chat any more.
pub fn forget(tx: &Tx<'_>, conversation_id: &str) -> Result<(), ApiError> {
    tx.sql.execute(
        "DELETE FROM gateway_chats WHERE conversation_id = ?1",
        [conversation_id],
    )?;
    tx.sql.execute(
        "DELETE FROM gateway_current_chats WHERE conversation_id = ?1",
        [conversation_id],
    )?;
    Ok(())
}

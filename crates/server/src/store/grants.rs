//! The gateway's grants: conversations and files a visitor may reach beyond their token's
//! conversation (merged guest conversations; files they uploaded or were shown).

use rusqlite::{params, OptionalExtension};

use super::Tx;
use crate::error::ApiError;

/// Grants `conversation_id` to the visitor; `created_at` is refreshed, so the empty-chat
/// sweep counts from the visitor's latest session, not their first.
pub fn grant_conversation(
    tx: &Tx<'_>,
    external_id: &str,
    conversation_id: &str,
) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT INTO gateway_conversations (external_id, conversation_id, created_at)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (external_id, conversation_id) DO UPDATE SET created_at = excluded.created_at",
        params![external_id, conversation_id, tx.now()],
    )?;
    Ok(())
}

/// Whether this is the first message of `conversation_id` in the away stretch that ends at
/// `back_at` (recorded now, so only one message of a stretch is flagged).
pub fn first_while_away(
    tx: &Tx<'_>,
    conversation_id: &str,
    back_at: i64,
) -> Result<bool, ApiError> {
    let inserted = tx.sql.execute(
        "INSERT OR IGNORE INTO gateway_offline_flags (conversation_id, back_at) VALUES (?1, ?2)",
        params![conversation_id, back_at],
    )?;
    Ok(inserted == 1)
}

/// Takes the one rating of `conversation_id`: false when it was taken already.
pub fn take_rating(tx: &Tx<'_>, conversation_id: &str) -> Result<bool, ApiError> {
    let taken = tx.sql.execute(
        "INSERT OR IGNORE INTO gateway_ratings (conversation_id, rated_at) VALUES (?1, ?2)",
        params![conversation_id, tx.now()],
    )?;
    Ok(taken == 1)
}

/// Gives back a rating whose writing failed, so the visitor can try again.
pub fn give_back_rating(tx: &Tx<'_>, conversation_id: &str) -> Result<(), ApiError> {
    tx.sql.execute(
        "DELETE FROM gateway_ratings WHERE conversation_id = ?1",
        params![conversation_id],
    )?;
    Ok(())
}

/// Forgets the away stretches that ended before `before` (Unix milliseconds), and those named
/// by a two-week period (negative) long past.
pub fn forget_away_stretches_before(tx: &Tx<'_>, before: i64) -> Result<(), ApiError> {
    const TWO_WEEKS: i64 = 14 * 24 * 3_600_000;
    tx.sql.execute(
        "DELETE FROM gateway_offline_flags
         WHERE (back_at >= 0 AND back_at < ?1) OR (back_at < 0 AND -back_at - 1 < ?1 / ?2 - 2)",
        params![before, TWO_WEEKS],
    )?;
    Ok(())
}

/// Undoes [`first_while_away`] for a message that was not stored after all.
pub fn forget_away(tx: &Tx<'_>, conversation_id: &str, back_at: i64) -> Result<(), ApiError> {
    tx.sql.execute(
        "DELETE FROM gateway_offline_flags WHERE conversation_id = ?1 AND back_at = ?2",
        params![conversation_id, back_at],
    )?;
    Ok(())
}

pub fn has_conversation(
    tx: &Tx<'_>,
    external_id: &str,
    conversation_id: &str,
) -> Result<bool, ApiError> {
    Ok(tx
        .sql
        .query_row(
            "SELECT 1 FROM gateway_conversations WHERE external_id = ?1 AND conversation_id = ?2",
            params![external_id, conversation_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Which identified customer the guest `visitor_id` was merged into, if any.
pub fn merged_into(tx: &Tx<'_>, visitor_id: &str) -> Result<Option<String>, ApiError> {
    Ok(tx
        .sql
        .query_row(
            "SELECT external_id FROM gateway_visitors WHERE visitor_id = ?1",
            [visitor_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The guest signed in as `known`: everything the guest could reach becomes `known`'s alone
/// (a guest token of that browser loses it at once), and the guest id is recorded as merged.
pub fn merge_guest_into(tx: &Tx<'_>, guest: &str, known: &str) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT OR IGNORE INTO gateway_visitors (visitor_id, external_id, created_at)
         VALUES (?1, ?2, ?3)",
        params![guest, known, tx.now()],
    )?;
    for table in ["gateway_conversations", "gateway_files"] {
        tx.sql.execute(
            &format!("UPDATE OR IGNORE {table} SET external_id = ?2 WHERE external_id = ?1"),
            params![guest, known],
        )?;
        // Rows `known` already had stay; the guest's duplicates go.
        tx.sql.execute(
            &format!("DELETE FROM {table} WHERE external_id = ?1"),
            [guest],
        )?;
    }
    super::chats::merge_guest_into(tx, guest, known)?;
    Ok(())
}

/// Every visitor loses `conversation_ids` (they were deleted).
pub fn revoke_conversations(tx: &Tx<'_>, conversation_ids: &[String]) -> Result<(), ApiError> {
    for id in conversation_ids {
        tx.sql.execute(
            "DELETE FROM gateway_conversations WHERE conversation_id = ?1",
            [id],
        )?;
        super::history_pages::forget(tx, id)?;
        super::chats::forget(tx, id)?;
    }
    Ok(())
}

/// Every visitor loses `file_ids` (they were deleted).
pub fn revoke_files(tx: &Tx<'_>, file_ids: &[String]) -> Result<(), ApiError> {
    for id in file_ids {
        tx.sql
            .execute("DELETE FROM gateway_files WHERE file_id = ?1", [id])?;
    }
    Ok(())
}

/// Records a file the visitor uploaded (`uploaded`) or was shown in their conversation.
pub fn grant_file(
    tx: &Tx<'_>,
    external_id: &str,
    file_id: &str,
    s3_key: &str,
    uploaded: bool,
) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT INTO gateway_files (external_id, file_id, s3_key, uploaded, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (external_id, file_id) DO UPDATE SET uploaded = MAX(uploaded, excluded.uploaded)",
        params![external_id, file_id, s3_key, uploaded, tx.now()],
    )?;
    Ok(())
}

/// Records a file the visitor uploaded, with its size (it counts against their quota).
pub fn grant_upload(
    tx: &Tx<'_>,
    external_id: &str,
    file: &connect360_model::wire::FileRef,
    size: u64,
) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT INTO gateway_files (external_id, file_id, s3_key, uploaded, created_at, size)
         VALUES (?1, ?2, ?3, 1, ?4, ?5)
         ON CONFLICT (external_id, file_id) DO UPDATE SET uploaded = 1, size = excluded.size",
        params![external_id, file.id, file.s3_key, tx.now(), size as i64],
    )?;
    Ok(())
}

/// The visitor's uploads went into a message: they are kept, not cleaned up.
pub fn mark_attached(tx: &Tx<'_>, external_id: &str, file_ids: &[String]) -> Result<(), ApiError> {
    for id in file_ids {
        tx.sql.execute(
            "UPDATE gateway_files SET attached = 1 WHERE external_id = ?1 AND file_id = ?2",
            params![external_id, id],
        )?;
    }
    Ok(())
}

/// Uploads never attached to a message and older than `before` (Unix milliseconds), at most
/// `limit`: (file id, s3 key).
pub fn unattached_uploads(
    tx: &Tx<'_>,
    before: i64,
    limit: usize,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut statement = tx.sql.prepare(
        "SELECT file_id, s3_key FROM gateway_files
         WHERE uploaded = 1 AND attached = 0 AND created_at < ?1
           AND file_id NOT IN (SELECT file_id FROM gateway_files WHERE attached = 1)
         ORDER BY created_at LIMIT ?2",
    )?;
    let rows = statement.query_map(
        params![crate::clock::format_millis(before), limit as i64],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Guest conversations whose latest session is older than `before` and that have not been
/// found to hold messages, at most `limit`.
pub fn idle_guest_conversations(
    tx: &Tx<'_>,
    before: i64,
    limit: usize,
) -> Result<Vec<String>, ApiError> {
    let mut statement = tx.sql.prepare(
        "SELECT conversation_id FROM gateway_conversations
         WHERE kept = 0 AND created_at < ?1 AND substr(external_id, 1, 6) = 'guest_'
         GROUP BY conversation_id ORDER BY MIN(created_at) LIMIT ?2",
    )?;
    let rows = statement.query_map(
        params![crate::clock::format_millis(before), limit as i64],
        |r| r.get(0),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The conversation holds messages: the empty-chat sweep leaves it alone from now on.
pub fn keep_conversation(tx: &Tx<'_>, conversation_id: &str) -> Result<(), ApiError> {
    tx.sql.execute(
        "UPDATE gateway_conversations SET kept = 1 WHERE conversation_id = ?1",
        [conversation_id],
    )?;
    Ok(())
}

/// Whether the visitor uploaded this file (only those may be attached to their messages).
pub fn uploaded_file(tx: &Tx<'_>, external_id: &str, file_id: &str) -> Result<bool, ApiError> {
    Ok(tx
        .sql
        .query_row(
            "SELECT 1 FROM gateway_files WHERE external_id = ?1 AND file_id = ?2 AND uploaded = 1",
            params![external_id, file_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Whether the visitor may download this asset.
pub fn may_download(tx: &Tx<'_>, external_id: &str, s3_key: &str) -> Result<bool, ApiError> {
    Ok(tx
        .sql
        .query_row(
            "SELECT 1 FROM gateway_files WHERE external_id = ?1 AND s3_key = ?2",
            params![external_id, s3_key],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// What a visitor's `Idempotency-Key` stands for right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotency {
    /// First use: this caller sends and then records the response.
    Claimed,
    /// A send with this key is still in flight.
    InFlight,
    /// Already sent: the first response, as JSON text.
    Done(String),
    /// The key was used for a different request body.
    OtherBody,
}

/// A claim whose send never finished (the process died mid-send) is released after this
/// long, so a retry can send instead of being told "in progress" for a day.
pub const IN_FLIGHT_EXPIRY_MILLIS: i64 = 60_000;

/// Claims `key` for this visitor unless it was used within the last 24 hours; `body_hash`
/// ties a stored reply to the request it answered.
pub fn claim_idempotency_key(
    tx: &Tx<'_>,
    external_id: &str,
    key: &str,
    body_hash: &str,
) -> Result<Idempotency, ApiError> {
    let now = crate::clock::now_millis();
    let cutoff = crate::clock::format_millis(now - 24 * 3_600_000);
    let stuck = crate::clock::format_millis(now - IN_FLIGHT_EXPIRY_MILLIS);
    tx.sql.execute(
        "DELETE FROM gateway_idempotency
         WHERE created_at < ?1 OR (response IS NULL AND created_at < ?2)",
        params![cutoff, stuck],
    )?;
    let inserted = tx.sql.execute(
        "INSERT OR IGNORE INTO gateway_idempotency (external_id, key, created_at, body_hash)
         VALUES (?1, ?2, ?3, ?4)",
        params![external_id, key, tx.now(), body_hash],
    )?;
    if inserted == 1 {
        return Ok(Idempotency::Claimed);
    }
    let (response, stored_hash): (Option<String>, String) = tx.sql.query_row(
        "SELECT response, body_hash FROM gateway_idempotency WHERE external_id = ?1 AND key = ?2",
        params![external_id, key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if !stored_hash.is_empty() && stored_hash != body_hash {
        return Ok(Idempotency::OtherBody);
    }
    Ok(response.map_or(Idempotency::InFlight, Idempotency::Done))
}

/// Records the response of a claimed key, or releases the claim (`None`) after a failure so
/// a retry can send.
pub fn finish_idempotency_key(
    tx: &Tx<'_>,
    external_id: &str,
    key: &str,
    response: Option<&str>,
) -> Result<(), ApiError> {
    match response {
        Some(response) => tx.sql.execute(
            "UPDATE gateway_idempotency SET response = ?3 WHERE external_id = ?1 AND key = ?2",
            params![external_id, key, response],
        )?,
        None => tx.sql.execute(
            "DELETE FROM gateway_idempotency WHERE external_id = ?1 AND key = ?2",
            params![external_id, key],
        )?,
    };
    Ok(())
}

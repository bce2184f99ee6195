//! Messages: insertion and the `listMessages` cursor contract (`connect360-api.md` §3.6):
//! forward paging, inclusive cursor, `nextCursor` = the first id of the next page.

use connect360_model::wire::Content;
use rusqlite::{params, OptionalExtension, Row};
use serde_json::Value;

use super::{json_column, json_text, Tx};
use crate::error::ApiError;

/// A stored message; sender names and file references are filled in by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub id: String,
    pub conversation_id: String,
    pub parent_id: Option<String>,
    pub content: Content,
    pub attachment_ids: Vec<String>,
    pub sender_type: String,
    pub sender_id: String,
    pub flags: Vec<String>,
    pub template_id: Option<String>,
    pub template_context: Option<Value>,
    pub channel_id: Option<String>,
    pub created_at: String,
}

const COLUMNS: &str = "id, conversation_id, parent_id, content, attachment_ids, sender_type, \
                       sender_id, flags, template_id, template_context, channel_id, created_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<MessageRow> {
    let context: Option<String> = row.get(9)?;
    Ok(MessageRow {
        id: row.get(0)?,
        conversation_id: row.get(1)?,
        parent_id: row.get(2)?,
        content: json_column(row.get(3)?),
        attachment_ids: json_column(row.get(4)?),
        sender_type: row.get(5)?,
        sender_id: row.get(6)?,
        flags: json_column(row.get(7)?),
        template_id: row.get(8)?,
        template_context: context.and_then(|c| serde_json::from_str(&c).ok()),
        channel_id: row.get(10)?,
        created_at: row.get(11)?,
    })
}

pub fn insert(tx: &Tx<'_>, message: &MessageRow) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT INTO messages (id, conversation_id, parent_id, content, attachment_ids, sender_type,
             sender_id, flags, template_id, template_context, channel_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            message.id,
            message.conversation_id,
            message.parent_id,
            json_text(&message.content),
            json_text(&message.attachment_ids),
            message.sender_type,
            message.sender_id,
            json_text(&message.flags),
            message.template_id,
            message.template_context.as_ref().map(json_text),
            message.channel_id,
            message.created_at,
        ],
    )?;
    for file in &message.attachment_ids {
        tx.sql.execute(
            "INSERT OR IGNORE INTO message_attachments (file_id, message_id) VALUES (?1, ?2)",
            params![file, message.id],
        )?;
    }
    Ok(())
}

pub fn get(tx: &Tx<'_>, id: &str) -> Result<Option<MessageRow>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM messages WHERE id = ?1");
    Ok(tx.sql.query_row(&sql, [id], from_row).optional()?)
}

/// A page of messages and the id of the first message of the next page.
pub struct Page {
    pub items: Vec<MessageRow>,
    pub next_cursor: Option<String>,
}

/// One page from the start (no cursor) or from the cursor message inclusive. `limit` is
/// already validated (1..=100). Returns the items and `nextCursor`, or `None` when the cursor
/// names no message of this conversation.
pub fn page(
    tx: &Tx<'_>,
    conversation_id: &str,
    cursor: Option<&str>,
    limit: usize,
) -> Result<Option<Page>, ApiError> {
    let start_seq: i64 = match cursor {
        None => 0,
        Some(cursor) => {
            let seq: Option<i64> = tx
                .sql
                .query_row(
                    "SELECT seq FROM messages WHERE id = ?1 AND conversation_id = ?2",
                    params![cursor, conversation_id],
                    |r| r.get(0),
                )
                .optional()?;
            match seq {
                Some(seq) => seq,
                None => return Ok(None),
            }
        }
    };
    // created_at is monotonic in seq (stamped under the write lock), so seq order is the
    // documented (createdAt, insertion order) order.
    let sql = format!(
        "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 AND seq >= ?2
         ORDER BY seq LIMIT ?3"
    );
    let mut statement = tx.sql.prepare(&sql)?;
    let mut items: Vec<MessageRow> = statement
        .query_map(
            params![conversation_id, start_seq, limit as i64 + 1],
            from_row,
        )?
        .collect::<Result<_, _>>()?;
    let next_cursor = if items.len() > limit {
        items.pop().map(|m| m.id)
    } else {
        None
    };
    Ok(Some(Page { items, next_cursor }))
}

/// The newest message of a conversation (the console's list).
pub fn latest(tx: &Tx<'_>, conversation_id: &str) -> Result<Option<MessageRow>, ApiError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY seq DESC LIMIT 1"
    );
    Ok(tx
        .sql
        .query_row(&sql, [conversation_id], from_row)
        .optional()?)
}

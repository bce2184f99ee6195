//! Conversations: rows, lookups for the reuse rules, updates and recursive deletion.

use connect360_model::wire::{Conversation, ConversationType, Json};
use rusqlite::{params, OptionalExtension, Row};

use super::{json_column, json_text, Tx};
use crate::error::ApiError;

const COLUMNS: &str = "id, name, type, parent_id, customer_id, member_ids, channel_ids, \
                       channel_identifier, metadata, created_at, updated_at";

/// [`COLUMNS`] prefixed with a table alias, for joins.
fn qualified_columns(alias: &str) -> String {
    COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Conversation> {
    let kind: String = row.get(2)?;
    Ok(Conversation {
        id: row.get(0)?,
        name: row.get(1)?,
        kind: if kind == "GROUP" {
            ConversationType::Group
        } else {
            ConversationType::Direct
        },
        parent_id: row.get(3)?,
        customer_id: row.get(4)?,
        member_ids: json_column(row.get(5)?),
        channel_ids: json_column(row.get(6)?),
        channel_identifier: row.get(7)?,
        metadata: json_column(row.get(8)?),
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
    })
}

fn kind_text(kind: ConversationType) -> &'static str {
    match kind {
        ConversationType::Direct => "DIRECT",
        ConversationType::Group => "GROUP",
    }
}

pub fn get(tx: &Tx<'_>, id: &str) -> Result<Option<Conversation>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM conversations WHERE id = ?1");
    Ok(tx.sql.query_row(&sql, [id], from_row).optional()?)
}

/// The conversation `id`, or 404.
pub fn require(tx: &Tx<'_>, id: &str) -> Result<Conversation, ApiError> {
    get(tx, id)?.ok_or_else(|| ApiError::not_found("Conversation"))
}

/// The customer's oldest top-level conversation.
pub fn oldest_top_level_of_customer(
    tx: &Tx<'_>,
    customer_id: &str,
) -> Result<Option<Conversation>, ApiError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM conversations WHERE customer_id = ?1 AND parent_id IS NULL
         ORDER BY seq LIMIT 1"
    );
    Ok(tx.sql.query_row(&sql, [customer_id], from_row).optional()?)
}

/// The oldest top-level conversation without customer whose members are exactly `members`.
pub fn top_level_with_members(
    tx: &Tx<'_>,
    members: &[String],
) -> Result<Option<Conversation>, ApiError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM conversations WHERE customer_id IS NULL AND parent_id IS NULL ORDER BY seq"
    );
    let mut statement = tx.sql.prepare(&sql)?;
    let mut wanted = members.to_vec();
    wanted.sort();
    for conversation in statement.query_map([], from_row)? {
        let conversation = conversation?;
        let mut have = conversation.member_ids.clone();
        have.sort();
        if have == wanted {
            return Ok(Some(conversation));
        }
    }
    Ok(None)
}

pub fn insert(tx: &Tx<'_>, conversation: &Conversation) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT INTO conversations (id, name, type, parent_id, customer_id, member_ids, channel_ids,
             channel_identifier, metadata, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            conversation.id,
            conversation.name,
            kind_text(conversation.kind),
            conversation.parent_id,
            conversation.customer_id,
            json_text(&conversation.member_ids),
            json_text(&conversation.channel_ids),
            conversation.channel_identifier,
            json_text(&conversation.metadata),
            conversation.created_at,
            conversation.updated_at,
        ],
    )?;
    Ok(())
}

/// Writes back the mutable fields (name, parent, customer, metadata, updatedAt).
pub fn save(tx: &Tx<'_>, conversation: &Conversation) -> Result<(), ApiError> {
    tx.sql.execute(
        "UPDATE conversations SET name = ?2, parent_id = ?3, customer_id = ?4, metadata = ?5,
             updated_at = ?6 WHERE id = ?1",
        params![
            conversation.id,
            conversation.name,
            conversation.parent_id,
            conversation.customer_id,
            json_text(&conversation.metadata),
            conversation.updated_at,
        ],
    )?;
    Ok(())
}

/// Whether `candidate` is `id` itself or one of its descendants.
pub fn is_self_or_descendant(tx: &Tx<'_>, id: &str, candidate: &str) -> Result<bool, ApiError> {
    let found: Option<i64> = tx
        .sql
        .query_row(
            "WITH RECURSIVE tree(id) AS (
                 SELECT ?1 UNION SELECT c.id FROM conversations c JOIN tree ON c.parent_id = tree.id)
             SELECT 1 FROM tree WHERE id = ?2",
            params![id, candidate],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.is_some())
}

/// The conversation and all its descendants' ids.
pub fn self_and_descendants(tx: &Tx<'_>, id: &str) -> Result<Vec<String>, ApiError> {
    let mut statement = tx.sql.prepare(
        "WITH RECURSIVE tree(id) AS (
             SELECT ?1 UNION SELECT c.id FROM conversations c JOIN tree ON c.parent_id = tree.id)
         SELECT id FROM tree",
    )?;
    let rows = statement.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every file id the messages of `conversation_ids` attach.
pub fn attachment_ids(tx: &Tx<'_>, conversation_ids: &[String]) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::new();
    let mut statement = tx.sql.prepare(
        "SELECT DISTINCT a.file_id FROM messages m
         JOIN message_attachments a ON a.message_id = m.id WHERE m.conversation_id = ?1",
    )?;
    for conversation in conversation_ids {
        for id in statement.query_map([conversation], |r| r.get::<_, String>(0))? {
            ids.push(id?);
        }
    }
    Ok(ids)
}

/// Deletes a conversation; its messages and sub-conversations go with it (foreign keys
/// cascade). Returns false when there was no such conversation.
pub fn delete(tx: &Tx<'_>, id: &str) -> Result<bool, ApiError> {
    Ok(tx
        .sql
        .execute("DELETE FROM conversations WHERE id = ?1", [id])?
        > 0)
}

/// Conversations that a guest claim may take over (`connect360-api.md` §3.7). Three indexed
/// lookups, not a scan: a claim runs on every sign-in, under the store's one lock. A
/// fingerprint never pulls in a customer known under another `externalId` (an identified
/// customer whose browser someone else signs in on later).
pub fn claim_candidates(
    tx: &Tx<'_>,
    guest_external_id: Option<&str>,
    guest_conversation_id: Option<&str>,
    fingerprint: &str,
) -> Result<Vec<Conversation>, ApiError> {
    let sql = claim_sql();
    let mut statement = tx.sql.prepare(&sql)?;
    let rows = statement.query_map(
        params![guest_external_id, guest_conversation_id, fingerprint],
        from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn claim_sql() -> String {
    let columns = qualified_columns("c");
    format!(
        "SELECT {columns} FROM conversations c WHERE c.seq IN (
             SELECT c1.seq FROM customers cu JOIN conversations c1 ON c1.customer_id = cu.id
              WHERE ?1 IS NOT NULL AND cu.external_id = ?1
             UNION SELECT c2.seq FROM conversations c2 WHERE ?2 IS NOT NULL AND c2.id = ?2
             UNION SELECT c3.seq FROM customers cu JOIN conversations c3 ON c3.customer_id = cu.id
              WHERE json_extract(cu.metadata, '$.fingerprint') = ?3
                AND (cu.external_id IS NULL OR cu.external_id = ?1))
         ORDER BY c.seq"
    )
}

/// The conversations that hold a message or the visitor's contact details, newest activity
/// first (the console: a visitor who only opened the panel is not a conversation for the team
/// yet; one who left an e-mail while the team was away is).
pub fn list_recent(tx: &Tx<'_>, limit: usize) -> Result<Vec<Conversation>, ApiError> {
    let columns = qualified_columns("c");
    let sql = format!(
        "SELECT {columns} FROM conversations c
         LEFT JOIN (SELECT conversation_id, MAX(seq) AS last FROM messages GROUP BY conversation_id) m
           ON m.conversation_id = c.id
         WHERE m.last IS NOT NULL OR json_extract(c.metadata, '$.visitorContact') IS NOT NULL
         ORDER BY COALESCE(m.last, 0) DESC, c.seq DESC LIMIT ?1"
    );
    let mut statement = tx.sql.prepare(&sql)?;
    let rows = statement.query_map([limit as i64], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn new_metadata(input: Option<&Json>) -> Json {
    input.cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_looks_customers_up_by_index_never_by_scanning() {
        let store = crate::store::Store::in_memory().unwrap();
        let plan: Vec<String> = store
            .transaction(|tx| {
                let mut statement = tx
                    .sql
                    .prepare(&format!("EXPLAIN QUERY PLAN {}", claim_sql()))?;
                let rows = statement.query_map(params!["guest_a", "conv_a", "guest_a"], |r| {
                    r.get::<_, String>(3)
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("customers_by_fingerprint"), "{plan}");
        assert!(plan.contains("customers_by_external_id"), "{plan}");
        assert!(!plan.contains("SCAN cu"), "{plan}");
    }
}

//! The gateway's index of history pages: where each page of a conversation starts
//! (`migrations/0006_history.sql`).

use rusqlite::params;

use super::Tx;
use crate::error::ApiError;

/// The start of pages 1, 2, … of `conversation_id` (page 0 starts at the first message).
pub fn page_starts(tx: &Tx<'_>, conversation_id: &str) -> Result<Vec<String>, ApiError> {
    let mut statement = tx.sql.prepare(
        "SELECT cursor FROM gateway_history_pages WHERE conversation_id = ?1 ORDER BY page",
    )?;
    let starts = statement
        .query_map([conversation_id], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(starts)
}

/// Records that page `page` (from 1) starts at `cursor`. Pages are a pure function of the
/// conversation, so two walks at once write the same rows: the first one stays.
pub fn record_page_start(
    tx: &Tx<'_>,
    conversation_id: &str,
    page: usize,
    cursor: &str,
) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT OR IGNORE INTO gateway_history_pages (conversation_id, page, cursor)
         VALUES (?1, ?2, ?3)",
        params![conversation_id, page as i64, cursor],
    )?;
    Ok(())
}

/// Forgets the index of `conversation_id` (it was deleted, or its upstream no longer knows a
/// cursor): the next visitor builds it again.
pub fn forget(tx: &Tx<'_>, conversation_id: &str) -> Result<(), ApiError> {
    tx.sql.execute(
        "DELETE FROM gateway_history_pages WHERE conversation_id = ?1",
        [conversation_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn pages_come_back_in_order_and_a_repeat_keeps_the_first() {
        let store = Store::in_memory().unwrap();
        store
            .transaction(|tx| {
                record_page_start(tx, "conv_a", 2, "msg_c")?;
                record_page_start(tx, "conv_a", 1, "msg_b")?;
                record_page_start(tx, "conv_a", 1, "msg_x")?;
                record_page_start(tx, "conv_b", 1, "msg_z")?;
                assert_eq!(page_starts(tx, "conv_a")?, ["msg_b", "msg_c"]);
                forget(tx, "conv_a")?;
                assert!(page_starts(tx, "conv_a")?.is_empty());
                assert_eq!(page_starts(tx, "conv_b")?, ["msg_z"]);
                Ok(())
            })
            .unwrap();
    }
}

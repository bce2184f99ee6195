//! The gateway's grants: conversations and files a visitor may reach beyond their token's
//! conversation (merged guest conversations; files they uploaded or were shown).

use rusqlite::{params, OptionalExtension};

use super::Tx;
use crate::error::ApiError;

pub fn grant_conversation(
    tx: &Tx<'_>,
    external_id: &str,
    conversation_id: &str,
) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT OR IGNORE INTO gateway_conversations (external_id, conversation_id, created_at)
         VALUES (?1, ?2, ?3)",
        params![external_id, conversation_id, tx.now()],
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

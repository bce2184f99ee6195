//! Uploaded files' metadata (the bytes live in the data dir, `files/<id>`).

use connect360_model::wire::FileRef;
use rusqlite::{params, OptionalExtension, Row};

use super::Tx;
use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub id: String,
    pub name: String,
    pub s3_key: String,
    pub mime_type: String,
    pub size: u64,
}

impl FileRow {
    /// The documented upload item; `url` is the asset route under `base`.
    pub fn to_ref(&self, base: &str) -> FileRef {
        FileRef {
            id: self.id.clone(),
            name: self.name.clone(),
            s3_key: self.s3_key.clone(),
            mime_type: self.mime_type.clone(),
            url: format!("{base}/api/v1/connect/assets/{}", self.s3_key),
        }
    }
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<FileRow> {
    let size: i64 = row.get(4)?;
    Ok(FileRow {
        id: row.get(0)?,
        name: row.get(1)?,
        s3_key: row.get(2)?,
        mime_type: row.get(3)?,
        size: u64::try_from(size).unwrap_or(0),
    })
}

pub fn insert(tx: &Tx<'_>, file: &FileRow) -> Result<(), ApiError> {
    tx.sql.execute(
        "INSERT INTO files (id, name, s3_key, mime_type, size, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![file.id, file.name, file.s3_key, file.mime_type, file.size as i64, tx.now()],
    )?;
    Ok(())
}

pub fn get(tx: &Tx<'_>, id: &str) -> Result<Option<FileRow>, ApiError> {
    Ok(tx
        .sql
        .query_row(
            "SELECT id, name, s3_key, mime_type, size FROM files WHERE id = ?1",
            [id],
            from_row,
        )
        .optional()?)
}

pub fn by_s3_key(tx: &Tx<'_>, s3_key: &str) -> Result<Option<FileRow>, ApiError> {
    Ok(tx
        .sql
        .query_row(
            "SELECT id, name, s3_key, mime_type, size FROM files WHERE s3_key = ?1",
            [s3_key],
            from_row,
        )
        .optional()?)
}

/// Deletes the rows of files no remaining message names, of `ids`; returns those deleted.
pub fn delete_unreferenced(tx: &Tx<'_>, ids: &[String]) -> Result<Vec<String>, ApiError> {
    let mut deleted = Vec::new();
    for id in ids {
        let referenced: bool = tx.sql.query_row(
            "SELECT EXISTS (SELECT 1 FROM message_attachments WHERE file_id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if !referenced && tx.sql.execute("DELETE FROM files WHERE id = ?1", [id])? > 0 {
            deleted.push(id.clone());
        }
    }
    Ok(deleted)
}

//! Attachment upload and asset download (`connect360-api.md` §4.1–§4.2): at most 5 files of
//! 25 MB each, names normalised, types sniffed from the bytes; nothing is stored unless every
//! file is accepted.

use std::path::{Path, PathBuf};

use axum::extract::multipart::{Field, Multipart};
use connect360_model::wire::limits::{MAX_FILE_BYTES, MAX_UPLOAD_FILES};
use connect360_model::wire::{ErrorCode, FileRef};
use tokio::io::AsyncWriteExt;

use super::LocalConnect;
use crate::clock::new_id;
use crate::error::ApiError;
use crate::media_type::type_from_extension;
use crate::store::files::{self, FileRow};

/// Longest stored file name (characters).
const MAX_NAME_CHARS: usize = 200;

/// The last path segment, characters outside `[A-Za-z0-9._-]` replaced by `_`, at most 200
/// characters, `file` if empty.
pub fn normalise_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME_CHARS)
        .collect();
    if name.is_empty() || name.chars().all(|c| c == '.') {
        "file".into()
    } else {
        name
    }
}

/// The stored type: what the bytes are when recognisable, else the declared type, else a
/// guess from the extension, else `application/octet-stream`.
pub fn content_type(head: &[u8], declared: Option<&str>, name: &str) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    let declared = declared
        .map(connect360_model::wire::mime_essence)
        .filter(|d| !d.is_empty() && d.contains('/') && d.is_ascii());
    if let Some(declared) = declared {
        return declared;
    }
    type_from_extension(name).into()
}

/// A file received into the data dir, not yet recorded.
struct Received {
    row: FileRow,
    path: PathBuf,
}

impl LocalConnect {
    fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// Where a stored file's bytes live.
    pub fn file_path(&self, id: &str) -> PathBuf {
        self.files_dir().join(id)
    }

    /// The file stored under `s3_key`, or 404.
    pub async fn asset(&self, s3_key: &str) -> Result<crate::upstream::Asset, ApiError> {
        let key = s3_key.to_owned();
        let store = self.store.clone();
        let file = tokio::task::spawn_blocking(move || {
            store.transaction(|tx| crate::store::files::by_s3_key(tx, &key))
        })
        .await
        .unwrap_or_else(|e| Err(ApiError::internal(e.to_string())))?
        .ok_or_else(|| ApiError::not_found("File"))?;
        // Streamed from disk: a 25 MB download holds a 64 KB buffer, not the whole file.
        let bytes = tokio::fs::File::open(self.file_path(&file.id))
            .await
            .map_err(|_| ApiError::not_found("File"))?;
        let length = bytes
            .metadata()
            .await
            .map_err(|_| ApiError::not_found("File"))?
            .len();
        Ok(crate::upstream::Asset {
            mime_type: file.mime_type,
            name: file.name,
            length: Some(length),
            body: axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                bytes, 65_536,
            )),
        })
    }

    /// Deletes an uploaded file that no message names (the gateway's clean-up of abandoned
    /// uploads); a file some message names is kept.
    pub async fn discard_unattached_file(&self, id: &str) -> Result<(), ApiError> {
        let store = self.store.clone();
        let owned = id.to_owned();
        let deleted = tokio::task::spawn_blocking(move || {
            store.transaction(|tx| crate::store::files::delete_unreferenced(tx, &[owned]))
        })
        .await
        .unwrap_or_else(|e| Err(ApiError::internal(e.to_string())))?;
        for id in deleted {
            let _ = tokio::fs::remove_file(self.file_path(&id)).await;
        }
        Ok(())
    }

    /// Stores the files of a `multipart/form-data` request.
    pub async fn upload_request(
        &self,
        request: axum::extract::Request,
    ) -> Result<Vec<FileRef>, ApiError> {
        use axum::extract::FromRequest;
        let multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid upload: {e}")))?;
        self.upload(multipart).await
    }

    /// Receives every `file`/`files` part; on any refusal removes what was written.
    pub async fn upload(&self, mut multipart: Multipart) -> Result<Vec<FileRef>, ApiError> {
        crate::config::create_private_dir(&self.files_dir())
            .map_err(|e| ApiError::internal(format!("cannot create the files directory: {e}")))?;
        let mut received: Vec<Received> = Vec::new();
        let outcome = self.receive_all(&mut multipart, &mut received).await;
        let recorded = match outcome {
            Ok(()) if received.is_empty() => Err(ApiError::bad_request(
                "No file: send one to 5 parts named \"file\".",
            )),
            Ok(()) => self.store.transaction(|tx| {
                for file in &received {
                    files::insert(tx, &file.row)?;
                }
                Ok(())
            }),
            Err(error) => Err(error),
        };
        match recorded {
            Ok(()) => Ok(received
                .iter()
                .map(|f| f.row.to_ref(&self.workspace.public_base))
                .collect()),
            Err(error) => {
                for file in &received {
                    let _ = tokio::fs::remove_file(&file.path).await;
                }
                Err(error)
            }
        }
    }

    async fn receive_all(
        &self,
        multipart: &mut Multipart,
        received: &mut Vec<Received>,
    ) -> Result<(), ApiError> {
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request(format!("The multipart body is malformed: {e}")))?
        {
            if !matches!(field.name(), Some("file" | "files")) {
                continue;
            }
            if received.len() == MAX_UPLOAD_FILES {
                return Err(ApiError::bad_request("At most 5 files per upload."));
            }
            let id = new_id("file");
            let path = self.file_path(&id);
            // Recorded before writing, so a failure half-way still removes the partial file.
            let name = normalise_name(field.file_name().unwrap_or(""));
            let declared = field.content_type().map(str::to_owned);
            received.push(Received {
                row: FileRow {
                    s3_key: format!("{}/connect360/{id}/{name}", self.workspace.id),
                    id,
                    name,
                    mime_type: String::new(),
                    size: 0,
                },
                path,
            });
            let last = received.last_mut().expect("just pushed");
            let (size, head) = write_limited(field, &last.path).await?;
            last.row.size = size;
            last.row.mime_type = content_type(&head, declared.as_deref(), &last.row.name);
        }
        Ok(())
    }
}

/// Streams a part to `path`, refusing it (413) past 25 MB. Returns its size and first bytes.
async fn write_limited(mut field: Field<'_>, path: &Path) -> Result<(u64, Vec<u8>), ApiError> {
    let io = |e: std::io::Error| ApiError::internal(format!("cannot store the file: {e}"));
    let mut out = tokio::fs::File::create(path).await.map_err(io)?;
    let mut size: u64 = 0;
    let mut head = Vec::with_capacity(64);
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| ApiError::bad_request(format!("The upload was interrupted: {e}")))?
    {
        size += chunk.len() as u64;
        if size > MAX_FILE_BYTES {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                "A file is over 25 MB (26 214 400 bytes).",
            ));
        }
        if head.len() < 64 {
            let take = (64 - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        out.write_all(&chunk).await.map_err(io)?;
    }
    out.flush().await.map_err(io)?;
    // On disk before the upload is acknowledged: a crash must not lose a file a message
    // is about to name.
    out.sync_all().await.map_err(io)?;
    Ok((size, head))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised() {
        assert_eq!(
            normalise_name("C:\\Users\\me\\receipt (1).pdf"),
            "receipt__1_.pdf"
        );
        assert_eq!(normalise_name("../../etc/passwd"), "passwd");
        assert_eq!(normalise_name("résumé.pdf"), "r_sum_.pdf");
        assert_eq!(normalise_name(""), "file");
        assert_eq!(normalise_name("a/"), "file");
        assert_eq!(normalise_name(".."), "file");
        assert_eq!(normalise_name(&"x".repeat(300)).len(), 200);
    }

    #[test]
    fn types_come_from_the_bytes_first() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
        assert_eq!(content_type(&png, Some("text/html"), "x.html"), "image/png");
        assert_eq!(
            content_type(b"hello", Some("text/plain; charset=utf-8"), "a.bin"),
            "text/plain"
        );
        assert_eq!(content_type(b"hello", None, "notes.TXT"), "text/plain");
        assert_eq!(
            content_type(b"hello", Some("garbage"), "x"),
            "application/octet-stream"
        );
    }
}

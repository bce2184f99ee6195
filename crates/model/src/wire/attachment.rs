//! Attachment upload response and file references (`connect360-api.md` §4.1).

use serde::{Deserialize, Serialize};

/// An uploaded file; `id` goes into `send.attachmentIds`, `s3Key` into the asset route.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRef {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub s3_key: String,
    /// The MIME type.
    #[serde(default, rename = "type")]
    pub mime_type: String,
    #[serde(default)]
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UploadResponse {
    #[serde(default)]
    pub files: Vec<FileRef>,
}

/// The kinds of file a visitor may send: pictures, PDFs, plain text and office documents. The
/// widget checks before uploading and the gateway again, against the bytes, as they pass.
pub const VISITOR_FILE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

/// A MIME type without its parameters, lowercased: `Text/Plain; charset=utf-8` → `text/plain`.
pub fn mime_essence(mime: &str) -> String {
    mime.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a visitor may send a file of this type (parameters and case ignored).
pub fn visitor_may_send(mime: &str) -> bool {
    VISITOR_FILE_TYPES.contains(&mime_essence(mime).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitors_send_pictures_documents_and_text_only() {
        assert!(visitor_may_send("image/png"));
        assert!(visitor_may_send("Text/Plain; charset=utf-8"));
        assert!(visitor_may_send("application/pdf"));
        assert!(!visitor_may_send("text/html"));
        assert!(!visitor_may_send("image/svg+xml"));
        assert!(!visitor_may_send("application/octet-stream"));
        assert!(!visitor_may_send(""));
        assert_eq!(mime_essence(" IMAGE/JPEG ;q=1"), "image/jpeg");
    }
}

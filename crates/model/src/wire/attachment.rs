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

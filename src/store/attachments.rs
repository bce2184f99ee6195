//! What a visitor may attach, checked before anything is uploaded (`connect360-api.md` §4.1):
//! at most 5 files, each at most 25 MB, of the kinds a support conversation needs. Pure logic.

use connect360_model::wire::limits::{MAX_FILE_BYTES, MAX_UPLOAD_FILES};
use connect360_model::wire::{mime_essence, visitor_may_send};

/// Why a file is not uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    TooMany,
    TooLarge,
    Empty,
    Type(String),
    /// The gateway looked at the bytes and they are not of the declared type (a renamed file).
    Content,
}

/// Checks one file about to join `already` others in the tray.
pub fn check(mime: &str, size: f64, already: usize) -> Result<(), Refusal> {
    if already >= MAX_UPLOAD_FILES {
        return Err(Refusal::TooMany);
    }
    if size <= 0.0 {
        return Err(Refusal::Empty);
    }
    if size > MAX_FILE_BYTES as f64 {
        return Err(Refusal::TooLarge);
    }
    let mime = mime_essence(mime);
    if !visitor_may_send(&mime) {
        return Err(Refusal::Type(if mime.is_empty() {
            "unknown".into()
        } else {
            mime
        }));
    }
    Ok(())
}

/// Why the gateway refused an upload that passed [`check`], from its answer's status: 413 is
/// the size limit, and a 400 for one checked file is its content (`connect360-api.md` §4.1:
/// the gateway sniffs the first bytes). Anything else (network, 5xx, 429) has no reason a
/// visitor can act on beyond trying again.
pub fn server_refusal(status: u16) -> Option<Refusal> {
    match status {
        413 => Some(Refusal::TooLarge),
        400 => Some(Refusal::Content),
        _ => None,
    }
}

/// "2.4 MB", for the tray.
pub fn human_size(bytes: f64) -> String {
    if bytes < 1024.0 {
        format!("{} B", bytes as u64)
    } else if bytes < 1024.0 * 1024.0 {
        format!("{} KB", (bytes / 1024.0).round() as u64)
    } else {
        let tenths = (bytes / (1024.0 * 1024.0) * 10.0).round() as u64;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

/// A file's kind in a few letters, for its chip: the name's extension ("PDF", "DOCX"), else
/// the MIME subtype ("PNG"), else "FILE". The same in every language.
pub fn file_kind(name: &str, mime_type: &str) -> String {
    let short =
        |s: &str| (1..=5).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    let extension = name.rsplit_once('.').map(|(_, e)| e).filter(|e| short(e));
    let subtype = mime_type
        .split_once('/')
        .map(|(_, s)| s)
        .filter(|s| short(s));
    extension
        .or(subtype)
        .map_or_else(|| "FILE".to_owned(), str::to_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_kind_is_its_extension_or_its_subtype() {
        assert_eq!(file_kind("receipt.pdf", "application/pdf"), "PDF");
        assert_eq!(file_kind("notes", "text/plain"), "PLAIN");
        assert_eq!(
            file_kind(
                "report.final.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            ),
            "DOCX"
        );
        assert_eq!(file_kind("archive", "application/vnd.ms-excel"), "FILE");
        assert_eq!(file_kind("x.tar-gz!", ""), "FILE");
    }

    #[test]
    fn files_are_checked_for_count_size_and_type() {
        assert_eq!(check("image/png", 1000.0, 0), Ok(()));
        assert_eq!(check("application/pdf", MAX_FILE_BYTES as f64, 4), Ok(()));
        assert_eq!(check("image/png", 1000.0, 5), Err(Refusal::TooMany));
        assert_eq!(
            check("image/png", MAX_FILE_BYTES as f64 + 1.0, 0),
            Err(Refusal::TooLarge)
        );
        assert_eq!(check("text/plain", 0.0, 0), Err(Refusal::Empty));
        assert_eq!(
            check("text/html", 10.0, 0),
            Err(Refusal::Type("text/html".into()))
        );
        assert_eq!(
            check("image/svg+xml", 10.0, 0),
            Err(Refusal::Type("image/svg+xml".into()))
        );
        assert_eq!(check("", 10.0, 0), Err(Refusal::Type("unknown".into())));
        assert_eq!(check("Image/JPEG; x=y", 10.0, 0), Ok(()));
    }

    #[test]
    fn the_gateways_refusals_map_to_reasons_and_other_failures_to_none() {
        assert_eq!(server_refusal(413), Some(Refusal::TooLarge));
        assert_eq!(server_refusal(400), Some(Refusal::Content));
        for status in [0, 401, 403, 429, 500, 502, 503] {
            assert_eq!(server_refusal(status), None, "{status}");
        }
    }

    #[test]
    fn sizes_read_like_a_person_writes_them() {
        assert_eq!(human_size(512.0), "512 B");
        assert_eq!(human_size(2048.0), "2 KB");
        assert_eq!(human_size(2.44 * 1024.0 * 1024.0), "2.4 MB");
    }
}

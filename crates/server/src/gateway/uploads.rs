//! A visitor's upload, checked by the gateway as it streams through to the upstream: at most
//! 5 files, none empty or over 25 MB, each of a type visitors may send
//! ([`VISITOR_FILE_TYPES`]) **and** whose first bytes agree with that type (a page saved as
//! `.txt`, a script named `.png` or an SVG are refused). The parts are re-encoded with a fresh
//! boundary, so the upstream never sees a header the visitor wrote; a refusal breaks the
//! forwarded body, so the upstream stores nothing, and the visitor gets a 400/413 naming the
//! file.

use axum::body::{Body, Bytes};
use axum::extract::multipart::{Field, Multipart, MultipartError};
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use connect360_model::wire::limits::{MAX_FILE_BYTES, MAX_UPLOAD_FILES};
use connect360_model::wire::{mime_essence, visitor_may_send, ErrorCode};
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::media_type::type_from_extension;

/// How many leading bytes of each file are looked at before any of it is forwarded.
const SNIFF_BYTES: usize = 4096;

/// Why the forwarding of a checked upload ended early.
#[derive(Debug)]
pub enum Stopped {
    /// The upload broke a rule: this is the visitor's answer.
    Refused(ApiError),
    /// The upstream stopped reading (it answered already); its answer stands.
    UpstreamGone,
}

/// Starts checking `request`'s multipart body; returns the request to forward upstream (a
/// re-encoded multipart body that fails if a check fails) and the checker's outcome.
/// The checker's outcome: each forwarded file's size, in order.
pub type Checked = Result<Vec<u64>, Stopped>;

/// Starts checking `request`'s multipart body, which may hold at most `quota` bytes of files
/// (the visitor's upload quota left); returns the request to forward upstream (a re-encoded
/// multipart body that fails if a check fails) and the checker's outcome.
pub async fn checked(
    request: Request,
    quota: u64,
) -> Result<(Request, tokio::task::JoinHandle<Checked>), ApiError> {
    // The route's body limit (an extension) holds for the forwarded body too.
    let extensions = request.extensions().clone();
    let multipart = Multipart::from_request(request, &()).await.map_err(|e| {
        ApiError::bad_request(format!("An upload must be multipart/form-data: {e}"))
    })?;
    let boundary = format!("c360-{}", crate::clock::random_token(24));
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let checker = tokio::spawn(relay(multipart, boundary.clone(), tx, quota));
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let mut forwarded = Request::builder()
        .method("POST")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    *forwarded.extensions_mut() = extensions;
    Ok((forwarded, checker))
}

/// Reads, checks and re-encodes every file part into `tx`.
async fn relay(
    mut multipart: Multipart,
    boundary: String,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    quota: u64,
) -> Checked {
    let outcome = relay_parts(&mut multipart, &boundary, &tx, quota).await;
    if let Err(Stopped::Refused(error)) = &outcome {
        // Break the forwarded body, so the upstream refuses it and keeps nothing.
        let _ = tx
            .send(Err(std::io::Error::other(error.message.clone())))
            .await;
    }
    outcome
}

async fn relay_parts(
    multipart: &mut Multipart,
    boundary: &str,
    tx: &mpsc::Sender<Result<Bytes, std::io::Error>>,
    quota: u64,
) -> Checked {
    let send =
        |bytes: Bytes| async move { tx.send(Ok(bytes)).await.map_err(|_| Stopped::UpstreamGone) };
    let mut files = 0;
    let mut sizes = Vec::new();
    // What the files before this one took of the quota.
    let mut used: u64 = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        if !matches!(field.name(), Some("file" | "files")) {
            continue; // other fields are ignored (connect360-api.md §4.1), and not forwarded
        }
        files += 1;
        if files > MAX_UPLOAD_FILES {
            return Err(refused(ApiError::bad_request(
                "At most 5 files per upload.",
            )));
        }
        let name = field.file_name().map(header_safe).unwrap_or_default();
        let shown = if name.is_empty() {
            "file"
        } else {
            name.as_str()
        };
        let declared = match field.content_type().map(mime_essence) {
            Some(t) if !t.is_empty() && t != "application/octet-stream" => t,
            _ => type_from_extension(&name).to_owned(),
        };
        if !visitor_may_send(&declared) {
            return Err(refused(ApiError::bad_request(format!(
                "{shown}: files of type {declared} can't be sent (pictures, PDF, text and \
                 office documents only)."
            ))));
        }
        // The first bytes decide; nothing of the file goes upstream before they are checked.
        let mut head: Vec<Bytes> = Vec::new();
        let mut size = 0usize;
        while size < SNIFF_BYTES {
            match field.chunk().await.map_err(malformed)? {
                Some(chunk) => {
                    size += chunk.len();
                    head.push(chunk);
                }
                None => break,
            }
        }
        if size == 0 {
            return Err(refused(ApiError::bad_request(format!("{shown} is empty."))));
        }
        let first: Vec<u8> = head
            .iter()
            .flat_map(|c| c.iter().copied())
            .take(SNIFF_BYTES)
            .collect();
        let sniffed = infer::get(&first).map(|kind| kind.mime_type());
        if !content_agrees(&declared, sniffed) {
            return Err(refused(ApiError::bad_request(format!(
                "{shown}: the content is not {declared}{}.",
                sniffed
                    .map(|s| format!(" (it looks like {s})"))
                    .unwrap_or_default()
            ))));
        }
        if declared.starts_with("text/") && looks_like_markup(&first) {
            return Err(refused(ApiError::bad_request(format!(
                "{shown}: the content is not {declared} (it looks like HTML or XML)."
            ))));
        }
        // Stored under a name whose extension says what was accepted: `invoice.html` sent
        // as text/plain is kept as `invoice.html.txt`, never opened as a page.
        let name = with_extension_for(&name, &declared);
        send(Bytes::from(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: {declared}\r\n\r\n"
        )))
        .await?;
        let limits = Limits {
            quota_left: quota.saturating_sub(used),
            shown,
        };
        for chunk in head {
            limits.check(size)?;
            send(chunk).await?;
        }
        forward_rest(&mut field, &mut size, &limits, &send).await?;
        send(Bytes::from_static(b"\r\n")).await?;
        used += size as u64;
        sizes.push(size as u64);
    }
    send(Bytes::from(format!("--{boundary}--\r\n"))).await?;
    Ok(sizes)
}

/// What one file may grow to.
struct Limits<'a> {
    quota_left: u64,
    shown: &'a str,
}

impl Limits<'_> {
    fn check(&self, size: usize) -> Result<(), Stopped> {
        let shown = self.shown;
        if size as u64 > MAX_FILE_BYTES {
            return Err(refused(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("{shown} is over 25 MB (26 214 400 bytes)."),
            )));
        }
        if size as u64 > self.quota_left {
            return Err(refused(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("{shown} can't be sent: today's upload quota is used up."),
            )));
        }
        Ok(())
    }
}

async fn forward_rest<F, Fut>(
    field: &mut Field<'_>,
    size: &mut usize,
    limits: &Limits<'_>,
    send: &F,
) -> Result<(), Stopped>
where
    F: Fn(Bytes) -> Fut,
    Fut: std::future::Future<Output = Result<(), Stopped>>,
{
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        *size += chunk.len();
        limits.check(*size)?;
        send(chunk).await?;
    }
    Ok(())
}

/// Whether a file's first bytes agree with its declared type. Pictures and PDFs must be
/// recognisably what they claim; text must not be recognisable as anything (HTML, XML/SVG,
/// scripts and binaries are); office documents are ZIP (OOXML) or OLE (legacy) containers.
pub fn content_agrees(declared: &str, sniffed: Option<&str>) -> bool {
    const OOXML: [&str; 2] = [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ];
    const LEGACY_OFFICE: [&str; 2] = ["application/msword", "application/vnd.ms-excel"];
    match sniffed {
        Some(sniffed) if sniffed == declared => true,
        Some("application/zip") => OOXML.contains(&declared),
        Some(s) if LEGACY_OFFICE.contains(&s) || s == "application/x-ole-storage" => {
            LEGACY_OFFICE.contains(&declared)
        }
        Some(_) => false,
        None => {
            declared.starts_with("text/")
                || OOXML.contains(&declared)
                || LEGACY_OFFICE.contains(&declared)
        }
    }
}

/// Whether text starts like markup (`<html`, `<!doctype`, `<?xml`, `<svg`…) once a byte-order
/// mark and leading white space are skipped: `infer` only looks at the very first bytes, so
/// `\u{FEFF}<html><script>` sent as text/plain would otherwise pass as text.
pub fn looks_like_markup(head: &[u8]) -> bool {
    // UTF-16 text: keep the low bytes of its ASCII range.
    let bytes: Vec<u8> = match head {
        [0xFF, 0xFE, rest @ ..] => rest.iter().step_by(2).copied().collect(),
        [0xFE, 0xFF, rest @ ..] => rest.iter().skip(1).step_by(2).copied().collect(),
        [0xEF, 0xBB, 0xBF, rest @ ..] => rest.to_vec(),
        _ => head.to_vec(),
    };
    let mut rest = bytes
        .iter()
        .copied()
        .skip_while(|b| b.is_ascii_whitespace() || *b == 0);
    rest.next() == Some(b'<')
        && rest
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'!' | b'?' | b'/'))
}

/// `name` with an extension whose type is `accepted` (its own if it already has one).
pub fn with_extension_for(name: &str, accepted: &str) -> String {
    let name = if name.is_empty() { "file" } else { name };
    if type_from_extension(name) == accepted {
        return name.to_owned();
    }
    let extension = match accepted {
        "text/plain" => "txt",
        "text/csv" => "csv",
        "application/json" => "json",
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        _ => "bin",
    };
    format!("{name}.{extension}")
}

/// A file name that can sit in a quoted header value: no quotes, backslashes or controls.
fn header_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(255)
        .collect()
}

fn refused(error: ApiError) -> Stopped {
    Stopped::Refused(error)
}

fn malformed(error: MultipartError) -> Stopped {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        refused(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "The upload is over the size limit (5 files of 25 MB).",
        ))
    } else {
        refused(ApiError::bad_request(format!(
            "The multipart body is malformed: {}",
            error.body_text()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_must_agree_with_the_bytes() {
        assert!(content_agrees("image/png", Some("image/png")));
        assert!(
            !content_agrees("image/png", None),
            "a picture must look like one"
        );
        assert!(!content_agrees("image/png", Some("image/jpeg")));
        assert!(content_agrees("text/plain", None));
        assert!(!content_agrees("text/plain", Some("text/html")));
        assert!(!content_agrees(
            "text/csv",
            Some("application/x-executable")
        ));
        assert!(!content_agrees("application/pdf", None));
        assert!(content_agrees("application/pdf", Some("application/pdf")));
        let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        assert!(content_agrees(docx, Some("application/zip")));
        assert!(content_agrees(docx, Some(docx)));
        assert!(!content_agrees("text/plain", Some("application/zip")));
        assert!(content_agrees(
            "application/msword",
            Some("application/x-ole-storage")
        ));
        assert!(!content_agrees(
            "application/msword",
            Some("application/zip")
        ));
    }

    #[test]
    fn markup_behind_a_byte_order_mark_or_white_space_is_seen() {
        assert!(looks_like_markup(
            b"\xEF\xBB\xBF<html><script>alert(1)</script>"
        ));
        assert!(looks_like_markup(b"  \r\n\t<!DOCTYPE html>"));
        assert!(looks_like_markup(b"<?xml version=\"1.0\"?><svg/>"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<svg onload=x>".bytes().flat_map(|b| [b, 0]))
            .collect();
        assert!(looks_like_markup(&utf16));
        assert!(!looks_like_markup(b"a < b and 3 <4"));
        assert!(!looks_like_markup(b"\xEF\xBB\xBFHello <b>"));
        assert!(!looks_like_markup(b"< not a tag"));
    }

    #[test]
    fn stored_names_end_in_their_accepted_type() {
        assert_eq!(
            with_extension_for("invoice.html", "text/plain"),
            "invoice.html.txt"
        );
        assert_eq!(with_extension_for("notes.txt", "text/plain"), "notes.txt");
        assert_eq!(with_extension_for("photo.JPEG", "image/jpeg"), "photo.JPEG");
        assert_eq!(with_extension_for("scan", "application/pdf"), "scan.pdf");
        assert_eq!(with_extension_for("", "image/png"), "file.png");
    }

    #[test]
    fn names_cannot_break_out_of_the_part_header() {
        assert_eq!(header_safe("a\"b\r\nX: y\\.txt"), "a_b__X: y_.txt");
        assert_eq!(header_safe(&"n".repeat(400)).len(), 255);
    }
}

//! URL, e-mail and phone checks of `rich-messages.md` §4: the only way a string from a message
//! becomes an `href` or `src`.
//!
//! Every check runs on the raw string, then parses it with a WHATWG URL parser ([`whatwg`]:
//! the browser's in the widget, the `url` crate on the server); what goes into the DOM is the
//! serialised result, never the raw input. Each check is generic over the parser (`*_with`) so
//! a browser test can require both parsers to decide alike.

use std::fmt;

use crate::whatwg::{self, ParsedUrl, UrlParser};

/// The origin a root-relative image path is normalised against (then cut off again).
const PLACEHOLDER_ORIGIN: &str = "https://endpoint.invalid";

/// Longest URL accepted anywhere (characters).
pub const MAX_URL_CHARS: usize = 2048;

/// Why a URL or phone number was refused; its `Display` is the reason shown in violations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLong(usize),
    Whitespace,
    ControlCharacter(char),
    /// U+202A..U+202E (rule C1: URLs are single-line fields).
    BidiOverride(char),
    Backslash,
    ProtocolRelative,
    NotAbsolute,
    Scheme(String),
    NoHost,
    Credentials,
    /// A host name with non-ASCII characters: write it in punycode (`xn--…`).
    NonAsciiHost,
    /// A host label starting with `xn--` that is not valid punycode.
    InvalidPunycode,
    InsecureImage,
    Mailto,
    Phone(&'static str),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => f.write_str("must not be empty"),
            Refusal::TooLong(n) => write!(f, "{n} characters, at most {MAX_URL_CHARS}"),
            Refusal::Whitespace => f.write_str("must not contain whitespace"),
            Refusal::ControlCharacter(c) => {
                write!(f, "contains a control character (U+{:04X})", *c as u32)
            }
            Refusal::BidiOverride(c) => write!(
                f,
                "contains a bidirectional override character (U+{:04X})",
                *c as u32
            ),
            Refusal::Backslash => f.write_str("must not contain a backslash"),
            Refusal::ProtocolRelative => f.write_str("protocol-relative URLs are not allowed"),
            Refusal::NotAbsolute => f.write_str("is not an absolute URL"),
            Refusal::Scheme(s) => write!(f, "the scheme \"{s}\" is not allowed"),
            Refusal::NoHost => f.write_str("has no host"),
            Refusal::Credentials => f.write_str("must not contain a username or password"),
            Refusal::NonAsciiHost => {
                f.write_str("the host name must be ASCII (write it in punycode, xn--…)")
            }
            Refusal::InvalidPunycode => {
                f.write_str("a host name label starting with xn-- is not valid punycode")
            }
            Refusal::InsecureImage => f.write_str("images must use https or a root-relative path"),
            Refusal::Mailto => f.write_str("is not a single plain mailto: address"),
            Refusal::Phone(why) => f.write_str(why),
        }
    }
}

/// The checks every URL shares: 1..2048 characters, no whitespace, control, bidirectional
/// override or backslash.
fn raw_checks(raw: &str) -> Result<(), Refusal> {
    let mut count = 0usize;
    for c in raw.chars() {
        count += 1;
        if c.is_whitespace() {
            return Err(Refusal::Whitespace);
        }
        if c.is_control() {
            return Err(Refusal::ControlCharacter(c));
        }
        if ('\u{202A}'..='\u{202E}').contains(&c) {
            return Err(Refusal::BidiOverride(c));
        }
        if c == '\\' {
            return Err(Refusal::Backslash);
        }
    }
    match count {
        0 => Err(Refusal::Empty),
        n if n > MAX_URL_CHARS => Err(Refusal::TooLong(n)),
        _ => Ok(()),
    }
}

fn parse_absolute<P: UrlParser>(raw: &str) -> Result<ParsedUrl, Refusal> {
    raw_checks(raw)?;
    if raw.starts_with("//") {
        return Err(Refusal::ProtocolRelative);
    }
    P::parse(&ascii_lowercase_authority(raw)?, None).ok_or(Refusal::NotAbsolute)
}

/// The URL with its authority (after the scheme and its slashes, up to the path) lowercased,
/// or a refusal when the authority is not ASCII. The IDNA back end is ASCII-only (see
/// Cargo.toml): it must only ever see lowercase ASCII, which is also what a host name
/// serialises to anyway. Web URLs take any number of slashes, even none (`https:////Host`,
/// `https:host`), so the authority starts after all of them; other schemes never reach IDNA.
fn ascii_lowercase_authority(raw: &str) -> Result<String, Refusal> {
    let Some((scheme, rest)) = raw.split_once(':') else {
        return Ok(raw.to_owned());
    };
    if !["http", "https"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
    {
        return Ok(raw.to_owned());
    }
    let after = rest.trim_start_matches('/');
    let slashes = &rest[..rest.len() - after.len()];
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, path) = after.split_at(end);
    if !authority.is_ascii() {
        return Err(Refusal::NonAsciiHost);
    }
    let authority = authority.to_ascii_lowercase();
    check_host_labels(&authority)?;
    Ok(format!("{scheme}:{slashes}{authority}{path}"))
}

/// The host of an ASCII authority, percent-decoded as the WHATWG host parser does, must stay
/// ASCII, and each `xn--` label must be valid punycode (see [`crate::punycode`]).
fn check_host_labels(authority: &str) -> Result<(), Refusal> {
    let host_and_port = authority.rsplit('@').next().unwrap_or_default();
    if host_and_port.starts_with('[') {
        return Ok(()); // An IPv6 address: no labels.
    }
    let host = host_and_port.split(':').next().unwrap_or_default();
    let decoded = percent_decode(host);
    if !decoded.is_ascii() {
        return Err(Refusal::NonAsciiHost);
    }
    let decoded = String::from_utf8_lossy(&decoded).to_ascii_lowercase();
    if decoded.split('.').all(crate::punycode::is_valid_ace_label) {
        Ok(())
    } else {
        Err(Refusal::InvalidPunycode)
    }
}

/// `%XX` sequences decoded to bytes; anything else (a lone `%` too) kept as it is.
fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn require_host_without_credentials(url: &ParsedUrl) -> Result<(), Refusal> {
    if url.host.is_empty() {
        return Err(Refusal::NoHost);
    }
    if !url.username.is_empty() || !url.password.is_empty() {
        return Err(Refusal::Credentials);
    }
    Ok(())
}

/// A web link (rich-text link, `openUrlAction.url`): absolute `http`/`https` with a host and no
/// credentials. Returns the serialised URL.
pub fn web_link(raw: &str) -> Result<String, Refusal> {
    web_link_with::<whatwg::Default>(raw)
}

/// [`web_link`] with a given URL parser.
pub fn web_link_with<P: UrlParser>(raw: &str) -> Result<String, Refusal> {
    let url = parse_absolute::<P>(raw)?;
    if !matches!(url.scheme.as_str(), "http" | "https") {
        return Err(Refusal::Scheme(url.scheme));
    }
    require_host_without_credentials(&url)?;
    Ok(url.href)
}

/// A `mailto:` link with exactly one plain address and nothing pre-filled.
pub fn mailto_link(raw: &str) -> Result<String, Refusal> {
    raw_checks(raw)?;
    let (scheme, address) = raw.split_once(':').ok_or(Refusal::Mailto)?;
    if !scheme.eq_ignore_ascii_case("mailto") {
        return Err(Refusal::Scheme(scheme.to_ascii_lowercase()));
    }
    let (local, domain) = address.split_once('@').ok_or(Refusal::Mailto)?;
    let local_ok = (1..=64).contains(&local.len())
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if local_ok && domain_ok {
        Ok(format!("mailto:{address}"))
    } else {
        Err(Refusal::Mailto)
    }
}

/// A rich-text link target: a web link or a mailto link.
pub fn rich_text_link(raw: &str) -> Result<LinkTarget, Refusal> {
    if raw
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("mailto:"))
    {
        return mailto_link(raw).map(LinkTarget::Mail);
    }
    web_link(raw).map(LinkTarget::Web)
}

/// A checked link target; web links open in a new tab, mail links do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    Web(String),
    Mail(String),
}

impl LinkTarget {
    pub fn href(&self) -> &str {
        match self {
            LinkTarget::Web(h) | LinkTarget::Mail(h) => h,
        }
    }

    pub fn opens_new_tab(&self) -> bool {
        matches!(self, LinkTarget::Web(_))
    }
}

/// An image URL (`fileUrl`, `thumbnailUrl`, `avatarImage`, `sender.image`): an absolute `https`
/// URL with a host and no credentials, or a root-relative path (`/x`, never `//x`). Returns the
/// serialised URL, or for a root-relative path its serialised path, query and fragment, to be
/// resolved against the widget's endpoint origin with [`resolve_image_url`].
pub fn image_url(raw: &str) -> Result<String, Refusal> {
    image_url_with::<whatwg::Default>(raw)
}

/// [`image_url`] with a given URL parser.
pub fn image_url_with<P: UrlParser>(raw: &str) -> Result<String, Refusal> {
    raw_checks(raw)?;
    if raw.starts_with('/') && !raw.starts_with("//") {
        // Parse against a placeholder origin only to normalise and percent-encode the path.
        let url =
            P::parse(raw, Some(&format!("{PLACEHOLDER_ORIGIN}/"))).ok_or(Refusal::NotAbsolute)?;
        let path = url
            .href
            .strip_prefix(PLACEHOLDER_ORIGIN)
            .ok_or(Refusal::NotAbsolute)?;
        // Dot segments can normalise `/..//host` into `//host`: protocol-relative, refused.
        if path.starts_with("//") {
            return Err(Refusal::ProtocolRelative);
        }
        return Ok(path.to_owned());
    }
    let url = parse_absolute::<P>(raw)?;
    match url.scheme.as_str() {
        "https" => {}
        "http" => return Err(Refusal::InsecureImage),
        _ => return Err(Refusal::Scheme(url.scheme)),
    }
    require_host_without_credentials(&url)?;
    Ok(url.href)
}

/// Resolves a checked image URL against the widget's endpoint origin (never the host page).
pub fn resolve_image_url(checked: &str, endpoint_origin: &str) -> String {
    if checked.starts_with('/') {
        format!("{}{checked}", endpoint_origin.trim_end_matches('/'))
    } else {
        checked.to_owned()
    }
}

/// Longest phone number accepted (characters, separators included).
const MAX_PHONE_CHARS: usize = 32;

/// An RFC 3966 global number without parameters (`+1-201-555-0123`). Returns the `tel:` link
/// with the digits only (`tel:+12015550123`).
pub fn dial_link(raw: &str) -> Result<String, Refusal> {
    let rest = raw
        .strip_prefix('+')
        .ok_or(Refusal::Phone("must start with + and the country code"))?;
    if raw.chars().count() > MAX_PHONE_CHARS {
        return Err(Refusal::Phone("at most 32 characters"));
    }
    let mut digits = String::with_capacity(16);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '-' | '.' | '(' | ')' => {}
            _ => {
                return Err(Refusal::Phone(
                    "only digits and the separators - . ( ) may follow the +",
                ))
            }
        }
    }
    if !(7..=15).contains(&digits.len()) {
        return Err(Refusal::Phone("must have 7 to 15 digits"));
    }
    Ok(format!("tel:+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_after_extra_or_missing_slashes_are_checked_like_any_other() {
        assert_eq!(web_link("https:////A\u{9cb}"), Err(Refusal::NonAsciiHost));
        assert_eq!(web_link("https:Ex\u{e9}.com"), Err(Refusal::NonAsciiHost));
        assert_eq!(
            web_link("HTTPS:////Example.COM/P").as_deref(),
            Ok("https://example.com/P")
        );
    }

    #[test]
    fn host_names_must_be_ascii_and_are_lowercased() {
        assert_eq!(web_link("https://A\u{10780}"), Err(Refusal::NonAsciiHost));
        assert_eq!(
            web_link("https://bücher.example/"),
            Err(Refusal::NonAsciiHost)
        );
        assert_eq!(
            web_link("HTTPS://WWW.Example.COM/Path?Q=A").unwrap(),
            "https://www.example.com/Path?Q=A"
        );
        assert!(web_link("https://XN--BCHER-KVA.example/").is_ok());
        assert_eq!(
            image_url("https://CDN.example/ä.png").unwrap(),
            "https://cdn.example/%C3%A4.png"
        );
    }

    #[test]
    fn punycode_labels_must_decode_and_encoded_hosts_stay_ascii() {
        // Chromium's URL accepts these; the url crate refuses them: the rule is ours.
        assert_eq!(
            web_link("https://xn--zz.example/"),
            Err(Refusal::InvalidPunycode)
        );
        assert_eq!(
            web_link("https://xn%2D%2Dzz.example/"),
            Err(Refusal::InvalidPunycode)
        );
        assert_eq!(
            image_url("https://u@XN--.example/"),
            Err(Refusal::InvalidPunycode)
        );
        assert_eq!(
            web_link("https://b%C3%BCcher.example/"),
            Err(Refusal::NonAsciiHost)
        );
        assert!(web_link("https://xn--bcher-kva.example:8443/").is_ok());
        assert!(web_link("https://[::1]:8443/").is_ok());
    }

    #[test]
    fn web_links_allow_only_http_and_https_with_a_host() {
        assert_eq!(
            web_link("https://example.com/a?b=1").as_deref(),
            Ok("https://example.com/a?b=1")
        );
        assert_eq!(
            web_link("HTTP://Example.COM").as_deref(),
            Ok("http://example.com/")
        );
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<b>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "blob:https://a.example/1",
            "about:blank",
            "intent://x#Intent;end",
            "ftp://example.com/",
            "//evil.example",
            "/relative",
            "relative",
            "https://u:p@example.com",
            "https://user@example.com",
            "java\tscript:alert(1)",
            " https://example.com",
            "https://exa mple.com",
            "https:\\\\evil.example",
            "",
        ] {
            assert!(web_link(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn url_length_is_limited_to_2048_characters() {
        let base = "https://example.com/";
        let ok = format!("{base}{}", "a".repeat(MAX_URL_CHARS - base.len()));
        assert!(web_link(&ok).is_ok());
        let long = format!("{ok}a");
        assert_eq!(web_link(&long), Err(Refusal::TooLong(2049)));
        assert_eq!(
            Refusal::TooLong(2049).to_string(),
            "2049 characters, at most 2048"
        );
    }

    #[test]
    fn mailto_takes_exactly_one_plain_address() {
        assert_eq!(
            mailto_link("mailto:help@example.com").as_deref(),
            Ok("mailto:help@example.com")
        );
        for bad in [
            "mailto:a@b",
            "mailto:a@example.com?subject=x",
            "mailto:a@example.com,b@example.com",
            "mailto:a%40@example.com",
            "mailto:@example.com",
            "mailto:a@-x.example.com",
            "mailto:a@x-.example.com",
            &format!("mailto:{}@example.com", "a".repeat(65)),
        ] {
            assert!(mailto_link(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(mailto_link(&format!("mailto:{}@example.com", "a".repeat(64))).is_ok());
    }

    #[test]
    fn a_root_relative_path_never_normalises_into_a_protocol_relative_one() {
        // Found by fuzzing (fuzz/corpus/content keeps the input).
        assert_eq!(image_url("/..//N."), Err(Refusal::ProtocolRelative));
        assert_eq!(image_url("/./%2F/x"), Ok("/%2F/x".into()));
        assert_eq!(image_url("/a/..//b"), Err(Refusal::ProtocolRelative));
    }

    #[test]
    fn bidirectional_overrides_are_refused_anywhere_in_a_url() {
        assert_eq!(
            web_link("https://www.example.com/\u{202E}fdp.exe"),
            Err(Refusal::BidiOverride('\u{202E}'))
        );
        assert_eq!(
            image_url("/img/\u{202A}x.png"),
            Err(Refusal::BidiOverride('\u{202A}'))
        );
    }

    #[test]
    fn image_urls_are_https_or_root_relative() {
        assert_eq!(
            image_url("/api/v1/connect/assets/ws_1/f 1.png"),
            Err(Refusal::Whitespace)
        );
        assert_eq!(
            image_url("/api/v1/connect/assets/ws_1/connect360/file_9/store.png").as_deref(),
            Ok("/api/v1/connect/assets/ws_1/connect360/file_9/store.png")
        );
        assert_eq!(image_url("/a/../b?x=é").as_deref(), Ok("/b?x=%C3%A9"));
        assert_eq!(
            image_url("http://cdn.example.com/a.png"),
            Err(Refusal::InsecureImage)
        );
        assert!(image_url("//cdn.example.com/a.png").is_err());
        assert!(image_url("data:image/png;base64,AAAA").is_err());
        assert!(image_url("javascript:alert(1)").is_err());
        assert_eq!(
            resolve_image_url("/x.png", "https://chat.example.com/"),
            "https://chat.example.com/x.png"
        );
        assert_eq!(
            resolve_image_url("https://cdn.example.com/x.png", "https://chat.example.com"),
            "https://cdn.example.com/x.png"
        );
    }

    #[test]
    fn phone_numbers_are_rfc3966_global_numbers() {
        assert_eq!(
            dial_link("+1-201-555-0123").as_deref(),
            Ok("tel:+12015550123")
        );
        assert_eq!(dial_link("+44 (20) 7946").ok(), None);
        assert_eq!(
            dial_link("+(44).20-7946-0958").as_deref(),
            Ok("tel:+442079460958")
        );
        assert!(dial_link("+123456").is_err(), "6 digits");
        assert!(dial_link("+1234567").is_ok(), "7 digits");
        assert!(dial_link("+123456789012345").is_ok(), "15 digits");
        assert!(dial_link("+1234567890123456").is_err(), "16 digits");
        assert!(dial_link("tel:+12015550123").is_err());
        assert!(dial_link("+12015550123;ext=1").is_err());
        assert!(dial_link("12015550123").is_err());
        assert!(dial_link(&format!("+1234567{}", "-".repeat(25))).is_err());
        assert!(dial_link(&format!("+1234567{}", "-".repeat(24))).is_ok());
    }
}

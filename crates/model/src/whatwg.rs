//! The WHATWG URL parser behind the checks of [`crate::safety`].
//!
//! In the browser the widget uses the browser's own `URL` (the parser that will read the
//! `href` anyway, and ~30 KB less wasm); natively the server uses the `url` crate. Both
//! implement the same standard; a browser test runs the hostile URL corpus through both and
//! requires identical decisions and serialisations (`tests/browser.rs`, feature `url-crate`).

/// What the checks read of a parsed URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUrl {
    /// The serialisation (`href`).
    pub href: String,
    /// Lowercase, without the colon.
    pub scheme: String,
    /// The serialised host, empty when there is none.
    pub host: String,
    pub username: String,
    pub password: String,
}

/// A WHATWG URL parser.
pub trait UrlParser {
    /// Parses `input`, relative to `base` when given; `None` when the parser refuses it.
    fn parse(input: &str, base: Option<&str>) -> Option<ParsedUrl>;
}

/// The parser this build uses: the browser's in wasm, the `url` crate natively.
#[cfg(target_arch = "wasm32")]
pub type Default = Browser;
#[cfg(not(target_arch = "wasm32"))]
pub type Default = UrlCrate;

/// The browser's `URL`.
#[cfg(target_arch = "wasm32")]
pub struct Browser;

#[cfg(target_arch = "wasm32")]
impl UrlParser for Browser {
    fn parse(input: &str, base: Option<&str>) -> Option<ParsedUrl> {
        let url = match base {
            Some(base) => web_sys::Url::new_with_base(input, base),
            None => web_sys::Url::new(input),
        }
        .ok()?;
        let protocol = url.protocol();
        Some(ParsedUrl {
            href: url.href(),
            scheme: protocol.strip_suffix(':').unwrap_or(&protocol).to_owned(),
            host: url.hostname(),
            username: url.username(),
            password: url.password(),
        })
    }
}

/// The `url` crate (ASCII-only IDNA, see Cargo.toml).
#[cfg(any(not(target_arch = "wasm32"), feature = "url-crate"))]
pub struct UrlCrate;

#[cfg(any(not(target_arch = "wasm32"), feature = "url-crate"))]
impl UrlParser for UrlCrate {
    fn parse(input: &str, base: Option<&str>) -> Option<ParsedUrl> {
        let url = match base {
            Some(base) => url::Url::parse(base).ok()?.join(input),
            None => url::Url::parse(input),
        }
        .ok()?;
        Some(ParsedUrl {
            scheme: url.scheme().to_owned(),
            host: url.host_str().unwrap_or_default().to_owned(),
            username: url.username().to_owned(),
            password: url.password().unwrap_or_default().to_owned(),
            href: url.into(),
        })
    }
}

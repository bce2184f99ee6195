//! What the embedding page configured: the gateway endpoint, the site's channel, the UI
//! language and texts. Read from the host element's `data-*` attributes; every value is
//! checked, and a bad one falls back to its default rather than breaking the widget.

use connect360_model::Lang;

/// Texts the merchant may override; `None` uses the localized default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    pub title: Option<String>,
    pub greeting: Option<String>,
}

/// Which bottom corner the launcher sits in (`data-position`: `left` or `right`, in the page's
/// reading direction: `left` is the start side in a left-to-right page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Position {
    Left,
    #[default]
    Right,
}

/// The merchant's accent colour (`data-color`, `#rrggbb` or `#rgb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accent {
    pub red: u8,
    pub green: u8,
    pub blue: u8,
}

impl Accent {
    pub fn parse(raw: &str) -> Option<Accent> {
        let hex = raw.strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).ok();
        match hex.len() {
            6 => Some(Accent {
                red: channel(&hex[0..2])?,
                green: channel(&hex[2..4])?,
                blue: channel(&hex[4..6])?,
            }),
            3 => {
                let short = |i: usize| channel(&hex[i..i + 1]).map(|v| v * 17);
                Some(Accent {
                    red: short(0)?,
                    green: short(1)?,
                    blue: short(2)?,
                })
            }
            _ => None,
        }
    }

    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.red, self.green, self.blue)
    }

    /// WCAG relative luminance.
    fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.red) + 0.7152 * linear(self.green) + 0.0722 * linear(self.blue)
    }

    /// Text on the accent: white while it keeps a 4.5:1 contrast, else near-black.
    pub fn on_accent(self) -> &'static str {
        let white_contrast = 1.05 / (self.luminance() + 0.05);
        if white_contrast >= 4.5 {
            "#ffffff"
        } else {
            "#1f1f1f"
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetConfig {
    /// The gateway's origin, without a trailing slash (`data-endpoint`; default: the page's).
    pub endpoint: String,
    /// The site's `channelIdentifier` (`data-channel`; default: the page's host name).
    pub channel: String,
    /// The UI language (`data-locale`; default: the browser's).
    pub lang: Lang,
    pub texts: Texts,
    pub position: Position,
    /// `None`: the stylesheet's default accent.
    pub accent: Option<Accent>,
    /// A short chime for a reply while the visitor looks elsewhere (`data-sound="on"`).
    pub sound: bool,
}

/// At most this many characters of a merchant text are shown.
const MAX_TEXT_CHARS: usize = 120;

impl WidgetConfig {
    /// Reads the configuration through `attribute` (a `data-*` name → value lookup), with
    /// the page's origin and host and the browser's language as defaults.
    pub fn read(
        attribute: impl Fn(&str) -> Option<String>,
        page_origin: &str,
        page_host: &str,
        browser_lang: Option<&str>,
    ) -> WidgetConfig {
        let non_empty = |name: &str| {
            attribute(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let endpoint = non_empty("data-endpoint")
            .and_then(|e| checked_endpoint(&e))
            .unwrap_or_else(|| page_origin.trim_end_matches('/').to_owned());
        let lang = non_empty("data-locale")
            .and_then(|l| Lang::from_tag(&l))
            .or_else(|| browser_lang.and_then(Lang::from_tag))
            .unwrap_or(Lang::En);
        let text = |name: &str| {
            non_empty(name).map(|t| {
                t.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_TEXT_CHARS)
                    .collect()
            })
        };
        WidgetConfig {
            endpoint,
            channel: non_empty("data-channel").unwrap_or_else(|| page_host.to_owned()),
            lang,
            texts: Texts {
                title: text("data-title"),
                greeting: text("data-greeting"),
            },
            position: match non_empty("data-position").as_deref() {
                Some("left") => Position::Left,
                _ => Position::Right,
            },
            accent: non_empty("data-color").and_then(|c| Accent::parse(&c)),
            sound: non_empty("data-sound").as_deref() == Some("on"),
        }
    }

    /// A configuration for tests and the development page.
    pub fn new(endpoint: &str, channel: &str, lang: Lang) -> WidgetConfig {
        WidgetConfig {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            channel: channel.to_owned(),
            lang,
            texts: Texts::default(),
            position: Position::default(),
            accent: None,
            sound: false,
        }
    }
}

/// An endpoint is an http(s) origin; anything else (`javascript:`, a path) is ignored.
fn checked_endpoint(raw: &str) -> Option<String> {
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))?;
    let host = rest.trim_end_matches('/');
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    valid.then(|| raw.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)], browser: Option<&str>) -> WidgetConfig {
        let attrs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        WidgetConfig::read(
            |name| {
                attrs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            },
            "https://shop.example",
            "shop.example",
            browser,
        )
    }

    #[test]
    fn defaults_come_from_the_page_and_the_browser() {
        let config = read(&[], Some("tr-TR"));
        assert_eq!(config.endpoint, "https://shop.example");
        assert_eq!(config.channel, "shop.example");
        assert_eq!(config.lang, Lang::Tr);
        assert_eq!(config.texts, Texts::default());
    }

    #[test]
    fn attributes_override_the_defaults() {
        let config = read(
            &[
                ("data-endpoint", "https://chat.shop.example/"),
                ("data-channel", "example.com"),
                ("data-locale", "ar"),
                ("data-title", "  Acme support "),
                ("data-position", "left"),
                ("data-color", "#FFCC00"),
            ],
            Some("en-US"),
        );
        assert_eq!(config.position, Position::Left);
        assert_eq!(config.accent.unwrap().css(), "#ffcc00");
        assert_eq!(config.endpoint, "https://chat.shop.example");
        assert_eq!(config.channel, "example.com");
        assert_eq!(config.lang, Lang::Ar);
        assert_eq!(config.texts.title.as_deref(), Some("Acme support"));
    }

    #[test]
    fn bad_values_fall_back_instead_of_breaking() {
        let config = read(
            &[
                ("data-endpoint", "javascript:alert(1)"),
                ("data-locale", "xx"),
                ("data-title", "\u{202e}evil\nname"),
                ("data-greeting", &"g".repeat(500)),
                ("data-position", "middle"),
                ("data-color", "red; background:url(x)"),
            ],
            None,
        );
        assert_eq!(config.position, Position::Right);
        assert_eq!(config.accent, None);
        assert_eq!(config.endpoint, "https://shop.example");
        assert_eq!(config.lang, Lang::En);
        assert_eq!(config.texts.title.as_deref(), Some("\u{202e}evilname"));
        assert_eq!(
            config.texts.greeting.unwrap().chars().count(),
            MAX_TEXT_CHARS
        );
        assert!(checked_endpoint("https://a.example/path").is_none());
        assert!(checked_endpoint("http://127.0.0.1:8787").is_some());
    }

    #[test]
    fn accents_parse_strictly_and_pick_readable_text() {
        assert_eq!(Accent::parse("#0b57d0").unwrap().on_accent(), "#ffffff");
        assert_eq!(Accent::parse("#fc0").unwrap().css(), "#ffcc00");
        assert_eq!(Accent::parse("#ffcc00").unwrap().on_accent(), "#1f1f1f");
        assert_eq!(Accent::parse("#ffffff").unwrap().on_accent(), "#1f1f1f");
        assert_eq!(Accent::parse("#000000").unwrap().on_accent(), "#ffffff");
        // #767676 is the lightest grey with 4.5:1 against white.
        assert_eq!(Accent::parse("#767676").unwrap().on_accent(), "#ffffff");
        assert_eq!(Accent::parse("#777777").unwrap().on_accent(), "#1f1f1f");
        for bad in [
            "0b57d0",
            "#0b57d",
            "#ggg",
            "#0b57d0ff",
            "",
            "#",
            "rgb(0,0,0)",
        ] {
            assert_eq!(Accent::parse(bad), None, "{bad}");
        }
    }
}

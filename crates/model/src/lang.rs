//! Content languages (`en`, `ar`, `tr`), the per-message language choice and text direction.
//!
//! A content map is chosen from by the visitor's preference, then `en`, then the first present
//! key in the fixed order `en`, `ar`, `tr` (JSON key order is not significant).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A content language of Connect360.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ar,
    Tr,
}

/// Writing direction of a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ltr,
    Rtl,
}

impl Direction {
    /// The value of an HTML `dir` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

impl Lang {
    /// Every content language, in the fixed fallback order.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ar, Lang::Tr];

    /// The content key and `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
            Lang::Tr => "tr",
        }
    }

    /// The exact content key (`"en"`), or `None` for any other key.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "ar" => Some(Lang::Ar),
            "tr" => Some(Lang::Tr),
            _ => None,
        }
    }

    /// Best match for a BCP 47 tag such as `ar-EG` or `TR`; `None` when its primary
    /// subtag is not a supported language.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        Lang::from_code(&primary.to_ascii_lowercase())
    }

    pub fn direction(self) -> Direction {
        match self {
            Lang::Ar => Direction::Rtl,
            Lang::En | Lang::Tr => Direction::Ltr,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Picks the language a message is shown in: `preferred` if its key is present (not `null`),
/// else `en`, else the first present of `en`, `ar`, `tr`. `None` when no key is present.
pub fn choose_language(content: &Map<String, Value>, preferred: Option<Lang>) -> Option<Lang> {
    let present = |lang: Lang| content.get(lang.code()).is_some_and(|v| !v.is_null());
    preferred
        .into_iter()
        .chain(Lang::ALL)
        .find(|&lang| present(lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn preferred_language_wins_when_present() {
        let c = map(json!({"en": "Hi", "tr": "Merhaba"}));
        assert_eq!(choose_language(&c, Some(Lang::Tr)), Some(Lang::Tr));
    }

    #[test]
    fn english_is_next_then_fixed_order() {
        let c = map(json!({"tr": "Merhaba", "en": "Hi"}));
        assert_eq!(choose_language(&c, Some(Lang::Ar)), Some(Lang::En));
        let c = map(json!({"tr": "Merhaba", "ar": "مرحبا"}));
        assert_eq!(choose_language(&c, None), Some(Lang::Ar));
    }

    #[test]
    fn null_values_are_absent_and_unknown_keys_ignored() {
        let c = map(json!({"en": null, "fr": "Salut", "tr": "Merhaba"}));
        assert_eq!(choose_language(&c, Some(Lang::En)), Some(Lang::Tr));
        assert_eq!(choose_language(&map(json!({"fr": "x"})), None), None);
    }

    #[test]
    fn tags_map_to_languages_and_direction() {
        assert_eq!(Lang::from_tag("ar-EG"), Some(Lang::Ar));
        assert_eq!(Lang::from_tag("TR"), Some(Lang::Tr));
        assert_eq!(Lang::from_tag("fr-FR"), None);
        assert_eq!(Lang::Ar.direction(), Direction::Rtl);
        assert_eq!(Lang::En.direction().as_str(), "ltr");
    }
}

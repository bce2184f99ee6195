//! The widget's UI strings in `en`, `ar` and `tr`: a small static catalogue, no framework.
//!
//! Strings that appear inside messages (chip labels, placeholder) come from
//! `connect360_model::strings` instead, in the message's language.

use connect360_model::Lang;

/// One UI string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    OpenChat,
    CloseChat,
    Title,
    Greeting,
}

impl Text {
    pub fn get(self, lang: Lang) -> &'static str {
        use Lang::*;
        use Text::*;
        match (self, lang) {
            (OpenChat, En) => "Open chat",
            (OpenChat, Ar) => "فتح المحادثة",
            (OpenChat, Tr) => "Sohbeti aç",
            (CloseChat, En) => "Close chat",
            (CloseChat, Ar) => "إغلاق المحادثة",
            (CloseChat, Tr) => "Sohbeti kapat",
            (Title, En) => "Chat with us",
            (Title, Ar) => "تحدث معنا",
            (Title, Tr) => "Bizimle sohbet edin",
            (Greeting, En) => "Hi! How can we help?",
            (Greeting, Ar) => "مرحبًا! كيف يمكننا المساعدة؟",
            (Greeting, Tr) => "Merhaba! Size nasıl yardımcı olabiliriz?",
        }
    }
}

/// The UI language for a browser language tag (`navigator.language`); English otherwise.
pub fn ui_language(tag: Option<&str>) -> Lang {
    tag.and_then(Lang::from_tag).unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_tags_pick_a_supported_language_or_english() {
        assert_eq!(ui_language(Some("ar-SA")), Lang::Ar);
        assert_eq!(ui_language(Some("tr")), Lang::Tr);
        assert_eq!(ui_language(Some("de-DE")), Lang::En);
        assert_eq!(ui_language(None), Lang::En);
    }

    #[test]
    fn every_string_exists_in_every_language() {
        for text in [Text::OpenChat, Text::CloseChat, Text::Title, Text::Greeting] {
            for lang in Lang::ALL {
                assert!(!text.get(lang).is_empty());
            }
        }
        assert_ne!(Text::Title.get(Lang::Ar), Text::Title.get(Lang::En));
    }
}

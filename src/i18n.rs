//! The widget's UI strings in `en`, `ar` and `tr`: a small static catalogue, no framework.
//! Dates and times are formatted by the browser's `Intl` (see `ui::time`).
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
    /// Under the title: what the visitor can expect.
    Presence,
    Reconnecting,
    Connecting,
    ComposerLabel,
    ComposerPlaceholder,
    Send,
    Sending,
    NotSent,
    Retry,
    Discard,
    You,
    /// The name of an agent who has none.
    SupportTeam,
    /// Announced for an incoming message without plain text.
    NewMessage,
    Transcript,
    EarlierMessages,
}

impl Text {
    pub const ALL: [Text; 19] = [
        Text::OpenChat,
        Text::CloseChat,
        Text::Title,
        Text::Greeting,
        Text::Presence,
        Text::Reconnecting,
        Text::Connecting,
        Text::ComposerLabel,
        Text::ComposerPlaceholder,
        Text::Send,
        Text::Sending,
        Text::NotSent,
        Text::Retry,
        Text::Discard,
        Text::You,
        Text::SupportTeam,
        Text::NewMessage,
        Text::Transcript,
        Text::EarlierMessages,
    ];

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
            (Presence, En) => "We usually reply in a few minutes",
            (Presence, Ar) => "نرد عادةً خلال بضع دقائق",
            (Presence, Tr) => "Genellikle birkaç dakika içinde yanıt veririz",
            (Reconnecting, En) => "Reconnecting…",
            (Reconnecting, Ar) => "جارٍ إعادة الاتصال…",
            (Reconnecting, Tr) => "Yeniden bağlanılıyor…",
            (Connecting, En) => "Connecting…",
            (Connecting, Ar) => "جارٍ الاتصال…",
            (Connecting, Tr) => "Bağlanılıyor…",
            (ComposerLabel, En) => "Message",
            (ComposerLabel, Ar) => "الرسالة",
            (ComposerLabel, Tr) => "Mesaj",
            (ComposerPlaceholder, En) => "Write a message…",
            (ComposerPlaceholder, Ar) => "اكتب رسالة…",
            (ComposerPlaceholder, Tr) => "Bir mesaj yazın…",
            (Send, En) => "Send",
            (Send, Ar) => "إرسال",
            (Send, Tr) => "Gönder",
            (Sending, En) => "Sending…",
            (Sending, Ar) => "جارٍ الإرسال…",
            (Sending, Tr) => "Gönderiliyor…",
            (NotSent, En) => "Not sent",
            (NotSent, Ar) => "لم تُرسل",
            (NotSent, Tr) => "Gönderilmedi",
            (Retry, En) => "Retry",
            (Retry, Ar) => "إعادة المحاولة",
            (Retry, Tr) => "Tekrar dene",
            (Discard, En) => "Discard",
            (Discard, Ar) => "تجاهل",
            (Discard, Tr) => "Vazgeç",
            (You, En) => "You",
            (You, Ar) => "أنت",
            (You, Tr) => "Siz",
            (SupportTeam, En) => "Support",
            (SupportTeam, Ar) => "الدعم",
            (SupportTeam, Tr) => "Destek",
            (NewMessage, En) => "New message",
            (NewMessage, Ar) => "رسالة جديدة",
            (NewMessage, Tr) => "Yeni mesaj",
            (Transcript, En) => "Conversation",
            (Transcript, Ar) => "المحادثة",
            (Transcript, Tr) => "Sohbet",
            (EarlierMessages, En) => "Earlier messages",
            (EarlierMessages, Ar) => "رسائل سابقة",
            (EarlierMessages, Tr) => "Önceki mesajlar",
        }
    }
}

/// "3 unread messages", for the launcher's label.
pub fn unread_label(count: u32, lang: Lang) -> String {
    match (lang, count) {
        (Lang::En, 1) => "1 unread message".into(),
        (Lang::En, n) => format!("{n} unread messages"),
        (Lang::Ar, n) => format!("رسائل غير مقروءة: {n}"),
        (Lang::Tr, n) => format!("{n} okunmamış mesaj"),
    }
}

/// "120 characters left", shown near the composer's limit.
pub fn characters_left(count: usize, lang: Lang) -> String {
    match (lang, count) {
        (Lang::En, 1) => "1 character left".into(),
        (Lang::En, n) => format!("{n} characters left"),
        (Lang::Ar, n) => format!("الأحرف المتبقية: {n}"),
        (Lang::Tr, n) => format!("{n} karakter kaldı"),
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
    fn every_string_exists_and_is_translated_in_every_language() {
        for text in Text::ALL {
            for lang in Lang::ALL {
                assert!(!text.get(lang).is_empty(), "{text:?} {lang:?}");
            }
            assert_ne!(text.get(Lang::Ar), text.get(Lang::En), "{text:?}");
            assert_ne!(text.get(Lang::Tr), text.get(Lang::En), "{text:?}");
        }
    }

    #[test]
    fn counted_strings_agree_in_number() {
        assert_eq!(unread_label(1, Lang::En), "1 unread message");
        assert_eq!(unread_label(3, Lang::En), "3 unread messages");
        assert_eq!(characters_left(1, Lang::En), "1 character left");
        assert!(characters_left(12, Lang::Tr).contains("12"));
    }
}

//! Strings the widget and the gateway put into messages themselves (`rich-messages.md` §5.10),
//! in the message's chosen language. UI chrome strings live in the widget's own catalogue.

use crate::lang::Lang;

/// A widget-supplied string that appears in or as message content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageString {
    /// The live-agent chip, and the text it posts.
    TalkToAPerson,
    /// The sign-in chip.
    SignIn,
    /// The text the gateway posts after a successful sign-in.
    SignedIn,
    /// The text the gateway posts after a failed sign-in.
    SignInNotCompleted,
    /// The placeholder for a value that cannot be shown.
    Placeholder,
    /// The badge after a bot's name.
    BotBadge,
}

impl MessageString {
    pub fn text(self, lang: Lang) -> &'static str {
        use Lang::*;
        use MessageString::*;
        match (self, lang) {
            (TalkToAPerson, En) => "Talk to a person",
            (TalkToAPerson, Ar) => "التحدث مع موظف",
            (TalkToAPerson, Tr) => "Bir temsilciyle görüş",
            (SignIn, En) => "Sign in",
            (SignIn, Ar) => "تسجيل الدخول",
            (SignIn, Tr) => "Giriş yap",
            (SignedIn, En) => "Signed in",
            (SignedIn, Ar) => "تم تسجيل الدخول",
            (SignedIn, Tr) => "Giriş yapıldı",
            (SignInNotCompleted, En) => "Sign-in not completed",
            (SignInNotCompleted, Ar) => "لم يكتمل تسجيل الدخول",
            (SignInNotCompleted, Tr) => "Giriş tamamlanmadı",
            (Placeholder, En) => "This message can't be shown here.",
            (Placeholder, Ar) => "لا يمكن عرض هذه الرسالة هنا.",
            (Placeholder, Tr) => "Bu mesaj burada gösterilemiyor.",
            (BotBadge, En) => "Bot",
            (BotBadge, Ar) => "روبوت",
            (BotBadge, Tr) => "Bot",
        }
    }
}

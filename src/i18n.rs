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
    /// The earlier-messages button while they are fetched.
    LoadingEarlier,
    /// The earlier-messages button after fetching them failed (pressing it tries again).
    EarlierFailed,
    /// After a new-tab link's name.
    OpensInNewTab,
    /// Before a dial chip's number: ", call +1 …".
    Call,
    /// Announced after choosing a reply: "You chose: <label>".
    YouChose,
    /// After a used card button's name.
    Chosen,
    SuggestedReplies,
    /// `aria-roledescription` of a card.
    Card,
    /// `aria-roledescription` of a carousel.
    Carousel,
    /// "5 cards", a carousel's name.
    Cards,
    Previous,
    Next,
    SigningIn,
    PopupBlocked,
    SignInUnavailable,
    TryAgain,
    OpenImage,
    Image,
    /// After "Not sent:", why the server refused a message (`store::delivery::Refusal`).
    RefusedCharacters,
    RefusedTooLong,
    RefusedConversation,
    RefusedOther,
    /// The quote of the message a reply answers.
    InReplyTo,
    Attach,
    /// The name of the AI agent's streamed reply.
    Assistant,
    /// Read out for the typing indicator.
    Typing,
    RemoveFile,
    UploadFailed,
    Download,
    /// The launcher's name while the panel is open (the header's button is "Close chat").
    MinimizeChat,
    /// The header's status while the browser is offline.
    Offline,
    /// Closes a notice.
    Dismiss,
    /// The pill that scrolls down to messages that arrived while the visitor read older ones.
    NewMessagesBelow,
    /// The contact form's heading.
    ContactTitle,
    /// Above the form while the team is away.
    ContactAway,
    FieldName,
    FieldEmail,
    FieldPhone,
    /// After an optional field's label.
    Optional,
    ConsentLabel,
    /// The link to the merchant's privacy notice.
    PrivacyNotice,
    ContactSubmit,
    NameMissing,
    NameBad,
    EmailMissing,
    EmailBad,
    PhoneMissing,
    PhoneBad,
    ConsentMissing,
    /// Saving the form failed (the network, the server).
    ContactFailed,
    /// The header's menu button.
    MoreOptions,
    EndChat,
    EndChatConfirm,
    Cancel,
    EndFailed,
    ChatEnded,
    RateQuestion,
    Rating1,
    Rating2,
    Rating3,
    Rating4,
    Rating5,
    RatingComment,
    SendRating,
    ChooseRating,
    RatingFailed,
    RatingThanks,
    /// Under an ended chat: the composer still works.
    WriteAgain,
    /// The menu item that saves the conversation as a text file.
    DownloadTranscript,
    /// The transcript file's first line, after the title.
    TranscriptFile,
    TranscriptFailed,
    /// After an end: a new conversation for the same visitor.
    StartNewChat,
    NewChatFailed,
    /// The menu item, and the heading of the list of the visitor's chats.
    EarlierChats,
    BackToChat,
    AllChats,
    CurrentChat,
    NoEarlierChats,
    NoMessages,
    /// Above an earlier chat's messages.
    ReadOnlyChat,
    ChatsFailed,
    LoadingChats,
    /// A view of the split build whose module could not be fetched.
    PartFailed,
}

impl Text {
    pub const ALL: [Text; 102] = [
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
        Text::LoadingEarlier,
        Text::EarlierFailed,
        Text::OpensInNewTab,
        Text::Call,
        Text::YouChose,
        Text::Chosen,
        Text::SuggestedReplies,
        Text::Card,
        Text::Carousel,
        Text::Cards,
        Text::Previous,
        Text::Next,
        Text::SigningIn,
        Text::PopupBlocked,
        Text::SignInUnavailable,
        Text::TryAgain,
        Text::OpenImage,
        Text::Image,
        Text::RefusedCharacters,
        Text::RefusedTooLong,
        Text::RefusedConversation,
        Text::RefusedOther,
        Text::InReplyTo,
        Text::Attach,
        Text::Assistant,
        Text::Typing,
        Text::RemoveFile,
        Text::UploadFailed,
        Text::Download,
        Text::MinimizeChat,
        Text::Offline,
        Text::Dismiss,
        Text::NewMessagesBelow,
        Text::ContactTitle,
        Text::ContactAway,
        Text::FieldName,
        Text::FieldEmail,
        Text::FieldPhone,
        Text::Optional,
        Text::ConsentLabel,
        Text::PrivacyNotice,
        Text::ContactSubmit,
        Text::NameMissing,
        Text::NameBad,
        Text::EmailMissing,
        Text::EmailBad,
        Text::PhoneMissing,
        Text::PhoneBad,
        Text::ConsentMissing,
        Text::ContactFailed,
        Text::MoreOptions,
        Text::EndChat,
        Text::EndChatConfirm,
        Text::Cancel,
        Text::EndFailed,
        Text::ChatEnded,
        Text::RateQuestion,
        Text::Rating1,
        Text::Rating2,
        Text::Rating3,
        Text::Rating4,
        Text::Rating5,
        Text::RatingComment,
        Text::SendRating,
        Text::ChooseRating,
        Text::RatingFailed,
        Text::RatingThanks,
        Text::WriteAgain,
        Text::DownloadTranscript,
        Text::TranscriptFile,
        Text::TranscriptFailed,
        Text::StartNewChat,
        Text::NewChatFailed,
        Text::EarlierChats,
        Text::BackToChat,
        Text::AllChats,
        Text::CurrentChat,
        Text::NoEarlierChats,
        Text::NoMessages,
        Text::ReadOnlyChat,
        Text::ChatsFailed,
        Text::LoadingChats,
        Text::PartFailed,
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
            (LoadingEarlier, En) => "Loading earlier messages…",
            (LoadingEarlier, Ar) => "جارٍ تحميل الرسائل السابقة…",
            (LoadingEarlier, Tr) => "Önceki mesajlar yükleniyor…",
            (EarlierFailed, En) => "Couldn't load earlier messages. Try again",
            (EarlierFailed, Ar) => "تعذّر تحميل الرسائل السابقة. حاول مرة أخرى",
            (EarlierFailed, Tr) => "Önceki mesajlar yüklenemedi. Tekrar dene",
            (OpensInNewTab, En) => " (opens in a new tab)",
            (OpensInNewTab, Ar) => " (يفتح في علامة تبويب جديدة)",
            (OpensInNewTab, Tr) => " (yeni sekmede açılır)",
            (Call, En) => "call",
            (Call, Ar) => "اتصال بالرقم",
            (Call, Tr) => "ara",
            (YouChose, En) => "You chose:",
            (YouChose, Ar) => "اخترت:",
            (YouChose, Tr) => "Seçiminiz:",
            (Chosen, En) => " (chosen)",
            (Chosen, Ar) => " (تم اختياره)",
            (Chosen, Tr) => " (seçildi)",
            (SuggestedReplies, En) => "Suggested replies",
            (SuggestedReplies, Ar) => "ردود مقترحة",
            (SuggestedReplies, Tr) => "Önerilen yanıtlar",
            (Card, En) => "card",
            (Card, Ar) => "بطاقة",
            (Card, Tr) => "kart",
            (Carousel, En) => "carousel",
            (Carousel, Ar) => "عرض دوّار",
            (Carousel, Tr) => "kaydırmalı liste",
            (Cards, En) => "cards",
            (Cards, Ar) => "بطاقات",
            (Cards, Tr) => "kart",
            (Previous, En) => "Previous",
            (Previous, Ar) => "السابق",
            (Previous, Tr) => "Önceki",
            (Next, En) => "Next",
            (Next, Ar) => "التالي",
            (Next, Tr) => "Sonraki",
            (SigningIn, En) => "Signing in…",
            (SigningIn, Ar) => "جارٍ تسجيل الدخول…",
            (SigningIn, Tr) => "Giriş yapılıyor…",
            (PopupBlocked, En) => "Your browser blocked the sign-in window",
            (PopupBlocked, Ar) => "منع متصفحك نافذة تسجيل الدخول",
            (PopupBlocked, Tr) => "Tarayıcınız giriş penceresini engelledi",
            (SignInUnavailable, En) => "Sign-in isn't available in this browser",
            (SignInUnavailable, Ar) => "تسجيل الدخول غير متاح في هذا المتصفح",
            (SignInUnavailable, Tr) => "Bu tarayıcıda giriş yapılamıyor",
            (TryAgain, En) => "Try again",
            (TryAgain, Ar) => "حاول مرة أخرى",
            (TryAgain, Tr) => "Tekrar deneyin",
            (OpenImage, En) => "Open image:",
            (OpenImage, Ar) => "فتح الصورة:",
            (OpenImage, Tr) => "Resmi aç:",
            (RefusedCharacters, En) => "a character in it can't be sent",
            (RefusedCharacters, Ar) => "يحتوي على رمز لا يمكن إرساله",
            (RefusedCharacters, Tr) => "gönderilemeyen bir karakter içeriyor",
            (RefusedTooLong, En) => "it is too long",
            (RefusedTooLong, Ar) => "الرسالة طويلة جدًا",
            (RefusedTooLong, Tr) => "çok uzun",
            (RefusedConversation, En) => "this conversation is closed",
            (RefusedConversation, Ar) => "هذه المحادثة مغلقة",
            (RefusedConversation, Tr) => "bu sohbet kapalı",
            (RefusedOther, En) => "the chat server refused it",
            (RefusedOther, Ar) => "رفضها خادم المحادثة",
            (RefusedOther, Tr) => "sohbet sunucusu reddetti",
            (Image, En) => "Image",
            (Image, Ar) => "صورة",
            (Image, Tr) => "Resim",
            (Attach, En) => "Attach files",
            (Attach, Ar) => "إرفاق ملفات",
            (Attach, Tr) => "Dosya ekle",
            (Assistant, En) => "Assistant",
            (Assistant, Ar) => "المساعد",
            (Assistant, Tr) => "Asistan",
            (Typing, En) => "typing…",
            (Typing, Ar) => "يكتب…",
            (Typing, Tr) => "yazıyor…",
            (RemoveFile, En) => "Remove",
            (RemoveFile, Ar) => "إزالة",
            (RemoveFile, Tr) => "Kaldır",
            (UploadFailed, En) => "Upload failed",
            (UploadFailed, Ar) => "فشل الرفع",
            (UploadFailed, Tr) => "Yükleme başarısız",
            (Download, En) => "Download",
            (Download, Ar) => "تنزيل",
            (Download, Tr) => "İndir",
            (InReplyTo, En) => "In reply to",
            (InReplyTo, Ar) => "ردًا على",
            (InReplyTo, Tr) => "Yanıtlanan mesaj",
            (MinimizeChat, En) => "Minimize chat",
            (MinimizeChat, Ar) => "تصغير المحادثة",
            (MinimizeChat, Tr) => "Sohbeti küçült",
            (Offline, En) => "You're offline — messages will be sent when you're back",
            (Offline, Ar) => "أنت غير متصل — ستُرسل الرسائل عند عودة الاتصال",
            (Offline, Tr) => "Çevrimdışısınız — mesajlar bağlantı gelince gönderilecek",
            (Dismiss, En) => "Dismiss",
            (Dismiss, Ar) => "إغلاق التنبيه",
            (Dismiss, Tr) => "Kapat",
            (NewMessagesBelow, En) => "New messages",
            (NewMessagesBelow, Ar) => "رسائل جديدة",
            (NewMessagesBelow, Tr) => "Yeni mesajlar",
            (ContactTitle, En) => "Before we start",
            (ContactTitle, Ar) => "قبل أن نبدأ",
            (ContactTitle, Tr) => "Başlamadan önce",
            (ContactAway, En) => "We're away right now. Leave your e-mail and we'll write back.",
            (ContactAway, Ar) => "نحن غير متاحين الآن. اترك بريدك الإلكتروني وسنراسلك.",
            (ContactAway, Tr) => "Şu an çevrim dışıyız. E-postanızı bırakın, size yazalım.",
            (FieldName, En) => "Name",
            (FieldName, Ar) => "الاسم",
            (FieldName, Tr) => "Ad",
            (FieldEmail, En) => "E-mail",
            (FieldEmail, Ar) => "البريد الإلكتروني",
            (FieldEmail, Tr) => "E-posta",
            (FieldPhone, En) => "Phone",
            (FieldPhone, Ar) => "الهاتف",
            (FieldPhone, Tr) => "Telefon",
            (Optional, En) => "(optional)",
            (Optional, Ar) => "(اختياري)",
            (Optional, Tr) => "(isteğe bağlı)",
            (ConsentLabel, En) => "I agree to the privacy notice",
            (ConsentLabel, Ar) => "أوافق على إشعار الخصوصية",
            (ConsentLabel, Tr) => "Gizlilik bildirimini kabul ediyorum",
            (PrivacyNotice, En) => "Privacy notice",
            (PrivacyNotice, Ar) => "إشعار الخصوصية",
            (PrivacyNotice, Tr) => "Gizlilik bildirimi",
            (ContactSubmit, En) => "Continue",
            (ContactSubmit, Ar) => "متابعة",
            (ContactSubmit, Tr) => "Devam",
            (NameMissing, En) => "Please enter your name.",
            (NameMissing, Ar) => "يرجى إدخال اسمك.",
            (NameMissing, Tr) => "Lütfen adınızı girin.",
            (NameBad, En) => "Your name must be one line of at most 100 characters.",
            (NameBad, Ar) => "يجب أن يكون الاسم سطرًا واحدًا لا يتجاوز 100 حرف.",
            (NameBad, Tr) => "Adınız en fazla 100 karakterlik tek bir satır olmalı.",
            (EmailMissing, En) => "Please enter your e-mail address.",
            (EmailMissing, Ar) => "يرجى إدخال بريدك الإلكتروني.",
            (EmailMissing, Tr) => "Lütfen e-posta adresinizi girin.",
            (EmailBad, En) => "Enter an e-mail address such as name@example.com.",
            (EmailBad, Ar) => "أدخل بريدًا إلكترونيًا مثل name@example.com.",
            (EmailBad, Tr) => "name@example.com gibi bir e-posta adresi girin.",
            (PhoneMissing, En) => "Please enter your phone number.",
            (PhoneMissing, Ar) => "يرجى إدخال رقم هاتفك.",
            (PhoneMissing, Tr) => "Lütfen telefon numaranızı girin.",
            (PhoneBad, En) => {
                "Enter the number with + and the country code, such as +90 532 123 45 67."
            }
            (PhoneBad, Ar) => "أدخل الرقم مع + ورمز البلد، مثل ‎+90 532 123 45 67.",
            (PhoneBad, Tr) => "Numarayı + ve ülke koduyla girin, örneğin +90 532 123 45 67.",
            (ConsentMissing, En) => "Please accept the privacy notice to continue.",
            (ConsentMissing, Ar) => "يرجى قبول إشعار الخصوصية للمتابعة.",
            (ConsentMissing, Tr) => "Devam etmek için gizlilik bildirimini kabul edin.",
            (ContactFailed, En) => "Your details could not be saved. Please try again.",
            (ContactFailed, Ar) => "تعذّر حفظ بياناتك. يرجى المحاولة مرة أخرى.",
            (ContactFailed, Tr) => "Bilgileriniz kaydedilemedi. Lütfen tekrar deneyin.",
            (MoreOptions, En) => "More options",
            (MoreOptions, Ar) => "خيارات أخرى",
            (MoreOptions, Tr) => "Diğer seçenekler",
            (EndChat, En) => "End chat",
            (EndChat, Ar) => "إنهاء المحادثة",
            (EndChat, Tr) => "Sohbeti sonlandır",
            (EndChatConfirm, En) => "End this chat? You can rate it afterwards.",
            (EndChatConfirm, Ar) => "هل تريد إنهاء هذه المحادثة؟ يمكنك تقييمها بعد ذلك.",
            (EndChatConfirm, Tr) => "Bu sohbet sonlandırılsın mı? Ardından değerlendirebilirsiniz.",
            (Cancel, En) => "Cancel",
            (Cancel, Ar) => "إلغاء",
            (Cancel, Tr) => "İptal",
            (EndFailed, En) => "The chat could not be ended. Please try again.",
            (EndFailed, Ar) => "تعذّر إنهاء المحادثة. يرجى المحاولة مرة أخرى.",
            (EndFailed, Tr) => "Sohbet sonlandırılamadı. Lütfen tekrar deneyin.",
            (ChatEnded, En) => "This chat has ended.",
            (ChatEnded, Ar) => "انتهت هذه المحادثة.",
            (ChatEnded, Tr) => "Bu sohbet sona erdi.",
            (RateQuestion, En) => "How was your chat?",
            (RateQuestion, Ar) => "كيف كانت محادثتك؟",
            (RateQuestion, Tr) => "Sohbetiniz nasıldı?",
            (Rating1, En) => "Very poor",
            (Rating1, Ar) => "سيئة جدًا",
            (Rating1, Tr) => "Çok kötü",
            (Rating2, En) => "Poor",
            (Rating2, Ar) => "سيئة",
            (Rating2, Tr) => "Kötü",
            (Rating3, En) => "Okay",
            (Rating3, Ar) => "مقبولة",
            (Rating3, Tr) => "İdare eder",
            (Rating4, En) => "Good",
            (Rating4, Ar) => "جيدة",
            (Rating4, Tr) => "İyi",
            (Rating5, En) => "Excellent",
            (Rating5, Ar) => "ممتازة",
            (Rating5, Tr) => "Mükemmel",
            (RatingComment, En) => "Anything to add? (optional)",
            (RatingComment, Ar) => "هل تريد إضافة شيء؟ (اختياري)",
            (RatingComment, Tr) => "Eklemek istediğiniz bir şey var mı? (isteğe bağlı)",
            (SendRating, En) => "Send rating",
            (SendRating, Ar) => "إرسال التقييم",
            (SendRating, Tr) => "Değerlendirmeyi gönder",
            (ChooseRating, En) => "Choose a rating first.",
            (ChooseRating, Ar) => "اختر تقييمًا أولًا.",
            (ChooseRating, Tr) => "Önce bir puan seçin.",
            (RatingFailed, En) => "Your rating could not be sent. Please try again.",
            (RatingFailed, Ar) => "تعذّر إرسال تقييمك. يرجى المحاولة مرة أخرى.",
            (RatingFailed, Tr) => "Değerlendirmeniz gönderilemedi. Lütfen tekrar deneyin.",
            (RatingThanks, En) => "Thank you for your rating!",
            (RatingThanks, Ar) => "شكرًا على تقييمك!",
            (RatingThanks, Tr) => "Değerlendirmeniz için teşekkürler!",
            (WriteAgain, En) => "You can write to us again anytime.",
            (WriteAgain, Ar) => "يمكنك مراسلتنا مجددًا في أي وقت.",
            (WriteAgain, Tr) => "Dilediğiniz zaman yeniden yazabilirsiniz.",
            (DownloadTranscript, En) => "Download transcript",
            (DownloadTranscript, Ar) => "تنزيل نص المحادثة",
            (DownloadTranscript, Tr) => "Sohbet dökümünü indir",
            (TranscriptFile, En) => "Chat transcript",
            (TranscriptFile, Ar) => "نص المحادثة",
            (TranscriptFile, Tr) => "Sohbet dökümü",
            (TranscriptFailed, En) => "The transcript could not be prepared. Please try again.",
            (TranscriptFailed, Ar) => "تعذّر تجهيز نص المحادثة. يرجى المحاولة مرة أخرى.",
            (TranscriptFailed, Tr) => "Sohbet dökümü hazırlanamadı. Lütfen tekrar deneyin.",
            (StartNewChat, En) => "Start a new chat",
            (StartNewChat, Ar) => "بدء محادثة جديدة",
            (StartNewChat, Tr) => "Yeni sohbet başlat",
            (NewChatFailed, En) => "A new chat could not be started. Please try again.",
            (NewChatFailed, Ar) => "تعذّر بدء محادثة جديدة. يرجى المحاولة مرة أخرى.",
            (NewChatFailed, Tr) => "Yeni sohbet başlatılamadı. Lütfen tekrar deneyin.",
            (EarlierChats, En) => "Earlier chats",
            (EarlierChats, Ar) => "المحادثات السابقة",
            (EarlierChats, Tr) => "Önceki sohbetler",
            (BackToChat, En) => "Back to the chat",
            (BackToChat, Ar) => "العودة إلى المحادثة",
            (BackToChat, Tr) => "Sohbete dön",
            (AllChats, En) => "All chats",
            (AllChats, Ar) => "كل المحادثات",
            (AllChats, Tr) => "Tüm sohbetler",
            (CurrentChat, En) => "Current chat",
            (CurrentChat, Ar) => "المحادثة الحالية",
            (CurrentChat, Tr) => "Şu anki sohbet",
            (NoEarlierChats, En) => "No earlier chats yet.",
            (NoEarlierChats, Ar) => "لا توجد محادثات سابقة بعد.",
            (NoEarlierChats, Tr) => "Henüz önceki sohbet yok.",
            (NoMessages, En) => "No messages",
            (NoMessages, Ar) => "لا توجد رسائل",
            (NoMessages, Tr) => "Mesaj yok",
            (ReadOnlyChat, En) => "This chat can be read, not written in.",
            (ReadOnlyChat, Ar) => "يمكن قراءة هذه المحادثة دون الكتابة فيها.",
            (ReadOnlyChat, Tr) => "Bu sohbet okunabilir, ona yazılamaz.",
            (ChatsFailed, En) => "The chats could not be loaded. Please try again.",
            (ChatsFailed, Ar) => "تعذّر تحميل المحادثات. يرجى المحاولة مرة أخرى.",
            (ChatsFailed, Tr) => "Sohbetler yüklenemedi. Lütfen tekrar deneyin.",
            (LoadingChats, En) => "Loading…",
            (LoadingChats, Ar) => "جارٍ التحميل…",
            (LoadingChats, Tr) => "Yükleniyor…",
            (PartFailed, En) => "This part of the chat could not be loaded.",
            (PartFailed, Ar) => "تعذّر تحميل هذا الجزء من المحادثة.",
            (PartFailed, Tr) => "Sohbetin bu bölümü yüklenemedi.",
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

/// "2 of 5: Latte", a carousel card's name.
pub fn card_position(index: usize, count: usize, title: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{index} of {count}: {title}"),
        Lang::Ar => format!("{index} من {count}: {title}"),
        Lang::Tr => format!("{index}/{count}: {title}"),
    }
}

/// "Acme assistant sent 3 cards: Blue Runner, Trail Pro, City Walk", a carousel's
/// announcement (the titles it has, in order).
pub fn cards_sent(name: &str, count: usize, titles: &[String], lang: Lang) -> String {
    let list = titles.join(", ");
    let head = match lang {
        Lang::En if count == 1 => format!("{name} sent 1 card"),
        Lang::En => format!("{name} sent {count} cards"),
        Lang::Ar => format!("أرسل {name} بطاقات: {count}"),
        Lang::Tr => format!("{name} {count} kart gönderdi"),
    };
    if list.is_empty() {
        head
    } else {
        format!("{head}: {list}")
    }
}

/// "Support sent a picture: Ridge at dawn", an image message's announcement.
pub fn picture_sent(name: &str, alt: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{name} sent a picture: {alt}"),
        Lang::Ar => format!("أرسل {name} صورة: {alt}"),
        Lang::Tr => format!("{name} bir resim gönderdi: {alt}"),
    }
}

/// Why a file was not attached, in words.
pub fn attachment_refusal(
    refusal: &crate::store::attachments::Refusal,
    name: &str,
    lang: Lang,
) -> String {
    use crate::store::attachments::Refusal::*;
    match (refusal, lang) {
        (TooMany, Lang::En) => "You can attach up to 5 files at a time.".into(),
        (TooMany, Lang::Ar) => "يمكنك إرفاق 5 ملفات كحد أقصى في المرة الواحدة.".into(),
        (TooMany, Lang::Tr) => "Bir seferde en fazla 5 dosya ekleyebilirsiniz.".into(),
        (TooLarge, Lang::En) => format!("{name} is larger than 25 MB."),
        (TooLarge, Lang::Ar) => format!("حجم {name} أكبر من 25 ميغابايت."),
        (TooLarge, Lang::Tr) => format!("{name} 25 MB'tan büyük."),
        (Empty, Lang::En) => format!("{name} is empty."),
        (Empty, Lang::Ar) => format!("الملف {name} فارغ."),
        (Empty, Lang::Tr) => format!("{name} boş."),
        (Type(_), Lang::En) => {
            format!("{name} can't be sent: pictures, PDFs, text and office documents only.")
        }
        (Type(_), Lang::Ar) => {
            format!("لا يمكن إرسال {name}: الصور وملفات PDF والنصوص والمستندات المكتبية فقط.")
        }
        (Type(_), Lang::Tr) => {
            format!("{name} gönderilemez: yalnızca resim, PDF, metin ve ofis belgeleri.")
        }
        (Content, Lang::En) => {
            format!("{name} can't be sent: its content doesn't match its file type.")
        }
        (Content, Lang::Ar) => format!("لا يمكن إرسال {name}: محتواه لا يطابق نوع الملف."),
        (Content, Lang::Tr) => format!("{name} gönderilemez: içeriği dosya türüyle uyuşmuyor."),
    }
}

/// The header while the team is in (the merchant's opening hours): "Online · replies in about
/// 5 minutes", `duration` written by the browser in the visitor's language.
pub fn team_online(duration: Option<&str>, lang: Lang) -> String {
    match (lang, duration) {
        (Lang::En, Some(d)) => format!("Online · replies in about {d}"),
        (Lang::En, None) => "Online now".into(),
        (Lang::Ar, Some(d)) => format!("متصلون · نرد خلال {d} تقريبًا"),
        (Lang::Ar, None) => "متصلون الآن".into(),
        (Lang::Tr, Some(d)) => format!("Çevrimiçi · yaklaşık {d} içinde yanıt"),
        (Lang::Tr, None) => "Şu an çevrimiçi".into(),
    }
}

/// The header while the team is away: "Away · back tomorrow at 9:00 AM" (`day` and `time` in
/// the visitor's language and time zone), or, with no return soon, an invitation to write.
pub fn team_away(back: Option<(&str, &str)>, lang: Lang) -> String {
    match (lang, back) {
        (Lang::En, Some((day, time))) => format!("Away · back {day} at {time}"),
        (Lang::En, None) => "Away · leave a message and we'll reply".into(),
        (Lang::Ar, Some((day, time))) => format!("غير متصلين · نعود {day} الساعة {time}"),
        (Lang::Ar, None) => "غير متصلين · اترك رسالة وسنرد عليك".into(),
        (Lang::Tr, Some((day, time))) => format!("Çevrim dışı · {day} {time} itibarıyla buradayız"),
        (Lang::Tr, None) => "Çevrim dışı · mesaj bırakın, yanıtlayalım".into(),
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

/// "Not sent: it is too long": a refused message's status, with the reason the server gave.
pub fn not_sent_because(refusal: crate::store::delivery::Refusal, lang: Lang) -> String {
    use crate::store::delivery::Refusal;
    let reason = match refusal {
        Refusal::Characters => Text::RefusedCharacters,
        Refusal::TooLong => Text::RefusedTooLong,
        Refusal::Conversation => Text::RefusedConversation,
        Refusal::Other => Text::RefusedOther,
    };
    format!("{}: {}", Text::NotSent.get(lang), reason.get(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_message_says_why_in_the_visitors_language() {
        use crate::store::delivery::Refusal;
        assert_eq!(
            not_sent_because(Refusal::TooLong, Lang::En),
            "Not sent: it is too long"
        );
        assert_eq!(
            not_sent_because(Refusal::Characters, Lang::Ar),
            "لم تُرسل: يحتوي على رمز لا يمكن إرساله"
        );
        assert_eq!(
            not_sent_because(Refusal::Conversation, Lang::Tr),
            "Gönderilmedi: bu sohbet kapalı"
        );
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
        assert_eq!(
            cards_sent("Acme", 3, &["A".into(), "B".into()], Lang::En),
            "Acme sent 3 cards: A, B"
        );
        assert_eq!(cards_sent("Acme", 1, &[], Lang::En), "Acme sent 1 card");
    }

    #[test]
    fn the_teams_availability_reads_in_every_language() {
        assert_eq!(
            team_online(Some("5 minutes"), Lang::En),
            "Online · replies in about 5 minutes"
        );
        assert_eq!(
            team_away(Some(("tomorrow", "9:00 AM")), Lang::En),
            "Away · back tomorrow at 9:00 AM"
        );
        for lang in [Lang::Ar, Lang::Tr] {
            assert!(team_online(Some("٥"), lang).contains('٥'));
            assert!(team_away(Some(("D", "T")), lang).contains('D'));
            assert_ne!(team_online(None, lang), team_online(None, Lang::En));
            assert_ne!(team_away(None, lang), team_away(None, Lang::En));
        }
    }
}

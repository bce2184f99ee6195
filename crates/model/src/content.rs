//! The rich content model of `rich-messages.md` §1: the Google Business Messages message shape
//! an agent sends, and the shape of a visitor's reply to a suggestion.
//!
//! These types serialise to exactly the documented JSON. Values coming from the network are not
//! deserialised into them directly but decoded by [`crate::validate`], which reports every
//! violation with its path and fills these types with checked, serialised URLs.

use serde::{Deserialize, Serialize};

/// An agent's message value (`AgentContent`): one body plus optional chips, fallback and
/// representative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentContent {
    #[serde(flatten)]
    pub body: Body,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<Representative>,
}

impl AgentContent {
    /// The suggestion at `path` inside this value, as the widget names it when it asks the
    /// gateway to start a sign-in: `suggestions[0]`,
    /// `richCard.standaloneCard.cardContent.suggestions[1]` or
    /// `richCard.carouselCard.cardContents[2].suggestions[0]`.
    pub fn suggestion_at(&self, path: &str) -> Option<&Suggestion> {
        if let Some(rest) = path.strip_prefix("suggestions") {
            return self.suggestions.get(whole_index(rest)?);
        }
        let Body::RichCard(card) = &self.body else {
            return None;
        };
        match card {
            RichCard::StandaloneCard(standalone) => {
                let rest = path.strip_prefix("richCard.standaloneCard.cardContent.suggestions")?;
                standalone.card_content.suggestions.get(whole_index(rest)?)
            }
            RichCard::CarouselCard(carousel) => {
                let rest = path.strip_prefix("richCard.carouselCard.cardContents")?;
                let (card, rest) = leading_index(rest)?;
                let rest = rest.strip_prefix(".suggestions")?;
                carousel
                    .card_contents
                    .get(card)?
                    .suggestions
                    .get(whole_index(rest)?)
            }
        }
    }
}

/// `[n]` followed by the rest of a path.
fn leading_index(path: &str) -> Option<(usize, &str)> {
    let (digits, rest) = path.strip_prefix('[')?.split_once(']')?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, rest))
}

/// Exactly `[n]`.
fn whole_index(path: &str) -> Option<usize> {
    leading_index(path)
        .filter(|(_, rest)| rest.is_empty())
        .map(|(i, _)| i)
}

/// Exactly one of `text`, `image`, `richCard` (rule M1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Body {
    Image(Image),
    RichCard(RichCard),
    /// `text`, with `containsRichText` alongside it.
    #[serde(untagged)]
    Text(TextBody),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextBody {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contains_rich_text: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RepresentativeType {
    Bot,
    Human,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Representative {
    pub representative_type: RepresentativeType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A checked image URL (see [`crate::safety::image_url`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_image: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub content_info: ContentInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentInfo {
    pub file_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_refresh: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// Exactly one of `standaloneCard`, `carouselCard` (rule RC1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RichCard {
    StandaloneCard(StandaloneCard),
    CarouselCard(CarouselCard),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandaloneCard {
    pub card_content: CardContent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarouselCard {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_width: Option<CardWidth>,
    pub card_contents: Vec<CardContent>,
}

impl CarouselCard {
    /// Absent or unspecified width means MEDIUM.
    pub fn effective_width(&self) -> CardWidth {
        match self.card_width {
            Some(CardWidth::Small) => CardWidth::Small,
            _ => CardWidth::Medium,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CardContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<Height>,
    pub content_info: ContentInfo,
}

impl Media {
    /// Absent or unspecified height means MEDIUM.
    pub fn effective_height(&self) -> Height {
        match self.height {
            None | Some(Height::HeightUnspecified) => Height::Medium,
            Some(h) => h,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Height {
    HeightUnspecified,
    Short,
    Medium,
    Tall,
}

impl Height {
    pub const ALL: [Height; 4] = [
        Height::HeightUnspecified,
        Height::Short,
        Height::Medium,
        Height::Tall,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Height::HeightUnspecified => "HEIGHT_UNSPECIFIED",
            Height::Short => "SHORT",
            Height::Medium => "MEDIUM",
            Height::Tall => "TALL",
        }
    }

    /// Media box height in CSS pixels.
    pub fn pixels(self) -> u32 {
        match self {
            Height::Short => 112,
            Height::HeightUnspecified | Height::Medium => 168,
            Height::Tall => 264,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardWidth {
    CardWidthUnspecified,
    Small,
    Medium,
}

impl CardWidth {
    pub const ALL: [CardWidth; 3] = [
        CardWidth::CardWidthUnspecified,
        CardWidth::Small,
        CardWidth::Medium,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CardWidth::CardWidthUnspecified => "CARD_WIDTH_UNSPECIFIED",
            CardWidth::Small => "SMALL",
            CardWidth::Medium => "MEDIUM",
        }
    }

    /// Card width in CSS pixels.
    pub fn pixels(self) -> u32 {
        match self {
            CardWidth::Small => 136,
            CardWidth::CardWidthUnspecified | CardWidth::Medium => 280,
        }
    }
}

/// A chip or card button: exactly one kind (rule S1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Suggestion {
    Reply(SuggestedReply),
    Action(SuggestedAction),
    LiveAgentRequest(LiveAgentRequest),
    AuthenticationRequest(AuthenticationRequest),
}

impl Suggestion {
    /// The response type a visitor's activation posts.
    pub fn response_type(&self) -> SuggestionResponseType {
        match self {
            Suggestion::Reply(_) => SuggestionResponseType::Reply,
            Suggestion::Action(_) => SuggestionResponseType::Action,
            Suggestion::LiveAgentRequest(_) => SuggestionResponseType::LiveAgent,
            Suggestion::AuthenticationRequest(_) => SuggestionResponseType::Auth,
        }
    }

    /// The `postbackData` a visitor's activation posts (`""` when it had none).
    pub fn postback_data(&self) -> &str {
        match self {
            Suggestion::Reply(r) => r.postback_data.as_deref().unwrap_or(""),
            Suggestion::Action(a) => a.postback_data.as_deref().unwrap_or(""),
            Suggestion::LiveAgentRequest(_) | Suggestion::AuthenticationRequest(_) => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedReply {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postback_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedAction {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postback_data: Option<String>,
    #[serde(flatten)]
    pub action: Action,
}

/// Exactly one of `openUrlAction`, `dialAction` (rule S4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    OpenUrlAction(OpenUrlAction),
    DialAction(DialAction),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenUrlAction {
    /// A checked web link (see [`crate::safety::web_link`]).
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialAction {
    pub phone_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LiveAgentRequest {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticationRequest {
    pub oauth: Oauth,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Oauth {
    pub client_id: String,
    pub code_challenge: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<CodeChallengeMethod>,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeChallengeMethod {
    S256,
    #[serde(rename = "plain")]
    Plain,
}

/// A visitor's message value produced by a suggestion (`CustomerContent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerContent {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion_response: Option<SuggestionResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_response: Option<AuthenticationResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestionResponse {
    pub postback_data: String,
    #[serde(rename = "type")]
    pub kind: SuggestionResponseType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SuggestionResponseType {
    Reply,
    Action,
    LiveAgent,
    Auth,
}

impl SuggestionResponseType {
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionResponseType::Reply => "REPLY",
            SuggestionResponseType::Action => "ACTION",
            SuggestionResponseType::LiveAgent => "LIVE_AGENT",
            SuggestionResponseType::Auth => "AUTH",
        }
    }
}

/// A suggestion's answer as a visitor sends it (`rich-messages.md` §5.7): the label as `text`,
/// the suggestion's postback and type beside it. Built and read here, so no client spells the
/// shape itself; a test holds both to [`CustomerContent`]. Plain JSON, not a serde round trip
/// of `CustomerContent`, which would cost the widget's bundle its whole (de)serializer.
pub mod answer {
    use serde_json::{json, Value};

    /// The value (under one language key) that answers a suggestion of `kind`
    /// (`SuggestionResponseType::as_str`).
    pub fn value(text: &str, postback_data: &str, kind: &str) -> Value {
        json!({"text": text, "suggestionResponse": {"postbackData": postback_data, "type": kind}})
    }

    /// What an answer says, read from a stored value.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Answer<'a> {
        pub text: &'a str,
        pub postback_data: &'a str,
        pub kind: &'a str,
    }

    /// The answer `value` is, or `None` when it answers no suggestion.
    pub fn read(value: &Value) -> Option<Answer<'_>> {
        let response = value.get("suggestionResponse")?;
        Some(Answer {
            text: value.get("text")?.as_str()?,
            postback_data: response.get("postbackData")?.as_str()?,
            kind: response.get("type")?.as_str()?,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::super::{CustomerContent, SuggestionResponse, SuggestionResponseType};
        use super::*;

        #[test]
        fn an_answer_is_customer_content_and_reads_back() {
            for kind in [
                SuggestionResponseType::Reply,
                SuggestionResponseType::Action,
                SuggestionResponseType::LiveAgent,
                SuggestionResponseType::Auth,
            ] {
                let built = value("Latte", "order:latte", kind.as_str());
                let typed: CustomerContent = serde_json::from_value(built.clone()).unwrap();
                assert_eq!(
                    typed.suggestion_response,
                    Some(SuggestionResponse {
                        postback_data: "order:latte".into(),
                        kind
                    })
                );
                assert_eq!(typed.text, "Latte");
                let read = read(&built).unwrap();
                assert_eq!(
                    (read.text, read.postback_data, read.kind),
                    ("Latte", "order:latte", kind.as_str())
                );
            }
            assert_eq!(read(&json!({"text": "plain"})), None);
            assert_eq!(read(&json!("plain")), None);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AuthenticationResponse {
    #[serde(rename_all = "camelCase")]
    Success { code: String, redirect_uri: String },
    #[serde(rename_all = "camelCase")]
    Failure { error_details: AuthErrorDetails },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthErrorDetails {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

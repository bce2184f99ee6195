//! Decoding of agent values (`AgentContent`, rules M, R, I, RC, CD, MD, CA, S, T).

use serde_json::{Map, Value};

use super::walker::{field, kind, TextRule, Walker};
use super::{AgentValue, Rule};
use crate::content::*;
use crate::rich_text;
use crate::safety;

/// Business Messages: at most 13 suggestions per message.
pub const MAX_MESSAGE_SUGGESTIONS: usize = 13;
/// Business Messages: at most 4 suggestions per card.
pub const MAX_CARD_SUGGESTIONS: usize = 4;
/// Business Messages: a carousel holds 2 to 10 cards.
pub const CAROUSEL_CARDS: std::ops::RangeInclusive<usize> = 2..=10;
/// Business Messages: text and fallback are at most 3072 characters.
pub const MAX_TEXT_CHARS: usize = 3072;

const TEXT: TextRule = TextRule {
    min: 1,
    max: MAX_TEXT_CHARS,
    multi_line: true,
    length: Rule::M2,
    characters: Rule::C1,
};
/// A plain string value, agent or customer (rule E4).
pub(super) const STRING_VALUE: TextRule = TextRule {
    length: Rule::E4,
    ..TEXT
};
const FALLBACK: TextRule = TextRule {
    length: Rule::M4,
    characters: Rule::M4,
    ..TEXT
};
const DISPLAY_NAME: TextRule = TextRule {
    min: 1,
    max: 100,
    multi_line: false,
    length: Rule::R1,
    characters: Rule::R1,
};
const ALT_TEXT: TextRule = TextRule {
    min: 1,
    max: 500,
    multi_line: false,
    length: Rule::I3,
    characters: Rule::I3,
};
const TITLE: TextRule = TextRule {
    min: 1,
    max: 200,
    multi_line: false,
    length: Rule::CD2,
    characters: Rule::C1,
};
const DESCRIPTION: TextRule = TextRule {
    min: 1,
    max: 2000,
    multi_line: true,
    length: Rule::CD2,
    characters: Rule::C1,
};
const CHIP_TEXT: TextRule = TextRule {
    min: 1,
    max: 25,
    multi_line: false,
    length: Rule::S2,
    characters: Rule::C1,
};
const POSTBACK: TextRule = TextRule {
    min: 0,
    max: 2048,
    multi_line: true,
    length: Rule::S3,
    characters: Rule::C1,
};

/// What an agent value yields, valid or not.
pub(super) struct AgentParts {
    pub value: Option<AgentValue>,
    pub fallback: Option<String>,
    pub representative: Option<Representative>,
}

impl Walker {
    pub fn agent_value(&mut self, value: &Value) -> AgentParts {
        match value {
            Value::String(s) => {
                let ok = self.text(s, STRING_VALUE);
                AgentParts {
                    value: ok.then(|| AgentValue::Plain(s.clone())),
                    fallback: None,
                    representative: None,
                }
            }
            Value::Object(obj) => self.agent_object(obj),
            other => {
                self.report(
                    Rule::E3,
                    format!(
                        "a message value must be a string or an object, found {}",
                        kind(other)
                    ),
                );
                AgentParts {
                    value: None,
                    fallback: None,
                    representative: None,
                }
            }
        }
    }

    fn agent_object(&mut self, obj: &Map<String, Value>) -> AgentParts {
        self.unknown_fields(
            obj,
            &[
                "text",
                "image",
                "richCard",
                "suggestions",
                "fallback",
                "containsRichText",
                "representative",
            ],
        );
        let before = self.class_a_count();
        let bodies: Vec<&str> = ["text", "image", "richCard"]
            .into_iter()
            .filter(|k| field(obj, k).is_some())
            .collect();
        if bodies.len() != 1 {
            let found = if bodies.is_empty() {
                "none".to_owned()
            } else {
                bodies.join(" and ")
            };
            self.report(
                Rule::M1,
                format!("exactly one of text, image, richCard is required, found {found}"),
            );
        }
        let rich = self
            .boolean(obj, "containsRichText", Rule::G1)
            .unwrap_or(false);
        let text = self.string(obj, "text", Rule::G1).and_then(|text| {
            self.at("text", |w| {
                let ok = w.text(text, TEXT);
                if ok && rich {
                    w.rich_text(text);
                }
                ok.then(|| text.to_owned())
            })
        });
        if rich && field(obj, "text").is_none() {
            self.at("containsRichText", |w| {
                w.report(
                    Rule::M5,
                    "containsRichText is only allowed together with text",
                )
            });
        }
        let image = self
            .object(obj, "image", Rule::G1)
            .and_then(|image| self.at("image", |w| w.image(image)));
        let rich_card = self
            .object(obj, "richCard", Rule::G1)
            .and_then(|card| self.at("richCard", |w| w.rich_card(card)));
        let suggestions = self.suggestion_list(obj, MAX_MESSAGE_SUGGESTIONS, Rule::M3);
        let fallback = self.fallback(obj);
        let representative = field(obj, "representative")
            .and_then(|rep| self.at("representative", |w| w.representative(rep)));

        let body = match (text, image, rich_card) {
            (Some(text), None, None) if bodies.len() == 1 => Some(Body::Text(TextBody {
                text,
                contains_rich_text: rich,
            })),
            (None, Some(image), None) if bodies.len() == 1 => Some(Body::Image(image)),
            (None, None, Some(card)) if bodies.len() == 1 => Some(Body::RichCard(card)),
            _ => None,
        };
        let valid = self.class_a_count() == before;
        AgentParts {
            value: body.filter(|_| valid).map(|body| {
                AgentValue::Rich(Box::new(AgentContent {
                    body,
                    suggestions,
                    fallback: fallback.clone(),
                    representative: representative.clone(),
                }))
            }),
            fallback,
            representative,
        }
    }

    /// Rules T1 and T2 on rich text (the renderer shows both literally).
    fn rich_text(&mut self, text: &str) {
        if rich_text::contains_html_tag(text) {
            self.report(Rule::T2, "rich text must not contain HTML tags");
        }
        for refused in rich_text::parse(text).refused_links {
            self.report(
                Rule::T1,
                format!(
                    "link target \"{}\" is not allowed: {}",
                    truncate(&refused.target, 100),
                    refused.reason
                ),
            );
        }
    }

    fn fallback(&mut self, obj: &Map<String, Value>) -> Option<String> {
        self.text_field(obj, "fallback", Rule::M4, FALLBACK)
            .map(str::to_owned)
    }

    /// A representative; `None` (treated as absent) when any part breaks R1.
    pub fn representative(&mut self, value: &Value) -> Option<Representative> {
        let obj = self.expect_object(value, Rule::R1)?;
        self.unknown_fields(obj, &["representativeType", "displayName", "avatarImage"]);
        let before = self.violation_count();
        let kind = match self.string(obj, "representativeType", Rule::R1) {
            Some("BOT") => Some(RepresentativeType::Bot),
            Some("HUMAN") => Some(RepresentativeType::Human),
            Some(other) => {
                self.at("representativeType", |w| {
                    w.report(
                        Rule::R1,
                        format!("\"{}\" is not BOT or HUMAN", truncate(other, 40)),
                    )
                });
                None
            }
            None => {
                if field(obj, "representativeType").is_none() {
                    self.at("representativeType", |w| w.report(Rule::R1, "is required"));
                }
                None
            }
        };
        let display_name = self.text_field(obj, "displayName", Rule::R1, DISPLAY_NAME);
        let avatar = self.image_url_field(obj, "avatarImage", Rule::R1);
        let clean = self
            .violations_since(before)
            .iter()
            .all(|v| v.rule != Rule::R1);
        kind.filter(|_| clean)
            .map(|representative_type| Representative {
                representative_type,
                display_name: display_name.map(str::to_owned),
                avatar_image: avatar,
            })
    }

    fn image(&mut self, obj: &Map<String, Value>) -> Option<Image> {
        self.unknown_fields(obj, &["contentInfo"]);
        let Some(info) = self.object(obj, "contentInfo", Rule::G1) else {
            if field(obj, "contentInfo").is_none() {
                self.at("contentInfo", |w| w.report(Rule::I1, "is required"));
            }
            return None;
        };
        let content_info = self.at("contentInfo", |w| w.content_info(info))?;
        Some(Image { content_info })
    }

    fn content_info(&mut self, obj: &Map<String, Value>) -> Option<ContentInfo> {
        self.unknown_fields(obj, &["fileUrl", "thumbnailUrl", "forceRefresh", "altText"]);
        if field(obj, "fileUrl").is_none() {
            self.at("fileUrl", |w| w.report(Rule::I2, "is required"));
        }
        let file_url = self.image_url_field(obj, "fileUrl", Rule::I2);
        let thumbnail_url = self.image_url_field(obj, "thumbnailUrl", Rule::I2);
        let force_refresh = self.boolean(obj, "forceRefresh", Rule::G1);
        let alt_text = self
            .text_field(obj, "altText", Rule::I3, ALT_TEXT)
            .map(str::to_owned);
        let thumbnail_ok = thumbnail_url.is_some() || field(obj, "thumbnailUrl").is_none();
        file_url
            .filter(|_| thumbnail_ok)
            .map(|file_url| ContentInfo {
                file_url,
                thumbnail_url,
                force_refresh,
                alt_text,
            })
    }

    /// An image URL field checked with §4.2; returns the serialised URL.
    fn image_url_field(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        rule: Rule,
    ) -> Option<String> {
        let raw = self.string(obj, key, rule)?;
        match safety::image_url(raw) {
            Ok(url) => Some(url),
            Err(reason) => {
                self.at(key, |w| w.report(rule, reason.to_string()));
                None
            }
        }
    }

    fn rich_card(&mut self, obj: &Map<String, Value>) -> Option<RichCard> {
        self.unknown_fields(obj, &["standaloneCard", "carouselCard"]);
        let standalone = field(obj, "standaloneCard").is_some();
        let carousel = field(obj, "carouselCard").is_some();
        if standalone == carousel {
            self.report(
                Rule::RC1,
                "exactly one of standaloneCard, carouselCard is required",
            );
        }
        let standalone = self
            .object(obj, "standaloneCard", Rule::G1)
            .and_then(|card| self.at("standaloneCard", |w| w.standalone_card(card)));
        let carousel = self
            .object(obj, "carouselCard", Rule::G1)
            .and_then(|card| self.at("carouselCard", |w| w.carousel_card(card)));
        match (standalone, carousel) {
            (Some(card), None) => Some(RichCard::StandaloneCard(card)),
            (None, Some(card)) => Some(RichCard::CarouselCard(card)),
            _ => None,
        }
    }

    fn standalone_card(&mut self, obj: &Map<String, Value>) -> Option<StandaloneCard> {
        self.unknown_fields(obj, &["cardContent"]);
        let Some(content) = self.object(obj, "cardContent", Rule::G1) else {
            if field(obj, "cardContent").is_none() {
                self.at("cardContent", |w| w.report(Rule::RC1, "is required"));
            }
            return None;
        };
        let card_content = self.at("cardContent", |w| w.card_content(content))?;
        Some(StandaloneCard { card_content })
    }

    fn carousel_card(&mut self, obj: &Map<String, Value>) -> Option<CarouselCard> {
        self.unknown_fields(obj, &["cardWidth", "cardContents"]);
        let card_width = match self.string(obj, "cardWidth", Rule::G1) {
            None => None,
            Some(raw) => {
                let width = CardWidth::ALL.into_iter().find(|w| w.as_str() == raw);
                if width.is_none() {
                    self.at("cardWidth", |w| {
                        w.report(
                            Rule::CA2,
                            format!(
                                "\"{}\" is not one of CARD_WIDTH_UNSPECIFIED, SMALL, MEDIUM",
                                truncate(raw, 40)
                            ),
                        )
                    });
                }
                width
            }
        };
        let Some(cards) = self.array(obj, "cardContents", Rule::G1) else {
            if field(obj, "cardContents").is_none() {
                self.at("cardContents", |w| w.report(Rule::CA1, "is required"));
            }
            return None;
        };
        let count = cards.len();
        if !CAROUSEL_CARDS.contains(&count) {
            let limit = if count < *CAROUSEL_CARDS.start() {
                format!("at least {}", CAROUSEL_CARDS.start())
            } else {
                format!("at most {}", CAROUSEL_CARDS.end())
            };
            self.at("cardContents", |w| {
                w.report(Rule::CA1, format!("{count} cards, {limit}"))
            });
            if count > *CAROUSEL_CARDS.end() {
                return None;
            }
        }
        let small = card_width == Some(CardWidth::Small);
        let mut decoded = Vec::with_capacity(count);
        self.at("cardContents", |w| {
            for (i, card) in cards.iter().enumerate() {
                w.at_index(i, |w| {
                    let Some(obj) = w.expect_object(card, Rule::G1) else {
                        return;
                    };
                    let content = w.card_content(obj);
                    let tall = content
                        .as_ref()
                        .and_then(|c| c.media.as_ref())
                        .is_some_and(|m| m.effective_height() == Height::Tall);
                    if small && tall {
                        w.at("media", |w| {
                            w.at("height", |w| {
                                w.report(
                                    Rule::CA3,
                                    "TALL media is not allowed when cardWidth is SMALL",
                                )
                            })
                        });
                    }
                    decoded.extend(content);
                });
            }
        });
        (decoded.len() == count).then_some(CarouselCard {
            card_width,
            card_contents: decoded,
        })
    }

    fn card_content(&mut self, obj: &Map<String, Value>) -> Option<CardContent> {
        self.unknown_fields(obj, &["title", "description", "media", "suggestions"]);
        let before = self.class_a_count();
        if ["title", "description", "media"]
            .iter()
            .all(|k| field(obj, k).is_none())
        {
            self.report(
                Rule::CD1,
                "a card needs at least one of title, description, media",
            );
        }
        let title = self
            .text_field(obj, "title", Rule::G1, TITLE)
            .map(str::to_owned);
        let description = self
            .text_field(obj, "description", Rule::G1, DESCRIPTION)
            .map(str::to_owned);
        let media = self
            .object(obj, "media", Rule::G1)
            .and_then(|media| self.at("media", |w| w.media(media)));
        let suggestions = self.suggestion_list(obj, MAX_CARD_SUGGESTIONS, Rule::CD3);
        (self.class_a_count() == before).then_some(CardContent {
            title,
            description,
            media,
            suggestions,
        })
    }

    fn media(&mut self, obj: &Map<String, Value>) -> Option<Media> {
        self.unknown_fields(obj, &["height", "contentInfo"]);
        let height = match self.string(obj, "height", Rule::G1) {
            None => None,
            Some(raw) => {
                let height = Height::ALL.into_iter().find(|h| h.as_str() == raw);
                if height.is_none() {
                    self.at("height", |w| {
                        w.report(
                            Rule::MD2,
                            format!(
                                "\"{}\" is not one of HEIGHT_UNSPECIFIED, SHORT, MEDIUM, TALL",
                                truncate(raw, 40)
                            ),
                        )
                    });
                }
                height
            }
        };
        let Some(info) = self.object(obj, "contentInfo", Rule::G1) else {
            if field(obj, "contentInfo").is_none() {
                self.at("contentInfo", |w| w.report(Rule::MD1, "is required"));
            }
            return None;
        };
        let content_info = self.at("contentInfo", |w| w.content_info(info))?;
        Some(Media {
            height,
            content_info,
        })
    }

    /// A `suggestions` list of at most `max` entries (`count_rule` when longer; entries are
    /// then not inspected, so a huge list costs nothing).
    fn suggestion_list(
        &mut self,
        obj: &Map<String, Value>,
        max: usize,
        count_rule: Rule,
    ) -> Vec<Suggestion> {
        let Some(items) = self.array(obj, "suggestions", Rule::G1) else {
            return Vec::new();
        };
        self.at("suggestions", |w| {
            if items.len() > max {
                w.report(
                    count_rule,
                    format!("{} suggestions, at most {max}", items.len()),
                );
                return Vec::new();
            }
            items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| w.at_index(i, |w| w.suggestion(item)))
                .collect()
        })
    }

    fn suggestion(&mut self, value: &Value) -> Option<Suggestion> {
        let obj = self.expect_object(value, Rule::G1)?;
        const KINDS: [&str; 4] = [
            "reply",
            "action",
            "liveAgentRequest",
            "authenticationRequest",
        ];
        self.unknown_fields(obj, &KINDS);
        let present = KINDS.iter().filter(|k| field(obj, k).is_some()).count();
        if present != 1 {
            self.report(
                Rule::S1,
                "exactly one of reply, action, liveAgentRequest, authenticationRequest is required",
            );
        }
        let reply = self
            .object(obj, "reply", Rule::G1)
            .and_then(|r| self.at("reply", |w| w.reply(r)));
        let action = self
            .object(obj, "action", Rule::G1)
            .and_then(|a| self.at("action", |w| w.action(a)));
        let live_agent = self.object(obj, "liveAgentRequest", Rule::G1).map(|live| {
            if !live.is_empty() {
                self.at("liveAgentRequest", |w| {
                    w.report(Rule::S7, "liveAgentRequest takes no fields")
                });
            }
            LiveAgentRequest {}
        });
        let auth = self
            .object(obj, "authenticationRequest", Rule::G1)
            .and_then(|a| self.at("authenticationRequest", |w| w.authentication_request(a)));
        if present != 1 {
            return None;
        }
        reply
            .map(Suggestion::Reply)
            .or(action.map(Suggestion::Action))
            .or(live_agent.map(Suggestion::LiveAgentRequest))
            .or(auth.map(Suggestion::AuthenticationRequest))
    }

    /// Chip text and postback data, shared by replies and actions.
    fn chip(&mut self, obj: &Map<String, Value>) -> Option<(String, Option<String>)> {
        if field(obj, "text").is_none() {
            self.at("text", |w| w.report(Rule::S2, "is required"));
        }
        let text = self.text_field(obj, "text", Rule::G1, CHIP_TEXT);
        let postback_present = field(obj, "postbackData").is_some();
        let postback = self.text_field(obj, "postbackData", Rule::G1, POSTBACK);
        let postback_ok = postback.is_some() || !postback_present;
        text.filter(|_| postback_ok)
            .map(|text| (text.to_owned(), postback.map(str::to_owned)))
    }

    fn reply(&mut self, obj: &Map<String, Value>) -> Option<SuggestedReply> {
        self.unknown_fields(obj, &["text", "postbackData"]);
        let (text, postback_data) = self.chip(obj)?;
        Some(SuggestedReply {
            text,
            postback_data,
        })
    }

    fn action(&mut self, obj: &Map<String, Value>) -> Option<SuggestedAction> {
        self.unknown_fields(
            obj,
            &["text", "postbackData", "openUrlAction", "dialAction"],
        );
        let chip = self.chip(obj);
        let open = field(obj, "openUrlAction").is_some();
        let dial = field(obj, "dialAction").is_some();
        if open == dial {
            self.report(
                Rule::S4,
                "exactly one of openUrlAction, dialAction is required",
            );
        }
        let open_url = self
            .object(obj, "openUrlAction", Rule::G1)
            .and_then(|o| self.at("openUrlAction", |w| w.open_url(o)));
        let dial_action = self
            .object(obj, "dialAction", Rule::G1)
            .and_then(|d| self.at("dialAction", |w| w.dial(d)));
        let action = match (open_url, dial_action) {
            (Some(o), None) => Action::OpenUrlAction(o),
            (None, Some(d)) => Action::DialAction(d),
            _ => return None,
        };
        let (text, postback_data) = chip?;
        Some(SuggestedAction {
            text,
            postback_data,
            action,
        })
    }

    fn open_url(&mut self, obj: &Map<String, Value>) -> Option<OpenUrlAction> {
        self.unknown_fields(obj, &["url"]);
        let Some(raw) = self.string(obj, "url", Rule::S5) else {
            if field(obj, "url").is_none() {
                self.at("url", |w| w.report(Rule::S5, "is required"));
            }
            return None;
        };
        match safety::web_link(raw) {
            Ok(url) => Some(OpenUrlAction { url }),
            Err(reason) => {
                self.at("url", |w| w.report(Rule::S5, reason.to_string()));
                None
            }
        }
    }

    fn dial(&mut self, obj: &Map<String, Value>) -> Option<DialAction> {
        self.unknown_fields(obj, &["phoneNumber"]);
        let Some(raw) = self.string(obj, "phoneNumber", Rule::S6) else {
            if field(obj, "phoneNumber").is_none() {
                self.at("phoneNumber", |w| w.report(Rule::S6, "is required"));
            }
            return None;
        };
        match safety::dial_link(raw) {
            Ok(_) => Some(DialAction {
                phone_number: raw.to_owned(),
            }),
            Err(reason) => {
                self.at("phoneNumber", |w| w.report(Rule::S6, reason.to_string()));
                None
            }
        }
    }

    fn authentication_request(
        &mut self,
        obj: &Map<String, Value>,
    ) -> Option<AuthenticationRequest> {
        self.unknown_fields(obj, &["oauth"]);
        let oauth = match self.object(obj, "oauth", Rule::S8) {
            Some(oauth) => self.at("oauth", |w| w.oauth(oauth)),
            None => {
                if field(obj, "oauth").is_none() {
                    self.at("oauth", |w| w.report(Rule::S8, "is required"));
                }
                None
            }
        };
        if self.options.sign_in_configured == Some(false) {
            self.report(Rule::S9, "sign-in is not configured for this widget");
            return None;
        }
        // The relay passes on S256 challenges only (§5.8): anything else is as if sign-in
        // were not configured.
        if self.options.sign_in_configured == Some(true)
            && oauth
                .as_ref()
                .is_some_and(|o| o.code_challenge_method != Some(CodeChallengeMethod::S256))
        {
            self.report(
                Rule::S9,
                "only S256 code challenges are relayed; this one is plain or has no method",
            );
            return None;
        }
        oauth.map(|oauth| AuthenticationRequest { oauth })
    }

    fn oauth(&mut self, obj: &Map<String, Value>) -> Option<Oauth> {
        self.unknown_fields(
            obj,
            &["clientId", "codeChallenge", "codeChallengeMethod", "scopes"],
        );
        let before = self.violation_count();
        let client_id = self.checked_string(obj, "clientId", 1..=255, "printable ASCII", |c| {
            (' '..='~').contains(&c)
        });
        let challenge =
            self.checked_string(obj, "codeChallenge", 43..=128, "A-Z a-z 0-9 - . _ ~", |c| {
                c.is_ascii_alphanumeric() || "-._~".contains(c)
            });
        let method = match self.string(obj, "codeChallengeMethod", Rule::S8) {
            None => None,
            Some("S256") => Some(CodeChallengeMethod::S256),
            Some("plain") => Some(CodeChallengeMethod::Plain),
            Some(other) => {
                self.at("codeChallengeMethod", |w| {
                    w.report(
                        Rule::S8,
                        format!("\"{}\" is not S256 or plain", truncate(other, 40)),
                    )
                });
                None
            }
        };
        let mut scopes = Vec::new();
        match self.array(obj, "scopes", Rule::S8) {
            None => {
                if field(obj, "scopes").is_none() {
                    self.at("scopes", |w| w.report(Rule::S8, "is required"));
                }
            }
            Some(list) if list.is_empty() || list.len() > 20 => {
                self.at("scopes", |w| {
                    w.report(Rule::S8, format!("{} scopes, 1 to 20 allowed", list.len()))
                });
            }
            Some(list) => self.at("scopes", |w| {
                for (i, scope) in list.iter().enumerate() {
                    w.at_index(i, |w| match scope.as_str() {
                        Some(s) if is_scope_token(s) => scopes.push(s.to_owned()),
                        Some(_) => w.report(
                            Rule::S8,
                            "a scope is 1 to 128 characters of RFC 6749 scope-token characters",
                        ),
                        None => w.report(Rule::S8, "expected a string"),
                    });
                }
            }),
        }
        if self.violation_count() != before {
            return None;
        }
        Some(Oauth {
            client_id: client_id?,
            code_challenge: challenge?,
            code_challenge_method: method,
            scopes,
        })
    }

    /// A required S8 string of `len` characters, each accepted by `allowed`.
    fn checked_string(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        len: std::ops::RangeInclusive<usize>,
        alphabet: &str,
        allowed: impl Fn(char) -> bool,
    ) -> Option<String> {
        let Some(s) = self.string(obj, key, Rule::S8) else {
            if field(obj, key).is_none() {
                self.at(key, |w| w.report(Rule::S8, "is required"));
            }
            return None;
        };
        let count = s.chars().count();
        let ok = len.contains(&count) && s.chars().all(allowed);
        if !ok {
            self.at(key, |w| {
                w.report(
                    Rule::S8,
                    format!(
                        "{count} characters; {} to {} of {alphabet} allowed",
                        len.start(),
                        len.end()
                    ),
                )
            });
        }
        ok.then(|| s.to_owned())
    }
}

/// RFC 6749 scope-token: 1..128 (product) of %x21 / %x23-5B / %x5D-7E.
fn is_scope_token(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

/// At most `max` characters of an untrusted string, for quoting it in a message.
pub(super) fn truncate(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

//! Decoding of customer values (rules E4, K1) and the suggestion-response match of rule K2.

use serde_json::{Map, Value};

use super::agent::STRING_VALUE;
use super::walker::{field, kind, TextRule, Walker};
use super::{decode_agent_value, AgentValue, Options, Rule};
use crate::content::*;

const TEXT: TextRule = TextRule {
    length: Rule::K1,
    ..STRING_VALUE
};
const POSTBACK: TextRule = TextRule {
    min: 0,
    max: 2048,
    multi_line: true,
    length: Rule::S3,
    characters: Rule::C1,
};
/// Authorization codes, redirect URIs and error texts of a sign-in result.
const AUTH_FIELD: TextRule = TextRule {
    min: 1,
    max: 2048,
    multi_line: false,
    length: Rule::K1,
    characters: Rule::C1,
};

impl Walker {
    pub fn customer_value(&mut self, value: &Value) -> Option<CustomerContent> {
        match value {
            Value::String(text) => self.text(text, STRING_VALUE).then(|| CustomerContent {
                text: text.clone(),
                suggestion_response: None,
                authentication_response: None,
            }),
            Value::Object(obj) => self.customer_object(obj),
            other => {
                self.report(
                    Rule::E3,
                    format!(
                        "a message value must be a string or an object, found {}",
                        kind(other)
                    ),
                );
                None
            }
        }
    }

    fn customer_object(&mut self, obj: &Map<String, Value>) -> Option<CustomerContent> {
        self.unknown_fields(
            obj,
            &["text", "suggestionResponse", "authenticationResponse"],
        );
        if field(obj, "text").is_none() {
            self.at("text", |w| w.report(Rule::K1, "is required"));
        }
        let text = self.text_field(obj, "text", Rule::K1, TEXT);
        let response = self
            .object(obj, "suggestionResponse", Rule::K1)
            .and_then(|r| self.at("suggestionResponse", |w| w.suggestion_response(r)));
        let auth = self
            .object(obj, "authenticationResponse", Rule::K1)
            .and_then(|a| self.at("authenticationResponse", |w| w.authentication_response(a)));
        if field(obj, "authenticationResponse").is_some()
            && response.as_ref().map(|r| r.kind) != Some(SuggestionResponseType::Auth)
        {
            self.at("authenticationResponse", |w| {
                w.report(
                    Rule::K1,
                    "only allowed with a suggestionResponse of type AUTH",
                )
            });
        }
        Some(CustomerContent {
            text: text?.to_owned(),
            suggestion_response: response,
            authentication_response: auth,
        })
    }

    fn suggestion_response(&mut self, obj: &Map<String, Value>) -> Option<SuggestionResponse> {
        self.unknown_fields(obj, &["postbackData", "type"]);
        if field(obj, "postbackData").is_none() {
            self.at("postbackData", |w| w.report(Rule::K1, "is required"));
        }
        let postback = self.text_field(obj, "postbackData", Rule::K1, POSTBACK);
        let kind = match self.string(obj, "type", Rule::K1) {
            Some("REPLY") => Some(SuggestionResponseType::Reply),
            Some("ACTION") => Some(SuggestionResponseType::Action),
            Some("LIVE_AGENT") => Some(SuggestionResponseType::LiveAgent),
            Some("AUTH") => Some(SuggestionResponseType::Auth),
            other => {
                if other.is_some() || field(obj, "type").is_none() {
                    self.at("type", |w| {
                        w.report(Rule::K1, "must be one of REPLY, ACTION, LIVE_AGENT, AUTH")
                    });
                }
                None
            }
        };
        Some(SuggestionResponse {
            postback_data: postback?.to_owned(),
            kind: kind?,
        })
    }

    fn authentication_response(
        &mut self,
        obj: &Map<String, Value>,
    ) -> Option<AuthenticationResponse> {
        if let Some(details) = field(obj, "errorDetails") {
            self.unknown_fields(obj, &["errorDetails"]);
            let details = self.at("errorDetails", |w| w.expect_object(details, Rule::K1))?;
            return self.at("errorDetails", |w| {
                w.unknown_fields(details, &["error", "errorDescription"]);
                if field(details, "error").is_none() {
                    w.at("error", |w| w.report(Rule::K1, "is required"));
                }
                let error = w.text_field(details, "error", Rule::K1, AUTH_FIELD);
                let description = w.text_field(details, "errorDescription", Rule::K1, AUTH_FIELD);
                Some(AuthenticationResponse::Failure {
                    error_details: AuthErrorDetails {
                        error: error?.to_owned(),
                        error_description: description.map(str::to_owned),
                    },
                })
            });
        }
        self.unknown_fields(obj, &["code", "redirectUri"]);
        for key in ["code", "redirectUri"] {
            if field(obj, key).is_none() {
                self.at(key, |w| w.report(Rule::K1, "is required"));
            }
        }
        let code = self.text_field(obj, "code", Rule::K1, AUTH_FIELD);
        let redirect_uri = self.text_field(obj, "redirectUri", Rule::K1, AUTH_FIELD);
        Some(AuthenticationResponse::Success {
            code: code?.to_owned(),
            redirect_uri: redirect_uri?.to_owned(),
        })
    }
}

/// Rule K2: whether the parent's value (under the **same** language key) carries the
/// suggestion a customer value responds to. REPLY/ACTION match kind, chip `text` and
/// `postbackData` (a missing one matching `""`); LIVE_AGENT/AUTH need such a suggestion to
/// exist. Message chips and card buttons (standalone and carousel) all count.
pub fn suggestion_response_matches(
    parent_content: &Map<String, Value>,
    lang: &str,
    response: &CustomerContent,
) -> bool {
    let (Some(answer), Some(parent_value)) =
        (&response.suggestion_response, parent_content.get(lang))
    else {
        return false;
    };
    let decoded = decode_agent_value(parent_value, lang, Options::default());
    let Some(AgentValue::Rich(parent)) = decoded.value else {
        return false;
    };
    let mut all = parent.suggestions.iter().collect::<Vec<_>>();
    if let Body::RichCard(card) = &parent.body {
        match card {
            RichCard::StandaloneCard(c) => all.extend(&c.card_content.suggestions),
            RichCard::CarouselCard(c) => {
                all.extend(c.card_contents.iter().flat_map(|card| &card.suggestions))
            }
        }
    }
    all.into_iter().any(|suggestion| {
        if suggestion.response_type() != answer.kind {
            return false;
        }
        match suggestion {
            Suggestion::Reply(SuggestedReply { text, .. })
            | Suggestion::Action(SuggestedAction { text, .. }) => {
                *text == response.text && suggestion.postback_data() == answer.postback_data
            }
            Suggestion::LiveAgentRequest(_) | Suggestion::AuthenticationRequest(_) => true,
        }
    })
}

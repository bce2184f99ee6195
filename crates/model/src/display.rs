//! What a renderer shows for one message: the chosen language, and either the decoded content,
//! its fallback, or the placeholder (`rich-messages.md` §0, §2.1, §5.9).
//!
//! This is the widget's single entry point from wire content to something renderable; it never
//! fails, so remote content can never crash the renderer.

use serde_json::{Map, Value};

use crate::content::{CustomerContent, Representative};
use crate::lang::{choose_language, Lang};
use crate::validate::{
    decode_agent_value, decode_customer_value, AgentValue, Options, Rule, Side, Violation,
};

/// What to render for a message's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// A valid agent value (plain string or rich object).
    Agent(AgentValue),
    /// A valid customer value; only its `text` is rendered, as plain text.
    Customer(CustomerContent),
    /// The value was invalid; its valid `fallback`, as plain text.
    Fallback(String),
    /// Nothing valid to show: the localized placeholder.
    Placeholder,
    /// No content at all, but attachments, which render alone.
    AttachmentsOnly,
}

/// A message's content, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageView {
    /// The language shown (`lang`/`dir` of the message element). For E1 the UI language.
    pub lang: Lang,
    pub shown: Shown,
    /// The value's valid representative, if any (also for fallbacks).
    pub representative: Option<Representative>,
    /// The first class A violation, for debug logging (never the content itself).
    pub first_violation: Option<Violation>,
}

/// Decides what to show for `content`, written by `side`, for a visitor who prefers
/// `preferred`, in a widget whose UI speaks `ui_lang`.
pub fn view_message(
    content: &Map<String, Value>,
    side: Side,
    preferred: Option<Lang>,
    ui_lang: Lang,
    has_attachments: bool,
    options: Options,
) -> MessageView {
    let Some(lang) = choose_language(content, preferred) else {
        let (shown, first_violation) = if has_attachments {
            (Shown::AttachmentsOnly, None)
        } else {
            let violation = Violation {
                rule: Rule::E1,
                path: "content".into(),
                message: "no language present".into(),
            };
            (Shown::Placeholder, Some(violation))
        };
        return MessageView {
            lang: ui_lang,
            shown,
            representative: None,
            first_violation,
        };
    };
    let value = content.get(lang.code()).unwrap_or(&Value::Null);
    let first_a =
        |violations: Vec<Violation>| violations.into_iter().find(|v| v.rule.invalidates_value());
    match side {
        Side::Agent => {
            let decoded = decode_agent_value(value, lang.code(), options);
            let shown = match (decoded.value, decoded.fallback) {
                (Some(value), _) => Shown::Agent(value),
                (None, Some(fallback)) => Shown::Fallback(fallback),
                (None, None) => Shown::Placeholder,
            };
            MessageView {
                lang,
                shown,
                representative: decoded.representative,
                first_violation: first_a(decoded.violations),
            }
        }
        Side::Customer => {
            let decoded = decode_customer_value(value, lang.code());
            MessageView {
                lang,
                shown: decoded.value.map_or(Shown::Placeholder, Shown::Customer),
                representative: None,
                first_violation: first_a(decoded.violations),
            }
        }
    }
}

//! Validation of message content against every rule of `rich-messages.md` §2.
//!
//! Validation is a total function over arbitrary JSON: it never panics, runs in time linear in
//! its input and checks counts before iterating. It reports **every** violation with its rule,
//! path and a readable reason (the server refuses a `send` listing them all), and decodes what
//! is valid into [`crate::content`] types with checked URLs (the widget renders those, repairing
//! class B violations and falling back on class A ones).

mod agent;
mod customer;
mod walker;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::content::{AgentContent, CustomerContent, Representative};
use crate::lang::Lang;
use walker::Walker;

pub use agent::MAX_TEXT_CHARS;
pub use customer::suggestion_response_matches;
pub use walker::{forbidden_character, without_forbidden_characters};

/// The rule IDs of `rich-messages.md` §2.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rule {
    E1,
    E2,
    E3,
    E4,
    C1,
    G1,
    G2,
    M1,
    M2,
    M3,
    M4,
    M5,
    R1,
    I1,
    I2,
    I3,
    I4,
    RC1,
    CD1,
    CD2,
    CD3,
    MD1,
    MD2,
    CA1,
    CA2,
    CA3,
    S1,
    S2,
    S3,
    S4,
    S5,
    S6,
    S7,
    S8,
    S9,
    T1,
    T2,
    K1,
    K2,
    K3,
}

impl Rule {
    /// Class A rules make the whole value invalid for the renderer (it shows the fallback or
    /// the placeholder); the others are repaired locally and the rest renders normally.
    pub fn invalidates_value(self) -> bool {
        !matches!(
            self,
            Rule::E2
                | Rule::G2
                | Rule::M4
                | Rule::M5
                | Rule::R1
                | Rule::I3
                | Rule::S7
                | Rule::T1
                | Rule::T2
        )
    }

    pub fn id(self) -> &'static str {
        match self {
            Rule::E1 => "E1",
            Rule::E2 => "E2",
            Rule::E3 => "E3",
            Rule::E4 => "E4",
            Rule::C1 => "C1",
            Rule::G1 => "G1",
            Rule::G2 => "G2",
            Rule::M1 => "M1",
            Rule::M2 => "M2",
            Rule::M3 => "M3",
            Rule::M4 => "M4",
            Rule::M5 => "M5",
            Rule::R1 => "R1",
            Rule::I1 => "I1",
            Rule::I2 => "I2",
            Rule::I3 => "I3",
            Rule::I4 => "I4",
            Rule::RC1 => "RC1",
            Rule::CD1 => "CD1",
            Rule::CD2 => "CD2",
            Rule::CD3 => "CD3",
            Rule::MD1 => "MD1",
            Rule::MD2 => "MD2",
            Rule::CA1 => "CA1",
            Rule::CA2 => "CA2",
            Rule::CA3 => "CA3",
            Rule::S1 => "S1",
            Rule::S2 => "S2",
            Rule::S3 => "S3",
            Rule::S4 => "S4",
            Rule::S5 => "S5",
            Rule::S6 => "S6",
            Rule::S7 => "S7",
            Rule::S8 => "S8",
            Rule::S9 => "S9",
            Rule::T1 => "T1",
            Rule::T2 => "T2",
            Rule::K1 => "K1",
            Rule::K2 => "K2",
            Rule::K3 => "K3",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// One broken rule: `content.en.richCard.carouselCard.cardContents[3].title: 213 characters,
/// at most 200`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub rule: Rule,
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Which side of the conversation wrote a value: agents (`workspace`, `ai`) send
/// [`AgentContent`], visitors (`customer`) send [`CustomerContent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Agent,
    Customer,
}

/// Checks that depend on where validation runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Rule S9, renderer only: `Some(false)` when this widget has no sign-in configured, which
    /// makes an `authenticationRequest` invalid. `None` (the server) skips the rule.
    pub sign_in_configured: Option<bool>,
}

/// An agent value decoded for rendering.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentValue {
    /// A plain string: plain text, shown exactly as typed.
    Plain(String),
    /// A rich object in the Business Messages shape.
    Rich(Box<AgentContent>),
}

/// The outcome of decoding one agent value.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedAgent {
    /// `Some` when no class A rule is broken.
    pub value: Option<AgentValue>,
    /// The value's `fallback`, when present and valid (M4), even if the value is not.
    pub fallback: Option<String>,
    /// The value's `representative`, when present and valid (R1), even if the value is not.
    pub representative: Option<Representative>,
    pub violations: Vec<Violation>,
}

/// The outcome of decoding one customer value.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedCustomer {
    /// `Some` when no class A rule is broken.
    pub value: Option<CustomerContent>,
    pub violations: Vec<Violation>,
}

/// Decodes the agent value stored under `content.<lang>`.
pub fn decode_agent_value(value: &Value, lang: &str, options: Options) -> DecodedAgent {
    let mut walker = Walker::new(format!("content.{lang}"), options);
    let decoded = walker.agent_value(value);
    let invalid = walker.has_class_a();
    DecodedAgent {
        value: if invalid { None } else { decoded.value },
        fallback: decoded.fallback,
        representative: decoded.representative,
        violations: walker.into_violations(),
    }
}

/// Decodes the customer value stored under `content.<lang>`.
pub fn decode_customer_value(value: &Value, lang: &str) -> DecodedCustomer {
    let mut walker = Walker::new(format!("content.{lang}"), Options::default());
    let decoded = walker.customer_value(value);
    let invalid = walker.has_class_a();
    DecodedCustomer {
        value: if invalid { None } else { decoded },
        violations: walker.into_violations(),
    }
}

/// Whether a content map has at least one present (non-null) language key (rule E1 counts any
/// key; unknown keys are refused separately by E2).
pub fn has_present_value(content: &Map<String, Value>) -> bool {
    content.values().any(|v| !v.is_null())
}

/// The server's check of a whole `content` map: every violation of every language value.
/// `content_required` is false when the message carries attachments or a template (E1).
pub fn check_content(
    content: Option<&Map<String, Value>>,
    side: Side,
    content_required: bool,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    let empty = Map::new();
    let content = content.unwrap_or(&empty);
    if content_required && !has_present_value(content) {
        violations.push(Violation {
            rule: Rule::E1,
            path: "content".into(),
            message: "at least one of en, ar, tr is required (or attachments)".into(),
        });
    }
    for (key, value) in content {
        if Lang::from_code(key).is_none() {
            violations.push(Violation {
                rule: Rule::E2,
                path: format!("content.{key}"),
                message: "unknown language; only en, ar and tr are allowed".into(),
            });
            continue;
        }
        if value.is_null() {
            continue;
        }
        let found = match side {
            Side::Agent => decode_agent_value(value, key, Options::default()).violations,
            Side::Customer => decode_customer_value(value, key).violations,
        };
        violations.extend(found);
    }
    violations
}

/// The refusal message of `rich-messages.md` §2.3: the first violation, plus `(and N more)`.
pub fn summary(violations: &[Violation]) -> String {
    match violations {
        [] => String::new(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

//! The pre-chat form and the offline e-mail request (`[prechat]` in the gateway's settings):
//! which fields a form asks for and the rules their values follow. Shared, so the widget
//! refuses before sending exactly what the gateway would refuse after.
//!
//! What a visitor types about themselves is unverified: it is recorded for the team to read
//! (`visitorContact` on the conversation, `unverifiedContact` on the customer) and never used to
//! decide who the customer is.

use serde::{Deserialize, Serialize};

use crate::safety::{dial_link, mailto_link};
use crate::validate::forbidden_character;

/// Whether a form asks for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ask {
    Required,
    Optional,
    #[default]
    Off,
}

/// When the form is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum When {
    /// Before every guest's first message.
    Always,
    /// Only while the team is away (offline capture).
    Offline,
    #[default]
    Never,
}

/// The form, as the session tells the widget.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrechatForm {
    pub when: When,
    #[serde(default)]
    pub name: Ask,
    #[serde(default)]
    pub email: Ask,
    #[serde(default)]
    pub phone: Ask,
    /// A required consent checkbox linking here, when set (an https link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_url: Option<String>,
}

/// The fields a form asks for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    pub name: Ask,
    pub email: Ask,
    pub phone: Ask,
    pub consent: bool,
}

impl PrechatForm {
    /// Whether the form is shown at all while the team is `away` (or in).
    pub fn shown(&self, away: bool) -> bool {
        match self.when {
            When::Always => true,
            When::Offline => away,
            When::Never => false,
        }
    }

    /// What it asks for: while the team is away it asks for an e-mail at least as an
    /// option, so the team can answer later.
    pub fn asked(&self, away: bool) -> Asked {
        let email = match self.email {
            Ask::Off if away => Ask::Optional,
            other => other,
        };
        Asked {
            name: self.name,
            email,
            phone: self.phone,
            consent: self.consent_url.is_some(),
        }
    }
}

/// `POST /api/widget/contact`: what the visitor filled in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactInput {
    pub conversation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default)]
    pub consent: bool,
}

/// A form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Email,
    Phone,
    Consent,
}

impl Field {
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Consent => "consent",
        }
    }
}

/// What is wrong with a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Missing,
    /// A name longer than [`MAX_NAME_CHARS`], on more than one line, or with a character that
    /// may not be sent.
    BadName,
    BadEmail,
    BadPhone,
    /// A value for a field the form does not ask for.
    NotAsked,
}

impl Problem {
    /// In words, for the gateway's error message.
    pub fn describe(self) -> &'static str {
        match self {
            Problem::Missing => "is required",
            Problem::BadName => {
                "must be one line of at most 100 characters, without bidirectional overrides"
            }
            Problem::BadEmail => "is not an e-mail address such as name@example.com",
            Problem::BadPhone => {
                "is not a phone number in international form such as +90 532 123 45 67"
            }
            Problem::NotAsked => "is not asked for by this site",
        }
    }
}

pub const MAX_NAME_CHARS: usize = 100;
const MAX_EMAIL_CHARS: usize = 254;

/// The values, checked: trimmed, the phone as `+` and digits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub consent: bool,
}

/// A name a visitor gives: one line, at most 100 characters, nothing that may not be sent.
pub fn valid_name(name: &str) -> bool {
    name.chars().count() <= MAX_NAME_CHARS
        && !name.chars().any(char::is_control)
        && forbidden_character(name, false).is_none()
}

/// An e-mail address: the address rules of a `mailto:` link (rich-messages.md).
pub fn valid_email(email: &str) -> bool {
    email.len() <= MAX_EMAIL_CHARS && mailto_link(&format!("mailto:{email}")).is_ok()
}

/// A phone number in international form (`+`, the country code, 7 to 15 digits; spaces and
/// `- . ( )` between them), as `+` and its digits.
pub fn phone_number(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| *c != ' ').collect();
    dial_link(&compact)
        .ok()
        .map(|link| link.trim_start_matches("tel:").to_owned())
}

/// Checks `input` against what the form asks for: every problem, by field.
pub fn check(asked: &Asked, input: &ContactInput) -> Result<Contact, Vec<(Field, Problem)>> {
    let mut problems = Vec::new();
    let mut field = |field: Field,
                     ask: Ask,
                     value: &Option<String>,
                     check: &dyn Fn(&str) -> Option<String>,
                     bad: Problem| {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
        match (ask, value) {
            (Ask::Off, Some(_)) => {
                problems.push((field, Problem::NotAsked));
                None
            }
            (Ask::Required, None) => {
                problems.push((field, Problem::Missing));
                None
            }
            (_, None) => None,
            (_, Some(value)) => {
                let checked = check(value);
                if checked.is_none() {
                    problems.push((field, bad));
                }
                checked
            }
        }
    };
    let name = field(
        Field::Name,
        asked.name,
        &input.name,
        &|v| valid_name(v).then(|| v.to_owned()),
        Problem::BadName,
    );
    let email = field(
        Field::Email,
        asked.email,
        &input.email,
        &|v| valid_email(v).then(|| v.to_owned()),
        Problem::BadEmail,
    );
    let phone = field(
        Field::Phone,
        asked.phone,
        &input.phone,
        &phone_number,
        Problem::BadPhone,
    );
    if asked.consent && !input.consent {
        problems.push((Field::Consent, Problem::Missing));
    }
    if !asked.consent && input.consent {
        problems.push((Field::Consent, Problem::NotAsked));
    }
    if problems.is_empty() {
        Ok(Contact {
            name,
            email,
            phone,
            consent: input.consent,
        })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: Ask, email: Ask, phone: Ask, consent: bool) -> Asked {
        Asked {
            name,
            email,
            phone,
            consent,
        }
    }

    fn input(name: &str, email: &str, phone: &str, consent: bool) -> ContactInput {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        ContactInput {
            conversation_id: "conv_1".into(),
            name: some(name),
            email: some(email),
            phone: some(phone),
            consent,
        }
    }

    #[test]
    fn good_values_are_trimmed_and_the_phone_is_kept_as_digits() {
        let asked = form(Ask::Required, Ask::Required, Ask::Optional, true);
        let contact = check(
            &asked,
            &input(
                " Ayşe Yılmaz ",
                "ayse@example.com.tr",
                "+90 (532) 123-45-67",
                true,
            ),
        )
        .unwrap();
        assert_eq!(contact.name.as_deref(), Some("Ayşe Yılmaz"));
        assert_eq!(contact.email.as_deref(), Some("ayse@example.com.tr"));
        assert_eq!(contact.phone.as_deref(), Some("+905321234567"));
        assert!(contact.consent);
        // An optional field left empty is fine.
        let without_phone = check(&asked, &input("Ali", "ali@example.com", " ", true)).unwrap();
        assert_eq!(without_phone.phone, None);
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let asked = form(Ask::Required, Ask::Required, Ask::Off, true);
        let problems =
            check(&asked, &input("", "not-an-address", "+905321234567", false)).unwrap_err();
        assert_eq!(
            problems,
            [
                (Field::Name, Problem::Missing),
                (Field::Email, Problem::BadEmail),
                (Field::Phone, Problem::NotAsked),
                (Field::Consent, Problem::Missing),
            ]
        );
    }

    #[test]
    fn names_are_one_short_line_without_bidi_overrides() {
        assert!(valid_name("Jane Doe"));
        assert!(valid_name(&"a".repeat(100)));
        assert!(!valid_name(&"a".repeat(101)));
        assert!(!valid_name("Jane\nDoe"));
        assert!(!valid_name("Jane\u{202E}eoD"));
    }

    #[test]
    fn emails_and_phones_follow_the_models_rules() {
        for good in ["a@b.co", "first.last+tag@mail.example.com"] {
            assert!(valid_email(good), "{good}");
        }
        for bad in [
            "",
            "a@b",
            "a b@c.com",
            "a@@b.com",
            "<a@b.com>",
            "a@b.com?subject=x",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert_eq!(
            phone_number("+1 201 555 0123").as_deref(),
            Some("+12015550123")
        );
        for bad in [
            "05321234567",
            "+12",
            "+1 201 555 0123 ext 4",
            "tel:+12015550123",
        ] {
            assert_eq!(phone_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn away_the_form_asks_for_an_email_at_least_as_an_option() {
        let offline = PrechatForm {
            when: When::Offline,
            name: Ask::Optional,
            ..Default::default()
        };
        assert!(!offline.shown(false) && offline.shown(true));
        assert_eq!(offline.asked(true).email, Ask::Optional);
        assert_eq!(offline.asked(false).email, Ask::Off);
        let always = PrechatForm {
            when: When::Always,
            email: Ask::Required,
            ..Default::default()
        };
        assert!(always.shown(false));
        assert_eq!(always.asked(true).email, Ask::Required);
    }
}

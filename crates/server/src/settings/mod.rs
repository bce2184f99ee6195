//! The merchant's settings file (`--config FILE`, TOML): what the widget shows and asks that
//! is the merchant's to decide, changed without touching their site. Every flag keeps
//! working; the file holds what flags do not: `[availability]` (opening hours) and `[prechat]`
//! (the contact form before a guest's first message, and the e-mail asked for while away).
//!
//! Read whole and checked whole: every problem is reported with its key (`--check-config`
//! prints them all and exits 2), and a server never starts on a file it does not fully
//! understand, an unknown key included (a typo would otherwise silently change nothing).

pub mod hours;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use connect360_model::contact::{Ask, PrechatForm, When};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use toml::{Table, Value};

use hours::{Minute, OfficeHours};

/// What `--config` sets.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub availability: Option<Availability>,
    pub prechat: Option<PrechatForm>,
}

/// `[availability]`.
#[derive(Debug, Clone)]
pub struct Availability {
    /// None: always in (only `reply_minutes` was given).
    pub hours: Option<OfficeHours>,
    /// "We usually reply in about N minutes".
    pub reply_minutes: Option<u32>,
}

impl Availability {
    /// What the widget is told at `now` (Unix milliseconds).
    pub fn at(&self, now: i64) -> connect360_model::wire::Availability {
        let status = self.hours.as_ref().map(|hours| {
            hours.status_at(jiff::Timestamp::from_millisecond(now).unwrap_or_default())
        });
        connect360_model::wire::Availability {
            online: status.is_none_or(|s| s.online),
            reply_minutes: self.reply_minutes,
            changes_at: status
                .and_then(|s| s.changes_at)
                .map(|t| crate::clock::format_millis(t.as_millisecond())),
        }
    }
}

/// One thing wrong with the file, at `key` (`availability.mon`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why a settings file was not used: each problem, or the file could not be read at all.
#[derive(Debug)]
pub struct Refused {
    pub path: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not a valid settings file:", self.path)?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refused {}

/// A reply time longer than a day is not "usually replies in".
const MAX_REPLY_MINUTES: i64 = 24 * 60;
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// A file larger than this is not a settings file.
const MAX_FILE_BYTES: u64 = 256 * 1024;

impl Settings {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Settings, Refused> {
        let refused = |message: String| Refused {
            path: path.display().to_string(),
            problems: vec![Problem {
                key: "(file)".into(),
                message,
            }],
        };
        let size = std::fs::metadata(path)
            .map_err(|e| refused(format!("cannot be read: {e}")))?
            .len();
        if size > MAX_FILE_BYTES {
            return Err(refused(format!(
                "is {size} bytes; a settings file is at most {MAX_FILE_BYTES}"
            )));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| refused(format!("cannot be read: {e}")))?;
        Settings::parse(&text).map_err(|problems| Refused {
            path: path.display().to_string(),
            problems,
        })
    }

    /// Checks a settings file's text, reporting every problem.
    pub fn parse(text: &str) -> Result<Settings, Vec<Problem>> {
        let table: Table = text.parse().map_err(|e: toml::de::Error| {
            vec![Problem {
                key: "(syntax)".into(),
                message: e.message().to_owned() + &line_of(text, e.span()),
            }]
        })?;
        let mut problems = Problems::default();
        let mut settings = Settings::default();
        for (key, value) in &table {
            match (key.as_str(), value) {
                ("availability", Value::Table(section)) => {
                    settings.availability = availability(section, &mut problems);
                }
                ("availability", _) => problems.add(key, "must be a table ([availability])"),
                ("prechat", Value::Table(section)) => {
                    settings.prechat = prechat(section, &mut problems);
                }
                ("prechat", _) => problems.add(key, "must be a table ([prechat])"),
                _ => problems.add(key, "is not a setting this server knows"),
            }
        }
        problems.into_result(settings)
    }
}

/// " (line N)" for a parse error's span.
fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    span.map(|s| {
        let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
        format!(" (line {line})")
    })
    .unwrap_or_default()
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    fn into_result<T>(self, value: T) -> Result<T, Vec<Problem>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

fn availability(section: &Table, problems: &mut Problems) -> Option<Availability> {
    let key = |name: &str| format!("availability.{name}");
    let before = problems.0.len();
    let mut zone = None;
    let mut week: [Vec<(Minute, Minute)>; 7] = Default::default();
    let mut any_day = false;
    let mut closed_dates = BTreeSet::new();
    let mut reply_minutes = None;
    for (name, value) in section {
        if let Some(day) = DAYS.iter().position(|d| d == name) {
            any_day = true;
            match value.as_str().map(day_ranges) {
                Some(Ok(ranges)) => week[day] = ranges,
                Some(Err(message)) => problems.add(key(name), message),
                None => problems.add(key(name), "must be a string such as \"09:00-18:00\""),
            }
            continue;
        }
        match name.as_str() {
            "timezone" => match value.as_str() {
                Some(name) => match TimeZone::get(name) {
                    Ok(found) => zone = Some(found),
                    Err(_) => problems.add(
                        key("timezone"),
                        format!("{name:?} is not an IANA time zone such as \"Europe/Istanbul\""),
                    ),
                },
                None => problems.add(
                    key("timezone"),
                    "must be a string such as \"Europe/Istanbul\"",
                ),
            },
            "closed_dates" => match value.as_array() {
                Some(dates) => {
                    for (i, date) in dates.iter().enumerate() {
                        match date.as_str().map(str::parse::<Date>) {
                            Some(Ok(date)) => {
                                closed_dates.insert(date);
                            }
                            _ => problems.add(
                                format!("availability.closed_dates[{i}]"),
                                "must be a date such as \"2026-12-31\"",
                            ),
                        }
                    }
                }
                None => problems.add(
                    key("closed_dates"),
                    "must be a list of dates such as [\"2026-12-31\"]",
                ),
            },
            "reply_minutes" => match value.as_integer() {
                Some(n) if (1..=MAX_REPLY_MINUTES).contains(&n) => reply_minutes = Some(n as u32),
                _ => problems.add(
                    key("reply_minutes"),
                    format!("must be a whole number of minutes from 1 to {MAX_REPLY_MINUTES}"),
                ),
            },
            _ => problems.add(
                key(name),
                "is not an availability setting (timezone, mon … sun, closed_dates, reply_minutes)",
            ),
        }
    }
    let scheduled = any_day || !closed_dates.is_empty();
    if scheduled && zone.is_none() && !section.contains_key("timezone") {
        problems.add(
            key("timezone"),
            "is required with opening hours (an IANA name such as \"Europe/Istanbul\")",
        );
    }
    if problems.0.len() > before {
        return None;
    }
    let hours = match (scheduled, zone) {
        (true, Some(zone)) => Some(OfficeHours::new(zone, week, closed_dates)),
        _ => None,
    };
    Some(Availability {
        hours,
        reply_minutes,
    })
}

fn prechat(section: &Table, problems: &mut Problems) -> Option<PrechatForm> {
    let key = |name: &str| format!("prechat.{name}");
    let before = problems.0.len();
    let mut form = PrechatForm::default();
    for (name, value) in section {
        let text = value.as_str();
        match name.as_str() {
            "when" => match text {
                Some("always") => form.when = When::Always,
                Some("offline") => form.when = When::Offline,
                Some("never") => form.when = When::Never,
                _ => problems.add(key(name), "must be \"always\", \"offline\" or \"never\""),
            },
            "name" | "email" | "phone" => {
                let ask = match text {
                    Some("required") => Ask::Required,
                    Some("optional") => Ask::Optional,
                    Some("off") => Ask::Off,
                    _ => {
                        problems.add(key(name), "must be \"required\", \"optional\" or \"off\"");
                        continue;
                    }
                };
                match name.as_str() {
                    "name" => form.name = ask,
                    "email" => form.email = ask,
                    _ => form.phone = ask,
                }
            }
            "consent_url" => match text.map(connect360_model::safety::web_link) {
                Some(Ok(url)) if url.starts_with("https:") => form.consent_url = Some(url),
                _ => problems.add(key(name), "must be an https link to the privacy notice"),
            },
            _ => problems.add(
                key(name),
                "is not a pre-chat setting (when, name, email, phone, consent_url)",
            ),
        }
    }
    let asks_nothing = [form.name, form.email, form.phone]
        .iter()
        .all(|ask| *ask == Ask::Off)
        && form.consent_url.is_none();
    // Away, the form asks for an e-mail anyway: only an "always" form can be empty.
    if form.when == When::Always && asks_nothing {
        problems.add(
            key("when"),
            "the form asks for nothing: set name, email, phone or consent_url",
        );
    }
    (problems.0.len() == before).then_some(form)
}

/// `"closed"`, or ranges such as `"09:00-12:30, 13:30-18:00"` (`24:00` ends a day).
fn day_ranges(text: &str) -> Result<Vec<(Minute, Minute)>, String> {
    let text = text.trim();
    if text == "closed" {
        return Ok(Vec::new());
    }
    let mut ranges = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let (start, end) = part
            .split_once('-')
            .and_then(|(a, b)| Some((clock(a.trim())?, clock(b.trim())?)))
            .ok_or_else(|| {
                format!("{part:?} is not a range such as \"09:00-18:00\" (or say \"closed\")")
            })?;
        if start >= end {
            return Err(format!(
                "{part:?} ends before it starts (a range past midnight is two: \"22:00-24:00\" and the next day's \"00:00-02:00\")"
            ));
        }
        ranges.push((start, end));
    }
    ranges.sort_unstable();
    if ranges.windows(2).any(|pair| pair[1].0 < pair[0].1) {
        return Err(format!("{text:?} has overlapping ranges"));
    }
    Ok(ranges)
}

/// `HH:MM`, 00:00 to 24:00.
fn clock(text: &str) -> Option<Minute> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (Minute, Minute) = (h.parse().ok()?, m.parse().ok()?);
    let minute = h * 60 + m;
    (h <= 24 && m < 60 && minute <= 1440).then_some(minute)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        Settings::parse(text)
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_documented_example_is_read() {
        let settings = Settings::parse(
            r#"
            [availability]
            timezone = "Europe/Istanbul"
            mon = "09:00-18:00"
            tue = "09:00-12:00, 13:00-18:00"
            sat = "10:00-14:00"
            sun = "closed"
            closed_dates = ["2026-12-31"]
            reply_minutes = 5
            "#,
        )
        .unwrap();
        let availability = settings.availability.unwrap();
        assert_eq!(availability.reply_minutes, Some(5));
        assert!(availability.hours.is_some());
    }

    #[test]
    fn an_empty_file_and_a_reply_time_alone_set_no_hours() {
        assert!(Settings::parse("").unwrap().availability.is_none());
        let only = Settings::parse("[availability]\nreply_minutes = 10\n").unwrap();
        let availability = only.availability.unwrap();
        assert!(availability.hours.is_none());
        assert_eq!(availability.reply_minutes, Some(10));
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let found = problems(
            r#"
            colour = "red"
            [availability]
            timezone = "Mars/Olympus"
            mon = "9-18"
            tue = "18:00-09:00"
            wed = "09:00-13:00, 12:00-18:00"
            thu = 9
            fri = "09:00-24:30"
            closed_dates = ["2026-02-30", "tomorrow"]
            reply_minutes = 0
            weekend = "closed"
            "#,
        );
        let expected = [
            "colour: is not a setting",
            "availability.timezone: \"Mars/Olympus\" is not an IANA time zone",
            "availability.mon: \"9-18\" is not a range",
            "availability.tue: \"18:00-09:00\" ends before it starts",
            "availability.wed: \"09:00-13:00, 12:00-18:00\" has overlapping ranges",
            "availability.thu: must be a string",
            "availability.fri: \"09:00-24:30\" is not a range",
            "availability.closed_dates[0]: must be a date",
            "availability.closed_dates[1]: must be a date",
            "availability.reply_minutes: must be a whole number of minutes from 1 to 1440",
            "availability.weekend: is not an availability setting",
        ];
        for want in expected {
            assert!(
                found.iter().any(|p| p.starts_with(want)),
                "{want} missing from {found:#?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:#?}");
    }

    #[test]
    fn the_prechat_form_is_read_and_checked_key_by_key() {
        let settings = Settings::parse(
            "[prechat]\nwhen = \"always\"\nname = \"required\"\nemail = \"optional\"\nconsent_url = \"https://shop.example/privacy\"\n",
        )
        .unwrap();
        let form = settings.prechat.unwrap();
        assert_eq!(
            (form.when, form.name, form.email, form.phone),
            (When::Always, Ask::Required, Ask::Optional, Ask::Off)
        );
        assert_eq!(
            form.consent_url.as_deref(),
            Some("https://shop.example/privacy")
        );

        let found = problems(
            "[prechat]\nwhen = \"sometimes\"\nname = \"yes\"\nphone = true\nconsent_url = \"javascript:alert(1)\"\nage = \"required\"\n",
        );
        let expected = [
            "prechat.when: must be",
            "prechat.name: must be \"required\"",
            "prechat.phone: must be \"required\"",
            "prechat.consent_url: must be an https link",
            "prechat.age: is not a pre-chat setting",
        ];
        for want in expected {
            assert!(
                found.iter().any(|p| p.starts_with(want)),
                "{want} missing from {found:#?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        assert_eq!(
            problems("[prechat]\nwhen = \"always\"\n"),
            ["prechat.when: the form asks for nothing: set name, email, phone or consent_url"]
        );
        assert_eq!(
            problems("[prechat]\nconsent_url = \"http://shop.example/privacy\"\n"),
            ["prechat.consent_url: must be an https link to the privacy notice"]
        );
    }

    #[test]
    fn hours_without_a_time_zone_are_refused() {
        assert_eq!(
            problems("[availability]\nmon = \"09:00-17:00\"\n"),
            ["availability.timezone: is required with opening hours (an IANA name such as \"Europe/Istanbul\")"]
        );
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let found = problems("[availability]\ntimezone = \"UTC\"\nmon = \"09:00-18:00\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("(syntax): ") && found[0].ends_with("(line 3)"),
            "{found:?}"
        );
    }

    #[test]
    fn a_missing_or_huge_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Settings::load(&dir.path().join("none.toml")).unwrap_err();
        assert!(
            missing.to_string().contains("none.toml")
                && missing.to_string().contains("cannot be read")
        );
        let huge = dir.path().join("huge.toml");
        std::fs::write(&huge, "#".repeat(300 * 1024)).unwrap();
        assert!(Settings::load(&huge)
            .unwrap_err()
            .to_string()
            .contains("at most 262144"));
    }

    #[test]
    fn clock_times_run_from_midnight_to_24_00() {
        assert_eq!(clock("00:00"), Some(0));
        assert_eq!(clock("09:30"), Some(570));
        assert_eq!(clock("24:00"), Some(1440));
        for bad in ["24:01", "9:00", "09:60", "0900", "ab:cd", "-1:00"] {
            assert_eq!(clock(bad), None, "{bad}");
        }
    }
}

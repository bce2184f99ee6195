//! The path-tracking walker every decoder uses: typed field access, text checks (length,
//! blankness, control characters) and violation collection.

use std::fmt::Write;

use serde_json::{Map, Value};

use super::{Options, Rule, Violation};

pub(super) struct Walker {
    path: String,
    violations: Vec<Violation>,
    class_a: usize,
    pub(super) options: Options,
}

/// How one string field is checked.
#[derive(Clone, Copy)]
pub(super) struct TextRule {
    pub min: usize,
    pub max: usize,
    pub multi_line: bool,
    /// Rule reported for length and blankness.
    pub length: Rule,
    /// Rule reported for forbidden characters.
    pub characters: Rule,
}

/// A JSON value's kind, for "expected …, found …" messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A field's value, with `null` read as absent.
pub(super) fn field<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|v| !v.is_null())
}

impl Walker {
    pub fn new(root: String, options: Options) -> Self {
        Walker {
            path: root,
            violations: Vec::new(),
            class_a: 0,
            options,
        }
    }

    pub fn has_class_a(&self) -> bool {
        self.class_a > 0
    }

    pub fn class_a_count(&self) -> usize {
        self.class_a
    }

    pub fn violation_count(&self) -> usize {
        self.violations.len()
    }

    pub fn violations_since(&self, before: usize) -> &[Violation] {
        &self.violations[before..]
    }

    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }

    /// Reports a violation at the current path.
    pub fn report(&mut self, rule: Rule, message: impl Into<String>) {
        if rule.invalidates_value() {
            self.class_a += 1;
        }
        self.violations.push(Violation {
            rule,
            path: self.path.clone(),
            message: message.into(),
        });
    }

    /// Runs `f` with `.key` appended to the path.
    pub fn at<R>(&mut self, key: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.path.len();
        self.path.push('.');
        self.path.push_str(key);
        let result = f(self);
        self.path.truncate(len);
        result
    }

    /// Runs `f` with `[index]` appended to the path.
    pub fn at_index<R>(&mut self, index: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.path.len();
        let _ = write!(self.path, "[{index}]");
        let result = f(self);
        self.path.truncate(len);
        result
    }

    /// Reports every member of `obj` not in `known` (rule G2).
    pub fn unknown_fields(&mut self, obj: &Map<String, Value>, known: &[&str]) {
        for key in obj.keys().filter(|k| !known.contains(&k.as_str())) {
            self.at(key, |w| w.report(Rule::G2, "unknown field"));
        }
    }

    /// `obj.key` when it is present; reports `type_rule` if it is not of the expected kind.
    fn typed<'v, T: ?Sized>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        type_rule: Rule,
        expected: &str,
        cast: impl FnOnce(&'v Value) -> Option<&'v T>,
    ) -> Option<&'v T> {
        let value = field(obj, key)?;
        let cast = cast(value);
        if cast.is_none() {
            self.at(key, |w| {
                w.report(
                    type_rule,
                    format!("expected {expected}, found {}", kind(value)),
                )
            });
        }
        cast
    }

    pub fn string<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        type_rule: Rule,
    ) -> Option<&'v str> {
        self.typed(obj, key, type_rule, "a string", Value::as_str)
    }

    pub fn object<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        type_rule: Rule,
    ) -> Option<&'v Map<String, Value>> {
        self.typed(obj, key, type_rule, "an object", Value::as_object)
    }

    pub fn array<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        type_rule: Rule,
    ) -> Option<&'v [Value]> {
        self.typed(obj, key, type_rule, "an array", |v| {
            v.as_array().map(Vec::as_slice)
        })
    }

    pub fn boolean(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        type_rule: Rule,
    ) -> Option<bool> {
        let value = field(obj, key)?;
        let b = value.as_bool();
        if b.is_none() {
            self.at(key, |w| {
                w.report(
                    type_rule,
                    format!("expected a boolean, found {}", kind(value)),
                )
            });
        }
        b
    }

    /// Reports `rule` at the current path when `value` is not an object.
    pub fn expect_object<'v>(
        &mut self,
        value: &'v Value,
        rule: Rule,
    ) -> Option<&'v Map<String, Value>> {
        let obj = value.as_object();
        if obj.is_none() {
            self.report(rule, format!("expected an object, found {}", kind(value)));
        }
        obj
    }

    /// Checks a string at the current path; true when it passes.
    pub fn text(&mut self, s: &str, rule: TextRule) -> bool {
        let count = s.chars().count();
        let mut ok = true;
        if count < rule.min {
            ok = false;
            if count == 0 {
                self.report(rule.length, "must not be empty");
            } else {
                self.report(
                    rule.length,
                    format!("{count} characters, at least {}", rule.min),
                );
            }
        } else if count > rule.max {
            ok = false;
            self.report(
                rule.length,
                format!("{count} characters, at most {}", rule.max),
            );
        } else if rule.min > 0 && s.chars().all(char::is_whitespace) {
            ok = false;
            self.report(rule.length, "must not be blank");
        }
        if let Some(problem) = forbidden_character(s, rule.multi_line) {
            ok = false;
            self.report(rule.characters, problem);
        }
        ok
    }

    /// Checks `obj.key` as a string field; `Some` when present and valid.
    pub fn text_field<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        type_rule: Rule,
        rule: TextRule,
    ) -> Option<&'v str> {
        let s = self.string(obj, key, type_rule)?;
        self.at(key, |w| w.text(s, rule)).then_some(s)
    }
}

/// Whether rule C1 forbids `c`: a bidirectional embedding or override (U+202A..U+202E), or a
/// C0 control or DEL other than the line breaks and tabs of a multi-line field.
fn forbidden(c: char, multi_line: bool) -> bool {
    let control = c <= '\u{1F}' || c == '\u{7F}';
    ('\u{202A}'..='\u{202E}').contains(&c)
        || (control && !(multi_line && matches!(c, '\n' | '\r' | '\t')))
}

/// `s` without the characters rule C1 forbids. The widget sends a visitor's text through
/// this: text pasted from Arabic or Hebrew documents often carries embedding controls the
/// visitor never saw. The marks that set direction without them stay (LRM, RLM, ALM and the
/// isolates U+2066..U+2069), and every bubble is `dir="auto"`, so the text still reads in its
/// own direction.
pub fn without_forbidden_characters(s: &str, multi_line: bool) -> String {
    s.chars().filter(|&c| !forbidden(c, multi_line)).collect()
}

/// Rule C1: no C0 control or DEL (LF, CR and TAB allowed in multi-line fields) and no
/// bidirectional embedding/override (U+202A..U+202E) anywhere.
pub fn forbidden_character(s: &str, multi_line: bool) -> Option<String> {
    let c = s.chars().find(|&c| forbidden(c, multi_line))?;
    Some(match c {
        '\u{202A}'..='\u{202E}' => format!(
            "contains a bidirectional override character (U+{:04X})",
            c as u32
        ),
        '\n' | '\r' => "contains a line break; this field is single-line".into(),
        _ => format!("contains a control character (U+{:04X})", c as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_rule_c1_forbids_is_removed_and_everything_else_kept() {
        let pasted = "\u{202B}مرحبا\u{202C} \u{202D}order 12\u{202E}\u{202A}!\u{7}";
        assert_eq!(
            without_forbidden_characters(pasted, true),
            "مرحبا order 12!"
        );
        let kept = "a\u{200E}b\u{200F}c\u{61C}d\u{2066}e\u{2067}f\u{2068}g\u{2069}\n\t\r";
        assert_eq!(without_forbidden_characters(kept, true), kept);
        assert_eq!(without_forbidden_characters("a\nb\tc", false), "abc");
        for text in [pasted, kept] {
            let cleaned = without_forbidden_characters(text, true);
            assert_eq!(forbidden_character(&cleaned, true), None, "{cleaned:?}");
        }
        assert_eq!(
            forbidden_character("x\u{202E}", true).as_deref(),
            Some("contains a bidirectional override character (U+202E)")
        );
        assert_eq!(
            forbidden_character("x\ny", false).as_deref(),
            Some("contains a line break; this field is single-line")
        );
        assert_eq!(
            forbidden_character("x\u{1}", true).as_deref(),
            Some("contains a control character (U+0001)")
        );
    }
}

//! The rich-text parser of `rich-messages.md` §3: `**bold**`, `*italic*`, `[label](url)`,
//! escapes and line breaks become a small tree; everything else is literal text.
//!
//! The tree is turned into DOM node by node by the widget; no HTML string is ever built. Link
//! targets pass [`crate::safety::rich_text_link`] or the construct stays literal.

use crate::safety::{self, LinkTarget, Refusal};

/// One node of parsed rich text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Strong(Vec<Inline>),
    Em(Vec<Inline>),
    Link { target: LinkTarget, label: String },
    LineBreak,
}

/// A `[label](target)` construct that stayed literal only because its target was refused
/// (rule T1 on the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedLink {
    pub target: String,
    pub reason: Refusal,
}

/// Parsed rich text plus what the parser refused along the way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RichText {
    pub nodes: Vec<Inline>,
    pub refused_links: Vec<RefusedLink>,
}

/// Characters a backslash escapes.
const ESCAPABLE: [char; 6] = ['\\', '*', '[', ']', '(', ')'];

/// Parses rich text. Total: any input yields a tree, never a panic.
pub fn parse(input: &str) -> RichText {
    let normalised = input.replace("\r\n", "\n").replace('\r', "\n");
    let mut text = RichText::default();
    for (index, line) in normalised.split('\n').enumerate() {
        if index > 0 {
            text.nodes.push(Inline::LineBreak);
        }
        let scanner = LineScanner::new(line);
        scanner.scan(
            0,
            scanner.chars.len(),
            Context::default(),
            &mut text.nodes,
            &mut text.refused_links,
        );
    }
    text
}

/// Whether `text` holds something that looks like an HTML tag: `<` followed by a letter, `/`,
/// `!` or `?` (rule T2).
pub fn contains_html_tag(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<'
            && chars
                .peek()
                .is_some_and(|&n| n.is_alphabetic() || "/!?".contains(n))
        {
            return true;
        }
    }
    false
}

impl RichText {
    /// The text with markers removed and link labels kept, for announcements and previews.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        flatten(&self.nodes, &mut out);
        out
    }
}

fn flatten(nodes: &[Inline], out: &mut String) {
    for node in nodes {
        match node {
            Inline::Text(t) => out.push_str(t),
            Inline::Strong(inner) | Inline::Em(inner) => flatten(inner, out),
            Inline::Link { label, .. } => out.push_str(label),
            Inline::LineBreak => out.push('\n'),
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Context {
    in_strong: bool,
    in_em: bool,
}

struct LineScanner {
    chars: Vec<char>,
    /// `escaped[i]`: character `i` is made literal by the backslash before it.
    escaped: Vec<bool>,
}

impl LineScanner {
    fn new(line: &str) -> Self {
        let chars: Vec<char> = line.chars().collect();
        let mut escaped = vec![false; chars.len()];
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '\\' && chars.get(i + 1).is_some_and(|c| ESCAPABLE.contains(c)) {
                escaped[i + 1] = true;
                i += 2;
            } else {
                i += 1;
            }
        }
        LineScanner { chars, escaped }
    }

    fn is_marker(&self, i: usize, marker: char) -> bool {
        self.chars[i] == marker && !self.escaped[i]
    }

    /// Scans `start..end` left to right, appending nodes to `out`.
    fn scan(
        &self,
        start: usize,
        end: usize,
        ctx: Context,
        out: &mut Vec<Inline>,
        refused: &mut Vec<RefusedLink>,
    ) {
        let mut literal = String::new();
        let mut i = start;
        while i < end {
            let c = self.chars[i];
            if c == '\\' && i + 1 < end && ESCAPABLE.contains(&self.chars[i + 1]) {
                literal.push(self.chars[i + 1]);
                i += 2;
                continue;
            }
            if self.is_marker(i, '[') {
                if let Some((node, next)) = self.link(i, end, refused) {
                    flush(&mut literal, out);
                    out.push(node);
                    i = next;
                    continue;
                }
            } else if self.is_marker(i, '*') {
                if !ctx.in_strong && !ctx.in_em && i + 1 < end && self.is_marker(i + 1, '*') {
                    if let Some((inner_end, next)) = self.strong_closer(i, end) {
                        flush(&mut literal, out);
                        let mut inner = Vec::new();
                        let inner_ctx = Context {
                            in_strong: true,
                            ..ctx
                        };
                        self.scan(i + 2, inner_end, inner_ctx, &mut inner, refused);
                        out.push(Inline::Strong(inner));
                        i = next;
                    } else {
                        literal.push_str("**");
                        i += 2;
                    }
                    continue;
                }
                if !ctx.in_em {
                    if let Some(closer) = self.em_closer(i, end) {
                        flush(&mut literal, out);
                        let mut inner = Vec::new();
                        let inner_ctx = Context { in_em: true, ..ctx };
                        self.scan(i + 1, closer, inner_ctx, &mut inner, refused);
                        out.push(Inline::Em(inner));
                        i = closer + 1;
                        continue;
                    }
                }
            }
            literal.push(c);
            i += 1;
        }
        flush(&mut literal, out);
    }

    /// Inner text of a strong or em span: non-empty, no whitespace at either end.
    fn valid_inner(&self, start: usize, end: usize) -> bool {
        start < end && !self.chars[start].is_whitespace() && !self.chars[end - 1].is_whitespace()
    }

    /// For `**` at `open`: the closer is the last two characters of the first run of two or more
    /// unescaped `*` starting at or after `open + 2`. Returns (inner end, index after closer).
    fn strong_closer(&self, open: usize, end: usize) -> Option<(usize, usize)> {
        let mut k = open + 2;
        while k < end {
            if !self.is_marker(k, '*') {
                k += 1;
                continue;
            }
            let mut run_end = k;
            while run_end < end && self.is_marker(run_end, '*') {
                run_end += 1;
            }
            if run_end - k >= 2 {
                let inner_end = run_end - 2;
                return self
                    .valid_inner(open + 2, inner_end)
                    .then_some((inner_end, run_end));
            }
            k = run_end;
        }
        None
    }

    /// For `*` at `open`: the closer is the first unescaped `*` after it.
    fn em_closer(&self, open: usize, end: usize) -> Option<usize> {
        let closer = (open + 1..end).find(|&k| self.is_marker(k, '*'))?;
        self.valid_inner(open + 1, closer).then_some(closer)
    }

    /// `[label](target)` at `open`. Returns the link node and the index after `)`.
    fn link(
        &self,
        open: usize,
        end: usize,
        refused: &mut Vec<RefusedLink>,
    ) -> Option<(Inline, usize)> {
        let mut k = open + 1;
        let label_end = loop {
            if k >= end || self.is_marker(k, '[') {
                return None;
            }
            if self.is_marker(k, ']') {
                break k;
            }
            k += 1;
        };
        let label = self.unescape(open + 1, label_end);
        if label.trim().is_empty() || label_end + 1 >= end || self.chars[label_end + 1] != '(' {
            return None;
        }
        let target_start = label_end + 2;
        let target_end = (target_start..end).find(|&t| self.chars[t] == ')')?;
        let target: String = self.chars[target_start..target_end].iter().collect();
        let checked = if target.chars().any(char::is_whitespace) {
            Err(Refusal::Whitespace)
        } else {
            safety::rich_text_link(&target)
        };
        match checked {
            Ok(target) => Some((Inline::Link { target, label }, target_end + 1)),
            Err(reason) => {
                refused.push(RefusedLink { target, reason });
                None
            }
        }
    }

    fn unescape(&self, start: usize, end: usize) -> String {
        let mut out = String::new();
        let mut i = start;
        while i < end {
            if self.chars[i] == '\\' && i + 1 < end && ESCAPABLE.contains(&self.chars[i + 1]) {
                i += 1;
            }
            out.push(self.chars[i]);
            i += 1;
        }
        out
    }
}

/// Literal text becomes nodes: bare web links in it are links (§3.1).
fn flush(literal: &mut String, out: &mut Vec<Inline>) {
    if !literal.is_empty() {
        out.extend(linkify(&std::mem::take(literal)));
    }
}

/// Plain text with its bare web links (`rich-messages.md` §3.1) as links: a run from
/// `https://` or `http://` (any case) to the next whitespace, less trailing `. , ; : ! ?` and
/// quotes, and a trailing `)` or `]` unless the run holds its opening partner, is a link when it
/// passes [`safety::web_link`]; its text is the run as written, its `href` the serialised URL.
/// Everything else, failing runs included, stays text. No line breaks are produced.
pub fn linkify(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut literal_from = 0;
    let mut search_from = 0;
    while let Some(start) = next_scheme(text, search_from) {
        let run_end = text[start..]
            .find(char::is_whitespace)
            .map_or(text.len(), |n| start + n);
        let run = trim_run(&text[start..run_end]);
        if let Ok(href) = safety::web_link(run) {
            if literal_from < start {
                out.push(Inline::Text(text[literal_from..start].to_owned()));
            }
            out.push(Inline::Link {
                target: LinkTarget::Web(href),
                label: run.to_owned(),
            });
            literal_from = start + run.len();
        }
        search_from = run_end;
    }
    if literal_from < text.len() {
        out.push(Inline::Text(text[literal_from..].to_owned()));
    }
    out
}

/// Where the next `http://` or `https://` (ASCII case-insensitive) starts, at or after `from`.
fn next_scheme(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    (from..bytes.len()).find(|&i| {
        let rest = &bytes[i..];
        let starts = |prefix: &[u8]| {
            rest.len() >= prefix.len() && rest[..prefix.len()].eq_ignore_ascii_case(prefix)
        };
        starts(b"https://") || starts(b"http://")
    })
}

/// A run less what ends a sentence rather than the address (§3.1).
fn trim_run(mut run: &str) -> &str {
    loop {
        let before = run.len();
        run = run.trim_end_matches([
            '.', ',', ';', ':', '!', '?', '"', '\'', '“', '”', '‘', '’', '«', '»',
        ]);
        for (close, open) in [(')', '('), (']', '[')] {
            if run.ends_with(close) && !run.contains(open) {
                run = &run[..run.len() - 1];
            }
        }
        if run.len() == before {
            return run;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Inline::*;

    fn t(s: &str) -> Inline {
        Text(s.to_owned())
    }

    fn web(href: &str, label: &str) -> Inline {
        Link {
            target: LinkTarget::Web(href.to_owned()),
            label: label.to_owned(),
        }
    }

    fn nodes(s: &str) -> Vec<Inline> {
        parse(s).nodes
    }

    #[test]
    fn bare_web_links_become_links_less_the_punctuation_that_ends_a_sentence() {
        assert_eq!(
            linkify("See https://example.com/a?b=1."),
            [
                t("See "),
                web("https://example.com/a?b=1", "https://example.com/a?b=1"),
                t(".")
            ]
        );
        // The text is the run as written; the href is serialised.
        assert_eq!(
            linkify("HTTPS://Example.COM"),
            [web("https://example.com/", "HTTPS://Example.COM")]
        );
        assert_eq!(
            linkify("(see https://example.com/x)"),
            [
                t("(see "),
                web("https://example.com/x", "https://example.com/x"),
                t(")")
            ]
        );
        assert_eq!(
            linkify("https://en.wikipedia.org/wiki/Rust_(language)"),
            [web(
                "https://en.wikipedia.org/wiki/Rust_(language)",
                "https://en.wikipedia.org/wiki/Rust_(language)"
            )]
        );
        assert_eq!(
            linkify("\"http://a.example/b\"!"),
            [
                t("\""),
                web("http://a.example/b", "http://a.example/b"),
                t("\"!")
            ]
        );
        assert_eq!(
            linkify("one https://a.example two http://b.example"),
            [
                t("one "),
                web("https://a.example/", "https://a.example"),
                t(" two "),
                web("http://b.example/", "http://b.example"),
            ]
        );
    }

    #[test]
    fn bare_runs_that_fail_the_allow_list_stay_text() {
        for literal in [
            "www.example.com",
            "https://",
            "https://u:p@example.com/",
            "ftp://example.com",
            "javascript:alert(1)",
            "https://exa\\mple.com",
            "plain words only",
        ] {
            assert_eq!(linkify(literal), [t(literal)], "{literal}");
        }
        assert_eq!(linkify(""), []);
    }

    #[test]
    fn rich_text_links_its_literal_parts_but_not_link_labels() {
        assert_eq!(
            nodes("**Track:** https://shop.example/t/1"),
            [
                Strong(vec![t("Track:")]),
                t(" "),
                web("https://shop.example/t/1", "https://shop.example/t/1"),
            ]
        );
        assert_eq!(
            nodes("[https://a.example](https://b.example)"),
            [web("https://b.example/", "https://a.example")]
        );
    }

    #[test]
    fn the_spec_table_parses_as_documented() {
        assert_eq!(
            nodes("Hello **world**"),
            [t("Hello "), Strong(vec![t("world")])]
        );
        assert_eq!(
            nodes("**Bold and *italic***"),
            [Strong(vec![t("Bold and "), Em(vec![t("italic")])])]
        );
        assert_eq!(nodes("***both***"), [Strong(vec![Em(vec![t("both")])])]);
        assert_eq!(
            nodes("*a **b** c*"),
            [t("*a "), Strong(vec![t("b")]), t(" c*")]
        );
        for literal in ["2 * 3 * 4", "** spaced **", "**unclosed"] {
            assert_eq!(nodes(literal), [t(literal)], "{literal}");
        }
        assert_eq!(
            nodes("snake*case*word"),
            [t("snake"), Em(vec![t("case")]), t("word")]
        );
        assert_eq!(nodes("\\*not italic\\*"), [t("*not italic*")]);
        assert_eq!(
            nodes("line 1\nline 2"),
            [t("line 1"), LineBreak, t("line 2")]
        );
        assert_eq!(
            nodes("Visit [our site](https://example.com/a?b=1)."),
            [
                t("Visit "),
                web("https://example.com/a?b=1", "our site"),
                t(".")
            ]
        );
        assert_eq!(
            nodes("[mail](mailto:help@example.com)"),
            [Link {
                target: LinkTarget::Mail("mailto:help@example.com".into()),
                label: "mail".into()
            }]
        );
        for literal in [
            "[x](javascript:alert(1))",
            "[a](//evil.example)",
            "[a](https://u:p@example.com)",
            "<b>hi</b> &amp;",
            "# Title",
            "_x_",
        ] {
            assert_eq!(nodes(literal), [t(literal)], "{literal}");
        }
        assert_eq!(
            nodes("[label *x*](https://example.com)"),
            [web("https://example.com/", "label *x*")]
        );
    }

    #[test]
    fn line_endings_are_normalised() {
        assert_eq!(
            nodes("a\r\nb\rc"),
            [t("a"), LineBreak, t("b"), LineBreak, t("c")]
        );
    }

    #[test]
    fn constructs_never_span_lines() {
        assert_eq!(nodes("**a\nb**"), [t("**a"), LineBreak, t("b**")]);
    }

    #[test]
    fn refused_link_targets_are_reported_for_t1() {
        let parsed = parse(
            "Read the [terms](javascript:alert(1)) or the [FAQ](https://www.example.com/faq).",
        );
        assert_eq!(parsed.refused_links.len(), 1);
        assert_eq!(parsed.refused_links[0].target, "javascript:alert(1");
        assert_eq!(
            parsed.nodes,
            [
                t("Read the [terms](javascript:alert(1)) or the "),
                web("https://www.example.com/faq", "FAQ"),
                t(".")
            ]
        );
    }

    #[test]
    fn image_syntax_is_a_literal_bang_and_a_link() {
        assert_eq!(
            nodes("![a](https://example.com/x.png)"),
            [t("!"), web("https://example.com/x.png", "a")]
        );
    }

    #[test]
    fn blank_labels_and_escaped_brackets_are_literal() {
        assert_eq!(
            nodes("[ ](mailto:help@example.com)"),
            [t("[ ](mailto:help@example.com)")]
        );
        assert_eq!(
            nodes("\\[a](mailto:help@example.com)"),
            [t("[a](mailto:help@example.com)")]
        );
        // A construct that stays literal still has its bare web address linked (§3.1).
        assert_eq!(
            nodes("[ ](https://example.com)"),
            [
                t("[ ]("),
                web("https://example.com/", "https://example.com"),
                t(")")
            ]
        );
        assert_eq!(
            nodes("[a\\]b](https://example.com)"),
            [web("https://example.com/", "a]b")]
        );
    }

    #[test]
    fn plain_text_flattens_markers_and_keeps_labels() {
        let parsed = parse("**Order** *now* at [shop](https://example.com)\nthanks");
        assert_eq!(parsed.plain_text(), "Order now at shop\nthanks");
    }

    #[test]
    fn html_tags_are_detected_for_t2() {
        assert!(contains_html_tag("<b>hi</b>"));
        assert!(contains_html_tag("x </p>"));
        assert!(contains_html_tag("<!-- c -->"));
        assert!(contains_html_tag("<?xml"));
        assert!(!contains_html_tag("5 < 6 & 7 > 3"));
        assert!(!contains_html_tag("<3 <"));
    }
}

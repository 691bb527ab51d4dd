//! What may be written at a cursor in a `.pact` text (or a standalone expression), asked of the
//! grammar itself: the text before the cursor is parsed with a character no rule accepts
//! appended, and pest's error lists the rules it attempted at the cursor. Each attempted rule
//! is then turned into words: its keyword literals (the FIRST sets `build.rs` derives from
//! `grammar/policy.pest`) and, for rules that take a name (`rule_kind`, `provider_name`,
//! `attr`, `value`, …), a [`Slot`] the caller fills from the catalog and the workspace.
//!
//! Nothing here panics on malformed text: a half-typed policy is the normal case.

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};

use super::grammar::{PolicyParser, Rule};
use crate::source::Span;

mod table {
    include!(concat!(env!("OUT_DIR"), "/grammar_table.rs"));
}

/// A kind of name the grammar expects at the cursor, to be filled with known names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Slot {
    /// A rule kind (`exclusive`, `deny`, …).
    RuleKind,
    /// A provider id or alias.
    Provider,
    /// An attribute of a deployment (and `tag.KEY`).
    Attribute,
    /// A tag key, after `tag.` or `label.`.
    TagKey,
    /// A value compared with the attribute written before it (`kind == |`, `tag.team in [|`).
    Value(String),
    /// A country group, after `in`.
    Group,
    /// `error`, `warning`, `info`.
    Severity,
    /// `allow`, `warn`, `deny`.
    UnknownMode,
}

/// What the grammar accepts at a cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Expected {
    /// Keywords, sorted, without duplicates.
    pub keywords: Vec<&'static str>,
    pub slots: Vec<Slot>,
    /// The partly typed word the completion replaces.
    pub word: Span,
}

/// Where parsing starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// A whole `.pact` file.
    File,
    /// One expression (a refusal record's or a waiver's `where`).
    Expr,
}

/// A character no rule of the grammar accepts, so that parsing always stops at the cursor.
const STOP: char = '\u{1}';

/// What may be written at byte `offset` of `text`; `None` inside a comment or a string, or
/// when the text before the cursor does not parse (there is nothing sure to offer then).
pub(crate) fn expected_at(text: &str, offset: usize, start: Start) -> Option<Expected> {
    let offset = crate::source::clamp_to_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    // The word being typed is replaced, and the grammar is asked about its start.
    let word_start = before.trim_end_matches(word_char).len();
    let prefix = &text[..word_start];
    let probe = format!("{prefix}{STOP}");
    let top = match start {
        Start::File => Rule::file,
        Start::Expr => Rule::standalone_expr,
    };
    let err = match PolicyParser::parse(top, &probe) {
        Ok(_) => return None,
        Err(e) => e,
    };
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let ErrorVariant::ParsingError { positives, .. } = &err.variant else {
        return None;
    };
    // Parsing stopped before the cursor (an error earlier on), or after it (the cursor is in
    // a comment or a string, which swallowed the stop character).
    if pos != prefix.len() {
        return None;
    }
    let mut out = Expected {
        word: Span::new(word_start, offset),
        ..Expected::default()
    };
    let last = last_word(prefix);
    for r in positives {
        // The catch-all of unknown clauses accepts anything; it is there for error messages.
        if matches!(
            r,
            Rule::other_item | Rule::other_body | Rule::other_clause | Rule::EOI
        ) {
            continue;
        }
        out.keywords.extend(first_keywords(*r));
        match r {
            Rule::rule_kind | Rule::rule => out.slots.push(Slot::RuleKind),
            Rule::provider_name | Rule::provider_list => out.slots.push(Slot::Provider),
            Rule::expr
            | Rule::standalone_expr
            | Rule::attr
            | Rule::named_attr
            | Rule::test_bool
            | Rule::test_cmp
            | Rule::test_in_list
            | Rule::test_in_group
            | Rule::test_matches => out.slots.push(Slot::Attribute),
            Rule::value => {
                if let Some(attr) = compared_attribute(prefix) {
                    out.slots.push(Slot::Value(attr));
                }
            }
            Rule::ident => match last {
                // `tag.|`
                _ if prefix.ends_with('.') => out.slots.push(Slot::TagKey),
                Some("in") => out.slots.push(Slot::Group),
                Some("severity") => out.slots.push(Slot::Severity),
                Some("unknown") => out.slots.push(Slot::UnknownMode),
                _ => {}
            },
            _ => {}
        }
    }
    // `tag.` is written with its key: offered as an attribute.
    out.keywords.retain(|k| !matches!(*k, "tag" | "label"));
    out.keywords.sort_unstable();
    out.keywords.dedup();
    out.slots.sort();
    out.slots.dedup();
    Some(out)
}

/// The keywords that can begin a rule of the grammar.
pub(crate) fn first_keywords(of: Rule) -> &'static [&'static str] {
    let name = format!("{of:?}");
    table::FIRST
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[], |(_, words)| *words)
}

/// The grammar's documentation of a keyword: the comment of the clause it begins (`where`:
/// "`where EXPR`: which deployments the rule is about."), else of its own rule.
pub(crate) fn keyword_doc(word: &str) -> Option<String> {
    if let Some((_, doc)) = table::DOCS.iter().find(|(name, _)| *name == word) {
        return Some((*doc).to_string());
    }
    let clauses: Vec<&str> = table::DOCS
        .iter()
        .filter(|(name, _)| {
            (name.ends_with("_clause") || name.starts_with("meta_") || name.starts_with("window_"))
                && !matches!(*name, "meta_clause" | "other_clause")
        })
        .filter(|(name, _)| {
            table::FIRST
                .iter()
                .any(|(n, words)| n == name && words == &[word])
        })
        .map(|(_, doc)| *doc)
        .collect();
    if !clauses.is_empty() {
        return Some(clauses.join("\n\n"));
    }
    // `and`, `in`, `true`: the narrowest rule it begins.
    table::DOCS
        .iter()
        .filter_map(|(name, doc)| {
            let words = table::FIRST.iter().find(|(n, _)| n == name)?.1;
            words.contains(&word).then_some((words.len(), *doc))
        })
        .min_by_key(|(n, _)| *n)
        .map(|(_, doc)| doc.to_string())
}

/// Every keyword of the grammar.
#[cfg(test)]
pub(crate) fn all_keywords() -> Vec<&'static str> {
    let mut v: Vec<&str> = table::FIRST
        .iter()
        .filter(|(n, _)| n.starts_with("kw_") || n.starts_with("op_") || *n == "boolean")
        .flat_map(|(_, w)| w.iter().copied())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A character of an identifier.
pub(crate) fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The last word before the cursor (`in` of `country in |`).
fn last_word(prefix: &str) -> Option<&str> {
    let t = prefix.trim_end();
    let w = &t[t.trim_end_matches(word_char).len()..];
    (!w.is_empty()).then_some(w)
}

/// The attribute of the comparison the cursor is in: `kind` of `kind == |` or
/// `kind in [compute, |`.
fn compared_attribute(prefix: &str) -> Option<String> {
    let mut t = prefix.trim_end();
    if let Some(rest) = t.strip_suffix("==").or_else(|| t.strip_suffix("!=")) {
        t = rest;
    } else {
        // Inside a list: back to its `[`, then the `in` before it.
        let open = t.rfind('[')?;
        if t[open..].contains(']') {
            return None;
        }
        t = t[..open].trim_end().strip_suffix("in")?;
    }
    let t = t.trim_end();
    let start = t
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '[' || c == ',')
        .map_or(0, |i| i + 1);
    let attr = &t[start..];
    (!attr.is_empty()).then(|| attr.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Expected {
        let cursor = text.find('|').expect("a cursor");
        let text = text.replace('|', "");
        expected_at(&text, cursor, Start::File).expect("something expected")
    }

    #[test]
    fn a_policy_body_takes_meta_clauses_and_rule_kinds() {
        let e = at("policy p {\n  |\n}\n");
        assert_eq!(e.keywords, ["effective", "owner", "reference", "title"]);
        assert_eq!(e.slots, [Slot::RuleKind]);
    }

    #[test]
    fn a_rule_body_takes_every_rule_clause() {
        let e = at("policy p {\n  deny d {\n    wh|\n  }\n}\n");
        for k in ["where", "provider", "holder", "at_least", "waivable"] {
            assert!(e.keywords.contains(&k), "{k} in {:?}", e.keywords);
        }
        assert!(!e.keywords.contains(&"title"), "{:?}", e.keywords);
        let wh = "policy p {\n  deny d {\n    ".len();
        assert_eq!(e.word, Span::new(wh, wh + 2));
    }

    #[test]
    fn names_after_clauses_and_operators() {
        assert_eq!(at("policy p { deny d { provider |").slots, [Slot::Provider]);
        assert_eq!(
            at("policy p { deny d { provider aws, g|").slots,
            [Slot::Provider]
        );
        assert_eq!(at("policy p { deny d { severity |").slots, [Slot::Severity]);
        assert_eq!(
            at("policy p { deny d { unknown |").slots,
            [Slot::UnknownMode]
        );
        assert_eq!(
            at("policy p { deny d { where kind == |").slots,
            [Slot::Value("kind".into())]
        );
        assert_eq!(
            at("policy p { deny d { where tag.team in [a, |").slots,
            [Slot::Value("tag.team".into())]
        );
        assert_eq!(at("policy p { deny d { where tag.|").slots, [Slot::TagKey]);
        let group = at("policy p { deny d { where country in |");
        assert_eq!(group.slots, [Slot::Group]);
        let after = at("policy p { deny d { where kind |");
        for k in ["==", "!=", "in", "matches", "and", "or"] {
            assert!(after.keywords.contains(&k), "{k} in {:?}", after.keywords);
        }
        let expr = at("policy p { deny d { where |");
        assert!(expr.slots.contains(&Slot::Attribute));
        assert!(expr.keywords.contains(&"not"));
        assert_eq!(
            at("policy p { effective |").keywords,
            ["from", "to", "until"]
        );
    }

    #[test]
    fn nothing_in_comments_strings_or_after_an_error() {
        let none = |t: &str| {
            let c = t.find('|').unwrap();
            expected_at(&t.replace('|', ""), c, Start::File)
        };
        assert_eq!(none("policy p { // wh|"), None);
        assert_eq!(none("policy p { title \"wh|"), None);
        assert_eq!(none("policy p { 42 }\npolicy q { |"), None);
        // Malformed text of every shape: no panic.
        for t in [
            "",
            "{",
            "\"",
            "policy",
            "policy p { deny d { where (((",
            "é",
        ] {
            for i in 0..=t.len() {
                let _ = expected_at(t, i, Start::File);
                let _ = expected_at(t, i, Start::Expr);
            }
        }
    }

    #[test]
    fn a_standalone_expression() {
        let cursor = "path matches \"a\" and ".len();
        let e = expected_at("path matches \"a\" and ", cursor, Start::Expr).unwrap();
        assert!(e.slots.contains(&Slot::Attribute));
        assert!(e.keywords.contains(&"not"));
    }

    #[test]
    fn keywords_have_the_grammars_documentation() {
        let doc = keyword_doc("where").unwrap();
        assert!(doc.contains("which deployments the rule is about"), "{doc}");
        assert!(keyword_doc("at_least").unwrap().contains("PERCENT"));
        let all = all_keywords();
        for k in ["policy", "where", "matches", "and", "true"] {
            assert!(all.contains(&k), "{k} in {all:?}");
        }
    }
}

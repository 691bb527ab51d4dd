//! The pest parser of `grammar/policy.pest`, and syntax errors as [`Diag`]s that say in words
//! what was expected (never pest's rule names), at the byte where parsing stopped.

use std::sync::Arc;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pairs;

use crate::diag::Diag;
use crate::source::{SourceFile, Span, clamp_to_char_boundary};

/// The code of every syntax error in a policy file.
pub(crate) const SYNTAX: &str = "cloudpact::policy::syntax";

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
pub struct PolicyParser;

/// A syntax error: where, and what was expected there, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte span of the offending token (empty at the end of the input).
    pub span: Span,
    /// "expected a clause such as `provider` or `where`, or `}`"
    pub expected: String,
    /// What was found instead: "`azure`", "end of file".
    pub found: String,
}

impl SyntaxError {
    /// The headline: "expected …, found …".
    pub fn message(&self) -> String {
        format!("{}, found {}", self.expected, self.found)
    }

    /// As a diagnostic in `file`.
    pub(crate) fn to_diag(&self, file: &Arc<SourceFile>) -> Diag {
        Diag::error(SYNTAX, format!("syntax error: {}", self.message()))
            .in_file(file.clone())
            .at(self.span, self.expected.clone())
    }
}

/// Parses `text` as a whole `.pact` file.
pub(crate) fn parse_file(text: &str) -> Result<Pairs<'_, Rule>, SyntaxError> {
    PolicyParser::parse(Rule::file, text).map_err(|e| syntax_error(text, &e))
}

/// Parses `text` as one expression, nothing before or after it.
pub(crate) fn parse_standalone_expr(text: &str) -> Result<Pairs<'_, Rule>, SyntaxError> {
    PolicyParser::parse(Rule::standalone_expr, text).map_err(|e| syntax_error(text, &e))
}

/// Turns pest's error into words. pest reports the rules it tried at the furthest position it
/// reached; they are grouped into phrases ("a clause such as …") so the reader sees the
/// language, not the grammar.
fn syntax_error(text: &str, e: &pest::error::Error<Rule>) -> SyntaxError {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let pos = clamp_to_char_boundary(text, pos);
    let span = token_span(text, pos);
    // A string whose closing quote is missing on its line: the token is the quote and the rest
    // of the line (a lone `"` is a token of length 1).
    let token = &text[span.range()];
    let unterminated = token.starts_with('"') && (token.len() == 1 || !token.ends_with('"'));
    if unterminated {
        return SyntaxError {
            span,
            expected: "expected a closing `\"` before the end of the line".to_string(),
            found: "an unterminated string".to_string(),
        };
    }
    let found = describe_found(text, span);
    let expected = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => expected_phrase(positives),
        ErrorVariant::CustomError { message } => {
            // pest's own limits (nesting too deep for the stack); say it plainly.
            format!("input too deeply nested to parse ({message})")
        }
    };
    SyntaxError {
        span,
        expected,
        found,
    }
}

/// The span of the token starting at `pos`: a word, a string, or one character.
fn token_span(text: &str, pos: usize) -> Span {
    let rest = &text[pos..];
    let Some(first) = rest.chars().next() else {
        return Span::empty(pos);
    };
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .unwrap_or(rest.len())
    } else if first == '"' {
        rest[1..].find(['"', '\n']).map_or(rest.len(), |i| {
            i + 1 + usize::from(rest[1 + i..].starts_with('"'))
        })
    } else if first == '\n' || first == '\r' {
        0
    } else {
        first.len_utf8()
    };
    Span::new(pos, pos + len)
}

fn describe_found(text: &str, span: Span) -> String {
    if span.start >= text.len() {
        return "end of file".to_string();
    }
    if span.is_empty() {
        return "end of line".to_string();
    }
    let tok = &text[span.range()];
    let shown: String = tok.chars().take(40).collect();
    if shown.len() < tok.len() {
        format!("`{shown}…`")
    } else {
        format!("`{shown}`")
    }
}

/// How each rule reads in "expected …", and how it groups with others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Want {
    /// Any clause keyword: grouped as "a clause such as …".
    Clause(&'static str),
    /// A value-like thing or a token, said as is.
    Phrase(&'static str),
    /// Not worth mentioning (covered by another entry).
    Skip,
}

fn want(r: Rule) -> Want {
    use Want::{Clause, Phrase, Skip};
    match r {
        Rule::EOI => Phrase("end of file"),
        Rule::kw_policy | Rule::policy | Rule::file => Phrase("`policy`"),
        Rule::ident => Phrase("a name"),
        Rule::rule_kind | Rule::rule => Phrase("a rule such as `exclusive` or `deny`"),
        Rule::string | Rule::string_inner => Phrase("a string"),
        Rule::date => Phrase("a date (YYYY-MM-DD)"),
        Rule::percent => Phrase("a percentage such as `75%`"),
        Rule::number => Phrase("a number"),
        Rule::boolean => Phrase("`true` or `false`"),
        Rule::lbrace => Phrase("`{`"),
        Rule::rbrace => Phrase("`}`"),
        Rule::lparen | Rule::paren => Phrase("`(`"),
        Rule::rparen => Phrase("`)`"),
        Rule::lbracket => Phrase("`[`"),
        Rule::rbracket => Phrase("`]`"),
        Rule::comma => Phrase("`,`"),
        Rule::semicolon => Phrase("`;`"),
        Rule::meta_clause | Rule::kw_title | Rule::meta_title => Clause("title"),
        Rule::kw_owner | Rule::meta_owner => Clause("owner"),
        Rule::meta_reference | Rule::kw_reference | Rule::reference_clause => Clause("reference"),
        Rule::meta_effective | Rule::kw_effective | Rule::effective_clause => Clause("effective"),
        Rule::clause => Clause(""),
        Rule::kw_provider | Rule::provider_clause => Clause("provider"),
        Rule::kw_where | Rule::where_clause => Clause("where"),
        Rule::kw_severity | Rule::severity_clause => Clause("severity"),
        Rule::kw_message | Rule::message_clause => Clause("message"),
        Rule::kw_unknown | Rule::unknown_clause => Clause("unknown"),
        Rule::kw_waivable | Rule::waivable_clause => Clause("waivable"),
        Rule::kw_holder | Rule::holder_clause => Clause("holder"),
        Rule::kw_over | Rule::over_clause => Clause("over"),
        Rule::kw_refusals | Rule::refusals_clause => Clause("refusals"),
        Rule::kw_assert | Rule::assert_clause => Clause("assert"),
        Rule::kw_at_least | Rule::at_least_clause => Clause("at_least"),
        Rule::other_clause => Clause(""),
        Rule::provider_list | Rule::provider_name => Phrase("a provider name"),
        Rule::window => Phrase("`from DATE` or `until DATE`"),
        Rule::window_from | Rule::kw_from => Phrase("`from`"),
        Rule::window_until | Rule::kw_until | Rule::kw_to => Phrase("`until`"),
        Rule::expr
        | Rule::standalone_expr
        | Rule::op_not
        | Rule::test_cmp
        | Rule::test_in_list
        | Rule::test_in_group
        | Rule::test_matches
        | Rule::test_bool
        | Rule::attr
        | Rule::named_attr => Phrase("an expression such as `kind == compute`"),
        Rule::tag_attr | Rule::tag_prefix => Phrase("a tag key"),
        Rule::op_and => Phrase("`and`"),
        Rule::op_or => Phrase("`or`"),
        Rule::cmp_op => Phrase("`==`, `!=`, `in` or `matches`"),
        Rule::kw_in => Phrase("`in`"),
        Rule::kw_matches => Phrase("`matches`"),
        Rule::value => Phrase("a value (a name or a string)"),
        Rule::other_body | Rule::other_item => Phrase("a value"),
        Rule::WHITESPACE
        | Rule::COMMENT
        | Rule::ident_char
        | Rule::policy_item
        | Rule::rule_item
        | Rule::clause_keyword
        | Rule::prefix_op
        | Rule::infix_op
        | Rule::operand => Skip,
    }
}

/// "a clause such as `provider` or `where`, or `}`"
fn expected_phrase(positives: &[Rule]) -> String {
    let mut clauses: Vec<&str> = Vec::new();
    let mut phrases: Vec<&str> = Vec::new();
    let mut any_clause = false;
    for w in positives.iter().map(|r| want(*r)) {
        match w {
            Want::Clause(c) => {
                any_clause = true;
                if !c.is_empty() && !clauses.contains(&c) {
                    clauses.push(c);
                }
            }
            Want::Phrase(p) => {
                if !phrases.contains(&p) {
                    phrases.push(p);
                }
            }
            Want::Skip => {}
        }
    }
    // A clause position also accepts a rule (in a policy) and an expression (in an unknown
    // clause's body); naming those would drown the useful part.
    let mut items: Vec<String> = Vec::new();
    if any_clause {
        let named: Vec<&str> = if clauses.is_empty() {
            vec!["provider", "where"]
        } else {
            clauses.iter().copied().take(2).collect()
        };
        let examples = named
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        items.push(format!("a clause such as {examples}"));
    }
    for p in phrases {
        let noise = p.starts_with("an expression")
            || p == "a name"
            || p == "a value"
            || p == "`,`"
            || p == "`;`";
        if any_clause && noise {
            continue;
        }
        items.push(p.to_string());
    }
    // Generic phrases ("a name", "a value") come from the fallback for unknown clauses, and
    // `(`/`not` from the start of an expression: say the specific thing when there is one.
    let has_expr = items.iter().any(|i| i.starts_with("an expression"));
    if has_expr {
        items.retain(|i| i != "`(`" && i != "`not`");
    }
    if items.len() > 1 {
        let specific = items.iter().any(|i| i != "a name" && i != "a value");
        if specific {
            items.retain(|i| i != "a name" && i != "a value");
        }
    }
    if items.is_empty() {
        return "unexpected input".to_string();
    }
    format!("expected {}", join_or(&items))
}

/// "a, b, or c"
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a}, or {b}"),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> SyntaxError {
        parse_file(text).expect_err("should not parse")
    }

    #[test]
    fn accepts_an_empty_file_and_comments() {
        assert!(parse_file("").is_ok());
        assert!(parse_file("// c\n# c\n/* c\n c */ policy p { }").is_ok());
    }

    #[test]
    fn error_after_clause_names_clauses_and_brace() {
        let text = "policy p {\n  deny d {\n    provider aws\n    42\n  }\n}\n";
        let e = err(text);
        assert_eq!(&text[e.span.range()], "42");
        assert_eq!(
            e.expected,
            "expected a clause such as `provider` or `where`, or `}`"
        );
    }

    #[test]
    fn unterminated_string_points_at_end_of_line() {
        let text = "policy p {\n  title \"abc\n}\n";
        let e = err(text);
        assert!(
            e.expected.contains('"') || e.expected.contains("string"),
            "{e:?}"
        );
    }

    #[test]
    fn missing_value_after_operator() {
        let text = "policy p { deny d { provider aws where kind == } }";
        let e = err(text);
        assert_eq!(e.span.start, text.rfind('}').unwrap() - 2);
        assert_eq!(e.expected, "expected a value (a name or a string)");
        assert_eq!(e.found, "`}`");
    }

    #[test]
    fn garbage_at_top_level() {
        let e = err("polcy p {}");
        assert_eq!(e.expected, "expected `policy`");
        assert_eq!(e.found, "`polcy`");
        assert_eq!(e.span, Span::new(0, 5));
    }
}

//! Finding `cloudpact:ignore RULE_ID[,RULE_ID…] [until=YYYY-MM-DD] -- REASON` directives in
//! the comments of a file, in the file's own comment syntax.
//!
//! A directive counts only in a real comment of its file's syntax ([`lex`]: never inside a
//! string value, a YAML block scalar or an HCL heredoc) and only as the comment's first word
//! (`# cloudpact:…`, `// cloudpact:…`, `/* cloudpact:… */`, `; cloudpact:…`), so prose further
//! into a comment is not mistaken for one either.

mod lex;

use std::sync::Arc;

use jiff::civil::Date;

use crate::source::{SourceFile, Span};

pub(crate) const MARKER: &str = "cloudpact:ignore";

/// One rule id a directive names, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRule {
    pub id: String,
    pub span: Span,
}

/// A `cloudpact:ignore` directive.
#[derive(Debug, Clone)]
pub struct Directive {
    pub file: Arc<SourceFile>,
    /// From `cloudpact:ignore` to the end of the reason.
    pub span: Span,
    /// 0-based line of the directive.
    pub line: usize,
    pub rules: Vec<NamedRule>,
    pub until: Option<Date>,
    /// The text after `--`, trimmed; `None` when absent or empty.
    pub reason: Option<String>,
    /// Why the directive is malformed (then it suppresses nothing).
    pub error: Option<String>,
}

impl Directive {
    /// `path:line`, 1-based.
    pub(crate) fn location(&self) -> String {
        format!("{}:{}", self.file.path, self.line + 1)
    }
}

/// Pieces of `text` separated by whitespace and commas, with their offsets.
fn pieces(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let sep = c.is_whitespace() || c == ',';
        match (sep, start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Parses the directive whose marker starts at byte `at` of the file, `end` being where its
/// comment ends (the line's end, or a block comment's `*/`).
fn parse(file: &Arc<SourceFile>, line: usize, at: usize, end: usize) -> Directive {
    let text = &file.text();
    let body_start = at + MARKER.len();
    let body = &text[body_start..end];
    // The reason follows the first `--` that starts a word.
    let sep = body.match_indices("--").map(|(i, _)| i).find(|&i| {
        i == 0
            || body[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_whitespace)
    });
    let (head, reason) = match sep {
        Some(i) => (&body[..i], Some(body[i + 2..].trim())),
        None => (body, None),
    };
    let reason = reason.filter(|r| !r.is_empty()).map(str::to_string);
    let mut rules = Vec::new();
    let mut until = None;
    let mut error = None;
    for (off, piece) in pieces(head) {
        let span = Span::new(body_start + off, body_start + off + piece.len());
        if let Some(date) = piece.strip_prefix("until=") {
            match date.parse::<Date>() {
                Ok(d) => until = Some(d),
                Err(_) => {
                    error.get_or_insert(format!("`until={date}` is not a date (YYYY-MM-DD)"));
                }
            }
        } else {
            rules.push(NamedRule {
                id: piece.to_string(),
                span,
            });
        }
    }
    if rules.is_empty() {
        error.get_or_insert_with(|| "the suppression names no rule id".to_string());
    }
    if reason.is_none() {
        error.get_or_insert_with(|| {
            "the suppression has no reason: write `-- REASON` after the rule ids".to_string()
        });
    }
    let trimmed_end = at + text[at..end].trim_end().len();
    Directive {
        file: file.clone(),
        span: Span::new(at, trimmed_end),
        line,
        rules,
        until,
        reason,
        error,
    }
}

/// Whether a file may hold a directive: [`directives`] of any other file is empty.
pub(crate) fn may_hold_directives(file: &SourceFile) -> bool {
    // The marker first: it was looked for when the text was read, where the language of the
    // file's name is found by lowercasing its name, for every file of every batch.
    file.holds_marker() && lex::Lang::of(&file.path) != lex::Lang::None
}

/// Whether `text` holds [`MARKER`] anywhere: asked once per text, as it is made
/// (src/source.rs, `Contents`).
pub(crate) fn holds_marker(text: &str) -> bool {
    // Every file of a run is searched: with memchr's vectorised finder, built once.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(MARKER));
    FINDER.find(text.as_bytes()).is_some()
}

/// Every directive in a file, in order.
pub(crate) fn directives(file: &Arc<SourceFile>) -> Vec<Directive> {
    if !may_hold_directives(file) {
        return Vec::new();
    }
    let text: &str = &file.text();
    let lang = lex::Lang::of(&file.path);
    let mut out = Vec::new();
    for c in lex::comments(text, lang) {
        let line = file.index().line_of(c.body.min(text.len()));
        let line_end = file.index().line_range(line, text).end;
        // The comment's text on its first line, after the opener and any repeat of it
        // (`## cloudpact:…`, `/** cloudpact:… */`).
        let end = c.end.min(line_end);
        let body = &text[c.body.min(end)..end];
        let rest = body.trim_start_matches(|ch: char| {
            ch == ' ' || ch == '\t' || (c.opener != 0 && ch == char::from(c.opener))
        });
        let Some(after) = rest.strip_prefix(MARKER) else {
            continue;
        };
        // `cloudpact:ignored` or `cloudpact:ignore_all` are other words.
        if after.chars().next().is_some_and(|ch| !ch.is_whitespace()) {
            continue;
        }
        let at = end - rest.len();
        // A block comment's directive ends at its `*/`.
        let end = if c.block && c.end <= line_end && text[..c.end].ends_with("*/") {
            c.end - 2
        } else {
            end
        };
        out.push(parse(file, line, at, end));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(path: &str, text: &str) -> Directive {
        let f = Arc::new(SourceFile::new(path, text));
        let mut d = directives(&f);
        assert_eq!(d.len(), 1, "{path}: {text:?}");
        d.remove(0)
    }

    fn ids(d: &Directive) -> Vec<&str> {
        d.rules.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn every_comment_syntax_of_the_formats() {
        let cases = [
            ("main.tf", "# cloudpact:ignore p.r -- why\n"),
            ("main.tf", "x = 1 // cloudpact:ignore p.r -- why\n"),
            (
                "main.tf",
                "/* cloudpact:ignore p.r -- why */ resource \"a\" \"b\" {}\n",
            ),
            ("main.bicep", "// cloudpact:ignore p.r -- why\n"),
            ("main.bicep", "/** cloudpact:ignore p.r -- why */\n"),
            ("k8s.yaml", "  image: x  # cloudpact:ignore p.r -- why\n"),
            ("deploy.yml", "## cloudpact:ignore p.r -- why\n"),
            (".env", "# cloudpact:ignore p.r -- why\nOPENAI_API_BASE=x\n"),
            ("prod.env", "# cloudpact:ignore p.r -- why\n"),
            ("Pulumi.toml", "# cloudpact:ignore p.r -- why\n"),
            ("app.ini", "; cloudpact:ignore p.r -- why\n"),
            ("app.ini", "# cloudpact:ignore p.r -- why\n"),
            ("app.properties", "! cloudpact:ignore p.r -- why\n"),
            ("index.ts", "// cloudpact:ignore p.r -- why\n"),
            ("rules.pact", "# cloudpact:ignore p.r -- why\n"),
        ];
        for (path, text) in cases {
            let d = one(path, text);
            assert_eq!(ids(&d), ["p.r"], "{path}: {text:?}");
            assert_eq!(d.reason.as_deref(), Some("why"), "{path}: {text:?}");
            assert!(d.error.is_none(), "{path}: {:?}", d.error);
        }
    }

    #[test]
    fn no_directive_outside_comments_or_in_json() {
        for (path, text) in [
            ("a.json", "{\"x\": \"// cloudpact:ignore p.r -- why\"}\n"),
            ("a.yaml", "name: \"cloudpact:ignore p.r -- why\"\n"),
            ("a.yaml", "# see the cloudpact:ignore docs -- later\n"),
            ("a.yaml", "# cloudpact:ignored p.r -- why\n"),
            ("a.bicep", "# cloudpact:ignore p.r -- why\n"),
            ("a.yaml", "; cloudpact:ignore p.r -- why\n"),
            ("a.tf", "x = \"y\"\n"),
            // Text in a value is no comment, whatever it looks like.
            (".env", "NOTE=\"# cloudpact:ignore p.r -- why\"\nX=1\n"),
            (".env", "NOTE='a\n# cloudpact:ignore p.r -- why\n'\n"),
            ("a.tf", "x = \"# cloudpact:ignore p.r -- why\"\n"),
            ("a.tf", "x = \"${y} // cloudpact:ignore p.r -- why\"\n"),
            ("a.tf", "x = <<EOT\n# cloudpact:ignore p.r -- why\nEOT\n"),
            (
                "a.yaml",
                "run: |\n  # cloudpact:ignore p.r -- why\n  echo\n",
            ),
            ("a.yaml", "x: \"a # cloudpact:ignore p.r -- why\"\n"),
            ("a.toml", "x = \"# cloudpact:ignore p.r -- why\"\n"),
            ("a.ini", "x = \"a ; cloudpact:ignore p.r -- why\"\n"),
            ("a.properties", "x = a # cloudpact:ignore p.r -- why\n"),
            ("a.bicep", "var x = '// cloudpact:ignore p.r -- why'\n"),
            (
                "a.pact",
                "policy p { deny d { message \"# cloudpact:ignore p.r -- why\" } }\n",
            ),
        ] {
            let f = Arc::new(SourceFile::new(path, text));
            assert!(directives(&f).is_empty(), "{path}: {text:?}");
        }
    }

    #[test]
    fn several_ids_an_expiry_and_spans() {
        let text = "x: 1 # cloudpact:ignore a.b, c.d until=2026-06-30 -- moving -- soon\n";
        let d = one("a.yaml", text);
        assert_eq!(ids(&d), ["a.b", "c.d"]);
        assert_eq!(d.until, Some(jiff::civil::date(2026, 6, 30)));
        assert_eq!(d.reason.as_deref(), Some("moving -- soon"));
        assert_eq!(&text[d.rules[1].span.range()], "c.d");
        assert_eq!(&text[d.span.range()], &text[7..text.len() - 1]);
        assert_eq!(d.location(), "a.yaml:1");
    }

    #[test]
    fn block_comments_end_the_directive() {
        let text = "/* cloudpact:ignore p.r -- legacy */ resource \"a\" \"b\" {}\n";
        let d = one("a.tf", text);
        assert_eq!(d.reason.as_deref(), Some("legacy"));
        assert_eq!(&text[d.span.range()], "cloudpact:ignore p.r -- legacy");
    }

    #[test]
    fn malformed_directives_say_why() {
        let no_reason = one("a.tf", "# cloudpact:ignore p.r\n");
        assert!(no_reason.error.unwrap().contains("no reason"));
        let empty_reason = one("a.tf", "# cloudpact:ignore p.r --   \n");
        assert!(empty_reason.error.unwrap().contains("no reason"));
        let no_rule = one("a.tf", "# cloudpact:ignore -- because\n");
        assert!(no_rule.error.unwrap().contains("no rule"));
        let bad_date = one("a.tf", "# cloudpact:ignore p.r until=2026-02-30 -- x\n");
        assert!(bad_date.error.unwrap().contains("not a date"));
        // A rule id with `--` inside is not the reason separator.
        let d = one("a.tf", "# cloudpact:ignore p.a--b -- x\n");
        assert_eq!(ids(&d), ["p.a--b"]);
    }

    #[test]
    fn a_comment_after_a_value_or_a_block_scalar_still_counts() {
        let text = "run: |\n  echo\n# cloudpact:ignore p.r -- why\nimage: x\n";
        assert_eq!(one("a.yaml", text).line, 2);
        let text = "NOTE=\"a # b\" # cloudpact:ignore p.r -- why\n";
        assert_eq!(ids(&one(".env", text)), ["p.r"]);
        let text = "x = <<EOT\n# no\nEOT\n# cloudpact:ignore p.r -- why\n";
        assert_eq!(one("a.tf", text).line, 3);
    }

    #[test]
    fn crlf_line_endings() {
        let d = one("a.yaml", "# cloudpact:ignore p.r -- why\r\nx: 1\r\n");
        assert_eq!(d.reason.as_deref(), Some("why"));
    }
}

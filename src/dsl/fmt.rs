//! `cloudpact policy fmt`: a `.pact` text in the canonical layout (docs/language.md,
//! "Formatting").
//!
//! The formatter works on pest's pairs, not on the AST: the AST leaves out what validation
//! reports (the bodies of unknown rules, clauses of the wrong shape), and a formatter must keep
//! every token of any file that parses. Comments are not among the pairs — `COMMENT` is silent,
//! and making it visible would put comment pairs between the ones lowering reads by position —
//! so [`comments`] finds them with a small scanner over the text, and each is re-attached by
//! byte position to the output line it belongs to.

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::grammar::{self, Rule, SyntaxError};
use super::lower::MAX_EXPR_OPERATORS;
use crate::source::Span;

mod expr;
#[cfg(test)]
mod tests;

use expr::{Expr, flat_expr, string, test};

/// Formats a whole `.pact` text. A text that does not parse is the `Err`, and nothing is
/// formatted: the caller shows the error and leaves the file as it is.
pub fn format(text: &str) -> Result<String, SyntaxError> {
    let mut pairs = grammar::parse_file(text)?;
    let mut b = Builder {
        text,
        lines: Vec::new(),
        pratt: PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::prefix(Rule::op_not)),
    };
    let mut nodes = Vec::new();
    if let Some(file) = pairs.next() {
        for p in file.into_inner() {
            if p.as_rule() == Rule::policy {
                nodes.push(b.block(p));
            }
        }
    }
    let eof = b.push(text.len(), text.len(), Kind::Eof);
    b.attach(&comments(text));
    let mut out = String::new();
    b.items(&nodes, 0, &mut out);
    let forced = out.is_empty().then_some(false);
    b.line(eof, 0, 0, forced, "", &mut out);
    Ok(out)
}

/// A comment of the text: its span and its text as the formatter writes it (line comments
/// without trailing blanks, block comments with `\n` line ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

/// Every comment of `text`, in order. Exact for a text that parses (strings are skipped, so a
/// `#` inside one is not a comment); on other text, a best effort.
pub fn comments(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied();
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == b'\\' && b.get(i + 1).is_some_and(|&c| c != b'\n') {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'#' | b'/' if b[i] == b'#' || next == Some(b'/') => {
                let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
                let t = text[i..end].trim_end();
                out.push(Comment {
                    span: Span::new(i, i + t.len()),
                    text: t.to_string(),
                });
                i = end;
            }
            b'/' if next == Some(b'*') => {
                let end = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                out.push(Comment {
                    span: Span::new(i, end),
                    text: text[i..end].replace("\r\n", "\n"),
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// A word that would continue the clause before it if nothing ended that clause
/// (`where gpu; in eu` is two clauses, `where gpu in eu` one): a clause followed by an item
/// starting with one of these keeps its `;`.
const CONTINUATIONS: &[&str] = &["and", "or", "in", "matches", "until", "to"];

/// One output line, before comments are placed: a block's header, a clause, a block's `}`, or
/// the end of the file (which only carries the file's last comments).
struct Line {
    /// Byte span of the line's tokens in the input (no trailing blanks or comments).
    start: usize,
    end: usize,
    kind: Kind,
    /// Comments on their own lines above this one, each with whether a blank line preceded it.
    leading: Vec<(String, bool)>,
    /// Comments after the line's last token, on the same line.
    trailing: Vec<String>,
}

enum Kind {
    /// `policy NAME {` or `KIND NAME {`; `word` is the first word.
    Header {
        text: String,
        word: String,
    },
    Clause {
        keyword: String,
        body: String,
    },
    Close,
    Eof,
}

/// A block's items: clauses and nested blocks, as indexes into [`Builder::lines`].
enum Node {
    Clause(usize),
    Block {
        header: usize,
        items: Vec<Node>,
        close: usize,
    },
}

struct Builder<'t> {
    text: &'t str,
    lines: Vec<Line>,
    pratt: PrattParser<Rule>,
}

impl<'t> Builder<'t> {
    fn push(&mut self, start: usize, end: usize, kind: Kind) -> usize {
        self.lines.push(Line {
            start,
            end,
            kind,
            leading: Vec::new(),
            trailing: Vec::new(),
        });
        self.lines.len() - 1
    }

    /// A `policy` or a rule, with everything inside it.
    fn block(&mut self, p: Pair<'t, Rule>) -> Node {
        let start = p.as_span().start();
        let mut header_end = start;
        let mut words = Vec::new();
        let mut header = None;
        let mut items = Vec::new();
        let mut close = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::kw_policy | Rule::rule_kind | Rule::ident => words.push(q.as_str()),
                Rule::lbrace => {
                    header_end = q.as_span().end();
                    let text = format!("{} {{", words.join(" "));
                    let word = words.first().copied().unwrap_or_default().to_string();
                    header = Some(self.push(start, header_end, Kind::Header { text, word }));
                }
                Rule::rule => items.push(self.block(q)),
                Rule::meta_clause | Rule::clause | Rule::other_clause => {
                    items.push(Node::Clause(self.clause(q)));
                }
                Rule::rbrace => {
                    let s = q.as_span();
                    close = Some(self.push(s.start(), s.end(), Kind::Close));
                }
                _ => {}
            }
        }
        // The grammar guarantees both braces; an empty line stands in if it ever did not.
        let header = header.unwrap_or_else(|| self.push(start, header_end, Kind::Close));
        let close = close.unwrap_or_else(|| self.push(header_end, header_end, Kind::Close));
        Node::Block {
            header,
            items,
            close,
        }
    }

    /// A meta clause, a rule clause or an unknown clause: keyword and body.
    fn clause(&mut self, p: Pair<'t, Rule>) -> usize {
        let start = p.as_span().start();
        let end = tight_end(&p);
        // `meta_clause` and `clause` wrap the clause itself; `other_clause` is it.
        let inner = match p.as_rule() {
            Rule::other_clause => Some(p),
            _ => p.into_inner().find(|q| q.as_rule() != Rule::semicolon),
        };
        let mut keyword = String::new();
        let mut body = Vec::new();
        for (i, q) in inner.into_iter().flat_map(Pair::into_inner).enumerate() {
            match q.as_rule() {
                _ if i == 0 => keyword = q.as_str().to_string(),
                Rule::comma | Rule::semicolon => {}
                _ => body.push(self.value(q)),
            }
        }
        let body = body.join(", ");
        self.push(start, end, Kind::Clause { keyword, body })
    }

    /// A clause's value in canonical form.
    fn value(&self, p: Pair<'t, Rule>) -> String {
        match p.as_rule() {
            Rule::string => string(&p),
            Rule::expr => self.expr(p),
            Rule::window => p
                .into_inner()
                .map(|w| {
                    let kw = if w.as_rule() == Rule::window_from {
                        "from"
                    } else {
                        "until"
                    };
                    let date = w.into_inner().find(|d| d.as_rule() == Rule::date);
                    format!("{kw} {}", date.map_or("", |d| d.as_str()))
                })
                .collect::<Vec<_>>()
                .join(" "),
            Rule::provider_list | Rule::other_body => p
                .into_inner()
                .filter(|q| q.as_rule() != Rule::comma)
                .map(|q| self.value(q))
                .collect::<Vec<_>>()
                .join(", "),
            Rule::other_item => match p.into_inner().next() {
                // An unknown clause's expression keeps its parentheses: validation tells a bare
                // name from an expression by its text.
                Some(q) if q.as_rule() == Rule::expr => flat_expr(&q),
                Some(q) => self.value(q),
                None => String::new(),
            },
            _ => p.as_str().to_string(),
        }
    }

    /// An expression with the fewest parentheses that keep its tree.
    fn expr(&self, p: Pair<'t, Rule>) -> String {
        // Lowering refuses such an expression; printing it token by token keeps the
        // formatter's recursion as shallow as lowering's.
        if super::lower::operator_count(&p) > MAX_EXPR_OPERATORS {
            return flat_expr(&p);
        }
        let mut out = String::new();
        self.tree(p).write(&mut out);
        out
    }

    fn tree(&self, p: Pair<'t, Rule>) -> Expr {
        self.pratt
            .map_primary(|q| {
                if q.as_rule() == Rule::paren {
                    match q.into_inner().find(|e| e.as_rule() == Rule::expr) {
                        Some(e) => self.tree(e),
                        None => Expr::Test(String::new()),
                    }
                } else {
                    Expr::Test(test(q))
                }
            })
            .map_prefix(|_, e| Expr::Not(Box::new(e)))
            .map_infix(|a, op, b| {
                if op.as_rule() == Rule::op_and {
                    Expr::And(Box::new(a), Box::new(b))
                } else {
                    Expr::Or(Box::new(a), Box::new(b))
                }
            })
            .parse(p.into_inner())
    }

    /// Gives every comment to the line it belongs to: inside a line's tokens → above that line;
    /// after a line's last token on the same line → trailing it; otherwise above the next line.
    fn attach(&mut self, comments: &[Comment]) {
        for c in comments {
            let at = c.span.start;
            let next = self.lines.partition_point(|l| l.start < at);
            let prev = next.checked_sub(1);
            let text = c.text.clone();
            let prev_end = prev.map(|i| self.lines[i].end);
            match (prev, prev_end) {
                (Some(i), Some(end)) if at < end => self.lines[i].leading.push((text, false)),
                (Some(i), Some(end)) if !self.text[end..at].contains('\n') => {
                    self.lines[i].trailing.push(text);
                }
                // The end-of-file line starts at the end of the text, so `next` is a line.
                _ => {
                    let blank = blank_before(self.text, at);
                    if let Some(l) = self.lines.get_mut(next) {
                        l.leading.push((text, blank));
                    }
                }
            }
        }
    }

    /// Writes a block's items at `indent`: clause keywords padded to one column, a blank line
    /// around every nested block, the author's blank lines (at most one) elsewhere.
    fn items(&self, nodes: &[Node], indent: usize, out: &mut String) {
        let width = nodes
            .iter()
            .filter_map(|n| match n {
                Node::Clause(l) => match &self.lines[*l].kind {
                    Kind::Clause { keyword, .. } => Some(keyword.chars().count() + 1),
                    _ => None,
                },
                Node::Block { .. } => None,
            })
            .max()
            .unwrap_or(0);
        for (i, node) in nodes.iter().enumerate() {
            let forced = match (i, node) {
                (0, _) => Some(false),
                (_, Node::Block { .. }) => Some(true),
                _ if matches!(nodes[i - 1], Node::Block { .. }) => Some(true),
                _ => None,
            };
            match node {
                Node::Clause(l) => {
                    let Kind::Clause { keyword, body } = &self.lines[*l].kind else {
                        continue;
                    };
                    let next = nodes.get(i + 1).map(|n| self.first_word(n));
                    let semi = if next.is_some_and(|w| CONTINUATIONS.contains(&w)) {
                        ";"
                    } else {
                        ""
                    };
                    let text = format!("{keyword:<width$}{body}{semi}");
                    self.line(*l, indent, indent, forced, &text, out);
                }
                Node::Block {
                    header,
                    items,
                    close,
                } => {
                    let head = match &self.lines[*header].kind {
                        Kind::Header { text, .. } => text.as_str(),
                        _ => "",
                    };
                    let empty = items.is_empty()
                        && self.lines[*header].trailing.is_empty()
                        && self.lines[*close].leading.is_empty();
                    if empty {
                        // `deny d {}`: the `}`'s trailing comments end the header's line.
                        let mut joined = format!("{head}}}");
                        for c in &self.lines[*close].trailing {
                            joined.push(' ');
                            joined.push_str(c);
                        }
                        self.line(*header, indent, indent, forced, &joined, out);
                        continue;
                    }
                    self.line(*header, indent, indent, forced, head, out);
                    self.items(items, indent + 2, out);
                    let forced = items.is_empty().then_some(false);
                    self.line(*close, indent, indent + 2, forced, "}", out);
                }
            }
        }
    }

    fn first_word<'a>(&'a self, node: &Node) -> &'a str {
        let l = match node {
            Node::Clause(l) => *l,
            Node::Block { header, .. } => *header,
        };
        match &self.lines[l].kind {
            Kind::Clause { keyword, .. } => keyword,
            Kind::Header { word, .. } => word,
            _ => "",
        }
    }

    /// Writes line `l` as `text` at `indent`, its leading comments above it at
    /// `comment_indent`, its trailing comments after it. `forced` decides whether a blank line
    /// comes first (else the author's choice).
    fn line(
        &self,
        l: usize,
        indent: usize,
        comment_indent: usize,
        forced: Option<bool>,
        text: &str,
        out: &mut String,
    ) {
        let line = &self.lines[l];
        let mut first = true;
        for (c, blank) in &line.leading {
            let blank = if first {
                forced.unwrap_or(*blank)
            } else {
                *blank
            };
            if blank {
                out.push('\n');
            }
            first = false;
            push_indented(out, comment_indent, c);
        }
        if matches!(line.kind, Kind::Eof) {
            return;
        }
        let blank = match (first, &line.kind) {
            (_, Kind::Close) => false,
            (true, _) => forced.unwrap_or_else(|| blank_before(self.text, line.start)),
            (false, _) => blank_before(self.text, line.start),
        };
        if blank {
            out.push('\n');
        }
        let mut s = text.to_string();
        for c in &line.trailing {
            s.push(' ');
            s.push_str(c);
        }
        push_indented(out, indent, &s);
    }
}

/// Pushes `text` and a newline, its first line indented (the following lines of a block
/// comment are kept as written).
fn push_indented(out: &mut String, indent: usize, text: &str) {
    out.extend(std::iter::repeat_n(' ', indent));
    out.push_str(text);
    out.push('\n');
}

/// The end of a pair's last token: pest's spans of non-atomic rules may include the blanks
/// and comments after it.
fn tight_end(p: &Pair<'_, Rule>) -> usize {
    p.clone()
        .into_inner()
        .flatten()
        .last()
        .map_or(p.as_span().end(), |q| q.as_span().end())
}

/// Whether a blank line separates `pos` from the token or comment before it.
fn blank_before(text: &str, pos: usize) -> bool {
    text[..pos]
        .chars()
        .rev()
        .take_while(|c| matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}'))
        .filter(|&c| c == '\n')
        .count()
        >= 2
}

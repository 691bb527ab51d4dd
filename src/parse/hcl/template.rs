//! Templates: quoted strings (`"a-${var.b}"`) and heredocs (`<<EOT … EOT`), with their
//! interpolations `${…}` and directives `%{ if }`, `%{ for }`.
//!
//! A quoted string without interpolation is its text, escapes decoded; one holding a single
//! interpolation and nothing else (`"${var.region}"`) is the interpolated value; any other
//! template, and every heredoc, is checked in full and kept as [`Expr::Other`].

use super::tree::Expr;
use super::{Parsed, Parser, Shape};
use crate::parse::tree::Str;
use hcl_primitives::ident::is_id_continue;

/// Where a template's text ends.
#[derive(Clone, Copy)]
enum End<'d> {
    /// At an unescaped `"`; escapes (`\n`, `\"`, `\u00e9`, …) are decoded. The string's `"`
    /// is at the offset given.
    Quote(usize),
    /// At a line that holds the delimiter (after blanks); no escapes but `$${` and `%%{`. The
    /// heredoc's `<<` is at the offset given.
    Heredoc(&'d str, usize),
}

/// What a template held, as far as its value needs.
#[derive(Default)]
struct Parts {
    /// Whether to collect `text` (only the outermost quoted template's is used).
    keep: bool,
    /// The literal text, decoded.
    text: Str,
    literal: bool,
    interpolations: u32,
    directives: u32,
    /// The value of the first interpolation.
    first: Option<Expr>,
}

/// The bytes a template's loop looks at (`"`, `\\`, `$`, `%`, a line break); the rest is
/// literal text, skipped a run at a time.
const TEMPLATE_STOPS: [bool; 256] = crate::parse::byte_set(b"\"\\$%\n", false);

/// A directive that closes an `%{ if }` or `%{ for }`: `else`, `endif` or `endfor`, and where
/// its `%{` starts.
type Closer = Option<(usize, &'static str)>;

impl<'a> Parser<'a> {
    /// A quoted template, from its `"`. Sets [`Parser::shape`] to [`Shape::String`] when it holds
    /// no interpolation or directive.
    pub(super) fn quoted(&mut self) -> Parsed<Expr> {
        let open = self.pos;
        self.pos += 1;
        let mut parts = Parts {
            keep: true,
            ..Parts::default()
        };
        if let Some((at, word)) = self.template(End::Quote(open), &mut parts)? {
            self.pos = at;
            return self.fail(format!(
                "`%{{ {word} }}` only after its `%{{ if }}` or `%{{ for }}`"
            ));
        }
        self.pos += 1;
        let plain = parts.interpolations == 0 && parts.directives == 0;
        self.shape = if plain { Shape::String } else { Shape::Other };
        Ok(if plain {
            Expr::Lit(parts.text)
        } else if parts.interpolations == 1 && parts.directives == 0 && !parts.literal {
            parts.first.unwrap_or(Expr::Other)
        } else {
            Expr::Other
        })
    }

    /// A heredoc, from its `<<`: checked in full, valued as [`Expr::Other`].
    pub(super) fn heredoc(&mut self) -> Parsed<()> {
        let open = self.pos;
        self.pos += 2;
        self.eat(b'-');
        if !self.at_name() {
            return self.fail("a delimiter name after `<<`");
        }
        let delim = self.name();
        match (self.peek(), self.peek_at(1)) {
            (Some(b'\n'), _) => self.pos += 1,
            (Some(b'\r'), Some(b'\n')) => self.pos += 2,
            _ => return self.fail("a newline after the heredoc's delimiter"),
        }
        let mut parts = Parts::default();
        if let Some((at, word)) = self.template(End::Heredoc(delim, open), &mut parts)? {
            self.pos = at;
            return self.fail(format!(
                "`%{{ {word} }}` only after its `%{{ if }}` or `%{{ for }}`"
            ));
        }
        // At the closing line: its blanks, then the delimiter.
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos += delim.len();
        Ok(())
    }

    /// Whether the line at the cursor closes a heredoc delimited by `delim`.
    fn closes_heredoc(&self, delim: &str) -> bool {
        let mut at = self.pos;
        while matches!(self.b.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        self.b[at..].starts_with(delim.as_bytes())
            && self.text[at + delim.len()..]
                .chars()
                .next()
                .is_none_or(|c| !is_id_continue(c))
    }

    /// The elements of a template up to its end (the `"` or the closing line, not consumed) or up
    /// to a closing directive, which is consumed and returned.
    fn template(&mut self, end: End<'_>, parts: &mut Parts) -> Parsed<Closer> {
        let mut literal = self.pos;
        if let End::Heredoc(delim, _) = end
            && self.closes_heredoc(delim)
        {
            return Ok(None);
        }
        loop {
            let Some(b) = self.peek() else {
                return match end {
                    End::Quote(open) => self.unclosed(
                        open,
                        "the string that starts here is not closed: no `\"` before the end of the file",
                    ),
                    End::Heredoc(delim, open) => self.unclosed(
                        open,
                        format!(
                            "the heredoc that starts here is not closed: no line `{delim}` before the end of the file"
                        ),
                    ),
                };
            };
            match b {
                b'"' if matches!(end, End::Quote(_)) => {
                    parts.flush(self.text, literal, self.pos);
                    return Ok(None);
                }
                b'\\' if matches!(end, End::Quote(_)) => {
                    parts.flush(self.text, literal, self.pos);
                    let c = self.escape()?;
                    if parts.keep {
                        parts.text.push(c);
                    }
                    parts.literal = true;
                    literal = self.pos;
                }
                b'$' | b'%' if self.peek_at(1) == Some(b) && self.peek_at(2) == Some(b'{') => {
                    // `$${` and `%%{` are the text `${` and `%{`.
                    parts.flush(self.text, literal, self.pos + 1);
                    self.pos += 3;
                    if parts.keep {
                        parts.text.push('{');
                    }
                    literal = self.pos;
                }
                b'$' if self.peek_at(1) == Some(b'{') => {
                    parts.flush(self.text, literal, self.pos);
                    self.open.push((self.pos, "interpolation", '}'));
                    self.pos += 2;
                    self.eat(b'~');
                    self.ws()?;
                    let value = self.expr(true)?;
                    self.ws()?;
                    self.eat(b'~');
                    self.expect(b'}', "`}` to close the interpolation")?;
                    self.open.pop();
                    parts.interpolations += 1;
                    if parts.interpolations == 1 {
                        parts.first = Some(value);
                    }
                    literal = self.pos;
                }
                b'%' if self.peek_at(1) == Some(b'{') => {
                    parts.flush(self.text, literal, self.pos);
                    parts.directives += 1;
                    if let Some(closer) = self.directive(end)? {
                        return Ok(Some(closer));
                    }
                    literal = self.pos;
                }
                b'\n' => {
                    self.pos += 1;
                    if let End::Heredoc(delim, _) = end
                        && self.closes_heredoc(delim)
                    {
                        return Ok(None);
                    }
                }
                // Literal text: on to the next byte an arm above looks at.
                _ => {
                    let rest = &self.b[self.pos + 1..];
                    let run = rest
                        .iter()
                        .position(|&c| TEMPLATE_STOPS[usize::from(c)])
                        .unwrap_or(rest.len());
                    self.pos += 1 + run;
                }
            }
        }
    }

    /// A `\` escape in a quoted string, from the `\`.
    fn escape(&mut self) -> Parsed<char> {
        self.pos += 1;
        let c = match self.peek() {
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'\\') => '\\',
            Some(b'"') => '"',
            Some(b'u') => return self.hex_escape(4),
            Some(b'U') => return self.hex_escape(8),
            _ => {
                return self.fail("an escape: `\\n`, `\\r`, `\\t`, `\\\\`, `\\\"`, `\\u` or `\\U`");
            }
        };
        self.pos += 1;
        Ok(c)
    }

    /// `\u` and 4 hex digits, or `\U` and 8, naming a Unicode scalar value; from the letter.
    fn hex_escape(&mut self, digits: usize) -> Parsed<char> {
        self.pos += 1;
        let hex = self.b.get(self.pos..self.pos + digits);
        let c = hex
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
            .and_then(char::from_u32);
        match c {
            Some(c) => {
                self.pos += digits;
                Ok(c)
            }
            None => self.fail(format!("{digits} hex digits of a Unicode character")),
        }
    }

    /// A directive, from its `%{`. An `if` or `for` is read with its contents and its closing
    /// directives; a closing directive (`else`, `endif`, `endfor`) is returned to the caller.
    fn directive(&mut self, end: End<'_>) -> Parsed<Closer> {
        let start = self.pos;
        self.pos += 2;
        self.eat(b'~');
        self.ws()?;
        for word in ["else", "endif", "endfor"] {
            if self.at_word(word) {
                self.pos += word.len();
                self.close_directive()?;
                return Ok(Some((start, word)));
            }
        }
        let closes: &[&str] = if self.at_word("if") {
            self.pos += 2;
            self.ws()?;
            self.expr(true)?;
            &["else", "endif"]
        } else if self.at_word("for") {
            self.for_head("`%{ for }`")?;
            &["endfor"]
        } else {
            return self.fail("`if`, `for`, `else`, `endif` or `endfor` after `%{`");
        };
        self.close_directive()?;
        self.enter()?;
        let mut inner = Parts::default();
        let mut expected = closes;
        loop {
            match self.template(end, &mut inner)? {
                Some((_, word)) if expected.contains(&word) => {
                    if word == "else" {
                        expected = &["endif"];
                        continue;
                    }
                    break;
                }
                Some((at, word)) => {
                    self.pos = at;
                    return self.fail(format!(
                        "`%{{ {} }}`, not `{word}`",
                        expected.join(" }` or `%{ ")
                    ));
                }
                None => return self.fail(format!("`%{{ {} }}`", expected[expected.len() - 1])),
            }
        }
        self.leave();
        Ok(None)
    }

    /// The end of a directive: blanks, an optional `~`, and `}`.
    fn close_directive(&mut self) -> Parsed<()> {
        self.ws()?;
        self.eat(b'~');
        self.expect(b'}', "`}` to close the directive")
    }
}

impl Parts {
    /// Adds the literal text `from..to` of the template.
    fn flush(&mut self, text: &str, from: usize, to: usize) {
        if to > from {
            self.literal = true;
            if self.keep {
                self.text.push_str(&text[from..to]);
            }
        }
    }
}

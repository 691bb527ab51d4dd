//! The Bicep lexer: comments, strings (escapes, `${…}` interpolation with nested strings,
//! `'''` multi-line strings), identifiers, punctuation and newlines, each with its byte span;
//! and the bracket check run before parsing.

use super::syntax::MAX_DEPTH;
use crate::parse::tree::SyntaxError;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    /// A string literal; `None` when it interpolates (`'${prefix}-sa'`).
    Str(Option<String>),
    Punct(char),
    Newline,
    /// Numbers and anything else that is neither of the above.
    Other,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) span: Span,
}

fn err(message: impl Into<String>, span: Span) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        span,
    }
}

pub(super) fn lex(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut out = Vec::new();
    let mut lx = Lexer { text, pos: 0 };
    while let Some(t) = lx.next(0)? {
        out.push(t);
    }
    Ok(out)
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    /// The next token; `depth` counts the interpolations being lexed, to bound recursion.
    fn next(&mut self, depth: usize) -> Result<Option<Token>, SyntaxError> {
        loop {
            let start = self.pos;
            let Some(c) = self.peek() else {
                return Ok(None);
            };
            let tok = match c {
                '\n' => {
                    self.pos += 1;
                    Tok::Newline
                }
                c if c.is_whitespace() || c == '\u{feff}' => {
                    self.pos += c.len_utf8();
                    continue;
                }
                '/' if self.rest().starts_with("//") => {
                    self.pos += self.rest().find('\n').unwrap_or(self.rest().len());
                    continue;
                }
                '/' if self.rest().starts_with("/*") => {
                    match self.rest()[2..].find("*/") {
                        Some(end) => self.pos += 2 + end + 2,
                        None => {
                            return Err(err(
                                "unterminated block comment",
                                Span::new(start, start + 2),
                            ));
                        }
                    }
                    continue;
                }
                '\'' if self.rest().starts_with("'''") => match self.rest()[3..].find("'''") {
                    Some(end) => {
                        let value = self.rest()[3..3 + end].to_string();
                        self.pos += 3 + end + 3;
                        Tok::Str(Some(value))
                    }
                    None => {
                        return Err(err(
                            "unterminated multi-line string",
                            Span::new(start, start + 3),
                        ));
                    }
                },
                '\'' => self.string(depth)?,
                c if c.is_ascii_alphabetic() || c == '_' => {
                    let len = self
                        .rest()
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(self.rest().len());
                    let word = self.rest()[..len].to_string();
                    self.pos += len;
                    Tok::Ident(word)
                }
                '{' | '}' | '[' | ']' | '(' | ')' | ':' | ',' | '=' | '@' | '.' | '?' => {
                    self.pos += 1;
                    Tok::Punct(c)
                }
                c => {
                    self.pos += c.len_utf8();
                    Tok::Other
                }
            };
            return Ok(Some(Token {
                tok,
                span: Span::new(start, self.pos),
            }));
        }
    }

    /// A `'…'` string at `self.pos`, with escapes and `${…}` interpolations.
    fn string(&mut self, depth: usize) -> Result<Tok, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        let mut interpolated = false;
        loop {
            let Some(c) = self.peek() else {
                return Err(err("unterminated string", Span::new(start, start + 1)));
            };
            match c {
                '\'' => {
                    self.pos += 1;
                    break;
                }
                '\n' => return Err(err("unterminated string", Span::new(start, start + 1))),
                '\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else { continue };
                    self.pos += e.len_utf8();
                    match e {
                        'n' => value.push('\n'),
                        'r' => value.push('\r'),
                        't' => value.push('\t'),
                        'u' if self.peek() == Some('{') => {
                            let close = self.rest().find('}').unwrap_or(0);
                            let hex = &self.rest()[1..close.max(1)];
                            if let Some(ch) =
                                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                            {
                                value.push(ch);
                            }
                            self.pos += close + 1;
                        }
                        other => value.push(other),
                    }
                }
                '$' if self.rest().starts_with("${") => {
                    interpolated = true;
                    if depth >= MAX_DEPTH {
                        return Err(err(
                            "interpolation nested too deeply",
                            Span::new(self.pos, self.pos + 2),
                        ));
                    }
                    let open = self.pos;
                    self.pos += 2;
                    let mut braces = 0usize;
                    loop {
                        let Some(t) = self.next(depth + 1)? else {
                            return Err(err(
                                "unterminated interpolation",
                                Span::new(open, open + 2),
                            ));
                        };
                        match t.tok {
                            Tok::Punct('{') => braces += 1,
                            Tok::Punct('}') if braces == 0 => break,
                            Tok::Punct('}') => braces -= 1,
                            _ => {}
                        }
                    }
                }
                c => {
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        Ok(Tok::Str((!interpolated).then_some(value)))
    }
}

/// Reports the first closing bracket that matches nothing, the first unclosed one, and
/// nesting deeper than [`MAX_DEPTH`].
pub(super) fn check_brackets(tokens: &[Token]) -> Result<(), SyntaxError> {
    let mut stack: Vec<(char, Span)> = Vec::new();
    for t in tokens {
        let Tok::Punct(c) = t.tok else { continue };
        match c {
            '{' | '[' | '(' => {
                stack.push((c, t.span));
                if stack.len() > MAX_DEPTH {
                    return Err(err(
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                        t.span,
                    ));
                }
            }
            '}' | ']' | ')' => {
                let want = match c {
                    '}' => '{',
                    ']' => '[',
                    _ => '(',
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, _)) => {
                        return Err(err(
                            format!("unexpected `{c}`: the `{open}` before it is not closed"),
                            t.span,
                        ));
                    }
                    None => return Err(err(format!("unexpected `{c}`"), t.span)),
                }
            }
            _ => {}
        }
    }
    match stack.pop() {
        Some((open, span)) => Err(err(format!("`{open}` is never closed"), span)),
        None => Ok(()),
    }
}

//! The Bicep lexer: comments, strings (escapes, `${…}` interpolation with nested strings,
//! `'''` multi-line strings), identifiers, punctuation and newlines, each with its byte span;
//! and the bracket check run before parsing.

use std::borrow::Cow;

use super::syntax::MAX_DEPTH;
use crate::parse::tree::SyntaxError;
use crate::source::Span;

/// A token, borrowing from the text: an identifier is its own text, and so is a string
/// without escapes (most are), so lexing a file allocates only for strings with escapes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok<'t> {
    Ident(&'t str),
    /// A string literal; `None` when it interpolates (`'${prefix}-sa'`).
    Str(Option<Cow<'t, str>>),
    Punct(char),
    Newline,
    /// Numbers and anything else that is neither of the above.
    Other,
}

impl<'t> Tok<'t> {
    /// An identifier's text, or a string literal's value.
    pub(super) fn word(&self) -> Option<&str> {
        match self {
            Tok::Ident(w) => Some(w),
            Tok::Str(Some(s)) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Token<'t> {
    pub(super) tok: Tok<'t>,
    pub(super) span: Span,
}

fn err(message: impl Into<String>, span: Span) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        span,
    }
}

pub(super) fn lex(text: &str) -> Result<Vec<Token<'_>>, SyntaxError> {
    // About one token per eight bytes of Bicep: growing the vector from empty moved every
    // token several times.
    let mut out = Vec::with_capacity(text.len() / 8);
    let mut lx = Lexer { text, pos: 0 };
    while let Some(t) = lx.next(0)? {
        out.push(t);
    }
    Ok(out)
}

/// The string literals without interpolation of what [`lex`] reads, in order, without keeping
/// the other tokens. Only a string (`'`) or a comment (`//`, `/*`) can hold a quote, so the
/// text between them is skipped with a byte search and the lexer reads only those: this runs
/// over every Bicep file before extraction (src/workspace/shard.rs), and lexing every
/// identifier and bracket was most of its cost. A text that lexes reads as with [`lex`] (a unit
/// test compares them); an error outside strings and comments is not seen here.
pub(super) fn string_literals(text: &str) -> Result<Vec<Cow<'_, str>>, SyntaxError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut lx = Lexer { text, pos: 0 };
    while let Some(found) = memchr::memchr2(b'\'', b'/', &bytes[lx.pos..]) {
        let at = lx.pos + found;
        if bytes[at] == b'/' && !matches!(bytes.get(at + 1), Some(b'/' | b'*')) {
            lx.pos = at + 1;
            continue;
        }
        // The string, or the comment and the token after it.
        lx.pos = at;
        match lx.next(0)? {
            Some(Token {
                tok: Tok::Str(Some(s)),
                ..
            }) => out.push(s),
            Some(_) => {}
            None => break,
        }
    }
    Ok(out)
}

/// The bytes that continue an identifier (ASCII letters, digits and `_`): one lookup a byte.
const IDENT_BYTES: [bool; 256] = crate::parse::byte_set(b"_", true);

struct Lexer<'t> {
    text: &'t str,
    pos: usize,
}

impl<'t> Lexer<'t> {
    fn peek(&self) -> Option<char> {
        match *self.text.as_bytes().get(self.pos)? {
            b if b.is_ascii() => Some(char::from(b)),
            _ => self.text[self.pos..].chars().next(),
        }
    }

    fn rest(&self) -> &'t str {
        &self.text[self.pos..]
    }

    /// The next token; `depth` counts the interpolations being lexed, to bound recursion.
    fn next(&mut self, depth: usize) -> Result<Option<Token<'t>>, SyntaxError> {
        loop {
            // Runs of ASCII blanks (indentation) a byte at a time; `is_whitespace` below
            // handles the rest.
            let bytes = self.text.as_bytes();
            while let Some(b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c') = bytes.get(self.pos) {
                self.pos += 1;
            }
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
                        let value = &self.rest()[3..3 + end];
                        self.pos += 3 + end + 3;
                        Tok::Str(Some(Cow::Borrowed(value)))
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
                    let rest = self.rest().as_bytes();
                    let len = rest
                        .iter()
                        .position(|&b| !IDENT_BYTES[usize::from(b)])
                        .unwrap_or(rest.len());
                    let word = &self.rest()[..len];
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

    /// A `'…'` string at `self.pos`, with escapes and `${…}` interpolations. Its value is
    /// the text between the quotes until an escape makes it differ: then a copy, from there.
    fn string(&mut self, depth: usize) -> Result<Tok<'t>, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let body = self.pos;
        let mut copy: Option<String> = None;
        let mut interpolated = false;
        loop {
            let Some(c) = self.peek() else {
                return Err(err("unterminated string", Span::new(start, start + 1)));
            };
            match c {
                '\'' => {
                    let value = match copy {
                        Some(copy) => Cow::Owned(copy),
                        None => Cow::Borrowed(&self.text[body..self.pos]),
                    };
                    self.pos += 1;
                    return Ok(Tok::Str((!interpolated).then_some(value)));
                }
                '\n' => return Err(err("unterminated string", Span::new(start, start + 1))),
                '\\' => {
                    let value = copy.get_or_insert_with(|| self.text[body..self.pos].to_string());
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
                _ => {
                    // The run up to the next character this loop treats specially, at once.
                    let rest = self.rest();
                    let run = rest
                        .bytes()
                        .position(|b| matches!(b, b'\'' | b'\n' | b'\\' | b'$'))
                        .unwrap_or(rest.len())
                        .max(c.len_utf8());
                    if let Some(copy) = &mut copy {
                        copy.push_str(&rest[..run]);
                    }
                    self.pos += run;
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(text: &str) -> Vec<Option<String>> {
        lex(text)
            .unwrap()
            .into_iter()
            .filter_map(|t| match t.tok {
                Tok::Str(s) => Some(s.map(Cow::into_owned)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn strings_keep_every_character_between_their_escapes() {
        assert_eq!(
            strings(r"x = 'a\'b\\c\n$d é ü\u{41}' 'plain' '${p}-sa' ''"),
            vec![
                Some("a'b\\c\n$d é üA".to_string()),
                Some("plain".to_string()),
                None,
                Some(String::new()),
            ]
        );
        assert_eq!(
            strings("'''multi\n'line'''"),
            vec![Some("multi\n'line".into())]
        );
        assert!(lex("'open\n'").is_err());
        assert!(lex("'open").is_err());
    }

    #[test]
    fn only_strings_with_escapes_are_copied() {
        let tokens = lex(r"x 'plain' 'a\'b' '''multi'''").unwrap();
        let strings: Vec<&Cow<'_, str>> = tokens
            .iter()
            .filter_map(|t| match &t.tok {
                Tok::Str(Some(s)) => Some(s),
                _ => None,
            })
            .collect();
        assert!(matches!(strings[0], Cow::Borrowed("plain")));
        assert!(matches!(strings[1], Cow::Owned(s) if s == "a'b"));
        assert!(matches!(strings[2], Cow::Borrowed("multi")));
        assert_eq!(strings.len(), 3);
    }

    #[test]
    fn blanks_of_every_kind_separate_tokens_and_spans_stay_exact() {
        let text = "param\t \r\x0b\x0cname\u{a0}'v' // c\n/* b */ é";
        let tokens = lex(text).unwrap();
        let kinds: Vec<(&Tok, &str)> = tokens
            .iter()
            .map(|t| (&t.tok, &text[t.span.range()]))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (&Tok::Ident("param"), "param"),
                (&Tok::Ident("name"), "name"),
                (&Tok::Str(Some("v".into())), "'v'"),
                (&Tok::Newline, "\n"),
                (&Tok::Other, "é"),
            ]
        );
        assert_eq!(
            string_literals("a 'x' b '${y}' 'z'").unwrap(),
            vec!["x".to_string(), "z".to_string()]
        );
    }

    /// The string literals of every token [`lex`] reads: what [`string_literals`] skips to.
    fn literals_of_all_tokens(text: &str) -> Vec<Cow<'_, str>> {
        lex(text)
            .unwrap()
            .into_iter()
            .filter_map(|t| match t.tok {
                Tok::Str(Some(s)) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn string_literals_skips_to_what_the_whole_lexer_reads() {
        let texts = [
            "module m './app.bicep' = {\n  name: 'app'\n}",
            "// a comment's quote\nusing './main.bicep'\n",
            "/* it's\n 'not' a string */ param p string = 'x'",
            "var a = 4 / 2\nvar b = 'c/d' // 'e'\nvar f = '//g'",
            "var s = '${toLower('A')}-x' \nvar t = 'it\\'s'",
            "var m = '''\nmulti 'line' // text\n'''\nvar n = 'after'",
            "var u = '\\u{1F600}' // end",
            "var x = 1/*c*/ + 'y'/2",
            "output o string = 'é' /",
        ];
        for text in texts {
            assert_eq!(
                string_literals(text).unwrap(),
                literals_of_all_tokens(text),
                "{text:?}"
            );
        }
        assert!(string_literals("var s = 'open").is_err());
        assert!(string_literals("/* open").is_err());
    }
}

//! JSON through jsonc-parser into [`super::tree::Node`], with byte spans on every node and key.
//!
//! Plain `.json` is parsed strictly (RFC 8259). [`parse_lenient`] also accepts comments and
//! trailing commas, for the formats whose tools document them (ARM templates, `tsconfig.json`,
//! VS Code settings); the caller decides when that applies.

use jsonc_parser::ast;
use jsonc_parser::tokens::Token;
use jsonc_parser::{
    CollectOptions, CommentCollectionStrategy, ParseOptions, Scanner, ScannerOptions, parse_to_ast,
};

use super::tree::{Node, Str, SyntaxError, Value};
use crate::source::Span;

/// Deeper documents are refused. jsonc-parser stops at 512 itself; ours is lower so that the
/// recursive conversion, `Node::walk` and the extractors stay far from a thread's stack limit.
pub(crate) const MAX_DEPTH: usize = 256;

/// Strict JSON.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    parse_with(text, &strict_options())
}

/// JSON with comments (`//`, `/* */`) and trailing commas; nothing else of JSON5.
pub fn parse_lenient(text: &str) -> Result<Node, SyntaxError> {
    parse_with(text, &lenient_options())
}

fn lenient_options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        ..strict_options()
    }
}

fn strict_options() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

fn parse_with(full: &str, options: &ParseOptions) -> Result<Node, SyntaxError> {
    // Files are read without their byte-order mark, but a tool calling the parser on raw text
    // should not fail on one: parse after it and keep spans in the full text's coordinates.
    let base = if full.starts_with('\u{feff}') { 3 } else { 0 };
    let text = &full[base..];
    // The direct parse counts its own depth and gives up past the limit; then, or when a
    // comment could hide brackets the count must see, the text is counted whole.
    if let Ok(root) = Plain::parse(text, options, base) {
        return Ok(root);
    }
    match Direct::parse(text, options, base) {
        Ok((root, false)) => Ok(root),
        Ok((root, true)) => {
            check_depth(text).map_err(|e| shift_err(e, base))?;
            Ok(root)
        }
        Err(Fallback) => {
            check_depth(text).map_err(|e| shift_err(e, base))?;
            via_jsonc_tree(text, options, base)
        }
    }
}

/// Through jsonc-parser's tree: its error, or its tree converted.
fn via_jsonc_tree(text: &str, options: &ParseOptions, base: usize) -> Result<Node, SyntaxError> {
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let result = parse_to_ast(text, &collect, options).map_err(|e| {
        let r = e.range();
        SyntaxError {
            message: lower_first(&e.kind().to_string()),
            span: clamp(text, r.start, r.end),
        }
    });
    let result = result.map_err(|e| shift_err(e, base))?;
    Ok(match result.value {
        Some(value) => convert(&value, base),
        // An empty or whitespace-only file holds no value; nothing to report or extract.
        None => Node::new(Span::empty(base), Value::Null),
    })
}

/// For the fuzz target (`fuzz/fuzz_targets/json.rs`): where [`Direct`] takes the text, its tree
/// and jsonc-parser's, which must be equal.
#[doc(hidden)]
pub fn both_ways(text: &str, lenient: bool) -> Option<(Node, Result<Node, SyntaxError>)> {
    let options = if lenient {
        lenient_options()
    } else {
        strict_options()
    };
    check_depth(text).ok()?;
    let (direct, _) = Direct::parse(text, &options, 0).ok()?;
    let via = via_jsonc_tree(text, &options, 0);
    // Where the plain parser takes the text too, its tree is the same.
    if let Ok(plain) = Plain::parse(text, &options, 0) {
        assert_eq!(plain, direct, "the plain parser's tree differs");
    }
    Some((direct, via))
}

/// A text [`Direct`] does not take: jsonc-parser parses it instead, for its tree or its error.
struct Fallback;

/// Well-formed JSON (with comments and trailing commas where the options allow them) parsed
/// from jsonc-parser's tokens straight into our tree. jsonc-parser's own tree is about 12
/// bytes per byte of JSON and was held whole beside ours (docs/performance.md, "Memory").
/// Anything else, an empty text, an error or a token out of place, is a [`Fallback`], so
/// errors and every leniency stay jsonc-parser's; where both parse, the trees are the same
/// (`direct_and_jsonc_parser_trees_agree`).
struct Direct<'a> {
    scanner: Scanner<'a>,
    comments: bool,
    trailing_commas: bool,
    base: usize,
    /// Entries and items of the open containers, moved into exact-size vectors as each
    /// closes.
    entries: Vec<(Node, Node)>,
    items: Vec<Node>,
    /// Open containers: past [`MAX_DEPTH`], a [`Fallback`] (whose depth check reports it).
    depth: usize,
    /// Whether a comment was skipped.
    saw_comment: bool,
}

/// Plain JSON, the common case, parsed from its bytes straight into the tree, ahead of
/// [`Direct`] on jsonc-parser's scanner (which handles comments, JSON5 and errors: it looked
/// at a string's bytes one by one and was about half of a JSON file's parse, and the tokens
/// between it and the tree cost as much again). It builds exactly the tree [`Direct`] builds
/// for what it takes, and gives a [`Fallback`] for anything else: a comment, a `\u` escape,
/// whitespace other than space, tab, CR and LF, a number or word the scanner would refuse or
/// read on, any error. `both_ways` (the fuzz target's check) asserts the trees agree.
struct Plain<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    base: usize,
    trailing_commas: bool,
    /// Entries and items of the open containers, as in [`Direct`].
    entries: Vec<(Node, Node)>,
    items: Vec<Node>,
    depth: usize,
}

impl<'a> Plain<'a> {
    fn parse(text: &'a str, options: &ParseOptions, base: usize) -> Result<Node, Fallback> {
        let mut plain = Plain {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            base,
            trailing_commas: options.allow_trailing_commas,
            entries: Vec::new(),
            items: Vec::new(),
            depth: 0,
        };
        plain.space();
        let root = plain.value()?;
        plain.space();
        if plain.pos != plain.bytes.len() {
            return Err(Fallback);
        }
        Ok(root)
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The span from `start` to the cursor, in the file.
    fn span(&self, start: usize) -> Span {
        Span::new(start + self.base, self.pos + self.base)
    }

    /// The value at the cursor (which is at no space).
    fn value(&mut self) -> Result<Node, Fallback> {
        let start = self.pos;
        let value = match *self.bytes.get(start).ok_or(Fallback)? {
            b'"' => Value::String(self.string()?),
            b'{' => return self.nested(Self::object),
            b'[' => return self.nested(Self::array),
            b'-' | b'0'..=b'9' => {
                self.number()?;
                Value::Number(self.text[start..self.pos].into())
            }
            b't' => self.word("true", Value::Bool(true))?,
            b'f' => self.word("false", Value::Bool(false))?,
            b'n' => self.word("null", Value::Null)?,
            _ => return Err(Fallback),
        };
        Ok(Node::new(self.span(start), value))
    }

    /// An object or array one level deeper: past [`MAX_DEPTH`], a [`Fallback`].
    fn nested(
        &mut self,
        parse: fn(&mut Self) -> Result<Value, Fallback>,
    ) -> Result<Node, Fallback> {
        let start = self.pos;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Fallback);
        }
        self.pos += 1;
        let value = parse(self)?;
        self.depth -= 1;
        Ok(Node::new(self.span(start), value))
    }

    /// After `{`: entries up to and with the closing `}`.
    fn object(&mut self) -> Result<Value, Fallback> {
        let mark = self.entries.len();
        self.space();
        if self.bytes.get(self.pos) != Some(&b'}') {
            loop {
                let start = self.pos;
                if self.bytes.get(start) != Some(&b'"') {
                    return Err(Fallback);
                }
                let key = Value::String(self.string()?);
                let key = Node::new(self.span(start), key);
                self.space();
                if self.bytes.get(self.pos) != Some(&b':') {
                    return Err(Fallback);
                }
                self.pos += 1;
                self.space();
                let value = self.value()?;
                self.entries.push((key, value));
                if self.after_item(b'}')? {
                    break;
                }
            }
        }
        self.pos += 1;
        Ok(Value::Map(self.entries.drain(mark..).collect()))
    }

    /// After `[`: items up to and with the closing `]`.
    fn array(&mut self) -> Result<Value, Fallback> {
        let mark = self.items.len();
        self.space();
        if self.bytes.get(self.pos) != Some(&b']') {
            loop {
                let item = self.value()?;
                self.items.push(item);
                if self.after_item(b']')? {
                    break;
                }
            }
        }
        self.pos += 1;
        Ok(Value::Seq(self.items.drain(mark..).collect()))
    }

    /// After an entry or item: whether `close` is next (the cursor on it); else the cursor is
    /// on the next entry or item, after a comma.
    fn after_item(&mut self, close: u8) -> Result<bool, Fallback> {
        self.space();
        match self.bytes.get(self.pos) {
            Some(b',') => {
                self.pos += 1;
                self.space();
                if self.bytes.get(self.pos) == Some(&close) {
                    return if self.trailing_commas {
                        Ok(true)
                    } else {
                        Err(Fallback)
                    };
                }
                Ok(false)
            }
            Some(&b) if b == close => Ok(true),
            _ => Err(Fallback),
        }
    }

    /// At `"`: the string up to and with the closing quote. Escapes other than `\u` are
    /// decoded as the scanner decodes them.
    fn string(&mut self) -> Result<Str, Fallback> {
        let bytes = self.bytes;
        let first = self.pos + 1;
        let mut from = first;
        let mut owned: Option<String> = None;
        loop {
            let at = from + memchr::memchr2(b'"', b'\\', &bytes[from..]).ok_or(Fallback)?;
            if bytes[at] == b'"' {
                self.pos = at + 1;
                return Ok(match owned {
                    None => Str::from(&self.text[first..at]),
                    Some(mut s) => {
                        s.push_str(&self.text[from..at]);
                        Str::from(s)
                    }
                });
            }
            let s = owned.get_or_insert_with(String::new);
            s.push_str(&self.text[from..at]);
            s.push(match bytes.get(at + 1) {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{08}',
                Some(b'f') => '\u{0C}',
                Some(b't') => '\t',
                Some(b'r') => '\r',
                Some(b'n') => '\n',
                _ => return Err(Fallback),
            });
            from = at + 2;
        }
    }

    /// A number by RFC 8259's grammar, where the scanner reads the same span.
    fn number(&mut self) -> Result<(), Fallback> {
        let bytes = self.bytes;
        let mut i = self.pos + usize::from(bytes[self.pos] == b'-');
        let digits = |i: usize| {
            i + bytes[i..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(bytes.len() - i)
        };
        match bytes.get(i) {
            // `0x…` is a hexadecimal number the scanner refuses in JSON.
            Some(b'0') if !matches!(bytes.get(i + 1), Some(b'x' | b'X')) => i += 1,
            Some(b'1'..=b'9') => i = digits(i),
            _ => return Err(Fallback),
        }
        if bytes.get(i) == Some(&b'.') {
            if !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                return Err(Fallback);
            }
            i = digits(i + 1);
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = bytes.get(i) {
                i += 1;
            }
            if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
                return Err(Fallback);
            }
            i = digits(i);
        }
        self.pos = i;
        Ok(())
    }

    /// `true`, `false` or `null`, ended as the scanner ends a word (here: by an ASCII byte
    /// that is neither alphanumeric nor `$`, or the end).
    fn word(&mut self, word: &str, value: Value) -> Result<Value, Fallback> {
        let end = self.pos + word.len();
        let ended = match self.bytes.get(end) {
            None => true,
            Some(&b) => b.is_ascii() && !b.is_ascii_alphanumeric() && b != b'$',
        };
        if !(self.bytes[self.pos..].starts_with(word.as_bytes()) && ended) {
            return Err(Fallback);
        }
        self.pos = end;
        Ok(value)
    }
}

impl<'a> Direct<'a> {
    /// The tree, and whether the text held a comment.
    fn parse(text: &'a str, options: &ParseOptions, base: usize) -> Result<(Node, bool), Fallback> {
        let scanner = Scanner::new(
            text,
            &ScannerOptions {
                allow_single_quoted_strings: options.allow_single_quoted_strings,
                allow_hexadecimal_numbers: options.allow_hexadecimal_numbers,
                allow_unary_plus_numbers: options.allow_unary_plus_numbers,
                allow_bare_decimal_point_numbers: options.allow_bare_decimal_point_numbers,
                allow_non_finite_numbers: options.allow_non_finite_numbers,
                allow_extended_string_escapes: options.allow_extended_string_escapes,
            },
        );
        Direct::new(scanner, options, base).run()
    }

    fn new(scanner: Scanner<'a>, options: &ParseOptions, base: usize) -> Self {
        Direct {
            scanner,
            comments: options.allow_comments,
            trailing_commas: options.allow_trailing_commas,
            base,
            entries: Vec::new(),
            items: Vec::new(),
            depth: 0,
            saw_comment: false,
        }
    }

    /// The tree, and whether the text held a comment.
    fn run(mut self) -> Result<(Node, bool), Fallback> {
        let first = self.scan()?.ok_or(Fallback)?;
        let root = self.value(first)?;
        match self.scan()? {
            None => Ok((root, self.saw_comment)),
            Some(_) => Err(Fallback),
        }
    }

    /// The next token that is not a comment, or the end.
    fn scan(&mut self) -> Result<Option<Token<'a>>, Fallback> {
        loop {
            match self.scanner.scan().map_err(|_| Fallback)? {
                Some(Token::CommentLine(_) | Token::CommentBlock(_)) if self.comments => {
                    self.saw_comment = true;
                }
                Some(Token::CommentLine(_) | Token::CommentBlock(_)) => return Err(Fallback),
                token => return Ok(token),
            }
        }
    }

    /// The last token's span, in the file.
    fn span(&self) -> Span {
        Span::new(
            self.scanner.token_start() + self.base,
            self.scanner.token_end() + self.base,
        )
    }

    fn value(&mut self, token: Token<'a>) -> Result<Node, Fallback> {
        let span = self.span();
        Ok(match token {
            Token::String(s) => Node::new(span, Value::String(s.into())),
            Token::Number(n) => Node::new(span, Value::Number(n.into())),
            Token::Boolean(b) => Node::new(span, Value::Bool(b)),
            Token::Null => Node::new(span, Value::Null),
            Token::OpenBrace | Token::OpenBracket => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(Fallback);
                }
                let node = if token == Token::OpenBrace {
                    self.object(span.start)?
                } else {
                    self.array(span.start)?
                };
                self.depth -= 1;
                node
            }
            _ => return Err(Fallback),
        })
    }

    /// After `{`: entries up to the closing `}`.
    fn object(&mut self, start: usize) -> Result<Node, Fallback> {
        let mark = self.entries.len();
        let mut token = self.scan()?;
        while token != Some(Token::CloseBrace) {
            let Some(Token::String(key)) = token else {
                return Err(Fallback);
            };
            let key = Node::new(self.span(), Value::String(key.into()));
            if self.scan()? != Some(Token::Colon) {
                return Err(Fallback);
            }
            let first = self.scan()?.ok_or(Fallback)?;
            let value = self.value(first)?;
            self.entries.push((key, value));
            token = self.after_item(Token::CloseBrace)?;
        }
        let entries = self.entries.drain(mark..).collect();
        let span = Span::new(start, self.scanner.token_end() + self.base);
        Ok(Node::new(span, Value::Map(entries)))
    }

    /// After `[`: items up to the closing `]`.
    fn array(&mut self, start: usize) -> Result<Node, Fallback> {
        let mark = self.items.len();
        let mut token = self.scan()?;
        while token != Some(Token::CloseBracket) {
            let item = self.value(token.ok_or(Fallback)?)?;
            self.items.push(item);
            token = self.after_item(Token::CloseBracket)?;
        }
        let items = self.items.drain(mark..).collect();
        let span = Span::new(start, self.scanner.token_end() + self.base);
        Ok(Node::new(span, Value::Seq(items)))
    }

    /// After an entry or item: the token that starts the next one, or `close`.
    fn after_item(&mut self, close: Token<'a>) -> Result<Option<Token<'a>>, Fallback> {
        match self.scan()? {
            Some(Token::Comma) => {
                let next = self.scan()?;
                if next.as_ref() == Some(&close) && !self.trailing_commas {
                    return Err(Fallback);
                }
                Ok(next)
            }
            Some(token) if token == close => Ok(Some(token)),
            _ => Err(Fallback),
        }
    }
}

fn shift_err(mut e: SyntaxError, base: usize) -> SyntaxError {
    e.span = Span::new(e.span.start + base, e.span.end + base);
    e
}

/// Refuses nesting deeper than [`MAX_DEPTH`] before the recursive parser sees it, at the
/// bracket that crosses the limit. Strings are skipped; comments are not (a bracket in a
/// comment only makes the count more cautious).
fn check_depth(text: &str) -> Result<(), SyntaxError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(SyntaxError {
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        span: Span::new(i, i + 1),
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn convert(value: &ast::Value<'_>, base: usize) -> Node {
    let span = |r: jsonc_parser::common::Range| Span::new(r.start + base, r.end + base);
    match value {
        ast::Value::StringLit(s) => {
            Node::new(span(s.range), Value::String(s.value.as_ref().into()))
        }
        ast::Value::NumberLit(n) => Node::new(span(n.range), Value::Number((*n.value).into())),
        ast::Value::BooleanLit(b) => Node::new(span(b.range), Value::Bool(b.value)),
        ast::Value::NullKeyword(n) => Node::new(span(n.range), Value::Null),
        ast::Value::Array(a) => Node::new(
            span(a.range),
            Value::Seq(a.elements.iter().map(|e| convert(e, base)).collect()),
        ),
        ast::Value::Object(o) => Node::new(
            span(o.range),
            Value::Map(
                o.properties
                    .iter()
                    .map(|p| {
                        let key = match &p.name {
                            ast::ObjectPropName::String(s) => {
                                Node::new(span(s.range), Value::String(s.value.as_ref().into()))
                            }
                            ast::ObjectPropName::Word(w) => {
                                Node::new(span(w.range), Value::String((*w.value).into()))
                            }
                        };
                        (key, convert(&p.value, base))
                    })
                    .collect(),
            ),
        ),
    }
}

fn clamp(text: &str, start: usize, end: usize) -> Span {
    let start = crate::source::clamp_to_char_boundary(text, start);
    let end = crate::source::clamp_to_char_boundary(text, end.max(start));
    Span::new(start, end)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spans_cover_keys_and_values() {
        let text = r#"{"a": [1, "x"], "b": {"c": null}}"#;
        let root = parse(text).unwrap();
        let (k, v) = root.entry("a").unwrap();
        assert_eq!(&text[k.span.range()], "\"a\"");
        assert_eq!(&text[v.span.range()], "[1, \"x\"]");
        let c = root.path(&["b", "c"]).unwrap();
        assert_eq!(&text[c.span.range()], "null");
        assert_eq!(root.span, Span::new(0, text.len()));
    }

    #[test]
    fn spans_are_bytes_after_multibyte_text() {
        let text = "{\"é\": \"ü\", \"k\": \"v\"}";
        let root = parse(text).unwrap();
        let (k, v) = root.entry("k").unwrap();
        assert_eq!(&text[k.span.range()], "\"k\"");
        assert_eq!(&text[v.span.range()], "\"v\"");
    }

    #[test]
    fn strict_refuses_comments_and_trailing_commas() {
        let e = parse("{\n  // c\n  \"a\": 1\n}").unwrap_err();
        assert!(e.message.contains("comments"), "{}", e.message);
        assert_eq!(e.span.start, 4);
        assert!(parse("[1, 2,]").is_err());
        assert!(parse("{a: 1}").is_err());
        assert!(parse("['x']").is_err());
        assert!(parse_lenient("{\n  // c\n  \"a\": 1,\n}").is_ok());
        // Lenient is not JSON5.
        assert!(parse_lenient("{a: 1}").is_err());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let text = "{\n  \"a\": 1\n  \"b\": 2\n}";
        let e = parse(text).unwrap_err();
        // jsonc-parser reports a missing comma right after the previous value.
        assert!(
            e.span.start >= text.find('1').unwrap() && e.span.start <= text.find("\"b\"").unwrap()
        );
        assert!(e.message.contains("comma"), "{}", e.message);
        let e = parse("{\"a\": \"unterminated}").unwrap_err();
        assert!(e.span.start >= 6, "{e:?}");
    }

    #[test]
    fn duplicate_keys_keep_both_and_get_the_last() {
        let root = parse(r#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(root.as_map().unwrap().len(), 2);
        assert_eq!(root.get("a").unwrap().scalar_text().as_deref(), Some("2"));
    }

    #[test]
    fn huge_numbers_stay_as_written() {
        let n = "123456789012345678901234567890e99999";
        let root = parse(&format!("[{n}]")).unwrap();
        assert_eq!(root.as_seq().unwrap()[0].value, Value::Number(n.into()));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.span.start, MAX_DEPTH);
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        // Brackets inside strings do not count.
        let s = format!("[\"{}\"]", "[".repeat(10_000));
        assert!(parse(&s).is_ok());
        // Nesting in lenient JSON, and brackets in its comments, count as before the direct
        // parse counted its own depth.
        let e = parse_lenient(&format!("// x\n{deep}")).unwrap_err();
        assert_eq!(e.span.start, MAX_DEPTH + 5);
        assert!(parse_lenient(&format!("/* x */{ok}")).is_ok());
        let e = parse_lenient(&format!("/* {} */ {{}}", "{".repeat(MAX_DEPTH))).unwrap_err();
        assert_eq!(e.message, format!("nesting deeper than {MAX_DEPTH} levels"));
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_spans_stay_in_the_file() {
        let text = "\u{feff}{\"a\": \"b\"}";
        let root = parse(text).unwrap();
        assert_eq!(&text[root.get("a").unwrap().span.range()], "\"b\"");
        let e = parse("\u{feff}{,}").unwrap_err();
        assert_eq!(e.span.start, 4);
    }

    #[test]
    fn empty_input_is_null() {
        assert_eq!(parse("  \n").unwrap().value, Value::Null);
    }

    #[test]
    fn escapes_are_decoded() {
        let root = parse(r#"{"u": "https:\/\/x\u0041"}"#).unwrap();
        assert_eq!(root.str_at(&["u"]), Some("https://xA"));
    }

    /// The tree through the plain parser, if it takes the text.
    fn plain(text: &str) -> Option<Node> {
        Plain::parse(text, &strict_options(), 0).ok()
    }

    #[test]
    fn the_plain_parser_reads_plain_json_as_jsonc_parser_does() {
        for text in [
            r#"{"a": [1, -0, 2.50, -3e+7, 4E-2, 5e9], "b": {"c": null, "d": true}, "e": false}"#,
            r#"["esc \" \\ \/ \b \f \n \r \t end", "", "é ü"]"#,
            "[\"raw\u{1}control\", \"raw\nline\"]",
            "\r\n[\t1 ,\r\n 2 ]\n",
            r#""top""#,
            "[true,false,null]",
        ] {
            let via = via_jsonc_tree(text, &strict_options(), 0).unwrap();
            assert_eq!(plain(text), Some(via), "{text}");
        }
    }

    #[test]
    fn the_plain_parser_leaves_the_rest_to_jsonc_parser() {
        // Each is refused by jsonc-parser or needs what only it reads.
        for text in [
            r#"["\u0041"]"#,
            r#"["\'"]"#,
            "[01]",
            "[0x1F]",
            "[1.]",
            "[.5]",
            "[+1]",
            "[1e]",
            "[-]",
            "[truex]",
            "[true$]",
            "[nul]",
            "// c\n[1]",
            "[1]\u{c}",
            "[\u{a0}1]",
            "[\"unterminated]",
            "[NaN]",
        ] {
            assert_eq!(plain(text), None, "{text}");
        }
        // And jsonc-parser still reads them as before.
        let root = parse(r#"["\u0041"]"#).unwrap();
        assert_eq!(root.as_seq().unwrap()[0].as_str(), Some("A"));
        assert!(parse("[01]").is_err());
        assert!(parse("[1]\u{c}").is_ok());
    }

    /// JSON text of nested values, written with varying space, comments and trailing commas.
    fn json_text() -> impl Strategy<Value = String> {
        let space = prop_oneof![
            Just(""),
            Just(" "),
            Just("\n  "),
            Just("/* c */"),
            Just("// c\n")
        ];
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            Just("-1.5e3".to_string()),
            Just("0".to_string()),
            "[a-zé\\\\\"{}\\[\\]]{0,6}".prop_map(|s| format!("{s:?}")),
            Just("\"\\u0041\\/\"".to_string()),
        ];
        leaf.prop_recursive(4, 40, 5, move |inner| {
            let space = space.clone();
            prop_oneof![
                (
                    prop::collection::vec((inner.clone(), space.clone()), 0..5),
                    any::<bool>()
                )
                    .prop_map(|(items, trailing)| {
                        let body: Vec<String> = items
                            .into_iter()
                            .map(|(v, s)| format!("{s}{v}{s}"))
                            .collect();
                        let comma = if trailing && !body.is_empty() {
                            ","
                        } else {
                            ""
                        };
                        format!("[{}{comma}]", body.join(","))
                    }),
                (
                    prop::collection::vec(("[a-c]{1,2}", inner, space), 0..5),
                    any::<bool>()
                )
                    .prop_map(|(entries, trailing)| {
                        let body: Vec<String> = entries
                            .into_iter()
                            .map(|(k, v, s)| format!("{s}\"{k}\"{s}:{s}{v}"))
                            .collect();
                        let comma = if trailing && !body.is_empty() {
                            ","
                        } else {
                            ""
                        };
                        format!("{{{}{comma}}}", body.join(","))
                    }),
            ]
        })
    }

    #[test]
    fn plain_json_is_parsed_directly_and_the_rest_falls_back() {
        let strict = strict_options();
        assert!(Direct::parse(r#"{"a": [1, "x", {}], "b": null}"#, &strict, 0).is_ok());
        for text in [
            "",
            "  ",
            "{\"a\": 1,}",
            "// c\n{}",
            "{a: 1}",
            "[1 2]",
            "{} {}",
            "[1,,2]",
        ] {
            assert!(Direct::parse(text, &strict, 0).is_err(), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn direct_and_jsonc_parser_trees_agree(text in json_text(), lenient in any::<bool>()) {
            let options = if lenient {
                lenient_options()
            } else {
                strict_options()
            };
            let via = via_jsonc_tree(&text, &options, 3);
            if let Ok(plain) = Plain::parse(&text, &options, 3) {
                prop_assert_eq!(Ok(plain), via.clone());
            }
            match Direct::parse(&text, &options, 3) {
                Ok((direct, _)) => prop_assert_eq!(Ok(direct), via),
                // Only what jsonc-parser refuses, or what it accepts beyond plain JSON, falls
                // back: a lenient parse of these texts never needs to.
                Err(Fallback) => prop_assert!(via.is_err() || !lenient, "{text}"),
            }
        }

        #[test]
        fn never_panics_and_spans_are_in_bounds(text in "[\\[\\]{}\",:0-9a-z \n\\\\/*é]{0,60}") {
            if let Ok(root) = parse_lenient(&text) {
                root.walk(&mut |n| {
                    assert!(n.span.end <= text.len());
                    assert!(text.is_char_boundary(n.span.start) && text.is_char_boundary(n.span.end));
                });
            }
            if let Err(e) = parse(&text) {
                prop_assert!(e.span.end <= text.len());
            }
        }
    }
}

//! Terraform's HCL native syntax (`.tf`, `.tfvars`, Terragrunt's `.hcl`), parsed in one pass
//! straight into the tree cloudpact reads ([`tree`]): blocks, attributes and the values it
//! evaluates statically (literals, references, lists, objects, function calls). Every other
//! expression — conditionals, operators, `for`, splats, heredocs, templates that mix text and
//! values — is checked for syntax in full and kept as [`Expr::Other`], so a file that is not
//! valid HCL is an error at the byte where it stops being valid, never a partial result.
//!
//! The grammar is hashicorp/hcl's native syntax as Terraform reads it:
//! - newlines end attributes, blocks and object items; inside `(…)`, `[…]`, `${…}` and a whole
//!   `{ for … }` they are blanks, so a conditional or a call may span lines there;
//! - an object may repeat a key (Terraform keeps the last one); a body may not repeat an
//!   attribute;
//! - a byte-order mark at the start is skipped; spans stay offsets into the text as given.
//!
//! It replaced hcl-edit (docs/performance.md, "Terraform's parser"): hcl-edit builds a
//! format-preserving tree with every blank and comment, 45 bytes of tree per byte of text, and
//! parsed at 46 MB/s; this parser keeps only what the tree below holds. The test
//! `tests/hcl_reference.rs` holds it to the tree hcl-edit's parse lowered to on every
//! Terraform file in the repository, and `fuzz/fuzz_targets/hcl.rs` on arbitrary input.

mod template;
pub mod tree;

use std::borrow::Cow;

use hcl_primitives::Number;
use hcl_primitives::ident::{is_id_continue, is_id_start};

use compact_str::ToCompactString;

use self::tree::{Attr, Block, Body, Call, Expr};
use super::tree::{Str, SyntaxError};
use crate::source::{Span, clamp_to_char_boundary};

/// How deeply blocks, brackets, templates and operands may nest before the file is an error
/// (not a stack overflow on a hostile file). Real configurations stay far below it.
const MAX_DEPTH: u32 = 128;

/// The ASCII bytes that continue a name: letters, digits, `_` and `-`.
const NAME_BYTES: [bool; 256] = crate::parse::byte_set(b"_-", true);

/// Parses a `.tf`, `.tfvars` or Terragrunt file.
pub fn parse(text: &str) -> Result<Body, SyntaxError> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut p = Parser {
        text,
        b: text.as_bytes(),
        pos: start,
        depth: 0,
        shape: Shape::Other,
        open: Vec::new(),
        attrs: Vec::new(),
        blocks: Vec::new(),
        names: Vec::new(),
    };
    p.body(None).map_err(|fail| {
        let at = clamp_to_char_boundary(text, fail.at);
        let next = text[at..].chars().next();
        let end = next.map_or(at, |c| at + c.len_utf8());
        let message = if fail.unclosed {
            format!("invalid HCL syntax: {}", fail.expected)
        } else {
            let found = match next {
                None => "the end of the file".to_string(),
                Some('\n' | '\r') => "the end of the line".to_string(),
                Some(c) => format!("`{c}`"),
            };
            format!(
                "invalid HCL syntax: expected {}, found {found}",
                fail.expected
            )
        };
        SyntaxError {
            message,
            span: Span::new(at, end),
        }
    })
}

/// Where parsing stopped and what would have been valid there; or, for a string, heredoc,
/// comment or block the file ends inside (`unclosed`), where it opens and what is missing.
#[derive(Debug)]
struct Fail {
    at: usize,
    expected: Cow<'static, str>,
    unclosed: bool,
}

type Parsed<T> = Result<T, Fail>;

/// What the last expression parsed was, at its top: object keys are kept only when they are a
/// bare name or a plain string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A bare name (`a`), not a keyword, call or traversal.
    Name,
    /// A quoted string without interpolation.
    String,
    Other,
}

struct Parser<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: u32,
    /// The shape of the expression [`Parser::expr`] returned last.
    shape: Shape,
    /// The brackets open at the cursor: where each opens, what it is and what closes it; an
    /// error at the end of the text is reported at the innermost.
    open: Vec<(usize, &'static str, char)>,
    /// The attributes and blocks of the bodies being read, innermost last, each body's moved
    /// into exact-size vectors as it ends: a body's own vectors grew from four items twice or
    /// more and were shrunk again at its end. An error ends the parse, so nothing is left over.
    attrs: Vec<Attr>,
    blocks: Vec<Block>,
    /// The attribute names of the bodies being read, for [`Keys`].
    names: Vec<&'a str>,
}

impl<'a> Parser<'a> {
    fn fail<T>(&self, expected: impl Into<Cow<'static, str>>) -> Parsed<T> {
        if self.pos >= self.b.len()
            && let Some(&(at, what, close)) = self.open.last()
        {
            return self.unclosed(
                at,
                format!(
                    "the {what} that opens here is not closed: no `{close}` before the end of the file"
                ),
            );
        }
        Err(Fail {
            at: self.pos,
            expected: expected.into(),
            unclosed: false,
        })
    }

    /// The file ends inside what opens at `open`.
    fn unclosed<T>(&self, open: usize, what: impl Into<Cow<'static, str>>) -> Parsed<T> {
        Err(Fail {
            at: open,
            expected: what.into(),
            unclosed: true,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.b.get(self.pos + ahead).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        self.pos += usize::from(hit);
        hit
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Parsed<()> {
        if self.eat(byte) {
            Ok(())
        } else {
            self.fail(expected)
        }
    }

    fn enter(&mut self) -> Parsed<()> {
        if self.depth >= MAX_DEPTH {
            return self.fail(format!("at most {MAX_DEPTH} nested levels"));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- blanks and comments ----

    /// Spaces, tabs and `/* … */` comments (which may span lines): the blanks allowed where a
    /// newline ends something.
    fn sp(&mut self) -> Parsed<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'/') if self.peek_at(1) == Some(b'*') => self.block_comment()?,
                _ => return Ok(()),
            }
        }
    }

    /// Blanks including newlines and every kind of comment.
    fn ws(&mut self) -> Parsed<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'#') => self.line_comment(),
                Some(b'/') if self.peek_at(1) == Some(b'/') => self.line_comment(),
                Some(b'/') if self.peek_at(1) == Some(b'*') => self.block_comment()?,
                _ => return Ok(()),
            }
        }
    }

    /// [`Parser::ws`] where newlines are blanks, else [`Parser::sp`].
    fn blanks(&mut self, newlines: bool) -> Parsed<()> {
        if newlines { self.ws() } else { self.sp() }
    }

    /// A `#` or `//` comment up to (not including) its newline.
    fn line_comment(&mut self) {
        self.pos =
            memchr::memchr(b'\n', &self.b[self.pos..]).map_or(self.b.len(), |n| self.pos + n);
    }

    fn block_comment(&mut self) -> Parsed<()> {
        match memchr::memmem::find(&self.b[self.pos + 2..], b"*/") {
            Some(n) => {
                self.pos += 2 + n + 2;
                Ok(())
            }
            None => self.unclosed(
                self.pos,
                "the comment that starts here is not closed: no `*/` before the end of the file",
            ),
        }
    }

    /// A newline (`\n` or `\r\n`) or the end of the text, after an attribute, a block or an
    /// object item, with blanks and a line comment before it.
    fn end_of_line(&mut self, what: &'static str) -> Parsed<()> {
        self.sp()?;
        if matches!(self.peek(), Some(b'#'))
            || (self.peek() == Some(b'/') && self.peek_at(1) == Some(b'/'))
        {
            self.line_comment();
        }
        match self.peek() {
            None => Ok(()),
            Some(b'\n') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'\r') if self.peek_at(1) == Some(b'\n') => {
                self.pos += 2;
                Ok(())
            }
            _ => self.fail(what),
        }
    }

    // ---- names ----

    /// The character at the cursor, if it can start a name.
    fn at_name(&self) -> bool {
        match self.peek() {
            Some(b) if b.is_ascii() => b.is_ascii_alphabetic() || b == b'_',
            Some(_) => self.text[self.pos..]
                .chars()
                .next()
                .is_some_and(is_id_start),
            None => false,
        }
    }

    /// A name at the cursor (the caller checked [`Parser::at_name`]).
    fn name(&mut self) -> &'a str {
        let start = self.pos;
        self.pos += match self.b[start] {
            b if b.is_ascii() => 1,
            _ => self.text[start..].chars().next().map_or(0, char::len_utf8),
        };
        self.name_rest();
        &self.text[start..self.pos]
    }

    /// The characters that may continue a name, from the cursor: ASCII ones by a table.
    fn name_rest(&mut self) {
        loop {
            let rest = &self.b[self.pos..];
            let ascii = rest
                .iter()
                .position(|&b| !NAME_BYTES[usize::from(b)])
                .unwrap_or(rest.len());
            self.pos += ascii;
            match rest.get(ascii) {
                Some(b) if !b.is_ascii() => match self.text[self.pos..].chars().next() {
                    Some(c) if is_id_continue(c) => self.pos += c.len_utf8(),
                    _ => return,
                },
                _ => return,
            }
        }
    }

    /// Whether `word` is at the cursor as a whole word.
    fn at_word(&self, word: &str) -> bool {
        let end = self.pos + word.len();
        self.b[self.pos..].starts_with(word.as_bytes())
            && self.text[end..]
                .chars()
                .next()
                .is_none_or(|c| !is_id_continue(c))
    }

    // ---- bodies ----

    /// The items of the file (`block` is `None`) or of a multi-line block whose `{` is at
    /// `block`, up to the end of the text or the block's `}` (not consumed).
    fn body(&mut self, block: Option<usize>) -> Parsed<Body> {
        let top = block.is_none();
        let marks = (self.attrs.len(), self.blocks.len());
        let mut keys = Keys {
            mark: self.names.len(),
            many: None,
        };
        loop {
            self.ws()?;
            match self.peek() {
                None => match block {
                    None => break,
                    Some(open) => {
                        return self.unclosed(
                            open,
                            "the block that opens here is not closed: no `}` before the end of the file",
                        );
                    }
                },
                Some(b'}') if !top => break,
                _ if self.at_name() => {
                    self.item(&mut keys)?;
                    self.end_of_line("a newline after the attribute or block")?;
                }
                _ if top => return self.fail("an attribute or a block"),
                _ => return self.fail("an attribute, a block or `}`"),
            }
        }
        self.names.truncate(keys.mark);
        Ok(Body {
            attrs: self.attrs.drain(marks.0..).collect(),
            blocks: self.blocks.drain(marks.1..).collect(),
        })
    }

    /// One attribute or block, from its name.
    fn item(&mut self, keys: &mut Keys<'a>) -> Parsed<()> {
        let start = self.pos;
        let name = self.name();
        self.sp()?;
        match self.peek() {
            Some(b'=') => {
                if keys.repeated(name, &mut self.names) {
                    self.pos = start;
                    return self.fail(format!(
                        "an attribute not yet set in this body (`{name}` is set above)"
                    ));
                }
                let attr = self.attribute(name, start)?;
                self.attrs.push(attr);
            }
            Some(b'{' | b'"') => self.block(name, start)?,
            // A block whose first label is a name: `resource aws_instance x { … }`.
            _ if self.at_name() => self.block(name, start)?,
            _ => return self.fail("`=`, `{` or a block label"),
        }
        Ok(())
    }

    /// `= value` of an attribute whose name starts at `start`, from the `=`.
    fn attribute(&mut self, name: &str, start: usize) -> Parsed<Attr> {
        self.expect(b'=', "`=` after the attribute name")?;
        self.sp()?;
        let value = self.expr(false)?;
        Ok(Attr {
            key: name.into(),
            span: Span::new(start, self.pos),
            value,
        })
    }

    /// A block from its labels (quoted or names) to its `}`; `name` starts at `start`.
    fn block(&mut self, name: &str, start: usize) -> Parsed<()> {
        let mut labels = Vec::new();
        loop {
            let label = match self.peek() {
                Some(b'"') => self.label()?,
                _ if self.at_name() => self.name().into(),
                _ => break,
            };
            if labels.is_empty() {
                // Room for the usual two (`resource "type" "name"`), not the default four.
                labels.reserve_exact(2);
            }
            labels.push(label);
            self.sp()?;
        }
        let inner = self.block_body()?;
        self.blocks.push(Block {
            ident: name.into(),
            labels,
            span: Span::new(start, self.pos),
            body: inner,
        });
        Ok(())
    }

    /// A quoted block label: a string without interpolation.
    fn label(&mut self) -> Parsed<Str> {
        let at = self.pos;
        let value = self.quoted()?;
        match (self.shape, value) {
            (Shape::String, Expr::Lit(s)) => Ok(s),
            _ => {
                self.pos = at;
                self.fail("a block label without `${` or `%{`")
            }
        }
    }

    /// `{ … }` after a block's name and labels: a newline and the items, or one attribute (or
    /// none) on the same line.
    fn block_body(&mut self) -> Parsed<Body> {
        if self.peek() != Some(b'{') {
            return self.fail("`{` to open the block");
        }
        self.enter()?;
        let brace = self.pos;
        self.pos += 1;
        let open = self.pos;
        self.sp()?;
        if matches!(self.peek(), Some(b'#'))
            || (self.peek() == Some(b'/') && self.peek_at(1) == Some(b'/'))
        {
            self.line_comment();
        }
        let body = match self.peek() {
            Some(b'\n') => {
                self.pos += 1;
                self.body(Some(brace))?
            }
            Some(b'\r') if self.peek_at(1) == Some(b'\n') => {
                self.pos += 2;
                self.body(Some(brace))?
            }
            _ => {
                // A one-line block: `{}` or `{ key = value }`.
                self.pos = open;
                self.sp()?;
                let mut body = Body::default();
                if self.at_name() {
                    let start = self.pos;
                    let name = self.name();
                    self.sp()?;
                    let attr = self.attribute(name, start)?;
                    body.attrs.push(attr);
                    self.sp()?;
                }
                body
            }
        };
        self.expect(b'}', "`}` to close the block, or a newline")?;
        self.leave();
        Ok(body)
    }

    // ---- expressions ----

    /// An expression: operands joined by operators, or a conditional. `newlines`: whether
    /// newlines are blanks here (inside brackets) or end the expression. Leaves the cursor
    /// right after the expression's last character.
    fn expr(&mut self, newlines: bool) -> Parsed<Expr> {
        self.enter()?;
        let mut value = self.operand(newlines)?;
        let mut shape = self.shape;
        loop {
            let end = self.pos;
            self.blanks(newlines)?;
            let (a, b) = (self.peek(), self.peek_at(1));
            let operator = match (a, b) {
                (Some(b'?'), _) => {
                    self.pos += 1;
                    self.blanks(newlines)?;
                    self.expr(newlines)?;
                    self.blanks(newlines)?;
                    self.expect(b':', "`:` of the conditional")?;
                    self.blanks(newlines)?;
                    self.expr(newlines)?;
                    value = Expr::Other;
                    shape = Shape::Other;
                    break;
                }
                (Some(b'='), Some(b'=')) | (Some(b'!'), Some(b'=')) => 2,
                (Some(b'<' | b'>'), Some(b'=')) => 2,
                (Some(b'&'), Some(b'&')) | (Some(b'|'), Some(b'|')) => 2,
                (Some(b'/'), Some(b'/' | b'*')) => 0,
                (Some(b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%'), _) => 1,
                _ => 0,
            };
            if operator == 0 {
                self.pos = end;
                break;
            }
            self.pos += operator;
            self.blanks(newlines)?;
            self.operand(newlines)?;
            value = Expr::Other;
            shape = Shape::Other;
        }
        self.shape = shape;
        self.leave();
        Ok(value)
    }

    /// One operand with the attribute accesses, indexes and splats after it.
    fn operand(&mut self, newlines: bool) -> Parsed<Expr> {
        let (mut value, mut shape) = self.term(newlines)?;
        // `Some` while the operand is a name followed by `.name`s only: a reference.
        let mut path = match (&value, shape) {
            (Expr::Ref(_), Shape::Name) => Some(()),
            _ => None,
        };
        loop {
            let end = self.pos;
            self.blanks(newlines)?;
            match (self.peek(), self.peek_at(1)) {
                (Some(b'.'), Some(b'.')) | (None, _) => {
                    self.pos = end;
                    break;
                }
                (Some(b'.'), _) => {
                    self.pos += 1;
                    self.ws()?;
                    match self.peek() {
                        Some(b'*') => {
                            self.pos += 1;
                            path = None;
                        }
                        Some(b'0'..=b'9') => {
                            let start = self.pos;
                            while matches!(self.peek(), Some(b'0'..=b'9')) {
                                self.pos += 1;
                            }
                            if self.text[start..self.pos].parse::<u64>().is_err() {
                                self.pos = start;
                                return self.fail("an index that fits in 64 bits");
                            }
                            path = None;
                        }
                        _ if self.at_name() => {
                            let name = self.name();
                            match (&mut value, path) {
                                (Expr::Ref(parts), Some(())) => parts.push(name.into()),
                                _ => path = None,
                            }
                        }
                        _ => return self.fail("an attribute name, `*` or an index after `.`"),
                    }
                }
                (Some(b'['), _) => {
                    self.pos += 1;
                    self.ws()?;
                    if !self.eat(b'*') {
                        self.expr(true)?;
                    }
                    self.ws()?;
                    self.expect(b']', "`]` to close the index")?;
                    path = None;
                }
                _ => {
                    self.pos = end;
                    break;
                }
            }
            shape = Shape::Other;
            if path.is_none() {
                value = Expr::Other;
            }
        }
        self.shape = shape;
        Ok(value)
    }

    /// One term: a literal, a collection, a template, a parenthesis, a name or a call, or a
    /// unary operator and its operand.
    fn term(&mut self, newlines: bool) -> Parsed<(Expr, Shape)> {
        let Some(b) = self.peek() else {
            return self.fail("an expression");
        };
        match b {
            b'"' => {
                let value = self.quoted()?;
                Ok((value, self.shape))
            }
            b'[' => Ok((self.list()?, Shape::Other)),
            b'{' => Ok((self.object()?, Shape::Other)),
            b'0'..=b'9' => Ok((self.number(false)?, Shape::Other)),
            b'<' if self.peek_at(1) == Some(b'<') => {
                self.heredoc()?;
                Ok((Expr::Other, Shape::Other))
            }
            b'-' | b'!' => {
                self.pos += 1;
                self.sp()?;
                if b == b'-' && matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Ok((self.number(true)?, Shape::Other));
                }
                self.enter()?;
                self.operand(newlines)?;
                self.leave();
                Ok((Expr::Other, Shape::Other))
            }
            b'(' => {
                self.enter()?;
                self.open.push((self.pos, "parenthesis", ')'));
                self.pos += 1;
                self.ws()?;
                let inner = self.expr(true)?;
                self.ws()?;
                self.expect(b')', "`)` to close the parenthesis")?;
                self.open.pop();
                self.leave();
                Ok((inner, Shape::Other))
            }
            _ if self.at_name() => self.name_or_call(newlines),
            _ => self.fail("an expression"),
        }
    }

    /// A name: a keyword, a variable, or a function call (`f(…)`, `provider::p::f(…)`).
    fn name_or_call(&mut self, newlines: bool) -> Parsed<(Expr, Shape)> {
        let first = self.name();
        let end = self.pos;
        self.blanks(newlines)?;
        let mut name = first;
        if self.peek() == Some(b':') && self.peek_at(1) == Some(b':') {
            while self.peek() == Some(b':') && self.peek_at(1) == Some(b':') {
                self.pos += 2;
                self.blanks(newlines)?;
                if !self.at_name() {
                    return self.fail("a function name after `::`");
                }
                name = self.name();
                self.blanks(newlines)?;
            }
            if self.peek() != Some(b'(') {
                return self.fail("`(` and the function's arguments");
            }
        }
        if self.peek() == Some(b'(') {
            let args = self.arguments()?;
            return Ok((
                Expr::Call(Box::new(Call {
                    name: name.to_string(),
                    args,
                })),
                Shape::Other,
            ));
        }
        self.pos = end;
        Ok(match first {
            "null" => (Expr::Null, Shape::Other),
            "true" | "false" => (Expr::Lit(first.into()), Shape::Other),
            _ => {
                // Room for `var.x`, `local.x`, `type.name.attribute` (nearly every reference)
                // from the start: one allocation, not one more at the first `.name`.
                let mut parts = Vec::with_capacity(3);
                parts.push(first.into());
                (Expr::Ref(parts), Shape::Name)
            }
        })
    }

    /// `( arg, arg… )` of a call, with a trailing comma or `...` after the last.
    fn arguments(&mut self) -> Parsed<Vec<Expr>> {
        self.enter()?;
        self.open.push((self.pos, "argument list", ')'));
        self.pos += 1;
        let mut args = Vec::new();
        self.ws()?;
        if !self.eat(b')') {
            loop {
                args.push(self.expr(true)?);
                self.ws()?;
                if self.eat(b',') {
                    self.ws()?;
                    if self.eat(b')') {
                        break;
                    }
                    continue;
                }
                if self.b[self.pos..].starts_with(b"...") {
                    self.pos += 3;
                    self.ws()?;
                    self.expect(b')', "`)` after `...`")?;
                    break;
                }
                self.expect(b')', "`,` or `)` in the arguments")?;
                break;
            }
        }
        self.open.pop();
        self.leave();
        Ok(args)
    }

    /// Whether a `for` expression starts at the cursor (after `[` or `{` and blanks).
    fn at_for(&self) -> bool {
        self.b[self.pos..].starts_with(b"for")
            && matches!(
                self.peek_at(3),
                Some(b' ' | b'\t' | b'\n' | b'\r' | b'#' | b'/')
            )
    }

    /// `for k, v in coll :` of a `for` expression, from `for`.
    fn for_intro(&mut self) -> Parsed<()> {
        self.for_head("`for`")?;
        self.ws()?;
        self.expect(b':', "`:` after the `for` collection")
    }

    /// `for k, v in coll` of a `for` expression or a `%{ for }` directive (`what`), from `for`.
    fn for_head(&mut self, what: &'static str) -> Parsed<()> {
        self.pos += 3;
        self.ws()?;
        if !self.at_name() {
            return self.fail(format!("a variable name after {what}"));
        }
        self.name();
        self.ws()?;
        if self.eat(b',') {
            self.ws()?;
            if !self.at_name() {
                return self.fail("a second variable name after `,`");
            }
            self.name();
            self.ws()?;
        }
        if !self.at_word("in") {
            return self.fail(format!("`in` after the {what} variables"));
        }
        self.pos += 2;
        self.ws()?;
        self.expr(true)?;
        Ok(())
    }

    /// An optional `if cond` at the end of a `for` expression.
    fn for_condition(&mut self) -> Parsed<()> {
        if self.at_word("if") {
            self.pos += 2;
            self.ws()?;
            self.expr(true)?;
            self.ws()?;
        }
        Ok(())
    }

    /// `[ … ]`: a list of values, or a `for` expression.
    fn list(&mut self) -> Parsed<Expr> {
        self.enter()?;
        self.open.push((self.pos, "list", ']'));
        self.pos += 1;
        self.ws()?;
        let value = if self.at_for() {
            self.for_intro()?;
            self.ws()?;
            self.expr(true)?;
            self.ws()?;
            self.for_condition()?;
            self.expect(b']', "`]` to close the `for` expression")?;
            Expr::Other
        } else {
            let mut items = Vec::new();
            while !self.eat(b']') {
                items.push(self.expr(true)?);
                self.ws()?;
                if self.eat(b',') {
                    self.ws()?;
                } else {
                    self.expect(b']', "`,` or `]` in the list")?;
                    break;
                }
            }
            Expr::List(items)
        };
        self.open.pop();
        self.leave();
        Ok(value)
    }

    /// `{ … }`: an object, or a `for` expression.
    fn object(&mut self) -> Parsed<Expr> {
        self.enter()?;
        self.open.push((self.pos, "object", '}'));
        self.pos += 1;
        let open = self.pos;
        self.ws()?;
        if self.at_for() {
            self.for_intro()?;
            self.ws()?;
            self.expr(true)?;
            self.ws()?;
            if !self.b[self.pos..].starts_with(b"=>") {
                return self.fail("`=>` between the key and the value");
            }
            self.pos += 2;
            self.ws()?;
            self.expr(true)?;
            self.ws()?;
            if self.b[self.pos..].starts_with(b"...") {
                self.pos += 3;
                self.ws()?;
            }
            self.for_condition()?;
            self.expect(b'}', "`}` to close the `for` expression")?;
            self.open.pop();
            self.leave();
            return Ok(Expr::Other);
        }
        self.pos = open;
        let mut entries = Vec::new();
        loop {
            self.ws()?;
            if self.eat(b'}') {
                break;
            }
            let key_start = self.pos;
            let key = self.expr(false)?;
            let key = match (self.shape, key) {
                (Shape::Name, Expr::Ref(mut parts)) => parts.pop(),
                (Shape::String, Expr::Lit(s)) => Some(s),
                _ => None,
            };
            self.sp()?;
            if !(self.eat(b'=') || self.eat(b':')) {
                return self.fail("`=` or `:` after the object key");
            }
            self.sp()?;
            let value = self.expr(false)?;
            if let Some(key) = key {
                entries.push(Attr {
                    key,
                    span: Span::new(key_start, self.pos),
                    value,
                });
            }
            self.sp()?;
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => self.pos += 1,
                _ => self.end_of_line("`,`, a newline or `}` after the object item")?,
            }
        }
        self.open.pop();
        self.leave();
        Ok(Expr::Object(entries))
    }

    /// A number, from its first digit; `negative` when a `-` came before it.
    fn number(&mut self, negative: bool) -> Parsed<Expr> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > from
        };
        digits(self);
        let mut float = false;
        if self.peek() == Some(b'.') && matches!(self.peek_at(1), Some(b'0'..=b'9')) {
            self.pos += 1;
            digits(self);
            float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return self.fail("a digit of the exponent");
            }
            float = true;
        }
        let text = &self.text[start..self.pos];
        let number = if float {
            text.parse::<f64>().ok().and_then(Number::from_f64)
        } else {
            match text.parse::<u64>() {
                Ok(n) => Some(Number::from(n)),
                Err(_) => text.parse::<f64>().ok().and_then(Number::from_f64),
            }
        };
        let Some(number) = number else {
            self.pos = start;
            return self.fail("a number that fits in 64 bits");
        };
        let number = if negative { -number } else { number };
        Ok(Expr::Lit(number.to_compact_string()))
    }
}

/// The attribute names of one body, to reject a repeated one: a scan of the few attributes of
/// most bodies, a hash set once a body (a large `.tfvars`) has many.
#[derive(Default)]
/// The attribute names of one body so far: the names from `mark` on in the parser's
/// [`Parser::names`] while they are few, a set once they are many.
struct Keys<'a> {
    mark: usize,
    many: Option<foldhash::HashSet<&'a str>>,
}

impl<'a> Keys<'a> {
    const FEW: usize = 16;

    /// Whether `name` was seen before in the body; notes it when not.
    fn repeated(&mut self, name: &'a str, names: &mut Vec<&'a str>) -> bool {
        if let Some(set) = &mut self.many {
            return !set.insert(name);
        }
        let few = &names[self.mark..];
        if few.contains(&name) {
            return true;
        }
        if few.len() >= Self::FEW {
            let mut set: foldhash::HashSet<&'a str> = few.iter().copied().collect();
            set.insert(name);
            self.many = Some(set);
            return false;
        }
        names.push(name);
        false
    }
}

#[cfg(test)]
mod tests;

//! The fast path of YAML reading: the YAML that infrastructure repositories hold — block
//! mappings and sequences, plain and quoted scalars (folded across lines as saphyr folds
//! them), flow collections (on one line, or wrapped between their entries), literal and folded
//! block scalars, anchors, aliases and tags — read byte by byte, line by line, into the same
//! events saphyr would produce, with the same spans, fed to the same [`Builder`].
//!
//! It gives up ([`Bail`]) at the first thing it does not read: a key inside a flow collection
//! that runs over a line break, a wrapped flow's line (or a line of a plain scalar in it) at
//! or left of its block's column, complex keys, directives,
//! tabs, carriage returns, a byte order mark, and every syntax error. The caller then reads
//! the whole text again with saphyr, which stays the one authority on what YAML means and on
//! every error message. So the fast path only ever has to be right about what it accepts:
//! `tests/yaml_reference.rs` holds it to saphyr on snippets, on every YAML file of the
//! repository and (`CLOUDPACT_YAML_CORPUS`) on any folder, and the `yaml` fuzz target on
//! mutated input (docs/performance.md, "YAML's fast path").

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, ScalarStyle, Tag};

use super::{Builder, Stream};
use crate::source::Span;

/// The fast path does not read this text; saphyr must.
#[derive(Debug)]
pub(super) struct Bail;

type R<T> = Result<T, Bail>;

/// Deepest nesting the fast path follows (its functions recurse once per level); deeper text
/// goes to saphyr, whose builder reports nesting past [`super::MAX_DEPTH`].
const MAX_NEST: usize = 100;

/// Longest implicit key YAML allows (1024 characters; bytes here, which is stricter).
const MAX_KEY: usize = 1024;

/// The stream of `text`, or `None` when saphyr must read it.
pub(super) fn parse(text: &str) -> Option<Stream> {
    let b = text.as_bytes();
    // A byte-order mark is U+FEFF, whose UTF-8 starts with 0xEF: a byte search, where
    // `str::contains` of the character ran a substring search over every text.
    let bom = || memchr::memchr_iter(0xEF, b).any(|at| b[at..].starts_with("\u{feff}".as_bytes()));
    if memchr::memchr3(b'\t', b'\r', 0, b).is_some() || bom() {
        return None;
    }
    let mut p = Fast {
        text,
        b,
        pos: 0,
        builder: Builder::new(text),
        names: HashMap::new(),
        anchors: 0,
        depth: 0,
        last_key: std::cell::Cell::new((usize::MAX, None)),
        compact: 0,
    };
    p.stream().ok()?;
    Some(p.builder.finish())
}

/// A node's anchor and tag, where the first of them starts and where the last ends. Read for
/// every node, most having neither: the tag is boxed, which keeps this small to return.
#[derive(Default)]
struct Props {
    anchor: usize,
    tag: Option<Box<Tag>>,
    start: Option<usize>,
    end: usize,
}

impl Props {
    fn any(&self) -> bool {
        self.start.is_some()
    }

    fn tag(&mut self) -> Option<Cow<'static, Tag>> {
        self.tag.take().map(|tag| Cow::Owned(*tag))
    }
}

/// Where a block node stands: what its parent is decides what may follow it on its line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// After `key:`.
    MapValue,
    /// After `-`.
    SeqItem,
}

/// Column of the next line with content (its first byte at `pos`), or -1 when the text ends or
/// a document marker starts the line: both close every open block collection.
type Next = isize;

struct Fast<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    builder: Builder<'a>,
    /// Anchor names of the current document, to their ids.
    names: HashMap<&'a str, usize>,
    /// Anchors defined so far (ids start at 1, as saphyr's; 0 is "none").
    anchors: usize,
    depth: usize,
    /// The last answer of [`Fast::key_end`], by start: a mapping's first key is looked at
    /// twice, once to see that a mapping starts and once to read it.
    last_key: std::cell::Cell<(usize, Option<(usize, usize)>)>,
    /// Mappings open that started on a sequence item's `-` line (`- a: 1`).
    compact: usize,
}

fn is_blank_or_end(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b' ' | b'\n'))
}

/// Characters that end a plain scalar in flow context, and may not start one anywhere.
const fn is_flow(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

/// The bytes [`Fast::plain_end`] must look at in block context: a line end, a space (which
/// may start a comment and does not extend the scalar) and `:`; in flow context also the flow
/// characters.
const BLOCK_STOPS: [bool; 256] = stops(false);
const FLOW_STOPS: [bool; 256] = stops(true);

const fn stops(flow: bool) -> [bool; 256] {
    let mut table = [false; 256];
    table[b'\n' as usize] = true;
    table[b' ' as usize] = true;
    table[b':' as usize] = true;
    if flow {
        let mut i = 0;
        while i < 256 {
            if is_flow(i as u8) {
                table[i] = true;
            }
            i += 1;
        }
    }
    table
}

impl<'a> Fast<'a> {
    fn at(&self, i: usize) -> Option<&u8> {
        self.b.get(i)
    }

    fn emit(&mut self, event: Event<'_>, span: Span) -> R<()> {
        self.builder.event(event, span).map_err(|_| Bail)
    }

    /// The innermost open block collection ends here.
    fn end(&mut self) -> R<()> {
        self.builder.end(Span::empty(self.pos)).map_err(|_| Bail)
    }

    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        props: &mut Props,
        span: Span,
    ) -> R<()> {
        let tag = props.tag.take();
        self.builder
            .scalar(&text, style, props.anchor, tag.as_deref(), span)
            .map_err(|_| Bail)
    }

    fn column(&self, pos: usize) -> usize {
        pos - self.line_start(pos)
    }

    fn line_start(&self, pos: usize) -> usize {
        memchr::memrchr(b'\n', &self.b[..pos]).map_or(0, |i| i + 1)
    }

    fn skip_spaces(&mut self) {
        while self.at(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }

    /// Past the end of the current line (spaces, then a comment after at least one space, or
    /// nothing): `pos` at the next line's start.
    fn end_line(&mut self) -> R<()> {
        self.skip_spaces();
        match self.at(self.pos) {
            None => Ok(()),
            Some(b'\n') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'#') if self.starts_comment(self.pos) => {
                self.skip_line();
                Ok(())
            }
            _ => Err(Bail),
        }
    }

    /// Whether the `#` at `i` starts a comment: after a space or at a line's start.
    fn starts_comment(&self, i: usize) -> bool {
        i == 0 || matches!(self.b[i - 1], b' ' | b'\n')
    }

    fn at_line_start(&self, pos: usize) -> bool {
        pos == 0 || self.b[pos - 1] == b'\n'
    }

    fn skip_line(&mut self) {
        self.pos =
            memchr::memchr(b'\n', &self.b[self.pos..]).map_or(self.b.len(), |i| self.pos + i + 1);
    }

    /// Whether the rest of the line holds nothing but spaces and a comment.
    fn rest_is_empty(&self) -> bool {
        let mut i = self.pos;
        while self.at(i) == Some(&b' ') {
            i += 1;
        }
        match self.at(i) {
            None | Some(b'\n') => true,
            Some(b'#') => self.starts_comment(i),
            _ => false,
        }
    }

    /// From a line start, moves to the next line with content. See [`Next`].
    fn next_line(&mut self) -> Next {
        loop {
            let start = self.pos;
            self.skip_spaces();
            match self.at(self.pos) {
                None => return -1,
                Some(b'\n') => self.pos += 1,
                Some(b'#') => self.skip_line(),
                Some(_) => {
                    let col = self.pos - start;
                    if col == 0 && self.is_document_marker(self.pos) {
                        return -1;
                    }
                    return col as isize;
                }
            }
        }
    }

    /// `---` or `...` at a line's start followed by a space, a line break or the end, at `at`.
    fn is_document_marker(&self, at: usize) -> bool {
        let rest = &self.b[at.min(self.b.len())..];
        (rest.starts_with(b"---") || rest.starts_with(b"..."))
            && is_blank_or_end(rest.get(3))
            && self.at_line_start(at)
    }

    /// `-` followed by a space, a line break or the end, at `pos`.
    fn at_seq_entry(&self) -> bool {
        self.at(self.pos) == Some(&b'-') && is_blank_or_end(self.at(self.pos + 1))
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_NEST {
            return Err(Bail);
        }
        Ok(())
    }

    fn stream(&mut self) -> R<()> {
        let mut next = self.next_line();
        loop {
            if self.pos >= self.b.len() {
                return Ok(());
            }
            self.names.clear();
            if next == -1 && self.b[self.pos..].starts_with(b"...") {
                // A document end marker: nothing to emit (the builder ignores it).
                self.pos += 3;
                self.end_line()?;
                next = self.next_line();
                continue;
            }
            if self.b[self.pos] == b'%' {
                return Err(Bail);
            }
            let col = if next == -1 {
                // `---`: an explicit document, with its content on the following lines.
                let marker = self.pos;
                self.emit(Event::DocumentStart(true), Span::new(marker, marker + 3))?;
                self.pos += 3;
                self.end_line()?;
                let col = self.next_line();
                if col < 0 {
                    // An empty document: a null on the next document marker, or at the end.
                    let at = if self.pos < self.b.len() {
                        Span::new(self.pos, self.pos + 3)
                    } else {
                        Span::empty(self.pos)
                    };
                    self.scalar(
                        Cow::Borrowed(""),
                        ScalarStyle::Plain,
                        &mut Props::default(),
                        at,
                    )?;
                    next = col;
                    continue;
                }
                col
            } else {
                self.emit(Event::DocumentStart(false), Span::empty(self.pos))?;
                next
            };
            next = if self.at_seq_entry() {
                self.sequence(col as usize, false, Props::default())?
            } else if self.key_line()? {
                self.mapping(col as usize, Props::default())?
            } else {
                return Err(Bail);
            };
            if next >= 0 {
                return Err(Bail);
            }
            self.emit(Event::DocumentEnd, Span::empty(self.pos))?;
        }
    }

    /// Anchor and tag before a node, in either order, each followed by spaces or the line's end.
    fn props(&mut self) -> R<Props> {
        let mut props = Props::default();
        loop {
            let start = self.pos;
            match self.at(self.pos) {
                Some(b'&') if props.anchor == 0 => {
                    let name = self.name()?;
                    self.anchors += 1;
                    props.anchor = self.anchors;
                    self.names.insert(name, self.anchors);
                }
                Some(b'!') if props.tag.is_none() => props.tag = Some(Box::new(self.tag()?)),
                _ => return Ok(props),
            }
            props.start.get_or_insert(start);
            props.end = self.pos;
            if !is_blank_or_end(self.at(self.pos)) {
                return Err(Bail);
            }
            self.skip_spaces();
        }
    }

    /// The name after `&` or `*` at `pos`.
    fn name(&mut self) -> R<&'a str> {
        let start = self.pos + 1;
        let mut i = start;
        while let Some(&c) = self.at(i) {
            if c == b' ' || c == b'\n' || is_flow(c) {
                break;
            }
            if c == b':' {
                return Err(Bail);
            }
            i += 1;
        }
        if i == start {
            return Err(Bail);
        }
        self.pos = i;
        Ok(&self.text[start..i])
    }

    /// `!suffix` (handle `!`) or `!!suffix` (the core schema's handle) at `pos`.
    fn tag(&mut self) -> R<Tag> {
        let (handle, start) = if self.at(self.pos + 1) == Some(&b'!') {
            ("tag:yaml.org,2002:", self.pos + 2)
        } else {
            ("!", self.pos + 1)
        };
        let mut i = start;
        while let Some(&c) = self.at(i) {
            let tag_char = c.is_ascii_alphanumeric() || b"-#;/?:@&=+$_.~*'()".contains(&c);
            if !tag_char {
                break;
            }
            i += 1;
        }
        if i == start {
            return Err(Bail);
        }
        self.pos = i;
        Ok(Tag {
            handle: handle.to_string(),
            suffix: self.text[start..i].to_string(),
        })
    }

    /// Whether the line at `pos` is `key:` (a plain or one-line quoted key, then `:` and a
    /// space or the line's end).
    fn key_line(&self) -> R<bool> {
        Ok(self.key_end(self.pos)?.is_some())
    }

    /// For a key at `start`: the end of its scalar and the position of its `:`.
    fn key_end(&self, start: usize) -> R<Option<(usize, usize)>> {
        let (at, answer) = self.last_key.get();
        if at == start {
            return Ok(answer);
        }
        let answer = self.find_key_end(start)?;
        self.last_key.set((start, answer));
        Ok(answer)
    }

    /// [`Fast::key_end`], looked for.
    fn find_key_end(&self, start: usize) -> R<Option<(usize, usize)>> {
        let end = match self.b[start] {
            b'"' | b'\'' => {
                let (_, end) = self.quoted_scalar(start, -1)?;
                // An implicit key stays on one line.
                if memchr::memchr(b'\n', &self.b[start..end]).is_some() {
                    return Ok(None);
                }
                end
            }
            c if !can_start_plain(c, self.at(start + 1)) => return Ok(None),
            _ => match self.plain_end(start, false) {
                (end, true) => return Ok(Some((end, self.after_spaces(end)))),
                (_, false) => return Ok(None),
            },
        };
        let colon = self.after_spaces(end);
        if self.at(colon) == Some(&b':') && is_blank_or_end(self.at(colon + 1)) {
            Ok(Some((end, colon)))
        } else {
            Ok(None)
        }
    }

    /// The first byte from `i` that is not a space.
    fn after_spaces(&self, mut i: usize) -> usize {
        while self.at(i) == Some(&b' ') {
            i += 1;
        }
        i
    }

    /// The end of a one-line plain scalar at `start` (trailing spaces excluded), and whether
    /// a `:` indicator (followed by a space or the line's end; in flow context also a flow
    /// character) ends it.
    fn plain_end(&self, start: usize, flow: bool) -> (usize, bool) {
        let b = self.b;
        let stops = if flow { &FLOW_STOPS } else { &BLOCK_STOPS };
        let mut i = start;
        let mut end = start;
        while i < b.len() {
            // A run of bytes that only extend the scalar, at once.
            let run = i;
            while i < b.len() && !stops[usize::from(b[i])] {
                i += 1;
            }
            if i > run {
                end = i;
            }
            let Some(&c) = b.get(i) else { break };
            match c {
                b'\n' => break,
                b' ' => {
                    if self.at(i + 1) == Some(&b'#') {
                        break;
                    }
                }
                b':' => {
                    let after = self.at(i + 1);
                    if is_blank_or_end(after) || (flow && after.is_some_and(|&c| is_flow(c))) {
                        return (end, true);
                    }
                    end = i + 1;
                }
                // A flow character, in flow context.
                _ => break,
            }
            i += 1;
        }
        (end, false)
    }

    /// A quoted scalar at `start` as saphyr's scanner reads it (`scan_flow_scalar`): its value,
    /// and the end past its closing quote. Lines after the first may not start left of
    /// column `indent`.
    fn quoted_scalar(&self, start: usize, indent: isize) -> R<(Cow<'a, str>, usize)> {
        let quote = self.b[start];
        let single = quote == b'\'';
        // Most quoted scalars hold no escape and no line break: borrow them.
        let body = start + 1;
        if let Some(i) = memchr::memchr3(quote, b'\\', b'\n', &self.b[body..]) {
            let close = body + i;
            let escaped_quote = single && self.at(close + 1) == Some(&b'\'');
            if self.b[close] == quote && !escaped_quote {
                return Ok((Cow::Borrowed(&self.text[body..close]), close + 1));
            }
        }
        let mut out = String::new();
        let mut i = body;
        let mut line_start = self.line_start(body);
        // Spaces after content on the current line: kept unless a line break follows.
        let mut spaces = 0;
        loop {
            let col = i - line_start;
            if col == 0 && self.is_document_marker(i) {
                return Err(Bail);
            }
            if i >= self.b.len() || (col as isize) < indent {
                return Err(Bail);
            }
            let mut leading_blanks = false;
            // Content up to a space, a line break or the closing quote.
            loop {
                match self.at(i) {
                    None | Some(b' ' | b'\n') => break,
                    Some(b'\'') if single && self.at(i + 1) == Some(&b'\'') => {
                        out.push('\'');
                        i += 2;
                    }
                    Some(&c) if c == quote => break,
                    Some(b'\\') if !single && self.at(i + 1) == Some(&b'\n') => {
                        i += 2;
                        line_start = i;
                        leading_blanks = true;
                        break;
                    }
                    Some(b'\\') if !single => {
                        let (c, used) = escape(&self.text[i..])?;
                        out.push(c);
                        i += used;
                    }
                    Some(_) => {
                        let run = self.b[i..]
                            .iter()
                            .position(|&c| matches!(c, b' ' | b'\n' | b'\\' | b'\'' | b'"'))
                            .map_or(self.b.len(), |n| i + n);
                        let run = run.max(i + 1);
                        // Never split a character: stop only at ASCII bytes.
                        out.push_str(&self.text[i..run]);
                        i = run;
                    }
                }
            }
            if self.at(i) == Some(&quote) {
                return Ok((Cow::Owned(out), i + 1));
            }
            // Spaces and line breaks, then join or fold them.
            let mut leading_break = false;
            let mut trailing_breaks = 0;
            while let Some(&c) = self.at(i) {
                match c {
                    b' ' if !leading_blanks => spaces += 1,
                    b' ' => {}
                    b'\n' if leading_blanks => trailing_breaks += 1,
                    b'\n' => {
                        spaces = 0;
                        leading_break = true;
                        leading_blanks = true;
                    }
                    _ => break,
                }
                i += 1;
                if c == b'\n' {
                    line_start = i;
                }
            }
            if leading_blanks {
                if leading_break && trailing_breaks == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', trailing_breaks));
                }
            } else {
                out.extend(std::iter::repeat_n(' ', spaces));
            }
            spaces = 0;
        }
    }

    /// A block mapping whose first key is at `pos`, column `col`.
    fn mapping(&mut self, col: usize, mut props: Props) -> R<Next> {
        self.enter()?;
        let tag = props.tag.take();
        let start = props.start.unwrap_or(self.pos);
        self.builder
            .start(true, props.anchor, tag.as_deref(), start)
            .map_err(|_| Bail)?;
        loop {
            let key = self.pos;
            let (end, colon) = self.key_end(key)?.ok_or(Bail)?;
            if end - key > MAX_KEY {
                return Err(Bail);
            }
            let (text, style, span_end) = match self.b[key] {
                b'"' => (
                    self.quoted_scalar(key, -1)?.0,
                    ScalarStyle::DoubleQuoted,
                    colon,
                ),
                b'\'' => (
                    self.quoted_scalar(key, -1)?.0,
                    ScalarStyle::SingleQuoted,
                    colon,
                ),
                _ => (Cow::Borrowed(&self.text[key..end]), ScalarStyle::Plain, end),
            };
            self.scalar(text, style, &mut Props::default(), Span::new(key, span_end))?;
            self.pos = colon + 1;
            self.skip_spaces();
            let next = self.value(col as isize, Ctx::MapValue, colon)?;
            if next == col as isize && !self.at_seq_entry() {
                continue;
            }
            if next < col as isize {
                self.end()?;
                self.depth -= 1;
                return Ok(next);
            }
            return Err(Bail);
        }
    }

    /// A block sequence whose first `-` is at `pos`, column `col`. An indentless sequence (a
    /// mapping's value at the mapping's own column) ends at the mapping's next key.
    fn sequence(&mut self, col: usize, indentless: bool, mut props: Props) -> R<Next> {
        self.enter()?;
        let start = match props.start {
            Some(start) => start,
            // saphyr starts an indentless sequence at its first item's first token, or at the
            // dash's line end when the item starts on the next line (`-` alone, as some
            // templates write it; not before a blank or comment line).
            None if indentless => {
                let i = self.after_spaces(self.pos + 1);
                let first = if self.at(i) == Some(&b'\n') {
                    self.after_spaces(i + 1)
                } else {
                    i
                };
                if matches!(self.at(first), None | Some(b'\n' | b'#')) {
                    return Err(Bail);
                }
                i
            }
            None => self.pos,
        };
        let tag = props.tag.take();
        self.builder
            .start(false, props.anchor, tag.as_deref(), start)
            .map_err(|_| Bail)?;
        loop {
            let dash = self.pos;
            self.pos += 1;
            self.skip_spaces();
            let next = self.value(col as isize, Ctx::SeqItem, dash)?;
            if next == col as isize && self.at_seq_entry() {
                continue;
            }
            if next < col as isize || (indentless && next == col as isize) {
                self.end()?;
                self.depth -= 1;
                return Ok(next);
            }
            return Err(Bail);
        }
    }

    /// The node after `key:` or `-` (at `indicator`), on the rest of the line at `pos` or on
    /// the lines below. `parent` is the column of the collection it belongs to.
    fn value(&mut self, parent: isize, ctx: Ctx, indicator: usize) -> R<Next> {
        let mut props = self.props()?;
        if self.rest_is_empty() {
            // saphyr places an empty value at its `:`, an empty item at its line's end.
            let empty = match ctx {
                Ctx::MapValue => indicator,
                Ctx::SeqItem => self.comment_end(self.pos),
            };
            self.end_line()?;
            let next = self.next_line();
            if next > parent {
                return self.node_below(next as usize, parent, props);
            }
            if ctx == Ctx::MapValue && next == parent && self.at_seq_entry() {
                return self.sequence(next as usize, true, props);
            }
            if props.any() {
                return Err(Bail);
            }
            self.scalar(
                Cow::Borrowed(""),
                ScalarStyle::Plain,
                &mut props,
                Span::empty(empty),
            )?;
            return Ok(next);
        }
        let at = self.pos;
        match self.b[at] {
            b'|' | b'>' => return self.block_scalar(parent, props),
            b'-' if ctx == Ctx::SeqItem && !props.any() && self.at_seq_entry() => {
                let col = self.column(at);
                return self.sequence(col, false, props);
            }
            _ => {}
        }
        if ctx == Ctx::SeqItem && !props.any() && self.key_line()? {
            let col = self.column(at);
            self.compact += 1;
            let next = self.mapping(col, props);
            self.compact -= 1;
            return next;
        }
        // saphyr lets a quoted value's lines start at its mapping's column (CloudFormation's
        // long `Value: '…` outputs), but not in or under a mapping that starts on a `-` line.
        let quoted_indent = match ctx {
            Ctx::MapValue if self.compact == 0 => parent,
            Ctx::MapValue => parent + 1,
            Ctx::SeqItem => parent,
        };
        self.inline(&mut props, parent, quoted_indent)?;
        self.after_inline(parent)
    }

    /// The node on its own line(s) below a `key:` or `-` whose line held at most properties.
    fn node_below(&mut self, col: usize, parent: isize, mut props: Props) -> R<Next> {
        if self.at_seq_entry() {
            return self.sequence(col, false, props);
        }
        if self.key_line()? {
            return self.mapping(col, props);
        }
        if !props.any() {
            // `key:` then `!Tag value` or `&anchor value` on the line below.
            props = self.props()?;
            if props.any() && self.rest_is_empty() {
                // Alone on their line, the properties are those of the block collection on
                // the lines below (`Bucket:` / `!Join` / `- ""`, as CloudFormation templates
                // write it), wherever its column is past the parent's.
                self.end_line()?;
                let next = self.next_line();
                if next > parent {
                    if self.at_seq_entry() {
                        return self.sequence(next as usize, false, props);
                    }
                    if self.key_line()? {
                        return self.mapping(next as usize, props);
                    }
                }
                return Err(Bail);
            }
            if props.any() && (self.at_seq_entry() || self.key_line()?) {
                return Err(Bail);
            }
        }
        // A block scalar whose header is on a line of its own (`Fn::Base64:` then `!Sub |`):
        // its lines are held to the same collection as on the key's line.
        if matches!(self.b[self.pos], b'|' | b'>') {
            return self.block_scalar(parent, props);
        }
        self.inline(&mut props, parent, parent + 1)?;
        self.after_inline(parent)
    }

    /// After a one-line node: the rest of its line, and a next line that does not continue it.
    fn after_inline(&mut self, parent: isize) -> R<Next> {
        self.end_line()?;
        let next = self.next_line();
        if next > parent {
            // A continuation line of a plain scalar, or an error: saphyr decides.
            return Err(Bail);
        }
        Ok(next)
    }

    /// A node that starts at `pos` and is not a block collection: an alias, a flow collection,
    /// a quoted or a plain scalar. `parent` is the enclosing block collection's column;
    /// `quoted_indent` the column a quoted scalar's lines may not start left of (saphyr's
    /// indentation for it: one past `parent` after a `:` or on a line of its own).
    fn inline(&mut self, props: &mut Props, parent: isize, quoted_indent: isize) -> R<()> {
        let at = self.pos;
        match self.b[at] {
            b'*' if !props.any() => self.alias(),
            b'[' | b'{' => self.flow(props, parent),
            b'"' | b'\'' => {
                let (text, end) = self.quoted_scalar(at, quoted_indent)?;
                if self.at(self.after_spaces(end)) == Some(&b':') {
                    return Err(Bail);
                }
                self.quoted(at, text, end, props)
            }
            c if can_start_plain(c, self.at(at + 1)) => self.plain_scalar(parent, props),
            _ => Err(Bail),
        }
    }

    fn alias(&mut self) -> R<()> {
        let at = self.pos;
        let name = self.name()?;
        let id = *self.names.get(name).ok_or(Bail)?;
        self.emit(Event::Alias(id), Span::new(at, self.pos))
    }

    /// A plain scalar in block context at `pos`, continued on the lines below that are indented
    /// past `parent`, folded as saphyr folds them (`scan_plain_scalar`).
    fn plain_scalar(&mut self, parent: isize, props: &mut Props) -> R<()> {
        let at = self.pos;
        let (mut end, key) = self.plain_end(at, false);
        if key || end == at {
            return Err(Bail);
        }
        let mut text = Cow::Borrowed(&self.text[at..end]);
        loop {
            // A comment ends the scalar; so does a line that is blank to the end of the text,
            // a comment line, or one not indented past `parent`.
            let mut i = self.after_spaces(end);
            if i < self.b.len() && self.b[i] != b'\n' {
                break;
            }
            let mut blank_lines = 0;
            let next = loop {
                if i >= self.b.len() {
                    break None;
                }
                let line = i + 1;
                i = self.after_spaces(line);
                match self.at(i) {
                    None => break None,
                    Some(b'\n') => blank_lines += 1,
                    Some(b'#') => break None,
                    Some(_) if (i - line) as isize <= parent => break None,
                    Some(_) => break Some(i),
                }
            };
            let Some(line) = next else { break };
            let (line_end, key) = self.plain_end(line, false);
            if key || line_end == line {
                return Err(Bail);
            }
            self.fold_line(&mut text, blank_lines, line, line_end);
            end = line_end;
        }
        self.pos = end;
        let start = props.start.unwrap_or(at);
        self.scalar(text, ScalarStyle::Plain, props, Span::new(start, end))
    }

    /// Appends a plain scalar's next line (`start..end`) to `text`, folded as saphyr folds it:
    /// after a space, or after one line break per blank line between.
    fn fold_line(&self, text: &mut Cow<'a, str>, blank_lines: usize, start: usize, end: usize) {
        let out = text.to_mut();
        if blank_lines == 0 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', blank_lines));
        }
        out.push_str(&self.text[start..end]);
    }

    fn quoted(&mut self, at: usize, text: Cow<'_, str>, end: usize, props: &mut Props) -> R<()> {
        let style = if self.b[at] == b'"' {
            ScalarStyle::DoubleQuoted
        } else {
            ScalarStyle::SingleQuoted
        };
        self.pos = end;
        let start = props.start.unwrap_or(at);
        let end = self.quoted_span_end(end);
        self.scalar(text, style, props, Span::new(start, end))
    }

    /// saphyr ends the span of a quoted scalar and of a flow collection's closing bracket past
    /// the spaces after it (at `end`), and past a comment that follows them.
    fn quoted_span_end(&self, end: usize) -> usize {
        let after = self.after_spaces(end);
        if after > end && self.at(after) == Some(&b'#') {
            self.comment_end(after)
        } else {
            after
        }
    }

    /// Past spaces and a comment from `pos` (known to be followed by nothing else on its
    /// line): the line's break, or the text's end.
    fn comment_end(&self, pos: usize) -> usize {
        memchr::memchr(b'\n', &self.b[pos..]).map_or(self.b.len(), |i| pos + i)
    }

    /// A flow collection at `pos`, on its line or wrapped over several (`[a, b,⏎  c]`, as
    /// YAML writers fold long lists) with line breaks and comments between its entries.
    /// `indent` is the enclosing block collection's column: saphyr refuses a continuation
    /// line's token left of it.
    fn flow(&mut self, props: &mut Props, indent: isize) -> R<()> {
        self.enter()?;
        let open = self.pos;
        let map = self.b[open] == b'{';
        let (close, start_event, end_event) = if map {
            (
                b'}',
                Event::MappingStart(props.anchor, props.tag()),
                Event::MappingEnd,
            )
        } else {
            (
                b']',
                Event::SequenceStart(props.anchor, props.tag()),
                Event::SequenceEnd,
            )
        };
        let start = props.start.unwrap_or(open);
        self.emit(start_event, Span::new(start, open + 1))?;
        self.pos = open + 1;
        let mut after_comma = false;
        loop {
            self.flow_gap(indent)?;
            if self.at(self.pos) == Some(&close) {
                // saphyr ends a flow mapping closed after a trailing comma (`{a: 1,}`) before
                // its `}`, a sequence after its `]`: the mapping goes to saphyr.
                if map && after_comma {
                    return Err(Bail);
                }
                break;
            }
            if map {
                let plain_key = !matches!(self.at(self.pos), Some(b'"' | b'\''));
                self.flow_scalar(true, &mut Props::default(), indent)?;
                self.skip_spaces();
                if self.at(self.pos) != Some(&b':') {
                    return Err(Bail);
                }
                self.pos += 1;
                // saphyr refuses `key:[` and `key:{` after a plain key (`"key":[` is JSON).
                if plain_key && matches!(self.at(self.pos), Some(b'[' | b'{')) {
                    return Err(Bail);
                }
                self.skip_spaces();
            }
            if !map && self.pair_ahead() {
                self.flow_pair(indent)?;
            } else {
                self.flow_item(indent)?;
            }
            self.flow_gap(indent)?;
            match self.at(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    after_comma = true;
                }
                Some(&c) if c == close => break,
                _ => return Err(Bail),
            }
        }
        let end = self.quoted_span_end(self.pos + 1);
        self.emit(end_event, Span::new(self.pos, end))?;
        self.pos += 1;
        self.depth -= 1;
        Ok(())
    }

    /// Spaces, and line breaks and comments, between the tokens of a flow collection: `pos`
    /// at the next token, which must be right of `indent` when it starts a line (saphyr allows
    /// a bracket or a quote at `indent` itself, but no plain scalar: the stricter rule for all)
    /// and not at a line's start (where `---`, `...` and `%` mean what they mean outside
    /// flows).
    fn flow_gap(&mut self, indent: isize) -> R<()> {
        self.skip_spaces();
        let mut wrapped = false;
        loop {
            match self.at(self.pos) {
                Some(b'\n') => self.pos += 1,
                // A comment after a space, or on a line of its own.
                Some(b'#') if self.pos > 0 && matches!(self.b[self.pos - 1], b' ' | b'\n') => {
                    self.pos = self.comment_end(self.pos);
                    continue;
                }
                _ if !wrapped => return Ok(()),
                _ => {
                    let col = self.column(self.pos);
                    return if col == 0 || (col as isize) <= indent {
                        Err(Bail)
                    } else {
                        Ok(())
                    };
                }
            }
            wrapped = true;
            self.skip_spaces();
        }
    }

    /// Whether a flow sequence's entry at `pos` is a one-pair mapping with a plain key on its
    /// line (`[ Ref: X, Y ]`, `[0, Fn::GetAZs: !Ref AWS::Region]`).
    fn pair_ahead(&self) -> bool {
        let at = self.pos;
        self.at(at)
            .is_some_and(|&c| can_start_plain(c, self.at(at + 1)) && !is_flow(c))
            && self.plain_end(at, true).1
    }

    /// A one-pair mapping inside a flow sequence, as saphyr gives it: a mapping from its key
    /// to its value's end.
    fn flow_pair(&mut self, indent: isize) -> R<()> {
        self.enter()?;
        self.emit(Event::MappingStart(0, None), Span::empty(self.pos))?;
        self.flow_scalar(true, &mut Props::default(), indent)?;
        self.skip_spaces();
        if self.at(self.pos) != Some(&b':') {
            return Err(Bail);
        }
        self.pos += 1;
        // As in a flow mapping: saphyr refuses `key:[` and `key:{` after a plain key.
        if matches!(self.at(self.pos), Some(b'[' | b'{')) {
            return Err(Bail);
        }
        self.skip_spaces();
        self.flow_item(indent)?;
        self.emit(Event::MappingEnd, Span::empty(self.pos))?;
        self.depth -= 1;
        Ok(())
    }

    /// An entry of a flow sequence, or a value of a flow mapping, with its properties.
    fn flow_item(&mut self, indent: isize) -> R<()> {
        let mut props = self.props()?;
        match self.at(self.pos) {
            Some(b'[' | b'{') => self.flow(&mut props, indent),
            Some(b'*') if !props.any() => self.alias(),
            // Properties of an empty value (`!Select [0, !GetAZs ]`): saphyr's empty scalar,
            // spanning the properties.
            Some(b',' | b']' | b'}') if props.any() => {
                let span = Span::new(props.start.unwrap_or(self.pos), props.end);
                self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, &mut props, span)
            }
            _ => {
                self.flow_scalar(false, &mut props, indent)?;
                // `[a: b]` is a one-pair mapping; a value's `:` is an error.
                let after = self.after_spaces(self.pos);
                if self.at(after) == Some(&b':') {
                    return Err(Bail);
                }
                Ok(())
            }
        }
    }

    /// A quoted or plain scalar inside a flow collection whose enclosing block collection is at
    /// column `indent`, over several lines as saphyr reads it there (a quoted one's lines may
    /// not start left of one past `indent`: saphyr's indentation inside a flow), but a key on
    /// one line. A key stops at its `:`.
    fn flow_scalar(&mut self, key: bool, props: &mut Props, indent: isize) -> R<()> {
        let at = self.pos;
        match self.at(at) {
            Some(b'"' | b'\'') => {
                let (text, end) = self.quoted_scalar(at, indent + 1)?;
                if key && memchr::memchr(b'\n', &self.b[at..end]).is_some() {
                    return Err(Bail);
                }
                self.quoted(at, text, end, props)
            }
            Some(&c) if can_start_plain(c, self.at(at + 1)) && !is_flow(c) => {
                let glued_flow = self.at(at + 1).is_some_and(|&c| is_flow(c));
                if matches!(c, b':' | b'?') || (c == b'-' && glued_flow) {
                    return Err(Bail);
                }
                let (mut end, colon) = self.plain_end(at, true);
                if end == at || colon != key {
                    return Err(Bail);
                }
                let mut text = Cow::Borrowed(&self.text[at..end]);
                let mut stop = self.after_spaces(end);
                // A value that goes on over the next lines (`!Join ['', [<img src=…⏎ alt=…>]]`),
                // folded as in block context. saphyr holds its lines to no column inside a flow;
                // here they start right of the enclosing block (as `flow_gap` holds tokens).
                while !colon && self.at(stop) == Some(&b'\n') {
                    let mut blank_lines = 0;
                    let (line, first) = loop {
                        let line = stop + 1;
                        stop = self.after_spaces(line);
                        if self.at(stop) != Some(&b'\n') {
                            break (line, stop);
                        }
                        blank_lines += 1;
                    };
                    match self.at(first) {
                        // The next token, on a line of its own: `flow_gap` reads it.
                        Some(&c) if is_flow(c) => break,
                        Some(b'#') | None => return Err(Bail),
                        Some(_) if first == line || (first - line) as isize <= indent => {
                            return Err(Bail);
                        }
                        Some(_) => {}
                    }
                    let (line_end, key_here) = self.plain_end(first, true);
                    if key_here || line_end == first {
                        return Err(Bail);
                    }
                    self.fold_line(&mut text, blank_lines, first, line_end);
                    end = line_end;
                    stop = self.after_spaces(end);
                }
                // Stopped by a comment or the text's end: not closed.
                if !colon && !self.at(stop).is_some_and(|&c| is_flow(c)) {
                    return Err(Bail);
                }
                self.pos = end;
                let start = props.start.unwrap_or(at);
                self.scalar(text, ScalarStyle::Plain, props, Span::new(start, end))
            }
            _ => Err(Bail),
        }
    }

    /// A block scalar's indentation of `indent` spaces (at most) on each line from `pos`, and
    /// its lines that hold nothing more, as line breaks (saphyr's `skip_block_scalar_indent`).
    fn block_scalar_breaks(&mut self, indent: usize, breaks: &mut String) {
        loop {
            let line = self.pos;
            while self.pos - line < indent && self.at(self.pos) == Some(&b' ') {
                self.pos += 1;
            }
            if self.at(self.pos) == Some(&b'\n') {
                self.pos += 1;
                breaks.push('\n');
            } else {
                break;
            }
        }
    }

    /// A literal (`|`) or folded (`>`) block scalar whose indicator is at `pos`, as saphyr's
    /// scanner reads it (`scan_block_scalar`); `parent` is the enclosing collection's column.
    fn block_scalar(&mut self, parent: isize, mut props: Props) -> R<Next> {
        let literal = self.b[self.pos] == b'|';
        self.pos += 1;
        #[derive(PartialEq)]
        enum Chomp {
            Strip,
            Clip,
            Keep,
        }
        // The chomping indicator and an indentation indicator (`|2`, `|-2`, `>2+`), in
        // either order.
        let mut chomp = Chomp::Clip;
        let mut increment = 0;
        for _ in 0..2 {
            match self.at(self.pos) {
                Some(b'-') if chomp == Chomp::Clip => chomp = Chomp::Strip,
                Some(b'+') if chomp == Chomp::Clip => chomp = Chomp::Keep,
                // `0` is an error: saphyr says so.
                Some(&d @ b'1'..=b'9') if increment == 0 => increment = usize::from(d - b'0'),
                _ => break,
            }
            self.pos += 1;
        }
        // Comments after the header are rare: saphyr.
        self.skip_spaces();
        match self.at(self.pos) {
            Some(b'\n') => self.pos += 1,
            _ => return Err(Bail),
        }
        let mut breaks = String::new();
        let indent = if increment > 0 {
            // The indicator counts from the enclosing collection's column (saphyr's
            // `scan_block_scalar`); lines before the first content line are blank when they
            // hold no more than that indentation.
            let indent = usize::try_from(parent).map_or(increment, |p| p + increment);
            self.block_scalar_breaks(indent, &mut breaks);
            indent
        } else {
            // The first content line sets the indentation; blank lines before it count.
            let mut max_indent = 0;
            loop {
                let line = self.pos;
                self.skip_spaces();
                max_indent = max_indent.max(self.pos - line);
                if self.at(self.pos) == Some(&b'\n') {
                    self.pos += 1;
                    breaks.push('\n');
                } else {
                    break;
                }
            }
            max_indent.max((parent + 1) as usize)
        };
        if self.pos >= self.b.len() {
            return Err(Bail);
        }
        let col = self.column(self.pos);
        if col < indent && col as isize > parent {
            return Err(Bail);
        }
        let start = self.pos;
        let mut text = String::new();
        let mut leading_break = String::new();
        let mut leading_blank = false;
        while self.column(self.pos) == indent && !matches!(self.at(self.pos), None | Some(b'\n')) {
            let trailing_blank = self.at(self.pos) == Some(&b' ');
            if !literal && !leading_break.is_empty() && !leading_blank && !trailing_blank {
                text.push_str(&breaks);
                if breaks.is_empty() {
                    text.push(' ');
                }
            } else {
                text.push_str(&leading_break);
                text.push_str(&breaks);
            }
            leading_break.clear();
            breaks.clear();
            leading_blank = trailing_blank;
            let end =
                memchr::memchr(b'\n', &self.b[self.pos..]).map_or(self.b.len(), |i| self.pos + i);
            text.push_str(&self.text[self.pos..end]);
            self.pos = end;
            if self.pos >= self.b.len() {
                break;
            }
            self.pos += 1;
            leading_break.push('\n');
            // The next lines' indentation, and blank lines.
            self.block_scalar_breaks(indent, &mut breaks);
        }
        if chomp != Chomp::Strip {
            text.push_str(&leading_break);
            if self.pos >= self.b.len() && self.column(self.pos) >= indent.max(1) {
                text.push('\n');
            }
        }
        if chomp == Chomp::Keep {
            text.push_str(&breaks);
        }
        let style = if literal {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        let span = Span::new(props.start.unwrap_or(start), self.pos);
        self.scalar(Cow::Owned(text), style, &mut props, span)?;
        if self.pos >= self.b.len() {
            return Ok(-1);
        }
        self.pos = self.line_start(self.pos);
        let next = self.next_line();
        if next > parent {
            return Err(Bail);
        }
        Ok(next)
    }
}

/// Whether a plain scalar may start with `c` (then `next`): not an indicator, and `-`, `?`,
/// `:` only when glued to what follows.
fn can_start_plain(c: u8, next: Option<&u8>) -> bool {
    match c {
        b'-' | b'?' | b':' => !is_blank_or_end(next),
        b'[' | b']' | b'{' | b'}' | b',' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' => false,
        _ => true,
    }
}

/// The character a double-quoted escape (`\n`, `\x41`, `\u00e9`, …) at the start of `at`
/// stands for, and the bytes it takes; saphyr's set of escapes.
fn escape(at: &str) -> R<(char, usize)> {
    let code = at.as_bytes().get(1).copied().ok_or(Bail)?;
    let c = match code {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0b',
        b'f' => '\x0c',
        b'r' => '\r',
        b'e' => '\x1b',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' | b'u' | b'U' => {
            let len = match code {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = at.get(2..2 + len).ok_or(Bail)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Bail);
            }
            let value = u32::from_str_radix(hex, 16).map_err(|_| Bail)?;
            return Ok((char::from_u32(value).ok_or(Bail)?, 2 + len));
        }
        _ => return Err(Bail),
    };
    Ok((c, 2))
}

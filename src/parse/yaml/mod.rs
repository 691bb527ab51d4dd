//! YAML into [`super::tree::Node`], with byte spans: through [`fast`], cloudpact's reader of
//! the block YAML most files are, else through saphyr. Both feed the same events to one
//! [`Builder`]; the fast path gives up wherever it is not sure to give what saphyr gives.
//!
//! We drive saphyr's event parser ourselves instead of loading `MarkedYaml`, for four reasons:
//! tags (`!Ref`, `!Sub`) must survive as [`Value::Tagged`]; alias expansion must be bounded
//! (a few nested anchors can expand exponentially); nesting must be bounded (every consumer of
//! the tree, `Drop` included, recurses); and saphyr's markers count chars, which we convert to
//! byte offsets once, here.
//!
//! Scalars follow the YAML 1.2 core schema: `NO`, `yes`, `on` stay strings.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan, Tag};

use super::tree::{Node, SyntaxError, Value};
use crate::source::{SourceFile, Span};

/// Deepest nesting of collections accepted. Real manifests stay far below (CRD schemas reach
/// ~40); deeper input is hostile or generated, and would overflow the stack of recursive
/// consumers.
pub(crate) const MAX_DEPTH: usize = 256;

/// Most nodes that alias expansion may add to one file (the "billion laughs" cap).
pub(crate) const MAX_ALIAS_NODES: usize = 200_000;

mod fast;

/// The fast path alone: `None` where it leaves the text to saphyr (tests, fuzzing).
#[doc(hidden)]
pub fn parse_stream_fast(text: &str) -> Option<Stream> {
    fast::parse(text)
}

/// Every document of a YAML stream.
pub(crate) fn parse_documents(file: &SourceFile) -> Result<Vec<Node>, SyntaxError> {
    parse_str(&file.text())
}

/// Every document of a YAML text (see [`parse_documents`]).
pub fn parse_str(text: &str) -> Result<Vec<Node>, SyntaxError> {
    parse_stream(text).map(|s| s.docs)
}

/// A YAML stream: its documents, and where each one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub docs: Vec<Node>,
    /// One per document: its `---` marker when written, else (an implicit first document)
    /// an empty span at its first token.
    pub starts: Vec<Span>,
}

/// Every document of a YAML text, with where each starts: through the fast path when it reads
/// the text, else through saphyr.
pub(crate) fn parse_stream(text: &str) -> Result<Stream, SyntaxError> {
    if let Some(stream) = fast::parse(text) {
        return Ok(stream);
    }
    parse_stream_saphyr(text)
}

/// [`parse_stream`] through saphyr alone: what the fast path is held to (tests, fuzzing).
#[doc(hidden)]
pub fn parse_stream_saphyr(text: &str) -> Result<Stream, SyntaxError> {
    let first = match Builder::new(text).run() {
        Ok(stream) => return Ok(stream),
        Err(e) => e,
    };
    lenient(text, &first).ok_or(first)
}

/// Most indentation slips [`lenient`] repairs in one file.
const MAX_REPAIRS: usize = 16;

/// libyaml (PyYAML, Ruby, most tools that read CloudFormation and Kubernetes files) does not
/// check indentation inside flow collections and quoted scalars; YAML 1.2 and saphyr do, so a
/// closing `]` left of its key, or a quoted line continued at the key's column, fails here
/// though every other tool reads the file. Such files are common in the wild, and the
/// indentation of those lines carries no meaning (flow content and folded quoted lines ignore
/// it), so we indent the offending line and parse again, then map spans back to the
/// original text. Other errors, and files needing more than [`MAX_REPAIRS`] repairs, keep the
/// first error.
fn lenient(text: &str, first: &SyntaxError) -> Option<Stream> {
    let mut patched = text.to_string();
    // (offset in `patched` where spaces were inserted, how many), in insertion order.
    let mut inserts: Vec<(usize, usize)> = Vec::new();
    let mut err = first.clone();
    for _ in 0..MAX_REPAIRS {
        let line_start = patched[..err.span.start].rfind('\n').map_or(0, |i| i + 1);
        let (target, add) = match err.message.as_str() {
            "invalid indentation" | "invalid indentation in flow construct" => {
                // The offending token starts its line: indent it like the line before.
                let prev = previous_indent(&patched, line_start)?;
                (
                    line_start,
                    prev.checked_sub(indent_of(&patched[line_start..]))?,
                )
            }
            "invalid indentation in quoted scalar" => {
                // The mark is the opening quote; the slip is a continuation line at or left
                // of the key's column.
                let key_indent = indent_of(&patched[line_start..]);
                let mut at = patched[err.span.start..].find('\n')? + err.span.start + 1;
                loop {
                    let line = &patched[at..];
                    let blank = line.split('\n').next().is_some_and(|l| l.trim().is_empty());
                    if !blank && indent_of(line) <= key_indent {
                        break;
                    }
                    at += line.find('\n')? + 1;
                }
                (at, key_indent + 2 - indent_of(&patched[at..]))
            }
            _ => return None,
        };
        if add == 0 {
            return None;
        }
        patched.insert_str(target, &" ".repeat(add));
        inserts.push((target, add));
        match Builder::new(&patched).run() {
            Ok(mut stream) => {
                for doc in &mut stream.docs {
                    unshift(doc, &inserts);
                }
                for start in &mut stream.starts {
                    *start = unshift_span(*start, &inserts);
                }
                return Some(stream);
            }
            Err(e) => err = e,
        }
    }
    None
}

fn indent_of(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

/// Indentation of the nearest non-blank line before `line_start`.
fn previous_indent(text: &str, line_start: usize) -> Option<usize> {
    text[..line_start.saturating_sub(1)]
        .rsplit('\n')
        .find(|l| !l.trim().is_empty())
        .map(indent_of)
}

/// Maps the spans of a tree parsed from a patched text back to the original text.
fn unshift(node: &mut Node, inserts: &[(usize, usize)]) {
    node.span = unshift_span(node.span, inserts);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| unshift(n, inserts)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            unshift(k, inserts);
            unshift(v, inserts);
        }),
        Value::Tagged(_, inner) => unshift(inner, inserts),
        _ => {}
    }
}

/// Maps a span of a patched text back to the original text.
fn unshift_span(span: Span, inserts: &[(usize, usize)]) -> Span {
    let map = |offset: usize| {
        // Replay insertions backwards: each one moved everything at or after its offset.
        let mut o = offset;
        for &(at, n) in inserts.iter().rev() {
            if o >= at + n {
                o -= n;
            } else if o > at {
                o = at;
            }
        }
        o
    };
    Span::new(map(span.start), map(span.end))
}

/// A parsed node with what alias expansion needs to know about it.
#[derive(Debug, Clone)]
struct Built {
    node: Node,
    /// Nodes in the subtree, itself included.
    count: usize,
    /// Collection nesting below and including this node (0 for a scalar).
    height: usize,
}

#[derive(Debug)]
enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<Box<str>>,
        /// Where its items start in [`Builder::items`].
        mark: usize,
        count: usize,
        height: usize,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<Box<str>>,
        /// Where its entries start in [`Builder::entries`].
        mark: usize,
        key: Option<Node>,
        count: usize,
        height: usize,
    },
}

/// The buffers of the open collections, kept by each thread from one file's parse to the next:
/// made anew for each file, they grew from nothing, a copy at every doubling, for each of
/// tens of thousands of files (docs/performance.md,
/// "Trails written when shown, freed pages kept across batches").
#[derive(Default)]
struct Spare {
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<(Node, Node)>,
}

thread_local! {
    static SPARE: std::cell::Cell<Option<Spare>> = const { std::cell::Cell::new(None) };
}

/// Buffers that grew past this many elements are not kept: a thread would hold one large
/// file's worth of them for the rest of the run.
const SPARE_MAX: usize = 4096;

struct Builder<'a> {
    text: &'a str,
    chars: CharToByte<'a>,
    stack: Vec<Frame>,
    /// The items and entries of the open collections, moved into exact-size vectors as each
    /// closes: a vector per collection grew three times for a map of ten entries, and kept
    /// the slack while the tree lived.
    items: Vec<Node>,
    entries: Vec<(Node, Node)>,
    anchors: HashMap<usize, Built>,
    docs: Vec<Node>,
    starts: Vec<Span>,
    alias_nodes: usize,
}

impl Drop for Builder<'_> {
    /// Gives the buffers back to the thread, emptied, unless they grew large.
    fn drop(&mut self) {
        let small = self.stack.capacity() <= SPARE_MAX
            && self.items.capacity() <= SPARE_MAX
            && self.entries.capacity() <= SPARE_MAX;
        if small {
            let mut spare = Spare {
                stack: std::mem::take(&mut self.stack),
                items: std::mem::take(&mut self.items),
                entries: std::mem::take(&mut self.entries),
            };
            spare.stack.clear();
            spare.items.clear();
            spare.entries.clear();
            SPARE.set(Some(spare));
        }
    }
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Self {
        let spare = SPARE.take().unwrap_or_default();
        Self {
            text,
            chars: CharToByte::new(text),
            stack: spare.stack,
            items: spare.items,
            entries: spare.entries,
            anchors: HashMap::new(),
            docs: Vec::new(),
            starts: Vec::new(),
            alias_nodes: 0,
        }
    }

    /// Reads the text with saphyr.
    fn run(mut self) -> Result<Stream, SyntaxError> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| {
                let at = self.chars.byte(e.marker().index());
                self.error(at, e.info().to_string())
            })?;
            let span = self.span(&span);
            self.event(event, span)?;
        }
        Ok(self.finish())
    }

    fn finish(mut self) -> Stream {
        Stream {
            docs: std::mem::take(&mut self.docs),
            starts: std::mem::take(&mut self.starts),
        }
    }

    fn error(&self, at: usize, message: String) -> SyntaxError {
        let at = at.min(self.text.len());
        let len = self.text[at..].chars().next().map_or(0, char::len_utf8);
        SyntaxError {
            message,
            span: Span::new(at, at + len),
        }
    }

    fn span(&mut self, s: &YSpan) -> Span {
        let start = self.chars.byte(s.start.index());
        let end = self.chars.byte(s.end.index());
        Span::new(start, end.max(start))
    }

    /// Takes one event, with its span in bytes.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(explicit) => {
                // An implicit start's span is its first token: keep only where it is.
                let span = if explicit {
                    span
                } else {
                    Span::empty(span.start)
                };
                self.starts.push(span);
            }
            Event::Alias(id) => {
                let Some(built) = self.anchors.get(&id) else {
                    return Err(self.error(span.start, "alias to an unknown anchor".into()));
                };
                if self.stack.len() + built.height > MAX_DEPTH {
                    return Err(self.error(span.start, too_deep()));
                }
                self.alias_nodes += built.count;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(self.error(
                        span.start,
                        format!("aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                    ));
                }
                let mut built = built.clone();
                built.node.span = span;
                self.push_value(built, 0)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar(&text, style, anchor, tag.as_deref(), span)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.start(false, anchor, tag.as_deref(), span.start)?;
            }
            Event::MappingStart(anchor, tag) => {
                self.start(true, anchor, tag.as_deref(), span.start)?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.end(span)?,
        }
        Ok(())
    }

    /// A scalar's event, with its span in bytes. YAML's fast path calls this and the other
    /// events' own functions directly ([`Builder::start`], [`Builder::end`]): most of a file's
    /// events are scalars, and building and matching an `Event` for each was a tenth of the
    /// builder's time (docs/performance.md).
    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<(), SyntaxError> {
        let mut value = scalar_value(text, style, tag);
        if let Value::Tagged(_, inner) = &mut value {
            inner.span = span;
        }
        let built = Built {
            node: Node::new(span, value),
            count: 1,
            height: 0,
        };
        self.push_value(built, anchor)
    }

    /// A mapping's (`map`) or sequence's start event, at byte `start`.
    fn start(
        &mut self,
        map: bool,
        anchor: usize,
        tag: Option<&Tag>,
        start: usize,
    ) -> Result<(), SyntaxError> {
        let tag = collection_tag(tag);
        let frame = if map {
            Frame::Map {
                start,
                anchor,
                tag,
                mark: self.entries.len(),
                key: None,
                count: 1,
                height: 1,
            }
        } else {
            Frame::Seq {
                start,
                anchor,
                tag,
                mark: self.items.len(),
                count: 1,
                height: 1,
            }
        };
        self.open(frame, start)
    }

    /// A collection's end event, at `close`.
    fn end(&mut self, close: Span) -> Result<(), SyntaxError> {
        let Some(frame) = self.stack.pop() else {
            return Err(self.error(close.start, "unbalanced collection end".into()));
        };
        let (built, anchor) = self.close_frame(frame, close);
        self.push_value(built, anchor)
    }

    fn open(&mut self, frame: Frame, at: usize) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(at, too_deep()));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Attaches a finished node to its parent, or makes it a document.
    fn push_value(&mut self, built: Built, anchor: usize) -> Result<(), SyntaxError> {
        if anchor != 0 {
            self.anchors.insert(anchor, built.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(built.node),
            Some(Frame::Seq { count, height, .. }) => {
                *count += built.count;
                *height = (*height).max(built.height + 1);
                self.items.push(built.node);
            }
            Some(Frame::Map {
                key, count, height, ..
            }) => {
                *count += built.count;
                *height = (*height).max(built.height + 1);
                match key.take() {
                    None => *key = Some(built.node),
                    Some(k) => self.entries.push((k, built.node)),
                }
            }
        }
        Ok(())
    }

    /// A closed collection as a node, with the anchor it defines.
    fn close_frame(&mut self, frame: Frame, close: Span) -> (Built, usize) {
        let (start, anchor, tag, value, count, height, last_end) = match frame {
            Frame::Seq {
                start,
                anchor,
                tag,
                mark,
                count,
                height,
            } => {
                let items: Vec<Node> = self.items.drain(mark..).collect();
                let last = items.last().map(|n| n.span.end);
                (start, anchor, tag, Value::Seq(items), count, height, last)
            }
            Frame::Map {
                start,
                anchor,
                tag,
                mark,
                key,
                count,
                height,
            } => {
                let mut entries: Vec<(Node, Node)> = self.entries.drain(mark..).collect();
                // A key without a value cannot happen in a well-formed event stream; keep it.
                if let Some(k) = key {
                    let at = k.span.end;
                    entries.push((k, Node::new(Span::empty(at), Value::Null)));
                }
                let entries = merge_keys(entries);
                let last = entries.last().map(|(_, v)| v.span.end);
                (start, anchor, tag, Value::Map(entries), count, height, last)
            }
        };
        // Flow collections end at their bracket; block collections at their last child (saphyr
        // puts a block collection's end at the next token, past trailing comments and lines).
        let end = if close.is_empty() {
            last_end.unwrap_or(close.start).max(start)
        } else {
            close.end.max(start)
        };
        let span = Span::new(start, end);
        let mut node = Node::new(span, value);
        if let Some(tag) = tag {
            node = Node::new(span, Value::Tagged(tag, Box::new(node)));
        }
        (
            Built {
                node,
                count,
                height,
            },
            anchor,
        )
    }
}

fn too_deep() -> String {
    format!("nesting deeper than {MAX_DEPTH} levels")
}

/// Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`), which Compose files and GitLab CI
/// use heavily: merged entries take the place of the `<<` entry, and keys written in the map
/// win over merged ones.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| is_merge_key(k)) {
        return entries;
    }
    let own: Vec<String> = entries
        .iter()
        .filter(|(k, _)| !is_merge_key(k))
        .filter_map(|(k, _)| k.scalar_text())
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        if !is_merge_key(&k) {
            out.push((k, v));
            continue;
        }
        let sources: Vec<&Node> = match &v.value {
            Value::Map(_) => vec![&v],
            Value::Seq(items) => items.iter().collect(),
            _ => Vec::new(),
        };
        if sources.is_empty() {
            out.push((k, v));
            continue;
        }
        let mut taken: Vec<String> = Vec::new();
        for src in sources {
            for (mk, mv) in src.as_map().unwrap_or_default() {
                let name = mk.scalar_text();
                let shadowed = name
                    .as_ref()
                    .is_some_and(|n| own.contains(n) || taken.contains(n));
                if !shadowed {
                    if let Some(n) = name {
                        taken.push(n);
                    }
                    out.push((mk.clone(), mv.clone()));
                }
            }
        }
    }
    out
}

fn is_merge_key(k: &Node) -> bool {
    matches!(&k.value, Value::String(s) if &**s == "<<")
}

/// The tag of a collection as kept in the tree: `None` for core-schema tags (`!!map`).
fn collection_tag(tag: Option<&Tag>) -> Option<Box<str>> {
    let tag = tag?;
    if tag.is_yaml_core_schema() {
        return None;
    }
    Some(tag_name(tag))
}

/// The tag as written (handle and suffix) without its first `!`: `!Ref` → `Ref`.
fn tag_name(tag: &Tag) -> Box<str> {
    match tag.handle.strip_prefix('!') {
        Some("") => tag.suffix.as_str().into(),
        Some(rest) => [rest, tag.suffix.as_str()].concat().into(),
        None if tag.handle.is_empty() => tag.suffix.strip_prefix('!').unwrap_or(&tag.suffix).into(),
        None => [tag.handle.as_str(), tag.suffix.as_str()].concat().into(),
    }
}

fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    match tag {
        Some(tag) if tag.is_yaml_core_schema() => match tag.suffix.as_str() {
            "null" => Value::Null,
            "bool" => match resolve_plain(text) {
                b @ Value::Bool(_) => b,
                _ => Value::String(text.into()),
            },
            "int" | "float" => Value::Number(text.into()),
            _ => Value::String(text.into()),
        },
        // A non-specific `!` tag means "string".
        Some(tag) if tag.handle == "!" && tag.suffix.is_empty() => Value::String(text.into()),
        Some(tag) => Value::Tagged(
            tag_name(tag),
            Box::new(Node::new(Span::default(), Value::String(text.into()))),
        ),
        None if style == ScalarStyle::Plain => resolve_plain(text),
        None => Value::String(text.into()),
    }
}

/// The YAML 1.2 core schema for plain scalars.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ if is_number(text) => Value::Number(text.into()),
        _ => Value::String(text.into()),
    }
}

fn is_number(s: &str) -> bool {
    // Most plain scalars are words: no number starts with a letter (`.inf`, `.nan` start
    // with `.`, hexadecimal and octal with `0`).
    if !matches!(s.as_bytes().first(), Some(b'0'..=b'9' | b'.' | b'-' | b'+')) {
        return false;
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // [0-9]+ ( . [0-9]* )? ( [eE] [-+]? [0-9]+ )?  or  . [0-9]+ ( exponent )?
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (!int.is_empty() || !frac.is_empty())
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// Converts saphyr's char indices to byte offsets. Markers arrive nearly in order, so a cursor
/// that walks from the last position keeps very long lines linear; ASCII text needs nothing.
struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    char_at: usize,
    byte_at: usize,
}

impl<'a> CharToByte<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            ascii: text.is_ascii(),
            char_at: 0,
            byte_at: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        if char_index < self.char_at {
            // Backwards: usually a few chars (a collection start); walk back.
            let mut chars = self.text[..self.byte_at].char_indices().rev();
            while self.char_at > char_index {
                match chars.next() {
                    Some((i, _)) => {
                        self.byte_at = i;
                        self.char_at -= 1;
                    }
                    None => break,
                }
            }
            return self.byte_at;
        }
        let mut chars = self.text[self.byte_at..].chars();
        while self.char_at < char_index {
            match chars.next() {
                Some(c) => {
                    self.byte_at += c.len_utf8();
                    self.char_at += 1;
                }
                None => break,
            }
        }
        self.byte_at
    }
}

#[cfg(test)]
mod tests;

//! Source files and positions.
//!
//! Inside the program every position is a byte range ([`Span`]) into one file's text. Lines,
//! columns and UTF-16 offsets are computed only at the edges (renderers, the language server)
//! through the file's [`LineIndex`], built the first time one is asked for (most files of a
//! check never are: only those with a finding, an excerpt or an editor position) and again
//! after a released file is read again ([`SourceFile::released`]).

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Arc, Mutex, Weak};

/// A byte range `start..end` into one file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    pub(crate) const fn empty(at: usize) -> Self {
        Self { start: at, end: at }
    }

    pub(crate) const fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub(crate) const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The smallest span covering both.
    pub(crate) fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Range<usize>> for Span {
    fn from(r: Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len()).into()
    }
}

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Byte offsets of line starts, for converting byte offsets to lines in O(log n) and to columns
/// in O(1) (ASCII text) or O([`CHECKPOINT`]) (other text), however long the line: a minified
/// one-line JSON of megabytes holds every finding of its file on one line, and counting its
/// columns from the line start per finding would be quadratic.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset of the first byte of every line; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
    /// Chars and UTF-16 units before byte `k × CHECKPOINT`, for every `k`; empty when the text
    /// is ASCII, where both equal the byte offset.
    checkpoints: Vec<Units>,
}

/// Bytes between two checkpoints: the most a column lookup scans (1/16 of the text's size in
/// checkpoints, at 16 bytes each).
const CHECKPOINT: usize = 256;

/// How far into a text an offset is, in the units positions are given in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Units {
    chars: usize,
    utf16: usize,
}

impl Units {
    /// The units of `bytes`, a whole number of chars or a cut through one (whose lead byte
    /// counts it): chars are the bytes that are not UTF-8 continuation bytes, and a char of
    /// four bytes (the only kind outside the Basic Multilingual Plane) is two UTF-16 units.
    fn of(bytes: &[u8]) -> Units {
        let chars = bytes.iter().filter(|&&b| (b as i8) >= -0x40).count();
        let astral = bytes.iter().filter(|&&b| b >= 0xF0).count();
        Units {
            chars,
            utf16: chars + astral,
        }
    }

    fn plus(self, other: Units) -> Units {
        Units {
            chars: self.chars + other.chars,
            utf16: self.utf16 + other.utf16,
        }
    }
}

/// Which unit a column counts.
#[derive(Debug, Clone, Copy)]
enum Unit {
    #[cfg(test)]
    Chars,
    Utf16,
}

impl Unit {
    fn of(self, u: Units) -> usize {
        match self {
            #[cfg(test)]
            Unit::Chars => u.chars,
            Unit::Utf16 => u.utf16,
        }
    }

    fn len(self, c: char) -> usize {
        match self {
            #[cfg(test)]
            Unit::Chars => 1,
            Unit::Utf16 => c.len_utf16(),
        }
    }
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
        let checkpoints = if text.is_ascii() {
            Vec::new()
        } else {
            let mut at = Units::default();
            let mut checkpoints = Vec::with_capacity(text.len() / CHECKPOINT + 1);
            for chunk in text.as_bytes().chunks(CHECKPOINT) {
                checkpoints.push(at);
                at = at.plus(Units::of(chunk));
            }
            // The end of a text whose length is a multiple of CHECKPOINT.
            checkpoints.push(at);
            checkpoints
        };
        Self {
            line_starts,
            checkpoints,
        }
    }

    pub(crate) fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line of a byte offset (offsets past the end map to the last line).
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where 0-based `line` starts, if the line exists.
    pub(crate) fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).copied()
    }

    /// Byte range of 0-based `line`, without its line terminator.
    pub(crate) fn line_range(&self, line: usize, text: &str) -> Range<usize> {
        let start = self.line_starts.get(line).copied().unwrap_or(text.len());
        let mut end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(text.len());
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end
    }

    /// Chars and UTF-16 units in `text[..offset]`, `offset` a char boundary of the text this
    /// index was built for.
    fn units_before(&self, text: &str, offset: usize) -> Units {
        if self.checkpoints.is_empty() {
            return Units {
                chars: offset,
                utf16: offset,
            };
        }
        let k = offset / CHECKPOINT;
        self.checkpoints[k].plus(Units::of(&text.as_bytes()[k * CHECKPOINT..offset]))
    }

    /// 1-based line and 1-based column in Unicode scalar values.
    pub(crate) fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let column =
            self.units_before(text, offset).chars - self.units_before(text, start).chars + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// 0-based line and 0-based column in UTF-16 code units (the LSP default encoding).
    pub(crate) fn utf16_position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let col = self.units_before(text, offset).utf16 - self.units_before(text, start).utf16;
        (line as u32, col as u32)
    }

    /// Byte offset of a 0-based line and UTF-16 column; positions past the end of a line clamp
    /// to its end, as the LSP specification asks.
    pub fn offset_of_utf16(&self, text: &str, line: u32, col: u32) -> usize {
        self.offset_of(text, line as usize, col as usize, Unit::Utf16)
    }

    /// Byte offset of a 0-based line and 0-based column counted in chars.
    #[cfg(test)]
    pub(crate) fn offset_of_char_col(&self, text: &str, line: usize, col: usize) -> usize {
        self.offset_of(text, line, col, Unit::Chars)
    }

    /// The first char boundary of 0-based `line` at least `col` units into it, else the line's
    /// end. The scan starts at the last checkpoint at or before the target, not at the line's
    /// start.
    fn offset_of(&self, text: &str, line: usize, col: usize, unit: Unit) -> usize {
        let Some(start) = self.line_start(line) else {
            return text.len();
        };
        let range = self.line_range(line, text);
        if self.checkpoints.is_empty() {
            return start.saturating_add(col).min(range.end);
        }
        let target = unit.of(self.units_before(text, start)).saturating_add(col);
        // Checkpoints are in increasing order; the first one of the line's is at or before its
        // start, so at or before the target.
        let first = start / CHECKPOINT;
        let last = range.end / CHECKPOINT;
        let before = self.checkpoints[first..=last].partition_point(|u| unit.of(*u) <= target);
        let from = clamp_to_char_boundary(text, ((first + before - 1) * CHECKPOINT).max(start));
        let mut units = unit.of(self.units_before(text, from));
        for (i, c) in text[from..range.end].char_indices() {
            if units >= target {
                return from + i;
            }
            units += unit.len(c);
        }
        range.end
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', bytes)
}

/// The largest char boundary at or before `offset`, clamped to the text.
pub(crate) fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One file's text with its path and line index.
///
/// The text and index are in memory, or — for a file a batched check has finished with but
/// whose findings are still to be reported ([`SourceFile::released`]) — on the disk, read
/// again when asked for (docs/architecture.md, "Batches").
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scan root, `/`-separated (what reports show).
    pub path: Arc<str>,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Resident {
        contents: Arc<Contents>,
        /// Where the text was read from, when it is exactly that file's decoded text.
        origin: Option<Origin>,
    },
    Released(Released),
}

/// Where a file's text came from: the file and how to read it into the same text.
#[derive(Debug, Clone)]
pub struct Origin {
    pub at: Arc<std::path::Path>,
    /// The same decoding the text was read with (`None` when the file cannot be read).
    pub read: fn(&std::path::Path) -> Option<String>,
}

/// A file's text as its [`SourceFile`] gave it out: the text and, once asked for, its line
/// index (a word per line: a quarter of the text's memory for short lines, so not built for
/// the many files nothing is located in).
#[derive(Debug)]
pub struct Contents {
    pub text: Box<str>,
    index: std::sync::OnceLock<LineIndex>,
    /// Whether the text holds an ignore comment's marker (`cloudpact:ignore`): looked for
    /// once, as the text is made and still in the cache. A large run asks it of every file
    /// of every batch (which texts to keep), long after reading (src/workspace/batch.rs).
    marker: bool,
}

impl Contents {
    fn new(text: Box<str>) -> Self {
        Self {
            marker: crate::suppress::holds_marker(&text),
            text,
            index: std::sync::OnceLock::new(),
        }
    }

    /// The line index, built on first use.
    pub fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(&self.text))
    }
}

/// A file's text, shared: dereferences to the `str`.
#[derive(Debug, Clone)]
pub struct Text(Arc<Contents>);

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0.text
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

/// A file's line index, shared: dereferences to the [`LineIndex`].
#[derive(Debug, Clone)]
pub struct Index(Arc<Contents>);

impl std::ops::Deref for Index {
    type Target = LineIndex;
    fn deref(&self) -> &LineIndex {
        self.0.index()
    }
}

/// A released file: what identifies its text, and the text while someone still holds it.
#[derive(Debug)]
struct Released {
    origin: Origin,
    len: usize,
    hash: u64,
    loaded: Mutex<Weak<Contents>>,
    /// Whether the warning that the file changed was given (once per file).
    warned: std::sync::atomic::AtomicBool,
    /// Whether the text held an ignore comment's marker (as [`Contents`] tells): asked of
    /// every file findings are in, which reading each again took.
    marker: bool,
    /// Where the offsets its findings start and end at are, sorted by offset: found in the
    /// text before it was dropped, so that a report showing positions only (short, json,
    /// SARIF, …) does not read the file again.
    known: Box<[Known]>,
}

/// The line and columns of an offset of a released file, found in its text.
#[derive(Debug, Clone, Copy)]
struct Known {
    offset: usize,
    at: LineCol,
    /// 0-based line and UTF-16 column ([`LineIndex::utf16_position`]).
    utf16: (u32, u32),
}

/// The text's hash, to tell a file read again from the one checked. Fixed-seed foldhash: every
/// file's text is hashed once when its batch releases it, and SipHash (std's) was 1 % of a run.
fn hash_of(text: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x636c_6f75_6470_6163).hash_one(text)
}

/// The most text [`SourceFile::load_ahead`] holds at once (beyond one file).
const LOAD_AHEAD_BYTES: usize = 8 << 20;

/// The texts of the released files read last, kept so that a report going through one file's
/// findings reads it once (reports visit the findings in path order), at most [`RECENT_BYTES`]
/// of them beyond the last one.
static RECENT: Mutex<VecDeque<Arc<Contents>>> = Mutex::new(VecDeque::new());
const RECENT_BYTES: usize = 4 << 20;

fn keep_recent(c: &Arc<Contents>) {
    let mut recent = RECENT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    recent.push_back(c.clone());
    let mut bytes: usize = recent.iter().map(|c| c.text.len()).sum();
    while recent.len() > 1 && bytes > RECENT_BYTES {
        if let Some(old) = recent.pop_front() {
            bytes -= old.text.len();
        }
    }
}

impl Released {
    fn known(&self, offset: usize) -> Option<&Known> {
        let i = self
            .known
            .binary_search_by_key(&offset, |k| k.offset)
            .ok()?;
        Some(&self.known[i])
    }

    fn load(&self, path: &str) -> Arc<Contents> {
        let mut loaded = self
            .loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = loaded.upgrade() {
            return c;
        }
        let text = (self.origin.read)(&self.origin.at)
            .filter(|t| t.len() == self.len && hash_of(t) == self.hash)
            .unwrap_or_else(|| {
                // The file changed (or went) since it was checked: its findings keep their
                // byte offsets (and the positions known of them), shown against blanks of the
                // same length, never against text they were not found in.
                if !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    eprintln!(
                        "warning: {} changed while it was checked; its findings' excerpts are \
                         not shown (check it again)",
                        crate::render::terminal::escape(path)
                    );
                }
                " ".repeat(self.len)
            });
        let c = Arc::new(Contents::new(text.into_boxed_str()));
        *loaded = Arc::downgrade(&c);
        keep_recent(&c);
        c
    }
}

impl SourceFile {
    pub fn new(path: impl Into<Arc<str>>, text: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            body: Body::Resident {
                contents: Arc::new(Contents::new(text.into().into_boxed_str())),
                origin: None,
            },
        }
    }

    /// A file's text as read from `origin`, which may drop it once it is not needed
    /// ([`SourceFile::released`]).
    pub fn read_from(path: impl Into<Arc<str>>, text: impl Into<String>, origin: Origin) -> Self {
        let mut file = Self::new(path, text);
        if let Body::Resident { origin: o, .. } = &mut file.body {
            *o = Some(origin);
        }
        file
    }

    /// The same file without its text in memory, if it was read from the disk: the text is
    /// read again when asked for, and checked to be the one this file had.
    pub fn released(&self) -> Option<SourceFile> {
        self.released_knowing(Vec::new())
    }

    /// [`SourceFile::released`], knowing where `offsets` are: their lines and columns are
    /// found now and given without reading the file again.
    pub fn released_knowing(&self, mut offsets: Vec<usize>) -> Option<SourceFile> {
        let Body::Resident {
            contents,
            origin: Some(origin),
        } = &self.body
        else {
            return None;
        };
        offsets.sort_unstable();
        offsets.dedup();
        // No line index is built for a file asked nothing (its parse error's file, say).
        let text = &contents.text;
        let known = offsets
            .into_iter()
            .map(|offset| Known {
                offset,
                at: contents.index().line_col(text, offset),
                utf16: contents.index().utf16_position(text, offset),
            })
            .collect();
        Some(SourceFile {
            path: self.path.clone(),
            body: Body::Released(Released {
                origin: origin.clone(),
                len: contents.text.len(),
                hash: hash_of(&contents.text),
                loaded: Mutex::new(Weak::new()),
                warned: std::sync::atomic::AtomicBool::new(false),
                marker: contents.marker,
                known,
            }),
        })
    }

    /// Whether the text holds an ignore comment's marker anywhere (in a comment or not), without
    /// reading a released file again.
    pub(crate) fn holds_marker(&self) -> bool {
        match &self.body {
            Body::Resident { contents, .. } => contents.marker,
            Body::Released(r) => r.marker,
        }
    }

    /// Whether the text is in memory (not [`SourceFile::released`]).
    pub fn is_resident(&self) -> bool {
        matches!(self.body, Body::Resident { .. })
    }

    /// The length of the text in bytes, without reading a released file again.
    pub(crate) fn len(&self) -> usize {
        match &self.body {
            Body::Resident { contents, .. } => contents.text.len(),
            Body::Released(r) => r.len,
        }
    }

    /// The texts of those of `files` that are not in memory and were released without the
    /// positions of their findings ([`SourceFile::released_knowing`]), read again — on the worker
    /// threads when there are several — with their line indexes built, and held while the
    /// caller goes through them: a report of many findings reads their files side by side,
    /// not one after the other on one thread (docs/performance.md, "Inline strings, reports
    /// side by side, and the walk"). At most [`LOAD_AHEAD_BYTES`] of them beyond the first
    /// (the rest are read when asked for, as before), so memory stays flat.
    pub fn load_ahead<'a>(files: impl Iterator<Item = &'a SourceFile>) -> Vec<Arc<Contents>> {
        use rayon::prelude::*;
        let mut released: Vec<&SourceFile> = files
            .filter(|f| matches!(&f.body, Body::Released(r) if r.known.is_empty()))
            .collect();
        released.sort_unstable_by_key(|f| std::ptr::from_ref(*f));
        released.dedup_by_key(|f| std::ptr::from_ref(*f));
        let mut bytes = 0;
        let within = released
            .iter()
            .position(|f| {
                bytes += f.len();
                bytes > LOAD_AHEAD_BYTES
            })
            .map_or(released.len(), |i| i.max(1));
        released.truncate(within);
        let load = |f: &&SourceFile| {
            let c = f.contents();
            c.index();
            c
        };
        // A few are read here: a run that found little starts no thread pool.
        if released.len() < 4 {
            released.iter().map(load).collect()
        } else {
            released.par_iter().map(load).collect()
        }
    }

    /// The text and its line index.
    pub fn contents(&self) -> Arc<Contents> {
        match &self.body {
            Body::Resident { contents, .. } => contents.clone(),
            Body::Released(r) => r.load(&self.path),
        }
    }

    pub fn text(&self) -> Text {
        Text(self.contents())
    }

    pub fn index(&self) -> Index {
        Index(self.contents())
    }

    /// The line and column of a byte offset; a text in memory is read where it is, with no
    /// count taken on it (this runs for every deployment's location).
    pub(crate) fn line_col(&self, offset: usize) -> LineCol {
        match &self.body {
            Body::Resident { contents, .. } => contents.index().line_col(&contents.text, offset),
            Body::Released(r) => match r.known(offset) {
                Some(k) => k.at,
                None => {
                    let c = self.contents();
                    c.index().line_col(&c.text, offset)
                }
            },
        }
    }

    /// The 0-based line and UTF-16 column of a byte offset (the LSP's and SARIF's unit).
    pub(crate) fn utf16_position(&self, offset: usize) -> (u32, u32) {
        match &self.body {
            Body::Released(r) if let Some(k) = r.known(offset) => k.utf16,
            _ => {
                let c = self.contents();
                c.index().utf16_position(&c.text, offset)
            }
        }
    }

    /// The same text under another path (sharing the text and index).
    pub(crate) fn clone_with_path(&self, path: impl Into<Arc<str>>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            body: Body::Resident {
                contents: self.contents(),
                origin: None,
            },
        })
    }

    /// The text of the 1-based line `line`, without its terminator.
    pub fn line_text(&self, line: usize) -> String {
        if line == 0 {
            return String::new();
        }
        let c = self.contents();
        c.text[c.index().line_range(line - 1, &c.text)].to_string()
    }

    /// The span of the whole 1-based line `line`.
    pub(crate) fn line_span(&self, line: usize) -> Span {
        let c = self.contents();
        c.index().line_range(line.saturating_sub(1), &c.text).into()
    }
}

/// A miette [`miette::SourceCode`] over a [`SourceFile`] that finds lines through the index,
/// so rendering N findings in one file costs O(N log L), not O(N × file size).
#[derive(Debug, Clone)]
pub struct IndexedSource {
    path: Arc<str>,
    contents: Arc<Contents>,
}

impl IndexedSource {
    pub(crate) fn new(file: Arc<SourceFile>) -> Self {
        Self {
            path: file.path.clone(),
            contents: file.contents(),
        }
    }
}

impl miette::SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text: &str = &self.contents.text;
        let index = self.contents.index();
        let offset = span.offset();
        let len = span.len();
        if offset + len > text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let first = index.line_of(offset).saturating_sub(context_lines_before);
        let last_byte = if len == 0 { offset } else { offset + len - 1 };
        let last = (index.line_of(last_byte) + context_lines_after).min(index.line_count() - 1);
        let line_start = index.line_start(first).unwrap_or(0);
        let end = index.line_start(last + 1).unwrap_or(text.len());
        // Without leading context miette wants the contents to begin at the span itself, and
        // takes the header's `line:col` from it.
        let (start, start_col) = if context_lines_before == 0 {
            let offset = clamp_to_char_boundary(text, offset);
            (offset, index.line_col(text, offset).column - 1)
        } else {
            (line_start, 0)
        };
        let line_count = last - first + 1;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.path.to_string(),
            &text.as_bytes()[start..end],
            (start, end - start).into(),
            first,
            start_col,
            line_count,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_file(path: &std::path::Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }

    fn on_disk(dir: &std::path::Path, name: &str, text: &str) -> SourceFile {
        let at = dir.join(name);
        std::fs::write(&at, text).unwrap();
        let origin = Origin {
            at: at.as_path().into(),
            read: read_file,
        };
        SourceFile::read_from(name, text, origin)
    }

    #[test]
    fn a_released_file_reads_its_text_again() {
        let dir = tempfile::tempdir().unwrap();
        let text = "a = 1\nbé = \"x\"\n";
        let file = on_disk(dir.path(), "a.tf", text);
        let released = file.released().expect("read from the disk");
        assert!(file.is_resident() && !released.is_resident());
        assert_eq!(&*released.text(), text);
        let x = text.find('x').unwrap();
        assert_eq!(released.line_col(x), file.line_col(x));
        assert_eq!(released.line_col(x), LineCol { line: 2, column: 7 });
        assert_eq!(released.line_text(2), "bé = \"x\"");
        // A text made in memory has nothing to read again.
        assert!(SourceFile::new("b.tf", text).released().is_none());
    }

    #[test]
    fn a_file_released_knowing_offsets_gives_their_positions_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let text = "a = 1\nbé = \"𝄞x\"\n";
        let file = on_disk(dir.path(), "a.tf", text);
        let x = text.find('x').unwrap();
        let released = file.released_knowing(vec![x, 0, x]).unwrap();
        std::fs::remove_file(dir.path().join("a.tf")).unwrap();
        // Known: from the text as it was, though the file is gone.
        assert_eq!(released.line_col(x), LineCol { line: 2, column: 8 });
        assert_eq!(released.utf16_position(x), (1, 8));
        assert_eq!(released.line_col(0), LineCol { line: 1, column: 1 });
        // Nothing to load ahead for reports of positions.
        assert!(SourceFile::load_ahead(std::iter::once(&released)).is_empty());
        // Nor to read for whether it holds an ignore comment's marker.
        assert!(!released.holds_marker());
        let marked = on_disk(dir.path(), "b.tf", "# cloudpact:ignore x.y -- why\n");
        let marked = marked.released().unwrap();
        std::fs::remove_file(dir.path().join("b.tf")).unwrap();
        assert!(marked.holds_marker());
        // Any other offset needs the text: gone, it is blanks of its length.
        assert_eq!(released.line_col(2), LineCol { line: 1, column: 3 });
        assert_eq!(
            released.line_col(x + 1),
            LineCol {
                line: 1,
                column: x + 2
            }
        );
    }

    #[test]
    fn load_ahead_reads_each_released_file_once_and_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let released: Vec<SourceFile> = (0..6)
            .map(|i| {
                let text = format!("a = {i}\nb = 2\n");
                on_disk(dir.path(), &format!("f{i}.tf"), &text)
                    .released()
                    .unwrap()
            })
            .collect();
        let resident = SourceFile::new("r.tf", "x = 1\n");
        // Each released file once, however often it is named; the resident one not at all.
        let named = released
            .iter()
            .chain(released.iter().take(3))
            .chain(std::iter::once(&resident));
        let held = SourceFile::load_ahead(named);
        assert_eq!(held.len(), 6);
        assert!(
            held.iter().all(|c| c.index.get().is_some()),
            "indexes built"
        );
        // Read then: gone from the disk since, the texts are still served from memory.
        for i in 0..6 {
            std::fs::remove_file(dir.path().join(format!("f{i}.tf"))).unwrap();
        }
        for (i, f) in released.iter().enumerate() {
            assert_eq!(&*f.text(), format!("a = {i}\nb = 2\n"));
        }
    }

    #[test]
    fn load_ahead_holds_a_bounded_amount_of_text() {
        let dir = tempfile::tempdir().unwrap();
        let big = "x = 1\n".repeat((5 << 20) / 6);
        let released: Vec<SourceFile> = (0..3)
            .map(|i| {
                on_disk(dir.path(), &format!("big{i}.tf"), &big)
                    .released()
                    .unwrap()
            })
            .collect();
        // Two of 5 MiB would be past the bound: the first alone is held, the others are read
        // when asked for.
        assert_eq!(SourceFile::load_ahead(released.iter()).len(), 1);
        assert_eq!(released[2].text().len(), big.len());
    }

    #[test]
    fn a_released_file_changed_since_gives_blanks_of_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let text = "resource \"a\" \"b\" {}\nmore\n";
        let file = on_disk(dir.path(), "main.tf", text);
        let released = file.released().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "resource \"a\" \"c\" {}\nmore\n",
        )
        .unwrap();
        let again = released.text();
        assert_eq!(again.len(), text.len());
        assert!(again.chars().all(|c| c == ' '), "{again:?}");
        // Every offset of the old text is still a position.
        assert_eq!(released.line_col(text.len()).line, 1);
        // Gone altogether: the same.
        let gone = on_disk(dir.path(), "gone.tf", text).released().unwrap();
        std::fs::remove_file(dir.path().join("gone.tf")).unwrap();
        assert_eq!(gone.text().len(), text.len());
    }

    #[test]
    fn line_col_counts_chars() {
        let f = SourceFile::new("a", "ab\ncé d\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // "é" is two bytes: the "d" at byte 7 is the 4th char of line 2.
        assert_eq!(f.line_col(7), LineCol { line: 2, column: 4 });
        assert_eq!(f.line_text(2), "cé d");
    }

    #[test]
    fn utf16_counts_astral_chars_twice() {
        let text = "x: \"🔒\" y";
        let idx = LineIndex::new(text);
        let y = text.find('y').unwrap();
        assert_eq!(idx.utf16_position(text, y), (0, 8));
        assert_eq!(idx.offset_of_utf16(text, 0, 8), y);
    }

    #[test]
    fn crlf_lines_exclude_the_carriage_return() {
        let f = SourceFile::new("a", "one\r\ntwo\r\n");
        assert_eq!(f.line_text(1), "one");
        assert_eq!(f.line_text(2), "two");
    }

    /// A minified file holds all its findings on one line: looking up the column of each must
    /// not scan the line from its start (20,000 lookups into a 4 MB line took seconds when it
    /// did; with checkpoints they scan at most 256 bytes each).
    #[test]
    fn columns_on_a_long_non_ascii_line_are_not_counted_from_the_line_start() {
        let text = "é".repeat(2 << 20);
        let idx = LineIndex::new(&text);
        let started = std::time::Instant::now();
        for i in 0..20_000 {
            let offset = text.len() - 2 * i;
            let lc = idx.line_col(&text, offset);
            assert_eq!(lc.column, offset / 2 + 1);
            assert_eq!(idx.utf16_position(&text, offset), (0, (offset / 2) as u32));
            assert_eq!(idx.offset_of_char_col(&text, 0, offset / 2), offset);
        }
        let took = started.elapsed();
        assert!(took.as_secs_f64() < 2.0, "{took:?}");
    }

    /// What the index computes, the slow way.
    fn naive_line_col(text: &str, offset: usize) -> (usize, usize, usize) {
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count();
        let chars = text[line_start..offset].chars().count();
        let utf16 = text[line_start..offset].encode_utf16().count();
        (line, chars, utf16)
    }

    proptest! {
        #[test]
        fn long_lines_count_like_the_line_start_scan(
            text in "([a-z é🔒\u{80}\u{7ff}\u{800}]{0,700}\n?){1,4}",
            pick in 0usize..3000,
        ) {
            let idx = LineIndex::new(&text);
            let offset = clamp_to_char_boundary(&text, pick);
            let (line, chars, utf16) = naive_line_col(&text, offset);
            prop_assert_eq!(idx.line_col(&text, offset), LineCol { line: line + 1, column: chars + 1 });
            prop_assert_eq!(idx.utf16_position(&text, offset), (line as u32, utf16 as u32));
            prop_assert_eq!(idx.offset_of_char_col(&text, line, chars), offset);
            prop_assert_eq!(idx.offset_of_utf16(&text, line as u32, utf16 as u32), offset);
            // Past the end of the line, both clamp to its end.
            let end = idx.line_range(line, &text).end;
            prop_assert_eq!(idx.offset_of_char_col(&text, line, usize::MAX / 2), end);
            prop_assert_eq!(idx.offset_of_utf16(&text, line as u32, u32::MAX / 2), end);
        }

        #[test]
        fn utf16_round_trips(text in "\\PC{0,40}(\n\\PC{0,40}){0,4}", pick in 0usize..400) {
            let idx = LineIndex::new(&text);
            let offset = clamp_to_char_boundary(&text, pick);
            let (line, col) = idx.utf16_position(&text, offset);
            prop_assert_eq!(idx.offset_of_utf16(&text, line, col), offset);
        }

        #[test]
        fn char_columns_round_trip(text in "\\PC{0,40}(\n\\PC{0,40}){0,4}", pick in 0usize..400) {
            let idx = LineIndex::new(&text);
            let offset = clamp_to_char_boundary(&text, pick);
            let lc = idx.line_col(&text, offset);
            prop_assert_eq!(idx.offset_of_char_col(&text, lc.line - 1, lc.column - 1), offset);
        }
    }
}

//! Source files and positions.
//!
//! Inside the program every position is a byte range ([`Span`]) into one file's text. Lines,
//! columns and UTF-16 offsets are computed only at the edges (renderers, the language server)
//! through the file's [`LineIndex`], built once per file.

use std::ops::Range;
use std::sync::Arc;

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

    pub const fn empty(at: usize) -> Self {
        Self { start: at, end: at }
    }

    pub const fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
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

/// Byte offsets of line starts, for converting byte offsets to lines and columns in O(log n).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset of the first byte of every line; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
        Self { line_starts }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line of a byte offset (offsets past the end map to the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where 0-based `line` starts, if the line exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).copied()
    }

    /// Byte range of 0-based `line`, without its line terminator.
    pub fn line_range(&self, line: usize, text: &str) -> Range<usize> {
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

    /// 1-based line and 1-based column in Unicode scalar values.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let column = text[start..offset].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// 0-based line and 0-based column in UTF-16 code units (the LSP default encoding).
    pub fn utf16_position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let col: usize = text[start..offset].chars().map(char::len_utf16).sum();
        (line as u32, col as u32)
    }

    /// Byte offset of a 0-based line and UTF-16 column; positions past the end of a line clamp
    /// to its end, as the LSP specification asks.
    pub fn offset_of_utf16(&self, text: &str, line: u32, col: u32) -> usize {
        let Some(start) = self.line_start(line as usize) else {
            return text.len();
        };
        let range = self.line_range(line as usize, text);
        let mut units = 0u32;
        for (i, c) in text[range.clone()].char_indices() {
            if units >= col {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        range.end
    }

    /// Byte offset of a 0-based line and 0-based column counted in chars.
    pub fn offset_of_char_col(&self, text: &str, line: usize, col: usize) -> usize {
        let Some(start) = self.line_start(line) else {
            return text.len();
        };
        let range = self.line_range(line, text);
        text[range.clone()]
            .char_indices()
            .nth(col)
            .map_or(range.end, |(i, _)| start + i)
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter_map(|(i, b)| (*b == b'\n').then_some(i))
}

/// The largest char boundary at or before `offset`, clamped to the text.
pub fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One file's text with its path and line index.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scan root, `/`-separated (what reports show).
    pub path: Arc<str>,
    pub text: Arc<str>,
    pub index: LineIndex,
}

impl SourceFile {
    pub fn new(path: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        let text = text.into();
        let index = LineIndex::new(&text);
        Self {
            path: path.into(),
            text,
            index,
        }
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        self.index.line_col(&self.text, offset)
    }

    /// The same text under another path (sharing the text and index).
    pub fn clone_with_path(&self, path: impl Into<Arc<str>>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            text: self.text.clone(),
            index: self.index.clone(),
        })
    }

    /// The text of the 1-based line `line`, without its terminator.
    pub fn line_text(&self, line: usize) -> &str {
        if line == 0 {
            return "";
        }
        &self.text[self.index.line_range(line - 1, &self.text)]
    }

    /// The span of the whole 1-based line `line`.
    pub fn line_span(&self, line: usize) -> Span {
        self.index
            .line_range(line.saturating_sub(1), &self.text)
            .into()
    }
}

/// A miette [`miette::SourceCode`] over a [`SourceFile`] that finds lines through the index,
/// so rendering N findings in one file costs O(N log L), not O(N × file size).
#[derive(Debug, Clone)]
pub struct IndexedSource {
    file: Arc<SourceFile>,
}

impl IndexedSource {
    pub fn new(file: Arc<SourceFile>) -> Self {
        Self { file }
    }
}

impl miette::SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text: &str = &self.file.text;
        let index = &self.file.index;
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
            (offset, text[line_start..offset].chars().count())
        } else {
            (line_start, 0)
        };
        let line_count = last - first + 1;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.file.path.to_string(),
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

    proptest! {
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

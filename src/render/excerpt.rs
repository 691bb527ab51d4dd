//! The lines a diagnostic shows, clipped and escaped, as a miette source.
//!
//! miette prints every line it shows whole and pads its underline with a formatting width,
//! which Rust caps at 65,535: a label past that column (minified JSON, a one-line
//! `terraform show -json` plan) panicked, and a 30 KB one-line file with 900 findings printed
//! the whole line 900 times (110 MB). A line longer than [`MAX_LINE_CHARS`] is therefore shown
//! as a window of [`WINDOW_CHARS`] around the label, with `…` where it was cut, as compilers
//! do; and a line holding control characters is shown with them escaped
//! ([`super::terminal`]). The excerpt is a small text of its own: the labels are moved into
//! it, and it tells miette the real line numbers and the real `line:col` of each label, so the
//! header and the gutter read as if the whole file were shown.

use std::ops::{Range, RangeInclusive};

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::terminal;
use crate::diag::Label;
use crate::source::{LineCol, SourceFile, Span};

/// The longest line shown whole, in chars.
pub const MAX_LINE_CHARS: usize = 160;
/// How much of a longer line is shown, in chars: a window around the label.
pub const WINDOW_CHARS: usize = 120;
/// How much of the window comes before the label's start.
const LEAD_CHARS: usize = 40;
/// Lines shown before and after a label's (miette's default, which `DiagRenderer` keeps).
pub const CONTEXT_LINES: usize = 1;
/// What stands for the part of a line that is not shown.
const ELLIPSIS: &str = "…";

/// The file lines that `labels` show, with their context, as sorted runs of consecutive lines.
fn shown_lines(file: &SourceFile, labels: &[Label]) -> Vec<RangeInclusive<usize>> {
    // The empty "line" after a final line break is not context (miette does not show it
    // either when it reads the whole file).
    let last_line = file.index().line_count() - 1 - usize::from(file.text().ends_with('\n'));
    let mut runs: Vec<RangeInclusive<usize>> = labels
        .iter()
        .map(|l| {
            let (first, last) = lines_of(file, l.span);
            first.saturating_sub(CONTEXT_LINES)..=(last + CONTEXT_LINES).min(last_line.max(last))
        })
        .collect();
    runs.sort_by_key(|r| *r.start());
    let mut merged: Vec<RangeInclusive<usize>> = Vec::with_capacity(runs.len());
    for run in runs {
        match merged.last_mut() {
            Some(prev) if *run.start() <= prev.end() + 1 => {
                *prev = *prev.start()..=*prev.end().max(run.end());
            }
            _ => merged.push(run),
        }
    }
    merged
}

/// The 0-based lines a span starts and ends on (an empty span is on the line it is at; a span
/// that ends with a line break ends on the line the break ends).
fn lines_of(file: &SourceFile, span: Span) -> (usize, usize) {
    let first = file.index().line_of(span.start);
    let last = if span.end > span.start {
        file.index().line_of(span.end - 1)
    } else {
        first
    };
    (first, last)
}

/// The length of the 0-based `line` in chars (in O(1) or O(256 bytes): `LineIndex`).
fn line_chars(file: &SourceFile, range: &Range<usize>) -> usize {
    file.line_col(range.end).column - file.line_col(range.start).column
}

/// Whether `labels` (clamped to `file`'s char boundaries) need an excerpt: a line they show is
/// longer than [`MAX_LINE_CHARS`] or holds a character that must be escaped, or the path does.
pub fn needed(file: &SourceFile, labels: &[Label]) -> bool {
    if file.path.chars().any(terminal::is_unsafe) {
        return true;
    }
    shown_lines(file, labels).into_iter().flatten().any(|line| {
        let range = file.index().line_range(line, &file.text());
        line_chars(file, &range) > MAX_LINE_CHARS
            || file.text()[range].chars().any(terminal::is_unsafe)
    })
}

/// A file line as the excerpt shows it.
#[derive(Debug)]
struct Shown {
    /// 0-based line in the file.
    line: usize,
    /// The line in the file, without its terminator.
    range: Range<usize>,
    /// The part of it shown.
    window: Range<usize>,
    /// Where the line is in the excerpt, without the `\n` that follows it.
    at: Range<usize>,
    /// Bytes of the leading ellipsis (0 when the window starts at the line's start).
    lead: usize,
}

/// A diagnostic's lines, clipped and escaped (see the module's documentation).
#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    lines: Vec<Shown>,
    /// Where each label starts in the excerpt, and the file position it stands for.
    starts: Vec<(usize, LineCol)>,
}

impl Excerpt {
    /// The excerpt of `labels` (clamped to `file`'s char boundaries), and their spans in it, in
    /// the same order.
    pub fn new(file: &SourceFile, labels: &[Label]) -> (Excerpt, Vec<SourceSpan>) {
        let mut ex = Excerpt {
            name: terminal::escape(&file.path).into_owned(),
            text: String::new(),
            lines: Vec::new(),
            starts: Vec::new(),
        };
        for line in shown_lines(file, labels).into_iter().flatten() {
            let range = file.index().line_range(line, &file.text());
            // Where the labels start and end on this line: the window goes around them.
            let anchors = labels.iter().flat_map(|l| {
                let (first, last) = lines_of(file, l.span);
                let start = (first == line).then_some(l.span.start);
                let end = (last == line).then_some(l.span.end.min(range.end));
                start.into_iter().chain(end)
            });
            let window = window(file, &range, anchors);
            ex.push_line(file, line, range, window);
        }
        let spans = labels
            .iter()
            .map(|l| {
                let (first, last) = lines_of(file, l.span);
                let start = ex.locate(file, first, l.span.start);
                let end = ex.locate(file, last, l.span.end).max(start);
                ex.starts.push((start, file.line_col(l.span.start)));
                SourceSpan::from((start, end - start))
            })
            .collect();
        (ex, spans)
    }

    fn push_line(
        &mut self,
        file: &SourceFile,
        line: usize,
        range: Range<usize>,
        window: Range<usize>,
    ) {
        let start = self.text.len();
        let lead = if window.start > range.start {
            self.text.push_str(ELLIPSIS);
            ELLIPSIS.len()
        } else {
            0
        };
        for c in file.text()[window.clone()].chars() {
            terminal::push_escaped(&mut self.text, c);
        }
        if window.end < range.end {
            self.text.push_str(ELLIPSIS);
        }
        let end = self.text.len();
        self.text.push('\n');
        self.lines.push(Shown {
            line,
            range,
            window,
            at: start..end,
            lead,
        });
    }

    /// Where byte `offset` of the file, on its 0-based `line` (which the excerpt shows), is in
    /// the excerpt. Before the window: at the leading ellipsis; after it: after the trailing
    /// one; past the line's end (a span that takes in the line break): at the `\n`'s end.
    fn locate(&self, file: &SourceFile, line: usize, offset: usize) -> usize {
        let Some(shown) = self.lines.iter().find(|s| s.line == line) else {
            return 0;
        };
        if offset < shown.window.start {
            shown.at.start
        } else if offset <= shown.window.end {
            shown.at.start
                + shown.lead
                + terminal::escaped_len(&file.text()[shown.window.start..offset])
        } else if offset <= shown.range.end {
            shown.at.end
        } else {
            shown.at.end + 1
        }
    }

    /// Index in `lines` of the excerpt line holding excerpt offset `offset` (its `\n`
    /// included).
    fn line_at(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|s| s.at.start <= offset)
            .saturating_sub(1)
    }

    /// The excerpt offset just after line `i`'s `\n`.
    fn end_of(&self, i: usize) -> usize {
        (self.lines[i].at.end + 1).min(self.text.len())
    }
}

/// The bytes of the line `range` shown: all of it when it is short, else [`WINDOW_CHARS`]
/// starting [`LEAD_CHARS`] before the first anchor (a label's start or end on the line), or at
/// the line's start when no label starts or ends there.
fn window(
    file: &SourceFile,
    range: &Range<usize>,
    anchors: impl Iterator<Item = usize>,
) -> Range<usize> {
    if line_chars(file, range) <= MAX_LINE_CHARS {
        return range.clone();
    }
    let text: &str = &file.text();
    let first = anchors
        .min()
        .map_or(range.start, |a| a.clamp(range.start, range.end));
    let start = back(text, first, LEAD_CHARS).max(range.start);
    let end = forward(text, start, WINDOW_CHARS).min(range.end);
    // A label near the line's end still gets a full window, ending there.
    let start = if end == range.end {
        start.min(back(text, end, WINDOW_CHARS).max(range.start))
    } else {
        start
    };
    start..end
}

/// The char boundary `n` chars before `at` (or 0).
fn back(text: &str, at: usize, n: usize) -> usize {
    if n == 0 {
        return at;
    }
    text[..at]
        .char_indices()
        .rev()
        .nth(n - 1)
        .map_or(0, |(i, _)| i)
}

/// The char boundary `n` chars after `at` (or the text's end).
fn forward(text: &str, at: usize, n: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| at + i)
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (offset, len) = (span.offset(), span.len());
        if self.lines.is_empty() || offset + len > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_at(offset);
        let last = self.line_at(if len == 0 { offset } else { offset + len - 1 });
        // Context only within a run of consecutive file lines: the excerpt skips the others.
        let mut from = first;
        for _ in 0..context_lines_before {
            if from > 0 && self.lines[from - 1].line + 1 == self.lines[from].line {
                from -= 1;
            }
        }
        let mut to = last;
        for _ in 0..context_lines_after {
            if to + 1 < self.lines.len() && self.lines[to].line + 1 == self.lines[to + 1].line {
                to += 1;
            }
        }
        let end = self.end_of(to);
        // Without leading context miette wants the contents to begin at the span itself and
        // takes the header's `line:col` from them: the file's, for a label's start.
        let (start, column) = if context_lines_before == 0 {
            let column = self
                .starts
                .iter()
                .find(|(at, _)| *at == offset)
                .map_or_else(
                    || {
                        self.text[self.lines[first].at.start..offset]
                            .chars()
                            .count()
                    },
                    |(_, lc)| lc.column - 1,
                );
            (offset, column)
        } else {
            (self.lines[from].at.start, 0)
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[start..end],
            (start, end - start).into(),
            self.lines[from].line,
            column,
            to - from + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(file: &SourceFile, needle: &str) -> Label {
        let at = file.text().find(needle).unwrap();
        Label::primary(Span::new(at, at + needle.len()), "here")
    }

    #[test]
    fn a_short_clean_line_needs_no_excerpt() {
        let file = SourceFile::new("a.tf", "x\nresource \"a\" \"b\" {}\ny\n");
        assert!(!needed(&file, &[label(&file, "resource")]));
    }

    #[test]
    fn a_long_line_is_cut_around_the_label() {
        let text = format!(
            "{{{}\"Bucket\": {{}}{}}}\n",
            "x".repeat(70_000),
            "y".repeat(70_000)
        );
        let file = SourceFile::new("s.json", text);
        let l = label(&file, "\"Bucket\"");
        assert!(needed(&file, std::slice::from_ref(&l)));
        let (ex, spans) = Excerpt::new(&file, &[l]);
        assert_eq!(ex.lines.len(), 1);
        let line = &ex.text[ex.lines[0].at.clone()];
        assert!(line.starts_with('…') && line.ends_with('…'), "{line}");
        assert_eq!(line.chars().count(), WINDOW_CHARS + 2);
        assert_eq!(
            &ex.text[spans[0].offset()..][..spans[0].len()],
            "\"Bucket\""
        );
        // The header's position is the file's.
        let contents = ex.read_span(&spans[0], 0, 0).unwrap();
        assert_eq!((contents.line(), contents.column()), (0, 70_001));
    }

    #[test]
    fn control_characters_are_escaped_and_labels_follow() {
        let file = SourceFile::new("a.env", "\x1b]0;pwned\x07KEY=1\nNEXT=2\n");
        let l = label(&file, "KEY");
        assert!(needed(&file, std::slice::from_ref(&l)));
        let (ex, spans) = Excerpt::new(&file, &[l]);
        assert_eq!(ex.text, "\\u{1b}]0;pwned\\u{7}KEY=1\nNEXT=2\n");
        assert_eq!(&ex.text[spans[0].offset()..][..spans[0].len()], "KEY");
    }

    #[test]
    fn labels_far_apart_show_separate_runs_with_their_own_line_numbers() {
        let mut text = String::new();
        for i in 0..100 {
            text.push_str(&format!("line {i} \x1b\n"));
        }
        let file = SourceFile::new("a.yaml", text);
        let (ex, spans) =
            Excerpt::new(&file, &[label(&file, "line 10 "), label(&file, "line 90 ")]);
        let lines: Vec<usize> = ex.lines.iter().map(|s| s.line).collect();
        assert_eq!(lines, [9, 10, 11, 89, 90, 91]);
        let second = ex.read_span(&spans[1], 1, 1).unwrap();
        assert_eq!((second.line(), second.line_count()), (89, 3));
        assert!(
            std::str::from_utf8(second.data())
                .unwrap()
                .starts_with("line 89")
        );
    }
}

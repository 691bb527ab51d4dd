//! An open document: the editor's text, which may differ from the file on disk.

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::position::Encoding;
use crate::source::LineIndex;

#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Uri,
    pub text: String,
    pub version: i32,
}

impl Document {
    /// Applies `didChange` events in order: a ranged event replaces that range (incremental
    /// sync), one without a range replaces the whole text.
    pub(crate) fn apply(
        &mut self,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    // Each event's positions refer to the text after the previous event.
                    let index = LineIndex::new(&self.text);
                    let start = encoding.offset(&self.text, &index, range.start);
                    let end = encoding.offset(&self.text, &index, range.end).max(start);
                    self.text.replace_range(start..end, &change.text);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use lsp_types::{Position, Range};

    use super::*;

    fn doc(text: &str) -> Document {
        Document {
            uri: Uri::from_str("file:///w/a.tf").unwrap(),
            text: text.to_string(),
            version: 1,
        }
    }

    fn edit(l1: u32, c1: u32, l2: u32, c2: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn ranged_edits_apply_in_order_in_utf16() {
        let mut d = doc("a = \"🔒x\"\nb = 1\n");
        // "x" is at UTF-16 column 7 (the lock counts twice).
        d.apply(
            vec![edit(0, 7, 0, 8, "yz"), edit(1, 4, 1, 5, "22")],
            Encoding::Utf16,
        );
        assert_eq!(d.text, "a = \"🔒yz\"\nb = 22\n");
        // Deleting across a line break.
        d.apply(vec![edit(0, 10, 1, 0, " ")], Encoding::Utf16);
        assert_eq!(d.text, "a = \"🔒yz\" b = 22\n");
    }

    #[test]
    fn a_change_without_range_replaces_everything() {
        let mut d = doc("old");
        d.apply(
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new".into(),
            }],
            Encoding::Utf16,
        );
        assert_eq!(d.text, "new");
    }

    #[test]
    fn insertion_at_end_of_file() {
        let mut d = doc("a\n");
        d.apply(vec![edit(1, 0, 1, 0, "b\n")], Encoding::Utf8);
        assert_eq!(d.text, "a\nb\n");
    }
}

//! cloudpact's own YAML files (`cloudpact.yaml`, refusal records, `cloudpact-test.yaml`): one
//! document each, read twice: into the span-aware tree of [`super::yaml`] for positions, and
//! with serde_yaml into typed values. Every error of either reading is a diagnostic at its place,
//! and a second document is an error at its `---`: serde_yaml refuses a stream of several
//! documents, and a reader that skipped them would lose what they hold in silence.

use std::sync::Arc;

use super::tree::{Node, Value};
use super::yaml;
use crate::diag::Diag;
use crate::source::{SourceFile, Span};

/// One kind of cloudpact's own files, for messages and codes.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// The file in words, before "holds one YAML document": "a refusal-record file".
    pub what: &'static str,
    /// The code of a syntax error and of a value serde_yaml rejects.
    pub invalid: &'static str,
    /// The code of a second document.
    pub second_document: &'static str,
}

/// The one document of `file`: `None` when it holds none (empty, or only comments).
pub(crate) fn one_document(file: &Arc<SourceFile>, kind: Kind) -> Result<Option<Node>, Diag> {
    let stream = yaml::parse_stream(&file.text()).map_err(|e| {
        Diag::error(
            kind.invalid,
            format!("cannot parse {}: {}", file.path, e.message),
        )
        .in_file(file.clone())
        .at(e.span, e.message)
    })?;
    let mut docs = stream.docs.into_iter();
    let first = docs.next();
    match (docs.next(), stream.starts.get(1)) {
        (Some(second), Some(&marker)) => Err(second_document(file, kind, marker, &second)),
        _ => Ok(first),
    }
}

fn second_document(file: &Arc<SourceFile>, kind: Kind, marker: Span, second: &Node) -> Diag {
    let line = file.line_col(marker.start).line;
    let (message, label) = if second.value == Value::Null {
        (
            format!("remove the `---` at line {line}"),
            "an empty second document starts here",
        )
    } else {
        (
            format!("a second one starts at line {line}"),
            "a second document starts here",
        )
    };
    Diag::error(
        kind.second_document,
        format!("{} holds one YAML document; {message}", kind.what),
    )
    .in_file(file.clone())
    .at(marker, label)
    .with_help("`---` starts another YAML document; keep everything in the first one")
}

/// A value serde_yaml rejects, at the place it names: the smallest node of `doc` that starts
/// there, else the text from there to the next `:`, `,` or line end. A key written twice is
/// located at its second occurrence (serde_yaml names the mapping).
pub(crate) fn serde_error(
    file: &Arc<SourceFile>,
    kind: Kind,
    doc: Option<&Node>,
    e: &serde_yaml::Error,
) -> Diag {
    let msg = e.to_string();
    // serde_yaml appends " at line L column C"; the label carries the place instead.
    let headline = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    // serde_yaml's "duplicate entry with key …", serde's "duplicate field …", after any path.
    let repeated = if headline.contains("duplicate entry") || headline.contains("duplicate field") {
        doc.and_then(repeated_key)
    } else {
        None
    };
    let at = |offset: usize| {
        let offset = crate::source::clamp_to_char_boundary(&file.text(), offset);
        node_at(doc, offset).unwrap_or_else(|| {
            let end = file.text()[offset..]
                .find([':', '\n', ','])
                .map_or(file.text().len(), |i| offset + i);
            Span::new(offset, end.max(offset))
        })
    };
    let span = repeated
        .or_else(|| {
            e.location()
                .map(|loc| at(loc.index().min(file.text().len())))
        })
        .unwrap_or_else(|| Span::empty(doc.map_or(0, |d| d.span.start)));
    Diag::error(kind.invalid, format!("invalid {}: {headline}", file.path))
        .in_file(file.clone())
        .at(span, "here")
}

/// The first key written a second time in a mapping of `doc`: its second occurrence.
fn repeated_key(doc: &Node) -> Option<Span> {
    let mut found: Option<Span> = None;
    doc.walk(&mut |n| {
        let Some(entries) = n.as_map() else {
            return;
        };
        for (i, (k, _)) in entries.iter().enumerate() {
            let repeated = entries[..i]
                .iter()
                .any(|(earlier, _)| earlier.value == k.value);
            if repeated && found.is_none_or(|f| k.span.start < f.start) {
                found = Some(k.span);
            }
        }
    });
    found
}

/// The span of the smallest non-empty node (keys included) that starts at `offset`.
fn node_at(doc: Option<&Node>, offset: usize) -> Option<Span> {
    let mut best: Option<Span> = None;
    doc?.walk(&mut |n| {
        if n.span.start == offset
            && !n.span.is_empty()
            && best.is_none_or(|b| n.span.len() < b.len())
        {
            best = Some(n.span);
        }
    });
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: Kind = Kind {
        what: "a test file",
        invalid: "t::invalid",
        second_document: "t::second-document",
    };

    fn one(text: &str) -> Result<Option<Node>, Diag> {
        one_document(&Arc::new(SourceFile::new("t.yaml", text)), KIND)
    }

    #[test]
    fn no_document_is_none() {
        assert!(one("").unwrap().is_none());
        assert!(one("# only a comment\n").unwrap().is_none());
        assert!(one("---\na: 1\n").unwrap().is_some());
    }

    #[test]
    fn a_trailing_marker_is_an_error_at_its_line() {
        let d = one("- a\n- b\n---\n").unwrap_err();
        assert_eq!(d.code, "t::second-document");
        assert_eq!(
            d.message,
            "a test file holds one YAML document; remove the `---` at line 3"
        );
        let (_, line, column) = d.location().unwrap();
        assert_eq!((line, column), (3, 1));
        assert_eq!(d.primary_span(), Some(Span::new(8, 11)));
    }

    #[test]
    fn a_second_document_is_an_error_at_its_marker() {
        let text = "---\na: 1\n...\n--- # more\nb: 2\n";
        let d = one(text).unwrap_err();
        assert!(
            d.message.ends_with("a second one starts at line 4"),
            "{}",
            d.message
        );
        assert_eq!(d.primary_span().unwrap().start, text.find("--- #").unwrap());
    }

    #[test]
    fn syntax_errors_are_located() {
        let d = one("a: 1\nb: [\n").unwrap_err();
        assert_eq!(d.code, "t::invalid");
        assert!(d.location().is_some());
    }

    #[test]
    fn serde_errors_point_at_the_node_serde_names() {
        #[derive(Debug, serde::Deserialize)]
        #[expect(dead_code, reason = "only the error is looked at")]
        struct S {
            a: Vec<u8>,
        }
        let text = "a: [1, 2, x]\n";
        let file = Arc::new(SourceFile::new("t.yaml", text));
        let doc = one_document(&file, KIND).unwrap();
        let e = serde_yaml::from_str::<S>(text).unwrap_err();
        let d = serde_error(&file, KIND, doc.as_ref(), &e);
        assert_eq!(&text[d.primary_span().unwrap().range()], "x");
        assert!(!d.message.contains(" at line "), "{}", d.message);
    }
}

//! `textDocument/formatting` and `textDocument/rangeFormatting` of `.pact` files, through
//! `cloudpact policy fmt`'s formatter (src/dsl/fmt.rs). A text that does not parse is left as
//! it is (no edits). A range formats the policies it touches: each is replaced by its
//! canonical text, the rest of the file untouched.

use std::sync::Arc;

use lsp_types::{DocumentFormattingParams, DocumentRangeFormattingParams, Range, TextEdit};

use crate::lsp::lang;
use crate::lsp::position::Encoding;
use crate::lsp::server::Server;
use crate::lsp::workspace::FileKind;
use crate::source::{SourceFile, Span};

pub(crate) fn document(server: &Server, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let text = policy_text(server, &params.text_document.uri)?;
    let formatted = crate::dsl::fmt::format(&text).ok()?;
    Some(edits(&text, &formatted, None, server.encoding))
}

pub(crate) fn range(
    server: &Server,
    params: DocumentRangeFormattingParams,
) -> Option<Vec<TextEdit>> {
    let text = policy_text(server, &params.text_document.uri)?;
    let formatted = crate::dsl::fmt::format(&text).ok()?;
    Some(edits(
        &text,
        &formatted,
        Some(params.range),
        server.encoding,
    ))
}

fn policy_text(server: &Server, uri: &lsp_types::Uri) -> Option<String> {
    let (root, rel) = server.locate(uri)?;
    let shared = root.lock();
    (shared.ws.kind(&rel) == FileKind::Policy).then(|| lang::text_of(&shared, &rel))?
}

/// The edits that turn `text` into `formatted`: the whole text at once, or within `range` the
/// policies it touches, one edit each.
pub(crate) fn edits(
    text: &str,
    formatted: &str,
    range: Option<Range>,
    enc: Encoding,
) -> Vec<TextEdit> {
    if text == formatted {
        return Vec::new();
    }
    let file = SourceFile::new("", text);
    let Some(range) = range else {
        return vec![TextEdit {
            range: enc.range(&file, Span::new(0, text.len())),
            new_text: formatted.to_string(),
        }];
    };
    let (Some(old), Some(new)) = (policy_spans(text), policy_spans(formatted)) else {
        return Vec::new();
    };
    if old.len() != new.len() {
        return Vec::new();
    }
    let start = enc.offset(text, &file.index(), range.start);
    let end = enc.offset(text, &file.index(), range.end);
    old.iter()
        .zip(&new)
        .filter(|(o, _)| o.start <= end && start <= o.end)
        .filter(|(o, n)| text[o.range()] != formatted[n.range()])
        .map(|(o, n)| TextEdit {
            range: enc.range(&file, *o),
            new_text: formatted[n.range()].to_string(),
        })
        .collect()
}

/// The span of each policy of a text that parses.
fn policy_spans(text: &str) -> Option<Vec<Span>> {
    let file = Arc::new(SourceFile::new("", text));
    let (ast, _) = crate::dsl::parse_source(&file).ok()?;
    Some(ast.policies.iter().map(|p| p.span).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Position;

    #[test]
    fn a_range_formats_only_the_policies_it_touches() {
        let text = "policy a {\ndeny x {provider aws}\n}\n\npolicy b {\ndeny y {provider gcp}\n}\n";
        let formatted = crate::dsl::fmt::format(text).unwrap();
        let whole = edits(text, &formatted, None, Encoding::Utf16);
        assert_eq!(whole.len(), 1);
        assert_eq!(whole[0].new_text, formatted);
        let second = Range::new(Position::new(5, 0), Position::new(5, 3));
        let e = edits(text, &formatted, Some(second), Encoding::Utf16);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].range.start, Position::new(4, 0));
        assert!(
            e[0].new_text
                .starts_with("policy b {\n  deny y {\n    provider gcp"),
            "{:?}",
            e[0].new_text
        );
        assert!(edits(&formatted, &formatted, None, Encoding::Utf16).is_empty());
    }
}

//! Terraform HCL through hcl-edit (byte spans on every node).
//!
//! The tree hcl-edit returns is used as is; [`span`] turns its optional byte ranges into our
//! [`Span`]. Syntax errors come back at the byte offset where hcl-edit stopped.

use hcl_edit::structure::Body;

use super::tree::SyntaxError;
use crate::source::{Span, clamp_to_char_boundary};

/// Parses a `.tf` or `.tfvars` file into an hcl-edit body.
pub fn parse(text: &str) -> Result<Body, SyntaxError> {
    // hcl-edit rejects a byte-order mark. Three spaces have the BOM's byte length, so every
    // span stays an offset into the original text.
    let blanked;
    let input = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            blanked = format!("   {rest}");
            blanked.as_str()
        }
        None => text,
    };
    hcl_edit::parser::parse_body(input).map_err(|e| {
        let at = clamp_to_char_boundary(text, e.location().offset());
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        SyntaxError {
            message: error_message(e.message()),
            span: Span::new(at, end),
        }
    })
}

/// hcl-edit's messages are `expected …` lists; keep them, but on one line.
fn error_message(raw: &str) -> String {
    let one_line = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        "invalid HCL syntax".to_string()
    } else {
        format!("invalid HCL syntax: {one_line}")
    }
}

/// The byte span of a node hcl-edit produced while parsing.
pub fn span(node: &impl hcl_edit::Span) -> Option<Span> {
    node.span().map(Span::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_span_starts_at_its_ident() {
        let text = "# c\n\nresource \"aws_instance\" \"x\" {\n  a = 1\n}\n";
        let body = parse(text).unwrap();
        let block = body.blocks().next().unwrap();
        let s = span(block).unwrap();
        assert_eq!(&text[s.start..s.start + 8], "resource");
        assert_eq!(text[s.range()].trim_end().chars().last(), Some('}'));
    }

    #[test]
    fn dashed_identifiers_are_variables() {
        let body = parse("resource \"google_x\" \"y\" {\n  provider = google-beta\n}\n").unwrap();
        let block = body.blocks().next().unwrap();
        let attr = block.body.get_attribute("provider").unwrap();
        assert!(matches!(
            attr.value,
            hcl_edit::expr::Expression::Variable(_)
        ));
    }

    #[test]
    fn unterminated_string_is_an_error_at_the_parser_position() {
        let text = "resource \"aws_instance\" \"x\" {\n  instance_type = \"m5.large\n}\n";
        let err = parse(text).unwrap_err();
        assert!(
            err.message.starts_with("invalid HCL syntax"),
            "{}",
            err.message
        );
        // The error is inside the file, on or after the broken line.
        assert!(err.span.start >= text.find("instance_type").unwrap());
        assert!(err.span.end <= text.len());
    }

    #[test]
    fn a_byte_order_mark_keeps_spans_aligned() {
        let text = "\u{feff}resource \"a_b\" \"c\" {}\n";
        let body = parse(text).unwrap();
        let s = span(body.blocks().next().unwrap()).unwrap();
        assert_eq!(&text[s.start..s.start + 8], "resource");
    }

    #[test]
    fn errors_never_split_a_character() {
        let err = parse("x = \"é").unwrap_err();
        let text = "x = \"é";
        assert!(text.is_char_boundary(err.span.start) && text.is_char_boundary(err.span.end));
    }
}

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
    parse_tolerating_duplicate_keys(input).map_err(|e| {
        let at = clamp_to_char_boundary(text, e.location().offset());
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        SyntaxError {
            message: error_message(e.message()),
            span: Span::new(at, end),
        }
    })
}

/// How many duplicate object keys one file may have before its error is reported.
const MAX_DUPLICATE_KEYS: usize = 64;

/// Terraform accepts an object constructor that repeats a key (the last one wins); hcl-edit
/// rejects it. Such a file is valid Terraform, so the repeated key is renamed in place (same
/// byte length, spans unchanged) and the file parsed again.
fn parse_tolerating_duplicate_keys(input: &str) -> Result<Body, hcl_edit::parser::Error> {
    let mut err = match hcl_edit::parser::parse_body(input) {
        Ok(body) => return Ok(body),
        Err(e) => e,
    };
    let mut text = input.to_string();
    for attempt in 0..MAX_DUPLICATE_KEYS {
        if !err.message().contains("redefined object key")
            || !rename_key_at(&mut text, err.location().offset(), attempt)
        {
            break;
        }
        match hcl_edit::parser::parse_body(&text) {
            Ok(body) => return Ok(body),
            Err(e) => err = e,
        }
    }
    Err(err)
}

/// Replaces one ASCII letter of the object key starting at `at` (quoted or bare) with another
/// letter. Returns false when there is no such key.
fn rename_key_at(text: &mut String, at: usize, attempt: usize) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.get(at) else {
        return false;
    };
    let start = if first == b'"' { at + 1 } else { at };
    let end = bytes[start..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .map_or(bytes.len(), |n| start + n);
    // The last letter, so a bare identifier keeps its valid first character.
    let Some(pos) = (start..end).rev().find(|&i| bytes[i].is_ascii_alphabetic()) else {
        return false;
    };
    const LETTERS: &[u8] = b"QXZJKVWYqxzjkvwy";
    let old = bytes[pos];
    let new = LETTERS
        .iter()
        .copied()
        .cycle()
        .skip(attempt % LETTERS.len())
        .find(|&c| c != old)
        .unwrap_or(b'Q');
    text.replace_range(pos..pos + 1, &(new as char).to_string());
    true
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
    fn repeated_object_keys_are_accepted_as_terraform_does() {
        let text = concat!(
            "locals {\n  a = {\n    \"k\" = 1,\n    \"k\" = 2,\n    \"k\" = 3\n  }\n",
            "  b = { x = 1\n x = 2 }\n}\n",
            "resource \"aws_vpc\" \"v\" {}\n",
        );
        let body = parse(text).unwrap();
        let block = body.blocks().nth(1).unwrap();
        let s = span(block).unwrap();
        assert_eq!(&text[s.start..s.start + 8], "resource");
    }

    #[test]
    fn nesting_beyond_the_parser_limit_is_an_error_not_a_crash() {
        let depth = 5000;
        let text = format!("a = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(&text).is_err());
        let text = format!("{}{}", "b {\n".repeat(depth), "}\n".repeat(depth));
        assert!(parse(&text).is_err());
    }

    #[test]
    fn errors_never_split_a_character() {
        let err = parse("x = \"é").unwrap_err();
        let text = "x = \"é";
        assert!(text.is_char_boundary(err.span.start) && text.is_char_boundary(err.span.end));
    }
}

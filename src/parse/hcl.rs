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
    let parsed = parse_tolerating_duplicate_keys(input).or_else(|first| {
        // Retried only when the file fails as written, so files hcl-edit reads are untouched.
        match join_for_object_lines(input) {
            Some(joined) => parse_tolerating_duplicate_keys(&joined).map_err(|second| {
                // Same offsets in both texts: the parser that got further has the better error.
                if second.location().offset() >= first.location().offset() {
                    second
                } else {
                    first
                }
            }),
            None => Err(first),
        }
    });
    parsed.map_err(|e| {
        let at = clamp_to_char_boundary(text, e.location().offset());
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        SyntaxError {
            message: error_message(e.message()),
            span: Span::new(at, end),
        }
    })
}

/// Where a large file can be cut into pieces that parse on their own: the starts of top-level
/// items (a line at bracket depth 0, outside strings, comments and heredocs, that starts with
/// an identifier), at least `target` bytes apart. hcl-edit's tree takes about 45 bytes per byte
/// of Terraform, so a 10 MB file parsed whole held 450 MB at once; parsed and lowered piece by
/// piece it holds one piece's tree (`facts::terraform::hcl::parse_body`). `None` when the scan
/// meets something it does not expect (an unbalanced bracket, a string across lines): the
/// file is then parsed whole, as before, and its errors are reported as hcl-edit finds them.
pub(crate) fn top_level_cuts(text: &str, target: usize) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Open {
        Brace,
        Bracket,
        Paren,
        Quoted,
        Interpolation,
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut cuts = Vec::new();
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if stack.last() == Some(&Open::Quoted) {
            match b {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Open::Interpolation);
                    i += 1;
                }
                // `$${` and `%%{` are a literal `${` and `%{`.
                b'$' | b'%' if bytes.get(i + 1) == Some(&b) && bytes.get(i + 2) == Some(&b'{') => {
                    i += 2;
                }
                b'\n' => return None,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => stack.push(Open::Quoted),
            b'{' => stack.push(Open::Brace),
            b'[' => stack.push(Open::Bracket),
            b'(' => stack.push(Open::Paren),
            b'}' => match stack.pop() {
                Some(Open::Brace | Open::Interpolation) => {}
                _ => return None,
            },
            b']' => (stack.pop() == Some(Open::Bracket)).then_some(())?,
            b')' => (stack.pop() == Some(Open::Paren)).then_some(())?,
            b'#' => i = find(bytes, i, b"\n").unwrap_or(bytes.len()) - 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = find(bytes, i, b"\n").unwrap_or(bytes.len()) - 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = find(bytes, i + 2, b"*/")? + 1,
            b'<' if bytes.get(i + 1) == Some(&b'<') => i = heredoc_end(bytes, i)?.max(i + 1) - 1,
            b'\n' if stack.is_empty() => {
                let next = i + 1;
                if next - last >= target
                    && bytes
                        .get(next)
                        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
                {
                    cuts.push(next);
                    last = next;
                }
            }
            _ => {}
        }
        i += 1;
    }
    stack.is_empty().then_some(cuts)
}

/// What a bracket opened, for [`join_for_object_lines`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// `{ for … }`: HCL ignores newlines up to the closing brace (hashicorp/hcl's parser stops
    /// including newline tokens for a whole `for` expression).
    ForObject,
    /// An object constructor or block body, where newlines separate items; or `(`, `[`, where
    /// hcl-edit already skips newlines itself.
    Other,
    /// A quoted template, `"…"`.
    Quoted,
    /// `${ … }` or `%{ … }` inside a quoted template.
    Interpolation,
}

/// Terraform accepts an expression broken across lines anywhere inside `{ for … }`
/// (`{ for k in v : k => k == "a" ? 1 :⏎ 2 }`); hcl-edit 0.10 parses the key and value of an
/// object `for` without newlines and rejects it. Newlines directly inside such an expression
/// carry no meaning, so they are replaced by spaces (and a line comment there by spaces up to
/// and with its newline): the same byte length, so every span stays an offset into the file.
/// Strings and heredocs are kept as written; nested objects keep their newline separators.
/// `None` when there is nothing to replace.
fn join_for_object_lines(text: &str) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    let mut stack: Vec<Frame> = Vec::new();
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let top = stack.last().copied();
        if top == Some(Frame::Quoted) {
            match b {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                // `$${` and `%%{` are literal text.
                b'$' | b'%' if bytes.get(i + 1) == Some(&b) && bytes.get(i + 2) == Some(&b'{') => {
                    i += 2
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Frame::Interpolation);
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        let in_for = top == Some(Frame::ForObject);
        match b {
            b'"' => stack.push(Frame::Quoted),
            b'{' => stack.push(if opens_for(&bytes[i + 1..]) {
                Frame::ForObject
            } else {
                Frame::Other
            }),
            b'[' | b'(' => stack.push(Frame::Other),
            b'}' | b']' | b')' => {
                stack.pop();
            }
            b'\n' | b'\r' if in_for => {
                bytes[i] = b' ';
                changed = true;
            }
            b'#' => i = skip_line_comment(&mut bytes, i, in_for, &mut changed),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = skip_line_comment(&mut bytes, i, in_for, &mut changed)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = find(&bytes, i + 2, b"*/").map_or(bytes.len(), |at| at + 2);
                if in_for {
                    bytes[i..end].fill(b' ');
                    changed = true;
                }
                i = end;
                continue;
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                if let Some(end) = heredoc_end(&bytes, i) {
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    // Only ASCII bytes and whole comments were replaced by spaces: still UTF-8.
    changed.then(|| String::from_utf8(bytes).ok()).flatten()
}

/// Whether the text after `{` starts with the keyword `for` (after blanks and newlines).
fn opens_for(rest: &[u8]) -> bool {
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let rest = &rest[start..];
    rest.starts_with(b"for")
        && !rest
            .get(3)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

/// Skips a line comment starting at `at`; inside `{ for … }` it and its newline become spaces.
/// Returns the index of its newline (or the end).
fn skip_line_comment(bytes: &mut [u8], at: usize, blank: bool, changed: &mut bool) -> usize {
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| at + n);
    if blank {
        bytes[at..end].fill(b' ');
        *changed = true;
    }
    // The newline itself is handled by the caller's loop (blanked there when inside `for`).
    end.saturating_sub(1).max(at)
}

/// The index just past a heredoc (`<<EOT` or `<<-EOT` … a line holding only `EOT`) starting at
/// `at`, or `None` when `<<` does not start one.
fn heredoc_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut start = at + 2;
    if bytes.get(start) == Some(&b'-') {
        start += 1;
    }
    let len = bytes[start..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')))
        .unwrap_or(bytes.len() - start);
    if len == 0 {
        return None;
    }
    let marker = &bytes[start..start + len];
    let mut line = find(bytes, start + len, b"\n")? + 1;
    loop {
        let end = find(bytes, line, b"\n").unwrap_or(bytes.len());
        let trimmed = bytes[line..end].trim_ascii();
        if trimmed == marker {
            return Some(end);
        }
        if end >= bytes.len() {
            return Some(bytes.len());
        }
        line = end + 1;
    }
}

/// The first index at or after `from` where `needle` starts.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|n| from + n)
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
pub(crate) fn span(node: &impl hcl_edit::Span) -> Option<Span> {
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

    /// The value of `a` in a one-attribute body, as hcl-edit parsed it.
    fn value_of_a(text: &str) -> hcl_edit::expr::Expression {
        let body = parse(text).unwrap_or_else(|e| panic!("{text:?}: {}", e.message));
        body.get_attribute("a").unwrap().value.clone()
    }

    #[test]
    fn a_conditional_broken_across_lines_in_an_object_for_parses_as_terraform_does() {
        use hcl_edit::expr::Expression;
        for text in [
            "a = { for k in v : k => k == \"a\" ? 1 :\n 2 }\n",
            "a = { for k in v : k => k == \"a\" ?\n 1 : 2 }\n",
            "a = { for k in v : k => k == \"a\"\n ? 1\n : 2 }\n",
            "a = { for k in v : k => k +\n 1 }\n",
            "a = { for k in v : k => k ? 1 : # why\n 2 }\n",
            "a = { for k in v : k => k ? 1 : // why\r\n 2 }\n",
            "a = { for k in v : k => k ? /* a\n b */ 1 :\n 2 }\n",
            "a = { for k, s in v : k => \"${s} }\" == \"a\" ? 1 :\n 2 }\n",
            "a = { for k in v : k => k ? \"é\" : # é\n \"ü\" if k !=\n \"x\" }\n",
        ] {
            assert!(
                matches!(value_of_a(text), Expression::ForExpr(_)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn related_line_breaks_inside_brackets_parse() {
        for text in [
            "a = [ for k in v : k == \"a\" ? 1 :\n 2 ]\n",
            "a = [ for k in v : k == \"a\" ?\n 1 : 2 ]\n",
            "a = [ 1 +\n 2, 3 ]\n",
            "a = [ { for k in v : k => k ? 1 :\n 2 } ]\n",
            "a = f({ for k in v : k => k ? 1 :\n 2 })\n",
            "a = ( x ?\n 1 :\n 2 )\n",
            "a = f( x &&\n y )\n",
            "a = { for k in v :\n k =>\n k\n if k ==\n \"a\" }\n",
        ] {
            value_of_a(text);
        }
    }

    #[test]
    fn spans_after_a_joined_for_stay_offsets_into_the_file() {
        let text =
            "locals {\n  a = { for k in v : k => k ? 1 :\n    2 }\n}\nresource \"x_y\" \"z\" {}\n";
        let body = parse(text).unwrap();
        let s = span(body.blocks().nth(1).unwrap()).unwrap();
        assert_eq!(&text[s.start..s.start + 8], "resource");
    }

    #[test]
    fn newlines_that_terraform_needs_are_kept() {
        // An object constructor's items are separated by newlines, also inside a `for`.
        let text = "a = { for k in v : k => {\n b = 1\n c = 2\n } }\n";
        value_of_a(text);
        // Terraform rejects a broken conditional in an object constructor's value: so do we.
        assert!(parse("a = { b = x ?\n 1 : 2 }\n").is_err());
        // A heredoc inside a `for` keeps its lines.
        let text = "a = { for k in v : k => <<EOT\nline ${k}\nEOT\n }\n";
        value_of_a(text);
        // An error elsewhere in a file with a broken `for` is still reported where it is.
        let text = "a = { for k in v : k => k ? 1 :\n 2 }\nb = = 3\n";
        let err = parse(text).unwrap_err();
        assert!(err.span.start >= text.find("b =").unwrap(), "{err:?}");
    }

    proptest::proptest! {
        #[test]
        fn joining_lines_keeps_every_offset_and_never_panics(
            text in "(\\{ for k in v : |[\\[\\](){}\"#/*<$%a-z?:= \n\\\\é]){0,40}"
        ) {
            if let Some(joined) = join_for_object_lines(&text) {
                proptest::prop_assert_eq!(joined.len(), text.len());
                for (i, (a, b)) in text.bytes().zip(joined.bytes()).enumerate() {
                    proptest::prop_assert!(a == b || b == b' ', "byte {} changed to {}", i, b);
                }
            }
            if let Err(e) = parse(&text) {
                proptest::prop_assert!(e.span.end <= text.len());
            }
        }
    }

    #[test]
    fn errors_never_split_a_character() {
        let err = parse("x = \"é").unwrap_err();
        let text = "x = \"é";
        assert!(text.is_char_boundary(err.span.start) && text.is_char_boundary(err.span.end));
    }
}

//! JSON through jsonc-parser into [`super::tree::Node`], with byte spans on every node and key.
//!
//! Plain `.json` is parsed strictly (RFC 8259). [`parse_lenient`] also accepts comments and
//! trailing commas, for the formats whose tools document them (ARM templates, `tsconfig.json`,
//! VS Code settings); the caller decides when that applies.

use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions, parse_to_ast};

use super::tree::{Node, SyntaxError, Value};
use crate::source::Span;

/// Deeper documents are refused. jsonc-parser stops at 512 itself; ours is lower so that the
/// recursive conversion, `Node::walk` and the extractors stay far from a thread's stack limit.
pub(crate) const MAX_DEPTH: usize = 256;

/// Strict JSON.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    parse_with(text, &strict_options())
}

/// JSON with comments (`//`, `/* */`) and trailing commas; nothing else of JSON5.
pub fn parse_lenient(text: &str) -> Result<Node, SyntaxError> {
    let mut options = strict_options();
    options.allow_comments = true;
    options.allow_trailing_commas = true;
    parse_with(text, &options)
}

fn strict_options() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

fn parse_with(full: &str, options: &ParseOptions) -> Result<Node, SyntaxError> {
    // Files are read without their byte-order mark, but a tool calling the parser on raw text
    // should not fail on one: parse after it and keep spans in the full text's coordinates.
    let base = if full.starts_with('\u{feff}') { 3 } else { 0 };
    let text = &full[base..];
    check_depth(text).map_err(|e| shift_err(e, base))?;
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let result = parse_to_ast(text, &collect, options).map_err(|e| {
        let r = e.range();
        SyntaxError {
            message: lower_first(&e.kind().to_string()),
            span: clamp(text, r.start, r.end),
        }
    });
    let result = result.map_err(|e| shift_err(e, base))?;
    Ok(match result.value {
        // Converted by reference: consuming jsonc-parser's tree while converting it lowered
        // the heap's peak but not the resident memory, which grew (docs/performance.md,
        // "Memory").
        Some(value) => convert(&value, base),
        // An empty or whitespace-only file holds no value; nothing to report or extract.
        None => Node::new(Span::empty(base), Value::Null),
    })
}

fn shift_err(mut e: SyntaxError, base: usize) -> SyntaxError {
    e.span = Span::new(e.span.start + base, e.span.end + base);
    e
}

/// Refuses nesting deeper than [`MAX_DEPTH`] before the recursive parser sees it, at the
/// bracket that crosses the limit. Strings are skipped; comments are not (a bracket in a
/// comment only makes the count more cautious).
fn check_depth(text: &str) -> Result<(), SyntaxError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(SyntaxError {
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        span: Span::new(i, i + 1),
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn convert(value: &ast::Value<'_>, base: usize) -> Node {
    let span = |r: jsonc_parser::common::Range| Span::new(r.start + base, r.end + base);
    match value {
        ast::Value::StringLit(s) => {
            Node::new(span(s.range), Value::String(s.value.as_ref().into()))
        }
        ast::Value::NumberLit(n) => Node::new(span(n.range), Value::Number((*n.value).into())),
        ast::Value::BooleanLit(b) => Node::new(span(b.range), Value::Bool(b.value)),
        ast::Value::NullKeyword(n) => Node::new(span(n.range), Value::Null),
        ast::Value::Array(a) => Node::new(
            span(a.range),
            Value::Seq(a.elements.iter().map(|e| convert(e, base)).collect()),
        ),
        ast::Value::Object(o) => Node::new(
            span(o.range),
            Value::Map(
                o.properties
                    .iter()
                    .map(|p| {
                        let key = match &p.name {
                            ast::ObjectPropName::String(s) => {
                                Node::new(span(s.range), Value::String(s.value.as_ref().into()))
                            }
                            ast::ObjectPropName::Word(w) => {
                                Node::new(span(w.range), Value::String((*w.value).into()))
                            }
                        };
                        (key, convert(&p.value, base))
                    })
                    .collect(),
            ),
        ),
    }
}

fn clamp(text: &str, start: usize, end: usize) -> Span {
    let start = crate::source::clamp_to_char_boundary(text, start);
    let end = crate::source::clamp_to_char_boundary(text, end.max(start));
    Span::new(start, end)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spans_cover_keys_and_values() {
        let text = r#"{"a": [1, "x"], "b": {"c": null}}"#;
        let root = parse(text).unwrap();
        let (k, v) = root.entry("a").unwrap();
        assert_eq!(&text[k.span.range()], "\"a\"");
        assert_eq!(&text[v.span.range()], "[1, \"x\"]");
        let c = root.path(&["b", "c"]).unwrap();
        assert_eq!(&text[c.span.range()], "null");
        assert_eq!(root.span, Span::new(0, text.len()));
    }

    #[test]
    fn spans_are_bytes_after_multibyte_text() {
        let text = "{\"é\": \"ü\", \"k\": \"v\"}";
        let root = parse(text).unwrap();
        let (k, v) = root.entry("k").unwrap();
        assert_eq!(&text[k.span.range()], "\"k\"");
        assert_eq!(&text[v.span.range()], "\"v\"");
    }

    #[test]
    fn strict_refuses_comments_and_trailing_commas() {
        let e = parse("{\n  // c\n  \"a\": 1\n}").unwrap_err();
        assert!(e.message.contains("comments"), "{}", e.message);
        assert_eq!(e.span.start, 4);
        assert!(parse("[1, 2,]").is_err());
        assert!(parse("{a: 1}").is_err());
        assert!(parse("['x']").is_err());
        assert!(parse_lenient("{\n  // c\n  \"a\": 1,\n}").is_ok());
        // Lenient is not JSON5.
        assert!(parse_lenient("{a: 1}").is_err());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let text = "{\n  \"a\": 1\n  \"b\": 2\n}";
        let e = parse(text).unwrap_err();
        // jsonc-parser reports a missing comma right after the previous value.
        assert!(
            e.span.start >= text.find('1').unwrap() && e.span.start <= text.find("\"b\"").unwrap()
        );
        assert!(e.message.contains("comma"), "{}", e.message);
        let e = parse("{\"a\": \"unterminated}").unwrap_err();
        assert!(e.span.start >= 6, "{e:?}");
    }

    #[test]
    fn duplicate_keys_keep_both_and_get_the_last() {
        let root = parse(r#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(root.as_map().unwrap().len(), 2);
        assert_eq!(root.get("a").unwrap().scalar_text().as_deref(), Some("2"));
    }

    #[test]
    fn huge_numbers_stay_as_written() {
        let n = "123456789012345678901234567890e99999";
        let root = parse(&format!("[{n}]")).unwrap();
        assert_eq!(root.as_seq().unwrap()[0].value, Value::Number(n.into()));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.span.start, MAX_DEPTH);
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        // Brackets inside strings do not count.
        let s = format!("[\"{}\"]", "[".repeat(10_000));
        assert!(parse(&s).is_ok());
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_spans_stay_in_the_file() {
        let text = "\u{feff}{\"a\": \"b\"}";
        let root = parse(text).unwrap();
        assert_eq!(&text[root.get("a").unwrap().span.range()], "\"b\"");
        let e = parse("\u{feff}{,}").unwrap_err();
        assert_eq!(e.span.start, 4);
    }

    #[test]
    fn empty_input_is_null() {
        assert_eq!(parse("  \n").unwrap().value, Value::Null);
    }

    #[test]
    fn escapes_are_decoded() {
        let root = parse(r#"{"u": "https:\/\/x\u0041"}"#).unwrap();
        assert_eq!(root.str_at(&["u"]), Some("https://xA"));
    }

    proptest! {
        #[test]
        fn never_panics_and_spans_are_in_bounds(text in "[\\[\\]{}\",:0-9a-z \n\\\\/*é]{0,60}") {
            if let Ok(root) = parse_lenient(&text) {
                root.walk(&mut |n| {
                    assert!(n.span.end <= text.len());
                    assert!(text.is_char_boundary(n.span.start) && text.is_char_boundary(n.span.end));
                });
            }
            if let Err(e) = parse(&text) {
                prop_assert!(e.span.end <= text.len());
            }
        }
    }
}

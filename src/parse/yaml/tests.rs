use super::*;

fn one(text: &str) -> Node {
    let mut docs = parse_str(text).unwrap();
    assert_eq!(docs.len(), 1, "{docs:?}");
    docs.remove(0)
}

fn at<'a>(text: &'a str, node: &Node) -> &'a str {
    &text[node.span.range()]
}

#[test]
fn keys_and_values_have_byte_spans() {
    let text = "a: 1\nbücket:\n  name: x\n";
    let doc = one(text);
    let (k, v) = doc.entry("bücket").unwrap();
    assert_eq!(at(text, k), "bücket");
    assert_eq!(at(text, v.get("name").unwrap()), "x");
    let (k, _) = v.entry("name").unwrap();
    assert_eq!(k.span.start, text.find("name").unwrap());
    assert_eq!(doc.span.start, 0);
}

#[test]
fn block_collections_end_at_their_last_child() {
    let text = "a:\n  b: 1\n  c: [1, 2]\n# trailing\n\nd: 2\n";
    let doc = one(text);
    assert_eq!(at(text, doc.get("a").unwrap()), "b: 1\n  c: [1, 2]");
    assert_eq!(at(text, doc.path(&["a", "c"]).unwrap()), "[1, 2]");
}

#[test]
fn multi_document_streams() {
    let text = "---\nkind: A\n---\nkind: B\n...\n---\nkind: C\n";
    let docs = parse_str(text).unwrap();
    let kinds: Vec<_> = docs.iter().filter_map(|d| d.str_at(&["kind"])).collect();
    assert_eq!(kinds, ["A", "B", "C"]);
    assert_eq!(docs[1].span.start, text.find("kind: B").unwrap());
}

#[test]
fn yaml_1_2_scalars() {
    let doc =
        one("a: NO\nb: yes\nc: on\nd: true\ne: 010\nf: 1.5e3\ng: ~\nh: '1'\ni: 0x1F\nj: 1.2.3\n");
    assert_eq!(doc.get("a").unwrap().value, Value::String("NO".into()));
    assert_eq!(doc.get("b").unwrap().value, Value::String("yes".into()));
    assert_eq!(doc.get("c").unwrap().value, Value::String("on".into()));
    assert_eq!(doc.get("d").unwrap().value, Value::Bool(true));
    assert_eq!(doc.get("e").unwrap().value, Value::Number("010".into()));
    assert_eq!(doc.get("f").unwrap().value, Value::Number("1.5e3".into()));
    assert_eq!(doc.get("g").unwrap().value, Value::Null);
    assert_eq!(doc.get("h").unwrap().value, Value::String("1".into()));
    assert_eq!(doc.get("i").unwrap().value, Value::Number("0x1F".into()));
    assert_eq!(doc.get("j").unwrap().value, Value::String("1.2.3".into()));
}

#[test]
fn tags_are_kept() {
    let text =
        "a: !Ref Bucket\nb: !GetAtt [X, Arn]\nc: !!str 12\nd: !Sub\n  - '${A}'\n  - {A: 1}\n";
    let doc = one(text);
    let a = doc.get("a").unwrap();
    assert!(matches!(&a.value, Value::Tagged(t, _) if &**t == "Ref"));
    assert_eq!(a.as_str(), Some("Bucket"));
    assert_eq!(at(text, a), "!Ref Bucket");
    let b = doc.get("b").unwrap();
    assert!(matches!(&b.value, Value::Tagged(t, _) if &**t == "GetAtt"));
    assert_eq!(b.as_seq().unwrap().len(), 2);
    assert_eq!(doc.get("c").unwrap().value, Value::String("12".into()));
    assert!(matches!(&doc.get("d").unwrap().value, Value::Tagged(t, _) if &**t == "Sub"));
}

#[test]
fn aliases_resolve_to_the_anchored_value() {
    let text = "base: &b {image: x, port: 1}\nuse: *b\nlist: [&s one, *s]\n";
    let doc = one(text);
    assert_eq!(doc.str_at(&["use", "image"]), Some("x"));
    let list = doc.get("list").unwrap().as_seq().unwrap();
    assert_eq!(list[1].as_str(), Some("one"));
    // The alias node points at the alias, not at the anchor.
    assert_eq!(at(text, doc.get("use").unwrap()), "*b");
}

#[test]
fn merge_keys_merge_and_own_keys_win() {
    let text = "x: &x {a: 1, b: 2}\ny:\n  b: 3\n  <<: *x\n  c: 4\n";
    let doc = one(text);
    let y = doc.get("y").unwrap();
    assert_eq!(y.get("a").unwrap().scalar_text().as_deref(), Some("1"));
    assert_eq!(y.get("b").unwrap().scalar_text().as_deref(), Some("3"));
    assert!(y.get("<<").is_none());
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let err = parse_str(&text).unwrap_err();
    assert!(err.message.contains("aliases expand"), "{}", err.message);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // saphyr stops flow nesting itself at 255 levels.
    assert!(parse_str(&"[".repeat(100_000)).is_err());
    let mut block = String::new();
    for i in 0..(MAX_DEPTH + 10) {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    let err = parse_str(&block).unwrap_err();
    assert!(err.message.contains("nesting deeper"), "{}", err.message);
    let ok = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(parse_str(&ok).is_ok());
}

#[test]
fn crlf_and_bom() {
    let text = "\u{feff}a: 1\r\nb:\r\n  c: é\r\n";
    let doc = one(text);
    assert_eq!(at(text, doc.path(&["b", "c"]).unwrap()), "é");
    let (k, _) = doc.entry("b").unwrap();
    assert_eq!(at(text, k), "b");
}

#[test]
fn a_byte_order_mark_anywhere_leaves_the_text_to_saphyr() {
    use crate::parse::yaml::parse_stream_fast;
    for text in ["\u{feff}a: 1\n", "a: 1\n\u{feff}b: 2\n", "a: x\u{feff}\n"] {
        assert!(parse_stream_fast(text).is_none(), "{text:?}");
    }
    // Other characters whose UTF-8 starts with 0xEF byte are the fast path's.
    for text in ["a: \u{fe0f}\n", "a: \u{ff21}\n", "a: é\n"] {
        assert!(parse_stream_fast(text).is_some(), "{text:?}");
    }
}

#[test]
fn very_long_lines_convert_in_linear_time() {
    let long = "é".repeat(2_000_000);
    let text = format!("a: [{}, z]\nb: x\n", long);
    let doc = one(&text);
    let a = doc.get("a").unwrap().as_seq().unwrap();
    assert_eq!(at(&text, &a[1]), "z");
    assert_eq!(at(&text, doc.get("b").unwrap()), "x");
}

#[test]
fn tab_indentation_is_a_syntax_error() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tabs-are-not-yaml\n";
    let err = parse_str(text).unwrap_err();
    let line = text[..err.span.start].matches('\n').count() + 1;
    assert_eq!(line, 4, "{err:?}");
}

#[test]
fn syntax_errors_carry_the_parser_position() {
    let text = "a: [1, 2\nb: 3\n";
    let err = parse_str(text).unwrap_err();
    assert!(err.span.start <= text.len());
    assert!(!err.message.is_empty());
    let err = parse_str("a: 'é\n").unwrap_err();
    assert!(err.span.end <= "a: 'é\n".len());
}

#[test]
fn empty_stream_has_no_documents() {
    assert!(parse_str("").unwrap().is_empty());
    assert!(parse_str("# only a comment\n").unwrap().is_empty());
}

proptest::proptest! {
    #[test]
    fn never_panics_and_spans_stay_in_bounds(text in "[a-z:\\-\\[\\]{}&*!\\n é'\"#|>]{0,80}") {
        if let Ok(docs) = parse_str(&text) {
            for d in &docs {
                d.walk(&mut |n| {
                    assert!(n.span.start <= n.span.end && n.span.end <= text.len());
                    assert!(text.is_char_boundary(n.span.start) && text.is_char_boundary(n.span.end));
                });
            }
        } else if let Err(e) = parse_str(&text) {
            assert!(e.span.end <= text.len());
        }
    }
}

#[test]
fn libyaml_indentation_slips_are_repaired_with_original_spans() {
    let text = "spec:\n  match:\n    namespaces: [\n      \"a\",\n      \"b\"\n  ]\n    processes: [\"audit\"]\n";
    let doc = one(text);
    let ns = doc.path(&["spec", "match", "namespaces"]).unwrap();
    assert_eq!(ns.as_seq().unwrap().len(), 2);
    let p = doc.path(&["spec", "match", "processes"]).unwrap();
    assert_eq!(at(text, p), "[\"audit\"]");
    let (k, _) = doc
        .path(&["spec", "match"])
        .unwrap()
        .entry("processes")
        .unwrap();
    assert_eq!(at(text, k), "processes");

    let text = "Outputs:\n  X:\n    Value: 'first line\n    continued'\n  Y: {Value: 2}\n";
    let doc = one(text);
    assert_eq!(
        doc.str_at(&["Outputs", "X", "Value"]),
        Some("first line continued")
    );
    let y = doc.path(&["Outputs", "Y"]).unwrap();
    assert_eq!(at(text, y), "{Value: 2}");
}

#[test]
fn tabs_stay_errors_after_repairs() {
    let text = include_str!("../../../tests/fixtures/broken/tabs.yaml");
    assert!(parse_str(text).is_err());
}

#[test]
fn document_starts_are_their_markers() {
    let text = "kind: A\n---\nkind: B\n--- # c\n";
    let s = parse_stream(text).unwrap();
    assert_eq!(s.docs.len(), 3, "a lone `---` opens an empty document");
    assert_eq!(s.docs[2].value, Value::Null);
    assert_eq!(s.starts.len(), 3);
    assert_eq!(s.starts[0], Span::empty(0));
    assert_eq!(s.starts[1], Span::new(8, 11));
    assert_eq!(&text[s.starts[2].range()], "---");
    assert_eq!(s.starts[2].start, text.rfind("---").unwrap());
}

#[test]
fn document_starts_survive_repairs() {
    let text = "spec:\n  match:\n    n: [\n      \"a\"\n  ]\n---\nk: 1\n";
    let s = parse_stream(text).unwrap();
    assert_eq!(s.docs.len(), 2);
    assert_eq!(s.starts[1].start, text.find("---").unwrap());
    assert_eq!(&text[s.starts[1].range()], "---");
}

#[test]
fn the_fast_path_reads_block_yaml_and_leaves_the_rest_to_saphyr() {
    let block = "a: 1\nb:\n  - x\n  - {k: v}\nc: |\n  text\n";
    let fast = fast::parse(block).expect("the fast path reads block YAML");
    assert_eq!(Ok(fast), Builder::new(block).run());
    // Line ends of CR LF and flow mappings whose keys run into a line break go to saphyr,
    // with the same result a reader expects; values that do are read by both alike.
    let crlf = "a: 1\r\nb: [x, y]\r\n";
    assert!(fast::parse(crlf).is_none());
    assert_eq!(one(crlf).get("b").unwrap().as_seq().unwrap().len(), 2);
    let flow = "a: {x\n  y: 1}\n";
    assert!(fast::parse(flow).is_none());
    assert_eq!(one(flow).get("a").unwrap().as_map().unwrap().len(), 1);
    let flow = "a: [\n  x,\n  y\n  ]\n";
    assert_eq!(fast::parse(flow).map(Ok), Some(Builder::new(flow).run()));
    assert_eq!(one(flow).get("a").unwrap().as_seq().unwrap().len(), 2);
}

#[test]
fn plain_scalars_resolve_by_the_core_schema() {
    for null in ["", "~", "null", "Null", "NULL"] {
        assert_eq!(resolve_plain(null), Value::Null, "{null:?}");
    }
    for (text, b) in [
        ("true", true),
        ("True", true),
        ("TRUE", true),
        ("false", false),
        ("False", false),
        ("FALSE", false),
    ] {
        assert_eq!(resolve_plain(text), Value::Bool(b), "{text:?}");
    }
    for number in [
        "0", "10", "-1", "+2", "1.5", ".5", "1e3", "0x1F", "0o17", ".inf", "-.Inf", ".NaN",
    ] {
        assert_eq!(
            resolve_plain(number),
            Value::Number(number.into()),
            "{number:?}"
        );
    }
    // Words, also those that start like a name of the schema, stay strings.
    for word in [
        "nginx", "nil", "no", "yes", "t2.micro", "truely", "Falsey", "~x", "NULLS", "eastus",
    ] {
        assert_eq!(resolve_plain(word), Value::String(word.into()), "{word:?}");
    }
}

use super::tree::{Attr, Body, Expr};
use super::*;

fn body(text: &str) -> Body {
    parse(text).unwrap_or_else(|e| panic!("{text:?}: {} at {:?}", e.message, e.span))
}

/// The value of `a` in a one-attribute file.
fn value_of_a(text: &str) -> Expr {
    body(text)
        .attr("a")
        .expect("an attribute `a`")
        .value
        .clone()
}

fn lit(s: &str) -> Expr {
    Expr::Lit(s.into())
}

fn reference(parts: &[&str]) -> Expr {
    Expr::Ref(parts.iter().map(|s| Str::from(*s)).collect())
}

#[test]
fn values_are_literals_references_collections_and_calls() {
    let body = body(concat!(
        "a = \"x\"\n",
        "b = var.region\n",
        "c = \"${local.loc}\"\n",
        "d = \"${var.p}-suffix\"\n",
        "e = lookup(var.m, \"k\")\n",
        "f = { team = \"ml\", \"cost-center\" = 42 }\n",
        "g = [\"g5.xlarge\", var.t]\n",
        "h = true\n",
        "i = var.list[0]\n",
        "j = null\n",
        "k = (var.x)\n",
        "l = (var.x).y\n",
        "m = provider::aws::arn_parse(\"arn\")\n",
        "n = \"a\\\"b\\u00e9\\U0001F600 $${x} %%{y}\"\n",
        "o = var.x ? 1 : 2\n",
        "p = 1 + 2\n",
        "q = -3\n",
        "r = <<EOT\nx\nEOT\n",
        "s = [for x in var.l : x]\n",
        "t = var.l[*].id\n",
        "u = f(var.l...)\n",
    ));
    let v = |k: &str| body.attr(k).unwrap().value.clone();
    assert_eq!(v("a"), lit("x"));
    assert_eq!(v("b"), reference(&["var", "region"]));
    assert_eq!(v("c"), reference(&["local", "loc"]));
    assert_eq!(v("d"), Expr::Other);
    assert!(matches!(v("e"), Expr::Call(c) if c.name == "lookup" && c.args.len() == 2));
    let Expr::Object(entries) = v("f") else {
        panic!("not an object")
    };
    assert_eq!(&*entries[0].key, "team");
    assert_eq!(&*entries[1].key, "cost-center");
    assert_eq!(entries[1].value, lit("42"));
    assert_eq!(
        v("g"),
        Expr::List(vec![lit("g5.xlarge"), reference(&["var", "t"])])
    );
    assert_eq!(v("h"), lit("true"));
    assert_eq!(v("i"), Expr::Other);
    assert_eq!(v("j"), Expr::Null);
    assert_eq!(v("k"), reference(&["var", "x"]));
    assert_eq!(v("l"), Expr::Other);
    assert!(matches!(v("m"), Expr::Call(c) if c.name == "arn_parse" && c.args == [lit("arn")]));
    assert_eq!(v("n"), lit("a\"b\u{e9}\u{1F600} ${x} %{y}"));
    for k in ["o", "p", "r", "s", "t"] {
        assert_eq!(v(k), Expr::Other, "{k}");
    }
    assert_eq!(v("q"), lit("-3"));
    assert!(matches!(v("u"), Expr::Call(c) if c.args.len() == 1));
}

#[test]
fn numbers_read_as_terraform_prints_them() {
    for (text, want) in [
        ("1", "1"),
        ("007", "7"),
        ("1.5", "1.5"),
        ("1.0", "1"),
        ("1e3", "1000"),
        ("2.5E-1", "0.25"),
        ("- 4", "-4"),
        ("18446744073709551616", "1.8446744073709552e19"),
    ] {
        assert_eq!(value_of_a(&format!("a = {text}\n")), lit(want), "{text}");
    }
    assert!(parse("a = 1e\n").is_err());
}

#[test]
fn blocks_keep_labels_and_spans() {
    let text =
        "# c\n\nresource \"aws_s3_bucket\" logs {\n  tags = {}\n}\nterraform {}\nx { y = 1 }\n";
    let body = body(text);
    let b = &body.blocks[0];
    assert_eq!(&*b.ident, "resource");
    assert_eq!(b.labels, ["aws_s3_bucket", "logs"]);
    assert_eq!(
        &text[b.span.range()],
        "resource \"aws_s3_bucket\" logs {\n  tags = {}\n}"
    );
    assert_eq!(&text[b.body.attrs[0].span.range()], "tags = {}");
    assert!(body.blocks[1].body.attrs.is_empty());
    assert_eq!(body.blocks[2].body.attrs[0].value, lit("1"));
}

#[test]
fn dashed_names_are_references() {
    let body = body("resource \"google_x\" \"y\" {\n  provider = google-beta\n}\n");
    let attr = body.blocks[0].body.attr("provider").unwrap();
    assert_eq!(attr.value, reference(&["google-beta"]));
}

#[test]
fn a_byte_order_mark_keeps_spans_aligned() {
    let text = "\u{feff}resource \"a_b\" \"c\" {}\n";
    let b = &body(text).blocks[0];
    assert_eq!(&text[b.span.start..b.span.start + 8], "resource");
}

#[test]
fn object_entries_span_key_and_value_and_repeated_keys_are_kept() {
    let text = "a = {\n  k = 1,\n  \"k\" = 2\n  k = 3 # last\n}\n";
    let Expr::Object(entries) = value_of_a(text) else {
        panic!("not an object")
    };
    let spans: Vec<&str> = entries
        .iter()
        .map(|e: &Attr| &text[e.span.range()])
        .collect();
    assert_eq!(spans, ["k = 1", "\"k\" = 2", "k = 3"]);
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| &*e.key == "k"));
}

#[test]
fn a_repeated_attribute_is_an_error_at_its_name() {
    let text = "locals {\n  a = 1\n  a = 2\n}\n";
    let e = parse(text).unwrap_err();
    assert_eq!(e.span.start, text.rfind("a = 2").unwrap());
    assert!(e.message.contains("`a` is set above"), "{}", e.message);
    // Many attributes: the set takes over from the scan.
    let mut text: String = (0..40).map(|i| format!("k{i} = {i}\n")).collect();
    assert_eq!(body(&text).attrs.len(), 40);
    text.push_str("k7 = 0\n");
    assert!(parse(&text).is_err());
    // Each body counts its own names, nested ones in between included.
    let nested = "a = 1\nb {\n  a = 2\n  c {\n    a = 3\n  }\n}\nd = 4\n";
    assert_eq!(body(nested).attrs.len(), 2);
    let e = parse("a = 1\nb {\n  x = 1\n}\na = 2\n").unwrap_err();
    assert!(e.message.contains("`a` is set above"), "{}", e.message);
}

#[test]
fn a_conditional_broken_across_lines_in_an_object_for_parses_as_terraform_does() {
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
        "a = { for k in v : k => k... }\n",
    ] {
        assert_eq!(value_of_a(text), Expr::Other, "{text:?}");
    }
}

#[test]
fn line_breaks_inside_brackets_parse() {
    for text in [
        "a = [ for k in v : k == \"a\" ? 1 :\n 2 ]\n",
        "a = [ for k in v : k == \"a\" ?\n 1 : 2 ]\n",
        "a = [ 1 +\n 2, 3 ]\n",
        "a = [ { for k in v : k => k ? 1 :\n 2 } ]\n",
        "a = f({ for k in v : k => k ? 1 :\n 2 })\n",
        "a = ( x ?\n 1 :\n 2 )\n",
        "a = f( x &&\n y )\n",
        "a = { for k in v :\n k =>\n k\n if k ==\n \"a\" }\n",
        "a = f(\n  x,\n  y,\n)\n",
        "a = [\n  1,\n  2,\n]\n",
        "a = \"${\n  x\n}\"\n",
    ] {
        value_of_a(text);
    }
}

#[test]
fn newlines_that_terraform_needs_are_kept() {
    // An object constructor's items are separated by newlines, also inside a `for`.
    value_of_a("a = { for k in v : k => {\n b = 1\n c = 2\n } }\n");
    // A conditional broken across lines in an object's value, or in an attribute, is an error.
    assert!(parse("a = { b = x ?\n 1 : 2 }\n").is_err());
    assert!(parse("a = x ?\n 1 : 2\n").is_err());
    assert!(parse("a = 1\n+ 2\n").is_err());
    // Two attributes on one line, or an attribute after a block's `{` on its line, are errors.
    assert!(parse("a = 1 b = 2\n").is_err());
    assert!(parse("b {\n  a = 1 }\n").is_err());
    // A heredoc inside a `for` keeps its lines.
    value_of_a("a = { for k in v : k => <<EOT\nline ${k}\nEOT\n }\n");
    // An error after a broken `for` is still reported where it is.
    let text = "a = { for k in v : k => k ? 1 :\n 2 }\nb = = 3\n";
    let err = parse(text).unwrap_err();
    assert!(err.span.start >= text.find("b =").unwrap(), "{err:?}");
}

#[test]
fn templates_and_heredocs_are_checked_in_full() {
    let text = concat!(
        "resource \"aws_s3_bucket\" \"b\" {\n",
        "  bucket = \"x-${var.a}-{not}-%{ if true }y%{ else }z%{ endif }-$${lit}\"\n",
        "  policy = <<-EOT\n",
        "    }\n",
        "    %{~ for k, v in var.m ~}\n",
        "    ${k} = ${v}\n",
        "    %{ endfor }\n",
        "resource \"fake\" \"inside_heredoc\" {\n",
        "    EOT\n",
        "  x = jsonencode(<<EOT\n{}\nEOT\n  )\n",
        "  empty = <<EOT\nEOT\n",
        "}\n",
    );
    let body = body(text);
    assert_eq!(body.blocks.len(), 1);
    let attrs: Vec<&str> = body.blocks[0].body.attrs.iter().map(|a| &*a.key).collect();
    assert_eq!(attrs, ["bucket", "policy", "x", "empty"]);
    for bad in [
        "a = \"%{ if x }y\"\n",
        "a = \"%{ endif }\"\n",
        "a = \"%{ for x in y }z%{ endif }\"\n",
        "a = \"${x\"\n",
        "a = <<EOT\nno end\n",
        "a = <<EOT x\nEOT\n",
        "a = \"\\q\"\n",
        "a = \"\\u12\"\n",
        "a = \"\\uD800\"\n",
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn what_the_file_ends_inside_is_an_error_where_it_opens() {
    let text = "resource \"aws_instance\" \"x\" {\n  instance_type = \"m5.large\n}\n";
    let err = parse(text).unwrap_err();
    assert_eq!(
        err.message,
        "invalid HCL syntax: the string that starts here is not closed: no `\"` before the end of the file"
    );
    let open = text.find("\"m5").unwrap();
    assert_eq!(err.span, Span::new(open, open + 1));
    for (text, open, what) in [
        ("resource \"a\" \"b\" {\n  x = 1\n", "{", "the block"),
        ("a = <<EOT\nno end\n", "<<", "the heredoc"),
        ("a = 1 /* no end\n", "/*", "the comment"),
        (
            "a = [1, 2\n",
            "[",
            "the list that opens here is not closed: no `]`",
        ),
        (
            "a = { b = 1\n",
            "{",
            "the object that opens here is not closed: no `}`",
        ),
        (
            "a = f(1,\n",
            "(",
            "the argument list that opens here is not closed: no `)`",
        ),
        ("a = (1 +\n 2", "(", "the parenthesis"),
        ("a = \"x-${var.y", "${", "the interpolation"),
        ("a = [{ b = [\"x\"", "[\"", "the list"),
    ] {
        let err = parse(text).unwrap_err();
        assert_eq!(err.span.start, text.find(open).unwrap(), "{text:?}");
        assert!(err.message.contains(what), "{}", err.message);
    }
}

#[test]
fn other_errors_say_what_was_expected_and_found() {
    let err = parse("a = 1 b = 2\n").unwrap_err();
    assert_eq!(
        err.message,
        "invalid HCL syntax: expected a newline after the attribute or block, found `b`"
    );
    assert_eq!(err.span, Span::new(6, 7));
    let err = parse("a = \n").unwrap_err();
    assert_eq!(
        err.message,
        "invalid HCL syntax: expected an expression, found the end of the line"
    );
}

#[test]
fn nesting_beyond_the_limit_is_an_error_not_a_crash() {
    let depth = 5000;
    let text = format!("a = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    assert!(parse(&text).is_err());
    let text = format!("{}{}", "b {\n".repeat(depth), "}\n".repeat(depth));
    assert!(parse(&text).is_err());
    let text = format!("a = {}1\n", "-!".repeat(depth));
    assert!(parse(&text).is_err());
    let text = format!("a = \"{}\"\n", "%{ if x }".repeat(depth));
    assert!(parse(&text).is_err());
    // Within the limit (a list and its item are two levels), it parses.
    let text = format!("a = {}1{}\n", "[".repeat(60), "]".repeat(60));
    assert!(parse(&text).is_ok());
}

#[test]
fn errors_never_split_a_character() {
    for text in ["x = \"é", "x = ☃", "☃", "x = 1 é\n", "a = \"\\é\""] {
        let err = parse(text).unwrap_err();
        assert!(
            text.is_char_boundary(err.span.start) && text.is_char_boundary(err.span.end),
            "{text:?}"
        );
    }
}

proptest::proptest! {
    #[test]
    fn any_text_parses_or_fails_inside_the_text(
        text in "(\\{ for k in v : |<<EOT\n|EOT\n|\\$\\{|%\\{ if x \\}|%\\{ endif \\}|[\\[\\](){}\"#/*<$%a-z0-9?:=.,~\\\\ \n\té-]){0,60}"
    ) {
        match parse(&text) {
            Ok(_) => {}
            Err(e) => {
                proptest::prop_assert!(e.span.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(e.span.start));
            }
        }
    }
}

//! Lowers hcl-edit's tree into the module model.

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure;
use hcl_edit::template::Element;

use super::model::{Attr, Block, Body, Call, Expr};
use crate::parse::hcl::span;
use crate::parse::tree::SyntaxError;

/// A large file is parsed in pieces of at least this many bytes.
const PIECE: usize = 256 << 10;

/// Parses and lowers a `.tf`, `.tfvars` or Terragrunt file. One over two pieces long is cut
/// at top-level items ([`crate::parse::hcl::top_level_cuts`]) and each piece is parsed, lowered
/// and its hcl-edit tree dropped before the next: the tree is many times the text, the
/// lowered model a fraction (docs/performance.md, "Memory"). The pieces' bodies, their spans
/// moved to the file's offsets, are the same as the whole file's. If a piece does not parse,
/// the file is parsed whole, so its error is the one hcl-edit reports for the file.
pub(crate) fn parse_body(text: &str) -> Result<Body, SyntaxError> {
    if text.len() > 2 * PIECE
        && let Some(cuts) = crate::parse::hcl::top_level_cuts(text, PIECE)
        && !cuts.is_empty()
    {
        let mut out = Body::default();
        let mut start = 0;
        for end in cuts.into_iter().chain(std::iter::once(text.len())) {
            let Ok(tree) = crate::parse::hcl::parse(&text[start..end]) else {
                return parse_whole(text);
            };
            let mut part = lower_body(&tree);
            drop(tree);
            part.shift(start);
            out.attrs.append(&mut part.attrs);
            out.blocks.append(&mut part.blocks);
            start = end;
        }
        return Ok(out);
    }
    parse_whole(text)
}

fn parse_whole(text: &str) -> Result<Body, SyntaxError> {
    crate::parse::hcl::parse(text).map(|tree| lower_body(&tree))
}

pub(crate) fn lower_body(body: &structure::Body) -> Body {
    // Sized exactly: a large file's model is held whole while its deployments are made, and
    // vectors grown one push at a time kept twice the room (docs/performance.md, "Memory").
    let attrs = body.iter().filter(|s| s.is_attribute()).count();
    let mut out = Body {
        attrs: Vec::with_capacity(attrs),
        blocks: Vec::with_capacity(body.len() - attrs),
    };
    for structure in body.iter() {
        match structure {
            structure::Structure::Attribute(a) => out.attrs.push(Attr {
                key: a.key.as_str().into(),
                span: span(a).unwrap_or_default(),
                value: lower_expr(&a.value),
            }),
            structure::Structure::Block(b) => out.blocks.push(Block {
                ident: b.ident.as_str().into(),
                labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                span: span(b).unwrap_or_default(),
                body: lower_body(&b.body),
            }),
        }
    }
    out
}

fn lower_expr(expr: &Expression) -> Expr {
    match expr {
        Expression::Null(_) => Expr::Null,
        Expression::Bool(b) => Expr::Lit(b.value().to_string()),
        Expression::Number(n) => Expr::Lit(n.value().to_string()),
        Expression::String(s) => Expr::Lit(s.value().clone()),
        Expression::Array(items) => Expr::List(items.iter().map(lower_expr).collect()),
        Expression::Object(obj) => Expr::Object({
            let mut attrs = Vec::with_capacity(obj.len());
            attrs.extend(obj.iter().filter_map(|(key, value)| {
                let name = match key {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                    ObjectKey::Expression(_) => return None,
                };
                let start = span(key).or_else(|| span(value.expr()));
                let end = span(value.expr());
                let span = match (start, end) {
                    (Some(a), Some(b)) => a.to(b),
                    (a, b) => a.or(b).unwrap_or_default(),
                };
                Some(Attr {
                    key: name.into(),
                    span,
                    value: lower_expr(value.expr()),
                })
            }));
            attrs
        }),
        Expression::StringTemplate(t) => lower_template(t.iter()),
        Expression::Parenthesis(p) => lower_expr(p.inner()),
        Expression::Variable(v) => Expr::Ref(vec![v.as_str().to_string()]),
        Expression::Traversal(t) => lower_traversal(t),
        Expression::FuncCall(call) => Expr::Call(Box::new(Call {
            name: call.name.name.as_str().to_string(),
            args: call.args.iter().map(lower_expr).collect(),
        })),
        _ => Expr::Other,
    }
}

/// `"${var.x}"` is `var.x`; a template of literal parts only is their text; the rest is not
/// evaluated.
fn lower_template<'a>(elements: impl Iterator<Item = &'a Element>) -> Expr {
    let elements: Vec<&Element> = elements.collect();
    if let [Element::Interpolation(i)] = elements.as_slice() {
        return lower_expr(&i.expr);
    }
    let mut text = String::new();
    for e in elements {
        match e {
            Element::Literal(l) => text.push_str(l.value()),
            _ => return Expr::Other,
        }
    }
    Expr::Lit(text)
}

fn lower_traversal(t: &hcl_edit::expr::Traversal) -> Expr {
    let Expression::Variable(root) = &t.expr else {
        return Expr::Other;
    };
    let mut path = Vec::with_capacity(1 + t.operators.len());
    path.push(root.as_str().to_string());
    for op in &t.operators {
        match op.value() {
            TraversalOperator::GetAttr(ident) => path.push(ident.as_str().to_string()),
            _ => return Expr::Other,
        }
    }
    Expr::Ref(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(text: &str) -> Body {
        lower_body(&crate::parse::hcl::parse(text).unwrap())
    }

    #[test]
    fn values_lower_to_literals_and_references() {
        let body = lower(concat!(
            "a = \"x\"\n",
            "b = var.region\n",
            "c = \"${local.loc}\"\n",
            "d = \"${var.p}-suffix\"\n",
            "e = lookup(var.m, \"k\")\n",
            "f = { team = \"ml\", \"cost-center\" = 42 }\n",
            "g = [\"g5.xlarge\", var.t]\n",
            "h = true\n",
            "i = var.list[0]\n",
        ));
        let v = |k: &str| body.attr(k).unwrap().value.clone();
        assert_eq!(v("a"), Expr::Lit("x".into()));
        assert_eq!(v("b"), Expr::Ref(vec!["var".into(), "region".into()]));
        assert_eq!(v("c"), Expr::Ref(vec!["local".into(), "loc".into()]));
        assert_eq!(v("d"), Expr::Other);
        assert!(matches!(v("e"), Expr::Call(c) if c.name == "lookup" && c.args.len() == 2));
        let Expr::Object(entries) = v("f") else {
            panic!("not an object")
        };
        assert_eq!(&*entries[0].key, "team");
        assert_eq!(&*entries[1].key, "cost-center");
        assert_eq!(entries[1].value, Expr::Lit("42".into()));
        assert!(matches!(v("g"), Expr::List(items) if items.len() == 2));
        assert_eq!(v("h"), Expr::Lit("true".into()));
        assert_eq!(v("i"), Expr::Other);
    }

    /// A file of `n` copies of items that a naive cut would break: braces and interpolations in
    /// strings, heredocs holding `}` and identifiers at column 0, comments of every kind.
    fn tricky(n: usize) -> String {
        let mut text = String::from("\u{feff}# header\n");
        for i in 0..n {
            text.push_str(&format!(
                concat!(
                    "resource \"aws_s3_bucket\" \"b{i}\" {{\n",
                    "  bucket = \"x-${{var.a}}-{{not}}-%{{ if true }}y%{{ endif }}-$${{lit}}-{i}\"\n",
                    "  policy = <<-EOT\n",
                    "    }}\n",
                    "resource \"fake\" \"inside_heredoc\" {{\n",
                    "    EOT\n",
                    "  /* block comment }} {{ */\n",
                    "  tags = {{ for k, v in var.t : k => v == \"a\" ? 1 : 2 }} // trailing }}\n",
                    "}}\n",
                    "locals {{ l{i} = [\"]\", (1 + 2)] }}\n",
                ),
                i = i
            ));
        }
        text
    }

    #[test]
    fn a_large_file_lowered_in_pieces_equals_the_whole_file_lowered() {
        let text = tricky(6_000);
        assert!(text.len() > 2 * PIECE, "{}", text.len());
        let cuts =
            crate::parse::hcl::top_level_cuts(&text, PIECE).expect("the scan understands it");
        assert!(cuts.len() >= 2, "{cuts:?}");
        for &c in &cuts {
            assert!(
                text[c..].starts_with("resource \"aws_s3_bucket\"")
                    || text[c..].starts_with("locals"),
                "{c}"
            );
        }
        let pieces = parse_body(&text).expect("parses");
        let whole = parse_whole(&text).expect("parses");
        assert_eq!(pieces.blocks.len(), 12_000);
        assert!(pieces == whole, "lowering in pieces changed the model");
    }

    #[test]
    fn a_large_file_that_does_not_parse_gets_the_whole_files_error() {
        let mut text = tricky(6_000);
        let at = text.len() - 10;
        text.insert_str(at, " = = ");
        let e = parse_body(&text).expect_err("a syntax error");
        let whole = crate::parse::hcl::parse(&text).expect_err("a syntax error");
        assert_eq!((e.span, e.message), (whole.span, whole.message));
    }

    #[test]
    fn the_scan_gives_up_on_what_it_does_not_understand() {
        use crate::parse::hcl::top_level_cuts;
        assert_eq!(top_level_cuts("a = [1\nb = 2\n", 1), None);
        assert_eq!(top_level_cuts("a = \"x\nb = 2\n", 1), None);
        assert_eq!(top_level_cuts("a = 1 }\nb = 2\n", 1), None);
        assert_eq!(top_level_cuts("a = 1\nb = 2\n", 1), Some(vec![6]));
        assert_eq!(top_level_cuts("a = 1\n  b = 2\n", 1), Some(vec![]));
    }

    #[test]
    fn blocks_keep_labels_and_spans() {
        let text = "resource \"aws_s3_bucket\" \"logs\" {\n  tags = {}\n}\n";
        let body = lower(text);
        let b = &body.blocks[0];
        assert_eq!(&*b.ident, "resource");
        assert_eq!(b.labels, ["aws_s3_bucket", "logs"]);
        assert_eq!(b.span.start, 0);
        assert_eq!(&text[b.body.attrs[0].span.range()], "tags = {}");
    }
}

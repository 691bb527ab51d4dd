//! hcl-edit's tree lowered the way cloudpact lowered it before its own parser: blocks,
//! attributes, literals, references, collections, calls; every other expression `Other`.
//! Shared by tests/hcl_reference.rs and fuzz/fuzz_targets/hcl.rs.

use cloudpact::parse::hcl::tree::{Attr, Block, Body, Call, Expr};
use cloudpact::source::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure;
use hcl_edit::template::Element;

/// `text` parsed by hcl-edit and lowered; hcl-edit's error when it does not parse.
pub fn parse(text: &str) -> Result<Body, hcl_edit::parser::Error> {
    // hcl-edit rejects a byte-order mark; cloudpact skips it.
    let blanked = text
        .strip_prefix('\u{feff}')
        .map(|rest| format!("   {rest}"));
    hcl_edit::parser::parse_body(blanked.as_deref().unwrap_or(text)).map(|b| lower_body(&b))
}

fn span(node: &impl hcl_edit::Span) -> Option<Span> {
    node.span().map(Span::from)
}

fn lower_body(body: &structure::Body) -> Body {
    let mut out = Body::default();
    for structure in body.iter() {
        match structure {
            structure::Structure::Attribute(a) => out.attrs.push(Attr {
                key: a.key.as_str().into(),
                span: span(a).unwrap_or_default(),
                value: lower_expr(&a.value),
            }),
            structure::Structure::Block(b) => out.blocks.push(Block {
                ident: b.ident.as_str().into(),
                labels: b.labels.iter().map(|l| l.as_str().into()).collect(),
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
        Expression::Bool(b) => Expr::Lit(b.value().to_string().into()),
        Expression::Number(n) => Expr::Lit(n.value().to_string().into()),
        Expression::String(s) => Expr::Lit(s.value().as_str().into()),
        Expression::Array(items) => Expr::List(items.iter().map(lower_expr).collect()),
        Expression::Object(obj) => Expr::Object(
            obj.iter()
                .filter_map(|(key, value)| {
                    let name = match key {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                        ObjectKey::Expression(_) => return None,
                    };
                    let start = span(key).or_else(|| span(value.expr()));
                    let end = span(value.expr());
                    let span = match (start, end) {
                        (Some(a), Some(b)) => Span::new(a.start.min(b.start), a.end.max(b.end)),
                        (a, b) => a.or(b).unwrap_or_default(),
                    };
                    Some(Attr {
                        key: name.into(),
                        span,
                        value: lower_expr(value.expr()),
                    })
                })
                .collect(),
        ),
        Expression::StringTemplate(t) => {
            let elements: Vec<&Element> = t.iter().collect();
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
            Expr::Lit(text.into())
        }
        Expression::Parenthesis(p) => lower_expr(p.inner()),
        Expression::Variable(v) => Expr::Ref(vec![v.as_str().into()]),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return Expr::Other;
            };
            let mut path = vec![root.as_str().into()];
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(ident) => path.push(ident.as_str().into()),
                    _ => return Expr::Other,
                }
            }
            Expr::Ref(path)
        }
        Expression::FuncCall(call) => Expr::Call(Box::new(Call {
            name: call.name.name.as_str().to_string(),
            args: call.args.iter().map(lower_expr).collect(),
        })),
        _ => Expr::Other,
    }
}

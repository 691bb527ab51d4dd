//! Lowers a `.tf.json` document into the module model. JSON cannot tell a nested block from
//! an object attribute, so nested objects stay attributes; the top-level block types are known.

use super::model::{Attr, Block, Body, Expr};
use crate::parse::tree::{Node, Str, Value};

/// Deeper JSON is not read (and keeps lowering off the stack limit).
const MAX_DEPTH: usize = 64;

pub(crate) fn lower_root(root: &Node) -> Body {
    let mut out = Body::default();
    for (key, value) in entries(root) {
        let Some(k) = key.as_str() else { continue };
        match k {
            "resource" | "data" => {
                for (ty, per_type) in entries(value) {
                    for (name, body) in entries(per_type) {
                        for obj in objects(body) {
                            out.blocks.push(block(k, &[ty, name], name, obj));
                        }
                    }
                }
            }
            "module" | "variable" | "provider" => {
                for (name, body) in entries(value) {
                    for obj in objects(body) {
                        out.blocks.push(block(k, &[name], name, obj));
                    }
                }
            }
            "locals" => {
                for obj in objects(value) {
                    out.blocks.push(block(k, &[], key, obj));
                }
            }
            "terraform" => {
                for obj in objects(value) {
                    out.blocks.push(terraform_block(key, obj));
                }
            }
            _ => {}
        }
    }
    out
}

/// A `.tfvars.json` document: each top-level key is a variable's value. Strings here are values,
/// not templates (Terraform does not interpolate variable files).
pub(crate) fn lower_vars(root: &Node) -> Body {
    let mut out = Body::default();
    if let Value::Map(m) = &root.value {
        for (key, value) in m {
            if let Some(name) = key.as_str() {
                out.attrs.push(Attr {
                    key: name.into(),
                    span: key.span.to(value.span),
                    value: literal(value, 0),
                });
            }
        }
    }
    out
}

/// A value of a variable file, strings taken as written.
fn literal(node: &Node, depth: usize) -> Expr {
    match &node.value {
        Value::String(s) => Expr::Lit(s.clone()),
        Value::Tagged(_, inner) => literal(inner, depth),
        _ => lower_value(node, depth),
    }
}

/// Map entries; an array of maps (how JSON repeats a block) gives all their entries.
fn entries(node: &Node) -> Vec<(&Node, &Node)> {
    match &node.value {
        Value::Map(m) => m.iter().map(|(k, v)| (k, v)).collect(),
        Value::Seq(items) => items.iter().flat_map(entries).collect(),
        Value::Tagged(_, inner) => entries(inner),
        _ => Vec::new(),
    }
}

/// A block body, or each of an array of block bodies.
fn objects(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::Map(_) => vec![node],
        Value::Seq(items) => items.iter().filter(|n| n.as_map().is_some()).collect(),
        Value::Tagged(_, inner) => objects(inner),
        _ => Vec::new(),
    }
}

fn block(ident: &str, labels: &[&Node], name_key: &Node, obj: &Node) -> Block {
    Block {
        ident: ident.into(),
        labels: labels
            .iter()
            .map(|l| l.as_str().unwrap_or_default().into())
            .collect(),
        // The declaration starts at its name key (`"web": {`).
        span: name_key.span.to(obj.span),
        body: lower_body(obj, 0),
    }
}

fn terraform_block(key: &Node, obj: &Node) -> Block {
    let mut body = Body::default();
    for (k, v) in entries(obj) {
        match k.as_str() {
            Some("backend") => {
                for (ty, cfg) in entries(v) {
                    for o in objects(cfg) {
                        body.blocks.push(block("backend", &[ty], ty, o));
                    }
                }
            }
            Some("required_providers") => {
                for o in objects(v) {
                    body.blocks.push(block("required_providers", &[], k, o));
                }
            }
            Some(name) => body.attrs.push(attr(name, k, v, 0)),
            None => {}
        }
    }
    Block {
        ident: "terraform".into(),
        labels: Vec::new(),
        span: key.span.to(obj.span),
        body,
    }
}

fn lower_body(obj: &Node, depth: usize) -> Body {
    let mut body = Body::default();
    for (k, v) in entries(obj) {
        if let Some(name) = k.as_str() {
            body.attrs.push(attr(name, k, v, depth));
        }
    }
    body
}

fn attr(name: &str, key: &Node, value: &Node, depth: usize) -> Attr {
    Attr {
        key: name.into(),
        span: key.span.to(value.span),
        value: lower_value(value, depth + 1),
    }
}

fn lower_value(node: &Node, depth: usize) -> Expr {
    if depth > MAX_DEPTH {
        return Expr::Other;
    }
    match &node.value {
        Value::Null => Expr::Null,
        Value::Bool(b) => Expr::Lit(if *b { "true" } else { "false" }.into()),
        Value::Number(n) => Expr::Lit(n.clone()),
        Value::String(s) => lower_string(s),
        Value::Seq(items) => Expr::List(items.iter().map(|n| lower_value(n, depth + 1)).collect()),
        Value::Map(entries) => Expr::Object(
            entries
                .iter()
                .filter_map(|(k, v)| Some(attr(k.as_str()?, k, v, depth)))
                .collect(),
        ),
        Value::Tagged(_, inner) => lower_value(inner, depth),
    }
}

/// JSON strings are templates: `"${var.x}"` is a reference, `"$${x}"` a literal `${x}`.
fn lower_string(s: &Str) -> Expr {
    // Most strings hold no template: taken as they are, without a copy.
    if !s.contains("${") && !s.contains("%{") {
        return Expr::Lit(s.clone());
    }
    if s.starts_with("${")
        && let Some(path) = Expr::ref_from_text(s)
    {
        return Expr::Ref(path);
    }
    let unescaped = s.replace("$${", "").replace("%%{", "");
    if unescaped.contains("${") || unescaped.contains("%{") {
        return Expr::Other;
    }
    Expr::Lit(s.replace("$${", "${").replace("%%{", "%{").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_templates() {
        assert_eq!(
            lower_string(&Str::from("${var.region}")),
            Expr::Ref(vec!["var".into(), "region".into()])
        );
        assert_eq!(lower_string(&Str::from("${var.a}-${var.b}")), Expr::Other);
        assert_eq!(
            lower_string(&Str::from("eu-west-1")),
            Expr::Lit("eu-west-1".into())
        );
        assert_eq!(
            lower_string(&Str::from("$${literal}")),
            Expr::Lit("${literal}".into())
        );
    }
}

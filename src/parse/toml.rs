//! TOML through the `toml` crate's spanned tables, into the common span-aware tree
//! ([`super::tree::Node`]) that extractors walk.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::tree::{Node, Value};
use crate::source::Span;

/// A TOML document as a [`Node`] tree with byte spans (string nodes span their literal, quotes
/// included). A syntax error comes back with its span and message.
pub(crate) fn toml_to_node(text: &str) -> Result<Node, (Span, String)> {
    match DeTable::parse(text) {
        Ok(table) => {
            let span = Span::from(table.span());
            Ok(Node::new(span, table_value(table.get_ref(), 0)))
        }
        Err(e) => {
            let span = e.span().map_or(Span::empty(0), |r| {
                let start = crate::source::clamp_to_char_boundary(text, r.start);
                let end = crate::source::clamp_to_char_boundary(text, r.end.max(start));
                Span::new(start, end)
            });
            let message = e.message().trim().to_string();
            Err((span, message))
        }
    }
}

/// Recursion guard: the toml crate limits nesting itself; this keeps the conversion bounded
/// whatever it allows.
const MAX_TOML_DEPTH: usize = super::json::MAX_DEPTH;

fn table_value(table: &DeTable<'_>, depth: usize) -> Value {
    if depth > MAX_TOML_DEPTH {
        return Value::Null;
    }
    Value::Map(
        table
            .iter()
            .map(|(k, v)| {
                let key = Node::new(
                    Span::from(k.span()),
                    Value::String(k.get_ref().as_ref().into()),
                );
                (key, value_node(v, depth + 1))
            })
            .collect(),
    )
}

fn value_node(v: &Spanned<DeValue<'_>>, depth: usize) -> Node {
    let span = Span::from(v.span());
    let value = match v.get_ref() {
        DeValue::String(s) => Value::String(s.as_ref().into()),
        DeValue::Integer(i) => Value::Number(i.to_string().into()),
        DeValue::Float(f) => Value::Number(f.to_string().into()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string().into()),
        DeValue::Array(items) if depth <= MAX_TOML_DEPTH => {
            Value::Seq(items.iter().map(|i| value_node(i, depth + 1)).collect())
        }
        DeValue::Table(t) => table_value(t, depth),
        DeValue::Array(_) => Value::Null,
    };
    Node::new(span, value)
}

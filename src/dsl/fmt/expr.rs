//! Values and expressions of a clause in canonical form.

use pest::iterators::Pair;

use crate::dsl::grammar::Rule;
use crate::dsl::lower::unescape;

/// A `string` pair re-escaped canonically; a string with an unknown escape is kept as written
/// (lowering reports the escape).
pub(super) fn string(p: &Pair<'_, Rule>) -> String {
    let raw = p.clone().into_inner().next().map_or("", |i| i.as_str());
    let Ok(decoded) = unescape(raw) else {
        return format!("\"{raw}\"");
    };
    let mut out = String::with_capacity(decoded.len() + 2);
    out.push('"');
    for c in decoded.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An expression tree, for printing with minimal parentheses.
pub(super) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Test(String),
}

impl Expr {
    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(..) => 1,
            Expr::And(..) => 2,
            Expr::Not(_) => 3,
            Expr::Test(_) => 4,
        }
    }

    /// `and` and `or` associate to the left, so a right operand of the same operator needs
    /// parentheses to stay where it is.
    pub(super) fn write(&self, out: &mut String) {
        match self {
            Expr::Or(a, b) => {
                a.write_at(1, out);
                out.push_str(" or ");
                b.write_at(2, out);
            }
            Expr::And(a, b) => {
                a.write_at(2, out);
                out.push_str(" and ");
                b.write_at(3, out);
            }
            Expr::Not(a) => {
                out.push_str("not ");
                a.write_at(3, out);
            }
            Expr::Test(t) => out.push_str(t),
        }
    }

    fn write_at(&self, min: u8, out: &mut String) {
        if self.precedence() < min {
            out.push('(');
            self.write(out);
            out.push(')');
        } else {
            self.write(out);
        }
    }
}

/// A test (`kind == ai`, `kind in [a, b]`, `gpu`, …) in canonical form.
pub(super) fn test(p: Pair<'_, Rule>) -> String {
    let which = p.as_rule();
    let mut parts = Vec::new();
    let mut values = Vec::new();
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::attr => parts.push(attr(&q)),
            Rule::value => values.push(value(&q)),
            Rule::string => parts.push(string(&q)),
            Rule::cmp_op | Rule::kw_in | Rule::kw_matches | Rule::ident => {
                parts.push(q.as_str().to_string());
            }
            _ => {}
        }
    }
    if which == Rule::test_in_list {
        parts.push(format!("[{}]", values.join(", ")));
    } else {
        parts.extend(values);
    }
    parts.join(" ")
}

/// `kind`, `tag.team`, `label."app.kubernetes.io/name"`.
fn attr(p: &Pair<'_, Rule>) -> String {
    let Some(inner) = p.clone().into_inner().next() else {
        return p.as_str().to_string();
    };
    if inner.as_rule() != Rule::tag_attr {
        return inner.as_str().to_string();
    }
    let mut out = String::new();
    for q in inner.into_inner() {
        match q.as_rule() {
            Rule::tag_prefix => out.push_str(q.as_str()),
            Rule::string => {
                out.push('.');
                out.push_str(&string(&q));
            }
            _ => {
                out.push('.');
                out.push_str(q.as_str());
            }
        }
    }
    out
}

fn value(p: &Pair<'_, Rule>) -> String {
    match p.clone().into_inner().next() {
        Some(q) if q.as_rule() == Rule::string => string(&q),
        Some(q) => q.as_str().to_string(),
        None => p.as_str().to_string(),
    }
}

/// An expression token by token, parentheses as written, one space between tokens (none
/// inside brackets and parentheses, none before a comma).
pub(super) fn flat_expr(p: &Pair<'_, Rule>) -> String {
    let mut out = String::new();
    let mut skip_until = 0;
    for q in p.clone().into_inner().flatten() {
        let span = q.as_span();
        if span.start() < skip_until {
            continue;
        }
        let token = match q.as_rule() {
            Rule::attr => attr(&q),
            Rule::value => value(&q),
            Rule::string => string(&q),
            _ if q.clone().into_inner().next().is_none() => q.as_str().to_string(),
            _ => continue,
        };
        if matches!(q.as_rule(), Rule::attr | Rule::value | Rule::string) {
            skip_until = span.end();
        }
        let glued = out.ends_with(['(', '[']) || matches!(token.as_str(), ")" | "]" | ",");
        if !out.is_empty() && !glued {
            out.push(' ');
        }
        out.push_str(&token);
    }
    out
}

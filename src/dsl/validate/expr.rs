//! Checks on expressions: attributes, values, groups, booleans and globs. They serve rules'
//! `where`/`assert`, refusal records' `where` and configuration waivers alike.

use super::{code, list, mean, unknown_provider};
use crate::dsl::ast::*;
use crate::dsl::lower::Problem;
use crate::dsl::names;
use crate::facts::catalog::Catalog;
use crate::facts::model::{Format, Kind};
use crate::suggest::did_you_mean;

/// Every check on one expression (of a rule, a refusal record, or a config waiver).
pub(crate) fn validate_expr(expr: &Expr, catalog: &Catalog) -> Vec<Problem> {
    let mut out = Vec::new();
    out.extend(validate_attributes(expr));
    out.extend(validate_bool_attributes(expr));
    out.extend(validate_values(expr, catalog));
    out.extend(validate_groups(expr));
    out.extend(validate_globs(expr));
    out
}

/// The leaves (tests) of an expression, without recursion.
pub(crate) fn tests(expr: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Or(a, b) | ExprKind::And(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            ExprKind::Not(a) => stack.push(a),
            _ => out.push(e),
        }
    }
    out
}

fn attr_of(e: &Expr) -> Option<&Spanned<AttrRef>> {
    match &e.kind {
        ExprKind::Cmp { attr, .. }
        | ExprKind::InList { attr, .. }
        | ExprKind::InGroup { attr, .. }
        | ExprKind::Matches { attr, .. }
        | ExprKind::Bool(attr) => Some(attr),
        _ => None,
    }
}

/// Attributes that do not exist (`regoin`), and `tag` without a key.
pub(crate) fn validate_attributes(expr: &Expr) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tests(expr) {
        let Some(attr) = attr_of(t) else { continue };
        match &attr.node {
            AttrRef::Named(n) if !names::ATTRIBUTES.contains(&n.as_str()) => {
                let p = if n == "tag" || n == "label" || n == "tags" || n == "labels" {
                    Problem::new(
                        code::UNKNOWN_ATTRIBUTE,
                        attr.span,
                        format!("`{n}` needs a key"),
                        "which tag?",
                    )
                    .help("write `tag.KEY` or `tag.\"a.key/with-dots\"`")
                } else {
                    Problem::new(
                        code::UNKNOWN_ATTRIBUTE,
                        attr.span,
                        format!(
                            "unknown attribute `{n}`{}",
                            mean(did_you_mean(n, names::ATTRIBUTES.iter().copied()))
                        ),
                        "not an attribute",
                    )
                    .help(format!(
                        "the attributes are {}, and `tag.KEY`",
                        list(names::ATTRIBUTES)
                    ))
                };
                out.push(p);
            }
            AttrRef::Tag(k) if k.is_empty() => out.push(Problem::new(
                code::UNKNOWN_ATTRIBUTE,
                attr.span,
                "a tag key cannot be empty".to_string(),
                "empty key",
            )),
            _ => {}
        }
    }
    out
}

/// A non-boolean attribute used alone as a test (`where provider`), and a boolean attribute
/// compared with something other than `true`/`false` (`gpu == "x"`, `gpu in [..]`).
pub(crate) fn validate_bool_attributes(expr: &Expr) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tests(expr) {
        let Some(attr) = attr_of(t) else { continue };
        let is_bool =
            matches!(&attr.node, AttrRef::Named(n) if names::BOOL_ATTRIBUTES.contains(&n.as_str()));
        let known = match &attr.node {
            AttrRef::Named(n) => names::ATTRIBUTES.contains(&n.as_str()),
            AttrRef::Tag(_) => true,
        };
        let shown = attr_text(&attr.node);
        match &t.kind {
            ExprKind::Bool(_) if !is_bool && known => out.push(
                Problem::new(
                    code::BOOL_ATTRIBUTE,
                    attr.span,
                    format!("`{shown}` is not true or false: it cannot be a test on its own"),
                    "needs a comparison",
                )
                .help(format!(
                    "compare it: `{shown} == VALUE`, `{shown} in [A, B]`{}",
                    if shown == "country" { ", `country in eu`" } else { "" }
                )),
            ),
            ExprKind::Cmp { value, .. } if is_bool && !matches!(value.node, Value::Bool(_)) => out.push(
                Problem::new(
                    code::BOOL_ATTRIBUTE,
                    value.span,
                    format!("`{shown}` is true or false, not `{}`", value.node.as_text()),
                    "expected `true` or `false`",
                )
                .help(format!("write `{shown}` or `not {shown}`")),
            ),
            ExprKind::InList { .. } | ExprKind::InGroup { .. } | ExprKind::Matches { .. } if is_bool => out.push(
                Problem::new(
                    code::BOOL_ATTRIBUTE,
                    t.span,
                    format!("`{shown}` is true or false: it can only be tested on its own or with `==`/`!=`"),
                    "not a test on a boolean",
                )
                .help(format!("write `{shown}` or `not {shown}`")),
            ),
            _ => {}
        }
    }
    out
}

fn attr_text(a: &AttrRef) -> String {
    match a {
        AttrRef::Named(n) => n.clone(),
        AttrRef::Tag(k) => format!("tag.{k}"),
    }
}

/// Values the attribute can never have: unknown kinds, formats and providers.
pub(crate) fn validate_values(expr: &Expr, catalog: &Catalog) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tests(expr) {
        let (attr, values): (_, Vec<&Spanned<Value>>) = match &t.kind {
            ExprKind::Cmp { attr, value, .. } => (attr, vec![value]),
            ExprKind::InList { attr, values } => (attr, values.iter().collect()),
            _ => continue,
        };
        let AttrRef::Named(name) = &attr.node else {
            continue;
        };
        for v in values {
            let text = v.node.as_text();
            let p = match name.as_str() {
                "kind" if Kind::parse(text).is_none() => {
                    let all: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                    Problem::new(
                        code::UNKNOWN_KIND,
                        v.span,
                        format!(
                            "unknown kind `{text}`{}",
                            mean(did_you_mean(text, all.iter().copied()))
                        ),
                        "not a kind",
                    )
                    .help(format!("the kinds are {}", list(&all)))
                }
                "format" if Format::parse(text).is_none() => {
                    let all: Vec<&str> = Format::ALL.iter().map(|k| k.as_str()).collect();
                    Problem::new(
                        code::UNKNOWN_FORMAT,
                        v.span,
                        format!(
                            "unknown format `{text}`{}",
                            mean(did_you_mean(text, all.iter().copied()))
                        ),
                        "not a format",
                    )
                    .help(format!("the formats are {}", list(&all)))
                }
                "provider" if catalog.resolve(text).is_none() => {
                    unknown_provider(&Spanned::new(text.to_string(), v.span), catalog)
                }
                _ => continue,
            };
            out.push(p);
        }
    }
    out
}

/// Unknown country groups, and groups tested on something that is not a country.
pub(crate) fn validate_groups(expr: &Expr) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tests(expr) {
        let ExprKind::InGroup { attr, group } = &t.kind else {
            continue;
        };
        let g = group.node.as_str();
        if !names::GROUPS.contains(&g) {
            out.push(
                Problem::new(
                    code::UNKNOWN_GROUP,
                    group.span,
                    format!(
                        "unknown group `{g}`{}",
                        mean(did_you_mean(g, names::GROUPS.iter().copied()))
                    ),
                    "not a group",
                )
                .help(format!(
                    "the groups are {}; to test a list of values write `{} in [{g}, …]`",
                    list(names::GROUPS),
                    attr_text(&attr.node)
                )),
            );
        } else if attr.node != AttrRef::Named("country".into()) {
            out.push(
                Problem::new(
                    code::GROUP_ATTRIBUTE,
                    attr.span,
                    format!(
                        "`{g}` is a group of countries; `{}` is not a country",
                        attr_text(&attr.node)
                    ),
                    "not a country",
                )
                .help(format!("write `country in {g}`")),
            );
        }
    }
    out
}

/// `matches` globs that do not compile.
pub(crate) fn validate_globs(expr: &Expr) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tests(expr) {
        let ExprKind::Matches { glob, .. } = &t.kind else {
            continue;
        };
        if let Err(e) = compile_glob(&glob.node) {
            out.push(Problem::new(
                code::BAD_GLOB,
                glob.span,
                format!("invalid glob `{}`", glob.node),
                e.kind().to_string(),
            ));
        }
    }
    out
}

/// A `matches` glob as docs/language.md defines it: `*` within a segment, `**` across `/`, `?` one
/// character. Evaluation may use the same function.
pub(crate) fn compile_glob(glob: &str) -> Result<globset::GlobMatcher, globset::Error> {
    crate::glob::compile(glob)
}

//! The semantic checks of docs/language.md ("Errors"), one `validate_<property>`
//! function per check, each returning every problem it finds so a run reports all of them.
//!
//! Checks that need the calendar or the string decoder (impossible dates, unknown escapes) run
//! while lowering (`lower.rs`), since the AST holds only real dates and decoded strings; the
//! check that needs the file system (a `refusals` glob matching nothing) runs in `load`.

use std::collections::HashMap;
use std::sync::Arc;

use super::ast::*;
use super::lower::Problem;
use super::names;

mod expr;
use crate::diag::{Diag, Label};
use crate::facts::catalog::Catalog;
use crate::source::SourceFile;
use crate::suggest::did_you_mean;
pub(crate) use expr::*;

/// Diagnostic codes of policy checks.
pub mod code {
    pub(crate) const UNKNOWN_PROVIDER: &str = "cloudpact::policy::unknown-provider";
    pub(crate) const UNKNOWN_KIND: &str = "cloudpact::policy::unknown-kind";
    pub(crate) const UNKNOWN_FORMAT: &str = "cloudpact::policy::unknown-format";
    pub(crate) const UNKNOWN_ATTRIBUTE: &str = "cloudpact::policy::unknown-attribute";
    pub(crate) const UNKNOWN_GROUP: &str = "cloudpact::policy::unknown-group";
    pub(crate) const GROUP_ATTRIBUTE: &str = "cloudpact::policy::group-needs-country";
    pub(crate) const UNKNOWN_CLAUSE: &str = "cloudpact::policy::unknown-clause";
    pub(crate) const UNKNOWN_RULE_KIND: &str = "cloudpact::policy::unknown-rule-kind";
    pub(crate) const BAD_CLAUSE_VALUE: &str = "cloudpact::policy::bad-clause-value";
    pub(crate) const DUPLICATE_RULE: &str = "cloudpact::policy::duplicate-rule";
    pub(crate) const DUPLICATE_CLAUSE: &str = "cloudpact::policy::duplicate-clause";
    pub(crate) const MISSING_CLAUSE: &str = "cloudpact::policy::missing-clause";
    pub(crate) const MISPLACED_CLAUSE: &str = "cloudpact::policy::misplaced-clause";
    pub(crate) const IMPOSSIBLE_DATE: &str = "cloudpact::policy::impossible-date";
    pub(crate) const WINDOW_ORDER: &str = "cloudpact::policy::window-order";
    pub(crate) const PERCENT_RANGE: &str = "cloudpact::policy::percent-range";
    pub(crate) const HOLDER_IN_OVER: &str = "cloudpact::policy::holder-in-over";
    pub(crate) const REFUSALS_MATCH_NOTHING: &str = "cloudpact::policy::refusals-match-nothing";
    pub(crate) const REFUSALS_OUTSIDE: &str = "cloudpact::policy::refusals-outside-root";
    pub(crate) const BOOL_ATTRIBUTE: &str = "cloudpact::policy::bool-attribute";
    pub(crate) const BAD_GLOB: &str = "cloudpact::policy::bad-glob";
}

/// Every single-file check on one lowered file.
pub(crate) fn validate_file(file: &PolicyFile, catalog: &Catalog) -> Vec<Problem> {
    let mut out = Vec::new();
    out.extend(validate_rule_kinds(file));
    out.extend(validate_clause_names(file));
    out.extend(validate_clause_values(file));
    out.extend(validate_duplicate_clauses(file));
    out.extend(validate_required_clauses(file));
    out.extend(validate_clause_kinds(file));
    out.extend(validate_providers(file, catalog));
    out.extend(validate_windows(file));
    out.extend(validate_percents(file));
    out.extend(validate_holder_not_over(file, catalog));
    for rule in file.policies.iter().flat_map(|p| &p.rules) {
        for clause in &rule.clauses {
            if let ClauseKind::Where(e) | ClauseKind::Assert(e) = &clause.kind {
                out.extend(validate_expr(e, catalog));
            }
        }
    }
    out
}

/// "; did you mean `x`?" or nothing.
fn mean(s: Option<&str>) -> String {
    s.map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

fn rules(file: &PolicyFile) -> impl Iterator<Item = (&Policy, &Rule)> {
    file.policies
        .iter()
        .flat_map(|p| p.rules.iter().map(move |r| (p, r)))
}

/// A rule kind that is not one of the five.
pub(crate) fn validate_rule_kinds(file: &PolicyFile) -> Vec<Problem> {
    let kinds: Vec<&str> = RuleKind::ALL.iter().map(|k| k.as_str()).collect();
    let mut out = Vec::new();
    for u in file.policies.iter().flat_map(|p| &p.unknown_rules) {
        let k = &u.kind.node;
        let message = format!(
            "unknown rule kind `{k}`{}",
            mean(did_you_mean(k, kinds.iter().copied()))
        );
        out.push(
            Problem::new(
                code::UNKNOWN_RULE_KIND,
                u.kind.span,
                message,
                "not a rule kind",
            )
            .help(format!("the rule kinds are {}", list(&kinds))),
        );
    }
    out
}

/// Clauses the grammar took only generically: an unknown name, a clause in the wrong place
/// (`title` in a rule, `where` in a policy), or a known clause with a body of the wrong shape.
pub(crate) fn validate_clause_names(file: &PolicyFile) -> Vec<Problem> {
    let mut out = Vec::new();
    for p in &file.policies {
        for o in &p.others {
            out.push(other_clause_problem(o, names::META_CLAUSES, "a policy"));
        }
        for r in &p.rules {
            for o in &r.others {
                out.push(other_clause_problem(o, names::RULE_CLAUSES, "a rule"));
            }
        }
    }
    out
}

fn other_clause_problem(o: &OtherClause, here: &[&str], place: &str) -> Problem {
    let name = o.name.node.as_str();
    if here.contains(&name) {
        // A clause that belongs here, with a body the grammar could not take.
        let shape = names::clause_shape(name).unwrap_or("another value");
        let got = o.items.first().map_or("nothing", |i| i.node.describe());
        let span = o
            .items
            .iter()
            .map(|i| i.span)
            .reduce(|a, b| a.to(b))
            .unwrap_or(o.span);
        let got_s = if o.items.len() > 1 { "a list" } else { got };
        return Problem::new(
            code::BAD_CLAUSE_VALUE,
            span,
            format!("`{name}` takes {shape}, not {got_s}"),
            format!("expected {shape}"),
        );
    }
    if names::META_CLAUSES.contains(&name) || names::RULE_CLAUSES.contains(&name) {
        let (where_, help) = if place == "a rule" {
            (
                "a policy",
                format!("move `{name}` to the policy, before or after its rules"),
            )
        } else {
            (
                "a rule",
                format!(
                    "move `{name}` into a rule; a policy has only {}",
                    list(names::META_CLAUSES)
                ),
            )
        };
        return Problem::new(
            code::MISPLACED_CLAUSE,
            o.name.span,
            format!("`{name}` is a clause of {where_}, not of {place}"),
            format!("not allowed in {place}"),
        )
        .help(help);
    }
    let suggestion = did_you_mean(name, here.iter().copied());
    Problem::new(
        code::UNKNOWN_CLAUSE,
        o.name.span,
        format!("unknown clause `{name}`{}", mean(suggestion)),
        "not a clause",
    )
    .help(format!("the clauses of {place} are {}", list(here)))
}

/// `severity` and `unknown` words.
pub(crate) fn validate_clause_values(file: &PolicyFile) -> Vec<Problem> {
    let mut out = Vec::new();
    for (_, r) in rules(file) {
        for c in &r.clauses {
            let (word, allowed, what) = match &c.kind {
                ClauseKind::Severity(w) => (w, names::SEVERITIES, "severity"),
                ClauseKind::Unknown(w) => (w, names::UNKNOWN_MODES, "unknown"),
                _ => continue,
            };
            if !allowed.contains(&word.node.as_str()) {
                let s = did_you_mean(&word.node, allowed.iter().copied());
                out.push(Problem::new(
                    code::BAD_CLAUSE_VALUE,
                    word.span,
                    format!("`{what}` cannot be `{}`{}", word.node, mean(s)),
                    format!("expected {}", list_or(allowed)),
                ));
            }
        }
    }
    out
}

/// A clause given twice in one rule, or a meta clause twice in one policy.
pub(crate) fn validate_duplicate_clauses(file: &PolicyFile) -> Vec<Problem> {
    let mut out = Vec::new();
    for p in &file.policies {
        let mut seen: HashMap<&str, &Meta> = HashMap::new();
        for m in &p.meta {
            let kw = meta_keyword(&m.kind);
            match seen.get(kw) {
                Some(first) => out.push(duplicate(kw, m.keyword, first.keyword, "policy")),
                None => {
                    seen.insert(kw, m);
                }
            }
        }
        for r in &p.rules {
            let mut seen: HashMap<&str, &Clause> = HashMap::new();
            for c in &r.clauses {
                let kw = c.kind.keyword();
                match seen.get(kw) {
                    Some(first) => out.push(duplicate(kw, c.keyword, first.keyword, "rule")),
                    None => {
                        seen.insert(kw, c);
                    }
                }
            }
        }
    }
    out
}

fn duplicate(
    kw: &str,
    at: crate::source::Span,
    first: crate::source::Span,
    place: &str,
) -> Problem {
    Problem::new(
        code::DUPLICATE_CLAUSE,
        at,
        format!("`{kw}` is given twice in one {place}"),
        "given again here",
    )
    .secondary(first, "first given here")
    .help(match kw {
        "provider" | "over" | "refusals" => {
            format!("list every value in one `{kw}` clause, separated by commas")
        }
        "where" | "assert" => format!("join the conditions with `and` or `or` in one `{kw}`"),
        _ => format!("keep one `{kw}`"),
    })
}

fn meta_keyword(m: &MetaKind) -> &'static str {
    match m {
        MetaKind::Title(_) => "title",
        MetaKind::Owner(_) => "owner",
        MetaKind::Reference(_) => "reference",
        MetaKind::Effective(_) => "effective",
    }
}

/// A clause its kind cannot do without: `provider` (exclusive, deny, share), `holder`
/// (first_refusal), `assert` (require), `at_least` (share).
pub(crate) fn validate_required_clauses(file: &PolicyFile) -> Vec<Problem> {
    let mut out = Vec::new();
    for (_, r) in rules(file) {
        for need in names::required_clauses(r.kind.node) {
            let has = r.clauses.iter().any(|c| c.kind.keyword() == *need)
                // A misshapen `at_least 75` or a misspelt `provder` is already reported.
                || r.others.iter().any(|o| {
                    o.name.node == *need || did_you_mean(&o.name.node, [*need]).is_some()
                });
            if !has {
                let kind = r.kind.node.as_str();
                let example = match *need {
                    "provider" => "provider aws",
                    "holder" => "holder azure",
                    "assert" => "assert country in eu",
                    _ => "at_least 75%",
                };
                out.push(
                    Problem::new(
                        code::MISSING_CLAUSE,
                        r.name.span,
                        format!(
                            "{} rule `{}` has no `{need}` clause",
                            a_kind(r.kind.node),
                            r.name.node
                        ),
                        format!("needs `{need}`"),
                    )
                    .secondary(r.kind.span, format!("a `{kind}` rule requires `{need}`"))
                    .help(format!("add a clause such as `{example}`")),
                );
            }
        }
    }
    out
}

/// A clause that does not belong to the rule's kind (`holder` in an `exclusive` rule).
pub(crate) fn validate_clause_kinds(file: &PolicyFile) -> Vec<Problem> {
    let mut out = Vec::new();
    for (_, r) in rules(file) {
        let kind = r.kind.node;
        for c in &r.clauses {
            let kw = c.kind.keyword();
            if names::kind_takes(kind, kw) {
                continue;
            }
            let owners: Vec<&str> = names::kinds_taking(kw).iter().map(|k| k.as_str()).collect();
            let own: Vec<&str> = names::own_clauses(kind).to_vec();
            out.push(
                Problem::new(
                    code::MISPLACED_CLAUSE,
                    c.keyword,
                    format!("`{kw}` does not belong to {} rule", a_kind(kind)),
                    format!("not a clause of `{}`", kind.as_str()),
                )
                .secondary(r.kind.span, format!("this rule is `{}`", kind.as_str()))
                .help(format!(
                    "`{kw}` is a clause of {}; {} rule takes {} besides the common clauses",
                    list(&owners),
                    a_kind(kind),
                    list(&own)
                )),
            );
        }
    }
    out
}

/// Provider names in `provider`, `holder` and `over` that the catalog does not know.
pub(crate) fn validate_providers(file: &PolicyFile, catalog: &Catalog) -> Vec<Problem> {
    let mut out = Vec::new();
    for (_, r) in rules(file) {
        for c in &r.clauses {
            let names: Vec<&Ident> = match &c.kind {
                ClauseKind::Provider(v) | ClauseKind::Over(Over::Providers(v)) => {
                    v.iter().collect()
                }
                ClauseKind::Holder(h) => vec![h],
                _ => continue,
            };
            for n in names {
                if catalog.resolve(&n.node).is_none() {
                    out.push(unknown_provider(n, catalog));
                }
            }
        }
    }
    out
}

/// "unknown provider `azur`; did you mean `azure`?"
pub(crate) fn unknown_provider(n: &Ident, catalog: &Catalog) -> Problem {
    let ids: Vec<&str> = catalog.ids().iter().map(|s| &**s).collect();
    Problem::new(
        code::UNKNOWN_PROVIDER,
        n.span,
        format!(
            "unknown provider `{}`{}",
            n.node,
            mean(catalog.suggest(&n.node))
        ),
        "not a known provider",
    )
    .help(format!(
        "known providers: {}; more can be declared under `providers:` in cloudpact.yaml",
        ids.join(", ")
    ))
}

/// A window that ends before it starts.
pub(crate) fn validate_windows(file: &PolicyFile) -> Vec<Problem> {
    let mut windows: Vec<&Window> = Vec::new();
    for p in &file.policies {
        windows.extend(p.meta.iter().filter_map(|m| match &m.kind {
            MetaKind::Effective(w) => Some(w),
            _ => None,
        }));
        for r in &p.rules {
            windows.extend(r.clauses.iter().filter_map(|c| match &c.kind {
                ClauseKind::Effective(w) => Some(w),
                _ => None,
            }));
        }
    }
    let mut out = Vec::new();
    for w in windows {
        if let (Some(from), Some(until)) = (&w.from, &w.until)
            && until.node < from.node
        {
            out.push(
                Problem::new(
                    code::WINDOW_ORDER,
                    until.span,
                    format!(
                        "the window ends on {} before it starts on {}",
                        until.node, from.node
                    ),
                    "ends before it starts",
                )
                .secondary(from.span, "starts here")
                .help("both ends are inclusive: the end must be on or after the start"),
            );
        }
    }
    out
}

/// `at_least` over 100%.
pub(crate) fn validate_percents(file: &PolicyFile) -> Vec<Problem> {
    let mut out = Vec::new();
    for (_, r) in rules(file) {
        for c in &r.clauses {
            if let ClauseKind::AtLeast(p) = &c.kind
                && !(0.0..=100.0).contains(&p.node)
            {
                out.push(
                    Problem::new(
                        code::PERCENT_RANGE,
                        p.span,
                        "a share cannot be over 100%".to_string(),
                        "over 100%",
                    )
                    .help("write a percentage from 0% to 100%"),
                );
            }
        }
    }
    out
}

/// A `first_refusal` holder listed in its own `over` (aliases resolved: `microsoft` is `azure`).
pub(crate) fn validate_holder_not_over(file: &PolicyFile, catalog: &Catalog) -> Vec<Problem> {
    let mut out = Vec::new();
    for (_, r) in rules(file) {
        let holder = r.clauses.iter().find_map(|c| match &c.kind {
            ClauseKind::Holder(h) => Some(h),
            _ => None,
        });
        let Some(holder) = holder else { continue };
        let Some(holder_id) = catalog.resolve(&holder.node) else {
            continue;
        };
        for c in &r.clauses {
            let ClauseKind::Over(Over::Providers(list)) = &c.kind else {
                continue;
            };
            for p in list {
                if catalog.resolve(&p.node).as_deref() == Some(&*holder_id) {
                    out.push(
                        Problem::new(
                            code::HOLDER_IN_OVER,
                            p.span,
                            format!("the holder `{}` is listed in its own `over`", holder.node),
                            "this is the holder",
                        )
                        .secondary(holder.span, "the holder")
                        .help("a provider's own deployments never need its refusal: remove it from `over`"),
                    );
                }
            }
        }
    }
    out
}

/// Rule ids (`POLICY.NAME`) defined twice, across every loaded file.
pub(crate) fn validate_duplicate_ids(files: &[(Arc<SourceFile>, &PolicyFile)]) -> Vec<Diag> {
    let mut seen: HashMap<String, (&Arc<SourceFile>, &Rule)> = HashMap::new();
    let mut out = Vec::new();
    for (src, file) in files {
        for (p, r) in rules(file) {
            let id = format!("{}.{}", p.name.node, r.name.node);
            let Some((first_file, first)) = seen.get(&id) else {
                seen.insert(id, (src, r));
                continue;
            };
            let mut d = Diag::error(
                code::DUPLICATE_RULE,
                format!("rule `{id}` is defined twice"),
            )
            .in_file(src.clone())
            .at(r.name.span, "defined again here");
            if Arc::ptr_eq(first_file, src) {
                d = d.with_label(Label::secondary(first.name.span, "first defined here"));
                d = d.with_help(
                    "rule ids (`POLICY.NAME`) are unique across all policy files: rename one",
                );
            } else {
                let lc = first_file.line_col(first.name.span.start);
                d = d.with_help(format!(
                    "first defined at {}:{}:{}; rule ids (`POLICY.NAME`) are unique across all policy files: rename one",
                    first_file.path, lc.line, lc.column
                ));
            }
            out.push(d);
        }
    }
    out
}

/// "`a`, `b` and `c`"
fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match quoted.as_slice() {
        [] => "none".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "`a`, `b` or `c`"
fn list_or(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// "an `exclusive`", "a `deny`"
fn a_kind(kind: RuleKind) -> String {
    let k = kind.as_str();
    let article = if k.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} `{k}`")
}

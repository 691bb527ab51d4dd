//! `check --horizon SPAN` (or `horizon:` in cloudpact.yaml): what changes within SPAN after the
//! evaluation date, as `cloudpact.horizon` info findings, each naming its date and the
//! deployments it affects:
//!
//! - a rule whose effective window opens (its findings on that day) or closes (the findings it
//!   makes now, gone the day after `until`);
//! - a refusal record that expires: the deployments it covers lose their cover the day after;
//! - a waiver or an inline `cloudpact:ignore … until=` that expires: the findings it
//!   suppresses come back the day after.
//!
//! Each date is judged like the evaluation date ([`crate::workspace::judge`] on the same
//! facts, with `as_of` set to it), and the findings compared by fingerprint.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use jiff::civil::Date;

use crate::diag::Severity;
use crate::eval::finding::{Finding, reserved};
use crate::render::locate::identity;
use crate::source::{SourceFile, Span};
use crate::workspace::{Judge, Report, Workspace, judge};

/// Most deployments a horizon finding names before it says "and N more".
const NAMED: usize = 5;

/// The findings of the working tree on `date`.
fn findings_on(ws: &Workspace, report: &Report, date: Date) -> Vec<Finding> {
    judge(
        &Judge {
            as_of: date,
            ..ws.judge_settings(&report.policies, report.whole_repo)
        },
        &report.facts.deployments,
        &report.facts.files,
        &report.facts.parse_errors,
    )
}

fn day_after(d: Date) -> Option<Date> {
    d.tomorrow().ok()
}

/// The deployments (or places) a list of findings is about, named.
fn affected(findings: &[&Finding]) -> (usize, String) {
    let mut names: Vec<String> = findings
        .iter()
        .map(|f| match &f.deployment {
            Some(d) if !d.name.is_empty() => format!("{}.{} ({})", d.type_, d.name, d.path),
            Some(d) => format!("{} ({})", d.type_, d.path),
            None => format!("{}:{}", f.path(), f.line()),
        })
        .collect();
    names.sort();
    names.dedup();
    let n = names.len();
    let mut text = names
        .iter()
        .take(NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if n > NAMED {
        text.push_str(&format!(" and {} more", n - NAMED));
    }
    (n, text)
}

/// `1 deployment loses its cover`, `3 deployments lose their cover`.
fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 deployment {one}")
    } else {
        format!("{n} deployments {many}")
    }
}

fn finding(file: &Arc<SourceFile>, span: Span, message: String, help: &str) -> Finding {
    Finding {
        rule: reserved::HORIZON.into(),
        policy: None,
        rule_kind: None,
        severity: Severity::Info,
        message,
        help: Some(help.to_string()),
        reference: None,
        file: file.clone(),
        span,
        label: Some("changes within the horizon".to_string()),
        deployment: None,
        related: Vec::new(),
        suppressed: None,
    }
}

/// The horizon findings for `report` (the working tree's, judged on `report.as_of`), up to and
/// including `as_of + span`.
pub fn findings(ws: &Workspace, report: &Report, span: jiff::Span) -> Vec<Finding> {
    let as_of = report.as_of;
    let Ok(end) = as_of.checked_add(span) else {
        return Vec::new();
    };
    let within = |d: Date| as_of < d && d <= end;
    let mut on: BTreeMap<Date, Vec<Finding>> = BTreeMap::new();
    let mut on_date = |d: Date| -> Vec<Finding> {
        on.entry(d)
            .or_insert_with(|| findings_on(ws, report, d))
            .clone()
    };
    let now: &[Finding] = &report.findings;
    let failing_now: HashSet<String> = now
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(identity)
        .collect();
    let mut out = Vec::new();

    for rule in &report.policies.rules {
        let Some(w) = &rule.window else { continue };
        if let Some(from) = &w.from
            && within(from.node)
        {
            let then = on_date(from.node);
            let hits: Vec<&Finding> = then
                .iter()
                .filter(|f| f.rule == rule.id && f.suppressed.is_none())
                .collect();
            let (n, names) = affected(&hits);
            let tail = if n == 0 {
                "no deployment breaks it".to_string()
            } else {
                format!("{}: {names}", plural(n, "breaks it", "break it"))
            };
            out.push(finding(
                &rule.file,
                rule.name_span,
                format!("rule `{}` takes effect on {}: {tail}", rule.id, from.node),
                "comply before the date, or agree a later start",
            ));
        }
        if let Some(until) = &w.until
            && until.node >= as_of
            && until.node < end
        {
            let hits: Vec<&Finding> = now
                .iter()
                .filter(|f| f.rule == rule.id && f.suppressed.is_none())
                .collect();
            let (n, names) = affected(&hits);
            let tail = if n == 0 {
                "it flags no deployment now".to_string()
            } else {
                format!(
                    "{} no longer judged: {names}",
                    plural(n, "it flags now is", "it flags now are")
                )
            };
            out.push(finding(
                &rule.file,
                rule.name_span,
                format!("rule `{}` ends on {}: {tail}", rule.id, until.node),
                "renew the term in the policy if the contract is extended",
            ));
        }
    }

    // Refusal records, each once (several rules may list one).
    let mut seen: HashSet<usize> = HashSet::new();
    for rule in &report.policies.rules {
        for rec in &rule.refusals {
            if !seen.insert(Arc::as_ptr(rec) as usize) {
                continue;
            }
            let Some(expires) = rec.expires else { continue };
            if expires < as_of || expires >= end {
                continue;
            }
            let Some(after) = day_after(expires) else {
                continue;
            };
            let rules: HashSet<&str> = report
                .policies
                .rules
                .iter()
                .filter(|r| r.refusals.iter().any(|x| Arc::ptr_eq(x, rec)))
                .map(|r| &*r.id)
                .collect();
            let then = on_date(after);
            let hits: Vec<&Finding> = then
                .iter()
                .filter(|f| {
                    f.suppressed.is_none()
                        && rules.contains(&*f.rule)
                        && !failing_now.contains(&identity(f))
                })
                .collect();
            let (n, names) = affected(&hits);
            let tail = if n == 0 {
                "no deployment loses its cover".to_string()
            } else {
                format!(
                    "{}: {names}",
                    plural(n, "loses its cover", "lose their cover")
                )
            };
            out.push(finding(
                &rec.file,
                rec.span,
                format!("{} expires on {expires}: {tail}", rec.id),
                "renew the record with the holder, or move the deployments it covers",
            ));
        }
    }

    // Waivers.
    if let Some(file) = &ws.config.file {
        for w in &ws.config.config.waivers {
            let Some(until) = w.until else { continue };
            if until < as_of || until >= end {
                continue;
            }
            let Some(after) = day_after(until) else {
                continue;
            };
            let location = format!("{}:{}", file.path, file.line_col(w.span.start).line);
            let back = comes_back(now, &on_date(after), "waiver", &location);
            let (n, names) = affected(&back);
            let tail = if n == 0 {
                "it suppresses no finding now".to_string()
            } else {
                format!(
                    "{}: {names}",
                    plural(n, "loses its cover", "lose their cover")
                )
            };
            out.push(finding(
                file,
                w.span,
                format!("the waiver of `{}` expires on {until}: {tail}", w.rule),
                "fix the findings it covers, or extend `until` with a reason that still holds",
            ));
        }
    }

    // Inline suppressions with `until=`.
    if ws.config.config.inline_ignores.unwrap_or(true) {
        let files = report
            .facts
            .files
            .values()
            .chain(report.policies.files.iter());
        let mut directives: Vec<crate::suppress::Directive> = files
            .flat_map(crate::suppress::directives)
            .filter(|d| d.error.is_none())
            .collect();
        directives.sort_by(|a, b| (&a.file.path, a.line).cmp(&(&b.file.path, b.line)));
        for d in directives {
            let Some(until) = d.until else { continue };
            if until < as_of || until >= end {
                continue;
            }
            let Some(after) = day_after(until) else {
                continue;
            };
            let back = comes_back(now, &on_date(after), "inline", &d.location());
            let (n, names) = affected(&back);
            let tail = if n == 0 {
                "it suppresses no finding now".to_string()
            } else {
                format!(
                    "{}: {names}",
                    plural(n, "loses its cover", "lose their cover")
                )
            };
            out.push(finding(
                &d.file,
                d.span,
                format!("this suppression expires on {until}: {tail}"),
                "fix the finding, or extend `until=` with a reason that still holds",
            ));
        }
    }
    out
}

/// Findings suppressed now by the waiver or comment at `location` that are not suppressed
/// any more in `then`.
fn comes_back<'a>(
    now: &'a [Finding],
    then: &[Finding],
    kind: &str,
    location: &str,
) -> Vec<&'a Finding> {
    let failing_then: HashSet<String> = then
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(identity)
        .collect();
    now.iter()
        .filter(|f| {
            f.suppressed
                .as_ref()
                .is_some_and(|s| s.kind == kind && s.location == location)
                && failing_then.contains(&identity(f))
        })
        .collect()
}

//! Suppressions (docs/configuration.md, "Waivers and inline ignores"): inline `cloudpact:ignore`
//! comments and the config's `waivers`, applied after evaluation.
//!
//! A suppressed finding stays in the list, marked (`Finding::suppressed`): the `json` and
//! `sarif` reports show it with its reason, the others and the exit code skip it. The
//! suppressions are checked themselves and reported under reserved rule ids:
//! `cloudpact.invalid-suppression` (no reason, unknown rule, bad date, a `waivable false`
//! rule: it then suppresses nothing), `cloudpact.expired-suppression`,
//! `cloudpact.expired-waiver`, and `cloudpact.unused-suppression` (judged only when the whole
//! repository was scanned, since a partial scan cannot know).

pub mod comments;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;

use crate::config::{self, WaiverDef};
use crate::diag::Severity;
use crate::dsl::ast::Expr;
use crate::dsl::model::PolicySet;
use crate::eval::FileMap;
use crate::eval::expr::{Evaluator, Tri};
use crate::eval::finding::{Finding, Suppression, reserved};
use crate::facts::catalog::Catalog;
use crate::source::{SourceFile, Span};
pub(crate) use comments::{Directive, directives, holds_marker, may_hold_directives};

/// Reserved ids that a comment or waiver may suppress; the rest are about suppressions
/// themselves, and silencing those would defeat them.
pub(crate) const SUPPRESSIBLE_RESERVED: &[&str] = &[
    reserved::PARSE_ERROR,
    reserved::UNREADABLE,
    reserved::TOO_LARGE,
    reserved::UNUSED_REFUSAL,
    reserved::UNRESOLVED_MODULE,
];

/// A waiver from the config, with its `where` parsed and the config file it is in (its place
/// there is [`WaiverDef::span`], its item in the `waivers` list).
#[derive(Debug, Clone)]
pub struct Waiver {
    pub def: WaiverDef,
    pub scope: Option<Expr>,
    /// Why `where` could not be used (then the waiver suppresses nothing).
    pub scope_error: Option<String>,
    pub file: Arc<SourceFile>,
}

impl Waiver {
    /// `cloudpact.yaml:LINE`, the item's first line.
    fn location(&self) -> String {
        let line = self.file.line_col(self.def.span.start).line;
        format!("{}:{line}", self.file.path)
    }
}

/// The config's waivers, `where` parsed with the policy language's expression parser.
pub(crate) fn prepare_waivers(config: &config::Loaded) -> Vec<Waiver> {
    let defs = &config.config.waivers;
    let file = config
        .file
        .clone()
        .unwrap_or_else(|| Arc::new(SourceFile::new(config::FILE_NAME, "")));
    defs.iter()
        .map(|def| {
            let (scope, scope_error) = match def.scope.as_deref().map(crate::dsl::parse_expr) {
                None => (None, None),
                Some(Ok(e)) => (Some(e), None),
                Some(Err(e)) => (
                    None,
                    Some(format!("its `where` does not parse: {}", e.message)),
                ),
            };
            Waiver {
                def: def.clone(),
                scope,
                scope_error,
                file: file.clone(),
            }
        })
        .collect()
}

/// Marks suppressed findings and adds the findings about suppressions; then sorts.
/// `inline_ignores: false` in the config turns the comments off (audits); waivers still apply.
pub(crate) fn apply(
    findings: &mut Vec<Finding>,
    files: &FileMap,
    rules: &PolicySet,
    config: &config::Loaded,
    catalog: &Catalog,
    as_of: Date,
    whole_repo: bool,
) {
    let inline = config.config.inline_ignores.unwrap_or(true);
    let waivers = prepare_waivers(config);
    let ctx = Ctx {
        rules,
        catalog,
        as_of,
        whole_repo,
    };
    apply_prepared(findings, files, &ctx, inline, &waivers);
}

/// What judging suppressions needs besides the findings.
pub struct Ctx<'a> {
    pub rules: &'a PolicySet,
    pub catalog: &'a Catalog,
    pub as_of: Date,
    pub whole_repo: bool,
}

impl Ctx<'_> {
    /// Why `id` cannot be suppressed, if it cannot.
    fn refuse(&self, id: &str) -> Option<String> {
        if SUPPRESSIBLE_RESERVED.contains(&id) {
            return None;
        }
        if id.starts_with("cloudpact.") {
            return Some(format!(
                "`{id}` is about suppressions and cannot be suppressed"
            ));
        }
        match self.rules.rule(id) {
            Some(r) if !r.waivable => Some(format!(
                "rule `{id}` is declared `waivable false`: it cannot be suppressed"
            )),
            Some(_) => None,
            None => {
                let ids = self.rules.rules.iter().map(|r| &*r.id);
                Some(match crate::suggest::did_you_mean(id, ids) {
                    Some(s) => format!("unknown rule id `{id}` (did you mean `{s}`?)"),
                    None => format!("unknown rule id `{id}`"),
                })
            }
        }
    }

    /// Whether suppressing `id` and finding nothing means the suppression is stale: only for
    /// rules active on the evaluation date, and only where every finding it could suppress is
    /// known — a whole-repository scan, or (`in_extracted`) a comment in a file whose unit was
    /// evaluated, for a rule judged deployment by deployment.
    fn judges_unused(&self, id: &str, in_extracted: bool) -> bool {
        let rule = self.rules.rule(id);
        if !rule.is_none_or(|r| r.is_active(self.as_of)) {
            return false;
        }
        let per_deployment = id != reserved::UNUSED_REFUSAL
            && rule.is_none_or(|r| r.kind != crate::dsl::ast::RuleKind::Share);
        self.whole_repo || (in_extracted && per_deployment)
    }
}

fn reserved_finding(
    rule: &str,
    severity: Severity,
    message: String,
    help: &str,
    file: &Arc<SourceFile>,
    span: Span,
) -> Finding {
    Finding {
        rule: rule.into(),
        policy: None,
        rule_kind: None,
        severity,
        message,
        help: Some(help.to_string()),
        reference: None,
        file: file.clone(),
        span,
        label: None,
        deployment: None,
        related: Vec::new(),
        suppressed: None,
    }
}

/// Every file a directive may be in: scanned files, policy and refusal files, and the files
/// findings point at; by path, each once.
fn comment_files(findings: &[Finding], files: &FileMap, rules: &PolicySet) -> Vec<Arc<SourceFile>> {
    let mut by_path: BTreeMap<Arc<str>, Arc<SourceFile>> = BTreeMap::new();
    let all = files
        .values()
        .chain(rules.files.iter())
        .chain(findings.iter().map(|f| &f.file));
    for f in all {
        by_path.entry(f.path.clone()).or_insert_with(|| f.clone());
    }
    by_path.into_values().collect()
}

/// [`apply`] with the waivers already prepared (tests build their `where` directly).
pub(crate) fn apply_prepared(
    findings: &mut Vec<Finding>,
    files: &FileMap,
    ctx: &Ctx<'_>,
    inline: bool,
    waivers: &[Waiver],
) {
    let mut extra = Vec::new();
    if inline {
        let with_comments = comment_files(findings, files, ctx.rules);
        // A few files (the policy files of a run that found nothing) are read on this thread:
        // starting the thread pool for them would cost more than reading them.
        let found: Vec<Directive> = if with_comments.len() < 16 {
            with_comments.iter().flat_map(directives).collect()
        } else {
            with_comments.par_iter().flat_map_iter(directives).collect()
        };
        apply_directives(findings, &found, files, ctx, &mut extra);
    }
    apply_waivers(findings, waivers, ctx, &mut extra);
    findings.extend(extra);
    crate::eval::finding::sort(findings);
}

fn apply_directives(
    findings: &mut [Finding],
    found: &[Directive],
    files: &FileMap,
    ctx: &Ctx<'_>,
    extra: &mut Vec<Finding>,
) {
    // (directive, rule index) pairs that may suppress.
    let mut usable: HashSet<(usize, usize)> = HashSet::new();
    for (di, d) in found.iter().enumerate() {
        if let Some(why) = &d.error {
            extra.push(reserved_finding(
                reserved::INVALID_SUPPRESSION,
                Severity::Error,
                format!("invalid suppression: {why}"),
                "write `cloudpact:ignore RULE_ID [until=YYYY-MM-DD] -- REASON`",
                &d.file,
                d.span,
            ));
            continue;
        }
        if let Some(until) = d.until
            && until < ctx.as_of
        {
            extra.push(reserved_finding(
                reserved::EXPIRED_SUPPRESSION,
                Severity::Warning,
                format!("this suppression expired on {until}"),
                "fix the finding, or extend `until=` with a reason that still holds",
                &d.file,
                d.span,
            ));
            continue;
        }
        for (ri, r) in d.rules.iter().enumerate() {
            match ctx.refuse(&r.id) {
                Some(why) => extra.push(reserved_finding(
                    reserved::INVALID_SUPPRESSION,
                    Severity::Error,
                    format!("invalid suppression: {why}"),
                    "name a rule of the loaded policies that is waivable; a `waivable false` \
                     rule must be complied with",
                    &d.file,
                    r.span,
                )),
                None => {
                    usable.insert((di, ri));
                }
            }
        }
    }
    if usable.is_empty() {
        return;
    }
    // Directives by (path, line).
    let mut at: BTreeMap<(&str, usize), Vec<usize>> = BTreeMap::new();
    for (di, d) in found.iter().enumerate() {
        at.entry((&d.file.path, d.line)).or_default().push(di);
    }
    let with_directives: HashSet<&str> = found.iter().map(|d| &*d.file.path).collect();
    let mut used: HashSet<(usize, usize)> = HashSet::new();
    for f in findings.iter_mut() {
        // Only findings in a file with a directive read their file's text.
        if !with_directives.contains(&*f.file.path) {
            continue;
        }
        let line = f
            .file
            .index()
            .line_of(f.span.start.min(f.file.text().len()));
        let candidates = [Some(line), line.checked_sub(1)];
        for l in candidates.into_iter().flatten() {
            let Some(list) = at.get(&(&*f.file.path, l)) else {
                continue;
            };
            for &di in list {
                let d = &found[di];
                for (ri, r) in d.rules.iter().enumerate() {
                    if *r.id != *f.rule || !usable.contains(&(di, ri)) {
                        continue;
                    }
                    used.insert((di, ri));
                    if f.suppressed.is_none() {
                        f.suppressed = Some(Box::new(Suppression {
                            kind: "inline",
                            reason: d.reason.clone().unwrap_or_default(),
                            location: d.location(),
                        }));
                    }
                }
            }
        }
    }
    let mut unused: Vec<&(usize, usize)> = usable.difference(&used).collect();
    unused.sort();
    for &(di, ri) in unused {
        let (d, r) = (&found[di], &found[di].rules[ri]);
        if ctx.judges_unused(&r.id, files.contains_key(&d.file.path)) {
            extra.push(reserved_finding(
                reserved::UNUSED_SUPPRESSION,
                Severity::Warning,
                format!("this suppression of `{}` matches no finding", r.id),
                "remove it, or move it to the line of the finding or the line above",
                &d.file,
                r.span,
            ));
        }
    }
}

fn apply_waivers(
    findings: &mut [Finding],
    waivers: &[Waiver],
    ctx: &Ctx<'_>,
    extra: &mut Vec<Finding>,
) {
    let mut evaluator = Evaluator::new(ctx.catalog);
    let mut usable = Vec::new();
    for (wi, w) in waivers.iter().enumerate() {
        let invalid = w
            .scope_error
            .clone()
            .or_else(|| ctx.refuse(&w.def.rule))
            .or_else(|| {
                w.def
                    .reason
                    .trim()
                    .is_empty()
                    .then(|| "the waiver has no reason".to_string())
            });
        if let Some(why) = invalid {
            extra.push(reserved_finding(
                reserved::INVALID_SUPPRESSION,
                Severity::Error,
                format!("invalid waiver: {why}"),
                "a waiver needs a waivable rule of the loaded policies, a reason, and a `where` \
                 expression that parses",
                &w.file,
                w.def.span,
            ));
            continue;
        }
        if let Some(until) = w.def.until
            && until < ctx.as_of
        {
            extra.push(reserved_finding(
                reserved::EXPIRED_WAIVER,
                Severity::Warning,
                format!("the waiver of `{}` expired on {until}", w.def.rule),
                "fix the findings it covered, or extend `until` with a reason that still holds",
                &w.file,
                w.def.span,
            ));
            continue;
        }
        if let Some(e) = &w.scope {
            evaluator.prepare(e);
        }
        usable.push(wi);
    }
    let mut used = vec![false; waivers.len()];
    for f in findings.iter_mut() {
        for &wi in &usable {
            let w = &waivers[wi];
            if *w.def.rule != *f.rule {
                continue;
            }
            let matches = match (&w.scope, &f.deployment) {
                (None, _) => true,
                (Some(e), Some(dep)) => evaluator.eval(e, dep) == Tri::True,
                // A `where` speaks about a deployment; a finding about none does not match.
                (Some(_), None) => false,
            };
            if !matches {
                continue;
            }
            used[wi] = true;
            if f.suppressed.is_none() {
                f.suppressed = Some(Box::new(Suppression {
                    kind: "waiver",
                    reason: w.def.reason.clone(),
                    location: w.location(),
                }));
            }
        }
    }
    for wi in usable {
        let w = &waivers[wi];
        if !used[wi] && ctx.judges_unused(&w.def.rule, false) {
            extra.push(reserved_finding(
                reserved::UNUSED_SUPPRESSION,
                Severity::Warning,
                format!("the waiver of `{}` matches no finding", w.def.rule),
                "remove the waiver, or correct its rule id or `where`",
                &w.file,
                w.def.span,
            ));
        }
    }
}

#[cfg(test)]
mod tests;

//! Stage 5: evaluating the rules against the deployments.
//!
//! Every active rule is checked against every deployment in its scope; the work is spread over
//! threads by deployment and the findings sorted, so the result does not depend on the thread
//! count. `share` and unused refusal records are judged only on a whole-repository scan.

pub mod expr;
pub mod finding;
mod message;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;

use crate::diag::Severity;
use crate::dsl::ast::{RuleKind, UnknownPolicy};
use crate::dsl::model::{PolicySet, RefusalRecord, RuleDef};
use crate::facts::catalog::Catalog;
use crate::facts::model::Deployment;
use crate::source::SourceFile;
use expr::{Evaluator, Tri};
use finding::{Finding, Related, reserved};

/// Deployments judged in parallel at a time ([`Engine::judge_part`]): enough to keep every
/// thread busy, few enough that their findings are not held twice for long.
const JUDGE_CHUNK: usize = 8192;

/// How to evaluate.
#[derive(Debug, Clone, Copy)]
pub struct EvalOptions {
    /// The date the contracts are evaluated at.
    pub as_of: Date,
    /// Whether the scan covered the whole repository (not explicit files): only then are
    /// `share` rules and unused refusal records judged.
    pub whole_repo: bool,
}

/// The files deployments were found in, by path. Hashed with foldhash: a large run inserts
/// every file's path once per batch, and SipHash was 1.4 % of its time.
pub type FileMap = HashMap<Arc<str>, Arc<SourceFile>, foldhash::fast::RandomState>;

/// A rule's verdict on one deployment (for `explain` and the language server's hover).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The rule's window does not contain the evaluation date.
    Inactive,
    /// `where` is false or unknown.
    OutOfScope,
    /// The deployment complies.
    Complies,
    /// Covered by a refusal record (its id).
    Covered(String),
    /// A value the rule needs is unknown, and the rule's `unknown` clause says what happens.
    Unknown(UnknownPolicy),
    /// A finding.
    Violates,
    /// `share` rules are judged on the whole scan, not per deployment.
    Aggregate,
}

/// Evaluates every rule against every deployment.
pub fn evaluate(
    set: &PolicySet,
    deployments: &[Arc<Deployment>],
    files: &FileMap,
    catalog: &Catalog,
    opts: EvalOptions,
) -> Vec<Finding> {
    let engine = Engine::new(set, catalog, opts);
    let mut judged = Judged::new(set, opts);
    judged.add(engine.judge_part(set, deployments, files));
    engine.conclude(judged)
}

/// What judging some deployments of a scan gives: their findings, and what the
/// whole-repository rules add up over every part (`share` counts, the refusal records used).
/// A check judges its deployments part by part and adds the parts up, so it need not keep
/// them (docs/architecture.md, "Batches").
#[derive(Debug, Clone)]
pub struct Judged {
    pub findings: Vec<Finding>,
    /// Indices (in [`Engine::records`]) of the refusal records that covered a deployment.
    pub used_records: HashSet<usize>,
    /// Every active `share` rule's counts, in the order of the policy set.
    pub shares: Vec<ShareFigure>,
}

impl Judged {
    /// Nothing judged yet.
    pub fn new(set: &PolicySet, opts: EvalOptions) -> Self {
        Self {
            findings: Vec::new(),
            used_records: HashSet::new(),
            shares: set
                .rules
                .iter()
                .filter(|r| r.kind == RuleKind::Share && r.is_active(opts.as_of))
                .map(|r| ShareFigure {
                    rule: r.clone(),
                    listed: 0,
                    total: 0,
                })
                .collect(),
        }
    }

    /// Adds the judgement of another part of the same scan, by the same policy set.
    pub fn add(&mut self, part: Judged) {
        if self.findings.is_empty() {
            // Moved, not copied: the first part may hold every finding of the scan.
            self.findings = part.findings;
        } else {
            self.findings.extend(part.findings);
        }
        self.used_records.extend(part.used_records);
        for (mine, theirs) in self.shares.iter_mut().zip(part.shares) {
            mine.listed += theirs.listed;
            mine.total += theirs.total;
        }
    }
}

/// Makes room for `more` findings after `done` of `total` deployments were judged: for as many
/// as the rate so far projects over all of them, with a margin, so that a vector that would
/// double past a power of two (65,536 findings: 15 MB of room unused) is sized once. When
/// the projection falls short it grows by an eighth at least, so growing stays linear.
fn reserve_projected<T>(findings: &mut Vec<T>, more: usize, done: usize, total: usize) {
    let needed = findings.len() + more;
    if needed <= findings.capacity() {
        return;
    }
    let projected = needed.saturating_mul(total) / done.max(1);
    let want = (projected + projected / 16)
        .max(needed)
        .max(findings.capacity() + findings.capacity() / 8);
    findings.reserve_exact(want - findings.len());
}

/// The module calls that made a deployment's instance, outermost first, and the plan entry its
/// values come from, as related locations.
fn call_sites(dep: &Deployment, files: &FileMap) -> Vec<Related> {
    dep.calls
        .iter()
        .filter_map(|c| {
            Some(Related {
                file: files.get(&c.path)?.clone(),
                span: c.span,
                message: match c.name.as_str() {
                    "terragrunt" => "instance made by this Terragrunt configuration".to_string(),
                    name => format!("instance made by this call ({name})"),
                },
            })
        })
        .chain(dep.plan.as_ref().and_then(|p| {
            Some(Related {
                file: files.get(&p.path)?.clone(),
                span: p.span,
                message: format!("values from this plan entry ({})", p.address),
            })
        }))
        .collect()
}

/// What one rule says about one deployment.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    /// Index (in `Engine::records`) of the refusal record that covered the deployment.
    pub used_record: Option<usize>,
    /// Why no record covers it, when one nearly does.
    pub near_miss: Option<String>,
}

impl Outcome {
    fn of(verdict: Verdict) -> Self {
        Self {
            verdict,
            used_record: None,
            near_miss: None,
        }
    }
}

pub use message::percent;

/// One active `share` rule's figures over a set of deployments (`check --new-since` reports
/// how a change moves them: src/baseline/since.rs).
#[derive(Debug, Clone)]
pub struct ShareFigure {
    pub rule: Arc<RuleDef>,
    /// In-scope deployments on the committed providers.
    pub listed: usize,
    /// In-scope deployments with a known provider.
    pub total: usize,
}

impl ShareFigure {
    /// The share in percent; `None` without in-scope deployments.
    pub fn percent(&self) -> Option<f64> {
        (self.total > 0).then(|| self.listed as f64 * 100.0 / self.total as f64)
    }
}

/// Rules, records and compiled globs, shared read-only by every thread.
pub struct Engine<'a> {
    evaluator: Evaluator<'a>,
    opts: EvalOptions,
    /// Every distinct refusal record of every rule.
    records: Vec<Arc<RefusalRecord>>,
    /// Record identity (its address, stable while the set lives) → index in `records`.
    record_index: HashMap<usize, usize>,
}

impl<'a> Engine<'a> {
    pub fn new(set: &PolicySet, catalog: &'a Catalog, opts: EvalOptions) -> Self {
        let mut evaluator = Evaluator::new(catalog);
        let mut records = Vec::new();
        let mut record_index = HashMap::new();
        for rule in &set.rules {
            if let Some(e) = &rule.scope {
                evaluator.prepare(e);
            }
            if let Some(e) = &rule.assert {
                evaluator.prepare(e);
            }
            for rec in &rule.refusals {
                if let Some(e) = &rec.scope {
                    evaluator.prepare(e);
                }
                let key = Arc::as_ptr(rec) as usize;
                if let std::collections::hash_map::Entry::Vacant(e) = record_index.entry(key) {
                    e.insert(records.len());
                    records.push(rec.clone());
                }
            }
        }
        Self {
            evaluator,
            opts,
            records,
            record_index,
        }
    }

    /// Judges some deployments of a scan by every active rule: the findings of the rules
    /// judged deployment by deployment, the refusal records used, and the `share` counts.
    /// Each deployment's file, and those of its module calls and plan entry, must be in
    /// `files`.
    pub fn judge_part(
        &self,
        set: &PolicySet,
        deployments: &[Arc<Deployment>],
        files: &FileMap,
    ) -> Judged {
        let active: Vec<&Arc<RuleDef>> = set
            .rules
            .iter()
            .filter(|r| r.kind != RuleKind::Share && r.is_active(self.opts.as_of))
            .collect();
        let judge_one = |dep: &Arc<Deployment>| {
            let mut findings = Vec::new();
            let mut used = Vec::new();
            let Some(file) = files.get(&dep.path) else {
                return (findings, used);
            };
            for rule in &active {
                let outcome = self.judge(rule, dep);
                if let Some(rec) = outcome.used_record {
                    used.push(rec);
                }
                if let Some(mut f) = self.finding(rule, dep, file, &outcome) {
                    f.related.extend(call_sites(dep, files));
                    // Most deployments have one finding or none: a plain push would
                    // make room for four (about 1 KB) in each.
                    findings.reserve_exact(1);
                    findings.push(f);
                }
            }
            (findings, used)
        };
        let mut judged = Judged::new(set, self.opts);
        // In chunks: each deployment's findings are gathered in a vector of their own, and
        // all of them at once, beside the flat vector they are moved into, held every finding
        // twice (17 MB each for the 61,000 of `benches/long_lines.rs`'s 8 MiB `.tf`). No
        // deployment starts no thread pool (an empty folder's check).
        let mut done = 0;
        for chunk in deployments.chunks(JUDGE_CHUNK) {
            let per_dep: Vec<(Vec<Finding>, Vec<usize>)> =
                chunk.par_iter().map(judge_one).collect();
            done += chunk.len();
            let more = per_dep.iter().map(|(f, _)| f.len()).sum();
            reserve_projected(&mut judged.findings, more, done, deployments.len());
            for (f, used) in per_dep {
                judged.findings.extend(f);
                judged.used_records.extend(used);
            }
        }
        for figure in &mut judged.shares {
            (figure.listed, figure.total) = self.share_counts(&figure.rule, deployments);
        }
        judged
    }

    /// The findings of a whole scan judged part by part: on a whole-repository scan, those of
    /// the `share` rules and of the refusal records that covered nothing join the others;
    /// sorted.
    pub fn conclude(&self, judged: Judged) -> Vec<Finding> {
        let mut findings = judged.findings;
        if self.opts.whole_repo {
            findings.reserve_exact(judged.shares.len() + self.records.len());
            for figure in &judged.shares {
                if let Some(f) = share_finding(
                    &ShareTerms::of(&figure.rule),
                    figure.listed,
                    figure.total,
                    figure.rule.file.clone(),
                    figure.rule.name_span,
                ) {
                    findings.push(f);
                }
            }
            findings.extend(self.unused_refusals(&judged.used_records));
        }
        finding::sort(&mut findings);
        findings
    }

    /// The verdict of one rule on one deployment.
    pub fn judge(&self, rule: &RuleDef, dep: &Deployment) -> Outcome {
        if !rule.is_active(self.opts.as_of) {
            return Outcome::of(Verdict::Inactive);
        }
        if let Some(scope) = &rule.scope
            && self.evaluator.eval(scope, dep) != Tri::True
        {
            return Outcome::of(Verdict::OutOfScope);
        }
        let provider = dep.provider.as_deref();
        let listed = |p: &str| rule.providers.iter().any(|x| &**x == p);
        match rule.kind {
            RuleKind::Share => Outcome::of(Verdict::Aggregate),
            RuleKind::Exclusive => match provider {
                None => Outcome::of(Verdict::Unknown(rule.unknown)),
                Some(p) if listed(p) => Outcome::of(Verdict::Complies),
                Some(_) => Outcome::of(Verdict::Violates),
            },
            RuleKind::Deny => match provider {
                None => Outcome::of(Verdict::Unknown(rule.unknown)),
                Some(p) if listed(p) => Outcome::of(Verdict::Violates),
                Some(_) => Outcome::of(Verdict::Complies),
            },
            RuleKind::Require => match rule.assert.as_ref().map(|a| self.evaluator.eval(a, dep)) {
                Some(Tri::True) | None => Outcome::of(Verdict::Complies),
                Some(Tri::False) => Outcome::of(Verdict::Violates),
                Some(Tri::Unknown) => Outcome::of(Verdict::Unknown(rule.unknown)),
            },
            RuleKind::FirstRefusal => self.first_refusal(rule, dep),
        }
    }

    fn first_refusal(&self, rule: &RuleDef, dep: &Deployment) -> Outcome {
        let Some(provider) = dep.provider.as_deref() else {
            return Outcome::of(Verdict::Unknown(rule.unknown));
        };
        let holder = rule.holder.as_deref().unwrap_or_default();
        // A provider is never "over" itself: the holder's own deployments are always fine.
        if provider == holder {
            return Outcome::of(Verdict::Complies);
        }
        let over = match &rule.over {
            None => true,
            Some(list) => list.iter().any(|p| &**p == provider),
        };
        if !over {
            return Outcome::of(Verdict::Complies);
        }
        // The record that fails the fewest conditions explains the miss.
        let mut best: Option<(usize, String)> = None;
        for rec in rule.refusals.iter().filter(|r| &*r.holder == holder) {
            let granted = rec.granted_to.iter().any(|p| &**p == provider);
            let in_scope = rec
                .scope
                .as_ref()
                .is_none_or(|s| self.evaluator.eval(s, dep) == Tri::True);
            let valid = rec.is_valid_on(self.opts.as_of);
            if granted && in_scope && valid {
                let idx = self.record_index.get(&(Arc::as_ptr(rec) as usize)).copied();
                return Outcome {
                    verdict: Verdict::Covered(rec.id.clone()),
                    used_record: idx,
                    near_miss: None,
                };
            }
            let failed = [granted, in_scope, valid].iter().filter(|ok| !**ok).count();
            let reason =
                message::near_miss(rec, provider, granted, in_scope, valid, self.opts.as_of);
            if best.as_ref().is_none_or(|(f, _)| failed < *f) {
                best = Some((failed, reason));
            }
        }
        Outcome {
            verdict: Verdict::Violates,
            used_record: None,
            near_miss: best.filter(|(failed, _)| *failed == 1).map(|(_, r)| r),
        }
    }

    /// The finding for an outcome, if it is one.
    pub fn finding(
        &self,
        rule: &RuleDef,
        dep: &Arc<Deployment>,
        file: &Arc<SourceFile>,
        outcome: &Outcome,
    ) -> Option<Finding> {
        let severity = match &outcome.verdict {
            Verdict::Violates => rule.severity,
            Verdict::Unknown(UnknownPolicy::Warn) => Severity::Warning,
            Verdict::Unknown(UnknownPolicy::Deny) => rule.severity,
            _ => return None,
        };
        let unknown = matches!(outcome.verdict, Verdict::Unknown(_));
        let (message, help) =
            message::for_deployment(rule, dep, unknown, outcome.near_miss.as_deref());
        Some(Finding {
            rule: rule.id.clone(),
            policy: Some(rule.policy.clone()),
            rule_kind: Some(rule.kind),
            severity,
            message,
            help: Some(help),
            reference: rule.reference.clone(),
            file: file.clone(),
            span: declaration_span(file, dep),
            label: Some(message::label(dep)),
            deployment: Some(dep.clone()),
            related: vec![Related {
                file: rule.file.clone(),
                span: rule.name_span,
                message: format!("rule `{}` is defined here", rule.id),
            }],
            suppressed: None,
        })
    }

    /// In-scope deployments with a known provider, and how many of them run on the listed
    /// providers.
    pub fn share_counts(&self, rule: &RuleDef, deployments: &[Arc<Deployment>]) -> (usize, usize) {
        let mut listed = 0;
        let mut total = 0;
        for dep in deployments {
            let Some(p) = dep.provider.as_deref() else {
                continue;
            };
            if let Some(scope) = &rule.scope
                && self.evaluator.eval(scope, dep) != Tri::True
            {
                continue;
            }
            total += 1;
            if rule.providers.iter().any(|x| &**x == p) {
                listed += 1;
            }
        }
        (listed, total)
    }

    fn unused_refusals(&self, used: &HashSet<usize>) -> Vec<Finding> {
        self.records
            .iter()
            .enumerate()
            .filter(|(i, rec)| !used.contains(i) && rec.is_valid_on(self.opts.as_of))
            .map(|(_, rec)| unused_refusal_finding(&rec.id, rec.file.clone(), rec.span))
            .collect()
    }

    /// Every distinct refusal record of the policy set, in the order of its rules.
    pub fn records(&self) -> &[Arc<RefusalRecord>] {
        &self.records
    }
}

/// What a `share` finding says: the rule's terms, without the rule (a merge of results has
/// only these, `src/merge/`).
#[derive(Debug, Clone)]
pub struct ShareTerms<'a> {
    pub id: &'a str,
    pub policy: &'a str,
    pub severity: Severity,
    pub message: Option<&'a str>,
    pub providers: Vec<&'a str>,
    pub at_least: f64,
    pub reference: Option<&'a str>,
}

impl<'a> ShareTerms<'a> {
    pub fn of(rule: &'a RuleDef) -> Self {
        Self {
            id: &rule.id,
            policy: &rule.policy,
            severity: rule.severity,
            message: rule.message.as_deref(),
            providers: rule.providers.iter().map(|p| &**p).collect(),
            at_least: rule.at_least.unwrap_or(0.0),
            reference: rule.reference.as_deref(),
        }
    }
}

/// The finding of a `share` rule with `listed` of `total` in-scope deployments on its
/// providers, located at the rule's name; `None` when the share is met (or nothing is in scope).
pub fn share_finding(
    t: &ShareTerms<'_>,
    listed: usize,
    total: usize,
    file: Arc<SourceFile>,
    span: crate::source::Span,
) -> Option<Finding> {
    if total == 0 {
        return None;
    }
    let pct = listed as f64 * 100.0 / total as f64;
    if pct >= t.at_least {
        return None;
    }
    let (message, help) =
        message::for_share(t.message, &t.providers, listed, total, pct, t.at_least);
    Some(Finding {
        rule: t.id.into(),
        policy: Some(t.policy.into()),
        rule_kind: Some(RuleKind::Share),
        severity: t.severity,
        message,
        help: Some(help),
        reference: t.reference.map(Arc::from),
        file,
        span,
        label: Some(format!(
            "{listed} of {total} ({}) on the committed providers",
            message::percent(pct)
        )),
        deployment: None,
        related: Vec::new(),
        suppressed: None,
    })
}

/// The finding of a refusal record in force that covers no deployment.
pub fn unused_refusal_finding(
    id: &str,
    file: Arc<SourceFile>,
    span: crate::source::Span,
) -> Finding {
    Finding {
        rule: reserved::UNUSED_REFUSAL.into(),
        policy: None,
        rule_kind: None,
        severity: Severity::Warning,
        message: format!("refusal record {id} is in force but covers no deployment"),
        help: Some(
            "remove the record if the capacity it was granted for is gone, or check its \
             `where` scope and `granted_to` providers"
                .to_string(),
        ),
        reference: None,
        file,
        span,
        label: Some("covers nothing in this scan".to_string()),
        deployment: None,
        related: Vec::new(),
        suppressed: None,
    }
}

/// Findings point at the deployment's first line: its declaration span, cut at the line's end
/// so a whole-block span does not underline the block.
pub(crate) fn declaration_span(file: &SourceFile, dep: &Deployment) -> crate::source::Span {
    let start = dep.span.start.min(file.text().len());
    let line = file.index().line_of(start);
    let line_end = file.index().line_range(line, &file.text()).end;
    let end = dep.span.end.clamp(start, line_end.max(start));
    crate::source::Span::new(start, end)
}

#[cfg(test)]
mod tests;

//! `check --new-since REF`: the findings a change introduces.
//!
//! The repository is evaluated twice, each time whole and with full context: at `REF`, read
//! from the git object store ([`crate::workspace::git::GitTree`]), and in the working tree.
//! Both use the working tree's configuration, policies and refusal records, so the question is
//! "what does this change to the infrastructure break, judged by today's terms". A finding is
//! new when its fingerprint was not among `REF`'s unsuppressed findings (matched as a baseline
//! entry is, renames included: src/baseline/mod.rs); the others are left out of the report.
//!
//! `share` rules: a share breach that already held at `REF` is not new, one the change makes is
//! (its finding keeps the rule's severity), and whenever the change moves a share the report
//! says so, with both figures (`azure share 78% → 74%, commitment 75%`) — an info finding
//! unless the breach is new, whose headline then carries them.

use std::collections::HashSet;

use crate::diag::Severity;
use crate::eval;
use crate::eval::finding::Finding;
use crate::workspace::git::GitTree;
use crate::workspace::{Fatal, Keep, Report, Selection, Workspace};

use super::{Baseline, entries_of, match_entries, recordable};

/// What `--new-since` left out.
#[derive(Debug, Clone)]
pub struct Since {
    /// The revision as given and its commit.
    pub rev: String,
    pub commit: String,
    /// Findings of the working tree already present at the revision.
    pub earlier: usize,
}

/// Narrows `current` (the working tree's report, with the baseline applied when there is one)
/// to what is new since `rev`.
pub fn narrow(
    ws: &Workspace,
    selection: &Selection,
    rev: &str,
    baseline: Option<&Baseline>,
    current: &mut Report,
) -> Result<Since, Fatal> {
    let tree = GitTree::open(&ws.root, rev)?;
    // The working tree's policies, loaded once.
    let policies = (current.policies.clone(), Vec::new());
    let mut before = ws.check_with(
        selection,
        Some(&tree),
        policies,
        std::time::Instant::now(),
        Keep::Findings,
    )?;
    if let Some(b) = baseline {
        let files: HashSet<&str> = before.facts.read.iter().map(|k| &**k).collect();
        let mut findings = std::mem::take(&mut before.findings);
        b.apply(&mut findings, &files, selection);
        before.findings = findings;
    }
    // Fingerprints are numbered over the whole list, as `match_entries` numbers the current one.
    let entries: Vec<_> = entries_of(&before.findings)
        .into_iter()
        .zip(&before.findings)
        .filter(|(_, f)| {
            recordable(f) || &*f.rule == crate::eval::finding::reserved::STALE_BASELINE
        })
        .map(|(e, _)| e)
        .collect();
    let present: HashSet<&str> = current
        .facts
        .files
        .keys()
        .map(|k| &**k)
        .chain(current.findings.iter().map(Finding::path))
        .collect();
    let unsuppressed = |f: &Finding| f.suppressed.is_none();
    let m = match_entries(&entries, &current.findings, &present, unsuppressed);
    let mut dropped = 0;
    let mut kept = Vec::with_capacity(current.findings.len());
    for (f, matched) in std::mem::take(&mut current.findings)
        .into_iter()
        .zip(&m.by_finding)
    {
        if matched.is_some() {
            dropped += 1;
        } else {
            kept.push(f);
        }
    }
    current.findings = kept;
    if current.whole_repo {
        share_changes(&before, current, rev);
    }
    crate::eval::finding::sort(&mut current.findings);
    Ok(Since {
        rev: rev.to_string(),
        commit: tree.commit.clone(),
        earlier: dropped,
    })
}

/// Reports every share the change moves, with both figures.
fn share_changes(before: &Report, current: &mut Report, rev: &str) {
    let then = &before.tally.shares;
    let now = current.tally.shares.clone();
    for n in &now {
        let Some(t) = then.iter().find(|t| t.rule.id == n.rule.id) else {
            continue;
        };
        let (Some(p_then), Some(p_now)) = (t.percent(), n.percent()) else {
            continue;
        };
        if eval::percent(p_then) == eval::percent(p_now) {
            continue;
        }
        let at_least = n.rule.at_least.unwrap_or(0.0);
        let providers = n
            .rule
            .providers
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("+");
        let change = format!(
            "{providers} share {} → {}, commitment {}",
            eval::percent(p_then),
            eval::percent(p_now),
            eval::percent(at_least)
        );
        // A new breach: its finding is still in the report; say the change there.
        if let Some(f) = current
            .findings
            .iter_mut()
            .find(|f| f.rule == n.rule.id && f.deployment.is_none() && f.suppressed.is_none())
        {
            f.message = format!("{change} since {rev}: {}", f.message);
            continue;
        }
        let below = p_now < at_least;
        let verdict = if below {
            "still below the commitment, as it was"
        } else {
            "at or above the commitment"
        };
        current.findings.push(Finding {
            rule: n.rule.id.clone(),
            policy: Some(n.rule.policy.clone()),
            rule_kind: Some(n.rule.kind),
            severity: Severity::Info,
            message: format!("{change} since {rev} ({verdict})"),
            help: Some(format!(
                "{} of {} in-scope deployments run on {providers} now, {} of {} at {rev}",
                n.listed, n.total, t.listed, t.total
            )),
            reference: n.rule.reference.clone(),
            file: n.rule.file.clone(),
            span: n.rule.name_span,
            label: Some(format!(
                "{} → {}",
                eval::percent(p_then),
                eval::percent(p_now)
            )),
            deployment: None,
            related: Vec::new(),
            suppressed: None,
        });
    }
}

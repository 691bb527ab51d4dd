//! What the evidence report shows, computed once from a result for `html` and `md`
//! (docs/report.md): rules by policy with their status, shares, deployments by provider and
//! country, refusal records and waivers on a timeline, findings by rule with their links.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use serde_json::Value;

use super::result::{Doc, Repository, RuleInfo, ShareFacts};

/// Whether a record or waiver is in force on the evaluation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// In force and used (records), or in force (waivers).
    InForce,
    /// A record in force that covers no deployment.
    Unused,
    Expired,
    NotYet,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::InForce => "in force",
            State::Unused => "in force, unused",
            State::Expired => "expired",
            State::NotYet => "not yet in force",
        }
    }
}

/// A refusal record or a waiver on the timeline (days since 1970-01-01).
#[derive(Debug, Clone)]
pub struct TimeSpan {
    pub kind: &'static str,
    pub label: String,
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub state: State,
    pub reason: String,
    pub location: String,
}

impl TimeSpan {
    pub fn describe(&self) -> String {
        format!(
            "{} {} – {} ({})",
            self.kind,
            self.from.map_or("—".into(), day_string),
            self.until.map_or("no expiry".into(), day_string),
            self.state.as_str()
        )
    }
}

pub struct Model<'a> {
    pub repositories: Vec<Repository>,
    pub policies: Vec<(String, Vec<RuleInfo>)>,
    open: HashMap<String, usize>,
    pub shares: Vec<ShareFacts>,
    pub by_provider: BTreeMap<String, usize>,
    pub by_country: BTreeMap<String, usize>,
    pub spans: Vec<TimeSpan>,
    pub as_of: i64,
    /// Indices in `findings`, by rule.
    pub by_rule: BTreeMap<String, Vec<usize>>,
    pub findings: Vec<Value>,
    doc: std::marker::PhantomData<&'a Doc>,
}

const EPOCH: Date = Date::constant(1970, 1, 1);

pub fn day(s: &str) -> Option<i64> {
    let d: Date = s.parse().ok()?;
    Some(i64::from(d.since(EPOCH).ok()?.get_days()))
}

pub fn day_string(n: i64) -> String {
    EPOCH
        .checked_add(jiff::Span::new().days(n))
        .map_or_else(|_| n.to_string(), |d| d.to_string())
}

fn counts(v: &Value) -> BTreeMap<String, usize> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0) as usize))
                .collect()
        })
        .unwrap_or_default()
}

impl<'a> Model<'a> {
    pub fn of(doc: &'a Doc) -> Self {
        let repositories = match &doc.repository {
            Some(r) => vec![r.clone()],
            None => doc.repositories.clone(),
        };
        let mut policies: Vec<(String, Vec<RuleInfo>)> = Vec::new();
        for r in &doc.rules {
            match policies.iter_mut().find(|(p, _)| *p == r.policy) {
                Some((_, list)) => list.push(r.clone()),
                None => policies.push((r.policy.clone(), vec![r.clone()])),
            }
        }
        let mut open = HashMap::new();
        let mut by_rule: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let findings = super::result::finding_values(doc);
        for (i, f) in findings.iter().enumerate() {
            let rule = f["rule"].as_str().unwrap_or_default().to_string();
            if f["suppressed"] != true {
                *open.entry(rule.clone()).or_insert(0) += 1;
            }
            by_rule.entry(rule).or_default().push(i);
        }
        let as_of = day(&doc.as_of).unwrap_or(0);
        let whole = doc.whole_repo.as_ref();
        let mut spans = Vec::new();
        for r in &doc.records {
            let from = day(&r.declined_on);
            let until = r.expires.as_deref().and_then(day);
            let state = if from.is_some_and(|f| f > as_of) {
                State::NotYet
            } else if until.is_some_and(|u| u < as_of) {
                State::Expired
            } else {
                let used = whole.is_none_or(|w| {
                    w.refusals
                        .iter()
                        .find(|x| x.id == r.id && x.place.path == r.path)
                        .is_none_or(|x| x.used)
                });
                if used { State::InForce } else { State::Unused }
            };
            spans.push(TimeSpan {
                kind: "record",
                label: r.id.clone(),
                from,
                until,
                state,
                reason: format!(
                    "{} (holder {}, granted to {})",
                    r.reason,
                    r.holder,
                    r.granted_to.join(", ")
                ),
                location: format!("{}:{}", r.path, r.line),
            });
        }
        for w in &doc.waivers {
            let until = w.until.as_deref().and_then(day);
            spans.push(TimeSpan {
                kind: "waiver",
                label: w.rule.clone(),
                from: None,
                until,
                state: if until.is_some_and(|u| u < as_of) {
                    State::Expired
                } else {
                    State::InForce
                },
                reason: match &w.scope {
                    Some(s) => format!("{} (where {s})", w.reason),
                    None => w.reason.clone(),
                },
                location: format!("{}:{}", w.path, w.line),
            });
        }
        Model {
            repositories,
            policies,
            open,
            shares: whole.map(|w| w.shares.clone()).unwrap_or_default(),
            by_provider: counts(&doc.summary["deployments_by_provider"]),
            by_country: counts(&doc.summary["deployments_by_country"]),
            spans,
            as_of,
            by_rule,
            findings,
            doc: std::marker::PhantomData,
        }
    }

    pub fn repositories_label(&self) -> String {
        match self.repositories.as_slice() {
            [] => "results".to_string(),
            [one] => one.name.clone(),
            many => format!("{} repositories", many.len()),
        }
    }

    /// Unsuppressed findings of a rule.
    pub fn open_findings(&self, rule: &str) -> usize {
        self.open.get(rule).copied().unwrap_or(0)
    }

    /// The timeline's first and last day: every span and the evaluation date, with a margin.
    pub fn time_range(&self) -> (i64, i64) {
        let mut lo = self.as_of;
        let mut hi = self.as_of;
        for s in &self.spans {
            for d in [s.from, s.until].into_iter().flatten() {
                lo = lo.min(d);
                hi = hi.max(d);
            }
        }
        (lo - 30, hi + 30)
    }

    /// Where a finding's row links: the source line on GitHub or GitLab when the repository's
    /// remote and revision are known, else the repository-relative path (a link that works
    /// from a report written at the repository's root).
    pub fn link(&self, f: &Value) -> String {
        let path = f["path"].as_str().unwrap_or_default();
        let line = f["line"].as_u64().unwrap_or(1) as usize;
        let (repo, rel) = match f["repository"].as_str() {
            Some(name) => (
                self.repositories.iter().find(|r| r.name == name),
                path.strip_prefix(name)
                    .and_then(|p| p.strip_prefix('/'))
                    .unwrap_or(path),
            ),
            None => (self.repositories.first(), path),
        };
        repo.and_then(|r| super::result::blob_url(r, rel, line))
            .unwrap_or_else(|| format!("{path}#L{line}"))
    }
}

/// A rule's terms in words.
pub fn terms(r: &RuleInfo) -> String {
    let providers = r.providers.join(", ");
    let mut t = match r.kind.as_str() {
        "exclusive" => format!("only {providers}"),
        "deny" => format!("never {providers}"),
        "share" => format!(
            "at least {}% on {providers}",
            r.at_least.map_or("?".to_string(), |a| a.to_string())
        ),
        "first_refusal" | "first-refusal" => format!(
            "{} holds a right of first refusal",
            r.holder.as_deref().unwrap_or("?")
        ),
        "require" => "a requirement on every deployment in scope".to_string(),
        other => other.to_string(),
    };
    match (&r.from, &r.until) {
        (Some(f), Some(u)) => t.push_str(&format!("; {f} to {u}")),
        (Some(f), None) => t.push_str(&format!("; from {f}")),
        (None, Some(u)) => t.push_str(&format!("; until {u}")),
        (None, None) => {}
    }
    t
}

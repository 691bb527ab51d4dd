//! Mergeable results (docs/merge.md): what a check's `json` carries for a later merge, and
//! `cloudpact merge`, which combines the results of shards and of many repositories.
//!
//! A command-level module like `cli`: it reads and writes the `json` format
//! ([`crate::render::result`]) and re-judges the whole-repository rules (`share`, unused
//! refusal records) over the union of the results' raw counts, with the same functions a check
//! uses ([`crate::eval::share_finding`], [`crate::eval::unused_refusal_finding`]).

pub mod git;
mod rebuild;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::diag::{Diag, Severity};
use crate::dsl::model::{PolicySet, RefusalRecord};
use crate::eval::finding::{Finding, reserved};
use crate::eval::{self, Engine, EvalOptions, FileMap, ShareTerms};
use crate::render::json::{deployment_json, finding_json, summary_json};
use crate::render::result::finding_raw;
use crate::render::result::{
    Doc, Head, Place, RecordFacts, RecordInfo, RuleInfo, Shard, ShareFacts, WaiverInfo, WholeRepo,
};
use crate::render::{self, Summary};
use crate::source::{SourceFile, Span};
use crate::workspace::{Fatal, Report, Workspace};
pub use rebuild::{findings_of, summary_of};
use serde_json::value::RawValue;

/// What a check adds to its result besides the findings.
#[derive(Debug, Clone, Default)]
pub struct DocOptions {
    /// `--repo NAME`.
    pub repo: Option<String>,
    pub shard: Option<Shard>,
    /// `--inventory`: every deployment.
    pub inventory: bool,
}

/// `sha256:…` of a policy set's content: the sorted SHA-256 digests of the text of every
/// `.pact` and refusal-record file. Where the files are does not change it, so that
/// repositories checked with the same policies from different places agree.
pub fn policy_hash(set: &PolicySet) -> String {
    let mut digests: Vec<String> = set
        .files
        .iter()
        .map(|f| crate::render::locate::hex(&Sha256::digest(f.text().as_bytes())))
        .collect();
    digests.sort();
    digests.dedup();
    let mut h = Sha256::new();
    for d in &digests {
        h.update(d.as_bytes());
        h.update(b"\n");
    }
    format!("sha256:{}", crate::render::locate::hex(&h.finalize()))
}

fn place(file: &SourceFile, span: Span) -> Place {
    let s = file.line_col(span.start);
    let e = file.line_col(span.end);
    Place {
        path: file.path.to_string(),
        line: s.line,
        column: s.column,
        end_line: e.line,
        end_column: e.column,
    }
}

/// The result document of a check.
pub fn doc_of(ws: &Workspace, report: &Report, summary: &Summary, opts: &DocOptions) -> Doc {
    let findings = report
        .findings
        .iter()
        .map(|f| finding_raw(&finding_json(f)))
        .collect();
    doc_with(ws, report, summary, opts, findings)
}

/// [`doc_of`] with `findings` as the document's findings.
pub fn doc_with<F>(
    ws: &Workspace,
    report: &Report,
    summary: &Summary,
    opts: &DocOptions,
    findings: F,
) -> Doc<F> {
    let set = &report.policies;
    let mut summary_v = summary_json(summary);
    summary_v["deployments_by_country"] = json!(report.tally.by_country);
    let inventory = opts.inventory.then(|| {
        let mut list: Vec<Value> = report
            .facts
            .deployments
            .iter()
            .map(|d| deployment_json(d, report.facts.files.get(&d.path).map(|f| &**f)))
            .collect();
        sort_located(&mut list);
        list
    });
    Doc {
        version: render::json::VERSION,
        tool: tool(),
        as_of: report.as_of.to_string(),
        repository: Some(git::identify(&ws.root, opts.repo.as_deref())),
        repositories: Vec::new(),
        shard: opts.shard,
        policy_hash: Some(policy_hash(set)),
        summary: summary_v,
        findings,
        whole_repo: Some(whole_repo(ws, report)),
        rules: rules(set, report.as_of),
        records: records(set)
            .iter()
            .map(|r| RecordInfo {
                id: r.id.to_string(),
                holder: r.holder.to_string(),
                granted_to: r.granted_to.iter().map(ToString::to_string).collect(),
                declined_on: r.declined_on.to_string(),
                expires: r.expires.map(|d| d.to_string()),
                scope: r.scope_text.clone(),
                reason: r.reason.clone(),
                path: r.file.path.to_string(),
                line: r.file.line_col(r.span.start).line,
            })
            .collect(),
        waivers: waivers(ws),
        inventory,
        notes: report.facts.notes.clone(),
    }
}

fn tool() -> Value {
    json!({"name": "cloudpact", "version": env!("CARGO_PKG_VERSION")})
}

fn rules(set: &PolicySet, as_of: jiff::civil::Date) -> Vec<RuleInfo> {
    set.rules
        .iter()
        .map(|r| RuleInfo {
            id: r.id.to_string(),
            policy: r.policy.to_string(),
            title: r.policy_title.clone(),
            kind: r.kind.as_str().to_string(),
            severity: r.severity.as_str().to_string(),
            active: r.is_active(as_of),
            providers: r.providers.iter().map(ToString::to_string).collect(),
            holder: r.holder.as_deref().map(str::to_string),
            at_least: r.at_least,
            from: r
                .window
                .as_ref()
                .and_then(|w| w.from.as_ref())
                .map(|d| d.node.to_string()),
            until: r
                .window
                .as_ref()
                .and_then(|w| w.until.as_ref())
                .map(|d| d.node.to_string()),
            reference: r.reference.as_deref().map(str::to_string),
            path: r.file.path.to_string(),
            line: r.file.line_col(r.name_span.start).line,
        })
        .collect()
}

/// Every distinct refusal record, by file and position.
fn records(set: &PolicySet) -> Vec<Arc<RefusalRecord>> {
    let mut seen = HashSet::new();
    let mut out: Vec<Arc<RefusalRecord>> = set
        .rules
        .iter()
        .flat_map(|r| r.refusals.iter())
        .filter(|r| seen.insert(Arc::as_ptr(r) as usize))
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        (&*a.file.path, a.span.start, &a.id).cmp(&(&*b.file.path, b.span.start, &b.id))
    });
    out
}

fn waivers(ws: &Workspace) -> Vec<WaiverInfo> {
    let file = ws.config.file.clone();
    let path = file.as_ref().map_or_else(
        || crate::config::FILE_NAME.to_string(),
        |f| f.path.to_string(),
    );
    ws.config
        .config
        .waivers
        .iter()
        .map(|w| WaiverInfo {
            rule: w.rule.clone(),
            scope: w.scope.clone(),
            reason: w.reason.clone(),
            until: w.until.map(|d| d.to_string()),
            path: path.clone(),
            line: file.as_ref().map_or(1, |f| f.line_col(w.span.start).line),
        })
        .collect()
}

/// The raw facts of the whole-repository rules, and what would suppress their findings.
fn whole_repo(ws: &Workspace, report: &Report) -> WholeRepo {
    let set = &report.policies;
    let opts = EvalOptions {
        as_of: report.as_of,
        whole_repo: report.whole_repo,
    };
    let engine = Engine::new(set, &ws.catalog, opts);
    // Counted as the check judged its deployments (src/workspace/batch.rs).
    let mut shares: Vec<ShareFacts> = report
        .tally
        .shares
        .iter()
        .map(|figure| {
            let (r, listed, total) = (&figure.rule, figure.listed, figure.total);
            ShareFacts {
                rule: r.id.to_string(),
                policy: r.policy.to_string(),
                severity: r.severity.as_str().to_string(),
                message: r.message.clone(),
                providers: r.providers.iter().map(ToString::to_string).collect(),
                at_least: r.at_least.unwrap_or(0.0),
                reference: r.reference.as_deref().map(str::to_string),
                listed,
                total,
                place: place(&r.file, r.name_span),
                suppression: None,
            }
        })
        .collect();
    shares.sort_by(|a, b| a.rule.cmp(&b.rule));
    let used = &report.tally.used_records;
    let index: HashMap<usize, usize> = engine
        .records()
        .iter()
        .enumerate()
        .map(|(i, r)| (Arc::as_ptr(r) as usize, i))
        .collect();
    let refusals: Vec<RecordFacts> = records(set)
        .iter()
        .filter(|r| r.is_valid_on(report.as_of))
        .map(|r| RecordFacts {
            id: r.id.to_string(),
            place: place(&r.file, r.span),
            used: index
                .get(&(Arc::as_ptr(r) as usize))
                .is_some_and(|i| used.contains(i)),
            suppression: None,
        })
        .collect();
    let mut out = WholeRepo {
        judged: report.whole_repo,
        shares,
        refusals,
    };
    would_suppress(ws, report, &mut out);
    out
}

/// What would suppress each whole-repository finding if a merge makes it: the suppressions
/// (comments, waivers) applied to the finding as a check would make it.
fn would_suppress(ws: &Workspace, report: &Report, facts: &mut WholeRepo) {
    let set = &report.policies;
    let mut hypothetical: Vec<Finding> = Vec::new();
    for s in &facts.shares {
        if let Some(rule) = set.rule(&s.rule)
            && let Some(f) = eval::share_finding(
                &ShareTerms::of(rule),
                0,
                1,
                rule.file.clone(),
                rule.name_span,
            )
        {
            hypothetical.push(f);
        }
    }
    for rec in records(set) {
        hypothetical.push(eval::unused_refusal_finding(
            &rec.id,
            rec.file.clone(),
            rec.span,
        ));
    }
    if hypothetical.is_empty() {
        return;
    }
    crate::suppress::apply(
        &mut hypothetical,
        &FileMap::default(),
        set,
        &ws.config,
        &ws.catalog,
        report.as_of,
        false,
    );
    let suppression_at = |rule: &str, p: &Place| {
        hypothetical
            .iter()
            .find(|f| {
                &*f.rule == rule && f.path() == p.path && {
                    let (l, c, _, _) = f.position();
                    (l, c) == (p.line, p.column)
                }
            })
            .and_then(|f| f.suppressed.as_ref())
            .map(|s| json!(s))
    };
    for s in &mut facts.shares {
        s.suppression = suppression_at(&s.rule, &s.place);
    }
    for r in &mut facts.refusals {
        r.suppression = suppression_at(reserved::UNUSED_REFUSAL, &r.place);
    }
}

type Key<'a> = (&'a str, u64, u64, u64, u64, &'a str, &'a str);

fn key(v: &Value) -> Key<'_> {
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
    (
        s("path"),
        n("line"),
        n("column"),
        n("end_line"),
        n("end_column"),
        s("rule"),
        s("message"),
    )
}

/// Sorts findings or deployments in the order of a result: path, position, rule, message
/// (the order of [`crate::eval::finding::sort`]). Stable: findings equal in all of these (the
/// module instances of one call) keep their order.
pub fn sort_located(list: &mut Vec<Value>) {
    let mut keyed: Vec<(Key<'_>, usize)> =
        list.iter().enumerate().map(|(i, v)| (key(v), i)).collect();
    keyed.sort_unstable();
    let order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
    let mut old: Vec<Option<Value>> = std::mem::take(list).into_iter().map(Some).collect();
    *list = order
        .into_iter()
        .map(|i| old[i].take().expect("each index once"))
        .collect();
}

/// Reads a result file: a located error (exit 2) for anything that is not a version-2 result.
pub fn read(path: &Path) -> Result<Doc, Fatal> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diag::error(
            "cloudpact::merge::unreadable",
            format!("cannot read `{shown}`: {e}"),
        )
    })?;
    parse(&shown, &text)
}

/// Parses a result's text (`shown` names it in errors).
pub fn parse(shown: &str, text: &str) -> Result<Doc, Fatal> {
    let located = |message: String, line: usize, column: usize| -> Fatal {
        let file = Arc::new(SourceFile::new(shown.to_string(), text.to_string()));
        let offset = file
            .index()
            .line_start(line.saturating_sub(1))
            .map_or(0, |s| {
                let rest = &text[s..];
                s + rest
                    .char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(rest.len(), |(i, _)| i)
            })
            .min(text.len());
        let end = text[offset..]
            .chars()
            .next()
            .map_or(offset, |c| offset + c.len_utf8());
        Diag::error("cloudpact::merge::bad-result", message)
            .in_file(file)
            .at(Span::new(offset, end), "here")
            .with_help("pass results written by `cloudpact check --format json` (version 2)")
            .into()
    };
    let doc: Doc = serde_json::from_str(text).map_err(|e| {
        located(
            format!("`{shown}` is not a cloudpact result: {e}"),
            e.line(),
            e.column(),
        )
    })?;
    let unlocated = |message: String| -> Fatal {
        Diag::error("cloudpact::merge::bad-result", message)
            .with_help("pass results written by `cloudpact check --format json` (version 2)")
            .into()
    };
    if doc.version != render::json::VERSION {
        return Err(unlocated(format!(
            "`{shown}` is a version {} result; merge reads version {} (run the check again with this cloudpact)",
            doc.version,
            render::json::VERSION
        )));
    }
    if doc.policy_hash.is_none() || doc.whole_repo.is_none() {
        return Err(unlocated(format!(
            "`{shown}` has no `policy_hash` or `whole_repo`: it was not written by `check --format json`"
        )));
    }
    Ok(doc)
}

/// Why results cannot be merged.
fn refuse(message: String, help: &str) -> Fatal {
    Diag::error("cloudpact::merge::mismatch", message)
        .with_help(help)
        .into()
}

/// A refusal record across results: its file, line, column and id.
type RecordKey = (String, usize, usize, String);

/// Combines results: shards of one repository recombine into its whole result; results of
/// several repositories into one with repository-qualified paths. Whole-repository rules are
/// judged over the union. `names` name the inputs in errors.
pub fn combine(inputs: Vec<(String, Doc)>) -> Result<Doc, Fatal> {
    if inputs.is_empty() {
        return Err(refuse(
            "no results to merge".into(),
            "name result files written by `cloudpact check --format json`",
        ));
    }
    // Policy set and date: the same for every input, or the verdicts would be mixed.
    let hash = inputs[0].1.policy_hash.clone();
    if inputs.iter().any(|(_, d)| d.policy_hash != hash) {
        let lines: Vec<String> = inputs
            .iter()
            .map(|(n, d)| format!("  {n}: {}", d.policy_hash.as_deref().unwrap_or("none")))
            .collect();
        return Err(refuse(
            format!(
                "the results were checked against different policy sets:\n{}",
                lines.join("\n")
            ),
            "check every repository with the same policies (and refusal records), then merge",
        ));
    }
    let as_of = inputs[0].1.as_of.clone();
    if let Some((n, d)) = inputs.iter().find(|(_, d)| d.as_of != as_of) {
        return Err(refuse(
            format!(
                "`{n}` was evaluated at {} and `{}` at {as_of}",
                d.as_of, inputs[0].0
            ),
            "pass the same --as-of to every check",
        ));
    }
    // Repositories and their shards.
    let mut groups: BTreeMap<String, Vec<(String, Doc)>> = BTreeMap::new();
    for (name, doc) in inputs {
        if doc.shard.is_none() && doc.whole_repo.as_ref().is_some_and(|w| !w.judged) {
            return Err(refuse(
                format!("`{name}` is a check of named paths, not of the whole repository"),
                "merge whole-repository checks (`check` without PATH) or shards (`check --shard K/N`)",
            ));
        }
        let Some(repo) = &doc.repository else {
            return Err(refuse(
                format!("`{name}` is already a merge of several repositories"),
                "merge the repositories' own results instead",
            ));
        };
        groups
            .entry(repo.name.clone())
            .or_default()
            .push((name, doc));
    }
    for (repo, docs) in &mut groups {
        docs.sort_by_key(|(_, d)| d.shard.map(|s| s.index));
        check_parts(repo, docs)?;
    }
    let several = groups.len() > 1;

    let mut findings: Vec<(SortKey, Box<RawValue>)> = Vec::new();
    // Each with whether every result carrying it would suppress its finding.
    let mut shares: BTreeMap<String, (ShareFacts, bool)> = BTreeMap::new();
    let mut refusals: BTreeMap<RecordKey, (RecordFacts, bool)> = BTreeMap::new();
    let mut files = 0u64;
    let mut deployments = 0u64;
    let mut baselined = 0u64;
    let mut by_provider: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_country: BTreeMap<String, usize> = BTreeMap::new();
    let mut waivers = Vec::new();
    let mut inventory: Option<Vec<Value>> = Some(Vec::new());
    let mut notes: Vec<String> = Vec::new();
    let mut repositories = Vec::new();
    let mut first: Option<Doc> = None;
    for (repo, docs) in groups {
        repositories.push(docs[0].1.repository.clone().expect("grouped by repository"));
        for (name, mut doc) in docs {
            let whole = doc.whole_repo.take().expect("checked by parse");
            let qualify_path = |p: &str| {
                if several && !p.is_empty() {
                    format!("{repo}/{p}")
                } else {
                    p.to_string()
                }
            };
            findings.reserve(doc.findings.len());
            for (i, raw) in std::mem::take(&mut doc.findings).into_iter().enumerate() {
                let bad = || {
                    refuse(
                        format!(
                            "`{name}`: findings[{i}] lacks `rule`, `path`, `severity` or a 1-based `line`, `column`, `end_line`, `end_column`"
                        ),
                        "pass results written by `cloudpact check --format json` (version 2)",
                    )
                };
                let (skip, entry) = {
                    let head = Head::of(&raw).map_err(|_| bad())?;
                    if Severity::parse(&head.severity).is_none()
                        || [head.line, head.column, head.end_line, head.end_column].contains(&0)
                    {
                        return Err(bad());
                    }
                    let verdict = head.rule_kind.as_deref() == Some("share")
                        || head.rule == reserved::UNUSED_REFUSAL;
                    let skip = whole.judged && verdict;
                    let qualified = (several && !skip).then(|| qualify(&raw, &head, &repo));
                    let key = SortKey::of(&head, several.then_some(repo.as_str()));
                    (skip, (key, qualified))
                };
                if skip {
                    continue;
                }
                let (key, qualified) = entry;
                findings.push((key, qualified.unwrap_or(raw)));
            }
            for s in &whole.shares {
                let e = shares.entry(s.rule.clone()).or_insert_with(|| {
                    (
                        ShareFacts {
                            listed: 0,
                            total: 0,
                            ..s.clone()
                        },
                        true,
                    )
                });
                e.0.listed += s.listed;
                e.0.total += s.total;
                e.1 &= s.suppression.is_some();
            }
            for r in &whole.refusals {
                let key = (
                    r.place.path.clone(),
                    r.place.line,
                    r.place.column,
                    r.id.clone(),
                );
                let e = refusals.entry(key).or_insert_with(|| {
                    (
                        RecordFacts {
                            used: false,
                            ..r.clone()
                        },
                        true,
                    )
                });
                e.0.used |= r.used;
                e.1 &= r.suppression.is_some();
            }
            let s = &doc.summary;
            files += s["files"].as_u64().unwrap_or(0);
            deployments += s["deployments"].as_u64().unwrap_or(0);
            baselined += s["baselined"].as_u64().unwrap_or(0);
            add_counts(&mut by_provider, &s["deployments_by_provider"]);
            add_counts(&mut by_country, &s["deployments_by_country"]);
            waivers.extend(doc.waivers.iter().cloned().map(|mut w| {
                w.path = qualify_path(&w.path);
                w
            }));
            match (&mut inventory, doc.inventory.take()) {
                (Some(all), Some(list)) => all.extend(list.into_iter().map(|mut d| {
                    if several {
                        let p = qualify_path(d["path"].as_str().unwrap_or_default());
                        d["path"] = json!(p);
                        d["repository"] = json!(repo);
                    }
                    d
                })),
                _ => inventory = None,
            }
            for n in &doc.notes {
                if !notes.contains(n) {
                    notes.push(n.clone());
                }
            }
            if first.is_none() {
                first = Some(doc);
            }
        }
    }
    let first = first.expect("at least one input");

    // Whole-repository verdicts over the union. A suppression of an org-level verdict holds
    // when every result that carries the rule suppresses it (docs/merge.md).
    let mut whole = WholeRepo {
        judged: true,
        shares: Vec::new(),
        refusals: Vec::new(),
    };
    for (_, (mut s, all_suppress)) in shares {
        if !all_suppress {
            s.suppression = None;
        }
        let providers: Vec<&str> = s.providers.iter().map(String::as_str).collect();
        let terms = ShareTerms {
            id: &s.rule,
            policy: &s.policy,
            severity: Severity::parse(&s.severity).unwrap_or(Severity::Error),
            message: s.message.as_deref(),
            providers,
            at_least: s.at_least,
            reference: s.reference.as_deref(),
        };
        let (file, span) = rebuild::synthetic(&s.place);
        if let Some(f) = eval::share_finding(&terms, s.listed, s.total, file, span) {
            findings.push(keyed(finding_raw(&with_suppression(
                finding_json(&f),
                s.suppression.as_ref(),
            ))));
        }
        whole.shares.push(s);
    }
    for (_, (mut r, all_suppress)) in refusals {
        if !all_suppress {
            r.suppression = None;
        }
        if !r.used {
            let (file, span) = rebuild::synthetic(&r.place);
            let f = eval::unused_refusal_finding(&r.id, file, span);
            findings.push(keyed(finding_raw(&with_suppression(
                finding_json(&f),
                r.suppression.as_ref(),
            ))));
        }
        whole.refusals.push(r);
    }
    let (findings, counts) = sort_findings(findings);
    if let Some(list) = &mut inventory {
        sort_located(list);
    }
    let summary = Summary {
        errors: counts[0],
        warnings: counts[1],
        infos: counts[2],
        suppressed: counts[3],
        baselined: baselined as usize,
        files: files as usize,
        deployments: deployments as usize,
        by_provider,
        as_of: first
            .as_of
            .parse()
            .unwrap_or_else(|_| crate::workspace::today()),
        elapsed_ms: 0,
    };
    let mut summary_v = summary_json(&summary);
    summary_v["deployments_by_country"] = json!(by_country);
    repositories.sort();
    Ok(Doc {
        version: render::json::VERSION,
        tool: tool(),
        as_of,
        repository: (!several).then(|| repositories[0].clone()),
        repositories: if several { repositories } else { Vec::new() },
        shard: None,
        policy_hash: hash,
        summary: summary_v,
        findings,
        whole_repo: Some(whole),
        rules: first.rules.clone(),
        records: first.records.clone(),
        waivers,
        inventory,
        notes,
    })
}

/// What orders and counts a finding: path, position, rule, message ([`Head::key`]), and
/// whether it is an unsuppressed error, warning or info, or suppressed.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    path: String,
    line: u64,
    column: u64,
    end_line: u64,
    end_column: u64,
    rule: String,
    message: String,
    slot: usize,
}

impl SortKey {
    /// The key of a finding, its path qualified by `repo` when given.
    fn of(h: &Head<'_>, repo: Option<&str>) -> Self {
        let path = match repo {
            Some(r) if !h.path.is_empty() => format!("{r}/{}", h.path),
            _ => h.path.to_string(),
        };
        SortKey {
            path,
            line: h.line,
            column: h.column,
            end_line: h.end_line,
            end_column: h.end_column,
            rule: h.rule.to_string(),
            message: h.message.to_string(),
            slot: match (h.suppressed, &*h.severity) {
                (true, _) => 3,
                (false, "error") => 0,
                (false, "warning") => 1,
                _ => 2,
            },
        }
    }
}

fn keyed(raw: Box<RawValue>) -> (SortKey, Box<RawValue>) {
    let key = SortKey::of(&Head::of(&raw).expect("written here"), None);
    (key, raw)
}

/// Sorts findings in the order of a result (stable: findings equal in their key keep their
/// order) and counts them: errors, warnings and infos not suppressed, and suppressed ones.
fn sort_findings(mut findings: Vec<(SortKey, Box<RawValue>)>) -> (Vec<Box<RawValue>>, [usize; 4]) {
    let mut counts = [0usize; 4];
    for (k, _) in &findings {
        counts[k.slot] += 1;
    }
    findings.sort_by(|a, b| {
        let (x, y) = (&a.0, &b.0);
        (
            &x.path,
            x.line,
            x.column,
            x.end_line,
            x.end_column,
            &x.rule,
            &x.message,
        )
            .cmp(&(
                &y.path,
                y.line,
                y.column,
                y.end_line,
                y.end_column,
                &y.rule,
                &y.message,
            ))
    });
    (findings.into_iter().map(|(_, r)| r).collect(), counts)
}

/// A finding of repository `repo` with its paths qualified (`repo/path`) and a `repository`
/// field. Results as `check` writes them are edited as text (the finding's and its
/// deployment's `path` lines, and `repository` before `rule`, where the key order puts it);
/// any other layout through a tree.
fn qualify(raw: &RawValue, head: &Head<'_>, repo: &str) -> Box<RawValue> {
    let text = raw.get();
    let path = serde_json::to_string(&*head.path).expect("a string");
    let qualified = serde_json::to_string(&if head.path.is_empty() {
        String::new()
    } else {
        format!("{repo}/{}", head.path)
    })
    .expect("a string");
    let own = format!("\n      \"path\": {path},");
    let dep = format!("\n        \"path\": {path},");
    let rule = "\n      \"rule\": ";
    let repo_json = serde_json::to_string(repo).expect("a string");
    // Keys in order: `deployment` (its `path` inside), `path`, `repository` (absent), `rule`.
    let edit = || -> Option<String> {
        let mut out = String::with_capacity(text.len() + 2 * qualified.len() + 32);
        let mut rest = text;
        if rest.contains("\n      \"deployment\": {") {
            let i = rest.find(&dep)?;
            out.push_str(&rest[..i]);
            let _ = write!(out, "\n        \"path\": {qualified},");
            rest = &rest[i + dep.len()..];
        }
        let i = rest.find(&own)?;
        out.push_str(&rest[..i]);
        let _ = write!(out, "\n      \"path\": {qualified},");
        rest = &rest[i + own.len()..];
        let i = rest.find(rule)?;
        if rest[..i].contains("\n      \"repository\": ") {
            return None;
        }
        out.push_str(&rest[..i]);
        let _ = write!(out, "\n      \"repository\": {repo_json},");
        out.push_str(&rest[i..]);
        Some(out)
    };
    if let Some(r) = edit().and_then(|t| RawValue::from_string(t).ok()) {
        return r;
    }
    let mut f: Value = serde_json::from_str(text).expect("checked by parse");
    let q = |p: &str| {
        if p.is_empty() {
            String::new()
        } else {
            format!("{repo}/{p}")
        }
    };
    let own_path = q(f["path"].as_str().unwrap_or_default());
    f["path"] = json!(own_path);
    if let Some(d) = f.get_mut("deployment").filter(|d| d.is_object()) {
        let p = q(d["path"].as_str().unwrap_or_default());
        d["path"] = json!(p);
    }
    f["repository"] = json!(repo);
    finding_raw(&f)
}

fn with_suppression(mut f: Value, s: Option<&Value>) -> Value {
    if let Some(s) = s {
        f["suppressed"] = json!(true);
        f["suppression"] = s.clone();
    }
    f
}

fn add_counts(into: &mut BTreeMap<String, usize>, from: &Value) {
    if let Some(m) = from.as_object() {
        for (k, v) in m {
            *into.entry(k.clone()).or_insert(0) += v.as_u64().unwrap_or(0) as usize;
        }
    }
}

/// A repository's results are one whole run, or every shard of one `--shard K/N` split once,
/// all at the same revision.
fn check_parts(repo: &str, docs: &[(String, Doc)]) -> Result<(), Fatal> {
    let revision = &docs[0].1.repository.as_ref().expect("grouped").revision;
    if let Some((n, _)) = docs
        .iter()
        .find(|(_, d)| &d.repository.as_ref().expect("grouped").revision != revision)
    {
        return Err(refuse(
            format!(
                "the results of `{repo}` are of different revisions (`{n}` differs from `{}`)",
                docs[0].0
            ),
            "check every shard at the same commit",
        ));
    }
    let whole: Vec<&String> = docs
        .iter()
        .filter(|(_, d)| d.shard.is_none())
        .map(|(n, _)| n)
        .collect();
    if !whole.is_empty() {
        if docs.len() > 1 {
            return Err(refuse(
                format!(
                    "`{repo}` has {} results ({}) but no shards: each repository must be one whole result or all of its shards",
                    docs.len(),
                    docs.iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "pass each repository once; name it with --repo when two repositories share a name",
            ));
        }
        return Ok(());
    }
    let count = docs[0].1.shard.expect("shards").count;
    let indices: Vec<usize> = docs
        .iter()
        .map(|(_, d)| d.shard.expect("shards"))
        .filter(|s| s.count == count)
        .map(|s| s.index)
        .collect();
    let expected: Vec<usize> = (0..count).collect();
    if indices != expected || docs.len() != count {
        let missing: Vec<String> = expected
            .iter()
            .filter(|i| !indices.contains(i))
            .map(|i| format!("{i}/{count}"))
            .collect();
        return Err(refuse(
            format!(
                "the shards of `{repo}` do not make a whole: {} result(s) for {count} shards{}",
                docs.len(),
                if missing.is_empty() {
                    " (a shard repeated or of another split)".to_string()
                } else {
                    format!(", missing {}", missing.join(", "))
                }
            ),
            "pass every shard of one `--shard K/N` split exactly once",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

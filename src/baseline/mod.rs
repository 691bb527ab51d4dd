//! Adopting cloudpact on a repository with history: baselines, findings new since a revision
//! ([`since`]) and what changes ahead ([`horizon`]).
//!
//! A baseline (`cloudpact baseline`, `check --baseline FILE`, `baseline:` in cloudpact.yaml)
//! records today's unsuppressed findings by fingerprint: the identity the CI formats already
//! use ([`crate::render::locate::identity`]: rule, path, the deployment's type, name and module
//! address, never a line number), so moving code inside a file keeps a finding baselined.
//!
//! **Renames.** An entry also keeps its *moved key* ([`crate::render::locate::moved_identity`]:
//! the identity without the path). A finding that matches no fingerprint still matches an entry
//! with the same moved key when that entry's file is gone from the run (no file of the run has
//! its path): the file was renamed or moved, and its findings keep their entries, one finding
//! per entry. A finding whose file was copied (the old path still there) is new.
//!
//! Findings matched by an entry stay in every report, suppressed with kind `baseline`; entries
//! that match nothing are `cloudpact.stale-baseline` findings (info) so the file shrinks over
//! time, and `cloudpact baseline --update` prunes them.

pub mod horizon;
pub mod since;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diag::{Diag, Severity};
use crate::eval::finding::{Finding, Suppression, reserved};
use crate::render::locate::{fingerprints, moved_identity};
use crate::source::{SourceFile, Span};
use crate::workspace::Selection;

/// The file `cloudpact baseline` writes when neither `--output` nor `baseline:` names one.
pub const DEFAULT_FILE: &str = ".cloudpact-baseline.json";
/// The version of the file's format.
pub const VERSION: u32 = 1;

/// The file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineDoc {
    pub version: u32,
    /// The cloudpact that wrote it (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    pub findings: Vec<Entry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// SHA-256 of the finding's identity (the SARIF `partialFingerprints` value).
    pub fingerprint: String,
    /// SHA-256 of the identity without the path: follows a renamed file.
    pub moved: String,
    pub rule: String,
    pub path: String,
    /// `type.name` (or the module address) of the deployment, for people reading the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// The finding's headline when it was recorded, for people reading the file.
    #[serde(default)]
    pub message: String,
}

/// A loaded baseline: its entries and the file they came from (stale entries point into it).
#[derive(Debug, Clone)]
pub struct Baseline {
    pub entries: Vec<Entry>,
    pub file: Arc<SourceFile>,
}

/// The entries of findings: their fingerprints and moved keys, in the findings' order.
pub fn entries_of(findings: &[Finding]) -> Vec<Entry> {
    let prints = fingerprints(findings);
    findings
        .iter()
        .zip(prints)
        .map(|(f, fingerprint)| Entry {
            fingerprint,
            moved: moved_identity(f),
            rule: f.rule.to_string(),
            path: f.path().to_string(),
            deployment: f.deployment.as_ref().map(|d| {
                if d.is_instance() {
                    d.address()
                } else if d.name.is_empty() {
                    d.type_.clone()
                } else {
                    format!("{}.{}", d.type_, d.name)
                }
            }),
            message: f.message.clone(),
        })
        .collect()
}

/// Whether a finding is recorded in a baseline: unsuppressed, and about the repository rather
/// than about the baseline or the future.
pub fn recordable(f: &Finding) -> bool {
    f.suppressed.is_none() && &*f.rule != reserved::STALE_BASELINE && &*f.rule != reserved::HORIZON
}

/// The matches between entries and findings: `by_finding[i]` is the entry matched by finding
/// `i`, exactly by fingerprint or, when the entry's file is gone (`present` has no such path),
/// by moved key. Findings for which `eligible` is false match nothing.
pub struct Matches {
    pub by_finding: Vec<Option<usize>>,
    pub matched: Vec<bool>,
}

pub fn match_entries(
    entries: &[Entry],
    findings: &[Finding],
    present: &HashSet<&str>,
    eligible: impl Fn(&Finding) -> bool,
) -> Matches {
    let prints = fingerprints(findings);
    let mut by_print: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_print.entry(e.fingerprint.as_str()).or_insert(i);
    }
    let mut matched = vec![false; entries.len()];
    let mut by_finding = vec![None; findings.len()];
    for (i, f) in findings.iter().enumerate() {
        if !eligible(f) {
            continue;
        }
        if let Some(&e) = by_print.get(prints[i].as_str())
            && !matched[e]
        {
            matched[e] = true;
            by_finding[i] = Some(e);
        }
    }
    // Renamed files: entries whose path is gone, by moved key, in file order.
    let mut gone: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if !matched[i] && !present.contains(e.path.as_str()) {
            gone.entry(e.moved.as_str()).or_default().push(i);
        }
    }
    for list in gone.values_mut() {
        list.reverse();
    }
    if !gone.is_empty() {
        for (i, f) in findings.iter().enumerate() {
            if by_finding[i].is_some() || !eligible(f) {
                continue;
            }
            let key = moved_identity(f);
            if let Some(e) = gone.get_mut(key.as_str()).and_then(Vec::pop) {
                matched[e] = true;
                by_finding[i] = Some(e);
            }
        }
    }
    Matches {
        by_finding,
        matched,
    }
}

/// The paths a run knows: the files it read and every finding's file.
pub fn present_paths<'a>(
    files: impl Iterator<Item = &'a str>,
    findings: &'a [Finding],
) -> HashSet<&'a str> {
    files.chain(findings.iter().map(Finding::path)).collect()
}

impl Baseline {
    /// Reads a baseline file; `shown` is its path as reports show it. A missing, unreadable or
    /// malformed file is an error at its place (exit 2).
    pub fn load(abs: &Path, shown: &str) -> Result<Baseline, Diag> {
        let text = std::fs::read_to_string(abs).map_err(|e| {
            Diag::error(
                "cloudpact::baseline::unreadable",
                format!("cannot read the baseline {shown}: {e}"),
            )
            .with_help("write one with `cloudpact baseline`, or fix the path given to --baseline or `baseline:` in cloudpact.yaml")
        })?;
        let file = Arc::new(SourceFile::new(shown, text));
        Self::parse(file)
    }

    pub fn parse(file: Arc<SourceFile>) -> Result<Baseline, Diag> {
        let doc: BaselineDoc = serde_json::from_str(&file.text()).map_err(|e| {
            let at = offset_of(&file, e.line(), e.column());
            Diag::error(
                "cloudpact::baseline::invalid",
                format!("invalid baseline {}: {e}", file.path),
            )
            .in_file(file.clone())
            .at(Span::empty(at), "here")
            .with_help("regenerate it with `cloudpact baseline`")
        })?;
        if doc.version != VERSION {
            let at = file.text().find("\"version\"").unwrap_or(0);
            return Err(Diag::error(
                "cloudpact::baseline::version",
                format!(
                    "baseline {} has version {}; this cloudpact reads version {VERSION}",
                    file.path, doc.version
                ),
            )
            .in_file(file.clone())
            .at(
                Span::new(at, at + "\"version\"".len().min(file.text().len() - at)),
                "here",
            )
            .with_help("regenerate it with `cloudpact baseline`"));
        }
        Ok(Baseline {
            entries: doc.findings,
            file,
        })
    }

    /// Where an entry is written in the file: its fingerprint's value.
    fn span_of(&self, e: &Entry) -> Span {
        match self.file.text().find(&e.fingerprint) {
            Some(at) if !e.fingerprint.is_empty() => Span::new(at, at + e.fingerprint.len()),
            _ => Span::empty(0),
        }
    }

    /// Marks the findings the baseline accepts as suppressed (kind `baseline`), and adds a
    /// `cloudpact.stale-baseline` finding for each entry that matches nothing within the
    /// selection (entries for paths the selection does not name are not judged). Returns how
    /// many findings it suppressed.
    pub fn apply(
        &self,
        findings: &mut Vec<Finding>,
        files: &HashSet<&str>,
        selection: &Selection,
    ) -> usize {
        // An entry for a path the selection does not name may well still exist: it is never
        // taken for a renamed file's.
        let present: HashSet<String> = files
            .iter()
            .map(|s| s.to_string())
            .chain(findings.iter().map(|f| f.path().to_string()))
            .chain(
                self.entries
                    .iter()
                    .filter(|e| !selection.names(&e.path))
                    .map(|e| e.path.clone()),
            )
            .collect();
        let present: HashSet<&str> = present.iter().map(String::as_str).collect();
        let m = match_entries(&self.entries, findings, &present, recordable);
        let mut count = 0;
        for (f, e) in findings.iter_mut().zip(&m.by_finding) {
            if let Some(e) = e {
                let span = self.span_of(&self.entries[*e]);
                let line = self.file.line_col(span.start).line;
                f.suppressed = Some(Box::new(Suppression {
                    kind: "baseline",
                    reason: format!("accepted in the baseline {}", self.file.path),
                    location: format!("{}:{line}", self.file.path),
                }));
                count += 1;
            }
        }
        for (e, matched) in self.entries.iter().zip(&m.matched) {
            if *matched || !selection.names(&e.path) {
                continue;
            }
            let what = e
                .deployment
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            findings.push(Finding {
                rule: reserved::STALE_BASELINE.into(),
                policy: None,
                rule_kind: None,
                severity: Severity::Info,
                message: format!(
                    "baseline entry for `{}` in {}{what} matches no finding any more",
                    e.rule, e.path
                ),
                help: Some(
                    "run `cloudpact baseline --update` to prune entries that no longer match"
                        .to_string(),
                ),
                reference: None,
                file: self.file.clone(),
                span: self.span_of(e),
                label: Some("stale entry".to_string()),
                deployment: None,
                related: Vec::new(),
                suppressed: None,
            });
        }
        crate::eval::finding::sort(findings);
        count
    }
}

/// Writes a baseline document: entries sorted by path, rule and fingerprint.
pub fn render(mut entries: Vec<Entry>) -> String {
    entries.sort_by(|a, b| {
        (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
    });
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let doc = BaselineDoc {
        version: VERSION,
        tool: Some(format!("cloudpact {}", env!("CARGO_PKG_VERSION"))),
        findings: entries,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("a baseline always serializes");
    s.push('\n');
    s
}

/// What `check` is asked for beyond the findings of the working tree.
#[derive(Debug, Clone, Copy, Default)]
pub struct Adopt<'a> {
    /// `--baseline FILE` (else `baseline:` in the configuration).
    pub baseline: Option<&'a Path>,
    /// `--new-since REF`.
    pub new_since: Option<&'a str>,
    /// `--horizon SPAN` (else `horizon:` in the configuration).
    pub horizon: Option<jiff::Span>,
}

/// What [`adopt`] did.
#[derive(Debug, Default)]
pub struct Adopted {
    pub since: Option<since::Since>,
    /// Findings the baseline accepts.
    pub baselined: usize,
}

/// Applies the baseline, `--new-since` and `--horizon` to a report of the working tree, in
/// that order: horizon findings are judged on the full report (before the baseline hides
/// anything), the baseline marks what it accepts, `--new-since` leaves out what was already
/// there, and the horizon findings are added last.
pub fn adopt(
    ws: &crate::workspace::Workspace,
    selection: &Selection,
    ask: &Adopt<'_>,
    report: &mut crate::workspace::Report,
) -> Result<Adopted, crate::workspace::Fatal> {
    let span = match ask.horizon {
        Some(s) => Some(s),
        None => match ws.config.config.horizon.as_deref() {
            Some(h) => Some(crate::config::parse_horizon(h).map_err(|why| {
                Diag::error(
                    "cloudpact::config::bad-horizon",
                    format!("`horizon: {h}` is not a span: {why}"),
                )
            })?),
            None => None,
        },
    };
    let ahead = span.map(|s| horizon::findings(ws, report, s));
    let mut done = Adopted::default();
    let baseline = match configured(ws, ask.baseline) {
        Some((abs, shown)) => Some(Baseline::load(&abs, &shown)?),
        None => None,
    };
    if let Some(b) = &baseline {
        let files: HashSet<&str> = report.facts.read.iter().map(|k| &**k).collect();
        let mut findings = std::mem::take(&mut report.findings);
        done.baselined = b.apply(&mut findings, &files, selection);
        report.findings = findings;
    }
    if let Some(rev) = ask.new_since {
        done.since = Some(since::narrow(
            ws,
            selection,
            rev,
            baseline.as_ref(),
            report,
        )?);
    }
    if let Some(mut extra) = ahead {
        report.findings.append(&mut extra);
        crate::eval::finding::sort(&mut report.findings);
    }
    Ok(done)
}

/// The baseline file a run uses: `--baseline` (relative to the current directory), else
/// `baseline:` in the configuration (relative to its folder); absolute, with the path reports
/// show for it.
pub fn configured(
    ws: &crate::workspace::Workspace,
    flag: Option<&Path>,
) -> Option<(std::path::PathBuf, String)> {
    let abs = match flag {
        Some(p) => std::env::current_dir().ok()?.join(p),
        None => ws.config.dir.join(ws.config.config.baseline.as_deref()?),
    };
    let shown = crate::discover::relative(&ws.root, &abs);
    Some((abs, shown))
}

/// The byte offset of a 1-based line and column (serde_json's), clamped to the text.
fn offset_of(file: &SourceFile, line: usize, column: usize) -> usize {
    let Some(start) = file.index().line_start(line.saturating_sub(1)) else {
        return file.text().len();
    };
    let mut at = start;
    for (n, (i, _)) in file.text()[start..].char_indices().enumerate() {
        at = start + i;
        if n + 1 >= column {
            break;
        }
    }
    at.min(file.text().len())
}

#[cfg(test)]
mod tests;

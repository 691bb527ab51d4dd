//! Findings rebuilt from a result's `json`, for the renderers of `src/render/`.
//!
//! A result carries positions, not source text. The renderers compute positions from a
//! [`SourceFile`] and a byte [`Span`], so every path gets a stand-in file of blank lines long
//! enough for every position a finding names there: the positions come out as the result has
//! them (in SARIF, columns count the stand-in's characters, which are the result's Unicode
//! scalar values), and `human` shows blank source lines under its labels.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;

use crate::diag::Severity;
use crate::dsl::ast::RuleKind;
use crate::eval::finding::{Finding, Suppression};
use crate::facts::model::{Attr, CallSite, Deployment, Evidence, Format, Kind, PlanEntry};
use crate::render::Summary;
use crate::render::result::{Doc, Place};
use crate::source::{SourceFile, Span};

/// A stand-in file for one place, and the place's span in it.
pub(crate) fn synthetic(p: &Place) -> (Arc<SourceFile>, Span) {
    let positions = [(p.line, p.column), (p.end_line, p.end_column)];
    let file = stand_in(&p.path, &positions);
    let span = Span::new(
        offset(&file, p.line, p.column),
        offset(&file, p.end_line, p.end_column),
    );
    (file, span)
}

fn stand_in(path: &str, positions: &[(usize, usize)]) -> Arc<SourceFile> {
    let mut widths: BTreeMap<usize, usize> = BTreeMap::new();
    for &(line, column) in positions {
        let w = widths.entry(line.max(1)).or_insert(0);
        *w = (*w).max(column.saturating_sub(1));
    }
    let lines = widths.keys().next_back().copied().unwrap_or(1);
    let mut text = String::new();
    for l in 1..=lines {
        if l > 1 {
            text.push('\n');
        }
        let w = widths.get(&l).copied().unwrap_or(0);
        text.extend(std::iter::repeat_n(' ', w));
    }
    Arc::new(SourceFile::new(path.to_string(), text))
}

fn offset(file: &SourceFile, line: usize, column: usize) -> usize {
    let start = file
        .index()
        .line_start(line.max(1) - 1)
        .unwrap_or(file.text().len());
    (start + column.max(1) - 1).min(file.text().len())
}

fn position(f: &Value) -> [(usize, usize); 2] {
    let n = |k: &str| f[k].as_u64().unwrap_or(1).max(1) as usize;
    [(n("line"), n("column")), (n("end_line"), n("end_column"))]
}

/// The result's findings as the renderers take them.
pub fn findings_of(doc: &Doc) -> Vec<Finding> {
    let values = crate::render::result::finding_values(doc);
    let mut by_path: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for f in &values {
        by_path
            .entry(f["path"].as_str().unwrap_or_default())
            .or_default()
            .extend(position(f));
    }
    let files: HashMap<&str, Arc<SourceFile>> = by_path
        .into_iter()
        .map(|(p, positions)| (p, stand_in(p, &positions)))
        .collect();
    values
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap_or_default();
            let file = files[path].clone();
            let [(l, c), (el, ec)] = position(f);
            let span = Span::new(offset(&file, l, c), offset(&file, el, ec));
            let text = |k: &str| f[k].as_str().map(str::to_string);
            Finding {
                rule: text("rule").unwrap_or_default().into(),
                policy: text("policy").map(Arc::from),
                rule_kind: f["rule_kind"]
                    .as_str()
                    .and_then(|k| RuleKind::ALL.iter().copied().find(|r| r.as_str() == k)),
                severity: f["severity"]
                    .as_str()
                    .and_then(Severity::parse)
                    .unwrap_or(Severity::Error),
                message: text("message").unwrap_or_default(),
                help: text("help"),
                reference: text("reference").map(Arc::from),
                file,
                span,
                label: None,
                deployment: f
                    .get("deployment")
                    .filter(|d| d.is_object())
                    .map(|d| Arc::new(deployment(d))),
                related: Vec::new(),
                suppressed: (f["suppressed"] == true)
                    .then(|| Box::new(suppression(&f["suppression"]))),
            }
        })
        .collect()
}

fn suppression(s: &Value) -> Suppression {
    Suppression {
        kind: if s["kind"] == "inline" {
            "inline"
        } else {
            "waiver"
        },
        reason: s["reason"].as_str().unwrap_or_default().to_string(),
        location: s["location"].as_str().unwrap_or_default().to_string(),
    }
}

fn deployment(d: &Value) -> Deployment {
    let text = |k: &str| d[k].as_str().map(str::to_string);
    let list = |k: &str| -> Vec<String> {
        d[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut dep = Deployment::new(
        d["path"].as_str().unwrap_or_default().into(),
        Span::default(),
        d["format"]
            .as_str()
            .and_then(Format::parse)
            .unwrap_or(Format::Config),
        text("type").unwrap_or_default(),
        text("name").unwrap_or_default(),
    );
    dep.provider = d["provider"].as_str().map(Into::into);
    dep.kind = d["kind"]
        .as_str()
        .and_then(Kind::parse)
        .unwrap_or(Kind::Other);
    dep.service = text("service");
    dep.region = text("region");
    dep.country = text("country");
    dep.countries = list("countries");
    dep.gpu = d["gpu"] == true;
    if let Some(tags) = d["tags"].as_object() {
        dep.tags = tags
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
    }
    dep.evidence = d["evidence"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    Evidence::new(
                        attr(e["for"].as_str().unwrap_or_default()),
                        e["text"].as_str().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    dep.provenance = list("provenance").into_iter().map(Into::into).collect();
    dep.module = text("module");
    dep.calls = d["calls"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| CallSite {
                    path: c["path"].as_str().unwrap_or_default().into(),
                    span: Span::default(),
                    line: c["line"].as_u64().unwrap_or(1) as usize,
                    name: c["name"].as_str().unwrap_or_default().to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    dep.plan = d["plan"].as_object().map(|p| {
        Box::new(PlanEntry {
            path: p
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
            span: Span::default(),
            line: p.get("line").and_then(Value::as_u64).unwrap_or(1) as usize,
            address: p
                .get("address")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
    });
    dep
}

fn attr(s: &str) -> Attr {
    match s {
        "region" => Attr::Region,
        "country" => Attr::Country,
        "kind" => Attr::Kind,
        "service" => Attr::Service,
        "gpu" => Attr::Gpu,
        _ => Attr::Provider,
    }
}

/// The counts of a result's summary.
pub fn summary_of(doc: &Doc) -> Summary {
    let s = &doc.summary;
    let n = |k: &str| s[k].as_u64().unwrap_or(0) as usize;
    Summary {
        errors: n("errors"),
        warnings: n("warnings"),
        infos: n("info"),
        suppressed: n("suppressed"),
        baselined: n("baselined"),
        files: n("files"),
        deployments: n("deployments"),
        by_provider: s["deployments_by_provider"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0) as usize))
                    .collect()
            })
            .unwrap_or_default(),
        as_of: doc
            .as_of
            .parse()
            .unwrap_or_else(|_| crate::workspace::today()),
        elapsed_ms: 0,
    }
}

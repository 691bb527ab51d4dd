//! `sarif`: SARIF 2.1.0 as GitHub code scanning reads it (ecosystem.md §2.1).
//!
//! - Every rule is described (`shortDescription`, `fullDescription`, `help` are required there
//!   and may not be empty), the reserved `cloudpact.*` ids too.
//! - Columns are UTF-16 code units, said so by `columnKind`: GitHub and LSP count that way.
//! - `partialFingerprints` carries our own namespaced key and never `primaryLocationLineHash`:
//!   upload-sarif computes that one itself, and a value of ours would disagree with it.
//! - Suppressed findings stay in the log with `suppressions`, so code scanning shows them
//!   closed instead of losing them.

use std::io::Write as _;

use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

use super::Summary;
use super::locate::{Fingerprints, uri_of, utf16_region};
use super::rule_docs::{self, RuleDoc};
use crate::diag::Severity;
use crate::dsl::model::PolicySet;
use crate::eval::finding::{Finding, LOAD_AHEAD};
use crate::source::{SourceFile, Span};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of our fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "cloudpact/v1";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule_json(d: &RuleDoc) -> Value {
    let mut tags = vec!["cloudpact".to_string()];
    match d.kind {
        Some(k) => tags.push(k.as_str().to_string()),
        None => tags.push("policy-set".to_string()),
    }
    let mut props = Map::new();
    props.insert("tags".into(), json!(tags));
    if let Some(o) = &d.owner {
        props.insert("owner".into(), json!(o));
    }
    if let Some(r) = &d.reference {
        props.insert("reference".into(), json!(r));
    }
    let mut v = json!({
        "id": d.id,
        "name": d.name,
        "shortDescription": {"text": d.short},
        "fullDescription": {"text": d.full},
        "help": {"text": d.help_text, "markdown": d.help_markdown},
        "defaultConfiguration": {"level": level(d.severity)},
        "properties": props,
    });
    if let Some(u) = &d.help_uri {
        v["helpUri"] = json!(u);
    }
    v
}

fn physical_location(file: &SourceFile, span: Span) -> Value {
    let r = utf16_region(file, span);
    json!({
        "artifactLocation": {"uri": uri_of(&file.path)},
        "region": {
            "startLine": r.start_line,
            "startColumn": r.start_column,
            "endLine": r.end_line,
            "endColumn": r.end_column,
        },
    })
}

fn message_text(f: &Finding) -> String {
    match &f.help {
        Some(h) if !h.is_empty() => format!("{}\n\n{h}", f.message),
        _ => f.message.clone(),
    }
}

fn result_json(f: &Finding, rule_index: Option<usize>, fingerprint: &str) -> Value {
    let mut v = Map::new();
    v.insert("ruleId".into(), json!(f.rule));
    if let Some(i) = rule_index {
        v.insert("ruleIndex".into(), json!(i));
    }
    v.insert("level".into(), json!(level(f.severity)));
    v.insert("message".into(), json!({"text": message_text(f)}));
    if !f.path().is_empty() {
        let mut loc = json!({"physicalLocation": physical_location(&f.file, f.span)});
        if let Some(d) = &f.deployment {
            let name = if d.module.is_some() {
                d.address()
            } else if d.name.is_empty() {
                d.type_.clone()
            } else {
                format!("{}.{}", d.type_, d.name)
            };
            loc["logicalLocations"] = json!([{"fullyQualifiedName": name, "kind": "resource"}]);
        }
        v.insert("locations".into(), json!([loc]));
    }
    let related: Vec<Value> = f
        .related
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.file.path.is_empty())
        .map(|(i, r)| {
            json!({
                "id": i + 1,
                "physicalLocation": physical_location(&r.file, r.span),
                "message": {"text": r.message},
            })
        })
        .collect();
    if !related.is_empty() {
        v.insert("relatedLocations".into(), json!(related));
    }
    v.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint }),
    );
    if let Some(s) = &f.suppressed {
        let kind = if s.kind == "inline" {
            "inSource"
        } else {
            "external"
        };
        v.insert(
            "suppressions".into(),
            json!([{
                "kind": kind,
                "status": "accepted",
                "justification": s.reason,
                "properties": {"location": s.location},
            }]),
        );
    }
    let mut props = Map::new();
    if let Some(d) = &f.deployment {
        props.insert("provider".into(), json!(d.provider.as_deref()));
        props.insert("kind".into(), json!(d.kind.as_str()));
        if let Some(r) = &d.region {
            props.insert("region".into(), json!(r));
        }
    }
    if let Some(r) = &f.reference {
        props.insert("reference".into(), json!(r));
    }
    if !props.is_empty() {
        v.insert("properties".into(), Value::Object(props));
    }
    Value::Object(v)
}

/// The SARIF log of a run. Every finding is a result (suppressed ones marked); `rules` is the
/// policy set, so rules without findings are described as well.
pub fn render(findings: &[Finding], rules: &PolicySet, summary: &Summary) -> String {
    let mut out = Vec::new();
    write(&mut out, findings, rules, summary).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render`] straight to a writer. Each result's JSON is built as it is written and dropped
/// after, so a log of 200,000 findings never holds all their trees at once
/// (docs/performance.md, "Memory").
pub fn write(
    w: &mut dyn std::io::Write,
    findings: &[Finding],
    rules: &PolicySet,
    summary: &Summary,
) -> std::io::Result<()> {
    let docs = rule_docs::all(rules, findings);
    let mut driver = json!({
        "name": "cloudpact",
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": docs.iter().map(rule_json).collect::<Vec<_>>(),
    });
    if let Some(uri) = option_env!("CARGO_PKG_REPOSITORY").filter(|u| !u.is_empty()) {
        driver["informationUri"] = json!(uri);
    }
    // Keys in the order serde_json sorts an object's: the log reads the same as one built as a
    // single `Value`.
    #[derive(Serialize)]
    struct Log<'a> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        runs: [Run<'a>; 1],
        version: &'static str,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Run<'a> {
        column_kind: &'static str,
        properties: Value,
        results: Results<'a>,
        tool: Value,
    }
    let log = Log {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "utf16CodeUnits",
            properties: json!({"as_of": summary.as_of.to_string()}),
            results: Results {
                findings,
                prints: std::cell::RefCell::new(Fingerprints::default()),
                docs: &docs,
            },
            tool: json!({"driver": driver}),
        }],
        version: "2.1.0",
    };
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    serde_json::to_writer_pretty(&mut w, &log)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// The results of a log, each built when it is serialized.
struct Results<'a> {
    findings: &'a [Finding],
    /// Made as the results are written (serialization borrows the results immutably).
    prints: std::cell::RefCell<Fingerprints>,
    docs: &'a [RuleDoc],
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.findings.len()))?;
        let mut prints = self.prints.borrow_mut();
        for chunk in self.findings.chunks(LOAD_AHEAD) {
            let _texts = Finding::load_ahead(chunk);
            for f in chunk {
                let rule = self.docs.iter().position(|d| *d.id == *f.rule);
                seq.serialize_element(&result_json(f, rule, &prints.next(f)))?;
            }
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests;

//! `json`: one versioned object (docs/report.md). Lines and columns are 1-based; columns count
//! Unicode scalar values. Suppressed findings are included, marked.

use serde::Serialize;
use serde_json::{Value, json};

use super::Summary;
use crate::eval::finding::Finding;
use crate::facts::model::Deployment;

/// Version 2 added the fields `merge` and `report` read (src/render/result.rs).
pub const VERSION: u32 = 2;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Value,
    as_of: String,
    summary: Value,
    findings: Vec<Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notes: &'a [String],
}

pub fn deployment_json(d: &Deployment, file: Option<&crate::source::SourceFile>) -> Value {
    let mut v = json!({
        "path": &*d.path,
        "format": d.format.as_str(),
        "provider": d.provider.as_deref(),
        "kind": d.kind.as_str(),
        "service": d.service,
        "type": d.type_,
        "name": d.name,
        "region": d.region,
        "country": d.country,
        "gpu": d.gpu,
        "tags": d.tags,
        "evidence": d.evidence.iter().map(|e| json!({"for": e.attr, "text": e.text})).collect::<Vec<_>>(),
    });
    let obj = v.as_object_mut().expect("json! of an object");
    if !d.countries.is_empty() {
        // A multi-region location's possible countries (docs/detection.md, "Country").
        obj.insert("countries".into(), json!(d.countries));
    }
    if !d.provenance.is_empty() {
        // The other files that decided it (docs/detection.md, "Provenance").
        obj.insert("provenance".into(), json!(d.provenance));
    }
    if d.is_instance() {
        // A module instance (docs/detection.md, "Terraform modules").
        obj.insert("module".into(), json!(d.module));
        obj.insert("address".into(), json!(d.address()));
        obj.insert("calls".into(), json!(d.calls));
    }
    if let Some(plan) = &d.plan {
        // Values from a plan, location from the configuration (docs/detection.md, "Plans").
        obj.insert("plan".into(), json!(plan));
    }
    if let Some(file) = file {
        let s = file.line_col(d.span.start);
        let e = file.line_col(d.span.end);
        let obj = v.as_object_mut().expect("json! of an object");
        obj.insert("line".into(), json!(s.line));
        obj.insert("column".into(), json!(s.column));
        obj.insert("end_line".into(), json!(e.line));
        obj.insert("end_column".into(), json!(e.column));
    }
    v
}

pub fn finding_json(f: &Finding) -> Value {
    let (line, column, end_line, end_column) = f.position();
    json!({
        "rule": f.rule,
        "policy": f.policy,
        "rule_kind": f.rule_kind.map(|k| k.as_str()),
        "severity": f.severity,
        "message": f.message,
        "help": f.help,
        "reference": f.reference,
        "path": f.path(),
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "suppressed": f.suppressed.is_some(),
        "suppression": f.suppressed,
        "deployment": f.deployment.as_deref().map(|d| deployment_json(d, None)),
    })
}

pub fn summary_json(s: &Summary) -> Value {
    json!({
        "errors": s.errors,
        "warnings": s.warnings,
        "info": s.infos,
        "suppressed": s.suppressed,
        "baselined": s.baselined,
        "files": s.files,
        "deployments": s.deployments,
        "deployments_by_provider": s.by_provider,
    })
}

pub fn render(findings: &[Finding], summary: &Summary, notes: &[String]) -> String {
    let doc = Doc {
        version: VERSION,
        tool: json!({"name": "cloudpact", "version": env!("CARGO_PKG_VERSION")}),
        as_of: summary.as_of.to_string(),
        summary: summary_json(summary),
        findings: findings.iter().map(finding_json).collect(),
        notes,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values always serialize");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture::{fixture, redact_version};

    #[test]
    fn json_snapshot() {
        let fx = fixture();
        insta::assert_snapshot!(redact_version(&render(&fx.findings, &fx.summary, &[])));
    }

    #[test]
    fn json_has_the_documented_fields() {
        let fx = fixture();
        let doc: serde_json::Value =
            serde_json::from_str(&render(&fx.findings, &fx.summary, &[])).unwrap();
        assert_eq!(doc["version"], VERSION);
        for key in ["tool", "as_of", "summary", "findings"] {
            assert!(doc.get(key).is_some(), "{key}");
        }
        for f in doc["findings"].as_array().unwrap() {
            for key in [
                "rule",
                "policy",
                "rule_kind",
                "severity",
                "message",
                "help",
                "path",
                "line",
                "column",
                "end_line",
                "end_column",
                "suppressed",
                "deployment",
            ] {
                assert!(f.get(key).is_some(), "{key} in {f}");
            }
            assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
        }
        assert!(
            doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["suppressed"] == true)
        );
    }
}

use std::sync::Arc;

use serde_json::Value;

use super::*;
use crate::eval::finding::Suppression;
use crate::render::fixture::{fixture, redact_version};
use crate::render::locate::fingerprints;

fn log() -> Value {
    let fx = fixture();
    serde_json::from_str(&render(&fx.findings, &fx.rules, &fx.summary)).unwrap()
}

#[test]
fn sarif_snapshot() {
    let fx = fixture();
    insta::assert_snapshot!(redact_version(&render(
        &fx.findings,
        &fx.rules,
        &fx.summary
    )));
}

#[test]
fn validates_against_the_sarif_2_1_0_schema() {
    let schema_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    ))
    .unwrap();
    let mut schema: Value = serde_json::from_str(&schema_text).unwrap();
    // The official schema's `language` patterns end in a lone `]`, a literal `]` in
    // ECMAScript's web-compatible syntax, which the validator's stricter regex check rejects
    // when it checks the schema itself. Escaping it keeps the patterns' meaning.
    assert_eq!(escape_lone_bracket(&mut schema), 2);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the vendored schema compiles");
    let instance = log();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator really checks: a result without its required `message` fails.
    let mut broken = instance.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));
}

const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn escape_lone_bracket(v: &mut Value) -> usize {
    match v {
        Value::Object(map) => {
            let mut n = 0;
            for (k, child) in map.iter_mut() {
                if k == "pattern" && child == LANGUAGE_PATTERN {
                    *child = Value::from(LANGUAGE_PATTERN.replace("}]?", "}\\]?"));
                    n += 1;
                } else {
                    n += escape_lone_bracket(child);
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(escape_lone_bracket).sum(),
        _ => 0,
    }
}

fn non_empty(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    assert!(!s.trim().is_empty(), "{what} is empty");
}

#[test]
fn meets_github_code_scanning_requirements() {
    let log = log();
    assert_eq!(log["$schema"], SCHEMA);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let driver = &run["tool"]["driver"];
    non_empty(&driver["name"], "driver.name");
    non_empty(&driver["semanticVersion"], "driver.semanticVersion");
    let rules = driver["rules"].as_array().unwrap();
    for r in rules {
        let id = r["id"].as_str().unwrap();
        non_empty(&r["id"], "rule id");
        non_empty(
            &r["shortDescription"]["text"],
            &format!("{id} shortDescription"),
        );
        non_empty(
            &r["fullDescription"]["text"],
            &format!("{id} fullDescription"),
        );
        non_empty(&r["help"]["text"], &format!("{id} help.text"));
        non_empty(&r["help"]["markdown"], &format!("{id} help.markdown"));
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level), "{level}");
    }
    // Every reserved id is described even without a finding.
    for id in crate::render::rule_docs::reserved_ids() {
        assert!(rules.iter().any(|r| r["id"] == id), "{id} not described");
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), fixture().findings.len());
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at its rule");
        non_empty(&res["message"]["text"], "message.text");
        let locs = res["locations"].as_array().unwrap();
        assert!(!locs.is_empty() && locs.len() <= 10);
        let pl = &locs[0]["physicalLocation"];
        non_empty(&pl["artifactLocation"]["uri"], "uri");
        let uri = pl["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/'), "relative path: {uri}");
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(pl["region"][k].as_u64().unwrap() >= 1, "{k} of {id}");
        }
        let fp = res["partialFingerprints"].as_object().unwrap();
        assert!(fp.contains_key(FINGERPRINT_KEY));
        assert!(!fp.contains_key("primaryLocationLineHash"));
    }
}

#[test]
fn columns_are_utf16_code_units() {
    let log = log();
    let res = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "commit.eu_data")
        .unwrap();
    let loc = &res["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "infra/caf%C3%A9/main.tf");
    let line = crate::render::fixture::CAFE_TF.lines().next().unwrap();
    let before = &line[..line.find("resource").unwrap()];
    let utf16 = before.encode_utf16().count() as u64 + 1;
    let chars = before.chars().count() as u64 + 1;
    assert_ne!(utf16, chars, "the fixture must tell the two apart");
    assert_eq!(loc["region"]["startColumn"], utf16);
    // The region ends where the line does (the declaration line), after the `{`.
    assert_eq!(
        loc["region"]["endColumn"],
        line.encode_utf16().count() as u64 + 1
    );
}

#[test]
fn suppressed_findings_are_kept_with_their_kind_and_reason() {
    let log = log();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    let s = &suppressed[0]["suppressions"][0];
    assert_eq!(s["kind"], "inSource");
    assert_eq!(s["justification"], "Legacy gateway, decommissioned by Q2");

    let mut fx = fixture();
    let f = fx
        .findings
        .iter_mut()
        .find(|f| f.suppressed.is_some())
        .unwrap();
    f.suppressed = Some(Box::new(Suppression {
        kind: "waiver",
        reason: "audited".into(),
        location: "cloudpact.yaml:3".into(),
    }));
    let log: Value = serde_json::from_str(&render(&fx.findings, &fx.rules, &fx.summary)).unwrap();
    let s = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|r| r.get("suppressions"))
        .unwrap();
    assert_eq!(s[0]["kind"], "external");
}

#[test]
fn fingerprints_do_not_move_with_the_line() {
    let fx = fixture();
    let before = fingerprints(&fx.findings);
    // The same findings in files with a comment line added at the top.
    let moved: Vec<Finding> = fx
        .findings
        .iter()
        .map(|f| {
            let mut g = f.clone();
            let text = format!("# added\n{}", f.file.text());
            g.file = Arc::new(SourceFile::new(f.file.path.clone(), text));
            g.span = Span::new(f.span.start + 8, f.span.end + 8);
            g
        })
        .collect();
    assert_eq!(before, fingerprints(&moved));
    let unique: std::collections::HashSet<&String> = before.iter().collect();
    assert_eq!(unique.len(), before.len(), "unique per finding");
}

#[test]
fn reference_urls_become_help_uri_and_plain_ones_do_not() {
    let log = log();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let by_id = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(
        by_id("microsoft_openai.api_on_azure")["helpUri"],
        "https://contracts.example.com/msa#4.2"
    );
    assert!(by_id("commit.azure_share").get("helpUri").is_none());
    assert!(by_id("cloudpact.parse-error").get("helpUri").is_none());
}

//! `gitlab`: a GitLab Code Quality report (ecosystem.md §2.3): one JSON array, an object per
//! unsuppressed finding with `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path` / `location.lines.begin`. No byte-order mark.
//!
//! GitLab shows identical fingerprints once, so they are unique per finding, and stable across
//! runs (rule, path, resource; not the line) so a merge request's widget tells new findings
//! from old ones.

use serde::Serialize;

use super::locate::fingerprints;
use crate::diag::Severity;
use crate::eval::finding::Finding;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    type_: &'static str,
    engine_name: &'static str,
    description: String,
    check_name: &'a str,
    fingerprint: &'a str,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// error → major, warning → minor, info → info.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// The report, with repository-relative paths.
pub fn render(findings: &[Finding]) -> String {
    let prints = fingerprints(findings);
    let issues: Vec<Issue<'_>> = findings
        .iter()
        .zip(&prints)
        .filter(|(f, _)| f.suppressed.is_none())
        .map(|(f, fp)| {
            let (line, _, end_line, _) = f.position();
            Issue {
                type_: "issue",
                engine_name: "cloudpact",
                description: format!("{}: {}", f.rule, f.message),
                check_name: &f.rule,
                fingerprint: fp,
                severity: severity(f.severity),
                location: Location {
                    path: f.path().to_string(),
                    lines: Lines {
                        begin: line,
                        end: end_line.max(line),
                    },
                },
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).expect("plain data always serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::render::fixture::fixture;

    #[test]
    fn gitlab_snapshot() {
        let fx = fixture();
        insta::assert_snapshot!(render(&fx.findings));
    }

    /// The fields GitLab's documentation requires, with the types it requires.
    #[test]
    fn fields_are_present_and_typed_as_gitlab_documents() {
        let fx = fixture();
        let out = render(&fx.findings);
        assert!(!out.starts_with('\u{feff}'), "no BOM");
        let v: Value = serde_json::from_str(&out).unwrap();
        let issues = v.as_array().expect("a single JSON array");
        assert_eq!(issues.len(), fx.findings.len() - 1, "suppressed left out");
        let mut prints = std::collections::HashSet::new();
        for i in issues {
            for key in ["description", "check_name", "fingerprint"] {
                let s = i[key].as_str().unwrap_or_else(|| panic!("{key}: {i}"));
                assert!(!s.is_empty(), "{key}");
            }
            let sev = i["severity"].as_str().unwrap();
            assert!(
                ["info", "minor", "major", "critical", "blocker"].contains(&sev),
                "{sev}"
            );
            let path = i["location"]["path"].as_str().unwrap();
            assert!(!path.starts_with('/') && !path.is_empty());
            assert!(i["location"]["lines"]["begin"].is_u64(), "integer line");
            assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
            assert!(prints.insert(i["fingerprint"].as_str().unwrap().to_string()));
        }
        let sev_of = |rule: &str| {
            issues.iter().find(|i| i["check_name"] == rule).unwrap()["severity"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(sev_of("microsoft_openai.api_on_azure"), "major");
        assert_eq!(sev_of("cloudpact.unused-refusal"), "minor");
        assert_eq!(sev_of("commit.eu_data"), "info");
    }

    #[test]
    fn empty_report_is_an_empty_array() {
        assert_eq!(render(&[]).trim(), "[]");
    }
}

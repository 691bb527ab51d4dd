//! `junit`: JUnit XML for GitLab's and Jenkins's test reports (ecosystem.md §1.10, §2.4).
//!
//! Test cases are grouped by rule through `classname="cloudpact.<rule>"` (GitLab shows the
//! classname as the suite). A rule without findings is one passing test case; a rule with
//! findings is one failing test case per finding, named by its place, with `file:line:col
//! message` in the failure body. A finding below `--fail-on` (the exit code's threshold) is a
//! passing test case with the finding in its `system-out`, so the report fails exactly when the
//! run does. Suppressed findings are skipped test cases, so the report still shows them. Names are unique within a class: GitLab keeps only the first of
//! duplicates.

use std::collections::{HashMap, HashSet};

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::Summary;
use super::rule_docs;
use crate::config::FailOn;
use crate::dsl::model::PolicySet;
use crate::eval::finding::Finding;

/// `cloudpact.<rule>`; reserved ids already start with `cloudpact.`.
pub fn classname(rule: &str) -> String {
    if rule.starts_with("cloudpact.") {
        rule.to_string()
    } else {
        format!("cloudpact.{rule}")
    }
}

fn case_name(f: &Finding) -> String {
    let (line, col, _, _) = f.position();
    match &f.deployment {
        Some(d) if !d.name.is_empty() => {
            format!("{}:{line}:{col} {}.{}", f.path(), d.type_, d.name)
        }
        Some(d) => format!("{}:{line}:{col} {}", f.path(), d.type_),
        None => format!("{}:{line}:{col}", f.path()),
    }
}

fn body(f: &Finding) -> String {
    let (line, col, _, _) = f.position();
    let mut s = format!(
        "{}:{line}:{col}: {}[{}] {}",
        f.path(),
        f.severity,
        f.rule,
        f.message
    );
    if let Some(h) = f.help.as_deref().filter(|h| !h.is_empty()) {
        s.push_str(&format!("\nhelp: {h}"));
    }
    if let Some(r) = &f.reference {
        s.push_str(&format!("\ncontract: {r}"));
    }
    s
}

fn finding_case(f: &Finding, fail_on: FailOn) -> TestCase {
    let mut out = None;
    let status = match &f.suppressed {
        Some(s) => {
            let mut st = TestCaseStatus::skipped();
            st.set_message(format!("suppressed ({}): {}", s.kind, s.reason))
                .set_type("suppressed")
                .set_description(format!("{}\nsuppressed at {}", body(f), s.location));
            st
        }
        None if !fail_on.fails(f.severity) => {
            out = Some(body(f));
            TestCaseStatus::success()
        }
        None => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(f.message.clone())
                .set_type(f.severity.as_str())
                .set_description(body(f));
            st
        }
    };
    let mut case = TestCase::new(case_name(f), status);
    case.set_classname(classname(&f.rule));
    if let Some(text) = out {
        case.set_system_out(text);
    }
    case.extra.insert("file".into(), f.path().into());
    case
}

/// The report: every rule of the set and every reserved id, in that order, then any rule only
/// the findings name. Findings at or above `fail_on` are failures.
pub fn render(
    findings: &[Finding],
    rules: &PolicySet,
    summary: &Summary,
    fail_on: FailOn,
) -> String {
    let mut by_rule: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in findings {
        by_rule.entry(&f.rule).or_default().push(f);
    }
    let mut suite = TestSuite::new("cloudpact");
    suite.add_property(Property::new("as_of", summary.as_of.to_string()));
    suite.add_property(Property::new(
        "cloudpact_version",
        env!("CARGO_PKG_VERSION"),
    ));
    for doc in rule_docs::all(rules, findings) {
        let Some(list) = by_rule.get(doc.id.as_str()) else {
            let mut case = TestCase::new(doc.id.clone(), TestCaseStatus::success());
            case.set_classname(classname(&doc.id));
            suite.add_test_case(case);
            continue;
        };
        let mut names: HashSet<String> = HashSet::new();
        for f in list {
            let mut case = finding_case(f, fail_on);
            let base = case.name.as_str().to_string();
            let mut n = 1;
            while !names.insert(case.name.as_str().to_string()) {
                n += 1;
                case.name = format!("{base} ({n})").into();
            }
            suite.add_test_case(case);
        }
    }
    let mut report = Report::new("cloudpact");
    report.add_test_suite(suite);
    let mut s = report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot write JUnit XML: {e} -->\n"));
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture::{fixture, redact_version};

    fn xml() -> String {
        let fx = fixture();
        render(&fx.findings, &fx.rules, &fx.summary, FailOn::Info)
    }

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!(redact_version(&xml()));
    }

    #[test]
    fn counts_roll_up() {
        let out = xml();
        let fx = fixture();
        // 4 rules + 6 reserved ids; the 6 unsuppressed findings fail, the suppressed one is
        // skipped, and rules without findings pass.
        let failing = fx
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .count();
        assert!(out.contains(&format!("failures=\"{failing}\"")), "{out}");
        assert!(out.contains("skipped=\"1\""), "{out}");
        assert!(out.contains("classname=\"cloudpact.microsoft_openai.api_on_azure\""));
        assert!(out.contains("classname=\"cloudpact.unused-suppression\""));
        assert!(!out.contains("cloudpact.cloudpact."));
    }

    #[test]
    fn findings_below_fail_on_pass_with_their_text_in_system_out() {
        let fx = fixture();
        let out = render(&fx.findings, &fx.rules, &fx.summary, FailOn::Error);
        let errors = fx
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == crate::diag::Severity::Error)
            .count();
        let below = fx
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity != crate::diag::Severity::Error)
            .count();
        assert!(below > 0 && errors > 0, "the fixture has both");
        assert!(out.contains(&format!("failures=\"{errors}\"")), "{out}");
        assert_eq!(out.matches("<system-out>").count(), below, "{out}");
        let never = render(&fx.findings, &fx.rules, &fx.summary, FailOn::Never);
        assert!(never.contains("failures=\"0\""), "{never}");
    }

    /// A Python that can import `junitparser`: the one on PATH when it can, else a virtual
    /// environment under `target/` with junitparser installed from PyPI (once), so `cargo test`
    /// alone sets up what it needs.
    fn python_with_junitparser() -> std::path::PathBuf {
        let imports = |python: &std::path::Path| {
            std::process::Command::new(python)
                .args(["-c", "import junitparser"])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let system = std::path::PathBuf::from("python3");
        if imports(&system) {
            return system;
        }
        let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-python");
        let python = venv.join("bin/python3");
        if !imports(&python) {
            let ok = std::process::Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .is_ok_and(|s| s.success())
                && std::process::Command::new(&python)
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "junitparser",
                    ])
                    .status()
                    .is_ok_and(|s| s.success());
            assert!(
                ok,
                "could not install Python's junitparser (needs python3 with venv and PyPI)"
            );
        }
        python
    }

    /// Parses the XML with a real JUnit consumer, Python's `junitparser`.
    #[test]
    fn junitparser_reads_the_report() {
        let python = python_with_junitparser();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cloudpact.xml");
        std::fs::write(&path, xml()).unwrap();
        let script = r#"
import sys
from junitparser import JUnitXml, Failure, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
cases = [c for suite in xml for c in suite]
fail = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
skip = [c for c in cases if any(isinstance(r, Skipped) for r in c.result)]
ok = [c for c in cases if not c.result]
print(len(cases), len(fail), len(skip), len(ok))
for c in fail:
    r = c.result[0]
    assert c.classname.startswith("cloudpact."), c.classname
    assert r.message, c.name
    assert ":" in r.text.splitlines()[0], r.text
names = [(c.classname, c.name) for c in cases]
assert len(names) == len(set(names)), "duplicate test names"
"#;
        let out = std::process::Command::new(&python)
            .arg("-c")
            .arg(script)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fx = fixture();
        let failing = fx
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .count();
        // Rules with findings: api_on_azure, new_capacity, azure_share, eu_data, unused-refusal,
        // parse-error; without: unreadable, too-large, the four suppression ids,
        // unresolved-module, stale-baseline and horizon.
        let cases = failing + 1 + 9;
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{cases} {failing} 1 9")
        );
    }
}

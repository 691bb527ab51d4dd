//! `cloudpact check --format sarif|github|gitlab|junit` end to end, on a repository whose only
//! findings are about its suppression comments.

use assert_cmd::Command;

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("policies")).unwrap();
    std::fs::create_dir_all(p.join("infra")).unwrap();
    std::fs::write(p.join("policies/empty.pact"), "").unwrap();
    std::fs::write(
        p.join("infra/app.yaml"),
        "# cloudpact:ignore nosuch.rule -- was renamed\nkind: ConfigMap\n",
    )
    .unwrap();
    std::fs::write(
        p.join("infra/old.tf"),
        "# cloudpact:ignore cloudpact.parse-error until=2020-01-01 -- vendored\nlocals {}\n",
    )
    .unwrap();
    dir
}

fn check(dir: &tempfile::TempDir, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("cloudpact").unwrap();
    cmd.current_dir(dir.path())
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["check", "--as-of", "2026-01-15"])
        .args(args);
    cmd
}

#[test]
fn sarif_to_a_file_with_the_summary_on_stdout() {
    let dir = repo();
    let out = check(&dir, &["--format", "sarif", "--output", "out.sarif"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    assert!(stdout.contains("1 error, 1 warning"), "{stdout}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "cloudpact.invalid-suppression",
            "cloudpact.expired-suppression"
        ]
    );
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "infra/app.yaml"
    );
}

#[test]
fn github_annotations_and_step_summary() {
    let dir = repo();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = check(&dir, &["--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("::error file=infra/app.yaml,line=1,"),
        "{stdout}"
    );
    assert!(lines[1].starts_with("::warning file=infra/old.tf,line=1,"));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n## cloudpact"),
        "appended: {md}"
    );
    assert!(md.contains("`infra/app.yaml:1`"));
}

#[test]
fn gitlab_and_junit_reports() {
    let dir = repo();
    check(&dir, &["--format", "gitlab", "--output", "cq.json"])
        .assert()
        .code(1);
    let cq: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("cq.json")).unwrap())
            .unwrap();
    assert_eq!(cq.as_array().unwrap().len(), 2);
    assert_eq!(cq[0]["severity"], "major");
    let out = check(&dir, &["--format", "junit", "--fail-on", "never"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    // The report fails exactly when the run does: below --fail-on, findings pass with their
    // text in system-out.
    let xml = String::from_utf8(out).unwrap();
    assert!(xml.contains("failures=\"0\""), "{xml}");
    assert_eq!(xml.matches("<system-out>").count(), 2, "{xml}");
    let out = check(&dir, &["--format", "junit", "--fail-on", "info"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let xml = String::from_utf8(out).unwrap();
    assert!(xml.contains("failures=\"2\""), "{xml}");
}

#[test]
fn audits_turn_inline_ignores_off() {
    let dir = repo();
    std::fs::write(dir.path().join("cloudpact.yaml"), "inline_ignores: false\n").unwrap();
    check(&dir, &["--format", "short"]).assert().code(0);
}

//! Scanned text that is long or hostile reaches the reports intact and the terminal inert:
//! findings past column 65,535 (minified JSON, one-line plans), one-line files with hundreds of
//! findings, and control characters in resource names, comments and file lines.

mod common;

use std::path::Path;

use common::{Run, run_in};
use serde_json::Value;

const DENY_AWS: &str = "policy p {\n  deny no_aws {\n    provider aws\n  }\n}\n";

/// A repository with a policy denying AWS and `files`.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        &[
            ("cloudpact.yaml", "policies: [policies]\n"),
            ("policies/p.pact", DENY_AWS),
        ],
    );
    common::write(dir.path(), files);
    dir
}

fn check(dir: &Path, format: &str) -> Run {
    run_in(dir, &["check", "--as-of", "2026-01-01", "--format", format])
}

/// SARIF results as `(ruleId, startLine, startColumn)`.
fn sarif_results(run: &Run) -> Vec<(String, u64, u64)> {
    let doc: Value = run.json();
    doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                region["startLine"].as_u64().unwrap(),
                region["startColumn"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// One-line CloudFormation JSON: `pad` bytes of a topic's display name, then `buckets` buckets.
fn minified_stack(pad: usize, buckets: usize) -> String {
    let mut resources = vec![format!(
        r#""Pad":{{"Type":"AWS::SNS::Topic","Properties":{{"DisplayName":"{}"}}}}"#,
        "x".repeat(pad)
    )];
    for i in 0..buckets {
        resources.push(format!(r#""B{i}":{{"Type":"AWS::S3::Bucket"}}"#));
    }
    format!(
        r#"{{"AWSTemplateFormatVersion":"2010-09-09","Resources":{{{}}}}}"#,
        resources.join(",")
    )
}

#[test]
fn findings_past_column_65535_are_shown_in_human_and_sarif() {
    let stack = minified_stack(70_000, 3);
    let dir = repo(&[("infra/stack.json", &stack)]);
    let columns: Vec<u64> = (0..3)
        .map(|i| stack.find(&format!("\"B{i}\"")).unwrap() as u64 + 1)
        .collect();
    assert!(columns[0] > 65_535);

    let human = check(dir.path(), "human");
    assert_eq!(human.code, 1, "{}\n{}", human.stdout, human.stderr);
    assert!(!human.stderr.contains("internal error"), "{}", human.stderr);
    for col in &columns {
        assert!(
            human
                .stdout
                .contains(&format!("[infra/stack.json:1:{col}]")),
            "{col}: {}",
            human.stdout
        );
    }
    assert!(human.stdout.contains("4 errors"), "{}", human.stdout);
    // The 70 KB line is shown as a window around each finding, not whole.
    assert!(human.stdout.len() < 10_000, "{} bytes", human.stdout.len());
    assert!(human.stdout.contains("│ …xxxxx"), "{}", human.stdout);

    let sarif = check(dir.path(), "sarif");
    assert_eq!(sarif.code, 1, "{}", sarif.stderr);
    let results = sarif_results(&sarif);
    assert_eq!(results.len(), 4, "{results:?}");
    for col in columns {
        assert!(
            results.contains(&("p.no_aws".into(), 1, col)),
            "{results:?}"
        );
    }
}

/// 900 findings on one 30 KB line printed that line 900 times (110 MB).
#[test]
fn a_one_line_file_with_900_findings_prints_a_window_per_finding() {
    let stack = minified_stack(0, 899);
    assert!(stack.len() > 25_000, "{}", stack.len());
    let dir = repo(&[("infra/stack.json", &stack)]);

    let human = check(dir.path(), "human");
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert_eq!(human.stdout.matches("p.no_aws\n").count(), 900);
    assert!(human.stdout.contains("900 errors"), "{}", human.stderr);
    assert!(
        human.stdout.len() < 2_000_000,
        "{} bytes of human output",
        human.stdout.len()
    );

    let sarif = check(dir.path(), "sarif");
    assert_eq!(sarif.code, 1, "{}", sarif.stderr);
    assert_eq!(sarif_results(&sarif).len(), 900);
}

#[test]
fn policy_check_shows_an_error_past_column_65535() {
    let dir = repo(&[(
        "policies/p.pact",
        &format!(
            "policy p {{{}deny d {{ provider azur }} }}\n",
            " ".repeat(70_000)
        ),
    )]);
    let run = run_in(dir.path(), &["policy", "check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
    assert!(run.stderr.contains("azur"), "{}", run.stderr);
    assert!(
        run.stderr.contains("policies/p.pact:1:700"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.len() < 5_000, "{} bytes", run.stderr.len());
}

#[test]
fn control_characters_from_scanned_files_are_escaped_in_human_and_short() {
    let dir = repo(&[
        // A raw escape sequence in a comment shown as context of the finding.
        (
            "infra/main.tf",
            "# \x1b]0;owned\x07 title \x1b[2J\nresource \"aws_s3_bucket\" \"b\" {}\n",
        ),
        // A resource name that JSON escapes in the file but holds the raw characters.
        (
            "infra/stack.json",
            r#"{"Resources":{"\u001b]0;pwned\u0007":{"Type":"AWS::S3::Bucket"}}}"#,
        ),
    ]);
    let raw = ['\x1b', '\x07'];

    let human = check(dir.path(), "human");
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(!human.stdout.contains(raw), "{:?}", human.stdout);
    assert!(
        human
            .stdout
            .contains(r"# \u{1b}]0;owned\u{7} title \u{1b}[2J"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains(r"`AWS::S3::Bucket` `\u{1b}]0;pwned\u{7}` runs on aws"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("2 errors"), "{}", human.stdout);

    let short = check(dir.path(), "short");
    assert_eq!(short.code, 1, "{}", short.stderr);
    assert!(!short.stdout.contains(raw), "{:?}", short.stdout);
    assert_eq!(short.stdout.lines().count(), 2, "{}", short.stdout);
    assert!(
        short.stdout.contains(r"`\u{1b}]0;pwned\u{7}` runs on aws"),
        "{}",
        short.stdout
    );

    // Machine formats carry the name as it is (JSON escapes it).
    let sarif = check(dir.path(), "sarif");
    assert_eq!(sarif.code, 1, "{}", sarif.stderr);
    assert_eq!(sarif_results(&sarif).len(), 2);
    let doc = sarif.json();
    let messages: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("`\x1b]0;pwned\x07`")),
        "{messages:?}"
    );
}

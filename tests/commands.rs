//! The small commands: init, completions, policy check, and exit codes of bad usage.

mod common;

use std::process::{Command, Stdio};

use common::{project, run_in};

#[test]
fn init_writes_a_working_starter_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(dir.path(), &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for f in [
        "cloudpact.yaml",
        "policies/cloud-terms.pact",
        "refusals/refusals.yaml",
    ] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    // The starter is valid as written.
    let check = run_in(dir.path(), &["policy", "check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let scan = run_in(dir.path(), &["check", "."]);
    assert_eq!(scan.code, 0, "{}", scan.stderr);

    std::fs::write(dir.path().join("cloudpact.yaml"), "fail_on: warning\n").unwrap();
    let again = run_in(dir.path(), &["init"]);
    assert_eq!(again.code, 0);
    assert!(
        again.stderr.contains("kept     cloudpact.yaml"),
        "{}",
        again.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cloudpact.yaml")).unwrap(),
        "fail_on: warning\n"
    );
}

#[test]
fn completions_for_bash_name_the_subcommands() {
    let run = run_in(&project("."), &["completions", "bash"]);
    assert_eq!(run.code, 0);
    for sub in [
        "check",
        "inventory",
        "explain",
        "policy",
        "providers",
        "test",
        "lsp",
    ] {
        assert!(run.stdout.contains(sub), "{sub}");
    }
}

#[test]
fn policy_check_reports_every_error_of_every_file_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/a.pact"),
        "policy a {\n  deny d { provider azur }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policies/b.pact"),
        "policy b {\n  share s { provider aws  at_least 120% }\n}\n",
    )
    .unwrap();
    let run = run_in(dir.path(), &["policy", "check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown provider `azur`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("a.pact:2"), "{}", run.stderr);
    assert!(run.stderr.contains("b.pact:2"), "{}", run.stderr);
}

#[test]
fn bad_usage_unreadable_paths_and_bad_config_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_in(dir.path(), &["check", "--format", "bogus"]).code, 2);
    assert_eq!(run_in(dir.path(), &["check", "does-not-exist"]).code, 2);
    std::fs::write(dir.path().join("cloudpact.yaml"), "polices: [p/]\n").unwrap();
    let run = run_in(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `policies`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn explicit_files_skip_gitignore_but_not_exclude() {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w("cloudpact.yaml", "exclude: [\"legacy/**\"]\n");
    w(
        "policies/p.pact",
        "policy p {\n  exclusive all { provider aws }\n}\n",
    );
    w(".gitignore", "generated/\n");
    let gcp = "resource \"google_storage_bucket\" \"b\" {\n  name = \"b\"\n}\n";
    w("generated/main.tf", gcp);
    w("legacy/main.tf", gcp);
    // A directory scan honours .gitignore and exclude.
    assert_eq!(run_in(dir.path(), &["check", "."]).code, 0);
    // An explicit file is scanned even when .gitignore would skip it…
    assert_eq!(run_in(dir.path(), &["check", "generated/main.tf"]).code, 1);
    // …but `exclude` still applies to it.
    assert_eq!(run_in(dir.path(), &["check", "legacy/main.tf"]).code, 0);
}

/// A starter repository (`cloudpact init`) whose refusal-record file ends with `---`.
fn repo_with_trailing_marker_in_records() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_in(dir.path(), &["init"]).code, 0);
    std::fs::write(
        dir.path().join("refusals/refusals.yaml"),
        "- id: R1\n  holder: aws\n  granted_to: [gcp]\n  declined_on: 2026-01-15\n  reason: \"no capacity\"\n---\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_trailing_document_marker_in_records_fails_policy_check_at_its_line() {
    // Regression: the record was lost in silence and `policy check` reported 0 errors.
    let dir = repo_with_trailing_marker_in_records();
    let run = run_in(dir.path(), &["policy", "check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("a refusal-record file holds one YAML document; remove the `---` at line 6"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("refusals.yaml:6"), "{}", run.stderr);
    let run = run_in(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("refusals.yaml:6"), "{}", run.stderr);
}

#[test]
fn a_second_document_in_the_config_fails_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cloudpact.yaml"),
        "policies: [policies/]\n---\nfail_on: warning\n",
    )
    .unwrap();
    let run = run_in(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cloudpact.yaml:2"), "{}", run.stderr);
    assert!(
        run.stderr.contains("a second one starts at line 2"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_test_case_with_a_second_document_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("case")).unwrap();
    std::fs::write(
        dir.path().join("case/cloudpact-test.yaml"),
        "as_of: 2026-01-15\npolicies: [p.pact]\n---\n",
    )
    .unwrap();
    let run = run_in(dir.path(), &["test", "."]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("... ERROR"), "{}", run.stdout);
    assert!(run.stdout.contains("0 passed; 1 failed"), "{}", run.stdout);
    assert!(
        run.stderr.contains("cloudpact-test.yaml:3:1"),
        "{}",
        run.stderr
    );
}

/// Runs the binary in `dir` with its stdout going to `stdout`.
fn run_to(dir: &std::path::Path, args: &[&str], stdout: Stdio) -> (Option<i32>, String) {
    let out = Command::new(common::binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_report_that_cannot_be_written_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_in(dir.path(), &["init"]).code, 0);
    let full = || {
        Stdio::from(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
    };
    let (code, stderr) = run_to(dir.path(), &["check", "--format", "json"], full());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write the report to standard output"),
        "{stderr}"
    );
    // `json` and `sarif` are written as they are serialized: a failure midway is still one.
    let (code, stderr) = run_to(dir.path(), &["check", "--format", "sarif"], full());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write the report to standard output"),
        "{stderr}"
    );
    for format in ["sarif", "json"] {
        let args = ["check", "--format", format, "--output", "/dev/full"];
        let (code, stderr) = run_to(dir.path(), &args, Stdio::null());
        assert_eq!(code, Some(2), "{format}: {stderr}");
        assert!(
            stderr.contains("cannot write /dev/full"),
            "{format}: {stderr}"
        );
    }
    for args in [&["test", "."][..], &["providers"], &["completions", "bash"]] {
        let (code, stderr) = run_to(dir.path(), args, full());
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("internal error"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_in(dir.path(), &["init"]).code, 0);
    for args in [
        &["check", "--format", "json"][..],
        &["test", "."],
        &["providers"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let (code, stderr) = run_to(dir.path(), args, Stdio::from(writer));
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// `--threads` beyond what helps is clamped, and the run says so (it used to start every
/// thread asked for: a load average in the thousands).
#[test]
fn threads_beyond_the_maximum_are_clamped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        &[
            ("cloudpact.yaml", "policies: [policies]\n"),
            (
                "policies/p.pact",
                "policy p {\n  deny d { provider aws }\n}\n",
            ),
            ("infra/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"),
        ],
    );
    let run = run_in(
        dir.path(),
        &["check", "--threads", "100000", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        common::findings(&run.json()),
        [common::f("p.d", "infra/main.tf", 1, "error")]
    );
    assert!(
        run.stderr
            .contains("note: --threads 100000 is outside 1..=256: using 256 worker threads"),
        "{}",
        run.stderr
    );
    let quiet = run_in(dir.path(), &["check", "-q", "--threads", "100000"]);
    assert_eq!(quiet.code, 1, "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("note:"), "{}", quiet.stderr);
    let within = run_in(dir.path(), &["check", "--threads", "2"]);
    assert_eq!(within.code, 1, "{}", within.stderr);
    assert!(!within.stderr.contains("note:"), "{}", within.stderr);
}

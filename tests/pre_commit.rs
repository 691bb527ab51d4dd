//! The real `pre-commit` (from PyPI, in a temporary virtual environment) runs this repository's
//! `cloudpact` hook (`.pre-commit-hooks.yaml`, `language: rust`) through `pre-commit try-repo`
//! on a git repository with a violating and a clean file: the hook fails with cloudpact's
//! message, then passes once the violation is fixed.
//!
//! Needs `python3` with `venv` and network access to PyPI and crates.io (as CI has). The hook's
//! build shares `target/` with the test build, so only cloudpact itself is compiled again.

use std::path::Path;
use std::process::{Command, Output};

mod common;

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn git(dir: &Path, args: &[&str]) {
    ok(Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com"));
}

#[test]
fn pre_commit_hook_fails_on_a_violation_and_passes_once_fixed() {
    let project = common::project(".");
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    ok(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    ok(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "pre-commit",
    ]));
    let pre_commit = venv.join("bin/pre-commit");

    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("policies")).unwrap();
    std::fs::create_dir_all(repo.join("infra")).unwrap();
    std::fs::write(repo.join("cloudpact.yaml"), "policies: [policies/]\n").unwrap();
    std::fs::write(
        repo.join("policies/aws-only.pact"),
        "policy aws_only {\n  exclusive everything {\n    provider aws\n    message \"Everything runs on AWS.\"\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("infra/good.tf"),
        "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("infra/bad.tf"),
        "resource \"google_storage_bucket\" \"assets\" {\n  name     = \"assets\"\n  location = \"EU\"\n}\n",
    )
    .unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "infra"]);

    let hook = |repo: &Path| {
        run(Command::new(&pre_commit)
            .args([
                "try-repo",
                project.to_str().unwrap(),
                "cloudpact",
                "--all-files",
                "--verbose",
            ])
            .current_dir(repo)
            .env("PRE_COMMIT_HOME", tmp.path().join("cache"))
            .env("CARGO_TARGET_DIR", project.join("target"))
            .env("NO_COLOR", "1"))
    };

    let failing = hook(&repo);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&failing.stdout),
        String::from_utf8_lossy(&failing.stderr)
    );
    assert_eq!(failing.status.code(), Some(1), "{text}");
    assert!(text.contains("Failed"), "{text}");
    assert!(text.contains("aws_only.everything"), "{text}");
    assert!(text.contains("Everything runs on AWS."), "{text}");
    assert!(text.contains("infra/bad.tf"), "{text}");

    std::fs::write(
        repo.join("infra/bad.tf"),
        "resource \"aws_s3_bucket\" \"assets\" {\n  bucket = \"assets\"\n}\n",
    )
    .unwrap();
    git(&repo, &["commit", "-qam", "move assets to AWS"]);
    let passing = hook(&repo);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&passing.stdout),
        String::from_utf8_lossy(&passing.stderr)
    );
    assert_eq!(passing.status.code(), Some(0), "{text}");
    assert!(text.contains("Passed"), "{text}");
}

//! `check --new-since REF` against a plain `check`, on a git repository made of `examples/`
//! (the openai-stargate example and this repository's policies) with 200 commits of history:
//! each commit edits or adds a Terraform file, as a branch's history does. Issue 12 asks for
//! `--new-since` under 2× a plain check; the figures are in docs/performance.md.
//!
//! Measured through the library, as `cloudpact check` runs it: the workspace is opened once,
//! each iteration is the check (and for `--new-since`, the evaluation of REF read from git and
//! the comparison).

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

use cloudpact::baseline::{Adopt, adopt};
use cloudpact::workspace::git::GitTree;
use cloudpact::workspace::{Keep, OpenOptions, Selection, Workspace};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// The example repository with its policies, and 200 commits.
fn history(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&root.join("examples/openai-stargate"), dir);
    copy_dir(&root.join("policies"), &dir.join("policies"));
    std::fs::remove_dir_all(dir.join("policies/tests")).ok();
    std::fs::write(
        dir.join("cloudpact.yaml"),
        "policies: [policies/microsoft-openai.pact, policies/eu-residency.pact, policies/committed-spend.pact]\n",
    )
    .expect("config");
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "examples"]);
    for i in 1..200 {
        if i % 4 == 0 {
            // A new deployment now and then: some commits add findings.
            let region = if i % 8 == 0 { "us-east-1" } else { "eu-west-1" };
            std::fs::write(
                dir.join(format!("aws/training/extra_{i}.tf")),
                format!(
                    "resource \"aws_s3_bucket\" \"extra_{i}\" {{\n  bucket = \"extra-{i}\"\n  tags = {{ data = \"customer\" }}\n}}\nprovider \"aws\" {{\n  alias  = \"r{i}\"\n  region = \"{region}\"\n}}\n"
                ),
            )
            .expect("write");
        } else {
            let path = dir.join("azure/api/main.tf");
            let mut text = std::fs::read_to_string(&path).expect("read");
            text.push_str(&format!("# change {i}\n"));
            std::fs::write(&path, text).expect("write");
        }
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", &format!("change {i}")]);
    }
}

fn workspace(dir: &Path) -> (Workspace, Selection) {
    let opts = OpenOptions {
        as_of: Some("2026-01-01".parse().expect("a date")),
        ..OpenOptions::default()
    };
    Workspace::for_command_line(&[dir.to_path_buf()], &opts).expect("workspace opens")
}

fn new_since(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    history(dir.path());
    let (ws, selection) = workspace(dir.path());
    let plain = || ws.check(&selection).expect("check runs");
    let since = |rev: &str| {
        let mut report = ws.check(&selection).expect("check runs");
        let ask = Adopt {
            new_since: Some(rev),
            ..Adopt::default()
        };
        adopt(&ws, &selection, &ask, &mut report).expect("new-since runs");
        report
    };
    // Sanity: real work, and REF really differs from the working tree.
    let all = plain();
    assert!(
        all.facts.deployments.len() >= 20,
        "{}",
        all.facts.deployments.len()
    );
    let new = since("HEAD~199");
    assert!(new.findings.len() < all.findings.len());

    let mut group = c.benchmark_group("examples-200-commits");
    group.sample_size(30);
    group.bench_function("check", |b| b.iter(plain));
    group.bench_function("new-since-HEAD~1", |b| b.iter(|| since("HEAD~1")));
    group.bench_function("new-since-HEAD~199", |b| b.iter(|| since("HEAD~199")));
    // As a user runs it: the binary, start to exit (the catalog, the configuration and the
    // policies included), the report written to a pipe.
    let binary = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_cloudpact"))
            .args(["check", "--format", "json", "--as-of", "2026-01-01"])
            .args(extra)
            .current_dir(dir.path())
            .output()
            .expect("cloudpact runs");
        assert!(out.status.code().is_some_and(|c| c < 2), "{out:?}");
        out
    };
    group.bench_function("binary/check", |b| b.iter(|| binary(&[])));
    group.bench_function("binary/new-since-HEAD~1", |b| {
        b.iter(|| binary(&["--new-since", "HEAD~1"]))
    });
    group.bench_function("binary/new-since-HEAD~199", |b| {
        b.iter(|| binary(&["--new-since", "HEAD~199"]))
    });
    // Its parts: opening REF's tree, and checking it.
    group.bench_function("open-tree", |b| {
        b.iter(|| GitTree::open(&ws.root, "HEAD~1").expect("tree"))
    });
    group.bench_function("policies", |b| b.iter(|| ws.policies().expect("policies")));
    let tree = GitTree::open(&ws.root, "HEAD~1").expect("tree");
    group.bench_function("check-tree", |b| {
        b.iter(|| {
            ws.check_in(&selection, Some(&tree), Keep::Findings)
                .expect("check")
        })
    });
    group.finish();
}

criterion_group!(benches, new_since);
criterion_main!(benches);

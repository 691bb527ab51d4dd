//! `check --shard`, `cloudpact merge` (docs/merge.md): shards recombine into the whole run
//! byte for byte; results of several repositories are judged over their union; results that
//! cannot be merged fail the run (exit 2).

mod common;

#[path = "../benches/gen_repo.rs"]
mod gen_repo;

use std::path::Path;

use common::{GEN_REPO_RECORDS, run_in, write};
use serde_json::Value;

const AS_OF: &str = "2026-01-01";

/// First refusal on compute with one record that covers Azure machines of one module and one
/// that covers nothing.
const ROFR: &str = r#"policy rofr {
  effective from 2020-01-01
  first_refusal compute_rofr {
    holder aws
    over azure
    where kind == compute
    refusals "../records/*.yaml"
  }
}
"#;

fn generated(dir: &Path, files: usize) {
    gen_repo::generate(dir, files, true).expect("writable");
    write(
        dir,
        &[
            ("policies/rofr.pact", ROFR),
            ("records/aws.yaml", GEN_REPO_RECORDS),
        ],
    );
}

fn check_json(dir: &Path, extra: &[&str], out: &str) -> i32 {
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--as-of",
        AS_OF,
        "--repo",
        "acme/bench",
        "--inventory",
        "--output",
        out,
    ];
    args.extend_from_slice(extra);
    let r = run_in(dir, &args);
    assert!(r.code == 0 || r.code == 1, "check {extra:?}: {}", r.stderr);
    r.code
}

#[test]
fn shards_merge_into_the_whole_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    generated(&repo, 300);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let whole_path = out.join("whole.json");
    check_json(&repo, &[], whole_path.to_str().unwrap());
    let whole = std::fs::read_to_string(&whole_path).unwrap();
    let doc: Value = serde_json::from_str(&whole).unwrap();

    // The whole run judges the whole-repository rules.
    let findings = doc["findings"].as_array().unwrap();
    let share: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "bench.aws_share")
        .collect();
    assert_eq!(share.len(), 1, "one share breach");
    let unused: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "cloudpact.unused-refusal")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert!(unused[0].contains("R-UNUSED"));
    let shares = &doc["whole_repo"]["shares"][0];
    assert_eq!(shares["rule"], "bench.aws_share");
    let (listed, total) = (
        shares["listed"].as_u64().unwrap(),
        shares["total"].as_u64().unwrap(),
    );
    assert!(listed > 0 && total > listed, "{listed}/{total}");
    assert!(findings.len() > 500, "{}", findings.len());
    assert_eq!(doc["repository"]["name"], "acme/bench");

    for n in [1usize, 2, 7] {
        // Separate processes, as CI jobs run them.
        let children: Vec<(String, std::process::Child)> = (0..n)
            .map(|k| {
                let path = out.join(format!("shard-{n}-{k}.json"));
                let child = std::process::Command::new(common::binary())
                    .args([
                        "check",
                        "--format",
                        "json",
                        "--as-of",
                        AS_OF,
                        "--repo",
                        "acme/bench",
                        "--inventory",
                        "--shard",
                        &format!("{k}/{n}"),
                        "--output",
                        path.to_str().unwrap(),
                        "--quiet",
                    ])
                    .current_dir(&repo)
                    .spawn()
                    .unwrap();
                (path.to_str().unwrap().to_string(), child)
            })
            .collect();
        let mut paths = Vec::new();
        let mut shard_findings = 0;
        for (path, mut child) in children {
            let status = child.wait().unwrap();
            assert!(matches!(status.code(), Some(0 | 1)), "{path}: {status}");
            let part: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            // A shard carries counts, not whole-repository verdicts.
            assert_eq!(part["whole_repo"]["judged"], false);
            assert!(
                part["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|f| f["rule"] != "bench.aws_share"
                        && f["rule"] != "cloudpact.unused-refusal")
            );
            shard_findings += part["findings"].as_array().unwrap().len();
            paths.push(path);
        }
        assert_eq!(shard_findings + 2, findings.len(), "N = {n}");
        if n == 7 {
            // Balanced: no shard holds more than twice its share of the files.
            let files: Vec<u64> = paths
                .iter()
                .map(|p| {
                    let v: Value =
                        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
                    v["summary"]["files"].as_u64().unwrap()
                })
                .collect();
            let sum: u64 = files.iter().sum();
            assert!(
                files.iter().all(|f| *f * 7 <= sum * 2 && *f > 0),
                "{files:?}"
            );
        }
        // Given in reverse order: the merge does not depend on it.
        paths.reverse();
        let merged_path = out.join(format!("merged-{n}.json"));
        let mut args = vec!["merge", "--output", merged_path.to_str().unwrap()];
        args.extend(paths.iter().map(String::as_str));
        let r = run_in(tmp.path(), &args);
        assert_eq!(r.code, 1, "errors found: {}", r.stderr);
        let merged = std::fs::read_to_string(&merged_path).unwrap();
        assert!(
            merged == whole,
            "merge of {n} shards differs from the whole run:\n{}",
            first_difference(&merged, &whole)
        );
    }
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  merged: {x}\n  whole:  {y}", i + 1);
        }
    }
    format!("lengths {} and {}", a.len(), b.len())
}

const SHARE: &str = r#"policy commit {
  effective from 2020-01-01
  reference "MACC §4.2"
  share azure_first { provider azure  at_least 60% }
}
"#;

/// A repository with `azure` of `total` virtual machines on Azure, the rest on AWS.
fn share_repo(root: &Path, name: &str, azure: usize, total: usize, policy: &str) -> String {
    let dir = root.join(name);
    let mut tf = String::new();
    for i in 0..total {
        if i < azure {
            tf.push_str(&format!(
                "resource \"azurerm_linux_virtual_machine\" \"vm{i}\" {{\n  location = \"westeurope\"\n}}\n"
            ));
        } else {
            tf.push_str(&format!(
                "resource \"aws_instance\" \"vm{i}\" {{\n  instance_type = \"t3.micro\"\n}}\n"
            ));
        }
    }
    write(&dir, &[("policies/commit.pact", policy), ("main.tf", &tf)]);
    let out = root.join(format!("{name}.json"));
    let r = run_in(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--as-of",
            AS_OF,
            "--repo",
            name,
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    out.to_str().unwrap().to_string()
}

fn share_findings(doc: &Value) -> Vec<&Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "commit.azure_first")
        .collect()
}

#[test]
fn three_repositories_are_judged_over_their_union() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let a = share_repo(root, "a", 2, 3, SHARE);
    let b = share_repo(root, "b", 2, 3, SHARE);
    let c = share_repo(root, "c", 3, 7, SHARE);
    let alone =
        |p: &str| -> Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    assert!(share_findings(&alone(&a)).is_empty(), "2 of 3 passes alone");
    assert!(share_findings(&alone(&b)).is_empty());
    assert_eq!(share_findings(&alone(&c)).len(), 1, "3 of 7 fails alone");

    let r = run_in(root, &["merge", &a, &b, &c]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let merged = r.json();
    let share = share_findings(&merged);
    assert_eq!(share.len(), 1, "one org-level breach: {share:?}");
    let message = share[0]["message"].as_str().unwrap();
    assert!(
        message.contains("7 of 13") && message.contains("53.8%"),
        "{message}"
    );
    assert_eq!(share[0]["reference"], "MACC §4.2");
    assert!(
        share[0].get("repository").is_none(),
        "org-level, not a repository's"
    );
    let facts = &merged["whole_repo"]["shares"][0];
    assert_eq!(
        (facts["listed"].as_u64(), facts["total"].as_u64()),
        (Some(7), Some(13))
    );
    assert_eq!(merged["summary"]["deployments"], 13);
    let names: Vec<&str> = merged["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);

    // With the third at 4 of 7 the union passes: 8 of 13.
    let c4 = share_repo(root, "c4", 4, 7, SHARE);
    let r = run_in(root, &["merge", &a, &b, &c4]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(share_findings(&r.json()).is_empty());
    assert_eq!(r.json()["whole_repo"]["shares"][0]["listed"], 8);

    // Every format `check` has.
    for format in ["human", "short", "sarif", "github", "gitlab", "junit"] {
        let r = run_in(root, &["merge", "--format", format, &a, &b, &c]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(r.stdout.contains("azure_first"), "{format}:\n{}", r.stdout);
    }
    let r = run_in(root, &["merge", "--format", "short", &a, &b, &c]);
    assert!(
        r.stdout.contains("policies/commit.pact:4:"),
        "the org-level breach at the rule:\n{}",
        r.stdout
    );

    // A policy set that differs is reported, not mixed: exit 2.
    let d = share_repo(root, "d", 1, 3, &SHARE.replace("60%", "70%"));
    let r = run_in(root, &["merge", &a, &b, &d]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("different policy sets"), "{}", r.stderr);
    assert!(r.stderr.contains("d.json"), "{}", r.stderr);

    // --policy must be the set the results were checked with.
    let r = run_in(
        root,
        &[
            "merge",
            "--policy",
            "a/policies",
            "--format",
            "sarif",
            &a,
            &b,
            &c,
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = run_in(root, &["merge", "--policy", "d/policies", &a, &b, &c]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn findings_of_several_repositories_get_qualified_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let deny = "policy d {\n  deny no_aws { provider aws }\n}\n";
    let a = share_repo(root, "a", 1, 2, deny);
    let b = share_repo(root, "b", 0, 1, deny);
    let r = run_in(root, &["merge", &a, &b]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = r.json();
    let paths: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["repository"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(paths, [("a/main.tf", "a"), ("b/main.tf", "b")]);
    assert_eq!(doc["summary"]["errors"], 2);
}

#[test]
fn results_that_cannot_be_merged_fail_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let a = share_repo(root, "a", 1, 2, SHARE);
    // Malformed: a located error, exit 2, no panic.
    write(
        root,
        &[("bad.json", "{\n  \"version\": 2,\n  \"tool\": [1,\n}\n")],
    );
    let r = run_in(root, &["merge", &a, "bad.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.json"), "{}", r.stderr);
    assert!(
        r.stderr.contains("line 4") || r.stderr.contains("bad.json:4"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("internal error"), "{}", r.stderr);
    write(
        root,
        &[(
            "v1.json",
            "{\"version\": 1, \"tool\": {}, \"as_of\": \"2026-01-01\", \"summary\": {}, \"findings\": []}",
        )],
    );
    let r = run_in(root, &["merge", "v1.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("version 1"), "{}", r.stderr);
    let r = run_in(root, &["merge", "missing.json"]);
    assert_eq!(r.code, 2);
    // The same repository twice, and a missing shard.
    let r = run_in(root, &["merge", &a, &a]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no shards"), "{}", r.stderr);
    let dir = root.join("a");
    let s0 = root.join("s0.json");
    let r = run_in(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--shard",
            "0/3",
            "--as-of",
            AS_OF,
            "--output",
            s0.to_str().unwrap(),
        ],
    );
    assert!(r.code <= 1, "{}", r.stderr);
    let r = run_in(root, &["merge", s0.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing 1/3, 2/3"), "{}", r.stderr);
    // A check of named paths counts only part of the repository: not mergeable.
    let part = root.join("part.json");
    let r = run_in(
        &dir,
        &[
            "check",
            "main.tf",
            "--format",
            "json",
            "--as-of",
            AS_OF,
            "--output",
            part.to_str().unwrap(),
        ],
    );
    assert!(r.code <= 1, "{}", r.stderr);
    let r = run_in(root, &["merge", part.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("named paths"), "{}", r.stderr);
    // --shard takes the whole repository, K from 0.
    let r = run_in(&dir, &["check", "--shard", "3/3"]);
    assert_eq!(r.code, 2);
    let r = run_in(&dir, &["check", "--shard", "0/2", "main.tf"]);
    assert_eq!(r.code, 2);
}

//! Adopting cloudpact on a repository with history (issue 12): baselines, `--new-since REF` on
//! real git repositories made here (commits, branches, renames, a shallow clone) and
//! `--horizon`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Run, run_in, write};
use serde_json::Value;

const POLICY: &str = r#"policy t {
  require data_in_eu {
    where   kind == storage
    assert  country in eu
  }
  share compute_on_azure {
    provider azure
    at_least 75%
    where    kind == compute
  }
}
"#;

/// A bucket in the EU, and one (`old`) in the US: one breach from the start.
const MAIN_TF: &str = r#"variable "region" { default = "eu-west-1" }
provider "aws" { region = var.region }
provider "aws" {
  alias  = "us"
  region = "us-east-1"
}
resource "aws_s3_bucket" "logs" { bucket = "logs" }
resource "aws_s3_bucket" "old" {
  provider = aws.us
  bucket   = "old"
}
"#;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=cloudpact tests",
            "-c",
            "user.email=tests@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A repository with the policy and `files`, committed on `main`.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("policies/t.pact", POLICY)]);
    write(dir.path(), files);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "start"]);
    dir
}

fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// `(rule, path, deployment name)` of the unsuppressed findings.
fn unsuppressed(doc: &Value) -> Vec<(String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == false)
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["deployment"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn t(rule: &str, path: &str, name: &str) -> (String, String, String) {
    (rule.to_string(), path.to_string(), name.to_string())
}

fn check(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["check", "--format", "json", "--as-of", "2026-06-01"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

#[test]
fn a_breach_already_there_does_not_fail_new_since_and_a_new_one_does() {
    let dir = repo(&[("infra/main.tf", MAIN_TF)]);
    let root = dir.path();
    // Without --new-since the old breach fails the run.
    let plain = check(root, &[]);
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    assert_eq!(
        unsuppressed(&plain.json()),
        vec![t("t.data_in_eu", "infra/main.tf", "old")]
    );

    // A branch that changes something unrelated: nothing new.
    git(root, &["checkout", "-q", "-b", "feature"]);
    write(root, &[("infra/notes.tf", "# nothing deployed here\n")]);
    commit_all(root, "notes");
    let run = check(root, &["--new-since", "main"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(unsuppressed(&run.json()).is_empty(), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("1 finding(s) already there are not reported"),
        "{}",
        run.stderr
    );

    // A new bucket outside the EU, uncommitted: the working tree is what is checked.
    let with_new = format!(
        "{MAIN_TF}resource \"aws_s3_bucket\" \"fresh\" {{\n  provider = aws.us\n  bucket   = \"fresh\"\n}}\n"
    );
    write(root, &[("infra/main.tf", &with_new)]);
    let run = check(root, &["--new-since", "main"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        unsuppressed(&run.json()),
        vec![t("t.data_in_eu", "infra/main.tf", "fresh")]
    );
    // Committed on the branch, it is still new since main, not since HEAD.
    commit_all(root, "fresh bucket");
    assert_eq!(check(root, &["--new-since", "main"]).code, 1);
    assert_eq!(check(root, &["--new-since", "HEAD"]).code, 0);
    // A revision that does not exist is a clear error, not a pass.
    let bad = check(root, &["--new-since", "no-such-branch"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-branch"), "{}", bad.stderr);
}

#[test]
fn a_change_only_to_terraform_tfvars_that_moves_a_bucket_out_of_the_eu_is_reported() {
    let dir = repo(&[
        ("infra/main.tf", MAIN_TF),
        ("infra/terraform.tfvars", "region = \"eu-west-1\"\n"),
    ]);
    let root = dir.path();
    git(root, &["checkout", "-q", "-b", "move"]);
    write(
        root,
        &[("infra/terraform.tfvars", "region = \"us-west-2\"\n")],
    );
    commit_all(root, "move the default region");
    let changed = git(root, &["diff", "--name-only", "main"]);
    assert_eq!(changed.trim(), "infra/terraform.tfvars");
    let run = check(root, &["--new-since", "main"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    // The finding is at the bucket in main.tf, decided by the variable file.
    assert_eq!(
        unsuppressed(&run.json()),
        vec![t("t.data_in_eu", "infra/main.tf", "logs")]
    );
    let doc = run.json();
    let provenance = &doc["findings"][0]["deployment"]["provenance"];
    assert!(
        provenance
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x == "infra/terraform.tfvars")),
        "{doc}"
    );
}

#[test]
fn a_shallow_clone_without_the_revision_is_exit_2_naming_fetch_depth() {
    let dir = repo(&[("infra/main.tf", MAIN_TF)]);
    write(dir.path(), &[("infra/more.tf", "# second commit\n")]);
    commit_all(dir.path(), "second");
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    git(
        clones.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let shallow = clones.path().join("shallow");
    assert!(shallow.join(".git/shallow").is_file());
    let run = check(&shallow, &["--new-since", "HEAD~1"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("fetch-depth"), "{}", run.stderr);
    assert!(run.stderr.contains("shallow clone"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no report on a failed run");
    // The commit the clone has is usable.
    let run = check(&shallow, &["--new-since", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

fn vms(azure: usize, aws: usize) -> String {
    let mut s = String::new();
    for i in 0..azure {
        s.push_str(&format!(
            "resource \"azurerm_linux_virtual_machine\" \"az{i}\" {{ location = \"westeurope\" }}\n"
        ));
    }
    for i in 0..aws {
        s.push_str(&format!(
            "resource \"aws_instance\" \"aws{i}\" {{ instance_type = \"t3.micro\" }}\n"
        ));
    }
    s
}

#[test]
fn share_changes_are_reported_with_both_figures_and_fail_only_below_the_commitment() {
    // 9 of 10 on azure (90%).
    let dir = repo(&[("compute/vms.tf", &vms(9, 1))]);
    let root = dir.path();
    // 9 of 11 (81.8%): lower, still above 75%: reported, passes.
    write(root, &[("compute/vms.tf", &vms(9, 2))]);
    let run = check(root, &["--new-since", "main"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    let share: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "t.compute_on_azure")
        .collect();
    assert_eq!(share.len(), 1, "{doc}");
    assert_eq!(share[0]["severity"], "info");
    let message = share[0]["message"].as_str().unwrap();
    assert!(
        message.contains("azure share 90% → 81.8%, commitment 75%"),
        "{message}"
    );
    // 9 of 13 (69.2%): the change takes it below: fails, both figures in the headline.
    write(root, &[("compute/vms.tf", &vms(9, 4))]);
    let run = check(root, &["--new-since", "main"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    let failing: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "t.compute_on_azure" && f["severity"] == "error")
        .collect();
    assert_eq!(failing.len(), 1, "{doc}");
    let message = failing[0]["message"].as_str().unwrap();
    assert!(
        message.contains("azure share 90% → 69.2%, commitment 75%"),
        "{message}"
    );
    // Already below at the revision (69.2% committed), lower still: not a new breach.
    commit_all(root, "below");
    write(root, &[("compute/vms.tf", &vms(9, 5))]);
    let run = check(root, &["--new-since", "HEAD"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    let info: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "t.compute_on_azure")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(info.len(), 1, "{doc}");
    assert!(
        info[0].contains("azure share 69.2% → 64.3%, commitment 75%")
            && info[0].contains("still below"),
        "{}",
        info[0]
    );
}

#[test]
fn a_renamed_file_keeps_its_baselined_finding_baselined() {
    let dir = repo(&[("infra/main.tf", MAIN_TF)]);
    let root = dir.path();
    let run = run_in(root, &["baseline", "--as-of", "2026-06-01"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("recorded 1 finding"), "{}", run.stdout);
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(".cloudpact-baseline.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(file["version"], 1);
    let entries = file["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["path"], "infra/main.tf");
    assert_eq!(entries[0]["deployment"], "aws_s3_bucket.old");
    assert!(entries[0].get("line").is_none(), "no line numbers");
    commit_all(root, "baseline");

    let run = check(root, &["--baseline", ".cloudpact-baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["summary"]["suppressed"], 1);
    assert_eq!(doc["summary"]["baselined"], 1);
    let f = &doc["findings"][0];
    assert_eq!(f["suppression"]["kind"], "baseline");

    // Moving code within the file keeps it: no line numbers in the fingerprint.
    write(
        root,
        &[("infra/main.tf", &format!("# a comment on top\n\n{MAIN_TF}"))],
    );
    assert_eq!(
        check(root, &["--baseline", ".cloudpact-baseline.json"]).code,
        0
    );
    git(root, &["checkout", "-q", "--", "infra/main.tf"]);

    // A rename (git mv) keeps it baselined, and leaves no stale entry.
    git(root, &["mv", "infra/main.tf", "infra/storage.tf"]);
    commit_all(root, "rename");
    let run = check(root, &["--baseline", ".cloudpact-baseline.json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc}");
    assert_eq!(findings[0]["path"], "infra/storage.tf");
    assert_eq!(findings[0]["suppression"]["kind"], "baseline");
    // `--update` moves the entry to the new path.
    let run = run_in(root, &["baseline", "--update", "--as-of", "2026-06-01"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("kept 1 entry, pruned 0"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(root.join(".cloudpact-baseline.json")).unwrap();
    assert!(text.contains("\"infra/storage.tf\""), "{text}");

    // A second breach in the renamed file is not baselined.
    let with_new = format!(
        "{MAIN_TF}resource \"aws_s3_bucket\" \"fresh\" {{\n  provider = aws.us\n  bucket   = \"fresh\"\n}}\n"
    );
    write(root, &[("infra/storage.tf", &with_new)]);
    let run = check(root, &["--baseline", ".cloudpact-baseline.json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        unsuppressed(&run.json()),
        vec![t("t.data_in_eu", "infra/storage.tf", "fresh")]
    );
}

#[test]
fn stale_entries_are_info_findings_and_update_prunes_them() {
    let dir = repo(&[("infra/main.tf", MAIN_TF)]);
    let root = dir.path();
    // `baseline:` in the configuration, a file of another name.
    write(root, &[("cloudpact.yaml", "baseline: accepted.json\n")]);
    let run = run_in(root, &["baseline", "--as-of", "2026-06-01"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(root.join("accepted.json").is_file());
    // Fixed: the entry is stale.
    write(
        root,
        &[("infra/main.tf", &MAIN_TF.replace("provider = aws.us\n", ""))],
    );
    let run = check(root, &[]);
    assert_eq!(run.code, 0, "an info finding does not fail: {}", run.stderr);
    let doc = run.json();
    let stale: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "cloudpact.stale-baseline")
        .collect();
    assert_eq!(stale.len(), 1, "{doc}");
    assert_eq!(stale[0]["severity"], "info");
    assert_eq!(stale[0]["path"], "accepted.json");
    assert!(stale[0]["line"].as_u64().unwrap() > 1);
    assert!(
        stale[0]["message"]
            .as_str()
            .unwrap()
            .contains("aws_s3_bucket.old"),
        "{}",
        stale[0]["message"]
    );
    let run = run_in(root, &["baseline", "--update", "--as-of", "2026-06-01"]);
    assert!(
        run.stdout.contains("kept 0 entries, pruned 1"),
        "{}",
        run.stdout
    );
    let run = check(root, &[]);
    assert!(
        run.json()["findings"].as_array().unwrap().is_empty(),
        "{}",
        run.stdout
    );
}

#[test]
fn a_malformed_baseline_is_a_located_error() {
    let dir = repo(&[("infra/main.tf", MAIN_TF)]);
    let root = dir.path();
    write(
        root,
        &[(
            "bad.json",
            "{\n  \"version\": 1,\n  \"findings\": [ {\"rule\": 3} ]\n}\n",
        )],
    );
    let run = check(root, &["--baseline", "bad.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid baseline bad.json"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("bad.json:3:"), "{}", run.stderr);
    write(root, &[("v2.json", "{\"version\": 2, \"findings\": []}")]);
    let run = check(root, &["--baseline", "v2.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("version 2"), "{}", run.stderr);
    let run = check(root, &["--baseline", "missing.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cloudpact baseline"), "{}", run.stderr);
}

const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

/// The vendored SARIF schema with its lone `]` escaped, as src/render/sarif/tests.rs does.
fn escape_lone_bracket(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "pattern" && child == LANGUAGE_PATTERN {
                    *child = Value::from(LANGUAGE_PATTERN.replace("}]?", "}\\]?"));
                } else {
                    escape_lone_bracket(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_lone_bracket),
        _ => {}
    }
}

#[test]
fn sarif_with_baselined_findings_validates_and_junit_skips_them() {
    let dir = repo(&[("infra/main.tf", MAIN_TF)]);
    let root = dir.path();
    assert_eq!(run_in(root, &["baseline", "--as-of", "2026-06-01"]).code, 0);
    let run = run_in(
        root,
        &[
            "check",
            "--format",
            "sarif",
            "--as-of",
            "2026-06-01",
            "--baseline",
            ".cloudpact-baseline.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::project("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    escape_lone_bracket(&mut schema);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let suppression = &results[0]["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    assert!(
        results[0]["partialFingerprints"]["cloudpact/v1"]
            .as_str()
            .is_some_and(
                |fp| std::fs::read_to_string(root.join(".cloudpact-baseline.json"))
                    .unwrap()
                    .contains(fp)
            ),
        "the baseline records the SARIF fingerprint"
    );

    let run = run_in(
        root,
        &[
            "check",
            "--format",
            "junit",
            "--as-of",
            "2026-06-01",
            "--baseline",
            ".cloudpact-baseline.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let xml = &run.stdout;
    assert!(xml.contains("failures=\"0\""), "{xml}");
    let case = xml
        .split("<testcase ")
        .find(|c| c.contains("classname=\"cloudpact.t.data_in_eu\""))
        .expect("a test case for the baselined finding");
    assert!(case.contains("<skipped"), "{case}");
    assert!(case.contains("suppressed (baseline)"), "{case}");
    // The reserved ids are test cases of their own.
    assert!(xml.contains("name=\"cloudpact.stale-baseline\""), "{xml}");
}

#[test]
fn horizon_names_the_dates_and_the_deployments_they_affect() {
    let policy = r#"policy h {
  deny no_gcp {
    provider gcp
    effective from 2026-03-01
  }
  first_refusal new_capacity {
    holder    azure
    over      any
    where     kind == compute
    refusals  "refusals/*.yaml"
  }
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            ("policies/h.pact", policy),
            (
                "policies/refusals/r.yaml",
                "- id: ROFR-2026-001\n  holder: azure\n  granted_to: [aws]\n  declined_on: 2025-01-01\n  expires: 2026-01-31\n  reason: no capacity\n",
            ),
            (
                "infra/main.tf",
                "provider \"aws\" { region = \"eu-west-1\" }\nresource \"aws_instance\" \"vm1\" { instance_type = \"t3.micro\" }\nresource \"aws_instance\" \"vm2\" { instance_type = \"t3.micro\" }\nresource \"google_storage_bucket\" \"g\" {\n  name     = \"g\"\n  location = \"EU\"\n}\n",
            ),
            ("cloudpact.yaml", "horizon: 30d\n"),
        ],
    );
    let at = |date: &str, extra: &[&str]| {
        let mut args = vec!["check", "--format", "json", "--as-of", date];
        args.extend_from_slice(extra);
        run_in(root, &args)
    };
    let messages = |run: &Run| -> Vec<String> {
        run.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "cloudpact.horizon")
            .map(|f| {
                assert_eq!(f["severity"], "info");
                f["message"].as_str().unwrap().to_string()
            })
            .collect()
    };
    // 30 days (from the configuration) from 2026-01-10: the record expires, the rule waits.
    let run = at("2026-01-10", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        messages(&run),
        vec![
            "ROFR-2026-001 expires on 2026-01-31: 2 deployments lose their cover: aws_instance.vm1 (infra/main.tf), aws_instance.vm2 (infra/main.tf)"
        ]
    );
    // --horizon 90d wins over the configuration: the rule's start is within it too.
    let run = at("2026-01-10", &["--horizon", "90d"]);
    let m = messages(&run);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m.contains(
            &"rule `h.no_gcp` takes effect on 2026-03-01: 1 deployment breaks it: google_storage_bucket.g (infra/main.tf)"
                .to_string()
        ),
        "{m:?}"
    );
    // After the date nothing is ahead.
    assert!(messages(&at("2026-04-01", &[])).is_empty());
    let bad = at("2026-01-10", &["--horizon", "soon"]);
    assert_eq!(bad.code, 2);
}

/// A shard sees part of the repository, so it cannot judge a baseline's stale entries, a
/// revision's new findings or horizon dates: asking for both is a usage error, and a shard of
/// a repository whose config names a baseline says so too.
#[test]
fn a_shard_refuses_baselines_new_since_and_horizon() {
    let dir = repo(&[("infra/main.tf", MAIN_TF)]);
    for extra in [
        &["--shard", "0/2", "--baseline", "b.json"][..],
        &["--shard", "0/2", "--new-since", "HEAD"][..],
        &["--shard", "0/2", "--horizon", "30d"][..],
    ] {
        let run = check(dir.path(), extra);
        assert_eq!(run.code, 2, "{extra:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("--shard does not combine"),
            "{}",
            run.stderr
        );
    }
    let plain = check(dir.path(), &["--shard", "0/2"]);
    assert_ne!(plain.code, 2, "{}", plain.stderr);
    write(dir.path(), &[("cloudpact.yaml", "baseline: b.json\n")]);
    let configured = check(dir.path(), &["--shard", "1/2"]);
    assert_eq!(configured.code, 2, "{}", configured.stderr);
}

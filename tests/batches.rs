//! A check of a large repository reads, extracts and judges it in batches of whole units
//! (src/workspace/batch.rs): every report is the same whatever the batch size, down to one
//! unit per batch (`CLOUDPACT_BATCH_BYTES=1`).

mod common;

#[path = "../benches/gen_repo.rs"]
mod gen_repo;

use std::path::Path;
use std::process::Command;

use common::{GEN_REPO_RECORDS, binary, run_in, write};
use serde_json::Value;

const AS_OF: &str = "2026-01-01";

/// Exclusivity on AWS, first refusal over Azure with one record that covers module m0001 and
/// one that covers nothing, and a share (the generated repository's own policy, `bench`, adds
/// another).
const POLICY: &str = r#"policy contracts {
  effective from 2020-01-01
  first_refusal compute_rofr {
    holder aws
    over azure
    where kind == compute
    refusals "../records/*.yaml"
  }
  require eu_storage {
    where kind == storage
    assert country in ["ie", "de", "nl", "fr"]
    unknown warn
  }
}
"#;

/// A generated repository plus units whose files decide each other: a Terraform root calling
/// a module elsewhere (the region comes from the call), an ARM template with its parameter
/// file, a Pulumi project with its stack file, a Bicep template with its `.bicepparam` file
/// and one calling a module in another folder; ignore comments that suppress, and one that
/// suppresses nothing; a file that does not parse.
fn repository(dir: &Path) {
    gen_repo::generate(dir, 300, true).expect("writable");
    write(
        dir,
        &[
            // The root, wherever a PATH names.
            ("cloudpact.yaml", "fail_on: error\n"),
            ("policies/contracts.pact", POLICY),
            ("records/aws.yaml", GEN_REPO_RECORDS),
            (
                "live/prod/main.tf",
                "module \"store\" {\n  source = \"../../shared/store\"\n  region = \"us-east-1\"\n}\n",
            ),
            (
                "shared/store/main.tf",
                "variable \"region\" {}\n\nprovider \"aws\" {\n  region = var.region\n}\n\nresource \"aws_s3_bucket\" \"data\" {\n  bucket = \"data\"\n}\n",
            ),
            (
                "arm/site.json",
                "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"parameters\": {\"where\": {\"type\": \"string\"}},\n  \"resources\": [\n    {\"type\": \"Microsoft.Storage/storageAccounts\", \"apiVersion\": \"2023-01-01\", \"name\": \"st\", \"location\": \"[parameters('where')]\"}\n  ]\n}\n",
            ),
            (
                "arm/site.parameters.json",
                "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"parameters\": {\"where\": {\"value\": \"eastus\"}}\n}\n",
            ),
            (
                "pulumi/Pulumi.yaml",
                "name: web\nruntime: yaml\nresources:\n  bucket:\n    type: aws:s3:Bucket\n",
            ),
            (
                "pulumi/Pulumi.prod.yaml",
                "config:\n  aws:region: eu-west-1\n",
            ),
            (
                "quiet/main.tf",
                "provider \"aws\" {\n  region = \"us-west-2\"\n}\n\n# cloudpact:ignore contracts.eu_storage -- archive outside the EU, approved\nresource \"aws_s3_bucket\" \"archive\" {\n  bucket = \"archive\"\n}\n",
            ),
            (
                "stale/main.tf",
                "# cloudpact:ignore contracts.eu_storage -- nothing here any more\nresource \"random_id\" \"x\" {\n  byte_length = 8\n}\n",
            ),
            ("broken/main.tf", "resource \"aws_instance\" \"x\" {\n"),
            (
                "bicep/web/main.bicep",
                "param where string\nresource web 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'web'\n  location: where\n}\n",
            ),
            (
                "bicep/web/prod.bicepparam",
                "using './main.bicep'\nparam where = 'eastus'\n",
            ),
            (
                "bicep/app/main.bicep",
                "module st '../../bicepmods/storage.bicep' = {\n  name: 'st'\n  params: {\n    location: 'eastus'\n  }\n}\n",
            ),
            (
                "bicepmods/storage.bicep",
                "param location string\nresource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'sa'\n  location: location\n}\n",
            ),
        ],
    );
}

/// The report of `check` in `format` with the given batch size (`None`: the default).
fn check(dir: &Path, format: &str, batch: Option<&str>, extra: &[&str]) -> (i32, String) {
    let mut cmd = Command::new(binary());
    cmd.args(["check", "--as-of", AS_OF, "--format", format])
        .args(extra)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove(cloudpact::workspace::BATCH_BYTES_ENV);
    if let Some(b) = batch {
        cmd.env(cloudpact::workspace::BATCH_BYTES_ENV, b);
    }
    let out = cmd.output().expect("the binary runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "check {format} {extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    // The lines that differ from run to run (json's elapsed time, human's summary).
    let stdout = stdout
        .lines()
        .filter(|l| !l.contains("\"elapsed_ms\"") && !l.contains(" ms"))
        .collect::<Vec<_>>()
        .join("\n");
    (out.status.code().unwrap_or(-1), stdout)
}

#[test]
fn every_batch_size_gives_the_same_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    repository(&repo);

    let (code, whole) = check(&repo, "json", None, &[]);
    assert_eq!(code, 1, "{whole}");
    let doc: Value = serde_json::from_str(&whole).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let rules =
        |rule: &str| -> Vec<&Value> { findings.iter().filter(|f| f["rule"] == rule).collect() };
    let at = |rule: &str, path: &str| rules(rule).iter().any(|f| f["path"] == path);
    // What the units' context decides, and the whole-repository verdicts.
    assert!(
        at("contracts.eu_storage", "shared/store/main.tf"),
        "module region from the call"
    );
    assert!(
        at("contracts.eu_storage", "arm/site.json"),
        "ARM parameter file"
    );
    assert!(
        !at("contracts.eu_storage", "pulumi/Pulumi.yaml"),
        "Pulumi stack region (eu-west-1)"
    );
    // Bicep: the parameter file's region, and the module's from its call in another folder
    // (alone, either would be unknown: a warning, not an error).
    for path in ["bicep/web/main.bicep", "bicepmods/storage.bicep"] {
        let eu = rules("contracts.eu_storage");
        let here: Vec<&&Value> = eu.iter().filter(|f| f["path"] == path).collect();
        assert_eq!(here.len(), 1, "{path}: {here:?}");
        assert_eq!(here[0]["severity"], "error", "{path}: {}", here[0]);
    }
    assert!(at("cloudpact.parse-error", "broken/main.tf"));
    assert!(at("cloudpact.unused-suppression", "stale/main.tf"));
    let quiet: Vec<&Value> = rules("contracts.eu_storage")
        .into_iter()
        .filter(|f| f["path"] == "quiet/main.tf")
        .collect();
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0]["suppressed"], true, "{}", quiet[0]);
    assert_eq!(quiet[0]["suppression"]["kind"], "inline");
    assert_eq!(rules("cloudpact.unused-refusal").len(), 1);
    assert_eq!(rules("bench.aws_share").len(), 1);
    let shares = doc["whole_repo"]["shares"].as_array().unwrap();
    assert!(shares.iter().all(|s| s["total"].as_u64().unwrap() > 0));
    assert!(findings.len() > 300, "{}", findings.len());

    // The counts of the summary are those of every deployment, kept or not: `--inventory`
    // keeps them all and lists them.
    let (_, listed) = check(&repo, "json", None, &["--inventory"]);
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let inventory = listed["inventory"].as_array().unwrap();
    assert_eq!(doc["summary"]["deployments"], inventory.len());
    assert_eq!(doc["summary"], listed["summary"]);
    assert_eq!(doc["findings"], listed["findings"]);
    assert_eq!(doc["whole_repo"], listed["whole_repo"]);

    // `human` too: its excerpts come from files the batches dropped and read again.
    for format in ["json", "sarif", "short", "junit", "human"] {
        let (code, one_batch) = check(&repo, format, None, &[]);
        if format == "human" {
            // The excerpt under a finding, from a file read again after its batch.
            assert!(one_batch.contains("3 │   name: 'web'"), "{one_batch}");
        }
        for batch in ["1", "3000", "40000"] {
            let (batch_code, batched) = check(&repo, format, Some(batch), &[]);
            assert_eq!(batch_code, code, "{format}, batches of {batch} bytes");
            assert!(
                batched == one_batch,
                "{format}, batches of {batch} bytes: the report differs"
            );
        }
    }

    // A named folder is batched too, with its context.
    let (_, named) = check(&repo, "json", None, &["shared", "modules"]);
    let (_, named_batched) = check(&repo, "json", Some("1"), &["shared", "modules"]);
    assert_eq!(named, named_batched);
    let named: Value = serde_json::from_str(&named).unwrap();
    assert!(
        common::findings(&named)
            .iter()
            .any(|f| f.0 == "contracts.eu_storage" && f.1 == "shared/store/main.tf"),
        "the module's calls are its context"
    );
}

/// A baseline judges stale entries and renames against every file the check read, whichever
/// batch read it.
#[test]
fn a_baseline_is_judged_the_same_in_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    repository(&repo);
    let (_, whole) = check(&repo, "json", None, &[]);
    let doc: Value = serde_json::from_str(&whole).unwrap();
    let mut paths: Vec<String> = common::findings(&doc)
        .into_iter()
        .map(|f| f.1)
        .filter(|p| p.starts_with("modules/") && p.ends_with(".tf"))
        .collect();
    paths.dedup();
    assert!(paths.len() > 2, "{paths:?}");
    let made = run_in(
        &repo,
        &["baseline", "--as-of", AS_OF, "--output", "base.json"],
    );
    assert_eq!(made.code, 0, "{}", made.stderr);

    // One file renamed in its folder: its findings match their entries as a rename. One
    // file's resources moved to a new file while it stays, emptied: it was read, so its
    // entries are stale and the new file's findings are new, not a rename.
    let renamed = paths[0].replace("/main", "/renamed");
    std::fs::rename(repo.join(&paths[0]), repo.join(&renamed)).unwrap();
    let moved = paths[1].replace("/main", "/moved");
    std::fs::copy(repo.join(&paths[1]), repo.join(&moved)).unwrap();
    std::fs::write(repo.join(&paths[1]), "# nothing here any more\n").unwrap();

    let args = ["--baseline", "base.json"];
    let (code, one_batch) = check(&repo, "json", None, &args);
    for batch in ["1", "5000"] {
        let (batch_code, batched) = check(&repo, "json", Some(batch), &args);
        assert_eq!(batch_code, code);
        assert!(
            batched == one_batch,
            "batches of {batch} bytes: the report differs"
        );
    }
    let doc: Value = serde_json::from_str(&one_batch).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let stale: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "cloudpact.stale-baseline")
        .collect();
    assert!(
        stale.iter().all(|f| f["path"] == "base.json"),
        "stale entries point into the baseline"
    );
    assert!(
        !stale.is_empty()
            && stale.iter().any(|f| f["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&paths[1])),
        "{stale:?}"
    );
    let loose: Vec<&Value> = findings
        .iter()
        .filter(|f| f["path"] == renamed.as_str() && f["suppressed"] != true)
        .collect();
    assert!(
        loose.is_empty(),
        "the renamed file's findings are baselined: {loose:?}"
    );
    let fresh = findings
        .iter()
        .filter(|f| f["path"] == moved.as_str() && f["suppressed"] != true)
        .count();
    assert!(fresh > 0, "the moved resources' findings are new");
}

/// `CLOUDPACT_TIMINGS=1` adds one line on standard error, the check's phases with how often
/// each ran (every batch reads and extracts), and changes nothing of the report.
#[test]
fn timings_name_every_phase_and_leave_the_report_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    repository(&repo);
    let run = |timings: Option<&str>| {
        let mut cmd = Command::new(binary());
        cmd.args(["check", "--as-of", AS_OF, "--format", "json"])
            .current_dir(&repo)
            .env(cloudpact::workspace::BATCH_BYTES_ENV, "3000")
            .env_remove(cloudpact::timings::ENV);
        if let Some(t) = timings {
            cmd.env(cloudpact::timings::ENV, t);
        }
        let out = cmd.output().expect("the binary runs");
        assert_eq!(out.status.code(), Some(1));
        let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
        (report, String::from_utf8(out.stderr).expect("UTF-8"))
    };
    let (plain, quiet) = run(None);
    assert!(!quiet.contains("timings:"), "{quiet}");
    let (off, quiet) = run(Some("0"));
    assert!(!quiet.contains("timings:"), "{quiet}");

    let (timed, stderr) = run(Some("1"));
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("timings: "))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let parts: Vec<&str> = lines[0]["timings: ".len()..].split(" · ").collect();
    let names: Vec<&str> = parts
        .iter()
        .map(|p| p.split_once(' ').expect("a name and a time").0)
        .collect();
    assert_eq!(
        names,
        [
            "policies", "discover", "split", "batches", "conclude", "report", "other", "total"
        ],
        "{}",
        lines[0]
    );
    // Batches of 3,000 bytes: many of them, each read, extracted and judged (the steps shown
    // inside the batches' part, in their order).
    let batches = parts.iter().find(|p| p.starts_with("batches ")).unwrap();
    let (head, steps) = batches.split_once(" [").expect("the batches' steps");
    let count: u64 = head
        .split_once('(')
        .map(|(_, n)| n.trim_end_matches("×)").parse().unwrap())
        .expect("how many batches");
    assert!(count > 10, "{}", lines[0]);
    let steps: Vec<&str> = steps
        .trim_end_matches(']')
        .split(", ")
        .map(|s| s.split_once(' ').unwrap().0)
        .collect();
    assert_eq!(steps, ["read", "extract", "judge"], "{}", lines[0]);
    assert!(
        !parts.iter().any(|p| p.starts_with("discover (")),
        "{}",
        lines[0]
    );
    // The report is the same (a JSON report holds no time).
    assert_eq!(timed, plain);
    assert_eq!(off, plain);
}

//! Terraform modules and Terragrunt across folders, run through the binary: instances of a
//! called module get their caller's values, findings sit at the module's resource with the
//! call sites as related locations, and a run naming one file agrees with the whole run.

mod common;

use std::path::Path;

use serde_json::Value;

const POLICY: &str = "policy eu {\n  require in_eu {\n    where  kind == storage\n    assert country in eu\n    unknown warn\n  }\n}\n";

const MODULE: &str = "variable \"location\" {\n  type = string\n}\n\nresource \"google_storage_bucket\" \"this\" {\n  name     = \"b\"\n  location = var.location\n}\n";

const CALLER: &str = "locals {\n  raw = \"us-east4\"\n}\n\nmodule \"raw\" {\n  source   = \"../../modules/bucket\"\n  location = local.raw\n}\n\nmodule \"curated\" {\n  source   = \"../../modules/bucket\"\n  location = \"europe-west3\"\n}\n";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        &[
            ("policies/eu.pact", POLICY),
            ("modules/bucket/main.tf", MODULE),
            ("live/analytics/main.tf", CALLER),
            (
                "tg/prod/terragrunt.hcl",
                "terraform {\n  source = \"../../modules//bucket\"\n}\n\ninputs = {\n  location = \"asia-south1\"\n}\n",
            ),
        ],
    );
    dir
}

fn check(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = common::run_in(dir, &all);
    (run.code, run.json())
}

/// `(module address or "-", first call site path, region)` of every finding's deployment.
fn instances(doc: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let d = &f["deployment"];
            (
                d["module"].as_str().unwrap_or("-").to_string(),
                d["calls"][0]["path"].as_str().unwrap_or("-").to_string(),
                d["region"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn each_call_is_checked_with_its_callers_values() {
    let dir = repo();
    let (code, doc) = check(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        common::findings(&doc),
        vec![
            common::f("eu.in_eu", "modules/bucket/main.tf", 5, "error"),
            common::f("eu.in_eu", "modules/bucket/main.tf", 5, "error"),
        ]
    );
    assert_eq!(
        instances(&doc),
        vec![
            (
                "-".into(),
                "tg/prod/terragrunt.hcl".into(),
                "asia-south1".into()
            ),
            (
                "module.raw".into(),
                "live/analytics/main.tf".into(),
                "us-east4".into()
            ),
        ]
    );
    // The module is not also checked on its own (its location would be unknown: a warning).
    assert_eq!(doc["summary"]["warnings"], 0, "{doc:#}");
}

#[test]
fn a_run_naming_one_file_reports_what_the_whole_run_reports_for_it() {
    let dir = repo();
    let (_, whole) = check(dir.path(), &[]);
    // The module's own file: every instance of it, whoever calls it.
    let (code, doc) = check(dir.path(), &["modules/bucket/main.tf"]);
    assert_eq!(code, 1);
    assert_eq!(instances(&doc), instances(&whole));
    // The caller's file: only the instances it makes.
    let (code, doc) = check(dir.path(), &["live/analytics/main.tf"]);
    assert_eq!(code, 1);
    assert_eq!(
        instances(&doc),
        vec![(
            "module.raw".into(),
            "live/analytics/main.tf".into(),
            "us-east4".into()
        )]
    );
    let (code, doc) = check(dir.path(), &["tg/prod/terragrunt.hcl"]);
    assert_eq!(code, 1);
    assert_eq!(instances(&doc).len(), 1);
    assert_eq!(instances(&doc)[0].2, "asia-south1");
}

#[test]
fn call_sites_are_related_locations_in_sarif_and_human() {
    let dir = repo();
    let run = common::run_in(
        dir.path(),
        &["check", "--format", "sarif", "live/analytics/main.tf"],
    );
    assert_eq!(run.code, 1);
    let sarif = run.json();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "module.raw.google_storage_bucket.this"
    );
    let related: Vec<(String, u64)> = result["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let p = &r["physicalLocation"];
            (
                p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                p["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        related.contains(&("live/analytics/main.tf".to_string(), 5)),
        "{related:?}"
    );
    let human = common::run_in(dir.path(), &["check", "live/analytics/main.tf"]);
    assert!(
        human
            .stdout
            .contains("module.raw.google_storage_bucket.this"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("instance made by this call (module.raw) (live/analytics/main.tf:5)"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_missing_module_folder_is_a_warning_at_the_call() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        &[
            ("policies/eu.pact", POLICY),
            (
                "app/main.tf",
                "module \"gone\" {\n  source = \"../modules/missing\"\n}\n",
            ),
        ],
    );
    let (code, doc) = check(dir.path(), &[]);
    assert_eq!(code, 0, "a warning does not fail the default gate");
    assert_eq!(
        common::findings(&doc),
        vec![common::f(
            "cloudpact.unresolved-module",
            "app/main.tf",
            2,
            "warning"
        )]
    );
    let (code, _) = check(dir.path(), &["--fail-on", "warning"]);
    assert_eq!(code, 1);
}

#[test]
fn configured_var_files_decide_like_a_var_file_flag() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        &[
            ("policies/eu.pact", POLICY),
            (
                "cloudpact.yaml",
                "terraform:\n  var_files:\n    envs/prod: [prod.tfvars]\n",
            ),
            (
                "envs/prod/main.tf",
                "variable \"region\" {\n  default = \"eu-west-1\"\n}\n\nprovider \"aws\" {\n  region = var.region\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
            ),
            ("envs/prod/prod.tfvars", "region = \"us-east-1\"\n"),
            ("envs/prod/dr.tfvars", "region = \"eu-central-1\"\n"),
        ],
    );
    let (code, doc) = check(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        common::findings(&doc),
        vec![common::f("eu.in_eu", "envs/prod/main.tf", 9, "error")]
    );
    // Named alone, the variable file reports the deployment whose region it set.
    let (code, doc) = check(dir.path(), &["envs/prod/prod.tfvars"]);
    assert_eq!(code, 1);
    assert_eq!(common::findings(&doc).len(), 1);
}

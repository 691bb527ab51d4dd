//! Plans mapped to source: a Terraform plan JSON in the folder of the configuration it was made
//! from lends its values (evaluated by Terraform) to the `.tf` declarations, found by address;
//! findings sit at the declarations with the plan entry as a related location, and every way
//! of running cloudpact agrees.

mod common;

use std::path::Path;

use serde_json::Value;

/// Every AWS deployment here fails it, so each shows in the findings with its region.
const POLICY: &str = "policy fr_only {\n  require in_fr {\n    where   provider == aws\n    assert  country == \"fr\"\n    unknown deny\n  }\n}\n";

/// The configuration says us-east-1; the plan was made with `-var region=eu-west-1`.
const MAIN: &str = r#"variable "region" {
  default = "us-east-1"
}

provider "aws" {
  region = var.region
}

resource "aws_instance" "web" {
  count         = 2
  instance_type = "t3.micro"
}

module "logs" {
  source = "../../modules/bucket"
}

resource "aws_sqs_queue" "new" {
  name = "not in the plan yet"
}
"#;

const MODULE: &str = "resource \"aws_s3_bucket\" \"this\" {\n  bucket = \"logs\"\n}\n";

/// `terraform show -json` of a plan of `envs/prod` (trimmed): `aws_sqs_queue.new` was declared
/// after it, `aws_sns_topic.gone` deleted from the configuration since.
const PLAN: &str = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.5",
  "variables": { "region": { "value": "eu-west-1" } },
  "resource_changes": [
    {
      "address": "aws_instance.web[0]", "mode": "managed", "type": "aws_instance", "name": "web", "index": 0,
      "provider_name": "registry.terraform.io/hashicorp/aws",
      "change": { "actions": ["create"], "after": { "instance_type": "t3.micro" } }
    },
    {
      "address": "aws_instance.web[1]", "mode": "managed", "type": "aws_instance", "name": "web", "index": 1,
      "provider_name": "registry.terraform.io/hashicorp/aws",
      "change": { "actions": ["create"], "after": { "instance_type": "t3.micro" } }
    },
    {
      "address": "module.logs.aws_s3_bucket.this", "module_address": "module.logs", "mode": "managed",
      "type": "aws_s3_bucket", "name": "this", "provider_name": "registry.terraform.io/hashicorp/aws",
      "change": { "actions": ["create"], "after": { "bucket": "logs", "region": "eu-west-1" } }
    },
    {
      "address": "aws_sns_topic.gone", "mode": "managed", "type": "aws_sns_topic", "name": "gone",
      "provider_name": "registry.terraform.io/hashicorp/aws",
      "change": { "actions": ["create"], "after": { "name": "gone" } }
    }
  ],
  "configuration": {
    "provider_config": {
      "aws": {
        "name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
        "expressions": { "region": { "references": ["var.region"] } }
      }
    },
    "root_module": {
      "resources": [
        { "address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web", "provider_config_key": "aws" }
      ]
    }
  }
}
"#;

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        &[
            ("policies/us.pact", POLICY),
            ("envs/prod/main.tf", MAIN),
            ("envs/prod/plan.json", PLAN),
            ("modules/bucket/main.tf", MODULE),
        ],
    );
    dir
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> u64 {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle}"));
    text[..at].matches('\n').count() as u64 + 1
}

fn check(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = common::run_in(dir, &all);
    assert!(run.stderr.is_empty() || run.code != 2, "{}", run.stderr);
    (run.code, run.json())
}

/// `(path, line, region, plan address or "-")` of every finding.
fn located(doc: &Value) -> Vec<(String, u64, String, String)> {
    let mut out: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let d = &f["deployment"];
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                d["region"].as_str().unwrap_or("-").to_string(),
                d["plan"]["address"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn plan_values_are_reported_at_the_declarations_they_were_planned_from() {
    let dir = repo();
    let (code, doc) = check(dir.path(), &[]);
    assert_eq!(code, 1);
    let (web, queue) = (
        line_of(MAIN, "resource \"aws_instance\""),
        line_of(MAIN, "resource \"aws_sqs"),
    );
    assert_eq!(
        located(&doc),
        vec![
            // Planned: the plan's region, at the declaration (both instances of `count`).
            (
                "envs/prod/main.tf".into(),
                web,
                "eu-west-1".into(),
                "aws_instance.web[0]".into()
            ),
            (
                "envs/prod/main.tf".into(),
                web,
                "eu-west-1".into(),
                "aws_instance.web[1]".into()
            ),
            // Declared since the plan: read from source, as without a plan.
            (
                "envs/prod/main.tf".into(),
                queue,
                "us-east-1".into(),
                "-".into()
            ),
            // In the plan only (deleted from the configuration since): stays at the plan.
            (
                "envs/prod/plan.json".into(),
                line_of(PLAN, "\"address\": \"aws_sns_topic.gone\"") - 1,
                "eu-west-1".into(),
                "-".into()
            ),
            // A module's resource: at the module's declaration, the plan's module address.
            (
                "modules/bucket/main.tf".into(),
                1,
                "eu-west-1".into(),
                "module.logs.aws_s3_bucket.this".into()
            ),
        ]
    );
    let bucket = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "modules/bucket/main.tf")
        .unwrap();
    let d = &bucket["deployment"];
    assert_eq!(d["module"], "module.logs");
    assert_eq!(d["calls"][0]["path"], "envs/prod/main.tf");
    assert_eq!(d["plan"]["path"], "envs/prod/plan.json");
    let entry = line_of(PLAN, "\"address\": \"module.logs") - 1;
    assert_eq!(d["plan"]["line"], entry);
    assert!(
        d["provenance"]
            .as_array()
            .unwrap()
            .contains(&Value::from("envs/prod/plan.json")),
        "{d:#}"
    );
    let evidence = d["evidence"].to_string();
    assert!(
        evidence.contains(&format!(
            "region \\\"eu-west-1\\\" in the planned values in envs/prod/plan.json:{}",
            line_of(PLAN, "\"bucket\": \"logs\", \"region\"")
        )),
        "{evidence}"
    );
}

#[test]
fn the_plan_entry_is_a_related_location_in_sarif_and_human() {
    let dir = repo();
    let run = common::run_in(
        dir.path(),
        &["check", "--format", "sarif", "modules/bucket/main.tf"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif = run.json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let at = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(at["artifactLocation"]["uri"], "modules/bucket/main.tf");
    assert_eq!(at["region"]["startLine"], 1);
    let related: Vec<(String, u64)> = results[0]["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect();
    assert!(
        related.contains(&(
            "envs/prod/plan.json".into(),
            line_of(PLAN, "\"address\": \"module.logs") - 1
        )),
        "{related:?}"
    );
    assert!(related.contains(&("envs/prod/main.tf".into(), line_of(MAIN, "module \"logs\""))));

    let human = common::run_in(dir.path(), &["check", "modules/bucket/main.tf"]);
    assert!(
        human
            .stdout
            .contains("values from this plan entry (module.logs.aws_s3_bucket.this)"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_run_naming_the_plan_or_a_configuration_file_agrees_with_the_whole_run() {
    let dir = repo();
    let (_, whole) = check(dir.path(), &[]);
    let at = |doc: &Value, path: &str| -> Vec<(String, u64, String, String)> {
        located(doc).into_iter().filter(|f| f.0 == path).collect()
    };
    for named in [
        "envs/prod/plan.json",
        "envs/prod/main.tf",
        "modules/bucket/main.tf",
    ] {
        let (code, doc) = check(dir.path(), &[named]);
        assert_eq!(code, 1, "{named}");
        assert_eq!(at(&doc, named), at(&whole, named), "check {named}");
    }
    // Naming the plan reports what it decided, wherever it is located.
    let (_, plan) = check(dir.path(), &["envs/prod/plan.json"]);
    let planned: Vec<_> = located(&plan).into_iter().map(|f| f.3).collect();
    assert_eq!(
        planned,
        vec![
            "aws_instance.web[0]",
            "aws_instance.web[1]",
            "-",
            "module.logs.aws_s3_bucket.this"
        ]
    );
}

#[test]
fn a_plan_beside_no_configuration_is_read_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        &[("policies/us.pact", POLICY), ("plans/prod.json", PLAN)],
    );
    let (code, doc) = check(dir.path(), &[]);
    assert_eq!(code, 1);
    let found = located(&doc);
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(
        found.iter().all(|f| f.0 == "plans/prod.json" && f.3 == "-"),
        "{found:?}"
    );
}

#[test]
fn shards_keep_a_plan_with_its_configuration() {
    let dir = repo();
    let (_, whole) = check(dir.path(), &[]);
    let mut sharded = Vec::new();
    for shard in ["0/3", "1/3", "2/3"] {
        let (_, doc) = check(dir.path(), &["--shard", shard]);
        sharded.extend(located(&doc));
    }
    sharded.sort();
    assert_eq!(sharded, located(&whole));
}

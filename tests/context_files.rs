//! Files that set another file's values: Terraform variable files in JSON, ARM parameter files.
//! Naming the file that decides a value reports the deployment it decides, at the deployment's
//! own path (docs/detection.md, "Attributes and evidence").

mod common;

use std::path::Path;

use common::{f, findings, run_in, write};
use serde_json::Value;

const EEA_DATA: &str = "policy eea {\n  require data_in_eea {\n    where   kind in [storage, database]\n    assert  country in eea\n    unknown warn\n  }\n}\n";

fn repo(root: &Path) {
    write(
        root,
        &[
            ("cloudpact.yaml", "policies: [policies/]\n"),
            ("policies/eea.pact", EEA_DATA),
            (
                "db/main.tf",
                "resource \"azurerm_postgresql_flexible_server\" \"orders\" {\n  name     = \"orders\"\n  location = var.location\n}\n",
            ),
            (
                "db/variables.tf",
                "variable \"location\" {\n  default = \"francecentral\"\n}\n",
            ),
            (
                "db/prod.auto.tfvars.json",
                "{\n  \"location\": \"canadacentral\"\n}\n",
            ),
        ],
    );
}

/// The inventory entry of the deployment at `path`.
fn inventoried(root: &Path, path: &str) -> Value {
    let run = run_in(root, &["inventory", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    doc["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == path)
        .unwrap_or_else(|| panic!("no deployment at {path}: {doc}"))
        .clone()
}

#[test]
fn an_auto_tfvars_json_sets_the_region_and_naming_it_reports_the_deployment() {
    let tmp = tempfile::tempdir().unwrap();
    repo(tmp.path());
    let want = vec![f("eea.data_in_eea", "db/main.tf", 1, "error")];
    let named = run_in(
        tmp.path(),
        &["check", "db/prod.auto.tfvars.json", "--format", "json"],
    );
    assert_eq!(named.code, 1, "{}", named.stderr);
    assert_eq!(findings(&named.json()), want);
    let whole = run_in(tmp.path(), &["check", "--format", "json"]);
    assert_eq!(whole.code, 1, "{}", whole.stderr);
    assert_eq!(findings(&whole.json()), want);
    let dep = inventoried(tmp.path(), "db/main.tf");
    assert_eq!(dep["region"], "canadacentral");
    assert_eq!(dep["country"], "ca");
    assert!(
        dep.to_string().contains("db/prod.auto.tfvars.json:2"),
        "{dep}"
    );
}

fn arm_repo(root: &Path) {
    write(
        root,
        &[
            ("cloudpact.yaml", "policies: [policies/]\n"),
            ("policies/eea.pact", EEA_DATA),
            (
                "arm/storage.json",
                r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {
    "location": { "type": "string", "defaultValue": "westeurope" }
  },
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "name": "exports",
      "location": "[parameters('location')]"
    }
  ]
}
"#,
            ),
            (
                "arm/storage.parameters.json",
                "{\n  \"parameters\": {\n    \"location\": { \"value\": \"southafricanorth\" }\n  }\n}\n",
            ),
        ],
    );
}

#[test]
fn an_arm_parameter_file_sets_the_region_and_naming_it_reports_the_template() {
    let tmp = tempfile::tempdir().unwrap();
    arm_repo(tmp.path());
    let want = vec![f("eea.data_in_eea", "arm/storage.json", 7, "error")];
    for named in ["arm/storage.parameters.json", "arm/storage.json"] {
        let run = run_in(tmp.path(), &["check", named, "--format", "json"]);
        assert_eq!(run.code, 1, "{named}: {}", run.stderr);
        assert_eq!(findings(&run.json()), want, "{named}");
    }
    let whole = run_in(tmp.path(), &["check", "--format", "json"]);
    assert_eq!(whole.code, 1, "{}", whole.stderr);
    assert_eq!(findings(&whole.json()), want);
    let dep = inventoried(tmp.path(), "arm/storage.json");
    assert_eq!(dep["region"], "southafricanorth");
    assert_eq!(dep["country"], "za");
    assert!(
        dep.to_string().contains("arm/storage.parameters.json:3"),
        "{dep}"
    );
}

//! Files as their own tools read them: HCL that terraform accepts, UTF-16 files, multi-region
//! locations and their countries, Bicep parameter files and modules (docs/detection.md).

mod common;

use std::path::Path;

use common::{f, findings, run_in, write};
use serde_json::Value;

const EU_DATA: &str = "policy eu {\n  require data_in_eu {\n    where   kind in [storage, database]\n    assert  country in eu\n    unknown warn\n  }\n}\n";

/// The inventory entries of a repository, after checking the run succeeded.
fn inventory(root: &Path) -> Vec<Value> {
    let run = run_in(root, &["inventory", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()["deployments"].as_array().unwrap().clone()
}

fn entry<'a>(deps: &'a [Value], path: &str, name: &str) -> &'a Value {
    deps.iter()
        .find(|d| d["path"] == path && d["name"] == name)
        .unwrap_or_else(|| panic!("no {name} at {path}: {deps:?}"))
}

#[test]
fn a_conditional_broken_inside_a_for_expression_is_not_a_parse_error() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("cloudpact.yaml", "policies: [policies/]\n"),
            ("policies/eu.pact", EU_DATA),
            (
                "infra/main.tf",
                concat!(
                    "locals {\n",
                    "  sizes = { for k in var.names : k => k == \"a\" ? 1 :\n",
                    "    2 }\n",
                    "}\n",
                    "resource \"google_storage_bucket\" \"logs\" {\n",
                    "  name     = \"logs\"\n",
                    "  location = \"us-central1\"\n",
                    "}\n",
                ),
            ),
        ],
    );
    let run = run_in(tmp.path(), &["check", "--format", "json"]);
    assert_eq!(
        findings(&run.json()),
        vec![f("eu.data_in_eu", "infra/main.tf", 5, "error")],
        "{}",
        run.stdout
    );
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16() {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_files_with_a_byte_order_mark_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("cloudpact.yaml", "policies: [policies/]\n"),
            ("policies/eu.pact", EU_DATA),
        ],
    );
    let tf = "# é\nresource \"azurerm_storage_account\" \"sa\" {\n  location = \"eastus\"\n}\n";
    std::fs::create_dir_all(tmp.path().join("infra")).unwrap();
    std::fs::write(tmp.path().join("infra/le.tf"), utf16(tf, false)).unwrap();
    std::fs::write(tmp.path().join("infra/be.tf"), utf16(tf, true)).unwrap();
    let run = run_in(tmp.path(), &["check", "--format", "json"]);
    // Both files are read, and the finding is on the declaration's line of the decoded text.
    assert_eq!(
        findings(&run.json()),
        vec![
            f("eu.data_in_eu", "infra/be.tf", 2, "error"),
            f("eu.data_in_eu", "infra/le.tf", 2, "error"),
        ],
        "{}",
        run.stdout
    );
}

#[test]
fn a_multi_region_bucket_is_in_the_eu_without_a_single_country() {
    let tmp = tempfile::tempdir().unwrap();
    let germany = "policy de {\n  require data_in_germany {\n    where   kind == storage\n    assert  country == \"de\"\n    unknown warn\n  }\n}\n";
    write(
        tmp.path(),
        &[
            ("cloudpact.yaml", "policies: [policies/]\n"),
            ("policies/eu.pact", EU_DATA),
            ("policies/de.pact", germany),
            (
                "infra/main.tf",
                concat!(
                    "resource \"google_storage_bucket\" \"eu\" {\n  name = \"a\"\n  location = \"EU\"\n}\n",
                    "resource \"google_storage_bucket\" \"us\" {\n  name = \"b\"\n  location = \"US\"\n}\n",
                    "resource \"google_storage_bucket\" \"eur4\" {\n  name = \"c\"\n  location = \"EUR4\"\n}\n",
                    "resource \"google_storage_bucket\" \"asia\" {\n  name = \"d\"\n  location = \"ASIA\"\n}\n",
                ),
            ),
        ],
    );
    let run = run_in(tmp.path(), &["check", "--format", "json"]);
    let mut got = findings(&run.json());
    got.sort();
    assert_eq!(
        got,
        vec![
            // `country == "de"`: unknown for EU (no single country, Germany one of them) and
            // ASIA, false for US and for EUR4 (none of its countries is Germany).
            f("de.data_in_germany", "infra/main.tf", 1, "warning"),
            f("de.data_in_germany", "infra/main.tf", 5, "error"),
            f("de.data_in_germany", "infra/main.tf", 9, "error"),
            f("de.data_in_germany", "infra/main.tf", 13, "warning"),
            // `country in eu`: true for EU and EUR4, false for US, unknown for ASIA.
            f("eu.data_in_eu", "infra/main.tf", 5, "error"),
            f("eu.data_in_eu", "infra/main.tf", 13, "warning"),
        ],
        "{}",
        run.stdout
    );
    let deps = inventory(tmp.path());
    let eu = entry(&deps, "infra/main.tf", "eu");
    assert_eq!(eu["country"], Value::Null);
    assert_eq!(eu["countries"].as_array().unwrap().len(), 27);
    assert!(
        eu.to_string()
            .contains("gcp multi-region location eu may keep data in at, be"),
        "{eu}"
    );
    assert_eq!(
        entry(&deps, "infra/main.tf", "eur4")["countries"],
        serde_json::json!(["be", "fi", "nl"])
    );
    assert_eq!(entry(&deps, "infra/main.tf", "asia").get("countries"), None);
    // The table shows the set where the country goes.
    let table = run_in(tmp.path(), &["inventory"]);
    assert!(table.stdout.contains("be|fi|nl"), "{}", table.stdout);
}

fn bicep_repo(root: &Path) {
    write(
        root,
        &[
            ("cloudpact.yaml", "policies: [policies/]\n"),
            ("policies/eu.pact", EU_DATA),
            (
                "infra/main.bicep",
                concat!(
                    "param location string = 'westeurope'\n",
                    "param dataLocation string = 'westeurope'\n",
                    "resource vault 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n",
                    "  name: 'vault'\n  location: location\n}\n",
                    "module data './modules/storage.bicep' = {\n",
                    "  name: 'data'\n  params: {\n    location: dataLocation\n  }\n}\n",
                ),
            ),
            (
                "infra/main.bicepparam",
                "using './main.bicep'\n\nparam location = 'eastus'\n",
            ),
            (
                "infra/modules/storage.bicep",
                "param location string = resourceGroup().location\nresource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st'\n  location: location\n}\n",
            ),
            // A template no parameter file uses: its defaults.
            (
                "other/app.bicep",
                "resource db 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {\n  name: 'db'\n  location: 'brazilsouth'\n}\n",
            ),
        ],
    );
}

#[test]
fn a_bicepparam_file_sets_its_template_and_a_module_call_its_module() {
    let tmp = tempfile::tempdir().unwrap();
    bicep_repo(tmp.path());
    let whole = run_in(tmp.path(), &["check", "--format", "json"]);
    assert_eq!(whole.code, 1, "{}", whole.stderr);
    assert_eq!(
        findings(&whole.json()),
        vec![
            f("eu.data_in_eu", "infra/main.bicep", 3, "error"),
            f("eu.data_in_eu", "other/app.bicep", 1, "error"),
        ],
        "{}",
        whole.stdout
    );
    let deps = inventory(tmp.path());
    let vault = entry(&deps, "infra/main.bicep", "vault");
    assert_eq!(vault["region"], "eastus");
    assert!(
        vault
            .to_string()
            .contains("parameter location 'eastus' in infra/main.bicepparam:3"),
        "{vault}"
    );
    assert_eq!(
        vault["provenance"],
        serde_json::json!(["infra/main.bicepparam"])
    );
    // The module's resource, located in the module file, with the caller's value and call site.
    let st = entry(&deps, "infra/modules/storage.bicep", "st");
    assert_eq!(st["region"], "westeurope");
    assert!(
        st.to_string().contains(
            "parameter dataLocation default 'westeurope' in infra/main.bicep:2, via module data (infra/main.bicep:7)"
        ),
        "{st}"
    );
    assert_eq!(st["provenance"], serde_json::json!(["infra/main.bicep"]));
    assert_eq!(
        deps.iter()
            .filter(|d| d["path"] == "infra/modules/storage.bicep")
            .count(),
        1,
        "a module file is not also evaluated on its own"
    );
}

#[test]
fn naming_a_bicepparam_file_reports_the_deployments_it_decides() {
    let tmp = tempfile::tempdir().unwrap();
    bicep_repo(tmp.path());
    // As pre-commit calls it: only the parameter file changed.
    let named = run_in(
        tmp.path(),
        &["check", "infra/main.bicepparam", "--format", "json"],
    );
    assert_eq!(named.code, 1, "{}", named.stderr);
    assert_eq!(
        findings(&named.json()),
        vec![f("eu.data_in_eu", "infra/main.bicep", 3, "error")],
        "{}",
        named.stdout
    );
    // From another folder, the parameter file still finds its template.
    let sub = tmp.path().join("infra");
    let named = run_in(&sub, &["check", "main.bicepparam", "--format", "json"]);
    assert_eq!(
        findings(&named.json()),
        vec![f("eu.data_in_eu", "infra/main.bicep", 3, "error")]
    );
    // Naming the module file: its own deployment, with the value its caller gave.
    let named = run_in(
        tmp.path(),
        &["check", "infra/modules/storage.bicep", "--format", "json"],
    );
    assert_eq!(named.code, 0, "{}", named.stdout);
    assert_eq!(findings(&named.json()), vec![]);
}

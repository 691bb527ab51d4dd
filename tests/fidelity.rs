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

//! One repository, one answer: the same findings, at the same repository-relative paths,
//! whether cloudpact checks the whole repository, a subfolder, named files (pre-commit) or runs
//! from a subfolder (docs/architecture.md, "One repository, one answer").

mod common;

use std::path::Path;

use common::{f, findings, run_in, write};

const EU_STORAGE: &str = "policy eu {\n  require storage_in_eu {\n    where  kind == storage\n    assert country in eu\n    unknown allow\n  }\n}\n";

/// A Terraform folder whose region is decided in a sibling file.
fn terraform_repo(root: &Path) {
    write(
        root,
        &[
            ("cloudpact.yaml", "policies: [policies/]\n"),
            ("policies/eu.pact", EU_STORAGE),
            (
                "infra/main.tf",
                "provider \"aws\" {\n  region = var.region\n}\n\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n",
            ),
            (
                "infra/variables.tf",
                "variable \"region\" {\n  default = \"us-east-1\"\n}\n",
            ),
            (
                "infra/outputs.tf",
                "output \"name\" {\n  value = \"logs\"\n}\n",
            ),
        ],
    );
}

#[test]
fn a_named_file_is_evaluated_with_its_terraform_folder() {
    let tmp = tempfile::tempdir().unwrap();
    terraform_repo(tmp.path());
    let want = vec![f("eu.storage_in_eu", "infra/main.tf", 5, "error")];
    let whole = run_in(tmp.path(), &["check", "--format", "json"]);
    assert_eq!(whole.code, 1, "{}", whole.stderr);
    assert_eq!(findings(&whole.json()), want);
    // Pre-commit names the changed file only: the region still comes from variables.tf.
    let named = run_in(tmp.path(), &["check", "infra/main.tf", "--format", "json"]);
    assert_eq!(named.code, 1, "{}", named.stderr);
    assert_eq!(findings(&named.json()), want);
}

#[test]
fn changing_the_file_a_value_comes_from_reports_the_deployment_it_decides() {
    let tmp = tempfile::tempdir().unwrap();
    terraform_repo(tmp.path());
    let vars = run_in(
        tmp.path(),
        &["check", "infra/variables.tf", "--format", "json"],
    );
    assert_eq!(vars.code, 1, "{}", vars.stderr);
    let doc = vars.json();
    assert_eq!(
        findings(&doc),
        vec![f("eu.storage_in_eu", "infra/main.tf", 5, "error")]
    );
    let provenance = &doc["findings"][0]["deployment"]["provenance"];
    assert_eq!(provenance, &serde_json::json!(["infra/variables.tf"]));
    // A file of the folder that decides nothing reports nothing.
    let outputs = run_in(
        tmp.path(),
        &["check", "infra/outputs.tf", "--format", "json"],
    );
    assert_eq!(outputs.code, 0, "{}", outputs.stdout);
    assert!(findings(&outputs.json()).is_empty());
}

/// The v6 layout: config at the root, policies in `rules/`, records reached through `..`.
fn anchored_repo(root: &Path) {
    write(
        root,
        &[
            (
                "cloudpact.yaml",
                "policies: [rules/]\nexclude: [\"platform/sandbox/**\"]\nwaivers:\n  - rule: hosting.no_hetzner\n    where: 'path == \"platform/core/old.tf\"'\n    reason: \"Being migrated\"\n",
            ),
            (
                "rules/hosting.pact",
                "policy hosting {\n  deny no_hetzner {\n    provider hetzner\n  }\n\n  first_refusal gpu {\n    holder   gcp\n    over     aws, azure\n    where    gpu\n    refusals \"../records/*.yaml\"\n  }\n}\n",
            ),
            (
                "records/declined.yaml",
                "- id: GCP-1\n  holder: gcp\n  granted_to: [aws]\n  declined_on: 2026-01-15\n  reason: \"No quota.\"\n",
            ),
            (
                "platform/core/main.tf",
                "resource \"hcloud_server\" \"bastion\" {\n  location = \"fsn1\"\n}\n",
            ),
            (
                "platform/core/old.tf",
                "resource \"hcloud_server\" \"old\" {\n  location = \"nbg1\"\n}\n",
            ),
            (
                "platform/sandbox/try.tf",
                "resource \"hcloud_server\" \"sandbox\" {\n  location = \"hel1\"\n}\n",
            ),
        ],
    );
}

#[test]
fn a_subfolder_scan_uses_the_root_config_and_judges_no_whole_repository_rule() {
    let tmp = tempfile::tempdir().unwrap();
    anchored_repo(tmp.path());
    let run = run_in(
        tmp.path(),
        &[
            "check",
            "platform",
            "--format",
            "json",
            "--as-of",
            "2026-06-01",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    // Excluded by the root's config, waived by it, and no unused-refusal on a subfolder.
    assert_eq!(
        findings(&doc),
        vec![f("hosting.no_hetzner", "platform/core/main.tf", 1, "error")]
    );
    let suppressed: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"].as_bool() == Some(true))
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(suppressed, ["platform/core/old.tf"]);
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    assert!(
        !run.stdout.contains(root.to_str().unwrap()),
        "no absolute path in the report:\n{}",
        run.stdout
    );
    // The whole repository judges the unused record, at its normalised path.
    let whole = run_in(
        tmp.path(),
        &["check", "--format", "json", "--as-of", "2026-06-01"],
    );
    assert!(
        findings(&whole.json()).contains(&f(
            "cloudpact.unused-refusal",
            "records/declined.yaml",
            1,
            "warning"
        )),
        "{}",
        whole.stdout
    );
}

#[test]
fn running_from_a_subfolder_keeps_repository_paths_in_reports_and_local_ones_in_short() {
    let tmp = tempfile::tempdir().unwrap();
    anchored_repo(tmp.path());
    let core = tmp.path().join("platform/core");
    let args = ["check", "main.tf", "old.tf", "--as-of", "2026-06-01"];
    let json = run_in(&core, &[&args[..], &["--format", "json"]].concat());
    assert_eq!(json.code, 1, "{}", json.stderr);
    assert_eq!(
        findings(&json.json()),
        vec![f("hosting.no_hetzner", "platform/core/main.tf", 1, "error")]
    );
    let short = run_in(&core, &[&args[..], &["--format", "short"]].concat());
    assert_eq!(
        short.stdout,
        "main.tf:1:1: error[hosting.no_hetzner] `hcloud_server` `bastion` runs on hetzner, which `hosting.no_hetzner` denies\n",
        "{}",
        short.stderr
    );
    // An explicitly named file that `exclude` skips is not checked.
    let excluded = run_in(
        tmp.path(),
        &["check", "platform/sandbox/try.tf", "--format", "json"],
    );
    assert_eq!(excluded.code, 0, "{}", excluded.stdout);
    assert!(findings(&excluded.json()).is_empty());
}

#[test]
fn refusal_records_are_policy_inputs_not_infrastructure() {
    let tmp = tempfile::tempdir().unwrap();
    // The layout `cloudpact init` writes: records beside, not under, the policies.
    write(
        tmp.path(),
        &[
            (
                "policies/p.pact",
                "policy p {\n  first_refusal gpu {\n    holder   azure\n    over     aws\n    where    gpu\n    refusals \"../refusals/*.yaml\"\n  }\n}\n",
            ),
            (
                "refusals/r.yaml",
                "# cloudpact:ignore cloudpact.unused-refusal -- kept for the audit trail\n- id: AZ-1\n  holder: azure\n  granted_to: [aws]\n  declined_on: 2026-01-15\n  reason: \"No capacity.\"\n",
            ),
            (
                "infra/main.tf",
                "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
            ),
        ],
    );
    let run = run_in(
        tmp.path(),
        &["check", "--format", "json", "--as-of", "2026-06-01"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let doc = run.json();
    assert!(findings(&doc).is_empty(), "{}", run.stdout);
    let all = doc["findings"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{}", run.stdout);
    assert_eq!(all[0]["rule"], "cloudpact.unused-refusal");
    assert_eq!(all[0]["path"], "refusals/r.yaml");
    assert_eq!(all[0]["suppressed"], true);
    // Not scanned as infrastructure: one file scanned, no deployment from the record.
    assert_eq!(doc["summary"]["files"], 1, "{}", run.stdout);
    let inventory = run_in(tmp.path(), &["inventory", "--format", "json"]);
    assert!(
        !inventory.stdout.contains("refusals/r.yaml"),
        "{}",
        inventory.stdout
    );
}

#[test]
fn every_format_names_a_file_the_same_way() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("cloudpact.yaml", "policies: [pol/]\n"),
            (
                "pol/p.pact",
                "policy p {\n  share azure_share {\n    provider azure\n    at_least 75%\n  }\n}\n",
            ),
            (
                "infra/main.tf",
                "resource \"aws_instance\" \"a\" {\n  ami = \"x\"\n}\n",
            ),
        ],
    );
    let infra = tmp.path().join("infra");
    for format in ["json", "sarif", "github", "gitlab", "junit"] {
        let run = run_in(&infra, &["check", "..", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(
            run.stdout.contains("pol/p.pact"),
            "{format}: {}",
            run.stdout
        );
        assert!(!run.stdout.contains("../"), "{format}: {}", run.stdout);
    }
    // From `infra/`, terminal formats show the path that opens from there.
    for format in ["short", "human"] {
        let run = run_in(&infra, &["check", "..", "--format", format]);
        assert!(
            run.stdout.contains("../pol/p.pact:"),
            "{format}: {}",
            run.stdout
        );
        assert!(
            !run.stdout.contains("infra/../"),
            "{format}: {}",
            run.stdout
        );
    }
}

#[test]
fn a_star_in_exclude_stays_in_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let bucket = "resource \"hcloud_server\" \"s\" {\n  location = \"fsn1\"\n}\n";
    write(
        tmp.path(),
        &[
            (
                "policies/p.pact",
                "policy p {\n  deny no_hetzner {\n    provider hetzner\n  }\n}\n",
            ),
            ("a/main.tf", bucket),
            ("a/b/main.tf", bucket),
        ],
    );
    let run = run_in(
        tmp.path(),
        &["check", "--exclude", "a/*.tf", "--format", "json"],
    );
    assert_eq!(
        findings(&run.json()),
        vec![f("p.no_hetzner", "a/b/main.tf", 1, "error")]
    );
}

#[test]
fn no_ignore_also_turns_off_cloudpactignore() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            (
                "policies/p.pact",
                "policy p {\n  deny no_hetzner {\n    provider hetzner\n  }\n}\n",
            ),
            (".cloudpactignore", "legacy/\n"),
            (
                "legacy/main.tf",
                "resource \"hcloud_server\" \"s\" {\n  location = \"fsn1\"\n}\n",
            ),
        ],
    );
    let honoured = run_in(tmp.path(), &["check", "--format", "json"]);
    assert!(findings(&honoured.json()).is_empty(), "{}", honoured.stdout);
    let all = run_in(tmp.path(), &["check", "--no-ignore", "--format", "json"]);
    assert_eq!(
        findings(&all.json()),
        vec![f("p.no_hetzner", "legacy/main.tf", 1, "error")]
    );
}

/// A report written into the repository (`--output`, GitLab's `gl-code-quality-report.json`)
/// quotes the hosts and regions it found; the next run must not read it as infrastructure.
#[test]
fn reports_written_into_the_repository_are_not_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            (
                "policies/p.pact",
                "policy p {\n  deny no_aws {\n    provider aws\n  }\n}\n",
            ),
            (
                "app/.env",
                "QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123/jobs\n",
            ),
        ],
    );
    let first = run_in(tmp.path(), &["check", "--format", "json"]);
    let want = findings(&first.json());
    assert_eq!(want.len(), 1, "{}", first.stdout);
    for (format, file) in [
        ("json", "report.json"),
        ("sarif", "cloudpact.sarif.json"),
        ("gitlab", "gl-code-quality-report.json"),
    ] {
        let run = run_in(tmp.path(), &["check", "--format", format, "--output", file]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        let again = run_in(tmp.path(), &["check", "--format", "json"]);
        assert_eq!(findings(&again.json()), want, "after writing {file}");
    }
}

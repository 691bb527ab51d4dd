//! Every policy of the library in `policies/` runs against a fixture repository and reports
//! exactly what its terms say.

mod common;

use common::{f, findings, project, run_in};

fn check(repo: &str, as_of: &str) -> (i32, Vec<(String, String, u64, String)>) {
    let dir = project(&format!("policies/tests/{repo}"));
    let run = run_in(&dir, &["check", ".", "--format", "json", "--as-of", as_of]);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    (run.code, findings(&run.json()))
}

#[test]
fn single_cloud_flags_other_clouds_and_warns_on_unknown() {
    let (code, got) = check("single-cloud", "2026-01-01");
    assert_eq!(code, 1);
    assert_eq!(
        got,
        [
            f(
                "single_cloud.everything_on_aws",
                "infra/main.tf",
                9,
                "error"
            ),
            f(
                "single_cloud.everything_on_aws",
                "infra/main.tf",
                15,
                "warning"
            ),
        ]
    );
}

#[test]
fn single_cloud_is_inactive_before_its_window() {
    let (code, got) = check("single-cloud", "2024-12-31");
    assert_eq!((code, got.len()), (0, 0));
}

#[test]
fn eu_residency_checks_countries_and_unknown_regions() {
    let (code, got) = check("eu-residency", "2026-01-01");
    assert_eq!(code, 1);
    assert_eq!(
        got,
        [
            f(
                "eu_residency.customer_data_in_eu",
                "infra/main.tf",
                12,
                "error"
            ),
            f(
                "eu_residency.customer_data_in_eu",
                "infra/main.tf",
                22,
                "warning"
            ),
        ]
    );
}

#[test]
fn committed_spend_reports_the_share_at_the_rule() {
    let (code, got) = check("committed-spend", "2026-01-01");
    assert_eq!(code, 1);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "committed_spend.compute_on_aws");
    // The finding sits on the rule, shown relative to the scan root.
    assert_eq!(got[0].1, "../../committed-spend.pact");
    let dir = project("policies/tests/committed-spend");
    let run = run_in(
        &dir,
        &["check", ".", "--format", "json", "--as-of", "2026-01-01"],
    );
    let msg = run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("3 of 4 in-scope deployments (75%)"), "{msg}");
}

#[test]
fn model_apis_deny_direct_vendor_endpoints() {
    let (code, got) = check("model-apis", "2026-01-01");
    assert_eq!(code, 1);
    assert_eq!(
        got,
        [
            f("model_apis.direct_model_apis", "app/.env", 4, "error"),
            f("model_apis.direct_model_apis", "app/.env", 5, "error"),
        ]
    );
}

#[test]
fn microsoft_openai_example_breaks_the_terms_where_expected() {
    let dir = project("examples/openai-stargate");
    let run = run_in(
        &dir,
        &["check", ".", "--format", "json", "--as-of", "2026-06-01"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let got = findings(&run.json());
    let rules: Vec<(&str, &str)> = got.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect();
    assert_eq!(
        rules,
        [
            ("microsoft_openai.new_capacity", "aws/training/eks.tf"),
            ("microsoft_openai.new_capacity", "aws/training/eks.tf"),
            ("microsoft_openai.new_capacity", "burst/coreweave.tf"),
            ("microsoft_openai.api_on_azure", "gcp/assets/bucket.tf"),
        ]
    );
    let doc = run.json();
    let burst = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["path"] == "burst/coreweave.tf")
        .unwrap();
    assert!(
        burst["message"]
            .as_str()
            .unwrap()
            .contains("ROFR-2025-002 expired on 2025-12-31"),
        "{burst}"
    );
}

#[test]
fn cloudpact_test_runs_the_library_policy_tests() {
    let run = run_in(&project("."), &["test", "policies/tests"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("running 5 cases"), "{}", run.stdout);
    assert!(
        run.stdout.contains("test result: ok. 5 passed; 0 failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn cloudpact_test_reports_a_failing_case_like_cargo() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.pact"),
        "policy p {\n  exclusive all { provider aws }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"google_storage_bucket\" \"b\" {\n  name = \"b\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cloudpact-test.yaml"),
        "as_of: 2026-01-01\npolicies: [p.pact]\nexpect:\n  - {rule: p.all, path: main.tf, line: 2}\n",
    )
    .unwrap();
    let run = run_in(dir.path(), &["test"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("... FAILED"), "{}", run.stdout);
    assert!(
        run.stdout.contains("missing:    p.all at main.tf:2"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("unexpected: p.all at main.tf:1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("test result: FAILED. 0 passed; 1 failed"),
        "{}",
        run.stdout
    );
}

//! The integration files users copy: `.pre-commit-hooks.yaml` and the CI recipes in docs/ci/.

use serde_yaml::Value;

fn load(path: &str) -> Value {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v:?}"))
}

#[test]
fn pre_commit_hooks_have_what_pre_commit_requires() {
    let hooks = load(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().map(|h| s(h, "id")).collect();
    assert_eq!(ids, ["cloudpact", "cloudpact-system"]);
    for h in hooks {
        for key in ["id", "name", "entry", "language"] {
            assert!(!s(h, key).is_empty(), "{key}");
        }
        assert_eq!(s(h, "entry"), "cloudpact check");
        assert_eq!(h["require_serial"], Value::Bool(true));
    }
    assert_eq!(s(&hooks[0], "language"), "rust");
    assert_eq!(s(&hooks[1], "language"), "system");
}

#[test]
fn pre_commit_files_pattern_selects_the_formats_cloudpact_reads() {
    let hooks = load(".pre-commit-hooks.yaml");
    for h in hooks.as_sequence().unwrap() {
        // pre-commit matches `files` with Python's re.search; this pattern is also valid for
        // the regex crate.
        let re = regex::Regex::new(s(h, "files")).unwrap();
        for yes in [
            "main.tf",
            "env/prod.tfvars",
            "terragrunt.hcl",
            "k8s/deploy.yaml",
            ".github/workflows/ci.yml",
            "azuredeploy.json",
            "plan.tf.json",
            "infra/main.bicep",
            "infra/main.bicepparam",
            ".env",
            "app/.env.production",
            "prod.env",
            "pyproject.toml",
            "settings.ini",
            "application.properties",
        ] {
            assert!(re.is_match(yes), "{yes} should be checked");
        }
        for no in [
            "README.md",
            "src/main.rs",
            "policies/a.pact",
            "image.png",
            "envoy.cfg",
        ] {
            assert!(!re.is_match(no), "{no} should not be checked");
        }
    }
}

#[test]
fn github_actions_recipe_uploads_sarif_always() {
    let wf = load("docs/ci/github-actions.yml");
    let job = &wf["jobs"]["cloudpact"];
    assert_eq!(s(&job["permissions"], "security-events"), "write");
    let steps = job["steps"].as_sequence().unwrap();
    let runs: Vec<&str> = steps.iter().filter_map(|st| st["run"].as_str()).collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("--format sarif --output cloudpact.sarif"))
    );
    assert!(runs.iter().any(|r| r.contains("--format github")));
    assert!(runs.iter().any(|r| r.contains("cargo install --locked")));
    // Pull requests fail on what they introduce; scheduled runs look 30 days ahead.
    let checkout = steps
        .iter()
        .find(|st| {
            st["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@"))
        })
        .expect("a checkout step");
    assert_eq!(checkout["with"]["fetch-depth"].as_u64(), Some(0));
    assert!(
        runs.iter()
            .any(|r| r.contains("--new-since \"origin/${{ github.base_ref }}\""))
    );
    assert!(runs.iter().any(|r| r.contains("--horizon 30d")));
    assert!(
        wf["on"]["schedule"]
            .as_sequence()
            .is_some_and(|s| !s.is_empty())
    );
    let upload = steps
        .iter()
        .find(|st| {
            st["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@v4"))
        })
        .expect("an upload-sarif step");
    assert_eq!(s(upload, "if"), "always()");
    assert_eq!(s(&upload["with"], "sarif_file"), "cloudpact.sarif");
}

#[test]
fn gitlab_recipe_publishes_code_quality_and_junit() {
    let ci = load("docs/ci/gitlab-ci.yml");
    let job = &ci["cloudpact"];
    let reports = &job["artifacts"]["reports"];
    let cq = s(reports, "codequality");
    let junit = s(reports, "junit");
    assert_eq!(s(&job["artifacts"], "when"), "always");
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        script
            .iter()
            .any(|l| l.contains(&format!("--format gitlab --output {cq}")))
    );
    assert!(
        script
            .iter()
            .any(|l| l.contains(&format!("--format junit --output {junit}")))
    );
    assert_eq!(job["variables"]["GIT_DEPTH"].as_u64(), Some(0));
    assert!(script.iter().any(|l| {
        l.contains("--new-since \"origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME\"")
            && l.contains("--horizon 30d")
    }));
}

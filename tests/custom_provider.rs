//! A provider added through `providers:` in cloudpact.yaml works in policies and in every
//! format that carries the signals it names.

mod common;

use common::run_in;

#[test]
fn a_configured_provider_is_detected_in_every_format_and_usable_in_policies() {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "cloudpact.yaml",
        "providers:\n  - id: stargate\n    name: Stargate\n    aliases: [sg]\n    terraform_prefixes: [stargate_]\n    hosts: [\"*.stargate.example\"]\n    registries: [\"registry.stargate.example\"]\n",
    );
    w(
        "policies/p.pact",
        "policy p {\n  deny no_stargate { provider sg }\n}\n",
    );
    w(
        "infra/main.tf",
        "resource \"stargate_cluster\" \"c\" {\n  size = 4\n}\n",
    );
    w("app/.env", "GPU_API=https://gpu.stargate.example/v1\n");
    w(
        "k8s/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.stargate.example/app:1\n",
    );
    let run = run_in(
        dir.path(),
        &["check", ".", "--format", "json", "--as-of", "2026-01-01"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let got: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["deployment"]["provider"]
                    .as_str()
                    .unwrap_or("-")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("app/.env".to_string(), "stargate".to_string()),
            ("infra/main.tf".to_string(), "stargate".to_string()),
            ("k8s/app.yaml".to_string(), "stargate".to_string()),
        ]
    );
    let providers = run_in(dir.path(), &["providers"]);
    assert!(
        providers.stdout.contains("stargate — Stargate"),
        "{}",
        providers.stdout
    );
}

#[test]
fn an_unknown_provider_in_a_policy_is_an_error_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/p.pact"),
        "policy p {\n  deny d { provider azur }\n}\n",
    )
    .unwrap();
    let run = run_in(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown provider `azur`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `azure`?"),
        "{}",
        run.stderr
    );
}

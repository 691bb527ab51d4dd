use super::*;
use crate::facts::catalog::Catalog;
use crate::parse::tree::Value;

fn doc(text: &str) -> Node {
    crate::parse::yaml::parse_str(text).unwrap().remove(0)
}

#[test]
fn formats_by_name() {
    let f = format_by_name;
    assert_eq!(
        f(".github/workflows/ci.yml"),
        Some(YamlFormat::GithubActions)
    );
    assert_eq!(f("sub/.gitlab-ci.yml"), Some(YamlFormat::GitlabCi));
    assert_eq!(
        f("azure-pipelines.release.yml"),
        Some(YamlFormat::AzurePipelines)
    );
    assert_eq!(f("docker-compose.override.yml"), Some(YamlFormat::Compose));
    assert_eq!(f("compose.yaml"), Some(YamlFormat::Compose));
    assert_eq!(f("svc/serverless.yml"), Some(YamlFormat::Serverless));
    assert_eq!(f("Pulumi.yaml"), Some(YamlFormat::PulumiProject));
    assert_eq!(f("x/Pulumi.dev.yaml"), Some(YamlFormat::PulumiStack));
    assert_eq!(f("chart/Chart.yaml"), Some(YamlFormat::Metadata));
    assert_eq!(f("k8s/app.yaml"), None);
    assert_eq!(f("composer.json"), None);
}

#[test]
fn formats_by_content() {
    let c = |path, text| format_by_content(path, &doc(text));
    assert_eq!(
        c("a.yaml", "apiVersion: v1\nkind: Service\n"),
        YamlFormat::Kubernetes
    );
    assert_eq!(
        c("a.yaml", "Resources:\n  B: {Type: 'AWS::S3::Bucket'}\n"),
        YamlFormat::Cloudformation
    );
    assert_eq!(
        c("a.yaml", "Resources:\n  B: {Type: 'Other'}\n"),
        YamlFormat::Config
    );
    assert_eq!(
        c("values.yaml", "image: {repository: x}\n"),
        YamlFormat::HelmValues
    );
    assert_eq!(
        c("x.yml", "service: s\nprovider: {name: aws}\n"),
        YamlFormat::Serverless
    );
    assert_eq!(
        c("x.yml", "services:\n  a: {image: x}\n"),
        YamlFormat::Compose
    );
    assert_eq!(
        c("playbook.yml", "- hosts: all\n  tasks: []\n"),
        YamlFormat::Ansible
    );
    assert_eq!(c("settings.yml", "url: https://x\n"), YamlFormat::Config);
}

#[test]
fn parse_errors_become_diagnostics() {
    let text = include_str!("../../tests/fixtures/broken/tabs.yaml");
    let file = Arc::new(SourceFile::new("infra/tabs.yaml", text));
    let catalog = Catalog::builtin();
    let out = extract(&file, Ctx::new(&catalog));
    assert!(out.deployments.is_empty());
    assert_eq!(out.errors.len(), 1);
    let (_, line, _) = out.errors[0].location().unwrap();
    assert_eq!(line, 4);
}

#[test]
fn helpers() {
    assert_eq!(literal_region("West Europe").as_deref(), Some("westeurope"));
    assert_eq!(literal_region("${var.region}"), None);
    assert_eq!(literal_region("{{ region }}"), None);
    let catalog = crate::facts::catalog::Catalog::builtin();
    assert_eq!(
        zone_region(&catalog, "gcp", "europe-west1-b").as_deref(),
        Some("europe-west1")
    );
    assert_eq!(
        zone_region(&catalog, "aws", "us-east-1a").as_deref(),
        Some("us-east-1")
    );
    // The catalog's one zone table: a region written as a zone is that region, as in
    // Terraform; a value that is neither stays unknown.
    assert_eq!(
        zone_region(&catalog, "aws", "us-east-1").as_deref(),
        Some("us-east-1")
    );
    assert_eq!(zone_region(&catalog, "aws", "nowhere"), None);
    assert_eq!(
        image_host("europe-west9-docker.pkg.dev/a/b:1"),
        Some("europe-west9-docker.pkg.dev")
    );
    assert_eq!(image_host("localhost:5000/x"), Some("localhost"));
    assert_eq!(image_host("library/nginx"), None);
    assert_eq!(image_host("nginx:1"), None);
    assert_eq!(image_host("{{ .Values.registry }}/x"), None);
    assert_eq!(
        image_host("${REGION}-docker.pkg.dev/p/x"),
        Some("${REGION}-docker.pkg.dev")
    );
    let _ = Value::Null;
}

/// Writes the inventory of the YAML extractors over the labelled corpus, for
/// `accuracy.py`-style scoring: `CLOUDPACT_CORPUS=/path/to/corpus cargo test --lib
/// corpus_inventory -- --ignored`. `.template` and `.json` CloudFormation files are read with
/// the YAML parser here (JSON is YAML), so the CloudFormation extractor is measured on them.
#[test]
#[ignore = "needs the labelled corpus"]
fn corpus_inventory() {
    let Ok(root) = std::env::var("CLOUDPACT_CORPUS") else {
        return;
    };
    let out_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/corpus-inventory");
    std::fs::create_dir_all(&out_dir).unwrap();
    let catalog = Catalog::builtin();
    let ctx = Ctx::new(&catalog);
    let mut folders: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    folders.sort();
    for folder in folders {
        let mut deployments = Vec::new();
        let mut errors = Vec::new();
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(std::path::Path::new(&root).join(&folder))
            .into_iter()
            .filter_map(|e| e.ok())
        {
            let path = entry.path();
            let name = path.to_string_lossy().to_string();
            let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
            let cfn = name.ends_with(".template") || name.ends_with(".json");
            if !(yaml || cfn) || !path.is_file() {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let file = Arc::new(SourceFile::new(rel.as_str(), text.as_str()));
            if yaml {
                files.push(file.clone());
                let out = extract(&file, ctx);
                deployments.extend(out.deployments.into_iter().map(|d| (d, file.clone())));
                for e in out.errors {
                    errors.push(format!("{e:?}").chars().take(300).collect::<String>());
                }
            } else if let Ok(docs) = crate::parse::yaml::parse_documents(&file) {
                for doc in docs {
                    if crate::facts::cloudformation::looks_like_template(&doc) {
                        for d in crate::facts::cloudformation::extract(&file, &doc, ctx) {
                            deployments.push((d, file.clone()));
                        }
                    }
                }
            }
        }
        let mut deps: Vec<Deployment> = deployments.iter().map(|(d, _)| d.clone()).collect();
        crate::facts::pulumi::apply_stack_config(&mut deps, &files);
        let json: Vec<serde_json::Value> = deps
            .iter()
            .zip(deployments.iter())
            .map(|(d, (_, f))| {
                serde_json::json!({
                    "path": d.path.to_string(),
                    "line": f.line_col(d.span.start).line,
                    "provider": d.provider.as_deref(),
                    "kind": d.kind.as_str(),
                    "format": d.format.as_str(),
                    "type": d.type_,
                    "region": d.region,
                })
            })
            .collect();
        let doc = serde_json::json!({"deployments": json, "errors": errors});
        std::fs::write(
            out_dir.join(format!("{folder}.json")),
            serde_json::to_string_pretty(&doc).unwrap(),
        )
        .unwrap();
    }
}

#[test]
fn literal_region_reads_ascii_as_the_general_version_does() {
    let samples = [
        "eu-west-1",
        "  West Europe ",
        "West\tEurope\n",
        "a\u{0B}b",
        "",
        "   ",
        "${var.region}",
        "{{ .Values.region }}",
        "$(REGION)",
        "us_east_1",
        "eu-west-1.",
        "EUROPE-WEST9",
        "eu west 1 ",
        "ap-south-1/",
    ];
    for s in samples {
        assert_eq!(
            super::literal_region(s),
            super::literal_region_unicode(s),
            "{s:?}"
        );
    }
    assert_eq!(
        super::literal_region("West Europe").as_deref(),
        Some("westeurope")
    );
    assert_eq!(super::literal_region("${var.region}"), None);
    // Non-ASCII text takes the general path: the Kelvin sign lowercases to `k`.
    assert_eq!(super::literal_region("\u{212A}r").as_deref(), Some("kr"));
    assert_eq!(super::literal_region("é"), None);
}

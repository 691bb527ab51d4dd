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
    let out = extract(&file, Ctx { catalog: &catalog });
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
    assert_eq!(
        zone_region("gcp", "europe-west1-b").as_deref(),
        Some("europe-west1")
    );
    assert_eq!(
        zone_region("aws", "us-east-1a").as_deref(),
        Some("us-east-1")
    );
    assert_eq!(zone_region("aws", "us-east-1"), None);
    assert_eq!(
        image_host("europe-west9-docker.pkg.dev/a/b:1"),
        Some("europe-west9-docker.pkg.dev")
    );
    assert_eq!(image_host("localhost:5000/x"), Some("localhost"));
    assert_eq!(image_host("library/nginx"), None);
    assert_eq!(image_host("nginx:1"), None);
    assert_eq!(image_host("{{ .Values.registry }}/x"), None);
    let _ = Value::Null;
}

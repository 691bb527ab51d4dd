use super::*;
use crate::facts::catalog::Catalog;
use crate::facts::model::Kind;

fn run(path: &str, text: &str) -> Vec<Deployment> {
    let file = Arc::new(SourceFile::new(path, text));
    let catalog = Catalog::builtin();
    crate::facts::yaml::extract(&file, Ctx::new(&catalog)).deployments
}

#[test]
fn tokens_split() {
    assert_eq!(
        split_token("aws:s3/bucket:Bucket"),
        Some(("aws", "s3", "Bucket"))
    );
    assert_eq!(split_token("aws:s3:Bucket"), Some(("aws", "s3", "Bucket")));
    assert_eq!(split_token("eks:Cluster"), Some(("eks", "", "Cluster")));
    assert_eq!(
        split_token("pulumi:providers:aws"),
        Some(("aws", "", "Provider"))
    );
    assert_eq!(split_token("nonsense"), None);
}

#[test]
fn resources_providers_kinds_and_regions() {
    let text = r#"name: p
runtime: yaml
config:
  gcp:region: europe-west1
resources:
  eu:
    type: pulumi:providers:aws
    properties: {region: eu-north-1}
  bucket:
    type: aws:s3:Bucket
    options: {provider: "${eu}"}
  sa:
    type: azure-native:storage:StorageAccount
    properties: {location: West Europe, tags: {env: prod}}
  cluster:
    type: eks:Cluster
  gke:
    type: gcp:container:Cluster
  rnd:
    type: random:RandomString
"#;
    let deps = run("infra/Pulumi.yaml", text);
    assert_eq!(deps.len(), 6);
    let b = &deps[1];
    assert_eq!(
        (b.provider.as_deref(), b.kind),
        (Some("aws"), Kind::Storage)
    );
    assert_eq!(b.region.as_deref(), Some("eu-north-1"));
    let sa = &deps[2];
    assert_eq!(
        (sa.provider.as_deref(), sa.kind),
        (Some("azure"), Kind::Storage)
    );
    assert_eq!(sa.region.as_deref(), Some("westeurope"));
    assert_eq!(sa.tags.get("env").map(String::as_str), Some("prod"));
    assert_eq!(deps[3].kind, Kind::Kubernetes);
    assert_eq!(deps[4].region.as_deref(), Some("europe-west1"));
    assert_eq!(deps[5].provider, None);
    assert_eq!(&text[b.span.start..b.span.start + 7], "bucket:");
}

#[test]
fn stack_files_give_the_region_when_they_agree() {
    let project = "name: p\nruntime: yaml\nresources:\n  b: {type: 'aws:s3:Bucket'}\n";
    let mut deps = run("app/Pulumi.yaml", project);
    let dev = Arc::new(SourceFile::new(
        "app/Pulumi.dev.yaml",
        "config:\n  aws:region: eu-west-3\n",
    ));
    let prod = Arc::new(SourceFile::new(
        "app/Pulumi.prod.yaml",
        "config:\n  aws:region: eu-west-3\n",
    ));
    let other = Arc::new(SourceFile::new(
        "other/Pulumi.x.yaml",
        "config:\n  aws:region: us-east-1\n",
    ));
    apply_stack_config(&mut deps, &[dev.clone(), other.clone()]);
    assert_eq!(deps[0].region.as_deref(), Some("eu-west-3"));
    assert!(
        deps[0]
            .evidence
            .iter()
            .any(|e| e.text == "aws:region eu-west-3 in app/Pulumi.dev.yaml:2")
    );
    let mut deps = run("app/Pulumi.yaml", project);
    let west = Arc::new(SourceFile::new(
        "app/Pulumi.us.yaml",
        "config:\n  aws:region: us-west-2\n",
    ));
    apply_stack_config(&mut deps, &[dev, prod, west]);
    assert_eq!(deps[0].region, None, "stacks disagree");
}

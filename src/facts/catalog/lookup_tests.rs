use super::lookups::{glob_match, snake_case};
use super::*;

fn id(p: Option<(ProviderId, &str)>) -> Option<String> {
    p.map(|(id, _)| id.to_string())
}

/// Every signal entry resolves to the provider that lists it: no entry is shadowed by
/// another provider's, and every lookup reads its field.
#[test]
fn every_signal_entry_resolves_to_its_own_provider() {
    let c = Catalog::builtin();
    for p in c.providers() {
        let me = Some(p.id.clone());
        for a in &p.annotations {
            assert_eq!(id(c.by_annotation(a)), me, "annotation {a}");
        }
        for k in &p.k8s_classes {
            assert_eq!(c.by_k8s_class(k).map(|x| x.to_string()), me, "class {k}");
        }
        for g in &p.api_groups {
            assert_eq!(id(c.by_api_group(&format!("x.{g}"))), me, "group {g}");
        }
        for r in &p.registries {
            let glob = r.split(" (").next().unwrap();
            let host = glob.replace('*', "x1");
            let m = c.by_registry(&host).unwrap_or_else(|| panic!("{host}"));
            assert_eq!(m.provider.to_string(), p.id, "{host}");
            assert!(m.strong, "{host}");
        }
        for r in &p.public_registries {
            let m = c.by_registry(r).unwrap();
            assert_eq!((m.provider.to_string(), m.strong), (p.id.clone(), false));
        }
        for x in &p.pulumi_packages {
            assert_eq!(c.by_pulumi_package(x).map(|x| x.to_string()), me, "{x}");
        }
        for x in &p.ansible_collections {
            assert_eq!(id(c.by_ansible_module(&format!("{x}thing"))), me, "{x}");
        }
        for x in &p.serverless_names {
            assert_eq!(c.by_serverless_name(x).map(|x| x.to_string()), me, "{x}");
        }
        for e in &p.ci_actions {
            let got = if let Some((scheme, rest)) = e
                .split_once(':')
                .filter(|(s, _)| ["template", "image", "aud", "cli"].contains(s))
            {
                c.by_ci_signal(scheme, rest)
            } else if let Some(task) = e.strip_suffix('@') {
                c.by_ci_task(&format!("{task}@2"))
            } else {
                c.by_ci_action(&format!(
                    "{e}{}@v1",
                    if e.ends_with('/') { "x" } else { "" }
                ))
            };
            assert_eq!(id(got), me, "ci entry {e}");
        }
    }
}

#[test]
fn kubernetes_signals() {
    let c = Catalog::builtin();
    let a = |k| id(c.by_annotation(k));
    assert_eq!(
        a("service.beta.kubernetes.io/azure-load-balancer-internal").as_deref(),
        Some("azure")
    );
    assert_eq!(
        a("service.beta.kubernetes.io/aws-load-balancer-type").as_deref(),
        Some("aws")
    );
    assert_eq!(a("eks.amazonaws.com/role-arn").as_deref(), Some("aws"));
    assert_eq!(a("iam.gke.io/gcp-service-account").as_deref(), Some("gcp"));
    assert_eq!(
        a("azure.workload.identity/client-id").as_deref(),
        Some("azure")
    );
    assert_eq!(a("cloud.google.com/gke-nodepool").as_deref(), Some("gcp"));
    assert_eq!(
        a("kubernetes.azure.com/agentpool").as_deref(),
        Some("azure")
    );
    assert_eq!(a("app.kubernetes.io/name"), None);
    assert_eq!(a("topology.kubernetes.io/region"), None);
    // A generic load-balancer annotation prefix says nothing.
    assert_eq!(
        a("service.beta.kubernetes.io/load-balancer-source-ranges"),
        None
    );
    let k = |v| c.by_k8s_class(v).map(|x| x.to_string());
    assert_eq!(k("ebs.csi.aws.com").as_deref(), Some("aws"));
    assert_eq!(k("disk.csi.azure.com").as_deref(), Some("azure"));
    assert_eq!(k("pd.csi.storage.gke.io").as_deref(), Some("gcp"));
    assert_eq!(k("gce").as_deref(), Some("gcp"));
    assert_eq!(k("nginx"), None);
    assert_eq!(k("standard"), None);
}

#[test]
fn operator_groups() {
    let c = Catalog::builtin();
    let g = |v| id(c.by_api_group(v));
    assert_eq!(g("s3.aws.upbound.io").as_deref(), Some("aws"));
    assert_eq!(g("aws.upbound.io").as_deref(), Some("aws"));
    assert_eq!(g("ec2.aws.m.upbound.io").as_deref(), Some("aws"));
    assert_eq!(g("s3.services.k8s.aws").as_deref(), Some("aws"));
    assert_eq!(g("storage.azure.upbound.io").as_deref(), Some("azure"));
    assert_eq!(g("resources.azure.com").as_deref(), Some("azure"));
    assert_eq!(g("storage.cnrm.cloud.google.com").as_deref(), Some("gcp"));
    assert_eq!(g("container.gcp.upbound.io").as_deref(), Some("gcp"));
    assert_eq!(g("oci.oracle.com").as_deref(), Some("oracle"));
    assert_eq!(g("apps"), None);
    assert_eq!(g("upbound.io"), None);
    assert_eq!(g("notazure.com"), None);
    assert_eq!(g("karpenter.sh"), None);
}

#[test]
fn registries_strong_and_weak() {
    let c = Catalog::builtin();
    let m = c.by_registry("europe-west9-docker.pkg.dev").unwrap();
    assert_eq!((&*m.provider, m.strong), ("gcp", true));
    assert_eq!(m.name.as_deref(), Some("Artifact Registry"));
    let m = c
        .by_registry("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
        .unwrap();
    assert_eq!((&*m.provider, m.strong), ("aws", true));
    assert_eq!(
        &*c.by_registry("contoso.azurecr.io").unwrap().provider,
        "azure"
    );
    assert_eq!(&*c.by_registry("fra.ocir.io").unwrap().provider, "oracle");
    assert!(!c.by_registry("mcr.microsoft.com").unwrap().strong);
    assert!(!c.by_registry("public.ecr.aws").unwrap().strong);
    assert!(!c.by_registry("k8s.gcr.io").unwrap().strong);
    assert!(c.by_registry("docker.io").is_none());
    assert!(c.by_registry("ghcr.io").is_none());
    assert!(c.by_registry("registry.k8s.io").is_none());
    assert!(c.by_registry("evil-azurecr.io").is_none());
}

#[test]
fn ci_pulumi_ansible_serverless() {
    let c = Catalog::builtin();
    assert_eq!(
        id(c.by_ci_action("aws-actions/configure-aws-credentials@v4")).as_deref(),
        Some("aws")
    );
    assert_eq!(
        id(c.by_ci_action("Azure/login@v2")).as_deref(),
        Some("azure")
    );
    assert_eq!(c.by_ci_action("azure/setup-kubectl@v4"), None);
    assert_eq!(c.by_ci_action("azure/login-extra@v1"), None);
    assert_eq!(
        id(c.by_ci_action("google-github-actions/auth@v2")).as_deref(),
        Some("gcp")
    );
    assert_eq!(c.by_ci_action("actions/checkout@v4"), None);
    assert_eq!(id(c.by_ci_task("AzureCLI@2")).as_deref(), Some("azure"));
    assert_eq!(id(c.by_ci_task("AWSCLI@1")).as_deref(), Some("aws"));
    assert_eq!(c.by_ci_task("Bash@3"), None);
    assert_eq!(id(c.by_ci_signal("cli", "gcloud")).as_deref(), Some("gcp"));
    assert_eq!(c.by_ci_signal("cli", "kubectl"), None);
    assert_eq!(
        id(c.by_ci_signal("template", "AWS/Deploy-ECS.gitlab-ci.yml")).as_deref(),
        Some("aws")
    );
    assert_eq!(
        c.by_pulumi_package("azure-native").as_deref(),
        Some("azure")
    );
    assert_eq!(c.by_pulumi_package("random"), None);
    assert_eq!(
        id(c.by_ansible_module("amazon.aws.ec2_instance")).as_deref(),
        Some("aws")
    );
    assert_eq!(
        id(c.by_ansible_module("azure.azcollection.azure_rm_virtualmachine")).as_deref(),
        Some("azure")
    );
    assert_eq!(c.by_ansible_module("ansible.builtin.copy"), None);
    assert_eq!(c.by_serverless_name("google").as_deref(), Some("gcp"));
    assert_eq!(c.by_serverless_name("knative"), None);
}

#[test]
fn kinds_of_operator_and_pulumi_resources() {
    let c = Catalog::builtin();
    let k = |p, s, t| c.kind_of_resource(p, s, t).map(|x| x.0);
    assert_eq!(k("aws", "s3", "Bucket"), Some(Kind::Storage));
    assert_eq!(k("aws", "ec2", "Instance"), Some(Kind::Compute));
    assert_eq!(k("aws", "ec2", "VPC"), Some(Kind::Network));
    assert_eq!(k("aws", "eks", "Cluster"), Some(Kind::Kubernetes));
    assert_eq!(k("aws", "rds", "DBInstance"), Some(Kind::Database));
    assert_eq!(
        k("azure", "containerservice", "KubernetesCluster"),
        Some(Kind::Kubernetes)
    );
    assert_eq!(
        k("azure", "containerservice", "ManagedCluster"),
        Some(Kind::Kubernetes)
    );
    assert_eq!(k("azure", "storage", "StorageAccount"), Some(Kind::Storage));
    assert_eq!(k("azure", "storage", "Account"), Some(Kind::Storage));
    assert_eq!(k("gcp", "container", "Cluster"), Some(Kind::Kubernetes));
    assert_eq!(k("gcp", "storage", "StorageBucket"), Some(Kind::Storage));
    assert_eq!(
        k("gcp", "container", "ContainerCluster"),
        Some(Kind::Kubernetes)
    );
    assert_eq!(
        k("oracle", "oci", "AutonomousDatabases"),
        Some(Kind::Database)
    );
    assert_eq!(k("oracle", "oci", "Stream"), Some(Kind::Messaging));
    assert_eq!(k("aws", "", "ProviderConfig"), None);
}

#[test]
fn helpers() {
    assert_eq!(snake_case("StorageAccount"), "storage_account");
    assert_eq!(snake_case("SQLInstance"), "sql_instance");
    assert_eq!(snake_case("VPC"), "vpc");
    assert_eq!(snake_case("DBInstance"), "db_instance");
    assert!(glob_match("*.azurecr.io", "a.azurecr.io"));
    assert!(glob_match(
        "*-docker.pkg.dev",
        "europe-west9-docker.pkg.dev"
    ));
    assert!(!glob_match("*.azurecr.io", "a.azurecr.io.evil.com"));
    assert!(!glob_match("*.azurecr.io", "a/b.azurecr.io"));
    assert!(glob_match(
        "registry.*.aliyuncs.com",
        "registry.cn-hangzhou.aliyuncs.com"
    ));
}

/// The compiled registry set answers what matching the globs one by one answers, on hosts
/// built from every glob of the catalog and on near misses.
#[test]
fn registry_set_matches_the_globs() {
    use super::lookups::glob_regex;
    let c = Catalog::builtin();
    let mut globs = Vec::new();
    for p in c.providers() {
        globs.extend(p.public_registries.iter().cloned());
        globs.extend(
            p.registries
                .iter()
                .map(|e| e.split(" (").next().unwrap().to_string()),
        );
    }
    let mut hosts = vec![
        String::new(),
        "docker.io".to_string(),
        "evil-azurecr.io".to_string(),
        "a/b.azurecr.io".to_string(),
        "A.AzureCR.IO".to_string(),
        "x_y.azurecr.io".to_string(),
        "é.azurecr.io".to_string(),
        "Microsoft.Storage".to_string(),
    ];
    for g in &globs {
        for fill in ["", "a", "eu-west-1", "x.y", "A-B", "a_b", "é"] {
            let h = g.replace('*', fill);
            hosts.push(format!("pre{h}"));
            hosts.push(format!("{h}.evil.com"));
            hosts.push(h);
        }
    }
    for g in &globs {
        let re = regex::Regex::new(&glob_regex(g)).unwrap();
        for h in &hosts {
            assert_eq!(re.is_match(h), glob_match(g, h), "{g} on {h:?}");
        }
    }
    for h in &hosts {
        let by_scan = globs.iter().position(|g| glob_match(g, h));
        assert_eq!(c.by_registry(h).is_some(), by_scan.is_some(), "{h:?}");
    }
    assert!(hosts.iter().filter(|h| c.by_registry(h).is_some()).count() > globs.len());
}

use super::*;
use crate::facts::catalog::Catalog;

fn run(text: &str) -> Vec<Deployment> {
    let file = Arc::new(SourceFile::new("k8s/x.yaml", text));
    let catalog = Catalog::builtin();
    crate::facts::yaml::extract(&file, Ctx::new(&catalog)).deployments
}

fn line(text: &str, d: &Deployment) -> usize {
    text[..d.span.start].matches('\n').count() + 1
}

#[test]
fn acceptance_v1_app() {
    let text = include_str!("../../tests/fixtures/kubernetes/app.yaml");
    let deps = run(text);
    assert_eq!(deps.len(), 2);
    assert_eq!(line(text, &deps[0]), 1);
    assert_eq!(deps[0].provider.as_deref(), Some("gcp"));
    assert_eq!(deps[0].kind, Kind::Kubernetes);
    assert_eq!(
        deps[0].region, None,
        "a registry host never gives the region"
    );
    assert!(
        deps[0].evidence[0]
            .text
            .contains("europe-west9-docker.pkg.dev (Artifact Registry)")
    );
    assert_eq!(line(text, &deps[1]), 16);
    assert_eq!(deps[1].provider.as_deref(), Some("azure"));
    assert_eq!(deps[1].kind, Kind::Kubernetes);
    assert_eq!(
        deps[1].evidence[0].text,
        "annotation service.beta.kubernetes.io/azure-load-balancer-internal"
    );
}

#[test]
fn public_images_never_decide() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n        - image: mcr.microsoft.com/dotnet/aspnet:8.0\n        - image: public.ecr.aws/nginx/nginx\n        - image: nginx\n        - image: ghcr.io/x/y\n";
    let deps = run(text);
    assert_eq!(deps[0].provider, None);
    assert_eq!(deps[0].kind, Kind::Kubernetes);
}

#[test]
fn storage_ingress_identity_and_node_selectors() {
    let text = r#"apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: ebs.csi.aws.com
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec: {ingressClassName: gce}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
  annotations: {azure.workload.identity/client-id: "0000"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gpu, labels: {team: ml}}
spec:
  template:
    spec:
      nodeSelector:
        eks.amazonaws.com/nodegroup: gpu
        topology.kubernetes.io/region: eu-west-1
      containers:
        - name: t
          resources: {limits: {nvidia.com/gpu: 1}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {storageClassName: premium-rwo}
"#;
    let deps = run(text);
    let p: Vec<_> = deps.iter().map(|d| d.provider.as_deref()).collect();
    assert_eq!(
        p,
        [
            Some("aws"),
            Some("gcp"),
            Some("azure"),
            Some("aws"),
            Some("gcp")
        ]
    );
    let gpu = &deps[3];
    assert!(gpu.gpu);
    assert_eq!(gpu.region.as_deref(), Some("eu-west-1"));
    assert_eq!(gpu.tags.get("team").map(String::as_str), Some("ml"));
    assert_eq!(gpu.type_, "Deployment");
    assert_eq!(gpu.name, "gpu");
}

#[test]
fn node_affinity_and_tolerations() {
    let text = r#"apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions:
              - key: topology.kubernetes.io/region
                operator: In
                values: [europe-west4]
              - key: cloud.google.com/gke-nodepool
                operator: Exists
  tolerations:
    - key: kubernetes.azure.com/scalesetpriority
      operator: Exists
"#;
    let deps = run(text);
    // One GKE node affinity and one AKS toleration: a tie goes to the first signal.
    assert_eq!(deps[0].provider.as_deref(), Some("gcp"));
    assert_eq!(deps[0].region.as_deref(), Some("europe-west4"));
    assert!(
        deps[0]
            .evidence
            .iter()
            .any(|e| e.text.contains("outweighed"))
    );
}

#[test]
fn lists_and_operators() {
    let text = r#"apiVersion: v1
kind: List
items:
  - apiVersion: s3.aws.upbound.io/v1beta1
    kind: Bucket
    metadata: {name: b}
    spec: {forProvider: {region: eu-central-1}}
  - apiVersion: containerservice.azure.upbound.io/v1beta1
    kind: KubernetesCluster
    metadata: {name: aks}
    spec: {forProvider: {location: West Europe}}
  - apiVersion: storage.cnrm.cloud.google.com/v1beta1
    kind: StorageBucket
    metadata: {name: g}
    spec: {location: EU}
  - apiVersion: compute.gcp.upbound.io/v1beta1
    kind: Instance
    metadata: {name: vm}
    spec: {forProvider: {zone: europe-west1-b}}
"#;
    let deps = run(text);
    assert_eq!(deps.len(), 4);
    let b = &deps[0];
    assert_eq!(
        (b.provider.as_deref(), b.kind),
        (Some("aws"), Kind::Storage)
    );
    assert_eq!(b.region.as_deref(), Some("eu-central-1"));
    assert_eq!(line(text, b), 4);
    let aks = &deps[1];
    assert_eq!(
        (aks.provider.as_deref(), aks.kind),
        (Some("azure"), Kind::Kubernetes)
    );
    assert_eq!(aks.region.as_deref(), Some("westeurope"));
    assert_eq!(deps[2].provider.as_deref(), Some("gcp"));
    assert_eq!(deps[2].kind, Kind::Storage);
    assert_eq!(deps[2].region.as_deref(), Some("eu"));
    assert_eq!(deps[3].kind, Kind::Compute);
    assert_eq!(deps[3].region.as_deref(), Some("europe-west1"));
}

#[test]
fn crds_of_cloud_groups_and_variable_registry_hosts() {
    let text = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: tgb}\nspec: {group: elbv2.k8s.aws}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{image: '$LOCATION-docker.pkg.dev/p/r/app:1'}]}}}\n";
    let deps = run(text);
    assert_eq!(deps[0].provider.as_deref(), Some("aws"));
    assert_eq!(deps[1].provider.as_deref(), Some("gcp"));
    assert_eq!(deps[1].region, None);
}

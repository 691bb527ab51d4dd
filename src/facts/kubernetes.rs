//! Kubernetes objects (fingerprints §2): one deployment per object, `List` items included.
//!
//! Kubernetes' own objects have kind `kubernetes`; their provider comes from strong signals
//! only (cloud annotations and labels, storage, ingress and load-balancer classes, workload
//! identity, private registry hosts), never from public images. Objects of a cloud operator's
//! API group (Crossplane, ACK, ASO, Config Connector, OCI) are decided by the group and have
//! the kind of the cloud resource they declare.

use std::sync::Arc;

use super::Ctx;
use super::model::{Attr, Deployment, Evidence, Format, Kind};
use super::yaml::{Signal, apply_signals, image_host, literal_region, string_map, zone_region};
use crate::parse::tree::{Node, Value};
use crate::source::{SourceFile, Span};

/// Node labels whose presence in a selector asks for accelerators, whatever the cloud.
const GPU_NODE_LABELS: &[&str] = &[
    "cloud.google.com/gke-accelerator",
    "cloud.google.com/gke-tpu-accelerator",
    "karpenter.k8s.aws/instance-gpu-name",
    "karpenter.k8s.aws/instance-gpu-count",
    "kubernetes.azure.com/accelerator",
    "nvidia.com/gpu.present",
    "nvidia.com/gpu.product",
    "nvidia.com/gpu",
];

/// Resource names of accelerators in `resources.limits` / `requests`.
const GPU_RESOURCE_PREFIXES: &[&str] = &[
    "nvidia.com/gpu",
    "nvidia.com/mig-",
    "amd.com/gpu",
    "aws.amazon.com/neuron",
    "google.com/tpu",
    "habana.ai/gaudi",
    "gpu.intel.com/",
];

/// Node labels that carry a region as their value.
const REGION_LABELS: &[&str] = &[
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/region",
];

/// Node labels that carry an instance type as their value.
const INSTANCE_TYPE_LABELS: &[&str] = &[
    "node.kubernetes.io/instance-type",
    "beta.kubernetes.io/instance-type",
];

pub(crate) fn extract(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let mut out = Vec::new();
    object(file, root, ctx, &mut out, 0);
    out
}

fn object(file: &Arc<SourceFile>, obj: &Node, ctx: Ctx<'_>, out: &mut Vec<Deployment>, depth: u8) {
    let (Some(api), Some(kind)) = (obj.str_at(&["apiVersion"]), obj.str_at(&["kind"])) else {
        return;
    };
    if let (true, Some(items)) = (
        kind.ends_with("List"),
        obj.get("items").and_then(Node::as_seq),
    ) {
        if depth < 4 {
            for item in items {
                object(file, item, ctx, out, depth + 1);
            }
        }
        return;
    }
    let name = obj
        .str_at(&["metadata", "name"])
        .or_else(|| obj.str_at(&["metadata", "generateName"]))
        .unwrap_or("");
    let mut dep = Deployment::new(file.path.clone(), obj.span, Format::Kubernetes, kind, name);
    dep.tags = string_map(obj.path(&["metadata", "labels"]));
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    match ctx.catalog.by_api_group(group) {
        Some((provider, entry)) => operator_object(&mut dep, obj, group, entry, provider, ctx),
        None => {
            dep.kind = Kind::Kubernetes;
            let mut found = scan(obj, ctx);
            crd_group(obj, kind, ctx, &mut found);
            apply_signals(&mut dep, &found.signals);
            apply_scan_facts(&mut dep, &found, ctx);
        }
    }
    out.push(dep);
}

/// A CustomResourceDefinition of a cloud controller's API group (`elbv2.k8s.aws`): installing
/// it means the cluster runs that cloud's controller.
fn crd_group(obj: &Node, kind: &str, ctx: Ctx<'_>, found: &mut Scan) {
    if kind != "CustomResourceDefinition" {
        return;
    }
    if let Some(node) = obj.path(&["spec", "group"])
        && let Some(group) = node.as_str()
        && let Some((provider, _)) = ctx.catalog.by_api_group(group)
    {
        found.signals.push(Signal {
            provider,
            tier: 1,
            text: format!("custom resource definition of API group {group}"),
            span: node.span,
        });
    }
}

fn operator_object(
    dep: &mut Deployment,
    obj: &Node,
    group: &str,
    entry: &str,
    provider: super::model::ProviderId,
    ctx: Ctx<'_>,
) {
    let api_span = obj.get("apiVersion").map_or(obj.span, |n| n.span);
    dep.evidence.push(
        Evidence::new(Attr::Provider, format_args!("operator API group {group}")).at(api_span),
    );
    // The group's first label names the service (`s3.aws.upbound.io`), unless the group is
    // the catalog entry itself (`aws.upbound.io`: provider-wide objects).
    let service = if group.eq_ignore_ascii_case(entry) {
        ""
    } else {
        group.split('.').next().unwrap_or("")
    };
    match ctx.catalog.kind_of_resource(&provider, service, &dep.type_) {
        Some((kind, svc)) => {
            dep.kind = kind;
            dep.service = svc.map(str::to_string);
            dep.evidence.push(Evidence::new(
                Attr::Kind,
                format_args!("{} {} declares {kind}", group, dep.type_),
            ));
        }
        None => dep.kind = Kind::Other,
    }
    let spec = obj.get("spec");
    let for_provider = spec.and_then(|s| s.get("forProvider"));
    let places: [(&str, Option<&Node>, &str); 6] = [
        ("spec.forProvider.region", for_provider, "region"),
        ("spec.forProvider.location", for_provider, "location"),
        ("spec.region", spec, "region"),
        ("spec.location", spec, "location"),
        ("spec.forProvider.zone", for_provider, "zone"),
        ("spec.zone", spec, "zone"),
    ];
    for (label, parent, key) in places {
        let Some(node) = parent.and_then(|p| p.get(key)) else {
            continue;
        };
        let Some(text) = node.as_str() else { continue };
        let region = if key == "zone" {
            zone_region(ctx.catalog, &provider, text)
        } else {
            literal_region(text)
        };
        if let Some(region) = region {
            dep.evidence
                .push(Evidence::new(Attr::Region, format_args!("{label} {text}")).at(node.span));
            dep.region = Some(region);
            break;
        }
    }
    for key in ["instanceType", "machineType", "vmSize", "shape", "nodeType"] {
        let size = for_provider
            .and_then(|f| f.get(key))
            .or_else(|| spec.and_then(|s| s.get(key)))
            .and_then(Node::as_str);
        if let Some(size) = size
            && ctx.catalog.is_gpu_type(Some(&provider), size)
        {
            dep.gpu = true;
            dep.evidence
                .push(Evidence::new(Attr::Gpu, format_args!("{key} {size}")));
        }
    }
    dep.provider = Some(provider);
}

/// What a walk over an object (or a Helm values file) found.
#[derive(Debug, Default)]
pub struct Scan {
    pub signals: Vec<Signal>,
    pub region: Option<(String, String, Span)>,
    pub gpu: Option<(String, Span)>,
    pub instance_types: Vec<(String, Span)>,
}

/// Walks a tree for Kubernetes provider signals. Keys are read under the maps that hold
/// annotations, labels and node selectors; values under the keys that name classes and images.
pub(crate) fn scan(root: &Node, ctx: Ctx<'_>) -> Scan {
    let mut found = Scan::default();
    walk(root, None, ctx, &mut found, 0);
    found
}

fn walk(node: &Node, parent: Option<&str>, ctx: Ctx<'_>, found: &mut Scan, depth: usize) {
    // The parser caps nesting; this guards trees built elsewhere.
    if depth > 300 {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            match_expression(node, parent, ctx, found);
            for (k, v) in entries {
                let Some(key) = k.as_str() else { continue };
                if let Some(what) = key_map_kind(parent) {
                    key_signal(key, k, v, what, ctx, found);
                }
                if matches!(parent, Some("limits" | "requests"))
                    && GPU_RESOURCE_PREFIXES.iter().any(|p| key.starts_with(p))
                    && found.gpu.is_none()
                {
                    found.gpu = Some((format!("resource {key}"), k.span));
                }
                if let Some(text) = v.as_str() {
                    value_signal(key, text, v.span, parent, ctx, found);
                }
                walk(v, Some(key), ctx, found, depth + 1);
            }
        }
        Value::Seq(items) => {
            for item in items {
                walk(item, parent, ctx, found, depth + 1);
            }
        }
        Value::Tagged(_, inner) => walk(inner, parent, ctx, found, depth + 1),
        _ => {}
    }
}

/// What the keys of a map under `parent` are, when they are annotation or label keys.
fn key_map_kind(parent: Option<&str>) -> Option<&'static str> {
    match parent? {
        "annotations" | "podAnnotations" => Some("annotation"),
        "labels" | "matchLabels" | "podLabels" | "commonLabels" => Some("label"),
        "nodeSelector" => Some("node selector"),
        _ => None,
    }
}

fn key_signal(key: &str, k: &Node, v: &Node, what: &str, ctx: Ctx<'_>, found: &mut Scan) {
    if let Some((provider, _)) = ctx.catalog.by_annotation(key) {
        found.signals.push(Signal {
            provider,
            tier: 1,
            text: format!("{what} {key}"),
            span: k.span,
        });
    }
    if what == "annotation" {
        if key == "kubernetes.io/ingress.class"
            && let Some(class) = v.as_str()
        {
            class_signal("ingress class", class, v.span, ctx, found);
        }
        return;
    }
    // Node labels with values: only a selector says where the workload runs.
    if what == "node selector" {
        node_label(key, v.as_str(), v.span, what, found);
    }
}

/// A node label requirement (`nodeSelector` entry or a `matchExpressions` item).
fn node_label(key: &str, value: Option<&str>, span: Span, what: &str, found: &mut Scan) {
    if GPU_NODE_LABELS.contains(&key) && found.gpu.is_none() {
        found.gpu = Some((format!("{what} {key}"), span));
    }
    let Some(value) = value else { return };
    if REGION_LABELS.contains(&key)
        && found.region.is_none()
        && let Some(region) = literal_region(value)
    {
        found.region = Some((region, format!("{what} {key}: {value}"), span));
    }
    if INSTANCE_TYPE_LABELS.contains(&key) {
        found.instance_types.push((value.to_string(), span));
    }
}

/// `matchExpressions` / `nodeSelectorTerms` items and tolerations: `{key, operator, values}`.
fn match_expression(node: &Node, parent: Option<&str>, ctx: Ctx<'_>, found: &mut Scan) {
    let Some(key_node) = node.get("key") else {
        return;
    };
    let Some(key) = key_node.as_str() else { return };
    let what = match parent {
        Some("tolerations") => "toleration",
        Some("matchExpressions" | "matchFields") => "node affinity",
        _ => return,
    };
    if let Some((provider, _)) = ctx.catalog.by_annotation(key) {
        found.signals.push(Signal {
            provider,
            tier: 1,
            text: format!("{what} {key}"),
            span: key_node.span,
        });
    }
    if what == "node affinity" {
        let values: Vec<&Node> = node
            .get("values")
            .and_then(Node::as_seq)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        let in_op = node.str_at(&["operator"]) == Some("In");
        // Only a single required value pins a region; `In [a, b]` leaves it open.
        let single = (in_op && values.len() == 1).then(|| values[0]);
        node_label(
            key,
            single.and_then(Node::as_str),
            single.map_or(key_node.span, |n| n.span),
            what,
            found,
        );
        if GPU_NODE_LABELS.contains(&key) && found.gpu.is_none() && in_op {
            found.gpu = Some((format!("{what} {key}"), key_node.span));
        }
    }
}

fn value_signal(
    key: &str,
    text: &str,
    span: Span,
    parent: Option<&str>,
    ctx: Ctx<'_>,
    found: &mut Scan,
) {
    let what = match key {
        "provisioner" => "storage provisioner",
        "driver" if parent == Some("csi") => "CSI driver",
        "storageClassName" | "storageClass" => "storage class",
        "ingressClassName" | "className" if parent != Some("metadata") => "ingress class",
        "loadBalancerClass" => "load balancer class",
        "controller" if parent == Some("spec") => "ingress controller",
        "controllerName" => "gateway controller",
        "gatewayClassName" => "gateway class",
        "image" | "imageRegistry" | "registry" => {
            image_signal(key, text, span, ctx, found);
            return;
        }
        _ => return,
    };
    class_signal(what, text, span, ctx, found);
}

fn class_signal(what: &str, value: &str, span: Span, ctx: Ctx<'_>, found: &mut Scan) {
    if let Some(provider) = ctx.catalog.by_k8s_class(value) {
        found.signals.push(Signal {
            provider,
            tier: 1,
            text: format!("{what} {value}"),
            span,
        });
    }
}

fn image_signal(key: &str, text: &str, span: Span, ctx: Ctx<'_>, found: &mut Scan) {
    // `registry:` / `imageRegistry:` (Helm values) hold a bare host.
    let host = if key == "image" {
        image_host(text)
    } else {
        Some(text.trim().trim_end_matches('/'))
    };
    let Some(host) = host.filter(|h| !h.is_empty()) else {
        return;
    };
    // `$LOCATION-docker.pkg.dev`: a shell variable hides the region, not the registry.
    let unvar = without_variables(host);
    let host = unvar.as_str();
    if let Some(m) = ctx.catalog.by_registry(host)
        && m.strong
    {
        let name = m.name.map(|n| format!(" ({n})")).unwrap_or_default();
        found.signals.push(Signal {
            provider: m.provider,
            tier: 2,
            text: format!("image host {host}{name}"),
            span,
        });
    }
}

/// `$NAME` and `${NAME}` replaced by `x`, so host globs can match around them.
fn without_variables(host: &str) -> String {
    let mut out = String::with_capacity(host.len());
    let mut chars = host.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'{') {
            for c in chars.by_ref() {
                if c == '}' {
                    break;
                }
            }
        } else {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                chars.next();
            }
        }
        out.push('x');
    }
    out
}

/// Region, GPU and instance-type facts of a scan, once the provider is known.
pub(crate) fn apply_scan_facts(dep: &mut Deployment, found: &Scan, ctx: Ctx<'_>) {
    if let Some((region, text, span)) = &found.region {
        dep.region = Some(region.clone());
        dep.evidence
            .push(Evidence::new(Attr::Region, text.clone()).at(*span));
    }
    if let Some((text, span)) = &found.gpu {
        dep.gpu = true;
        dep.evidence
            .push(Evidence::new(Attr::Gpu, text.clone()).at(*span));
    }
    for (size, span) in &found.instance_types {
        if ctx.catalog.is_gpu_type(dep.provider.as_deref(), size) {
            dep.gpu = true;
            dep.evidence.push(
                Evidence::new(Attr::Gpu, format_args!("node instance type {size}")).at(*span),
            );
        }
    }
}

#[cfg(test)]
#[path = "kubernetes_tests.rs"]
mod tests;

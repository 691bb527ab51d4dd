//! Docker Compose files (fingerprints §7, §2.6): one deployment per service, at its key. The
//! provider comes from private registry hosts of the images and from the ECS integration's
//! `x-aws-*` keys; public images never decide.

use std::sync::Arc;

use super::Ctx;
use super::model::{Attr, Deployment, Evidence, Format, Kind};
use super::yaml::{Signal, apply_signals, entry_span, image_host, string_map};
use crate::parse::tree::Node;
use crate::source::SourceFile;

/// Whether a document without a telling name is a Compose file: `services` whose entries
/// have an `image` or a `build`.
pub(crate) fn looks_like_compose(doc: &Node) -> bool {
    doc.get("services")
        .and_then(Node::as_map)
        .is_some_and(|services| {
            !services.is_empty()
                && services
                    .iter()
                    .all(|(_, s)| s.get("image").is_some() || s.get("build").is_some())
        })
}

pub(crate) fn extract(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let Some(services) = root.get("services").and_then(Node::as_map) else {
        return Vec::new();
    };
    let file_signals = x_aws(root, ctx, "top-level");
    let mut out = Vec::new();
    for (key, service) in services {
        let Some(name) = key.scalar_text() else {
            continue;
        };
        let mut dep = Deployment::new(
            file.path.clone(),
            entry_span(key, service),
            Format::Compose,
            "service",
            name,
        );
        dep.kind = Kind::Compute;
        let mut signals = file_signals.clone();
        signals.extend(x_aws(service, ctx, "service"));
        if let Some(image) = service.get("image")
            && let Some(host) = image.as_str().and_then(image_host)
            && let Some(m) = ctx.catalog.by_registry(host)
            && m.strong
        {
            let reg = m.name.map(|n| format!(" ({n})")).unwrap_or_default();
            signals.push(Signal {
                provider: m.provider,
                tier: 2,
                text: format!("image host {host}{reg}"),
                span: image.span,
            });
        }
        apply_signals(&mut dep, &signals);
        dep.tags = labels(service.get("labels"));
        if let Some(span) = gpu_reservation(service) {
            dep.gpu = true;
            dep.evidence
                .push(Evidence::new(Attr::Gpu, "GPU device reservation").at(span));
        }
        out.push(dep);
    }
    out
}

/// The ECS integration's keys (`x-aws-cluster`, `x-aws-role` …): AWS, however retired.
fn x_aws(node: &Node, ctx: Ctx<'_>, place: &str) -> Vec<Signal> {
    let Some(aws) = ctx.catalog.resolve("aws") else {
        return Vec::new();
    };
    node.as_map()
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, _)| {
            let key = k.as_str()?;
            key.starts_with("x-aws-").then(|| Signal {
                provider: aws.clone(),
                tier: 1,
                text: format!("{place} Compose key {key} (ECS integration)"),
                span: k.span,
            })
        })
        .collect()
}

/// `labels` as a map or a list of `key=value`.
fn labels(node: Option<&Node>) -> crate::facts::model::Tags {
    let mut out = string_map(node);
    for item in node.and_then(Node::as_seq).unwrap_or_default() {
        if let Some((k, v)) = item.as_str().and_then(|s| s.split_once('=')) {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

/// `deploy.resources.reservations.devices` asking for `gpu` capabilities or an NVIDIA driver.
fn gpu_reservation(service: &Node) -> Option<crate::source::Span> {
    let devices = service.path(&["deploy", "resources", "reservations", "devices"])?;
    devices.as_seq()?.iter().find_map(|d| {
        let caps = d
            .get("capabilities")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        let gpu = caps.iter().any(|c| c.as_str() == Some("gpu"))
            || d.str_at(&["driver"])
                .is_some_and(|s| s.eq_ignore_ascii_case("nvidia"));
        gpu.then_some(d.span)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, text: &str) -> Vec<Deployment> {
        crate::facts::yaml::deployments_of(path, text)
    }

    #[test]
    fn services_images_and_x_aws() {
        let text = "services:\n  web:\n    image: contoso.azurecr.io/web:1\n    labels: [tier=front]\n  db:\n    image: postgres:16\n  ml:\n    image: ghcr.io/x/y\n    deploy:\n      resources:\n        reservations:\n          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]\n";
        let deps = run("docker-compose.yml", text);
        assert_eq!(deps.len(), 3);
        assert_eq!(deps[0].provider.as_deref(), Some("azure"));
        assert_eq!(deps[0].tags.get("tier").map(String::as_str), Some("front"));
        assert_eq!(deps[1].provider, None);
        assert!(deps[2].gpu);
        let text = "x-aws-cluster: c\nservices:\n  web: {image: nginx}\n";
        let deps = run("compose.yaml", text);
        assert_eq!(deps[0].provider.as_deref(), Some("aws"));
    }
}

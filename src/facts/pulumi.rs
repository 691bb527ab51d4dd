//! Pulumi YAML programs (fingerprints §6): one deployment per entry of `resources`, at its key.
//! The provider comes from the type token's package (`aws:s3:Bucket`, `azure-native:…`); the
//! region from the resource's properties, an explicit provider resource it names
//! (`options.provider: ${euProvider}`), the project's `config:`, or — in
//! [`apply_stack_config`], once all files are read — the `Pulumi.<stack>.yaml` files beside it.

use std::sync::Arc;

use super::Ctx;
use super::model::{Attr, Deployment, Evidence, Format};
use super::yaml::{entry_span, literal_region, string_map};
use crate::parse::tree::Node;
use crate::source::SourceFile;

/// The config keys that set a provider's region, by package (`aws:region`).
const REGION_SETTINGS: &[&str] = &["region", "location"];

/// A type token split: package, module and type (`aws:s3/bucket:Bucket` → `aws`, `s3`,
/// `Bucket`; `pulumi:providers:aws` → `aws`, ``, `Provider`).
pub(crate) fn split_token(token: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = token.split(':').collect();
    match parts.as_slice() {
        ["pulumi", "providers", pkg] => Some((pkg, "", "Provider")),
        [pkg, module, ty] => Some((pkg, module.split('/').next().unwrap_or(module), ty)),
        [pkg, ty] => Some((pkg, "", ty)),
        _ => None,
    }
}

pub(crate) fn extract(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let Some(resources) = root.get("resources").and_then(Node::as_map) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in resources {
        let Some(name) = key.scalar_text() else {
            continue;
        };
        let token = value.str_at(&["type"]).unwrap_or("");
        let mut dep = Deployment::new(
            file.path.clone(),
            entry_span(key, value),
            Format::Pulumi,
            token,
            name,
        );
        if let Some((pkg, module, ty)) = split_token(token)
            && let Some(provider) = ctx.catalog.by_pulumi_package(pkg)
        {
            let type_span = value.get("type").map_or(key.span, |n| n.span);
            dep.evidence.push(
                Evidence::new(Attr::Provider, format_args!("Pulumi package \"{pkg}\""))
                    .at(type_span),
            );
            // Component packages (`eks:Cluster`, `awsx:…`) name the service themselves.
            let module = match module {
                "" | "index" if &*provider != pkg => pkg,
                "index" => "",
                m => m,
            };
            if let Some((kind, service)) = ctx.catalog.kind_of_resource(&provider, module, ty) {
                dep.kind = kind;
                dep.service = service.map(str::to_string);
                dep.evidence.push(Evidence::new(
                    Attr::Kind,
                    format_args!("Pulumi type {token}"),
                ));
            }
            dep.provider = Some(provider);
        }
        let props = value.get("properties");
        dep.tags = string_map(props.and_then(|p| p.get("tags")));
        region(&mut dep, value, resources, root, token);
        for key in ["instanceType", "vmSize", "machineType", "shape"] {
            if let Some(size) = props.and_then(|p| p.get(key)).and_then(Node::as_str)
                && ctx.catalog.is_gpu_type(dep.provider.as_deref(), size)
            {
                dep.gpu = true;
                dep.evidence
                    .push(Evidence::new(Attr::Gpu, format_args!("{key} {size}")));
            }
        }
        out.push(dep);
    }
    out
}

fn region(
    dep: &mut Deployment,
    value: &Node,
    resources: &[(Node, Node)],
    root: &Node,
    token: &str,
) {
    let props = value.get("properties");
    for key in REGION_SETTINGS {
        if let Some(node) = props.and_then(|p| p.get(key))
            && let Some(text) = node.as_str()
            && let Some(region) = literal_region(text)
        {
            dep.region = Some(region);
            dep.evidence.push(
                Evidence::new(Attr::Region, format_args!("properties.{key} {text}")).at(node.span),
            );
            return;
        }
    }
    // `options.provider: ${name}` naming a `pulumi:providers:<pkg>` resource with a region.
    if let Some(reference) = value.str_at(&["options", "provider"])
        && let Some(target) = reference
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
        && let Some((_, provider_res)) = resources.iter().find(|(k, _)| k.as_str() == Some(target))
    {
        for key in REGION_SETTINGS {
            if let Some(node) = provider_res.path(&["properties", key])
                && let Some(text) = node.as_str()
                && let Some(region) = literal_region(text)
            {
                dep.region = Some(region);
                dep.evidence.push(
                    Evidence::new(
                        Attr::Region,
                        format_args!("provider {target} properties.{key} {text}"),
                    )
                    .at(node.span),
                );
                return;
            }
        }
    }
    let Some((pkg, _, _)) = split_token(token) else {
        return;
    };
    if let Some((key, text, span)) = config_region(root.get("config"), pkg)
        && let Some(region) = literal_region(&text)
    {
        dep.region = Some(region);
        dep.evidence.push(
            Evidence::new(Attr::Region, format_args!("project config {key} {text}")).at(span),
        );
    }
}

/// `<pkg>:region` / `<pkg>:location` in a `config:` map; the value may be written directly or
/// as `{default: …}` / `{value: …}`.
fn config_region(
    config: Option<&Node>,
    pkg: &str,
) -> Option<(String, String, crate::source::Span)> {
    let config = config?;
    for setting in REGION_SETTINGS {
        let key = format!("{pkg}:{setting}");
        if let Some(node) = config.get(&key) {
            let node = node
                .get("default")
                .or_else(|| node.get("value"))
                .unwrap_or(node);
            if let Some(text) = node.as_str() {
                return Some((key, text.to_string(), node.span));
            }
        }
    }
    None
}

/// Sets the region of Pulumi deployments that have none from the `Pulumi.<stack>.yaml` files
/// of their directory, when every stack that sets it agrees (stacks that disagree leave it
/// unknown: which one is deployed is not in the files).
pub(crate) fn apply_stack_config(deployments: &mut [Deployment], files: &[Arc<SourceFile>]) {
    for dep in deployments.iter_mut() {
        if dep.format != Format::Pulumi || dep.region.is_some() || dep.provider.is_none() {
            continue;
        }
        let Some((pkg, _, _)) = split_token(&dep.type_) else {
            continue;
        };
        let dir = dep.path.rsplit_once('/').map_or("", |(d, _)| d);
        let mut found: Vec<(String, String)> = Vec::new();
        for f in files {
            let (fdir, name) = f.path.rsplit_once('/').unwrap_or(("", &f.path));
            let is_stack = name.starts_with("Pulumi.")
                && name != "Pulumi.yaml"
                && name != "Pulumi.yml"
                && (name.ends_with(".yaml") || name.ends_with(".yml"));
            if fdir != dir || !is_stack {
                continue;
            }
            let Ok(docs) = crate::parse::yaml::parse_documents(f) else {
                continue;
            };
            if let Some((key, text, span)) = docs
                .first()
                .and_then(|d| config_region(d.get("config"), pkg))
                && let Some(region) = literal_region(&text)
            {
                let line = f.line_col(span.start).line;
                found.push((region, format!("{key} {text} in {}:{line}", f.path)));
            }
        }
        if let Some((region, _)) = found.first()
            && found.iter().all(|(r, _)| r == region)
        {
            dep.region = Some(region.clone());
            for (_, text) in found {
                dep.evidence.push(Evidence::new(Attr::Region, text));
            }
        }
    }
}

#[cfg(test)]
#[path = "pulumi_tests.rs"]
mod tests;

//! CloudFormation and SAM templates (fingerprints §3), YAML or JSON: one deployment per entry
//! of `Resources`, at its logical id. The provider comes from the type prefix (`AWS::`, and
//! `ALIYUN::` for Alibaba ROS look-alikes); the region only from explicit values, resolved
//! through `Parameters` defaults (`AWS::Region` is decided at deploy time: unknown).

use std::collections::HashMap;
use std::sync::Arc;

use super::Ctx;
use super::model::{Attr, Deployment, Evidence, Format, Tags};
use super::yaml::{entry_span, literal_region, zone_region};
use crate::parse::tree::{Node, Value};
use crate::source::SourceFile;

/// Whether a document is a CloudFormation (or ROS) template.
pub(crate) fn looks_like_template(doc: &Node) -> bool {
    if doc.get("AWSTemplateFormatVersion").is_some()
        || doc.get("ROSTemplateFormatVersion").is_some()
    {
        return true;
    }
    let transform_sam = |n: &Node| n.as_str().is_some_and(|s| s.starts_with("AWS::Serverless"));
    if let Some(t) = doc.get("Transform")
        && (transform_sam(t) || t.as_seq().is_some_and(|s| s.iter().any(transform_sam)))
    {
        return true;
    }
    doc.get("Resources")
        .and_then(Node::as_map)
        .is_some_and(|res| {
            res.iter().any(|(_, v)| {
                v.str_at(&["Type"])
                    .is_some_and(|t| t.starts_with("AWS::") || t.starts_with("ALIYUN::"))
            })
        })
}

pub(crate) fn extract(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let Some(resources) = root.get("Resources") else {
        return Vec::new();
    };
    extract_resources(
        file,
        resources,
        root.get("Parameters"),
        Format::Cloudformation,
        ctx,
    )
}

/// The entries of a `Resources` map, as deployments of `format` (Serverless Framework files
/// embed CloudFormation under `resources.Resources`).
pub(crate) fn extract_resources(
    file: &Arc<SourceFile>,
    resources: &Node,
    parameters: Option<&Node>,
    format: Format,
    ctx: Ctx<'_>,
) -> Vec<Deployment> {
    let params = Params::new(parameters);
    let entries = resources.as_map().unwrap_or_default();
    // Sized once: a template of tens of thousands of resources would otherwise grow the
    // vector by doubling, holding the old buffer and the new at once (docs/performance.md,
    // "Memory").
    let mut out = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let Some(logical_id) = key.scalar_text() else {
            continue;
        };
        let Some(type_) = value.str_at(&["Type"]) else {
            continue;
        };
        let mut dep = Deployment::new(
            file.path.clone(),
            entry_span(key, value),
            format,
            type_,
            logical_id,
        );
        resource(&mut dep, value, &params, ctx);
        out.push(dep);
    }
    out
}

fn resource(dep: &mut Deployment, value: &Node, params: &Params<'_>, ctx: Ctx<'_>) {
    let type_ = dep.type_.clone();
    let type_span = value.get("Type").map(|n| n.span);
    super::apply_resource_type(dep, &type_, type_span, ctx.catalog);
    let Some(props) = value.get("Properties") else {
        return;
    };
    let provider = dep.provider.clone();
    let provider = provider.as_deref().unwrap_or("aws");
    for key in ["Region", "RegionName"] {
        if let Some((region, how)) = props.get(key).and_then(|n| params.resolve(n))
            && let Some(region) = literal_region(&region)
        {
            dep.evidence.push(Evidence::new(
                Attr::Region,
                format_args!("{key} {region}{how}"),
            ));
            dep.region = Some(region);
            break;
        }
    }
    if dep.region.is_none()
        && let Some((zone, how)) = props
            .get("AvailabilityZone")
            .and_then(|n| params.resolve(n))
        && let Some(region) = zone_region(ctx.catalog, provider, &zone)
    {
        dep.evidence.push(Evidence::new(
            Attr::Region,
            format_args!("AvailabilityZone {zone}{how}"),
        ));
        dep.region = Some(region);
    }
    let sizes = [
        props.get("InstanceType"),
        props.path(&["LaunchTemplateData", "InstanceType"]),
        props.path(&["ComputeResources", "InstanceTypes"]),
        props.get("InstanceTypes"),
    ];
    for node in sizes.into_iter().flatten() {
        let values: Vec<&Node> = match node.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![node],
        };
        for v in values {
            if let Some((size, how)) = params.resolve(v)
                && ctx.catalog.is_gpu_type(Some(provider), &size)
            {
                dep.gpu = true;
                dep.evidence.push(
                    Evidence::new(Attr::Gpu, format_args!("InstanceType {size}{how}")).at(v.span),
                );
            }
        }
    }
    dep.tags = tags(props.get("Tags"), params);
}

/// `Tags: [{Key, Value}]` or a `Tags: {k: v}` map (SAM and a few resources).
fn tags(node: Option<&Node>, params: &Params<'_>) -> Tags {
    let mut out = Tags::default();
    let Some(node) = node else { return out };
    if let Some(items) = node.as_seq() {
        for item in items {
            let key = item.get("Key").and_then(|k| params.resolve(k));
            let value = item.get("Value").and_then(|v| params.resolve(v));
            if let (Some((k, _)), Some((v, _))) = (key, value) {
                out.insert(k, v);
            }
        }
    } else if let Some(entries) = node.as_map() {
        for (k, v) in entries {
            if let (Some(k), Some((v, _))) = (k.scalar_text(), params.resolve(v)) {
                out.insert(k, v);
            }
        }
    }
    out
}

/// Template parameters with a literal `Default`.
struct Params<'a> {
    defaults: HashMap<String, &'a Node>,
}

impl<'a> Params<'a> {
    fn new(node: Option<&'a Node>) -> Self {
        let mut defaults = HashMap::new();
        for (k, v) in node.and_then(Node::as_map).unwrap_or_default() {
            if let (Some(name), Some(d)) = (k.scalar_text(), v.get("Default")) {
                defaults.insert(name, d);
            }
        }
        Self { defaults }
    }

    /// A value as a literal: a scalar, or `!Ref P` / `{"Ref": P}` of a parameter with a
    /// default. Returns the value and how it was found (`" (Parameters.P default)"`).
    fn resolve(&self, node: &Node) -> Option<(String, String)> {
        let param = match &node.value {
            Value::Tagged(tag, inner) if &**tag == "Ref" => inner.as_str(),
            Value::Map(entries) if entries.len() == 1 => node.str_at(&["Ref"]),
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                return node.scalar_text().map(|s| (s, String::new()));
            }
            _ => None,
        }?;
        if param.starts_with("AWS::") {
            return None;
        }
        let default = self.defaults.get(param)?.scalar_text()?;
        Some((default, format!(" (Parameters.{param} default)")))
    }
}

#[cfg(test)]
#[path = "cloudformation_tests.rs"]
mod tests;

//! Serverless Framework services (fingerprints §7): the service, at its `provider` key, and
//! each function, at its key; CloudFormation under `resources.Resources` as well. The provider
//! is `provider.name` (`aws`, `azure`, `google` …); the region `provider.region` when it is a
//! literal (the framework's deploy-time default is not guessed).

use std::sync::Arc;

use super::Ctx;
use super::model::{Attr, Deployment, Evidence, Format, Kind};
use super::yaml::{entry_span, literal_region, string_map};
use crate::parse::tree::Node;
use crate::source::SourceFile;

pub(crate) fn extract(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let Some((provider_key, provider_node)) = root.entry("provider") else {
        return Vec::new();
    };
    let service = root
        .get("service")
        .and_then(|s| s.as_str().or_else(|| s.str_at(&["name"])))
        .unwrap_or("");
    // `provider: aws` (old shorthand) or `provider: {name: aws, …}`.
    let name_node = provider_node
        .get("name")
        .or_else(|| provider_node.as_str().map(|_| provider_node));
    let name = name_node.and_then(Node::as_str);
    let provider = name.and_then(|n| ctx.catalog.by_serverless_name(n));
    let region = provider_node
        .get("region")
        .and_then(|r| r.as_str().map(|s| (s, r.span)))
        .and_then(|(s, span)| literal_region(s).map(|r| (r, s.to_string(), span)));

    let base = |span, type_: &str, dep_name: &str| {
        let mut dep = Deployment::new(file.path.clone(), span, Format::Serverless, type_, dep_name);
        dep.kind = Kind::Serverless;
        if let (Some(p), Some(n), Some(node)) = (&provider, name, name_node) {
            dep.provider = Some(p.clone());
            dep.evidence.push(
                Evidence::new(Attr::Provider, format_args!("Serverless provider.name {n}"))
                    .at(node.span),
            );
        }
        if let Some((region, written, span)) = &region {
            dep.region = Some(region.clone());
            dep.evidence.push(
                Evidence::new(Attr::Region, format_args!("provider.region {written}")).at(*span),
            );
        }
        dep
    };

    let mut out = Vec::new();
    let mut svc = base(entry_span(provider_key, provider_node), "service", service);
    svc.tags = string_map(provider_node.get("tags").or(provider_node.get("stackTags")));
    out.push(svc);
    for (key, value) in root
        .get("functions")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(fname) = key.scalar_text() else {
            continue;
        };
        let mut dep = base(entry_span(key, value), "function", &fname);
        dep.tags = string_map(value.get("tags"));
        out.push(dep);
    }
    if provider.as_deref() == Some("aws")
        && let Some(resources) = root.path(&["resources", "Resources"])
    {
        let mut embedded = super::cloudformation::extract_resources(
            file,
            resources,
            root.path(&["resources", "Parameters"]),
            Format::Serverless,
            ctx,
        );
        for dep in &mut embedded {
            if dep.region.is_none()
                && let Some((region, written, span)) = &region
            {
                dep.region = Some(region.clone());
                dep.evidence.push(
                    Evidence::new(Attr::Region, format_args!("provider.region {written}"))
                        .at(*span),
                );
            }
        }
        out.extend(embedded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, text: &str) -> Vec<Deployment> {
        crate::facts::yaml::deployments_of(path, text)
    }

    #[test]
    fn service_functions_and_embedded_resources() {
        let text = "service: api\nprovider:\n  name: aws\n  region: eu-west-1\nfunctions:\n  hello:\n    handler: h.main\n  bye: {handler: b.main}\nresources:\n  Resources:\n    Table: {Type: 'AWS::DynamoDB::Table'}\n";
        let deps = run("svc/serverless.yml", text);
        assert_eq!(deps.len(), 4);
        assert!(deps.iter().all(|d| d.provider.as_deref() == Some("aws")));
        assert!(
            deps.iter()
                .all(|d| d.region.as_deref() == Some("eu-west-1"))
        );
        assert_eq!(deps[0].type_, "service");
        assert_eq!(
            &text[deps[0].span.start..deps[0].span.start + 9],
            "provider:"
        );
        assert_eq!(deps[1].name, "hello");
        assert_eq!(deps[3].kind, Kind::Database);
        assert_eq!(deps[3].format, Format::Serverless);
    }

    #[test]
    fn google_and_variables() {
        let text = "service: s\nprovider:\n  name: google\n  region: ${opt:region, 'europe-west1'}\nfunctions:\n  f: {handler: x}\n";
        let deps = run("serverless.yaml", text);
        assert_eq!(deps[0].provider.as_deref(), Some("gcp"));
        assert_eq!(deps[0].region, None);
    }

    #[test]
    fn azure_display_region() {
        let text = "service: s\nprovider:\n  name: azure\n  region: West Europe\n";
        let deps = run("serverless.yml", text);
        assert_eq!(deps[0].provider.as_deref(), Some("azure"));
        assert_eq!(deps[0].region.as_deref(), Some("westeurope"));
    }
}

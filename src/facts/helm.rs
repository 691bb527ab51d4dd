//! Helm charts: values files are YAML (see `yaml`); templates are Go templates, scanned as text
//! for endpoint hosts and image registries only — except a manifest written without template
//! syntax, which is plain YAML and read as any Kubernetes manifest.
//!
//! A values file is one deployment (the chart's configuration) when it carries a provider
//! signal of §2 as a value: annotations, node selectors, storage and ingress classes, private
//! image registries (fingerprints §10).

use std::sync::Arc;

use super::endpoints::scan_text;
use super::model::{Deployment, Format, Kind};
use super::{Ctx, Extraction};
use crate::parse::tree::Node;
use crate::source::SourceFile;

/// A file under a chart's `templates/`. A `.yaml` or `.yml` file without `{{` is no Go
/// template, only a manifest that Helm passes through: read as YAML, with the whole
/// Kubernetes extraction (a text scan would see its hosts and registries only).
pub(crate) fn extract(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Extraction {
    let name = file.path.rsplit('/').next().unwrap_or(&file.path);
    let name = name.to_ascii_lowercase();
    if !file.text().contains("{{") && (name.ends_with(".yaml") || name.ends_with(".yml")) {
        return super::yaml::extract(file, ctx);
    }
    extract_template(file, ctx)
}

/// Every endpoint or registry host in a template, outside YAML comments and `{{/* */}}`
/// template comments. A deployment is named after the YAML key on its line, if any.
pub fn extract_template(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Extraction {
    let text: &str = &file.text();
    let mut out = Vec::new();
    let mut in_comment = false;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let mut visible = String::with_capacity(line.len());
        // Template comments may span lines; blank them out but keep byte positions.
        let mut i = 0;
        while i < line.len() {
            let rest = &line[i..];
            if in_comment {
                match rest.find("*/") {
                    Some(end) => {
                        visible.extend(std::iter::repeat_n(' ', end + 2));
                        i += end + 2;
                        in_comment = false;
                    }
                    None => {
                        visible.extend(std::iter::repeat_n(' ', rest.len()));
                        i = line.len();
                    }
                }
            } else if let Some(open) = rest.find("/*") {
                visible.push_str(&rest[..open]);
                visible.push_str("  ");
                i += open + 2;
                in_comment = true;
            } else {
                visible.push_str(rest);
                i = line.len();
            }
        }
        let trimmed = visible.trim_start();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let name = yaml_key(trimmed).unwrap_or("template");
        scan_text(file, start, &visible, name, Format::Helm, ctx, &mut out);
    }
    Extraction {
        deployments: out,
        errors: Vec::new(),
    }
}

/// `key` of a `key: value` or `- key: value` line.
fn yaml_key(line: &str) -> Option<&str> {
    let line = line.strip_prefix("- ").unwrap_or(line).trim_start();
    let (key, _) = line.split_once(':')?;
    let key = key.trim().trim_matches(['"', '\'']);
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')))
    .then_some(key)
}

/// A parsed `values*.yaml`: one deployment at the first key when a provider signal is found.
pub(crate) fn extract_values(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    let found = super::kubernetes::scan(root, ctx);
    if found.signals.is_empty() {
        return Vec::new();
    }
    let dir = file.path.rsplit_once('/').map_or("", |(d, _)| d);
    let chart = dir.rsplit('/').next().unwrap_or(dir);
    let mut dep = Deployment::new(file.path.clone(), root.span, Format::Helm, "values", chart);
    dep.kind = Kind::Kubernetes;
    super::yaml::apply_signals(&mut dep, &found.signals);
    super::kubernetes::apply_scan_facts(&mut dep, &found, ctx);
    vec![dep]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::catalog::Catalog;
    use crate::facts::endpoints::tests::{fixture, render_extraction};

    #[test]
    fn templates_give_endpoints_and_registries() {
        let catalog = Catalog::builtin();
        let file = fixture("helm/templates/deployment.yaml");
        let x = extract_template(&file, Ctx::new(&catalog));
        let got: Vec<(usize, &str, &str)> = x
            .deployments
            .iter()
            .map(|d| {
                (
                    file.line_col(d.span.start).line,
                    d.name.as_str(),
                    d.provider.as_deref().unwrap_or("-"),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (14, "image", "gcp"),
                (17, "value", "azure"),
                (19, "value", "aws"),
            ]
        );
        assert_eq!(x.deployments[0].region, None, "a registry gives no region");
        assert_eq!(x.deployments[0].format, Format::Helm);
        insta::assert_snapshot!(render_extraction(&file, &x));
    }

    #[test]
    fn a_manifest_without_template_syntax_is_read_as_yaml() {
        let catalog = Catalog::builtin();
        let ctx = Ctx::new(&catalog);
        let manifest = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: nlb\nspec:\n  type: LoadBalancer\n";
        let file = Arc::new(SourceFile::new("chart/templates/svc.yaml", manifest));
        let deps = extract(&file, ctx).deployments;
        assert_eq!(deps.len(), 1, "{deps:#?}");
        assert_eq!(deps[0].provider.as_deref(), Some("aws"));
        assert_eq!(deps[0].format, Format::Kubernetes);
        assert_eq!(deps[0].name, "web");
        // With template syntax it stays a Go template, scanned as text: no host, nothing.
        let templated = manifest.replace("name: web", "name: {{ .Release.Name }}");
        let file = Arc::new(SourceFile::new("chart/templates/svc.yaml", templated));
        assert!(extract(&file, ctx).deployments.is_empty());
    }

    #[test]
    fn values_with_cloud_signals() {
        let text = "image:\n  registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com\n  repository: app\nserviceAccount:\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/app\npersistence:\n  storageClass: gp3\n";
        let file = Arc::new(SourceFile::new("charts/app/values.yaml", text));
        let catalog = Catalog::builtin();
        let deps = crate::facts::yaml::extract(&file, Ctx::new(&catalog)).deployments;
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].format, Format::Helm);
        assert_eq!(deps[0].provider.as_deref(), Some("aws"));
        assert_eq!(deps[0].name, "app");
        assert_eq!(deps[0].region, None);
        let plain = Arc::new(SourceFile::new("charts/app/values.yaml", "replicas: 2\n"));
        assert!(
            crate::facts::yaml::extract(&plain, Ctx::new(&catalog))
                .deployments
                .is_empty()
        );
    }
}

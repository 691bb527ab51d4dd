//! Helm charts: values files are YAML (see `yaml`); templates are Go templates, scanned as text
//! for endpoint hosts and image registries only.
//!
//! A values file is one deployment (the chart's configuration) when it carries a provider
//! signal of §2 as a value: annotations, node selectors, storage and ingress classes, private
//! image registries (fingerprints §10).

use std::sync::Arc;

use super::model::{Deployment, Format, Kind};
use super::{Ctx, Extraction};
use crate::parse::tree::Node;
use crate::source::SourceFile;

pub fn extract_template(_file: &Arc<SourceFile>, _ctx: Ctx<'_>) -> Extraction {
    Extraction::default()
}

/// A parsed `values*.yaml`: one deployment at the first key when a provider signal is found.
pub fn extract_values(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
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

    #[test]
    fn values_with_cloud_signals() {
        let text = "image:\n  registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com\n  repository: app\nserviceAccount:\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/app\npersistence:\n  storageClass: gp3\n";
        let file = Arc::new(SourceFile::new("charts/app/values.yaml", text));
        let catalog = Catalog::builtin();
        let deps = crate::facts::yaml::extract(&file, Ctx { catalog: &catalog }).deployments;
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].format, Format::Helm);
        assert_eq!(deps[0].provider.as_deref(), Some("aws"));
        assert_eq!(deps[0].name, "app");
        assert_eq!(deps[0].region, None);
        let plain = Arc::new(SourceFile::new("charts/app/values.yaml", "replicas: 2\n"));
        assert!(
            crate::facts::yaml::extract(&plain, Ctx { catalog: &catalog })
                .deployments
                .is_empty()
        );
    }
}

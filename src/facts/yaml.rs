//! YAML files: parse, recognise the format by content, and hand the tree to its extractor.
//!
//! Recognition (fingerprints §0b): the file name decides for CI files, Compose, Serverless,
//! Pulumi and Helm values; otherwise each document's content decides (Kubernetes objects,
//! CloudFormation, Serverless, Compose, Ansible), and what is none of these is a config file
//! scanned for endpoint hosts.

use std::sync::Arc;

use super::catalog::Catalog;
use super::model::{Attr, Deployment, Evidence, ProviderId, Tags};
use super::{Ctx, Extraction};
use crate::parse::tree::Node;
use crate::source::{SourceFile, Span};

/// The formats a YAML document can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlFormat {
    Kubernetes,
    Cloudformation,
    Serverless,
    Compose,
    PulumiProject,
    /// `Pulumi.<stack>.yaml`: configuration only, read by the Pulumi extractor.
    PulumiStack,
    GithubActions,
    GitlabCi,
    AzurePipelines,
    Ansible,
    HelmValues,
    /// `Chart.yaml`, `kustomization.yaml` and other metadata: nothing to extract.
    Metadata,
    Config,
}

pub fn extract(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Extraction {
    let docs = match crate::parse::yaml::parse_documents(file) {
        Ok(docs) => docs,
        Err(e) => return Extraction::error(super::parse_error(file, e.span, e.message)),
    };
    let mut deployments = Vec::new();
    let by_name = format_by_name(&file.path);
    for doc in &docs {
        let format = by_name.unwrap_or_else(|| format_by_content(&file.path, doc));
        deployments.extend(extract_doc(file, doc, format, ctx));
    }
    Extraction {
        deployments,
        errors: Vec::new(),
    }
}

fn extract_doc(
    file: &Arc<SourceFile>,
    doc: &Node,
    format: YamlFormat,
    ctx: Ctx<'_>,
) -> Vec<Deployment> {
    use super::{ansible, ci, cloudformation, compose, helm, kubernetes, pulumi, serverless};
    match format {
        YamlFormat::Kubernetes => kubernetes::extract(file, doc, ctx),
        YamlFormat::Cloudformation => cloudformation::extract(file, doc, ctx),
        YamlFormat::Serverless => serverless::extract(file, doc, ctx),
        YamlFormat::Compose => {
            let mut out = compose::extract(file, doc, ctx);
            out.extend(endpoints_besides_images(file, doc, ctx));
            out
        }
        YamlFormat::PulumiProject => pulumi::extract(file, doc, ctx),
        YamlFormat::PulumiStack | YamlFormat::Metadata => Vec::new(),
        YamlFormat::GithubActions | YamlFormat::GitlabCi | YamlFormat::AzurePipelines => {
            ci::extract(file, doc, ctx)
        }
        YamlFormat::Ansible => ansible::extract(file, doc, ctx),
        YamlFormat::HelmValues => {
            // A values file may also hold a plain manifest (some charts ship examples).
            if is_kubernetes(doc) {
                return kubernetes::extract(file, doc, ctx);
            }
            let mut out = helm::extract_values(file, doc, ctx);
            out.extend(endpoints_besides_images(file, doc, ctx));
            out
        }
        YamlFormat::Config => super::endpoints::scan_tree(file, doc, ctx),
    }
}

/// Endpoint hosts of a Compose file or Helm values, except image registries: those are signals
/// of the services the structured extractor already reported, not deployments of their own.
fn endpoints_besides_images(file: &Arc<SourceFile>, doc: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    super::endpoints::scan_tree(file, doc, ctx)
        .into_iter()
        .filter(|d| d.type_ != "registry")
        .collect()
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_yaml_name(lower: &str) -> bool {
    lower.ends_with(".yml") || lower.ends_with(".yaml")
}

/// The format a file's path decides on its own, whatever its content.
pub(crate) fn format_by_name(path: &str) -> Option<YamlFormat> {
    let name = file_name(path);
    let lower = name.to_ascii_lowercase();
    let lower_path = path.to_ascii_lowercase();
    if !is_yaml_name(&lower) {
        return None;
    }
    let stem = lower.rsplit_once('.').map_or(lower.as_str(), |(s, _)| s);
    if lower_path.contains(".github/workflows/") {
        return Some(YamlFormat::GithubActions);
    }
    if lower == ".gitlab-ci.yml" || lower.ends_with(".gitlab-ci.yml") {
        return Some(YamlFormat::GitlabCi);
    }
    if stem.starts_with("azure-pipelines") {
        return Some(YamlFormat::AzurePipelines);
    }
    if stem == "docker-compose" || stem.starts_with("docker-compose.") || stem == "compose" {
        return Some(YamlFormat::Compose);
    }
    if stem.starts_with("compose.") || stem.starts_with("docker-compose-") {
        return Some(YamlFormat::Compose);
    }
    if stem == "serverless" {
        return Some(YamlFormat::Serverless);
    }
    if name == "Pulumi.yaml" || name == "Pulumi.yml" {
        return Some(YamlFormat::PulumiProject);
    }
    if name.starts_with("Pulumi.") {
        return Some(YamlFormat::PulumiStack);
    }
    if matches!(stem, "chart" | "kustomization" | "requirements") {
        return Some(YamlFormat::Metadata);
    }
    None
}

fn is_kubernetes(doc: &Node) -> bool {
    doc.str_at(&["apiVersion"]).is_some() && doc.str_at(&["kind"]).is_some()
}

/// The format of one document whose file name did not decide.
pub(crate) fn format_by_content(path: &str, doc: &Node) -> YamlFormat {
    let lower = file_name(path).to_ascii_lowercase();
    if let Some(items) = doc.as_seq() {
        return if super::ansible::looks_like_ansible(path, items) {
            YamlFormat::Ansible
        } else {
            YamlFormat::Config
        };
    }
    if doc.as_map().is_none() {
        return YamlFormat::Config;
    }
    if super::cloudformation::looks_like_template(doc) {
        return YamlFormat::Cloudformation;
    }
    if is_kubernetes(doc) {
        return YamlFormat::Kubernetes;
    }
    if lower.starts_with("values") {
        return YamlFormat::HelmValues;
    }
    if doc.get("service").is_some() && doc.str_at(&["provider", "name"]).is_some() {
        return YamlFormat::Serverless;
    }
    if super::compose::looks_like_compose(doc) {
        return YamlFormat::Compose;
    }
    if doc.get("jobs").is_some() && doc.get("on").is_some() {
        return YamlFormat::GithubActions;
    }
    YamlFormat::Config
}

// Helpers shared by the YAML extractors.

/// A provider signal found in a document, before the provider is decided.
#[derive(Debug, Clone)]
pub struct Signal {
    pub provider: ProviderId,
    /// Lower is stronger: 0 decisive, 1 platform configuration (annotations, classes, actions),
    /// 2 where an image is stored.
    pub tier: u8,
    pub text: String,
    pub span: Span,
}

/// The provider the signals agree on: the strongest tier that has any decides; within it, the
/// provider with most signals, then with most signals of any tier, then the first in the
/// document. Returns the provider and the evidence for it (signals of other providers are
/// kept as evidence too, marked, so a reader sees the conflict).
pub(crate) fn decide(signals: &[Signal]) -> Option<(ProviderId, Vec<Evidence>)> {
    let tier = signals.iter().map(|s| s.tier).min()?;
    let count = |p: &ProviderId, top_only: bool| {
        signals
            .iter()
            .filter(|t| t.provider == *p && (!top_only || t.tier == tier))
            .count()
    };
    let mut best: Option<(&ProviderId, (usize, usize))> = None;
    for s in signals.iter().filter(|s| s.tier == tier) {
        let score = (count(&s.provider, true), count(&s.provider, false));
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((&s.provider, score));
        }
    }
    let (provider, _) = best?;
    let mut evidence = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for s in signals {
        if seen.contains(&s.text.as_str()) {
            continue;
        }
        seen.push(&s.text);
        let text = if s.provider == *provider {
            s.text.clone()
        } else {
            format!("{} (points to {}, outweighed)", s.text, s.provider)
        };
        evidence.push(Evidence::new(Attr::Provider, text).at(s.span));
    }
    Some((provider.clone(), evidence))
}

/// Applies the decision of [`decide`] to a deployment.
pub(crate) fn apply_signals(dep: &mut Deployment, signals: &[Signal]) {
    if let Some((provider, evidence)) = decide(signals) {
        dep.provider = Some(provider);
        dep.evidence.extend(evidence);
    }
}

/// A region value as written, normalised (lower case, no spaces: Azure's `West Europe` is
/// `westeurope`), or `None` when it is an expression resolved at deploy time.
pub(crate) fn literal_region(value: &str) -> Option<String> {
    if !value.is_ascii() {
        return literal_region_unicode(value);
    }
    // One pass over the bytes, one allocation (this runs for every region-like value of every
    // object). A `${…}`, `{{…}}` or `$(…)` expression holds a character no region has, so it is
    // `None` here as in the general version below.
    let mut norm = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => norm.push(char::from(b)),
            b'A'..=b'Z' => norm.push(char::from(b.to_ascii_lowercase())),
            _ if char::from(b).is_whitespace() => {}
            _ => return None,
        }
    }
    (!norm.is_empty()).then_some(norm)
}

/// [`literal_region`] for any text (lowercasing may turn a non-ASCII letter into an ASCII one:
/// the Kelvin sign `K` is `k`).
fn literal_region_unicode(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v.contains("${") || v.contains("{{") || v.contains("$(") {
        return None;
    }
    let norm: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    norm.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        .then_some(norm)
}

/// The region of a zone written in a YAML or JSON value (through [`Catalog::zone_region`],
/// the catalog's one zone → region table).
pub(crate) fn zone_region(catalog: &Catalog, provider: &str, zone: &str) -> Option<String> {
    let zone = literal_region(zone)?;
    catalog.zone_region(Some(provider), &zone)
}

/// The registry host of an image reference (`europe-west9-docker.pkg.dev/p/r/img:1`), or
/// `None` for Docker Hub short names and templated references.
pub(crate) fn image_host(image: &str) -> Option<&str> {
    let image = image.trim();
    if image.contains("{{") {
        return None;
    }
    let (first, _) = image.split_once('/')?;
    let host = first.split(':').next().unwrap_or(first);
    (first.contains('.') || first.contains(':') || first == "localhost").then_some(host)
}

/// String-valued entries of a map (`labels`, `tags`).
pub(crate) fn string_map(node: Option<&Node>) -> Tags {
    let mut out = Tags::default();
    if let Some(entries) = node.and_then(Node::as_map) {
        for (k, v) in entries {
            if let (Some(k), Some(v)) = (k.scalar_text(), v.scalar_text()) {
                out.insert(k, v);
            }
        }
    }
    out
}

/// The span from a key to the end of its value: where a keyed declaration starts and ends.
pub(crate) fn entry_span(key: &Node, value: &Node) -> Span {
    Span::new(key.span.start, value.span.end.max(key.span.end))
}

/// The deployments of a YAML text at `path`, for the extractors' unit tests.
#[cfg(test)]
pub(crate) fn deployments_of(path: &str, text: &str) -> Vec<Deployment> {
    let file = Arc::new(SourceFile::new(path, text));
    let catalog = super::catalog::Catalog::builtin();
    extract(&file, Ctx::new(&catalog)).deployments
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "yaml_snapshots.rs"]
mod snapshots;

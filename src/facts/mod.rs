//! Stage 3 of the pipeline: from parsed files to deployments with provider, region, country,
//! kind, service, gpu, tags and evidence (DETECTION.md).
//!
//! One extractor per ecosystem. Terraform works per module directory (variables, tfvars and
//! provider blocks are shared by the files of a directory); every other format per file.
//! Extraction of different units runs in parallel; the result is sorted so it is the same
//! whatever the thread count.

pub mod ansible;
pub mod arm;
pub mod bicep;
pub mod catalog;
pub mod ci;
pub mod cloudformation;
pub mod compose;
pub mod endpoints;
pub mod helm;
pub mod json;
pub mod kubernetes;
pub mod model;
pub mod pulumi;
pub mod serverless;
pub mod terraform;
pub mod yaml;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::Diag;
use crate::discover::Syntax;
use crate::parse;
use crate::source::SourceFile;
use catalog::Catalog;
use model::{Attr, Deployment, Evidence};

/// What extractors need besides the file.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub catalog: &'a Catalog,
}

/// Deployments found, and the files that could not be parsed (as `cloudpact.parse-error`
/// diagnostics at the parser's position).
#[derive(Debug, Default)]
pub struct Extraction {
    pub deployments: Vec<Deployment>,
    pub errors: Vec<Diag>,
}

impl Extraction {
    pub fn extend(&mut self, other: Extraction) {
        self.deployments.extend(other.deployments);
        self.errors.extend(other.errors);
    }

    pub fn error(diag: Diag) -> Self {
        Self {
            deployments: Vec::new(),
            errors: vec![diag],
        }
    }
}

/// A file to extract from, with the syntax discovery recognised from its name.
#[derive(Debug, Clone)]
pub struct Input {
    pub file: Arc<SourceFile>,
    pub syntax: Syntax,
}

/// Extracts the deployments of every input, in parallel.
pub fn extract(inputs: &[Input], ctx: Ctx<'_>) -> Extraction {
    // Terraform: one unit per directory (`.tf`, `.tfvars` and `.tf.json` share variables,
    // locals and provider blocks). Everything else: one unit per file.
    let mut tf_dirs: BTreeMap<&str, TfUnit> = BTreeMap::new();
    let mut singles = Vec::new();
    for input in inputs {
        let dir = input.file.path.rsplit_once('/').map_or("", |(dir, _)| dir);
        match input.syntax {
            Syntax::Hcl | Syntax::Tfvars => {
                tf_dirs.entry(dir).or_default().hcl.push(input.file.clone())
            }
            Syntax::Json if is_tf_json(&input.file.path) => {
                tf_dirs
                    .entry(dir)
                    .or_default()
                    .json
                    .push(input.file.clone());
            }
            _ => singles.push(input),
        }
    }
    let tf_units: Vec<TfUnit> = tf_dirs.into_values().collect();

    let mut out = Extraction::default();
    let parts: Vec<Extraction> = tf_units
        .par_iter()
        .map(|unit| unit.extract(ctx))
        .chain(singles.par_iter().map(|input| extract_single(input, ctx)))
        .collect();
    for part in parts {
        out.extend(part);
    }
    let yaml_files: Vec<Arc<SourceFile>> = inputs
        .iter()
        .filter(|i| i.syntax == Syntax::Yaml)
        .map(|i| i.file.clone())
        .collect();
    pulumi::apply_stack_config(&mut out.deployments, &yaml_files);
    for dep in &mut out.deployments {
        resolve_country(dep, ctx.catalog);
    }
    out.deployments.sort_by(|a, b| {
        (&a.path, a.span.start, &a.type_, &a.name).cmp(&(&b.path, b.span.start, &b.type_, &b.name))
    });
    crate::diag::sort(&mut out.errors);
    out
}

/// The Terraform files of one directory.
#[derive(Debug, Default)]
struct TfUnit {
    hcl: Vec<Arc<SourceFile>>,
    json: Vec<Arc<SourceFile>>,
}

impl TfUnit {
    fn extract(&self, ctx: Ctx<'_>) -> Extraction {
        if self.json.is_empty() {
            return terraform::extract_module(&self.hcl, ctx);
        }
        let mut errors = Vec::new();
        let mut roots = Vec::new();
        for file in &self.json {
            match json::parse_file(file) {
                Ok(root) => roots.push((file.clone(), root)),
                Err(e) => errors.push(parse_error(file, e.span, e.message)),
            }
        }
        let refs: Vec<(Arc<SourceFile>, &parse::tree::Node)> =
            roots.iter().map(|(f, r)| (f.clone(), r)).collect();
        let mut out = terraform::extract_module_with_json(&self.hcl, &refs, ctx);
        out.errors.extend(errors);
        out
    }
}

fn is_tf_json(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".tf.json") || lower.ends_with(".tofu.json")
}

/// One file of a non-Terraform syntax. A panic in an extractor becomes a parse error for that
/// file instead of aborting the run.
fn extract_single(input: &Input, ctx: Ctx<'_>) -> Extraction {
    let file = &input.file;
    let run = || match input.syntax {
        Syntax::Hcl | Syntax::Tfvars => terraform::extract_module(std::slice::from_ref(file), ctx),
        // `read_all` resolves templates to JSON or YAML; YAML is the fallback.
        Syntax::Yaml | Syntax::CfnTemplate => yaml::extract(file, ctx),
        Syntax::Json => json::extract(file, ctx),
        Syntax::Bicep => bicep::extract(file, ctx),
        Syntax::HelmTemplate => helm::extract_template(file, ctx),
        Syntax::Dotenv | Syntax::Toml | Syntax::Ini | Syntax::Properties => {
            endpoints::extract_text_config(file, input.syntax, ctx)
        }
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(extraction) => extraction,
        Err(_) => Extraction::error(
            Diag::error(
                crate::eval::finding::reserved::PARSE_ERROR,
                "cloudpact could not read this file (an internal error; please report it)",
            )
            .in_file(file.clone())
            .at(crate::source::Span::empty(0), "while reading this file"),
        ),
    }
}

/// Provider (from a CloudFormation/ARM/Bicep type prefix), kind and service of a resource type
/// as written, with the evidence pointing at `type_span`.
pub fn apply_resource_type(
    dep: &mut Deployment,
    type_: &str,
    type_span: Option<crate::source::Span>,
    catalog: &Catalog,
) {
    if let Some((provider, prefix)) = catalog.by_type_prefix(type_) {
        let mut e = Evidence::new(Attr::Provider, format!("resource type prefix \"{prefix}\""));
        e.span = type_span;
        dep.evidence.push(e);
        dep.provider = Some(provider);
    }
    if let Some((kind, service)) = catalog.kind_of(type_) {
        dep.kind = kind;
        dep.service = service.map(str::to_string);
        dep.evidence.push(Evidence::new(
            Attr::Kind,
            format!("resource type {type_} is {kind}"),
        ));
    }
    if let Some(service) = catalog.service_of(type_) {
        dep.service = Some(service.to_string());
    }
}

/// Sets a deployment's country from its provider's region table, with the evidence. A region
/// string alone never decides: without a provider, the country stays unknown.
pub fn resolve_country(dep: &mut Deployment, catalog: &Catalog) {
    if dep.country.is_some() {
        return;
    }
    let (Some(provider), Some(region)) = (&dep.provider, &dep.region) else {
        return;
    };
    if let Some(country) = catalog.country(provider, region) {
        let text = format!("{provider} region {region} is in country {country}");
        dep.country = Some(country.to_string());
        dep.evidence.push(Evidence::new(Attr::Country, text));
    }
}

/// A parse error of a scanned file, as the `cloudpact.parse-error` diagnostic.
pub fn parse_error(
    file: &Arc<SourceFile>,
    span: crate::source::Span,
    message: impl Into<String>,
) -> Diag {
    let message = message.into();
    Diag::error(
        crate::eval::finding::reserved::PARSE_ERROR,
        format!("cannot parse {}: {message}", file.path),
    )
    .in_file(file.clone())
    .at(span, message)
}

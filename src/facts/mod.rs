//! Stage 3 of the pipeline: from parsed files to deployments with provider, region, country,
//! kind, service, gpu, tags and evidence (docs/detection.md).
//!
//! One extractor per ecosystem, run per extraction unit ([`units`]): a Terraform folder, a
//! Pulumi project, or one file. Units are extracted in parallel; the result is sorted so it is
//! the same whatever the thread count.

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
pub mod units;
pub mod yaml;

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::Diag;
pub use crate::discover::Input;
use crate::discover::Syntax;
use crate::parse;
use crate::source::SourceFile;
use catalog::Catalog;
use model::{Attr, Deployment, Evidence};
use units::UnitKey;

/// What extractors need besides the file.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub catalog: &'a Catalog,
    /// Variable files a Terraform folder's runs name (`terraform.var_files` in
    /// `cloudpact.yaml`): folder → repository-relative files, later ones winning.
    pub var_files: &'a VarFiles,
}

/// Terraform folder → the variable files its runs pass with `-var-file`, in order.
pub type VarFiles = std::collections::BTreeMap<String, Vec<String>>;

static NO_VAR_FILES: VarFiles = VarFiles::new();

impl<'a> Ctx<'a> {
    pub fn new(catalog: &'a Catalog) -> Self {
        Ctx {
            catalog,
            var_files: &NO_VAR_FILES,
        }
    }
}

/// Deployments found, and the files that could not be parsed (as `cloudpact.parse-error`
/// diagnostics at the parser's position). Extractors give their deployments by value;
/// [`extract`] gives them shared, as the rest of the pipeline holds them.
#[derive(Debug)]
pub struct Extraction<D = Deployment> {
    pub deployments: Vec<D>,
    pub errors: Vec<Diag>,
}

impl<D> Default for Extraction<D> {
    fn default() -> Self {
        Self {
            deployments: Vec::new(),
            errors: Vec::new(),
        }
    }
}

impl<D> Extraction<D> {
    pub(crate) fn extend(&mut self, other: Extraction<D>) {
        append(&mut self.deployments, other.deployments);
        append(&mut self.errors, other.errors);
    }

    pub(crate) fn error(diag: Diag) -> Self {
        Self {
            deployments: Vec::new(),
            errors: vec![diag],
        }
    }
}

/// Appends `more` to `into`, taking its buffer instead of copying it when `into` is still
/// empty: a unit that is one large file would otherwise have its deployments held twice
/// (22 MB each for the 8 MiB `.tf` of `benches/long_lines.rs`) at the run's peak.
pub(crate) fn append<T>(into: &mut Vec<T>, more: Vec<T>) {
    if into.is_empty() && into.capacity() <= more.capacity() {
        *into = more;
    } else {
        into.extend(more);
    }
}

/// Extracts the deployments of every input, unit by unit ([`units`]), in parallel. Terraform
/// folders are parsed first and linked by their module calls ([`terraform::graph`]): each root
/// configuration is then evaluated with the module instances it makes.
pub(crate) fn extract(inputs: &[Input], ctx: Ctx<'_>) -> Extraction<Arc<Deployment>> {
    if inputs.is_empty() {
        // Without starting the thread pool.
        return Extraction::default();
    }
    let grouped = units::group(inputs.to_vec());
    let paths: foldhash::HashMap<&str, &Arc<str>> = inputs
        .iter()
        .map(|i| (&*i.file.path, &i.file.path))
        .collect();
    let (terraform, others): (Vec<_>, Vec<_>) = grouped
        .iter()
        .map(|(key, files)| (key, files))
        .partition(|(key, _)| matches!(key, UnitKey::Terraform(_)));
    // Units of several files (few, heavy) and of one file (many, light) as two indexed halves:
    // rayon splits at the chain first, which keeps both cores busy (measured: 1.9× on two
    // threads, against 1.5× for one iterator over the map). A JSON file alone is keyed as a
    // folder unit (`UnitKey::Arm`) but is light.
    let (folders, files): (Vec<_>, Vec<_>) = others.into_iter().partition(|(key, files)| {
        key.is_folder() && (files.len() > 1 || !matches!(key, UnitKey::Arm(_)))
    });
    let share = Share {
        catalog: ctx.catalog,
        paths: &paths,
    };
    let (terraform_part, parts) = rayon::join(
        || terraform_units(&terraform, ctx, &share),
        || {
            folders
                .par_iter()
                .chain(files.par_iter())
                .map(|(key, files)| extract_unit(key, files, ctx, &share))
                .collect::<Vec<_>>()
        },
    );
    let mut out = terraform_part;
    out.deployments
        .reserve_exact(parts.iter().map(|p| p.deployments.len()).sum());
    for part in parts {
        out.extend(part);
    }
    // On the worker threads: one sort of a large batch's deployments was 2 % of its time.
    out.deployments.par_sort_by(|a, b| {
        let calls = |d: &Deployment| {
            d.calls
                .iter()
                .map(|c| (c.path.clone(), c.span.start))
                .collect::<Vec<_>>()
        };
        (&a.path, a.span.start, &a.type_, &a.name, &a.module)
            .cmp(&(&b.path, b.span.start, &b.type_, &b.name, &b.module))
            .then_with(|| calls(a).cmp(&calls(b)))
    });
    crate::diag::sort(&mut out.errors);
    out
}

/// What completes a unit's deployments once extracted: their countries, from the catalog, and
/// the other files that decided them, among the batch's `paths`.
struct Share<'a> {
    catalog: &'a Catalog,
    paths: &'a foldhash::HashMap<&'a str, &'a Arc<str>>,
}

impl Share<'_> {
    /// Completes a unit's deployments and moves each behind an `Arc` on the thread that
    /// extracted them, then gives the memory the unit's parse trees, model and buffer held back
    /// to the system when the unit was large (`bytes` of text): the shared deployments reuse
    /// the model's freed pages, and the findings made next start from what the run still holds
    /// (docs/performance.md, "Memory").
    fn part(&self, part: Extraction, bytes: usize) -> Extraction<Arc<Deployment>> {
        // Not `collect`: that would reuse the deployments' buffer for the pointers and keep
        // all of it (22 MB for the 8 MiB `.tf` of `benches/long_lines.rs`) for the run.
        let mut deployments = Vec::with_capacity(part.deployments.len());
        deployments.extend(part.deployments.into_iter().map(|mut dep| {
            resolve_country(&mut dep, self.catalog);
            set_provenance(&mut dep, self.paths);
            Arc::new(dep)
        }));
        crate::memory::release_after(bytes);
        Extraction {
            deployments,
            errors: part.errors,
        }
    }
}

/// Extracts one unit that is not Terraform's. A panic in an extractor becomes a parse error at
/// the unit's first file instead of aborting the run: the other units are still checked.
fn extract_unit(
    key: &UnitKey,
    files: &[Input],
    ctx: Ctx<'_>,
    share: &Share<'_>,
) -> Extraction<Arc<Deployment>> {
    if let UnitKey::Terraform(_) = key {
        // A Terraform folder alone is a stack of one.
        return terraform_units(&[(key, &files.to_vec())], ctx, share);
    }
    let run = || match key {
        UnitKey::Pulumi(_) => {
            let mut out = Extraction::default();
            for input in files {
                out.extend(extract_single(input, ctx));
            }
            let sources: Vec<Arc<SourceFile>> = files.iter().map(|i| i.file.clone()).collect();
            pulumi::apply_stack_config(&mut out.deployments, &sources);
            out
        }
        UnitKey::Arm(template) => arm_unit(template, files, ctx),
        UnitKey::Bicep(_) => bicep::extract_unit(files, ctx),
        UnitKey::File(_) | UnitKey::Terraform(_) => files
            .iter()
            .map(|input| extract_single(input, ctx))
            .fold(Extraction::default(), |mut acc, e| {
                acc.extend(e);
                acc
            }),
    };
    share.part(guarded(files.first(), run), text_len(files))
}

/// The bytes of text of a unit's files.
fn text_len<'a>(files: impl IntoIterator<Item = &'a Input>) -> usize {
    files.into_iter().map(|i| i.file.len()).sum()
}

/// Runs an extraction; a panic becomes a parse error at `first` (an internal error).
fn guarded(first: Option<&Input>, run: impl FnOnce() -> Extraction) -> Extraction {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(extraction) => extraction,
        Err(_) => {
            let Some(first) = first else {
                return Extraction::default();
            };
            Extraction::error(
                Diag::error(
                    crate::diag::code::PARSE_ERROR,
                    "cloudpact could not read this file (an internal error; please report it)",
                )
                .in_file(first.file.clone())
                .at(crate::source::Span::empty(0), "while reading this file"),
            )
        }
    }
}

/// The Terraform folders of an extraction, stack by stack: the folders linked by module calls,
/// Terragrunt sources and includes, and configured variable files are parsed, linked and
/// evaluated together, and each stack's parsed models are dropped once its deployments are
/// out. Stacks run in parallel, and memory holds the models of one stack per thread, not of
/// the whole repository (docs/performance.md, "Memory"). The links come from the files' text
/// ([`terraform::graph::linked_folders`], a superset of what the module graph resolves), so a
/// stack always holds every folder its module graph reaches.
fn terraform_units(
    units: &[(&UnitKey, &Vec<Input>)],
    ctx: Ctx<'_>,
    share: &Share<'_>,
) -> Extraction<Arc<Deployment>> {
    if units.is_empty() {
        return Extraction::default();
    }
    let dir_of = |key: &UnitKey| -> Arc<str> {
        match key {
            UnitKey::Terraform(dir) => dir.clone(),
            _ => "".into(),
        }
    };
    let dirs: Vec<Arc<str>> = units.iter().map(|(key, _)| dir_of(key)).collect();
    let links: Vec<(String, String)> = units
        .par_iter()
        .zip(dirs.par_iter())
        .flat_map_iter(|((_, files), dir)| {
            // A plan's `module_calls` name sources too, but only the configuration links
            // folders (a selection links them from the `.tf` files alone).
            let targets: Vec<String> = files
                .iter()
                .filter(|i| !units::is_plan_input(i))
                .flat_map(|i| terraform::graph::linked_folders(&i.file.path, &i.file.text()))
                .chain(
                    ctx.var_files
                        .get(&**dir)
                        .into_iter()
                        .flatten()
                        .map(|f| f.rsplit_once('/').map_or("", |(d, _)| d).to_string()),
                )
                .chain(std::iter::once(dir.to_string()))
                .collect();
            targets.into_iter().map(move |t| (dir.to_string(), t))
        })
        .collect();
    let index: HashMap<&str, usize> = dirs.iter().enumerate().map(|(i, d)| (&**d, i)).collect();
    let mut stacks: Vec<Vec<usize>> =
        terraform::graph::components(links.iter().map(|(a, b)| (a.as_str(), b.as_str())))
            .into_iter()
            .map(|group| {
                let mut members: Vec<usize> = group
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied())
                    .collect();
                members.sort_unstable();
                members
            })
            .filter(|members| !members.is_empty())
            .collect();
    // The heaviest stacks first, so the last to finish are small ones.
    stacks.sort_by_key(|members| std::cmp::Reverse(members.len()));
    let parts: Vec<Extraction<Arc<Deployment>>> = stacks
        .par_iter()
        .map(|members| {
            // Inside the guard: a panic while parsing is a parse error too. The folders of a
            // stack are parsed in parallel (one stack may hold most of a repository).
            let part = guarded(units[members[0]].1.first(), || {
                let parsed: Vec<(terraform::Folder, Vec<&Input>)> = members
                    .par_iter()
                    .map(|&i| {
                        let (plans, config): (Vec<&Input>, Vec<&Input>) =
                            units[i].1.iter().partition(|f| units::is_plan_input(f));
                        let config: Vec<Input> = config.into_iter().cloned().collect();
                        (terraform::Folder::parse(dirs[i].clone(), &config), plans)
                    })
                    .collect();
                let (folders, plans): (Vec<_>, Vec<_>) = parsed.into_iter().unzip();
                let plans: Vec<&Input> = plans.into_iter().flatten().collect();
                let source = terraform::extract_folders(&folders, ctx);
                terraform::join_plans(source, &plans, ctx)
            });
            share.part(part, text_len(members.iter().flat_map(|&i| units[i].1)))
        })
        .collect();
    let mut out = Extraction::default();
    for part in parts {
        out.extend(part);
    }
    out
}

/// The files that decided a deployment besides its own: every scanned file its evidence cites
/// as `path:line`, and the files of the module calls that made it. A run over named files
/// reports the deployments whose provenance names one of them (docs/architecture.md, "Units
/// and context").
fn set_provenance(dep: &mut Deployment, paths: &foldhash::HashMap<&str, &Arc<str>>) {
    let mut cited: Vec<Arc<str>> = Vec::new();
    let cite = |path: &str, cited: &mut Vec<Arc<str>>| {
        if path.is_empty() || *path == *dep.path || cited.iter().any(|c| **c == *path) {
            return;
        }
        if let Some(p) = paths.get(path) {
            cited.push((*p).clone());
        }
    };
    for call in &dep.calls {
        cite(&call.path, &mut cited);
    }
    for e in &dep.evidence {
        let text = e.text.as_str();
        // Each `:` followed by a digit ends a candidate `path`, which starts after the last
        // space or bracket before it.
        for (colon, _) in text.match_indices(':') {
            if !text[colon + 1..].starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let start = text[..colon]
                .rfind([' ', '(', ',', ';'])
                .map_or(0, |i| i + 1);
            cite(&text[start..colon], &mut cited);
        }
    }
    cited.sort();
    dep.provenance = cited;
}

/// A JSON file and its ARM parameter files: when the file is an ARM template, the parameter
/// files set its parameters. Each file is otherwise read as on its own (a parameter file is a
/// config file; its parse errors are reported there).
fn arm_unit(template: &str, files: &[Input], ctx: Ctx<'_>) -> Extraction {
    let parameters: Vec<(Arc<SourceFile>, parse::tree::Node)> = files
        .iter()
        .filter(|i| *i.file.path != *template)
        .filter_map(|i| Some((i.file.clone(), json::parse_file(&i.file).ok()?)))
        .collect();
    let refs: Vec<arm::ParameterFile<'_>> =
        parameters.iter().map(|(f, r)| (f.clone(), r)).collect();
    let mut out = Extraction::default();
    for input in files {
        if *input.file.path == *template && input.syntax == Syntax::Json {
            out.extend(json::extract_with_parameters(&input.file, &refs, ctx));
        } else {
            out.extend(extract_single(input, ctx));
        }
    }
    out
}

/// One file of a non-Terraform syntax.
fn extract_single(input: &Input, ctx: Ctx<'_>) -> Extraction {
    let file = &input.file;
    match input.syntax {
        Syntax::Hcl | Syntax::Tfvars => terraform::extract_module(std::slice::from_ref(file), ctx),
        // `read_all` resolves templates to JSON or YAML; YAML is the fallback.
        Syntax::Yaml | Syntax::CfnTemplate => yaml::extract(file, ctx),
        Syntax::Json => json::extract(file, ctx),
        Syntax::Bicep => bicep::extract(file, ctx),
        Syntax::HelmTemplate => helm::extract(file, ctx),
        Syntax::Dotenv | Syntax::Toml | Syntax::Ini | Syntax::Properties => {
            endpoints::extract_text_config(file, input.syntax, ctx)
        }
    }
}

/// Provider (from a CloudFormation/ARM/Bicep type prefix), kind and service of a resource type
/// as written, with the evidence pointing at `type_span`.
pub(crate) fn apply_resource_type(
    dep: &mut Deployment,
    type_: &str,
    type_span: Option<crate::source::Span>,
    catalog: &Catalog,
) {
    if let Some((provider, prefix)) = catalog.by_type_prefix(type_) {
        let mut e = Evidence::new(
            Attr::Provider,
            format_args!("resource type prefix \"{prefix}\""),
        );
        e.span = type_span;
        dep.evidence.push(e);
        dep.provider = Some(provider);
    }
    if let Some((kind, service)) = catalog.kind_of(type_) {
        dep.kind = kind;
        dep.service = service.map(str::to_string);
        dep.evidence.push(Evidence::new(
            Attr::Kind,
            format_args!("resource type {type_} is {kind}"),
        ));
    }
    if let Some(service) = catalog.service_of(type_) {
        dep.service = Some(service.to_string());
    }
}

/// Sets a deployment's country from its provider's region table, with the evidence. A region
/// string alone never decides: without a provider, the country stays unknown.
pub(crate) fn resolve_country(dep: &mut Deployment, catalog: &Catalog) {
    if dep.country.is_some() || !dep.countries.is_empty() {
        return;
    }
    let (Some(provider), Some(region)) = (&dep.provider, &dep.region) else {
        return;
    };
    if let Some((country, text)) = region_country(provider, region, catalog) {
        dep.evidence.push(Evidence::new(Attr::Country, text));
        dep.country = Some(country.to_string());
    } else if let Some(set) = catalog.multi_region_countries(provider, region) {
        // A multi-region location has no single country, but a documented set of them
        // (src/facts/catalog/regions.yaml, `multi_region_countries`).
        let text = format!(
            "{provider} multi-region location {region} may keep data in {}",
            set.join(", ")
        );
        dep.countries = set.to_vec();
        dep.evidence.push(Evidence::new(Attr::Country, text));
    }
}

/// The country of `region` of `provider` in the catalog, and the evidence sentence citing it.
/// Kept per thread for the pairs met before: a batch's deployments share a few regions, and
/// the catalog lookup and the sentence cost more than the deployment's other steps together
/// (docs/performance.md).
fn region_country(
    provider: &str,
    region: &str,
    catalog: &Catalog,
) -> Option<(std::rc::Rc<str>, model::Text)> {
    type Known = foldhash::HashMap<Box<str>, Option<(std::rc::Rc<str>, model::Text)>>;
    thread_local! {
        static KNOWN: std::cell::RefCell<(String, Known)> = std::cell::RefCell::default();
    }
    /// Pairs a thread keeps; past it the set starts again (memory stays bounded).
    const KEPT: usize = 4096;
    KNOWN.with(|known| {
        let (key, known) = &mut *known.borrow_mut();
        key.clear();
        key.push_str(provider);
        key.push('\n');
        key.push_str(region);
        if let Some(found) = known.get(key.as_str()) {
            return found.clone();
        }
        let found = catalog.country(provider, region).map(|country| {
            let text = model::Text::formatted(format_args!(
                "{provider} region {region} is in country {country}"
            ));
            (std::rc::Rc::from(country), text)
        });
        if known.len() >= KEPT {
            known.clear();
        }
        known.insert(key.as_str().into(), found.clone());
        found
    })
}

/// A parse error of a scanned file, as the `cloudpact.parse-error` diagnostic.
pub(crate) fn parse_error(
    file: &Arc<SourceFile>,
    span: crate::source::Span,
    message: impl Into<String>,
) -> Diag {
    let message = message.into();
    Diag::error(
        crate::diag::code::PARSE_ERROR,
        format!("cannot parse {}: {message}", file.path),
    )
    .in_file(file.clone())
    .at(span, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::model::Format;
    use crate::source::Span;

    #[test]
    fn a_region_country_known_before_is_the_same_as_one_looked_up() {
        let catalog = Catalog::builtin();
        for _ in 0..2 {
            let (country, text) = region_country("aws", "eu-west-1", &catalog).unwrap();
            assert_eq!(&*country, "ie");
            assert_eq!(text.as_str(), "aws region eu-west-1 is in country ie");
            // The same region string is another country on another provider.
            let (country, _) = region_country("alibaba", "eu-west-1", &catalog).unwrap();
            assert_eq!(&*country, "gb");
            assert!(region_country("aws", "mars-north-1", &catalog).is_none());
        }
    }

    #[test]
    fn shared_deployments_keep_no_buffer_of_their_unit() {
        let catalog = Catalog::builtin();
        let paths = foldhash::HashMap::default();
        let share = Share {
            catalog: &catalog,
            paths: &paths,
        };
        let deployments: Vec<Deployment> = (0..100)
            .map(|i| {
                let at = Span::new(i, i + 1);
                Deployment::new("a.tf".into(), at, Format::Terraform, "aws_s3_bucket", "b")
            })
            .collect();
        let out = share.part(
            Extraction {
                deployments,
                errors: Vec::new(),
            },
            0,
        );
        assert_eq!(out.deployments.len(), 100);
        // A `collect` reuses the deployments' buffer: room for 4,200 pointers, kept for the run.
        assert_eq!(out.deployments.capacity(), 100);
        assert_eq!(out.deployments[99].span, Span::new(99, 100));
    }
}

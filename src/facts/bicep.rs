//! Bicep files: every `resource` declaration (conditional, looped, nested children), located
//! at its `resource` keyword. `existing` resources are references to what something else
//! deployed, so they are not deployments; their nested children are.
//!
//! Values are resolved statically only: a literal, or a parameter or variable whose value is a
//! literal. `resourceGroup().location` and every other expression are unknown. A parameter's
//! value comes, in one instance of a template, from:
//!
//! - a `.bicepparam` file whose `using` names the template: each such file is one instance of
//!   the template with its values (a template no parameter file uses is one instance with its
//!   defaults);
//! - a `module` declaration with a local path (`module st './storage.bicep' = { params: { … } }`):
//!   each call is one instance of the module's file with the call's `params`, read in the
//!   caller's instance; a file only ever called as a module is not also evaluated on its own;
//! - else the parameter's default.
//!
//! All Bicep files of the repository are one extraction unit (`facts::units::UnitKey::Bicep`),
//! since those paths may lead to any folder.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::arm::{join_type, normalize_location};
use super::model::{Attr, Deployment, Evidence, Format};
use super::{Ctx, Extraction, Input, parse_error};
use crate::parse::bicep::{BVal, BicepFile, ModuleDecl, Obj, ResourceDecl};
use crate::source::SourceFile;

pub(crate) use crate::parse::bicep::MAX_DEPTH;

/// Module calls followed below a template before the chain is cut (a cycle is cut at once).
pub(crate) const MAX_MODULE_DEPTH: usize = 32;

/// One Bicep file on its own: its parameters' defaults.
pub fn extract(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Extraction {
    extract_unit(
        &[Input {
            file: file.clone(),
            syntax: crate::discover::Syntax::Bicep,
        }],
        ctx,
    )
}

/// The Bicep files of a repository: templates, their `.bicepparam` files and modules.
pub(crate) fn extract_unit(files: &[Input], ctx: Ctx<'_>) -> Extraction {
    let mut out = Extraction::default();
    let mut parsed = Vec::new();
    for input in files {
        match crate::parse::bicep::parse(&input.file.text()) {
            Ok(p) => parsed.push((input.file.clone(), p)),
            Err(e) => out.errors.push(parse_error(&input.file, e.span, e.message)),
        }
    }
    let unit = Unit::new(parsed, ctx);
    out.deployments = unit.deployments();
    out
}

/// A `.bicepparam` file: parameter values for the template its `using` names.
fn is_param_file(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".bicepparam")
}

/// The repository path a local reference from `from` leads to (`./storage.bicep`,
/// `../modules/app.bicep`); `None` for a registry or template-spec reference
/// (`br:…`, `br/public:…`, `ts:…`) or a path leaving the repository.
pub(crate) fn local_target(from: &str, reference: &str) -> Option<String> {
    if reference.contains(':') {
        return None;
    }
    let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
    crate::discover::join(dir, reference)
}

/// Where a template instance's parameters get their values.
#[derive(Clone, Copy)]
enum Args {
    /// Nowhere: every parameter has its default.
    Defaults,
    /// The `param` values of a `.bicepparam` file (the index of its file).
    ParamFile(usize),
    /// The `params` of a module declaration (its file and index there), read in the instance
    /// (the frame) that made the call.
    Module {
        caller: usize,
        file: usize,
        module: usize,
    },
}

/// One instance of a template file.
struct Frame {
    file: usize,
    args: Args,
}

struct Unit<'c> {
    files: Vec<(Arc<SourceFile>, BicepFile)>,
    by_path: HashMap<Arc<str>, usize>,
    ctx: Ctx<'c>,
}

/// A value resolved to a literal, the parameter or variable it came through, and the file
/// the literal is written in.
struct Resolved<'a> {
    value: &'a BVal,
    via: Option<String>,
    file: usize,
}

impl<'c> Unit<'c> {
    fn new(files: Vec<(Arc<SourceFile>, BicepFile)>, ctx: Ctx<'c>) -> Self {
        let by_path = files
            .iter()
            .enumerate()
            .map(|(i, (f, _))| (f.path.clone(), i))
            .collect();
        Self {
            files,
            by_path,
            ctx,
        }
    }

    fn path(&self, file: usize) -> &str {
        &self.files[file].0.path
    }

    /// The template file a reference written in `from` leads to, when it is in the unit.
    fn target(&self, from: usize, reference: &str) -> Option<usize> {
        let path = local_target(self.path(from), reference)?;
        self.by_path.get(path.as_str()).copied()
    }

    fn deployments(&self) -> Vec<Deployment> {
        let n = self.files.len();
        let mut called = HashSet::new();
        let mut param_files: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..n {
            let parsed = &self.files[i].1;
            if is_param_file(self.path(i)) {
                if let Some((using, _)) = &parsed.using
                    && let Some(t) = self.target(i, using)
                    && !is_param_file(self.path(t))
                {
                    param_files.entry(t).or_default().push(i);
                }
                continue;
            }
            for m in &parsed.modules {
                if let Some(t) = self.target(i, &m.path) {
                    called.insert(t);
                }
            }
        }
        let mut frames = Vec::new();
        let mut reached = HashSet::new();
        let mut out = Vec::new();
        let templates = (0..n).filter(|&i| !is_param_file(self.path(i)));
        for i in templates.clone() {
            let uses = param_files.get(&i).map(Vec::as_slice).unwrap_or_default();
            if called.contains(&i) && uses.is_empty() {
                continue;
            }
            if uses.is_empty() {
                self.instance(i, Args::Defaults, &mut frames, &mut reached, &mut out);
                continue;
            }
            // Parameter files that give the same values make the same deployments: once is
            // enough.
            let mut instances = Vec::new();
            for &p in uses {
                let mut one = Vec::new();
                self.instance(i, Args::ParamFile(p), &mut frames, &mut reached, &mut one);
                if !instances.contains(&one) {
                    instances.push(one);
                }
            }
            out.extend(instances.into_iter().flatten());
        }
        // Files called only from a cycle of module calls: on their own, with defaults.
        for i in templates {
            if !reached.contains(&i) {
                self.instance(i, Args::Defaults, &mut frames, &mut reached, &mut out);
            }
        }
        out
    }

    /// The deployments of one instance of template `file`, and of the modules it calls.
    fn instance(
        &self,
        file: usize,
        args: Args,
        frames: &mut Vec<Frame>,
        reached: &mut HashSet<usize>,
        out: &mut Vec<Deployment>,
    ) {
        reached.insert(file);
        let frame = frames.len();
        frames.push(Frame { file, args });
        let emitter = Emitter {
            unit: self,
            frames,
            frame,
        };
        for r in &self.files[file].1.resources {
            emitter.emit(r, None, out);
        }
        let chain = emitter.call_chain();
        if chain.len() >= MAX_MODULE_DEPTH {
            return;
        }
        for (m, decl) in self.files[file].1.modules.iter().enumerate() {
            let Some(target) = self.target(file, &decl.path) else {
                continue;
            };
            // A module that calls itself, directly or not, is cut where it would repeat.
            if target == file || chain.iter().any(|&(f, _)| f == target) {
                continue;
            }
            let args = Args::Module {
                caller: frame,
                file,
                module: m,
            };
            self.instance(target, args, frames, reached, out);
        }
    }

    fn module(&self, file: usize, module: usize) -> &ModuleDecl {
        &self.files[file].1.modules[module]
    }
}

struct Emitter<'u, 'c> {
    unit: &'u Unit<'c>,
    frames: &'u [Frame],
    frame: usize,
}

impl Emitter<'_, '_> {
    fn file(&self) -> &Arc<SourceFile> {
        &self.unit.files[self.frames[self.frame].file].0
    }

    fn emit(&self, decl: &ResourceDecl, parent_type: Option<&str>, out: &mut Vec<Deployment>) {
        let type_ = join_type(parent_type, &decl.type_);
        if !decl.existing {
            out.push(self.deployment(decl, &type_));
        }
        if let Some(body) = &decl.body {
            for child in &body.resources {
                self.emit(child, Some(&type_), out);
            }
        }
    }

    fn deployment(&self, decl: &ResourceDecl, type_: &str) -> Deployment {
        let catalog = self.unit.ctx.catalog;
        let mut dep = Deployment::new(
            self.file().path.clone(),
            decl.head,
            Format::Bicep,
            type_,
            decl.symbol.clone(),
        );
        super::apply_resource_type(&mut dep, type_, Some(decl.type_span), catalog);
        let Some(body) = &decl.body else {
            return dep;
        };
        if let Some(location) = body.get("location") {
            self.region(&mut dep, location);
        }
        if let Some(tags) = body
            .get("tags")
            .and_then(|t| self.resolve(t, self.frame, 0))
            && let BVal::Object(o) = tags.value
        {
            for (k, v) in &o.props {
                if let BVal::Str(s, _) = v {
                    dep.tags.insert(k.clone(), s.clone());
                }
            }
        }
        self.gpu(&mut dep, body);
        dep
    }

    fn region(&self, dep: &mut Deployment, location: &BVal) {
        let Some(r) = self.resolve(location, self.frame, 0) else {
            return;
        };
        let BVal::Str(s, span) = r.value else {
            return;
        };
        let Some(region) = normalize_location(s) else {
            return;
        };
        let own = r.file == self.frames[self.frame].file;
        let mut text = match &r.via {
            None if own => format!("location '{s}'"),
            via => {
                let file = &self.unit.files[r.file].0;
                let line = file.line_col(span.start).line;
                let via = via.as_deref().unwrap_or("location");
                format!("{via} '{s}' in {}:{line}", file.path)
            }
        };
        let chain = self.call_chain();
        if !chain.is_empty() {
            let calls: Vec<String> = chain
                .iter()
                .rev()
                .map(|&(caller, m)| {
                    let file = &self.unit.files[caller].0;
                    let decl = self.unit.module(caller, m);
                    let line = file.line_col(decl.head.start).line;
                    format!("module {} ({}:{line})", decl.symbol, file.path)
                })
                .collect();
            text.push_str(&format!(", via {}", calls.join(", ")));
        }
        let evidence = Evidence::new(Attr::Region, text);
        // Evidence spans point into the deployment's own file only.
        dep.evidence
            .push(if own { evidence.at(*span) } else { evidence });
        dep.region = Some(region);
    }

    fn gpu(&self, dep: &mut Deployment, body: &Obj) {
        let mut sizes = Vec::new();
        if let Some(BVal::Object(sku)) = body.get("sku")
            && let Some(name) = sku.get("name")
        {
            sizes.push(name);
        }
        if let Some(props) = body.get("properties") {
            collect_vm_sizes(props, &mut sizes, 0);
        }
        let own = self.frames[self.frame].file;
        for size in sizes {
            let Some(Resolved {
                value: BVal::Str(s, span),
                file,
                ..
            }) = self.resolve(size, self.frame, 0)
            else {
                continue;
            };
            if self
                .unit
                .ctx
                .catalog
                .is_gpu_type(dep.provider.as_deref(), s)
            {
                dep.gpu = true;
                let e = Evidence::new(Attr::Gpu, format_args!("VM size {s}"));
                dep.evidence.push(if file == own { e.at(*span) } else { e });
                break;
            }
        }
    }

    /// The module calls that led to this instance, innermost first: `(calling file, module)`.
    fn call_chain(&self) -> Vec<(usize, usize)> {
        let mut chain = Vec::new();
        let mut frame = self.frame;
        while let Args::Module {
            caller,
            file,
            module,
        } = self.frames[frame].args
        {
            chain.push((file, module));
            frame = caller;
        }
        chain
    }

    /// A literal value, itself or through parameters (their `.bicepparam` or module value,
    /// else their default) and variables, a few hops; read in instance `frame`.
    fn resolve<'v>(&'v self, value: &'v BVal, frame: usize, hops: usize) -> Option<Resolved<'v>> {
        let file = self.frames[frame].file;
        match value {
            BVal::Ident(name, _) => {
                if hops > 8 {
                    return None;
                }
                if let Some(r) = self.argument(name, frame, hops) {
                    return r;
                }
                let parsed = &self.unit.files[file].1;
                let (found, via) = match parsed.params.get(name) {
                    Some(v) => (v, format!("parameter {name} default")),
                    None => (parsed.vars.get(name)?, format!("variable {name}")),
                };
                let r = self.resolve(found, frame, hops + 1)?;
                Some(Resolved {
                    via: r.via.or(Some(via)),
                    ..r
                })
            }
            BVal::Expr(_) => None,
            v => Some(Resolved {
                value: v,
                via: None,
                file,
            }),
        }
    }

    /// The value instance `frame` was given for parameter `name`: `None` when it was given
    /// none (its default holds), `Some(None)` when it was given one that is not a literal.
    fn argument<'v>(
        &'v self,
        name: &str,
        frame: usize,
        hops: usize,
    ) -> Option<Option<Resolved<'v>>> {
        let unit = self.unit;
        let (value, scope) = match self.frames[frame].args {
            Args::Defaults => return None,
            Args::ParamFile(p) => {
                let value = unit.files[p].1.params.get(name)?;
                // Read in the parameter file itself (its own `var`s), as a frame of its own.
                return Some(self.in_param_file(p, value, name, hops));
            }
            Args::Module {
                caller,
                file,
                module,
            } => {
                let body = unit.module(file, module).body.as_ref()?;
                let Some(BVal::Object(params)) = body.get("params") else {
                    return None;
                };
                (params.get(name)?, caller)
            }
        };
        let r = self.resolve(value, scope, hops + 1);
        Some(r.map(|r| Resolved {
            via: r.via.or_else(|| Some(format!("parameter {name}"))),
            ..r
        }))
    }

    /// A `.bicepparam` value: a literal, or one of the file's `var`s.
    fn in_param_file<'v>(
        &'v self,
        p: usize,
        value: &'v BVal,
        name: &str,
        hops: usize,
    ) -> Option<Resolved<'v>> {
        let vars = &self.unit.files[p].1.vars;
        let mut value = value;
        for _ in hops..8 {
            match value {
                BVal::Ident(v, _) => value = vars.get(v)?,
                BVal::Expr(_) => return None,
                v => {
                    return Some(Resolved {
                        value: v,
                        via: Some(format!("parameter {name}")),
                        file: p,
                    });
                }
            }
        }
        None
    }
}

fn collect_vm_sizes<'a>(value: &'a BVal, out: &mut Vec<&'a BVal>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        BVal::Object(o) => {
            for (k, v) in &o.props {
                if k.eq_ignore_ascii_case("vmSize") {
                    out.push(v);
                } else {
                    collect_vm_sizes(v, out, depth + 1);
                }
            }
        }
        BVal::Array(items, _) => items
            .iter()
            .for_each(|i| collect_vm_sizes(i, out, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;

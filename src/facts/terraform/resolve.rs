//! Static values of one module: literals, `var.X` (defaults, `*.tfvars`, `*.tfvars.json`),
//! `local.X`, and
//! attributes of other resources of the module (`azurerm_resource_group.rg.location`).
//! Anything else is unknown; nothing is guessed.

// foldhash, not SipHash: the scope's tables are built and read for every module instance.
use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;
use std::sync::Arc;

use super::model::{Attr, Block, Expr, File, Role};
use crate::facts::catalog::Catalog;
use crate::facts::model::{ProviderId, Text};
use crate::parse::tree::Str;
use crate::source::{SourceFile, Span};

/// How many references a value may go through (cycles end here too).
const MAX_HOPS: usize = 16;

/// Roots of references that never name a resource.
const NOT_RESOURCES: &[&str] = &[
    "var",
    "local",
    "module",
    "data",
    "path",
    "terraform",
    "each",
    "count",
    "self",
];

/// A value followed to its end, with the places it went through.
#[derive(Debug, Clone)]
pub struct Found<'m> {
    pub expr: &'m Expr,
    /// `var.location default in terraform/variables.tf:2`, … in the order followed.
    pub trail: Vec<Step>,
}

/// A string value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub text: String,
    pub trail: Vec<Step>,
}

/// A value a caller gives a module's variable (a module argument, a Terragrunt input),
/// resolved in the caller's scope: references inside it are already followed.
#[derive(Debug, Clone)]
pub struct Bound {
    pub value: Expr,
    /// Where it came from, the call site first.
    pub trail: Vec<Step>,
}

/// A place a value went through, as evidence names it (`var.location default in
/// variables.tf:2`): what and where, written out only when evidence shows it. Written out as
/// each was taken, the steps were 2 % of a large check's instructions (their lines and
/// sentences), most of them for module arguments no deployment's evidence cites
/// (docs/performance.md, "Trails written when shown, freed pages kept across batches").
#[derive(Debug, Clone)]
pub struct Step {
    what: What,
    file: Arc<SourceFile>,
    span: Span,
}

#[derive(Debug, Clone, PartialEq)]
enum What {
    /// `local.NAME`
    Local(Str),
    /// `TYPE.NAME.ATTRIBUTE`
    Resource([Str; 3]),
    /// `var.NAME` (set in a variable file)
    Var(Str),
    /// `var.NAME default`
    Default(Str),
    /// `var.KEY = module.NAME argument`, or a Terragrunt input (no module name).
    Argument { key: Str, module: Option<Str> },
}

impl Step {
    fn new(what: What, file: &File, span: Span) -> Self {
        Step {
            what,
            file: file.src.clone(),
            span,
        }
    }

    /// The step of a module argument (`module` its name) or a Terragrunt input (`None`).
    pub(crate) fn argument(key: &Str, module: Option<&str>, file: &File, span: Span) -> Self {
        let what = What::Argument {
            key: key.clone(),
            module: module.map(Str::from),
        };
        Step::new(what, file, span)
    }
}

impl PartialEq for Step {
    fn eq(&self, other: &Self) -> bool {
        self.what == other.what && self.span == other.span && self.file.path == other.file.path
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.what {
            What::Local(name) => write!(f, "local.{name}")?,
            What::Resource([ty, name, attr]) => write!(f, "{ty}.{name}.{attr}")?,
            What::Var(name) => write!(f, "var.{name}")?,
            What::Default(name) => write!(f, "var.{name} default")?,
            What::Argument {
                key,
                module: Some(module),
            } => write!(f, "var.{key} = module.{module} argument")?,
            What::Argument { key, module: None } => write!(f, "var.{key} = Terragrunt input")?,
        }
        let at = At {
            path: &self.file.path,
            line: self.file.line_col(self.span.start).line,
        };
        write!(f, " in {at}")
    }
}

/// One attribute of a provider configuration, resolved where the block is written.
#[derive(Debug, Clone)]
pub struct ProviderAttr<'m> {
    pub name: &'m str,
    pub span: Span,
    pub value: Option<Value>,
}

/// A provider configuration as a module instance sees it: written in the module, or passed
/// down by its callers (`via` names the calls, outermost first).
#[derive(Debug, Clone)]
pub struct ProviderConf<'m> {
    pub file: &'m File,
    pub block: &'m Block,
    pub attrs: Vec<ProviderAttr<'m>>,
    pub via: Vec<String>,
}

impl<'m> ProviderConf<'m> {
    pub(crate) fn attr(&self, name: &str) -> Option<&ProviderAttr<'m>> {
        self.attrs.iter().rev().find(|a| a.name == name)
    }

    /// `provider "aws" (alias "tokyo") block in aws/main.tf:5`.
    pub(crate) fn place(&self) -> String {
        let local = self.block.labels.first().map_or("", Str::as_str);
        let alias = self.block.body.attr("alias").and_then(|a| a.value.as_lit());
        let at = at(self.file, self.block.span);
        match alias {
            Some(a) => format!("provider \"{local}\" (alias \"{a}\") block in {at}"),
            None => format!("provider \"{local}\" block in {at}"),
        }
    }
}

/// The provider a local name stands for, with the evidence sentence.
pub(crate) type LocalProvider = (ProviderId, Text);

/// A provider configuration's key: its local name and alias.
pub type ProviderKey = (String, Option<String>);

/// How an instance's variables get their values. Terraform reads variable files only for the
/// configuration it runs in (a root); a called module sees its caller's arguments; Terragrunt
/// passes its `inputs` as environment variables, which the module's own variable files
/// override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vars {
    Root,
    Called,
    Terragrunt,
}

/// What an instance of a module knows from outside its folder.
#[derive(Debug, Clone)]
pub struct Context<'m> {
    pub vars: Vars,
    /// Module arguments or Terragrunt inputs, by variable name.
    pub bound: HashMap<String, Bound>,
    /// Provider configurations the caller passes (`None`: a root, which has only its own).
    pub providers: Option<HashMap<ProviderKey, ProviderConf<'m>>>,
    /// Variable files the configuration names for this folder (`terraform.var_files`), in
    /// order: later ones win.
    pub var_files: Vec<&'m File>,
}

impl Context<'_> {
    pub(crate) fn root() -> Self {
        Context {
            vars: Vars::Root,
            bound: HashMap::new(),
            providers: None,
            var_files: Vec::new(),
        }
    }
}

/// Everything of a module instance that values resolve against.
pub struct Scope<'m> {
    pub files: &'m [File],
    context: Context<'m>,
    variables: HashMap<&'m str, (usize, &'m Block)>,
    /// Auto-loaded variable files in Terraform's order ([`Role::auto_vars_rank`]): later ones
    /// win.
    auto_vars: HashMap<&'m str, (usize, &'m Attr)>,
    /// Other `*.tfvars`: every assignment, since which file a run names is not known.
    var_files: HashMap<&'m str, Vec<(usize, &'m Attr)>>,
    /// Variable files the configuration names, later ones winning.
    named_vars: HashMap<&'m str, (&'m File, &'m Attr)>,
    locals: HashMap<&'m str, (usize, &'m Attr)>,
    resources: HashMap<(&'m str, &'m str), (usize, &'m Block)>,
    /// (local name, alias) → provider configuration: the module's own blocks, else what its
    /// caller passes.
    providers: HashMap<ProviderKey, ProviderConf<'m>>,
    /// Local name → source address, from `required_providers`.
    required: HashMap<&'m str, (usize, &'m Attr, String)>,
    /// What [`Scope::provider_of_local`] answered: every resource of the instance asks, for
    /// one to three local names, and the answer with its sentence is the same each time.
    local_providers: RefCell<Vec<(String, Option<LocalProvider>)>>,
}

impl<'m> Scope<'m> {
    /// The scope of one instance of a module.
    pub(crate) fn instance(files: &'m [File], context: Context<'m>) -> Self {
        let mut scope = Scope {
            files,
            context,
            variables: HashMap::new(),
            auto_vars: HashMap::new(),
            var_files: HashMap::new(),
            named_vars: HashMap::new(),
            locals: HashMap::new(),
            resources: HashMap::new(),
            providers: HashMap::new(),
            required: HashMap::new(),
            local_providers: RefCell::default(),
        };
        let mut auto: Vec<usize> = Vec::new();
        let mut own_providers: Vec<(usize, &'m Block)> = Vec::new();
        for (i, file) in files.iter().enumerate() {
            match file.role {
                Role::Config => scope.index_config(i, file, &mut own_providers),
                Role::AutoVars => auto.push(i),
                Role::VarFile => {
                    for attr in &file.body.attrs {
                        scope
                            .var_files
                            .entry(&*attr.key)
                            .or_default()
                            .push((i, attr));
                    }
                }
                Role::Terragrunt => {}
            }
        }
        auto.sort_by_key(|&i| Role::auto_vars_rank(&files[i].src.path));
        for i in auto {
            for attr in &files[i].body.attrs {
                scope.auto_vars.insert(&*attr.key, (i, attr));
            }
        }
        let named = std::mem::take(&mut scope.context.var_files);
        for file in &named {
            for attr in &file.body.attrs {
                scope.named_vars.insert(&*attr.key, (*file, attr));
            }
        }
        scope.context.var_files = named;
        // What the caller passes, then the module's own blocks over it (resolved here: their
        // values may use the module's variables).
        if let Some(passed) = scope.context.providers.take() {
            scope.providers = passed;
        }
        for (i, block) in own_providers {
            let conf = scope.resolve_provider(i, block);
            let key = provider_key(block);
            scope.providers.insert(key, conf);
        }
        scope
    }

    fn index_config(&mut self, i: usize, file: &'m File, providers: &mut Vec<(usize, &'m Block)>) {
        for block in &file.body.blocks {
            match (&*block.ident, block.labels.as_slice()) {
                ("variable", [name]) => {
                    self.variables.insert(name, (i, block));
                }
                ("locals", _) => {
                    for attr in &block.body.attrs {
                        self.locals.insert(&*attr.key, (i, attr));
                    }
                }
                ("resource", [ty, name]) => {
                    self.resources.insert((ty, name), (i, block));
                }
                ("provider", [_]) => providers.push((i, block)),
                ("terraform", _) => {
                    for req in block.body.blocks("required_providers") {
                        for attr in &req.body.attrs {
                            if let Expr::Object(entries) = &attr.value
                                && let Some(src) = entries
                                    .iter()
                                    .rev()
                                    .find(|e| &*e.key == "source")
                                    .and_then(|e| e.value.as_lit())
                            {
                                self.required.insert(&*attr.key, (i, attr, src.to_string()));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn resolve_provider(&self, i: usize, block: &'m Block) -> ProviderConf<'m> {
        let attrs = block
            .body
            .attrs
            .iter()
            .map(|a| ProviderAttr {
                name: &a.key,
                span: a.span,
                value: self.string(&a.value),
            })
            .collect();
        ProviderConf {
            file: &self.files[i],
            block,
            attrs,
            via: Vec::new(),
        }
    }

    /// `path:line` of a span in file `i`.
    pub(crate) fn at(&self, i: usize, span: Span) -> At<'_> {
        at(&self.files[i], span)
    }

    /// Follows references until a value that is not one.
    pub(crate) fn follow<'s>(&'s self, expr: &'s Expr) -> Option<Found<'s>> {
        let mut trail = Vec::new();
        let expr = self.follow_in(expr, &mut Steps(Some(&mut trail)), 0)?;
        Some(Found { expr, trail })
    }

    /// [`Scope::follow`] for the value alone: no trail is written (its `path:line` steps were
    /// a large part of extracting a configuration, most of them for values only looked at).
    pub(crate) fn resolve<'s>(&'s self, expr: &'s Expr) -> Option<&'s Expr> {
        self.follow_in(expr, &mut Steps(None), 0)
    }

    /// The literal a value resolves to, without its trail.
    pub(crate) fn lit<'s>(&'s self, expr: &'s Expr) -> Option<&'s str> {
        self.resolve(expr)?.as_lit()
    }

    fn follow_in<'s>(
        &'s self,
        expr: &'s Expr,
        trail: &mut Steps<'_>,
        hops: usize,
    ) -> Option<&'s Expr> {
        let Expr::Ref(path) = expr else {
            return (!expr.is_opaque()).then_some(expr);
        };
        if hops >= MAX_HOPS {
            return None;
        }
        let next: &'s Expr = match path.as_slice() {
            [root, name] if root == "var" => self.variable(name, trail)?,
            [root, name] if root == "local" => {
                let (i, attr) = self.locals.get(name.as_str())?;
                trail.push(|| Step::new(What::Local(name.clone()), &self.files[*i], attr.span));
                &attr.value
            }
            [ty, name, attr_name] if !NOT_RESOURCES.contains(&ty.as_str()) => {
                let (i, block) = self.resources.get(&(ty.as_str(), name.as_str()))?;
                let attr = block.body.attr(attr_name)?;
                trail.push(|| {
                    let what = What::Resource([ty.clone(), name.clone(), attr_name.clone()]);
                    Step::new(what, &self.files[*i], attr.span)
                });
                &attr.value
            }
            _ => return None,
        };
        self.follow_in(next, trail, hops + 1)
    }

    /// The value of `var.name` as Terraform would load it for this instance (see [`Vars`]),
    /// with the places it came from pushed on `trail`.
    fn variable<'s>(&'s self, name: &str, trail: &mut Steps<'_>) -> Option<&'s Expr> {
        let loads_files = self.context.vars != Vars::Called;
        if loads_files && let Some((file, attr)) = self.named_vars.get(name) {
            trail.push(|| Step::new(What::Var(name.into()), file, attr.span));
            return Some(&attr.value);
        }
        if loads_files && let Some(assignments) = self.var_files.get(name) {
            let (i, first) = assignments[0];
            let agree = assignments
                .iter()
                .all(|(_, a)| a.value == first.value && first.value.as_lit().is_some());
            if !agree {
                return None;
            }
            trail.push(|| Step::new(What::Var(name.into()), &self.files[i], first.span));
            return Some(&first.value);
        }
        if loads_files && let Some((i, attr)) = self.auto_vars.get(name) {
            trail.push(|| Step::new(What::Var(name.into()), &self.files[*i], attr.span));
            return Some(&attr.value);
        }
        if self.context.vars != Vars::Root
            && let Some(bound) = self.context.bound.get(name)
        {
            trail.extend(&bound.trail);
            return Some(&bound.value);
        }
        let (i, block) = self.variables.get(name)?;
        let default = block.body.attr("default")?;
        trail.push(|| Step::new(What::Default(name.into()), &self.files[*i], default.span));
        Some(&default.value)
    }

    /// A string value (literal scalars only).
    pub(crate) fn string(&self, expr: &Expr) -> Option<Value> {
        let found = self.follow(expr)?;
        let text = found.expr.as_lit()?.to_string();
        Some(Value {
            text,
            trail: found.trail,
        })
    }

    /// A value as a caller hands it to a module: references followed, nested ones too, so the
    /// module can use it without this scope. Anything unresolved becomes [`Expr::Other`].
    pub(crate) fn bind(&self, expr: &Expr) -> (Expr, Vec<Step>) {
        let mut trail = Vec::new();
        let value = self.bind_in(expr, &mut trail, 0);
        (value, trail)
    }

    fn bind_in(&self, expr: &Expr, trail: &mut Vec<Step>, depth: usize) -> Expr {
        if depth > MAX_HOPS {
            return Expr::Other;
        }
        // The trail of the value itself; nested values' trails are not evidence for it.
        let found = if depth == 0 {
            self.follow(expr).map(|found| {
                trail.extend(found.trail);
                found.expr
            })
        } else {
            self.resolve(expr)
        };
        let Some(found) = found else {
            return Expr::Other;
        };
        match found {
            Expr::Object(entries) => Expr::Object(
                entries
                    .iter()
                    .map(|e| Attr {
                        key: e.key.clone(),
                        span: e.span,
                        value: self.bind_in(&e.value, trail, depth + 1),
                    })
                    .collect(),
            ),
            Expr::List(items) => Expr::List(
                items
                    .iter()
                    .map(|item| self.bind_in(item, trail, depth + 1))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The provider configuration for a local name and alias.
    pub(crate) fn provider(&self, local: &str, alias: Option<&str>) -> Option<&ProviderConf<'m>> {
        self.providers
            .get(&(local.to_string(), alias.map(str::to_string)))
    }

    /// Every provider configuration the instance sees.
    pub(crate) fn providers(&self) -> &HashMap<ProviderKey, ProviderConf<'m>> {
        &self.providers
    }

    /// The provider a local name stands for, with the evidence sentence.
    pub(crate) fn provider_of_local(
        &self,
        catalog: &Catalog,
        local: &str,
    ) -> Option<LocalProvider> {
        if let Some((_, known)) = self
            .local_providers
            .borrow()
            .iter()
            .find(|(l, _)| l == local)
        {
            return known.clone();
        }
        let found = self.find_provider_of_local(catalog, local);
        self.local_providers
            .borrow_mut()
            .push((local.to_string(), found.clone()));
        found
    }

    fn find_provider_of_local(&self, catalog: &Catalog, local: &str) -> Option<LocalProvider> {
        if let Some((i, attr, source)) = self.required.get(local)
            && let Some(id) = catalog.by_terraform_source(&normalize_source(source))
        {
            let place = self.at(*i, attr.span);
            let why = format_args!("provider source \"{source}\" for \"{local}\" in {place}");
            return Some((id, why.into()));
        }
        if let Some(id) = catalog.by_terraform_local_name(local) {
            return Some((id, format_args!("provider \"{local}\"").into()));
        }
        let id = catalog.by_terraform_source(&format!("hashicorp/{local}"))?;
        Some((
            id,
            format_args!("provider \"{local}\" (hashicorp/{local})").into(),
        ))
    }

    /// The source address a local name is declared with, if any.
    pub(crate) fn required_source(&self, local: &str) -> Option<&str> {
        self.required.get(local).map(|(_, _, s)| s.as_str())
    }
}

/// `path:line` of a span in a file.
pub(crate) fn at(file: &File, span: Span) -> At<'_> {
    At {
        path: &file.src.path,
        line: file.src.line_col(span.start).line,
    }
}

/// A place as evidence names it, `path:line`: written straight into the sentence that names
/// it, not made into a string of its own first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    path: &'a str,
    line: usize,
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// A `provider` block's local name and alias.
pub(crate) fn provider_key(block: &Block) -> ProviderKey {
    let local = block
        .labels
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    let alias = block
        .body
        .attr("alias")
        .and_then(|a| a.value.as_lit())
        .map(str::to_string);
    (local, alias)
}

/// `aws` (legacy shorthand) is `hashicorp/aws`; a registry host is dropped when it is one the
/// catalog lookup does not strip itself.
fn normalize_source(source: &str) -> String {
    let s = source.trim();
    match s.matches('/').count() {
        0 => format!("hashicorp/{s}"),
        2 => s.split_once('/').map_or(s, |(_, rest)| rest).to_string(),
        _ => s.to_string(),
    }
}

/// Where [`Scope::follow_in`] writes the steps it took, or nowhere ([`Scope::resolve`]): a step
/// is formatted only when it is kept.
struct Steps<'t>(Option<&'t mut Vec<Step>>);

impl Steps<'_> {
    fn push(&mut self, step: impl FnOnce() -> Step) {
        if let Some(trail) = self.0.as_deref_mut() {
            trail.push(step());
        }
    }

    fn extend(&mut self, steps: &[Step]) {
        if let Some(trail) = self.0.as_deref_mut() {
            trail.extend(steps.iter().cloned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_normalized() {
        assert_eq!(normalize_source("aws"), "hashicorp/aws");
        assert_eq!(
            normalize_source("hashicorp/google-beta"),
            "hashicorp/google-beta"
        );
        assert_eq!(
            normalize_source("registry.opentofu.org/hashicorp/aws"),
            "hashicorp/aws"
        );
    }
}

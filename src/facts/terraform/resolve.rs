//! Static values of one module: literals, `var.X` (defaults, `*.tfvars`, `*.tfvars.json`),
//! `local.X`, and
//! attributes of other resources of the module (`azurerm_resource_group.rg.location`).
//! Anything else is unknown; nothing is guessed.

use std::collections::HashMap;

use super::model::{Attr, Block, Expr, File, Role};
use crate::facts::catalog::Catalog;
use crate::facts::model::ProviderId;
use crate::source::Span;

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
pub(crate) struct Found<'m> {
    pub expr: &'m Expr,
    /// `var.location default in terraform/variables.tf:2`, … in the order followed.
    pub trail: Vec<String>,
}

/// A string value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Value {
    pub text: String,
    pub trail: Vec<String>,
}

/// Everything of a module that values resolve against.
pub(crate) struct Scope<'m> {
    pub files: &'m [File],
    variables: HashMap<&'m str, (usize, &'m Block)>,
    /// Auto-loaded variable files in Terraform's order ([`Role::auto_vars_rank`]): later ones
    /// win.
    auto_vars: HashMap<&'m str, (usize, &'m Attr)>,
    /// Other `*.tfvars`: every assignment, since which file a run names is not known.
    var_files: HashMap<&'m str, Vec<(usize, &'m Attr)>>,
    locals: HashMap<&'m str, (usize, &'m Attr)>,
    resources: HashMap<(&'m str, &'m str), (usize, &'m Block)>,
    /// (local name, alias) → `provider` block.
    providers: HashMap<(&'m str, Option<String>), (usize, &'m Block)>,
    /// Local name → source address, from `required_providers`.
    required: HashMap<&'m str, (usize, &'m Attr, String)>,
}

impl<'m> Scope<'m> {
    pub fn new(files: &'m [File]) -> Self {
        let mut scope = Scope {
            files,
            variables: HashMap::new(),
            auto_vars: HashMap::new(),
            var_files: HashMap::new(),
            locals: HashMap::new(),
            resources: HashMap::new(),
            providers: HashMap::new(),
            required: HashMap::new(),
        };
        let mut auto: Vec<usize> = Vec::new();
        for (i, file) in files.iter().enumerate() {
            match file.role {
                Role::Config => scope.index_config(i, file),
                Role::AutoVars => auto.push(i),
                Role::VarFile => {
                    for attr in &file.body.attrs {
                        scope
                            .var_files
                            .entry(attr.key.as_str())
                            .or_default()
                            .push((i, attr));
                    }
                }
            }
        }
        auto.sort_by_key(|&i| Role::auto_vars_rank(&files[i].src.path));
        for i in auto {
            for attr in &files[i].body.attrs {
                scope.auto_vars.insert(attr.key.as_str(), (i, attr));
            }
        }
        scope
    }

    fn index_config(&mut self, i: usize, file: &'m File) {
        for block in &file.body.blocks {
            match (block.ident.as_str(), block.labels.as_slice()) {
                ("variable", [name]) => {
                    self.variables.insert(name, (i, block));
                }
                ("locals", _) => {
                    for attr in &block.body.attrs {
                        self.locals.insert(attr.key.as_str(), (i, attr));
                    }
                }
                ("resource", [ty, name]) => {
                    self.resources.insert((ty, name), (i, block));
                }
                ("provider", [name]) => {
                    let alias = block
                        .body
                        .attr("alias")
                        .and_then(|a| a.value.as_lit())
                        .map(str::to_string);
                    self.providers.insert((name, alias), (i, block));
                }
                ("terraform", _) => {
                    for req in block.body.blocks("required_providers") {
                        for attr in &req.body.attrs {
                            if let Expr::Object(entries) = &attr.value
                                && let Some(src) = entries
                                    .iter()
                                    .rev()
                                    .find(|e| e.key == "source")
                                    .and_then(|e| e.value.as_lit())
                            {
                                self.required
                                    .insert(attr.key.as_str(), (i, attr, src.to_string()));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// `path:line` of a span in file `i`.
    pub fn at(&self, i: usize, span: Span) -> String {
        let file = &self.files[i].src;
        format!("{}:{}", file.path, file.line_col(span.start).line)
    }

    /// Follows references until a value that is not one.
    pub fn follow(&self, expr: &'m Expr) -> Option<Found<'m>> {
        let mut trail = Vec::new();
        let expr = self.follow_in(expr, &mut trail, 0)?;
        Some(Found { expr, trail })
    }

    fn follow_in(&self, expr: &'m Expr, trail: &mut Vec<String>, hops: usize) -> Option<&'m Expr> {
        let Expr::Ref(path) = expr else {
            return (!matches!(expr, Expr::Other)).then_some(expr);
        };
        if hops >= MAX_HOPS {
            return None;
        }
        let (next, place) = match path.as_slice() {
            [root, name] if root == "var" => self.variable(name)?,
            [root, name] if root == "local" => {
                let (i, attr) = self.locals.get(name.as_str())?;
                (
                    &attr.value,
                    format!("local.{name} in {}", self.at(*i, attr.span)),
                )
            }
            [ty, name, attr_name] if !NOT_RESOURCES.contains(&ty.as_str()) => {
                let (i, block) = self.resources.get(&(ty.as_str(), name.as_str()))?;
                let attr = block.body.attr(attr_name)?;
                (
                    &attr.value,
                    format!("{ty}.{name}.{attr_name} in {}", self.at(*i, attr.span)),
                )
            }
            _ => return None,
        };
        trail.push(place);
        self.follow_in(next, trail, hops + 1)
    }

    /// The value of `var.name`: a `-var-file` when all of them agree, else the auto-loaded
    /// files, else the default.
    fn variable(&self, name: &str) -> Option<(&'m Expr, String)> {
        if let Some(assignments) = self.var_files.get(name) {
            let (i, first) = assignments[0];
            let agree = assignments
                .iter()
                .all(|(_, a)| a.value == first.value && first.value.as_lit().is_some());
            if !agree {
                return None;
            }
            return Some((
                &first.value,
                format!("var.{name} in {}", self.at(i, first.span)),
            ));
        }
        if let Some((i, attr)) = self.auto_vars.get(name) {
            return Some((
                &attr.value,
                format!("var.{name} in {}", self.at(*i, attr.span)),
            ));
        }
        let (i, block) = self.variables.get(name)?;
        let default = block.body.attr("default")?;
        Some((
            &default.value,
            format!("var.{name} default in {}", self.at(*i, default.span)),
        ))
    }

    /// A string value (literal scalars only).
    pub fn string(&self, expr: &'m Expr) -> Option<Value> {
        let found = self.follow(expr)?;
        let text = found.expr.as_lit()?.to_string();
        Some(Value {
            text,
            trail: found.trail,
        })
    }

    /// The `provider` block for a local name and alias.
    pub fn provider_block(&self, local: &str, alias: Option<&str>) -> Option<(usize, &'m Block)> {
        self.providers
            .get(&(local, alias.map(str::to_string)))
            .copied()
    }

    /// The provider a local name stands for, with the evidence sentence.
    pub fn provider_of_local(
        &self,
        catalog: &Catalog,
        local: &str,
    ) -> Option<(ProviderId, String)> {
        if let Some((i, attr, source)) = self.required.get(local)
            && let Some(id) = catalog.by_terraform_source(&normalize_source(source))
        {
            let place = self.at(*i, attr.span);
            return Some((
                id,
                format!("provider source \"{source}\" for \"{local}\" in {place}"),
            ));
        }
        if let Some(id) = catalog.by_terraform_local_name(local) {
            return Some((id, format!("provider \"{local}\"")));
        }
        let id = catalog.by_terraform_source(&format!("hashicorp/{local}"))?;
        Some((id, format!("provider \"{local}\" (hashicorp/{local})")))
    }

    /// The source address a local name is declared with, if any.
    pub fn required_source(&self, local: &str) -> Option<&str> {
        self.required.get(local).map(|(_, _, s)| s.as_str())
    }
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

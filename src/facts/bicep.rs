//! Bicep files: every `resource` declaration (conditional, looped, nested children), located
//! at its `resource` keyword. `existing` resources are references to what something else
//! deployed, so they are not deployments; their nested children are.
//!
//! Values are resolved statically only: a literal, or a parameter default / variable value
//! that is a literal. `resourceGroup().location` and every other expression are unknown.

use std::sync::Arc;

use super::arm::{join_type, normalize_location};
use super::model::{Attr, Deployment, Evidence, Format};
use super::{Ctx, Extraction, parse_error};
use crate::parse::bicep::{BVal, BicepFile, Obj, ResourceDecl};
use crate::source::SourceFile;

pub use crate::parse::bicep::MAX_DEPTH;

pub fn extract(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Extraction {
    match crate::parse::bicep::parse(&file.text) {
        Ok(parsed) => {
            let mut out = Vec::new();
            let emitter = Emitter {
                file,
                ctx,
                parsed: &parsed,
            };
            for r in &parsed.resources {
                emitter.emit(r, None, &mut out);
            }
            Extraction {
                deployments: out,
                errors: Vec::new(),
            }
        }
        Err(e) => Extraction::error(parse_error(file, e.span, e.message)),
    }
}

struct Emitter<'a, 'c> {
    file: &'a Arc<SourceFile>,
    ctx: Ctx<'c>,
    parsed: &'a BicepFile,
}

/// A value resolved to a literal, and the parameter or variable it came through.
struct Resolved<'a> {
    value: &'a BVal,
    via: Option<String>,
}

impl Emitter<'_, '_> {
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
        let catalog = self.ctx.catalog;
        let mut dep = Deployment::new(
            self.file.path.clone(),
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
        if let Some(tags) = body.get("tags").and_then(|t| self.resolve(t, 0))
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
        let Some(r) = self.resolve(location, 0) else {
            return;
        };
        let BVal::Str(s, span) = r.value else {
            return;
        };
        let Some(region) = normalize_location(s) else {
            return;
        };
        let text = match &r.via {
            None => format!("location '{s}'"),
            Some(via) => {
                let line = self.file.line_col(span.start).line;
                format!("{via} '{s}' in {}:{line}", self.file.path)
            }
        };
        dep.evidence
            .push(Evidence::new(Attr::Region, text).at(*span));
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
        for size in sizes {
            let Some(Resolved {
                value: BVal::Str(s, span),
                ..
            }) = self.resolve(size, 0)
            else {
                continue;
            };
            if self.ctx.catalog.is_gpu_type(dep.provider.as_deref(), s) {
                dep.gpu = true;
                dep.evidence
                    .push(Evidence::new(Attr::Gpu, format!("VM size {s}")).at(*span));
                break;
            }
        }
    }

    /// A literal value, itself or through parameter defaults and variables (a few hops).
    fn resolve<'v>(&'v self, value: &'v BVal, hops: usize) -> Option<Resolved<'v>> {
        match value {
            BVal::Ident(name, _) => {
                if hops > 4 {
                    return None;
                }
                let (found, via) = match self.parsed.params.get(name) {
                    Some(v) => (v, format!("parameter {name} default")),
                    None => (self.parsed.vars.get(name)?, format!("variable {name}")),
                };
                let r = self.resolve(found, hops + 1)?;
                Some(Resolved {
                    value: r.value,
                    via: r.via.or(Some(via)),
                })
            }
            BVal::Expr(_) => None,
            v => Some(Resolved {
                value: v,
                via: None,
            }),
        }
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

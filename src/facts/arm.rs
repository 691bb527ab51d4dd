//! ARM templates: every object of `resources`, nested child resources and the inline templates
//! of `Microsoft.Resources/deployments` included, located at the object's opening brace.
//!
//! Values are resolved statically only: a literal, or `[parameters('x')]` / `[variables('x')]`
//! whose value is a literal. A parameter's value comes from the parameter files of the template
//! (`X.parameters.json`, `X.parameters.prod.json` beside `X.json`, grouped by
//! `facts::units::UnitKey::Arm`) when they all agree, else from its `defaultValue`; parameter
//! files that disagree leave it unknown. Every other expression (`[resourceGroup().location]`)
//! is unknown.

use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::Ctx;
use super::model::{Attr, Deployment, Evidence, Format};
use crate::parse::tree::{Node, Value};
use crate::source::{SourceFile, Span};

/// A parsed parameter file of a template.
pub type ParameterFile<'a> = (Arc<SourceFile>, &'a Node);

/// The deployments of template `file`, its parameters set by `parameters` (none: the defaults).
pub(crate) fn extract(
    file: &Arc<SourceFile>,
    root: &Node,
    parameters: &[ParameterFile<'_>],
    ctx: Ctx<'_>,
) -> Vec<Deployment> {
    let mut out = Vec::new();
    let scope = Scope {
        template: root,
        parameters,
        outer: None,
    };
    if let Some(resources) = root.get("resources") {
        let walker = Walker { file, ctx };
        walker.resources(resources, None, &scope, &mut out, 0);
    }
    out
}

/// Nesting of child resources and inline templates beyond this is not followed.
const MAX_NESTING: usize = 32;

/// Where `parameters(…)` and `variables(…)` are looked up: the template, then the templates
/// around it (an inline template with outer evaluation scope sees its parent's).
struct Scope<'a> {
    template: &'a Node,
    /// The parameter files of the outermost template (inline templates have none).
    parameters: &'a [ParameterFile<'a>],
    outer: Option<&'a Scope<'a>>,
}

struct Walker<'a, 'c> {
    file: &'a Arc<SourceFile>,
    ctx: Ctx<'c>,
}

/// A value resolved to a literal, with where the literal came from.
struct Resolved<'a> {
    node: &'a Node,
    /// `None` for a literal written in place; else the parameter or variable it came through.
    via: Option<String>,
    /// The parameter file that holds `node`; `None` for the template itself.
    file: Option<&'a Arc<SourceFile>>,
}

static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[\s*(parameters|variables)\(\s*'([^']+)'\s*\)\s*\]$").expect("compiles")
});

impl Walker<'_, '_> {
    fn resources(
        &self,
        node: &Node,
        parent_type: Option<&str>,
        scope: &Scope<'_>,
        out: &mut Vec<Deployment>,
        depth: usize,
    ) {
        if depth > MAX_NESTING {
            return;
        }
        let items: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            // languageVersion 2.0: resources keyed by symbolic name.
            Value::Map(entries) => entries.iter().map(|(_, v)| v).collect(),
            _ => return,
        };
        for item in items {
            if item.as_map().is_none() {
                continue;
            }
            self.resource(item, parent_type, scope, out, depth);
        }
    }

    fn resource(
        &self,
        obj: &Node,
        parent_type: Option<&str>,
        scope: &Scope<'_>,
        out: &mut Vec<Deployment>,
        depth: usize,
    ) {
        let written = obj.str_at(&["type"]).unwrap_or("");
        let type_ = join_type(parent_type, written);
        let existing = matches!(
            obj.get("existing").map(|n| &n.value),
            Some(Value::Bool(true))
        );
        if !existing {
            out.push(self.deployment(obj, &type_, scope));
        }
        if let Some(children) = obj.get("resources") {
            self.resources(children, Some(&type_), scope, out, depth + 1);
        }
        if type_.eq_ignore_ascii_case("Microsoft.Resources/deployments")
            && let Some(template) = obj.path(&["properties", "template"])
        {
            let inner_scope = obj
                .str_at(&["properties", "expressionEvaluationOptions", "scope"])
                .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
            let nested = Scope {
                template,
                parameters: &[],
                outer: (!inner_scope).then_some(scope),
            };
            if let Some(resources) = template.get("resources") {
                self.resources(resources, None, &nested, out, depth + 1);
            }
        }
    }

    fn deployment(&self, obj: &Node, type_: &str, scope: &Scope<'_>) -> Deployment {
        let catalog = self.ctx.catalog;
        let name = obj
            .get("name")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let at = Span::new(obj.span.start, obj.span.start + 1);
        let mut dep = Deployment::new(self.file.path.clone(), at, Format::Arm, type_, name);
        let type_span = obj.get("type").map(|n| n.span);
        super::apply_resource_type(&mut dep, type_, type_span, catalog);
        if let Some(location) = obj.get("location") {
            self.region(&mut dep, location, scope);
        }
        if let Some(tags) = obj.get("tags") {
            let tags = resolve(tags, scope, 0).map_or(tags, |r| r.node);
            for (k, v) in tags.as_map().unwrap_or_default() {
                if let (Some(k), Some(v)) = (k.as_str(), v.scalar_text())
                    && !is_expression(&v)
                {
                    dep.tags.insert(k.to_string(), v);
                }
            }
        }
        self.gpu(&mut dep, obj, scope);
        dep
    }

    fn region(&self, dep: &mut Deployment, location: &Node, scope: &Scope<'_>) {
        let Some(r) = resolve(location, scope, 0) else {
            return;
        };
        let Some(region) = r.node.as_str().and_then(normalize_location) else {
            return;
        };
        let text = match &r.via {
            None => format!("location \"{region}\""),
            Some(via) => {
                let file = r.file.unwrap_or(self.file);
                let line = file.line_col(r.node.span.start).line;
                format!("{via} \"{region}\" in {}:{line}", file.path)
            }
        };
        let evidence = Evidence::new(Attr::Region, text);
        // Evidence spans point into the deployment's own file only.
        dep.evidence.push(match r.file {
            None => evidence.at(r.node.span),
            Some(_) => evidence,
        });
        dep.region = Some(region);
    }

    /// VM sizes anywhere in the resource's own properties (VMs, scale sets, AKS pools, ML
    /// compute) and `sku.name`.
    fn gpu(&self, dep: &mut Deployment, obj: &Node, scope: &Scope<'_>) {
        let mut sizes: Vec<&Node> = Vec::new();
        if let Some(sku) = obj.path(&["sku", "name"]) {
            sizes.push(sku);
        }
        if let Some(props) = obj.get("properties") {
            collect_vm_sizes(props, &mut sizes, 0);
        }
        let provider = dep.provider.clone();
        for size in sizes {
            let Some(r) = resolve(size, scope, 0) else {
                continue;
            };
            let Some(s) = r.node.as_str() else { continue };
            if self.ctx.catalog.is_gpu_type(provider.as_deref(), s) {
                dep.gpu = true;
                let evidence = Evidence::new(Attr::Gpu, format_args!("VM size {s}"));
                dep.evidence.push(match r.file {
                    None => evidence.at(r.node.span),
                    Some(_) => evidence,
                });
                break;
            }
        }
    }
}

fn collect_vm_sizes<'a>(node: &'a Node, out: &mut Vec<&'a Node>, depth: usize) {
    if depth > MAX_NESTING {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                match k.as_str() {
                    Some(key) if key.eq_ignore_ascii_case("vmSize") => out.push(v),
                    // Inline templates and child resources are deployments of their own.
                    Some("template" | "resources") => {}
                    _ => collect_vm_sizes(v, out, depth + 1),
                }
            }
        }
        Value::Seq(items) => items
            .iter()
            .for_each(|i| collect_vm_sizes(i, out, depth + 1)),
        _ => {}
    }
}

/// A value as a literal node: itself, or the value of the parameter (of the variable) it names,
/// followed a few hops. `None` for any other expression.
fn resolve<'a>(node: &'a Node, scope: &Scope<'a>, hops: usize) -> Option<Resolved<'a>> {
    let literal = Resolved {
        node,
        via: None,
        file: None,
    };
    let Some(s) = node.as_str() else {
        return Some(literal);
    };
    if !is_expression(s) {
        return Some(literal);
    }
    if hops > 4 {
        return None;
    }
    let caps = REFERENCE.captures(s)?;
    let (kind, name) = (&caps[1], &caps[2]);
    let mut scope = Some(scope);
    while let Some(sc) = scope {
        if kind == "parameters" {
            match supplied(sc, name) {
                Supplied::Value(file, node) => {
                    return Some(Resolved {
                        node,
                        via: Some(format!("parameter {name}")),
                        file: Some(file),
                    });
                }
                Supplied::Unknown => return None,
                Supplied::Default => {}
            }
        }
        let found = if kind == "parameters" {
            sc.template
                .path(&["parameters", name])
                .and_then(|p| p.get("defaultValue"))
        } else {
            sc.template.path(&["variables", name])
        };
        if let Some(value) = found {
            let r = resolve(value, sc, hops + 1)?;
            let via = r.via.or_else(|| {
                Some(match kind {
                    "parameters" => format!("parameter {name} default"),
                    _ => format!("variable {name}"),
                })
            });
            return Some(Resolved {
                node: r.node,
                via,
                file: r.file,
            });
        }
        scope = sc.outer;
    }
    None
}

/// What the parameter files of a template say about one parameter.
enum Supplied<'a> {
    /// No parameter file sets it (or there are none): its `defaultValue` holds.
    Default,
    /// Every parameter file gives this value (or leaves the default, which is equal to it).
    Value(&'a Arc<SourceFile>, &'a Node),
    /// The files disagree, or one gives something other than a literal `value` (a Key Vault
    /// `reference`, an expression): which file a deployment uses is not known, so neither is
    /// the value.
    Unknown,
}

fn supplied<'a>(scope: &Scope<'a>, name: &str) -> Supplied<'a> {
    let default = scope
        .template
        .path(&["parameters", name])
        .and_then(|p| p.get("defaultValue"));
    let mut first: Option<(&'a Arc<SourceFile>, &'a Node)> = None;
    let mut texts: Vec<Option<String>> = Vec::new();
    for (file, root) in scope.parameters {
        let Some(entry) = root.path(&["parameters", name]) else {
            texts.push(default.and_then(Node::scalar_text));
            continue;
        };
        let Some(value) = entry.get("value") else {
            return Supplied::Unknown;
        };
        if value.as_str().is_some_and(is_expression) {
            return Supplied::Unknown;
        }
        texts.push(value.scalar_text());
        first.get_or_insert((file, value));
    }
    let Some((file, value)) = first else {
        return Supplied::Default;
    };
    // Objects and lists are taken only from a single parameter file (no comparison of trees).
    let agree = match texts.as_slice() {
        [_] => true,
        [t, rest @ ..] => t.is_some() && rest.iter().all(|r| r == t),
        [] => false,
    };
    if agree {
        Supplied::Value(file, value)
    } else {
        Supplied::Unknown
    }
}

/// `X.json` for a parameter file `X.parameters.json` or `X.parameters.prod.json` (any case of
/// `.parameters.`); `None` for any other name.
pub(crate) fn template_of_parameter_file(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if !lower.ends_with(".json") {
        return None;
    }
    let at = lower.find(".parameters.").filter(|&i| i > 0)?;
    Some(format!("{}.json", &name[..at]))
}

/// ARM expressions are strings in brackets; `[[` escapes a literal bracket.
fn is_expression(s: &str) -> bool {
    let t = s.trim();
    t.starts_with('[') && !t.starts_with("[[") && t.ends_with(']')
}

/// `westeurope` from `West Europe`, `westeurope`, `WestEurope`; `None` for an empty value.
pub(crate) fn normalize_location(s: &str) -> Option<String> {
    let r: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    (!r.is_empty()).then_some(r)
}

/// A child resource's type as ARM reads it: a nested `"type": "databases"` under
/// `Microsoft.Sql/servers` is `Microsoft.Sql/servers/databases`.
pub(crate) fn join_type(parent: Option<&str>, written: &str) -> String {
    let has_namespace = written
        .split('/')
        .next()
        .is_some_and(|first| first.contains('.'));
    match parent {
        Some(p) if !has_namespace && !written.is_empty() => format!("{p}/{written}"),
        _ => written.to_string(),
    }
}

#[cfg(test)]
mod tests;

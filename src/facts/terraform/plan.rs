//! Plan JSON (`terraform show -json plan.out`): Terraform has evaluated the values already, so
//! regions are read as they are; `provider_name` decides the provider (type prefixes can lie:
//! google-beta offers `google_*` types).

use std::collections::HashSet;
use std::sync::Arc;

use super::extract::{ACCELERATOR_KEYS, SIZE_KEYS, TAG_KEYS};
use super::region::{self, Sort};
use crate::facts::Ctx;
use crate::facts::model::{Attr, Deployment, Evidence, Format};
use crate::parse::tree::{Node, Value};
use crate::source::SourceFile;

pub(crate) fn deployments(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    instances(file, root, ctx)
        .into_iter()
        .map(|(d, _)| d)
        .collect()
}

/// The plan's deployments with their addresses (`module.logs.aws_s3_bucket.this`,
/// `aws_instance.web[0]`), when the plan gives them.
pub(crate) fn instances(
    file: &Arc<SourceFile>,
    root: &Node,
    ctx: Ctx<'_>,
) -> Vec<(Deployment, Option<String>)> {
    let reader = Reader { file, root, ctx };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for change in root
        .get("resource_changes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if change.get("mode").and_then(Node::as_str) == Some("data") {
            continue;
        }
        let actions: Vec<&str> = change
            .path(&["change", "actions"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        if actions.iter().all(|a| matches!(*a, "no-op" | "delete")) {
            continue;
        }
        let values = change.path(&["change", "after"]);
        let address = change.get("address").and_then(Node::as_str);
        if let Some(address) = address {
            seen.insert(address.to_string());
        }
        out.extend(
            reader
                .deployment(change, values)
                .map(|d| (d, address.map(str::to_string))),
        );
    }
    // What the plan leaves in place (no-op changes, or a plan without `resource_changes`).
    if let Some(module) = root.path(&["planned_values", "root_module"]) {
        reader.planned(module, &mut seen, &mut out, 0);
    }
    out
}

struct Reader<'a> {
    file: &'a Arc<SourceFile>,
    root: &'a Node,
    ctx: Ctx<'a>,
}

impl Reader<'_> {
    fn planned(
        &self,
        module: &Node,
        seen: &mut HashSet<String>,
        out: &mut Vec<(Deployment, Option<String>)>,
        depth: usize,
    ) {
        if depth > 32 {
            return;
        }
        for r in module
            .get("resources")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if r.get("mode").and_then(Node::as_str) == Some("data") {
                continue;
            }
            let address = r.get("address").and_then(Node::as_str);
            if let Some(address) = address
                && !seen.insert(address.to_string())
            {
                continue;
            }
            out.extend(
                self.deployment(r, r.get("values"))
                    .map(|d| (d, address.map(str::to_string))),
            );
        }
        for child in module
            .get("child_modules")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            self.planned(child, seen, out, depth + 1);
        }
    }

    fn deployment(&self, obj: &Node, values: Option<&Node>) -> Option<Deployment> {
        let catalog = self.ctx.catalog;
        let ty = obj.get("type").and_then(Node::as_str)?;
        let name = obj.get("name").and_then(Node::as_str).unwrap_or_default();
        let mut d = Deployment::new(
            self.file.path.clone(),
            obj.span,
            Format::TerraformPlan,
            ty,
            name,
        );
        let provider_name = obj.get("provider_name").and_then(Node::as_str);
        if let Some(pn) = provider_name
            && let Some(id) = catalog.by_terraform_source(pn)
        {
            d.provider = Some(id);
            d.evidence.push(Evidence::new(
                Attr::Provider,
                format_args!("provider_name \"{pn}\""),
            ));
        } else if provider_name.is_none()
            && let Some((id, prefix)) = catalog.by_terraform_type(ty)
        {
            d.provider = Some(id);
            d.evidence.push(Evidence::new(
                Attr::Provider,
                format_args!("resource type prefix \"{prefix}\""),
            ));
        }
        if let Some((kind, service)) = catalog.kind_of(ty) {
            d.kind = kind;
            d.service = service.map(str::to_string);
            d.evidence.push(Evidence::new(
                Attr::Kind,
                format_args!("resource type {ty} is {kind}"),
            ));
        }
        if let Some(service) = catalog.service_of(ty) {
            d.service = Some(service.to_string());
        }

        let provider = d.provider.clone();
        let attrs = region::resource_attrs(provider.as_deref());
        let own = values.and_then(|v| {
            attrs
                .iter()
                .find_map(|(k, sort)| Some((k, sort, v.get(k)?)))
        });
        match own {
            Some((key, sort, node)) => {
                // A null value is unknown until apply.
                if let Some(raw) = node.as_str()
                    && let Some(r) = region::normalize(catalog, provider.as_deref(), *sort, raw)
                {
                    let mut text = format!("{key} \"{raw}\" in the planned values");
                    if *sort != Sort::Region {
                        text.push_str(&format!(", region {r}"));
                    }
                    d.evidence
                        .push(Evidence::new(Attr::Region, text).at(node.span));
                    d.region = Some(r);
                }
            }
            None => {
                if let Some((r, text)) = self.provider_region(obj, provider.as_deref()) {
                    d.evidence.push(Evidence::new(Attr::Region, text));
                    d.region = Some(r);
                }
            }
        }

        if let Some(values) = values {
            if let Some(text) = self.gpu(values, provider.as_deref(), None, 0) {
                d.gpu = true;
                d.evidence.push(Evidence::new(Attr::Gpu, text));
            }
            for key in TAG_KEYS {
                for (k, v) in values.get(key).and_then(Node::as_map).unwrap_or_default() {
                    if let (Some(k), Some(v)) = (k.as_str(), v.scalar_text()) {
                        d.tags.insert(k.to_string(), v);
                    }
                }
            }
        }
        Some(d)
    }

    /// The region of the provider configuration a resource uses, from `configuration`.
    fn provider_region(&self, obj: &Node, provider: Option<&str>) -> Option<(String, String)> {
        let config = self.root.get("configuration")?;
        let address = obj.get("address").and_then(Node::as_str);
        let key = config
            .path(&["root_module", "resources"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .find(|r| r.get("address").and_then(Node::as_str) == address && address.is_some())
            .and_then(|r| r.get("provider_config_key"))
            .and_then(Node::as_str)
            .map(str::to_string);
        let provider_name = obj.get("provider_name").and_then(Node::as_str);
        let configs = config.get("provider_config")?.as_map()?;
        let (cfg_key, cfg) = configs.iter().find(|(k, v)| match &key {
            Some(key) => k.as_str() == Some(key.as_str()),
            None => {
                v.get("alias").is_none()
                    && v.get("module_address").is_none()
                    && provider_name.is_some()
                    && v.get("full_name").and_then(Node::as_str) == provider_name
            }
        })?;
        let cfg_key = cfg_key.as_str().unwrap_or_default();
        for (attr, sort) in region::provider_attrs(provider) {
            let Some(expr) = cfg.path(&["expressions", attr]) else {
                continue;
            };
            let (raw, from) = if let Some(v) = expr.get("constant_value").and_then(Node::as_str) {
                (v.to_string(), String::new())
            } else {
                // `region = var.region`: the plan records the variable's value.
                let refs = expr.get("references").and_then(Node::as_seq)?;
                let var = refs.iter().find_map(|r| r.as_str()?.strip_prefix("var."))?;
                let v = self.root.path(&["variables", var, "value"])?.as_str()?;
                (v.to_string(), format!(" from var.{var}"))
            };
            let r = region::normalize(self.ctx.catalog, provider, *sort, &raw)?;
            return Some((
                r,
                format!("{attr} \"{raw}\"{from} in provider configuration \"{cfg_key}\""),
            ));
        }
        None
    }

    fn gpu(
        &self,
        node: &Node,
        provider: Option<&str>,
        key: Option<&str>,
        depth: usize,
    ) -> Option<String> {
        if depth > 16 {
            return None;
        }
        match &node.value {
            Value::String(s) if key.is_some_and(|k| SIZE_KEYS.contains(&k)) => self
                .ctx
                .catalog
                .is_gpu_type(provider, s)
                .then(|| format!("{} \"{s}\" is an accelerator type", key.unwrap_or_default())),
            Value::Map(entries) => entries.iter().find_map(|(k, v)| {
                let k = k.as_str()?;
                let non_empty = match &v.value {
                    Value::Seq(items) => !items.is_empty(),
                    Value::Map(m) => !m.is_empty(),
                    _ => false,
                };
                if ACCELERATOR_KEYS.contains(&k) && non_empty {
                    return Some(format!("{k} in the planned values"));
                }
                self.gpu(v, provider, Some(k), depth + 1)
            }),
            Value::Seq(items) => items
                .iter()
                .find_map(|n| self.gpu(n, provider, key, depth + 1)),
            _ => None,
        }
    }
}

//! `cloudpact providers`: the catalog, as data.

use serde_json::json;

use super::Fatal;
use super::args::ProvidersArgs;
use super::{Status, emit};
use crate::config;
use crate::facts::catalog::{Catalog, HostRuleDef, ProviderDef};

pub fn run(args: &ProvidersArgs) -> Result<Status, Fatal> {
    let extra = match args
        .config
        .clone()
        .or_else(|| config::find(std::path::Path::new(".")))
    {
        Some(p) => config::load(&p, &p.display().to_string())?.config.providers,
        None => Vec::new(),
    };
    let catalog = Catalog::build(extra)
        .map_err(|e| crate::diag::Diag::error("cloudpact::config::bad-provider", e.to_string()))?;
    let text = if args.json {
        as_json(&catalog)
    } else {
        as_text(&catalog)
    };
    emit(None, &text)?;
    Ok(Status::Clean)
}

fn hosts(p: &ProviderDef) -> Vec<String> {
    p.hosts
        .iter()
        .map(|h| match h {
            HostRuleDef::Glob(g) => g.clone(),
            HostRuleDef::Rule {
                glob, re, service, ..
            } => {
                let pat = glob.clone().or_else(|| re.clone()).unwrap_or_default();
                match service {
                    Some(s) => format!("{pat} ({s})"),
                    None => pat,
                }
            }
        })
        .collect()
}

/// Signal lists by format, in the order users meet them.
fn signals(p: &ProviderDef) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("terraform resource prefixes", p.terraform_prefixes.clone()),
        ("terraform provider sources", p.terraform_sources.clone()),
        ("terraform backends", p.terraform_backends.clone()),
        (
            "terraform registry modules (provider segment)",
            p.module_providers.clone(),
        ),
        (
            "resource types (CloudFormation/ARM/Bicep)",
            p.type_prefixes.clone(),
        ),
        ("kubernetes operator API groups", p.api_groups.clone()),
        ("kubernetes annotations and labels", p.annotations.clone()),
        ("kubernetes classes and provisioners", p.k8s_classes.clone()),
        ("private registries", p.registries.clone()),
        ("public registries (weak)", p.public_registries.clone()),
        ("pulumi packages", p.pulumi_packages.clone()),
        ("serverless provider names", p.serverless_names.clone()),
        ("ansible collections", p.ansible_collections.clone()),
        ("CI actions and tasks", p.ci_actions.clone()),
        ("endpoint hosts", hosts(p)),
    ]
}

fn as_text(c: &Catalog) -> String {
    let mut out = String::new();
    for p in c.providers() {
        out.push_str(&format!("{} — {}\n", p.id, p.name));
        if !p.aliases.is_empty() {
            out.push_str(&format!("  aliases: {}\n", p.aliases.join(", ")));
        }
        for (what, list) in signals(p) {
            if !list.is_empty() {
                out.push_str(&format!("  {what}: {}\n", list.join(", ")));
            }
        }
        out.push('\n');
    }
    out
}

fn as_json(c: &Catalog) -> String {
    let list: Vec<_> = c
        .providers()
        .iter()
        .map(|p| {
            let mut sig = serde_json::Map::new();
            for (what, l) in signals(p) {
                sig.insert(what.to_string(), json!(l));
            }
            json!({"id": p.id, "name": p.name, "aliases": p.aliases, "signals": sig})
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({"version": 1, "providers": list}))
        .expect("serializable");
    s.push('\n');
    s
}

//! Deployments of a module: `resource` blocks, registry `module` calls and `backend` blocks.

use super::model::{Block, Body, Expr, File, Role};
use super::region::{self, Sort};
use super::resolve::{Scope, Value};
use crate::facts::Ctx;
use crate::facts::model::{Attr as Fact, Deployment, Evidence, Format, Kind, ProviderId, Text};
use crate::source::Span;
use std::fmt::Write;

/// Attribute names that hold an instance, machine, VM or node size.
pub(crate) const SIZE_KEYS: &[&str] = &[
    "instance_type",
    "instance_types",
    "machine_type",
    "vm_size",
    "size",
    "shape",
    "server_type",
    "plan",
    "flavor",
    "flavor_name",
    "flavor_id",
    "commercial_type",
    "node_type",
    "profile",
    "accelerator_type",
    "instance_class",
];

/// Blocks (or attributes) that attach accelerators to a machine.
pub(crate) const ACCELERATOR_KEYS: &[&str] = &["guest_accelerator", "accelerators"];

pub(crate) const TAG_KEYS: &[&str] = &["tags", "labels", "freeform_tags"];

pub(crate) fn deployments<'a>(scope: &'a Scope<'a>, ctx: Ctx<'a>) -> Vec<Deployment> {
    // A deployment per `resource` block, and more for module calls: sized for the resources
    // at once rather than grown by doubling (docs/performance.md, "Memory").
    let resources = scope
        .files
        .iter()
        .filter(|f| f.role == Role::Config)
        .flat_map(|f| f.body.blocks("resource"))
        .count();
    let mut out = Vec::with_capacity(resources);
    for (i, file) in scope.files.iter().enumerate() {
        if file.role != Role::Config {
            continue;
        }
        let x = Extractor {
            scope,
            ctx,
            i,
            file,
        };
        for block in &file.body.blocks {
            match (&*block.ident, block.labels.as_slice()) {
                ("resource", [ty, name]) => out.push(x.resource(block, ty, name)),
                ("module", [name]) => out.extend(x.module(block, name)),
                ("terraform", _) => {
                    for backend in block.body.blocks("backend") {
                        if let [ty] = backend.labels.as_slice() {
                            out.push(x.backend(backend, ty));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

struct Extractor<'a> {
    scope: &'a Scope<'a>,
    ctx: Ctx<'a>,
    i: usize,
    file: &'a File,
}

impl<'a> Extractor<'a> {
    fn new_deployment(&self, block: &Block, ty: &str, name: &str) -> Deployment {
        Deployment::new(
            self.file.src.path.clone(),
            block.span,
            Format::Terraform,
            ty,
            name,
        )
    }

    fn resource(&self, block: &'a Block, ty: &str, name: &str) -> Deployment {
        let mut d = self.new_deployment(block, ty, name);
        let catalog = self.ctx.catalog;
        let body = &block.body;

        // Provider: the `provider` meta-argument, else the type's local name; either through
        // `required_providers` when it declares the local name.
        let meta = body.attr("provider").and_then(|a| {
            let path = match &a.value {
                Expr::Ref(p) => Some(p.clone()),
                Expr::Lit(text) => Expr::ref_from_text(text),
                _ => None,
            }?;
            Some((a, path))
        });
        let (local, alias) = match &meta {
            Some((_, path)) => (path[0].clone(), path.get(1).cloned()),
            None => (ty.split('_').next().unwrap_or(ty).into(), None),
        };
        if let Some((attr, path)) = &meta {
            if let Some((id, why)) = self.scope.provider_of_local(catalog, &local) {
                let text = format_args!("provider = {} ({why})", path.join("."));
                d.evidence
                    .push(self.evidence(Fact::Provider, text, attr.span));
                d.provider = Some(id);
            }
        } else {
            let by_prefix = catalog.by_terraform_type(ty);
            let by_source = self
                .scope
                .required_source(&local)
                .and_then(|_| self.scope.provider_of_local(catalog, &local));
            match (by_prefix, by_source) {
                // `required_providers` maps the local name elsewhere than the prefix says.
                (prefix, Some((id, why))) if prefix.as_ref().is_none_or(|(p, _)| *p != id) => {
                    d.provider = Some(id);
                    d.evidence.push(Evidence::new(Fact::Provider, why));
                }
                (Some((id, prefix)), _) => {
                    d.provider = Some(id);
                    d.evidence.push(
                        Evidence::new(
                            Fact::Provider,
                            format_args!("resource type prefix \"{prefix}\""),
                        )
                        .at(block.span),
                    );
                }
                _ => {}
            }
        }

        self.kind_and_service(&mut d, ty);
        if ty.starts_with("azapi_") {
            self.azapi_kind(&mut d, body);
        }

        let provider = d.provider.clone();
        let own = self.region_from_attrs(body, provider.as_deref(), region::resource_attrs);
        match own {
            Some(found) => self.set_region(&mut d, found),
            None if !self.sets_any(body, region::resource_attrs(provider.as_deref())) => {
                if let Some(found) = self.region_from_provider(&local, alias.as_deref(), &provider)
                {
                    self.set_region(&mut d, found);
                }
            }
            // The resource says where it goes, but not statically: unknown, not the provider's.
            None => {}
        }

        self.gpu(&mut d, body);
        self.tags(&mut d, body);
        d
    }

    fn module(&self, block: &'a Block, name: &str) -> Option<Deployment> {
        let source_attr = block.body.attr("source")?;
        let source = source_attr.value.as_lit()?;
        let (ns, module_name, segment) = registry_module(source)?;
        let catalog = self.ctx.catalog;
        // A registry module for a provider the catalog does not know (kubernetes, helm, a
        // person's namespace) deploys nothing cloudpact can tell.
        let id = catalog.by_module_provider(&segment)?;
        let mut d = self.new_deployment(block, "module", name);
        d.provider = Some(id.clone());
        d.evidence.push(self.evidence(
            Fact::Provider,
            format!("registry module source \"{ns}/{module_name}/{segment}\""),
            source_attr.span,
        ));
        // `terraform-aws-modules/eks/aws` declares EKS resources: read the module name as
        // the provider's resource type it is named after.
        if let Some(prefix) = catalog.get(&id).and_then(|p| p.terraform_prefixes.first()) {
            let pseudo = format!("{prefix}{}_", module_name.replace('-', "_"));
            if let Some((kind, _)) = catalog.kind_of(&pseudo) {
                d.kind = kind;
                d.evidence.push(Evidence::new(
                    Fact::Kind,
                    format_args!("module name \"{module_name}\" is {kind}"),
                ));
            }
        }
        let provider = d.provider.clone();
        let own = self.region_from_attrs(&block.body, provider.as_deref(), |_| {
            &[("region", Sort::Region), ("location", Sort::Region)]
        });
        if let Some(found) = own {
            self.set_region(&mut d, found);
        } else {
            // `providers = { aws = aws.west }` picks the configuration; else the default one.
            let passed = block.body.attr("providers").and_then(|a| match &a.value {
                Expr::Object(entries) => entries.iter().find_map(|e| match &e.value {
                    Expr::Ref(p) if *e.key == *segment && p.len() == 2 => Some(p[1].clone()),
                    _ => None,
                }),
                _ => None,
            });
            if let Some(found) = self.region_from_provider(&segment, passed.as_deref(), &provider) {
                self.set_region(&mut d, found);
            }
        }
        Some(d)
    }

    fn backend(&self, block: &'a Block, ty: &str) -> Deployment {
        let catalog = self.ctx.catalog;
        let mut d = self.new_deployment(block, "backend", ty);
        d.kind = Kind::Storage;
        let body = &block.body;
        // An S3 backend is any S3-compatible store: its endpoint host decides.
        let endpoint = body
            .attr("endpoint")
            .or_else(|| match body.attr("endpoints").map(|a| &a.value) {
                Some(Expr::Object(entries)) => entries.iter().find(|e| &*e.key == "s3"),
                _ => None,
            })
            .or_else(|| body.blocks("endpoints").find_map(|b| b.body.attr("s3")));
        let mut host_region = None;
        if ty == "s3"
            && let Some(attr) = endpoint
            && let Some(url) = self.scope.string(&attr.value)
        {
            let host = url_host(&url.text);
            match catalog.match_host(&host) {
                Some(m) => {
                    d.provider = Some(m.provider.clone());
                    d.service = m.service.clone();
                    host_region = m.region.clone();
                    d.evidence.push(self.evidence(
                        Fact::Provider,
                        format!("backend \"s3\" endpoint host {host}"),
                        attr.span,
                    ));
                }
                None => {
                    d.evidence.push(self.evidence(
                        Fact::Provider,
                        format!("backend \"s3\" endpoint host {host} is not a known provider"),
                        attr.span,
                    ));
                }
            }
        } else if let Some(id) = catalog.by_terraform_backend(ty) {
            d.provider = Some(id);
            d.service = backend_service(ty).map(str::to_string);
            d.evidence.push(
                Evidence::new(Fact::Provider, format_args!("backend \"{ty}\"")).at(block.span),
            );
        }
        let provider = d.provider.clone();
        if let Some(region) = host_region {
            d.evidence.push(Evidence::new(
                Fact::Region,
                format_args!("region {region} from the endpoint host"),
            ));
            d.region = Some(region);
        } else if let Some(found) =
            self.region_from_attrs(body, provider.as_deref(), |_| &[("region", Sort::Region)])
        {
            self.set_region(&mut d, found);
        }
        d
    }

    fn kind_and_service(&self, d: &mut Deployment, ty: &str) {
        let catalog = self.ctx.catalog;
        if let Some((kind, service)) = catalog.kind_of(ty) {
            d.kind = kind;
            d.service = service.map(str::to_string);
            d.evidence.push(Evidence::new(
                Fact::Kind,
                format_args!("resource type {ty} is {kind}"),
            ));
        }
        if let Some(service) = catalog.service_of(ty) {
            d.service = Some(service.to_string());
        }
    }

    /// `azapi_resource { type = "Microsoft.App/containerApps@2024-03-01" }` is what its ARM
    /// type is.
    fn azapi_kind(&self, d: &mut Deployment, body: &'a Body) {
        let catalog = self.ctx.catalog;
        let Some(attr) = body.attr("type") else {
            return;
        };
        let Some(arm) = self.scope.string(&attr.value) else {
            return;
        };
        let arm_type = arm.text.split('@').next().unwrap_or_default();
        if let Some((kind, service)) = catalog.kind_of(arm_type) {
            d.kind = kind;
            d.service = service.map(str::to_string);
            d.evidence.push(self.evidence(
                Fact::Kind,
                format!("azapi type {arm_type} is {kind}"),
                attr.span,
            ));
        }
        if let Some(service) = catalog.service_of(arm_type) {
            d.service = Some(service.to_string());
        }
    }

    /// The first region attribute present that resolves, as `(region, sentence, span)`.
    fn region_from_attrs(
        &self,
        body: &'a Body,
        provider: Option<&str>,
        attrs: fn(Option<&str>) -> &'static [(&'static str, Sort)],
    ) -> Option<RegionFound> {
        let (name, sort) = attrs(provider)
            .iter()
            .find(|(name, _)| body.attr(name).is_some())?;
        let attr = body.attr(name)?;
        let value = self.scope.string(&attr.value)?;
        let region = region::normalize(self.ctx.catalog, provider, *sort, &value.text)?;
        let place = self.scope.at(self.i, attr.span);
        let text = describe(name, &value, &region, *sort, &place, None);
        Some(RegionFound {
            region,
            text,
            span: Some(attr.span),
        })
    }

    /// The region of the provider configuration a resource uses.
    fn region_from_provider(
        &self,
        local: &str,
        alias: Option<&str>,
        provider: &Option<ProviderId>,
    ) -> Option<RegionFound> {
        let conf = self.scope.provider(local, alias)?;
        let provider = provider.as_deref();
        let (name, sort) = region::provider_attrs(provider)
            .iter()
            .find(|(name, _)| conf.attr(name).is_some())?;
        let attr = conf.attr(name)?;
        let value = attr.value.as_ref()?;
        let region = region::normalize(self.ctx.catalog, provider, *sort, &value.text)?;
        let place = conf.place();
        let mut text = describe(name, value, &region, *sort, &place, Some(&place));
        for call in &conf.via {
            let _ = write!(text, ", via {call}");
        }
        Some(RegionFound {
            region,
            text,
            span: std::ptr::eq(conf.file, self.file).then_some(attr.span),
        })
    }

    /// Whether the body sets one of `attrs` to something other than `null` (in Terraform a
    /// null argument is an omitted one: `region = var.region` with a null default leaves the
    /// provider's region in force).
    fn sets_any(&self, body: &'a Body, attrs: &[(&str, Sort)]) -> bool {
        attrs.iter().any(|(name, _)| {
            body.attr(name)
                .is_some_and(|a| !matches!(self.scope.resolve(&a.value), Some(Expr::Null)))
        })
    }

    fn set_region(&self, d: &mut Deployment, found: RegionFound) {
        let mut e = Evidence::new(Fact::Region, found.text);
        e.span = found.span;
        d.region = Some(found.region);
        d.evidence.push(e);
    }

    fn gpu(&self, d: &mut Deployment, body: &'a Body) {
        if let Some(text) = self.gpu_in(body, d.provider.as_deref(), 0) {
            d.gpu = true;
            d.evidence.push(Evidence::new(Fact::Gpu, text));
        }
    }

    fn gpu_in(&self, body: &'a Body, provider: Option<&str>, depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        for attr in &body.attrs {
            if let Some(text) = self.gpu_attr(&attr.key, &attr.value, provider, depth) {
                return Some(text);
            }
        }
        for block in &body.blocks {
            let count_zero = block
                .body
                .attr("count")
                .and_then(|c| self.scope.lit(&c.value))
                .is_some_and(|c| c == "0");
            if ACCELERATOR_KEYS.contains(&&*block.ident) && !count_zero {
                return Some(format!("{} block", block.ident));
            }
            if let Some(text) = self.gpu_in(&block.body, provider, depth + 1) {
                return Some(text);
            }
        }
        None
    }

    fn gpu_attr(
        &self,
        key: &str,
        value: &'a Expr,
        provider: Option<&str>,
        depth: usize,
    ) -> Option<String> {
        if depth > 8 {
            return None;
        }
        let found = self.scope.resolve(value);
        let value = found.unwrap_or(value);
        if ACCELERATOR_KEYS.contains(&key) && found.is_some() && !is_empty(value) {
            return Some(format!("{key} attribute"));
        }
        match value {
            Expr::Lit(size) if SIZE_KEYS.contains(&key) => self
                .ctx
                .catalog
                .is_gpu_type(provider, size)
                .then(|| format!("{key} \"{size}\" is an accelerator type")),
            Expr::List(items) => items
                .iter()
                .find_map(|item| self.gpu_attr(key, item, provider, depth + 1)),
            Expr::Object(entries) => entries
                .iter()
                .find_map(|e| self.gpu_attr(&e.key, &e.value, provider, depth + 1)),
            _ => None,
        }
    }

    fn tags(&self, d: &mut Deployment, body: &'a Body) {
        for key in TAG_KEYS {
            let Some(attr) = body.attr(key) else { continue };
            let Some(found) = self.scope.resolve(&attr.value) else {
                continue;
            };
            if let Expr::Object(entries) = found {
                for e in entries {
                    if let Some(v) = self.scope.lit(&e.value) {
                        d.tags.insert(e.key.to_string(), v.to_string());
                    }
                }
            }
        }
    }

    fn evidence(&self, attr: Fact, text: impl Into<Text>, span: Span) -> Evidence {
        Evidence::new(attr, text).at(span)
    }
}

fn is_empty(expr: &Expr) -> bool {
    match expr {
        Expr::Null => true,
        Expr::List(items) => items.is_empty(),
        Expr::Object(entries) => entries.is_empty(),
        _ => false,
    }
}

struct RegionFound {
    region: String,
    text: String,
    span: Option<Span>,
}

/// `location "EUROPE-WEST9" in main.tf:20`; `location from var.location default in
/// variables.tf:2`; `zone "europe-west1-b" in main.tf:3, region europe-west1`. A value that went
/// through references names its last place; `context` (the provider block) is always named.
fn describe(
    name: &str,
    value: &Value,
    region: &str,
    sort: Sort,
    place: &dyn std::fmt::Display,
    context: Option<&str>,
) -> String {
    // Written piece by piece into one string with room for the usual sentence.
    let mut text = String::with_capacity(96);
    if value.trail.is_empty() {
        let _ = write!(text, "{name} \"{}\" in {place}", value.text);
    } else {
        let _ = write!(text, "{name} from ");
        for (i, step) in value.trail.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            let _ = write!(text, "{step}");
        }
        if let Some(c) = context {
            let _ = write!(text, " ({c})");
        }
        if sort != Sort::Region {
            let _ = write!(text, " = \"{}\"", value.text);
        }
    }
    if sort != Sort::Region {
        let _ = write!(text, ", region {region}");
    }
    text
}

/// `NS/NAME/PROVIDER` (optionally behind a registry host or `tfr:///`), with `//subdir` and
/// `?ref=` dropped. Local paths, Git, HTTP, S3 and GCS sources carry no provider.
pub(crate) fn registry_module(source: &str) -> Option<(String, String, String)> {
    let s = source.trim();
    let s = s.strip_prefix("tfr://").unwrap_or(s);
    let s = s.strip_prefix('/').unwrap_or(s);
    if s.starts_with('.') || s.contains("::") || s.contains("://") {
        return None;
    }
    let s = s.split('?').next().unwrap_or(s);
    let s = s.split("//").next().unwrap_or(s);
    let parts: Vec<&str> = s.split('/').collect();
    let parts = match parts.as_slice() {
        [ns, name, provider] if !ns.contains('.') && !ns.contains(':') => [*ns, *name, *provider],
        [host, ns, name, provider]
            if host.contains('.')
                && !matches!(*host, "github.com" | "bitbucket.org" | "gitlab.com") =>
        {
            [*ns, *name, *provider]
        }
        _ => return None,
    };
    let valid = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !parts.iter().all(|p| valid(p)) {
        return None;
    }
    Some((
        parts[0].to_string(),
        parts[1].to_string(),
        parts[2].to_lowercase(),
    ))
}

/// The host of a URL or bare host (`https://s3.gra.io.cloud.ovh.net:443/x` →
/// `s3.gra.io.cloud.ovh.net`).
fn url_host(url: &str) -> String {
    let s = url.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let s = s.split(['/', '?', '#']).next().unwrap_or(s);
    let s = s.rsplit_once('@').map_or(s, |(_, h)| h);
    let s = s.split(':').next().unwrap_or(s);
    s.to_lowercase()
}

/// The storage service behind a state backend.
fn backend_service(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "s3" => "s3",
        "gcs" => "gcs",
        "azurerm" => "storage-account",
        "oci" => "object-storage",
        "oss" => "oss",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_module_sources() {
        let r = |s| registry_module(s).map(|(_, _, p)| p);
        assert_eq!(r("terraform-aws-modules/vpc/aws").as_deref(), Some("aws"));
        assert_eq!(
            r("registry.terraform.io/Azure/avm-res-network/azurerm").as_deref(),
            Some("azurerm")
        );
        assert_eq!(
            r("tfr:///terraform-aws-modules/vpc/aws?version=5.0.0").as_deref(),
            Some("aws")
        );
        assert_eq!(
            r("terraform-google-modules/kubernetes-engine/google//modules/private-cluster")
                .as_deref(),
            Some("google")
        );
        assert_eq!(r("./modules/vpc"), None);
        assert_eq!(r("../vpc"), None);
        assert_eq!(r("git::https://example.com/vpc.git"), None);
        assert_eq!(r("github.com/org/repo"), None);
        assert_eq!(r("github.com/org/repo/sub"), None);
        assert_eq!(r("https://example.com/vpc.zip"), None);
        assert_eq!(r("s3::https://s3.amazonaws.com/b/vpc.zip"), None);
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            url_host("https://s3.gra.io.cloud.ovh.net:443/bucket"),
            "s3.gra.io.cloud.ovh.net"
        );
        assert_eq!(url_host("minio.internal"), "minio.internal");
    }
}

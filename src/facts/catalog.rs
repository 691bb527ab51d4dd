//! The provider catalog: which strings identify which provider, region → country tables, and
//! the resource type → kind table. All of it is data (`catalog/*.yaml`, embedded at build time)
//! that a reader can audit and a user can extend through `providers:` in `cloudpact.yaml`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use regex::Regex;
use regex::bytes::RegexSet;
use serde::Deserialize;

use super::model::{Kind, ProviderId};

const PROVIDERS_YAML: &str = include_str!("catalog/providers.yaml");
const REGIONS_YAML: &str = include_str!("catalog/regions.yaml");
const KINDS_YAML: &str = include_str!("catalog/kinds.yaml");
const SERVICES_YAML: &str = include_str!("catalog/services.yaml");
const GPU_YAML: &str = include_str!("catalog/gpu.yaml");

/// One provider as the catalog file (or a user's `providers:` entry) describes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderDef {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Terraform resource type prefixes (`aws_`).
    #[serde(default)]
    pub terraform_prefixes: Vec<String>,
    /// Terraform provider source addresses (`hashicorp/aws`), without the registry host.
    #[serde(default)]
    pub terraform_sources: Vec<String>,
    /// Terraform backend types that store state with this provider (`s3`, `gcs`).
    #[serde(default)]
    pub terraform_backends: Vec<String>,
    /// Third segment of a registry module source (`terraform-aws-modules/vpc/aws` → `aws`).
    #[serde(default)]
    pub module_providers: Vec<String>,
    /// Service endpoint hosts: globs (`*.stargate.example`) or rules with a region capture.
    #[serde(default)]
    pub hosts: Vec<HostRuleDef>,
    /// Private container registry hosts (strong evidence): globs.
    #[serde(default)]
    pub registries: Vec<String>,
    /// Public image hosts (weak evidence: never decide alone): globs.
    #[serde(default)]
    pub public_registries: Vec<String>,
    /// Kubernetes annotation or label key prefixes (strong evidence).
    #[serde(default)]
    pub annotations: Vec<String>,
    /// Kubernetes storage provisioners, ingress classes, load-balancer classes (strong).
    #[serde(default)]
    pub k8s_classes: Vec<String>,
    /// Kubernetes API group suffixes of the provider's operators (decisive).
    #[serde(default)]
    pub api_groups: Vec<String>,
    /// CloudFormation-style or ARM-style resource type prefixes (`AWS::`, `Microsoft.`).
    #[serde(default)]
    pub type_prefixes: Vec<String>,
    /// Pulumi package names (`aws`, `azure-native`).
    #[serde(default)]
    pub pulumi_packages: Vec<String>,
    /// Ansible collection prefixes (`amazon.aws.`).
    #[serde(default)]
    pub ansible_collections: Vec<String>,
    /// CI deploy/auth actions and tasks (`aws-actions/`, `azure/login`, `AzureCLI@`).
    #[serde(default)]
    pub ci_actions: Vec<String>,
    /// Serverless Framework `provider.name` values.
    #[serde(default)]
    pub serverless_names: Vec<String>,
}

/// A host rule: a glob (`*.openai.azure.com`) or a regex (`re: …`, may capture `region`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HostRuleDef {
    Glob(String),
    Rule {
        #[serde(default)]
        glob: Option<String>,
        #[serde(default)]
        re: Option<String>,
        #[serde(default)]
        service: Option<String>,
        #[serde(default)]
        kind: Option<String>,
    },
}

/// What a host says about a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMatch {
    pub provider: ProviderId,
    pub service: Option<String>,
    pub kind: Option<Kind>,
    pub region: Option<String>,
}

#[derive(Debug)]
struct HostRule {
    provider: ProviderId,
    re: Regex,
    service: Option<String>,
    kind: Option<Kind>,
}

#[derive(Debug, Default, Deserialize)]
struct RegionTable {
    #[serde(default)]
    regions: BTreeMap<String, String>,
    #[serde(default)]
    multi_region: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct KindRuleDef {
    /// The provider the rule was written for (documentation; the regex decides).
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "documents the table; the type prefix already decides the provider"
    )]
    provider: Option<String>,
    /// Case-insensitive regex on the resource type as written.
    pattern: String,
    kind: String,
    #[serde(default)]
    service: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceRuleDef {
    /// Case-insensitive regex on the resource type as written.
    pattern: String,
    service: String,
}

/// An error in catalog data: the built-in files (a bug, caught by tests) or a user's entry.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("provider `{id}`: {message}")]
    Provider { id: String, message: String },
    #[error("built-in catalog data is invalid: {0}")]
    Builtin(String),
}

/// The provider catalog, compiled for lookups.
#[derive(Debug)]
pub struct Catalog {
    providers: Vec<ProviderDef>,
    ids: Vec<ProviderId>,
    /// id or alias → id.
    names: HashMap<String, ProviderId>,
    regions: HashMap<String, RegionTable>,
    /// Compiled on first use: a scan without endpoint hosts never pays for ~200 regexes.
    hosts: OnceLock<Vec<HostRule>>,
    kind_set: RegexSet,
    kind_rules: Vec<(Kind, Option<String>)>,
    service_set: RegexSet,
    services: Vec<String>,
    /// Provider id → accelerator size patterns.
    gpu: Vec<(String, RegexSet)>,
}

impl Catalog {
    /// The built-in catalog, parsed once per process.
    pub fn builtin() -> Arc<Catalog> {
        static BUILTIN: OnceLock<Arc<Catalog>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Arc::new(
                    Catalog::build(Vec::new()).expect("built-in catalog is checked by unit tests"),
                )
            })
            .clone()
    }

    /// The built-in catalog extended with a user's providers (new ids, or more signals for a
    /// built-in id).
    pub fn build(extra: Vec<ProviderDef>) -> Result<Catalog, CatalogError> {
        let mut providers: Vec<ProviderDef> = serde_yaml::from_str(PROVIDERS_YAML)
            .map_err(|e| CatalogError::Builtin(format!("providers.yaml: {e}")))?;
        let regions: HashMap<String, RegionTable> = serde_yaml::from_str(REGIONS_YAML)
            .map_err(|e| CatalogError::Builtin(format!("regions.yaml: {e}")))?;
        let kinds: Vec<KindRuleDef> = serde_yaml::from_str(KINDS_YAML)
            .map_err(|e| CatalogError::Builtin(format!("kinds.yaml: {e}")))?;
        let user_hosts: Vec<(String, HostRuleDef)> = extra
            .iter()
            .flat_map(|p| p.hosts.iter().map(|h| (p.id.clone(), h.clone())))
            .collect();
        for def in extra {
            match providers.iter_mut().find(|p| p.id == def.id) {
                Some(existing) => merge(existing, def),
                None => providers.push(def),
            }
        }

        let mut names = HashMap::new();
        let mut ids = Vec::new();
        for p in &providers {
            let id: ProviderId = Arc::from(p.id.as_str());
            ids.push(id.clone());
            names.insert(p.id.to_lowercase(), id.clone());
            for a in &p.aliases {
                names.insert(a.to_lowercase(), id.clone());
            }
        }

        // A user's host rules are checked now, so a bad one is a config error at load time;
        // the built-in ones are checked by the unit tests.
        for def in &user_hosts {
            let id: ProviderId = Arc::from(def.0.as_str());
            compile_host(&id, &def.1)?;
        }

        let kind_set = ascii_set(kinds.iter().map(|k| k.pattern.as_str()))
            .map_err(|e| CatalogError::Builtin(format!("kinds.yaml: {e}")))?;
        let kind_rules = kinds
            .into_iter()
            .map(|k| {
                Kind::parse(&k.kind)
                    .map(|kind| (kind, k.service))
                    .ok_or_else(|| CatalogError::Builtin(format!("unknown kind `{}`", k.kind)))
            })
            .collect::<Result<_, _>>()?;

        let service_defs: Vec<ServiceRuleDef> = serde_yaml::from_str(SERVICES_YAML)
            .map_err(|e| CatalogError::Builtin(format!("services.yaml: {e}")))?;
        let service_set = ascii_set(service_defs.iter().map(|s| s.pattern.as_str()))
            .map_err(|e| CatalogError::Builtin(format!("services.yaml: {e}")))?;
        let services = service_defs.into_iter().map(|s| s.service).collect();

        let gpu_defs: BTreeMap<String, Vec<String>> = serde_yaml::from_str(GPU_YAML)
            .map_err(|e| CatalogError::Builtin(format!("gpu.yaml: {e}")))?;
        let gpu = gpu_defs
            .into_iter()
            .map(|(provider, patterns)| {
                ascii_set(patterns.iter().map(String::as_str))
                    .map(|set| (provider.clone(), set))
                    .map_err(|e| CatalogError::Builtin(format!("gpu.yaml `{provider}`: {e}")))
            })
            .collect::<Result<_, _>>()?;

        Ok(Catalog {
            providers,
            ids,
            names,
            regions,
            hosts: OnceLock::new(),
            kind_set,
            kind_rules,
            service_set,
            services,
            gpu,
        })
    }

    pub fn providers(&self) -> &[ProviderDef] {
        &self.providers
    }

    pub fn ids(&self) -> &[ProviderId] {
        &self.ids
    }

    pub fn get(&self, id: &str) -> Option<&ProviderDef> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// The provider id for an id or alias (`amazon` → `aws`), case-insensitively.
    pub fn resolve(&self, name: &str) -> Option<ProviderId> {
        self.names.get(&name.to_lowercase()).cloned()
    }

    /// The closest id or alias to a misspelt provider name.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        crate::suggest::did_you_mean(name, self.names.keys().map(String::as_str))
    }

    /// Every id and alias, for messages.
    pub fn all_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.names.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// The provider whose Terraform prefix starts `type_` (longest prefix wins).
    pub fn by_terraform_type(&self, type_: &str) -> Option<(ProviderId, &str)> {
        self.longest_prefix(type_, |p| &p.terraform_prefixes)
    }

    /// The provider of a Terraform provider source (`hashicorp/aws`,
    /// `registry.terraform.io/hashicorp/aws`).
    pub fn by_terraform_source(&self, source: &str) -> Option<ProviderId> {
        let s = source.to_lowercase();
        let s = s
            .strip_prefix("registry.terraform.io/")
            .or_else(|| s.strip_prefix("registry.opentofu.org/"))
            .unwrap_or(&s);
        self.find(|p| {
            p.terraform_sources
                .iter()
                .any(|x| x.eq_ignore_ascii_case(s))
        })
    }

    /// The provider of a Terraform provider *local name* (`aws`, `google`, `azurerm`): the
    /// prefix of its resource types without the trailing `_`.
    pub fn by_terraform_local_name(&self, name: &str) -> Option<ProviderId> {
        let with_us = format!("{}_", name.to_lowercase());
        self.find(|p| p.terraform_prefixes.contains(&with_us))
    }

    pub fn by_terraform_backend(&self, backend: &str) -> Option<ProviderId> {
        self.find(|p| p.terraform_backends.iter().any(|x| x == backend))
    }

    pub fn by_module_provider(&self, segment: &str) -> Option<ProviderId> {
        let s = segment.to_lowercase();
        self.find(|p| p.module_providers.contains(&s))
    }

    /// CloudFormation / ARM / Bicep style type prefixes (`AWS::`, `Microsoft.`).
    pub fn by_type_prefix(&self, type_: &str) -> Option<(ProviderId, &str)> {
        self.longest_prefix(type_, |p| &p.type_prefixes)
    }

    /// The provider of a service or registry host, with what the host says.
    pub fn match_host(&self, host: &str) -> Option<HostMatch> {
        let host = host.to_lowercase();
        let host = host.trim_end_matches('.');
        self.host_rules().iter().find_map(|rule| {
            let caps = rule.re.captures(host)?;
            Some(HostMatch {
                provider: rule.provider.clone(),
                service: rule
                    .service
                    .clone()
                    .or_else(|| caps.name("service").map(|m| m.as_str().to_string())),
                kind: rule.kind,
                region: caps.name("region").map(|m| m.as_str().to_string()),
            })
        })
    }

    /// The country of a region of a provider, from the provider's own table. A region string
    /// alone never decides (`eu-west-1` is Ireland on AWS, London on Alibaba).
    pub fn country(&self, provider: &str, region: &str) -> Option<&str> {
        let table = self.regions.get(provider)?;
        table
            .regions
            .get(&region.to_lowercase())
            .map(String::as_str)
    }

    /// Whether a location is a multi-region one (`EU`, `US`, `eur4`): it has no single country.
    pub fn is_multi_region(&self, provider: &str, region: &str) -> bool {
        self.regions.get(provider).is_some_and(|t| {
            t.multi_region
                .iter()
                .any(|m| m.eq_ignore_ascii_case(region))
        })
    }

    /// Whether the provider's table knows this region.
    pub fn knows_region(&self, provider: &str, region: &str) -> bool {
        self.country(provider, region).is_some() || self.is_multi_region(provider, region)
    }

    /// The kind (and service, when the table names it) of a resource type as written. The
    /// first matching rule of `kinds.yaml` wins.
    pub fn kind_of(&self, type_: &str) -> Option<(Kind, Option<&str>)> {
        let first = self.kind_set.matches(type_.as_bytes()).iter().next()?;
        let (kind, service) = &self.kind_rules[first];
        Some((*kind, service.as_deref()))
    }

    /// The provider's service for a resource type as written (`aws_eks_cluster` → `eks`).
    /// The first matching rule of `services.yaml` wins.
    pub fn service_of(&self, type_: &str) -> Option<&str> {
        let first = self.service_set.matches(type_.as_bytes()).iter().next()?;
        Some(&self.services[first])
    }

    /// Whether an instance, machine or VM size type asks for accelerators (`g5.xlarge`,
    /// `a2-highgpu-1g`, `Standard_NC24ads_A100_v4`, `BM.GPU.H100.8`).
    /// Without a provider every provider's patterns are tried.
    pub fn is_gpu_type(&self, provider: Option<&str>, size: &str) -> bool {
        let size = size.trim();
        self.gpu
            .iter()
            .filter(|(p, _)| provider.is_none_or(|want| want == p))
            .any(|(_, set)| set.is_match(size.as_bytes()))
    }

    fn host_rules(&self) -> &[HostRule] {
        self.hosts.get_or_init(|| {
            let mut rules = Vec::new();
            for (p, id) in self.providers.iter().zip(&self.ids) {
                // Every pattern compiled when the catalog was built (user rules) or is
                // covered by the unit tests (built-in rules); a failure here is skipped.
                rules.extend(p.hosts.iter().filter_map(|h| compile_host(id, h).ok()));
            }
            rules
        })
    }

    fn find(&self, pred: impl Fn(&ProviderDef) -> bool) -> Option<ProviderId> {
        self.providers
            .iter()
            .position(pred)
            .map(|i| self.ids[i].clone())
    }

    fn longest_prefix<'a>(
        &'a self,
        s: &str,
        field: impl Fn(&'a ProviderDef) -> &'a Vec<String>,
    ) -> Option<(ProviderId, &'a str)> {
        let lower = s.to_lowercase();
        let mut best: Option<(usize, &'a str)> = None;
        for (i, p) in self.providers.iter().enumerate() {
            for prefix in field(p) {
                if lower.starts_with(&prefix.to_lowercase())
                    && best.is_none_or(|(_, b)| prefix.len() > b.len())
                {
                    best = Some((i, prefix.as_str()));
                }
            }
        }
        best.map(|(i, prefix)| (self.ids[i].clone(), prefix))
    }
}

fn merge(into: &mut ProviderDef, more: ProviderDef) {
    into.aliases.extend(more.aliases);
    into.terraform_prefixes.extend(more.terraform_prefixes);
    into.terraform_sources.extend(more.terraform_sources);
    into.terraform_backends.extend(more.terraform_backends);
    into.module_providers.extend(more.module_providers);
    into.hosts.extend(more.hosts);
    into.registries.extend(more.registries);
    into.public_registries.extend(more.public_registries);
    into.annotations.extend(more.annotations);
    into.k8s_classes.extend(more.k8s_classes);
    into.api_groups.extend(more.api_groups);
    into.type_prefixes.extend(more.type_prefixes);
    into.pulumi_packages.extend(more.pulumi_packages);
    into.ansible_collections.extend(more.ansible_collections);
    into.ci_actions.extend(more.ci_actions);
    into.serverless_names.extend(more.serverless_names);
}

/// A case-insensitive set of patterns over type names, which are ASCII. Byte-level classes
/// (no Unicode case folding) compile several times faster, and compiling these tables is most
/// of cloudpact's start-up.
fn ascii_set<'a>(patterns: impl Iterator<Item = &'a str>) -> Result<RegexSet, regex::Error> {
    regex::bytes::RegexSetBuilder::new(patterns)
        .case_insensitive(true)
        .unicode(false)
        .build()
}

/// A host glob as an anchored regex: `*` matches one or more DNS labels' characters.
pub fn glob_to_regex(glob: &str) -> String {
    let mut re = String::from("^");
    for c in glob.to_lowercase().chars() {
        match c {
            '*' => re.push_str("[a-z0-9.-]*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

fn compile_host(id: &ProviderId, def: &HostRuleDef) -> Result<HostRule, CatalogError> {
    let err = |message: String| CatalogError::Provider {
        id: id.to_string(),
        message,
    };
    let (pattern, service, kind) = match def {
        HostRuleDef::Glob(g) => (glob_to_regex(g), None, None),
        HostRuleDef::Rule {
            glob,
            re,
            service,
            kind,
        } => {
            let pattern = match (glob, re) {
                (Some(g), None) => glob_to_regex(g),
                (None, Some(r)) => r.clone(),
                _ => return Err(err("a host rule needs exactly one of `glob` or `re`".into())),
            };
            let kind = match kind {
                Some(k) => Some(Kind::parse(k).ok_or_else(|| err(format!("unknown kind `{k}`")))?),
                None => None,
            };
            (pattern, service.clone(), kind)
        }
    };
    let re = Regex::new(&pattern).map_err(|e| err(format!("host pattern `{pattern}`: {e}")))?;
    Ok(HostRule {
        provider: id.clone(),
        re,
        service,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads_and_has_every_language_provider() {
        let c = Catalog::builtin();
        for id in [
            "aws",
            "azure",
            "gcp",
            "oracle",
            "ibm",
            "alibaba",
            "digitalocean",
            "hetzner",
            "ovh",
            "scaleway",
            "cloudflare",
            "akamai",
            "vultr",
            "coreweave",
            "openai",
            "anthropic",
            "mistral",
        ] {
            assert_eq!(c.resolve(id).as_deref(), Some(id), "{id}");
        }
    }

    #[test]
    fn aliases_resolve() {
        let c = Catalog::builtin();
        for (alias, id) in [
            ("amazon", "aws"),
            ("microsoft", "azure"),
            ("google", "gcp"),
            ("oci", "oracle"),
            ("linode", "akamai"),
        ] {
            assert_eq!(c.resolve(alias).as_deref(), Some(id));
        }
        assert_eq!(c.suggest("azur"), Some("azure"));
    }

    #[test]
    fn region_country_depends_on_provider() {
        let c = Catalog::builtin();
        assert_eq!(c.country("aws", "eu-west-1"), Some("ie"));
        assert_eq!(c.country("alibaba", "eu-west-1"), Some("gb"));
        assert_eq!(c.country("gcp", "europe-west9"), Some("fr"));
        assert_eq!(c.country("azure", "francecentral"), Some("fr"));
        assert_eq!(c.country("azure", "FranceCentral"), Some("fr"));
        assert_eq!(c.country("oracle", "us-ashburn-1"), Some("us"));
        assert!(c.is_multi_region("gcp", "EU"));
        assert_eq!(c.country("gcp", "eu"), None);
    }

    #[test]
    fn terraform_prefixes_pick_the_longest() {
        let c = Catalog::builtin();
        assert_eq!(
            c.by_terraform_type("aws_instance").map(|x| x.0).as_deref(),
            Some("aws")
        );
        assert_eq!(
            c.by_terraform_type("azurerm_kubernetes_cluster")
                .map(|x| x.0)
                .as_deref(),
            Some("azure")
        );
        assert_eq!(
            c.by_terraform_type("google_container_cluster")
                .map(|x| x.0)
                .as_deref(),
            Some("gcp")
        );
        assert_eq!(c.by_terraform_type("random_id"), None);
    }

    #[test]
    fn hosts_give_provider_service_and_region() {
        let c = Catalog::builtin();
        let m = c
            .match_host("bedrock-runtime.us-west-2.amazonaws.com")
            .unwrap();
        assert_eq!(&*m.provider, "aws");
        assert_eq!(m.service.as_deref(), Some("bedrock"));
        assert_eq!(m.region.as_deref(), Some("us-west-2"));
        let m = c.match_host("acme.openai.azure.com").unwrap();
        assert_eq!(&*m.provider, "azure");
        assert_eq!(m.service.as_deref(), Some("azure-openai"));
        assert_eq!(
            &*c.match_host("api.anthropic.com").unwrap().provider,
            "anthropic"
        );
        assert_eq!(
            &*c.match_host("api.mistral.ai").unwrap().provider,
            "mistral"
        );
        assert_eq!(&*c.match_host("api.openai.com").unwrap().provider, "openai");
        assert!(c.match_host("telemetry.example.com").is_none());
    }

    #[test]
    fn users_extend_the_catalog() {
        let c = Catalog::build(vec![ProviderDef {
            id: "stargate".into(),
            name: "Stargate".into(),
            terraform_prefixes: vec!["stargate_".into()],
            hosts: vec![HostRuleDef::Glob("*.stargate.example".into())],
            ..Default::default()
        }])
        .unwrap();
        assert_eq!(
            c.by_terraform_type("stargate_cluster")
                .map(|x| x.0)
                .as_deref(),
            Some("stargate")
        );
        assert_eq!(
            &*c.match_host("gpu.stargate.example").unwrap().provider,
            "stargate"
        );
    }

    #[test]
    fn kinds_come_from_the_table() {
        let c = Catalog::builtin();
        assert_eq!(
            c.kind_of("google_container_cluster").map(|k| k.0),
            Some(Kind::Kubernetes)
        );
        assert_eq!(
            c.kind_of("azurerm_kubernetes_cluster").map(|k| k.0),
            Some(Kind::Kubernetes)
        );
        assert_eq!(
            c.kind_of("google_storage_bucket").map(|k| k.0),
            Some(Kind::Storage)
        );
        assert_eq!(
            c.kind_of("aws_eks_cluster").map(|k| k.0),
            Some(Kind::Kubernetes)
        );
    }

    #[test]
    fn services_come_from_the_table() {
        let c = Catalog::builtin();
        for (type_, service) in [
            ("aws_eks_cluster", "eks"),
            ("aws_eks_node_group", "eks"),
            ("aws_instance", "ec2"),
            ("aws_launch_template", "ec2"),
            ("aws_s3_bucket", "s3"),
            ("aws_db_instance", "rds"),
            ("aws_lambda_function", "lambda"),
            ("aws_bedrockagent_agent", "bedrock"),
            ("aws_cloudwatch_event_rule", "eventbridge"),
            ("aws_cloudwatch_log_group", "cloudwatch"),
            ("aws_vpc", "vpc"),
            ("aws_default_security_group", "vpc"),
            ("AWS::EKS::Cluster", "eks"),
            ("AWS::EC2::Instance", "ec2"),
            ("AWS::S3::Bucket", "s3"),
            ("AWS::Serverless::Function", "lambda"),
            ("azurerm_kubernetes_cluster", "aks"),
            ("azurerm_kubernetes_cluster_node_pool", "aks"),
            ("azurerm_linux_virtual_machine", "virtual-machines"),
            ("azurerm_storage_account", "storage-account"),
            ("azurerm_cognitive_account", "cognitive-services"),
            ("azurerm_mssql_server", "sql-database"),
            ("azurerm_key_vault", "key-vault"),
            ("Microsoft.ContainerService/managedClusters", "aks"),
            ("Microsoft.Storage/storageAccounts", "storage-account"),
            ("Microsoft.CognitiveServices/accounts", "cognitive-services"),
            ("google_container_cluster", "gke"),
            ("google_container_node_pool", "gke"),
            ("google_storage_bucket", "gcs"),
            ("google_compute_instance", "compute-engine"),
            ("google_compute_disk", "persistent-disk"),
            ("google_sql_database_instance", "cloud-sql"),
            ("google_vertex_ai_endpoint", "vertex-ai"),
            ("container.v1.cluster", "gke"),
            ("oci_containerengine_cluster", "oke"),
            ("oci_core_instance", "compute"),
            ("oci_objectstorage_bucket", "object-storage"),
            ("alicloud_cs_managed_kubernetes", "ack"),
            ("digitalocean_kubernetes_cluster", "doks"),
            ("scaleway_k8s_cluster", "kapsule"),
        ] {
            assert_eq!(c.service_of(type_), Some(service), "{type_}");
        }
        assert_eq!(c.service_of("random_id"), None);
        assert_eq!(c.service_of("azurerm_resource_group"), None);
    }

    #[test]
    fn gpu_sizes_come_from_the_table() {
        let c = Catalog::builtin();
        for (provider, size) in [
            ("aws", "p4d.24xlarge"),
            ("aws", "p5en.48xlarge"),
            ("aws", "p6-b200.48xlarge"),
            ("aws", "p6e-gb200.36xlarge"),
            ("aws", "g5.xlarge"),
            ("aws", "g4dn.xlarge"),
            ("aws", "g6e.12xlarge"),
            ("aws", "trn2.48xlarge"),
            ("aws", "inf2.48xlarge"),
            ("aws", "ml.g5.2xlarge"),
            ("azure", "Standard_NC24ads_A100_v4"),
            ("azure", "Standard_ND96isr_H100_v5"),
            ("azure", "Standard_NV36ads_A10_v5"),
            ("azure", "standard_nc4as_t4_v3"),
            ("gcp", "a2-highgpu-1g"),
            ("gcp", "a3-megagpu-8g"),
            ("gcp", "g2-standard-8"),
            ("gcp", "nvidia-tesla-t4"),
            ("gcp", "ct5lp-hightpu-4t"),
            ("gcp", "v3-8"),
            ("oracle", "BM.GPU.H100.8"),
            ("oracle", "VM.GPU.A10.1"),
            ("ibm", "gx3-16x80x1l4"),
            ("alibaba", "ecs.gn7i-c8g1.2xlarge"),
            ("digitalocean", "gpu-h100x1-80gb"),
            ("ovh", "h100-380"),
            ("ovh", "t1-45"),
            ("scaleway", "H100-1-80G"),
            ("akamai", "g1-gpu-rtx6000-1"),
            ("vultr", "vcg-a100-12c-120g-80vram"),
            ("coreweave", "gd-8xh100ib-i128"),
        ] {
            assert!(c.is_gpu_type(Some(provider), size), "{provider} {size}");
            assert!(c.is_gpu_type(None, size), "any {size}");
        }
        for (provider, size) in [
            ("aws", "m5.large"),
            ("aws", "m6g.large"),
            ("aws", "t3.micro"),
            ("aws", "c7gn.large"),
            ("azure", "Standard_D4s_v5"),
            ("gcp", "n1-standard-4"),
            ("gcp", "e2-medium"),
            ("oracle", "VM.Standard.E4.Flex"),
            ("digitalocean", "s-2vcpu-4gb"),
            ("ovh", "b2-7"),
        ] {
            assert!(!c.is_gpu_type(Some(provider), size), "{provider} {size}");
        }
        // Patterns are per provider.
        assert!(!c.is_gpu_type(Some("azure"), "g5.xlarge"));
    }

    #[test]
    fn kinds_added_for_terraform_types() {
        let c = Catalog::builtin();
        for (type_, kind) in [
            ("aws_network_acl", Kind::Network),
            ("aws_network_acl_rule", Kind::Network),
            ("aws_flow_log", Kind::Network),
            ("aws_default_security_group", Kind::Network),
            ("azurerm_disk_encryption_set", Kind::Identity),
            ("google_gke_hub_membership", Kind::Kubernetes),
            ("google_compute_node_group", Kind::Compute),
            ("google_compute_route", Kind::Network),
            ("google_compute_router", Kind::Network),
            ("google_compute_managed_ssl_certificate", Kind::Network),
            ("oci_core_compute_cluster", Kind::Compute),
            ("oci_core_compute_gpu_memory_cluster", Kind::Compute),
        ] {
            assert_eq!(c.kind_of(type_).map(|k| k.0), Some(kind), "{type_}");
        }
    }
}

#[cfg(test)]
mod endpoint_host_tests;

/// What a container image host says about a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryMatch {
    pub provider: ProviderId,
    /// A private registry (strong); `false` for a provider's public image host (weak: never
    /// decides a provider alone).
    pub strong: bool,
    /// The registry's name when the catalog gives one (`Artifact Registry`).
    pub name: Option<String>,
}

/// Lookups for the Kubernetes, Pulumi, Serverless, Ansible and CI signals of the catalog.
impl Catalog {
    /// The provider of a Kubernetes annotation or label key (longest prefix wins).
    pub fn by_annotation(&self, key: &str) -> Option<(ProviderId, &str)> {
        self.longest_prefix(key, |p| &p.annotations)
    }

    /// The provider of a storage provisioner, storage class, ingress class or controller, or
    /// load-balancer class (exact, case-insensitive).
    pub fn by_k8s_class(&self, value: &str) -> Option<ProviderId> {
        self.find(|p| p.k8s_classes.iter().any(|c| c.eq_ignore_ascii_case(value)))
    }

    /// The provider of an operator API group: the group itself or any subdomain of a catalog
    /// entry (`s3.aws.upbound.io` under `aws.upbound.io`); the longest entry wins.
    pub fn by_api_group(&self, group: &str) -> Option<(ProviderId, &str)> {
        let group = group.to_ascii_lowercase();
        let mut best: Option<(usize, &str)> = None;
        for (i, p) in self.providers.iter().enumerate() {
            for g in &p.api_groups {
                let g_lower = g.to_ascii_lowercase();
                let hit = group == g_lower
                    || group
                        .strip_suffix(&g_lower)
                        .is_some_and(|rest| rest.ends_with('.'));
                if hit && best.is_none_or(|(_, b)| g.len() > b.len()) {
                    best = Some((i, g.as_str()));
                }
            }
        }
        best.map(|(i, g)| (self.ids[i].clone(), g))
    }

    /// The provider of a container image host. Public hosts are checked first, so a public
    /// host inside a private glob (`k8s.gcr.io` under `*.gcr.io`) stays weak.
    pub fn by_registry(&self, host: &str) -> Option<RegistryMatch> {
        let host = host.to_ascii_lowercase();
        for (i, p) in self.providers.iter().enumerate() {
            if p.public_registries.iter().any(|g| glob_match(g, &host)) {
                return Some(RegistryMatch {
                    provider: self.ids[i].clone(),
                    strong: false,
                    name: None,
                });
            }
        }
        for (i, p) in self.providers.iter().enumerate() {
            for entry in &p.registries {
                let (glob, name) = match entry.split_once(" (") {
                    Some((g, n)) => (g, Some(n.trim_end_matches(')').to_string())),
                    None => (entry.as_str(), None),
                };
                if glob_match(glob, &host) {
                    return Some(RegistryMatch {
                        provider: self.ids[i].clone(),
                        strong: true,
                        name,
                    });
                }
            }
        }
        None
    }

    /// The provider of a Pulumi package (`aws`, `azure-native`).
    pub fn by_pulumi_package(&self, package: &str) -> Option<ProviderId> {
        self.find(|p| p.pulumi_packages.iter().any(|x| x == package))
    }

    /// The provider of an Ansible module name (`amazon.aws.ec2_instance`, `azure_rm_vm`).
    pub fn by_ansible_module(&self, module: &str) -> Option<(ProviderId, &str)> {
        self.longest_prefix(module, |p| &p.ansible_collections)
    }

    /// The provider of a Serverless Framework `provider.name`.
    pub fn by_serverless_name(&self, name: &str) -> Option<ProviderId> {
        self.find(|p| {
            p.serverless_names
                .iter()
                .any(|x| x.eq_ignore_ascii_case(name))
        })
    }

    /// The provider of a GitHub Actions `uses:` (`aws-actions/configure-aws-credentials@v4`).
    pub fn by_ci_action(&self, uses: &str) -> Option<(ProviderId, &str)> {
        let action = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
        self.ci_entry(|entry| {
            if entry.contains(':') || entry.ends_with('@') {
                return false;
            }
            let entry = entry.to_ascii_lowercase();
            if entry.ends_with('/') {
                action.starts_with(&entry)
            } else {
                action == entry
                    || action
                        .strip_prefix(&entry)
                        .is_some_and(|r| r.starts_with('/'))
            }
        })
    }

    /// The provider of an Azure Pipelines task (`AzureCLI@2`).
    pub fn by_ci_task(&self, task: &str) -> Option<(ProviderId, &str)> {
        let task = task.trim().to_ascii_lowercase();
        let name = task.split('@').next().unwrap_or(&task);
        self.ci_entry(|entry| {
            entry
                .strip_suffix('@')
                .is_some_and(|e| !e.contains(':') && e.eq_ignore_ascii_case(name))
        })
    }

    /// The provider of a CI signal written with a scheme in `ci_actions`: `template`
    /// (GitLab include template), `image` (job image), `aud` (OIDC audience): prefix
    /// matches; `cli`: the exact command name.
    pub fn by_ci_signal(&self, scheme: &str, value: &str) -> Option<(ProviderId, &str)> {
        let value = value.trim().to_ascii_lowercase();
        self.ci_entry(|entry| {
            let Some(rest) = entry.strip_prefix(scheme).and_then(|r| r.strip_prefix(':')) else {
                return false;
            };
            let rest = rest.to_ascii_lowercase();
            if scheme == "cli" {
                value == rest
            } else {
                !rest.is_empty() && value.starts_with(&rest)
            }
        })
    }

    /// Kind and service of a resource declared by parts rather than a type string (operator
    /// objects, Pulumi tokens): `service` is the API group's first label or the Pulumi module,
    /// `type_name` the kind. Tries the spellings the kind table knows for the provider:
    /// Terraform (`aws_s3_bucket`, `google_container_cluster`), CloudFormation
    /// (`AWS::S3::Bucket`) and ARM (`Microsoft.Storage/storageAccounts`).
    pub fn kind_of_resource(
        &self,
        provider: &str,
        service: &str,
        type_name: &str,
    ) -> Option<(Kind, Option<&str>)> {
        let def = self.get(provider)?;
        let snake = snake_case(type_name);
        let service = service.to_ascii_lowercase().replace('-', "");
        let mut candidates = Vec::new();
        for prefix in &def.type_prefixes {
            if service.is_empty() || service == "index" {
                continue;
            }
            if prefix.ends_with("::") {
                candidates.push(format!("{prefix}{service}::{type_name}"));
            } else {
                candidates.push(format!("{prefix}{service}/{type_name}s"));
            }
        }
        // Only the primary Terraform prefix: secondary ones (`azuread_`) have catch-all rules.
        if let Some(tf) = def.terraform_prefixes.first() {
            if !service.is_empty() && service != "index" {
                candidates.push(format!("{tf}{service}_{snake}"));
            }
            candidates.push(format!("{tf}{snake}"));
        }
        candidates.iter().find_map(|c| self.kind_of(c))
    }

    fn ci_entry(&self, pred: impl Fn(&str) -> bool) -> Option<(ProviderId, &str)> {
        for (i, p) in self.providers.iter().enumerate() {
            if let Some(e) = p.ci_actions.iter().find(|e| pred(e)) {
                return Some((self.ids[i].clone(), e.as_str()));
            }
        }
        None
    }
}

/// `StorageAccount` → `storage_account`, `SQLInstance` → `sql_instance`, `VPC` → `vpc`.
pub fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' || c == '.' || c == '/' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// A host glob match without regexes: `*` matches any run of DNS characters (`[a-z0-9.-]`).
pub fn glob_match(glob: &str, host: &str) -> bool {
    fn dns(c: u8) -> bool {
        c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
    }
    let g = glob.as_bytes();
    let h = host.as_bytes();
    // Iterative wildcard matching with backtracking to the last `*`.
    let (mut gi, mut hi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while hi < h.len() {
        if gi < g.len() && g[gi] == b'*' {
            star = Some((gi, hi));
            gi += 1;
        } else if gi < g.len() && g[gi].eq_ignore_ascii_case(&h[hi]) {
            gi += 1;
            hi += 1;
        } else if let Some((sg, sh)) = star.filter(|&(_, sh)| dns(h[sh])) {
            gi = sg + 1;
            hi = sh + 1;
            star = Some((sg, sh + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
#[path = "catalog_lookup_tests.rs"]
mod lookup_tests;

#[cfg(test)]
mod startup_tests {
    /// Every built-in host rule compiles (they are compiled lazily, where a failure is skipped).
    #[test]
    fn builtin_host_rules_all_compile() {
        let c = super::Catalog::builtin();
        let defined: usize = c.providers().iter().map(|p| p.hosts.len()).sum();
        for (p, id) in c.providers().iter().zip(c.ids()) {
            for h in &p.hosts {
                super::compile_host(id, h).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        assert_eq!(c.host_rules().len(), defined);
    }

    #[test]
    fn a_bad_user_host_rule_is_an_error_when_the_catalog_is_built() {
        let bad = super::ProviderDef {
            id: "x".into(),
            name: "X".into(),
            hosts: vec![super::HostRuleDef::Rule {
                glob: None,
                re: Some("(unclosed".into()),
                service: None,
                kind: None,
            }],
            ..Default::default()
        };
        assert!(super::Catalog::build(vec![bad]).is_err());
    }

    /// The built-in tables compile as ASCII byte sets (`ascii_set`).
    #[test]
    fn builtin_tables_take_the_ascii_path() {
        for (name, yaml) in [
            ("kinds", super::KINDS_YAML),
            ("services", super::SERVICES_YAML),
        ] {
            let rules: Vec<serde_yaml::Value> = serde_yaml::from_str(yaml).unwrap();
            let patterns: Vec<&str> = rules
                .iter()
                .map(|r| r["pattern"].as_str().unwrap())
                .collect();
            super::ascii_set(patterns.into_iter()).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

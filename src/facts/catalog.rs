//! The provider catalog: which strings identify which provider, region → country tables, and
//! the resource type → kind table. All of it is data (`catalog/*.yaml`, embedded at build time)
//! that a reader can audit and a user can extend through `providers:` in `cloudpact.yaml`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use regex::Regex;
use regex::bytes::RegexSet;
use serde::Deserialize;

use super::model::{Kind, ProviderId};

// The tables as written in `catalog/*.yaml`, converted to JSON by `build.rs` (JSON parses
// several times faster, and every run builds the catalog).
const PROVIDERS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/providers.json"));
const REGIONS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/regions.json"));
const KINDS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/kinds.json"));
const SERVICES_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/services.json"));
/// The same tables' patterns as DFAs, compiled by build.rs.
const KINDS_DFA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kinds.dfa"));
const SERVICES_DFA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/services.dfa"));
const GPU_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/gpu.json"));

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
#[derive(Debug, Clone)]
pub enum HostRuleDef {
    Glob(String),
    Rule {
        glob: Option<String>,
        re: Option<String>,
        service: Option<String>,
        kind: Option<String>,
    },
}

/// A string is a glob, a map a rule. Written by hand rather than `#[serde(untagged)]`, which
/// buffers every value and tries each variant in turn: the catalog's ~400 host rules are
/// read at every start (docs/performance.md, "Start-up").
impl<'de> Deserialize<'de> for HostRuleDef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<HostRuleDef, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            #[serde(default)]
            glob: Option<String>,
            #[serde(default)]
            re: Option<String>,
            #[serde(default)]
            service: Option<String>,
            #[serde(default)]
            kind: Option<String>,
        }
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = HostRuleDef;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a host glob, or a map with `glob` or `re`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<HostRuleDef, E> {
                Ok(HostRuleDef::Glob(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<HostRuleDef, E> {
                Ok(HostRuleDef::Glob(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<HostRuleDef, A::Error> {
                let f = Fields::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(HostRuleDef::Rule {
                    glob: f.glob,
                    re: f.re,
                    service: f.service,
                    kind: f.kind,
                })
            }
        }
        d.deserialize_any(Visit)
    }
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

/// Every host rule, and one set of all their patterns: a host is matched against the set in
/// one pass, and only the first rule that matches is run again for its captures (trying ~200
/// regexes in turn per host was a tenth of a scan's time).
#[derive(Debug)]
struct HostRules {
    rules: Vec<HostRule>,
    set: regex::RegexSet,
    /// What each host asked about matched: a repository names the same few hosts over and
    /// over, and the set's search was most of an endpoint scan's time.
    seen: Memo<String, Option<HostMatch>>,
}

/// Answers already given, by question, up to [`Memo::MAX`] of them (then it starts over, so a
/// run that meets endless distinct questions holds a bounded amount). Shared by the worker
/// threads: each question is asked once or twice, not once per file.
#[derive(Debug, Default)]
struct Memo<K, V>(std::sync::Mutex<HashMap<K, V, foldhash::fast::RandomState>>);

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    const MAX: usize = 4096;

    /// The answer to `key`, asked with `answer` the first time.
    fn get<Q>(&self, key: &Q, answer: impl FnOnce() -> V) -> V
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let lock = || {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(v) = lock().get(key) {
            return v.clone();
        }
        let v = answer();
        let mut seen = lock();
        if seen.len() >= Self::MAX {
            seen.clear();
        }
        seen.insert(key.to_owned(), v.clone());
        v
    }
}

#[derive(Debug, Default, Deserialize)]
struct RegionTable {
    #[serde(default)]
    regions: BTreeMap<String, String>,
    #[serde(default)]
    multi_region: Vec<String>,
    /// For the multi-region locations whose possible countries the provider documents: that
    /// set (sorted). A location listed in `multi_region` but not here has unknown countries.
    #[serde(default)]
    multi_region_countries: BTreeMap<String, Vec<String>>,
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
    #[expect(
        dead_code,
        reason = "build.rs compiles the patterns into the table's DFA, pattern i for rule i"
    )]
    pattern: String,
    kind: String,
    #[serde(default)]
    service: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceRuleDef {
    /// Case-insensitive regex on the resource type as written.
    #[expect(
        dead_code,
        reason = "build.rs compiles the patterns into the table's DFA, pattern i for rule i"
    )]
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
    /// Compiled on first use: a scan without endpoint hosts never pays for ~200 regexes.
    hosts: OnceLock<HostRules>,
    /// The registry globs as one set, compiled on first use (`lookups::RegistryRules`).
    registries: OnceLock<lookups::RegistryRules>,
    /// What `kind_of_resource` and `by_api_group` answered: every operator object asks both,
    /// and a repository's objects are of a few kinds and groups (`lookups`).
    resource_kinds: Memo<String, Option<(Kind, Option<&'static str>)>>,
    api_groups: Memo<String, Option<(usize, usize)>>,
    /// What `by_terraform_type` answered, as provider and prefix indexes.
    terraform_types: Memo<String, Option<(usize, usize)>>,
}

/// The built-in tables no user entry extends: region → country, resource type → kind and
/// service, accelerator sizes. Parsed on first use, once per process: a run that resolves no
/// region and classifies no resource (an empty folder, a policy check) never reads them
/// (docs/performance.md, "Start-up"). The unit tests read them all (`compile_all`), so the
/// first use cannot fail.
#[derive(Debug)]
struct Tables {
    regions: HashMap<String, RegionTable>,
    /// The type tables, compiled when the program was built.
    kind_set: TypeTable,
    kind_rules: Vec<(Kind, Option<String>)>,
    service_set: TypeTable,
    services: Vec<String>,
    /// Provider id → accelerator size patterns.
    gpu: Vec<(String, LazySet)>,
}

impl Tables {
    fn get() -> &'static Tables {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(|| Tables::parse().unwrap_or_else(|e| panic!("{e}")))
    }

    fn parse() -> Result<Tables, CatalogError> {
        let regions: HashMap<String, RegionTable> = serde_json::from_str(REGIONS_JSON)
            .map_err(|e| CatalogError::Builtin(format!("regions.yaml: {e}")))?;
        let kinds: Vec<KindRuleDef> = serde_json::from_str(KINDS_JSON)
            .map_err(|e| CatalogError::Builtin(format!("kinds.yaml: {e}")))?;
        let kind_set = TypeTable::new("kinds.yaml", KINDS_DFA, kinds.len());
        let kind_rules = kinds
            .into_iter()
            .map(|k| {
                Kind::parse(&k.kind)
                    .map(|kind| (kind, k.service))
                    .ok_or_else(|| CatalogError::Builtin(format!("unknown kind `{}`", k.kind)))
            })
            .collect::<Result<_, _>>()?;
        let service_defs: Vec<ServiceRuleDef> = serde_json::from_str(SERVICES_JSON)
            .map_err(|e| CatalogError::Builtin(format!("services.yaml: {e}")))?;
        let service_set = TypeTable::new("services.yaml", SERVICES_DFA, service_defs.len());
        let services = service_defs.into_iter().map(|s| s.service).collect();
        let gpu_defs: BTreeMap<String, Vec<String>> = serde_json::from_str(GPU_JSON)
            .map_err(|e| CatalogError::Builtin(format!("gpu.yaml: {e}")))?;
        let gpu = gpu_defs
            .into_iter()
            .map(|(provider, patterns)| (provider, LazySet::new("gpu.yaml", patterns)))
            .collect();
        Ok(Tables {
            regions,
            kind_set,
            kind_rules,
            service_set,
            services,
            gpu,
        })
    }
}

/// A resource-type table's patterns as the DFA build.rs compiled them from the lowercased
/// patterns (every one anchored at the name's start): it reports every pattern that matches,
/// and the table's first wins. The DFA is read (and checked) on first use: about a
/// millisecond that a run classifying no resource does not pay.
struct TypeTable {
    table: &'static str,
    bytes: &'static [u8],
    /// How many rules the table has: one pattern each.
    rules: usize,
    dfa: OnceLock<regex_automata::dfa::sparse::DFA<&'static [u8]>>,
    /// The first match of each name asked about (lowercased): a repository's resources are of
    /// a few hundred types, each asked about many times.
    seen: Memo<Vec<u8>, Option<usize>>,
}

impl std::fmt::Debug for TypeTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeTable")
            .field("table", &self.table)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

impl TypeTable {
    fn new(table: &'static str, bytes: &'static [u8], rules: usize) -> TypeTable {
        TypeTable {
            table,
            bytes,
            rules,
            dfa: OnceLock::new(),
            seen: Memo::default(),
        }
    }

    /// The DFA. The built-in tables are read by the unit tests
    /// (`type_tables_decide_as_their_patterns`), so the first use cannot fail.
    fn dfa(&self) -> &regex_automata::dfa::sparse::DFA<&'static [u8]> {
        use regex_automata::dfa::Automaton;
        self.dfa.get_or_init(|| {
            let (dfa, _) = regex_automata::dfa::sparse::DFA::from_bytes(self.bytes)
                .unwrap_or_else(|e| panic!("built-in table {}: {e}", self.table));
            assert_eq!(
                dfa.pattern_len(),
                self.rules,
                "built-in table {}: one pattern per rule",
                self.table
            );
            dfa
        })
    }

    /// The first pattern that matches `s`, ignoring ASCII case.
    fn first_match(&self, s: &str) -> Option<usize> {
        use regex_automata::dfa::Automaton;
        use regex_automata::{Anchored, Input, PatternSet};
        let name = ascii_lower(s);
        self.seen.get(&*name, || {
            let dfa = self.dfa();
            let mut matched = PatternSet::new(dfa.pattern_len());
            let input = Input::new(&*name).anchored(Anchored::Yes);
            // A DFA without quit bytes cannot fail a search.
            dfa.try_which_overlapping_matches(&input, &mut matched)
                .ok()?;
            matched.iter().next().map(|p| p.as_usize())
        })
    }
}

/// Patterns of a built-in table and their set, compiled when first asked for. The built-in
/// tables are compiled by the unit tests (`builtin_tables_compile`), so the first use cannot
/// fail.
#[derive(Debug)]
struct LazySet {
    /// Which table, for the message of a (tested-away) compile error.
    table: &'static str,
    patterns: Vec<String>,
    set: OnceLock<RegexSet>,
}

impl LazySet {
    fn new(table: &'static str, patterns: Vec<String>) -> LazySet {
        LazySet {
            table,
            patterns,
            set: OnceLock::new(),
        }
    }

    fn get(&self) -> &RegexSet {
        self.set.get_or_init(|| {
            ascii_set(self.patterns.iter().map(String::as_str))
                .unwrap_or_else(|e| panic!("built-in table {}: {e}", self.table))
        })
    }

    /// Whether a pattern matches `s`, ignoring ASCII case.
    fn is_match(&self, s: &str) -> bool {
        self.get().is_match(&ascii_lower(s))
    }
}

/// `s` with ASCII letters lowercased, borrowed when it has no capital.
fn ascii_lower(s: &str) -> std::borrow::Cow<'_, [u8]> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(s.as_bytes().to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s.as_bytes())
    }
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
    pub(crate) fn build(extra: Vec<ProviderDef>) -> Result<Catalog, CatalogError> {
        let mut providers: Vec<ProviderDef> = serde_json::from_str(PROVIDERS_JSON)
            .map_err(|e| CatalogError::Builtin(format!("providers.yaml: {e}")))?;
        // A user's entry may add signals to a built-in provider, never take over its names.
        if let Some(p) = check_user_providers(&providers, &extra).into_iter().next() {
            return Err(CatalogError::Provider {
                id: extra[p.entry].id.clone(),
                message: p.message,
            });
        }
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

        Ok(Catalog {
            providers,
            ids,
            names,
            hosts: OnceLock::new(),
            registries: OnceLock::new(),
            resource_kinds: Memo::default(),
            api_groups: Memo::default(),
            terraform_types: Memo::default(),
        })
    }

    pub(crate) fn providers(&self) -> &[ProviderDef] {
        &self.providers
    }

    pub(crate) fn ids(&self) -> &[ProviderId] {
        &self.ids
    }

    pub(crate) fn get(&self, id: &str) -> Option<&ProviderDef> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// The provider id for an id or alias (`amazon` → `aws`), case-insensitively.
    pub(crate) fn resolve(&self, name: &str) -> Option<ProviderId> {
        self.names.get(&name.to_lowercase()).cloned()
    }

    /// The closest id or alias to a misspelt provider name.
    pub(crate) fn suggest(&self, name: &str) -> Option<&str> {
        crate::suggest::did_you_mean(name, self.names.keys().map(String::as_str))
    }

    /// The provider whose Terraform prefix starts `type_` (longest prefix wins).
    pub(crate) fn by_terraform_type(&self, type_: &str) -> Option<(ProviderId, &str)> {
        // Every resource asks (a scan of every provider's prefixes); a configuration's
        // resources are of a few hundred types.
        let (i, j) = self.terraform_types.get(type_, || {
            self.longest_prefix_at(type_, |p| &p.terraform_prefixes)
        })?;
        Some((
            self.ids[i].clone(),
            self.providers[i].terraform_prefixes[j].as_str(),
        ))
    }

    /// The provider of a Terraform provider source (`hashicorp/aws`,
    /// `registry.terraform.io/hashicorp/aws`).
    pub(crate) fn by_terraform_source(&self, source: &str) -> Option<ProviderId> {
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
    pub(crate) fn by_terraform_local_name(&self, name: &str) -> Option<ProviderId> {
        let with_us = format!("{}_", name.to_lowercase());
        self.find(|p| p.terraform_prefixes.contains(&with_us))
    }

    pub(crate) fn by_terraform_backend(&self, backend: &str) -> Option<ProviderId> {
        self.find(|p| p.terraform_backends.iter().any(|x| x == backend))
    }

    pub(crate) fn by_module_provider(&self, segment: &str) -> Option<ProviderId> {
        let s = segment.to_lowercase();
        self.find(|p| p.module_providers.contains(&s))
    }

    /// CloudFormation / ARM / Bicep style type prefixes (`AWS::`, `Microsoft.`).
    pub(crate) fn by_type_prefix(&self, type_: &str) -> Option<(ProviderId, &str)> {
        self.longest_prefix(type_, |p| &p.type_prefixes)
    }

    /// The provider of a service or registry host, with what the host says.
    pub(crate) fn match_host(&self, host: &str) -> Option<HostMatch> {
        let lower;
        let host = if host
            .bytes()
            .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
        {
            lower = host.to_lowercase();
            &lower
        } else {
            host
        };
        let host = host.trim_end_matches('.');
        let rules = self.host_rules();
        rules.seen.get(host, || {
            // Most hosts asked about (`t2.micro`, `Bucket.Arn`) match no rule: a yes-or-no
            // search stops early, where listing every rule that matches reads the whole host
            // through all of them.
            if !rules.set.is_match(host) {
                return None;
            }
            let first = rules.set.matches(host).iter().next()?;
            let rule = &rules.rules[first];
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
    pub(crate) fn country(&self, provider: &str, region: &str) -> Option<&str> {
        let table = Tables::get().regions.get(provider)?;
        table
            .regions
            .get(lowercase(region).as_ref())
            .map(String::as_str)
    }

    /// Whether a location is a multi-region one (`EU`, `US`, `eur4`): it has no single country.
    pub(crate) fn is_multi_region(&self, provider: &str, region: &str) -> bool {
        Tables::get().regions.get(provider).is_some_and(|t| {
            t.multi_region
                .iter()
                .any(|m| m.eq_ignore_ascii_case(region))
        })
    }

    /// The countries a multi-region location may keep data in (`EU` → the member states,
    /// `eur4` → Finland, the Netherlands and Belgium), when the provider documents them.
    pub(crate) fn multi_region_countries(&self, provider: &str, region: &str) -> Option<&[String]> {
        let table = Tables::get().regions.get(provider)?;
        table
            .multi_region_countries
            .get(&region.to_lowercase())
            .map(Vec::as_slice)
    }

    /// Whether the provider's table knows this region.
    pub(crate) fn knows_region(&self, provider: &str, region: &str) -> bool {
        self.country(provider, region).is_some() || self.is_multi_region(provider, region)
    }

    /// The kind (and service, when the table names it) of a resource type as written. The
    /// first matching rule of `kinds.yaml` wins.
    pub(crate) fn kind_of(&self, type_: &str) -> Option<(Kind, Option<&str>)> {
        kind_rule(type_)
    }

    /// The provider's service for a resource type as written (`aws_eks_cluster` → `eks`).
    /// The first matching rule of `services.yaml` wins.
    pub(crate) fn service_of(&self, type_: &str) -> Option<&str> {
        let tables = Tables::get();
        let first = tables.service_set.first_match(type_)?;
        Some(&tables.services[first])
    }

    /// Whether an instance, machine or VM size type asks for accelerators (`g5.xlarge`,
    /// `a2-highgpu-1g`, `Standard_NC24ads_A100_v4`, `BM.GPU.H100.8`).
    /// Without a provider every provider's patterns are tried.
    pub(crate) fn is_gpu_type(&self, provider: Option<&str>, size: &str) -> bool {
        let size = size.trim();
        Tables::get()
            .gpu
            .iter()
            .filter(|(p, _)| provider.is_none_or(|want| want == p))
            .any(|(_, set)| set.is_match(size))
    }

    /// Compiles every lazily compiled table now (the unit tests' check of the built-in data).
    #[cfg(test)]
    pub(crate) fn compile_all(&self) {
        let tables = Tables::parse().expect("built-in tables");
        tables.kind_set.dfa();
        tables.service_set.dfa();
        for (_, set) in &tables.gpu {
            set.get();
        }
        self.host_rules();
        self.registry_rules();
    }

    fn host_rules(&self) -> &HostRules {
        self.hosts.get_or_init(|| {
            let mut rules = Vec::new();
            for (p, id) in self.providers.iter().zip(&self.ids) {
                // Every pattern compiled when the catalog was built (user rules) or is
                // covered by the unit tests (built-in rules); a failure here is skipped.
                rules.extend(p.hosts.iter().filter_map(|h| compile_host(id, h).ok()));
            }
            // Each pattern compiled alone above, so the set of them compiles too.
            let set = regex::RegexSet::new(rules.iter().map(|r| r.re.as_str()))
                .expect("patterns that compile alone compile as a set");
            HostRules {
                rules,
                set,
                seen: Memo::default(),
            }
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
        let (i, j) = self.longest_prefix_at(s, &field)?;
        Some((self.ids[i].clone(), field(&self.providers[i])[j].as_str()))
    }

    /// Where the longest prefix of `s` (in any case) is: its provider's index and its index
    /// in `field`.
    fn longest_prefix_at<'a>(
        &'a self,
        s: &str,
        field: impl Fn(&'a ProviderDef) -> &'a Vec<String>,
    ) -> Option<(usize, usize)> {
        let lower = lowercase(s);
        let mut best: Option<(usize, usize, usize)> = None;
        for (i, p) in self.providers.iter().enumerate() {
            for (j, prefix) in field(p).iter().enumerate() {
                if starts_with_lowered(&lower, prefix)
                    && best.is_none_or(|(_, _, len)| prefix.len() > len)
                {
                    best = Some((i, j, prefix.len()));
                }
            }
        }
        best.map(|(i, j, _)| (i, j))
    }
}

/// The kind and service of the first type rule that matches `type_`.
fn kind_rule(type_: &str) -> Option<(Kind, Option<&'static str>)> {
    let tables = Tables::get();
    let first = tables.kind_set.first_match(type_)?;
    let (kind, service) = &tables.kind_rules[first];
    Some((*kind, service.as_deref()))
}

/// `s.to_lowercase()`, without a copy when `s` is lowercase ASCII already (the common case:
/// resource types, annotation keys).
pub(crate) fn lowercase(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

/// Whether the lowercased `lower` starts with `prefix.to_lowercase()`, without making it for
/// an ASCII prefix (every catalog entry has been one: this ran for every prefix of every
/// provider on each lookup).
fn starts_with_lowered(lower: &str, prefix: &str) -> bool {
    if prefix.is_ascii() {
        lower
            .as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    } else {
        lower.starts_with(&prefix.to_lowercase())
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

/// Where in a user's provider entry a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderField {
    Id,
    /// The n-th of `aliases`.
    Alias(usize),
    /// The n-th of `hosts`.
    Host(usize),
    /// The n-th of `terraform_prefixes`.
    TerraformPrefix(usize),
    /// The n-th of `type_prefixes`.
    TypePrefix(usize),
}

/// Why a user's provider entry (the `entry`-th of `providers:`) cannot join the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderProblem {
    pub entry: usize,
    pub field: ProviderField,
    pub message: String,
}

/// Words of the policy language that a provider name would make ambiguous (`over any`,
/// `provider == unknown`).
const RESERVED_NAMES: &[&str] = &["any", "unknown"];

/// Checks a user's providers (`providers:` in cloudpact.yaml) against the built-in ones and
/// each other. An entry whose `id` is a built-in id adds signals to that provider; otherwise
/// no id or alias may be another provider's id or alias, case-insensitively — `aliases:
/// [aws]` on a new provider would make `deny { provider aws }` mean it and pass real AWS
/// resources. Ids and aliases must be names a policy can write, and host globs and patterns
/// must be usable.
pub(crate) fn check_user_providers(
    builtin: &[ProviderDef],
    extra: &[ProviderDef],
) -> Vec<ProviderProblem> {
    // Every name taken so far, lowercased → whose it is, in words.
    let mut taken: HashMap<String, String> = HashMap::new();
    for p in builtin {
        taken.insert(
            p.id.to_lowercase(),
            format!("the built-in provider `{}`", p.id),
        );
        for a in &p.aliases {
            taken.insert(
                a.to_lowercase(),
                format!("an alias of the built-in provider `{}`", p.id),
            );
        }
    }
    // User entries by lowercased id: the same id twice is an error, extension or not.
    let mut entries: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (entry, def) in extra.iter().enumerate() {
        let problem = |field, message: String| ProviderProblem {
            entry,
            field,
            message,
        };
        if let Some(why) = bad_name(&def.id, "id") {
            out.push(problem(ProviderField::Id, why));
            continue;
        }
        let id = def.id.to_lowercase();
        if let Some(first) = entries.insert(id.clone(), entry) {
            let message = format!(
                "`{}` is defined twice in `providers` (entries {} and {}): merge them",
                def.id,
                first + 1,
                entry + 1
            );
            out.push(problem(ProviderField::Id, message));
            continue;
        }
        let extends = builtin.iter().find(|b| b.id == def.id);
        // The names this entry's provider owns: a built-in's, when the entry extends one.
        let mut own: Vec<String> = match extends {
            Some(b) => std::iter::once(&b.id)
                .chain(&b.aliases)
                .map(|n| n.to_lowercase())
                .collect(),
            None => vec![id.clone()],
        };
        if extends.is_none() {
            if let Some(owner) = taken.get(&id) {
                let message = if owner.starts_with("the built-in") {
                    format!(
                        "`{}` is {owner}: write its id exactly to add signals to it, or choose another id",
                        def.id
                    )
                } else {
                    format!("`{}` is already {owner}", def.id)
                };
                out.push(problem(ProviderField::Id, message));
                continue;
            }
            taken.insert(id, format!("the id of provider entry {}", entry + 1));
        }
        for (i, alias) in def.aliases.iter().enumerate() {
            if let Some(why) = bad_name(alias, "alias") {
                out.push(problem(ProviderField::Alias(i), why));
                continue;
            }
            let name = alias.to_lowercase();
            if own.contains(&name) {
                continue;
            }
            if let Some(owner) = taken.get(&name) {
                let message = format!("the alias `{alias}` is already {owner}");
                out.push(problem(ProviderField::Alias(i), message));
                continue;
            }
            taken.insert(
                name.clone(),
                format!("an alias of provider entry {} (`{}`)", entry + 1, def.id),
            );
            own.push(name);
        }
        // The longest prefix decides a resource type's provider: a longer prefix under another
        // provider's (`aws_s3_` under `aws_`) would take that provider's types.
        for (i, prefix) in def.terraform_prefixes.iter().enumerate() {
            if let Some(why) = prefix_taken(builtin, &def.id, prefix, |p| &p.terraform_prefixes) {
                out.push(problem(ProviderField::TerraformPrefix(i), why));
            }
        }
        for (i, prefix) in def.type_prefixes.iter().enumerate() {
            if let Some(why) = prefix_taken(builtin, &def.id, prefix, |p| &p.type_prefixes) {
                out.push(problem(ProviderField::TypePrefix(i), why));
            }
        }
        let id: ProviderId = Arc::from(def.id.as_str());
        for (i, host) in def.hosts.iter().enumerate() {
            let glob = match host {
                HostRuleDef::Glob(g) | HostRuleDef::Rule { glob: Some(g), .. } => Some(g),
                HostRuleDef::Rule { glob: None, .. } => None,
            };
            let why =
                glob.and_then(|g| bad_host_glob(g))
                    .or_else(|| match compile_host(&id, host) {
                        Err(CatalogError::Provider { message, .. }) => Some(message),
                        Err(e) => Some(e.to_string()),
                        Ok(_) => None,
                    });
            if let Some(why) = why {
                out.push(problem(ProviderField::Host(i), why));
            }
        }
    }
    out
}

/// Why `prefix` of the provider `id` would take another built-in provider's resource types:
/// it falls under one of that provider's prefixes (`of`).
fn prefix_taken(
    builtin: &[ProviderDef],
    id: &str,
    prefix: &str,
    of: fn(&ProviderDef) -> &Vec<String>,
) -> Option<String> {
    let lower = prefix.to_lowercase();
    builtin.iter().filter(|b| b.id != id).find_map(|b| {
        let q = of(b)
            .iter()
            .find(|q| lower.starts_with(&q.to_lowercase()))?;
        Some(format!(
            "`{prefix}` would take resource types of the built-in provider `{}` (its prefix `{q}`)",
            b.id
        ))
    })
}

/// Why `name` cannot be a provider id or alias: policies write providers as identifiers
/// (`[A-Za-z_][A-Za-z0-9_-]*`, docs/language.md).
fn bad_name(name: &str, what: &str) -> Option<String> {
    let mut chars = name.chars();
    let well_formed = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if name.trim().is_empty() {
        Some(format!("a provider {what} cannot be empty"))
    } else if !well_formed {
        Some(format!(
            "`{name}` is not a valid provider {what}: use letters, digits, `_` and `-`, starting with a letter or `_`"
        ))
    } else if RESERVED_NAMES.contains(&name.to_lowercase().as_str()) {
        Some(format!(
            "`{name}` is a word of the policy language, not a provider {what}"
        ))
    } else {
        None
    }
}

/// Why `glob` cannot be a host glob: hosts are matched lowercased, without scheme, port or
/// path, and a glob of wildcards alone would claim every host.
fn bad_host_glob(glob: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*' | '?');
    let why = if glob.trim().is_empty() {
        "a host glob cannot be empty"
    } else if glob.contains("://") || glob.contains(['/', ':']) {
        "a host glob names a host only, without scheme, port or path (`*.stargate.example`)"
    } else if !glob.chars().all(allowed) {
        "a host glob holds letters, digits, `.`, `-`, `_` and the wildcards `*` and `?`"
    } else if !glob.chars().any(|c| c.is_ascii_alphanumeric()) {
        "a host glob of wildcards alone would claim every host"
    } else {
        return None;
    };
    Some(format!("`{glob}` is not a host glob: {why}"))
}

/// A set of patterns over size names (the accelerator table), which are ASCII, matched without
/// regard to ASCII case: the patterns are lowercased here and the names by [`LazySet`]'s
/// lookups, as build.rs does for the type tables' DFAs. Byte-level classes (no Unicode case
/// folding) and no case-insensitive classes compile about twice as fast. The tables hold no
/// escape whose meaning depends on case (`\S`, `\D`, `\W`, `\B`): a unit test checks it.
fn ascii_set<'a>(patterns: impl Iterator<Item = &'a str>) -> Result<RegexSet, regex::Error> {
    regex::bytes::RegexSetBuilder::new(patterns.map(str::to_ascii_lowercase))
        .unicode(false)
        .build()
}

/// A host glob as an anchored regex: `*` matches one or more DNS labels' characters.
pub(crate) fn glob_to_regex(glob: &str) -> String {
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

mod lookups;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod endpoint_host_tests;

#[cfg(test)]
mod lookup_tests;

//! What the extractors produce: deployments with their attributes and the evidence for each.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::source::Span;

/// The format a deployment was found in (the `format` attribute of the policy language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Terraform,
    TerraformPlan,
    Kubernetes,
    Cloudformation,
    Arm,
    Bicep,
    Pulumi,
    Serverless,
    Compose,
    GithubActions,
    GitlabCi,
    AzurePipelines,
    Ansible,
    Helm,
    Dotenv,
    Config,
}

impl Format {
    pub(crate) const ALL: &'static [Format] = &[
        Format::Terraform,
        Format::TerraformPlan,
        Format::Kubernetes,
        Format::Cloudformation,
        Format::Arm,
        Format::Bicep,
        Format::Pulumi,
        Format::Serverless,
        Format::Compose,
        Format::GithubActions,
        Format::GitlabCi,
        Format::AzurePipelines,
        Format::Ansible,
        Format::Helm,
        Format::Dotenv,
        Format::Config,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Terraform => "terraform",
            Format::TerraformPlan => "terraform-plan",
            Format::Kubernetes => "kubernetes",
            Format::Cloudformation => "cloudformation",
            Format::Arm => "arm",
            Format::Bicep => "bicep",
            Format::Pulumi => "pulumi",
            Format::Serverless => "serverless",
            Format::Compose => "compose",
            Format::GithubActions => "github-actions",
            Format::GitlabCi => "gitlab-ci",
            Format::AzurePipelines => "azure-pipelines",
            Format::Ansible => "ansible",
            Format::Helm => "helm",
            Format::Dotenv => "dotenv",
            Format::Config => "config",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a deployment is, coarsely (the `kind` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Compute,
    Kubernetes,
    Serverless,
    Storage,
    Database,
    Network,
    Ai,
    Identity,
    Messaging,
    Other,
}

impl Kind {
    pub(crate) const ALL: &'static [Kind] = &[
        Kind::Compute,
        Kind::Kubernetes,
        Kind::Serverless,
        Kind::Storage,
        Kind::Database,
        Kind::Network,
        Kind::Ai,
        Kind::Identity,
        Kind::Messaging,
        Kind::Other,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Compute => "compute",
            Kind::Kubernetes => "kubernetes",
            Kind::Serverless => "serverless",
            Kind::Storage => "storage",
            Kind::Database => "database",
            Kind::Network => "network",
            Kind::Ai => "ai",
            Kind::Identity => "identity",
            Kind::Messaging => "messaging",
            Kind::Other => "other",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider id from the catalog (`aws`, `azure`, or one the configuration adds).
pub type ProviderId = Arc<str>;

/// Which attribute a piece of evidence supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Attr {
    Provider,
    Region,
    Country,
    Kind,
    Service,
    Gpu,
}

/// Tags or labels, key to value, sorted by key, each key once. A few tags are a sorted vector:
/// a `BTreeMap` allocates a node of about 540 bytes for even one entry, and a repository has
/// tens of thousands of deployments with a handful of tags each (docs/performance.md,
/// "Memory"). Past [`Tags::SMALL`] entries they become a `BTreeMap`, so that a file with a
/// resource of 100,000 labels costs no quadratic insertion.
#[derive(Clone)]
pub enum Tags {
    Small(Vec<(String, String)>),
    Large(BTreeMap<String, String>),
}

impl Default for Tags {
    fn default() -> Self {
        Tags::Small(Vec::new())
    }
}

impl Tags {
    const SMALL: usize = 32;

    pub fn get(&self, key: &str) -> Option<&String> {
        match self {
            Tags::Small(v) => Self::find(v, key).ok().map(|i| &v[i].1),
            Tags::Large(m) => m.get(key),
        }
    }

    /// Sets `key`; the value it had, if any.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self {
            Tags::Small(v) => match Self::find(v, &key) {
                Ok(i) => Some(std::mem::replace(&mut v[i].1, value)),
                Err(_) if v.len() >= Self::SMALL => {
                    let mut m: BTreeMap<String, String> = std::mem::take(v).into_iter().collect();
                    m.insert(key, value);
                    *self = Tags::Large(m);
                    None
                }
                Err(i) => {
                    // Exactly: a deployment keeps its tags until the report, and most have a
                    // few (a vector grown by `insert` makes room for four).
                    v.reserve_exact(1);
                    v.insert(i, (key, value));
                    None
                }
            },
            Tags::Large(m) => m.insert(key, value),
        }
    }

    pub fn iter(&self) -> Box<dyn Iterator<Item = (&String, &String)> + '_> {
        match self {
            Tags::Small(v) => Box::new(v.iter().map(|(k, v)| (k, v))),
            Tags::Large(m) => Box::new(m.iter()),
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.iter().map(|(k, _)| k)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        match self {
            Tags::Small(v) => v.len(),
            Tags::Large(m) => m.len(),
        }
    }

    fn find(v: &[(String, String)], key: &str) -> Result<usize, usize> {
        v.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
}

/// Later entries win, as in a map.
impl FromIterator<(String, String)> for Tags {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut tags = Tags::default();
        for (k, v) in iter {
            tags.insert(k, v);
        }
        tags
    }
}

impl From<BTreeMap<String, String>> for Tags {
    fn from(map: BTreeMap<String, String>) -> Self {
        if map.len() > Self::SMALL {
            Tags::Large(map)
        } else {
            Tags::Small(map.into_iter().collect())
        }
    }
}

/// Equal when they hold the same entries, whichever the representation.
impl PartialEq for Tags {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Tags {}

/// As a map, whichever the representation.
impl std::fmt::Debug for Tags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Tags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// Text many deployments may hold alike (an evidence sentence: the same provider block, type
/// rule or region default is cited by every resource it decides). Equal texts made on one
/// thread share one allocation: a run keeps the deployments of its findings until the report,
/// and on a large file the sentences were a tenth of its memory (docs/performance.md,
/// "Memory").
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

/// Texts a thread keeps to share; past it the set starts again (memory stays bounded).
const SHARED_TEXTS: usize = 4096;

thread_local! {
    static TEXTS: std::cell::RefCell<std::collections::HashSet<Arc<str>, foldhash::fast::RandomState>> =
        std::cell::RefCell::default();
}

thread_local! {
    /// Where a formatted text is written before it is looked up: a text made again (most
    /// are) then costs no allocation at all.
    static SCRATCH: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

impl Text {
    /// The text, shared with an equal one made before on this thread; allocated only when
    /// there is none.
    pub fn shared(text: &str) -> Text {
        TEXTS.with(|set| {
            let mut set = set.borrow_mut();
            if let Some(same) = set.get(text) {
                return Text(same.clone());
            }
            if set.len() >= SHARED_TEXTS {
                set.clear();
            }
            let text: Arc<str> = Arc::from(text);
            set.insert(text.clone());
            Text(text)
        })
    }

    /// A formatted text (`format_args!`), written into this thread's scratch buffer and then
    /// shared: evidence sentences are made for every deployment, and `format!` allocated a
    /// string for each (growing it once or twice) only to drop it when an equal text was
    /// found (docs/performance.md).
    pub fn formatted(args: std::fmt::Arguments<'_>) -> Text {
        if let Some(text) = args.as_str() {
            return Text::shared(text);
        }
        // Taken out while in use: a `Display` that made a text itself would find it empty.
        let mut buf = SCRATCH.take();
        buf.clear();
        std::fmt::Write::write_fmt(&mut buf, args).expect("writing to a String cannot fail");
        let text = Text::shared(&buf);
        SCRATCH.set(buf);
        text
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::shared(&text)
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Text {
        Text::shared(text)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::shared(text)
    }
}

impl From<std::fmt::Arguments<'_>> for Text {
    fn from(args: std::fmt::Arguments<'_>) -> Text {
        Text::formatted(args)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// One short sentence a user can check, naming the signal and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub attr: Attr,
    pub text: Text,
    /// Where in the deployment's own file the signal is, when it is there.
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Evidence {
    /// Evidence with its sentence: a `String`, a `&str`, or `format_args!(…)` (formatted
    /// without an allocation of its own: [`Text::formatted`]).
    pub fn new(attr: Attr, text: impl Into<Text>) -> Self {
        Self {
            attr,
            text: text.into(),
            span: None,
        }
    }

    pub(crate) fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }
}

/// One thing the repository asks a provider to run, store or serve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    /// Path relative to the scan root, `/`-separated.
    pub path: Arc<str>,
    /// Where the declaration is: its first line, as docs/detection.md says per format.
    #[serde(skip)]
    pub span: Span,
    pub format: Format,
    pub provider: Option<ProviderId>,
    pub kind: Kind,
    pub service: Option<String>,
    /// The resource type as written.
    #[serde(rename = "type")]
    pub type_: String,
    /// The resource's name as written.
    pub name: String,
    pub region: Option<String>,
    pub country: Option<String>,
    /// For a multi-region location without a single country (GCS `EU`, `eur4`): the countries
    /// it may keep data in, sorted, when the provider documents them; else empty. A policy's
    /// `country` test holds when it holds for every one of them (`facts::resolve_country`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    pub gpu: bool,
    pub tags: Tags,
    pub evidence: Vec<Evidence>,
    /// The other files that decided it (those its evidence cites: a `variables.tf`, a
    /// `terraform.tfvars`, a Pulumi stack file), repository-relative and sorted. A run over
    /// named files reports a deployment when its own file or one of these is named.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<Arc<str>>,
    /// The Terraform module instance it belongs to (`module.raw`, `module.a.module.b`), for a
    /// resource of a called module.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The calls that made its module instance, outermost first (related locations).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallSite>,
    /// For a deployment located at its `.tf` declaration with its values taken from a
    /// Terraform plan of the same configuration: the plan's entry (a related location). Boxed:
    /// most deployments have none, and it would add 56 bytes to every one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Box<PlanEntry>>,
}

/// The entry of a Terraform plan (or state) that a deployment's values come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanEntry {
    pub path: Arc<str>,
    #[serde(skip)]
    pub span: Span,
    /// The 1-based line of `span`.
    pub line: usize,
    /// Its address in the plan, instance keys included (`module.logs.aws_s3_bucket.this`,
    /// `aws_instance.web[0]`).
    pub address: String,
}

/// A module call (or a Terragrunt configuration) that made a module instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallSite {
    pub path: Arc<str>,
    #[serde(skip)]
    pub span: Span,
    /// The 1-based line of `span`.
    pub line: usize,
    /// `module.raw`, or `terragrunt`.
    pub name: String,
}

impl Deployment {
    /// A deployment with nothing known but where it is and what it is called.
    pub fn new(
        path: Arc<str>,
        span: Span,
        format: Format,
        type_: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            path,
            span,
            format,
            provider: None,
            kind: Kind::Other,
            service: None,
            type_: type_.into(),
            name: name.into(),
            region: None,
            country: None,
            countries: Vec::new(),
            gpu: false,
            tags: Tags::default(),
            evidence: Vec::new(),
            provenance: Vec::new(),
            module: None,
            calls: Vec::new(),
            plan: None,
        }
    }

    /// Whether it is one instance of a Terraform declaration among possibly several (a module
    /// instance, or a plan's instance of a resource): its address then tells it apart.
    pub(crate) fn is_instance(&self) -> bool {
        self.module.is_some() || !self.calls.is_empty() || self.plan.is_some()
    }

    /// Its Terraform address (`module.raw.google_storage_bucket.this`; a plan's, with instance
    /// keys, when its values come from a plan), or `type.name`.
    pub(crate) fn address(&self) -> String {
        if let Some(plan) = &self.plan {
            return plan.address.clone();
        }
        match &self.module {
            Some(m) => format!("{m}.{}.{}", self.type_, self.name),
            None => format!("{}.{}", self.type_, self.name),
        }
    }

    /// The country as reports show it: the country, or for a multi-region location the
    /// countries it may use (`be|fi|nl`); `None` when unknown.
    pub(crate) fn country_shown(&self) -> Option<String> {
        match &self.country {
            Some(c) => Some(c.clone()),
            None if !self.countries.is_empty() => Some(self.countries.join("|")),
            None => None,
        }
    }

    pub(crate) fn evidence_for(&self, attr: Attr) -> impl Iterator<Item = &Evidence> {
        self.evidence.iter().filter(move |e| e.attr == attr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_keep_key_order_and_the_last_value_in_both_representations() {
        for n in [3usize, Tags::SMALL, Tags::SMALL + 1, 500] {
            // Keys inserted in reverse, one key twice.
            let mut tags: Tags = (0..n)
                .rev()
                .map(|i| (format!("k{i:04}"), format!("v{i}")))
                .collect();
            assert_eq!(
                tags.insert("k0000".into(), "last".into()),
                Some("v0".into())
            );
            assert_eq!(tags.len(), n);
            assert_eq!(matches!(tags, Tags::Large(_)), n > Tags::SMALL, "{n}");
            assert_eq!(tags.get("k0000").map(String::as_str), Some("last"));
            assert_eq!(tags.get("absent"), None);
            let keys: Vec<&String> = tags.keys().collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{n}: sorted, unique");
            let json = serde_json::to_value(&tags).unwrap();
            assert_eq!(json.as_object().unwrap().len(), n);
            assert_eq!(json["k0000"], "last");
        }
    }

    #[test]
    fn equal_texts_share_one_allocation_and_the_set_stays_bounded() {
        let a = Evidence::new(Attr::Region, format_args!("region {}", "eu-west-1"));
        let b = Evidence::new(Attr::Country, "region eu-west-1");
        assert!(Arc::ptr_eq(&a.text.0, &b.text.0), "shared");
        assert_eq!(a.text, "region eu-west-1");
        let other = Text::from("region eu-west-2");
        assert!(!Arc::ptr_eq(&a.text.0, &other.0));
        for i in 0..2 * SHARED_TEXTS {
            Text::shared(&format!("text {i}"));
        }
        TEXTS.with(|set| assert!(set.borrow().len() <= SHARED_TEXTS));
        // A text made before the set started again is still whole.
        assert_eq!(a.text.as_str(), "region eu-west-1");
        assert_eq!(
            serde_json::to_string(&a.text).unwrap(),
            "\"region eu-west-1\""
        );
    }

    #[test]
    fn small_tags_keep_no_spare_room() {
        let mut tags = Tags::default();
        for (i, key) in ["c", "a", "b"].into_iter().enumerate() {
            tags.insert(key.into(), "v".into());
            let Tags::Small(v) = &tags else {
                panic!("three tags are small")
            };
            assert_eq!(v.capacity(), i + 1, "room for exactly the tags held");
        }
    }

    #[test]
    fn tags_from_a_map_are_the_same_tags() {
        let map: BTreeMap<String, String> = [("b", "2"), ("a", "1")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        let tags = Tags::from(map.clone());
        assert_eq!(tags, map.into_iter().collect::<Tags>());
        let large = Tags::Large(
            [("a", "1"), ("b", "2")]
                .map(|(k, v)| (k.into(), v.into()))
                .into(),
        );
        assert_eq!(tags, large, "the representation does not matter");
        assert_ne!(tags, Tags::default());
        assert_eq!(
            tags.iter().next(),
            Some((&"a".to_string(), &"1".to_string()))
        );
    }
}

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

/// One short sentence a user can check, naming the signal and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub attr: Attr,
    pub text: String,
    /// Where in the deployment's own file the signal is, when it is there.
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Evidence {
    pub fn new(attr: Attr, text: impl Into<String>) -> Self {
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
    /// Where the declaration is: its first line, as DETECTION.md says per format.
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
    pub tags: BTreeMap<String, String>,
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
            tags: BTreeMap::new(),
            evidence: Vec::new(),
            provenance: Vec::new(),
            module: None,
            calls: Vec::new(),
        }
    }

    /// Its Terraform address (`module.raw.google_storage_bucket.this`), or `type.name`.
    pub(crate) fn address(&self) -> String {
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

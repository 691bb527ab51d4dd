//! One set of findings every format's snapshot test renders, so the formats can be compared:
//! an exclusive violation, a first-refusal miss with near-miss text, a `share` finding at its
//! `.pact` rule, an unused refusal record, a parse error, a suppressed finding, and an `info`
//! finding after an astral-plane character in a file with a non-ASCII path (UTF-16 columns
//! differ from char columns there).

use std::sync::Arc;

use jiff::civil::date;

use super::Summary;
use crate::diag::Severity;
use crate::dsl::ast::{RuleKind, UnknownPolicy};
use crate::dsl::model::{PolicySet, RefusalRecord, RuleDef};
use crate::eval::finding::{Finding, Related, Suppression, reserved};
use crate::facts::model::{Attr, Deployment, Evidence, Format, Kind};
use crate::source::{SourceFile, Span};

pub const OPENAI_PACT: &str = "\
policy microsoft_openai {
  title \"Microsoft OpenAI agreement\"
  owner \"procurement@example.com\"
  reference \"https://contracts.example.com/msa#4.2\"

  exclusive api_on_azure {
    provider azure
    where kind == ai
  }

  first_refusal new_capacity {
    holder azure
    over aws, gcp
    refusals \"refusals/*.yaml\"
  }
}
";

pub const COMMIT_PACT: &str = "\
policy commit {
  reference \"Enterprise agreement §7\"

  share azure_share {
    provider azure
    at_least 75%
  }

  require eu_data {
    severity info
    where tag.data == \"customer\"
    assert country in eu
  }
}
";

pub const REFUSALS: &str = "\
- id: 2025-aws-batch
  holder: azure
  granted_to: [aws]
  declined_on: 2025-03-01
  reason: \"No GPU capacity in westeurope\"
";

pub const AWS_TF: &str = "\
resource \"aws_bedrock_custom_model\" \"chat\" {
  region = \"us-east-1\"
}
";

pub const GCP_TF: &str = "\
# Training capacity
resource \"google_compute_instance\" \"trainer\" {
  zone = \"europe-west4-a\"
}
";

pub const LEGACY_TF: &str = "\
# cloudpact:ignore microsoft_openai.api_on_azure -- Legacy gateway, decommissioned by Q2
resource \"aws_bedrock_custom_model\" \"legacy\" {
  region = \"us-west-2\"
}
";

pub const CAFE_TF: &str = "\
/* 🔒 données clients */ resource \"aws_s3_bucket\" \"clients\" {
  bucket = \"clients\"
}
";

pub const BROKEN_YAML: &str = "\
services:
  web:
    image: [nginx
";

pub struct Fixture {
    pub findings: Vec<Finding>,
    pub rules: PolicySet,
    pub summary: Summary,
}

fn file(path: &str, text: &str) -> Arc<SourceFile> {
    Arc::new(SourceFile::new(path, text))
}

fn span_of(f: &SourceFile, needle: &str) -> Span {
    let start = f.text().find(needle).expect("needle in fixture text");
    Span::new(start, start + needle.len())
}

/// The first line of the text from `needle` on.
fn line_span_from(f: &SourceFile, needle: &str) -> Span {
    let start = f.text().find(needle).expect("needle in fixture text");
    let end = f.text()[start..]
        .find('\n')
        .map_or(f.text().len(), |i| start + i);
    Span::new(start, end)
}

fn rule(id: &str, kind: RuleKind, file: &Arc<SourceFile>, name: &str) -> RuleDef {
    let (policy, _) = id.split_once('.').expect("POLICY.NAME");
    RuleDef {
        id: id.into(),
        policy: policy.into(),
        policy_title: None,
        owner: None,
        kind,
        file: file.clone(),
        name_span: span_of(file, name),
        span: span_of(file, name),
        scope: None,
        severity: Severity::Error,
        message: None,
        window: None,
        unknown: UnknownPolicy::Allow,
        reference: None,
        waivable: true,
        providers: Vec::new(),
        holder: None,
        over: None,
        refusals: Vec::new(),
        assert: None,
        at_least: None,
    }
}

fn deployment(
    file: &Arc<SourceFile>,
    decl: &str,
    type_: &str,
    name: &str,
    provider: &str,
    evidence: &str,
    kind: Kind,
) -> Arc<Deployment> {
    let mut d = Deployment::new(
        file.path.clone(),
        line_span_from(file, decl),
        Format::Terraform,
        type_,
        name,
    );
    d.provider = Some(Arc::from(provider));
    d.kind = kind;
    d.evidence.push(Evidence::new(Attr::Provider, evidence));
    Arc::new(d)
}

fn related(rule: &RuleDef) -> Vec<Related> {
    vec![Related {
        file: rule.file.clone(),
        span: rule.name_span,
        message: format!("rule `{}` is defined here", rule.id),
    }]
}

fn on_deployment(
    rule: &RuleDef,
    file: &Arc<SourceFile>,
    dep: &Arc<Deployment>,
    message: String,
    help: &str,
) -> Finding {
    Finding {
        rule: rule.id.clone(),
        policy: Some(rule.policy.clone()),
        rule_kind: Some(rule.kind),
        severity: rule.severity,
        message,
        help: Some(help.to_string()),
        reference: rule.reference.clone(),
        file: file.clone(),
        span: dep.span,
        label: Some(format!(
            "runs on {} ({})",
            dep.provider.as_deref().unwrap_or("?"),
            dep.evidence[0].text
        )),
        deployment: Some(dep.clone()),
        related: related(rule),
        suppressed: None,
    }
}

pub fn fixture() -> Fixture {
    let openai = file("policies/microsoft-openai.pact", OPENAI_PACT);
    let commit = file("policies/commit.pact", COMMIT_PACT);
    let refusals = file("refusals/2025-aws.yaml", REFUSALS);
    let aws = file("infra/aws.tf", AWS_TF);
    let gcp = file("infra/gcp.tf", GCP_TF);
    let legacy = file("infra/legacy.tf", LEGACY_TF);
    let cafe = file("infra/café/main.tf", CAFE_TF);
    let broken = file("infra/broken.yaml", BROKEN_YAML);

    let record = Arc::new(RefusalRecord {
        id: "2025-aws-batch".into(),
        holder: Arc::from("azure"),
        granted_to: vec![Arc::from("aws")],
        declined_on: date(2025, 3, 1),
        expires: None,
        scope: None,
        scope_text: None,
        reason: "No GPU capacity in westeurope".into(),
        evidence: None,
        file: refusals.clone(),
        span: line_span_from(&refusals, "- id"),
    });

    let mut exclusive = rule(
        "microsoft_openai.api_on_azure",
        RuleKind::Exclusive,
        &openai,
        "api_on_azure",
    );
    exclusive.policy_title = Some("Microsoft OpenAI agreement".into());
    exclusive.owner = Some("procurement@example.com".into());
    exclusive.reference = Some("https://contracts.example.com/msa#4.2".into());
    exclusive.providers = vec![Arc::from("azure")];
    let mut refusal = rule(
        "microsoft_openai.new_capacity",
        RuleKind::FirstRefusal,
        &openai,
        "new_capacity",
    );
    refusal.policy_title = exclusive.policy_title.clone();
    refusal.owner = exclusive.owner.clone();
    refusal.reference = exclusive.reference.clone();
    refusal.holder = Some(Arc::from("azure"));
    refusal.over = Some(vec![Arc::from("aws"), Arc::from("gcp")]);
    refusal.refusals = vec![record.clone()];
    let mut share = rule(
        "commit.azure_share",
        RuleKind::Share,
        &commit,
        "azure_share",
    );
    share.reference = Some("Enterprise agreement §7".into());
    share.providers = vec![Arc::from("azure")];
    share.at_least = Some(75.0);
    let mut eu = rule("commit.eu_data", RuleKind::Require, &commit, "eu_data");
    eu.reference = share.reference.clone();
    eu.severity = Severity::Info;

    let chat = deployment(
        &aws,
        "resource",
        "aws_bedrock_custom_model",
        "chat",
        "aws",
        "resource type prefix aws_",
        Kind::Ai,
    );
    let trainer = deployment(
        &gcp,
        "resource",
        "google_compute_instance",
        "trainer",
        "gcp",
        "resource type prefix google_",
        Kind::Compute,
    );
    let legacy_dep = deployment(
        &legacy,
        "resource",
        "aws_bedrock_custom_model",
        "legacy",
        "aws",
        "resource type prefix aws_",
        Kind::Ai,
    );
    let clients = deployment(
        &cafe,
        "resource",
        "aws_s3_bucket",
        "clients",
        "aws",
        "resource type prefix aws_",
        Kind::Storage,
    );

    let mut findings = vec![
        on_deployment(
            &exclusive,
            &aws,
            &chat,
            "`aws_bedrock_custom_model` `chat` runs on aws, but the rule allows only azure".into(),
            "run it on azure, or narrow the rule's `where` if it should not apply",
        ),
        on_deployment(
            &refusal,
            &gcp,
            &trainer,
            "`google_compute_instance` `trainer` runs on gcp without a refusal record from azure"
                .into(),
            "record 2025-aws-batch nearly covers it: it grants aws, not gcp; add gcp to its \
             `granted_to` or write a new record",
        ),
        on_deployment(
            &eu,
            &cafe,
            &clients,
            "`aws_s3_bucket` `clients` is in us-east-1, outside the eu | \"assert\" fails".into(),
            "deploy it to an EU region",
        ),
        Finding {
            rule: share.id.clone(),
            policy: Some(share.policy.clone()),
            rule_kind: Some(share.kind),
            severity: share.severity,
            message:
                "only 1 of 4 in-scope deployments (25%) run on azure; at least 75% are committed"
                    .into(),
            help: Some("move in-scope deployments to azure until the share is met".into()),
            reference: share.reference.clone(),
            file: commit.clone(),
            span: share.name_span,
            label: Some("1 of 4 (25%) on the committed providers".into()),
            deployment: None,
            related: Vec::new(),
            suppressed: None,
        },
        Finding {
            rule: reserved::UNUSED_REFUSAL.into(),
            policy: None,
            rule_kind: None,
            severity: Severity::Warning,
            message: "refusal record 2025-aws-batch is in force but covers no deployment".into(),
            help: Some("remove the record if the capacity it was granted for is gone".into()),
            reference: None,
            file: refusals.clone(),
            span: record.span,
            label: Some("covers nothing in this scan".into()),
            deployment: None,
            related: Vec::new(),
            suppressed: None,
        },
        Finding {
            rule: reserved::PARSE_ERROR.into(),
            policy: None,
            rule_kind: None,
            severity: Severity::Error,
            message: "cannot parse infra/broken.yaml: unclosed flow sequence".into(),
            help: Some("fix the syntax so the file can be checked".into()),
            reference: None,
            file: broken.clone(),
            span: span_of(&broken, "[nginx"),
            label: Some("unclosed flow sequence".into()),
            deployment: None,
            related: Vec::new(),
            suppressed: None,
        },
    ];
    let mut suppressed = on_deployment(
        &exclusive,
        &legacy,
        &legacy_dep,
        "`aws_bedrock_custom_model` `legacy` runs on aws, but the rule allows only azure".into(),
        "run it on azure, or narrow the rule's `where` if it should not apply",
    );
    suppressed.suppressed = Some(Box::new(Suppression {
        kind: "inline",
        reason: "Legacy gateway, decommissioned by Q2".into(),
        location: "infra/legacy.tf:1".into(),
    }));
    findings.push(suppressed);
    crate::eval::finding::sort(&mut findings);

    let count = |s: Severity| {
        findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == s)
            .count()
    };
    let summary = Summary {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        suppressed: 1,
        baselined: 0,
        files: 5,
        deployments: 4,
        by_provider: [("aws".to_string(), 3), ("gcp".to_string(), 1)]
            .into_iter()
            .collect(),
        as_of: date(2026, 1, 15),
        elapsed_ms: 12,
    };
    let rules = PolicySet {
        rules: vec![exclusive, refusal, share, eu]
            .into_iter()
            .map(Arc::new)
            .collect(),
        files: vec![openai, commit, refusals],
    };
    Fixture {
        findings,
        rules,
        summary,
    }
}

/// The tool version replaced, so snapshots survive a release.
pub fn redact_version(text: &str) -> String {
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

//! Rule descriptions for the formats that describe rules apart from their findings (SARIF's
//! `tool.driver.rules`, JUnit's passing test cases): one per loaded rule, one per reserved
//! `cloudpact.*` id.

use crate::diag::Severity;
use crate::dsl::ast::RuleKind;
use crate::dsl::kind_docs;
use crate::dsl::model::{PolicySet, RuleDef};
use crate::eval::finding::{Finding, reserved};

/// What a report says about one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDoc {
    pub id: String,
    /// The rule's own name (after the policy), or the reserved id's last part.
    pub name: String,
    pub kind: Option<RuleKind>,
    /// One sentence.
    pub short: String,
    /// A paragraph.
    pub full: String,
    pub help_text: String,
    pub help_markdown: String,
    /// A link to the clause, when the rule's `reference` is a URL.
    pub help_uri: Option<String>,
    pub severity: Severity,
    pub owner: Option<String>,
    pub reference: Option<String>,
}

/// Every reserved id with its default severity, a headline, why it exists and how to fix it.
const RESERVED: &[(&str, Severity, &str, &str, &str)] = &[
    (
        reserved::PARSE_ERROR,
        Severity::Error,
        "A scanned file could not be parsed",
        "cloudpact reads every infrastructure file it finds. A file it cannot parse is reported \
         instead of skipped, so that a syntax error cannot hide a deployment from the policies.",
        "Fix the syntax at the reported position. If the file is not infrastructure (a template, \
         test data), exclude it with `exclude` in cloudpact.yaml or `--exclude`.",
    ),
    (
        reserved::UNREADABLE,
        Severity::Error,
        "A file or folder could not be read",
        "cloudpact reads every file whose name claims an infrastructure format. One it cannot \
         or must not read — no permission, a name that is not UTF-8, a FIFO, socket or device, \
         a symbolic link that leaves the repository or leads nowhere — and a folder it cannot \
         list are reported instead of skipped, so that they cannot hide a deployment from the \
         policies. Special files are never opened.",
        "Make it a readable regular file or folder inside the repository, rename it, or, if it \
         is not infrastructure, exclude it with `exclude` in cloudpact.yaml or `--exclude`. \
         `unreadable: warning` in cloudpact.yaml lowers the severity.",
    ),
    (
        reserved::TOO_LARGE,
        Severity::Error,
        "A file is over the size limit",
        "A file over `max_file_size` (10 MiB by default) is not read, and reported instead of \
         skipped, so that a large file cannot hide a deployment from the policies.",
        "Raise `max_file_size` in cloudpact.yaml, or, if the file is not infrastructure (a \
         generated bundle, test data), exclude it with `exclude` or `--exclude`. \
         `too_large: warning` in cloudpact.yaml lowers the severity.",
    ),
    (
        reserved::UNUSED_REFUSAL,
        Severity::Warning,
        "A refusal record in force covers no deployment",
        "A refusal record documents that the holder of a first refusal declined some work. A \
         record that is valid on the evaluation date but covers no deployment of a \
         whole-repository scan is probably stale, or its scope is wrong.",
        "Remove the record if the capacity it was granted for is gone, or check its `where` \
         scope and `granted_to` providers.",
    ),
    (
        reserved::UNUSED_SUPPRESSION,
        Severity::Warning,
        "A suppression matches no finding",
        "A `cloudpact:ignore` comment or a `waivers` entry in cloudpact.yaml that suppresses \
         nothing in a whole-repository scan. Stale suppressions would silently hide a future \
         violation at the same place.",
        "Remove the comment or waiver, or correct its rule id.",
    ),
    (
        reserved::EXPIRED_SUPPRESSION,
        Severity::Warning,
        "An inline suppression has expired",
        "A `cloudpact:ignore … until=DATE` comment whose date is before the evaluation date. It \
         no longer suppresses anything.",
        "Fix the finding, or extend `until=` with a reason that still holds.",
    ),
    (
        reserved::EXPIRED_WAIVER,
        Severity::Warning,
        "A waiver in cloudpact.yaml has expired",
        "A `waivers` entry whose `until` date is before the evaluation date. It no longer \
         suppresses anything.",
        "Fix the findings it covered, or extend `until` with a reason that still holds.",
    ),
    (
        reserved::INVALID_SUPPRESSION,
        Severity::Error,
        "A suppression is invalid",
        "A `cloudpact:ignore` comment or waiver without a reason, naming an unknown rule, with a \
         malformed date, or naming a rule declared `waivable false`. It suppresses nothing.",
        "Write `cloudpact:ignore RULE_ID [until=YYYY-MM-DD] -- REASON` with a known rule id and \
         a reason. Rules declared `waivable false` cannot be suppressed: comply with them.",
    ),
    (
        reserved::UNRESOLVED_MODULE,
        Severity::Warning,
        "A local module call cannot be followed",
        "A Terraform `module` block or Terragrunt configuration with a local source (a path \
         starting with a dot) makes an instance of the folder it names, with the caller's values. When the \
         folder is missing or outside the repository, when calls form a cycle, nest deeper \
         than 100 levels or make more than 10,000 instances, the resources behind the call are \
         not checked, and this finding says so at the call.",
        "Point the source at a folder of the repository holding the module's `.tf` files, or \
         break the cycle. A module fetched only in CI can be waived with a reason.",
    ),
    (
        reserved::STALE_BASELINE,
        Severity::Info,
        "A baseline entry matches no finding any more",
        "An entry of the baseline file (`--baseline`, `baseline:` in cloudpact.yaml) whose \
         finding is gone: fixed, or its deployment removed. It accepts nothing now, and keeping \
         it would let the same finding come back unnoticed.",
        "Run `cloudpact baseline --update` to prune the entries that no longer match.",
    ),
    (
        reserved::HORIZON,
        Severity::Info,
        "A date within the horizon changes the findings",
        "With `--horizon` (or `horizon:`), a rule's effective window that opens or closes, a \
         refusal record, waiver or inline suppression that expires within that span after the \
         evaluation date, with the deployments it affects.",
        "Plan the change before the date: renew the record or waiver with a reason that still \
         holds, or move the deployments it names.",
    ),
];

/// The reserved ids, in a stable order.
pub fn reserved_ids() -> impl Iterator<Item = &'static str> {
    RESERVED.iter().map(|r| r.0)
}

/// The description of a reserved id, if it is one.
pub fn reserved_doc(id: &str) -> Option<RuleDoc> {
    let (id, severity, short, full, help) = *RESERVED.iter().find(|r| r.0 == id)?;
    Some(RuleDoc {
        id: id.to_string(),
        name: id.trim_start_matches("cloudpact.").to_string(),
        kind: None,
        short: short.to_string(),
        full: full.to_string(),
        help_text: help.to_string(),
        help_markdown: help.to_string(),
        help_uri: None,
        severity,
        owner: None,
        reference: None,
    })
}

fn list(ids: &[impl AsRef<str>]) -> String {
    let names: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    match names.as_slice() {
        [] => "the listed providers".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// One sentence naming what the rule demands.
fn short_of(rule: &RuleDef) -> String {
    let scope = if rule.scope.is_some() {
        "Deployments in scope"
    } else {
        "Every deployment"
    };
    match rule.kind {
        RuleKind::Exclusive => format!("{scope} must run on {}", list(&rule.providers)),
        RuleKind::Deny => format!("{scope} must not run on {}", list(&rule.providers)),
        RuleKind::FirstRefusal => {
            let holder = rule.holder.as_deref().unwrap_or("the holder");
            format!("{holder} has the first refusal: other providers need a refusal record")
        }
        RuleKind::Require => format!("{scope} must satisfy the rule's assertion"),
        RuleKind::Share => format!(
            "At least {}% of in-scope deployments must run on {}",
            rule.at_least.unwrap_or(0.0),
            list(&rule.providers)
        ),
    }
}

/// Whether a rule reference is a link (then it is the SARIF `helpUri`).
fn as_uri(reference: &str) -> Option<String> {
    let r = reference.trim();
    (r.starts_with("https://") || r.starts_with("http://")).then(|| r.to_string())
}

pub fn rule_doc(rule: &RuleDef) -> RuleDoc {
    let kd = kind_docs::doc(rule.kind);
    let name = rule
        .id
        .strip_prefix(&format!("{}.", rule.policy))
        .unwrap_or(&rule.id)
        .to_string();
    let mut full = String::new();
    if let Some(t) = &rule.policy_title {
        full.push_str(&format!("{t}. "));
    }
    full.push_str(kd.what);
    if let Some(m) = &rule.message {
        full.push_str(&format!(" {m}"));
    }
    let mut text = vec![kd.comply.to_string()];
    let mut md = vec![kd.comply.to_string()];
    if let Some(r) = &rule.reference {
        text.push(format!("Contract: {r}"));
        md.push(match as_uri(r) {
            Some(u) => format!("**Contract:** <{u}>"),
            None => format!("**Contract:** {r}"),
        });
    }
    if let Some(o) = &rule.owner {
        text.push(format!("Owner: {o}"));
        md.push(format!("**Owner:** {o}"));
    }
    text.push(format!("Example: {}", kd.example));
    md.push(format!("Example:\n\n```\n{}\n```", kd.example));
    text.push(format!("Defined in {}", rule.file.path));
    md.push(format!("Defined in `{}`.", rule.file.path));
    RuleDoc {
        id: rule.id.to_string(),
        name,
        kind: Some(rule.kind),
        short: short_of(rule),
        full,
        help_text: text.join("\n"),
        help_markdown: md.join("\n\n"),
        help_uri: rule.reference.as_deref().and_then(as_uri),
        severity: rule.severity,
        owner: rule.owner.clone(),
        reference: rule.reference.as_deref().map(str::to_string),
    }
}

/// A description for a rule id seen only in a finding (a rule not in the set).
fn finding_doc(f: &Finding) -> RuleDoc {
    let text = f
        .help
        .clone()
        .unwrap_or_else(|| "See the finding's message.".to_string());
    RuleDoc {
        id: f.rule.to_string(),
        name: f.rule.rsplit('.').next().unwrap_or(&f.rule).to_string(),
        kind: f.rule_kind,
        short: format!("Rule {}", f.rule),
        full: format!("Findings of rule {}.", f.rule),
        help_markdown: text.clone(),
        help_text: text,
        help_uri: None,
        severity: f.severity,
        owner: None,
        reference: f.reference.as_deref().map(str::to_string),
    }
}

/// Every rule of the set, then every reserved id, then any rule id only the findings name.
pub fn all(set: &PolicySet, findings: &[Finding]) -> Vec<RuleDoc> {
    let mut docs: Vec<RuleDoc> = set.rules.iter().map(|r| rule_doc(r)).collect();
    docs.extend(reserved_ids().filter_map(reserved_doc));
    for f in findings {
        if !docs.iter().any(|d| *d.id == *f.rule) {
            docs.push(finding_doc(f));
        }
    }
    docs
}

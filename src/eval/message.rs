//! The words of findings: headline, label and help for each rule kind.

use jiff::civil::Date;

use crate::dsl::ast::RuleKind;
use crate::dsl::model::{RefusalRecord, RuleDef};
use crate::facts::model::{Attr, Deployment};

/// `aws_eks_cluster "east"` — how a deployment is named in messages.
pub fn subject(dep: &Deployment) -> String {
    if dep.module.is_some() {
        format!("`{}`", dep.address())
    } else if dep.name.is_empty() {
        format!("`{}`", dep.type_)
    } else {
        format!("`{}` `{}`", dep.type_, dep.name)
    }
}

/// The label under a deployment's span: its provider and the evidence for it.
pub fn label(dep: &Deployment) -> String {
    match &dep.provider {
        Some(p) => match dep.evidence_for(Attr::Provider).next() {
            Some(e) => format!("runs on {p} ({})", e.text),
            None => format!("runs on {p}"),
        },
        None => "provider unknown: no provider signal".to_string(),
    }
}

fn list(ids: &[impl AsRef<str>]) -> String {
    let names: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

pub fn percent(p: f64) -> String {
    let rounded = (p * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}%")
    } else {
        format!("{rounded:.1}%")
    }
}

/// Headline and help for a finding on a deployment.
pub fn for_deployment(
    rule: &RuleDef,
    dep: &Deployment,
    unknown: bool,
    near_miss: Option<&str>,
) -> (String, String) {
    let who = subject(dep);
    let provider = dep.provider.as_deref().unwrap_or("an unknown provider");
    if unknown {
        let what = match rule.kind {
            RuleKind::Require => "a value its assertion needs is unknown".to_string(),
            _ => "its provider is unknown".to_string(),
        };
        let headline = rule
            .message
            .clone()
            .unwrap_or_else(|| format!("cannot tell whether {who} complies with `{}`", rule.id));
        let help = format!(
            "{what}; make it explicit in the configuration, or set `unknown allow` on the rule if unknown values are acceptable"
        );
        return (
            if rule.message.is_some() {
                format!("{headline} ({what})")
            } else {
                format!("{headline}: {what}")
            },
            help,
        );
    }
    let generated = match rule.kind {
        RuleKind::Exclusive => format!(
            "{who} runs on {provider}, but `{}` reserves it for {}",
            rule.id,
            list(&rule.providers)
        ),
        RuleKind::Deny => format!("{who} runs on {provider}, which `{}` denies", rule.id),
        RuleKind::FirstRefusal => format!(
            "{who} runs on {provider} without a refusal from {}, who holds the first refusal",
            rule.holder.as_deref().unwrap_or("the holder")
        ),
        RuleKind::Require => format!("{who} does not meet the requirement of `{}`", rule.id),
        RuleKind::Share => format!("{who} counts against the committed share of `{}`", rule.id),
    };
    let headline = rule.message.clone().unwrap_or(generated);
    let help = match rule.kind {
        RuleKind::Exclusive => format!("run it on {} instead", list(&rule.providers)),
        RuleKind::Deny => format!("move it off {provider}"),
        RuleKind::FirstRefusal => {
            let holder = rule.holder.as_deref().unwrap_or("the holder");
            let mut h = format!(
                "run it on {holder}, or record {holder}'s written refusal: a record with `holder: {holder}`, `granted_to: [{provider}]` and a `where` covering `{}`",
                dep.path
            );
            if let Some(miss) = near_miss {
                h.push_str(&format!("; {miss}"));
            }
            h
        }
        RuleKind::Require => {
            let assert = rule
                .assert
                .as_ref()
                .map(|a| rule.file.text()[a.span.range()].to_string())
                .unwrap_or_default();
            format!("make `{assert}` true for it")
        }
        RuleKind::Share => String::new(),
    };
    let headline = match (rule.kind, near_miss) {
        (RuleKind::FirstRefusal, Some(miss)) if rule.message.is_none() => {
            format!("{headline} ({miss})")
        }
        _ => headline,
    };
    (headline, help)
}

/// Why a refusal record that nearly covers a deployment does not.
pub fn near_miss(
    rec: &RefusalRecord,
    provider: &str,
    granted: bool,
    in_scope: bool,
    valid: bool,
    as_of: Date,
) -> String {
    if !valid {
        if as_of < rec.declined_on {
            return format!("{} is not in force until {}", rec.id, rec.declined_on);
        }
        if let Some(exp) = rec.expires {
            return format!("{} expired on {exp}", rec.id);
        }
    }
    if !granted {
        return format!(
            "{} grants {}, not {provider}",
            rec.id,
            list(&rec.granted_to)
        );
    }
    if !in_scope {
        return match &rec.scope_text {
            Some(t) => format!("{} covers only `{t}`", rec.id),
            None => format!("{} does not cover it", rec.id),
        };
    }
    format!("{} does not cover it", rec.id)
}

/// Headline and help of a `share` finding.
pub fn for_share(
    rule_message: Option<&str>,
    providers: &[impl AsRef<str>],
    listed: usize,
    total: usize,
    pct: f64,
    at_least: f64,
) -> (String, String) {
    let counts = format!(
        "{listed} of {total} in-scope deployments ({}) run on {}; at least {} is committed",
        percent(pct),
        list(providers),
        percent(at_least)
    );
    let headline = match rule_message {
        Some(m) => format!("{m} ({counts})"),
        None => counts,
    };
    let needed = ((at_least / 100.0) * total as f64).ceil() as usize;
    let help = format!(
        "move {} more deployment(s) to {} to reach {}",
        needed.saturating_sub(listed),
        list(providers),
        percent(at_least)
    );
    (headline, help)
}

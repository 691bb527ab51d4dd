//! `cloudpact explain RULE_ID` and `cloudpact explain PATH:LINE`.

use std::fmt::Write as _;

use super::args::ExplainArgs;
use super::{Fatal, Status, emit};
use crate::diag::Diag;
use crate::dsl::ast::RuleKind;
use crate::dsl::kind_docs;
use crate::dsl::model::RuleDef;
use crate::eval::{Engine, EvalOptions};
use crate::render::rule_docs::RuleDoc;

pub fn run(args: &ExplainArgs) -> Result<Status, Fatal> {
    let (ws, selection) = super::open(&args.scan)?;
    let (policies, _) = ws.policies()?;
    if let Some(rule) = policies.rule(&args.target) {
        emit(None, &explain_rule(rule, &ws))?;
        return Ok(Status::Clean);
    }
    if let Some(doc) = crate::render::rule_docs::reserved_doc(&args.target) {
        emit(None, &explain_reserved(&doc, &ws))?;
        return Ok(Status::Clean);
    }
    let Some((path, line)) = args.target.rsplit_once(':').and_then(|(p, l)| {
        l.parse::<usize>()
            .ok()
            .map(|l| (p.trim_start_matches("./"), l))
    }) else {
        let mut ids: Vec<&str> = policies.rules.iter().map(|r| &*r.id).collect();
        for id in crate::render::rule_docs::reserved_ids() {
            ids.push(id);
        }
        let suggestion = crate::suggest::did_you_mean(&args.target, ids).map(str::to_string);
        let mut d = Diag::error(
            "cloudpact::cli::explain-target",
            format!("`{}` is neither a rule id nor PATH:LINE", args.target),
        );
        if let Some(s) = suggestion {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        return Err(d.into());
    };
    // PATH:LINE is relative to the current directory, like the paths `human` shows.
    let path = std::fs::canonicalize(path)
        .ok()
        .and_then(|abs| ws.rel(&abs))
        .unwrap_or_else(|| path.to_string());
    let path = path.as_str();
    let records: Vec<std::sync::Arc<str>> = policies.files.iter().map(|f| f.path.clone()).collect();
    let facts = ws.collect(&selection, &records)?;
    let at: Vec<_> = facts
        .deployments
        .iter()
        .filter(|d| {
            &*d.path == path
                && facts
                    .files
                    .get(&d.path)
                    .is_some_and(|f| f.line_col(d.span.start).line == line)
        })
        .collect();
    if at.is_empty() {
        return Err(Diag::error(
            "cloudpact::cli::explain-target",
            format!("no deployment is declared at {path}:{line}"),
        )
        .with_help("`cloudpact inventory` lists every deployment with its line")
        .into());
    }
    let engine = Engine::new(
        &policies,
        &ws.catalog,
        EvalOptions {
            as_of: ws.as_of,
            whole_repo: selection.covers_root(),
        },
    );
    let mut out = String::new();
    for dep in at {
        let _ = writeln!(
            out,
            "{path}:{line}: {} `{}` ({})",
            dep.type_, dep.name, dep.format
        );
        for row in crate::describe::attribute_rows(dep) {
            let _ = writeln!(out, "  {:<9}{}", row.name, row.value);
            for e in row.evidence {
                let _ = writeln!(out, "             because: {e}");
            }
        }
        if !dep.tags.is_empty() {
            let tags: Vec<String> = dep.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(out, "  tags     {}", tags.join(", "));
        }
        let _ = writeln!(out, "  rules (as of {}):", ws.as_of);
        for rule in &policies.rules {
            let outcome = engine.judge(rule, dep);
            let verdict = crate::describe::verdict(&outcome);
            let _ = writeln!(out, "    {:<40} {verdict}", rule.id);
        }
        out.push('\n');
    }
    emit(None, &out)?;
    Ok(Status::Clean)
}

/// A reserved `cloudpact.*` id: what it reports, at the severity this repository gives it.
fn explain_reserved(doc: &RuleDoc, ws: &crate::workspace::Workspace) -> String {
    let severity = ws.input_severity(&doc.id).unwrap_or(doc.severity);
    format!(
        "{} — reserved rule id\nseverity:  {severity}\n\n{}. {}\n  to fix: {}\n",
        doc.id, doc.short, doc.full, doc.help_text
    )
}

fn explain_rule(rule: &RuleDef, s: &crate::workspace::Workspace) -> String {
    let mut out = String::new();
    let doc = kind_docs::doc(rule.kind);
    let lc = rule.file.line_col(rule.name_span.start);
    let _ = writeln!(
        out,
        "{} — {} rule ({}:{})",
        rule.id,
        rule.kind.as_str(),
        rule.file.path,
        lc.line
    );
    if let Some(t) = &rule.policy_title {
        let _ = writeln!(out, "policy:    {t}");
    }
    if let Some(o) = &rule.owner {
        let _ = writeln!(out, "owner:     {o}");
    }
    if let Some(r) = &rule.reference {
        let _ = writeln!(out, "contract:  {r}");
    }
    let window = match &rule.window {
        None => "always".to_string(),
        Some(w) => {
            let from = w
                .from
                .as_ref()
                .map_or("the beginning".to_string(), |d| d.node.to_string());
            let until = w
                .until
                .as_ref()
                .map_or("no end".to_string(), |d| d.node.to_string());
            format!("from {from} until {until}")
        }
    };
    let active = if rule.is_active(s.as_of) {
        "active"
    } else {
        "INACTIVE"
    };
    let _ = writeln!(out, "window:    {window} — {active} as of {}", s.as_of);
    let scope = rule
        .scope
        .as_ref()
        .map_or("every deployment".to_string(), |e| {
            rule.file.text()[e.span.range()].to_string()
        });
    let _ = writeln!(out, "scope:     {scope}");
    match rule.kind {
        RuleKind::Exclusive | RuleKind::Deny | RuleKind::Share => {
            let ps: Vec<&str> = rule.providers.iter().map(|p| &**p).collect();
            let _ = writeln!(out, "providers: {}", ps.join(", "));
        }
        RuleKind::FirstRefusal => {
            let _ = writeln!(out, "holder:    {}", rule.holder.as_deref().unwrap_or("?"));
            let over = rule
                .over
                .as_ref()
                .map_or("any other provider".to_string(), |o| {
                    o.iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                });
            let _ = writeln!(out, "over:      {over}");
        }
        RuleKind::Require => {
            if let Some(a) = &rule.assert {
                let _ = writeln!(out, "assert:    {}", &rule.file.text()[a.span.range()]);
            }
        }
    }
    if let Some(p) = rule.at_least {
        let _ = writeln!(out, "at least:  {p}%");
    }
    let _ = writeln!(
        out,
        "severity:  {}{}",
        rule.severity,
        if rule.waivable { "" } else { " (not waivable)" }
    );
    let _ = writeln!(
        out,
        "\n{}\n  example: {}\n  to comply: {}",
        doc.what, doc.example, doc.comply
    );
    if rule.kind == RuleKind::FirstRefusal {
        let _ = writeln!(out, "\nrefusal records:");
        if rule.refusals.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for rec in &rule.refusals {
            let state = if rec.is_valid_on(s.as_of) {
                "in force".to_string()
            } else if s.as_of < rec.declined_on {
                format!("not yet in force (declined on {})", rec.declined_on)
            } else {
                format!(
                    "expired on {}",
                    rec.expires.map(|d| d.to_string()).unwrap_or_default()
                )
            };
            let granted: Vec<&str> = rec.granted_to.iter().map(|p| &**p).collect();
            let _ = writeln!(
                out,
                "  {} ({}:{}): grants {} — {state}{}\n    reason: {}",
                rec.id,
                rec.file.path,
                rec.file.line_col(rec.span.start).line,
                granted.join(", "),
                rec.scope_text
                    .as_ref()
                    .map(|t| format!("; scope `{t}`"))
                    .unwrap_or_default(),
                rec.reason
            );
        }
    }
    out
}

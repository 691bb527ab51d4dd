//! Validated AST → [`RuleDef`]s: names resolved through the catalog, defaults filled in
//! (severity `error`, unknown `allow`, waivable `true`, `over any`), window and reference
//! inherited from the policy.

use std::sync::Arc;

use super::ast::*;
use super::model::{RefusalRecord, RuleDef};
use crate::diag::Severity;
use crate::facts::catalog::Catalog;
use crate::source::SourceFile;

/// The rule of `policy` as evaluation sees it; `refusals` is filled in by the loader.
pub(crate) fn rule_def(
    file: &Arc<SourceFile>,
    policy: &Policy,
    rule: &Rule,
    catalog: &Catalog,
    refusals: Vec<Arc<RefusalRecord>>,
) -> RuleDef {
    let mut title = None;
    let mut owner = None;
    let mut policy_reference = None;
    let mut policy_window = None;
    for m in &policy.meta {
        match &m.kind {
            MetaKind::Title(s) => title = title.or(Some(s.node.clone())),
            MetaKind::Owner(s) => owner = owner.or(Some(s.node.clone())),
            MetaKind::Reference(s) => {
                policy_reference = policy_reference.or(Some(s.node.as_str().into()))
            }
            MetaKind::Effective(w) => policy_window = policy_window.or(Some(w.clone())),
        }
    }
    let resolve = |names: &[Ident]| -> Vec<_> {
        names
            .iter()
            .filter_map(|n| catalog.resolve(&n.node))
            .fold(Vec::new(), |mut v, id| {
                if !v.contains(&id) {
                    v.push(id);
                }
                v
            })
    };
    let mut def = RuleDef {
        id: format!("{}.{}", policy.name.node, rule.name.node).into(),
        policy: policy.name.node.as_str().into(),
        policy_title: title,
        owner,
        kind: rule.kind.node,
        file: file.clone(),
        name_span: rule.name.span,
        span: rule.span,
        scope: None,
        severity: Severity::Error,
        message: None,
        window: policy_window,
        unknown: UnknownPolicy::Allow,
        reference: policy_reference,
        waivable: true,
        providers: Vec::new(),
        holder: None,
        over: None,
        refusals,
        assert: None,
        at_least: None,
    };
    // The first of a duplicated clause wins; the duplicate is an error anyway.
    let mut seen = std::collections::HashSet::new();
    for c in &rule.clauses {
        if !seen.insert(c.kind.keyword()) {
            continue;
        }
        match &c.kind {
            ClauseKind::Where(e) => def.scope = Some(e.clone()),
            ClauseKind::Severity(s) => {
                def.severity = Severity::parse(&s.node).unwrap_or(Severity::Error);
            }
            ClauseKind::Message(s) => def.message = Some(s.node.clone()),
            ClauseKind::Effective(w) => def.window = Some(w.clone()),
            ClauseKind::Unknown(s) => {
                def.unknown = match s.node.as_str() {
                    "warn" => UnknownPolicy::Warn,
                    "deny" => UnknownPolicy::Deny,
                    _ => UnknownPolicy::Allow,
                };
            }
            ClauseKind::Reference(s) => def.reference = Some(s.node.as_str().into()),
            ClauseKind::Waivable(b) => def.waivable = b.node,
            ClauseKind::Provider(list) => def.providers = resolve(list),
            ClauseKind::Holder(h) => def.holder = catalog.resolve(&h.node),
            ClauseKind::Over(Over::Any(_)) => def.over = None,
            ClauseKind::Over(Over::Providers(list)) => def.over = Some(resolve(list)),
            ClauseKind::Refusals(_) => {}
            ClauseKind::Assert(e) => def.assert = Some(e.clone()),
            ClauseKind::AtLeast(p) => def.at_least = Some(p.node),
        }
    }
    def
}

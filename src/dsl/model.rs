//! Validated policies: what evaluation works on. Produced by `dsl::load` from the AST after
//! every check of docs/language.md has passed; names are resolved (aliases → provider ids),
//! defaults filled in, refusal records loaded.

use std::sync::Arc;

use jiff::civil::Date;

use super::ast::{Expr, RuleKind, UnknownPolicy, Window};
use crate::diag::Severity;
use crate::facts::model::ProviderId;
use crate::source::{SourceFile, Span};

/// Every rule of every loaded policy file, in a stable order (file, then position).
#[derive(Debug, Default, Clone)]
pub struct PolicySet {
    pub rules: Vec<Arc<RuleDef>>,
    /// Every `.pact` and refusal file loaded, for rendering spans into them.
    pub files: Vec<Arc<SourceFile>>,
}

impl PolicySet {
    pub(crate) fn rule(&self, id: &str) -> Option<&Arc<RuleDef>> {
        self.rules.iter().find(|r| &*r.id == id)
    }
}

/// One validated rule.
#[derive(Debug, Clone)]
pub struct RuleDef {
    /// `POLICY.NAME`. Shared (as `policy` and `reference`) with every finding of the rule.
    pub id: Arc<str>,
    pub policy: Arc<str>,
    pub policy_title: Option<String>,
    pub owner: Option<String>,
    pub kind: RuleKind,
    /// The `.pact` file and the span of the rule's name in it.
    pub file: Arc<SourceFile>,
    pub name_span: Span,
    /// The whole rule text.
    pub span: Span,
    pub scope: Option<Expr>,
    pub severity: Severity,
    /// The `message` clause, if any (else a generated sentence per kind).
    pub message: Option<String>,
    /// The rule's own window, else the policy's; `None` when neither has one (always active).
    pub window: Option<Window>,
    pub unknown: UnknownPolicy,
    /// The rule's `reference`, else the policy's.
    pub reference: Option<Arc<str>>,
    pub waivable: bool,
    /// `exclusive`, `deny`, `share`: the providers listed.
    pub providers: Vec<ProviderId>,
    /// `first_refusal`: the holder.
    pub holder: Option<ProviderId>,
    /// `first_refusal`: `over` providers; `None` means `any` (every provider but the holder).
    pub over: Option<Vec<ProviderId>>,
    /// `first_refusal`: the refusal records its `refusals` globs matched.
    pub refusals: Vec<Arc<RefusalRecord>>,
    /// `require`: the assertion.
    pub assert: Option<Expr>,
    /// `share`: the committed percentage (0–100).
    pub at_least: Option<f64>,
}

impl RuleDef {
    /// Whether the rule applies on `date`.
    pub(crate) fn is_active(&self, date: Date) -> bool {
        self.window.as_ref().is_none_or(|w| w.contains(date))
    }
}

/// One refusal record: the holder of a first refusal declined a scope, granting it to others.
#[derive(Debug, Clone)]
pub struct RefusalRecord {
    pub id: String,
    pub holder: ProviderId,
    pub granted_to: Vec<ProviderId>,
    pub declined_on: Date,
    pub expires: Option<Date>,
    /// The declined scope (absent: everything).
    pub scope: Option<Expr>,
    /// The `where` text as written, for messages.
    pub scope_text: Option<String>,
    pub reason: String,
    pub evidence: Option<String>,
    /// The YAML file and the span of the record's first line.
    pub file: Arc<SourceFile>,
    pub span: Span,
}

impl RefusalRecord {
    /// Whether the record is in force on `date`.
    pub(crate) fn is_valid_on(&self, date: Date) -> bool {
        self.declined_on <= date && self.expires.is_none_or(|e| date <= e)
    }
}

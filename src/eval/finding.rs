//! A finding: one place where a deployment (or the policy set itself) breaks a term.

use std::sync::Arc;

use serde::Serialize;

use crate::diag::Severity;
use crate::dsl::ast::RuleKind;
use crate::facts::model::Deployment;
use crate::source::{SourceFile, Span};

/// Reserved rule ids for findings about the scan and the policy set itself.
pub(crate) use crate::diag::code as reserved;

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `inline` (a `cloudpact:ignore` comment) or `waiver` (`waivers` in the config).
    pub kind: &'static str,
    pub reason: String,
    /// Where the comment or waiver is (`path:line`).
    pub location: String,
}

/// A secondary place a finding points at (the rule in its `.pact` file, a refusal record).
#[derive(Debug, Clone)]
pub struct Related {
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Finding {
    /// `POLICY.NAME`, or a reserved `cloudpact.*` id. Shared with the rule, as `policy` and
    /// `reference` are: a large repository has a finding per resource (docs/performance.md,
    /// "Memory").
    pub rule: Arc<str>,
    pub policy: Option<Arc<str>>,
    pub rule_kind: Option<RuleKind>,
    pub severity: Severity,
    /// The headline.
    pub message: String,
    /// How to comply.
    pub help: Option<String>,
    /// The contract clause the rule encodes.
    pub reference: Option<Arc<str>>,
    /// Where the finding is.
    pub file: Arc<SourceFile>,
    pub span: Span,
    /// The label under the span (provider and evidence).
    pub label: Option<String>,
    pub deployment: Option<Arc<Deployment>>,
    pub related: Vec<Related>,
    /// Boxed: most findings are not suppressed.
    pub suppressed: Option<Box<Suppression>>,
}

impl Finding {
    pub fn path(&self) -> &str {
        &self.file.path
    }

    /// 1-based line and column (Unicode scalar values) of the start and the end.
    pub fn position(&self) -> (usize, usize, usize, usize) {
        let s = self.file.line_col(self.span.start);
        let e = self.file.line_col(self.span.end);
        (s.line, s.column, e.line, e.column)
    }

    pub fn line(&self) -> usize {
        self.file.line_col(self.span.start).line
    }

    /// The order of every report: path, position, rule, message.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (
            self.path(),
            self.span.start,
            self.span.end,
            &self.rule,
            &self.message,
        )
    }
}

pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

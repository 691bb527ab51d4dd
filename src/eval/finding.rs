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

/// How many findings' files [`Finding::load_ahead`] is given at a time by the reports that
/// write findings one by one: enough to keep the worker threads busy, few enough that their
/// texts are a few megabytes.
pub const LOAD_AHEAD: usize = 256;

impl Finding {
    /// The texts of the files of `findings` (their related places' too) that are not in
    /// memory, read again side by side and held while the caller writes them
    /// ([`SourceFile::load_ahead`]).
    pub fn load_ahead(findings: &[Finding]) -> Vec<Arc<crate::source::Contents>> {
        SourceFile::load_ahead(
            findings
                .iter()
                .flat_map(|f| std::iter::once(&*f.file).chain(f.related.iter().map(|r| &*r.file))),
        )
    }

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

/// Sorts by [`Finding::sort_key`], keeping the order of findings with equal keys (a stable
/// sort). The findings are not moved through a scratch buffer (a stable sort's takes half of
/// them: 8 MB for 70,000): their positions are sorted, then the findings permuted in place.
pub fn sort(findings: &mut [Finding]) {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        findings[a]
            .sort_key()
            .cmp(&findings[b].sort_key())
            .then(a.cmp(&b))
    });
    permute(findings, &mut order);
}

/// Puts `items[order[i]]` at `i` for every `i`, following each cycle of the permutation with
/// swaps; `order` is left as the identity.
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    for start in 0..items.len() {
        let mut at = start;
        while order[at] != start {
            let from = order[at];
            items.swap(at, from);
            order[at] = at;
            at = from;
        }
        order[at] = at;
    }
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permuting_puts_each_item_where_the_order_says() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        let mut order = vec![3, 0, 4, 1, 2, 5];
        permute(&mut items, &mut order);
        assert_eq!(items, ['d', 'a', 'e', 'b', 'c', 'f']);
        assert_eq!(order, [0, 1, 2, 3, 4, 5]);
    }
}

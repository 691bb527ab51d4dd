//! One diagnostic type for everything cloudpact tells a user about a place in a file: policy
//! errors, refusal-record and config errors, parse errors of scanned files, and findings.
//!
//! Spans are byte ranges into the diagnostic's file; renderers turn them into lines and
//! columns. `miette` is used only at the rendering edge (see `render::human`).

use std::fmt;
use std::sync::Arc;

use crate::source::{SourceFile, Span};

/// Reserved rule ids for findings about the scan and the policy set itself.
pub mod code {
    pub(crate) const PARSE_ERROR: &str = "cloudpact.parse-error";
    /// A file or folder the run could not or must not read (permissions, a name that is not
    /// UTF-8, a FIFO or device, a link out of the repository).
    pub(crate) const UNREADABLE: &str = "cloudpact.unreadable";
    /// A file over `max_file_size`, not read.
    pub(crate) const TOO_LARGE: &str = "cloudpact.too-large";
    pub(crate) const UNUSED_REFUSAL: &str = "cloudpact.unused-refusal";
    pub(crate) const UNUSED_SUPPRESSION: &str = "cloudpact.unused-suppression";
    pub(crate) const EXPIRED_SUPPRESSION: &str = "cloudpact.expired-suppression";
    pub(crate) const EXPIRED_WAIVER: &str = "cloudpact.expired-waiver";
    pub(crate) const INVALID_SUPPRESSION: &str = "cloudpact.invalid-suppression";
    /// A local module call cloudpact cannot follow (a missing folder, a cycle, too deep).
    pub(crate) const UNRESOLVED_MODULE: &str = "cloudpact.unresolved-module";
    /// A baseline entry that matches no finding any more (src/baseline/mod.rs).
    pub(crate) const STALE_BASELINE: &str = "cloudpact.stale-baseline";
    /// A date within `--horizon` that changes the findings (src/baseline/horizon.rs).
    pub(crate) const HORIZON: &str = "cloudpact.horizon";
}

/// How serious a diagnostic or finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A labelled span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: Option<String>,
    pub primary: bool,
}

impl Label {
    pub fn primary(span: Span, text: impl Into<String>) -> Self {
        Self {
            span,
            text: Some(text.into()),
            primary: true,
        }
    }

    pub(crate) fn secondary(span: Span, text: impl Into<String>) -> Self {
        Self {
            span,
            text: Some(text.into()),
            primary: false,
        }
    }
}

/// A diagnostic at a place in one file.
#[derive(Debug, Clone)]
pub struct Diag {
    /// A stable code: `cloudpact::policy::unknown-provider`, `cloudpact.parse-error`, …
    pub code: String,
    pub severity: Severity,
    /// Terse headline, in plain words.
    pub message: String,
    /// The file the labels point into; `None` for diagnostics about no file (bad flags).
    pub file: Option<Arc<SourceFile>>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diag {
    pub(crate) fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            severity: Severity::Error,
            message: message.into(),
            file: None,
            labels: Vec::new(),
            help: None,
        }
    }

    pub(crate) fn warning(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    pub(crate) fn in_file(mut self, file: Arc<SourceFile>) -> Self {
        self.file = Some(file);
        self
    }

    pub(crate) fn with_label(mut self, label: Label) -> Self {
        self.labels.push(label);
        self
    }

    /// Adds the primary label.
    pub(crate) fn at(self, span: Span, text: impl Into<String>) -> Self {
        self.with_label(Label::primary(span, text))
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The primary span, or the first one.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or_else(|| self.labels.first())
            .map(|l| l.span)
    }

    /// `path:line:col` of the primary span, for sorting and short output.
    pub(crate) fn location(&self) -> Option<(Arc<str>, usize, usize)> {
        let file = self.file.as_ref()?;
        let span = self.primary_span().unwrap_or_default();
        let lc = file.line_col(span.start);
        Some((file.path.clone(), lc.line, lc.column))
    }

    pub(crate) fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((path, line, col)) = self.location() {
            write!(f, "{path}:{line}:{col}: ")?;
        }
        write!(f, "{}[{}] {}", self.severity, self.code, self.message)
    }
}

/// Sorts diagnostics by file, position, then code, so output is the same whatever the order
/// they were produced in.
pub(crate) fn sort(diags: &mut [Diag]) {
    diags.sort_by(|a, b| {
        let ka = (
            a.file.as_ref().map(|f| f.path.clone()),
            a.primary_span().map(|s| s.start),
            &a.code,
            &a.message,
        );
        let kb = (
            b.file.as_ref().map(|f| f.path.clone()),
            b.primary_span().map(|s| s.start),
            &b.code,
            &b.message,
        );
        ka.cmp(&kb)
    });
}

//! [`Diag`] as a miette diagnostic, rendered with one shared handler and a line-indexed source
//! (miette's own `str` source re-scans the file from byte 0 for every label: quadratic).

use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use crate::diag::{Diag, Severity};
use crate::source::IndexedSource;

/// A `Diag` borrowed as a miette diagnostic.
struct AsMiette<'a> {
    diag: &'a Diag,
    source: Option<IndexedSource>,
}

impl fmt::Debug for AsMiette<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diag, f)
    }
}

impl fmt::Display for AsMiette<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for AsMiette<'_> {}

impl Diagnostic for AsMiette<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let len = self.diag.file.as_ref().map_or(0, |f| f.text.len());
        Some(Box::new(self.diag.labels.iter().map(move |l| {
            let start = l.span.start.min(len);
            let end = l.span.end.clamp(start, len);
            let span = miette::SourceSpan::from((start, end - start));
            if l.primary {
                LabeledSpan::new_primary_with_span(l.text.clone(), span)
            } else {
                LabeledSpan::new_with_span(l.text.clone(), span)
            }
        })))
    }
}

/// Renders diagnostics as compiler-style text. Build one and reuse it for every diagnostic.
pub struct DiagRenderer {
    handler: GraphicalReportHandler,
}

impl DiagRenderer {
    /// `color`: ANSI colours; `width`: wrap width.
    pub fn new(color: bool, width: usize) -> Self {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        Self {
            handler: GraphicalReportHandler::new_themed(theme)
                .with_width(width)
                .with_links(false),
        }
    }

    /// Deterministic output for snapshot tests: no colour, 100 columns.
    pub fn plain() -> Self {
        Self::new(false, 100)
    }

    pub fn render(&self, diag: &Diag) -> String {
        let wrapped = AsMiette {
            diag,
            source: diag.file.clone().map(IndexedSource::new),
        };
        let mut out = String::new();
        if self.handler.render_report(&mut out, &wrapped).is_err() {
            out = format!("{diag}\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source::{SourceFile, Span};

    #[test]
    fn renders_code_message_label_and_help() {
        let file = Arc::new(SourceFile::new(
            "p.pact",
            "policy p {\n  deny d { provider azur }\n}\n",
        ));
        let at = file.text.find("azur").unwrap();
        let d = Diag::error(
            "cloudpact::policy::unknown-provider",
            "unknown provider `azur`",
        )
        .in_file(file)
        .at(Span::new(at, at + 4), "not a provider")
        .with_help("did you mean `azure`?");
        let out = DiagRenderer::plain().render(&d);
        assert!(out.contains("cloudpact::policy::unknown-provider"), "{out}");
        assert!(out.contains("p.pact:2:21"), "{out}");
        assert!(out.contains("not a provider"), "{out}");
        assert!(out.contains("did you mean `azure`?"), "{out}");
    }
}

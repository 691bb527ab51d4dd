//! [`Diag`] as a miette diagnostic, rendered with one shared handler and a line-indexed
//! source (miette's own `str` source re-scans the file from byte 0 for every label:
//! quadratic), or, when a line it shows is long or holds control characters, an
//! [`Excerpt`] of it.

use std::borrow::Cow;
use std::fmt;
use std::panic::AssertUnwindSafe;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};

use super::excerpt::{self, Excerpt};
use super::terminal::escape;
use crate::diag::{Diag, Label, Severity};
use crate::source::{IndexedSource, SourceFile, Span, clamp_to_char_boundary};

/// A `Diag` borrowed as a miette diagnostic, with its source and its labels' spans in it.
struct AsMiette<'a> {
    diag: &'a Diag,
    source: Option<Box<dyn miette::SourceCode + 'a>>,
    labels: Vec<LabeledSpan>,
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
        self.source.as_deref()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// `labels` with spans inside `file` and on char boundaries (miette slices the text at them).
fn clamped(file: &SourceFile, labels: &[Label]) -> Vec<Label> {
    labels
        .iter()
        .map(|l| {
            let start = clamp_to_char_boundary(&file.text(), l.span.start);
            let end = clamp_to_char_boundary(&file.text(), l.span.end).max(start);
            Label {
                span: Span::new(start, end),
                ..l.clone()
            }
        })
        .collect()
}

fn labeled(label: &Label, span: SourceSpan) -> LabeledSpan {
    if label.primary {
        LabeledSpan::new_primary_with_span(label.text.clone(), span)
    } else {
        LabeledSpan::new_with_span(label.text.clone(), span)
    }
}

/// The diagnostic with every text that may come from a scanned file (message, labels, help,
/// code) escaped for the terminal; borrowed when nothing needs it.
fn escaped(diag: &Diag) -> Cow<'_, Diag> {
    let needs = |s: &str| matches!(escape(s), Cow::Owned(_));
    let dirty = needs(&diag.message)
        || needs(&diag.code)
        || diag.help.as_deref().is_some_and(needs)
        || diag
            .labels
            .iter()
            .any(|l| l.text.as_deref().is_some_and(needs));
    if !dirty {
        return Cow::Borrowed(diag);
    }
    let mut d = diag.clone();
    d.message = escape(&d.message).into_owned();
    d.code = escape(&d.code).into_owned();
    d.help = d.help.map(|h| escape(&h).into_owned());
    for l in &mut d.labels {
        l.text = l.text.take().map(|t| escape(&t).into_owned());
    }
    Cow::Owned(d)
}

/// `path:line:col: severity[code] message` and the help: what `human` shows of a diagnostic
/// that miette could not render (the `short` format's line, so an editor still finds it).
fn plain(diag: &Diag) -> String {
    let mut out = match diag.location() {
        Some((path, line, col)) => format!("{}:{line}:{col}: ", escape(&path)),
        None => String::new(),
    };
    out.push_str(&format!(
        "{}[{}] {}\n",
        diag.severity, diag.code, diag.message
    ));
    if let Some(help) = &diag.help {
        out.push_str(&format!("  help: {help}\n"));
    }
    out
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
                .with_links(false)
                .with_context_lines(excerpt::CONTEXT_LINES),
        }
    }

    /// Deterministic output for snapshot tests: no colour, 100 columns.
    pub fn plain() -> Self {
        Self::new(false, 100)
    }

    pub fn render(&self, diag: &Diag) -> String {
        let diag = escaped(diag);
        let (source, labels): (Option<Box<dyn miette::SourceCode>>, Vec<LabeledSpan>) =
            match &diag.file {
                None => (None, Vec::new()),
                Some(file) => {
                    let labels = clamped(file, &diag.labels);
                    if excerpt::needed(file, &labels) {
                        let (ex, spans) = Excerpt::new(file, &labels);
                        let labels = labels.iter().zip(spans).map(|(l, s)| labeled(l, s));
                        (Some(Box::new(ex)), labels.collect())
                    } else {
                        let labels = labels.iter().map(|l| labeled(l, l.span.into()));
                        (
                            Some(Box::new(IndexedSource::new(file.clone()))),
                            labels.collect(),
                        )
                    }
                }
            };
        let wrapped = AsMiette {
            diag: &diag,
            source,
            labels,
        };
        self.render_or_plain(&wrapped)
    }

    /// miette's rendering, or [`plain`] if miette fails or panics on it. With the excerpt no
    /// known input makes it, but a report must never lose a finding to its renderer: the
    /// panic is still reported on stderr by the command line's panic hook.
    fn render_or_plain(&self, wrapped: &AsMiette<'_>) -> String {
        let mut out = String::new();
        let rendered = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.handler.render_report(&mut out, wrapped)
        }));
        match rendered {
            Ok(Ok(())) => out,
            _ => plain(wrapped.diag),
        }
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
        let at = file.text().find("azur").unwrap();
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

    /// Minified JSON: miette's underline padding is a formatting width, which panics past
    /// 65,535; the line is shown as a window around the label instead, and the header keeps
    /// the file's column.
    #[test]
    fn a_label_past_column_65535_renders_a_window_of_its_line() {
        let text = format!(
            "{{\"Pad\":\"{}\",\"Bucket\":{{\"Type\":\"AWS::S3::Bucket\"}},\"Tail\":\"{}\"}}",
            "x".repeat(70_000),
            "y".repeat(70_000)
        );
        let file = Arc::new(SourceFile::new("stack.json", text));
        let at = file.text().find("\"Bucket\"").unwrap();
        let end = file.text()[at..].find('}').unwrap() + at + 1;
        let d = Diag::error("p.no_aws", "`AWS::S3::Bucket` `Bucket` runs on aws")
            .in_file(file)
            .at(Span::new(at, end), "runs on aws");
        let out = DiagRenderer::plain().render(&d);
        assert!(out.contains(&format!("stack.json:1:{}", at + 1)), "{out}");
        assert!(
            out.contains("│ …xxxxxxxxxx")
                && out.contains("xx\",\"Bucket\":{\"Type\":\"AWS::S3::Bucket\"}"),
            "{out}"
        );
        assert!(out.contains("runs on aws"), "{out}");
        assert!(out.len() < 2_000, "{} bytes", out.len());
    }

    #[test]
    fn control_characters_from_the_file_and_the_message_are_escaped() {
        let file = Arc::new(SourceFile::new(
            "a\x1b.tf",
            "resource \"aws_s3_bucket\" \"\x1b]0;owned\x07\" {}\n",
        ));
        let at = file.text().find("resource").unwrap();
        let d = Diag::error("p.r", "`aws_s3_bucket` `\x1b]0;owned\x07` runs on aws")
            .in_file(file)
            .at(Span::new(at, at + 8), "runs on \x1b[31maws")
            .with_help("rename \u{9b}it");
        let out = DiagRenderer::plain().render(&d);
        assert!(!out.contains(['\x1b', '\x07', '\u{9b}']), "{out:?}");
        assert!(out.contains("`\\u{1b}]0;owned\\u{7}` runs on aws"), "{out}");
        assert!(out.contains("a\\u{1b}.tf:1:1"), "{out}");
        assert!(out.contains("\"\\u{1b}]0;owned\\u{7}\" {}"), "{out}");
        assert!(out.contains("runs on \\u{1b}[31maws"), "{out}");
        assert!(out.contains("rename \\u{9b}it"), "{out}");
    }

    /// A source miette cannot read the header's position from: the diagnostic is still shown,
    /// as a plain `path:line:col` line.
    #[test]
    fn what_miette_cannot_render_gets_a_plain_header() {
        #[derive(Debug)]
        struct Unreadable(IndexedSource);
        impl miette::SourceCode for Unreadable {
            fn read_span<'a>(
                &'a self,
                span: &SourceSpan,
                before: usize,
                after: usize,
            ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
                if before == 0 {
                    return Err(miette::MietteError::OutOfBounds);
                }
                self.0.read_span(span, before, after)
            }
        }
        let file = Arc::new(SourceFile::new("p.pact", "policy p {\n  deny d {}\n}\n"));
        let at = file.text().find("deny").unwrap();
        let d = Diag::error("p.d", "denied")
            .in_file(file.clone())
            .at(Span::new(at, at + 4), "here")
            .with_help("fix it");
        let wrapped = AsMiette {
            diag: &d,
            source: Some(Box::new(Unreadable(IndexedSource::new(file)))),
            labels: vec![labeled(&d.labels[0], d.labels[0].span.into())],
        };
        let out = DiagRenderer::plain().render_or_plain(&wrapped);
        assert_eq!(out, "p.pact:2:3: error[p.d] denied\n  help: fix it\n");
    }
}

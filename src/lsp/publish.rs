//! cloudpact's findings and diagnostics as the protocol's `Diagnostic`s.

use std::path::Path;

use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString};

use super::position::{Encoding, path_to_uri};
use crate::diag::{Diag, Severity};
use crate::discover::normalize;
use crate::eval::finding::Finding;

pub(crate) const SOURCE: &str = "cloudpact";

pub(crate) fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// A finding: the headline, then the contract clause and how to comply on their own lines;
/// the rule in its `.pact` file as related information.
pub(crate) fn finding(f: &Finding, enc: Encoding, root: &Path) -> lsp_types::Diagnostic {
    let mut message = f.message.clone();
    if let Some(r) = &f.reference {
        message.push_str(&format!("\ncontract: {r}"));
    }
    if let Some(label) = &f.label {
        message.push_str(&format!("\n{label}"));
    }
    if let Some(h) = &f.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related = f
        .related
        .iter()
        .map(|r| DiagnosticRelatedInformation {
            location: Location {
                uri: path_to_uri(&normalize(&root.join(&*r.file.path))),
                range: enc.range(&r.file, r.span),
            },
            message: r.message.clone(),
        })
        .collect::<Vec<_>>();
    build(
        enc.range(&f.file, f.span),
        f.severity,
        &f.rule,
        message,
        related,
    )
}

/// A diagnostic about a policy, record, config or unparsable file. Secondary labels in the
/// same file become related information.
pub(crate) fn diag(d: &Diag, enc: Encoding, root: &Path) -> lsp_types::Diagnostic {
    let span = d.primary_span().unwrap_or_default();
    let file = d.file.as_ref();
    let range = file.map_or_else(Default::default, |f| enc.range(f, span));
    let mut message = d.message.clone();
    if let Some(text) = d
        .labels
        .iter()
        .find(|l| l.primary)
        .and_then(|l| l.text.as_deref())
        .filter(|t| !d.message.contains(t))
    {
        message.push_str(&format!("\n{text}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = match file {
        Some(f) => d
            .labels
            .iter()
            .filter(|l| !l.primary && l.span != span)
            .map(|l| DiagnosticRelatedInformation {
                location: Location {
                    uri: path_to_uri(&normalize(&root.join(&*f.path))),
                    range: enc.range(f, l.span),
                },
                message: l.text.clone().unwrap_or_default(),
            })
            .collect(),
        None => Vec::new(),
    };
    build(range, d.severity, &d.code, message, related)
}

/// The protocol's diagnostic: code, severity and source the same way for findings and errors.
fn build(
    range: lsp_types::Range,
    sev: crate::diag::Severity,
    code: &str,
    message: String,
    related: Vec<DiagnosticRelatedInformation>,
) -> lsp_types::Diagnostic {
    lsp_types::Diagnostic {
        range,
        severity: Some(severity(sev)),
        code: Some(NumberOrString::String(code.to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// Whether two diagnostics say the same thing at the same place (a `.pact` error reported both
/// by the single-file check and by the workspace load).
pub(crate) fn same(a: &Diag, b: &Diag) -> bool {
    a.code == b.code && a.message == b.message && a.primary_span() == b.primary_span()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::eval::finding::Related;
    use crate::source::{SourceFile, Span};

    #[test]
    fn a_finding_carries_code_source_contract_and_the_rule_location() {
        let tf = Arc::new(SourceFile::new(
            "infra/main.tf",
            "# é\nresource \"aws_instance\" \"web\" {}\n",
        ));
        let pact = Arc::new(SourceFile::new(
            "policies/p.pact",
            "policy p {\n  exclusive only {}\n}\n",
        ));
        let start = tf.text().find("resource").unwrap();
        let f = Finding {
            rule: "p.only".into(),
            policy: Some("p".into()),
            rule_kind: None,
            severity: Severity::Warning,
            message: "aws_instance `web` runs on aws".into(),
            help: Some("move it".into()),
            reference: Some("MSA §4.2".into()),
            file: tf.clone(),
            span: Span::new(start, start + 8),
            label: None,
            deployment: None,
            related: vec![Related {
                file: pact.clone(),
                span: Span::new(23, 27),
                message: "rule `p.only` is defined here".into(),
            }],
            suppressed: None,
        };
        let d = finding(&f, Encoding::Utf16, Path::new("/w"));
        assert_eq!(d.range.start, lsp_types::Position::new(1, 0));
        assert_eq!(d.range.end, lsp_types::Position::new(1, 8));
        assert_eq!(d.severity, Some(DiagnosticSeverity::WARNING));
        assert_eq!(d.code, Some(NumberOrString::String("p.only".into())));
        assert_eq!(d.source.as_deref(), Some("cloudpact"));
        assert_eq!(
            d.message,
            "aws_instance `web` runs on aws\ncontract: MSA §4.2\nhelp: move it"
        );
        let rel = &d.related_information.unwrap()[0];
        assert_eq!(rel.location.uri.as_str(), "file:///w/policies/p.pact");
        assert_eq!(rel.location.range.start, lsp_types::Position::new(1, 12));
    }
}

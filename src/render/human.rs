//! `human`: compiler-style diagnostics (miette) and a summary line.

use std::sync::Arc;

use rayon::prelude::*;

use super::Summary;
use super::diagnostic::DiagRenderer;
use crate::diag::{Diag, Label};
use crate::eval::finding::Finding;
use crate::source::SourceFile;

/// A finding as a diagnostic: rule id as code, headline, the deployment's span labelled with its
/// provider and evidence, and help (how to comply, the contract reference, where the rule is).
pub fn to_diag(f: &Finding) -> Diag {
    to_diag_shown(f, &|file| file.clone())
}

/// [`to_diag`] with each file as `shown` gives it (the same text under the path printed).
fn to_diag_shown(f: &Finding, shown: &Shown<'_>) -> Diag {
    let mut help = f.help.clone().unwrap_or_default();
    if let Some(r) = &f.reference {
        push_line(&mut help, &format!("contract: {r}"));
    }
    for rel in &f.related {
        let lc = rel.file.line_col(rel.span.start);
        push_line(
            &mut help,
            &format!("{} ({}:{})", rel.message, shown(&rel.file).path, lc.line),
        );
    }
    if let Some(s) = &f.suppressed {
        push_line(&mut help, &format!("suppressed ({}): {}", s.kind, s.reason));
    }
    Diag {
        code: f.rule.to_string(),
        severity: f.severity,
        message: f.message.clone(),
        file: Some(shown(&f.file)),
        labels: vec![Label {
            span: f.span,
            text: f.label.clone(),
            primary: true,
        }],
        help: (!help.is_empty()).then_some(help),
    }
}

/// The file a report shows for a finding's file: the same text, under the path printed.
pub type Shown<'a> = dyn Fn(&Arc<SourceFile>) -> Arc<SourceFile> + Sync + 'a;

fn push_line(s: &mut String, line: &str) {
    if !s.is_empty() {
        s.push('\n');
    }
    s.push_str(line);
}

/// Every unsuppressed finding, rendered in parallel and joined in order.
pub fn render(findings: &[Finding], renderer: &DiagRenderer) -> String {
    let mut out = Vec::new();
    write(&mut out, findings, renderer).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the renderer writes UTF-8")
}

/// Findings rendered at once, in parallel, before they are written in order.
const BATCH: usize = 512;

/// [`render`] straight to a writer, a batch of findings at a time: the report of 60,000
/// findings (50 MB) is never held whole (docs/performance.md, "Memory").
pub fn write(
    w: &mut dyn std::io::Write,
    findings: &[Finding],
    renderer: &DiagRenderer,
) -> std::io::Result<()> {
    write_shown(w, findings, renderer, &|file| file.clone())
}

/// [`write`] with each file under the path `shown` gives it (the command line prints paths
/// from the current directory): files are renamed as findings are rendered, not findings
/// copied beforehand (a copy of every finding was 20 MB for 60,000).
pub fn write_shown(
    w: &mut dyn std::io::Write,
    findings: &[Finding],
    renderer: &DiagRenderer,
    shown: &Shown<'_>,
) -> std::io::Result<()> {
    let shown_findings: Vec<&Finding> =
        findings.iter().filter(|f| f.suppressed.is_none()).collect();
    let render = |f: &&Finding| renderer.render(&to_diag_shown(f, shown));
    for batch in shown_findings.chunks(BATCH) {
        // A few findings are rendered on this thread: a run that found little (an empty
        // folder's) then starts no thread pool.
        let parts: Vec<String> = if batch.len() < 8 {
            batch.iter().map(render).collect()
        } else {
            batch.par_iter().map(render).collect()
        };
        for p in parts {
            w.write_all(p.as_bytes())?;
            w.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// `2 errors, 1 warning · 14 files, 23 deployments (aws 3, azure 12, gcp 8) · 31 ms`
pub fn summary_line(s: &Summary) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = vec![
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
    ];
    if s.infos > 0 {
        parts.push(plural(s.infos, "info", "infos"));
    }
    if s.suppressed > 0 && s.baselined > 0 {
        parts.push(format!(
            "{} suppressed ({} by the baseline)",
            s.suppressed, s.baselined
        ));
    } else if s.suppressed > 0 {
        parts.push(format!("{} suppressed", s.suppressed));
    }
    let providers: Vec<String> = s
        .by_provider
        .iter()
        .map(|(p, n)| format!("{} {n}", super::terminal::escape(p)))
        .collect();
    let deployments = if providers.is_empty() {
        plural(s.deployments, "deployment", "deployments")
    } else {
        format!(
            "{} ({})",
            plural(s.deployments, "deployment", "deployments"),
            providers.join(", ")
        )
    };
    format!(
        "{} · {} scanned, {} · as of {} · {} ms",
        parts.join(", "),
        plural(s.files, "file", "files"),
        deployments,
        s.as_of,
        s.elapsed_ms
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture::fixture;

    #[test]
    fn human_snapshot() {
        let fx = fixture();
        let out = render(&fx.findings, &DiagRenderer::plain());
        insta::assert_snapshot!(out);
    }

    #[test]
    fn summary_line_counts_and_providers() {
        let fx = fixture();
        let mut s = fx.summary.clone();
        s.elapsed_ms = 12;
        insta::assert_snapshot!(summary_line(&s));
    }

    #[test]
    fn suppressed_findings_are_not_shown() {
        let fx = fixture();
        let out = render(&fx.findings, &DiagRenderer::plain());
        for f in fx.findings.iter().filter(|f| f.suppressed.is_some()) {
            assert!(!out.contains(&f.message), "{}", f.message);
        }
    }
}

//! `cloudpact check`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;

use super::args::{CheckArgs, CheckFormat};
use super::scan::{self, Fatal, Report, Settings};
use super::{Status, emit, print_diags, term_width, write_stdout};
use crate::diag::Severity;
use crate::eval::finding::Finding;
use crate::render::diagnostic::DiagRenderer;
use crate::render::{self, Summary};
use crate::source::SourceFile;

pub fn run(args: &CheckArgs) -> Result<Status, Fatal> {
    let settings = Settings::resolve(&args.scan)?;
    let report = scan::run_check(&settings)?;
    if !args.scan.quiet && !report.policy_warnings.is_empty() {
        print_diags(&report.policy_warnings, args.scan.color);
    }
    if args.scan.verbose {
        for rule in report
            .policies
            .rules
            .iter()
            .filter(|r| !r.is_active(report.as_of))
        {
            eprintln!(
                "note: rule `{}` is inactive on {} (outside its effective window)",
                rule.id, report.as_of
            );
        }
        if !settings.whole_repo {
            eprintln!(
                "note: explicit files were given: `share` rules and unused refusal records are not judged"
            );
        }
    }
    for note in &report.facts.skipped {
        eprintln!("warning: {note}");
    }
    let summary = summarize(&report);
    let prefix =
        if settings.shown_root == "." || settings.shown_root.is_empty() || !settings.whole_repo {
            String::new()
        } else {
            format!("{}/", settings.shown_root.trim_end_matches('/'))
        };
    let text = match args.format {
        CheckFormat::Human => {
            let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
            let renderer = DiagRenderer::new(args.scan.color.enabled(to_terminal), term_width());
            // Paths the user can click from where they ran the command.
            let findings = with_prefix(&report.findings, &prefix);
            let mut out = render::human::render(&findings, &renderer);
            if args.output.is_none() && !args.scan.quiet {
                out.push_str(&render::human::summary_line(&summary));
                out.push('\n');
            }
            out
        }
        CheckFormat::Short => render::short::render(&report.findings, &prefix),
        CheckFormat::Json => {
            render::json::render(&report.findings, &summary, &report.facts.skipped)
        }
        CheckFormat::Sarif => render::sarif::render(
            &with_prefix(&report.findings, &prefix),
            &report.policies,
            &summary,
        ),
        CheckFormat::Github => {
            let job_summary = render::github::step_summary(
                &report.findings,
                &summary,
                &prefix,
                render::github::blob_base_from_env().as_deref(),
            );
            if let Err(e) = render::github::append_step_summary(&job_summary) {
                eprintln!("warning: cannot append to $GITHUB_STEP_SUMMARY: {e}");
            }
            render::github::render(&report.findings, &prefix)
        }
        CheckFormat::Gitlab => render::gitlab::render(&report.findings, &prefix),
        CheckFormat::Junit => render::junit::render(
            &with_prefix(&report.findings, &prefix),
            &report.policies,
            &summary,
        ),
    };
    emit(args.output.as_deref(), &text)?;
    if args.output.is_some() && !args.scan.quiet {
        write_stdout(&format!("{}\n", render::human::summary_line(&summary)))?;
    }
    let fail_on = settings.fail_on(args.fail_on);
    let failing = report
        .findings
        .iter()
        .any(|f| f.suppressed.is_none() && fail_on.fails(f.severity));
    Ok(if failing {
        Status::Findings
    } else {
        Status::Clean
    })
}

/// The findings with paths relative to where the command ran (the repository root in CI)
/// instead of the scan root, for reports that name files.
fn with_prefix(findings: &[Finding], prefix: &str) -> Vec<Finding> {
    if prefix.is_empty() {
        return findings.to_vec();
    }
    let mut renamed: HashMap<Arc<str>, Arc<SourceFile>> = HashMap::new();
    let mut rename = |file: &Arc<SourceFile>| {
        renamed
            .entry(file.path.clone())
            .or_insert_with(|| {
                let shown = crate::discover::normalize_lexically(&format!("{prefix}{}", file.path));
                file.clone_with_path(shown)
            })
            .clone()
    };
    findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.file = rename(&f.file);
            for r in &mut f.related {
                r.file = rename(&r.file);
            }
            f
        })
        .collect()
}

pub fn summarize(report: &Report) -> Summary {
    Summary {
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        infos: report.count(Severity::Info),
        suppressed: report.suppressed(),
        files: report.facts.files_scanned,
        deployments: report.facts.deployments.len(),
        by_provider: report.by_provider(),
        as_of: report.as_of,
        elapsed_ms: report.elapsed.as_millis(),
    }
}

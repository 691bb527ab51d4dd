//! `cloudpact check`.

use std::io::IsTerminal;

use super::args::{CheckArgs, CheckFormat};
use super::scan::{self, Fatal, Report, Settings};
use super::{Status, emit, print_diags, term_width};
use crate::diag::Severity;
use crate::render::diagnostic::DiagRenderer;
use crate::render::{self, Summary};

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
            let mut findings = report.findings.clone();
            if !prefix.is_empty() {
                // Paths the user can click from where they ran the command.
                let mut renamed = std::collections::HashMap::new();
                for f in &mut findings {
                    f.file = renamed
                        .entry(f.file.path.clone())
                        .or_insert_with(|| {
                            f.file.clone_with_path(format!("{prefix}{}", f.file.path))
                        })
                        .clone();
                }
            }
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
    };
    emit(args.output.as_deref(), &text)?;
    if args.output.is_some() && !args.scan.quiet {
        println!("{}", render::human::summary_line(&summary));
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

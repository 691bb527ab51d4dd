//! `cloudpact check`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;

use super::args::{CheckArgs, CheckFormat};
use super::{Fatal, Status, emit, emit_with, print_diags, term_width, write_stdout};
use crate::diag::Severity;
use crate::eval::finding::Finding;
use crate::render::diagnostic::DiagRenderer;
use crate::render::{self, Summary};
use crate::source::SourceFile;
use crate::workspace::{Keep, Report, Shown};

pub fn run(args: &CheckArgs) -> Result<Status, Fatal> {
    let start = std::time::Instant::now();
    let (ws, selection) = super::open(&args.scan)?;
    // `--inventory` lists every deployment, and a horizon judges them again on later dates;
    // any other check keeps only what its findings hold (src/workspace/batch.rs).
    let keep =
        if args.result.inventory || args.horizon.is_some() || ws.config.config.horizon.is_some() {
            Keep::All
        } else {
            Keep::Findings
        };
    let mut report = match args.result.shard {
        None => ws.check_in(&selection, None, keep)?,
        Some(spec) if selection.covers_root() => {
            let adopts = args.baseline.is_some()
                || args.new_since.is_some()
                || args.horizon.is_some()
                || ws.config.config.baseline.is_some()
                || ws.config.config.horizon.is_some();
            if adopts {
                // A shard sees part of the repository: a baseline's stale entries, a
                // revision's findings and horizon dates are judged on the whole one.
                return Err(crate::diag::Diag::error(
                    "cloudpact::cli::shard-baseline",
                    "--shard does not combine with a baseline, --new-since or --horizon \
                     (flags or `baseline:`/`horizon:` in cloudpact.yaml)",
                )
                .with_help(
                    "run the baseline, --new-since or --horizon check on the whole repository",
                )
                .into());
            }
            ws.check_shard(spec, keep)?
        }
        Some(_) => {
            return Err(crate::diag::Diag::error(
                "cloudpact::cli::shard-paths",
                "--shard splits the whole repository: name no PATH inside it",
            )
            .into());
        }
    };
    let ahead = crate::baseline::adopt(
        &ws,
        &selection,
        &crate::baseline::Adopt {
            baseline: args.baseline.as_deref(),
            new_since: args.new_since.as_deref(),
            horizon: args.horizon,
        },
        &mut report,
    )?;
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
        if !report.whole_repo {
            eprintln!(
                "note: the scan does not cover the repository root: `share` rules, unused refusal records and unused waivers are not judged"
            );
        }
    }
    if let Some(since) = &ahead.since
        && !args.scan.quiet
    {
        eprintln!(
            "note: --new-since {} ({}): {} finding(s) already there are not reported",
            since.rev, since.commit, since.earlier
        );
    }
    for note in &report.facts.notes {
        // The note names a file of the repository, which may hold control characters.
        eprintln!("warning: {}", render::terminal::escape(note));
    }
    let summary = summarize(&report);
    // `human` and `short` show paths from the current directory, so they can be clicked; every
    // other format shows them repository-relative.
    let shown = Shown::from_cwd(&ws.root);
    let report_timer = crate::timings::Timer::start(crate::timings::Phase::Report);
    // `human`, `short`, `json` and `sarif` are written as they are made; the other formats are
    // text first.
    let text = match args.format {
        CheckFormat::Human => {
            let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
            let renderer = DiagRenderer::new(args.scan.color.enabled(to_terminal), term_width());
            let renamed = renamed_from_cwd(&report.findings, &shown);
            let show = |file: &Arc<SourceFile>| match renamed.get(&file.path) {
                Some(r) => r.clone(),
                None => file.clone(),
            };
            emit_with(args.output.as_deref(), |w| {
                render::human::write_shown(w, &report.findings, &renderer, &show)?;
                if args.output.is_none() && !args.scan.quiet {
                    writeln!(w, "{}", render::human::summary_line(&summary))?;
                }
                Ok(())
            })?;
            None
        }
        CheckFormat::Short => {
            emit_with(args.output.as_deref(), |w| {
                render::short::write(w, &report.findings, &|p| shown.path(p))
            })?;
            None
        }
        CheckFormat::Json => {
            let opts = crate::merge::DocOptions {
                repo: args.result.repo.clone(),
                shard: args.result.shard.map(|s| render::result::Shard {
                    index: s.index,
                    count: s.count,
                }),
                inventory: args.result.inventory,
            };
            let findings = render::result::LiveFindings(&report.findings);
            let doc = crate::merge::doc_with(&ws, &report, &summary, &opts, findings);
            emit_with(args.output.as_deref(), |w| render::result::write(w, &doc))?;
            None
        }
        CheckFormat::Sarif => {
            emit_with(args.output.as_deref(), |w| {
                render::sarif::write(w, &report.findings, &report.policies, &summary)
            })?;
            None
        }
        CheckFormat::Github => {
            let job_summary = render::github::step_summary(
                &report.findings,
                &summary,
                render::github::blob_base_from_env().as_deref(),
            );
            if let Err(e) = render::github::append_step_summary(&job_summary) {
                eprintln!("warning: cannot append to $GITHUB_STEP_SUMMARY: {e}");
            }
            Some(render::github::render(&report.findings))
        }
        CheckFormat::Gitlab => Some(render::gitlab::render(&report.findings)),
        CheckFormat::Junit => Some(render::junit::render(
            &report.findings,
            &report.policies,
            &summary,
            ws.fail_on(args.fail_on),
        )),
    };
    if let Some(text) = text {
        emit(args.output.as_deref(), &text)?;
    }
    if args.output.is_some() && !args.scan.quiet {
        write_stdout(&format!("{}\n", render::human::summary_line(&summary)))?;
    }
    drop(report_timer);
    if crate::timings::enabled() {
        eprintln!("{}", crate::timings::line(start.elapsed()));
    }
    let fail_on = ws.fail_on(args.fail_on);
    let failing = report
        .findings
        .iter()
        .any(|f| f.suppressed.is_none() && fail_on.fails(f.severity));
    // The process ends when this returns (`run` is the binary's, called once): the system
    // takes its memory back whole, so the report (every finding, each with its deployment and
    // file, and the facts kept) is not freed piece by piece on this thread, 12–20 ms at the end
    // of a 20-copy run of the floor tree (docs/performance.md, "Fewer instructions per file").
    std::mem::forget(report);
    Ok(if failing {
        Status::Findings
    } else {
        Status::Clean
    })
}

/// The findings' files under their paths from the current directory instead of the root,
/// by repository-relative path (none when the command ran at the root).
fn renamed_from_cwd(findings: &[Finding], shown: &Shown) -> HashMap<Arc<str>, Arc<SourceFile>> {
    let mut renamed: HashMap<Arc<str>, Arc<SourceFile>> = HashMap::new();
    if shown.is_identity() {
        return renamed;
    }
    for f in findings {
        for file in std::iter::once(&f.file).chain(f.related.iter().map(|r| &r.file)) {
            if !renamed.contains_key(&file.path) {
                renamed.insert(
                    file.path.clone(),
                    file.clone_with_path(shown.path(&file.path)),
                );
            }
        }
    }
    renamed
}

pub fn summarize(report: &Report) -> Summary {
    Summary {
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        infos: report.count(Severity::Info),
        suppressed: report.suppressed(),
        baselined: report
            .findings
            .iter()
            .filter(|f| f.suppressed.as_ref().is_some_and(|s| s.kind == "baseline"))
            .count(),
        files: report.facts.files_scanned,
        deployments: report.tally.deployments,
        by_provider: report.by_provider(),
        as_of: report.as_of,
        elapsed_ms: report.elapsed.as_millis(),
    }
}

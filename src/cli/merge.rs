//! `cloudpact merge RESULT.json…` (docs/merge.md).

use std::io::IsTerminal;
use std::path::PathBuf;

use rayon::prelude::*;

use super::args::{CheckFormat, MergeArgs};
use super::{Fatal, Status, emit, term_width, write_stdout};
use crate::config::FailOn;
use crate::diag::Diag;
use crate::dsl::model::PolicySet;
use crate::render::diagnostic::DiagRenderer;
use crate::render::result::Doc;
use crate::render::{self, Summary};

pub fn run(args: &MergeArgs) -> Result<Status, Fatal> {
    let docs = read_all(&args.results)?;
    let merged = crate::merge::combine(docs)?;
    let policies = match args.policies.is_empty() {
        true => PolicySet::default(),
        false => policies_matching(&args.policies, &merged)?,
    };
    let summary = crate::merge::summary_of(&merged);
    let text = render_doc(
        &merged,
        args.format,
        &policies,
        &summary,
        args.fail_on,
        args.color,
        args.output.is_none(),
        args.quiet,
    );
    emit(args.output.as_deref(), &text)?;
    if args.output.is_some() && !args.quiet {
        write_stdout(&format!("{}\n", render::human::summary_line(&summary)))?;
    }
    Ok(status(&summary, args.fail_on))
}

/// Reads result files in parallel, in the order given.
pub(crate) fn read_all(paths: &[PathBuf]) -> Result<Vec<(String, Doc)>, Fatal> {
    let read: Vec<Result<(String, Doc), Fatal>> = paths
        .par_iter()
        .map(|p| crate::merge::read(p).map(|d| (p.display().to_string(), d)))
        .collect();
    let mut docs = Vec::with_capacity(read.len());
    let mut errors = Vec::new();
    for r in read {
        match r {
            Ok(d) => docs.push(d),
            Err(Fatal(diags)) => errors.extend(diags),
        }
    }
    if errors.is_empty() {
        Ok(docs)
    } else {
        Err(Fatal(errors))
    }
}

/// The policy set of `--policy`, which must be the one the results were checked against.
fn policies_matching(paths: &[PathBuf], doc: &Doc) -> Result<PolicySet, Fatal> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let catalog = crate::facts::catalog::Catalog::build(Vec::new())
        .map_err(|e| Diag::error("cloudpact::config::bad-provider", e.to_string()))?;
    let abs: Vec<PathBuf> = paths.iter().map(|p| cwd.join(p)).collect();
    let loaded = crate::dsl::load(&abs, &cwd, &catalog);
    if loaded.has_errors() {
        return Err(Fatal(loaded.diagnostics));
    }
    let hash = crate::merge::policy_hash(&loaded.set);
    if doc.policy_hash.as_deref() != Some(hash.as_str()) {
        return Err(Diag::error(
            "cloudpact::merge::mismatch",
            format!(
                "the results were checked against policy set {} but --policy names {hash}",
                doc.policy_hash.as_deref().unwrap_or("none")
            ),
        )
        .with_help("pass the policies (and refusal records) the checks used, or leave --policy out")
        .into());
    }
    Ok(loaded.set)
}

/// A merged result in any of `check`'s formats.
#[allow(clippy::too_many_arguments, reason = "the flags of one command")]
pub(crate) fn render_doc(
    doc: &Doc,
    format: CheckFormat,
    policies: &PolicySet,
    summary: &Summary,
    fail_on: FailOn,
    color: super::ColorChoice,
    to_stdout: bool,
    quiet: bool,
) -> String {
    if format == CheckFormat::Json {
        return render::result::to_text(doc);
    }
    let findings = crate::merge::findings_of(doc);
    match format {
        CheckFormat::Json => unreachable!("handled above"),
        CheckFormat::Human => {
            let to_terminal = to_stdout && std::io::stdout().is_terminal();
            let renderer = DiagRenderer::new(color.enabled(to_terminal), term_width());
            let mut out = render::human::render(&findings, &renderer);
            if to_stdout && !quiet {
                out.push_str(&render::human::summary_line(summary));
                out.push('\n');
            }
            out
        }
        CheckFormat::Short => render::short::render(&findings, &|p| p.to_string()),
        CheckFormat::Sarif => render::sarif::render(&findings, policies, summary),
        CheckFormat::Github => {
            let job_summary = render::github::step_summary(
                &findings,
                summary,
                render::github::blob_base_from_env().as_deref(),
            );
            if let Err(e) = render::github::append_step_summary(&job_summary) {
                eprintln!("warning: cannot append to $GITHUB_STEP_SUMMARY: {e}");
            }
            render::github::render(&findings)
        }
        CheckFormat::Gitlab => render::gitlab::render(&findings),
        CheckFormat::Junit => render::junit::render(&findings, policies, summary, fail_on),
    }
}

fn status(summary: &Summary, fail_on: FailOn) -> Status {
    use crate::diag::Severity;
    let failing = [
        (Severity::Error, summary.errors),
        (Severity::Warning, summary.warnings),
        (Severity::Info, summary.infos),
    ]
    .iter()
    .any(|(s, n)| *n > 0 && fail_on.fails(*s));
    if failing {
        Status::Findings
    } else {
        Status::Clean
    }
}

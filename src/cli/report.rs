//! `cloudpact report [RESULT.json…|PATH…]`: the evidence report (docs/report.md).

use std::path::PathBuf;

use super::args::{ReportArgs, ReportFormat};
use super::{Fatal, Status, emit};
use crate::render::result::Doc;

pub fn run(args: &ReportArgs) -> Result<Status, Fatal> {
    let mut docs: Vec<(String, Doc)> = Vec::new();
    let (results, repos): (Vec<PathBuf>, Vec<PathBuf>) =
        args.inputs.iter().cloned().partition(|p| p.is_file());
    docs.extend(super::merge::read_all(&results)?);
    for repo in repos {
        docs.push((repo.display().to_string(), check_here(args, repo)?));
    }
    let doc = if docs.len() == 1 {
        docs.pop().expect("one").1
    } else {
        crate::merge::combine(docs)?
    };
    let text = match args.format {
        ReportFormat::Html => crate::render::html::render(&doc),
        ReportFormat::Md => crate::render::markdown::render(&doc),
    };
    emit(args.output.as_deref(), &text)?;
    Ok(Status::Clean)
}

/// A repository checked here, as `check --format json --inventory` would write it.
fn check_here(args: &ReportArgs, path: PathBuf) -> Result<Doc, Fatal> {
    let scan = super::args::ScanArgs {
        paths: vec![path],
        policies: args.policies.clone(),
        config: None,
        exclude: Vec::new(),
        no_ignore: false,
        threads: None,
        as_of: args.as_of,
        color: args.color,
        quiet: true,
        verbose: false,
    };
    let (ws, selection) = super::open(&scan)?;
    // The report lists every deployment (its inventory), so the check keeps them all.
    let report = ws.check_in(&selection, None, crate::workspace::Keep::All)?;
    let summary = super::check::summarize(&report);
    let opts = crate::merge::DocOptions {
        repo: args.repo.clone(),
        shard: None,
        inventory: true,
    };
    Ok(crate::merge::doc_of(&ws, &report, &summary, &opts))
}

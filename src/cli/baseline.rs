//! `cloudpact baseline`: records today's unsuppressed findings (src/baseline/mod.rs).

use std::collections::HashSet;

use super::args::BaselineArgs;
use super::{Fatal, Status, print_diags, write_stdout};
use crate::baseline::{self, Baseline, entries_of, match_entries, recordable};
use crate::diag::Diag;

pub fn run(args: &BaselineArgs) -> Result<Status, Fatal> {
    let (ws, selection) = super::open(&args.scan)?;
    let report = ws.check(&selection)?;
    if !args.scan.quiet && !report.policy_warnings.is_empty() {
        print_diags(&report.policy_warnings, args.scan.color);
    }
    let (abs, shown) = baseline::configured(&ws, args.output.as_deref()).unwrap_or_else(|| {
        let abs = ws.root.join(baseline::DEFAULT_FILE);
        (abs, baseline::DEFAULT_FILE.to_string())
    });
    // Fingerprints are numbered over every finding, as `check` numbers them.
    let fresh = entries_of(&report.findings);
    let old = if args.update || abs.exists() {
        Some(Baseline::load(&abs, &shown)?)
    } else {
        None
    };
    // Entries about paths the selection does not name are kept as they are.
    let outside: Vec<baseline::Entry> = old
        .iter()
        .flat_map(|b| &b.entries)
        .filter(|e| !selection.names(&e.path))
        .cloned()
        .collect();
    let (entries, message) = if args.update {
        let old = old.expect("loaded above for --update");
        let present: HashSet<&str> = report
            .facts
            .read
            .iter()
            .map(|k| &**k)
            .chain(report.findings.iter().map(|f| f.path()))
            // Entries outside the selection are kept as they are, never taken for a rename.
            .chain(outside.iter().map(|e| e.path.as_str()))
            .collect();
        let m = match_entries(&old.entries, &report.findings, &present, recordable);
        // A matched entry takes the finding's current fingerprint and path (after a rename).
        let kept: Vec<baseline::Entry> = fresh
            .into_iter()
            .zip(&m.by_finding)
            .filter(|(_, e)| e.is_some())
            .map(|(e, _)| e)
            .collect();
        let pruned = old.entries.len().saturating_sub(kept.len() + outside.len());
        let message = format!(
            "{shown}: kept {} entr{}, pruned {pruned}",
            kept.len() + outside.len(),
            if kept.len() + outside.len() == 1 {
                "y"
            } else {
                "ies"
            }
        );
        (kept, message)
    } else {
        let entries: Vec<baseline::Entry> = fresh
            .into_iter()
            .zip(&report.findings)
            .filter(|(_, f)| recordable(f))
            .map(|(e, _)| e)
            .collect();
        let message = format!(
            "{shown}: recorded {} finding{}",
            entries.len(),
            if entries.len() == 1 { "" } else { "s" }
        );
        (entries, message)
    };
    let mut all = entries;
    all.extend(outside);
    std::fs::write(&abs, baseline::render(all)).map_err(|e| {
        Fatal::from(Diag::error(
            "cloudpact::cli::output",
            format!("cannot write {shown}: {e}"),
        ))
    })?;
    if !args.scan.quiet {
        write_stdout(&format!("{message}\n"))?;
    }
    Ok(Status::Clean)
}

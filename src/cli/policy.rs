//! `cloudpact policy check` and `cloudpact policy fmt`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Fatal;
use super::args::{PolicyCheckArgs, PolicyFmtArgs};
use super::{Status, print_diags, write_stdout};
use crate::config;
use crate::diag::Diag;
use crate::facts::catalog::Catalog;
use crate::source::SourceFile;

pub fn check(args: &PolicyCheckArgs) -> Result<Status, Fatal> {
    let loaded = load_config(args.config.as_ref())?;
    let catalog = Catalog::build(
        loaded
            .as_ref()
            .map(|l| l.config.providers.clone())
            .unwrap_or_default(),
    )
    .map_err(|e| Diag::error("cloudpact::config::bad-provider", e.to_string()))?;
    let paths = policy_paths(&args.files, loaded.as_ref())?;
    let result = crate::dsl::load(&paths, &PathBuf::from("."), &catalog);
    print_diags(&result.diagnostics, args.color);
    let errors = result.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = result.diagnostics.len() - errors;
    eprintln!(
        "{} rule(s) in {} file(s): {errors} error(s), {warnings} warning(s)",
        result.set.rules.len(),
        result
            .set
            .files
            .iter()
            .filter(|f| f.path.ends_with(".pact"))
            .count()
    );
    Ok(if errors > 0 {
        Status::Failed
    } else {
        Status::Clean
    })
}

/// Formats every policy file. A file that does not parse is reported and left as it is; the
/// others are still formatted (or, with `--check`, compared).
pub fn fmt(args: &PolicyFmtArgs) -> Result<Status, Fatal> {
    let loaded = load_config(args.config.as_ref())?;
    let paths = policy_paths(&args.files, loaded.as_ref())?;
    let (mut files, unreadable) = crate::dsl::policy_files(&paths);
    files.sort();
    files.dedup();

    let mut diags: Vec<Diag> = unreadable
        .iter()
        .map(|(p, why)| {
            Diag::error(
                "cloudpact::cli::unreadable-path",
                format!(
                    "cannot read `{}`: {why}",
                    crate::discover::relative(Path::new("."), p)
                ),
            )
        })
        .collect();
    // The changed files, one a line: the command's output.
    let mut listing = String::new();
    let (mut changed, mut unchanged) = (0, 0);
    for path in &files {
        let shown = crate::discover::relative(Path::new("."), path);
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diag::error(
                    "cloudpact::cli::unreadable-path",
                    format!("cannot read `{shown}`: {e}"),
                ));
                continue;
            }
        };
        let formatted = match crate::dsl::fmt::format(&text) {
            Ok(f) => f,
            Err(e) => {
                diags.push(e.to_diag(&Arc::new(SourceFile::new(shown, text))));
                continue;
            }
        };
        if formatted == text {
            unchanged += 1;
            continue;
        }
        changed += 1;
        if args.check {
            listing.push_str(&format!("would reformat {shown}\n"));
        } else if let Err(e) = std::fs::write(path, &formatted) {
            diags.push(Diag::error(
                "cloudpact::cli::output",
                format!("cannot write `{shown}`: {e}"),
            ));
        } else {
            listing.push_str(&format!("formatted {shown}\n"));
        }
    }
    let written = write_stdout(&listing);
    print_diags(&diags, args.color);
    let verb = if args.check {
        "would be reformatted"
    } else {
        "reformatted"
    };
    let failed = if diags.is_empty() {
        String::new()
    } else {
        format!(", {} not formatted (see above)", diags.len())
    };
    eprintln!("{changed} file(s) {verb}, {unchanged} already formatted{failed}");
    written?;
    Ok(if !diags.is_empty() {
        Status::Failed
    } else if args.check && changed > 0 {
        Status::Findings
    } else {
        Status::Clean
    })
}

fn load_config(given: Option<&PathBuf>) -> Result<Option<config::Loaded>, Fatal> {
    let path = given.cloned().or_else(|| config::find(&PathBuf::from(".")));
    Ok(match &path {
        Some(p) => Some(config::load(p, &p.display().to_string())?),
        None => None,
    })
}

/// The files given, else the configuration's `policies`, else `policies/`; each must exist.
fn policy_paths(files: &[PathBuf], loaded: Option<&config::Loaded>) -> Result<Vec<PathBuf>, Fatal> {
    let paths: Vec<PathBuf> = if !files.is_empty() {
        files.to_vec()
    } else if let Some((dir, list)) =
        loaded.and_then(|l| l.config.policies.as_ref().map(|p| (&l.dir, p)))
    {
        list.iter().map(|p| dir.join(p)).collect()
    } else {
        vec![PathBuf::from("policies")]
    };
    for p in &paths {
        if !p.exists() {
            return Err(Diag::error(
                "cloudpact::cli::unreadable-path",
                format!("cannot read `{}`: no such file or directory", p.display()),
            )
            .into());
        }
    }
    Ok(paths)
}

//! `cloudpact policy check`.

use std::path::PathBuf;

use super::args::PolicyCheckArgs;
use super::scan::Fatal;
use super::{Status, print_diags};
use crate::config;
use crate::facts::catalog::Catalog;

pub fn check(args: &PolicyCheckArgs) -> Result<Status, Fatal> {
    let config_path = args
        .config
        .clone()
        .or_else(|| config::find(&PathBuf::from(".")));
    let loaded = match &config_path {
        Some(p) => Some(config::load(p, &p.display().to_string())?),
        None => None,
    };
    let catalog = Catalog::build(
        loaded
            .as_ref()
            .map(|l| l.config.providers.clone())
            .unwrap_or_default(),
    )
    .map_err(|e| crate::diag::Diag::error("cloudpact::config::bad-provider", e.to_string()))?;
    let paths: Vec<PathBuf> = if !args.files.is_empty() {
        args.files.clone()
    } else if let Some(list) = loaded
        .as_ref()
        .and_then(|l| l.config.policies.clone().map(|p| (l.dir.clone(), p)))
    {
        list.1.iter().map(|p| list.0.join(p)).collect()
    } else {
        vec![PathBuf::from("policies")]
    };
    for p in &paths {
        if !p.exists() {
            return Err(crate::diag::Diag::error(
                "cloudpact::cli::unreadable-path",
                format!("cannot read `{}`: no such file or directory", p.display()),
            )
            .into());
        }
    }
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

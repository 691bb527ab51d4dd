//! `cloudpact init`: a starter configuration, policy and refusals folder. Never overwrites.

use std::path::Path;

use super::Fatal;
use super::Status;
use crate::diag::Diag;

const CONFIG: &str =
    "# cloudpact configuration. Every key: docs/configuration.md in cloudpact's source, or
# `cloudpact --help`. Paths here are relative to this file's folder, the repository root.
policies: [policies/]
exclude: [\"vendor/**\", \"**/testdata/**\"]
fail_on: error
parse_errors: error
inline_ignores: true
";

const POLICY: &str = "// Your cloud terms. Edit the provider and scope, then run `cloudpact check`.
policy cloud_terms {
  title     \"Our cloud agreement\"
  owner     \"platform@example.com\"
  reference \"Master Services Agreement\"

  exclusive primary_cloud {
    provider aws
    where    kind in [compute, kubernetes, serverless, database, storage]
    unknown  warn
  }

  first_refusal new_capacity {
    holder   aws
    over     any
    where    gpu
    refusals \"../refusals/*.yaml\"
  }
}
";

const REFUSALS: &str = "# Written refusals by the holder of a first refusal. Example:
#
# - id: ROFR-2026-001
#   holder: aws
#   granted_to: [gcp]
#   declined_on: 2026-01-15
#   expires: 2026-12-31
#   where: 'path matches \"ml/training/**\" and gpu'
#   reason: \"AWS could not offer the TPU capacity we asked for.\"
[]
";

pub fn run() -> Result<Status, Fatal> {
    let files = [
        ("cloudpact.yaml", CONFIG),
        ("policies/cloud-terms.pact", POLICY),
        ("refusals/refusals.yaml", REFUSALS),
    ];
    for (path, text) in files {
        let p = Path::new(path);
        if p.exists() {
            eprintln!("kept     {path} (already exists)");
            continue;
        }
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| write_error(path, &e))?;
        }
        std::fs::write(p, text).map_err(|e| write_error(path, &e))?;
        eprintln!("created  {path}");
    }
    eprintln!("next: edit policies/cloud-terms.pact, then run `cloudpact check`");
    Ok(Status::Clean)
}

fn write_error(path: &str, e: &std::io::Error) -> Fatal {
    Diag::error("cloudpact::cli::init", format!("cannot write {path}: {e}")).into()
}

//! Helpers shared by the integration tests: run the binary, read its JSON.

#![allow(dead_code, reason = "each test file uses a part")]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Refusal records for a repository of `benches/gen_repo.rs` (AWS holds first refusal over
/// Azure): one covers module m0001, one covers nothing.
pub const GEN_REPO_RECORDS: &str = r#"- id: R-USED
  holder: aws
  granted_to: [azure]
  declined_on: 2020-01-01
  where: 'path matches "modules/m0001/**"'
  reason: "AWS declined module 1."
- id: R-UNUSED
  holder: aws
  granted_to: [azure]
  declined_on: 2020-01-01
  where: 'path matches "nowhere/**"'
  reason: "Nothing uses it."
"#;

/// Writes `(path, text)` files under `root`, creating folders: a fixture repository.
pub fn write(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cloudpact"))
}

pub fn project(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `(rule, path, line, severity)` of every unsuppressed finding of a JSON report.
pub fn findings(doc: &Value) -> Vec<(String, String, u64, String)> {
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| !f["suppressed"].as_bool().unwrap_or(false))
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn f(rule: &str, path: &str, line: u64, severity: &str) -> (String, String, u64, String) {
    (
        rule.to_string(),
        path.to_string(),
        line,
        severity.to_string(),
    )
}

/// Every file under `dir` whose name ends with one of `suffixes`, sorted.
pub fn files_ending_with(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            suffixes.iter().any(|s| name.ends_with(s))
        })
        .collect();
    files.sort();
    files
}

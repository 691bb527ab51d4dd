//! `cloudpact test`: policy unit tests (CLI.md "Policy tests"). Each folder holding a
//! `cloudpact-test.yaml` is a case: infra files beside it, the policies to load, the date, and
//! the findings expected — compared exactly on rule, path and line. Output and exit code follow
//! `cargo test`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use serde::Deserialize;

use super::args::TestArgs;
use super::{Fatal, Status, print_diags};
use crate::config::{self, Config};
use crate::diag::Diag;
use crate::source::SourceFile;
use crate::workspace::{OpenOptions, Selection, Workspace};

pub const CASE_FILE: &str = "cloudpact-test.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseDef {
    as_of: Date,
    policies: Vec<String>,
    #[serde(default)]
    expect: Vec<Expected>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule: String,
    path: String,
    line: usize,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}:{}", self.rule, self.path, self.line)
    }
}

/// Every case folder under `dirs`, sorted.
fn find_cases(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| {
            walkdir::WalkDir::new(d)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.file_name() != ".git" && e.file_name() != "target")
                .filter_map(Result::ok)
                .filter(|e| e.file_name() == CASE_FILE)
                .filter_map(|e| e.path().parent().map(Path::to_path_buf))
        })
        .collect();
    cases.sort();
    cases.dedup();
    cases
}

/// What went wrong in one case.
enum Outcome {
    Pass,
    Fail(Vec<String>),
    /// The case itself is broken (bad case file, invalid policy).
    Error(Vec<Diag>),
}

fn run_case(dir: &Path) -> Outcome {
    let case_path = dir.join(CASE_FILE);
    let shown = case_path.display().to_string();
    let text = match std::fs::read_to_string(&case_path) {
        Ok(t) => t,
        Err(e) => {
            return Outcome::Error(vec![Diag::error(
                "cloudpact::test::unreadable",
                format!("cannot read {shown}: {e}"),
            )]);
        }
    };
    let file = Arc::new(SourceFile::new(shown.as_str(), text));
    let def: CaseDef = match serde_yaml::from_str(&file.text) {
        Ok(d) => d,
        Err(e) => {
            let span = e.location().map_or(crate::source::Span::empty(0), |l| {
                crate::source::Span::empty(l.index().min(file.text.len()))
            });
            return Outcome::Error(vec![
                Diag::error(
                    "cloudpact::test::invalid-case",
                    format!("invalid {shown}: {e}"),
                )
                .in_file(file.clone())
                .at(span, "here"),
            ]);
        }
    };
    // A case is a repository of its own: it may carry its own cloudpact.yaml (waivers,
    // providers); parents' configs don't leak in.
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let config = match dir.join(config::FILE_NAME) {
        p if p.is_file() => match config::load(&p, config::FILE_NAME) {
            Ok(c) => c,
            Err(d) => return Outcome::Error(vec![d]),
        },
        _ => config::Loaded {
            config: Config::default(),
            file: None,
            dir: dir.clone(),
        },
    };
    let policies: Vec<PathBuf> = def.policies.iter().map(|p| dir.join(p)).collect();
    let opts = OpenOptions {
        as_of: Some(def.as_of),
        ..OpenOptions::default()
    };
    let report = match Workspace::new(dir.clone(), config, &policies, &opts)
        .and_then(|ws| ws.check(&Selection::Root))
    {
        Ok(r) => r,
        Err(Fatal(diags)) => return Outcome::Error(diags),
    };
    let mut got: Vec<Expected> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| Expected {
            rule: f.rule.clone(),
            path: f.path().to_string(),
            line: f.line(),
        })
        .collect();
    got.sort();
    let mut want = def.expect;
    want.sort();
    let mut problems = Vec::new();
    for w in &want {
        if let Some(i) = got.iter().position(|g| g == w) {
            got.remove(i);
        } else {
            problems.push(format!("missing:    {w}"));
        }
    }
    for g in got {
        problems.push(format!("unexpected: {g}"));
    }
    if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(problems)
    }
}

pub fn run(args: &TestArgs) -> Result<Status, Fatal> {
    for d in &args.dirs {
        if !d.exists() {
            return Err(Diag::error(
                "cloudpact::cli::unreadable-path",
                format!("cannot read `{}`: no such file or directory", d.display()),
            )
            .into());
        }
    }
    let cases = find_cases(&args.dirs);
    println!(
        "\nrunning {} case{}",
        cases.len(),
        if cases.len() == 1 { "" } else { "s" }
    );
    let mut passed = 0;
    let mut failures = Vec::new();
    let mut errors = Vec::new();
    for dir in &cases {
        let name = dir.display().to_string();
        match run_case(dir) {
            Outcome::Pass => {
                passed += 1;
                println!("case {name} ... ok");
            }
            Outcome::Fail(p) => {
                println!("case {name} ... FAILED");
                failures.push((name, p));
            }
            Outcome::Error(d) => {
                println!("case {name} ... ERROR");
                errors.push((name, d));
            }
        }
    }
    if !failures.is_empty() {
        println!("\nfailures:\n");
        for (name, problems) in &failures {
            println!("---- {name} ----");
            for p in problems {
                println!("    {p}");
            }
            println!();
        }
    }
    for (name, diags) in &errors {
        eprintln!("---- {name}: the case could not run ----");
        print_diags(diags, args.color);
    }
    let failed = failures.len() + errors.len();
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed\n",
        if failed == 0 { "ok" } else { "FAILED" }
    );
    Ok(if !errors.is_empty() {
        Status::Failed
    } else if failed > 0 {
        Status::Findings
    } else {
        Status::Clean
    })
}

//! `cloudpact test`: policy unit tests (docs/testing-policies.md). Each folder holding a
//! `cloudpact-test.yaml` is a case: infra files beside it, the policies to load, the date, and
//! the findings expected — compared exactly on rule, path and line. Output and exit code follow
//! `cargo test`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use serde::Deserialize;

use super::args::TestArgs;
use super::{Fatal, Status, print_diags, write_stdout};
use crate::config::{self, Config};
use crate::diag::Diag;
use crate::parse::own_yaml::{self, Kind};
use crate::source::SourceFile;
use crate::workspace::{OpenOptions, Selection, Workspace};

pub const CASE_FILE: &str = "cloudpact-test.yaml";

const KIND: Kind = Kind {
    what: "a test case file",
    invalid: "cloudpact::test::invalid-case",
    second_document: "cloudpact::test::second-document",
};

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
    let def = match parse_case(&file) {
        Ok(d) => d,
        Err(d) => return Outcome::Error(vec![d]),
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
            rule: f.rule.to_string(),
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

/// Reads a case file: one YAML document; every error is a diagnostic at its place.
fn parse_case(file: &Arc<SourceFile>) -> Result<CaseDef, Diag> {
    let doc = own_yaml::one_document(file, KIND)?;
    serde_yaml::from_str(&file.text())
        .map_err(|e| own_yaml::serde_error(file, KIND, doc.as_ref(), &e))
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
    write_stdout(&format!(
        "\nrunning {} case{}\n",
        cases.len(),
        if cases.len() == 1 { "" } else { "s" }
    ))?;
    let mut passed = 0;
    let mut failures = Vec::new();
    let mut errors = Vec::new();
    for dir in &cases {
        let name = dir.display().to_string();
        match run_case(dir) {
            Outcome::Pass => {
                passed += 1;
                write_stdout(&format!("case {name} ... ok\n"))?;
            }
            Outcome::Fail(p) => {
                write_stdout(&format!("case {name} ... FAILED\n"))?;
                failures.push((name, p));
            }
            Outcome::Error(d) => {
                write_stdout(&format!("case {name} ... ERROR\n"))?;
                errors.push((name, d));
            }
        }
    }
    if !failures.is_empty() {
        write_stdout("\nfailures:\n\n")?;
        for (name, problems) in &failures {
            write_stdout(&format!("---- {name} ----\n"))?;
            for p in problems {
                write_stdout(&format!("    {p}\n"))?;
            }
            write_stdout("\n")?;
        }
    }
    for (name, diags) in &errors {
        eprintln!("---- {name}: the case could not run ----");
        print_diags(diags, args.color);
    }
    let failed = failures.len() + errors.len();
    write_stdout(&format!(
        "\ntest result: {}. {passed} passed; {failed} failed\n\n",
        if failed == 0 { "ok" } else { "FAILED" }
    ))?;
    Ok(if !errors.is_empty() {
        Status::Failed
    } else if failed > 0 {
        Status::Findings
    } else {
        Status::Clean
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CaseDef, Diag> {
        parse_case(&Arc::new(SourceFile::new("case/cloudpact-test.yaml", text)))
    }

    #[test]
    fn a_case_parses() {
        let def = parse("as_of: 2026-01-15\npolicies: [p.pact]\nexpect:\n  - {rule: p.r, path: a.tf, line: 2}\n").unwrap();
        assert_eq!(def.expect.len(), 1);
    }

    #[test]
    fn a_second_document_is_an_error_at_its_marker() {
        let d = parse("as_of: 2026-01-15\npolicies: [p.pact]\n---\nexpect: []\n").unwrap_err();
        assert_eq!(d.code, "cloudpact::test::second-document");
        let (path, line, column) = d.location().unwrap();
        assert_eq!((&*path, line, column), ("case/cloudpact-test.yaml", 3, 1));
    }

    #[test]
    fn a_bad_value_is_an_error_at_the_value() {
        let text = "as_of: 2026-01-15\npolicies: [p.pact]\nexpect:\n  - rule: p.r\n    path: a.tf\n    line: two\n";
        let d = parse(text).unwrap_err();
        assert_eq!(d.code, "cloudpact::test::invalid-case");
        assert_eq!(&text[d.primary_span().unwrap().range()], "two");
        assert!(!d.message.contains(" at line "), "{}", d.message);
    }
}

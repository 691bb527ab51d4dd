//! Resolving flags and configuration into one scan, and running the pipeline:
//! discover → read → extract → (load policies) → evaluate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use jiff::civil::Date;

use super::args::ScanArgs;
use crate::config::{self, Config, FailOn, ParseErrors};
use crate::diag::{Diag, Severity};
use crate::discover::{self, WalkOptions};
use crate::dsl;
use crate::eval::finding::{Finding, reserved};
use crate::eval::{self, EvalOptions, FileMap};
use crate::facts::catalog::Catalog;
use crate::facts::model::Deployment;
use crate::facts::{self, Ctx};
use crate::source::SourceFile;

/// A failure that ends the run with exit code 2, with the diagnostics that explain it.
#[derive(Debug)]
pub struct Fatal(pub Vec<Diag>);

impl From<Diag> for Fatal {
    fn from(d: Diag) -> Self {
        Fatal(vec![d])
    }
}

/// Settings resolved from flags and `cloudpact.yaml`.
#[derive(Debug)]
pub struct Settings {
    /// Paths in reports and `path` attributes are relative to this directory.
    pub root: PathBuf,
    /// The root as the user would type it (for clickable paths in terminal output).
    pub shown_root: String,
    pub paths: Vec<PathBuf>,
    /// Whether only directories were given (whole-repository rules are judged).
    pub whole_repo: bool,
    pub config: config::Loaded,
    pub catalog: Arc<Catalog>,
    pub policy_paths: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub as_of: Date,
}

pub fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
}

impl Settings {
    pub fn resolve(args: &ScanArgs) -> Result<Settings, Fatal> {
        if let Some(n) = args.threads {
            // Fails only if the pool was already built, which `main` never does twice.
            let _ = rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build_global();
        }
        let cwd = PathBuf::from(".");
        let all_dirs = args.paths.iter().all(|p| p.is_dir());
        let config_path = match &args.config {
            Some(p) => Some(p.clone()),
            None => {
                let start = if args.paths.len() == 1 && all_dirs {
                    &args.paths[0]
                } else {
                    &cwd
                };
                config::find(start)
            }
        };
        let config = match &config_path {
            Some(p) => config::load(p, &display(p))?,
            None => config::Loaded {
                config: Config::default(),
                file: None,
                dir: cwd.clone(),
            },
        };
        // The scan root: the one directory given; else the config's directory; else the
        // current directory (pre-commit passes files from the repository root).
        let root = if args.paths.len() == 1 && all_dirs {
            args.paths[0].clone()
        } else if config.file.is_some() {
            relative_to_cwd(&config.dir)
        } else {
            cwd.clone()
        };
        let shown_root = display(&root);
        let catalog = Arc::new(
            Catalog::build(config.config.providers.clone())
                .map_err(|e| Diag::error("cloudpact::config::bad-provider", e.to_string()))?,
        );
        let policy_paths = if !args.policies.is_empty() {
            args.policies.clone()
        } else if let Some(list) = &config.config.policies {
            list.iter().map(|p| config.dir.join(p)).collect()
        } else {
            vec![root.join("policies")]
        };
        let mut exclude = config.config.exclude.clone();
        exclude.extend(args.exclude.iter().cloned());
        let walk = WalkOptions {
            honour_ignore_files: !args.no_ignore,
            exclude,
            max_file_size: config
                .config
                .max_file_size
                .unwrap_or(discover::DEFAULT_MAX_FILE_SIZE),
        };
        Ok(Settings {
            root,
            shown_root,
            paths: args.paths.clone(),
            whole_repo: all_dirs,
            config,
            catalog,
            policy_paths,
            walk,
            as_of: args.as_of.unwrap_or_else(today),
        })
    }

    pub fn fail_on(&self, flag: Option<FailOn>) -> FailOn {
        flag.or(self.config.config.fail_on).unwrap_or(FailOn::Error)
    }
}

fn display(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn relative_to_cwd(dir: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            let cwd = std::fs::canonicalize(cwd).ok()?;
            let d = std::fs::canonicalize(dir).ok()?;
            d.strip_prefix(&cwd).ok().map(|r| {
                if r.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    r.to_path_buf()
                }
            })
        })
        .unwrap_or_else(|| dir.to_path_buf())
}

/// The facts of one scan.
#[derive(Debug, Default)]
pub struct Facts {
    pub deployments: Vec<Arc<Deployment>>,
    pub files: FileMap,
    /// Parse errors and unreadable files (as diagnostics, turned into findings by `check`).
    pub parse_errors: Vec<Diag>,
    /// Notes about files skipped (oversize).
    pub skipped: Vec<String>,
    pub files_scanned: usize,
    pub bytes_scanned: usize,
}

/// Discovers, reads and extracts.
pub fn collect_facts(s: &Settings) -> Result<Facts, Fatal> {
    collect_facts_except(s, &[])
}

/// Like [`collect_facts`], leaving out the files at `skip` (paths relative to the root): the
/// refusal records of the loaded policies, which are cloudpact's input, not infrastructure.
pub fn collect_facts_except(s: &Settings, skip: &[Arc<str>]) -> Result<Facts, Fatal> {
    let mut found = discover::discover(&s.root, &s.paths, &s.walk)
        .map_err(|e| Diag::error("cloudpact::cli::unreadable-path", e.to_string()))?;
    found
        .candidates
        .retain(|c| !skip.iter().any(|p| **p == *c.rel));
    let (inputs, mut read_errors) = discover::read_all(&found.candidates);
    let ctx = Ctx {
        catalog: &s.catalog,
    };
    let extraction = facts::extract(&inputs, ctx);
    let mut files: FileMap = FileMap::new();
    let mut bytes = 0;
    for input in &inputs {
        bytes += input.file.text.len();
        files.insert(input.file.path.clone(), input.file.clone());
    }
    read_errors.extend(extraction.errors);
    crate::diag::sort(&mut read_errors);
    Ok(Facts {
        deployments: extraction.deployments.into_iter().map(Arc::new).collect(),
        files,
        parse_errors: read_errors,
        skipped: found.skipped,
        files_scanned: found.candidates.len(),
        bytes_scanned: bytes,
    })
}

/// Loads the policies; errors are fatal, warnings come back for printing.
pub fn load_policies(s: &Settings) -> Result<(dsl::model::PolicySet, Vec<Diag>), Fatal> {
    let existing: Vec<PathBuf> = s
        .policy_paths
        .iter()
        .filter(|p| p.exists())
        .cloned()
        .collect();
    if existing.is_empty() {
        let shown: Vec<String> = s.policy_paths.iter().map(|p| display(p)).collect();
        return Err(Diag::error(
            "cloudpact::cli::no-policies",
            format!("no policy files found at {}", shown.join(", ")),
        )
        .with_help("put .pact files in policies/, pass --policy PATH, or set `policies:` in cloudpact.yaml")
        .into());
    }
    let loaded = dsl::load(&existing, &s.root, &s.catalog);
    if loaded.has_errors() {
        return Err(Fatal(loaded.diagnostics));
    }
    Ok((loaded.set, loaded.diagnostics))
}

/// The outcome of `check`: findings plus what the summary line needs.
#[derive(Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub facts: Facts,
    pub policies: dsl::model::PolicySet,
    pub policy_warnings: Vec<Diag>,
    pub as_of: Date,
    pub elapsed: std::time::Duration,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == severity)
            .count()
    }

    pub fn suppressed(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .count()
    }

    /// Deployments per provider (`unknown` for none), sorted by provider id.
    pub fn by_provider(&self) -> BTreeMap<String, usize> {
        by_provider(&self.facts.deployments)
    }
}

pub fn by_provider(deps: &[Arc<Deployment>]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for d in deps {
        *m.entry(d.provider.as_deref().unwrap_or("unknown").to_string())
            .or_insert(0) += 1;
    }
    m
}

/// The whole `check` pipeline.
pub fn run_check(s: &Settings) -> Result<Report, Fatal> {
    let start = Instant::now();
    let (policies, policy_warnings) = load_policies(s)?;
    let records: Vec<Arc<str>> = policies.files.iter().map(|f| f.path.clone()).collect();
    let facts = collect_facts_except(s, &records)?;
    let opts = EvalOptions {
        as_of: s.as_of,
        whole_repo: s.whole_repo,
    };
    let mut findings = eval::evaluate(
        &policies,
        &facts.deployments,
        &facts.files,
        &s.catalog,
        opts,
    );
    let parse_severity = match s.config.config.parse_errors {
        ParseErrors::Error => Severity::Error,
        ParseErrors::Warning => Severity::Warning,
    };
    findings.extend(
        facts
            .parse_errors
            .iter()
            .map(|d| parse_error_finding(d, parse_severity)),
    );
    // Marks suppressed findings, adds the findings about suppressions, and sorts.
    crate::suppress::apply(
        &mut findings,
        &facts.files,
        &policies,
        &s.config,
        &s.catalog,
        s.as_of,
        s.whole_repo,
    );
    Ok(Report {
        findings,
        facts,
        policies,
        policy_warnings,
        as_of: s.as_of,
        elapsed: start.elapsed(),
    })
}

fn parse_error_finding(d: &Diag, severity: Severity) -> Finding {
    let file = d
        .file
        .clone()
        .unwrap_or_else(|| Arc::new(SourceFile::new("", "")));
    let label = d
        .labels
        .iter()
        .find(|l| l.primary)
        .and_then(|l| l.text.clone());
    Finding {
        rule: reserved::PARSE_ERROR.to_string(),
        policy: None,
        rule_kind: None,
        severity,
        message: d.message.clone(),
        help: Some(
            "fix the syntax so the file can be checked; a file cloudpact cannot read is never skipped in silence"
                .to_string(),
        ),
        reference: None,
        span: d.primary_span().unwrap_or_default(),
        file,
        label,
        deployment: None,
        related: Vec::new(),
        suppressed: None,
    }
}

//! The workspace engine: one repository, one answer (docs/architecture.md).
//!
//! A [`Workspace`] is a repository root with its configuration, catalog, policies and refusal
//! records, and a file source that may hold an editor's unsaved text ([`Overlays`]). One entry
//! point, [`Workspace::check`], evaluates a [`Selection`] — the whole repository, or the files
//! and folders a command line names — and returns the findings. `check`, `inventory`,
//! `explain`, `test`, the language server and the benchmarks all go through it, so the same
//! file gets the same findings however cloudpact is invoked:
//!
//! - every path is repository-relative and normalised, made once at discovery;
//! - a named file is evaluated with its whole extraction unit ([`crate::facts::units`]): naming
//!   fewer files narrows what is *reported*, never what is *known*;
//! - whole-repository rules (`share`, unused refusal records, unused waivers) are judged only
//!   when the selection covers the root.

mod batch;
pub mod git;
mod paths;
mod selection;
mod shard;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use jiff::civil::Date;

use crate::config::{self, Config, FailOn};
use crate::diag::{Diag, Severity};
use crate::discover::{self, Discovered, WalkOptions, Walker};
use crate::dsl::{self, model::PolicySet};
use crate::eval::finding::{Finding, reserved};
use crate::eval::{self, EvalOptions, FileMap};
use crate::facts::catalog::Catalog;
use crate::facts::model::Deployment;
use crate::facts::units::UnitKey;
use crate::facts::{self, Ctx, Input};
use crate::source::SourceFile;

pub use batch::{BATCH_BYTES_ENV, Keep, Tally};
pub use paths::{Shown, repo_path};
pub use selection::Selection;
pub use shard::ShardSpec;

/// A failure that ends the run with exit code 2, with the diagnostics that explain it.
#[derive(Debug)]
pub struct Fatal(pub Vec<Diag>);

impl From<Diag> for Fatal {
    fn from(d: Diag) -> Self {
        Fatal(vec![d])
    }
}

/// Today's date in UTC: the default evaluation date.
pub fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
}

/// What a command line says about the workspace, besides the paths to check.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// `--config`: the configuration file (its folder is the root).
    pub config: Option<PathBuf>,
    /// `--policy`: policy files or folders, relative to the current directory.
    pub policies: Vec<PathBuf>,
    /// `--exclude`: globs relative to the root, added to the configuration's.
    pub exclude: Vec<String>,
    /// `--no-ignore`: `.gitignore` and `.ignore` files are not honoured.
    pub no_ignore: bool,
    /// `--as-of` (default: today, UTC).
    pub as_of: Option<Date>,
}

/// Unsaved editor text, by repository-relative path: read instead of the disk's.
pub type Overlays = HashMap<Arc<str>, Arc<str>>;

/// A repository root with everything that steers a check of it.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Absolute and canonical; every path cloudpact shows is relative to it.
    pub root: PathBuf,
    /// The configuration (default settings when the repository has none).
    pub config: config::Loaded,
    /// The provider catalog, built once with the configuration's providers.
    pub catalog: Arc<Catalog>,
    /// Policy files and folders, absolute.
    pub policy_paths: Vec<PathBuf>,
    pub walker: Walker,
    pub as_of: Date,
    /// Unsaved editor text.
    pub overlays: Overlays,
    /// `terraform.var_files` with repository-relative paths.
    pub var_files: Arc<facts::VarFiles>,
}

/// The facts of one evaluation.
#[derive(Debug, Default)]
pub struct Facts {
    /// The deployments; after a check, only with [`Keep::All`] (else the findings hold theirs).
    pub deployments: Vec<Arc<Deployment>>,
    /// The files read; after a check with [`Keep::Findings`], only those that hold an ignore
    /// comment (the findings hold their own files).
    pub files: FileMap,
    /// The path of every file read, in the order read.
    pub read: Vec<Arc<str>>,
    /// Files not checked — parse errors, unreadable and too-large files and unreadable
    /// folders — as diagnostics, turned into findings by `check`.
    pub parse_errors: Vec<Diag>,
    /// Notes for stderr about what hides nothing (an ignore file that cannot be read).
    pub notes: Vec<String>,
    pub files_scanned: usize,
    pub bytes_scanned: usize,
}

/// The outcome of a check: findings plus what the summary line needs.
#[derive(Debug)]
pub struct Report {
    /// The findings the selection reports, sorted.
    pub findings: Vec<Finding>,
    pub facts: Facts,
    pub policies: PolicySet,
    pub policy_warnings: Vec<Diag>,
    pub as_of: Date,
    /// Whether whole-repository rules were judged.
    pub whole_repo: bool,
    /// What every deployment judged adds up to, kept or not.
    pub tally: Tally,
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
        self.tally.by_provider.clone()
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

impl Workspace {
    /// The workspace of a command line: its root (docs/configuration.md, "The repository
    /// root") and the selection its PATHs make. `paths` are as typed, relative to the current
    /// directory; an empty list means the current directory.
    pub fn for_command_line(
        paths: &[PathBuf],
        opts: &OpenOptions,
    ) -> Result<(Workspace, Selection), Fatal> {
        let cwd = std::env::current_dir().map_err(|e| {
            Diag::error(
                "cloudpact::cli::unreadable-path",
                format!("cannot read the current directory: {e}"),
            )
        })?;
        let cwd = canonical(&cwd);
        let mut absolute = Vec::with_capacity(paths.len());
        for p in paths {
            let abs = cwd.join(p);
            let abs = canonical_named(&abs).map_err(|e| {
                Diag::error(
                    "cloudpact::cli::unreadable-path",
                    format!("cannot read `{}`: {e}", p.display()),
                )
            })?;
            absolute.push(abs);
        }
        if absolute.is_empty() {
            absolute.push(cwd.clone());
        }
        let first = &absolute[0];
        let config_path = match &opts.config {
            Some(p) => Some(canonical(&cwd.join(p))),
            None => config::find(first),
        };
        let root = match &config_path {
            Some(p) => p.parent().map_or_else(|| cwd.clone(), Path::to_path_buf),
            None if first.is_dir() => first.clone(),
            None => cwd.clone(),
        };
        let loaded = match &config_path {
            Some(p) => config::load(p, &discover::relative(&root, p))?,
            None => default_config(&root),
        };
        let policies: Vec<PathBuf> = opts.policies.iter().map(|p| cwd.join(p)).collect();
        let ws = Workspace::new(root, loaded, &policies, opts)?;
        let mut named = Vec::with_capacity(absolute.len());
        for abs in &absolute {
            let Some(rel) = repo_path(&ws.root, abs) else {
                return Err(Diag::error(
                    "cloudpact::cli::outside-root",
                    format!(
                        "`{}` is outside the repository root `{}`",
                        abs.display(),
                        ws.root.display()
                    ),
                )
                .with_help("run cloudpact from inside the repository, or name its cloudpact.yaml with --config")
                .into());
            };
            named.push((rel, abs.is_dir()));
        }
        Ok((ws, Selection::of(named)))
    }

    /// The workspace an editor sees for `folder`: the nearest `cloudpact.yaml` at or above it,
    /// else the folder itself. Never fails: a configuration with errors falls back to the
    /// defaults (its errors show in the file itself), and the notes say why.
    pub fn for_editor(folder: &Path, as_of: Date) -> (Workspace, Vec<String>) {
        let folder = canonical(folder);
        let mut notes = Vec::new();
        let config_path = config::find(&folder);
        let root = config_path
            .as_ref()
            .and_then(|p| p.parent())
            .map_or_else(|| folder.clone(), Path::to_path_buf);
        let loaded = match &config_path {
            Some(p) => {
                let shown = discover::relative(&root, p);
                config::load(p, &shown).unwrap_or_else(|d| {
                    notes.push(d.to_string());
                    // Still the repository's configuration file, with the defaults' settings.
                    let text = std::fs::read_to_string(p).unwrap_or_default();
                    config::Loaded {
                        file: Some(Arc::new(SourceFile::new(shown, text))),
                        ..default_config(&root)
                    }
                })
            }
            None => default_config(&root),
        };
        let opts = OpenOptions {
            as_of: Some(as_of),
            ..OpenOptions::default()
        };
        let ws = match Workspace::new(root.clone(), loaded.clone(), &[], &opts) {
            Ok(ws) => ws,
            Err(Fatal(diags)) => {
                notes.extend(diags.iter().map(ToString::to_string));
                let fallback = config::Loaded {
                    config: Config::default(),
                    ..loaded
                };
                Workspace::new(root, fallback, &[], &opts)
                    .expect("the default configuration always opens")
            }
        };
        (ws, notes)
    }

    /// The workspace of a known root and configuration; `policies` (absolute) replace the
    /// configuration's when not empty.
    pub fn new(
        root: PathBuf,
        config: config::Loaded,
        policies: &[PathBuf],
        opts: &OpenOptions,
    ) -> Result<Workspace, Fatal> {
        let root = canonical(&root);
        let catalog = Arc::new(
            Catalog::build(config.config.providers.clone())
                .map_err(|e| Diag::error("cloudpact::config::bad-provider", e.to_string()))?,
        );
        let policy_paths = if !policies.is_empty() {
            policies.to_vec()
        } else if let Some(list) = &config.config.policies {
            list.iter().map(|p| root.join(p)).collect()
        } else {
            vec![root.join("policies")]
        };
        let mut exclude = config.config.exclude.clone();
        exclude.extend(opts.exclude.iter().cloned());
        let walk = WalkOptions {
            honour_ignore_files: !opts.no_ignore,
            exclude,
            max_file_size: config
                .config
                .max_file_size
                .unwrap_or(discover::DEFAULT_MAX_FILE_SIZE),
        };
        let var_files = Arc::new(config.config.terraform.resolved_var_files());
        let walker = Walker::new(&root, walk)
            .map_err(|e| Diag::error("cloudpact::config::bad-exclude", e.to_string()))?;
        Ok(Workspace {
            root,
            config,
            catalog,
            policy_paths,
            walker,
            as_of: opts.as_of.unwrap_or_else(today),
            overlays: Overlays::new(),
            var_files,
        })
    }

    pub fn fail_on(&self, flag: Option<FailOn>) -> FailOn {
        flag.or(self.config.config.fail_on).unwrap_or(FailOn::Error)
    }

    /// The repository-relative path of an absolute one, if it is inside the root.
    pub fn rel(&self, abs: &Path) -> Option<String> {
        repo_path(&self.root, abs)
    }

    /// The severity of `cloudpact.parse-error` findings.
    pub fn parse_error_severity(&self) -> Severity {
        self.config.config.parse_errors.severity()
    }

    /// The configured severity of a finding about a file not checked (`parse_errors`,
    /// `unreadable`, `too_large`), by its reserved id; `None` for any other id.
    pub fn input_severity(&self, code: &str) -> Option<Severity> {
        let c = &self.config.config;
        match code {
            crate::diag::code::PARSE_ERROR => Some(c.parse_errors.severity()),
            crate::diag::code::UNREADABLE => Some(c.unreadable.severity()),
            crate::diag::code::TOO_LARGE => Some(c.too_large.severity()),
            _ => None,
        }
    }

    /// Policy paths that exist.
    pub fn existing_policy_paths(&self) -> Vec<PathBuf> {
        self.policy_paths
            .iter()
            .filter(|p| p.exists())
            .cloned()
            .collect()
    }

    /// The text of a file: the editor's unsaved text when there is one, else the disk's.
    pub fn read(&self, abs: &Path) -> std::io::Result<String> {
        if !self.overlays.is_empty()
            && let Some(rel) = repo_path(&self.root, abs)
            && let Some(text) = self.overlays.get(rel.as_str())
        {
            return Ok(text.to_string());
        }
        std::fs::read_to_string(abs)
    }

    /// A discovered file's text as [`Workspace::read`] gives it, read as a check reads it
    /// (`discover::read_candidate`: its walked size, its encoding); `None` when it cannot be.
    pub(crate) fn read_candidate(&self, c: &discover::Candidate) -> Option<String> {
        if !self.overlays.is_empty()
            && let Some(text) = self.overlays.get(c.rel.as_str())
        {
            return Some(text.to_string());
        }
        discover::read_candidate(c)
    }

    /// Loads the policies and their refusal records, with the editor's unsaved text.
    pub fn load_policies(&self) -> dsl::Loaded {
        let paths = self.existing_policy_paths();
        if paths.is_empty() {
            return dsl::Loaded::default();
        }
        dsl::load_with(&paths, &self.root, &self.catalog, &|p| self.read(p))
    }

    /// Loads the policies; errors are fatal, warnings come back for printing.
    pub fn policies(&self) -> Result<(PolicySet, Vec<Diag>), Fatal> {
        let _timer = crate::timings::Timer::start(crate::timings::Phase::Policies);
        if self.existing_policy_paths().is_empty() {
            let shown: Vec<String> = self
                .policy_paths
                .iter()
                .map(|p| discover::relative(&self.root, p))
                .collect();
            return Err(Diag::error(
                "cloudpact::cli::no-policies",
                format!("no policy files found at {}", shown.join(", ")),
            )
            .with_help("put .pact files in policies/, pass --policy PATH, or set `policies:` in cloudpact.yaml")
            .into());
        }
        let loaded = self.load_policies();
        if loaded.has_errors() {
            return Err(Fatal(loaded.diagnostics));
        }
        Ok((loaded.set, loaded.diagnostics))
    }

    /// The files a selection evaluates: the named files and folders, and the rest of the unit
    /// of every named file (its Terraform folder, its Pulumi project). `skip` leaves out
    /// cloudpact's own inputs (refusal records), which are not infrastructure.
    pub fn discover(&self, selection: &Selection, skip: &[Arc<str>]) -> Result<Discovered, Fatal> {
        let _timer = crate::timings::Timer::start(crate::timings::Phase::Discover);
        let mut found = Discovered::default();
        match selection {
            Selection::Root => self.walker.folder("", false, &mut found),
            Selection::Paths(named) => {
                for n in named {
                    if n.dir {
                        self.walker.folder(&n.rel, false, &mut found);
                    } else {
                        self.walker.file(&n.rel, &mut found).map_err(|e| {
                            Diag::error("cloudpact::cli::unreadable-path", e.to_string())
                        })?;
                    }
                }
                // Context: the other files of each named file's unit.
                let keys: Vec<UnitKey> = found
                    .candidates
                    .iter()
                    .map(|c| self.candidate_key(c))
                    .collect();
                let mut folders: Vec<(&str, bool)> = found
                    .candidates
                    .iter()
                    .zip(&keys)
                    .filter(|(_, key)| key.is_folder())
                    .map(|(c, key)| key.context_dir(c.rel.rsplit_once('/').map_or("", |(d, _)| d)))
                    .collect();
                folders.sort_unstable();
                folders.dedup();
                let wanted: HashSet<UnitKey> =
                    keys.into_iter().filter(UnitKey::is_folder).collect();
                let mut context = Discovered::default();
                for (dir, shallow) in folders {
                    self.walker.folder(dir, shallow, &mut context);
                }
                found.skipped.extend(context.skipped);
                found.notes.extend(context.notes);
                found
                    .candidates
                    .extend(context.candidates.into_iter().filter(|c| {
                        let key = UnitKey::of(&c.rel, c.syntax);
                        if !key.may_be_plan(&c.rel) {
                            return wanted.contains(&key);
                        }
                        // A JSON file of its own (the template of a named parameter file, or
                        // a plan of a named configuration) is read only where either is wanted.
                        let dir = c.rel.rsplit_once('/').map_or("", |(d, _)| d);
                        (wanted.contains(&key) || wanted.contains(&UnitKey::Terraform(dir.into())))
                            && wanted.contains(&self.candidate_key(c))
                    }));
                self.module_context(&mut found);
            }
        }
        found.finish();
        found
            .candidates
            .retain(|c| !skip.iter().any(|p| **p == *c.rel));
        Ok(found)
    }

    /// The unit of a discovered file ([`UnitKey::of_input`]). Only a JSON file's text says
    /// whether it is a Terraform plan (which joins its folder's configuration), so a JSON
    /// file of its own is read here; any other file's name says its unit.
    pub(crate) fn candidate_key(&self, c: &discover::Candidate) -> UnitKey {
        let key = UnitKey::of(&c.rel, c.syntax);
        if key.may_be_plan(&c.rel)
            && let Ok(text) = self.read(&c.abs)
        {
            return UnitKey::of_input(&c.rel, c.syntax, &text);
        }
        key
    }

    /// Adds the Terraform folders linked to the selected ones by module calls, in either
    /// direction: a module's instances are made by the configurations that call it, wherever
    /// they are, and a configuration's resources include those of the modules it calls. Links
    /// are read from the text of the repository's Terraform files
    /// ([`facts::terraform::graph::linked_folders`]) before anything is parsed.
    fn module_context(&self, found: &mut Discovered) {
        let dir_of = |rel: &str| rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        let selected: HashSet<String> = found
            .candidates
            .iter()
            // By name: a plan beside no `.tf` file links nothing, and one beside them is
            // selected through them (reading the found JSON files again would be wasted).
            .filter(|c| UnitKey::is_terraform(&c.rel, c.syntax))
            .map(|c| dir_of(&c.rel))
            .collect();
        if selected.is_empty() {
            return;
        }
        let mut all = Discovered::default();
        self.walker.folder("", false, &mut all);
        let (terraform, others): (Vec<discover::Candidate>, Vec<discover::Candidate>) = all
            .candidates
            .into_iter()
            .partition(|c| UnitKey::is_terraform(&c.rel, c.syntax));
        let groups =
            self.terraform_stacks(self.terraform_links(&terraform.iter().collect::<Vec<_>>()));
        let wanted: HashSet<&str> = groups
            .iter()
            .filter(|g| g.iter().any(|d| selected.contains(d)))
            .flatten()
            .map(String::as_str)
            .collect();
        // The plans of the stack's folders join their configurations too.
        let plans: Vec<discover::Candidate> = others
            .into_iter()
            .filter(|c| {
                wanted.contains(dir_of(&c.rel).as_str())
                    && matches!(self.candidate_key(c), UnitKey::Terraform(_))
            })
            .collect();
        found.candidates.extend(
            terraform
                .into_iter()
                .filter(|c| wanted.contains(dir_of(&c.rel).as_str()))
                .chain(plans),
        );
    }

    /// The links between the folders of Terraform files (a folder → a folder its files call
    /// or include, and itself), read from their text.
    pub fn terraform_links(&self, terraform: &[&discover::Candidate]) -> Vec<(String, String)> {
        let dir_of = |rel: &str| rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        // Read in parallel: on a large repository this read of every Terraform file is most of
        // a pre-commit run's time.
        use rayon::prelude::*;
        terraform
            .par_iter()
            .flat_map_iter(|c| {
                let dir = dir_of(&c.rel);
                let targets = self
                    .read_candidate(c)
                    .map(|text| facts::terraform::graph::linked_folders(&c.rel, &text))
                    .unwrap_or_default();
                targets
                    .into_iter()
                    .chain(std::iter::once(dir.clone()))
                    .map(move |t| (dir.clone(), t))
            })
            .collect()
    }

    /// Terraform folders that must be extracted together, from the links between folders (a
    /// folder → a folder its files call or include) and the configured variable files.
    pub fn terraform_stacks(&self, mut links: Vec<(String, String)>) -> Vec<Vec<String>> {
        let dir_of = |rel: &str| rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        for (dir, files) in self.var_files.iter() {
            for f in files {
                links.push((dir.clone(), dir_of(f)));
            }
        }
        facts::terraform::graph::components(links.iter().map(|(a, b)| (a.as_str(), b.as_str())))
    }

    /// Discovers, reads and extracts.
    pub fn collect(&self, selection: &Selection, skip: &[Arc<str>]) -> Result<Facts, Fatal> {
        let found = self.discover(selection, skip)?;
        Ok(self.collect_found(found))
    }

    /// Reads and extracts what a discovery found.
    pub fn collect_found(&self, found: Discovered) -> Facts {
        let (found, inputs, errors) = read_found(found);
        crate::timings::timed(crate::timings::Phase::Extract, || {
            self.extract(found, inputs, errors)
        })
    }

    /// Discovers, reads and extracts the whole repository as a git tree holds it
    /// ([`git::GitTree`]): the same walk, from the object store instead of the disk.
    pub fn collect_tree(&self, tree: &git::GitTree, skip: &[Arc<str>]) -> Facts {
        use crate::timings::{Phase, timed};
        let (found, inputs, errors) = timed(Phase::Read, || tree.read(&self.walker, skip));
        timed(Phase::Extract, || self.extract(found, inputs, errors))
    }

    pub(crate) fn extract(
        &self,
        found: Discovered,
        mut inputs: Vec<Input>,
        mut errors: Vec<Diag>,
    ) -> Facts {
        errors.extend(found.skipped.iter().map(discover::Skipped::to_diag));
        // `judge` applies `parse_errors`; the other inputs' severities are set here.
        for d in &mut errors {
            if d.code != crate::diag::code::PARSE_ERROR
                && let Some(severity) = self.input_severity(&d.code)
            {
                d.severity = severity;
            }
        }
        self.apply_overlays(&mut inputs);
        let extraction = facts::extract(&inputs, self.ctx());
        let mut files = FileMap::with_capacity_and_hasher(inputs.len(), Default::default());
        let mut bytes = 0;
        for input in &inputs {
            bytes += input.file.text().len();
            files.insert(input.file.path.clone(), input.file.clone());
        }
        errors.extend(extraction.errors);
        crate::diag::sort(&mut errors);
        Facts {
            deployments: extraction.deployments,
            read: inputs.iter().map(|i| i.file.path.clone()).collect(),
            files,
            parse_errors: errors,
            notes: found.notes,
            files_scanned: found.candidates.len(),
            bytes_scanned: bytes,
        }
    }

    /// What extractors need: the catalog and the configuration's variable files.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            catalog: &self.catalog,
            var_files: &self.var_files,
        }
    }

    fn apply_overlays(&self, inputs: &mut [Input]) {
        if self.overlays.is_empty() {
            return;
        }
        for input in inputs {
            if let Some(text) = self.overlays.get(&input.file.path) {
                input.file = Arc::new(SourceFile::new(input.file.path.clone(), text.to_string()));
            }
        }
    }

    /// The whole check: policies, facts, evaluation, suppressions; the findings the selection
    /// reports. What it keeps of the facts is what the findings hold ([`Keep::Findings`]).
    pub fn check(&self, selection: &Selection) -> Result<Report, Fatal> {
        self.check_in(selection, None, Keep::Findings)
    }

    /// [`Workspace::check`] of the working tree (`None`), or of the repository as a git tree
    /// holds it, with the working tree's configuration and policies. A tree is always read
    /// whole (its units need their context); the selection then narrows what is reported, as
    /// it does for the working tree.
    pub fn check_in(
        &self,
        selection: &Selection,
        tree: Option<&git::GitTree>,
        keep: Keep,
    ) -> Result<Report, Fatal> {
        let start = Instant::now();
        let loaded = self.policies()?;
        self.check_with(selection, tree, loaded, start, keep)
    }

    /// [`Workspace::check_in`] with policies already loaded (`--new-since` loads them once for
    /// both evaluations).
    pub fn check_with(
        &self,
        selection: &Selection,
        tree: Option<&git::GitTree>,
        (policies, policy_warnings): (PolicySet, Vec<Diag>),
        start: Instant,
        keep: Keep,
    ) -> Result<Report, Fatal> {
        let records: Vec<Arc<str>> = policies.files.iter().map(|f| f.path.clone()).collect();
        let source = match tree {
            Some(tree) => batch::Source::Tree(tree, &records),
            None => batch::Source::Disk(self.discover(selection, &records)?),
        };
        let whole_repo = selection.covers_root();
        let (mut findings, facts, tally) =
            self.judge_source(source, &self.judge_settings(&policies, whole_repo), keep);
        findings.retain(|f| selection.reports(f));
        Ok(Report {
            findings,
            facts,
            policies,
            policy_warnings,
            as_of: self.as_of,
            whole_repo,
            tally,
            elapsed: start.elapsed(),
        })
    }
}

/// What judging deployments needs besides the facts.
pub struct Judge<'a> {
    pub policies: &'a PolicySet,
    pub config: &'a config::Loaded,
    pub catalog: &'a Catalog,
    pub as_of: Date,
    pub whole_repo: bool,
    pub parse_error_severity: Severity,
}

impl Workspace {
    /// How this workspace judges `policies`: its config, catalog, date and parse-error severity.
    pub fn judge_settings<'a>(&'a self, policies: &'a PolicySet, whole_repo: bool) -> Judge<'a> {
        Judge {
            policies,
            config: &self.config,
            catalog: &self.catalog,
            as_of: self.as_of,
            whole_repo,
            parse_error_severity: self.parse_error_severity(),
        }
    }
}

/// Evaluates the rules, turns parse errors into findings, and applies ignore comments and
/// waivers: the same for `check` and the language server.
pub fn judge(
    j: &Judge<'_>,
    deployments: &[Arc<Deployment>],
    files: &FileMap,
    parse_errors: &[Diag],
) -> Vec<Finding> {
    let opts = EvalOptions {
        as_of: j.as_of,
        whole_repo: j.whole_repo,
    };
    let mut findings = eval::evaluate(j.policies, deployments, files, j.catalog, opts);
    // Unreadable and too-large files come with their configured severity (`collect`).
    findings.extend(
        parse_errors
            .iter()
            .map(|d| input_finding(d, batch::parse_error_severity(j, d))),
    );
    // Marks suppressed findings, adds the findings about suppressions, and sorts.
    crate::suppress::apply(
        &mut findings,
        files,
        j.policies,
        j.config,
        j.catalog,
        j.as_of,
        j.whole_repo,
    );
    findings
}

/// The finding of a file the run did not check: `cloudpact.parse-error`,
/// `cloudpact.unreadable` or `cloudpact.too-large`, by the diagnostic's code.
pub(crate) fn input_finding(d: &Diag, severity: Severity) -> Finding {
    let file = d
        .file
        .clone()
        .unwrap_or_else(|| Arc::new(SourceFile::new("", "")));
    let label = d
        .labels
        .iter()
        .find(|l| l.primary)
        .and_then(|l| l.text.clone());
    let help = match d.code.as_str() {
        reserved::UNREADABLE => {
            "make it a readable file or folder inside the repository, or exclude it with `exclude` in cloudpact.yaml; a file cloudpact cannot read is never skipped in silence"
        }
        reserved::TOO_LARGE => {
            "raise `max_file_size` in cloudpact.yaml, or exclude the file with `exclude`; a file cloudpact does not read is never skipped in silence"
        }
        reserved::UNRESOLVED_MODULE => {
            "point the module source at a folder of the repository holding the module's Terraform files"
        }
        _ => {
            "fix the syntax so the file can be checked; a file cloudpact cannot read is never skipped in silence"
        }
    };
    Finding {
        rule: d.code.as_str().into(),
        policy: None,
        rule_kind: None,
        severity,
        message: d.message.clone(),
        help: Some(d.help.clone().unwrap_or_else(|| help.to_string())),
        reference: None,
        span: d.primary_span().unwrap_or_default(),
        file,
        label,
        deployment: None,
        related: Vec::new(),
        suppressed: None,
    }
}

fn default_config(root: &Path) -> config::Loaded {
    config::Loaded {
        config: Config::default(),
        file: None,
        dir: root.to_path_buf(),
    }
}

/// A PATH argument made canonical, except that a link to a file keeps its own name: it is read
/// at its own path, as the walk reads it (`discover::Walker`), and one leaving the repository
/// is reported there rather than followed.
fn canonical_named(path: &Path) -> std::io::Result<PathBuf> {
    let link = std::fs::symlink_metadata(path)?.file_type().is_symlink();
    if link
        && !path.is_dir()
        && let (Some(parent), Some(name)) = (path.parent(), path.file_name())
    {
        return Ok(std::fs::canonicalize(parent)?.join(name));
    }
    std::fs::canonicalize(path)
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Reads the files a discovery found (the read step of a check, timed as `read`): their
/// inputs, and a finding for each that could not be read.
pub(crate) fn read_found(found: Discovered) -> (Discovered, Vec<Input>, Vec<Diag>) {
    use crate::timings::{Phase, timed};
    let (inputs, errors) = timed(Phase::Read, || discover::read_all(&found.candidates));
    (found, inputs, errors)
}

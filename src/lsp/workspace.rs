//! The workspace as the server sees it: the library's [`crate::workspace::Workspace`] (root,
//! configuration, catalog, policy paths, walker, unsaved text), the last policy load, and the
//! facts of every infra file kept per extraction unit ([`UnitKey`], the same grouping `check`
//! uses) so an edit re-extracts only its own unit.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;

use super::Pipeline;
use crate::diag::Diag;
use crate::discover::{self, Syntax, normalize};
use crate::dsl::model::PolicySet;
use crate::eval::FileMap;
use crate::eval::finding::Finding;
use crate::facts::model::Deployment;
pub(crate) use crate::facts::units::UnitKey;
use crate::facts::{Extraction, Input};
use crate::source::SourceFile;
use crate::workspace::{self as engine, Selection};

/// What a file is to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Policy,
    Record,
    Infra(Syntax),
    Other,
}

/// A file of a unit to re-read: its path, syntax, and the editor's text (`None`: the disk's).
pub type Edit = (Arc<str>, Syntax, Option<String>);

#[derive(Debug, Default, Clone)]
pub struct Unit {
    pub inputs: Vec<Input>,
    pub deployments: Vec<Arc<Deployment>>,
    pub errors: Vec<Diag>,
}

#[derive(Debug)]
pub struct Workspace {
    /// Root, configuration, catalog, policy paths and walker, as `check` opens them.
    pub engine: engine::Workspace,
    /// The last policy set that loaded without errors (a half-typed policy does not wipe
    /// every diagnostic of the workspace).
    pub policies: Arc<PolicySet>,
    /// Diagnostics of the last policy load, by file.
    pub policy_diags: HashMap<Arc<str>, Vec<Diag>>,
    /// Refusal record files of the last load.
    pub records: HashSet<Arc<str>>,
    pub units: BTreeMap<UnitKey, Unit>,
    /// Terraform folder → the first folder of its stack (the folders module calls link, in
    /// either direction): a stack is one unit, since an edit in a caller changes the
    /// instances of the modules it calls.
    stacks: HashMap<String, String>,
    /// Terraform file → the folders it links to, as last read (an edit that changes them
    /// regroups the stacks).
    links: HashMap<Arc<str>, Vec<String>>,
    /// JSON files whose text, as last read, is a Terraform plan: each is in the unit of its
    /// folder's configuration ([`UnitKey::of_input`]).
    plans: HashSet<Arc<str>>,
    pub findings: HashMap<Arc<str>, Vec<Finding>>,
    /// Files the scan did not read (`cloudpact.unreadable`, `cloudpact.too-large`), with the
    /// finding `check` reports for each: an open one shows it, and is not read from the
    /// editor's text either (the editor agrees with `check`).
    skipped: HashMap<Arc<str>, Diag>,
    /// Problems no open file can show (no policies, an unreadable config), for the log.
    pub notes: Vec<String>,
}

impl Workspace {
    /// The workspace of an editor's folder: the nearest `cloudpact.yaml` at or above it, as
    /// `check` resolves it; an invalid configuration falls back to the defaults (its errors
    /// show in the file itself).
    pub(crate) fn new(folder: &Path, as_of: Date) -> Workspace {
        let (engine, notes) = engine::Workspace::for_editor(folder, as_of);
        Workspace {
            engine,
            policies: Arc::new(PolicySet::default()),
            policy_diags: HashMap::new(),
            records: HashSet::new(),
            units: BTreeMap::new(),
            stacks: HashMap::new(),
            links: HashMap::new(),
            plans: HashSet::new(),
            findings: HashMap::new(),
            skipped: HashMap::new(),
            notes,
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.engine.root
    }

    pub(crate) fn as_of(&self) -> Date {
        self.engine.as_of
    }

    pub(crate) fn abs(&self, rel: &str) -> PathBuf {
        normalize(&self.engine.root.join(rel))
    }

    pub(crate) fn kind(&self, rel: &str) -> FileKind {
        if let Some(cfg) = &self.engine.config.file
            && *cfg.path == *rel
        {
            return FileKind::Config;
        }
        if rel.ends_with(".pact") {
            return FileKind::Policy;
        }
        if self.records.contains(rel) {
            return FileKind::Record;
        }
        match self.syntax(rel) {
            Some(s) => FileKind::Infra(s),
            None => FileKind::Other,
        }
    }

    /// The syntax of an infra file the scan would read (not excluded by the configuration).
    fn syntax(&self, rel: &str) -> Option<Syntax> {
        // Outside the root (`../x`, or absolute): not part of the workspace's scan.
        if rel.starts_with("..") || rel.starts_with('/') || self.engine.walker.is_excluded(rel) {
            return None;
        }
        let abs = self.abs(rel);
        Syntax::of(&abs, crate::discover::in_helm_templates(&abs))
    }

    /// Stores a policy load: its diagnostics always, its rules only when it has no errors.
    pub(crate) fn set_policies(&mut self, loaded: crate::dsl::Loaded) {
        let mut by_file: HashMap<Arc<str>, Vec<Diag>> = HashMap::new();
        let mut records: HashSet<Arc<str>> = HashSet::new();
        for d in loaded.diagnostics.iter() {
            if let Some(f) = &d.file {
                by_file.entry(f.path.clone()).or_default().push(d.clone());
            }
        }
        for f in &loaded.set.files {
            if !f.path.ends_with(".pact") {
                records.insert(f.path.clone());
            }
        }
        for path in by_file.keys() {
            if !path.ends_with(".pact") && self.kind(path) != FileKind::Config {
                records.insert(path.clone());
            }
        }
        // Keep knowing a record that the failed load could not list.
        if loaded.has_errors() {
            records.extend(self.records.iter().cloned());
        } else {
            self.policies = Arc::new(loaded.set);
        }
        self.records = records;
        self.policy_diags = by_file;
    }

    /// Discovers, reads and extracts the whole workspace, once (refusal records left out:
    /// they are cloudpact's input, not infrastructure).
    /// `open` holds the editor's text of open documents, read instead of the disk's.
    pub(crate) fn scan(&mut self, pipeline: &dyn Pipeline, open: &[(Arc<str>, String)]) {
        let records: Vec<Arc<str>> = self.records.iter().cloned().collect();
        let found = match self.engine.discover(&Selection::Root, &records) {
            Ok(f) => f,
            Err(engine::Fatal(diags)) => {
                self.notes.extend(diags.iter().map(ToString::to_string));
                return;
            }
        };
        self.skipped = found
            .skipped
            .iter()
            .map(|s| (Arc::from(s.rel.as_str()), s.to_diag()))
            .collect();
        let (mut inputs, read_errors) = discover::read_all(&found.candidates);
        if !open.is_empty() {
            let texts: HashMap<&str, &str> = open.iter().map(|(k, t)| (&**k, t.as_str())).collect();
            for input in &mut inputs {
                if let Some(text) = texts.get(&*input.file.path) {
                    input.file = Arc::new(SourceFile::new(input.file.path.clone(), *text));
                }
            }
        }
        let extraction = pipeline.extract(&inputs, self.engine.ctx());
        self.link(&inputs);
        let mut units: BTreeMap<UnitKey, Unit> = BTreeMap::new();
        let mut key_of: HashMap<Arc<str>, UnitKey> = HashMap::new();
        for input in inputs {
            let key = self.unit_key(&input.file.path, input.syntax);
            key_of.insert(input.file.path.clone(), key.clone());
            units.entry(key).or_default().inputs.push(input);
        }
        for dep in extraction.deployments {
            if let Some(key) = key_of.get(&dep.path) {
                let unit = units.get_mut(key).expect("every key has its unit");
                unit.deployments.push(dep);
            }
        }
        for d in extraction.errors.into_iter().chain(read_errors) {
            let path: Arc<str> = d.file.as_ref().map_or("".into(), |f| f.path.clone());
            let key = key_of
                .get(&path)
                .cloned()
                .unwrap_or(UnitKey::File(path.clone()));
            units.entry(key).or_default().errors.push(d);
        }
        self.units = units;
    }

    /// Reads the links of every Terraform input and groups their folders into stacks.
    fn link(&mut self, inputs: &[Input]) {
        let dir_of = |rel: &str| rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        self.links.clear();
        self.plans = inputs
            .iter()
            .filter(|i| crate::facts::units::is_plan_input(i))
            .map(|i| i.file.path.clone())
            .collect();
        let mut pairs = Vec::new();
        for input in inputs {
            if !matches!(
                UnitKey::of(&input.file.path, input.syntax),
                UnitKey::Terraform(_)
            ) {
                continue;
            }
            let path = &input.file.path;
            let targets = crate::facts::terraform::graph::linked_folders(path, &input.file.text());
            let dir = dir_of(path);
            pairs.push((dir.clone(), dir.clone()));
            pairs.extend(targets.iter().map(|t| (dir.clone(), t.clone())));
            self.links.insert(path.clone(), targets);
        }
        self.stacks.clear();
        for group in self.engine.terraform_stacks(pairs) {
            let first = group[0].clone();
            for dir in group {
                self.stacks.insert(dir, first.clone());
            }
        }
    }

    /// The unit a file is extracted with: its own ([`UnitKey::of`]), or for Terraform its
    /// stack's.
    pub(crate) fn unit_key(&self, rel: &str, syntax: Syntax) -> UnitKey {
        let key = if self.plans.contains(rel) {
            let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
            UnitKey::Terraform(dir.into())
        } else {
            UnitKey::of(rel, syntax)
        };
        match key {
            UnitKey::Terraform(dir) => match self.stacks.get(&*dir) {
                Some(first) => UnitKey::Terraform(first.as_str().into()),
                None => UnitKey::Terraform(dir),
            },
            key => key,
        }
    }

    /// Whether an edit changes the folders a Terraform file links to (its stack may change:
    /// the workspace is then re-read), or whether a JSON file is a plan.
    pub(crate) fn links_changed(&self, rel: &str, syntax: Syntax, text: Option<&str>) -> bool {
        let key = UnitKey::of(rel, syntax);
        let may_be_plan = key.may_be_plan(rel);
        if !matches!(key, UnitKey::Terraform(_)) && !may_be_plan {
            return false;
        }
        let disk;
        let text = match text {
            Some(t) => t,
            None => {
                disk = std::fs::read_to_string(self.abs(rel)).unwrap_or_default();
                &disk
            }
        };
        if may_be_plan {
            // A JSON file that becomes a plan, or stops being one, changes units.
            return crate::facts::units::is_plan_text(text) != self.plans.contains(rel);
        }
        let now = crate::facts::terraform::graph::linked_folders(rel, text);
        self.links
            .get(rel)
            .map_or(!now.is_empty(), |before| *before != now)
    }

    /// The inputs of a unit with some files' text replaced: by the editor's, or for `None` by
    /// the disk's (after a close; a file gone from disk leaves the unit).
    pub(crate) fn unit_inputs(&self, key: &UnitKey, edits: &[Edit]) -> Vec<Input> {
        let mut inputs: Vec<Input> = self
            .units
            .get(key)
            .map(|u| u.inputs.clone())
            .unwrap_or_default();
        for (rel, syntax, text) in edits {
            inputs.retain(|i| i.file.path != *rel);
            if self.skipped.contains_key(rel) {
                continue;
            }
            let text = match text {
                Some(t) => Some(t.clone()),
                // Decoded as `check` decodes it (UTF-16 with a byte-order mark too).
                None => std::fs::read(self.abs(rel))
                    .ok()
                    .and_then(|bytes| discover::decode(bytes).ok()),
            };
            let input = text.map(|text| Input {
                file: Arc::new(SourceFile::new(rel.clone(), text)),
                syntax: *syntax,
            });
            // `.template` files are CloudFormation JSON or YAML by their text, or not read.
            let input = match input {
                Some(i) if i.syntax == Syntax::CfnTemplate => discover::resolve_template(i),
                other => other,
            };
            inputs.extend(input);
        }
        inputs.sort_by(|a, b| a.file.path.cmp(&b.file.path));
        inputs
    }

    pub(crate) fn set_unit(
        &mut self,
        key: UnitKey,
        inputs: Vec<Input>,
        extraction: Extraction<Arc<Deployment>>,
    ) {
        let unit = Unit {
            inputs,
            deployments: extraction.deployments,
            errors: extraction.errors,
        };
        self.units.insert(key, unit);
    }

    /// Every deployment and every file, for a whole-workspace evaluation.
    pub(crate) fn snapshot(&self) -> (Vec<Arc<Deployment>>, FileMap) {
        let mut deps = Vec::new();
        let mut files = FileMap::with_capacity_and_hasher(self.units.len(), Default::default());
        for unit in self.units.values() {
            deps.extend(unit.deployments.iter().cloned());
            for i in &unit.inputs {
                files.insert(i.file.path.clone(), i.file.clone());
            }
        }
        (deps, files)
    }

    /// The deployments and files of some units, to judge them again after an edit.
    pub(crate) fn snapshot_of(&self, keys: &[UnitKey]) -> (Vec<Arc<Deployment>>, FileMap) {
        let mut deps = Vec::new();
        let mut files = FileMap::default();
        for unit in keys.iter().filter_map(|k| self.units.get(k)) {
            deps.extend(unit.deployments.iter().cloned());
            for i in &unit.inputs {
                files.insert(i.file.path.clone(), i.file.clone());
            }
        }
        (deps, files)
    }

    /// The findings of the files of `files` (the units judged again), replaced by those of
    /// `findings` located there. Findings located elsewhere (a waiver's in `cloudpact.yaml`)
    /// do not depend on infra files and stay as the last whole judgement left them.
    pub(crate) fn replace_findings(&mut self, files: &FileMap, findings: Vec<Finding>) {
        for path in files.keys() {
            self.findings.remove(path);
        }
        for f in findings.into_iter().filter(|f| f.suppressed.is_none()) {
            if files.contains_key(&f.file.path) {
                self.findings
                    .entry(f.file.path.clone())
                    .or_default()
                    .push(f);
            }
        }
    }

    pub(crate) fn set_findings(&mut self, findings: Vec<Finding>) {
        let mut by_path: HashMap<Arc<str>, Vec<Finding>> = HashMap::new();
        for f in findings.into_iter().filter(|f| f.suppressed.is_none()) {
            by_path.entry(f.file.path.clone()).or_default().push(f);
        }
        self.findings = by_path;
    }

    /// The unit holding an infra file.
    pub(crate) fn unit_of(&self, rel: &str) -> Option<&Unit> {
        match self.kind(rel) {
            FileKind::Infra(s) => self.units.get(&self.unit_key(rel, s)),
            _ => None,
        }
    }

    /// Parse errors of a file (and a read that failed), at the configured severity.
    pub(crate) fn parse_errors(&self, rel: &str) -> Vec<Diag> {
        let errors = self.unit_of(rel).map_or(&[][..], |u| &u.errors[..]);
        errors
            .iter()
            .filter(|d| d.file.as_ref().is_some_and(|f| &*f.path == rel))
            .chain(self.skipped.get(rel))
            .map(|d| Diag {
                severity: self
                    .engine
                    .input_severity(&d.code)
                    .unwrap_or_else(|| self.engine.parse_error_severity()),
                ..d.clone()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_removes_dot_dot() {
        assert_eq!(
            normalize(Path::new("/w/ex/../../policies/p.pact")),
            PathBuf::from("/policies/p.pact")
        );
    }
}

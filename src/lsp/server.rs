//! The server's state, and the worker that analyses what changed and publishes diagnostics.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use lsp_server::{Message, Notification};
use lsp_types::notification::{LogMessage, Notification as _, PublishDiagnostics};
use lsp_types::{LogMessageParams, MessageType, PublishDiagnosticsParams, Uri};

use super::document::Document;
use super::position::{Encoding, uri_to_path};
use super::workspace::{Edit, FileKind, UnitKey, Workspace};
use super::{Pipeline, publish};
use crate::diag::Diag;
use crate::facts::{Ctx, Input};
use crate::source::SourceFile;
use crate::workspace::{self as engine, Judge};

/// Where messages to the client go.
pub type Outbox = Arc<dyn Fn(Message) + Send + Sync>;

/// Everything the main loop and the worker share.
#[derive(Debug)]
pub struct Shared {
    pub ws: Workspace,
    /// Open documents by path relative to the root.
    pub docs: HashMap<Arc<str>, Document>,
    /// Errors of the open `cloudpact.yaml`'s text.
    pub config_diags: Vec<Diag>,
    /// `dsl::check_source` diagnostics of open `.pact` documents.
    pub source_diags: HashMap<Arc<str>, Vec<Diag>>,
    /// What each open document was last sent, to skip identical republishing.
    pub published: HashMap<Arc<str>, Vec<lsp_types::Diagnostic>>,
    /// The version of each open document's text that the current diagnostics describe.
    pub analysed: HashMap<Arc<str>, i32>,
}

/// One repository root the server serves: its state and its analysis worker. A file belongs
/// to the root of the nearest `cloudpact.yaml` above it, else to its workspace folder
/// ([`Server::locate`]), as `cloudpact check FILE` resolves it.
pub struct Root {
    pub shared: Arc<Mutex<Shared>>,
    pub root: PathBuf,
    jobs: mpsc::Sender<Job>,
}

/// Work for the worker.
#[derive(Debug)]
pub enum Job {
    /// (Re)read settings and policies and scan the whole workspace.
    Scan,
    /// A file's text may have changed (opened, edited, saved, closed). `now` skips the
    /// debounce; `saved` tells a saved configuration to take effect.
    Touched {
        rel: Arc<str>,
        now: bool,
        saved: bool,
    },
}

/// What every root's worker is started with.
#[derive(Clone)]
pub struct Settings {
    pub as_of: Date,
    pub encoding: Encoding,
    pub debounce: Duration,
    pub out: Outbox,
    pub pipeline: Arc<dyn Pipeline>,
}

impl Root {
    /// Starts the worker of the repository at or above `folder`, which begins with its scan.
    fn start(folder: &Path, settings: &Settings) -> Root {
        let ws = Workspace::new(folder, settings.as_of);
        let root = ws.root().to_path_buf();
        let shared = Arc::new(Mutex::new(Shared {
            ws,
            docs: HashMap::new(),
            config_diags: Vec::new(),
            source_diags: HashMap::new(),
            published: HashMap::new(),
            analysed: HashMap::new(),
        }));
        let (jobs, rx) = mpsc::channel();
        let worker = Worker {
            shared: shared.clone(),
            out: settings.out.clone(),
            encoding: settings.encoding,
            debounce: settings.debounce,
            pipeline: settings.pipeline.clone(),
        };
        std::thread::Builder::new()
            .name("cloudpact-lsp-worker".into())
            .spawn(move || worker.run(rx))
            .expect("spawning the analysis thread");
        let started = Root { shared, root, jobs };
        started.submit(Job::Scan);
        started
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic in a handler must not take the whole server down with a poisoned lock.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn submit(&self, job: Job) {
        let _ = self.jobs.send(job);
    }
}

/// The server: the roots it serves, started as files of each are first seen.
pub struct Server {
    pub out: Outbox,
    pub encoding: Encoding,
    settings: Settings,
    /// The client's workspace folders (canonical), for files with no `cloudpact.yaml` above.
    folders: Vec<PathBuf>,
    /// Roots by their canonical path.
    roots: Mutex<BTreeMap<PathBuf, Arc<Root>>>,
    /// Folder of a file → its root, so a request does not walk up the disk each time;
    /// forgotten when a `cloudpact.yaml` is opened or saved (a new one may regroup files).
    owners: Mutex<HashMap<PathBuf, PathBuf>>,
    /// Open documents → the root that took them at `didOpen`: a document stays with its
    /// root until closed, even if a new `cloudpact.yaml` would now group it elsewhere.
    opened: Mutex<HashMap<Uri, PathBuf>>,
}

impl Server {
    /// Starts a root for each workspace folder (its scan begins at once); roots of nested or
    /// outside `cloudpact.yaml` files start when one of their files is opened.
    pub(crate) fn start(folders: &[PathBuf], settings: Settings) -> Server {
        let folders: Vec<PathBuf> = folders
            .iter()
            .map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()))
            .collect();
        let server = Server {
            out: settings.out.clone(),
            encoding: settings.encoding,
            settings,
            folders,
            roots: Mutex::new(BTreeMap::new()),
            owners: Mutex::new(HashMap::new()),
            opened: Mutex::new(HashMap::new()),
        };
        for folder in &server.folders {
            server.root_at(folder);
        }
        server
    }

    /// `locate` for a document being opened: it stays with this root until [`Server::close`].
    pub(crate) fn open(&self, uri: &Uri) -> Option<(Arc<Root>, Arc<str>)> {
        let (root, rel) = self.locate(uri)?;
        lock(&self.opened).insert(uri.clone(), root.root.clone());
        Some((root, rel))
    }

    /// `locate` for a document being closed.
    pub(crate) fn close(&self, uri: &Uri) -> Option<(Arc<Root>, Arc<str>)> {
        let found = self.locate(uri);
        lock(&self.opened).remove(uri);
        found
    }

    /// The root that owns the file of `uri` (the one it was opened in, if open), and the
    /// file's path relative to it.
    pub(crate) fn locate(&self, uri: &Uri) -> Option<(Arc<Root>, Arc<str>)> {
        let path = uri_to_path(uri)?;
        // The file may not exist yet (a new buffer): canonicalise its directory instead.
        let canonical = std::fs::canonicalize(&path).ok().or_else(|| {
            let dir = std::fs::canonicalize(path.parent()?).ok()?;
            Some(dir.join(path.file_name()?))
        });
        let path = canonical.unwrap_or(path);
        let dir = path.parent()?.to_path_buf();
        if path
            .file_name()
            .is_some_and(|n| n == crate::config::FILE_NAME)
        {
            lock(&self.owners).clear();
        }
        let known = lock(&self.owners).get(&dir).cloned();
        let opened = lock(&self.opened).get(uri).cloned();
        let owner = opened.or(known).unwrap_or_else(|| {
            let owner = self.owner_of(&dir);
            lock(&self.owners).insert(dir, owner.clone());
            owner
        });
        let root = self.root_at(&owner);
        let rel = crate::discover::relative(&root.root, &path).into();
        Some((root, rel))
    }

    /// The root folder of files in `dir`: the nearest `cloudpact.yaml` at or above it, else
    /// the innermost workspace folder holding it, else the first workspace folder.
    fn owner_of(&self, dir: &Path) -> PathBuf {
        if let Some(config) = crate::config::find(dir)
            && let Some(parent) = config.parent()
        {
            return parent.to_path_buf();
        }
        self.folders
            .iter()
            .filter(|f| dir.starts_with(f))
            .max_by_key(|f| f.components().count())
            .or_else(|| self.folders.first())
            .cloned()
            .unwrap_or_else(|| dir.to_path_buf())
    }

    /// Every root started so far, each once.
    pub(crate) fn roots(&self) -> Vec<Arc<Root>> {
        let mut out: Vec<Arc<Root>> = Vec::new();
        for r in lock(&self.roots).values() {
            if !out.iter().any(|x| Arc::ptr_eq(x, r)) {
                out.push(r.clone());
            }
        }
        out
    }

    /// The root at `folder`, started on first use.
    fn root_at(&self, folder: &Path) -> Arc<Root> {
        let mut roots = lock(&self.roots);
        if let Some(r) = roots.get(folder) {
            return r.clone();
        }
        let root = Arc::new(Root::start(folder, &self.settings));
        // `Workspace::new` resolves the same root again; key by what it chose.
        roots.insert(folder.to_path_buf(), root.clone());
        if root.root != folder {
            roots.insert(root.root.clone(), root.clone());
        }
        root
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The diagnostics of one file from every source: findings located there, parse errors, policy
/// and record errors of the last load, the single-file check of a `.pact`, config errors.
pub(crate) fn diagnostics_for(
    shared: &Shared,
    rel: &str,
    enc: Encoding,
) -> Vec<lsp_types::Diagnostic> {
    let ws = &shared.ws;
    let root = ws.root();
    let mut out: Vec<lsp_types::Diagnostic> = Vec::new();
    if let Some(findings) = ws.findings.get(rel) {
        out.extend(findings.iter().map(|f| publish::finding(f, enc, root)));
    }
    out.extend(
        ws.parse_errors(rel)
            .iter()
            .map(|d| publish::diag(d, enc, root)),
    );
    let loaded = ws.policy_diags.get(rel).map(Vec::as_slice).unwrap_or(&[]);
    out.extend(loaded.iter().map(|d| publish::diag(d, enc, root)));
    if let Some(own) = shared.source_diags.get(rel) {
        out.extend(
            own.iter()
                .filter(|d| !loaded.iter().any(|l| publish::same(l, d)))
                .map(|d| publish::diag(d, enc, root)),
        );
    }
    if ws.kind(rel) == FileKind::Config {
        out.extend(
            shared
                .config_diags
                .iter()
                .map(|d| publish::diag(d, enc, root)),
        );
    }
    out.sort_by_key(|d| (d.range.start.line, d.range.start.character));
    out
}

pub(crate) fn publish_message(
    uri: Uri,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Message {
    Message::Notification(Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    ))
}

struct Worker {
    shared: Arc<Mutex<Shared>>,
    out: Outbox,
    encoding: Encoding,
    debounce: Duration,
    pipeline: Arc<dyn Pipeline>,
}

impl Worker {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Collects jobs until the debounce has passed without a new `didChange`, then analyses
    /// them together; ends when the server drops its sender.
    fn run(self, rx: mpsc::Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut scan = false;
            let mut touched: BTreeMap<Arc<str>, bool> = BTreeMap::new();
            let mut deadline = Instant::now();
            let mut add = |job: Job, deadline: &mut Instant| match job {
                Job::Scan => scan = true,
                Job::Touched { rel, now, saved } => {
                    *touched.entry(rel).or_default() |= saved;
                    *deadline = if now {
                        Instant::now()
                    } else {
                        Instant::now() + self.debounce
                    };
                }
            };
            add(first, &mut deadline);
            loop {
                let wait = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(wait) {
                    Ok(job) => add(job, &mut deadline),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            // A bug in an extractor or the evaluator must not end the server; the next edit
            // tries again.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.analyse(scan, touched)
            }));
            if result.is_err() {
                self.log(
                    MessageType::ERROR,
                    "cloudpact: internal error while analysing; please report it",
                );
            }
        }
    }

    fn log(&self, typ: MessageType, message: impl Into<String>) {
        (self.out)(Message::Notification(Notification::new(
            LogMessage::METHOD.to_string(),
            LogMessageParams {
                typ,
                message: message.into(),
            },
        )));
    }

    fn analyse(&self, scan: bool, mut touched: BTreeMap<Arc<str>, bool>) {
        if scan {
            self.scan();
            // Every open document may read differently under new settings.
            touched.extend(self.lock().docs.keys().map(|k| (k.clone(), false)));
        }

        // 1. Copy out what changed.
        let mut edits: BTreeMap<UnitKey, Vec<Edit>> = BTreeMap::new();
        let mut pact_texts: Vec<(Arc<str>, String)> = Vec::new();
        let mut policy_request = None;
        let mut rescan = false;
        let units: Vec<(UnitKey, Vec<Input>)>;
        let catalog;
        let var_files;
        let as_of;
        {
            let mut shared = self.lock();
            let mut policy_dirty = false;
            for (rel, saved) in &touched {
                let text = shared.docs.get(rel).map(|d| d.text.clone());
                if let Some(v) = shared.docs.get(rel).map(|d| d.version) {
                    shared.analysed.insert(rel.clone(), v);
                }
                match shared.ws.kind(rel) {
                    FileKind::Config => {
                        let diags = match &text {
                            Some(t) => {
                                let file = Arc::new(SourceFile::new(rel.clone(), t.clone()));
                                crate::config::parse(&file).err().into_iter().collect()
                            }
                            None => Vec::new(),
                        };
                        rescan |= *saved && diags.is_empty();
                        shared.config_diags = diags;
                    }
                    FileKind::Policy => {
                        policy_dirty = true;
                        if let Some(t) = text {
                            pact_texts.push((rel.clone(), t));
                        } else {
                            shared.source_diags.remove(rel);
                        }
                    }
                    FileKind::Record => policy_dirty = true,
                    FileKind::Infra(syntax) => {
                        rescan |= shared.ws.links_changed(rel, syntax, text.as_deref());
                        let key = shared.ws.unit_key(rel, syntax);
                        edits
                            .entry(key)
                            .or_default()
                            .push((rel.clone(), syntax, text));
                    }
                    FileKind::Other => {}
                }
            }
            // Several files of one Terraform directory changed together: one extraction.
            units = edits
                .iter()
                .map(|(key, e)| (key.clone(), shared.ws.unit_inputs(key, e)))
                .collect();
            if policy_dirty {
                policy_request = Some(policy_request_of(&shared));
            }
            catalog = shared.ws.engine.catalog.clone();
            var_files = shared.ws.engine.var_files.clone();
            as_of = shared.ws.as_of();
        }
        if rescan {
            self.analyse(true, BTreeMap::new());
            return;
        }
        // 2. Work without the lock.
        let ctx = Ctx {
            catalog: &catalog,
            var_files: &var_files,
        };
        let extracted: Vec<_> = units
            .into_iter()
            .map(|(key, inputs)| {
                let e = self.pipeline.extract(&inputs, ctx);
                (key, inputs, e)
            })
            .collect();
        let checked: Vec<(Arc<str>, Vec<Diag>)> = pact_texts
            .into_iter()
            .map(|(rel, text)| {
                let file = Arc::new(SourceFile::new(rel.clone(), text));
                (rel, self.pipeline.check_policy(file, &catalog))
            })
            .collect();
        let loaded = policy_request
            .as_ref()
            .map(|r| self.pipeline.load_policies(r));

        // 3. Copy results in.
        let evaluation = {
            let mut shared = self.lock();
            let mut changed = scan || !extracted.is_empty();
            let mut whole = scan;
            let mut re_extracted = Vec::with_capacity(extracted.len());
            for (key, inputs, e) in extracted {
                re_extracted.push(key.clone());
                shared.ws.set_unit(key, inputs, e);
            }
            for (rel, diags) in checked {
                shared.source_diags.insert(rel, diags);
            }
            if let Some(loaded) = loaded {
                let before = Arc::as_ptr(&shared.ws.policies);
                shared.ws.set_policies(loaded);
                let policies_changed = !std::ptr::eq(before, Arc::as_ptr(&shared.ws.policies));
                changed |= policies_changed;
                whole |= policies_changed;
            }
            changed.then(|| {
                // New policies judge every unit again; an edit of infra files judges only
                // the units it re-extracted, from their own deployments and files (rules are
                // judged deployment by deployment here, see step 4).
                let (deps, files) = if whole {
                    shared.ws.snapshot()
                } else {
                    shared.ws.snapshot_of(&re_extracted)
                };
                (
                    shared.ws.policies.clone(),
                    deps,
                    files,
                    shared.ws.engine.config.clone(),
                    shared.ws.engine.parse_error_severity(),
                    (!whole).then_some(re_extracted),
                )
            })
        };

        // 4. Evaluate the whole workspace: repository-wide rules need every deployment. Then
        // the ignore comments (in the editor's text) and the config's waivers, as `check` does.
        if let Some((set, deps, files, config, parse_error_severity, only)) = evaluation {
            // Every unit of the workspace is known, and an open file shows what
            // `cloudpact check FILE` reports for it: whole-repository rules (`share`, unused
            // refusal records and waivers) are judged by a check of the whole repository, not
            // per file (docs/architecture.md, "The language server"). Parse errors are
            // published from the units (`Workspace::parse_errors`).
            let judge = Judge {
                policies: &set,
                config: &config,
                catalog: &catalog,
                as_of,
                whole_repo: false,
                parse_error_severity,
            };
            let findings = engine::judge(&judge, &deps, &files, &[]);
            let mut shared = self.lock();
            match only {
                None => shared.ws.set_findings(findings),
                Some(_) => shared.ws.replace_findings(&files, findings),
            }
        }

        // 5. Publish: always for what was touched, for other open documents when theirs changed.
        let messages = {
            let mut shared = self.lock();
            let open: Vec<(Arc<str>, Uri)> = shared
                .docs
                .iter()
                .map(|(rel, d)| (rel.clone(), d.uri.clone()))
                .collect();
            let mut messages = Vec::new();
            for (rel, uri) in open {
                let diags = diagnostics_for(&shared, &rel, self.encoding);
                let same = shared.published.get(&rel) == Some(&diags);
                if touched.contains_key(&rel) || !same {
                    shared.published.insert(rel.clone(), diags.clone());
                    let version = shared.analysed.get(&rel).copied();
                    messages.push(publish_message(uri, diags, version));
                }
            }
            messages
        };
        for m in messages {
            (self.out)(m);
        }
    }

    /// Settings, policies and every infra file, read from scratch.
    fn scan(&self) {
        let started = Instant::now();
        let (root, as_of, overlay_docs) = {
            let shared = self.lock();
            let docs: Vec<(Arc<str>, String)> = shared
                .docs
                .iter()
                .map(|(k, d)| (k.clone(), d.text.clone()))
                .collect();
            (shared.ws.root().to_path_buf(), shared.ws.as_of(), docs)
        };
        let mut ws = Workspace::new(&root, as_of);
        let first = policy_request_for(&ws, HashMap::new());
        ws.set_policies(self.pipeline.load_policies(&first));
        // Now that records are known, load again if some are open with unsaved text.
        let overlay = overlay_of(&ws, overlay_docs.iter().map(|(k, t)| (k, t.as_str())));
        if !overlay.is_empty() {
            let again = policy_request_for(&ws, overlay);
            ws.set_policies(self.pipeline.load_policies(&again));
        }
        ws.scan(&*self.pipeline, &overlay_docs);
        if ws.engine.existing_policy_paths().is_empty() {
            let shown: Vec<String> = ws
                .engine
                .policy_paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            ws.notes.push(format!(
                "no policy files found at {}: put .pact files in policies/ or set `policies:` in cloudpact.yaml",
                shown.join(", ")
            ));
        }
        let notes = std::mem::take(&mut ws.notes);
        let files = ws.units.values().map(|u| u.inputs.len()).sum::<usize>();
        let deployments = ws
            .units
            .values()
            .map(|u| u.deployments.len())
            .sum::<usize>();
        let rules = ws.policies.rules.len();
        self.lock().ws = ws;
        for n in notes {
            self.log(MessageType::WARNING, format!("cloudpact: {n}"));
        }
        self.log(
            MessageType::INFO,
            format!(
                "cloudpact: {files} files, {deployments} deployments, {rules} rules ({} ms)",
                started.elapsed().as_millis()
            ),
        );
    }
}

fn policy_request_of(shared: &Shared) -> engine::Workspace {
    let overlay = overlay_of(
        &shared.ws,
        shared.docs.iter().map(|(k, d)| (k, d.text.as_str())),
    );
    policy_request_for(&shared.ws, overlay)
}

/// The workspace to load policies from, with the editor's unsaved text of policy files and
/// records (copied out so the load runs without holding the lock).
fn policy_request_for(ws: &Workspace, overlays: engine::Overlays) -> engine::Workspace {
    engine::Workspace {
        overlays,
        ..ws.engine.clone()
    }
}

/// The open policy files and records whose text differs from the disk's.
fn overlay_of<'a>(
    ws: &Workspace,
    docs: impl Iterator<Item = (&'a Arc<str>, &'a str)>,
) -> engine::Overlays {
    docs.filter(|(rel, _)| matches!(ws.kind(rel), FileKind::Policy | FileKind::Record))
        .map(|(rel, text)| (rel.clone(), Arc::from(text)))
        .collect()
}

//! Stage 1 of the pipeline: which files to scan, and which syntax each claims by its name.
//!
//! The walk honours `.gitignore`, `.ignore` and `.git/info/exclude` (also outside a git
//! checkout, so a tarball behaves like the repository), scans hidden files (`.github/`,
//! `.gitlab-ci.yml`, `.env`), and always skips `.git/`, `.terraform/`, `node_modules/` and
//! `vendor/`. Files given explicitly are scanned even where `.gitignore` would skip them, but
//! `exclude` patterns still apply to them (docs/configuration.md).
//!
//! The walk fails closed: a file whose name claims a syntax but that the run cannot or must
//! not read — unreadable, over `max_file_size`, a name that is not UTF-8, a FIFO, socket or
//! device, a link that leaves the repository or leads nowhere — and a folder it cannot list
//! come back as [`Skipped`], which the engine turns into `cloudpact.unreadable` and
//! `cloudpact.too-large` findings (docs/configuration.md, "Which files are scanned"). Special
//! files are never opened: opening a FIFO blocks until a writer comes, and `/dev/zero` never
//! ends.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::GlobSet;
use rayon::prelude::*;

use crate::diag::Diag;
use crate::source::SourceFile;

mod walk;

/// Files larger than this are not read; each is a `cloudpact.too-large` finding
/// (docs/configuration.md).
pub(crate) const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// cloudpact's own files and pre-commit's: they steer the check and describe no deployment.
const OWN_FILES: &[&str] = &[
    "cloudpact.yaml",
    "cloudpact-test.yaml",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
    ".cloudpact-baseline.json",
];

/// Whether a folder of this name is never scanned.
pub fn is_skipped_dir(name: &str) -> bool {
    SKIPPED_DIRS.contains(&name)
}

/// Directories never scanned.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".terraform",
    "node_modules",
    "vendor",
    ".terragrunt-cache",
];

/// The syntax a file claims by its name; content decides the format within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Syntax {
    /// `*.tf`, `*.tofu`
    Hcl,
    /// `*.tfvars`
    Tfvars,
    /// `*.json` (`.tf.json`, plan JSON, ARM, CloudFormation, config)
    Json,
    /// `*.yaml`, `*.yml`
    Yaml,
    /// `*.bicep` and `*.bicepparam`
    Bicep,
    /// A file under a Helm chart's `templates/`: Go templates, read as text; one without
    /// template syntax is a plain manifest, read as YAML (`facts::helm::extract`).
    HelmTemplate,
    /// `.env`, `*.env`, `.env.*`
    Dotenv,
    /// `*.toml`
    Toml,
    /// `*.ini`, `*.cfg`, `*.conf`
    Ini,
    /// `*.properties`
    Properties,
    /// `*.template`: CloudFormation's old extension, JSON or YAML; read only when the content
    /// is a template, as which syntax its first character says.
    CfnTemplate,
}

impl Syntax {
    /// The syntax a path claims, if cloudpact reads it. `chart_root` tells whether a parent
    /// directory holds a `Chart.yaml` (templates there are Go templates, not YAML).
    ///
    /// A name that is not UTF-8 claims what its lossy form claims (`main\u{fffd}.tf` is HCL),
    /// so the walk can report it instead of passing it by.
    pub(crate) fn of(path: &Path, in_helm_templates: bool) -> Option<Syntax> {
        let name = path.file_name()?.to_string_lossy();
        let name: &str = &name;
        if OWN_FILES.contains(&name) {
            return None;
        }
        let lower = name.to_ascii_lowercase();
        if in_helm_templates
            && (lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".tpl"))
        {
            return Some(Syntax::HelmTemplate);
        }
        if lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env") {
            // `.env.example` and friends are still env files: they document real endpoints.
            return Some(Syntax::Dotenv);
        }
        let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "tf" | "tofu" => Syntax::Hcl,
            // Terragrunt's configuration (`terragrunt.hcl`, `root.hcl`, included files); the
            // provider lock file says nothing about where anything runs.
            "hcl" if lower != ".terraform.lock.hcl" => Syntax::Hcl,
            "tfvars" => Syntax::Tfvars,
            "json" => Syntax::Json,
            "yaml" | "yml" => Syntax::Yaml,
            // A `.bicepparam` file is Bicep syntax: `using` and `param` statements.
            "bicep" | "bicepparam" => Syntax::Bicep,
            "toml" => Syntax::Toml,
            "ini" | "cfg" | "conf" => Syntax::Ini,
            "properties" => Syntax::Properties,
            "template" => Syntax::CfnTemplate,
            _ => return None,
        })
    }
}

/// How to walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Honour `.gitignore` / `.ignore` (off with `--no-ignore`).
    pub honour_ignore_files: bool,
    /// Patterns (relative to the scan root) to skip.
    pub exclude: Vec<String>,
    pub max_file_size: u64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            honour_ignore_files: true,
            exclude: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// Repository-relative, normalised, `/`-separated: the one form every report shows.
    pub rel: String,
    pub abs: PathBuf,
    pub syntax: Syntax,
    /// Its size in bytes when it was found (what batches and shards are weighed by).
    pub len: u64,
}

/// A file read for extraction, with the syntax its name claims.
#[derive(Debug, Clone)]
pub struct Input {
    pub file: Arc<SourceFile>,
    pub syntax: Syntax,
}

/// What the walk found: files to read (sorted), the files and folders it could not or must
/// not read (each a finding), and notes about things that hide nothing.
#[derive(Debug, Default)]
pub struct Discovered {
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
    /// For stderr: an ignore file that could not be read or holds a bad pattern (it only
    /// makes the walk read more).
    pub notes: Vec<String>,
}

/// A file or folder the run should check but did not read: a finding at its path, line 1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// Repository-relative, `/`-separated; a name that is not UTF-8 is shown lossily.
    pub rel: String,
    pub why: Why,
}

/// Why a file or folder was not read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Why {
    /// Over `max_file_size` (`cloudpact.too-large`).
    TooLarge { len: u64, max: u64 },
    /// Cannot or must not be read (`cloudpact.unreadable`), in words.
    Unreadable(String),
}

impl Skipped {
    pub fn unreadable(rel: String, why: impl Into<String>) -> Skipped {
        Skipped {
            rel,
            why: Why::Unreadable(why.into()),
        }
    }

    /// The reserved rule id of the finding.
    pub(crate) fn code(&self) -> &'static str {
        match self.why {
            Why::TooLarge { .. } => crate::diag::code::TOO_LARGE,
            Why::Unreadable(_) => crate::diag::code::UNREADABLE,
        }
    }

    /// The finding's headline.
    pub(crate) fn message(&self) -> String {
        let rel = if self.rel.is_empty() { "." } else { &self.rel };
        match &self.why {
            Why::TooLarge { len, max } => format!(
                "{rel} was not checked: {len} bytes is over the {max}-byte limit (max_file_size)"
            ),
            Why::Unreadable(why) => format!("cannot read {rel}: {why}"),
        }
    }

    /// The diagnostic the engine turns into a finding: at line 1 of the path.
    pub(crate) fn to_diag(&self) -> Diag {
        let file = Arc::new(SourceFile::new(self.rel.as_str(), ""));
        let label = match self.why {
            Why::TooLarge { .. } => "not checked",
            Why::Unreadable(_) => "not read",
        };
        Diag::error(self.code(), self.message())
            .in_file(file)
            .at(crate::source::Span::empty(0), label)
    }
}

impl Discovered {
    /// Sorts and removes duplicates (a file reached twice, as named and as context).
    pub(crate) fn finish(&mut self) {
        // A large walk's files sorted on the worker threads (equal candidates are the same
        // file, so the unstable sort orders them as a stable one); a small one's here, without
        // starting the thread pool for it (docs/performance.md, "Start-up").
        if self.candidates.len() >= 4096 {
            use rayon::slice::ParallelSliceMut;
            self.candidates.par_sort_unstable();
        } else {
            self.candidates.sort();
        }
        self.candidates.dedup();
        self.skipped.sort();
        self.skipped.dedup();
    }
}

/// An error that stops the run (exit 2): a path given on the command line that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("cannot read `{path}`: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid exclude pattern `{pattern}`: {source}")]
    BadGlob {
        pattern: String,
        source: globset::Error,
    },
}

/// `exclude` patterns in the glob dialect of [`crate::glob`].
pub(crate) fn build_globset(patterns: &[String]) -> Result<GlobSet, DiscoverError> {
    crate::glob::compile_set(patterns)
        .map_err(|(pattern, source)| DiscoverError::BadGlob { pattern, source })
}

/// Walks a repository: every path it takes and gives is relative to the repository root.
#[derive(Debug, Clone)]
pub struct Walker {
    /// Absolute and canonical.
    root: PathBuf,
    opts: WalkOptions,
    exclude: GlobSet,
}

impl Walker {
    pub(crate) fn new(root: &Path, opts: WalkOptions) -> Result<Walker, DiscoverError> {
        let exclude = build_globset(&opts.exclude)?;
        Ok(Walker {
            root: root.to_path_buf(),
            opts,
            exclude,
        })
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// How the walk is steered (`max_file_size`, ignore files).
    pub(crate) fn options(&self) -> &WalkOptions {
        &self.opts
    }

    /// Whether `exclude` skips a repository-relative path or one of its folders.
    pub(crate) fn is_excluded(&self, rel: &str) -> bool {
        if rel.is_empty() {
            return false;
        }
        let mut at = 0;
        while let Some(i) = rel[at..].find('/') {
            if self.exclude.is_match(&rel[..at + i]) {
                return true;
            }
            at += i + 1;
        }
        self.exclude.is_match(rel)
    }

    /// A file named on the command line: read when its name claims a syntax, even where
    /// `.gitignore` would skip it, but not when `exclude` does (docs/configuration.md). A
    /// named file that must not be read (a FIFO, a link out of the repository) is reported
    /// like one met in a walk.
    pub(crate) fn file(&self, rel: &str, out: &mut Discovered) -> Result<(), DiscoverError> {
        let abs = self.root.join(rel);
        let meta = std::fs::symlink_metadata(&abs).map_err(|source| DiscoverError::Unreadable {
            path: rel.to_string(),
            source,
        })?;
        if self.is_excluded(rel) {
            return Ok(());
        }
        self.entry(&abs, meta.file_type(), out);
        Ok(())
    }

    /// One entry of a walk, or a named file, by the type of the entry itself (links not
    /// followed): a candidate when its name claims a syntax and it can be read, else
    /// [`Skipped`] when its name claims one, else nothing.
    fn entry(&self, path: &Path, kind: std::fs::FileType, out: &mut Discovered) {
        self.entry_with(path, kind, || std::fs::metadata(path), out);
    }

    /// [`Walker::entry`] with the way to ask for the entry's own metadata (the walk asks
    /// relative to the open folder: src/discover/walk.rs).
    fn entry_with(
        &self,
        path: &Path,
        kind: std::fs::FileType,
        metadata: impl FnOnce() -> std::io::Result<std::fs::Metadata>,
        out: &mut Discovered,
    ) {
        if kind.is_dir() {
            return;
        }
        if kind.is_symlink() {
            self.link(path, out);
            return;
        }
        let Some(syntax) = Syntax::of(path, in_helm_templates(path)) else {
            return;
        };
        match metadata() {
            Ok(meta) => self.regular(path, path, &meta, syntax, out),
            Err(e) => out.skipped.push(Skipped::unreadable(
                relative(&self.root, path),
                e.to_string(),
            )),
        }
    }

    /// A symbolic link, read at its own path as what it points to (a linked `.tf` belongs to
    /// the link's folder, as Terraform reads it). A link to a folder inside the repository is
    /// not walked again: that folder is checked once, at its own path, which also makes link
    /// loops harmless. A link that leaves the repository or leads nowhere is reported when a
    /// file there would have been read: its name claims a syntax, or it is a folder.
    fn link(&self, path: &Path, out: &mut Discovered) {
        let rel = relative(&self.root, path);
        let syntax = Syntax::of(path, in_helm_templates(path));
        let to = std::fs::read_link(path)
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (meta, target) = match resolve(path) {
            Ok(found) => found,
            Err(e) => {
                if syntax.is_some() {
                    let why = format!("a symbolic link to `{to}`, which cannot be followed ({e})");
                    out.skipped.push(Skipped::unreadable(rel, why));
                }
                return;
            }
        };
        if !target.starts_with(&self.root) {
            if syntax.is_some() || meta.is_dir() {
                let why =
                    format!("a symbolic link to `{to}`, outside the repository: not followed");
                out.skipped.push(Skipped::unreadable(rel, why));
            }
            return;
        }
        if meta.is_dir() {
            return;
        }
        if let Some(syntax) = syntax {
            self.regular(path, &target, &meta, syntax, out);
        }
    }

    /// A file whose name claims `syntax`, at `path` (a link's own path) with the metadata of
    /// `target` (what it points to).
    fn regular(
        &self,
        path: &Path,
        target: &Path,
        meta: &std::fs::Metadata,
        syntax: Syntax,
        out: &mut Discovered,
    ) {
        let rel = relative(&self.root, path);
        if !self.decodable(path) {
            let why = "its name is not valid UTF-8, so no report could name it exactly";
            out.skipped.push(Skipped::unreadable(rel, why));
            return;
        }
        if !meta.is_file() {
            let what = special_kind(&meta.file_type());
            let why = if target == path {
                format!("{what}, not a regular file: never opened")
            } else {
                format!("a symbolic link to {what}, not a regular file: never opened")
            };
            out.skipped.push(Skipped::unreadable(rel, why));
            return;
        }
        let len = meta.len();
        if len > self.opts.max_file_size {
            out.skipped.push(Skipped {
                rel,
                why: Why::TooLarge {
                    len,
                    max: self.opts.max_file_size,
                },
            });
            return;
        }
        out.candidates.push(Candidate {
            rel,
            abs: path.to_path_buf(),
            syntax,
            len,
        });
    }

    /// Whether `path`'s part inside the repository is UTF-8, so a report can name it exactly.
    /// What the walk meets is the root's bytes and `/…`: read so, without the component-wise
    /// comparison of `strip_prefix` (most of this check's cost, once per file).
    fn decodable(&self, path: &Path) -> bool {
        let (r, p) = (
            self.root.as_os_str().as_encoded_bytes(),
            path.as_os_str().as_encoded_bytes(),
        );
        if let Some(rest) = p.strip_prefix(r)
            && rest.first() == Some(&b'/')
        {
            return std::str::from_utf8(rest).is_ok();
        }
        path.strip_prefix(&self.root)
            .map_or_else(|_| path.to_str().is_some(), |p| p.to_str().is_some())
    }

    /// Whether an `exclude` pattern matches a walked path itself (its folders were matched as
    /// the walk entered them). Without patterns, no relative path is made: most runs have
    /// none, and the walk meets every file and folder.
    fn excludes(&self, path: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let rel = relative(&self.root, path);
        !rel.is_empty() && self.exclude.is_match(&rel)
    }
}

/// The ignore files the walk reads (`.git/info/exclude` in a folder holding `.git`):
/// src/discover/walk.rs.
const IGNORE_FILES: &[&str] = &[
    ".gitignore",
    ".ignore",
    ".cloudpactignore",
    ".git/info/exclude",
];

/// What a link points to, all links followed, with its metadata.
fn resolve(link: &Path) -> std::io::Result<(std::fs::Metadata, PathBuf)> {
    let target = std::fs::canonicalize(link)?;
    Ok((std::fs::metadata(&target)?, target))
}

/// What a file that is neither a regular file nor a folder is, in words.
fn special_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    #[cfg(not(unix))]
    let _ = t;
    "a special file"
}

fn shown_dir(rel: &str) -> &str {
    if rel.is_empty() { "." } else { rel }
}

/// The file that makes a folder a policy test case.
pub(crate) const TEST_CASE_FILE: &str = "cloudpact-test.yaml";

/// Whether `path` is inside `templates/` of a Helm chart (a parent holds `Chart.yaml`).
pub(crate) fn in_helm_templates(path: &Path) -> bool {
    // Most paths have no `templates` folder at all: a look at the bytes first (the walk asks
    // about every file it meets).
    static TEMPLATES: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("templates"));
    if TEMPLATES
        .find(path.as_os_str().as_encoded_bytes())
        .is_none()
    {
        return false;
    }
    path.ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|n| n == "templates")
            && dir
                .parent()
                .is_some_and(|chart| chart.join("Chart.yaml").is_file())
    })
}

/// `path` relative to `root`, `/`-separated and normalised (`a/../b` is `b`). A path outside
/// `root` gets leading `..` components (`../../policies/a.pact`); one that cannot be resolved
/// is shown as given.
pub fn relative(root: &Path, path: &Path) -> String {
    // What the walk meets: `root`, a separator, and a plain relative path. Its bytes say so
    // without the component-wise comparison of `strip_prefix`.
    let (r, p) = (
        root.as_os_str().as_encoded_bytes(),
        path.as_os_str().as_encoded_bytes(),
    );
    if std::path::MAIN_SEPARATOR == '/'
        && p.len() > r.len() + 1
        && p.starts_with(r)
        && p[r.len()] == b'/'
        && let Ok(rest) = std::str::from_utf8(&p[r.len() + 1..])
        && let Some(plain) = plain_relative(Path::new(rest))
    {
        return plain.to_string();
    }
    if let Ok(p) = path.strip_prefix(root) {
        // What the walk meets (twice per file): already `/`-separated and normal.
        if let Some(plain) = plain_relative(p) {
            return plain.to_string();
        }
        return normalize_lexically(&slash_path(p));
    }
    match (std::fs::canonicalize(root), std::fs::canonicalize(path)) {
        (Ok(r), Ok(p)) => slash_path(&path_diff(&p, &r)),
        _ => normalize_lexically(&slash_path(path)),
    }
}

/// `p` itself when it is what [`relative`] would make of it: UTF-8, relative, and on a system
/// whose separator is `/`, without empty, `.` or `..` components.
fn plain_relative(p: &Path) -> Option<&str> {
    let s = p.to_str()?;
    (std::path::MAIN_SEPARATOR == '/'
        && !s.starts_with('/')
        && s.as_bytes()
            .split(|&b| b == b'/')
            .all(|c| !matches!(c, b"" | b"." | b"..")))
    .then_some(s)
}

/// `path` relative to `base`; both absolute and canonical.
pub(crate) fn path_diff(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    out
}

/// Resolves `dir/..` pairs without touching the file system (`a/b/../../c` → `c`); leading
/// `..` that climb above the start are kept.
pub(crate) fn normalize_lexically(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." if !parts.is_empty() => {}
            "." => {}
            ".." if parts.last().is_some_and(|p| *p != ".." && !p.is_empty()) => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// A path with `/` separators, without `.` components.
pub(crate) fn slash_path(p: &Path) -> String {
    use std::path::Component;
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for comp in p.components() {
        match comp {
            Component::Normal(c) => parts.push(c.to_string_lossy().into_owned()),
            Component::ParentDir => parts.push("..".to_string()),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => absolute = true,
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Reads every candidate in parallel. A file that is not valid UTF-8 or holds binary content
/// becomes a `cloudpact.parse-error` diagnostic; one that cannot be read a
/// `cloudpact.unreadable` one at line 1.
pub(crate) fn read_all(candidates: &[Candidate]) -> (Vec<Input>, Vec<Diag>) {
    // Nothing to read starts no thread pool (an empty folder's check: docs/performance.md,
    // "Start-up").
    if candidates.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let results: Vec<Result<Input, Diag>> = candidates.par_iter().map(read_one).collect();
    sort_inputs(results)
}

/// Read results as inputs and diagnostics: a `.template` that is CloudFormation becomes JSON or
/// YAML, any other `.template` is left out.
pub fn sort_inputs(results: Vec<Result<Input, Diag>>) -> (Vec<Input>, Vec<Diag>) {
    let mut inputs = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(i) => match i.syntax {
                Syntax::CfnTemplate => inputs.extend(resolve_template(i)),
                _ => inputs.push(i),
            },
            Err(d) => errors.push(d),
        }
    }
    (inputs, errors)
}

/// The bytes of a regular file the walk found `len` bytes long: one read of up to one byte
/// more. A file of that size is read in three calls (open, read, close) instead of four: the
/// size is not asked for again. Any other answer — shorter (the file shrank, or a file
/// system returns short reads), longer (it grew, or it was swapped for a device since the
/// walk) — is checked as [`read_regular`] checks a file, then read to its end.
fn read_sized(path: &Path, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let want = usize::try_from(len)
        .ok()
        .and_then(|n| n.checked_add(1))
        .ok_or_else(|| std::io::Error::other("too large to read"))?;
    let mut bytes = Vec::with_capacity(want);
    let got = read_into_spare(&file, &mut bytes)?;
    if got as u64 == len {
        return Ok(bytes);
    }
    regular_kind(&file)?;
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// One read into the spare capacity of `bytes`, which grows by what was read: the memory is
/// not zeroed first (a file's worth of writes the read overwrites at once).
#[cfg(unix)]
fn read_into_spare(file: &std::fs::File, bytes: &mut Vec<u8>) -> std::io::Result<usize> {
    loop {
        match rustix::io::read(file, rustix::buffer::spare_capacity(bytes)) {
            Ok(n) => return Ok(n),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// One read into the spare capacity of `bytes` (zeroed first: no system call reads into
/// memory not yet written here), which grows by what was read.
#[cfg(not(unix))]
fn read_into_spare(mut file: &std::fs::File, bytes: &mut Vec<u8>) -> std::io::Result<usize> {
    use std::io::Read;
    let from = bytes.len();
    bytes.resize(bytes.capacity(), 0);
    let got = loop {
        match file.read(&mut bytes[from..]) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                bytes.truncate(from);
                return Err(e);
            }
        }
    };
    bytes.truncate(from + got);
    Ok(got)
}

/// An error unless `file` is a regular file.
fn regular_kind(file: &std::fs::File) -> std::io::Result<std::fs::Metadata> {
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "{}, not a regular file",
            special_kind(&meta.file_type())
        )));
    }
    Ok(meta)
}

/// The bytes of a regular file. The walk gives only regular files, but one may have been
/// swapped for a device since: what was opened is checked before it is read.
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let meta = regular_kind(&file)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // Through `take`, whose reads are the file's own: `File::read_to_end` asks the system for
    // the size and position again (two calls per file) to size a buffer this one already has.
    // Up to the size the system gave: reading on to find the end was one more call per file.
    // A file that says it is empty (as some virtual files do) is read to its end.
    let limit = match meta.len() {
        0 => u64::MAX,
        len => len,
    };
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A `.template` file is CloudFormation when its text names the template's sections; then it is
/// JSON when it starts with `{`, else YAML. Any other `.template` is not a format we read.
pub(crate) fn resolve_template(mut input: Input) -> Option<Input> {
    let text = &input.file.text();
    let is_cfn = text.contains("AWSTemplateFormatVersion")
        || text.contains("\"Resources\"")
        || text.lines().any(|l| l.starts_with("Resources:"));
    if !is_cfn {
        return None;
    }
    input.syntax = if text.trim_start().starts_with('{') {
        Syntax::Json
    } else {
        Syntax::Yaml
    };
    Some(input)
}

fn read_one(c: &Candidate) -> Result<Input, Diag> {
    let bytes = read_sized(&c.abs, c.len)
        .map_err(|e| Skipped::unreadable(c.rel.clone(), e.to_string()).to_diag())?;
    let origin = crate::source::Origin {
        at: c.abs.as_path().into(),
        read: read_again,
    };
    input_of(c, bytes, Some(origin))
}

/// A file's text read as [`read_one`] reads it, or `None` (for a finding's file whose text a
/// batch dropped: src/source.rs; for the references between Bicep files a batch must keep
/// together: src/workspace/shard.rs).
pub(crate) fn read_again(path: &Path) -> Option<String> {
    decode(read_regular(path).ok()?).ok()
}

/// A candidate's text as [`read_one`] reads it, or `None` (for the batch split's look at the
/// Terraform and Bicep files: src/workspace/shard.rs).
pub(crate) fn read_candidate(c: &Candidate) -> Option<String> {
    decode(read_sized(&c.abs, c.len).ok()?).ok()
}

/// The input of a candidate's bytes, however they were read (from the disk, or from a git
/// tree: src/workspace/git.rs).
pub fn input_of(
    c: &Candidate,
    bytes: Vec<u8>,
    origin: Option<crate::source::Origin>,
) -> Result<Input, Diag> {
    let code = crate::diag::code::PARSE_ERROR;
    let text = decode(bytes).map_err(|e| {
        // The text up to the problem, so the diagnostic's position is where it is.
        let file = Arc::new(SourceFile::new(c.rel.as_str(), e.text_before));
        let span = crate::source::Span::empty(file.text().len());
        Diag::error(code, format!("cannot parse {}: {}", c.rel, e.why))
            .in_file(file)
            .at(span, e.why.to_string())
    })?;
    let file = match origin {
        Some(origin) => SourceFile::read_from(c.rel.as_str(), text, origin),
        None => SourceFile::new(c.rel.as_str(), text),
    };
    Ok(Input {
        file: Arc::new(file),
        syntax: c.syntax,
    })
}

/// Why a file's bytes are not text, and the text before the first bad byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotText {
    pub why: &'static str,
    pub text_before: String,
}

/// A file's text: UTF-8, or UTF-16 (little- or big-endian) when it starts with that
/// byte-order mark, as Windows editors and PowerShell's `Out-File` write ARM templates and
/// `.bicep` files. The byte-order mark is not content: it is dropped, so spans are offsets
/// into the decoded text, as editors show it. A NUL character means binary content.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<String, NotText> {
    let text = match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => decode_utf16(rest, u16::from_le_bytes)?,
        [0xFE, 0xFF, rest @ ..] => decode_utf16(rest, u16::from_be_bytes)?,
        _ => {
            let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            if let Some(nul) = memchr::memchr(0, &bytes[bom..]) {
                return Err(NotText {
                    why: BINARY,
                    text_before: String::from_utf8_lossy(&bytes[bom..bom + nul]).into_owned(),
                });
            }
            let mut bytes = bytes;
            bytes.drain(..bom);
            // The bytes become the text where they are: no copy of the file.
            return String::from_utf8(bytes).map_err(|e| {
                let valid = e.utf8_error().valid_up_to();
                NotText {
                    why: "invalid UTF-8",
                    text_before: String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned(),
                }
            });
        }
    };
    match memchr::memchr(0, text.as_bytes()) {
        Some(nul) => Err(NotText {
            why: BINARY,
            text_before: text[..nul].to_string(),
        }),
        None => Ok(text),
    }
}

const BINARY: &str = "binary content (a NUL byte) in a text format";

/// UTF-16 code units (after the byte-order mark) to text; an unpaired surrogate or an odd
/// trailing byte is an error.
fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, NotText> {
    let units = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => text.push(c),
            Err(_) => {
                return Err(NotText {
                    why: "invalid UTF-16",
                    text_before: text,
                });
            }
        }
    }
    if bytes.len() % 2 == 1 {
        return Err(NotText {
            why: "invalid UTF-16 (an odd number of bytes)",
            text_before: text,
        });
    }
    Ok(text)
}

/// `dir` (repository-relative) joined with a relative path, normalised; `None` when it leaves
/// the repository. A `?query` (Terraform's `?ref=`) is dropped.
pub(crate) fn join(dir: &str, rel: &str) -> Option<String> {
    let rel = rel.split('?').next().unwrap_or(rel);
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// `a/b/../c` → `a/c`, without touching the file system (the file may not exist yet).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_by_name() {
        let s = |p: &str| Syntax::of(Path::new(p), false);
        assert_eq!(s("main.tf"), Some(Syntax::Hcl));
        assert_eq!(s("prod.tfvars"), Some(Syntax::Tfvars));
        assert_eq!(s("main.tf.json"), Some(Syntax::Json));
        assert_eq!(s("app.yml"), Some(Syntax::Yaml));
        assert_eq!(s(".env"), Some(Syntax::Dotenv));
        assert_eq!(s(".env.production"), Some(Syntax::Dotenv));
        assert_eq!(s("prod.env"), Some(Syntax::Dotenv));
        assert_eq!(s("main.bicep"), Some(Syntax::Bicep));
        assert_eq!(s("main.prod.bicepparam"), Some(Syntax::Bicep));
        assert_eq!(s("README.md"), None);
        assert_eq!(s("cloudpact.yaml"), None);
        assert_eq!(s(".pre-commit-config.yaml"), None);
        assert_eq!(s("Makefile"), None);
        assert_eq!(
            Syntax::of(Path::new("chart/templates/deploy.yaml"), true),
            Some(Syntax::HelmTemplate)
        );
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in text.encode_utf16() {
            out.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let text = "resource \"a_b\" \"c\" {\n  location = \"westeurope\" # é 😀\n}\n";
        assert_eq!(decode(utf16(text, false)).unwrap(), text);
        assert_eq!(decode(utf16(text, true)).unwrap(), text);
        // The UTF-8 byte-order mark is dropped too.
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(text.as_bytes());
        assert_eq!(decode(bytes).unwrap(), text);
        assert_eq!(decode(text.as_bytes().to_vec()).unwrap(), text);
    }

    #[test]
    fn bad_utf16_and_binary_are_not_text() {
        // An unpaired surrogate after some text.
        let mut bytes = utf16("ab", false);
        bytes.extend([0x00, 0xD8, 0x41, 0x00]);
        let e = decode(bytes).unwrap_err();
        assert_eq!((e.why, e.text_before.as_str()), ("invalid UTF-16", "ab"));
        let mut odd = utf16("ab", true);
        odd.push(0x41);
        assert!(decode(odd).unwrap_err().why.starts_with("invalid UTF-16"));
        // UTF-16 without a byte-order mark is binary (NUL bytes), as before.
        let e = decode(utf16("ab", false)[2..].to_vec()).unwrap_err();
        assert!(e.why.starts_with("binary content"));
        let e = decode(utf16("a\0b", true)).unwrap_err();
        assert_eq!(
            (e.why.starts_with("binary"), e.text_before.as_str()),
            (true, "a")
        );
        let e = decode(b"ab\xFFcd".to_vec()).unwrap_err();
        assert_eq!((e.why, e.text_before.as_str()), ("invalid UTF-8", "ab"));
        // After a UTF-8 byte-order mark, which is not part of the text before.
        let e = decode(b"\xEF\xBB\xBFab\xFFcd".to_vec()).unwrap_err();
        assert_eq!((e.why, e.text_before.as_str()), ("invalid UTF-8", "ab"));
        let e = decode(b"\xEF\xBB\xBFab\0cd".to_vec()).unwrap_err();
        assert_eq!(
            (e.why.starts_with("binary"), e.text_before.as_str()),
            (true, "ab")
        );
    }

    /// A walk on several threads finds what a walk on one finds: the same files (nested ignore
    /// files honoured, `exclude` applied), the same skipped ones, once each.
    #[test]
    fn a_walk_on_two_threads_finds_what_one_thread_finds() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        for i in 0..6 {
            let dir = root.join(format!("m{i}/sub{i}/deep"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("main.tf"), "").unwrap();
            std::fs::write(dir.join("skip.tf"), "").unwrap();
            std::fs::write(root.join(format!("m{i}/values.yaml")), "").unwrap();
            std::fs::write(root.join(format!("m{i}/.gitignore")), "skip.tf\n").unwrap();
        }
        std::fs::write(root.join("m5/.ignore"), "*.yaml\n").unwrap();
        std::fs::create_dir_all(root.join("vendor")).unwrap();
        std::fs::write(root.join("vendor/x.tf"), "").unwrap();
        std::fs::write(root.join("m0/big.tf"), "x".repeat(64)).unwrap();
        let opts = WalkOptions {
            exclude: vec!["vendor".to_string()],
            max_file_size: 32,
            ..WalkOptions::default()
        };
        let walker = Walker::new(&root, opts).unwrap();
        let walk = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut found = Discovered::default();
                walker.folder("", false, &mut found);
                found.finish();
                found
            })
        };
        let (one, two) = (walk(1), walk(2));
        let rels = |d: &Discovered| {
            d.candidates
                .iter()
                .map(|c| c.rel.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(rels(&one), rels(&two));
        assert_eq!(one.skipped, two.skipped);
        let big: Vec<&str> = two.skipped.iter().map(|s| s.rel.as_str()).collect();
        assert_eq!(big, ["m0/big.tf"]);
        let mut expected: Vec<String> = (0..6)
            .map(|i| format!("m{i}/sub{i}/deep/main.tf"))
            .chain((0..5).map(|i| format!("m{i}/values.yaml")))
            .collect();
        expected.sort();
        assert_eq!(rels(&two), expected);
    }

    #[test]
    fn a_sized_read_gets_the_whole_file_whatever_size_the_walk_saw() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.tf");
        let text = b"resource \"aws_s3_bucket\" \"b\" {}\n";
        std::fs::write(&path, text).unwrap();
        let len = text.len() as u64;
        // The size seen, a size since grown, one since shrunk, and a file that said it was empty.
        for seen in [len, len - 3, len + 5, 0] {
            assert_eq!(read_sized(&path, seen).unwrap(), text, "seen {seen}");
        }
        std::fs::write(&path, b"").unwrap();
        assert!(read_sized(&path, 0).unwrap().is_empty());
        assert!(read_sized(&path, 7).unwrap().is_empty());
        // A device where the walk saw a file is refused, not read without end.
        #[cfg(target_os = "linux")]
        {
            let e = read_sized(Path::new("/dev/zero"), 4).unwrap_err();
            assert_eq!(e.to_string(), "a device, not a regular file");
        }
    }

    #[test]
    fn a_folder_the_walk_cannot_list_is_skipped_at_its_path() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        let walker = Walker::new(&root, WalkOptions::default()).unwrap();
        let mut out = Discovered::default();
        // A folder that is not there by the time it is listed, as one that cannot be read.
        std::fs::create_dir_all(root.join("a")).unwrap();
        walker.folder("a/gone", false, &mut out);
        let denied = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "x");
        let mut denied_out = Discovered::default();
        walker.folder("a", false, &mut denied_out);
        assert!(denied_out.skipped.is_empty());
        assert_eq!(
            out.skipped,
            [Skipped::unreadable(
                "a/gone".into(),
                "the folder cannot be listed (No such file or directory (os error 2)): nothing in \
                 it was checked"
            )]
        );
        assert_eq!(out.skipped[0].code(), crate::diag::code::UNREADABLE);
        assert_eq!(walk::io_cause(&denied), "permission denied");
    }

    #[test]
    fn relative_paths_use_slashes() {
        assert_eq!(relative(Path::new("."), Path::new("./a/b.tf")), "a/b.tf");
        assert_eq!(
            relative(Path::new("/r"), Path::new("/r/x/y.yaml")),
            "x/y.yaml"
        );
        // The plain path as it is; anything else through the normalising way, alike.
        for (path, rel) in [
            ("/r/a/b.tf", "a/b.tf"),
            ("/r/a//b.tf", "a/b.tf"),
            ("/r/a/./b.tf", "a/b.tf"),
            ("/r/a/../b.tf", "b.tf"),
            ("/r/a/", "a"),
            ("/r", ""),
            ("/r/é/ü.yaml", "é/ü.yaml"),
        ] {
            assert_eq!(relative(Path::new("/r"), Path::new(path)), rel, "{path}");
        }
        assert_eq!(plain_relative(Path::new("a/b")), Some("a/b"));
        assert_eq!(plain_relative(Path::new("a/./b")), None);
        assert_eq!(plain_relative(Path::new("")), None);
    }
}

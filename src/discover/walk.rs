//! The walk of a folder, on the worker threads.
//!
//! Each folder is listed once. What the walk must know about a folder before it reads it comes
//! from that listing: whether it holds ignore files (and whether one is a FIFO or a device,
//! which must never be opened), whether it is a policy test case (`cloudpact-test.yaml`), and
//! each entry's type. A file's size is asked relative to its open folder, not by its whole
//! path. So a folder costs one open and one listing, and a file one short lookup, where asking
//! by path cost five failed lookups per folder and a full path lookup per file: half of the
//! walk's time (docs/performance.md, "The walk lists each folder once").
//!
//! Ignore files mean what git and the `ignore` crate say they mean, and are read with that
//! crate's gitignore matcher: in each folder `.cloudpactignore` before `.ignore` before
//! `.gitignore` before `.git/info/exclude`, the deepest folder with a matching pattern
//! deciding for each kind, then the user's global excludes file; the scanned folder's parents,
//! up to the file system's root, count as well. The unit test
//! `the_walk_honours_ignore_files_as_the_ignore_crate_does` holds the walk to that crate's
//! own walker on generated trees.

use std::ffi::OsStr;
use std::fs::FileType;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use rayon::prelude::*;

use super::{
    Discovered, IGNORE_FILES, SKIPPED_DIRS, Skipped, Syntax, TEST_CASE_FILE, Walker,
    in_helm_templates, relative, shown_dir, special_kind,
};

/// The ignore files of one folder that has any, and those of the folders above it.
struct Rules {
    /// By precedence: `.cloudpactignore`, `.ignore`, `.gitignore`, `.git/info/exclude`.
    sets: [Option<Gitignore>; 4],
    parent: Option<Arc<Rules>>,
}

/// Which ignore files a folder holds.
#[derive(Default)]
struct Present {
    /// `.gitignore`, `.ignore`, `.cloudpactignore`, by their index in [`IGNORE_FILES`].
    files: [bool; 3],
    /// A `.git` folder or file (a worktree's), whose exclude file counts.
    git: bool,
}

impl Present {
    fn any(&self) -> bool {
        self.git || self.files.iter().any(|&f| f)
    }
}

/// The precedence of the ignore files named in [`IGNORE_FILES`] (`.gitignore`, `.ignore`,
/// `.cloudpactignore`): their slot in [`Rules::sets`].
const SLOT: [usize; 3] = [2, 1, 0];

/// The user's global git excludes file (`core.excludesFile`), read once per run.
fn global() -> &'static Gitignore {
    static GLOBAL: OnceLock<Gitignore> = OnceLock::new();
    GLOBAL.get_or_init(|| Gitignore::global().0)
}

/// Whether the ignore files in `rules` (and the global one) ignore `path`.
fn ignored(rules: Option<&Arc<Rules>>, path: &Path, is_dir: bool) -> bool {
    let global = global();
    if rules.is_none() && global.is_empty() {
        return false;
    }
    let mut found = [
        ignore::Match::None,
        ignore::Match::None,
        ignore::Match::None,
        ignore::Match::None,
    ];
    let mut level = rules.map(Arc::as_ref);
    while let Some(r) = level {
        for (slot, set) in found.iter_mut().zip(&r.sets) {
            if slot.is_none()
                && let Some(set) = set
            {
                *slot = set.matched(path, is_dir).map(|_| ());
            }
        }
        level = r.parent.as_deref();
    }
    let decided = found.into_iter().find(|m| !m.is_none());
    decided
        .unwrap_or_else(|| global.matched(path, is_dir).map(|_| ()))
        .is_ignore()
}

/// Where the walk's threads put what they find: a part per thread, locked once per folder.
/// The thread that starts the walk has the first; the pool's threads (however many) share the
/// rest. Not sized by asking the pool: asking starts it, which a check of a flat folder does
/// not need (docs/performance.md, "Start-up").
struct Parts(Vec<Mutex<Discovered>>);

impl Parts {
    fn new() -> Parts {
        Parts((0..PARTS).map(|_| Mutex::default()).collect())
    }

    fn add(&self, found: Discovered) {
        if found.candidates.is_empty() && found.skipped.is_empty() && found.notes.is_empty() {
            return;
        }
        let at = rayon::current_thread_index().map_or(0, |i| 1 + i % (PARTS - 1));
        let mut part = self.0[at]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        part.candidates.extend(found.candidates);
        part.skipped.extend(found.skipped);
        part.notes.extend(found.notes);
    }

    /// Everything found, into `out`; the notes (printed as they are) sorted.
    fn into(self, out: &mut Discovered) {
        let mut notes = Vec::new();
        for part in self.0 {
            let part = part
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            out.candidates.extend(part.candidates);
            out.skipped.extend(part.skipped);
            notes.extend(part.notes);
        }
        notes.sort();
        out.notes.extend(notes);
    }
}

/// How many parts [`Parts`] has.
const PARTS: usize = 64;

impl Walker {
    /// Every file under the repository-relative folder `dir` (`""`: the whole repository), or
    /// only its own files with `shallow`.
    pub(crate) fn folder(&self, dir: &str, shallow: bool, out: &mut Discovered) {
        let start = if dir.is_empty() {
            self.root.clone()
        } else {
            self.root.join(dir)
        };
        let rules = if self.opts.honour_ignore_files {
            match self.parent_rules(&start, out) {
                Ok(rules) => rules,
                Err(refused) => {
                    out.skipped.push(refused);
                    return;
                }
            }
        } else {
            None
        };
        let parts = Parts::new();
        self.walk_folder(start, rules, 0, shallow, &parts);
        parts.into(out);
    }

    /// The ignore rules of the folders above `start`, up to the file system's root. One inside
    /// the repository with an ignore file that must not be opened refuses the walk.
    fn parent_rules(
        &self,
        start: &Path,
        out: &mut Discovered,
    ) -> Result<Option<Arc<Rules>>, Skipped> {
        let mut rules = None;
        let Ok(absolute) = start.canonicalize() else {
            return Ok(None);
        };
        let parents: Vec<&Path> = absolute.ancestors().skip(1).collect();
        for folder in parents.into_iter().rev() {
            let inside = folder.starts_with(&self.root);
            let mut present = Present::default();
            for (i, name) in IGNORE_FILES[..3].iter().enumerate() {
                let Ok(meta) = std::fs::metadata(folder.join(name)) else {
                    continue;
                };
                if meta.is_file() || meta.is_dir() {
                    present.files[i] = true;
                } else if inside {
                    return Err(self.refused(folder, name, &meta.file_type()));
                }
            }
            present.git = std::fs::symlink_metadata(folder.join(".git")).is_ok();
            rules = self.rules_of(folder, &present, rules, inside, &mut out.notes)?;
        }
        Ok(rules)
    }

    /// A folder's ignore rules on top of `parent`'s, from which ignore files it holds. An
    /// exclude file that must not be opened refuses the folder when it is in the repository,
    /// and is passed by when it is above it.
    fn rules_of(
        &self,
        folder: &Path,
        present: &Present,
        parent: Option<Arc<Rules>>,
        inside: bool,
        notes: &mut Vec<String>,
    ) -> Result<Option<Arc<Rules>>, Skipped> {
        if !present.any() {
            return Ok(parent);
        }
        let mut sets: [Option<Gitignore>; 4] = Default::default();
        for (i, name) in IGNORE_FILES[..3].iter().enumerate() {
            if present.files[i] {
                sets[SLOT[i]] = read_ignore_file(&self.root, folder, &folder.join(name), notes);
            }
        }
        if present.git
            && let Some(exclude) = exclude_file(folder, notes)
        {
            match std::fs::metadata(&exclude) {
                Ok(meta) if meta.is_file() => {
                    sets[3] = read_ignore_file(&self.root, folder, &exclude, notes)
                }
                Ok(meta) if !meta.is_dir() && inside => {
                    return Err(self.refused(folder, IGNORE_FILES[3], &meta.file_type()));
                }
                _ => {}
            }
        }
        if sets.iter().all(Option::is_none) {
            return Ok(parent);
        }
        Ok(Some(Arc::new(Rules { sets, parent })))
    }

    /// The finding for a folder not walked because its ignore file `name` is a FIFO, a device
    /// or a socket: opening it could block forever, and reading a device never ends.
    fn refused(&self, folder: &Path, name: &str, kind: &FileType) -> Skipped {
        let why = format!(
            "{}, not a regular file: never opened, so the folder `{}` was not checked",
            special_kind(kind),
            shown_dir(&relative(&self.root, folder))
        );
        Skipped::unreadable(relative(&self.root, &folder.join(name)), why)
    }

    /// Lists `dir`, records its files, and walks its subfolders on the worker threads.
    fn walk_folder(
        &self,
        dir: PathBuf,
        inherited: Option<Arc<Rules>>,
        depth: usize,
        shallow: bool,
        parts: &Parts,
    ) {
        let mut found = Discovered::default();
        let mut folders = Vec::new();
        let rules = self.list(&dir, inherited, depth, shallow, &mut found, &mut folders);
        parts.add(found);
        match folders.len() {
            0 => {}
            1 => {
                let only = folders.pop().unwrap_or_default();
                self.walk_folder(only, rules, depth + 1, false, parts);
            }
            _ => folders.into_par_iter().for_each(|folder| {
                self.walk_folder(folder, rules.clone(), depth + 1, false, parts);
            }),
        }
    }

    /// One folder's entries: its files into `found`, the subfolders to walk into `folders`.
    /// Returns the ignore rules its subfolders inherit.
    fn list(
        &self,
        dir: &Path,
        inherited: Option<Arc<Rules>>,
        depth: usize,
        shallow: bool,
        found: &mut Discovered,
        folders: &mut Vec<PathBuf>,
    ) -> Option<Arc<Rules>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.unlisted(dir, &e, found);
                return inherited;
            }
        };
        let mut listed = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => listed.push(entry),
                Err(e) => {
                    self.unlisted(dir, &e, found);
                    return inherited;
                }
            }
        }
        let honour = self.opts.honour_ignore_files;
        let mut present = Present::default();
        let mut hazard = None;
        for entry in &listed {
            let name = entry.file_name();
            // A policy test case (cloudpact's own fixture, run by `cloudpact test`): not walked,
            // whatever else it holds.
            if depth > 0 && name == TEST_CASE_FILE && is_file(entry) {
                return inherited;
            }
            if !honour {
                continue;
            }
            if let Some(i) = IGNORE_FILES[..3].iter().position(|n| name == OsStr::new(n)) {
                match kind_followed(entry) {
                    Some(t) if !t.is_file() && !t.is_dir() => {
                        hazard = hazard.or(Some((IGNORE_FILES[i], t)));
                    }
                    // A link to nothing is read too: it cannot be, which is a note.
                    _ => present.files[i] = true,
                }
            } else if name == ".git" {
                present.git = true;
            }
        }
        if let Some((name, kind)) = hazard {
            found.skipped.push(self.refused(dir, name, &kind));
            return inherited;
        }
        let rules = if honour {
            match self.rules_of(dir, &present, inherited, true, &mut found.notes) {
                Ok(rules) => rules,
                Err(refused) => {
                    found.skipped.push(refused);
                    return None;
                }
            }
        } else {
            inherited
        };
        for entry in listed {
            let path = entry.path();
            let kind = match entry.file_type() {
                Ok(kind) => kind,
                Err(e) => {
                    if Syntax::of(&path, in_helm_templates(&path)).is_some() {
                        let rel = relative(&self.root, &path);
                        found.skipped.push(Skipped::unreadable(rel, io_cause(&e)));
                    }
                    continue;
                }
            };
            let is_dir = kind.is_dir();
            if honour && ignored(rules.as_ref(), &path, is_dir) {
                continue;
            }
            if is_dir {
                let skipped = entry
                    .file_name()
                    .to_str()
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n));
                if !skipped && !shallow && !self.excludes(&path) {
                    folders.push(path);
                }
                continue;
            }
            if self.excludes(&path) {
                continue;
            }
            // Asked relative to the open folder: a short lookup, not the whole path's.
            self.entry_with(&path, kind, || entry.metadata(), found);
        }
        rules
    }

    /// A folder that cannot be listed: a finding at its path (nothing in it was checked).
    fn unlisted(&self, dir: &Path, e: &std::io::Error, found: &mut Discovered) {
        let why = format!(
            "the folder cannot be listed ({}): nothing in it was checked",
            io_cause(e)
        );
        found
            .skipped
            .push(Skipped::unreadable(relative(&self.root, dir), why));
    }
}

/// An ignore file of `folder` as a matcher, or `None` when it holds no pattern or cannot be
/// read. A pattern it cannot read, or the file itself, is a note (it only makes the walk read
/// more), naming the file as reports do: from the repository's root.
fn read_ignore_file(
    root: &Path,
    folder: &Path,
    file: &Path,
    notes: &mut Vec<String>,
) -> Option<Gitignore> {
    let note = |e: ignore::Error| ignore_error(root, e);
    let mut builder = GitignoreBuilder::new(folder);
    if let Some(e) = builder.add(file) {
        notes.push(note(e));
    }
    match builder.build() {
        Ok(set) if !set.is_empty() => Some(set),
        Ok(_) => None,
        Err(e) => {
            notes.push(note(e));
            None
        }
    }
}

/// An ignore file's error in words, each file it names shown from the repository's root.
fn ignore_error(root: &Path, e: ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { path, err } => format!("{}: {err}", relative(root, &path)),
        ignore::Error::Partial(errs) => errs
            .into_iter()
            .map(|e| ignore_error(root, e))
            .collect::<Vec<_>>()
            .join("; "),
        e => e.to_string(),
    }
}

/// The exclude file of the git checkout at `folder`: `.git/info/exclude`, or for a worktree
/// (whose `.git` is a file naming its git folder) the one of the repository it belongs to.
fn exclude_file(folder: &Path, notes: &mut Vec<String>) -> Option<PathBuf> {
    let git = folder.join(".git");
    let meta = std::fs::metadata(&git).ok()?;
    if !meta.is_file() {
        return Some(git.join("info/exclude"));
    }
    let line = match std::fs::read_to_string(&git) {
        Ok(text) => text.lines().next()?.to_string(),
        Err(e) => {
            notes.push(format!("{}: {e}", git.display()));
            return None;
        }
    };
    let git_dir = PathBuf::from(line.strip_prefix("gitdir: ")?);
    let common = std::fs::read_to_string(git_dir.join("commondir")).ok()?;
    let common = common.lines().next()?;
    let common = if common.starts_with('.') {
        git_dir.join(common)
    } else {
        PathBuf::from(common)
    };
    Some(common.join("info/exclude"))
}

/// Whether a listed entry is a regular file, a link followed.
fn is_file(entry: &std::fs::DirEntry) -> bool {
    kind_followed(entry).is_some_and(|t| t.is_file())
}

/// A listed entry's type, a link followed; `None` for a link that leads nowhere.
fn kind_followed(entry: &std::fs::DirEntry) -> Option<FileType> {
    let kind = entry.file_type().ok()?;
    if !kind.is_symlink() {
        return Some(kind);
    }
    std::fs::metadata(entry.path()).ok().map(|m| m.file_type())
}

/// An I/O error's cause in words: the system's message, or its kind when it has none (no
/// absolute path, which no report shows).
pub(super) fn io_cause(e: &std::io::Error) -> String {
    if e.raw_os_error().is_none() {
        e.kind().to_string()
    } else {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{WalkOptions, Walker};
    use super::*;

    /// What the `ignore` crate's walker, configured as the walk was before it was written
    /// here, finds under `root`: the files whose names claim a syntax.
    fn by_the_ignore_crate(root: &Path) -> Vec<String> {
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .hidden(false)
            .require_git(false)
            .git_global(true)
            .parents(true)
            .follow_links(false)
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                !(e.depth() > 0
                    && e.file_type().is_some_and(|t| t.is_dir())
                    && (SKIPPED_DIRS.contains(&name.as_ref())
                        || e.path().join(TEST_CASE_FILE).is_file()))
            });
        builder.add_custom_ignore_filename(IGNORE_FILES[2]);
        let mut files: Vec<String> = builder
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .filter(|e| Syntax::of(e.path(), in_helm_templates(e.path())).is_some())
            .map(|e| relative(root, e.path()))
            .collect();
        files.sort();
        files
    }

    fn by_the_walk(root: &Path, dir: &str) -> Vec<String> {
        let walker = Walker::new(root, WalkOptions::default()).unwrap();
        let mut found = Discovered::default();
        walker.folder(dir, false, &mut found);
        found.finish();
        found.candidates.into_iter().map(|c| c.rel).collect()
    }

    const NAMES: &[&str] = &["a", "b", "deep", "logs"];
    const FILES: &[&str] = &["main.tf", "x.yaml", "b.json", "keep.tf", "a.yml"];
    const PATTERNS: &[&str] = &[
        "*.tf",
        "!keep.tf",
        "a/",
        "/b",
        "deep/**",
        "**/x.yaml",
        "!a",
        "logs",
        "*.json",
        "b/*.yml",
        "a[",
    ];

    fn tree() -> impl Strategy<Value = Vec<(String, String)>> {
        let folder = prop::collection::vec(prop::sample::select(NAMES), 0..3)
            .prop_map(|parts| parts.join("/"));
        let file = prop::sample::select(FILES).prop_map(str::to_string);
        let ignore_file = (
            prop::sample::select(&IGNORE_FILES[..3]),
            prop::collection::vec(prop::sample::select(PATTERNS), 1..4),
        )
            .prop_map(|(name, lines)| (name.to_string(), lines.join("\n") + "\n"));
        let entry = prop_oneof![
            3 => file.prop_map(|f| (f, String::new())),
            1 => ignore_file,
        ];
        prop::collection::vec((folder, entry), 1..24).prop_map(|entries| {
            entries
                .into_iter()
                .map(|(dir, (name, text))| {
                    let path = if dir.is_empty() {
                        name
                    } else {
                        format!("{dir}/{name}")
                    };
                    (path, text)
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// On generated trees of nested `.gitignore`, `.ignore` and `.cloudpactignore` files
        /// (negations, anchored and folder patterns, a bad pattern), the walk reads what the
        /// `ignore` crate's own walker reads, from the root and from a subfolder.
        #[test]
        fn the_walk_honours_ignore_files_as_the_ignore_crate_does(entries in tree()) {
            let tmp = tempfile::tempdir().unwrap();
            let root = std::fs::canonicalize(tmp.path()).unwrap();
            for (path, text) in &entries {
                let path = root.join(path);
                if path.is_dir() {
                    continue;
                }
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                let _ = std::fs::write(&path, text);
            }
            prop_assert_eq!(by_the_walk(&root, ""), by_the_ignore_crate(&root));
            if root.join("a").is_dir() {
                let inside: Vec<String> = by_the_ignore_crate(&root.join("a"))
                    .into_iter()
                    .map(|rel| format!("a/{rel}"))
                    .collect();
                prop_assert_eq!(by_the_walk(&root, "a"), inside);
            }
        }
    }

    #[test]
    fn a_test_case_folder_and_the_skipped_folders_are_not_walked() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        for path in [
            "case/cloudpact-test.yaml",
            "case/main.tf",
            "node_modules/x.tf",
            "ok/main.tf",
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        // A test case is passed by before its ignore files are looked at: one that must not be
        // opened makes no finding there.
        #[cfg(unix)]
        {
            let status = std::process::Command::new("mkfifo")
                .arg(root.join("case/.gitignore"))
                .status()
                .unwrap();
            assert!(status.success());
        }
        let walker = Walker::new(&root, WalkOptions::default()).unwrap();
        let mut found = Discovered::default();
        walker.folder("", false, &mut found);
        assert!(found.skipped.is_empty(), "{:?}", found.skipped);
        assert_eq!(by_the_walk(&root, ""), ["ok/main.tf"]);
        // The folder checked itself is walked (its test file is cloudpact's own, not read);
        // there, the FIFO refuses it.
        #[cfg(unix)]
        {
            let mut found = Discovered::default();
            walker.folder("case", false, &mut found);
            assert!(found.candidates.is_empty());
            let refused: Vec<&str> = found.skipped.iter().map(|s| s.rel.as_str()).collect();
            assert_eq!(refused, ["case/.gitignore"]);
        }
        #[cfg(not(unix))]
        assert_eq!(by_the_walk(&root, "case"), ["case/main.tf"]);
    }

    #[test]
    fn a_bad_pattern_is_a_note_and_the_other_patterns_still_apply() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::create_dir_all(root.join("infra")).unwrap();
        std::fs::write(root.join("infra/.gitignore"), "a{b\n*.yml\n").unwrap();
        std::fs::write(root.join("infra/x.yml"), "").unwrap();
        std::fs::write(root.join("infra/main.tf"), "").unwrap();
        let walker = Walker::new(&root, WalkOptions::default()).unwrap();
        let mut found = Discovered::default();
        walker.folder("", false, &mut found);
        let rels: Vec<&str> = found.candidates.iter().map(|c| c.rel.as_str()).collect();
        assert_eq!(rels, ["infra/main.tf"]);
        assert_eq!(found.notes.len(), 1, "{:?}", found.notes);
        assert!(
            found.notes[0].starts_with("infra/.gitignore: line 1: error parsing glob 'a{b'"),
            "{}",
            found.notes[0]
        );
    }
}

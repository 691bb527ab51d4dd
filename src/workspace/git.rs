//! A file source backed by a git tree: the repository as it was at a revision, read straight
//! from the object store (gix), never checked out and never through a `git` process.
//! `check --new-since REF` evaluates it beside the working tree (src/baseline/since.rs).
//!
//! The tree is walked the way [`crate::discover::Walker`] walks the disk: the same skipped
//! folders, policy test cases, `exclude` globs, `.gitignore`/`.ignore`/`.cloudpactignore`
//! files (the tree's own), syntaxes, Helm templates and `max_file_size`. A symbolic link to a
//! file of the tree is read at its own path; one leading elsewhere is reported like the walk
//! reports it. Submodules are not entered.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diag::Diag;
use crate::discover::{self, Candidate, Discovered, Input, Skipped, Syntax, Walker, Why};

/// One file of the tree.
#[derive(Debug, Clone, Copy)]
struct Blob {
    oid: gix::ObjectId,
    link: bool,
}

/// The files of a revision, under the workspace root.
pub struct GitTree {
    repo: gix::ThreadSafeRepository,
    /// The revision as given.
    pub rev: String,
    /// The commit's short id.
    pub commit: String,
    /// Root-relative paths → blobs.
    files: BTreeMap<String, Blob>,
}

impl std::fmt::Debug for GitTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitTree")
            .field("rev", &self.rev)
            .field("commit", &self.commit)
            .field("files", &self.files.len())
            .finish()
    }
}

fn git_error(code: &str, message: String) -> Diag {
    Diag::error(format!("cloudpact::git::{code}"), message)
}

impl GitTree {
    /// The tree of `rev` in the repository holding `root`, limited to `root`.
    pub fn open(root: &Path, rev: &str) -> Result<GitTree, Diag> {
        let repo = gix::discover(root).map_err(|e| {
            git_error(
                "no-repository",
                format!(
                    "--new-since {rev}: `{}` is not inside a git repository ({e})",
                    root.display()
                ),
            )
        })?;
        let (commit, files) = Self::files_of(&repo, root, rev)?;
        Ok(GitTree {
            repo: repo.into_sync(),
            rev: rev.to_string(),
            commit,
            files,
        })
    }

    /// The commit's short id and the files of its tree under `root`.
    fn files_of(
        repo: &gix::Repository,
        root: &Path,
        rev: &str,
    ) -> Result<(String, BTreeMap<String, Blob>), Diag> {
        let shallow = repo.is_shallow().unwrap_or(false);
        let id = repo.rev_parse_single(rev).map_err(|e| {
            let mut d = git_error(
                "unknown-revision",
                format!("--new-since {rev}: the revision cannot be found ({e})"),
            );
            if shallow {
                d = git_error(
                    "shallow-clone",
                    format!(
                        "--new-since {rev}: this is a shallow clone and `{rev}` is not in its history"
                    ),
                )
                .with_help(
                    "fetch the history: `fetch-depth: 0` on actions/checkout (GitHub Actions), \
                     `GIT_DEPTH: 0` (GitLab CI), or `git fetch --unshallow` / `git fetch origin main`",
                );
            } else {
                d = d.with_help("name a branch, tag or commit of this repository (`origin/main`, `HEAD~1`); fetch it first if it lives on a remote");
            }
            d
        })?;
        let commit = id.object().and_then(|o| o.peel_to_commit()).map_err(|e| {
            let why = if shallow {
                format!("this is a shallow clone without it ({e})")
            } else {
                e.to_string()
            };
            git_error(
                if shallow {
                    "shallow-clone"
                } else {
                    "unknown-revision"
                },
                format!("--new-since {rev}: cannot read the commit: {why}"),
            )
            .with_help("fetch the history: `fetch-depth: 0` on actions/checkout")
        })?;
        let short = commit.id().to_hex_with_len(12).to_string();
        let tree = commit.tree().map_err(|e| {
            git_error(
                "unreadable-tree",
                format!("--new-since {rev}: cannot read the tree of {short}: {e}"),
            )
        })?;
        let workdir = repo.workdir().map(canonical).ok_or_else(|| {
            git_error(
                "no-repository",
                format!("--new-since {rev}: the repository has no working tree"),
            )
        })?;
        let prefix = root
            .strip_prefix(&workdir)
            .map(discover::slash_path)
            .unwrap_or_default();
        let entries = tree.traverse().breadthfirst.files().map_err(|e| {
            git_error(
                "unreadable-tree",
                format!("--new-since {rev}: cannot walk the tree of {short}: {e}"),
            )
        })?;
        let mut files = BTreeMap::new();
        for e in entries {
            if !(e.mode.is_blob() || e.mode.is_link()) {
                continue;
            }
            let Ok(path) = std::str::from_utf8(&e.filepath) else {
                continue;
            };
            let rel = if prefix.is_empty() {
                path
            } else {
                match path
                    .strip_prefix(prefix.as_str())
                    .and_then(|r| r.strip_prefix('/'))
                {
                    Some(r) => r,
                    None => continue,
                }
            };
            files.insert(
                rel.to_string(),
                Blob {
                    oid: e.oid,
                    link: e.mode.is_link(),
                },
            );
        }
        Ok((short, files))
    }

    /// The bytes of a file.
    fn bytes(repo: &gix::Repository, blob: Blob) -> Result<Vec<u8>, String> {
        repo.find_object(blob.oid)
            .map(|o| o.detach().data)
            .map_err(|e| e.to_string())
    }

    /// Whether the tree holds a file at this root-relative path.
    pub fn contains(&self, rel: &str) -> bool {
        self.files.contains_key(rel)
    }

    /// The walk of the whole tree ([`GitTree::discover`]) and the files it reads.
    pub fn read(
        &self,
        walker: &Walker,
        skip: &[std::sync::Arc<str>],
    ) -> (Discovered, Vec<Input>, Vec<Diag>) {
        let repo = self.repo.to_thread_local();
        let found = self.discover_in(&repo, walker, skip);
        let (inputs, errors) = self.read_in(&repo, &found.candidates);
        (found, inputs, errors)
    }

    /// Every file the walk of the whole tree reads, and what it must report as not read.
    pub fn discover(&self, walker: &Walker, skip: &[std::sync::Arc<str>]) -> Discovered {
        self.discover_in(&self.repo.to_thread_local(), walker, skip)
    }

    fn discover_in(
        &self,
        repo: &gix::Repository,
        walker: &Walker,
        skip: &[std::sync::Arc<str>],
    ) -> Discovered {
        let root = walker.root();
        let opts = walker.options();
        let ignores = if opts.honour_ignore_files {
            self.ignore_files(repo, root)
        } else {
            HashMap::new()
        };
        let test_cases: HashSet<&str> = self
            .files
            .keys()
            .filter_map(|p| {
                let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
                (name == discover::TEST_CASE_FILE).then_some(dir)
            })
            .collect();
        let charts: HashSet<&str> = self
            .files
            .keys()
            .filter_map(|p| {
                let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
                (name == "Chart.yaml").then_some(dir)
            })
            .collect();
        let mut found = Discovered::default();
        'files: for (rel, blob) in &self.files {
            // Folders never scanned, policy test cases, excluded folders, ignored files.
            let mut dir = String::new();
            for part in rel
                .split('/')
                .collect::<Vec<_>>()
                .split_last()
                .map_or(&[][..], |(_, d)| d)
            {
                if discover::is_skipped_dir(part) {
                    continue 'files;
                }
                if !dir.is_empty() {
                    dir.push('/');
                }
                dir.push_str(part);
                if test_cases.contains(dir.as_str()) {
                    continue 'files;
                }
            }
            if walker.is_excluded(rel) || ignored(&ignores, root, rel) {
                continue;
            }
            let in_helm = {
                let parts: Vec<&str> = rel.split('/').collect();
                (1..parts.len()).any(|i| {
                    parts[i - 1] == "templates"
                        && charts.contains(parts[..i - 1].join("/").as_str())
                })
            };
            let Some(syntax) = Syntax::of(Path::new(rel), in_helm) else {
                continue;
            };
            if skip.iter().any(|p| **p == **rel) {
                continue;
            }
            let target = if blob.link {
                let to = Self::bytes(repo, *blob)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
                match discover::join(dir, &to).and_then(|t| self.files.get(&t).map(|b| (t, *b))) {
                    Some((_, b)) if !b.link => b,
                    _ => {
                        found.skipped.push(Skipped::unreadable(
                            rel.clone(),
                            format!("a symbolic link to `{to}`, which is not a file of the repository: not followed"),
                        ));
                        continue;
                    }
                }
            } else {
                *blob
            };
            let len = repo.find_header(target.oid).map(|h| h.size()).unwrap_or(0);
            if len > opts.max_file_size {
                found.skipped.push(Skipped {
                    rel: rel.clone(),
                    why: Why::TooLarge {
                        len,
                        max: opts.max_file_size,
                    },
                });
                continue;
            }
            found.candidates.push(Candidate {
                rel: rel.clone(),
                abs: root.join(rel),
                syntax,
                len,
            });
        }
        found.finish();
        found
    }

    /// Reads the candidates' blobs. One handle on the repository reads them all: blobs come
    /// out of the object store faster than threads can be given their own handles.
    pub fn read_all(&self, candidates: &[Candidate]) -> (Vec<Input>, Vec<Diag>) {
        self.read_in(&self.repo.to_thread_local(), candidates)
    }

    fn read_in(&self, repo: &gix::Repository, candidates: &[Candidate]) -> (Vec<Input>, Vec<Diag>) {
        let mut blobs = Vec::with_capacity(candidates.len());
        for c in candidates {
            let mut blob = self.files.get(&c.rel).copied();
            if let Some(b) = blob.filter(|b| b.link) {
                let to = Self::bytes(repo, b)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let dir = c.rel.rsplit_once('/').map_or("", |(d, _)| d);
                blob = discover::join(dir, &to).and_then(|t| self.files.get(&t).copied());
            }
            blobs.push(
                blob.ok_or_else(|| "not in the tree".to_string())
                    .and_then(|b| Self::bytes(repo, b)),
            );
        }
        let results: Vec<Result<Input, Diag>> = candidates
            .par_iter()
            .zip(blobs)
            .map(|(c, bytes)| {
                let bytes = bytes.map_err(|e| {
                    Skipped::unreadable(
                        c.rel.clone(),
                        format!("cannot read it at {}: {e}", self.commit),
                    )
                    .to_diag()
                })?;
                discover::input_of(c, bytes, None)
            })
            .collect();
        discover::sort_inputs(results)
    }

    /// The tree's ignore files, by folder, as matchers rooted at that folder.
    fn ignore_files(
        &self,
        repo: &gix::Repository,
        root: &Path,
    ) -> HashMap<String, ignore::gitignore::Gitignore> {
        let mut by_dir: HashMap<String, ignore::gitignore::GitignoreBuilder> = HashMap::new();
        for (rel, blob) in &self.files {
            let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
            if !matches!(name, ".gitignore" | ".ignore" | ".cloudpactignore") || blob.link {
                continue;
            }
            let Ok(bytes) = Self::bytes(repo, *blob) else {
                continue;
            };
            let builder = by_dir
                .entry(dir.to_string())
                .or_insert_with(|| ignore::gitignore::GitignoreBuilder::new(root.join(dir)));
            for line in String::from_utf8_lossy(&bytes).lines() {
                let _ = builder.add_line(None, line);
            }
        }
        by_dir
            .into_iter()
            .filter_map(|(d, b)| b.build().ok().map(|g| (d, g)))
            .collect()
    }
}

/// Whether an ignore file of a folder above `rel` ignores it; the deepest one that says
/// something decides, as git reads them.
fn ignored(
    ignores: &HashMap<String, ignore::gitignore::Gitignore>,
    root: &Path,
    rel: &str,
) -> bool {
    if ignores.is_empty() {
        return false;
    }
    let abs = root.join(rel);
    let mut dir = rel;
    loop {
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
        if let Some(g) = ignores.get(dir) {
            let m = g.matched_path_or_any_parents(&abs, false);
            if m.is_ignore() {
                return true;
            }
            if m.is_whitelist() {
                return false;
            }
        }
        if dir.is_empty() {
            return false;
        }
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

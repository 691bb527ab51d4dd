//! Loading the workspace's policies and refusal records with the editor's unsaved text.
//!
//! `dsl::load` reads files from disk and resolves `refusals` globs against the disk, so the
//! unsaved text of open policy files and records is laid out in a private mirror of the
//! policy files (same relative paths, so every path in the result reads as in the workspace)
//! and loaded from there. Without unsaved text the workspace itself is loaded.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Pipeline;
use super::workspace::normalize;
use crate::discover;
use crate::dsl::Loaded;
use crate::facts::catalog::Catalog;

/// More files than this under the policy paths and the mirror is not worth it: load from disk.
const MAX_MIRRORED: usize = 2_000;

/// What a policy load needs, copied out of the workspace so it runs without holding it.
#[derive(Debug, Clone)]
pub struct Request {
    pub root: PathBuf,
    pub paths: Vec<PathBuf>,
    pub catalog: Arc<Catalog>,
    /// Record files the last load found (they may live outside the policy folders).
    pub records: HashSet<Arc<str>>,
    /// Unsaved text of open policy files and records, by path relative to the root.
    pub overlay: HashMap<Arc<str>, String>,
}

pub fn load(pipeline: &dyn Pipeline, req: &Request) -> Loaded {
    if req.paths.is_empty() {
        return Loaded::default();
    }
    if req.overlay.is_empty() {
        return pipeline.load_policies(&req.paths, &req.root, &req.catalog);
    }
    match Mirror::build(req) {
        Some(m) => {
            let loaded = pipeline.load_policies(&m.paths, &m.root, &req.catalog);
            drop(m);
            loaded
        }
        None => pipeline.load_policies(&req.paths, &req.root, &req.catalog),
    }
}

struct Mirror {
    /// Removed on drop.
    dir: PathBuf,
    root: PathBuf,
    paths: Vec<PathBuf>,
}

impl Mirror {
    fn build(req: &Request) -> Option<Mirror> {
        let mut files: BTreeMap<String, Option<&str>> = BTreeMap::new();
        for p in &req.paths {
            if p.is_dir() {
                for entry in walkdir::WalkDir::new(p).into_iter().flatten() {
                    let path = entry.path();
                    let wanted = path
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| matches!(e, "pact" | "yaml" | "yml"));
                    if entry.file_type().is_file() && wanted {
                        files.insert(discover::relative(&req.root, path), None);
                    }
                    if files.len() > MAX_MIRRORED {
                        return None;
                    }
                }
            } else {
                files.insert(discover::relative(&req.root, p), None);
            }
        }
        for r in &req.records {
            files.insert(r.to_string(), None);
        }
        for (rel, text) in &req.overlay {
            files.insert(rel.to_string(), Some(text.as_str()));
        }
        // Files outside the root keep their own paths and are read from disk (a mirror
        // could not give them the same path in diagnostics).
        files.retain(|rel, _| !outside(rel));
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cloudpact-lsp-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let mut mirror = Mirror {
            root: dir.join("root"),
            dir,
            paths: Vec::new(),
        };
        std::fs::create_dir_all(&mirror.root).ok()?;
        for (rel, text) in &files {
            let dst = normalize(&mirror.root.join(rel));
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent).ok()?;
            }
            match text {
                Some(t) => std::fs::write(&dst, t).ok()?,
                // A file that vanished since is simply not mirrored.
                None => {
                    let _ = std::fs::copy(normalize(&req.root.join(rel)), &dst);
                }
            }
        }
        mirror.paths = req
            .paths
            .iter()
            .map(|p| {
                let rel = discover::relative(&req.root, p);
                if outside(&rel) {
                    p.clone()
                } else {
                    mirror.root.join(rel)
                }
            })
            .collect();
        Some(mirror)
    }
}

/// Whether a path from `discover::relative` is outside the root.
fn outside(rel: &str) -> bool {
    rel.starts_with('/') || rel.starts_with("..") || rel.contains(':')
}

impl Drop for Mirror {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::dsl::model::PolicySet;
    use crate::source::SourceFile;

    /// Reads back what it was asked to load, so the test sees the mirror.
    #[derive(Default)]
    struct Echo {
        root: std::sync::Mutex<Option<PathBuf>>,
    }

    impl Pipeline for Echo {
        fn load_policies(&self, paths: &[PathBuf], root: &Path, _catalog: &Catalog) -> Loaded {
            *self.root.lock().unwrap() = Some(root.to_path_buf());
            let mut set = PolicySet::default();
            for p in paths {
                for e in walkdir::WalkDir::new(p).into_iter().flatten() {
                    if e.file_type().is_file() {
                        let text = std::fs::read_to_string(e.path()).unwrap();
                        let rel = discover::relative(root, e.path());
                        set.files.push(Arc::new(SourceFile::new(rel, text)));
                    }
                }
            }
            set.files.sort_by(|a, b| a.path.cmp(&b.path));
            Loaded {
                set,
                diagnostics: Vec::new(),
            }
        }
    }

    #[test]
    fn unsaved_text_is_loaded_under_the_same_relative_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        std::fs::create_dir_all(ws.join("policies/refusals")).unwrap();
        std::fs::create_dir_all(tmp.path().join("shared")).unwrap();
        std::fs::write(ws.join("policies/a.pact"), "disk a").unwrap();
        std::fs::write(ws.join("policies/refusals/r.yaml"), "disk r").unwrap();
        std::fs::write(tmp.path().join("shared/s.pact"), "disk s").unwrap();
        let req = Request {
            root: ws.clone(),
            paths: vec![ws.join("policies"), ws.join("../shared/s.pact")],
            catalog: Catalog::builtin(),
            records: HashSet::new(),
            overlay: HashMap::from([(Arc::from("policies/refusals/r.yaml"), "typed r".into())]),
        };
        let echo = Echo::default();
        let loaded = load(&echo, &req);
        let got: Vec<(String, String)> = loaded
            .set
            .files
            .iter()
            .map(|f| (f.path.to_string(), f.text.to_string()))
            .collect();
        assert_eq!(
            &got[got.len() - 2..],
            &[
                ("policies/a.pact".into(), "disk a".into()),
                ("policies/refusals/r.yaml".into(), "typed r".into()),
            ]
        );
        // Outside the root: read where it is.
        assert!(got[0].0.ends_with("shared/s.pact"), "{got:?}");
        assert!(!got[0].0.contains("cloudpact-lsp-"), "{got:?}");
        assert_eq!(got[0].1, "disk s");
        // The disk is untouched and the mirror is gone.
        assert_eq!(
            std::fs::read_to_string(ws.join("policies/refusals/r.yaml")).unwrap(),
            "disk r"
        );
        let mirror = echo.root.lock().unwrap().clone().unwrap();
        assert_ne!(mirror, ws);
        assert!(!mirror.exists());
    }
}

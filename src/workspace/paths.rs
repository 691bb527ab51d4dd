//! Repository-relative paths, made once, and their display relative to where a command ran.

use std::path::Path;

use crate::discover::{normalize_lexically, path_diff, slash_path};

/// The repository-relative, normalised, `/`-separated form of an absolute path inside `root`
/// (`""` for the root itself); `None` when it is outside. Both should be canonical.
pub fn repo_path(root: &Path, abs: &Path) -> Option<String> {
    let rel = abs.strip_prefix(root).ok()?;
    let rel = normalize_lexically(&slash_path(rel));
    (!rel.starts_with("..")).then_some(rel)
}

/// How `human` and `short` show repository-relative paths: relative to the current directory,
/// so that a terminal or editor can open them (`../../platform/core/main.tf` when run from
/// `platform/core`). Every other format shows the repository-relative path itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// The command ran inside the repository, in this repository-relative folder.
    Inside(String),
    /// The command ran outside it: the path from there to the root.
    Outside(String),
}

impl Default for Shown {
    fn default() -> Self {
        Shown::Inside(String::new())
    }
}

impl Shown {
    /// Paths shown from `cwd` for a repository at `root` (both canonical).
    pub fn from(cwd: &Path, root: &Path) -> Shown {
        match repo_path(root, cwd) {
            Some(inside) => Shown::Inside(inside),
            None => Shown::Outside(slash_path(&path_diff(root, cwd))),
        }
    }

    /// From the current directory of the process.
    pub fn from_cwd(root: &Path) -> Shown {
        match std::env::current_dir().and_then(std::fs::canonicalize) {
            Ok(cwd) => Shown::from(&cwd, root),
            Err(_) => Shown::default(),
        }
    }

    /// Whether paths show as they are (the command ran at the root).
    pub fn is_identity(&self) -> bool {
        matches!(self, Shown::Inside(dir) if dir.is_empty())
    }

    pub fn path(&self, rel: &str) -> String {
        match self {
            Shown::Inside(dir) if dir.is_empty() => rel.to_string(),
            Shown::Inside(dir) => {
                let from: Vec<&str> = dir.split('/').collect();
                let to: Vec<&str> = rel.split('/').collect();
                let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
                let mut parts: Vec<&str> = vec![".."; from.len() - common];
                parts.extend(&to[common..]);
                parts.join("/")
            }
            Shown::Outside(prefix) => normalize_lexically(&format!("{prefix}/{rel}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths_are_normalised_and_inside() {
        let root = Path::new("/r");
        assert_eq!(
            repo_path(root, Path::new("/r/a/b.tf")).as_deref(),
            Some("a/b.tf")
        );
        assert_eq!(repo_path(root, Path::new("/r")).as_deref(), Some(""));
        assert_eq!(repo_path(root, Path::new("/elsewhere/b.tf")), None);
    }

    #[test]
    fn shown_paths_are_relative_to_the_current_directory() {
        let root = Path::new("/r");
        let s = Shown::from(Path::new("/r/platform/core"), root);
        assert_eq!(s.path("platform/core/main.tf"), "main.tf");
        assert_eq!(s.path("records/d.yaml"), "../../records/d.yaml");
        assert!(Shown::from(root, root).is_identity());
        assert_eq!(Shown::from(Path::new("/"), root).path("a.tf"), "r/a.tf");
    }
}

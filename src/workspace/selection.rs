//! What a run evaluates and reports: the whole repository, or named files and folders.

use crate::eval::finding::Finding;
use crate::facts::model::Deployment;

/// A repository-relative file or folder named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Repository-relative, normalised (`""` is the root).
    pub rel: String,
    pub dir: bool,
}

impl Named {
    /// Whether the repository-relative file `path` is this file or inside this folder.
    pub fn contains(&self, path: &str) -> bool {
        if self.dir {
            self.rel.is_empty()
                || path
                    .strip_prefix(self.rel.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        } else {
            path == self.rel
        }
    }
}

/// What to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The whole repository: whole-repository rules are judged.
    Root,
    /// Named files and folders, each evaluated with its whole unit; reported are the findings
    /// located in a named path or whose deployment was decided by one.
    Paths(Vec<Named>),
}

impl Selection {
    /// The selection of repository-relative paths (`true`: a folder). Naming the root is the
    /// whole repository.
    pub fn of(paths: Vec<(String, bool)>) -> Selection {
        if paths.iter().any(|(rel, dir)| *dir && rel.is_empty()) {
            return Selection::Root;
        }
        let mut named: Vec<Named> = paths
            .into_iter()
            .map(|(rel, dir)| Named { rel, dir })
            .collect();
        named.sort_by(|a, b| a.rel.cmp(&b.rel));
        named.dedup();
        Selection::Paths(named)
    }

    /// Whether the selection covers the repository root (whole-repository rules are judged).
    pub fn covers_root(&self) -> bool {
        matches!(self, Selection::Root)
    }

    /// Whether the repository-relative file `path` is named (or inside a named folder).
    pub fn names(&self, path: &str) -> bool {
        match self {
            Selection::Root => true,
            Selection::Paths(named) => named.iter().any(|n| n.contains(path)),
        }
    }

    /// Whether a named file declared or decided (its provenance) a deployment.
    pub fn covers(&self, d: &Deployment) -> bool {
        self.names(&d.path) || d.provenance.iter().any(|p| self.names(p))
    }

    /// Whether a finding is reported: located in a named path, or about a deployment that a
    /// named file declared or decided.
    pub fn reports(&self, f: &Finding) -> bool {
        self.names(&f.file.path) || f.deployment.as_ref().is_some_and(|d| self.covers(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_the_root_is_the_whole_repository() {
        assert_eq!(
            Selection::of(vec![("a.tf".into(), false), (String::new(), true)]),
            Selection::Root
        );
        assert!(!Selection::of(vec![("infra".into(), true)]).covers_root());
    }

    #[test]
    fn folders_contain_their_files_only() {
        let s = Selection::of(vec![("infra".into(), true), ("x/a.tf".into(), false)]);
        assert!(s.names("infra/main.tf"));
        assert!(s.names("infra/sub/main.tf"));
        assert!(!s.names("infra2/main.tf"));
        assert!(s.names("x/a.tf"));
        assert!(!s.names("x/b.tf"));
    }
}

//! The repository's identity from its git metadata, read from the files under `.git` (no `git`
//! program needed): the `origin` remote (else the first one) of `config`, and the commit of
//! `HEAD`. A worktree's `.git` file (`gitdir: …`) and its `commondir` are followed.

use std::path::{Path, PathBuf};

use crate::render::result::Repository;

/// The identity of the repository whose cloudpact root is `root`: `name` when given, else
/// `owner/name` of the remote, else the root folder's name.
pub fn identify(root: &Path, name: Option<&str>) -> Repository {
    let found = find_git(root);
    let remote = found.as_ref().and_then(|g| remote_url(&g.common));
    let web = remote.as_deref().and_then(web_url);
    let revision = found.as_ref().and_then(|g| head_commit(&g.dir, &g.common));
    let subdir = found
        .as_ref()
        .and_then(|g| root.strip_prefix(&g.work_tree).ok())
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default();
    let name = match name {
        Some(n) => n.to_string(),
        None => web
            .as_deref()
            .and_then(|u| {
                let path = u.split_once("://")?.1.split_once('/')?.1;
                (!path.is_empty()).then(|| path.to_string())
            })
            .unwrap_or_else(|| {
                root.file_name()
                    .map_or_else(|| "repository".to_string(), |n| n.to_string_lossy().into())
            }),
    };
    Repository {
        name,
        url: web,
        revision,
        subdir,
    }
}

struct GitDirs {
    /// Where `HEAD` is.
    dir: PathBuf,
    /// Where `config`, `refs` and `packed-refs` are.
    common: PathBuf,
    /// The folder holding `.git`.
    work_tree: PathBuf,
}

fn find_git(root: &Path) -> Option<GitDirs> {
    for dir in root.ancestors() {
        let dot = dir.join(".git");
        if dot.is_dir() {
            return Some(GitDirs {
                dir: dot.clone(),
                common: dot,
                work_tree: dir.to_path_buf(),
            });
        }
        if dot.is_file() {
            let text = std::fs::read_to_string(&dot).ok()?;
            let gitdir = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
            let gitdir = dir.join(gitdir);
            let common = std::fs::read_to_string(gitdir.join("commondir"))
                .map(|c| gitdir.join(c.trim()))
                .unwrap_or_else(|_| gitdir.clone());
            return Some(GitDirs {
                dir: gitdir,
                common,
                work_tree: dir.to_path_buf(),
            });
        }
    }
    None
}

/// The `url` of `[remote "origin"]`, else of the first remote.
fn remote_url(common: &Path) -> Option<String> {
    let text = std::fs::read_to_string(common.join("config")).ok()?;
    let mut section = String::new();
    let mut first: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        if !section.starts_with("[remote ") {
            continue;
        }
        if let Some((key, value)) = line.split_once('=')
            && key.trim() == "url"
        {
            let value = value.trim().to_string();
            if section == "[remote \"origin\"]" {
                return Some(value);
            }
            first.get_or_insert(value);
        }
    }
    first
}

/// The web address of a remote: `git@host:owner/name.git`, `ssh://git@host/owner/name`,
/// `https://user@host/owner/name.git` → `https://host/owner/name`. Local paths have none.
pub fn web_url(remote: &str) -> Option<String> {
    let remote = remote.trim();
    let (host, path) = if let Some((_, rest)) = remote.split_once("://") {
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        let (host, path) = rest.split_once('/')?;
        // A port (`host:2222`) is the ssh server's, not the web's.
        (host.split(':').next()?.to_string(), path.to_string())
    } else if let Some((user_host, path)) = remote.split_once(':') {
        if user_host.contains('/') || path.starts_with('/') || user_host.len() < 2 {
            return None;
        }
        let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
        (host.to_string(), path.to_string())
    } else {
        return None;
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    if host.is_empty() || path.is_empty() || host == "localhost" {
        return None;
    }
    Some(format!("https://{host}/{path}"))
}

fn head_commit(dir: &Path, common: &Path) -> Option<String> {
    let head = std::fs::read_to_string(dir.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref:").map(str::trim) else {
        return is_sha(head).then(|| head.to_string());
    };
    for base in [dir, common] {
        if let Ok(sha) = std::fs::read_to_string(base.join(reference)) {
            let sha = sha.trim();
            if is_sha(sha) {
                return Some(sha.to_string());
            }
        }
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
    packed.lines().find_map(|l| {
        let (sha, name) = l.split_once(' ')?;
        (name.trim() == reference && is_sha(sha)).then(|| sha.to_string())
    })
}

fn is_sha(s: &str) -> bool {
    (40..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_become_web_addresses() {
        assert_eq!(
            web_url("git@github.com:acme/payments.git").as_deref(),
            Some("https://github.com/acme/payments")
        );
        assert_eq!(
            web_url("https://oauth2:tok@gitlab.example.com/group/sub/app.git").as_deref(),
            Some("https://gitlab.example.com/group/sub/app")
        );
        assert_eq!(
            web_url("ssh://git@github.com:22/acme/x").as_deref(),
            Some("https://github.com/acme/x")
        );
        assert_eq!(web_url("/srv/git/app.git"), None);
        assert_eq!(web_url("../app"), None);
    }

    #[test]
    fn identity_from_a_git_folder() {
        let dir = tempfile::tempdir().unwrap();
        let git = dir.path().join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        std::fs::write(
            git.join("config"),
            "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = git@github.com:other/x.git\n[remote \"origin\"]\n\turl = git@github.com:acme/payments.git\n",
        )
        .unwrap();
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        let sha = "a".repeat(40);
        std::fs::write(git.join("refs/heads/main"), format!("{sha}\n")).unwrap();
        let sub = dir.path().join("infra");
        std::fs::create_dir_all(&sub).unwrap();
        let id = identify(&sub, None);
        assert_eq!(id.name, "acme/payments");
        assert_eq!(id.revision.as_deref(), Some(sha.as_str()));
        assert_eq!(id.subdir, "infra");
        assert_eq!(identify(&sub, Some("mine")).name, "mine");
    }
}

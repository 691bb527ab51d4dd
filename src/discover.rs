//! Stage 1 of the pipeline: which files to scan, and which syntax each claims by its name.
//!
//! The walk honours `.gitignore`, `.ignore` and `.git/info/exclude` (also outside a git
//! checkout, so a tarball behaves like the repository), scans hidden files (`.github/`,
//! `.gitlab-ci.yml`, `.env`), and always skips `.git/`, `.terraform/`, `node_modules/` and
//! `vendor/`. Files given explicitly are scanned even where `.gitignore` would skip them, but
//! `exclude` patterns still apply to them (CLI.md).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use crate::diag::Diag;
use crate::facts::Input;
use crate::source::SourceFile;

/// Files larger than this are skipped, with a warning (DETECTION.md).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// cloudpact's own files and pre-commit's: they steer the check and describe no deployment.
const OWN_FILES: &[&str] = &[
    "cloudpact.yaml",
    "cloudpact-test.yaml",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
];

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
    /// `*.bicep`
    Bicep,
    /// A file under a Helm chart's `templates/`: Go templates, read as text.
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
    pub fn of(path: &Path, in_helm_templates: bool) -> Option<Syntax> {
        let name = path.file_name()?.to_str()?;
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
            "tfvars" => Syntax::Tfvars,
            "json" => Syntax::Json,
            "yaml" | "yml" => Syntax::Yaml,
            "bicep" => Syntax::Bicep,
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
    /// Relative to the scan root, `/`-separated.
    pub rel: String,
    pub abs: PathBuf,
    pub syntax: Syntax,
}

/// What the walk found: files to read (sorted), and warnings about files skipped.
#[derive(Debug, Default)]
pub struct Discovered {
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<String>,
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

pub fn build_globset(patterns: &[String]) -> Result<GlobSet, DiscoverError> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|source| DiscoverError::BadGlob {
            pattern: p.clone(),
            source,
        })?;
        b.add(glob);
        // `vendor/**` should also skip the directory `vendor` itself.
        if let Some(dir) = p.strip_suffix("/**")
            && let Ok(g) = Glob::new(dir)
        {
            b.add(g);
        }
    }
    b.build().map_err(|source| DiscoverError::BadGlob {
        pattern: patterns.join(", "),
        source,
    })
}

/// Walks `paths` (directories or files) under `root`.
pub fn discover(
    root: &Path,
    paths: &[PathBuf],
    opts: &WalkOptions,
) -> Result<Discovered, DiscoverError> {
    let exclude = build_globset(&opts.exclude)?;
    let mut out = Discovered::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| DiscoverError::Unreadable {
            path: path.display().to_string(),
            source,
        })?;
        if meta.is_file() {
            let rel = relative(root, path);
            if exclude.is_match(&rel) {
                continue;
            }
            let in_templates = in_helm_templates(path);
            if let Some(syntax) = Syntax::of(path, in_templates) {
                if meta.len() > opts.max_file_size {
                    out.skipped
                        .push(oversize(&rel, meta.len(), opts.max_file_size));
                } else {
                    out.candidates.push(Candidate {
                        rel,
                        abs: path.clone(),
                        syntax,
                    });
                }
            }
            continue;
        }
        walk_dir(root, path, opts, &exclude, &mut out);
    }
    out.candidates.sort();
    out.candidates.dedup();
    Ok(out)
}

fn walk_dir(root: &Path, dir: &Path, opts: &WalkOptions, exclude: &GlobSet, out: &mut Discovered) {
    let root_owned = root.to_path_buf();
    let exclude_filter = exclude.clone();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .git_ignore(opts.honour_ignore_files)
        .git_exclude(opts.honour_ignore_files)
        .git_global(opts.honour_ignore_files)
        .ignore(opts.honour_ignore_files)
        .parents(opts.honour_ignore_files)
        .add_custom_ignore_filename(".cloudpactignore")
        .follow_links(false)
        .filter_entry(move |e| {
            let name = e.file_name().to_string_lossy();
            if e.file_type().is_some_and(|t| t.is_dir()) && SKIPPED_DIRS.contains(&name.as_ref()) {
                return false;
            }
            let rel = relative(&root_owned, e.path());
            rel.is_empty() || !exclude_filter.is_match(&rel)
        })
        .build();
    for entry in walker {
        let Ok(entry) = entry else {
            // An unreadable directory entry inside the tree: reported, the walk goes on.
            if let Err(e) = entry {
                out.skipped.push(format!("skipped: {e}"));
            }
            continue;
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Some(syntax) = Syntax::of(path, in_helm_templates(path)) else {
            continue;
        };
        let rel = relative(root, path);
        let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
        if len > opts.max_file_size {
            out.skipped.push(oversize(&rel, len, opts.max_file_size));
            continue;
        }
        out.candidates.push(Candidate {
            rel,
            abs: path.to_path_buf(),
            syntax,
        });
    }
}

fn oversize(rel: &str, len: u64, max: u64) -> String {
    format!("skipped {rel}: {len} bytes is over the {max}-byte limit (max_file_size)")
}

/// Whether `path` is inside `templates/` of a Helm chart (a parent holds `Chart.yaml`).
pub fn in_helm_templates(path: &Path) -> bool {
    path.ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|n| n == "templates")
            && dir
                .parent()
                .is_some_and(|chart| chart.join("Chart.yaml").is_file())
    })
}

/// `path` relative to `root`, `/`-separated. A path outside `root` gets `..` components
/// (`../../policies/a.pact`); one that cannot be resolved is shown as given.
pub fn relative(root: &Path, path: &Path) -> String {
    if let Ok(p) = path.strip_prefix(root) {
        return slash_path(p);
    }
    match (std::fs::canonicalize(root), std::fs::canonicalize(path)) {
        (Ok(r), Ok(p)) => slash_path(&path_diff(&p, &r)),
        _ => slash_path(path),
    }
}

/// `path` relative to `base`; both absolute and canonical.
fn path_diff(path: &Path, base: &Path) -> PathBuf {
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
pub fn normalize_lexically(path: &str) -> String {
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
pub fn slash_path(p: &Path) -> String {
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
/// becomes a `cloudpact.parse-error` diagnostic at line 1; an unreadable file another one.
pub fn read_all(candidates: &[Candidate]) -> (Vec<Input>, Vec<Diag>) {
    let results: Vec<Result<Input, Diag>> = candidates.par_iter().map(read_one).collect();
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

/// A `.template` file is CloudFormation when its text names the template's sections; then it is
/// JSON when it starts with `{`, else YAML. Any other `.template` is not a format we read.
pub fn resolve_template(mut input: Input) -> Option<Input> {
    let text = &input.file.text;
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
    let code = crate::eval::finding::reserved::PARSE_ERROR;
    let bytes = std::fs::read(&c.abs).map_err(|e| {
        Diag::error(code, format!("cannot read {}: {e}", c.rel))
            .in_file(Arc::new(SourceFile::new(c.rel.as_str(), "")))
            .at(crate::source::Span::empty(0), "unreadable")
    })?;
    let bad = |why: &str, at: usize| {
        let text = String::from_utf8_lossy(&bytes[..at.min(bytes.len())]).into_owned();
        let file = Arc::new(SourceFile::new(c.rel.as_str(), text));
        let span = crate::source::Span::empty(file.text.len());
        Diag::error(code, format!("cannot parse {}: {why}", c.rel))
            .in_file(file)
            .at(span, why.to_string())
    };
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        return Err(bad("binary content (a NUL byte) in a text format", nul));
    }
    let mut text = match String::from_utf8(bytes.clone()) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return Err(bad("invalid UTF-8", at));
        }
    };
    // A byte-order mark is not content; dropping it keeps spans aligned with what editors show.
    if text.starts_with('\u{feff}') {
        text.replace_range(..3, "");
    }
    Ok(Input {
        file: Arc::new(SourceFile::new(c.rel.as_str(), text)),
        syntax: c.syntax,
    })
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
        assert_eq!(s("README.md"), None);
        assert_eq!(s("cloudpact.yaml"), None);
        assert_eq!(s(".pre-commit-config.yaml"), None);
        assert_eq!(s("Makefile"), None);
        assert_eq!(
            Syntax::of(Path::new("chart/templates/deploy.yaml"), true),
            Some(Syntax::HelmTemplate)
        );
    }

    #[test]
    fn relative_paths_use_slashes() {
        assert_eq!(relative(Path::new("."), Path::new("./a/b.tf")), "a/b.tf");
        assert_eq!(
            relative(Path::new("/r"), Path::new("/r/x/y.yaml")),
            "x/y.yaml"
        );
    }
}

//! Stage 4: the policy language. `grammar/policy.pest` → pest pairs → the owned, spanned AST
//! (`ast`) → validation against docs/language.md and the provider catalog → the rules
//! evaluation works on (`model`). Refusal records (YAML) are loaded here too, their `where`
//! strings parsed with the same expression parser.
//!
//! Errors never stop the run: a file with a syntax error contributes one diagnostic and no
//! rules; every other file is still checked, so all errors of all files come out together.

pub mod ast;
mod build;
pub(crate) mod complete;
pub mod fmt;
pub mod grammar;
pub mod kind_docs;
pub mod lower;
pub mod model;
pub mod names;
pub mod records;
pub mod validate;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::Diag;
use crate::facts::catalog::Catalog;
use crate::source::{SourceFile, Span};
pub(crate) use lower::Problem;
use model::{PolicySet, RefusalRecord};

/// Policies loaded from files, with every diagnostic (errors and warnings) of every file.
#[derive(Debug, Default)]
pub struct Loaded {
    pub set: PolicySet,
    pub diagnostics: Vec<Diag>,
}

impl Loaded {
    pub(crate) fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diag::is_error)
    }
}

/// Diagnostic codes of the loader itself.
pub mod code {
    /// A policy path that does not exist or cannot be read.
    pub(crate) const UNREADABLE: &str = "cloudpact::policy::unreadable";
}

/// Loads every `.pact` file in `paths` (files, or folders searched recursively), validates
/// them all, and loads the refusal records their rules name. Paths in diagnostics and in
/// `path matches` are relative to `root`.
///
/// Rules with an error inside them are left out of the set; the caller decides what to do
/// with a set when [`Loaded::has_errors`].
pub(crate) fn load(paths: &[PathBuf], root: &Path, catalog: &Catalog) -> Loaded {
    load_with(paths, root, catalog, &|p: &Path| std::fs::read_to_string(p))
}

/// The `.pact` files of policy paths: a folder is searched recursively (symbolic links
/// followed), a file is taken as it is. Paths that cannot be read come back with why, never
/// skipped in silence. The one walk for `.pact` files (`check`, `policy check`, `policy fmt`,
/// the language server).
pub(crate) fn policy_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_dir() {
            for entry in walkdir::WalkDir::new(p)
                .follow_links(true)
                .sort_by_file_name()
            {
                match entry {
                    Ok(e)
                        if e.file_type().is_file()
                            && e.path().extension().is_some_and(|x| x == "pact") =>
                    {
                        files.push(e.into_path());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        errors.push((e.path().unwrap_or(p).to_path_buf(), e.to_string()));
                    }
                }
            }
        } else if p.exists() {
            files.push(p.clone());
        } else {
            errors.push((p.clone(), "no such file or folder".to_string()));
        }
    }
    (files, errors)
}

/// Reads a policy or record file: from disk, or an editor's unsaved text.
pub type Reader<'a> = &'a (dyn Fn(&Path) -> std::io::Result<String> + Sync);

/// [`load`] with the text of each file from `read` (the language server passes the editor's
/// unsaved text of open files). Which files exist, and what `refusals` globs match, is still
/// the disk's. Every path in the result is relative to `root`, normalised.
pub(crate) fn load_with(
    paths: &[PathBuf],
    root: &Path,
    catalog: &Catalog,
    read: Reader<'_>,
) -> Loaded {
    let (mut files, unreadable_paths) = policy_files(paths);
    let mut diags: Vec<Diag> = unreadable_paths
        .iter()
        .map(|(p, why)| unreadable(&display_path(p, root), why))
        .collect();
    files.sort();
    files.dedup();

    // Parse and validate every file.
    let mut parsed: Vec<(Arc<SourceFile>, PathBuf, ast::PolicyFile)> = Vec::new();
    let mut all_files = Vec::new();
    for path in files {
        let shown = display_path(&path, root);
        let text = match read(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(unreadable(&shown, &e.to_string()));
                continue;
            }
        };
        let src = Arc::new(SourceFile::new(shown, text));
        all_files.push(src.clone());
        let (file, problems) = parse_and_validate(&src, catalog);
        diags.extend(problems);
        if let Some(file) = file {
            parsed.push((src, path, file));
        }
    }
    let refs: Vec<(Arc<SourceFile>, &ast::PolicyFile)> =
        parsed.iter().map(|(s, _, f)| (s.clone(), f)).collect();
    diags.extend(validate::validate_duplicate_ids(&refs));

    // Refusal records, each file once however many rules name it.
    let mut record_files: BTreeMap<PathBuf, Vec<Arc<RefusalRecord>>> = BTreeMap::new();
    let mut defs = Vec::new();
    for (src, path, file) in &parsed {
        let dir = path.parent().unwrap_or(Path::new("."));
        let (fence, fence_name) = glob_fence(dir, root);
        for policy in &file.policies {
            for rule in &policy.rules {
                let mut records = Vec::new();
                for clause in &rule.clauses {
                    let ast::ClauseKind::Refusals(globs) = &clause.kind else {
                        continue;
                    };
                    for glob in globs {
                        let matched = match_refusal_glob(dir, &glob.node, &fence);
                        let matched = match matched {
                            Ok(m) => m,
                            Err(GlobError::Invalid(e)) => {
                                diags.push(
                                    Problem::new(
                                        validate::code::BAD_GLOB,
                                        glob.span,
                                        format!("invalid glob `{}`", glob.node),
                                        e,
                                    )
                                    .to_diag(src),
                                );
                                continue;
                            }
                            Err(GlobError::Outside) => {
                                diags.push(glob_outside(glob, fence_name).to_diag(src));
                                continue;
                            }
                        };
                        if matched.is_empty() {
                            diags.push(glob_matches_nothing(glob, dir, root).to_diag(src));
                        }
                        for m in matched {
                            if !record_files.contains_key(&m) {
                                let loaded = load_record_file(
                                    &m,
                                    root,
                                    catalog,
                                    read,
                                    &mut diags,
                                    &mut all_files,
                                );
                                record_files.insert(m.clone(), loaded);
                            }
                            for r in &record_files[&m] {
                                if !records.iter().any(|x| Arc::ptr_eq(x, r)) {
                                    records.push(r.clone());
                                }
                            }
                        }
                    }
                }
                defs.push((
                    src.clone(),
                    build::rule_def(src, policy, rule, catalog, records),
                ));
            }
        }
    }

    // A record id names one record across every file the policies read.
    let mut first_of: BTreeMap<&str, &Arc<RefusalRecord>> = BTreeMap::new();
    for r in record_files.values().flatten() {
        match first_of.get(r.id.as_str()) {
            Some(first) => diags.push(records::duplicate_id(
                &r.id,
                &r.file,
                r.span,
                &first.file,
                first.span,
            )),
            None => {
                first_of.insert(&r.id, r);
            }
        }
    }

    // A rule with an error inside it is not evaluated.
    let rules = defs
        .into_iter()
        .filter(|(src, def)| {
            !diags.iter().any(|d| {
                d.is_error()
                    && d.file.as_ref().is_some_and(|f| Arc::ptr_eq(f, src))
                    && d.primary_span()
                        .is_some_and(|s| def.span.start <= s.start && s.end <= def.span.end)
            })
        })
        .map(|(_, def)| Arc::new(def))
        .collect();
    crate::diag::sort(&mut diags);
    Loaded {
        set: PolicySet {
            rules,
            files: all_files,
        },
        diagnostics: diags,
    }
}

/// Parses and validates one policy text in memory (the language server's entry point). The
/// check that a `refusals` glob matches files is skipped: it needs the file system.
pub fn check_source(file: Arc<SourceFile>, catalog: &Catalog) -> Vec<Diag> {
    let (parsed, mut diags) = parse_and_validate(&file, catalog);
    if let Some(parsed) = parsed {
        diags.extend(validate::validate_duplicate_ids(&[(file.clone(), &parsed)]));
    }
    crate::diag::sort(&mut diags);
    diags
}

/// Parses one policy text into its AST, without validating it. A syntax error is the `Err`.
pub fn parse_source(file: &Arc<SourceFile>) -> Result<(ast::PolicyFile, Vec<Problem>), Diag> {
    let text = file.text();
    let mut pairs = grammar::parse_file(&text).map_err(|e| e.to_diag(file))?;
    let top = pairs.next().ok_or_else(|| {
        grammar::SyntaxError {
            span: Span::empty(0),
            expected: "expected `policy`".into(),
            found: "nothing".into(),
        }
        .to_diag(file)
    })?;
    Ok(lower::lower_file(file.path.clone(), top))
}

/// pest stops at the first error; the policies after it are parsed on their own, so one typo
/// does not hide the syntax errors of the rest of the file. A policy restarts at a line that
/// begins with `policy`, as the canonical layout writes them.
fn later_syntax_errors(file: &Arc<SourceFile>, mut from: usize) -> Vec<Diag> {
    let text = &file.text();
    let mut out = Vec::new();
    while let Some(start) = next_policy_line(text, from) {
        match grammar::parse_file(&text[start..]) {
            Ok(_) => break,
            Err(mut e) => {
                e.span = Span::new(e.span.start + start, e.span.end + start);
                from = e.span.end.max(start + 1);
                out.push(e.to_diag(file));
            }
        }
    }
    out
}

/// The byte offset of the next line after `from` that starts with the keyword `policy`.
fn next_policy_line(text: &str, from: usize) -> Option<usize> {
    let mut at = from.min(text.len());
    while let Some(i) = text[at..].find("\npolicy") {
        let start = at + i + 1;
        let after = text[start + "policy".len()..].chars().next();
        if after.is_some_and(char::is_whitespace) {
            return Some(start);
        }
        at = start;
    }
    None
}

fn parse_and_validate(
    file: &Arc<SourceFile>,
    catalog: &Catalog,
) -> (Option<ast::PolicyFile>, Vec<Diag>) {
    match parse_source(file) {
        Err(d) => {
            let after = d.primary_span().map_or(0, |s| s.end);
            let mut diags = vec![d];
            diags.extend(later_syntax_errors(file, after));
            (None, diags)
        }
        Ok((ast, problems)) => {
            let mut diags: Vec<Diag> = problems.iter().map(|p| p.to_diag(file)).collect();
            diags.extend(
                validate::validate_file(&ast, catalog)
                    .iter()
                    .map(|p| p.to_diag(file)),
            );
            (Some(ast), diags)
        }
    }
}

/// Parses one expression (a config waiver's `where`, a refusal record's `where`). Spans in the
/// result and in the error are byte offsets into `text`. Names are not checked against the
/// language's vocabulary; [`validate::validate_expr`] does that.
#[expect(
    clippy::result_large_err,
    reason = "parsed once per waiver or record; a boxed error would only add noise for callers"
)]
pub fn parse_expr(text: &str) -> Result<ast::Expr, Problem> {
    let mut pairs = grammar::parse_standalone_expr(text).map_err(|mut e| {
        if e.found == "end of file" {
            e.found = "the end of the expression".to_string();
        }
        Problem::new(
            grammar::SYNTAX,
            e.span,
            format!("syntax error: {}", e.message()),
            e.expected.clone(),
        )
    })?;
    let top = pairs.next().ok_or_else(|| {
        Problem::new(
            grammar::SYNTAX,
            Span::empty(0),
            "empty expression".into(),
            "expected an expression",
        )
    })?;
    let (expr, mut problems) = lower::lower_standalone_expr(top);
    match (expr, problems.is_empty()) {
        (Some(e), true) => Ok(e),
        _ => Err(problems.pop().unwrap_or_else(|| {
            Problem::new(
                grammar::SYNTAX,
                Span::new(0, text.len()),
                "invalid expression".into(),
                "here",
            )
        })),
    }
}

/// Parses and validates the refusal records of one YAML text in memory.
pub fn check_records(
    file: &Arc<SourceFile>,
    catalog: &Catalog,
) -> (Vec<Arc<RefusalRecord>>, Vec<Diag>) {
    records::load_records(file, catalog)
}

fn load_record_file(
    path: &Path,
    root: &Path,
    catalog: &Catalog,
    read: Reader<'_>,
    diags: &mut Vec<Diag>,
    files: &mut Vec<Arc<SourceFile>>,
) -> Vec<Arc<RefusalRecord>> {
    let shown = display_path(path, root);
    match read(path) {
        Ok(text) => {
            let src = Arc::new(SourceFile::new(shown, text));
            files.push(src.clone());
            let (records, d) = records::load_records(&src, catalog);
            diags.extend(d);
            records
        }
        Err(e) => {
            diags.push(unreadable(&shown, &e.to_string()));
            Vec::new()
        }
    }
}

/// The files a `refusals` glob of the policy file `policy` matches (canonical paths), as a
/// load reads them; none when the glob is invalid or leads outside the repository.
pub(crate) fn refusal_glob_files(policy: &Path, glob: &str, root: &Path) -> Vec<PathBuf> {
    let dir = policy.parent().unwrap_or(Path::new("."));
    let (fence, _) = glob_fence(dir, root);
    match_refusal_glob(dir, glob, &fence).unwrap_or_default()
}

/// Why a `refusals` glob was not walked.
enum GlobError {
    /// Not a glob of the dialect (`dsl::validate::compile_glob`).
    Invalid(String),
    /// Its fixed part leads out of the folder the policy may read.
    Outside,
}

/// The folder a policy's `refusals` globs must stay in, canonical, and its name in words: the
/// repository root, or for a policy outside it (`--policy` elsewhere) the policy's own folder.
/// A glob never walks the rest of the file system.
fn glob_fence(dir: &Path, root: &Path) -> (PathBuf, &'static str) {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if dir.starts_with(&root) {
        (root, "the repository root")
    } else {
        (dir, "the policy's folder")
    }
}

/// The files under `dir` that `glob` (relative to `dir`, `/`-separated) matches, sorted, as
/// canonical paths (a file reached by two globs or two paths is one file). Only `fence` is
/// walked: a glob whose fixed part leads out of it (`../../../../**/*.yaml`, or a link to `/`)
/// is refused, and links out of it met in the walk are not followed.
fn match_refusal_glob(dir: &Path, glob: &str, fence: &Path) -> Result<Vec<PathBuf>, GlobError> {
    let glob = glob.trim_start_matches("./");
    // Checked now, compiled only when there is a folder to walk.
    let parsed = crate::glob::parse(glob).map_err(|e| GlobError::Invalid(e.kind().to_string()))?;
    // Walk only below the glob's literal prefix (`refusals/` of `refusals/*.yaml`).
    let literal: Vec<&str> = glob
        .split('/')
        .take_while(|seg| !seg.contains(['*', '?', '[', '{', '\\']))
        .collect();
    let whole = literal.len() == glob.split('/').count();
    let literal = literal.join("/");
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let inside = |p: &Path| {
        std::fs::canonicalize(p)
            .ok()
            .filter(|c| c.starts_with(fence))
    };
    let base = crate::discover::normalize(&dir.join(&literal));
    let base = match std::fs::canonicalize(&base) {
        Ok(real) if real.starts_with(fence) => real,
        Ok(_) => return Err(GlobError::Outside),
        Err(_) if base.starts_with(fence) => return Ok(Vec::new()),
        Err(_) => return Err(GlobError::Outside),
    };
    if whole {
        // No wildcard at all: the path itself.
        return Ok(Some(base).filter(|p| p.is_file()).into_iter().collect());
    }
    let matcher = parsed.compile_matcher();
    let mut out = BTreeSet::new();
    let walk = walkdir::WalkDir::new(&base)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| !e.path_is_symlink() || inside(e.path()).is_some());
    for entry in walk.flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(below) = entry.path().strip_prefix(&base) else {
            continue;
        };
        // The path as the glob writes it, from `dir`.
        let below = crate::discover::slash_path(below);
        let rel = if literal.is_empty() {
            below
        } else {
            format!("{literal}/{below}")
        };
        if matcher.is_match(&rel)
            && let Some(real) = inside(entry.path())
        {
            out.insert(real);
        }
    }
    Ok(out.into_iter().collect())
}

fn glob_outside(glob: &ast::Spanned<String>, fence: &str) -> Problem {
    Problem::new(
        validate::code::REFUSALS_OUTSIDE,
        glob.span,
        format!("`{}` reaches outside {fence}", glob.node),
        format!("leads out of {fence}: not read"),
    )
    .help("refusal globs are relative to the policy file's folder and stay inside the repository: keep the records there")
}

fn glob_matches_nothing(glob: &ast::Spanned<String>, dir: &Path, root: &Path) -> Problem {
    let shown = display_path(dir, root);
    let shown = if shown.is_empty() {
        ".".to_string()
    } else {
        shown
    };
    Problem::new(
        validate::code::REFUSALS_MATCH_NOTHING,
        glob.span,
        format!("`{}` matches no file", glob.node),
        format!("no file matches, relative to `{shown}`"),
    )
    .warning()
    .help("refusal globs are relative to the policy file's folder; without records, every `over` deployment is a finding")
}

fn unreadable(path: &str, why: &str) -> Diag {
    Diag::error(
        code::UNREADABLE,
        format!("cannot read policy path `{path}`: {why}"),
    )
}

/// `path` relative to `root` (with `..` when outside it), `/`-separated.
fn display_path(path: &Path, root: &Path) -> String {
    crate::discover::relative(root, path)
}

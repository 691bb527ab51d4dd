//! The one glob dialect of cloudpact, for paths: `exclude` in `cloudpact.yaml` and `--exclude`,
//! `matches` in policies and waivers' `where`, and `refusals` globs.
//!
//! `*` matches within one path segment (it never crosses `/`), `**` crosses segments, `?` is one
//! character, `[…]` a class, `{a,b}` alternatives, `\` escapes. Paths are repository-relative
//! with `/` separators (docs/configuration.md, "Globs").

use globset::{GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};

fn builder(pattern: &str) -> GlobBuilder<'_> {
    let mut b = GlobBuilder::new(pattern);
    b.literal_separator(true).backslash_escape(true);
    b
}

/// One glob, compiled.
pub(crate) fn compile(pattern: &str) -> Result<GlobMatcher, globset::Error> {
    Ok(parse(pattern)?.compile_matcher())
}

/// One glob, checked but not compiled: compiling builds a regex, which a caller that may never
/// match anything (a folder that does not exist) can skip.
pub(crate) fn parse(pattern: &str) -> Result<globset::Glob, globset::Error> {
    builder(pattern).build()
}

/// Several globs as one set. `dir/**` also matches the folder `dir` itself, so a walk can skip
/// the folder without entering it.
pub(crate) fn compile_set(patterns: &[String]) -> Result<GlobSet, (String, globset::Error)> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        let pattern = p.trim_start_matches("./");
        set.add(builder(pattern).build().map_err(|e| (p.clone(), e))?);
        if let Some(dir) = pattern.strip_suffix("/**")
            && let Ok(g) = builder(dir).build()
        {
            set.add(g);
        }
    }
    set.build().map_err(|e| (patterns.join(", "), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_stays_in_its_segment() {
        let m = compile("a/*.tf").unwrap();
        assert!(m.is_match("a/main.tf"));
        assert!(!m.is_match("a/b/main.tf"));
        let m = compile("a/**/*.tf").unwrap();
        assert!(m.is_match("a/main.tf"));
        assert!(m.is_match("a/b/c/main.tf"));
    }

    #[test]
    fn sets_use_the_same_dialect_and_cover_the_folder_itself() {
        let s = compile_set(&["a/*.tf".into(), "./vendor/**".into()]).unwrap();
        assert!(s.is_match("a/main.tf"));
        assert!(!s.is_match("a/b/main.tf"));
        assert!(s.is_match("vendor"));
        assert!(s.is_match("vendor/x/y.yaml"));
    }

    #[test]
    fn a_bad_pattern_names_itself() {
        let (p, _) = compile_set(&["ok/**".into(), "a/[b".into()]).unwrap_err();
        assert_eq!(p, "a/[b");
    }
}

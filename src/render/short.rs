//! `short`: `path:line:col: severity[rule_id] message`, one per line (editors' error formats).

use crate::eval::finding::Finding;

pub fn render(findings: &[Finding], prefix: &str) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        let (line, col, _, _) = f.position();
        out.push_str(&format!(
            "{prefix}{}:{line}:{col}: {}[{}] {}\n",
            f.path(),
            f.severity,
            f.rule,
            f.message.replace('\n', " ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture::fixture;

    #[test]
    fn short_snapshot() {
        insta::assert_snapshot!(render(&fixture().findings, ""));
    }

    #[test]
    fn prefix_makes_paths_relative_to_the_working_directory() {
        let out = render(&fixture().findings, "repo/");
        assert!(out.lines().all(|l| l.starts_with("repo/")), "{out}");
    }
}

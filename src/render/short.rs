//! `short`: `path:line:col: severity[rule_id] message`, one per line (editors' error formats).

use crate::eval::finding::Finding;

/// The findings' paths are shown as given: the command line makes them relative to the current
/// directory before rendering.
pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        let (line, col, _, _) = f.position();
        out.push_str(&format!(
            "{}:{line}:{col}: {}[{}] {}\n",
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
        insta::assert_snapshot!(render(&fixture().findings));
    }
}

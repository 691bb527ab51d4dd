//! `short`: `path:line:col: severity[rule_id] message`, one per line (editors' error formats).

use crate::eval::finding::Finding;

/// `shown` turns a finding's repository-relative path into the one printed (the command line
/// passes the path from the current directory).
pub fn render(findings: &[Finding], shown: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        let (line, col, _, _) = f.position();
        out.push_str(&format!(
            "{}:{line}:{col}: {}[{}] {}\n",
            shown(f.path()),
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
        insta::assert_snapshot!(render(&fixture().findings, &str::to_string));
    }
}

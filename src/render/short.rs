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

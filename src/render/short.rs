//! `short`: `path:line:col: severity[rule_id] message`, one per line (editors' error formats).

use std::io::{self, Write};

use super::terminal::escape;
use crate::eval::finding::{Finding, LOAD_AHEAD};

/// Writes the report as it is made (a large repository's report is megabytes). `shown` turns a
/// finding's repository-relative path into the one printed (the command line passes the path
/// from the current directory). One finding is one line, whatever its text holds: line breaks
/// become spaces and control characters are escaped (`render::terminal`).
pub fn write(
    w: &mut dyn Write,
    findings: &[Finding],
    shown: &dyn Fn(&str) -> String,
) -> io::Result<()> {
    for chunk in findings.chunks(LOAD_AHEAD) {
        let _texts = Finding::load_ahead(chunk);
        for f in chunk.iter().filter(|f| f.suppressed.is_none()) {
            let (line, col, _, _) = f.position();
            writeln!(
                w,
                "{}:{line}:{col}: {}[{}] {}",
                escape(&shown(f.path()).replace('\n', " ")),
                f.severity,
                escape(&f.rule),
                escape(&f.message.replace('\n', " "))
            )?;
        }
    }
    Ok(())
}

/// The report as one string.
pub fn render(findings: &[Finding], shown: &dyn Fn(&str) -> String) -> String {
    let mut out = Vec::new();
    write(&mut out, findings, shown).expect("writing to a vector does not fail");
    String::from_utf8(out).expect("the report is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture::fixture;

    #[test]
    fn short_snapshot() {
        insta::assert_snapshot!(render(&fixture().findings, &str::to_string));
    }

    #[test]
    fn control_characters_and_line_breaks_from_scanned_text_stay_inert() {
        let mut f = fixture().findings[0].clone();
        f.suppressed = None;
        f.message = "`aws_s3_bucket` `\x1b]0;x\x07\nfake.tf:1:1: error[p.r] y` runs on aws".into();
        let out = render(&[f], &|p| format!("{p}\x1b[2K"));
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(!out.contains(['\x1b', '\x07']), "{out:?}");
        assert!(
            out.contains("\\u{1b}[2K:") && out.contains("`\\u{1b}]0;x\\u{7} fake.tf"),
            "{out}"
        );
    }
}

//! `github`: GitHub Actions workflow commands, one annotation per unsuppressed finding, most
//! severe first (GitHub shows only the first few per step), and a Markdown job summary for
//! `$GITHUB_STEP_SUMMARY` with every finding (ecosystem.md §2.2).

use std::collections::BTreeMap;

use super::Summary;
use crate::diag::Severity;
use crate::eval::finding::Finding;

/// How many findings the job summary lists (GitHub keeps 1 MiB of summary per step).
pub const SUMMARY_ROWS: usize = 500;

/// The toolkit's escaping of command data: `%`, CR and LF.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The toolkit's escaping of property values: the data escapes plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Unsuppressed findings, most severe first, then in report order.
fn by_severity(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().filter(|f| f.suppressed.is_none()).collect();
    // Stable: report order within one severity.
    v.sort_by_key(|f| std::cmp::Reverse(f.severity));
    v
}

/// The annotations, with repository-relative paths (GitHub resolves them against the
/// workspace). Columns count chars, as GitHub's editor does.
pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in by_severity(findings) {
        let (line, col, end_line, end_col) = f.position();
        let mut msg = f.message.clone();
        if let Some(h) = f.help.as_deref().filter(|h| !h.is_empty()) {
            msg.push('\n');
            msg.push_str(h);
        }
        let mut props = vec![format!("file={}", escape_property(f.path()))];
        props.push(format!("line={line}"));
        // Columns only make sense on one line: GitHub ignores them on multi-line annotations.
        if end_line == line {
            props.push(format!("col={col}"));
            props.push(format!("endLine={end_line}"));
            props.push(format!("endColumn={end_col}"));
        } else {
            props.push(format!("endLine={end_line}"));
        }
        props.push(format!("title={}", escape_property(&f.rule)));
        out.push_str(&format!(
            "::{} {}::{}\n",
            command(f.severity),
            props.join(","),
            escape_data(&msg)
        ));
    }
    out
}

/// A Markdown table cell: pipes escaped, lines joined.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A link to `path` at `line` under `blob_base` (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA`).
fn place(path: &str, line: usize, blob_base: Option<&str>) -> String {
    let text = format!("`{}:{line}`", path.replace('`', "'"));
    match blob_base {
        Some(base) => format!(
            "[{text}]({}/{}#L{line})",
            base.trim_end_matches('/'),
            super::locate::uri_of(path)
        ),
        None => text,
    }
}

/// The job summary: totals, counts by rule and severity, and a table of findings (most severe
/// first) with `path:line`, linked to the commit when `blob_base` is given.
pub fn step_summary(findings: &[Finding], summary: &Summary, blob_base: Option<&str>) -> String {
    let mut out = String::from("## cloudpact\n\n");
    let mut totals = vec![
        plural(summary.errors, "error", "errors"),
        plural(summary.warnings, "warning", "warnings"),
        plural(summary.infos, "info", "infos"),
    ];
    if summary.suppressed > 0 {
        totals.push(format!("{} suppressed", summary.suppressed));
    }
    out.push_str(&format!(
        "**{}** · {} scanned, {} · as of {}\n\n",
        totals.join(", "),
        plural(summary.files, "file", "files"),
        plural(summary.deployments, "deployment", "deployments"),
        summary.as_of
    ));
    let shown = by_severity(findings);
    if shown.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    // rule → [errors, warnings, infos]
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for f in &shown {
        let c = counts.entry(&f.rule).or_default();
        c[match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }] += 1;
    }
    out.push_str("| rule | errors | warnings | infos |\n| --- | ---: | ---: | ---: |\n");
    for (rule, [e, w, i]) in &counts {
        out.push_str(&format!("| `{rule}` | {e} | {w} | {i} |\n"));
    }
    out.push_str(
        "\n### Findings\n\n| severity | rule | location | message |\n| --- | --- | --- | --- |\n",
    );
    for f in shown.iter().take(SUMMARY_ROWS) {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            f.severity,
            f.rule,
            place(f.path(), f.line(), blob_base),
            cell(&f.message)
        ));
    }
    if shown.len() > SUMMARY_ROWS {
        out.push_str(&format!(
            "\n…and {} more; the SARIF or JSON report has them all.\n",
            shown.len() - SUMMARY_ROWS
        ));
    }
    out
}

/// The link base from the Actions environment, when it is complete.
pub fn blob_base_from_env() -> Option<String> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/blob/{}",
        get("GITHUB_SERVER_URL")?,
        get("GITHUB_REPOSITORY")?,
        get("GITHUB_SHA")?
    ))
}

/// Appends the summary to the file `$GITHUB_STEP_SUMMARY` names, if set.
pub fn append_step_summary(text: &str) -> std::io::Result<bool> {
    use std::io::Write;
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(false);
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture::fixture;

    #[test]
    fn github_annotations_snapshot() {
        let fx = fixture();
        insta::assert_snapshot!(render(&fx.findings));
    }

    #[test]
    fn github_step_summary_snapshot() {
        let fx = fixture();
        insta::assert_snapshot!(step_summary(
            &fx.findings,
            &fx.summary,
            Some("https://github.com/acme/infra/blob/abc123")
        ));
    }

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn most_severe_first_and_suppressed_skipped() {
        let fx = fixture();
        let out = render(&fx.findings);
        let kinds: Vec<&str> = out.lines().map(|l| l.split_once(' ').unwrap().0).collect();
        let mut sorted = kinds.clone();
        let rank = |k: &str| match k {
            "::error" => 0,
            "::warning" => 1,
            _ => 2,
        };
        sorted.sort_by_key(|k| rank(k));
        assert_eq!(kinds, sorted);
        assert!(kinds.contains(&"::notice"));
        assert!(
            !out.contains("legacy.tf"),
            "suppressed findings are not annotated"
        );
        assert_eq!(out.lines().count(), fx.findings.len() - 1);
        // Every command is one line: messages with newlines are escaped.
        for line in out.lines() {
            assert!(line.starts_with("::"), "{line}");
        }
    }

    #[test]
    fn summary_without_findings_says_so() {
        let fx = fixture();
        let out = step_summary(&[], &fx.summary, None);
        assert!(out.ends_with("No findings.\n"), "{out}");
    }

    #[test]
    fn summary_cells_escape_pipes() {
        let fx = fixture();
        let out = step_summary(&fx.findings, &fx.summary, None);
        let row = out.lines().find(|l| l.starts_with("| info |")).unwrap();
        assert!(row.contains("outside the eu \\| "), "{row}");
        assert_eq!(row.matches(" | ").count(), 3, "{row}");
    }
}

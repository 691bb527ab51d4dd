use std::collections::HashSet;
use std::sync::Arc;

use super::*;
use crate::facts::model::{Deployment, Format};

fn finding(rule: &str, path: &str, name: &str, text: &str) -> Finding {
    let file = Arc::new(SourceFile::new(path, text));
    let deployment = Deployment::new(
        path.into(),
        Span::empty(0),
        Format::Terraform,
        "aws_s3_bucket",
        name,
    );
    Finding {
        rule: rule.into(),
        policy: None,
        rule_kind: None,
        severity: Severity::Error,
        message: format!("{name} breaks {rule}"),
        help: None,
        reference: None,
        file,
        span: Span::empty(0),
        label: None,
        deployment: Some(Arc::new(deployment)),
        related: Vec::new(),
        suppressed: None,
    }
}

fn baseline_of(findings: &[Finding]) -> Baseline {
    let text = render(entries_of(findings));
    Baseline::parse(Arc::new(SourceFile::new(".cloudpact-baseline.json", text))).unwrap()
}

#[test]
fn a_written_baseline_reads_back_and_accepts_its_findings() {
    let found = vec![
        finding(
            "p.eu",
            "infra/a.tf",
            "logs",
            "resource \"aws_s3_bucket\" \"logs\" {}\n",
        ),
        finding(
            "p.eu",
            "infra/b.tf",
            "data",
            "resource \"aws_s3_bucket\" \"data\" {}\n",
        ),
    ];
    let b = baseline_of(&found);
    assert_eq!(b.entries.len(), 2);
    assert_eq!(
        b.entries[0].deployment.as_deref(),
        Some("aws_s3_bucket.logs")
    );
    let mut now = found.clone();
    let files: HashSet<&str> = ["infra/a.tf", "infra/b.tf"].into();
    assert_eq!(b.apply(&mut now, &files, &Selection::Root), 2);
    assert!(
        now.iter()
            .all(|f| f.suppressed.as_ref().unwrap().kind == "baseline")
    );
    assert_eq!(now.len(), 2, "no stale entry");
}

#[test]
fn a_renamed_file_matches_by_moved_key_only_when_the_old_path_is_gone() {
    let text = "resource \"aws_s3_bucket\" \"logs\" {}\n";
    let b = baseline_of(&[finding("p.eu", "infra/a.tf", "logs", text)]);
    let renamed = vec![finding("p.eu", "infra/renamed.tf", "logs", text)];
    // The old path is gone: the entry follows the file.
    let present: HashSet<&str> = ["infra/renamed.tf"].into();
    let m = match_entries(&b.entries, &renamed, &present, recordable);
    assert_eq!(m.by_finding, vec![Some(0)]);
    // The old path is still there (a copy): the copy's finding is new.
    let present: HashSet<&str> = ["infra/renamed.tf", "infra/a.tf"].into();
    let m = match_entries(&b.entries, &renamed, &present, recordable);
    assert_eq!(m.by_finding, vec![None]);
    assert_eq!(m.matched, vec![false]);
    // Another rule or another name does not match.
    let other = vec![finding("p.eu", "infra/renamed.tf", "other", text)];
    let present: HashSet<&str> = ["infra/renamed.tf"].into();
    assert_eq!(
        match_entries(&b.entries, &other, &present, recordable).by_finding,
        vec![None]
    );
}

#[test]
fn one_entry_accepts_one_finding() {
    let text = "resource \"aws_s3_bucket\" \"logs\" {}\n";
    let b = baseline_of(&[finding("p.eu", "a.tf", "logs", text)]);
    // Two resources named alike in one file: the second is numbered, so new.
    let two = vec![
        finding("p.eu", "a.tf", "logs", text),
        finding("p.eu", "a.tf", "logs", text),
    ];
    let present: HashSet<&str> = ["a.tf"].into();
    let m = match_entries(&b.entries, &two, &present, recordable);
    assert_eq!(m.by_finding, vec![Some(0), None]);
}

#[test]
fn stale_entries_are_judged_only_within_the_selection() {
    let text = "resource \"aws_s3_bucket\" \"logs\" {}\n";
    let b = baseline_of(&[
        finding("p.eu", "infra/a.tf", "logs", text),
        finding("p.eu", "other/b.tf", "logs", text),
    ]);
    let mut now = Vec::new();
    let files: HashSet<&str> = ["infra/a.tf", "other/b.tf"].into();
    let sel = Selection::of(vec![("infra".to_string(), true)]);
    b.apply(&mut now, &files, &sel);
    assert_eq!(now.len(), 1);
    assert_eq!(&*now[0].rule, reserved::STALE_BASELINE);
    assert_eq!(now[0].severity, Severity::Info);
    assert!(now[0].message.contains("infra/a.tf"), "{}", now[0].message);
    // It points at the entry's line in the baseline file.
    assert_eq!(now[0].path(), ".cloudpact-baseline.json");
    assert!(now[0].line() > 1);
}

#[test]
fn malformed_files_are_errors_at_their_place() {
    let bad = |text: &str| {
        Baseline::parse(Arc::new(SourceFile::new("b.json", text.to_string()))).unwrap_err()
    };
    let d = bad("{\n  \"version\": 1,\n  \"findings\": [ 3 ]\n}\n");
    assert_eq!(d.code, "cloudpact::baseline::invalid");
    let span = d.primary_span().unwrap();
    assert_eq!(d.file.as_ref().unwrap().line_col(span.start).line, 3);
    let d = bad("{\"version\": 1, \"findings\": [], \"extra\": true}");
    assert!(d.message.contains("extra"), "{}", d.message);
    let d = bad("{\"version\": 7, \"findings\": []}");
    assert_eq!(d.code, "cloudpact::baseline::version");
    // Not JSON at all, or empty: still an error, never a panic.
    bad("");
    bad("\u{feff}[]");
    bad("{\"version\": 1, \"findings\": [{\"fingerprint\": \"\u{e9}\"}]}");
}

#[test]
fn horizons_parse_as_spans() {
    use crate::config::parse_horizon;
    let d = jiff::civil::date(2026, 1, 31);
    let after = |s: &str| d.checked_add(parse_horizon(s).unwrap()).unwrap();
    assert_eq!(after("90d"), jiff::civil::date(2026, 5, 1));
    assert_eq!(after("2w"), jiff::civil::date(2026, 2, 14));
    assert_eq!(after("1m"), jiff::civil::date(2026, 2, 28));
    assert_eq!(after("1y"), jiff::civil::date(2027, 1, 31));
    for bad in ["", "d", "90", "-3d", "3x", "999999d", "é"] {
        assert!(parse_horizon(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_run_over_some_paths_never_takes_an_entry_outside_them_for_a_rename() {
    let text = "resource \"aws_s3_bucket\" \"logs\" {}\n";
    // Accepted in other/b.tf; the run names only infra/, where a resource of the same name
    // breaks the same rule: it is new, and the entry outside is neither used nor stale.
    let b = baseline_of(&[finding("p.eu", "other/b.tf", "logs", text)]);
    let mut now = vec![finding("p.eu", "infra/a.tf", "logs", text)];
    let files: HashSet<&str> = ["infra/a.tf"].into();
    let sel = Selection::of(vec![("infra".to_string(), true)]);
    assert_eq!(b.apply(&mut now, &files, &sel), 0);
    assert_eq!(now.len(), 1);
    assert!(now[0].suppressed.is_none());
    // Over the whole repository, with other/b.tf gone, it is a rename.
    let mut now = vec![finding("p.eu", "infra/a.tf", "logs", text)];
    assert_eq!(b.apply(&mut now, &files, &Selection::Root), 1);
}

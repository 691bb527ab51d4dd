//! Snapshots of what users read, produced by the binary on the bundled example repository:
//! `check` (human, short), `inventory` (table, csv) and `explain`, with the elapsed time
//! filtered out.

mod common;

use common::{project, run_in};

const EXAMPLE: &str = "examples/openai-stargate";

/// Runs the binary in `dir` (relative to the project), asserts the exit code, and returns
/// stdout with the only varying part — the summary line's elapsed milliseconds — filtered.
fn output(dir: &str, args: &[&str], code: i32) -> String {
    let run = run_in(&project(dir), args);
    assert_eq!(run.code, code, "{}", run.stderr);
    let re = regex::Regex::new(r"· \d+ ms").unwrap();
    re.replace_all(&run.stdout, "· [elapsed] ms").into_owned()
}

#[test]
fn check_human_on_the_example() {
    let args = [
        "check",
        EXAMPLE,
        "--as-of",
        "2026-06-01",
        "--color",
        "never",
    ];
    insta::assert_snapshot!(output(".", &args, 1));
}

#[test]
fn check_short_on_the_example() {
    let args = [
        "check",
        EXAMPLE,
        "--as-of",
        "2026-06-01",
        "--format",
        "short",
    ];
    insta::assert_snapshot!(output(".", &args, 1));
}

#[test]
fn inventory_table_on_the_example() {
    insta::assert_snapshot!(output(EXAMPLE, &["inventory", "."], 0));
}

#[test]
fn inventory_csv_on_the_example() {
    insta::assert_snapshot!(output(EXAMPLE, &["inventory", ".", "--format", "csv"], 0));
}

#[test]
fn explain_a_deployment_of_the_example() {
    let args = [
        "explain",
        "stargate/abilene/main.tf:10",
        "--as-of",
        "2026-06-01",
    ];
    let out = output(EXAMPLE, &args, 0);
    assert!(
        out.contains("covered by refusal record ROFR-2025-001"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn explain_a_rule_of_the_example() {
    let args = [
        "explain",
        "microsoft_openai.new_capacity",
        "--as-of",
        "2026-06-01",
    ];
    insta::assert_snapshot!(output(EXAMPLE, &args, 0));
}

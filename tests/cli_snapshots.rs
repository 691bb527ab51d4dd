//! Snapshots of what users read, produced by the binary on the bundled example repository:
//! `check` (human, short) and `inventory` (table, csv), with the elapsed time filtered out.

mod common;

use common::{project, run_in};

fn stable(text: &str) -> String {
    // The only varying part of the output: the elapsed milliseconds of the summary line.
    let re = regex::Regex::new(r"· \d+ ms").unwrap();
    re.replace_all(text, "· [elapsed] ms").into_owned()
}

#[test]
fn check_human_on_the_example() {
    let run = run_in(
        &project("."),
        &[
            "check",
            "examples/openai-stargate",
            "--as-of",
            "2026-06-01",
            "--color",
            "never",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(stable(&run.stdout));
}

#[test]
fn check_short_on_the_example() {
    let run = run_in(
        &project("."),
        &[
            "check",
            "examples/openai-stargate",
            "--as-of",
            "2026-06-01",
            "--format",
            "short",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn inventory_table_on_the_example() {
    let run = run_in(&project("examples/openai-stargate"), &["inventory", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn inventory_csv_on_the_example() {
    let run = run_in(
        &project("examples/openai-stargate"),
        &["inventory", ".", "--format", "csv"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn explain_a_deployment_of_the_example() {
    let run = run_in(
        &project("examples/openai-stargate"),
        &[
            "explain",
            "stargate/abilene/main.tf:10",
            "--as-of",
            "2026-06-01",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("covered by refusal record ROFR-2025-001"),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn explain_a_rule_of_the_example() {
    let run = run_in(
        &project("examples/openai-stargate"),
        &[
            "explain",
            "microsoft_openai.new_capacity",
            "--as-of",
            "2026-06-01",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

//! `cloudpact policy fmt` as a user runs it: exit codes, in-place rewrites, default paths,
//! and files with a syntax error left untouched.

mod common;

use std::fs;
use std::path::Path;

use common::run_in;

const MESSY: &str = "policy p { title \"t\"; deny d { provider aws where (gpu) } } // end\n";
const FORMATTED: &str =
    "policy p {\n  title \"t\"\n\n  deny d {\n    provider aws\n    where    gpu\n  }\n} // end\n";
const BROKEN: &str = "policy p { deny d { provider } }\n";

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn read(dir: &Path, rel: &str) -> String {
    fs::read_to_string(dir.join(rel)).unwrap()
}

#[test]
fn check_exits_0_when_formatted_and_1_when_a_file_would_change() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.pact", FORMATTED);
    let run = run_in(dir.path(), &["policy", "fmt", "--check", "a.pact"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");

    write(dir.path(), "b.pact", MESSY);
    let run = run_in(
        dir.path(),
        &["policy", "fmt", "--check", "a.pact", "b.pact"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "would reformat b.pact\n");
    assert!(
        run.stderr
            .contains("1 file(s) would be reformatted, 1 already formatted"),
        "{}",
        run.stderr
    );
    // --check changes nothing.
    assert_eq!(read(dir.path(), "b.pact"), MESSY);
}

#[test]
fn rewrites_files_in_place_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p/a.pact", MESSY);
    write(dir.path(), "p/sub/b.pact", FORMATTED);
    write(dir.path(), "p/notes.txt", MESSY);
    let run = run_in(dir.path(), &["policy", "fmt", "p"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "formatted p/a.pact\n");
    assert_eq!(read(dir.path(), "p/a.pact"), FORMATTED);
    assert_eq!(read(dir.path(), "p/sub/b.pact"), FORMATTED);
    assert_eq!(read(dir.path(), "p/notes.txt"), MESSY, "only .pact files");
    // A second run has nothing left to do.
    let run = run_in(dir.path(), &["policy", "fmt", "--check", "p"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn defaults_to_policies_then_to_the_configured_paths() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policies/a.pact", MESSY);
    let run = run_in(dir.path(), &["policy", "fmt", "--check"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (1, "would reformat policies/a.pact\n")
    );

    write(dir.path(), "cloudpact.yaml", "policies: [terms]\n");
    write(dir.path(), "terms/t.pact", MESSY);
    let run = run_in(dir.path(), &["policy", "fmt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(dir.path(), "terms/t.pact"), FORMATTED);
    assert_eq!(read(dir.path(), "policies/a.pact"), MESSY, "not configured");
}

#[test]
fn a_syntax_error_exits_2_and_leaves_that_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.pact", BROKEN);
    write(dir.path(), "good.pact", MESSY);
    let run = run_in(dir.path(), &["policy", "fmt", "bad.pact", "good.pact"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("syntax error"), "{}", run.stderr);
    assert!(run.stderr.contains("bad.pact"), "{}", run.stderr);
    assert_eq!(read(dir.path(), "bad.pact"), BROKEN);
    // The other files are still formatted.
    assert_eq!(read(dir.path(), "good.pact"), FORMATTED);

    let run = run_in(dir.path(), &["policy", "fmt", "--check", "bad.pact"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn a_missing_path_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(dir.path(), &["policy", "fmt", "nope.pact"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nope.pact"), "{}", run.stderr);
}

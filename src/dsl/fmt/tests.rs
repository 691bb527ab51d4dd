use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::source::SourceFile;

fn fmt(text: &str) -> String {
    format(text).unwrap_or_else(|e| panic!("{text:?} does not parse: {}", e.message()))
}

/// The AST (spans left out) and the lowering problems (codes and messages) of `text`.
fn meaning(text: &str) -> String {
    let file = Arc::new(SourceFile::new("t.pact", text.to_string()));
    let (ast, problems) = crate::dsl::parse_source(&file)
        .unwrap_or_else(|d| panic!("{text:?} does not parse: {}", d.message));
    let spans = regex::Regex::new(r"Span \{ start: \d+, end: \d+ \}").unwrap();
    let problems: Vec<_> = problems.iter().map(|p| (p.code, &p.message)).collect();
    spans
        .replace_all(&format!("{ast:?}\n{problems:?}"), "Span")
        .into_owned()
}

fn comment_texts(text: &str) -> Vec<String> {
    comments(text).into_iter().map(|c| c.text).collect()
}

/// Formatting `text` keeps its meaning and its comments, and formatting again changes nothing.
fn assert_sound(text: &str) -> String {
    let once = fmt(text);
    assert_eq!(meaning(text), meaning(&once), "meaning changed:\n{once}");
    assert_eq!(
        comment_texts(text),
        comment_texts(&once),
        "comments:\n{once}"
    );
    assert_eq!(fmt(&once), once, "not idempotent");
    once
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.pact` file of the repository, outside build output and fuzzing scratch folders.
fn repository_pact_files() -> Vec<PathBuf> {
    let skip = ["target", ".git", "corpus", "artifacts"];
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(repo())
        .into_iter()
        .filter_entry(|e| !skip.iter().any(|s| e.file_name() == *s))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "pact"))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const MESSY: &str = "tests/fixtures/fmt/messy.pact";

#[test]
fn repository_pact_files_are_already_formatted() {
    let files = repository_pact_files();
    assert!(files.len() >= 10, "{files:?}");
    // The messy fixture and the fuzzing seeds of `fmt` are unformatted on purpose.
    let fuzz_seeds = repo().join("fuzz/seeds/fmt");
    for path in files
        .iter()
        .filter(|p| !p.ends_with(MESSY) && !p.starts_with(&fuzz_seeds))
    {
        let text = read(path);
        assert_eq!(fmt(&text), text, "{} is not formatted", path.display());
    }
}

#[test]
fn every_fixture_keeps_its_meaning_and_comments_and_is_idempotent() {
    for path in repository_pact_files() {
        assert_sound(&read(&path));
    }
}

#[test]
fn messy_file_is_laid_out_canonically() {
    let out = assert_sound(&read(&repo().join(MESSY)));
    insta::assert_snapshot!(out);
}

#[test]
fn clause_keywords_align_per_block() {
    let out = fmt("policy p { title \"t\" effective from 2020-01-01\n\
                   share s { provider aws at_least 75% where gpu } }");
    assert_eq!(
        out,
        "policy p {\n  title     \"t\"\n  effective from 2020-01-01\n\n  share s {\n    \
         provider aws\n    at_least 75%\n    where    gpu\n  }\n}\n"
    );
}

#[test]
fn expressions_keep_only_needed_parentheses() {
    let cases = [
        ("(a) or ((b))", "a or b"),
        ("(a or b) and c", "(a or b) and c"),
        ("a or (b or c)", "a or (b or c)"),
        ("(a or b) or c", "a or b or c"),
        ("a and (b and c)", "a and (b and c)"),
        ("a or (b and c)", "a or b and c"),
        ("not (a and b)", "not (a and b)"),
        ("not (not a)", "not not a"),
        ("(not a) and b", "not a and b"),
        ("kind in [ x , y , ]", "kind in [x, y]"),
        (
            "tag.\"a b\"  matches  \"x/**\"",
            "tag.\"a b\" matches \"x/**\"",
        ),
    ];
    for (input, want) in cases {
        let text = format!("policy p {{ require r {{ assert {input} }} }}");
        let out = assert_sound(&text);
        let got = out.lines().find(|l| l.contains("assert")).unwrap();
        assert_eq!(
            got.trim_start().trim_start_matches("assert "),
            want,
            "{input}"
        );
    }
}

#[test]
fn strings_are_escaped_canonically_and_bad_escapes_kept() {
    let out = assert_sound("policy p { title \"a\tb \\\"c\\\" \\\\\" owner \"x\\qy\" }");
    assert!(out.contains(r#"title "a\tb \"c\" \\""#), "{out}");
    assert!(out.contains(r#"owner "x\qy""#), "{out}");
}

#[test]
fn semicolon_stays_where_the_next_clause_would_continue_this_one() {
    for text in [
        "policy p { deny d { where gpu; in eu } }",
        "policy p { deny d { where (gpu)\n in eu } }",
        "policy p { deny d { where gpu; matches \"x\" } }",
        "policy p { deny d { where gpu; and x } }",
        "policy p { effective from 2020-01-01; until 2021-01-01 }",
        "policy p { title \"t\"; effective from 2020-01-01; or x { } }",
    ] {
        let out = assert_sound(text);
        assert!(out.contains(";\n"), "{out}");
    }
    assert!(!fmt("policy p { deny d { where gpu; severity info; } }").contains(';'));
}

#[test]
fn windows_say_until() {
    let out = assert_sound("policy p { effective from 2020-01-01 to 2021-01-01 }");
    assert!(
        out.contains("effective from 2020-01-01 until 2021-01-01"),
        "{out}"
    );
}

#[test]
fn comments_keep_their_place() {
    let text = "// top\n\n// doc\npolicy p { // header\n  title \"t\" // trailing\n\n  \
                // before rule\n  deny d {\n    provider /* inside */ aws\n    // end of rule\n  \
                } # after close\n  // end of policy\n}\n/* end\n   of file */\n";
    let out = assert_sound(text);
    assert_eq!(
        out,
        "// top\n\n// doc\npolicy p { // header\n  title \"t\" // trailing\n\n  \
         // before rule\n  deny d {\n    /* inside */\n    provider aws\n    // end of rule\n  \
         } # after close\n  // end of policy\n}\n/* end\n   of file */\n"
    );
}

#[test]
fn blank_lines_are_collapsed_and_blocks_separated() {
    let out = fmt(
        "\n\npolicy p {\n\n\n  title \"t\"\n\n\n\n  owner \"o\"\n  deny d { provider aws }\n  \
                   deny e { provider aws }\n  reference \"r\"\n}\npolicy q {}\n\n\n",
    );
    assert_eq!(
        out,
        "policy p {\n  title     \"t\"\n\n  owner     \"o\"\n\n  deny d {\n    provider aws\n  }\n\n  \
         deny e {\n    provider aws\n  }\n\n  reference \"r\"\n}\n\npolicy q {}\n"
    );
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("  \n\n"), "");
    assert_eq!(
        fmt("// only\n\n\n# comments  \n"),
        "// only\n\n# comments\n"
    );
    assert_eq!(fmt("\u{FEFF}policy p{}"), "policy p {}\n");
}

#[test]
fn unknown_rules_and_clauses_are_formatted_too() {
    let out = assert_sound("policy p { colour  blue,(red) exclusiv e { provider aws ; size 75 } }");
    assert_eq!(
        out,
        "policy p {\n  colour blue, (red)\n\n  exclusiv e {\n    provider aws\n    size     75\n  }\n}\n"
    );
}

#[test]
fn a_syntax_error_is_returned_not_formatted() {
    let e = format("policy p { deny d { provider } }").unwrap_err();
    assert_eq!(e.span.start, "policy p { deny d { provider ".len());
}

#[test]
fn huge_expressions_are_printed_token_by_token() {
    let terms = vec!["(gpu)"; MAX_EXPR_OPERATORS + 1].join(" or ");
    let text = format!("policy p {{ deny d {{ provider aws where {terms} }} }}");
    let out = assert_sound(&text);
    assert!(out.contains("where    (gpu) or (gpu)"), "{out}");
}

#[test]
fn comment_scanner_skips_strings() {
    let text = "title \"a // b # c /* d\" // real\n/* x */ # y";
    assert_eq!(comment_texts(text), ["// real", "/* x */", "# y"]);
}

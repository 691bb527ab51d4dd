//! YAML's fast path (src/parse/yaml/fast.rs) held to saphyr: wherever the fast path reads a
//! text, it must give the very stream saphyr gives — the same documents, values, tags, anchors
//! expanded the same way, and the same byte spans on every node. Where it does not read a text,
//! saphyr does; that is allowed, and counted, because it costs speed only.
//!
//! `CLOUDPACT_YAML_CORPUS=DIR cargo test --release --test yaml_reference -- --nocapture`
//! compares every `.yml` and `.yaml` file under DIR as well, and prints how many the fast path
//! read (docs/performance.md, "YAML's fast path").

use std::path::{Path, PathBuf};

use cloudpact::parse::yaml::{parse_stream_fast, parse_stream_saphyr};

/// How the fast path disagrees with saphyr on `text`, if it does; `Ok(false)` when it left
/// the text to saphyr.
fn disagreement(text: &str) -> Result<bool, String> {
    let Some(fast) = parse_stream_fast(text) else {
        return Ok(false);
    };
    match parse_stream_saphyr(text) {
        Ok(want) if want == fast => Ok(true),
        Ok(want) => Err(first_difference(
            &format!("{want:#?}"),
            &format!("{fast:#?}"),
        )),
        Err(e) => Err(format!(
            "saphyr fails ({} at {:?}), the fast path reads it",
            e.message, e.span
        )),
    }
}

fn first_difference(want: &str, got: &str) -> String {
    let line = want
        .lines()
        .zip(got.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    let around = |s: &str| {
        s.lines()
            .skip(line.saturating_sub(6))
            .take(10)
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!("saphyr:\n{}\nfast path:\n{}", around(want), around(got))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".yml") || name.ends_with(".yaml")
        })
        .collect();
    files.sort();
    files
}

/// Fails with every file the fast path reads differently; returns how many it read.
fn assert_all_agree(files: &[PathBuf]) -> usize {
    let mut read = 0;
    let mut differences = Vec::new();
    for path in files {
        let Some(text) = std::fs::read(path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
        else {
            continue;
        };
        match disagreement(&text) {
            Ok(fast) => read += usize::from(fast),
            Err(d) => differences.push(format!("{}: {d}", path.display())),
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} files differ:\n{}",
        differences.len(),
        files.len(),
        differences.join("\n\n")
    );
    read
}

#[test]
fn every_yaml_file_of_the_repository_reads_as_with_saphyr() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<PathBuf> = ["tests", "examples", "policies", ".ci", "fuzz/seeds"]
        .iter()
        .flat_map(|d| yaml_files(&root.join(d)))
        .collect();
    assert!(files.len() >= 30, "only {} files found", files.len());
    let read = assert_all_agree(&files);
    // Most real files are the plain block YAML the fast path exists for.
    assert!(
        read * 2 > files.len(),
        "the fast path read {read} of {}",
        files.len()
    );
}

#[test]
fn a_corpus_named_by_the_environment_reads_as_with_saphyr() {
    let Some(dir) = std::env::var_os("CLOUDPACT_YAML_CORPUS") else {
        return;
    };
    let files = yaml_files(Path::new(&dir));
    let read = assert_all_agree(&files);
    eprintln!(
        "{} files compared, {read} read by the fast path",
        files.len()
    );
}

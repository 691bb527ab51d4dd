//! How fast the parsers cloudpact builds on read a folder's files, one thread, each alone: the
//! floor below which no change to cloudpact's own steps can bring `check` (docs/performance.md,
//! "What sets the limit"). For YAML, `.tf` and JSON files it times
//!   - the third-party parser alone: saphyr-parser's events (YAML), hcl-edit's syntax tree
//!     (HCL), jsonc-parser's tokens (JSON);
//!   - cloudpact's parse of the same text into its span tree (`cloudpact::parse`), which the
//!     extractors walk;
//!
//! and prints MB/s for each, with the binary's allocator. Every file is read once before
//! timing; the best of three rounds is kept.
//!
//! usage: `cargo bench --bench parsers -- [DIR]` (default: `examples/`)

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// The binary's allocator (src/main.rs): with the system's, allocation alone was a fifth of
// every parser's time here and the figures were not those of a run.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: allocator::Allocator = allocator::Allocator;

#[cfg(not(target_env = "msvc"))]
#[path = "../src/allocator.rs"]
mod allocator;

/// The files of `dir` whose name ends with one of `exts`, as text (others skipped).
fn texts(dir: &Path, exts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            } else if exts
                .iter()
                .any(|x| path.extension().is_some_and(|e| e == *x))
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push(text);
            }
        }
    }
    out
}

/// The best of three rounds of `f` over every text; `f` returns a number so that the work is
/// not optimised away.
fn best(texts: &[String], f: impl Fn(&str) -> usize) -> (Duration, usize) {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let n: usize = texts.iter().map(|t| f(t)).sum();
            (start.elapsed(), n)
        })
        .min_by_key(|(d, _)| *d)
        .expect("three rounds")
}

fn row(format: &str, step: &str, texts: &[String], (took, _): (Duration, usize)) {
    let bytes: usize = texts.iter().map(String::len).sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "{format:<5} {step:<34} {:>6} files {mb:>7.2} MB {:>9.1} ms {:>7.1} MB/s",
        texts.len(),
        took.as_secs_f64() * 1e3,
        mb / took.as_secs_f64().max(1e-9),
    );
}

fn saphyr_events(text: &str) -> usize {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut n = 0;
    while let Some(Ok((event, _))) = parser.next_event() {
        n += 1;
        if event == saphyr_parser::Event::StreamEnd {
            break;
        }
    }
    n
}

fn jsonc_tokens(text: &str) -> usize {
    let mut scanner = jsonc_parser::Scanner::new(text, &Default::default());
    let mut n = 0;
    while let Ok(Some(_)) = scanner.scan() {
        n += 1;
    }
    n
}

fn yaml_tree(text: &str) -> usize {
    cloudpact::parse::yaml::parse_str(text).map_or(0, |d| d.len())
}

fn yaml_tree_saphyr(text: &str) -> usize {
    cloudpact::parse::yaml::parse_stream_saphyr(text).map_or(0, |s| s.docs.len())
}

fn hcl_edit_body(text: &str) -> usize {
    hcl_edit::parser::parse_body(text).map_or(0, |b| b.len())
}

fn hcl_body(text: &str) -> usize {
    cloudpact::parse::hcl::parse(text).map_or(0, |b| b.attrs.len() + b.blocks.len())
}

fn json_tree(text: &str) -> usize {
    usize::from(cloudpact::parse::json::parse(text).is_ok())
}

/// Each format: its file extensions, then each step timed over its files.
type Step = (&'static str, fn(&str) -> usize);
const FORMATS: [(&str, &[&str], &[Step]); 3] = [
    (
        "yaml",
        &["yaml", "yml"],
        &[
            ("saphyr-parser events", saphyr_events),
            ("span tree through saphyr alone", yaml_tree_saphyr),
            ("cloudpact::parse::yaml (fast path, else saphyr)", yaml_tree),
        ],
    ),
    (
        "hcl",
        &["tf"],
        &[
            ("hcl-edit parse_body", hcl_edit_body),
            ("cloudpact::parse::hcl", hcl_body),
        ],
    ),
    (
        "json",
        &["json"],
        &[
            ("jsonc-parser tokens", jsonc_tokens),
            ("cloudpact::parse::json (span tree)", json_tree),
        ],
    ),
];

fn main() {
    // `cargo bench` passes `--bench`; the folder is the first other argument.
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map_or_else(|| PathBuf::from("examples"), PathBuf::from);
    println!("parsers, one thread, best of 3, over {}", dir.display());
    for (format, exts, steps) in FORMATS {
        let files = texts(&dir, exts);
        for (step, parse) in steps {
            row(format, step, &files, best(&files, parse));
        }
    }
}

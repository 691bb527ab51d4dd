//! `cloudpact merge` of 1,000 results with 100 findings each (docs/merge.md, "Performance";
//! the target is under 2 s). Checks one repository of 100 findings for the result, writes it as
//! 1,000 repositories' results, and times the binary merging them (json out), three runs.
//!
//! `cargo bench --bench merge [-- RESULTS FINDINGS]`

use std::process::Command;
use std::time::{Duration, Instant};

const POLICY: &str = "policy fleet {\n  deny no_aws { provider aws }\n  share azure_first { provider azure  at_least 60% }\n}\n";

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let results = args.first().copied().unwrap_or(1000);
    let findings = args.get(1).copied().unwrap_or(100);
    let bin = env!("CARGO_BIN_EXE_cloudpact");
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("policies")).unwrap();
    std::fs::write(repo.join("policies/fleet.pact"), POLICY).unwrap();
    let mut tf = String::new();
    for i in 0..findings {
        tf.push_str(&format!(
            "resource \"aws_instance\" \"vm{i}\" {{\n  instance_type = \"t3.micro\"\n  tags = {{\n    team = \"payments\"\n  }}\n}}\n"
        ));
    }
    std::fs::write(repo.join("main.tf"), tf).unwrap();
    let base = tmp.path().join("base.json");
    let out = Command::new(bin)
        .args([
            "check",
            "--format",
            "json",
            "--repo",
            "REPO_NAME",
            "--as-of",
            "2026-01-01",
            "--output",
        ])
        .arg(&base)
        .current_dir(&repo)
        .output()
        .expect("cloudpact runs");
    assert!(
        out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&base).unwrap();
    let dir = tmp.path().join("results");
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths = Vec::with_capacity(results);
    let mut bytes = 0;
    for i in 0..results {
        let p = dir.join(format!("r{i:04}.json"));
        let t = text.replace("REPO_NAME", &format!("acme/r{i:04}"));
        bytes += t.len();
        std::fs::write(&p, t).unwrap();
        paths.push(p);
    }
    let merged = tmp.path().join("merged.json");
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let out = Command::new(bin)
            .arg("merge")
            .arg("--output")
            .arg(&merged)
            .args(&paths)
            .output()
            .expect("cloudpact runs");
        times.push(start.elapsed());
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    times.sort();
    let size = std::fs::metadata(&merged).map_or(0, |m| m.len());
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let n = doc["findings"].as_array().map_or(0, Vec::len);
    println!(
        "merge of {results} results × {findings} findings ({:.1} MB in, {:.1} MB out, {n} findings): min {:.2} s, median {:.2} s, max {:.2} s",
        bytes as f64 / 1e6,
        size as f64 / 1e6,
        times[0].as_secs_f64(),
        times[1].as_secs_f64(),
        times[2].as_secs_f64()
    );
}

//! Whole-pipeline throughput on a generated repository of 10,000 Terraform files (and a mixed
//! corpus of every format), single- and multi-threaded. Criterion reports files/s and MB/s.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use cloudpact::workspace::{OpenOptions, Selection, Workspace};

#[path = "gen_repo.rs"]
mod gen_repo;

/// The workspace `cloudpact check DIR --as-of 2026-01-01` opens.
fn workspace(dir: &Path) -> (Workspace, Selection) {
    let opts = OpenOptions {
        as_of: Some("2026-01-01".parse().expect("a date")),
        ..OpenOptions::default()
    };
    Workspace::for_command_line(&[dir.to_path_buf()], &opts).expect("workspace opens")
}

fn bench_repo(c: &mut Criterion, name: &str, mixed: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (files, bytes) = gen_repo::generate(dir.path(), 10_000, mixed).expect("generate");
    let (ws, selection) = workspace(dir.path());
    let run_check = || ws.check(&selection).expect("check runs");
    // Sanity: the benchmark measures real work.
    let report = run_check();
    assert!(
        report.facts.deployments.len() > 10_000,
        "{} deployments",
        report.facts.deployments.len()
    );

    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for threads in [1, num_threads()] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        group.throughput(Throughput::Elements(files as u64));
        group.bench_function(format!("files/{threads}-threads"), |b| {
            b.iter(|| pool.install(run_check))
        });
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("bytes/{threads}-threads"), |b| {
            b.iter(|| pool.install(run_check))
        });
    }
    group.finish();
}

fn num_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn terraform(c: &mut Criterion) {
    bench_repo(c, "terraform-10k", false);
}

fn mixed(c: &mut Criterion) {
    bench_repo(c, "mixed-10k", true);
}

criterion_group!(benches, terraform, mixed);
criterion_main!(benches);

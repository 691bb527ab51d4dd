//! `check` stays linear in the length of a line: one-line CloudFormation JSON (minified, as
//! tools write it) of 1, 2, 4 and 8 MB, every resource a finding on that one line, then the
//! `human` report of it. Counting each finding's column from the line start made the 7 MB case
//! take 70 s; rendering printed the whole line per finding.
//!
//! The same for large Terraform files: one `.tf` of 1, 2, 4, 8 and 9.5 MiB (a generated
//! configuration, every resource a finding; the default `max_file_size` is 10 MiB), parsed,
//! linked and evaluated.
//!
//! Also a generator: `cargo bench --bench long_lines -- --write DIR MB` writes such a
//! repository for timing the binary (docs/performance.md); `--write-tf DIR MB` the Terraform
//! one. `MB` is in MiB and may have a fraction (`9.5`).

use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};

use cloudpact::render::diagnostic::DiagRenderer;
use cloudpact::workspace::{OpenOptions, Selection, Workspace};

const DENY_AWS: &str = "policy p {\n  deny no_aws {\n    provider aws\n  }\n}\n";

/// A repository whose `infra/stack.json` is one line of at least `bytes`; returns the number
/// of resources. Tag values are non-ASCII, so columns are counted in chars, not bytes.
fn generate(dir: &Path, bytes: usize) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir.join("policies"))?;
    std::fs::create_dir_all(dir.join("infra"))?;
    std::fs::write(dir.join("cloudpact.yaml"), "policies: [policies]\n")?;
    std::fs::write(dir.join("policies/p.pact"), DENY_AWS)?;
    let mut json = String::from(r#"{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"#);
    let mut n = 0;
    while json.len() < bytes {
        if n > 0 {
            json.push(',');
        }
        json.push_str(&format!(
            r#""Bucket{n}":{{"Type":"AWS::S3::Bucket","Properties":{{"BucketName":"bucket-{n}","Tags":[{{"Key":"équipe","Value":"données-{n}"}}]}}}}"#
        ));
        n += 1;
    }
    json.push_str("}}");
    std::fs::write(dir.join("infra/stack.json"), json)?;
    Ok(n)
}

/// A repository whose `infra/main.tf` is at least `bytes` of Terraform: a provider with a
/// region from a variable, then buckets with tags and locals; returns the number of resources.
fn generate_tf(dir: &Path, bytes: usize) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir.join("policies"))?;
    std::fs::create_dir_all(dir.join("infra"))?;
    std::fs::write(dir.join("cloudpact.yaml"), "policies: [policies]\n")?;
    std::fs::write(dir.join("policies/p.pact"), DENY_AWS)?;
    let mut tf = String::from(
        "variable \"region\" {\n  default = \"eu-west-1\"\n}\n\nprovider \"aws\" {\n  region = var.region\n}\n\nlocals {\n  team = \"données\"\n}\n",
    );
    let mut n = 0;
    while tf.len() < bytes {
        tf.push_str(&format!(
            "\nresource \"aws_s3_bucket\" \"b{n}\" {{\n  bucket = \"bucket-${{local.team}}-{n}\"\n  tags = {{\n    team  = local.team\n    index = \"{n}\"\n  }}\n}}\n"
        ));
        n += 1;
    }
    std::fs::write(dir.join("infra/main.tf"), tf)?;
    Ok(n)
}

/// Bytes in `mb` MiB.
fn mib(mb: f64) -> usize {
    (mb * f64::from(1u32 << 20)) as usize
}

fn workspace(dir: &Path) -> (Workspace, Selection) {
    let opts = OpenOptions {
        as_of: Some("2026-01-01".parse().expect("a date")),
        ..OpenOptions::default()
    };
    Workspace::for_command_line(&[dir.to_path_buf()], &opts).expect("workspace opens")
}

/// For each size in MiB, a repository from `generate`, then `check` of it timed; with a
/// renderer, the `human` report of its findings too.
fn sizes(
    c: &mut Criterion,
    name: &str,
    generate: fn(&Path, usize) -> std::io::Result<usize>,
    renderer: Option<&DiagRenderer>,
    mebibytes: &[f64],
) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for &mb in mebibytes {
        let bytes = mib(mb);
        let dir = tempfile::tempdir().expect("temp dir");
        let resources = generate(dir.path(), bytes).expect("generate");
        let (ws, selection) = workspace(dir.path());
        let report = ws.check(&selection).expect("check runs");
        // Sanity: every resource is a finding.
        assert_eq!(report.findings.len(), resources);
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(BenchmarkId::new("check", format!("{mb}MB")), &mb, |b, _| {
            b.iter(|| ws.check(&selection).expect("check runs").findings.len())
        });
        if let Some(renderer) = renderer {
            group.bench_with_input(BenchmarkId::new("human", format!("{mb}MB")), &mb, |b, _| {
                b.iter(|| cloudpact::render::human::render(&report.findings, renderer).len())
            });
        }
    }
    group.finish();
}

fn one_line_json(c: &mut Criterion) {
    sizes(
        c,
        "one-line-json",
        generate,
        Some(&DiagRenderer::plain()),
        &[1.0, 2.0, 4.0, 8.0],
    );
}

fn large_terraform(c: &mut Criterion) {
    sizes(c, "large-tf", generate_tf, None, &[1.0, 2.0, 4.0, 8.0, 9.5]);
}

criterion_group!(benches, one_line_json, large_terraform);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write-tf") {
        let dir = Path::new(&args[i + 1]);
        let mb: f64 = args[i + 2].parse().expect("a size in MiB");
        let n = generate_tf(dir, mib(mb)).expect("generate");
        println!("{}: {n} Terraform resources in one file", dir.display());
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let dir = Path::new(&args[i + 1]);
        let mb: f64 = args[i + 2].parse().expect("a size in MiB");
        let n = generate(dir, mib(mb)).expect("generate");
        println!("{}: {n} resources on one line", dir.display());
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

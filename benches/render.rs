//! Rendering stays linear in the number of findings: N findings in one file of N×3 lines.
//! (miette's own `str` source re-scans the file for every label: quadratic.)

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use cloudpact::diag::{Diag, Severity};
use cloudpact::render::diagnostic::DiagRenderer;
use cloudpact::source::{SourceFile, Span};

fn render(c: &mut Criterion) {
    let renderer = DiagRenderer::plain();
    let mut group = c.benchmark_group("render-human");
    group.sample_size(10);
    for n in [500usize, 2000, 8000] {
        let mut text = String::new();
        let mut spans = Vec::new();
        for i in 0..n {
            let start = text.len();
            text.push_str(&format!(
                "resource \"aws_instance\" \"r{i}\" {{\n  ami = \"x\"\n}}\n"
            ));
            spans.push(Span::new(start, start + 8));
        }
        let file = Arc::new(SourceFile::new("main.tf", text));
        let diags: Vec<Diag> = spans
            .iter()
            .map(|s| Diag {
                code: "p.r".into(),
                severity: Severity::Error,
                message: "runs on aws".into(),
                file: Some(file.clone()),
                labels: vec![cloudpact::diag::Label::primary(*s, "here")],
                help: None,
            })
            .collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &diags, |b, diags| {
            b.iter(|| {
                diags
                    .iter()
                    .map(|d| renderer.render(d).len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);

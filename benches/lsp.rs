//! Language server latency: from `didChange` to the `publishDiagnostics` that answers it, for
//! a 2,000-line Terraform file in a workspace of 10,000 Terraform files. The server runs
//! in-process over `Connection::memory()` with the debounce set to 0, so what is measured is
//! the work: applying the edit, re-extracting the file's unit, judging that unit again (the
//! other units' findings are kept), converting and sending the diagnostics.
//!
//! Two pipelines: the real one (the extractors and policy parser as built), and a synthetic one
//! (a trivial line-based extractor and a hand-built rule) that isolates the server's own costs
//! and the evaluation of every deployment, whatever state the extractors are in.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lsp_server::Message;
use serde_json::{Value, json};

use cloudpact::diag::Severity;
use cloudpact::dsl::Loaded;
use cloudpact::dsl::ast::{RuleKind, UnknownPolicy};
use cloudpact::dsl::model::RuleDef;
use cloudpact::facts::catalog::Catalog;
use cloudpact::facts::model::{Attr, Deployment, Evidence, Format};
use cloudpact::facts::{Ctx, Extraction, Input};
use cloudpact::lsp::{Pipeline, Real};
use cloudpact::source::{SourceFile, Span};
use cloudpact::workspace::Workspace;

mod common;
use common::Lsp;

const FILES: usize = 10_000;
const BIG_LINES: usize = 2_000;

/// 1,000 small modules of three resources each, and `big/main.tf` of 2,000 lines (250
/// resources, every other one on aws, which the policy forbids).
fn generate(root: &Path) -> String {
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(root.join("cloudpact.yaml"), "policies: [policies]\n").unwrap();
    std::fs::write(
        root.join("policies/bench.pact"),
        "policy bench {\n  reference \"Bench MSA §1\"\n\n  exclusive gcp_only {\n    provider gcp\n  }\n}\n",
    )
    .unwrap();
    for i in 0..FILES - 1 {
        let dir = root.join(format!("mods/m{i:04}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = String::new();
        for j in 0..3 {
            let t = if (i + j) % 3 == 0 {
                "aws_instance"
            } else {
                "google_compute_instance"
            };
            text.push_str(&format!(
                "resource \"{t}\" \"r{j}\" {{\n  name         = \"m{i}-r{j}\"\n  machine_type = \"e2-small\"\n}}\n\n"
            ));
        }
        std::fs::write(dir.join("main.tf"), text).unwrap();
    }
    let mut big = String::new();
    let mut n = 0;
    while big.lines().count() < BIG_LINES {
        let t = if n % 2 == 0 {
            "aws_instance"
        } else {
            "google_compute_instance"
        };
        big.push_str(&format!(
            "resource \"{t}\" \"big{n}\" {{\n  name         = \"big-{n}\"\n  machine_type = \"e2-small\"\n  zone         = \"europe-west1-b\"\n  tags         = [\"bench\"]\n  labels       = {{ team = \"bench\" }}\n}}\n\n"
        ));
        n += 1;
    }
    std::fs::create_dir_all(root.join("big")).unwrap();
    std::fs::write(root.join("big/main.tf"), &big).unwrap();
    big
}

/// `resource "T" "N"` at a line start is a deployment on T's provider prefix.
struct Synthetic;

impl Pipeline for Synthetic {
    fn extract(&self, inputs: &[Input], _ctx: Ctx<'_>) -> Extraction<Arc<Deployment>> {
        let mut out = Extraction::default();
        for input in inputs {
            let f = &input.file;
            let text = f.text();
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                if let Some(rest) = line.strip_prefix("resource \"") {
                    let parts: Vec<&str> = rest.split('"').collect();
                    let end = text[offset..]
                        .find("\n}")
                        .map_or(text.len(), |e| offset + e + 2);
                    let mut d = Deployment::new(
                        f.path.clone(),
                        Span::new(offset, end),
                        Format::Terraform,
                        parts[0],
                        parts[2],
                    );
                    let provider = if parts[0].starts_with("google") {
                        "gcp"
                    } else {
                        "aws"
                    };
                    d.provider = Some(Arc::from(provider));
                    d.evidence.push(Evidence::new(
                        Attr::Provider,
                        format!("resource type {}", parts[0]),
                    ));
                    out.deployments.push(Arc::new(d));
                }
                offset += line.len();
            }
        }
        out
    }

    fn load_policies(&self, ws: &Workspace) -> Loaded {
        let root = &ws.root;
        let path = ws.existing_policy_paths()[0].join("bench.pact");
        let text = ws.read(&path).unwrap();
        let name = text.find("gcp_only").unwrap();
        let file = Arc::new(SourceFile::new(
            cloudpact::discover::relative(root, &path),
            text,
        ));
        let span = Span::new(name, name + "gcp_only".len());
        let rule = RuleDef {
            id: "bench.gcp_only".into(),
            policy: "bench".into(),
            policy_title: None,
            owner: None,
            kind: RuleKind::Exclusive,
            file: file.clone(),
            name_span: span,
            span,
            scope: None,
            severity: Severity::Error,
            message: None,
            window: None,
            unknown: UnknownPolicy::Allow,
            reference: Some("Bench MSA §1".into()),
            waivable: true,
            providers: vec![Arc::from("gcp")],
            holder: None,
            over: None,
            refusals: Vec::new(),
            assert: None,
            at_least: None,
        };
        let mut loaded = Loaded::default();
        loaded.set.rules.push(Arc::new(rule));
        loaded.set.files.push(file);
        loaded
    }

    fn check_policy(
        &self,
        _file: Arc<SourceFile>,
        _catalog: &Catalog,
    ) -> Vec<cloudpact::diag::Diag> {
        Vec::new()
    }
}

struct Client {
    lsp: Lsp,
    uri: String,
    version: i64,
}

impl Client {
    fn start(root: &Path, pipeline: Arc<dyn Pipeline>, big: &str) -> Client {
        let uri = format!("file://{}", root.join("big/main.tf").display());
        let c = Client {
            lsp: Lsp::start(root, pipeline),
            uri,
            version: 1,
        };
        c.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": c.uri, "languageId": "terraform", "version": 1, "text": big } }),
        );
        c.wait_diagnostics(1);
        c
    }

    fn notify(&self, method: &str, params: Value) {
        self.lsp.notify(method, params);
    }

    /// Waits for the diagnostics of `version` of the big file; returns how many there were.
    fn wait_diagnostics(&self, version: i64) -> usize {
        loop {
            let m = self
                .lsp
                .conn
                .receiver
                .recv_timeout(Duration::from_secs(120))
                .expect("diagnostics arrive");
            if let Message::Notification(n) = m
                && n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == self.uri.as_str()
                && n.params["version"].as_i64() == Some(version)
            {
                return n.params["diagnostics"].as_array().map_or(0, Vec::len);
            }
        }
    }

    /// Flips the first resource between aws and gcp (line 0, after `resource "`), and waits
    /// for the answer.
    fn edit(&mut self) -> usize {
        self.version += 1;
        let (from, to) = if self.version % 2 == 0 {
            ("aws_instance", "google_compute_instance")
        } else {
            ("google_compute_instance", "aws_instance")
        };
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": self.uri, "version": self.version },
                "contentChanges": [{
                    "range": { "start": { "line": 0, "character": 10 },
                               "end": { "line": 0, "character": 10 + from.len() } },
                    "text": to,
                }],
            }),
        );
        self.wait_diagnostics(self.version)
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let big = generate(dir.path());
    let mut group = c.benchmark_group("lsp_did_change_to_diagnostics");
    group.sample_size(20);
    for (name, pipeline) in [
        ("real_pipeline", Arc::new(Real) as Arc<dyn Pipeline>),
        (
            "synthetic_pipeline",
            Arc::new(Synthetic) as Arc<dyn Pipeline>,
        ),
    ] {
        let mut client = Client::start(dir.path(), pipeline, &big);
        let found = (client.edit(), client.edit());
        eprintln!(
            "{name}: {} / {} diagnostics in the big file after two edits",
            found.0, found.1
        );
        group.bench_function(name, |b| b.iter(|| client.edit()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

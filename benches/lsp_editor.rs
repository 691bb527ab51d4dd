//! The policy author's requests on a 1,000-file workspace (docs/performance.md, "Editor"):
//! completion (after `provider `, and after `tag.`, which reads the tag keys of every
//! deployment) and code lenses (every rule of the policy evaluated on every deployment; the
//! refusal record's coverage), from the request to its answer. The server runs in-process over
//! `Connection::memory()` with the real pipeline; the workspace is scanned before measuring.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lsp_server::Message;
use serde_json::{Value, json};

use cloudpact::lsp::{Pipeline, Real};

mod common;
use common::Lsp;

const FILES: usize = 1_000;

/// The contract of src/lsp/editor_tests.rs: five rules, `share` and `first_refusal` among them.
const POLICY: &str = include_str!("../tests/data/editor/contract.pact");

/// `policies/` (one policy, one records file) and 998 Terraform modules of three resources
/// each (AWS, Azure and Google, tagged), 1,000 files in all.
fn generate(root: &Path) {
    std::fs::create_dir_all(root.join("policies/refusals")).unwrap();
    std::fs::write(root.join("cloudpact.yaml"), "policies: [policies]\n").unwrap();
    std::fs::write(root.join("policies/contract.pact"), POLICY).unwrap();
    std::fs::write(
        root.join("policies/refusals/r.yaml"),
        "- id: ROFR-1\n  holder: azure\n  granted_to: [aws]\n  declined_on: 2025-01-01\n  expires: 2026-02-11\n  where: 'path matches \"mods/m00*/**\"'\n  reason: \"No capacity.\"\n",
    )
    .unwrap();
    for i in 0..FILES - 2 {
        let dir = root.join(format!("mods/m{i:04}"));
        std::fs::create_dir_all(&dir).unwrap();
        let text = format!(
            "resource \"aws_instance\" \"a\" {{\n  instance_type = \"t3.small\"\n  tags = {{ team = \"t{}\", product = \"api\" }}\n}}\n\n\
             resource \"azurerm_linux_virtual_machine\" \"b\" {{\n  location = \"westeurope\"\n  tags = {{ data = \"customer\" }}\n}}\n\n\
             resource \"google_storage_bucket\" \"c\" {{\n  location = \"europe-west1\"\n  labels = {{ data = \"customer\" }}\n}}\n",
            i % 17
        );
        std::fs::write(dir.join("main.tf"), text).unwrap();
    }
}

struct Client {
    lsp: Lsp,
    root: std::path::PathBuf,
}

impl Client {
    fn start(root: &Path, pipeline: Arc<dyn Pipeline>) -> Client {
        let c = Client {
            lsp: Lsp::start(root, pipeline),
            root: root.to_path_buf(),
        };
        // The policy's diagnostics come after the scan.
        let uri = c.uri("policies/contract.pact");
        c.lsp.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "pact", "version": 1, "text": POLICY } }),
        );
        loop {
            let m = c
                .lsp
                .conn
                .receiver
                .recv_timeout(Duration::from_secs(300))
                .expect("diagnostics arrive");
            if let Message::Notification(n) = m
                && n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == uri.as_str()
            {
                break;
            }
        }
        c
    }

    fn uri(&self, rel: &str) -> String {
        format!("file://{}", self.root.join(rel).display())
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.lsp.request(method, params)
    }

    fn completion(&mut self, line: u32, character: u32) -> usize {
        let uri = self.uri("policies/contract.pact");
        let r = self.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        );
        r.as_array().map_or(0, Vec::len)
    }

    fn lenses(&mut self, rel: &str) -> Vec<String> {
        let uri = self.uri(rel);
        let r = self.request(
            "textDocument/codeLens",
            json!({ "textDocument": { "uri": uri } }),
        );
        r.as_array()
            .map(|a| {
                a.iter()
                    .map(|l| l["command"]["title"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let mut client = Client::start(dir.path(), Arc::new(Real));
    // `    provider azure` (line 4) after `provider `; `    where    tag.` (line 5).
    let providers = client.completion(4, 13);
    let tags = client.completion(5, 17);
    let lenses = client.lenses("policies/contract.pact");
    let record = client.lenses("policies/refusals/r.yaml");
    eprintln!(
        "{providers} providers, {tags} tag completions; lenses: {lenses:?}; record: {record:?}"
    );
    assert!(providers > 10 && tags >= 3, "{providers} {tags}");
    assert_eq!(lenses.len(), 5, "{lenses:?}");
    assert_eq!(record.len(), 1, "{record:?}");

    let mut group = c.benchmark_group("lsp_editor_1000_files");
    group.sample_size(30);
    group.bench_function("completion_provider", |b| {
        b.iter(|| client.completion(4, 13))
    });
    group.bench_function("completion_tag_keys", |b| {
        b.iter(|| client.completion(5, 17))
    });
    group.bench_function("code_lens_policy", |b| {
        b.iter(|| client.lenses("policies/contract.pact"))
    });
    group.bench_function("code_lens_record", |b| {
        b.iter(|| client.lenses("policies/refusals/r.yaml"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

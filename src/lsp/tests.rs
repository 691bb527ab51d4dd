//! The server driven in-process over `Connection::memory()`, with a small fake pipeline (the
//! real extractors and policy parser have their own tests; these test the server's part:
//! sync, positions, routing, republishing, hover and quick fixes).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

use super::*;
use crate::diag::Severity;
use crate::dsl::ast::{RuleKind, UnknownPolicy};
use crate::dsl::model::RuleDef;
use crate::facts::model::{Attr, Deployment, Evidence, Format};
use crate::source::Span;

/// `resource "T" "N"` anywhere on a line is a deployment whose provider is T's prefix; `<<<`
/// is a parse error. Policies: `exclusive NAME` followed by `provider P`; `bogus` is an error.
#[derive(Default)]
pub(super) struct Fake {
    /// How many inputs each extraction was given.
    pub extract_sizes: Mutex<Vec<usize>>,
}

impl Pipeline for Fake {
    fn extract(&self, inputs: &[Input], _ctx: Ctx<'_>) -> Extraction<Arc<Deployment>> {
        self.extract_sizes.lock().unwrap().push(inputs.len());
        let mut out = Extraction::default();
        for input in inputs {
            let f = &input.file;
            if let Some(i) = f.text().find("<<<") {
                out.errors.push(crate::facts::parse_error(
                    f,
                    Span::new(i, i + 3),
                    "unexpected `<<<`",
                ));
                continue;
            }
            let mut offset = 0;
            for line in f.text().split_inclusive('\n') {
                if let Some(col) = line.find("resource \"") {
                    let rest: Vec<&str> = line[col..].split('"').collect();
                    let (type_, name) = (rest[1], rest[3]);
                    let start = offset + col;
                    let end = f.text()[start..]
                        .find("\n}")
                        .map_or(f.text().len(), |e| start + e + 2);
                    let mut d = Deployment::new(
                        f.path.clone(),
                        Span::new(start, end),
                        Format::Terraform,
                        type_,
                        name,
                    );
                    let provider = match type_.split('_').next() {
                        Some("google") => "gcp",
                        Some("azurerm") => "azure",
                        Some(p) => p,
                        None => "",
                    };
                    d.provider = Some(Arc::from(provider));
                    d.evidence.push(Evidence::new(
                        Attr::Provider,
                        format_args!("resource type {type_}"),
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
        let mut loaded = Loaded::default();
        for p in &ws.existing_policy_paths() {
            for e in walkdir::WalkDir::new(p)
                .sort_by_file_name()
                .into_iter()
                .flatten()
            {
                if !e.file_type().is_file() {
                    continue;
                }
                let text = ws.read(e.path()).unwrap_or_default();
                let rel = crate::discover::relative(root, e.path());
                let file = Arc::new(SourceFile::new(rel, text));
                loaded.diagnostics.extend(bogus(&file));
                loaded.set.files.push(file.clone());
                if !file.path.ends_with(".pact") {
                    continue;
                }
                let text = file.text();
                if let Some(at) = text.find("exclusive ") {
                    let name_start = at + "exclusive ".len();
                    let name_end = name_start + text[name_start..].find(' ').unwrap_or(0);
                    let provider = text.split("provider ").nth(1).unwrap_or("");
                    let provider = provider.split_whitespace().next().unwrap_or("");
                    loaded.set.rules.push(Arc::new(rule(
                        &file,
                        &text[name_start..name_end],
                        Span::new(name_start, name_end),
                        provider,
                    )));
                }
            }
        }
        loaded
    }

    fn check_policy(&self, file: Arc<SourceFile>, _catalog: &Catalog) -> Vec<Diag> {
        bogus(&file)
    }
}

fn bogus(file: &Arc<SourceFile>) -> Vec<Diag> {
    file.text()
        .find("bogus")
        .map(|i| {
            Diag::error(
                "cloudpact::policy::unknown-clause",
                "unknown clause `bogus`",
            )
            .in_file(file.clone())
            .at(Span::new(i, i + 5), "not a clause")
        })
        .into_iter()
        .collect()
}

fn rule(file: &Arc<SourceFile>, name: &str, name_span: Span, provider: &str) -> RuleDef {
    RuleDef {
        id: format!("p.{name}").into(),
        policy: "p".into(),
        policy_title: None,
        owner: None,
        kind: RuleKind::Exclusive,
        file: file.clone(),
        name_span,
        span: name_span,
        scope: None,
        severity: Severity::Error,
        message: None,
        window: None,
        unknown: UnknownPolicy::Allow,
        reference: Some("MSA §4.2".into()),
        waivable: !file.text().contains("waivable false"),
        providers: vec![Arc::from(provider)],
        holder: None,
        over: None,
        refusals: Vec::new(),
        assert: None,
        at_least: None,
    }
}

/// A client on the other end of an in-memory connection.
pub(super) struct Client {
    conn: Connection,
    next_id: i32,
    /// Notifications read while waiting for something else.
    inbox: Vec<Notification>,
    server: Option<std::thread::JoinHandle<()>>,
    pub root: PathBuf,
}

const TIMEOUT: Duration = Duration::from_secs(20);

impl Client {
    pub(crate) fn start(
        root: &Path,
        pipeline: Arc<dyn Pipeline>,
        capabilities: Value,
    ) -> (Client, Value) {
        let (server_side, client_side) = Connection::memory();
        let server = std::thread::spawn(move || {
            serve(&server_side, Options::default(), pipeline).expect("server runs");
        });
        let root = std::fs::canonicalize(root).unwrap();
        let mut c = Client {
            conn: client_side,
            next_id: 0,
            inbox: Vec::new(),
            server: Some(server),
            root,
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": position::path_to_uri(&c.root).as_str(),
                "capabilities": capabilities,
                "initializationOptions": { "debounceMs": 20, "asOf": "2026-01-01" },
            }),
        );
        c.notify("initialized", json!({}));
        (c, init)
    }

    pub(crate) fn uri(&self, rel: &str) -> String {
        position::path_to_uri(&self.root.join(rel))
            .as_str()
            .to_string()
    }

    pub(crate) fn notify(&self, method: &str, params: Value) {
        let n = Notification::new(method.to_string(), params);
        self.conn.sender.send(Message::Notification(n)).unwrap();
    }

    pub(crate) fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        let req = Request::new(id.clone(), method.to_string(), params);
        self.conn.sender.send(Message::Request(req)).unwrap();
        loop {
            match self
                .conn
                .receiver
                .recv_timeout(TIMEOUT)
                .expect("a response")
            {
                Message::Response(r) if r.id == id => {
                    return r
                        .response_result
                        .unwrap_or_else(|e| panic!("{method}: {e:?}"));
                }
                Message::Notification(n) => self.inbox.push(n),
                _ => {}
            }
        }
    }

    /// The first `publishDiagnostics` for `rel` describing at least version `min_version`
    /// of its text (earlier ones may legitimately arrive late, or twice).
    pub(crate) fn diagnostics(&mut self, rel: &str, min_version: i64) -> Vec<Value> {
        self.diagnostics_where(rel, |p| {
            p["version"].as_i64().is_none_or(|v| v >= min_version)
        })
    }

    /// The first `publishDiagnostics` for `rel` that `wanted` accepts; the others are dropped.
    pub(crate) fn diagnostics_where(
        &mut self,
        rel: &str,
        wanted: impl Fn(&Value) -> bool,
    ) -> Vec<Value> {
        let uri = self.uri(rel);
        let is_ours = |n: &Notification| {
            n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri.as_str()
        };
        let mut pending = std::mem::take(&mut self.inbox).into_iter();
        loop {
            let n = match pending.next() {
                Some(n) => n,
                None => match self.conn.receiver.recv_timeout(TIMEOUT) {
                    Ok(Message::Notification(n)) => n,
                    Ok(_) => continue,
                    Err(e) => panic!("no wanted diagnostics for {rel}: {e}; got {:?}", self.inbox),
                },
            };
            if !is_ours(&n) {
                self.inbox.push(n);
            } else if wanted(&n.params) {
                self.inbox.extend(pending);
                return n.params["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    pub(crate) fn open(&self, rel: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": self.uri(rel), "languageId": "terraform", "version": 1, "text": text,
            }}),
        );
    }

    /// Replaces a range given in the negotiated encoding.
    pub(crate) fn change(&self, rel: &str, version: i32, range: [u32; 4], text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": self.uri(rel), "version": version },
                "contentChanges": [{
                    "range": {
                        "start": { "line": range[0], "character": range[1] },
                        "end": { "line": range[2], "character": range[3] },
                    },
                    "text": text,
                }],
            }),
        );
    }

    /// `shutdown` then `exit`; the server thread must end promptly.
    pub(crate) fn stop(mut self) {
        let started = std::time::Instant::now();
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

/// A workspace: one exclusive rule (gcp only), one violating Terraform file whose declaration
/// follows non-ASCII text on its line.
pub(super) fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    std::fs::create_dir_all(w.join("policies/refusals")).unwrap();
    std::fs::create_dir_all(w.join("infra")).unwrap();
    std::fs::write(w.join("cloudpact.yaml"), "policies: [policies]\n").unwrap();
    std::fs::write(w.join("policies/p.pact"), PACT).unwrap();
    std::fs::write(w.join("policies/refusals/r.yaml"), "- id: R-1\n").unwrap();
    std::fs::write(w.join("infra/main.tf"), TF).unwrap();
    std::fs::write(
        w.join("infra/other.tf"),
        "resource \"google_x\" \"ok\" {\n}\n",
    )
    .unwrap();
    dir
}

const PACT: &str = "policy p {\n  exclusive only_gcp {\n    provider gcp\n  }\n}\n";
const TF: &str = "# é\n/* 🔒é */ resource \"aws_instance\" \"web\" {\n  ami = \"x\"\n}\n";

fn text(d: &Value) -> &str {
    d["message"].as_str().unwrap()
}

#[test]
fn diagnostics_follow_incremental_edits_in_utf16() {
    let ws = workspace();
    let (mut c, init) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);

    c.open("infra/main.tf", TF);
    let d = c.diagnostics("infra/main.tf", 1);
    assert_eq!(d.len(), 1, "{d:?}");
    // `/* 🔒é */ ` is 10 UTF-16 units (the lock counts twice) and 13 bytes.
    assert_eq!(
        d[0]["range"]["start"],
        json!({ "line": 1, "character": 10 })
    );
    assert_eq!(d[0]["range"]["end"]["line"], 1);
    assert_eq!(d[0]["code"], "p.only_gcp");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["source"], "cloudpact");
    assert!(
        text(&d[0]).contains("contract: MSA §4.2"),
        "{}",
        text(&d[0])
    );
    let related = &d[0]["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], c.uri("policies/p.pact"));
    assert_eq!(
        related["range"]["start"],
        json!({ "line": 1, "character": 12 })
    );

    // `aws_instance` starts after `/* 🔒é */ resource "` (UTF-16 column 20).
    c.change(
        "infra/main.tf",
        2,
        [1, 20, 1, 32],
        "google_compute_instance",
    );
    assert_eq!(c.diagnostics("infra/main.tf", 2), Vec::<Value>::new());

    c.change("infra/main.tf", 3, [1, 20, 1, 43], "azurerm_vm");
    let d = c.diagnostics("infra/main.tf", 3);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"]["start"]["character"], 10);
    c.stop();
}

#[test]
fn hover_tells_provider_evidence_and_verdicts() {
    let ws = workspace();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    c.open("infra/main.tf", TF);
    c.diagnostics("infra/main.tf", 1);
    // Inside the block, two lines below the declaration.
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": c.uri("infra/main.tf") },
                "position": { "line": 2, "character": 3 } }),
    );
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("**provider**: aws"), "{md}");
    assert!(md.contains("because: resource type aws_instance"), "{md}");
    assert!(md.contains("`p.only_gcp`: VIOLATES"), "{md}");
    assert_eq!(h["range"]["start"], json!({ "line": 1, "character": 10 }));
    // Nothing is declared on the first line.
    let none = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": c.uri("infra/main.tf") },
                "position": { "line": 0, "character": 1 } }),
    );
    assert_eq!(none, Value::Null);
    c.stop();
}

#[test]
fn code_action_inserts_an_ignore_comment_above_the_finding() {
    let ws = workspace();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    let indented = "locals {}\n  resource \"aws_s3_bucket\" \"b\" {\n}\n";
    c.open("infra/main.tf", indented);
    let d = c.diagnostics("infra/main.tf", 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": c.uri("infra/main.tf") },
                "range": d[0]["range"], "context": { "diagnostics": d } }),
    );
    let a = &actions[0];
    assert_eq!(a["kind"], "quickfix");
    assert_eq!(a["diagnostics"][0]["code"], "p.only_gcp");
    let edit = &a["edit"]["changes"][c.uri("infra/main.tf")][0];
    assert_eq!(edit["range"]["start"], json!({ "line": 1, "character": 0 }));
    assert_eq!(
        edit["newText"],
        "  # cloudpact:ignore p.only_gcp -- <reason>\n"
    );
    c.stop();
}

#[test]
fn no_ignore_action_for_a_rule_that_is_not_waivable() {
    let ws = workspace();
    let pact = PACT.replace("provider gcp", "provider gcp\n    waivable false");
    std::fs::write(ws.path().join("policies/p.pact"), pact).unwrap();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    c.open("infra/main.tf", TF);
    let d = c.diagnostics("infra/main.tf", 1);
    assert_eq!(d.len(), 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": c.uri("infra/main.tf") },
                "range": d[0]["range"], "context": { "diagnostics": d } }),
    );
    assert_eq!(actions, json!([]));
    c.stop();
}

#[test]
fn policy_errors_show_as_typed_and_policy_edits_republish_open_files() {
    let ws = workspace();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    c.open("infra/main.tf", TF);
    assert_eq!(c.diagnostics("infra/main.tf", 1).len(), 1);

    c.open("policies/p.pact", PACT);
    assert_eq!(c.diagnostics("policies/p.pact", 1), Vec::<Value>::new());
    // An unsaved error: reported once (the file check and the workspace load agree).
    c.change("policies/p.pact", 2, [2, 4, 2, 4], "bogus ");
    let d = c.diagnostics("policies/p.pact", 2);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "cloudpact::policy::unknown-clause");
    assert_eq!(d[0]["range"]["start"], json!({ "line": 2, "character": 4 }));

    // Fix it and allow aws instead: the open Terraform file is clean without being touched.
    c.change("policies/p.pact", 3, [2, 4, 2, 22], "provider aws");
    assert_eq!(c.diagnostics("policies/p.pact", 3), Vec::<Value>::new());
    c.diagnostics_where("infra/main.tf", |p| p["diagnostics"] == json!([]));
    c.stop();
}

#[test]
fn record_errors_show_as_typed() {
    let ws = workspace();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    c.open("policies/refusals/r.yaml", "- id: R-1\n");
    assert_eq!(
        c.diagnostics("policies/refusals/r.yaml", 1),
        Vec::<Value>::new()
    );
    c.change("policies/refusals/r.yaml", 2, [1, 0, 1, 0], "  bogus: 1\n");
    let d = c.diagnostics("policies/refusals/r.yaml", 2);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"]["start"], json!({ "line": 1, "character": 2 }));
    c.stop();
}

#[test]
fn config_errors_show_as_typed() {
    let ws = workspace();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    c.open("cloudpact.yaml", "policies: [policies]\n");
    assert_eq!(c.diagnostics("cloudpact.yaml", 1), Vec::<Value>::new());
    c.change("cloudpact.yaml", 2, [0, 0, 0, 8], "polcies");
    let d = c.diagnostics("cloudpact.yaml", 2);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "cloudpact::config::invalid");
    assert!(
        text(&d[0]).contains("did you mean `policies`?"),
        "{}",
        text(&d[0])
    );
    c.stop();
}

#[test]
fn parse_errors_are_diagnostics_and_clear_when_fixed() {
    let ws = workspace();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    c.open("infra/main.tf", "x = <<<\n");
    let d = c.diagnostics("infra/main.tf", 1);
    assert_eq!(d[0]["code"], "cloudpact.parse-error");
    assert_eq!(d[0]["range"]["start"], json!({ "line": 0, "character": 4 }));
    c.change("infra/main.tf", 2, [0, 4, 0, 7], "1");
    assert_eq!(c.diagnostics("infra/main.tf", 2), Vec::<Value>::new());
    c.stop();
}

/// An edit judges only its own unit again: the findings of other units stay (no republish
/// of another open file with its findings gone), and a unit's own findings follow the edit.
#[test]
fn an_edit_judges_its_unit_and_keeps_the_findings_of_the_others() {
    let ws = workspace();
    let other = "resource \"aws_s3_bucket\" \"b\" {\n}\n";
    std::fs::create_dir_all(ws.path().join("data")).unwrap();
    std::fs::write(ws.path().join("data/main.tf"), other).unwrap();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    c.open("data/main.tf", other);
    assert_eq!(c.diagnostics("data/main.tf", 1).len(), 1);
    c.open("infra/main.tf", TF);
    assert_eq!(c.diagnostics("infra/main.tf", 1).len(), 1);
    c.change(
        "infra/main.tf",
        2,
        [1, 20, 1, 32],
        "google_compute_instance",
    );
    assert_eq!(c.diagnostics("infra/main.tf", 2), Vec::<Value>::new());
    let data = c.uri("data/main.tf");
    let emptied = c.inbox.iter().any(|n| {
        n.params["uri"] == data.as_str()
            && n.params["diagnostics"]
                .as_array()
                .is_some_and(Vec::is_empty)
    });
    assert!(!emptied, "{:?}", c.inbox);
    // Breaking `infra/main.tf` again brings its finding back; `data/`'s is still there for
    // a hover-free check: its own edit re-judges it to the same finding.
    c.change("infra/main.tf", 3, [1, 20, 1, 43], "aws_instance");
    assert_eq!(c.diagnostics("infra/main.tf", 3).len(), 1);
    c.change("data/main.tf", 2, [1, 0, 1, 0], "");
    assert_eq!(c.diagnostics("data/main.tf", 2).len(), 1);
    c.stop();
}

/// A file `check` does not read (over `max_file_size`) shows the same finding in the editor,
/// and its editor text is not read either.
#[test]
fn a_file_check_skips_shows_its_finding_and_is_not_read_from_the_editor() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("cloudpact.yaml"),
        "policies: [policies]\nmax_file_size: 60\n",
    )
    .unwrap();
    let big = format!("{TF}{}\n", "#".repeat(100));
    std::fs::write(ws.path().join("infra/big.tf"), &big).unwrap();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    c.open("infra/big.tf", &big);
    let d = c.diagnostics("infra/big.tf", 1);
    let codes: Vec<&str> = d.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, vec!["cloudpact.too-large"], "{d:?}");
    assert_eq!(d[0]["range"]["start"]["line"], 0);
    c.change("infra/big.tf", 2, [0, 0, 0, 0], "# edited\n");
    let d = c.diagnostics("infra/big.tf", 2);
    let codes: Vec<&str> = d.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, vec!["cloudpact.too-large"], "{d:?}");
    c.stop();
}

#[test]
fn an_edit_re_extracts_only_its_own_unit() {
    let ws = workspace();
    for i in 0..20 {
        let d = ws.path().join(format!("m{i}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("main.tf"), "resource \"google_x\" \"y\" {\n}\n").unwrap();
    }
    let fake = Arc::new(Fake::default());
    let (mut c, _) = Client::start(ws.path(), fake.clone(), json!({}));
    c.open("infra/main.tf", TF);
    c.diagnostics("infra/main.tf", 1);
    c.change("infra/main.tf", 2, [2, 2, 2, 5], "id");
    c.diagnostics("infra/main.tf", 2);
    let sizes = fake.extract_sizes.lock().unwrap().clone();
    // The scan saw every file (20 modules, 2 infra files, YAML); the open and the edit then
    // extracted the two files of `infra/` only (the open once more if it raced the scan).
    assert!(sizes[0] >= 22, "{sizes:?}");
    assert!(
        sizes.len() >= 3 && sizes[1..].iter().all(|n| *n == 2),
        "{sizes:?}"
    );
    c.stop();
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let ws = workspace();
    let caps = json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } });
    let (mut c, init) = Client::start(ws.path(), Arc::new(Fake::default()), caps);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    c.open("infra/main.tf", TF);
    let d = c.diagnostics("infra/main.tf", 1);
    assert_eq!(
        d[0]["range"]["start"],
        json!({ "line": 1, "character": 13 })
    );
    c.stop();
}

#[test]
fn closing_clears_and_unknown_requests_get_an_error() {
    let ws = workspace();
    let (mut c, _) = Client::start(ws.path(), Arc::new(Fake::default()), json!({}));
    c.open("infra/main.tf", TF);
    assert_eq!(c.diagnostics("infra/main.tf", 1).len(), 1);
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": c.uri("infra/main.tf") } }),
    );
    let cleared = c.diagnostics_where("infra/main.tf", |p| p["version"].is_null());
    assert_eq!(cleared, Vec::<Value>::new());
    c.next_id += 1;
    let id = RequestId::from(c.next_id);
    let req = Request::new(
        id.clone(),
        "workspace/willRenameFiles".into(),
        json!({ "files": [] }),
    );
    c.conn.sender.send(Message::Request(req)).unwrap();
    loop {
        if let Message::Response(r) = c.conn.receiver.recv_timeout(TIMEOUT).unwrap() {
            assert_eq!(r.id, id);
            let err = r.response_result.unwrap_err();
            assert_eq!(err.code, lsp_server::ErrorCode::MethodNotFound as i32);
            break;
        }
    }
    c.stop();
}

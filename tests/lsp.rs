//! `cloudpact lsp` driven over stdio with JSON-RPC (Content-Length framing), as an editor does.
#![cfg(feature = "lsp")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
    /// Messages read while waiting for another.
    inbox: Vec<Value>,
    next_id: i64,
    root: std::path::PathBuf,
}

impl Server {
    fn start(root: &Path) -> Server {
        Server::start_with(root, Stdio::inherit())
    }

    /// A server whose stderr goes to `stderr` (`Stdio::piped()` to read what it logged).
    fn start_with(root: &Path, stderr: Stdio) -> Server {
        Server::start_full(root, stderr, &[])
    }

    /// A server whose client names `folders` (relative to `root`) as its workspace folders.
    fn start_full(root: &Path, stderr: Stdio, folders: &[&str]) -> Server {
        let root = std::fs::canonicalize(root).unwrap();
        let mut child = Command::new(common::binary())
            .args(["lsp", "--as-of", "2026-01-01"])
            .current_dir(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("cloudpact lsp starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            while let Some(m) = read_message(&mut stdout) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let mut s = Server {
            child,
            stdin,
            messages,
            inbox: Vec::new(),
            next_id: 0,
            root,
        };
        let folders: Vec<Value> = folders
            .iter()
            .map(|f| json!({ "uri": s.uri(f), "name": f }))
            .collect();
        let init = s.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": s.uri(""),
                "workspaceFolders": if folders.is_empty() { Value::Null } else { json!(folders) },
                "capabilities": {},
                "initializationOptions": { "debounceMs": 50 },
            }),
        );
        assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
        s.notify("initialized", json!({}));
        s
    }

    fn uri(&self, rel: &str) -> String {
        let p = self.root.join(rel);
        format!("file://{}", p.display())
            .trim_end_matches('/')
            .to_string()
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Bytes as they are, framed or not.
    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// The process's exit status, waited for up to 10 seconds, and what it wrote on stderr if
    /// that was piped.
    fn exited(mut self) -> (std::process::ExitStatus, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "no exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut stderr).unwrap();
        }
        (status, stderr)
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let m = self.wait(|m| m["id"] == id && m.get("method").is_none());
        assert!(m.get("error").is_none(), "{method}: {m}");
        m["result"].clone()
    }

    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.inbox.iter().position(&wanted) {
            return self.inbox.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("waited in vain ({e}); read {:#?}", self.inbox));
            if wanted(&m) {
                return m;
            }
            self.inbox.push(m);
        }
    }

    /// Waits until the diagnostics published for `rel` are empty.
    fn cleared(&mut self, rel: &str) {
        let uri = self.uri(rel);
        self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(Vec::is_empty)
        });
    }

    /// The first diagnostics for `rel` at or after version `version` of its text.
    fn diagnostics(&mut self, rel: &str, version: i64) -> Vec<Value> {
        let uri = self.uri(rel);
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["version"].as_i64().is_none_or(|v| v >= version)
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, rel: &str, language: &str, text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
    }

    fn change(&mut self, rel: &str, version: i64, range: [u32; 4], text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
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

    /// `shutdown` is answered and `exit` ends the process, promptly and with status 0.
    fn stop(mut self) {
        let started = Instant::now();
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "no exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

const PACT: &str =
    "policy p {\n  reference \"MSA §4.2\"\n\n  exclusive only_gcp {\n    provider gcp\n  }\n}\n";
/// The declaration follows non-ASCII text on its line: `/* 🔒é */ ` is 13 bytes, 10 UTF-16
/// units (the lock is two).
const TF: &str = "# é\n/* 🔒é */ resource \"aws_instance\" \"web\" {\n  ami           = \"ami-123\"\n  instance_type = \"t3.micro\"\n}\n";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    std::fs::create_dir_all(w.join("policies")).unwrap();
    std::fs::create_dir_all(w.join("infra")).unwrap();
    std::fs::write(w.join("cloudpact.yaml"), "policies: [policies]\n").unwrap();
    std::fs::write(w.join("policies/p.pact"), PACT).unwrap();
    std::fs::write(w.join("infra/main.tf"), TF).unwrap();
    dir
}

#[test]
fn config_errors_as_typed_then_shutdown_and_exit() {
    let ws = workspace();
    let mut s = Server::start(ws.path());
    s.open("cloudpact.yaml", "yaml", "policies: [policies]\n");
    assert_eq!(s.diagnostics("cloudpact.yaml", 1), Vec::<Value>::new());
    s.change("cloudpact.yaml", 2, [0, 0, 0, 8], "polcies");
    let d = s.diagnostics("cloudpact.yaml", 2);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "cloudpact::config::invalid");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["source"], "cloudpact");
    assert_eq!(d[0]["range"]["start"], json!({ "line": 0, "character": 0 }));
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `policies`?")
    );
    s.stop();
}

#[test]
fn terraform_findings_follow_edits_with_hover_and_quick_fix() {
    let ws = workspace();
    let mut s = Server::start(ws.path());
    s.open("infra/main.tf", "terraform", TF);
    let d = s.diagnostics("infra/main.tf", 1);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["code"], "p.only_gcp");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["source"], "cloudpact");
    assert_eq!(
        d[0]["range"]["start"],
        json!({ "line": 1, "character": 10 })
    );
    assert_eq!(d[0]["range"]["end"]["line"], 1);
    let message = d[0]["message"].as_str().unwrap();
    assert!(message.contains("aws"), "{message}");
    assert!(message.contains("contract: MSA §4.2"), "{message}");
    let rule_at = &d[0]["relatedInformation"][0]["location"];
    assert_eq!(rule_at["uri"], s.uri("policies/p.pact"));
    assert_eq!(rule_at["range"]["start"]["line"], 3);

    // `aws_instance` starts at UTF-16 column 20 of line 1: move it to gcp.
    s.change(
        "infra/main.tf",
        2,
        [1, 20, 1, 32],
        "google_compute_instance",
    );
    assert_eq!(s.diagnostics("infra/main.tf", 2), Vec::<Value>::new());
    // And back to aws (`google_compute_instance` is 23 units long).
    s.change("infra/main.tf", 3, [1, 20, 1, 43], "aws_instance");
    let d = s.diagnostics("infra/main.tf", 3);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["code"], "p.only_gcp");

    let uri = s.uri("infra/main.tf");
    let hover = s.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": 4 } }),
    );
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(md.contains("**provider**: aws"), "{md}");
    assert!(md.contains("because:"), "{md}");
    assert!(md.contains("aws_instance"), "{md}");
    assert!(md.contains("`p.only_gcp`: VIOLATES"), "{md}");

    let actions = s.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": d[0]["range"],
                "context": { "diagnostics": d } }),
    );
    let edit = &actions[0]["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["range"]["start"], json!({ "line": 1, "character": 0 }));
    assert_eq!(
        edit["newText"],
        "# cloudpact:ignore p.only_gcp -- <reason>\n"
    );

    // The comment, with a reason, silences the finding as it is typed.
    s.change(
        "infra/main.tf",
        4,
        [1, 0, 1, 0],
        "# cloudpact:ignore p.only_gcp -- capacity on loan until the move\n",
    );
    assert_eq!(s.diagnostics("infra/main.tf", 4), Vec::<Value>::new());
    s.stop();
}

#[test]
fn a_policy_error_is_a_diagnostic_as_typed() {
    let ws = workspace();
    let mut s = Server::start(ws.path());
    s.open("policies/p.pact", "pact", PACT);
    assert_eq!(s.diagnostics("policies/p.pact", 1), Vec::<Value>::new());
    // `provider gcp` → `provider gpc`: an unknown provider, with a suggestion.
    s.change("policies/p.pact", 2, [4, 13, 4, 16], "gpc");
    let d = s.diagnostics("policies/p.pact", 2);
    assert!(!d.is_empty());
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["range"]["start"]["line"], 4);
    assert!(d[0]["message"].as_str().unwrap().contains("gpc"), "{d:#?}");
    s.stop();
}

/// The editor groups a Terraform folder as `check` does, `.tf.json` included: a region set in
/// `vars.tf.json` decides the `.tf` resource's finding, and editing it re-judges the resource.
#[test]
fn a_tf_json_file_is_part_of_its_terraform_folder() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    std::fs::create_dir_all(w.join("policies")).unwrap();
    std::fs::create_dir_all(w.join("infra")).unwrap();
    std::fs::write(
        w.join("policies/eu.pact"),
        "policy eu {\n  require in_eu {\n    where  kind == storage\n    assert country in eu\n    unknown allow\n  }\n}\n",
    )
    .unwrap();
    let main = "provider \"aws\" {\n  region = var.region\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n";
    std::fs::write(w.join("infra/main.tf"), main).unwrap();
    let vars = "{\n  \"variable\": {\n    \"region\": {\n      \"default\": \"us-east-1\"\n    }\n  }\n}\n";
    std::fs::write(w.join("infra/vars.tf.json"), vars).unwrap();

    let check = common::run_in(w, &["check", "--format", "json"]);
    assert_eq!(
        common::findings(&check.json()),
        vec![common::f("eu.in_eu", "infra/main.tf", 5, "error")],
        "{}",
        check.stderr
    );
    let mut s = Server::start(w);
    s.open("infra/main.tf", "terraform", main);
    let d = s.diagnostics("infra/main.tf", 1);
    assert_eq!(d.len(), 1, "the editor agrees with check: {d:#?}");
    assert_eq!(d[0]["code"], "eu.in_eu");
    assert_eq!(d[0]["range"]["start"]["line"], 4);
    // Move the default to Frankfurt in the unsaved .tf.json: main.tf's finding goes.
    s.open("infra/vars.tf.json", "json", vars);
    s.change("infra/vars.tf.json", 2, [3, 18, 3, 27], "eu-central-1");
    s.cleared("infra/main.tf");
    s.stop();
}

#[test]
fn a_module_file_shows_each_instance_and_follows_edits_in_its_caller() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    let module = "variable \"location\" {}\n\nresource \"google_storage_bucket\" \"this\" {\n  name     = \"b\"\n  location = var.location\n}\n";
    let caller = "locals {\n  raw = \"us-east4\"\n}\n\nmodule \"raw\" {\n  source   = \"../../modules/bucket\"\n  location = local.raw\n}\n";
    common::write(
        w,
        &[
            (
                "policies/eu.pact",
                "policy eu {\n  require in_eu {\n    where  kind == storage\n    assert country in eu\n    unknown warn\n  }\n}\n",
            ),
            ("modules/bucket/main.tf", module),
            ("live/analytics/main.tf", caller),
        ],
    );
    let mut s = Server::start(w);
    s.open("modules/bucket/main.tf", "terraform", module);
    let d = s.diagnostics("modules/bucket/main.tf", 1);
    assert_eq!(d.len(), 1, "one instance, as check shows: {d:#?}");
    assert_eq!(d[0]["code"], "eu.in_eu");
    assert_eq!(d[0]["severity"], 1);
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("module.raw.google_storage_bucket.this"),
        "{d:#?}"
    );
    let related: Vec<(String, u64)> = d[0]["relatedInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["location"]["uri"].as_str().unwrap().to_string(),
                r["location"]["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        related.contains(&(s.uri("live/analytics/main.tf"), 4)),
        "the call site is related information: {related:?}"
    );
    // Move the caller's bucket to Frankfurt, unsaved: the module file's finding goes.
    s.open("live/analytics/main.tf", "terraform", caller);
    s.change("live/analytics/main.tf", 2, [1, 9, 1, 17], "europe-west3");
    s.cleared("modules/bucket/main.tf");
    s.stop();
}

/// A plan JSON beside its configuration lends its values to the `.tf` declarations: the editor
/// shows them at the declaration, as `check` does, and follows unsaved edits of the plan.
#[test]
fn a_plan_decides_its_declarations_and_follows_edits() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    let main = "variable \"region\" {\n  default = \"us-east-1\"\n}\n\nprovider \"aws\" {\n  region = var.region\n}\n\nresource \"aws_instance\" \"web\" {\n  count = 2\n}\n";
    // Planned with `-var region=eu-west-1`.
    let plan = r#"{
  "format_version": "1.2",
  "variables": { "region": { "value": "eu-west-1" } },
  "resource_changes": [
    { "address": "aws_instance.web[0]", "mode": "managed", "type": "aws_instance", "name": "web",
      "provider_name": "registry.terraform.io/hashicorp/aws", "change": { "actions": ["create"], "after": {} } },
    { "address": "aws_instance.web[1]", "mode": "managed", "type": "aws_instance", "name": "web",
      "provider_name": "registry.terraform.io/hashicorp/aws", "change": { "actions": ["create"], "after": {} } }
  ],
  "configuration": {
    "provider_config": {
      "aws": { "name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
               "expressions": { "region": { "references": ["var.region"] } } }
    }
  }
}
"#;
    common::write(
        w,
        &[
            (
                "policies/us.pact",
                "policy us {\n  require in_us {\n    where  provider == aws\n    assert country == \"us\"\n    unknown deny\n  }\n}\n",
            ),
            ("envs/prod/main.tf", main),
            ("envs/prod/plan.json", plan),
        ],
    );
    let check = common::run_in(w, &["check", "--format", "json"]);
    assert_eq!(
        common::findings(&check.json()),
        vec![
            common::f("us.in_us", "envs/prod/main.tf", 9, "error"),
            common::f("us.in_us", "envs/prod/main.tf", 9, "error"),
        ],
        "{}",
        check.stderr
    );
    let mut s = Server::start(w);
    s.open("envs/prod/main.tf", "terraform", main);
    let d = s.diagnostics("envs/prod/main.tf", 1);
    assert_eq!(d.len(), 2, "the editor agrees with check: {d:#?}");
    assert!(d.iter().all(|d| d["range"]["start"]["line"] == 8), "{d:#?}");
    let related = d[0]["relatedInformation"].to_string();
    assert!(related.contains(&s.uri("envs/prod/plan.json")), "{related}");
    // Make the plan's region us-east-1, unsaved: the declaration's findings go.
    s.open("envs/prod/plan.json", "json", plan);
    let line = plan.lines().position(|l| l.contains("eu-west-1")).unwrap();
    let col = plan.lines().nth(line).unwrap().find("eu-west-1").unwrap();
    let (line, col) = (line as u32, col as u32);
    s.change(
        "envs/prod/plan.json",
        2,
        [line, col, line, col + 9],
        "us-east-1",
    );
    s.cleared("envs/prod/main.tf");
    s.stop();
}

/// A body that is not JSON, or JSON that is not a message, is answered with JSON-RPC's error
/// and the session goes on (the server used to end it, exiting 0 without a word).
#[test]
fn malformed_bodies_get_json_rpc_errors_and_the_session_goes_on() {
    let ws = workspace();
    let mut s = Server::start(ws.path());
    s.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let m = s.wait(|m| m.get("error").is_some());
    assert_eq!(m["id"], Value::Null, "{m}");
    assert_eq!(m["error"]["code"], -32700, "{m}");
    let body = r#"{"jsonrpc":"2.0","id":41,"method":7}"#;
    s.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    let m = s.wait(|m| m["id"] == 41);
    assert_eq!(m["error"]["code"], -32600, "{m}");
    // Still serving.
    s.open("infra/main.tf", "terraform", TF);
    assert_eq!(s.diagnostics("infra/main.tf", 1).len(), 1);
    s.stop();
}

/// A frame longer than the limit cannot be skipped: the server says so and exits non-zero,
/// without trying to read (or allocate) it.
#[test]
fn an_oversized_frame_ends_the_server_with_a_message_and_a_failure_status() {
    let ws = workspace();
    let mut s = Server::start_with(ws.path(), Stdio::piped());
    s.send_raw(b"Content-Length: 99999999999999\r\n\r\n{}");
    // stdin stays open: the server must not wait for the rest of the frame.
    let (status, stderr) = s.exited();
    assert_eq!(status.code(), Some(2), "{status}: {stderr}");
    assert!(stderr.contains("99999999999999 bytes"), "{stderr}");
    assert!(stderr.contains("64 MiB"), "{stderr}");
}

/// A header that is not `Name: value` leaves no way to find the next frame.
#[test]
fn a_broken_header_ends_the_server_with_a_failure_status() {
    let ws = workspace();
    let mut s = Server::start_with(ws.path(), Stdio::piped());
    s.send_raw(b"GET / HTTP/1.1\r\n\r\n");
    let (status, stderr) = s.exited();
    assert_eq!(status.code(), Some(2), "{status}: {stderr}");
    assert!(stderr.contains("malformed frame header"), "{stderr}");
}

#[test]
fn a_bicepparam_file_in_another_folder_sets_its_template_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    for d in ["policies", "infra", "params"] {
        std::fs::create_dir_all(w.join(d)).unwrap();
    }
    std::fs::write(
        w.join("policies/eu.pact"),
        "policy eu {\n  require in_eu {\n    where  kind == storage\n    assert country in eu\n    unknown allow\n  }\n}\n",
    )
    .unwrap();
    let main = "param location string = 'westeurope'\nresource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'sa'\n  location: location\n}\n";
    std::fs::write(w.join("infra/main.bicep"), main).unwrap();
    let params = "using '../infra/main.bicep'\nparam location = 'eastus'\n";
    std::fs::write(w.join("params/prod.bicepparam"), params).unwrap();

    let check = common::run_in(w, &["check", "--format", "json"]);
    assert_eq!(
        common::findings(&check.json()),
        vec![common::f("eu.in_eu", "infra/main.bicep", 2, "error")],
        "{}",
        check.stderr
    );
    let mut s = Server::start(w);
    s.open("infra/main.bicep", "bicep", main);
    let d = s.diagnostics("infra/main.bicep", 1);
    assert_eq!(d.len(), 1, "the editor agrees with check: {d:#?}");
    assert_eq!(d[0]["code"], "eu.in_eu");
    assert_eq!(d[0]["range"]["start"]["line"], 1);
    // West Europe in the unsaved parameter file: the template's finding goes.
    s.open("params/prod.bicepparam", "bicep-params", params);
    s.change("params/prod.bicepparam", 2, [1, 18, 1, 24], "westeurope");
    s.cleared("infra/main.bicep");
    s.stop();
}

/// Two teams in one editor window, each with its own `cloudpact.yaml` below the workspace
/// folder, and a second workspace folder with no configuration: every file is judged by the
/// nearest `cloudpact.yaml` above it, else its own workspace folder, as `cloudpact check FILE`
/// judges it.
#[test]
fn each_file_is_judged_by_the_nearest_config_above_it_or_its_workspace_folder() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    let eu = "policy eu {\n  require in_eu {\n    where  kind == storage\n    assert country in eu\n    unknown allow\n  }\n}\n";
    let only_gcp = "policy g {\n  exclusive only_gcp {\n    provider gcp\n  }\n}\n";
    let tf = "provider \"aws\" {\n  region = \"us-east-1\"\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n";
    common::write(
        w,
        &[
            ("app/teams/eu/cloudpact.yaml", "policies: [rules]\n"),
            ("app/teams/eu/rules/eu.pact", eu),
            ("app/teams/eu/infra/main.tf", tf),
            ("app/teams/gcp/cloudpact.yaml", "policies: [rules]\n"),
            ("app/teams/gcp/rules/g.pact", only_gcp),
            ("app/teams/gcp/infra/main.tf", tf),
            ("other/policies/eu.pact", eu),
            ("other/infra/main.tf", tf),
        ],
    );
    // What pre-commit sees for each file, run from each team's top.
    let cli = |dir: &str| {
        let run = common::run_in(
            &w.join(dir),
            &["check", "--format", "json", "infra/main.tf"],
        );
        common::findings(&run.json())
    };
    assert_eq!(
        cli("app/teams/eu"),
        vec![common::f("eu.in_eu", "infra/main.tf", 5, "error")]
    );
    assert_eq!(
        cli("app/teams/gcp"),
        vec![common::f("g.only_gcp", "infra/main.tf", 5, "error")]
    );
    assert_eq!(
        cli("other"),
        vec![common::f("eu.in_eu", "infra/main.tf", 5, "error")]
    );

    let mut s = Server::start_full(w, Stdio::inherit(), &["app", "other"]);
    for (rel, code) in [
        ("app/teams/eu/infra/main.tf", "eu.in_eu"),
        ("app/teams/gcp/infra/main.tf", "g.only_gcp"),
        ("other/infra/main.tf", "eu.in_eu"),
    ] {
        s.open(rel, "terraform", tf);
        let d = s.diagnostics(rel, 1);
        let codes: Vec<&str> = d.iter().filter_map(|d| d["code"].as_str()).collect();
        assert_eq!(codes, vec![code], "{rel}: {d:#?}");
        assert_eq!(d[0]["range"]["start"]["line"], 4, "{rel}");
    }
    // An edit in one team's policy changes that team's files only.
    s.open("app/teams/gcp/rules/g.pact", "cloudpact", only_gcp);
    s.change("app/teams/gcp/rules/g.pact", 2, [2, 13, 2, 16], "aws");
    s.cleared("app/teams/gcp/infra/main.tf");
    let eu_uri = s.uri("app/teams/eu/infra/main.tf");
    assert!(
        !s.inbox.iter().any(|m| m["params"]["uri"] == eu_uri.as_str()
            && m["params"]["diagnostics"]
                .as_array()
                .is_some_and(Vec::is_empty)),
        "the other team's finding stays: {:#?}",
        s.inbox
    );
    s.stop();
}

//! Runs every acceptance case under `tests/cases/` (a repository and its `expect.json`) against
//! the binary, with the rules of the shared `cases.py`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cloudpact"))
}

fn run(repo: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary())
        .args(args)
        .current_dir(repo)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn finding_view(f: &Value) -> Value {
    let d = f.get("deployment").cloned().unwrap_or(Value::Null);
    serde_json::json!({
        "rule": f["rule"], "path": f["path"], "line": f["line"], "severity": f["severity"],
        "provider": d.get("provider").cloned().unwrap_or(Value::Null),
        "suppressed": f["suppressed"].as_bool().unwrap_or(false),
    })
}

/// One run: `check ARGS` (default `.`, as pre-commit passes files when `args` names them)
/// from the repository's folder `cwd` (default its root).
fn check_run(repo: &Path, r: &Value) -> Vec<String> {
    let as_of = r["as_of"].as_str().expect("as_of");
    let mut problems = Vec::new();
    let cwd = repo.join(r.get("cwd").and_then(Value::as_str).unwrap_or("."));
    let paths: Vec<&str> = match r.get("args").and_then(Value::as_array) {
        Some(a) => a.iter().filter_map(Value::as_str).collect(),
        None => vec!["."],
    };
    let repo = cwd.as_path();
    let flags = ["--format", "json", "--as-of", as_of, "--color", "never"];
    let (code, out, err) = run(repo, &[&["check"], &paths[..], &flags[..]].concat());
    if let Some(want) = r.get("exit").and_then(Value::as_i64)
        && i64::from(code) != want
    {
        problems.push(format!("exit {code}, expected {want}; stderr: {err}"));
    }
    let mentions: Vec<&str> = ["mentions", "stderr_mentions"]
        .iter()
        .flat_map(|k| r.get(*k).and_then(Value::as_array).into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    if !mentions.is_empty() {
        let human = ["--as-of", as_of, "--color", "never"];
        let (_, hout, herr) = run(repo, &[&["check"], &paths[..], &human[..]].concat());
        let text = format!("{out}{err}{hout}{herr}");
        for m in mentions {
            if !text.contains(m) {
                problems.push(format!("output never mentions {m:?}"));
            }
        }
    }
    if r.get("findings").is_none() && r.get("suppressed").is_none() {
        return problems;
    }
    let doc: Value = match serde_json::from_str(&out) {
        Ok(d) => d,
        Err(e) => return vec![format!("stdout is not JSON ({e}); stderr: {err}")],
    };
    let got: Vec<Value> = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(finding_view)
        .collect();
    let optional: Vec<&str> = r
        .get("lines_optional_for")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (label, key, suppressed) in [
        ("finding", "findings", false),
        ("suppressed finding", "suppressed", true),
    ] {
        let mut pool: Vec<&Value> = got
            .iter()
            .filter(|g| g["suppressed"] == suppressed)
            .collect();
        for w in r.get(key).and_then(Value::as_array).into_iter().flatten() {
            let fields: Vec<(&String, &Value)> = w
                .as_object()
                .expect("expectation object")
                .iter()
                .filter(|(k, _)| {
                    !(*k == "line" && optional.contains(&w["rule"].as_str().unwrap_or("")))
                })
                .collect();
            match pool
                .iter()
                .position(|g| fields.iter().all(|(k, v)| &g[k.as_str()] == *v))
            {
                Some(i) => {
                    pool.remove(i);
                }
                None => problems.push(format!("missing {label} {w}")),
            }
        }
        for g in pool {
            problems.push(format!("unexpected {label} {g}"));
        }
    }
    problems
}

fn check_inventory(repo: &Path, want: &[Value]) -> Vec<String> {
    let (_, out, err) = run(repo, &["inventory", ".", "--format", "json"]);
    let doc: Value = match serde_json::from_str(&out) {
        Ok(d) => d,
        Err(e) => return vec![format!("inventory json unreadable ({e}); stderr: {err}")],
    };
    let deps = doc["deployments"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    for w in want {
        let at: Vec<&Value> = deps
            .iter()
            .filter(|d| d["path"] == w["path"] && d["line"] == w["line"])
            .collect();
        if at.is_empty() {
            problems.push(format!("inventory lacks {}:{}", w["path"], w["line"]));
            continue;
        }
        for (k, v) in w.as_object().expect("object") {
            if k == "path" || k == "line" {
                continue;
            }
            if !at.iter().any(|d| &d[k.as_str()] == v) {
                let seen: Vec<&Value> = at.iter().map(|d| &d[k.as_str()]).collect();
                problems.push(format!(
                    "inventory {}:{} {k}={seen:?}, expected {v}",
                    w["path"], w["line"]
                ));
            }
        }
    }
    problems
}

fn case(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name);
    let exp: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expect.json")).expect("expect.json"),
    )
    .expect("valid expect.json");
    let repo = dir.join("repo");
    let runs = match exp.get("runs").and_then(Value::as_array) {
        Some(r) => r.clone(),
        None => vec![exp.clone()],
    };
    let mut problems = Vec::new();
    for r in &runs {
        for p in check_run(&repo, r) {
            problems.push(format!("[as of {}] {p}", r["as_of"]));
        }
    }
    if let Some(inv) = exp.get("inventory").and_then(Value::as_array) {
        problems.extend(check_inventory(&repo, inv));
    }
    assert!(
        problems.is_empty(),
        "case {name}:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn v1_single_cloud() {
    case("v1-single-cloud");
}

#[test]
fn v2_first_refusal() {
    case("v2-first-refusal");
}

#[test]
fn v3_model_endpoints() {
    case("v3-model-endpoints");
}

#[test]
fn v4_broken_inputs() {
    case("v4-broken-inputs");
}

#[test]
fn v6_paths_config() {
    case("v6-paths-config");
}

/// Every case folder has a test above: a new case must not be silently skipped.
#[test]
fn every_case_folder_is_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/cases")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("expect.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "v1-single-cloud",
            "v2-first-refusal",
            "v3-model-endpoints",
            "v4-broken-inputs",
            "v6-paths-config"
        ]
    );
}

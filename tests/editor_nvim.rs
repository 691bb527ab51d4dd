//! A real editor: Neovim (0.7 or later) runs cloudpact as its language server, headless, through
//! `tests/editors/nvim_lsp_test.lua`, and reports what it shows. Without `nvim` on PATH these
//! tests fail (CI installs it), unless CLOUDPACT_SKIP_EDITOR_TESTS=1.
#![cfg(feature = "lsp")]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One diagnostic as Neovim holds it.
#[derive(Debug, PartialEq)]
struct Shown {
    path: String,
    line: u32,
    /// Bytes, as Neovim stores columns (converted from the protocol's UTF-16).
    col: u32,
    /// 1 error, 2 warning, 3 info, 4 hint.
    severity: u32,
    code: String,
    message: String,
}

/// What Neovim reported: diagnostics, and hover texts when asked for.
struct Report {
    shown: Vec<Shown>,
    hovers: Vec<String>,
    /// The report's other lines (`COMPLETE`, `DEFINITION`, `LENS`), tab-separated fields.
    lines: Vec<Vec<String>>,
}

/// The policy author's requests to make once the files are analysed (`path:line,col`).
#[derive(Default)]
struct Ask<'a> {
    complete: &'a str,
    definition: &'a str,
    lens: &'a str,
}

fn nvim_found() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// On a fresh machine of the project's kind (Debian, root), installs Debian's Neovim once per
/// test run, so `cargo test` alone sets up what it needs; elsewhere the test explains what to
/// install.
fn ensure_neovim() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        if nvim_found() || Command::new("apt-get").arg("--version").output().is_err() {
            return;
        }
        let apt = |args: &[&str]| {
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !(apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", "neovim"])) {
            eprintln!("could not install neovim with apt-get (not root?)");
        }
    });
}

/// Runs Neovim on `files` of the workspace, asking for hover at `hover` (line, UTF-16 column)
/// in each; `None` when the test is to be skipped.
fn neovim(root: &Path, files: &[&str], hover: Option<(u32, u32)>) -> Option<Report> {
    neovim_asking(root, files, hover, &Ask::default())
}

/// [`neovim`], then the requests of `ask`.
fn neovim_asking(
    root: &Path,
    files: &[&str],
    hover: Option<(u32, u32)>,
    ask: &Ask<'_>,
) -> Option<Report> {
    let skip = std::env::var("CLOUDPACT_SKIP_EDITOR_TESTS").is_ok_and(|v| v == "1");
    if !skip {
        ensure_neovim();
    }
    if !nvim_found() {
        assert!(
            skip,
            "nvim is not installed: install Neovim (apt-get install neovim) or set \
             CLOUDPACT_SKIP_EDITOR_TESTS=1"
        );
        eprintln!("skipped: nvim is not installed and CLOUDPACT_SKIP_EDITOR_TESTS=1");
        return None;
    }
    let out = root.join("nvim-report.txt");
    let script = common::project("tests/editors/nvim_lsp_test.lua");
    // Each Neovim keeps its state (log, swap files) in its own folder: three starting at once
    // on a fresh machine raced to create `~/.local` and one failed (E303).
    let state = tempfile::tempdir().expect("a folder for Neovim's state");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("XDG_STATE_HOME", state.path())
        .env("XDG_DATA_HOME", state.path())
        .env("XDG_CACHE_HOME", state.path())
        .env("CLOUDPACT_BIN", common::binary())
        .env("CLOUDPACT_ROOT", root)
        .env("CLOUDPACT_FILES", files.join(","))
        .env("CLOUDPACT_OUT", &out)
        .env(
            "CLOUDPACT_HOVER",
            hover.map_or(String::new(), |(l, c)| format!("{l},{c}")),
        )
        .env("CLOUDPACT_COMPLETE", ask.complete)
        .env("CLOUDPACT_DEFINITION", ask.definition)
        .env("CLOUDPACT_LENS", ask.lens)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nvim starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("nvim did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let report = std::fs::read_to_string(&out).expect("nvim wrote its report");
    let lines: Vec<&str> = report.lines().collect();
    assert!(
        !lines.iter().any(|l| l.starts_with("ERROR")),
        "Neovim reported a problem:\n{report}"
    );
    assert!(lines.contains(&"DONE"), "{report}");
    // The server ended cleanly after Neovim's shutdown and exit.
    assert!(lines.contains(&"EXIT 0"), "{report}");
    let hovers = lines
        .iter()
        .filter_map(|l| l.strip_prefix("HOVER\t"))
        .map(|l| l.replace("\\n", "\n"))
        .collect();
    let shown = lines
        .iter()
        .filter_map(|l| l.strip_prefix("DIAG\t"))
        .map(|l| {
            let f: Vec<&str> = l.splitn(6, '\t').collect();
            Shown {
                path: f[0].to_string(),
                line: f[1].parse().unwrap(),
                col: f[2].parse().unwrap(),
                severity: f[3].parse().unwrap(),
                code: f[4].to_string(),
                message: f[5].to_string(),
            }
        })
        .collect();
    let lines = lines
        .iter()
        .filter(|l| {
            ["COMPLETE\t", "DEFINITION\t", "LENS\t"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    Some(Report {
        shown,
        hovers,
        lines,
    })
}

fn workspace(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    std::fs::create_dir_all(w.join("policies")).unwrap();
    std::fs::create_dir_all(w.join("infra")).unwrap();
    std::fs::write(w.join("cloudpact.yaml"), config).unwrap();
    std::fs::write(
        w.join("policies/p.pact"),
        "policy p {\n  reference \"MSA §4.2\"\n\n  exclusive only_gcp {\n    provider gcp\n  }\n}\n",
    )
    .unwrap();
    // The declaration follows non-ASCII text: UTF-16 column 10, byte column 13.
    std::fs::write(
        w.join("infra/main.tf"),
        "# é\n/* 🔒é */ resource \"aws_instance\" \"web\" {\n  ami = \"ami-123\"\n}\n",
    )
    .unwrap();
    dir
}

#[test]
fn neovim_shows_config_errors() {
    let ws = workspace("policies: [policies]\nfail_on: sometimes\n");
    let Some(Report { shown, .. }) = neovim(ws.path(), &["cloudpact.yaml"], None) else {
        return;
    };
    assert_eq!(shown.len(), 1, "{shown:#?}");
    let d = &shown[0];
    assert_eq!(d.path, "cloudpact.yaml");
    assert_eq!(d.line, 1);
    assert_eq!(d.severity, 1);
    assert_eq!(d.code, "cloudpact::config::invalid");
    assert!(d.message.contains("sometimes"), "{d:?}");
}

#[test]
fn neovim_shows_a_terraform_finding_at_the_right_column_and_hover() {
    let ws = workspace("policies: [policies]\n");
    let Some(Report { shown, hovers, .. }) = neovim(ws.path(), &["infra/main.tf"], Some((2, 3)))
    else {
        return;
    };
    assert_eq!(shown.len(), 1, "{shown:#?}");
    let d = &shown[0];
    assert_eq!(d.path, "infra/main.tf");
    assert_eq!(d.line, 1);
    // Neovim turned the server's UTF-16 column 10 into byte column 13.
    assert_eq!(d.col, 13);
    assert_eq!(d.severity, 1);
    assert_eq!(d.code, "p.only_gcp");
    assert!(d.message.contains("aws"), "{d:?}");
    // Hover inside the block, through Neovim's own request machinery.
    assert_eq!(hovers.len(), 1, "{hovers:?}");
    assert!(hovers[0].contains("**provider**: aws"), "{}", hovers[0]);
    assert!(hovers[0].contains("because:"), "{}", hovers[0]);
    assert!(
        hovers[0].contains("`p.only_gcp`: VIOLATES"),
        "{}",
        hovers[0]
    );
}

#[test]
fn neovim_completes_goes_to_a_rule_and_shows_the_share_lens() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    std::fs::create_dir_all(w.join("policies")).unwrap();
    std::fs::create_dir_all(w.join("infra")).unwrap();
    std::fs::write(
        w.join("cloudpact.yaml"),
        "policies: [policies]\nwaivers:\n  - rule: p.only_gcp\n    where: 'path matches \"legacy/**\"'\n    reason: legacy\n",
    )
    .unwrap();
    std::fs::write(
        w.join("policies/p.pact"),
        "policy p {\n  exclusive only_gcp {\n    provider gcp\n  }\n\n  share azure_commitment {\n    provider azure\n    at_least 75%\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        w.join("infra/main.tf"),
        "resource \"aws_instance\" \"web\" {\n  ami = \"ami-123\"\n}\n\nresource \"azurerm_linux_virtual_machine\" \"vm\" {\n  location = \"westeurope\"\n}\n",
    )
    .unwrap();
    let ask = Ask {
        // After `    provider ` on line 2 of the policy.
        complete: "policies/p.pact:2,13",
        // On `p.only_gcp` of the waiver.
        definition: "cloudpact.yaml:2,14",
        lens: "policies/p.pact",
    };
    let Some(report) = neovim_asking(w, &["infra/main.tf"], None, &ask) else {
        return;
    };
    let find =
        |tag: &str| -> Vec<&Vec<String>> { report.lines.iter().filter(|l| l[0] == tag).collect() };
    let complete = find("COMPLETE");
    assert_eq!(complete.len(), 1, "{:?}", report.lines);
    let labels: Vec<&str> = complete[0][2].split(',').collect();
    assert!(labels.contains(&"azure"), "{labels:?}");
    assert!(labels.contains(&"microsoft"), "{labels:?}");
    let definition = find("DEFINITION");
    assert_eq!(definition.len(), 1, "{:?}", report.lines);
    assert!(
        definition[0][2].ends_with("policies/p.pact"),
        "{definition:?}"
    );
    // The rule's line: `  exclusive only_gcp {`.
    assert_eq!(definition[0][3], "1", "{definition:?}");
    let lenses: Vec<(&str, &str)> = find("LENS")
        .iter()
        .map(|l| (l[2].as_str(), l[3].as_str()))
        .collect();
    assert_eq!(
        lenses,
        [
            ("1", "2 deployments in scope · 2 findings"),
            ("5", "azure 50% of 2 (commitment 75%)"),
        ],
        "{:?}",
        report.lines
    );
}

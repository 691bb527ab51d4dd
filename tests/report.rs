//! `cloudpact report` (docs/report.md): the HTML evidence page opened in a real headless
//! browser (Debian's `chromium`, installed by `.ci/run`), its rendered DOM checked; the page
//! makes no external request; Markdown for pull requests.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run_in, write};
use serde_json::Value;

const AS_OF: &str = "2026-01-01";

const POLICIES: &str = r#"policy commit {
  title "Azure commitment"
  reference "MACC §4.2"
  effective from 2020-01-01
  share azure_first { provider azure  at_least 75% }
  deny no_oracle { provider oracle  severity warning }
}

policy rofr {
  effective from 2020-01-01
  first_refusal compute { holder azure  over aws  where kind == compute  refusals "../records/*.yaml" }
}
"#;

const RECORDS: &str = r#"- id: R-USED
  holder: azure
  granted_to: [aws]
  declined_on: 2025-01-01
  expires: 2026-12-31
  where: 'path matches "granted/**"'
  reason: "Azure declined the batch cluster."
- id: R-UNUSED
  holder: azure
  granted_to: [aws]
  declined_on: 2025-06-01
  where: 'path matches "nowhere/**"'
  reason: "Nothing uses it <any more>."
- id: R-OLD
  holder: azure
  granted_to: [aws]
  declined_on: 2023-01-01
  expires: 2024-01-01
  reason: "Expired."
"#;

/// A repository with `findings` AWS machines (each a first-refusal finding), one machine a
/// record covers, Azure machines, a waiver, and hostile names; a GitHub remote.
fn repository(root: &Path, findings: usize) {
    let mut files: Vec<(String, String)> = vec![
        ("policies/contracts.pact".into(), POLICIES.into()),
        ("records/azure.yaml".into(), RECORDS.into()),
        (
            "cloudpact.yaml".into(),
            "waivers:\n  - rule: commit.no_oracle\n    reason: \"Exit plan <signed>\"\n    until: 2026-06-30\n".into(),
        ),
        (
            "granted/main.tf".into(),
            "resource \"aws_instance\" \"batch\" {\n  instance_type = \"c5.large\"\n}\n".into(),
        ),
        (
            "azure/main.tf".into(),
            "resource \"azurerm_linux_virtual_machine\" \"web\" {\n  location = \"westeurope\"\n}\nresource \"azurerm_linux_virtual_machine\" \"api\" {\n  location = \"germanywestcentral\"\n}\n".into(),
        ),
        (
            "hostile/main.tf".into(),
            "resource \"aws_instance\" \"x<script>alert(1)</script><img src=http://evil.example/x.png>\" {\n  instance_type = \"t3.micro\"\n}\n".into(),
        ),
    ];
    let per_file = 10;
    for f in 0..findings.saturating_sub(1).div_ceil(per_file) {
        let mut tf = String::new();
        for r in 0..per_file.min(findings - 1 - f * per_file) {
            tf.push_str(&format!(
                "resource \"aws_instance\" \"vm{f}_{r}\" {{\n  instance_type = \"t3.micro\"\n}}\n"
            ));
        }
        files.push((format!("fleet/f{f:03}/main.tf"), tf));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write(root, &refs);
    write(
        root,
        &[
            (
                ".git/config",
                "[remote \"origin\"]\n\turl = git@github.com:acme/payments.git\n",
            ),
            (".git/HEAD", "ref: refs/heads/main\n"),
            (
                ".git/refs/heads/main",
                "0123456789abcdef0123456789abcdef01234567\n",
            ),
        ],
    );
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

fn headless(browser: &Path, profile: &Path, args: &[String]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

/// `href="…"` and `src="…"` values of a page.
fn addresses(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\"", "href='", "src='"] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find(['"', '\'']).unwrap_or(rest.len());
            out.push(rest[..end].to_string());
        }
    }
    out
}

#[test]
fn html_report_in_a_headless_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    repository(&repo, 1000);
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report");
    std::fs::create_dir_all(&out_dir).unwrap();
    let html_path = out_dir.join("report.html");
    let result = tmp.path().join("result.json");
    let r = run_in(
        &repo,
        &[
            "check",
            "--format",
            "json",
            "--inventory",
            "--as-of",
            AS_OF,
            "--output",
            result.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&result).unwrap()).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    // 999 fleet machines and the hostile one under first refusal, one unused record, one share.
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["rule"] == "rofr.compute")
            .count(),
        1000
    );
    let r = run_in(
        tmp.path(),
        &[
            "report",
            result.to_str().unwrap(),
            "--output",
            html_path.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&html_path).unwrap();

    // Weight, and nothing fetched: the only addresses are the findings' source lines.
    assert!(
        html.len() < 500_000,
        "{} bytes for 1,000 findings",
        html.len()
    );
    let blob = "https://github.com/acme/payments/blob/0123456789abcdef0123456789abcdef01234567/";
    let links = addresses(&html);
    assert_eq!(links.len(), findings.len(), "one address per finding");
    for a in &links {
        assert!(a.starts_with(blob), "external or unexpected address: {a}");
    }
    for banned in ["<link", "@import", "url(", "<iframe", "<img", "<object"] {
        assert!(!html.contains(banned), "{banned}");
    }
    assert!(html.contains("x&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=http://evil.example"));

    let Some(browser) = chromium() else {
        let required = std::env::var("CLOUDPACT_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "chromium is not installed but CLOUDPACT_REQUIRE_CHROMIUM=1 (.ci/run installs it)"
        );
        eprintln!(
            "\n!!!!!!!!\nSKIPPED the browser half of html_report_in_a_headless_browser: chromium is not installed \
             (apt-get install chromium; .ci/run installs it and sets CLOUDPACT_REQUIRE_CHROMIUM=1)\n!!!!!!!!\n"
        );
        return;
    };
    let profile = tmp.path().join("chromium-profile");
    let url = format!("file://{}", html_path.display());
    let dump = headless(&browser, &profile, &["--dump-dom".into(), url.clone()]);
    let dom = String::from_utf8_lossy(&dump.stdout);
    assert!(
        dom.contains("<body"),
        "no DOM: {}",
        String::from_utf8_lossy(&dump.stderr)
    );

    // The hostile name is text, not an element: no script ran, no image was made.
    assert!(!dom.contains("<img"), "an element from scanned text");
    assert!(dom.contains("x&lt;script&gt;alert(1)&lt;/script&gt;"));

    // Every finding row is linked to its line.
    let rows: Vec<&str> = dom.split("<tr class=\"finding\">").skip(1).collect();
    assert_eq!(rows.len(), findings.len());
    for row in &rows {
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(&format!("<a href=\"{blob}")), "{row}");
        assert!(row.contains("#L"), "{row}");
    }

    // The share chart with its figures: 2 of 1,003 machines on Azure against 75%.
    let share = dom
        .split("<figure class=\"chart share\"")
        .nth(1)
        .expect("a share chart");
    assert!(share.contains("data-listed=\"2\""), "{}", &share[..300]);
    assert!(share.contains("data-total=\"1003\""));
    assert!(share.contains("data-at-least=\"75\""));
    assert!(share.contains("2 of 1003 deployments (0.2%)"));
    assert!(share.contains("75% committed"));
    assert!(share.contains("breached"));

    // Deployments by provider and by country, each bar with its label and count.
    let bars = |id: &str| -> Vec<(String, u64)> {
        let chart = dom.split(&format!("id=\"{id}\"")).nth(1).unwrap();
        let chart = &chart[..chart.find("</figure>").unwrap()];
        chart
            .split("<g class=\"bar\" ")
            .skip(1)
            .map(|g| {
                let attr = |name: &str| {
                    let s = &g[g.find(&format!("{name}=\"")).unwrap() + name.len() + 2..];
                    s[..s.find('"').unwrap()].to_string()
                };
                (attr("data-label"), attr("data-value").parse().unwrap())
            })
            .collect()
    };
    assert_eq!(
        bars("by-provider"),
        [("aws".to_string(), 1001), ("azure".to_string(), 2)]
    );
    let countries = bars("by-country");
    assert!(countries.contains(&("nl".to_string(), 1)), "{countries:?}");
    assert!(countries.contains(&("de".to_string(), 1)), "{countries:?}");

    // Records and the waiver on the timeline, with their state.
    for id in ["R-USED", "R-UNUSED", "R-OLD", "commit.no_oracle"] {
        assert!(
            dom.contains(&format!("data-id=\"{id}\"")),
            "{id} on the timeline"
        );
    }
    assert!(dom.contains("in force, unused"));
    assert!(dom.contains("expired"));
    assert!(dom.contains("Nothing uses it &lt;any more&gt;."));

    // Policies with terms, status and reference; the inventory table.
    assert!(dom.contains("Azure commitment") && dom.contains("MACC §4.2"));
    assert!(dom.contains("at least 75% on azure"));
    let inventory = dom.split("id=\"inventory-table\"").nth(1).unwrap();
    assert_eq!(
        inventory[..inventory.find("</table>").unwrap()]
            .matches("<tr>")
            .count(),
        1 + 1003,
        "a header and a row per deployment"
    );

    let shot = out_dir.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let s = headless(
        &browser,
        &profile,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,2400".into(),
            url,
        ],
    );
    assert!(
        std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000),
        "no screenshot: {}",
        String::from_utf8_lossy(&s.stderr)
    );
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn markdown_report_of_a_repository_and_of_merged_results() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    repository(&repo, 3);
    let r = run_in(&repo, &["report", ".", "--format", "md", "--as-of", AS_OF]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = &r.stdout;
    for heading in [
        "# Cloud contract evidence — acme/payments",
        "## Contracts",
        "## Committed shares",
        "## Deployments",
        "## Refusal records and waivers",
        "## Findings by rule",
    ] {
        assert!(md.contains(heading), "{heading}:\n{md}");
    }
    assert!(
        md.contains("| commit.azure\\_first | azure | 2 of 6 (33.3%)"),
        "{md}"
    );
    assert_eq!(
        md.matches("](<https://github.com/acme/payments/blob/")
            .count(),
        6,
        "{md}"
    );
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains("R-UNUSED") && md.contains("in force, unused"));
    // Every deployment in the inventory, however many the findings hold.
    let deployments = md
        .split("Inventory: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok());
    assert_eq!(deployments, Some(6), "{md}");
    let inventory = md.split("Inventory: ").nth(1).unwrap();
    let rows = inventory[..inventory.find("</details>").unwrap()]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Location") && !l.starts_with("| ---"))
        .count();
    assert_eq!(rows, 6, "{md}");
}

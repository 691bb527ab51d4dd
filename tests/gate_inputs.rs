//! A gate that cannot be walked around, on the input side: every file the run could not or
//! must not read is a finding in every format (`cloudpact.unreadable`, `cloudpact.too-large`),
//! special files are never opened, links are followed only inside the repository, and
//! overlapping PATH arguments count nothing twice (docs/configuration.md, "Which files are
//! scanned").

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Run, binary, f, findings, run_in, write};
use serde_json::Value;

const DENY_AWS: &str = "policy p {\n  deny no_aws {\n    provider aws\n  }\n}\n";
const BUCKET: &str = "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n";

fn repo(root: &Path, extra: &[(&str, &str)]) {
    write(
        root,
        &[
            ("cloudpact.yaml", "policies: [policies/]\n"),
            ("policies/p.pact", DENY_AWS),
        ],
    );
    write(root, extra);
}

/// `run_in`, killed after `secs`: a walk that blocks on a FIFO must fail the test, not hang it.
fn run_within(dir: &Path, args: &[&str], secs: u64) -> Run {
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("`cloudpact {}` still runs after {secs} s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `(ruleId, uri, startLine, level)` of every SARIF result.
fn sarif_results(run: &Run) -> Vec<(String, String, u64, String)> {
    let doc: Value = run.json();
    doc["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap_or_default().to_string(),
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                loc["region"]["startLine"].as_u64().unwrap_or_default(),
                r["level"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The same findings in `json`, `sarif` and `human`, with the exit code of each.
fn every_format(dir: &Path, paths: &[&str], code: i32) -> Vec<(String, String, u64, String)> {
    let args = |format: &'static str| -> Vec<&str> {
        let mut a = vec!["check"];
        a.extend_from_slice(paths);
        a.extend(["--format", format]);
        a
    };
    let json = run_within(dir, &args("json"), 30);
    assert_eq!(json.code, code, "{}\n{}", json.stdout, json.stderr);
    let found = findings(&json.json());
    let sarif = run_within(dir, &args("sarif"), 30);
    assert_eq!(sarif.code, code, "{}", sarif.stderr);
    let in_sarif: Vec<_> = sarif_results(&sarif)
        .into_iter()
        .map(|(rule, uri, line, _)| (rule, uri, line))
        .collect();
    for (rule, path, line, _) in &found {
        let uri = path.replace('\u{fffd}', "%EF%BF%BD");
        assert!(
            in_sarif.contains(&(rule.clone(), uri.clone(), *line)),
            "{rule} at {uri}:{line} missing from SARIF: {in_sarif:?}"
        );
    }
    let human = run_within(dir, &args("human"), 30);
    assert_eq!(human.code, code, "{}", human.stderr);
    for (rule, path, _, _) in &found {
        assert!(
            human.stdout.contains(rule.as_str()) && human.stdout.contains(path.as_str()),
            "{rule} at {path} missing from human output:\n{}",
            human.stdout
        );
    }
    found
}

#[test]
fn a_file_over_the_size_limit_is_a_finding_in_every_format_and_its_severity_is_configurable() {
    let tmp = tempfile::tempdir().unwrap();
    repo(
        tmp.path(),
        &[
            (
                "cloudpact.yaml",
                "policies: [policies/]\nmax_file_size: 100\n",
            ),
            ("big/main.tf", &BUCKET.repeat(5)),
            ("small/main.tf", "# nothing\n"),
        ],
    );
    let found = every_format(tmp.path(), &[], 1);
    assert_eq!(
        found,
        vec![f("cloudpact.too-large", "big/main.tf", 1, "error")]
    );
    // Named on the command line, the same.
    let named = every_format(tmp.path(), &["big/main.tf"], 1);
    assert_eq!(named, found);
    // `too_large: warning` keeps it visible without failing the gate.
    write(
        tmp.path(),
        &[(
            "cloudpact.yaml",
            "policies: [policies/]\nmax_file_size: 100\ntoo_large: warning\n",
        )],
    );
    let lowered = every_format(tmp.path(), &[], 0);
    assert_eq!(
        lowered,
        vec![f("cloudpact.too-large", "big/main.tf", 1, "warning")]
    );
}

#[cfg(unix)]
#[test]
fn special_files_are_never_opened_and_each_is_a_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repo(root, &[("ok/main.tf", "# nothing\n")]);
    mkfifo(&root.join("pipe.tf"));
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.tf")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock.yaml")).unwrap();
    // A FIFO where the walk reads ignore rules: reading it would block forever.
    std::fs::create_dir_all(root.join("hidden")).unwrap();
    write(root, &[("hidden/main.tf", BUCKET)]);
    mkfifo(&root.join("hidden/.gitignore"));
    // Names that claim no syntax are not infrastructure, special or not.
    mkfifo(&root.join("notes.fifo"));
    let found = every_format(root, &[], 1);
    assert_eq!(
        found,
        vec![
            f("cloudpact.unreadable", "hidden/.gitignore", 1, "error"),
            f("cloudpact.unreadable", "pipe.tf", 1, "error"),
            f("cloudpact.unreadable", "sock.yaml", 1, "error"),
            f("cloudpact.unreadable", "zero.tf", 1, "error"),
        ]
    );
    // Named on the command line, a FIFO is not opened either.
    let named = every_format(root, &["pipe.tf"], 1);
    assert_eq!(
        named,
        vec![f("cloudpact.unreadable", "pipe.tf", 1, "error")]
    );
    // `unreadable: warning` lowers all of them.
    write(
        root,
        &[(
            "cloudpact.yaml",
            "policies: [policies/]\nunreadable: warning\n",
        )],
    );
    let run = run_within(root, &["check", "--format", "json"], 30);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        findings(&run.json())
            .iter()
            .all(|(rule, _, _, sev)| rule == "cloudpact.unreadable" && sev == "warning")
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_a_finding_shown_lossily() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repo(root, &[]);
    let name = std::ffi::OsStr::from_bytes(b"infra/m\xffin.tf");
    std::fs::create_dir_all(root.join("infra")).unwrap();
    if std::fs::write(root.join(name), BUCKET).is_err() {
        eprintln!("this file system refuses names that are not UTF-8; nothing to check");
        return;
    }
    // A name that claims no syntax is passed by, as any README would be.
    std::fs::write(
        root.join(std::ffi::OsStr::from_bytes(b"n\xffotes.txt")),
        "x",
    )
    .unwrap();
    let found = every_format(root, &[], 1);
    assert_eq!(
        found,
        vec![f(
            "cloudpact.unreadable",
            "infra/m\u{fffd}in.tf",
            1,
            "error"
        )]
    );
}

#[cfg(unix)]
#[test]
fn links_inside_the_repository_are_followed_once_and_links_out_of_it_are_reported() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), &[("evil.tf", BUCKET)]);
    let root = tmp.path();
    repo(
        root,
        &[
            // Not a name cloudpact reads: only the link to it makes it Terraform.
            ("shared/bucket.tf.txt", BUCKET),
            ("infra/variables.tf", "variable \"x\" {}\n"),
        ],
    );
    symlink("../shared/bucket.tf.txt", root.join("infra/main.tf")).unwrap();
    // A second path to the folder: its deployments are counted once, at their own path.
    symlink("infra", root.join("infra-again")).unwrap();
    // A loop, and links that leave the repository.
    symlink(".", root.join("loop")).unwrap();
    symlink(outside.path().join("evil.tf"), root.join("evil.tf")).unwrap();
    symlink("/", root.join("everything")).unwrap();
    // A link leading nowhere, with a name that claims HCL.
    symlink("gone.tf", root.join("dangling.tf")).unwrap();
    let found = every_format(root, &[], 1);
    assert_eq!(
        found,
        vec![
            f("cloudpact.unreadable", "dangling.tf", 1, "error"),
            f("cloudpact.unreadable", "everything", 1, "error"),
            f("cloudpact.unreadable", "evil.tf", 1, "error"),
            f("p.no_aws", "infra/main.tf", 1, "error"),
        ]
    );
    // Named, the link is read at its own path, as the walk reads it.
    let named = every_format(root, &["infra/main.tf"], 1);
    assert_eq!(named, vec![f("p.no_aws", "infra/main.tf", 1, "error")]);
    let named_out = every_format(root, &["evil.tf"], 1);
    assert_eq!(
        named_out,
        vec![f("cloudpact.unreadable", "evil.tf", 1, "error")]
    );
}

/// Whether this process can read a file without read permission (root can).
#[cfg(unix)]
fn reads_everything(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = dir.join("probe");
    std::fs::write(&probe, "x").unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&probe).is_ok();
    std::fs::remove_file(&probe).unwrap();
    readable
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_are_findings() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    if reads_everything(root) {
        eprintln!("running with permission to read everything (root): nothing to check");
        return;
    }
    repo(root, &[("locked/main.tf", BUCKET), ("secret.tf", BUCKET)]);
    let mode = |p: &str, m: u32| {
        std::fs::set_permissions(root.join(p), std::fs::Permissions::from_mode(m)).unwrap();
    };
    mode("locked", 0o000);
    mode("secret.tf", 0o000);
    let found = every_format(root, &[], 1);
    mode("locked", 0o755);
    assert_eq!(
        found,
        vec![
            f("cloudpact.unreadable", "locked", 1, "error"),
            f("cloudpact.unreadable", "secret.tf", 1, "error"),
        ]
    );
}

#[test]
fn explain_describes_the_reserved_ids_at_their_configured_severity() {
    let tmp = tempfile::tempdir().unwrap();
    repo(
        tmp.path(),
        &[(
            "cloudpact.yaml",
            "policies: [policies/]\ntoo_large: warning\n",
        )],
    );
    let run = run_in(tmp.path(), &["explain", "cloudpact.too-large"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("cloudpact.too-large — reserved rule id\nseverity:  warning\n")
    );
    assert!(run.stdout.contains("max_file_size"), "{}", run.stdout);
    let run = run_in(tmp.path(), &["explain", "cloudpact.unreadable"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("severity:  error"), "{}", run.stdout);
}

#[test]
fn ignore_directives_count_only_in_real_comments() {
    let tmp = tempfile::tempdir().unwrap();
    repo(
        tmp.path(),
        &[
            // Text in a value that looks like a comment suppresses nothing.
            (
                ".env",
                "NOTE=\"# cloudpact:ignore p.no_aws -- not a comment\"\nS3_ENDPOINT=https://s3.eu-west-1.amazonaws.com\n",
            ),
            (
                "main.tf",
                "locals { note = \"# cloudpact:ignore p.no_aws -- not a comment\" }\nresource \"aws_s3_bucket\" \"a\" {}\n",
            ),
            // A script in a block scalar is not YAML's comment: no unused suppression either.
            (
                "ci/workflow.yaml",
                "steps:\n  - run: |\n      # cloudpact:ignore p.no_aws -- a line of the script\n      echo hi\n",
            ),
            // A real comment still suppresses.
            (
                "waived/main.tf",
                "# cloudpact:ignore p.no_aws -- migrating in June\nresource \"aws_s3_bucket\" \"b\" {}\n",
            ),
        ],
    );
    let found = every_format(tmp.path(), &[], 1);
    assert_eq!(
        found,
        vec![
            f("p.no_aws", ".env", 2, "error"),
            f("p.no_aws", "main.tf", 2, "error"),
        ]
    );
}

#[test]
fn a_configured_provider_cannot_take_a_built_in_name() {
    let tmp = tempfile::tempdir().unwrap();
    repo(
        tmp.path(),
        &[
            (
                "cloudpact.yaml",
                "policies: [policies/]\nproviders:\n  - id: stargate\n    name: Stargate\n    aliases: [sg, aws]\n    terraform_prefixes: [aws_]\n",
            ),
            ("main.tf", BUCKET),
        ],
    );
    for args in [&["check"][..], &["policy", "check"]] {
        let run = run_in(tmp.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("cloudpact::config::bad-provider")
                && run.stderr.contains("cloudpact.yaml:5:")
                && run.stderr.contains("the built-in provider `aws`"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn refusal_globs_cannot_leave_the_repository() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("repo");
    write(
        outer.path(),
        &[(
            "stolen.yaml",
            "- id: R1\n  holder: azure\n  granted_to: [aws]\n  declined_on: 2025-01-21\n  reason: \"no\"\n",
        )],
    );
    repo(
        &root,
        &[
            (
                "policies/p.pact",
                "policy p {\n  first_refusal gpu {\n    holder   azure\n    refusals \"../../*.yaml\"\n  }\n}\n",
            ),
            ("main.tf", BUCKET),
        ],
    );
    let run = run_within(&root, &["check", "--format", "short"], 30);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("cloudpact::policy::refusals-outside-root")
            && run.stderr.contains("policies/p.pact:4:14"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_manifest_without_template_syntax_in_a_chart_is_read_as_kubernetes() {
    let tmp = tempfile::tempdir().unwrap();
    repo(
        tmp.path(),
        &[
            (
                "chart/Chart.yaml",
                "apiVersion: v2\nname: c\nversion: 1.0.0\n",
            ),
            (
                "chart/templates/svc.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: nlb\nspec:\n  type: LoadBalancer\n",
            ),
            // A Go template is still text: nothing here decides a provider.
            (
                "chart/templates/deploy.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
            ),
        ],
    );
    let found = every_format(tmp.path(), &[], 1);
    assert_eq!(
        found,
        vec![f("p.no_aws", "chart/templates/svc.yaml", 1, "error")]
    );
}

#[test]
fn overlapping_paths_count_every_deployment_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            ("cloudpact.yaml", "policies: [policies/]\n"),
            (
                "policies/s.pact",
                "policy s {\n  share gcp_share {\n    provider gcp\n    at_least 30%\n  }\n}\n",
            ),
            ("infra/main.tf", BUCKET),
            (
                "infra/more.tf",
                "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
            ),
            (
                "tf/main.tf",
                "resource \"google_storage_bucket\" \"c\" {\n  name = \"c\"\n}\n",
            ),
        ],
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink("infra", root.join("infra-again")).unwrap();
    let mut runs: Vec<Vec<&str>> = vec![
        vec!["check"],
        vec!["check", ".", "infra"],
        vec!["check", "infra", "."],
        vec!["check", ".", "infra", "tf/main.tf", "./tf/main.tf"],
    ];
    if cfg!(unix) {
        runs.push(vec!["check", ".", "infra-again", "infra-again/main.tf"]);
    }
    for mut args in runs {
        args.extend(["--format", "json"]);
        let run = run_in(root, &args);
        // One gcp deployment of three is 33%: a second count of infra would make it 20%.
        assert_eq!(run.code, 0, "{args:?}: {}", run.stdout);
        assert_eq!(run.json()["summary"]["deployments"], 3, "{args:?}");
    }
    // Named files, each named twice: each counted once.
    let run = run_in(
        root,
        &[
            "check",
            "tf/main.tf",
            "./tf/main.tf",
            "infra",
            "infra/main.tf",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.json()["summary"]["deployments"], 3, "{}", run.stdout);
}

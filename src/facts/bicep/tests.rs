use super::*;
use crate::facts::catalog::Catalog;
use crate::facts::endpoints::tests::{fixture, render_extraction};
use crate::facts::model::Kind;

fn run(rel: &str) -> (Arc<SourceFile>, Extraction) {
    let catalog = Catalog::builtin();
    let file = fixture(rel);
    let x = extract(&file, Ctx::new(&catalog));
    (file, x)
}

fn run_text(text: &str) -> Extraction {
    let catalog = Catalog::builtin();
    let file = Arc::new(SourceFile::new("t.bicep", text));
    extract(&file, Ctx::new(&catalog))
}

#[test]
fn declarations_children_loops_and_conditions() {
    let (file, x) = run("bicep/main.bicep");
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    let d = &x.deployments;
    let got: Vec<(usize, &str, &str)> = d
        .iter()
        .map(|d| {
            (
                file.line_col(d.span.start).line,
                d.name.as_str(),
                d.type_.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (25, "sa", "Microsoft.Storage/storageAccounts"),
            (39, "blob", "Microsoft.Storage/storageAccounts/blobServices"),
            (
                42,
                "container",
                "Microsoft.Storage/storageAccounts/blobServices/containers"
            ),
            (48, "vm", "Microsoft.Compute/virtualMachines"),
            (58, "nics", "Microsoft.Network/networkInterfaces"),
            (66, "secret", "Microsoft.KeyVault/vaults/secrets"),
            (71, "oneLine", "Microsoft.Network/dnsZones"),
        ]
    );
    assert!(d.iter().all(|d| d.provider.as_deref() == Some("azure")));
    let by = |n: &str| d.iter().find(|d| d.name == n).unwrap();
    assert_eq!(by("sa").region.as_deref(), Some("westeurope"));
    assert_eq!(by("sa").kind, Kind::Storage);
    assert_eq!(
        by("sa").tags.get("cost-center").map(String::as_str),
        Some("42")
    );
    assert!(!by("sa").tags.contains_key("owner"));
    assert_eq!(by("vm").region, None, "resourceGroup().location is unknown");
    assert_eq!(by("nics").region.as_deref(), Some("swedencentral"));
    assert_eq!(by("oneLine").region.as_deref(), Some("global"));
    insta::assert_snapshot!(render_extraction(&file, &x));
}

#[test]
fn no_provider_signal() {
    let (file, x) = run("bicep/none.bicep");
    assert_eq!(x.deployments.len(), 1);
    assert_eq!(x.deployments[0].provider, None);
    assert_eq!(x.deployments[0].region.as_deref(), Some("eastus"));
    insta::assert_snapshot!(render_extraction(&file, &x));
}

#[test]
fn hostile_but_valid() {
    let (file, x) = run("bicep/hostile.bicep");
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    assert_eq!(x.deployments.len(), 2);
    assert_eq!(x.deployments[1].region.as_deref(), Some("northeurope"));
    insta::assert_snapshot!(render_extraction(&file, &x));
}

#[test]
fn broken_files_are_parse_errors_at_the_position() {
    for (rel, line, col) in [
        ("bicep/unbalanced.bicep", 4, 13),
        ("bicep/unterminated.bicep", 3, 9),
        ("bicep/unclosed.bicep", 1, 62),
    ] {
        let (_, x) = run(rel);
        assert!(x.deployments.is_empty(), "{rel}");
        assert_eq!(x.errors.len(), 1, "{rel}");
        let (_, l, c) = x.errors[0].location().unwrap();
        assert_eq!((l, c), (line, col), "{rel}: {}", x.errors[0]);
    }
}

#[test]
fn odd_but_valid_syntax() {
    let x = run_text(
        "resource a 'Microsoft.Web/sites@2022-03-01' = {\n  resource: 'not a child'\n  name: 'x'\n}\n\
         @sys.description('d')\nresource b 'Microsoft.Web/sites@2022-03-01' = {\n  name: cond ? {\n    a: 1\n  } : {}\n  location: 'westus'\n}\n\
         output r resource 'Microsoft.Web/sites@2022-03-01' = b\n\
         type t = { resource: string }\n\
         var s = 'it\\'s ${'nested ${x}'} \\u{1F600}'\n",
    );
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    let names: Vec<&str> = x.deployments.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(x.deployments[1].region.as_deref(), Some("westus"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!("var x = {}", "[".repeat(100_000));
    let x = run_text(&text);
    assert_eq!(x.errors.len(), 1);
    let text = format!("var x = '{}'", "${'".repeat(10_000));
    let x = run_text(&text);
    assert_eq!(x.errors.len(), 1);
}

#[test]
fn junk_never_panics() {
    for text in [
        "",
        "resource",
        "resource x",
        "resource x 'y'",
        "resource x 'y' =",
        "'",
        "'''",
        "/*",
        "${",
        "'${",
        "'${'",
        "'\\u{",
        "'\\u{zz}'",
        "@",
        "param",
        "param x",
        "var = ",
        "}",
        "]",
        "é'",
        "resource x 'Microsoft.A/b@1' existing",
        "[for",
        "{ a: [for x in y: if (",
    ] {
        let _ = run_text(text);
    }
}

/// Recall and precision on the shared labelled corpus (ARM and Bicep folders), measured the
/// way `../shared/tools/accuracy.py` does. Run with
/// `cargo test --lib corpus_figures -- --ignored --nocapture`.
#[test]
#[ignore = "needs /work/shared/corpus"]
fn corpus_figures() {
    use std::collections::BTreeMap;
    let root = std::path::Path::new("/work/shared/corpus");
    let catalog = Catalog::builtin();
    let ctx = Ctx::new(&catalog);
    let line_re = regex::Regex::new(r"^\s*resource\s+\w+\s+'Microsoft\.[^']+'").unwrap();
    for folder in ["bicep-azure-avm", "arm-azure-samples"] {
        let (mut expected, mut got, mut known, mut right, mut errors) = (0, 0, 0, 0, 0);
        let mut missed: BTreeMap<String, usize> = BTreeMap::new();
        for entry in walkdir::WalkDir::new(root.join(folder)) {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = path.to_string_lossy().to_string();
            let is_bicep = name.ends_with(".bicep");
            if !(is_bicep || name.ends_with(".json")) {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            let file = Arc::new(SourceFile::new(name.clone(), text.clone()));
            let x = if is_bicep {
                extract(&file, ctx)
            } else {
                crate::facts::json::extract(&file, ctx)
            };
            if !x.errors.is_empty() {
                errors += 1;
                eprintln!("parse error: {}", x.errors[0]);
            }
            let exp = if is_bicep {
                // Every expected declaration line has an azure deployment on it.
                let lines: Vec<usize> = x
                    .deployments
                    .iter()
                    .filter(|d| d.provider.as_deref() == Some("azure"))
                    .map(|d| file.line_col(d.span.start).line)
                    .collect();
                for (i, l) in text.lines().enumerate() {
                    if line_re.is_match(l) && !l.contains(" existing") && !lines.contains(&(i + 1))
                    {
                        eprintln!("missed {name}:{}", i + 1);
                    }
                }
                text.lines()
                    .filter(|l| line_re.is_match(l) && !l.contains(" existing"))
                    .count()
            } else {
                serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .filter(|v| {
                        v.get("$schema")
                            .and_then(|s| s.as_str())
                            .is_some_and(|s| s.contains("deploymentTemplate.json"))
                    })
                    .map_or(0, |v| count_arm(v.get("resources")))
            };
            let found = x
                .deployments
                .iter()
                .filter(|d| d.provider.as_deref() == Some("azure"))
                .count();
            known += x
                .deployments
                .iter()
                .filter(|d| d.provider.is_some())
                .count();
            right += found;
            expected += exp;
            got += found.min(exp);
            if found < exp {
                missed.insert(name, exp - found);
            }
        }
        eprintln!(
            "{folder}: precision {right}/{known}, recall {got}/{expected} ({:.4}), parse errors {errors}, missed {missed:?}",
            got as f64 / expected.max(1) as f64
        );
        assert!(got as f64 >= 0.99 * expected as f64);
        assert_eq!(right, known);
    }
}

fn count_arm(resources: Option<&serde_json::Value>) -> usize {
    resources.and_then(|r| r.as_array()).map_or(0, |items| {
        items
            .iter()
            .filter(|r| {
                r.get("type")
                    .and_then(|t| t.as_str())
                    .is_some_and(|t| t.starts_with("Microsoft."))
            })
            .map(|r| 1 + count_arm(r.get("resources")))
            .sum()
    })
}

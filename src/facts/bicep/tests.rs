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

/// The deployments of a set of Bicep files extracted as their unit.
fn run_unit(files: &[(&str, &str)]) -> Extraction {
    let catalog = Catalog::builtin();
    let inputs: Vec<Input> = files
        .iter()
        .map(|(path, text)| Input {
            file: Arc::new(SourceFile::new(*path, *text)),
            syntax: crate::discover::Syntax::Bicep,
        })
        .collect();
    extract_unit(&inputs, Ctx::new(&catalog))
}

/// `path:line name region | region evidence` of every deployment, sorted.
fn summary(x: &Extraction) -> Vec<String> {
    let mut v: Vec<String> = x
        .deployments
        .iter()
        .map(|d| {
            let evidence: Vec<&str> = d
                .evidence_for(Attr::Region)
                .map(|e| e.text.as_str())
                .collect();
            format!(
                "{}@{} {} {} | {}",
                d.path,
                d.span.start,
                d.name,
                d.region.as_deref().unwrap_or("-"),
                evidence.join("; ")
            )
        })
        .collect();
    v.sort();
    v
}

const MAIN: &str = "param location string = 'northeurope'\nresource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'sa'\n  location: location\n}\n";

#[test]
fn a_bicepparam_file_is_one_instance_of_its_template() {
    let x = run_unit(&[
        ("infra/main.bicep", MAIN),
        (
            "infra/main.bicepparam",
            "using './main.bicep'\n\nparam location = 'westeurope'\n",
        ),
    ]);
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    assert_eq!(
        summary(&x),
        [
            "infra/main.bicep@38 sa westeurope | parameter location 'westeurope' in infra/main.bicepparam:3"
        ]
    );
}

#[test]
fn each_parameter_file_is_its_own_instance_and_the_defaults_stand_alone() {
    let x = run_unit(&[
        ("main.bicep", MAIN),
        (
            "dev.bicepparam",
            "using 'main.bicep'\nparam location = 'swedencentral'\n",
        ),
        (
            "prod.bicepparam",
            "using './main.bicep'\nvar where = 'eastus'\nparam location = where\n",
        ),
        // Same values as another file: the same deployment, once.
        (
            "prod2.bicepparam",
            "using './main.bicep'\nparam location = 'eastus'\n",
        ),
        // Sets nothing the template reads: the defaults.
        (
            "other.bicepparam",
            "using './main.bicep'\nparam unused = 1\n",
        ),
        // Not a literal: unknown, not the default.
        (
            "env.bicepparam",
            "using './main.bicep'\nparam location = readEnvironmentVariable('LOC')\n",
        ),
        // A template without a parameter file: its defaults.
        ("alone.bicep", MAIN),
    ]);
    assert_eq!(
        summary(&x),
        [
            "alone.bicep@38 sa northeurope | parameter location default 'northeurope' in alone.bicep:1",
            "main.bicep@38 sa - | ",
            "main.bicep@38 sa eastus | parameter location 'eastus' in prod.bicepparam:2",
            "main.bicep@38 sa eastus | parameter location 'eastus' in prod2.bicepparam:2",
            "main.bicep@38 sa northeurope | parameter location default 'northeurope' in main.bicep:1",
            "main.bicep@38 sa swedencentral | parameter location 'swedencentral' in dev.bicepparam:2",
        ]
    );
}

const STORAGE: &str = "param location string = resourceGroup().location\nparam sku string = 'Standard_LRS'\nresource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st'\n  location: location\n}\n";

#[test]
fn module_calls_bind_their_params_and_name_the_call_site() {
    let x = run_unit(&[
        (
            "infra/main.bicep",
            concat!(
                "param location string = 'westeurope'\n",
                "module direct './modules/storage.bicep' = {\n  name: 'a'\n  params: {\n    location: 'eastus'\n  }\n}\n",
                "module passed 'modules/storage.bicep' = {\n  name: 'b'\n  params: {\n    location: location\n  }\n}\n",
                "module defaulted './modules/storage.bicep' = {\n  name: 'c'\n  params: {}\n}\n",
                "module app './modules/app.bicep' = {\n  name: 'd'\n  params: {\n    where: 'francecentral'\n  }\n}\n",
                "module registry 'br/public:avm/res/storage/storage-account:0.9.0' = {\n  name: 'e'\n}\n",
                "module missing './nowhere.bicep' = {\n  name: 'f'\n}\n",
            ),
        ),
        ("infra/modules/storage.bicep", STORAGE),
        (
            "infra/modules/app.bicep",
            "param where string\nmodule inner './storage.bicep' = {\n  name: 'g'\n  params: {\n    location: where\n  }\n}\n",
        ),
    ]);
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    // The module file is not evaluated on its own: every instance comes from a call.
    assert_eq!(
        summary(&x),
        [
            "infra/modules/storage.bicep@83 st - | ",
            "infra/modules/storage.bicep@83 st eastus | parameter location 'eastus' in infra/main.bicep:5, via module direct (infra/main.bicep:2)",
            "infra/modules/storage.bicep@83 st francecentral | parameter where 'francecentral' in infra/main.bicep:21, via module app (infra/main.bicep:18), module inner (infra/modules/app.bicep:2)",
            "infra/modules/storage.bicep@83 st westeurope | parameter location default 'westeurope' in infra/main.bicep:1, via module passed (infra/main.bicep:8)",
        ]
    );
}

#[test]
fn a_bicepparam_value_reaches_through_a_module() {
    let x = run_unit(&[
        (
            "main.bicep",
            "param location string\nmodule st 'storage.bicep' = {\n  name: 'st'\n  params: {\n    location: location\n  }\n}\n",
        ),
        (
            "main.bicepparam",
            "using 'main.bicep'\nparam location = 'uksouth'\n",
        ),
        ("storage.bicep", STORAGE),
    ]);
    assert_eq!(
        summary(&x),
        [
            "storage.bicep@83 st uksouth | parameter location 'uksouth' in main.bicepparam:2, via module st (main.bicep:2)"
        ]
    );
}

#[test]
fn module_cycles_and_deep_chains_end() {
    let calls = |next: &str| {
        format!(
            "{STORAGE}module next '{next}' = {{\n  name: 'n'\n  params: {{\n    location: 'eastus'\n  }}\n}}\n"
        )
    };
    // a → b → a: neither is called from outside, so `a` stands alone, calls `b`, and the
    // call back to `a` is cut.
    let a = calls("./b.bicep");
    let b = calls("./a.bicep");
    let x = run_unit(&[("a.bicep", &a), ("b.bicep", &b)]);
    assert_eq!(x.deployments.len(), 2, "{:?}", summary(&x));
    // A chain longer than the limit is cut there; the files past it are evaluated on their
    // own (once each), as a file no instance reaches is.
    let files: Vec<(String, String)> = (0..MAX_MODULE_DEPTH + 10)
        .map(|i| (format!("m{i}.bicep"), calls(&format!("./m{}.bicep", i + 1))))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let x = run_unit(&refs);
    assert_eq!(x.deployments.len(), files.len());
    let first_cut = format!("m{}.bicep", MAX_MODULE_DEPTH + 1);
    let cut = x
        .deployments
        .iter()
        .find(|d| *d.path == *first_cut)
        .unwrap();
    assert!(
        cut.evidence_for(Attr::Region)
            .all(|e| !e.text.contains("via module")),
        "{cut:?}"
    );
}

#[test]
fn local_targets_resolve_relative_to_the_calling_file() {
    assert_eq!(
        local_target("infra/main.bicep", "./a.bicep").as_deref(),
        Some("infra/a.bicep")
    );
    assert_eq!(
        local_target("infra/main.bicep", "../x/a.bicep").as_deref(),
        Some("x/a.bicep")
    );
    assert_eq!(
        local_target("main.bicep", "mods/a.bicep").as_deref(),
        Some("mods/a.bicep")
    );
    assert_eq!(local_target("main.bicep", "../a.bicep"), None);
    assert_eq!(local_target("main.bicep", "br/public:avm/x:1.0"), None);
    assert_eq!(local_target("main.bicep", "ts:sub/rg/spec:1.0"), None);
}

//! Terraform extraction on fixture modules (tests/fixtures/terraform), inline snippets, and
//! the acceptance cases' Terraform files (copied under tests/fixtures/terraform/cases).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::facts::catalog::Catalog;
use crate::facts::model::{Deployment, Kind};
use crate::source::SourceFile;

mod json;
mod modules;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/terraform")
}

/// The `.tf` and `.tfvars` files of a fixture directory, with paths relative to the fixtures.
fn load_dir(rel: &str) -> Vec<Arc<SourceFile>> {
    load_from(&fixtures().join(rel), rel)
}

/// The Terraform files of an acceptance case (`tests/cases/`), shown under `shown`.
fn load_case(case_dir: &str, shown: &str) -> Vec<Arc<SourceFile>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(case_dir);
    load_from(&dir, shown)
}

fn load_from(dir: &std::path::Path, rel: &str) -> Vec<Arc<SourceFile>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tf") || n.ends_with(".tfvars"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(&n)).unwrap();
            Arc::new(SourceFile::new(format!("{rel}/{n}"), text))
        })
        .collect()
}

fn files(list: &[(&str, &str)]) -> Vec<Arc<SourceFile>> {
    list.iter()
        .map(|(p, t)| Arc::new(SourceFile::new(*p, *t)))
        .collect()
}

fn run(files: &[Arc<SourceFile>]) -> Extraction {
    let catalog = Catalog::builtin();
    let mut x = extract_module(files, Ctx::new(&catalog));
    for d in &mut x.deployments {
        crate::facts::resolve_country(d, &catalog);
    }
    x.deployments
        .sort_by(|a, b| (&a.path, a.span.start).cmp(&(&b.path, b.span.start)));
    x
}

fn line(files: &[Arc<SourceFile>], d: &Deployment) -> usize {
    let f = files.iter().find(|f| f.path == d.path).unwrap();
    f.line_col(d.span.start).line
}

/// One block per deployment: where, what, and the evidence, as a user reads `inventory`.
fn render(files: &[Arc<SourceFile>], x: &Extraction) -> String {
    let mut out = String::new();
    for d in &x.deployments {
        let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        write!(
            out,
            "{}:{} {} {}.{} provider={} kind={} service={} region={} country={}",
            d.path,
            line(files, d),
            d.format,
            d.type_,
            d.name,
            d.provider.as_deref().unwrap_or("-"),
            d.kind,
            opt(&d.service),
            opt(&d.region),
            opt(&d.country),
        )
        .unwrap();
        if d.gpu {
            out.push_str(" gpu");
        }
        if !d.tags.is_empty() {
            let tags: Vec<String> = d.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            write!(out, " tags={{{}}}", tags.join(",")).unwrap();
        }
        out.push('\n');
        for e in &d.evidence {
            writeln!(out, "    {:?}: {}", e.attr, e.text).unwrap();
        }
    }
    for e in &x.errors {
        writeln!(out, "error {e}").unwrap();
    }
    out
}

fn find<'a>(x: &'a Extraction, ty: &str, name: &str) -> &'a Deployment {
    x.deployments
        .iter()
        .find(|d| d.type_ == ty && d.name == name)
        .unwrap_or_else(|| panic!("no {ty}.{name}"))
}

#[test]
fn module_inventory() {
    let files = load_dir("module");
    let x = run(&files);
    // `./modules/naming` is not in the fixture: a located warning, not a parse error.
    let [warning] = x.errors.as_slice() else {
        panic!("{:?}", x.errors)
    };
    assert_eq!(warning.code, crate::diag::code::UNRESOLVED_MODULE);
    assert!(warning.message.contains("./modules/naming"));
    insta::assert_snapshot!(render(&files, &x));
}

#[test]
fn backends_inventory() {
    let files = load_dir("backends");
    let x = run(&files);
    insta::assert_snapshot!(render(&files, &x));
}

#[test]
fn module_resolution_details() {
    let files = load_dir("module");
    let x = run(&files);
    let d = find(&x, "aws_instance", "trainer");
    // eu.auto.tfvars beats terraform.tfvars beats the default.
    assert_eq!(d.region.as_deref(), Some("eu-west-1"));
    assert!(d.gpu, "var.gpu_instance_type default g5.2xlarge");
    assert_eq!(d.tags.get("owner").map(String::as_str), Some("platform"));
    // Alias through the meta-argument.
    assert_eq!(
        find(&x, "aws_s3_bucket", "us_logs").region.as_deref(),
        Some("us-east-1")
    );
    // Zone → region.
    assert_eq!(
        find(&x, "aws_instance", "bastion").region.as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(
        find(&x, "google_container_cluster", "ml").region.as_deref(),
        Some("europe-west1")
    );
    // Through another resource's attribute, and a tfvars override of a default.
    let aks = find(&x, "azurerm_kubernetes_cluster", "aks");
    assert_eq!(aks.region.as_deref(), Some("francecentral"));
    assert!(aks.gpu);
    // Unresolvable: a variable without default or tfvars value.
    let scratch = find(&x, "google_storage_bucket", "scratch");
    assert_eq!(scratch.provider.as_deref(), Some("gcp"));
    assert_eq!(scratch.region, None);
    // Multi-region: region kept, no country.
    let datasets = find(&x, "google_storage_bucket", "datasets");
    assert_eq!(datasets.region.as_deref(), Some("eu"));
    assert_eq!(datasets.country, None);
    // Non-cloud providers.
    for (ty, name) in [
        ("random_id", "suffix"),
        ("null_resource", "wait"),
        ("kubernetes_namespace", "apps"),
        ("tls_private_key", "ssh"),
    ] {
        let d = find(&x, ty, name);
        assert_eq!(d.provider, None, "{ty}");
        assert_eq!(d.kind, Kind::Other, "{ty}");
    }
    // Not deployments.
    assert!(
        !x.deployments
            .iter()
            .any(|d| d.type_ == "aws_caller_identity")
    );
    assert!(!x.deployments.iter().any(|d| d.name == "naming"));
    // Deep, long and CRLF lines keep positions.
    let sqs = find(&x, "aws_sqs_queue", "after_the_long_line");
    assert_eq!(line(&files, sqs), 9);
    let kms = find(&x, "aws_kms_key", "bom");
    assert_eq!(line(&files, kms), 1);
}

#[test]
fn variable_default_is_used_without_tfvars() {
    let f = files(&[
        (
            "m/main.tf",
            "resource \"aws_vpc\" \"v\" {\n  region = var.r\n}\n",
        ),
        (
            "m/variables.tf",
            "variable \"r\" {\n  default = \"eu-north-1\"\n}\n",
        ),
    ]);
    let d = &run(&f).deployments[0];
    assert_eq!(d.region.as_deref(), Some("eu-north-1"));
    assert_eq!(d.country.as_deref(), Some("se"));
    let e = d
        .evidence_for(crate::facts::model::Attr::Region)
        .next()
        .unwrap();
    assert_eq!(e.text, "region from var.r default in m/variables.tf:2");
}

#[test]
fn tfvars_override_defaults_and_conflicting_var_files_are_unknown() {
    let base = [
        (
            "m/main.tf",
            "resource \"aws_vpc\" \"v\" {\n  region = var.r\n}\n",
        ),
        (
            "m/variables.tf",
            "variable \"r\" {\n  default = \"eu-north-1\"\n}\n",
        ),
    ];
    let mut with_tfvars = base.to_vec();
    with_tfvars.push(("m/terraform.tfvars", "r = \"eu-south-1\"\n"));
    assert_eq!(
        run(&files(&with_tfvars)).deployments[0].region.as_deref(),
        Some("eu-south-1")
    );
    let mut agreeing = with_tfvars.clone();
    agreeing.push(("m/prod.tfvars", "r = \"eu-west-2\"\n"));
    assert_eq!(
        run(&files(&agreeing)).deployments[0].region.as_deref(),
        Some("eu-west-2")
    );
    let mut conflicting = agreeing.clone();
    conflicting.push(("m/dev.tfvars", "r = \"us-east-2\"\n"));
    assert_eq!(run(&files(&conflicting)).deployments[0].region, None);
}

#[test]
fn locals_and_interpolations_resolve_but_expressions_do_not() {
    let f = files(&[(
        "m/main.tf",
        concat!(
            "locals {\n  r = \"ca-central-1\"\n  cycle = local.cycle\n}\n",
            "resource \"aws_vpc\" \"a\" {\n  region = \"${local.r}\"\n}\n",
            "resource \"aws_vpc\" \"b\" {\n  region = \"${local.r}x\"\n}\n",
            "resource \"aws_vpc\" \"c\" {\n  region = local.cycle\n}\n",
            "resource \"aws_vpc\" \"d\" {\n  region = var.undeclared\n}\n",
            "resource \"aws_vpc\" \"e\" {\n  region = data.aws_region.current.name\n}\n",
        ),
    )]);
    let x = run(&f);
    let r = |n: &str| find(&x, "aws_vpc", n).region.clone();
    assert_eq!(r("a").as_deref(), Some("ca-central-1"));
    assert_eq!(r("b"), None);
    assert_eq!(r("c"), None);
    assert_eq!(r("d"), None);
    assert_eq!(r("e"), None);
}

#[test]
fn an_unresolvable_own_region_does_not_fall_back_to_the_provider() {
    let f = files(&[(
        "m/main.tf",
        concat!(
            "provider \"google\" {\n  region = \"europe-west9\"\n}\n",
            "resource \"google_container_cluster\" \"c\" {\n  location = var.nowhere\n}\n",
            "resource \"google_pubsub_topic\" \"t\" {\n  name = \"t\"\n}\n",
        ),
    )]);
    let x = run(&f);
    assert_eq!(find(&x, "google_container_cluster", "c").region, None);
    let t = find(&x, "google_pubsub_topic", "t");
    assert_eq!(t.region.as_deref(), Some("europe-west9"));
    let e = t
        .evidence_for(crate::facts::model::Attr::Region)
        .next()
        .unwrap();
    assert_eq!(
        e.text,
        "region \"europe-west9\" in provider \"google\" block in m/main.tf:1"
    );
}

#[test]
fn required_providers_and_meta_arguments_decide_the_provider() {
    let f = files(&[(
        "m/main.tf",
        concat!(
            "terraform {\n  required_providers {\n",
            "    gb = { source = \"hashicorp/google-beta\" }\n",
            "  }\n}\n",
            "provider \"gb\" {\n  region = \"asia-east1\"\n}\n",
            "resource \"google_compute_network\" \"n\" {\n  provider = gb\n}\n",
            "resource \"aws_vpc\" \"west\" {\n  provider = aws.west\n}\n",
            "provider \"aws\" {\n  alias = \"west\"\n  region = \"us-west-2\"\n}\n",
        ),
    )]);
    let x = run(&f);
    let n = find(&x, "google_compute_network", "n");
    assert_eq!(n.provider.as_deref(), Some("gcp"));
    assert_eq!(n.region.as_deref(), Some("asia-east1"));
    assert!(
        n.evidence[0].text.contains("hashicorp/google-beta"),
        "{:?}",
        n.evidence
    );
    let w = find(&x, "aws_vpc", "west");
    assert_eq!(w.region.as_deref(), Some("us-west-2"));
    assert_eq!(w.country.as_deref(), Some("us"));
}

#[test]
fn azapi_resources_take_the_kind_of_their_arm_type() {
    let f = files(&[(
        "m/main.tf",
        concat!(
            "resource \"azapi_resource\" \"app\" {\n",
            "  type     = \"Microsoft.App/containerApps@2024-03-01\"\n",
            "  location = \"swedencentral\"\n}\n",
        ),
    )]);
    let x = run(&f);
    let d = &x.deployments[0];
    assert_eq!(d.provider.as_deref(), Some("azure"));
    assert_eq!(d.kind, Kind::Serverless);
    assert_eq!(d.service.as_deref(), Some("container-apps"));
    assert_eq!(d.region.as_deref(), Some("swedencentral"));
}

#[test]
fn registry_modules_of_unknown_providers_are_not_deployments() {
    let f = files(&[(
        "m/main.tf",
        concat!(
            "module \"ip\" {\n  source = \"lonegunmanb/public-ip/lonegunmanb\"\n}\n",
            "module \"certs\" {\n  source = \"terraform-iaac/cert-manager/kubernetes\"\n}\n",
            "module \"gke\" {\n  source = \"terraform-google-modules/kubernetes-engine/google\"\n",
            "  region = \"europe-west3\"\n}\n",
        ),
    )]);
    let x = run(&f);
    assert_eq!(x.deployments.len(), 1);
    let d = &x.deployments[0];
    assert_eq!((d.type_.as_str(), d.name.as_str()), ("module", "gke"));
    assert_eq!(d.provider.as_deref(), Some("gcp"));
    assert_eq!(d.region.as_deref(), Some("europe-west3"));
    assert_eq!(d.country.as_deref(), Some("de"));
}

#[test]
fn deployment_location_is_the_block_keyword() {
    let text = "\n\n  # comment\n  resource \"aws_vpc\" \"v\" {\n  }\n";
    let f = files(&[("m/main.tf", text)]);
    let x = run(&f);
    let d = &x.deployments[0];
    assert_eq!(&text[d.span.start..d.span.start + 8], "resource");
    assert_eq!(line(&f, d), 4);
}

#[test]
fn acceptance_v1_single_cloud() {
    let files = load_case("v1-single-cloud/repo/terraform", "cases/v1");
    let x = run(&files);
    assert!(x.errors.is_empty());
    let got: Vec<_> = x
        .deployments
        .iter()
        .map(|d| {
            (
                line(&files, d),
                d.provider.as_deref().unwrap_or("-").to_string(),
                d.kind,
                d.region.clone(),
                d.country.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                6,
                "gcp".into(),
                Kind::Kubernetes,
                Some("europe-west9".into()),
                Some("fr".into())
            ),
            (
                11,
                "azure".into(),
                Kind::Kubernetes,
                Some("francecentral".into()),
                Some("fr".into())
            ),
            (
                18,
                "gcp".into(),
                Kind::Storage,
                Some("europe-west9".into()),
                Some("fr".into())
            ),
        ]
    );
    let azure = &x.deployments[1];
    assert!(
        azure.evidence.iter().any(|e| e
            .text
            .contains("var.location default in cases/v1/variables.tf:2")),
        "{:?}",
        azure.evidence
    );
    insta::assert_snapshot!(render(&files, &x));
}

#[test]
fn acceptance_v2_first_refusal() {
    let east = load_case("v2-first-refusal/repo/clusters/east", "cases/v2-east");
    let x = run(&east);
    let got: Vec<_> = x
        .deployments
        .iter()
        .map(|d| {
            (
                d.path.to_string(),
                line(&east, d),
                d.provider.as_deref().map(str::to_string),
                d.kind,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "cases/v2-east/aks.tf".into(),
                1,
                Some("azure".into()),
                Kind::Kubernetes
            ),
            (
                "cases/v2-east/eks.tf".into(),
                1,
                Some("aws".into()),
                Kind::Kubernetes
            ),
        ]
    );
    let west = load_case("v2-first-refusal/repo/clusters/west", "cases/v2-west");
    let x = run(&west);
    assert_eq!(x.deployments.len(), 1);
    assert_eq!(x.deployments[0].provider.as_deref(), Some("gcp"));
    assert_eq!(x.deployments[0].region.as_deref(), Some("us-west4"));
    assert_eq!(line(&west, &x.deployments[0]), 1);
}

#[test]
fn acceptance_v4_broken_file_is_a_parse_error_and_its_sibling_still_counts() {
    let files = load_case("v4-broken-inputs/repo/infra", "cases/v4");
    let x = run(&files);
    assert_eq!(x.errors.len(), 1);
    let e = &x.errors[0];
    assert_eq!(e.code, "cloudpact.parse-error");
    assert_eq!(
        e.file.as_ref().unwrap().path.as_ref(),
        "cases/v4/unterminated.tf"
    );
    assert!(e.primary_span().unwrap().start > 0);
    assert_eq!(x.deployments.len(), 1);
    let d = &x.deployments[0];
    assert_eq!(d.path.as_ref(), "cases/v4/ok.tf");
    assert_eq!(d.provider.as_deref(), Some("azure"));
    assert_eq!(d.region.as_deref(), Some("westeurope"));
    assert_eq!(line(&files, d), 1);
    insta::assert_snapshot!(render(&files, &x));
}

#[test]
fn broken_tfvars_is_a_parse_error_and_defaults_still_apply() {
    let f = files(&[
        (
            "m/main.tf",
            "resource \"aws_vpc\" \"v\" {\n  region = var.r\n}\n",
        ),
        (
            "m/variables.tf",
            "variable \"r\" {\n  default = \"eu-north-1\"\n}\n",
        ),
        ("m/terraform.tfvars", "r = \n"),
    ]);
    let x = run(&f);
    assert_eq!(x.errors.len(), 1);
    assert_eq!(x.deployments[0].region.as_deref(), Some("eu-north-1"));
}

/// Accuracy on a labelled corpus: `CLOUDPACT_TF_CORPUS=/path/to/corpus cargo test --lib
/// corpus_sweep -- --ignored --nocapture`. Prints, per top-level folder, parse errors and the
/// deployments by provider, and every deployment whose provider is not the folder's label.
#[test]
#[ignore = "needs a corpus on disk"]
fn corpus_sweep() {
    let Ok(root) = std::env::var("CLOUDPACT_TF_CORPUS") else {
        return;
    };
    let root = Path::new(&root);
    let labels: Vec<(String, String)> = std::fs::read_to_string(root.join("LABELS.tsv"))
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once('\t'))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let mut dirs: std::collections::BTreeMap<String, Vec<Arc<SourceFile>>> = Default::default();
    for entry in walkdir::WalkDir::new(root).into_iter().flatten() {
        let p = entry.path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !(name.ends_with(".tf") || name.ends_with(".tfvars"))
            || p.components().any(|c| c.as_os_str() == ".terraform")
        {
            continue;
        }
        let rel = p
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        dirs.entry(dir)
            .or_default()
            .push(Arc::new(SourceFile::new(rel, text)));
    }
    let catalog = Catalog::builtin();
    let mut stats: std::collections::BTreeMap<String, (usize, usize, usize, usize, usize)> =
        Default::default();
    for files in dirs.values() {
        let x = extract_module(files, Ctx::new(&catalog));
        for e in &x.errors {
            println!("PARSE {e}");
        }
        for d in &x.deployments {
            let label = labels.iter().find(|(p, _)| d.path.starts_with(p.as_str()));
            let top = d.path.split('/').next().unwrap().to_string();
            let s = stats.entry(top).or_default();
            s.0 += 1;
            if d.provider.is_some() {
                s.1 += 1;
            }
            if d.region.is_some() {
                s.3 += 1;
            }
            if d.provider.is_none() {
                println!("UNKNOWN {} {} {}", d.type_, d.name, d.path);
            }
            println!(
                "KIND {} {} {}",
                d.type_,
                d.kind,
                d.region.as_deref().unwrap_or("-")
            );
            if let Some((_, want)) = label {
                match &d.provider {
                    Some(p) if p.as_ref() != want => {
                        s.2 += 1;
                        println!(
                            "WRONG {}:{} {} {} -> {p}",
                            d.path,
                            line(files, d),
                            d.type_,
                            d.name
                        );
                    }
                    None if catalog.by_terraform_type(&d.type_).is_some() => {
                        s.4 += 1;
                        println!("MISSED {}:{} {}", d.path, line(files, d), d.type_);
                    }
                    _ => {}
                }
            }
        }
    }
    for (top, (n, known, wrong, region, missed)) in stats {
        println!(
            "{top}: deployments {n}, provider known {known}, wrong {wrong}, missed {missed}, region known {region}"
        );
    }
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    fn fixture_text() -> String {
        [
            "module/aws.tf",
            "module/gcp.tf",
            "module/providers.tf",
            "module/variables.tf",
        ]
        .iter()
        .map(|p| std::fs::read_to_string(fixtures().join(p)).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
    }

    fn check(text: &str) {
        let f = files(&[("m/main.tf", text), ("m/terraform.tfvars", text)]);
        let x = run(&f);
        for d in &x.deployments {
            assert!(d.span.start <= d.span.end && d.span.end <= text.len());
            assert!(text.is_char_boundary(d.span.start));
        }
        for e in &x.errors {
            let s = e.primary_span().unwrap();
            assert!(s.end <= text.len() && text.is_char_boundary(s.start));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A module cut anywhere, with anything spliced in, never panics and keeps spans in
        /// the file.
        #[test]
        fn mangled_modules_never_panic(cut in 0usize..4000, insert in "\\PC{0,12}") {
            let mut text = fixture_text();
            let at = crate::source::clamp_to_char_boundary(&text, cut);
            text.insert_str(at, &insert);
            check(&text);
            check(&text[..at]);
        }
    }
}

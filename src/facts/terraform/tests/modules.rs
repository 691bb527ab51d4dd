//! The module graph: instances of called folders, arguments, providers passed down, Terragrunt,
//! configured variable files, and graphs that must end (cycles, deep chains, missing folders).

use std::sync::Arc;

use crate::diag::code;
use crate::discover::{Input, Syntax};
use crate::facts::catalog::Catalog;
use crate::facts::model::{Attr, Deployment};
use crate::facts::terraform::{Folder, extract_folders};
use crate::facts::{Ctx, Extraction, VarFiles};
use crate::source::SourceFile;

/// Extracts files given as (path, text), grouped by folder as `check` groups them.
fn extract_with(files: &[(&str, &str)], var_files: &VarFiles) -> Extraction {
    let mut by_dir: std::collections::BTreeMap<&str, Vec<Input>> = Default::default();
    for (path, text) in files {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let syntax = if path.ends_with(".json") {
            Syntax::Json
        } else {
            Syntax::Hcl
        };
        by_dir.entry(dir).or_default().push(Input {
            file: Arc::new(SourceFile::new(*path, *text)),
            syntax,
        });
    }
    let folders: Vec<Folder> = by_dir
        .into_iter()
        .map(|(dir, inputs)| Folder::parse(dir.into(), &inputs))
        .collect();
    let catalog = Catalog::builtin();
    let ctx = Ctx {
        catalog: &catalog,
        var_files,
    };
    let mut x = extract_folders(&folders, ctx);
    x.deployments.sort_by_key(Deployment::address);
    x
}

fn extract(files: &[(&str, &str)]) -> Extraction {
    extract_with(files, &VarFiles::new())
}

fn region_evidence(d: &Deployment) -> String {
    d.evidence_for(Attr::Region)
        .next()
        .map(|e| e.text.to_string())
        .unwrap_or_default()
}

const BUCKET_MODULE: (&str, &str) = (
    "modules/bucket/main.tf",
    "variable \"location\" {\n  default = \"EU\"\n}\n\nresource \"google_storage_bucket\" \"this\" {\n  name     = \"b\"\n  location = var.location\n}\n",
);

#[test]
fn each_call_is_an_instance_with_its_arguments() {
    let x = extract(&[
        BUCKET_MODULE,
        (
            "live/main.tf",
            "locals {\n  where = \"us-east4\"\n}\n\nmodule \"raw\" {\n  source   = \"../modules/bucket\"\n  location = local.where\n}\n\nmodule \"eu\" {\n  source = \"../modules/bucket\"\n}\n",
        ),
    ]);
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    // Two instances; the module folder is not also evaluated on its own.
    let addresses: Vec<String> = x.deployments.iter().map(Deployment::address).collect();
    assert_eq!(
        addresses,
        [
            "module.eu.google_storage_bucket.this",
            "module.raw.google_storage_bucket.this"
        ]
    );
    let raw = &x.deployments[1];
    assert_eq!(raw.region.as_deref(), Some("us-east4"));
    assert_eq!(&*raw.path, "modules/bucket/main.tf");
    assert_eq!(
        region_evidence(raw),
        "location from var.location = module.raw argument in live/main.tf:7, local.where in live/main.tf:2"
    );
    assert_eq!(raw.calls.len(), 1);
    assert_eq!(&*raw.calls[0].path, "live/main.tf");
    assert_eq!(raw.calls[0].name, "module.raw");
    // Not passed: the module's default.
    assert_eq!(x.deployments[0].region.as_deref(), Some("eu"));
}

#[test]
fn providers_are_inherited_or_passed_by_alias() {
    let x = extract(&[
        (
            "modules/cache/main.tf",
            "resource \"aws_s3_bucket\" \"cache\" {\n  bucket = \"c\"\n}\n",
        ),
        (
            "app/main.tf",
            "provider \"aws\" {\n  region = \"eu-west-3\"\n}\n\nprovider \"aws\" {\n  alias  = \"tokyo\"\n  region = \"ap-northeast-1\"\n}\n\nmodule \"here\" {\n  source = \"../modules/cache\"\n}\n\nmodule \"there\" {\n  source = \"../modules/cache\"\n  providers = {\n    aws = aws.tokyo\n  }\n}\n",
        ),
    ]);
    let here = &x.deployments[0];
    let there = &x.deployments[1];
    assert_eq!(here.address(), "module.here.aws_s3_bucket.cache");
    assert_eq!(here.region.as_deref(), Some("eu-west-3"));
    assert_eq!(there.region.as_deref(), Some("ap-northeast-1"));
    assert_eq!(
        region_evidence(there),
        "region \"ap-northeast-1\" in provider \"aws\" (alias \"tokyo\") block in app/main.tf:5, via module.there (app/main.tf:14)"
    );
}

#[test]
fn nested_modules_chain_their_addresses_and_values() {
    let x = extract(&[
        (
            "m/inner/main.tf",
            "variable \"loc\" {}\nresource \"google_storage_bucket\" \"b\" {\n  location = var.loc\n}\n",
        ),
        (
            "m/outer/main.tf",
            "variable \"loc\" {}\nmodule \"inner\" {\n  source = \"../inner\"\n  loc    = var.loc\n}\n",
        ),
        (
            "root/main.tf",
            "module \"outer\" {\n  source = \"../m/outer\"\n  loc    = \"asia-south1\"\n}\n",
        ),
    ]);
    let [d] = x.deployments.as_slice() else {
        panic!("{:?}", x.deployments)
    };
    assert_eq!(
        d.address(),
        "module.outer.module.inner.google_storage_bucket.b"
    );
    assert_eq!(d.region.as_deref(), Some("asia-south1"));
    assert_eq!(d.calls.len(), 2);
    assert!(
        region_evidence(d).contains("root/main.tf:3"),
        "{}",
        region_evidence(d)
    );
}

#[test]
fn a_missing_module_folder_is_a_located_warning() {
    let x = extract(&[(
        "app/main.tf",
        "module \"gone\" {\n  source = \"../nowhere\"\n}\n\nresource \"aws_s3_bucket\" \"b\" {}\n",
    )]);
    assert_eq!(x.deployments.len(), 1);
    let [w] = x.errors.as_slice() else {
        panic!("{:?}", x.errors)
    };
    assert_eq!(w.code, code::UNRESOLVED_MODULE);
    assert_eq!(w.severity, crate::diag::Severity::Warning);
    let (path, line, _) = w.location().unwrap();
    assert_eq!((&*path, line), ("app/main.tf", 2));
}

#[test]
fn cycles_end_with_a_warning() {
    let x = extract(&[
        (
            "a/main.tf",
            "module \"b\" {\n  source = \"../b\"\n}\nresource \"aws_s3_bucket\" \"a\" {}\n",
        ),
        (
            "b/main.tf",
            "module \"a\" {\n  source = \"../a\"\n}\nresource \"aws_s3_bucket\" \"b\" {}\n",
        ),
    ]);
    // No folder is a root: the first is evaluated as one, and the cycle is reported once.
    assert!(!x.deployments.is_empty());
    assert!(
        x.errors
            .iter()
            .any(|e| e.code == code::UNRESOLVED_MODULE && e.message.contains("cycle")),
        "{:?}",
        x.errors
    );
}

#[test]
fn fifty_deep_chains_resolve_and_deeper_ones_end() {
    let chain = |depth: usize| {
        let mut files: Vec<(String, String)> = Vec::new();
        for i in 0..depth {
            files.push((
                format!("m{i}/main.tf"),
                format!(
                    "variable \"loc\" {{}}\nmodule \"next\" {{\n  source = \"../m{}\"\n  loc    = var.loc\n}}\n",
                    i + 1
                ),
            ));
        }
        files.push((
            format!("m{depth}/main.tf"),
            "variable \"loc\" {}\nresource \"google_storage_bucket\" \"b\" {\n  location = var.loc\n}\n"
                .to_string(),
        ));
        files.push((
            "root/main.tf".to_string(),
            "module \"first\" {\n  source = \"../m0\"\n  loc    = \"europe-west3\"\n}\n"
                .to_string(),
        ));
        files
    };
    let files = chain(50);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let x = extract(&refs);
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    let [d] = x.deployments.as_slice() else {
        panic!("{} deployments", x.deployments.len())
    };
    assert_eq!(d.region.as_deref(), Some("europe-west3"));
    assert_eq!(d.calls.len(), 51);

    let files = chain(super::super::graph::MAX_DEPTH + 5);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let x = extract(&refs);
    assert!(x.deployments.is_empty());
    assert!(x.errors.iter().any(|e| e.message.contains("deeper than")));
}

#[test]
fn exponential_graphs_stop_at_the_instance_budget() {
    // Every level calls the next one four times: 4^12 instances if nothing stopped it.
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..12 {
        let calls: String = (0..4)
            .map(|k| format!("module \"c{k}\" {{\n  source = \"../l{}\"\n}}\n", i + 1))
            .collect();
        files.push((format!("l{i}/main.tf"), calls));
    }
    files.push((
        "l12/main.tf".to_string(),
        "resource \"aws_s3_bucket\" \"b\" {}\n".to_string(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let x = extract(&refs);
    assert!(x.deployments.len() <= super::super::graph::MAX_INSTANCES);
    assert!(x.errors.iter().any(|e| e.message.contains("more than")));
}

#[test]
fn repeated_calls_are_one_instance_with_an_unknown_index() {
    let x = extract(&[
        BUCKET_MODULE,
        (
            "live/main.tf",
            "module \"many\" {\n  source   = \"../modules/bucket\"\n  for_each = toset([\"a\", \"b\"])\n}\n",
        ),
    ]);
    let [d] = x.deployments.as_slice() else {
        panic!("{:?}", x.deployments)
    };
    assert_eq!(d.address(), "module.many[*].google_storage_bucket.this");
}

#[test]
fn terragrunt_instances_take_inputs_merged_from_includes() {
    let x = extract(&[
        BUCKET_MODULE,
        (
            "root.hcl",
            "inputs = {\n  location = \"EU\"\n  team = \"data\"\n}\n",
        ),
        (
            "tg/prod/terragrunt.hcl",
            "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n\nterraform {\n  source = \"../../modules//bucket\"\n}\n\ninputs = {\n  location = \"asia-south1\"\n}\n",
        ),
        (
            "tg/dev/terragrunt.hcl",
            "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n\nterraform {\n  source = \"../../modules/bucket\"\n}\n",
        ),
    ]);
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    let regions: Vec<(&str, Option<&str>)> = x
        .deployments
        .iter()
        .map(|d| (&*d.calls[0].path, d.region.as_deref()))
        .collect();
    assert_eq!(regions.len(), 2, "{regions:?}");
    assert!(regions.contains(&("tg/prod/terragrunt.hcl", Some("asia-south1"))));
    // The parent's input where the child sets none.
    assert!(regions.contains(&("tg/dev/terragrunt.hcl", Some("eu"))));
}

#[test]
fn configured_var_files_win_over_auto_loaded_ones() {
    let files = [
        (
            "envs/prod/main.tf",
            "variable \"region\" {\n  default = \"eu-west-1\"\n}\nprovider \"aws\" {\n  region = var.region\n}\nresource \"aws_s3_bucket\" \"b\" {}\n",
        ),
        ("envs/prod/terraform.tfvars", "region = \"eu-west-2\"\n"),
        ("envs/prod/prod.tfvars", "region = \"us-east-1\"\n"),
        ("envs/prod/dr.tfvars", "region = \"us-west-2\"\n"),
    ];
    // Two -var-files that disagree, none named: unknown.
    assert_eq!(extract(&files).deployments[0].region, None);
    let mut named = VarFiles::new();
    named.insert(
        "envs/prod".to_string(),
        vec![
            "envs/prod/dr.tfvars".to_string(),
            "envs/prod/prod.tfvars".to_string(),
        ],
    );
    let x = extract_with(&files, &named);
    let d = &x.deployments[0];
    assert_eq!(d.region.as_deref(), Some("us-east-1"));
    assert!(region_evidence(d).contains("envs/prod/prod.tfvars:1"));
}

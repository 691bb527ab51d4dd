use super::*;
use crate::facts::catalog::Catalog;
use crate::facts::endpoints::tests::{fixture, render_extraction};
use crate::facts::model::Kind;
use crate::facts::{Extraction, json};

fn run(rel: &str) -> (Arc<SourceFile>, Extraction) {
    let catalog = Catalog::builtin();
    let file = fixture(rel);
    let x = json::extract(&file, Ctx::new(&catalog));
    (file, x)
}

#[test]
fn resources_children_and_inline_templates() {
    let (file, x) = run("arm/sql.json");
    assert!(x.errors.is_empty());
    let d = &x.deployments;
    let types: Vec<&str> = d.iter().map(|d| d.type_.as_str()).collect();
    assert_eq!(
        types,
        [
            "Microsoft.Sql/servers",
            "Microsoft.Sql/servers/databases",
            "Microsoft.Sql/servers/firewallRules",
            "Microsoft.Compute/virtualMachines",
            "Microsoft.Resources/deployments",
            "Microsoft.Storage/storageAccounts",
            "Microsoft.Network/dnsZones",
        ]
    );
    assert!(d.iter().all(|d| d.provider.as_deref() == Some("azure")));
    let line = |i: usize| file.line_col(d[i].span.start).line;
    assert_eq!(line(0), 12);
    assert_eq!(file.text().as_bytes()[d[0].span.start], b'{');
    assert_eq!(line(1), 19);
    // Display names are normalised; parameters and variables resolve through defaults.
    assert_eq!(d[0].region.as_deref(), Some("westeurope"));
    assert_eq!(d[1].region.as_deref(), Some("swedencentral"));
    assert_eq!(d[0].kind, Kind::Database);
    // `[resourceGroup().location]` is unknown, never guessed.
    assert_eq!(d[3].region, None);
    assert_eq!(d[3].tags.get("env").map(String::as_str), Some("prod"));
    // Tags through a parameter default; expression values are left out.
    assert_eq!(d[0].tags.get("team").map(String::as_str), Some("data"));
    assert!(!d[0].tags.contains_key("cost"));
    // The inline template with inner scope sees its own parameters.
    assert_eq!(d[5].region.as_deref(), Some("francecentral"));
    assert_eq!(d[6].region.as_deref(), Some("global"));
    insta::assert_snapshot!(render_extraction(&file, &x));
}

#[test]
fn unknown_types_are_deployments_without_provider() {
    let (file, x) = run("arm/none.json");
    assert_eq!(x.deployments.len(), 1);
    assert_eq!(x.deployments[0].provider, None);
    insta::assert_snapshot!(render_extraction(&file, &x));
}

#[test]
fn symbolic_resources_and_existing() {
    let (file, x) = run("arm/mixed.json");
    let d = &x.deployments;
    assert_eq!(
        d.len(),
        2,
        "existing resources are references, not deployments"
    );
    assert_eq!(d[0].provider, None);
    assert_eq!(d[1].provider.as_deref(), Some("azure"));
    assert_eq!(d[1].kind, Kind::Ai);
    insta::assert_snapshot!(render_extraction(&file, &x));
}

#[test]
fn hostile_but_valid() {
    let (file, x) = run("arm/hostile.json");
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    assert_eq!(x.deployments.len(), 31);
    assert_eq!(x.deployments[2].type_, "Microsoft.Web/sites/child0/child1");
    insta::assert_snapshot!(render_extraction(&file, &x));
}

#[test]
fn child_types_join_only_without_a_namespace() {
    assert_eq!(
        join_type(Some("Microsoft.Sql/servers"), "databases"),
        "Microsoft.Sql/servers/databases"
    );
    assert_eq!(
        join_type(
            Some("Microsoft.Sql/servers"),
            "Microsoft.Sql/servers/databases"
        ),
        "Microsoft.Sql/servers/databases"
    );
    assert_eq!(join_type(None, "databases"), "databases");
    assert_eq!(
        normalize_location("West Europe").as_deref(),
        Some("westeurope")
    );
    assert_eq!(normalize_location("  "), None);
}

const STORAGE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {
    "location": { "type": "string", "defaultValue": "westeurope" }
  },
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts",
      "name": "exports",
      "location": "[parameters('location')]"
    }
  ]
}"#;

fn parameter_file(location: Option<&str>) -> String {
    let entry = location.map_or(String::new(), |l| {
        format!("\n    \"location\": {{\n      \"value\": \"{l}\"\n    }}\n  ")
    });
    format!("{{\n  \"parameters\": {{{entry}}}\n}}\n")
}

/// The region of the storage account and its evidence, with these parameter files.
fn with_parameters(files: &[(&str, String)]) -> (Option<String>, String) {
    let catalog = Catalog::builtin();
    let template = Arc::new(SourceFile::new("arm/storage.json", STORAGE));
    let parsed: Vec<(Arc<SourceFile>, Node)> = files
        .iter()
        .map(|(p, t)| {
            let f = Arc::new(SourceFile::new(*p, t.as_str()));
            let root = json::parse_file(&f).unwrap();
            (f, root)
        })
        .collect();
    let refs: Vec<ParameterFile<'_>> = parsed.iter().map(|(f, r)| (f.clone(), r)).collect();
    let x = json::extract_with_parameters(&template, &refs, Ctx::new(&catalog));
    let d = &x.deployments[0];
    let e = d
        .evidence_for(Attr::Region)
        .next()
        .map(|e| e.text.to_string())
        .unwrap_or_default();
    (d.region.clone(), e)
}

#[test]
fn a_parameter_file_overrides_the_default_and_is_cited() {
    let (region, evidence) = with_parameters(&[]);
    assert_eq!(region.as_deref(), Some("westeurope"));
    assert!(evidence.contains("arm/storage.json:4"), "{evidence}");
    let (region, evidence) = with_parameters(&[(
        "arm/storage.parameters.json",
        parameter_file(Some("southafricanorth")),
    )]);
    assert_eq!(region.as_deref(), Some("southafricanorth"));
    assert_eq!(
        evidence,
        "parameter location \"southafricanorth\" in arm/storage.parameters.json:4"
    );
    // A parameter file that does not set it leaves the default.
    let (region, _) = with_parameters(&[("arm/storage.parameters.json", parameter_file(None))]);
    assert_eq!(region.as_deref(), Some("westeurope"));
}

#[test]
fn parameter_files_that_disagree_leave_the_region_unknown() {
    let agree = with_parameters(&[
        (
            "arm/storage.parameters.dev.json",
            parameter_file(Some("northeurope")),
        ),
        (
            "arm/storage.parameters.prod.json",
            parameter_file(Some("northeurope")),
        ),
    ]);
    assert_eq!(agree.0.as_deref(), Some("northeurope"));
    let disagree = with_parameters(&[
        (
            "arm/storage.parameters.dev.json",
            parameter_file(Some("northeurope")),
        ),
        (
            "arm/storage.parameters.prod.json",
            parameter_file(Some("eastus")),
        ),
    ]);
    assert_eq!(disagree.0, None);
    // One file keeps the default, the other changes it: they disagree too.
    let mixed = with_parameters(&[
        ("arm/storage.parameters.dev.json", parameter_file(None)),
        (
            "arm/storage.parameters.prod.json",
            parameter_file(Some("eastus")),
        ),
    ]);
    assert_eq!(mixed.0, None);
}

#[test]
fn parameter_file_names_give_their_template() {
    assert_eq!(
        template_of_parameter_file("azuredeploy.parameters.json").as_deref(),
        Some("azuredeploy.json")
    );
    assert_eq!(
        template_of_parameter_file("azuredeploy.parameters.prod.json").as_deref(),
        Some("azuredeploy.json")
    );
    assert_eq!(template_of_parameter_file("parameters.json"), None);
    assert_eq!(template_of_parameter_file("azuredeploy.json"), None);
}

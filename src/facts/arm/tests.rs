use super::*;
use crate::facts::catalog::Catalog;
use crate::facts::endpoints::tests::{fixture, render_extraction};
use crate::facts::model::Kind;
use crate::facts::{Extraction, json};

fn run(rel: &str) -> (Arc<SourceFile>, Extraction) {
    let catalog = Catalog::builtin();
    let file = fixture(rel);
    let x = json::extract(&file, Ctx { catalog: &catalog });
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
    assert_eq!(file.text.as_bytes()[d[0].span.start], b'{');
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

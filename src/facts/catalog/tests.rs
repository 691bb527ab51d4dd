//! Tests of the catalog's data and lookups.

use super::*;

/// The type, service, accelerator and host tables compile on first use in a run; a pattern
/// that does not compile must fail here, not in a user's run.
#[test]
fn builtin_tables_compile() {
    let catalog = Catalog::build(Vec::new()).unwrap();
    catalog.compile_all();
    assert_eq!(
        catalog.kind_of("aws_s3_bucket").map(|k| k.0),
        Some(Kind::Storage)
    );
    assert!(catalog.is_gpu_type(Some("aws"), "p4d.24xlarge"));
}

#[test]
fn builtin_catalog_loads_and_has_every_language_provider() {
    let c = Catalog::builtin();
    for id in [
        "aws",
        "azure",
        "gcp",
        "oracle",
        "ibm",
        "alibaba",
        "digitalocean",
        "hetzner",
        "ovh",
        "scaleway",
        "cloudflare",
        "akamai",
        "vultr",
        "coreweave",
        "openai",
        "anthropic",
        "mistral",
    ] {
        assert_eq!(c.resolve(id).as_deref(), Some(id), "{id}");
    }
}

#[test]
fn aliases_resolve() {
    let c = Catalog::builtin();
    for (alias, id) in [
        ("amazon", "aws"),
        ("microsoft", "azure"),
        ("google", "gcp"),
        ("oci", "oracle"),
        ("linode", "akamai"),
    ] {
        assert_eq!(c.resolve(alias).as_deref(), Some(id));
    }
    assert_eq!(c.suggest("azur"), Some("azure"));
}

#[test]
fn region_country_depends_on_provider() {
    let c = Catalog::builtin();
    assert_eq!(c.country("aws", "eu-west-1"), Some("ie"));
    assert_eq!(c.country("alibaba", "eu-west-1"), Some("gb"));
    assert_eq!(c.country("gcp", "europe-west9"), Some("fr"));
    assert_eq!(c.country("azure", "francecentral"), Some("fr"));
    assert_eq!(c.country("azure", "FranceCentral"), Some("fr"));
    assert_eq!(c.country("oracle", "us-ashburn-1"), Some("us"));
    assert!(c.is_multi_region("gcp", "EU"));
    assert_eq!(c.country("gcp", "eu"), None);
}

#[test]
fn terraform_prefixes_pick_the_longest() {
    let c = Catalog::builtin();
    assert_eq!(
        c.by_terraform_type("aws_instance").map(|x| x.0).as_deref(),
        Some("aws")
    );
    assert_eq!(
        c.by_terraform_type("azurerm_kubernetes_cluster")
            .map(|x| x.0)
            .as_deref(),
        Some("azure")
    );
    assert_eq!(
        c.by_terraform_type("google_container_cluster")
            .map(|x| x.0)
            .as_deref(),
        Some("gcp")
    );
    assert_eq!(c.by_terraform_type("random_id"), None);
}

#[test]
fn hosts_give_provider_service_and_region() {
    let c = Catalog::builtin();
    let m = c
        .match_host("bedrock-runtime.us-west-2.amazonaws.com")
        .unwrap();
    assert_eq!(&*m.provider, "aws");
    assert_eq!(m.service.as_deref(), Some("bedrock"));
    assert_eq!(m.region.as_deref(), Some("us-west-2"));
    let m = c.match_host("acme.openai.azure.com").unwrap();
    assert_eq!(&*m.provider, "azure");
    assert_eq!(m.service.as_deref(), Some("azure-openai"));
    assert_eq!(
        &*c.match_host("api.anthropic.com").unwrap().provider,
        "anthropic"
    );
    assert_eq!(
        &*c.match_host("api.mistral.ai").unwrap().provider,
        "mistral"
    );
    assert_eq!(&*c.match_host("api.openai.com").unwrap().provider, "openai");
    assert!(c.match_host("telemetry.example.com").is_none());
}

#[test]
fn users_extend_the_catalog() {
    let c = Catalog::build(vec![ProviderDef {
        id: "stargate".into(),
        name: "Stargate".into(),
        terraform_prefixes: vec!["stargate_".into()],
        hosts: vec![HostRuleDef::Glob("*.stargate.example".into())],
        ..Default::default()
    }])
    .unwrap();
    assert_eq!(
        c.by_terraform_type("stargate_cluster")
            .map(|x| x.0)
            .as_deref(),
        Some("stargate")
    );
    assert_eq!(
        &*c.match_host("gpu.stargate.example").unwrap().provider,
        "stargate"
    );
}

#[test]
fn kinds_come_from_the_table() {
    let c = Catalog::builtin();
    assert_eq!(
        c.kind_of("google_container_cluster").map(|k| k.0),
        Some(Kind::Kubernetes)
    );
    assert_eq!(
        c.kind_of("azurerm_kubernetes_cluster").map(|k| k.0),
        Some(Kind::Kubernetes)
    );
    assert_eq!(
        c.kind_of("google_storage_bucket").map(|k| k.0),
        Some(Kind::Storage)
    );
    assert_eq!(
        c.kind_of("aws_eks_cluster").map(|k| k.0),
        Some(Kind::Kubernetes)
    );
}

#[test]
fn services_come_from_the_table() {
    let c = Catalog::builtin();
    for (type_, service) in [
        ("aws_eks_cluster", "eks"),
        ("aws_eks_node_group", "eks"),
        ("aws_instance", "ec2"),
        ("aws_launch_template", "ec2"),
        ("aws_s3_bucket", "s3"),
        ("aws_db_instance", "rds"),
        ("aws_lambda_function", "lambda"),
        ("aws_bedrockagent_agent", "bedrock"),
        ("aws_cloudwatch_event_rule", "eventbridge"),
        ("aws_cloudwatch_log_group", "cloudwatch"),
        ("aws_vpc", "vpc"),
        ("aws_default_security_group", "vpc"),
        ("AWS::EKS::Cluster", "eks"),
        ("AWS::EC2::Instance", "ec2"),
        ("AWS::S3::Bucket", "s3"),
        ("AWS::Serverless::Function", "lambda"),
        ("azurerm_kubernetes_cluster", "aks"),
        ("azurerm_kubernetes_cluster_node_pool", "aks"),
        ("azurerm_linux_virtual_machine", "virtual-machines"),
        ("azurerm_storage_account", "storage-account"),
        ("azurerm_cognitive_account", "cognitive-services"),
        ("azurerm_mssql_server", "sql-database"),
        ("azurerm_key_vault", "key-vault"),
        ("Microsoft.ContainerService/managedClusters", "aks"),
        ("Microsoft.Storage/storageAccounts", "storage-account"),
        ("Microsoft.CognitiveServices/accounts", "cognitive-services"),
        ("google_container_cluster", "gke"),
        ("google_container_node_pool", "gke"),
        ("google_storage_bucket", "gcs"),
        ("google_compute_instance", "compute-engine"),
        ("google_compute_disk", "persistent-disk"),
        ("google_sql_database_instance", "cloud-sql"),
        ("google_vertex_ai_endpoint", "vertex-ai"),
        ("container.v1.cluster", "gke"),
        ("oci_containerengine_cluster", "oke"),
        ("oci_core_instance", "compute"),
        ("oci_objectstorage_bucket", "object-storage"),
        ("alicloud_cs_managed_kubernetes", "ack"),
        ("digitalocean_kubernetes_cluster", "doks"),
        ("scaleway_k8s_cluster", "kapsule"),
    ] {
        assert_eq!(c.service_of(type_), Some(service), "{type_}");
    }
    assert_eq!(c.service_of("random_id"), None);
    assert_eq!(c.service_of("azurerm_resource_group"), None);
}

#[test]
fn gpu_sizes_come_from_the_table() {
    let c = Catalog::builtin();
    for (provider, size) in [
        ("aws", "p4d.24xlarge"),
        ("aws", "p5en.48xlarge"),
        ("aws", "p6-b200.48xlarge"),
        ("aws", "p6e-gb200.36xlarge"),
        ("aws", "g5.xlarge"),
        ("aws", "g4dn.xlarge"),
        ("aws", "g6e.12xlarge"),
        ("aws", "trn2.48xlarge"),
        ("aws", "inf2.48xlarge"),
        ("aws", "ml.g5.2xlarge"),
        ("azure", "Standard_NC24ads_A100_v4"),
        ("azure", "Standard_ND96isr_H100_v5"),
        ("azure", "Standard_NV36ads_A10_v5"),
        ("azure", "standard_nc4as_t4_v3"),
        ("gcp", "a2-highgpu-1g"),
        ("gcp", "a3-megagpu-8g"),
        ("gcp", "g2-standard-8"),
        ("gcp", "nvidia-tesla-t4"),
        ("gcp", "ct5lp-hightpu-4t"),
        ("gcp", "v3-8"),
        ("oracle", "BM.GPU.H100.8"),
        ("oracle", "VM.GPU.A10.1"),
        ("ibm", "gx3-16x80x1l4"),
        ("alibaba", "ecs.gn7i-c8g1.2xlarge"),
        ("digitalocean", "gpu-h100x1-80gb"),
        ("ovh", "h100-380"),
        ("ovh", "t1-45"),
        ("scaleway", "H100-1-80G"),
        ("akamai", "g1-gpu-rtx6000-1"),
        ("vultr", "vcg-a100-12c-120g-80vram"),
        ("coreweave", "gd-8xh100ib-i128"),
    ] {
        assert!(c.is_gpu_type(Some(provider), size), "{provider} {size}");
        assert!(c.is_gpu_type(None, size), "any {size}");
    }
    for (provider, size) in [
        ("aws", "m5.large"),
        ("aws", "m6g.large"),
        ("aws", "t3.micro"),
        ("aws", "c7gn.large"),
        ("azure", "Standard_D4s_v5"),
        ("gcp", "n1-standard-4"),
        ("gcp", "e2-medium"),
        ("oracle", "VM.Standard.E4.Flex"),
        ("digitalocean", "s-2vcpu-4gb"),
        ("ovh", "b2-7"),
    ] {
        assert!(!c.is_gpu_type(Some(provider), size), "{provider} {size}");
    }
    // Patterns are per provider.
    assert!(!c.is_gpu_type(Some("azure"), "g5.xlarge"));
}

#[test]
fn kinds_added_for_terraform_types() {
    let c = Catalog::builtin();
    for (type_, kind) in [
        ("aws_network_acl", Kind::Network),
        ("aws_network_acl_rule", Kind::Network),
        ("aws_flow_log", Kind::Network),
        ("aws_default_security_group", Kind::Network),
        ("azurerm_disk_encryption_set", Kind::Identity),
        ("google_gke_hub_membership", Kind::Kubernetes),
        ("google_compute_node_group", Kind::Compute),
        ("google_compute_route", Kind::Network),
        ("google_compute_router", Kind::Network),
        ("google_compute_managed_ssl_certificate", Kind::Network),
        ("oci_core_compute_cluster", Kind::Compute),
        ("oci_core_compute_gpu_memory_cluster", Kind::Compute),
    ] {
        assert_eq!(c.kind_of(type_).map(|k| k.0), Some(kind), "{type_}");
    }
}

/// Every built-in host rule compiles (they are compiled lazily, where a failure is skipped).
#[test]
fn builtin_host_rules_all_compile() {
    let c = super::Catalog::builtin();
    let defined: usize = c.providers().iter().map(|p| p.hosts.len()).sum();
    for (p, id) in c.providers().iter().zip(c.ids()) {
        for h in &p.hosts {
            super::compile_host(id, h).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    assert_eq!(c.host_rules().rules.len(), defined);
}

#[test]
fn a_bad_user_host_rule_is_an_error_when_the_catalog_is_built() {
    let bad = super::ProviderDef {
        id: "x".into(),
        name: "X".into(),
        hosts: vec![super::HostRuleDef::Rule {
            glob: None,
            re: Some("(unclosed".into()),
            service: None,
            kind: None,
        }],
        ..Default::default()
    };
    assert!(super::Catalog::build(vec![bad]).is_err());
}

/// The built-in tables compile as ASCII byte sets (`ascii_set`).
#[test]
fn builtin_tables_take_the_ascii_path() {
    for (name, json) in [
        ("kinds", super::KINDS_JSON),
        ("services", super::SERVICES_JSON),
    ] {
        let rules: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
        let patterns: Vec<&str> = rules
            .iter()
            .map(|r| r["pattern"].as_str().unwrap())
            .collect();
        super::ascii_set(patterns.into_iter()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn multi_region_country_sets_are_multi_regions_with_sorted_iso_codes() {
    let c = Catalog::builtin();
    for (provider, table) in &super::Tables::get().regions {
        for (location, set) in &table.multi_region_countries {
            assert!(
                c.is_multi_region(provider, location),
                "{provider} {location} has countries but is not a multi-region location"
            );
            assert!(!set.is_empty(), "{provider} {location}");
            assert!(set.windows(2).all(|w| w[0] < w[1]), "{provider} {location}");
            for country in set {
                assert!(
                    country.len() == 2 && country.bytes().all(|b| b.is_ascii_lowercase()),
                    "{provider} {location}: {country}"
                );
            }
        }
    }
    // The GCS `EU` multi-region is the member states, as the policy language's `eu` group.
    let eu = c.multi_region_countries("gcp", "EU").unwrap();
    assert_eq!(eu, crate::dsl::names::group_members("eu").unwrap());
    assert_eq!(
        c.multi_region_countries("gcp", "eur4").unwrap(),
        ["be", "fi", "nl"]
    );
    assert_eq!(
        c.multi_region_countries("azure", "germany").unwrap(),
        ["de"]
    );
    // Known multi-regions whose countries are not documented here stay unknown.
    for location in ["asia", "global", "eur5"] {
        assert!(c.is_multi_region("gcp", location));
        assert_eq!(c.multi_region_countries("gcp", location), None);
    }
    assert_eq!(c.multi_region_countries("azure", "europe"), None);
}

/// The type tables are matched lowercased (build.rs's DFAs, `ascii_set`): no pattern may hold
/// an escape whose meaning lowercasing changes, and each matches a name whatever its case.
#[test]
fn type_tables_match_without_regard_to_case() {
    let c = super::Catalog::builtin();
    let mut tables: Vec<(&str, Vec<String>)> = Vec::new();
    for (name, json) in [
        ("kinds", super::KINDS_JSON),
        ("services", super::SERVICES_JSON),
    ] {
        let rules: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
        let patterns = rules
            .iter()
            .map(|r| r["pattern"].as_str().unwrap().to_string());
        tables.push((name, patterns.collect()));
    }
    tables.extend(
        super::Tables::get()
            .gpu
            .iter()
            .map(|(_, set)| (set.table, set.patterns.clone())),
    );
    for (table, patterns) in &tables {
        for p in patterns {
            for esc in ["\\S", "\\D", "\\W", "\\B", "\\P", "\\A", "\\Z"] {
                assert!(!p.contains(esc), "{table}: `{p}` holds {esc}");
            }
        }
    }
    assert_eq!(c.kind_of("AWS::S3::Bucket"), c.kind_of("aws::s3::bucket"));
    assert!(c.kind_of("AWS::S3::Bucket").is_some());
    assert_eq!(
        c.service_of("Microsoft.Storage/storageAccounts"),
        c.service_of("microsoft.storage/storageaccounts")
    );
    assert!(c.service_of("Microsoft.Storage/storageAccounts").is_some());
    assert!(c.is_gpu_type(None, "Standard_NC24ads_A100_v4"));
    assert!(c.is_gpu_type(Some("oracle"), "BM.GPU.H100.8"));
}

/// The DFAs build.rs compiles decide every name as the tables' patterns do, compiled as
/// written (case-insensitive, searched anywhere): the first matching rule is the same. The
/// names are made of the patterns' own pieces (each alternative's text, with a suffix, and
/// followed by the next one), in both cases, and the corpus's resource types of the snapshot
/// tests would add nothing the pieces do not reach.
#[test]
fn type_tables_decide_as_their_patterns() {
    let catalog = Catalog::builtin();
    let tables = super::Tables::get();
    for (table, json, dfa) in [
        ("kinds", super::KINDS_JSON, &tables.kind_set),
        ("services", super::SERVICES_JSON, &tables.service_set),
    ] {
        let rules: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
        let patterns: Vec<&str> = rules
            .iter()
            .map(|r| r["pattern"].as_str().unwrap())
            .collect();
        let written = regex::RegexSetBuilder::new(&patterns)
            .case_insensitive(true)
            .build()
            .unwrap();
        let pieces: Vec<String> = patterns
            .iter()
            .flat_map(|p| {
                p.replace(['^', '$', '(', ')', '?', ':', '\\'], "")
                    .split('|')
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut matched = 0;
        for (i, piece) in pieces.iter().enumerate() {
            let next = &pieces[(i + 1) % pieces.len()];
            for name in [
                piece.clone(),
                format!("{piece}_x"),
                format!("{piece}{next}"),
                piece.to_uppercase(),
                format!("x{piece}"),
            ] {
                let want = written.matches(&name).iter().next();
                assert_eq!(dfa.first_match(&name), want, "{table}: `{name}`");
                matched += usize::from(want.is_some());
            }
        }
        assert!(matched > pieces.len(), "{table}: {matched} names matched");
    }
    // The first rule wins where several match: `aws_eks_cluster` is Kubernetes before any
    // later, wider AWS rule; a CloudFormation type matches whatever its case.
    assert_eq!(
        catalog.kind_of("aws_eks_cluster").map(|k| k.0),
        Some(Kind::Kubernetes)
    );
    assert_eq!(
        catalog.kind_of("AWS::S3::Bucket").map(|k| k.0),
        Some(Kind::Storage)
    );
    assert_eq!(catalog.kind_of("not_a_cloud_type"), None);
}

/// A user's host rules are read from YAML as the built-in ones from JSON: a string is a glob,
/// a map a rule, and anything else an error that says what was expected.
#[test]
fn host_rules_read_strings_as_globs_and_maps_as_rules() {
    let yaml = "- \"*.stargate.example\"\n- re: '^(?P<region>[a-z]+)\\.sg\\.example$'\n  service: api\n- glob: \"api.sg.example\"\n  kind: ai\n";
    let rules: Vec<HostRuleDef> = serde_yaml::from_str(yaml).unwrap();
    assert!(matches!(&rules[0], HostRuleDef::Glob(g) if g == "*.stargate.example"));
    assert!(matches!(
        &rules[1],
        HostRuleDef::Rule { glob: None, re: Some(re), service: Some(s), kind: None }
            if re.starts_with("^(?P<region>") && s == "api"
    ));
    assert!(matches!(
        &rules[2],
        HostRuleDef::Rule { glob: Some(g), re: None, service: None, kind: Some(k) }
            if g == "api.sg.example" && k == "ai"
    ));
    let json: Vec<HostRuleDef> =
        serde_json::from_str(r#"["a.example", {"glob": "b.example"}]"#).unwrap();
    assert!(matches!(&json[0], HostRuleDef::Glob(g) if g == "a.example"));
    assert!(matches!(&json[1], HostRuleDef::Rule { glob: Some(g), .. } if g == "b.example"));
    let err = serde_yaml::from_str::<Vec<HostRuleDef>>("- 42\n").unwrap_err();
    assert!(
        err.to_string()
            .contains("a host glob, or a map with `glob` or `re`"),
        "{err}"
    );
}

#[test]
fn prefixes_compare_as_lowercased_text() {
    assert_eq!(lowercase("aws_instance"), "aws_instance");
    assert!(matches!(
        lowercase("aws_instance"),
        std::borrow::Cow::Borrowed(_)
    ));
    assert_eq!(lowercase("AWS_Instance"), "aws_instance");
    assert_eq!(lowercase("ÄWS"), "äws");
    assert!(starts_with_lowered("aws_instance", "AWS_"));
    assert!(starts_with_lowered("aws_instance", "aws_instance"));
    assert!(!starts_with_lowered("aws", "aws_"));
    assert!(!starts_with_lowered("azurerm_x", "aws"));
    // A non-ASCII prefix is lowercased as before.
    assert!(starts_with_lowered("äws_x", "ÄWS"));
    // Through a lookup: a type in any case finds its provider's longest prefix.
    let catalog = Catalog::builtin();
    let upper = catalog
        .by_terraform_type("AWS_S3_BUCKET")
        .map(|(id, p)| (id, p.to_string()));
    assert_eq!(
        upper,
        catalog
            .by_terraform_type("aws_s3_bucket")
            .map(|(id, p)| (id, p.to_string()))
    );
    assert!(upper.is_some());
}

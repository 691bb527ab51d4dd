//! `.tf.json` and plan JSON extraction.

use std::sync::Arc;

use super::{find, render};
use crate::facts::Ctx;
use crate::facts::catalog::Catalog;
use crate::facts::terraform::{extract_plan, extract_tf_json};
use crate::parse::tree::{Node, Value};
use crate::source::{SourceFile, Span};

/// JSON text → [`Node`] with byte spans, for tests (the real JSON parser lives in
/// `crate::parse::json`).
pub(super) fn json_node(text: &str) -> Node {
    use jsonc_parser::ast::{ObjectPropName, Value as J};
    use jsonc_parser::common::Ranged;
    fn conv(v: &J<'_>) -> Node {
        let r = v.range();
        let span = Span::new(r.start, r.end);
        let value = match v {
            J::StringLit(s) => Value::String(s.value.as_ref().into()),
            J::NumberLit(n) => Value::Number(n.value.into()),
            J::BooleanLit(b) => Value::Bool(b.value),
            J::NullKeyword(_) => Value::Null,
            J::Array(a) => Value::Seq(a.elements.iter().map(conv).collect()),
            J::Object(o) => Value::Map(
                o.properties
                    .iter()
                    .map(|p| {
                        let kr = p.name.range();
                        let key = match &p.name {
                            ObjectPropName::String(s) => s.value.to_string(),
                            ObjectPropName::Word(w) => w.value.to_string(),
                        };
                        (
                            Node::new(Span::new(kr.start, kr.end), Value::String(key.into())),
                            conv(&p.value),
                        )
                    })
                    .collect(),
            ),
        };
        Node::new(span, value)
    }
    let ast = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default()).unwrap();
    conv(ast.value.as_ref().unwrap())
}

const TF_JSON: &str = r#"{
  "terraform": {
    "required_providers": { "aws": { "source": "hashicorp/aws" } },
    "backend": { "s3": { "bucket": "b", "region": "eu-west-1" } }
  },
  "variable": { "region": { "default": "eu-central-1" } },
  "provider": {
    "aws": [
      { "region": "${var.region}" },
      { "alias": "us", "region": "us-east-2" }
    ]
  },
  "resource": {
    "aws_instance": {
      "web": {
        "instance_type": "g5.xlarge",
        "tags": { "team": "ml" }
      },
      "us": {
        "provider": "aws.us",
        "instance_type": "t3.micro"
      }
    },
    "google_container_cluster": {
      "c": { "location": "europe-west9-a", "node_config": { "guest_accelerator": [{ "type": "nvidia-l4", "count": 1 }] } }
    }
  },
  "module": { "vpc": { "source": "terraform-aws-modules/vpc/aws" } },
  "data": { "aws_ami": { "ubuntu": {} } }
}
"#;

#[test]
fn tf_json_inventory() {
    let file = Arc::new(SourceFile::new("stack/cdk.tf.json", TF_JSON));
    let root = json_node(TF_JSON);
    let catalog = Catalog::builtin();
    let mut x = extract_tf_json(&file, &root, Ctx::new(&catalog));
    for d in &mut x.deployments {
        crate::facts::resolve_country(d, &catalog);
    }
    x.deployments.sort_by_key(|d| d.span.start);
    let web = find(&x, "aws_instance", "web");
    assert_eq!(web.region.as_deref(), Some("eu-central-1"));
    assert!(web.gpu);
    assert_eq!(
        find(&x, "aws_instance", "us").region.as_deref(),
        Some("us-east-2")
    );
    let c = find(&x, "google_container_cluster", "c");
    assert!(c.gpu);
    assert_eq!(c.region.as_deref(), Some("europe-west9"));
    // The location is the name key's line.
    assert_eq!(file.line_col(web.span.start).line, 15);
    insta::assert_snapshot!(render(&[file], &x));
}

const PLAN: &str = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.0",
  "variables": { "region": { "value": "eu-west-3" } },
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_instance.gpu",
          "mode": "managed",
          "type": "aws_instance",
          "name": "gpu",
          "provider_name": "registry.terraform.io/hashicorp/aws",
          "values": { "instance_type": "p5.48xlarge", "tags": { "team": "ml" } }
        },
        {
          "address": "aws_s3_bucket.kept",
          "mode": "managed",
          "type": "aws_s3_bucket",
          "name": "kept",
          "provider_name": "registry.terraform.io/hashicorp/aws",
          "values": { "bucket": "kept" }
        },
        {
          "address": "data.aws_region.current",
          "mode": "data",
          "type": "aws_region",
          "name": "current",
          "provider_name": "registry.terraform.io/hashicorp/aws",
          "values": {}
        }
      ],
      "child_modules": [
        {
          "address": "module.gke",
          "resources": [
            {
              "address": "module.gke.google_container_cluster.c",
              "mode": "managed",
              "type": "google_container_cluster",
              "name": "c",
              "provider_name": "registry.terraform.io/hashicorp/google-beta",
              "values": { "location": "europe-west4" }
            }
          ]
        }
      ]
    }
  },
  "resource_changes": [
    {
      "address": "aws_instance.gpu",
      "mode": "managed",
      "type": "aws_instance",
      "name": "gpu",
      "provider_name": "registry.terraform.io/hashicorp/aws",
      "change": { "actions": ["create"], "after": { "instance_type": "p5.48xlarge", "tags": { "team": "ml" } } }
    },
    {
      "address": "aws_s3_bucket.old",
      "mode": "managed",
      "type": "aws_s3_bucket",
      "name": "old",
      "provider_name": "registry.terraform.io/hashicorp/aws",
      "change": { "actions": ["delete"], "before": {}, "after": null }
    },
    {
      "address": "aws_s3_bucket.kept",
      "mode": "managed",
      "type": "aws_s3_bucket",
      "name": "kept",
      "provider_name": "registry.terraform.io/hashicorp/aws",
      "change": { "actions": ["no-op"], "after": { "bucket": "kept" } }
    },
    {
      "address": "azurerm_resource_group.rg",
      "mode": "managed",
      "type": "azurerm_resource_group",
      "name": "rg",
      "provider_name": "registry.terraform.io/hashicorp/azurerm",
      "change": { "actions": ["create"], "after": { "location": null } }
    }
  ],
  "configuration": {
    "provider_config": {
      "aws": {
        "name": "aws",
        "full_name": "registry.terraform.io/hashicorp/aws",
        "expressions": { "region": { "references": ["var.region"] } }
      }
    },
    "root_module": {
      "resources": [
        { "address": "aws_instance.gpu", "provider_config_key": "aws" }
      ]
    }
  }
}
"#;

#[test]
fn plan_inventory() {
    let file = Arc::new(SourceFile::new("plan.json", PLAN));
    let root = json_node(PLAN);
    let catalog = Catalog::builtin();
    let mut x = extract_plan(&file, &root, Ctx::new(&catalog));
    for d in &mut x.deployments {
        crate::facts::resolve_country(d, &catalog);
    }
    x.deployments.sort_by_key(|d| d.span.start);
    let names: Vec<&str> = x.deployments.iter().map(|d| d.name.as_str()).collect();
    // `old` is only deleted; `kept` is a no-op change, listed from planned_values; data is not.
    assert_eq!(names, ["kept", "c", "gpu", "rg"]);
    let gpu = find(&x, "aws_instance", "gpu");
    assert!(gpu.gpu);
    assert_eq!(gpu.region.as_deref(), Some("eu-west-3"));
    assert_eq!(gpu.country.as_deref(), Some("fr"));
    let c = find(&x, "google_container_cluster", "c");
    assert_eq!(c.provider.as_deref(), Some("gcp"));
    assert_eq!(c.region.as_deref(), Some("europe-west4"));
    // Known after apply: unknown.
    assert_eq!(find(&x, "azurerm_resource_group", "rg").region, None);
    insta::assert_snapshot!(render(&[file], &x));
}

/// Terraform's order (later wins): default < `terraform.tfvars` < `terraform.tfvars.json` <
/// `*.auto.tfvars` and `*.auto.tfvars.json` by name; the evidence cites the winning file.
#[test]
fn variable_files_follow_terraform_precedence_json_included() {
    let hcl = [
        (
            "m/main.tf",
            "resource \"aws_vpc\" \"v\" {\n  region = var.r\n}\n",
        ),
        (
            "m/variables.tf",
            "variable \"r\" {\n  default = \"eu-north-1\"\n}\n",
        ),
        ("m/terraform.tfvars", "r = \"eu-south-1\"\n"),
        ("m/a.auto.tfvars", "r = \"eu-west-2\"\n"),
    ];
    let json = [
        ("m/terraform.tfvars.json", "{\n  \"r\": \"eu-west-1\"\n}\n"),
        ("m/b.auto.tfvars.json", "{\n  \"r\": \"eu-west-3\"\n}\n"),
    ];
    let region = |hcl_n: usize, json_n: usize| {
        let h: Vec<Arc<SourceFile>> = hcl[..hcl_n]
            .iter()
            .map(|(p, t)| Arc::new(SourceFile::new(*p, *t)))
            .collect();
        let j: Vec<Arc<SourceFile>> = json[..json_n]
            .iter()
            .map(|(p, t)| Arc::new(SourceFile::new(*p, *t)))
            .collect();
        let x = mixed(&h, &j);
        let d = &x.deployments[0];
        let e = d
            .evidence_for(crate::facts::model::Attr::Region)
            .next()
            .map(|e| e.text.to_string());
        (d.region.clone().unwrap_or_default(), e.unwrap_or_default())
    };
    assert_eq!(region(2, 0).0, "eu-north-1");
    assert_eq!(region(3, 0).0, "eu-south-1");
    assert_eq!(
        region(3, 1),
        (
            "eu-west-1".to_string(),
            "region from var.r in m/terraform.tfvars.json:2".to_string()
        )
    );
    assert_eq!(region(4, 1).0, "eu-west-2");
    assert_eq!(
        region(4, 2),
        (
            "eu-west-3".to_string(),
            "region from var.r in m/b.auto.tfvars.json:2".to_string()
        )
    );
    // Only named with -var-file: one such file decides, as a `.tfvars` would.
    let var_file = [Arc::new(SourceFile::new(
        "m/prod.tfvars.json",
        "{\"r\": \"ca-central-1\"}",
    ))];
    let h: Vec<Arc<SourceFile>> = hcl[..2]
        .iter()
        .map(|(p, t)| Arc::new(SourceFile::new(*p, *t)))
        .collect();
    let x = mixed(&h, &var_file);
    assert_eq!(x.deployments[0].region.as_deref(), Some("ca-central-1"));
}

/// One folder of HCL and JSON Terraform files, extracted together.
fn mixed(hcl: &[Arc<SourceFile>], json: &[Arc<SourceFile>]) -> crate::facts::Extraction {
    use crate::discover::{Input, Syntax};
    let inputs: Vec<Input> = hcl
        .iter()
        .map(|f| (f, Syntax::Hcl))
        .chain(json.iter().map(|f| (f, Syntax::Json)))
        .map(|(f, syntax)| Input {
            file: f.clone(),
            syntax,
        })
        .collect();
    let catalog = Catalog::builtin();
    let folder = crate::facts::terraform::Folder::parse("m".into(), &inputs);
    crate::facts::terraform::extract_folders(&[folder], Ctx::new(&catalog))
}

//! Generates a synthetic repository for benchmarks: `files` Terraform files spread over
//! directories of ten (each directory a module with a provider block, a variables file and
//! resources of several providers), plus, with `mixed`, Kubernetes, CloudFormation, ARM, Compose
//! and `.env` files.
//!
//! As a program (`cargo bench --bench gen_repo -- DIR [FILES] [--mixed]`) it writes the tree to
//! DIR for whole-repository timing with hyperfine (docs/performance.md).

#![allow(
    dead_code,
    reason = "shared between the bench targets, each using a part"
)]

use std::fmt::Write as _;
use std::path::Path;

const PROVIDERS: &[(&str, &str, &str)] = &[
    ("aws", "aws_instance", "us-east-1"),
    ("azurerm", "azurerm_linux_virtual_machine", "westeurope"),
    ("google", "google_compute_instance", "europe-west1"),
    ("oci", "oci_core_instance", "us-ashburn-1"),
];

pub const POLICY: &str = r#"policy bench {
  effective from 2020-01-01
  exclusive on_aws { provider aws  where kind in [compute, kubernetes] }
  deny no_oracle { provider oracle  severity warning }
  require in_eu { where kind == storage  assert country in eu  unknown warn }
  share aws_share { provider aws  at_least 60% }
}
"#;

fn terraform_file(i: usize) -> String {
    let (prov, ty, _) = PROVIDERS[i % PROVIDERS.len()];
    let mut s = String::new();
    for r in 0..3 {
        let _ = write!(
            s,
            "resource \"{ty}\" \"r{i}_{r}\" {{\n  name          = \"r{i}-{r}\"\n  instance_type = var.size\n  tags = {{\n    team = \"t{}\"\n    data = \"customer\"\n  }}\n}}\n\n",
            i % 7
        );
    }
    let _ = write!(
        s,
        "resource \"{prov}_storage_thing\" \"s{i}\" {{\n  location = var.region\n}}\n\nresource \"random_id\" \"id{i}\" {{\n  byte_length = 8\n}}\n"
    );
    s
}

/// Writes the tree; returns (files, bytes).
pub fn generate(dir: &Path, files: usize, mixed: bool) -> std::io::Result<(usize, usize)> {
    let mut count = 0;
    let mut bytes = 0;
    let mut write = |path: &Path, text: &str| -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
        count += 1;
        bytes += text.len();
        Ok(())
    };
    write(&dir.join("policies/bench.pact"), POLICY)?;
    for i in 0..files {
        let module = dir.join(format!("modules/m{:04}", i / 10));
        if i % 10 == 0 {
            let (prov, _, region) = PROVIDERS[(i / 10) % PROVIDERS.len()];
            write(
                &module.join("providers.tf"),
                &format!(
                    "provider \"{prov}\" {{\n  region = \"{region}\"\n}}\n\nvariable \"region\" {{\n  default = \"{region}\"\n}}\n\nvariable \"size\" {{\n  default = \"m5.large\"\n}}\n"
                ),
            )?;
            continue;
        }
        write(&module.join(format!("main{i}.tf")), &terraform_file(i))?;
        if mixed && i % 10 == 5 {
            write(
                &module.join("k8s.yaml"),
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: nlb\nspec:\n  type: LoadBalancer\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1\n",
            )?;
            write(
                &module.join("template.yaml"),
                "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Queue:\n    Type: AWS::SQS::Queue\n",
            )?;
            write(
                &module.join("azuredeploy.json"),
                "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"resources\": [\n    {\"type\": \"Microsoft.Storage/storageAccounts\", \"apiVersion\": \"2023-01-01\", \"name\": \"st\", \"location\": \"westeurope\"}\n  ]\n}\n",
            )?;
            write(
                &module.join(".env"),
                "OPENAI_BASE_URL=https://api.openai.com/v1\nBEDROCK=https://bedrock-runtime.us-west-2.amazonaws.com\n",
            )?;
            write(
                &module.join("docker-compose.yml"),
                "services:\n  web:\n    image: myregistry.azurecr.io/web:1\n",
            )?;
        }
    }
    Ok((count, bytes))
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: cargo bench --bench gen_repo -- DIR [FILES] [--mixed]");
        std::process::exit(2);
    };
    let files = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let mixed = args.iter().any(|a| a == "--mixed");
    let (n, bytes) = generate(Path::new(dir), files, mixed).expect("writable directory");
    println!("wrote {n} files, {:.1} MB, to {dir}", bytes as f64 / 1e6);
}

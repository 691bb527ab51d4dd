//! Fuzz target: HCL text → `parse::hcl`, held to hcl-edit where both parse it (the same tree,
//! spans included: tests/hcl_reference/lower.rs), then Terraform module extraction with the text
//! as a `.tf`, as a `terraform.tfvars`, and beside a fixed module that references its values.
#![no_main]

use std::sync::Arc;

use cloudpact::facts::catalog::Catalog;
use cloudpact::facts::{Ctx, terraform};
use cloudpact::source::SourceFile;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/hcl_reference/lower.rs"]
mod lower;

const SIBLING: &str = r#"
provider "aws" { region = var.region }
resource "aws_instance" "x" {
  instance_type = var.size
  availability_zone = local.zone
  tags = var.tags
}
"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match cloudpact::parse::hcl::parse(text) {
        Err(e) => {
            assert!(e.span.start <= e.span.end && e.span.end <= text.len());
            assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
        }
        Ok(body) => {
            if let Ok(reference) = lower::parse(text) {
                assert_eq!(body, reference, "cloudpact and hcl-edit read {text:?} differently");
            }
        }
    }
    let catalog = Catalog::builtin();
    let ctx = Ctx::new(&catalog);
    for name in ["m/main.tf", "m/terraform.tfvars", "m/prod.tfvars"] {
        let file = Arc::new(SourceFile::new(name, text));
        let sibling = Arc::new(SourceFile::new("m/sibling.tf", SIBLING));
        let x = terraform::extract_module(&[file, sibling], ctx);
        for d in &x.deployments {
            let len = if &*d.path == "m/sibling.tf" { SIBLING.len() } else { text.len() };
            assert!(d.span.start <= d.span.end && d.span.end <= len);
        }
        for e in &x.errors {
            let span = e.primary_span().unwrap_or_default();
            assert!(span.end <= text.len());
        }
    }
});

//! Terraform: HCL modules (per directory, with variables, tfvars and locals), `.tf.json`, and
//! plan JSON (`terraform show -json`).

use std::sync::Arc;

use super::{Ctx, Extraction};
use crate::parse::tree::Node;
use crate::source::SourceFile;

/// The `.tf` and `.tfvars` files of one directory.
pub fn extract_module(_files: &[Arc<SourceFile>], _ctx: Ctx<'_>) -> Extraction {
    Extraction::default()
}

/// A `.tf.json` file, already parsed.
pub fn extract_tf_json(_file: &Arc<SourceFile>, _root: &Node, _ctx: Ctx<'_>) -> Extraction {
    Extraction::default()
}

/// A plan JSON document, already parsed.
pub fn extract_plan(_file: &Arc<SourceFile>, _root: &Node, _ctx: Ctx<'_>) -> Extraction {
    Extraction::default()
}

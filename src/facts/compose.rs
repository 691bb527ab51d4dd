//! compose extractor.

use std::sync::Arc;

use super::Ctx;
use super::model::Deployment;
use crate::parse::tree::Node;
use crate::source::SourceFile;

pub fn extract(_file: &Arc<SourceFile>, _root: &Node, _ctx: Ctx<'_>) -> Vec<Deployment> {
    Vec::new()
}

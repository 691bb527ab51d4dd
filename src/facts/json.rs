//! JSON files: parse, recognise the format by content (`.tf.json`, plan JSON, ARM,
//! CloudFormation, config), and hand the tree to its extractor.

use std::sync::Arc;

use super::{Ctx, Extraction};
use crate::source::SourceFile;

pub fn extract(_file: &Arc<SourceFile>, _ctx: Ctx<'_>) -> Extraction {
    Extraction::default()
}

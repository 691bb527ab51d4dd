//! Bicep files.

use std::sync::Arc;

use super::{Ctx, Extraction};
use crate::source::SourceFile;

pub fn extract(_file: &Arc<SourceFile>, _ctx: Ctx<'_>) -> Extraction {
    Extraction::default()
}

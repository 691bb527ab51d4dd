//! Helm charts: values files are YAML (see `yaml`); templates are Go templates, scanned as text
//! for endpoint hosts and image registries only.

use std::sync::Arc;

use super::{Ctx, Extraction};
use crate::source::SourceFile;

pub fn extract_template(_file: &Arc<SourceFile>, _ctx: Ctx<'_>) -> Extraction {
    Extraction::default()
}

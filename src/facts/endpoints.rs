//! Provider endpoint hosts in `.env` files and other config files (YAML, JSON, TOML, INI,
//! properties), model-API endpoints included.

use std::sync::Arc;

use super::model::Deployment;
use super::{Ctx, Extraction};
use crate::discover::Syntax;
use crate::parse::tree::Node;
use crate::source::SourceFile;

/// `.env`, TOML, INI and properties files, read as text.
pub fn extract_text_config(_file: &Arc<SourceFile>, _syntax: Syntax, _ctx: Ctx<'_>) -> Extraction {
    Extraction::default()
}

/// Every endpoint host in the string values of a parsed YAML or JSON config file.
pub fn scan_tree(_file: &Arc<SourceFile>, _root: &Node, _ctx: Ctx<'_>) -> Vec<Deployment> {
    Vec::new()
}

//! The line-oriented config syntaxes (`.env`, INI, properties: entries from `parse::lines`)
//! and TOML through its span-aware tree (`parse::toml`): each value is scanned for endpoints.

use std::sync::Arc;

use super::{scan_text, scan_tree_as};
use crate::discover::Syntax;
use crate::facts::model::{Deployment, Format};
use crate::facts::{Ctx, Extraction, parse_error};
use crate::parse::lines::{self, Entry};
use crate::parse::toml::toml_to_node;
use crate::source::SourceFile;

pub(super) fn extract(file: &Arc<SourceFile>, syntax: Syntax, ctx: Ctx<'_>) -> Extraction {
    let mut out = Extraction::default();
    match syntax {
        Syntax::Dotenv => {
            out.deployments = scan(file, lines::dotenv(&file.text()), Format::Dotenv, ctx)
        }
        Syntax::Ini => out.deployments = scan(file, lines::ini(&file.text()), Format::Config, ctx),
        Syntax::Properties => {
            out.deployments = scan(file, lines::properties(&file.text()), Format::Config, ctx);
        }
        Syntax::Toml => match toml_to_node(&file.text()) {
            Ok(root) => out.deployments = scan_tree_as(file, &root, Format::Config, ctx),
            Err((span, message)) => out.errors.push(parse_error(file, span, message)),
        },
        _ => {}
    }
    out
}

/// Every entry's value scanned for endpoints, named by its key.
fn scan(
    file: &Arc<SourceFile>,
    entries: Vec<Entry<'_>>,
    format: Format,
    ctx: Ctx<'_>,
) -> Vec<Deployment> {
    let mut out = Vec::new();
    for e in entries {
        scan_text(file, e.at, e.value, &e.key, format, ctx, &mut out);
    }
    out
}

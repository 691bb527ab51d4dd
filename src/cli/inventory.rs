//! `cloudpact inventory`.

use super::args::{InventoryArgs, InventoryFormat};
use super::{Fatal, Status, emit};
use crate::render;
use crate::workspace;

pub fn run(args: &InventoryArgs) -> Result<Status, Fatal> {
    let (ws, selection) = super::open(&args.scan)?;
    // Refusal records are cloudpact's input, not infrastructure (when the policies load).
    let records: Vec<std::sync::Arc<str>> = ws
        .load_policies()
        .set
        .files
        .iter()
        .filter(|f| !f.path.ends_with(".pact"))
        .map(|f| f.path.clone())
        .collect();
    let mut facts = ws.collect(&selection, &records)?;
    facts.deployments.retain(|d| selection.covers(d));
    if !args.scan.quiet {
        // Files that could not be read are part of the inventory's truth: say so on stderr.
        super::print_diags(&facts.parse_errors, args.scan.color);
    }
    let by_provider = workspace::by_provider(&facts.deployments);
    let text = match args.format {
        InventoryFormat::Table => {
            render::inventory::table(&facts.deployments, &facts.files, &by_provider)
        }
        InventoryFormat::Json => {
            render::inventory::json(&facts.deployments, &facts.files, &by_provider)
        }
        InventoryFormat::Csv => render::inventory::csv(&facts.deployments, &facts.files),
    };
    emit(args.output.as_deref(), &text)?;
    Ok(Status::Clean)
}

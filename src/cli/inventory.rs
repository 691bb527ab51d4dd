//! `cloudpact inventory`.

use super::args::{InventoryArgs, InventoryFormat};
use super::scan::{self, Fatal, Settings};
use super::{Status, emit};
use crate::render;

pub fn run(args: &InventoryArgs) -> Result<Status, Fatal> {
    let settings = Settings::resolve(&args.scan)?;
    let facts = scan::collect_facts(&settings)?;
    if !args.scan.quiet {
        // Files that could not be read are part of the inventory's truth: say so on stderr.
        super::print_diags(&facts.parse_errors, args.scan.color);
    }
    let by_provider = scan::by_provider(&facts.deployments);
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

//! Stage 6: reports, one file per format. Every renderer takes the sorted findings and writes
//! text; none of them decides anything.

pub mod diagnostic;
pub mod excerpt;
#[cfg(test)]
pub(crate) mod fixture;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod inventory;
pub mod json;
pub mod junit;
pub mod locate;
pub mod markdown;
pub mod report_model;
pub mod result;
pub mod rule_docs;
pub mod sarif;
pub mod short;
pub mod terminal;

use std::collections::BTreeMap;

use jiff::civil::Date;

/// The counts every format's summary shows.
#[derive(Debug, Clone)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
    /// Of the suppressed, those a baseline accepts (src/baseline/mod.rs).
    pub baselined: usize,
    pub files: usize,
    pub deployments: usize,
    pub by_provider: BTreeMap<String, usize>,
    pub as_of: Date,
    pub elapsed_ms: u128,
}

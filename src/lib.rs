//! cloudpact: checks infrastructure configs against the cloud terms a company has signed.
//!
//! The pipeline, one module per stage:
//! [`discover`] files → [`parse`] each syntax → [`facts`]: deployments with provider, region,
//! country and kind → [`dsl`]: policies → [`eval`]: findings → [`suppress`]: ignore comments
//! and waivers → [`render`]: reports.
//! [`workspace`] runs that pipeline for a repository — the one engine behind `check`,
//! `inventory`, `explain`, `test` and the language server. [`cli`] parses flags and renders;
//! `lsp` (feature `lsp`) is the language server behind `cloudpact lsp`, and [`describe`] the
//! words both use for a deployment and a verdict.

pub mod baseline;
pub mod cli;
pub mod config;
pub(crate) mod describe;
pub mod diag;
pub mod discover;
pub mod dsl;
pub(crate) mod eval;
pub mod facts;
pub(crate) mod glob;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod memory;
pub mod merge;
pub mod parse;
pub mod render;
pub mod source;
pub(crate) mod suggest;
pub(crate) mod suppress;
pub mod timings;
pub mod workspace;

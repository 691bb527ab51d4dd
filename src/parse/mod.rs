//! Stage 2 of the pipeline: span-aware parsers, one per syntax. Every parser keeps byte spans on
//! every node it returns, and reports syntax errors at the parser's position.

pub mod bicep;
pub mod hcl;
pub mod json;
pub mod lines;
pub mod own_yaml;
pub mod toml;
pub mod tree;
pub mod yaml;

//! Bicep: a lexer and a span-keeping parser for the declarations cloudpact reads (`param`,
//! `var`, `resource`, `module`) with their object and array values.

mod lex;
mod syntax;

pub use syntax::{BVal, BicepFile, MAX_DEPTH, Obj, ResourceDecl, parse};

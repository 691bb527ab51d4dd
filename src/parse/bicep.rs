//! Bicep: a lexer and a span-keeping parser for the declarations cloudpact reads (`param`,
//! `var`, `resource`, `module`, and a `.bicepparam` file's `using`) with their object and array
//! values.

mod lex;
mod syntax;

pub(crate) use syntax::{BVal, BicepFile, MAX_DEPTH, ModuleDecl, Obj, ResourceDecl, parse};

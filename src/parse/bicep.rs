//! Bicep: a lexer and a span-keeping parser for the declarations cloudpact reads (`param`,
//! `var`, `resource`, `module`, and a `.bicepparam` file's `using`) with their object and array
//! values.

mod lex;
mod syntax;

pub(crate) use syntax::{BVal, BicepFile, MAX_DEPTH, ModuleDecl, Obj, ResourceDecl, parse};

/// Every string literal of a Bicep text without interpolation, in order: what a module's or a
/// `using`'s reference to another file can be. Empty when the text does not lex (the file is
/// then a parse error and references nothing).
pub(crate) fn string_literals(text: &str) -> Vec<std::borrow::Cow<'_, str>> {
    lex::string_literals(text).unwrap_or_default()
}

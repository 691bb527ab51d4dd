//! One file per request or notification; [`super::router`] lists them.

pub mod code_action;
pub mod code_lens;
pub mod completion;
pub mod definition;
pub mod did_change;
pub mod did_close;
pub mod did_open;
pub mod did_save;
pub mod formatting;
pub mod hover;
pub mod references;
pub mod symbols;

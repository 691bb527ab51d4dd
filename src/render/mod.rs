//! Stage 6: reports, one file per format.
pub mod diagnostic;

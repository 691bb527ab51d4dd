//! Stage 5: evaluating the rules against the deployments.

pub mod finding;

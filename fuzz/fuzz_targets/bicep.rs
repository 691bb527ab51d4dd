//! Fuzz target: the Bicep scanner and extractor.
#![no_main]

use std::sync::Arc;

use cloudpact::facts::catalog::Catalog;
use cloudpact::facts::{Ctx, bicep};
use cloudpact::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let catalog = Catalog::builtin();
    let file = Arc::new(SourceFile::new("main.bicep", text));
    let x = bicep::extract(&file, Ctx::new(&catalog));
    for d in &x.deployments {
        assert!(d.span.start <= d.span.end && d.span.end <= text.len());
    }
    for e in &x.errors {
        assert!(e.primary_span().is_some_and(|s| s.end <= text.len()));
    }
});

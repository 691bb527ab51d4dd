//! Arbitrary text through the policy parser and validator, the expression parser, the
//! refusal-record loader and the `cloudpact.yaml` parser: none of them may panic or overflow
//! the stack, and every error points inside the text.
#![no_main]

use std::sync::Arc;

use cloudpact::dsl;
use cloudpact::facts::catalog::Catalog;
use cloudpact::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let catalog = Catalog::builtin();
    let policy = Arc::new(SourceFile::new("fuzz.pact", text));
    for d in dsl::check_source(policy.clone(), &catalog) {
        // Every span must lie inside the file, on character boundaries.
        for l in &d.labels {
            assert!(l.span.start <= l.span.end && l.span.end <= text.len(), "{d:?}");
            assert!(text.is_char_boundary(l.span.start) && text.is_char_boundary(l.span.end));
        }
    }
    if let Ok(e) = dsl::parse_expr(text) {
        assert!(e.span.end <= text.len());
    }
    let records = Arc::new(SourceFile::new("fuzz.yaml", text));
    let (_, diags) = dsl::check_records(&records, &catalog);
    for d in diags {
        for l in &d.labels {
            assert!(l.span.start <= l.span.end && l.span.end <= text.len(), "{d:?}");
        }
    }
    let config = Arc::new(SourceFile::new("cloudpact.yaml", text));
    if let Err(d) = cloudpact::config::parse(&config) {
        for l in &d.labels {
            assert!(l.span.start <= l.span.end && l.span.end <= text.len(), "{d:?}");
        }
    }
});

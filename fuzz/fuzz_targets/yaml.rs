//! Fuzz target: YAML text → `Node` trees and the YAML extractors.
//!
//! Checks that parsing never panics, that every span of a parsed tree lies inside the input
//! on char boundaries, that syntax errors point inside the input, that wherever the fast path
//! reads the input it gives exactly what saphyr gives (documents, values and spans), and that
//! extraction of a parsed file never panics.

#![no_main]

use std::sync::Arc;

use cloudpact::facts::Ctx;
use cloudpact::facts::catalog::Catalog;
use cloudpact::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(fast) = cloudpact::parse::yaml::parse_stream_fast(text) {
        let saphyr = cloudpact::parse::yaml::parse_stream_saphyr(text);
        assert_eq!(saphyr.as_ref(), Ok(&fast), "the fast path and saphyr differ");
    }
    match cloudpact::parse::yaml::parse_str(text) {
        Ok(docs) => {
            for doc in &docs {
                doc.walk(&mut |n| {
                    assert!(n.span.start <= n.span.end && n.span.end <= text.len());
                    assert!(text.is_char_boundary(n.span.start));
                    assert!(text.is_char_boundary(n.span.end));
                });
            }
        }
        Err(e) => assert!(e.span.start <= e.span.end && e.span.end <= text.len()),
    }
    let catalog = Catalog::builtin();
    for path in ["k8s/x.yaml", ".github/workflows/ci.yml", "serverless.yml", "Pulumi.yaml"] {
        let file = Arc::new(SourceFile::new(path, text));
        let _ = cloudpact::facts::yaml::extract(&file, Ctx::new(&catalog));
    }
});

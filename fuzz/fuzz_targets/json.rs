//! Fuzz target: JSON text → Node (strict and lenient; the direct parse against jsonc-parser's
//! tree), then the JSON extractor (dispatch, ARM, endpoint scan).
#![no_main]

use std::sync::Arc;

use cloudpact::facts::catalog::Catalog;
use cloudpact::facts::{Ctx, json};
use cloudpact::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [
        cloudpact::parse::json::parse(text),
        cloudpact::parse::json::parse_lenient(text),
    ] {
        match parsed {
            Ok(root) => root.walk(&mut |n| {
                assert!(n.span.start <= n.span.end && n.span.end <= text.len());
                assert!(text.is_char_boundary(n.span.start) && text.is_char_boundary(n.span.end));
            }),
            Err(e) => assert!(e.span.end <= text.len()),
        }
    }
    // Plain JSON is parsed straight into our tree; jsonc-parser's tree must agree.
    for lenient in [false, true] {
        if let Some((direct, via)) = cloudpact::parse::json::both_ways(text, lenient) {
            assert_eq!(Ok(direct), via, "lenient: {lenient}");
        }
    }
    let catalog = Catalog::builtin();
    for name in ["f.json", "azuredeploy.json", "main.tf.json", "tsconfig.json"] {
        let file = Arc::new(SourceFile::new(name, text));
        let x = json::extract(&file, Ctx::new(&catalog));
        for d in &x.deployments {
            assert!(d.span.end <= text.len());
        }
    }
});

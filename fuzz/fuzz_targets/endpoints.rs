//! Fuzz target: the text config scanners (`.env`, INI, properties, TOML) and Helm templates.
#![no_main]

use std::sync::Arc;

use cloudpact::discover::Syntax;
use cloudpact::facts::catalog::Catalog;
use cloudpact::facts::{Ctx, endpoints, helm};
use cloudpact::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let catalog = Catalog::builtin();
    let ctx = Ctx::new(&catalog);
    let file = Arc::new(SourceFile::new("f", text));
    for syntax in [Syntax::Dotenv, Syntax::Ini, Syntax::Properties, Syntax::Toml] {
        let x = endpoints::extract_text_config(&file, syntax, ctx);
        assert!(x.deployments.iter().all(|d| d.span.end <= text.len()));
    }
    let x = helm::extract_template(&file, ctx);
    assert!(x.deployments.iter().all(|d| d.span.end <= text.len()));
});

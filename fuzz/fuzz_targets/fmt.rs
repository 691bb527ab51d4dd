//! Arbitrary text through `policy fmt`: formatting never panics, and when the text parses, the
//! output parses too, means the same (same AST and lowering problems once spans are left out),
//! keeps every comment in order, and formats to itself.
#![no_main]

use std::sync::Arc;

use cloudpact::dsl;
use cloudpact::dsl::fmt::{comments, format};
use cloudpact::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(once) = format(text) else {
        return;
    };
    let twice = format(&once)
        .unwrap_or_else(|e| panic!("the output does not parse: {}\n{once}", e.message()));
    assert_eq!(twice, once, "not idempotent");
    let texts = |t: &str| comments(t).into_iter().map(|c| c.text).collect::<Vec<_>>();
    assert_eq!(texts(text), texts(&once), "comments changed:\n{once}");
    assert_eq!(meaning(text), meaning(&once), "meaning changed:\n{once}");
});

/// The AST and the lowering problems of `text`, without spans.
fn meaning(text: &str) -> String {
    let file = Arc::new(SourceFile::new("fuzz.pact", text));
    match dsl::parse_source(&file) {
        Ok((ast, problems)) => {
            let problems: Vec<_> = problems.iter().map(|p| (p.code, &p.message)).collect();
            without_spans(&format!("{ast:?}\n{problems:?}"))
        }
        Err(d) => format!("syntax error: {}", d.message),
    }
}

/// `Span { start: 1, end: 2 }` → `Span`.
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at..];
        rest = rest.find('}').map_or("", |end| &rest[end + 1..]);
    }
    out.push_str(rest);
    out
}

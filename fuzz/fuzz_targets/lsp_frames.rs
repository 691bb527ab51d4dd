//! Fuzz target: the language server's stdin reader (`Content-Length` framing, then JSON-RPC).
//! Whatever the bytes, it must end (no hang, no allocation of a claimed length), and every body
//! that is not a message must get a JSON-RPC error response of the right code.
#![no_main]

use cloudpact::lsp::{Body, read_stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (bodies, _broken) = read_stream(data);
    // Each frame has at least `Content-Length: N` and a blank line besides its body.
    assert!(bodies.len() <= data.len() / 18 + 1);
    for body in bodies {
        if let Body::Refused(response) = body {
            let code = response["error"]["code"].as_i64();
            assert!(
                code == Some(-32700) || code == Some(-32600),
                "unexpected error response {response}"
            );
            assert_eq!(response["jsonrpc"], "2.0");
        }
    }
});

//! `textDocument/didOpen`: remember the editor's text and analyse it right away.

use lsp_types::DidOpenTextDocumentParams;

use crate::lsp::document::Document;
use crate::lsp::server::{Job, Server};

pub(crate) fn handle(server: &Server, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    let Some((root, rel)) = server.open(&doc.uri) else {
        return;
    };
    root.lock().docs.insert(
        rel.clone(),
        Document {
            uri: doc.uri,
            text: doc.text,
            version: doc.version,
        },
    );
    root.submit(Job::Touched {
        rel,
        now: true,
        saved: false,
    });
}

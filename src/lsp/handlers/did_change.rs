//! `textDocument/didChange`: apply the edits (incremental sync) now, analyse after the
//! debounce, so typing never waits for an analysis.

use lsp_types::DidChangeTextDocumentParams;

use crate::lsp::server::{Job, Server};

pub(crate) fn handle(server: &Server, params: DidChangeTextDocumentParams) {
    let Some((root, rel)) = server.locate(&params.text_document.uri) else {
        return;
    };
    {
        let mut shared = root.lock();
        let Some(doc) = shared.docs.get_mut(&rel) else {
            return;
        };
        doc.apply(params.content_changes, server.encoding);
        doc.version = params.text_document.version;
    }
    root.submit(Job::Touched {
        rel,
        now: false,
        saved: false,
    });
}

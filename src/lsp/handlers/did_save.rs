//! `textDocument/didSave`: analyse now; a saved `cloudpact.yaml` takes effect (rescan).

use lsp_types::DidSaveTextDocumentParams;

use crate::lsp::server::{Job, Server};

pub fn handle(server: &Server, params: DidSaveTextDocumentParams) {
    let Some(rel) = server.rel(&params.text_document.uri) else {
        return;
    };
    if let Some(text) = params.text
        && let Some(doc) = server.lock().docs.get_mut(&rel)
    {
        doc.text = text;
    }
    server.submit(Job::Touched {
        rel,
        now: true,
        saved: true,
    });
}

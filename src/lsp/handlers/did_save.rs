//! `textDocument/didSave`: analyse now; a saved `cloudpact.yaml` takes effect (rescan).

use lsp_types::DidSaveTextDocumentParams;

use crate::lsp::server::{Job, Server};

pub(crate) fn handle(server: &Server, params: DidSaveTextDocumentParams) {
    let Some((root, rel)) = server.locate(&params.text_document.uri) else {
        return;
    };
    if let Some(text) = params.text
        && let Some(doc) = root.lock().docs.get_mut(&rel)
    {
        doc.text = text;
    }
    root.submit(Job::Touched {
        rel,
        now: true,
        saved: true,
    });
}

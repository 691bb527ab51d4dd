//! `textDocument/didClose`: clear the document's diagnostics; its unit goes back to the disk's
//! text (an unsaved edit no longer counts).

use lsp_types::DidCloseTextDocumentParams;

use crate::lsp::server::{Job, Server, publish_message};

pub(crate) fn handle(server: &Server, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    let Some((root, rel)) = server.close(&uri) else {
        return;
    };
    {
        let mut shared = root.lock();
        shared.docs.remove(&rel);
        shared.published.remove(&rel);
        shared.source_diags.remove(&rel);
        shared.analysed.remove(&rel);
    }
    (server.out)(publish_message(uri, Vec::new(), None));
    root.submit(Job::Touched {
        rel,
        now: true,
        saved: false,
    });
}

//! Every route the server answers, in one place. Each handler lives in its own file under
//! `handlers/`; anything not listed gets `MethodNotFound` (requests) or is ignored
//! (notifications such as `$/cancelRequest` and `initialized`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use lsp_server::{ErrorCode, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as NotificationType,
};
use lsp_types::request::{
    CodeActionRequest, CodeLensRequest, Completion, DocumentSymbolRequest, Formatting,
    GotoDefinition, HoverRequest, RangeFormatting, References, Request as RequestType,
    WorkspaceSymbolRequest,
};

use super::handlers::{
    code_action, code_lens, completion, definition, did_change, did_close, did_open, did_save,
    formatting, hover, references, symbols,
};
use super::server::Server;

pub(crate) fn request(server: &Server, req: Request) -> Response {
    match req.method.as_str() {
        HoverRequest::METHOD => answer::<HoverRequest>(server, req, hover::handle),
        CodeActionRequest::METHOD => answer::<CodeActionRequest>(server, req, code_action::handle),
        Completion::METHOD => answer::<Completion>(server, req, completion::handle),
        GotoDefinition::METHOD => answer::<GotoDefinition>(server, req, definition::handle),
        References::METHOD => answer::<References>(server, req, references::handle),
        DocumentSymbolRequest::METHOD => {
            answer::<DocumentSymbolRequest>(server, req, symbols::document)
        }
        WorkspaceSymbolRequest::METHOD => {
            answer::<WorkspaceSymbolRequest>(server, req, symbols::workspace)
        }
        Formatting::METHOD => answer::<Formatting>(server, req, formatting::document),
        RangeFormatting::METHOD => answer::<RangeFormatting>(server, req, formatting::range),
        CodeLensRequest::METHOD => answer::<CodeLensRequest>(server, req, code_lens::handle),
        _ => Response::new_err(
            req.id,
            ErrorCode::MethodNotFound as i32,
            format!("cloudpact does not handle `{}`", req.method),
        ),
    }
}

pub(crate) fn notification(server: &Server, n: Notification) {
    match n.method.as_str() {
        DidOpenTextDocument::METHOD => notify::<DidOpenTextDocument>(server, n, did_open::handle),
        DidChangeTextDocument::METHOD => {
            notify::<DidChangeTextDocument>(server, n, did_change::handle)
        }
        DidSaveTextDocument::METHOD => notify::<DidSaveTextDocument>(server, n, did_save::handle),
        DidCloseTextDocument::METHOD => {
            notify::<DidCloseTextDocument>(server, n, did_close::handle)
        }
        _ => {}
    }
}

fn answer<R: RequestType>(
    server: &Server,
    req: Request,
    handler: fn(&Server, R::Params) -> R::Result,
) -> Response {
    let id = req.id.clone();
    match req.extract::<R::Params>(R::METHOD) {
        // A bug in one handler answers one request with an error; the server goes on.
        Ok((id, params)) => match catch_unwind(AssertUnwindSafe(|| handler(server, params))) {
            Ok(result) => Response::new_ok(id, result),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("cloudpact: internal error in `{}`", R::METHOD),
            ),
        },
        Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string()),
    }
}

fn notify<N: NotificationType>(server: &Server, n: Notification, handler: fn(&Server, N::Params)) {
    // A malformed notification has no one to answer; dropping it is all the protocol allows.
    if let Ok(params) = n.extract::<N::Params>(N::METHOD) {
        let _ = catch_unwind(AssertUnwindSafe(|| handler(server, params)));
    }
}

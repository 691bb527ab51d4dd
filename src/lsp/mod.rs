//! `cloudpact lsp`: a language server over stdio, in the same binary (feature `lsp`).
//!
//! It opens the library's workspace engine (the same root, config and unit grouping as
//! `cloudpact check`), scans once, then keeps the deployments of every extraction unit and
//! re-extracts only the unit of a file that changes. For each open file it publishes what
//! `cloudpact check FILE` reports for it (whole-repository rules are left to a check of the
//! whole repository); for `.pact` files, refusal records and `cloudpact.yaml` it also publishes
//! their own errors as the user types. Hover on a
//! deployment tells its attributes, the evidence, and every rule's verdict; a quick fix inserts
//! a `cloudpact:ignore` comment for a waivable rule. For the policy author: completion from the
//! grammar and the workspace, definition and references of rules, symbols, formatting, hover on
//! the language's words and code lenses evaluated on the workspace ([`lang`] and the handlers;
//! editors/README.md, "Writing policies").
//!
//! Threads: the main loop reads messages, applies edits to open documents and answers hover and
//! code actions from the last analysis; a worker debounces `didChange` and does the analysis,
//! holding the state's lock only to copy inputs out and results in. Routes are listed in
//! [`router`], one handler per file in [`handlers`].

mod document;
mod handlers;
mod lang;
mod position;
mod publish;
mod router;
mod server;
mod transport;
mod workspace;

#[cfg(test)]
mod editor_tests;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Date;
use lsp_server::{Connection, Message, ProtocolError};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CodeLensOptions,
    CompletionOptions, HoverProviderCapability, InitializeParams, OneOf, SaveOptions,
    ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

pub(crate) use position::Encoding;
pub use transport::{Body, read_stream};

use crate::diag::Diag;
use crate::dsl::Loaded;
use crate::facts::catalog::Catalog;
use crate::facts::model::Deployment;
use crate::facts::{Ctx, Extraction, Input};
use crate::source::SourceFile;
use crate::workspace::Workspace;

/// The pipeline stages the server calls. The real ones by default; tests and benchmarks swap
/// in their own (the taplo way: the server's I/O behind a small trait).
pub trait Pipeline: Send + Sync {
    /// Policies and refusal records of `ws`, with its unsaved editor text.
    fn load_policies(&self, ws: &Workspace) -> Loaded {
        ws.load_policies()
    }

    fn check_policy(&self, file: Arc<SourceFile>, catalog: &Catalog) -> Vec<Diag> {
        crate::dsl::check_source(file, catalog)
    }

    fn extract(&self, inputs: &[Input], ctx: Ctx<'_>) -> Extraction<Arc<Deployment>> {
        crate::facts::extract(inputs, ctx)
    }
}

/// discover → facts → dsl → eval, as `cloudpact check` runs them.
#[derive(Debug, Default, Clone, Copy)]
pub struct Real;

impl Pipeline for Real {}

/// How the server behaves beyond what the client negotiates.
#[derive(Debug, Clone)]
pub struct Options {
    /// The date contracts are evaluated at (default: today, UTC).
    pub as_of: Option<Date>,
    /// Quiet time after the last `didChange` before analysing (clients may override it with
    /// the initialization option `debounceMs`).
    pub debounce: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            as_of: None,
            // Edits that arrive while an analysis runs are analysed together when it ends;
            // an edit to an idle server is analysed at once (docs/performance.md, "Editor").
            debounce: Duration::ZERO,
        }
    }
}

/// Serves on stdin/stdout until the client says `exit` or closes stdin; an error when the
/// stream broke (a frame that cannot be read: see [`transport`]) or the protocol was not kept.
pub(crate) fn run(opts: Options) -> Result<(), String> {
    let (conn, failure) = transport::stdio();
    // The I/O threads are not joined: after `exit` the worker may still be finishing an
    // analysis (holding a sender), and the process ending is what the client waits for. The
    // `shutdown` answer was written before the client could send `exit`.
    let served = serve(&conn, opts, Arc::new(Real)).map_err(|e| e.to_string());
    // A broken stream ends the server as a closed one would: it is the cause to report.
    match failure.get() {
        Some(why) => Err(why),
        None => served,
    }
}

/// Serves one client over `conn` (stdio, or `Connection::memory()` in tests and benchmarks):
/// the `initialize` handshake, then messages until `shutdown` and `exit`.
pub fn serve(
    conn: &Connection,
    opts: Options,
    pipeline: Arc<dyn Pipeline>,
) -> Result<(), ProtocolError> {
    let (id, raw) = conn.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(raw.clone()).unwrap_or_default();
    let encoding = Encoding::negotiate(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    let init = params.initialization_options.as_ref();
    let debounce = init
        .and_then(|o| o.get("debounceMs"))
        .and_then(serde_json::Value::as_u64)
        .map_or(opts.debounce, Duration::from_millis);
    let as_of = init
        .and_then(|o| o.get("asOf"))
        .and_then(serde_json::Value::as_str)
        .and_then(|s| s.parse::<Date>().ok())
        .or(opts.as_of)
        .unwrap_or_else(crate::workspace::today);
    let folders = folders_of(&params, &raw);

    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": { "name": "cloudpact", "version": env!("CARGO_PKG_VERSION") },
    });
    conn.initialize_finish(id, result)?;

    let sender = conn.sender.clone();
    let out: server::Outbox = Arc::new(move |m: Message| {
        // The client may be gone; there is no one left to tell.
        let _ = sender.send(m);
    });
    let server = server::Server::start(
        &folders,
        server::Settings {
            as_of,
            encoding,
            debounce,
            out,
            pipeline,
        },
    );
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req)? {
                    return Ok(());
                }
                let resp = router::request(&server, req);
                (server.out)(Message::Response(resp));
            }
            Message::Notification(n) => {
                if n.method == "exit" {
                    return Ok(());
                }
                router::notification(&server, n);
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), " ".into(), "[".into()]),
            ..Default::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        ..Default::default()
    }
}

/// Every workspace folder, else `rootUri`, else `rootPath`, else the current directory.
/// (`rootUri` and `rootPath` are deprecated in the protocol but older clients send only them.)
fn folders_of(params: &InitializeParams, raw: &serde_json::Value) -> Vec<PathBuf> {
    let from_folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| position::uri_to_path(&f.uri))
        .collect();
    if !from_folders.is_empty() {
        return from_folders;
    }
    let from_uri = || {
        raw.get("rootUri")
            .and_then(|u| u.as_str())
            .and_then(|u| u.parse().ok())
            .and_then(|u| position::uri_to_path(&u))
    };
    let from_path = || {
        raw.get("rootPath")
            .and_then(|p| p.as_str())
            .map(PathBuf::from)
    };
    let root = from_uri()
        .or_else(from_path)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    vec![root]
}

//! `textDocument/documentSymbol` (the policies of a `.pact` file with their rules) and
//! `workspace/symbol` (every loaded rule and policy of every root, filtered by the query).

use std::sync::Arc;

use lsp_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, Location, SymbolInformation,
    SymbolKind, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};

use crate::lsp::lang;
use crate::lsp::server::Server;
use crate::lsp::workspace::FileKind;
use crate::source::SourceFile;

pub(crate) fn document(
    server: &Server,
    params: DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let (root, rel) = server.locate(&params.text_document.uri)?;
    let shared = root.lock();
    if shared.ws.kind(&rel) != FileKind::Policy {
        return None;
    }
    let text = lang::text_of(&shared, &rel)?;
    let file = Arc::new(SourceFile::new(rel.clone(), text));
    // A text with a syntax error has no tree: nothing rather than stale positions.
    let (ast, _) = crate::dsl::parse_source(&file).ok()?;
    let enc = server.encoding;
    let symbols = ast
        .policies
        .iter()
        .map(|p| {
            let mut children: Vec<DocumentSymbol> = p
                .rules
                .iter()
                .map(|r| {
                    symbol(
                        format!("{}.{}", p.name.node, r.name.node),
                        Some(r.kind.node.as_str().to_string()),
                        SymbolKind::FUNCTION,
                        enc.range(&file, r.span),
                        enc.range(&file, r.name.span),
                        None,
                    )
                })
                .collect();
            children.extend(p.unknown_rules.iter().map(|r| {
                symbol(
                    format!("{}.{}", p.name.node, r.name.node),
                    Some(format!("{} (unknown kind)", r.kind.node)),
                    SymbolKind::FUNCTION,
                    enc.range(&file, r.span),
                    enc.range(&file, r.name.span),
                    None,
                )
            }));
            children.sort_by_key(|c| (c.range.start.line, c.range.start.character));
            symbol(
                p.name.node.clone(),
                Some("policy".into()),
                SymbolKind::NAMESPACE,
                enc.range(&file, p.span),
                enc.range(&file, p.name.span),
                Some(children),
            )
        })
        .collect();
    Some(DocumentSymbolResponse::Nested(symbols))
}

#[expect(
    deprecated,
    reason = "`DocumentSymbol::deprecated` must still be written"
)]
fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    range: lsp_types::Range,
    selection_range: lsp_types::Range,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children,
    }
}

pub(crate) fn workspace(
    server: &Server,
    params: WorkspaceSymbolParams,
) -> Option<WorkspaceSymbolResponse> {
    let query = params.query.to_lowercase();
    let mut out = Vec::new();
    for root in server.roots() {
        let shared = root.lock();
        let ws = &shared.ws;
        let mut policies: Vec<(&str, &Arc<SourceFile>)> = Vec::new();
        for r in &ws.policies.rules {
            if !policies.iter().any(|(p, _)| *p == &*r.policy) {
                policies.push((&r.policy, &r.file));
            }
            if r.id.to_lowercase().contains(&query) {
                out.push(info(
                    r.id.to_string(),
                    SymbolKind::FUNCTION,
                    lang::location(ws, &r.file, r.name_span, server.encoding),
                    Some(r.policy.to_string()),
                ));
            }
        }
        for (p, file) in policies {
            if !p.to_lowercase().contains(&query) {
                continue;
            }
            // The policy's name in its file: after `policy`.
            let at = file
                .text()
                .match_indices(p)
                .map(|(i, _)| i)
                .find(|&i| file.text()[..i].trim_end().ends_with("policy"))
                .unwrap_or(0);
            let span = crate::source::Span::new(at, at + p.len());
            out.push(info(
                p.to_string(),
                SymbolKind::NAMESPACE,
                lang::location(ws, file, span, server.encoding),
                None,
            ));
        }
    }
    Some(WorkspaceSymbolResponse::Flat(out))
}

#[expect(
    deprecated,
    reason = "`SymbolInformation::deprecated` must still be written"
)]
fn info(
    name: String,
    kind: SymbolKind,
    location: Location,
    container: Option<String>,
) -> SymbolInformation {
    SymbolInformation {
        name,
        kind,
        tags: None,
        deprecated: None,
        location,
        container_name: container,
    }
}

//! `textDocument/references`: from a rule (its id anywhere, or anywhere inside it in its
//! `.pact` file) to the deployments in its scope and the findings it raises now; from a
//! refusal record to the deployments it covers. Code lenses list the same through
//! `cloudpact.showReferences` (editors/README.md).

use lsp_types::{Location, ReferenceParams};

use crate::lsp::lang;
use crate::lsp::server::Server;
use crate::lsp::workspace::FileKind;

pub(crate) fn handle(server: &Server, params: ReferenceParams) -> Option<Vec<Location>> {
    let c = lang::cursor(server, &params.text_document_position)?;
    let shared = c.root.lock();
    let ws = &shared.ws;
    let (rel, offset) = (&*c.rel, c.offset);
    let enc = server.encoding;
    let engine = lang::engine(ws);

    let by_id = lang::id_at(&c.text, offset).and_then(|(_, id)| ws.policies.rule(id));
    let rule = by_id.map(|r| &**r).or_else(|| match ws.kind(rel) {
        FileKind::Policy => lang::rule_around(ws, rel, offset),
        _ => None,
    });
    if let Some(rule) = rule {
        let (fig, _, _) = lang::rule_figures(ws, &engine, rule, enc, true);
        let mut out = Vec::new();
        if params.context.include_declaration {
            out.push(lang::location(ws, &rule.file, rule.name_span, enc));
        }
        for loc in fig.in_scope.into_iter().chain(fig.findings) {
            if !out.contains(&loc) {
                out.push(loc);
            }
        }
        return Some(out);
    }
    if ws.kind(rel) == FileKind::Record {
        let rec = lang::record_around(ws, rel, offset)?;
        let (_, mut out) = lang::covered_by(ws, &engine, rec, enc, true);
        if params.context.include_declaration {
            out.insert(0, lang::location(ws, &rec.file, rec.span, enc));
        }
        return Some(out);
    }
    None
}

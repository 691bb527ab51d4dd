//! `textDocument/definition`: from a rule id anywhere (a waiver in `cloudpact.yaml`, a
//! `cloudpact:ignore` comment, a rule's own name) to the rule in its `.pact` file; from a
//! finding in an infra file to the rules it breaks; from a `refusals` glob to the files it
//! matches.

use lsp_types::{GotoDefinitionParams, GotoDefinitionResponse, Location, Range};

use crate::lsp::lang;
use crate::lsp::position::path_to_uri;
use crate::lsp::server::Server;
use crate::lsp::workspace::FileKind;
use crate::source::SourceFile;

pub(crate) fn handle(
    server: &Server,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let c = lang::cursor(server, &params.text_document_position_params)?;
    let shared = c.root.lock();
    let ws = &shared.ws;
    let (rel, text, index, offset) = (&*c.rel, &c.text, &c.index, c.offset);
    let enc = server.encoding;

    if ws.kind(rel) == FileKind::Policy
        && let Some(files) = glob_targets(ws, rel, text, offset)
    {
        return Some(GotoDefinitionResponse::Array(files));
    }
    if let Some((_, id)) = lang::id_at(text, offset)
        && let Some(rule) = ws.policies.rule(id)
    {
        let loc = lang::location(ws, &rule.file, rule.name_span, enc);
        return Some(GotoDefinitionResponse::Scalar(loc));
    }
    // On a finding: the rules it breaks.
    let line = index.line_of(offset);
    let mut rules: Vec<Location> = Vec::new();
    for f in ws.findings.get(rel).into_iter().flatten() {
        if f.file.index().line_of(f.span.start) != line {
            continue;
        }
        if let Some(rule) = ws.policies.rule(&f.rule) {
            let loc = lang::location(ws, &rule.file, rule.name_span, enc);
            if !rules.contains(&loc) {
                rules.push(loc);
            }
        }
    }
    (!rules.is_empty()).then_some(GotoDefinitionResponse::Array(rules))
}

/// The files matched by the `refusals` glob under the cursor, if it is in one.
fn glob_targets(
    ws: &crate::lsp::workspace::Workspace,
    rel: &str,
    text: &str,
    offset: usize,
) -> Option<Vec<Location>> {
    let file = std::sync::Arc::new(SourceFile::new(rel, text));
    let (ast, _) = crate::dsl::parse_source(&file).ok()?;
    let glob = ast
        .policies
        .iter()
        .flat_map(|p| &p.rules)
        .flat_map(|r| &r.clauses)
        .filter_map(|c| match &c.kind {
            crate::dsl::ast::ClauseKind::Refusals(globs) => Some(globs),
            _ => None,
        })
        .flatten()
        .find(|g| g.span.start <= offset && offset <= g.span.end)?;
    let files = crate::dsl::refusal_glob_files(&ws.abs(rel), &glob.node, ws.root());
    Some(
        files
            .iter()
            .map(|p| Location {
                uri: path_to_uri(p),
                range: Range::default(),
            })
            .collect(),
    )
}

//! `textDocument/hover` on a deployment (its declaration line, or anywhere in its span): what
//! cloudpact detected, the evidence for it, and every rule's verdict. In a `.pact` file, on
//! any word of the language (keyword, clause, rule kind, provider, kind, group, attribute):
//! its documentation. On a rule id anywhere (a waiver, an ignore comment): the rule.

use std::fmt::Write as _;
use std::sync::Arc;

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::eval::{Engine, EvalOptions};
use crate::facts::model::Deployment;
use crate::lsp::server::Server;
use crate::source::SourceFile;

pub(crate) fn handle(server: &Server, params: HoverParams) -> Option<Hover> {
    let at = params.text_document_position_params;
    let (root, rel) = server.locate(&at.text_document.uri)?;
    let shared = root.lock();
    let ws = &shared.ws;
    if let Some(h) = word_hover(server, &shared, &rel, at.position) {
        return Some(h);
    }
    let unit = ws.unit_of(&rel)?;
    // Spans refer to the text that was analysed, which may trail the editor by a debounce.
    let file = unit
        .inputs
        .iter()
        .find(|i| i.file.path == rel)?
        .file
        .clone();
    let offset = server
        .encoding
        .offset(&file.text(), &file.index(), at.position);
    let dep = deployment_at(&unit.deployments, &file, offset)?;

    let engine = Engine::new(
        &ws.policies,
        &ws.engine.catalog,
        EvalOptions {
            as_of: ws.as_of(),
            whole_repo: true,
        },
    );
    let mut md = String::new();
    let _ = writeln!(md, "**{}** `{}` ({})\n", dep.type_, dep.name, dep.format);
    for row in crate::describe::attribute_rows(dep) {
        let _ = writeln!(md, "- **{}**: {}", row.name, row.value);
        for e in row.evidence {
            let _ = writeln!(md, "  - because: {e}");
        }
    }
    if !dep.tags.is_empty() {
        let tags: Vec<String> = dep.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(md, "- **tags**: {}", tags.join(", "));
    }
    let _ = writeln!(md, "\n**Rules** (as of {})\n", ws.as_of());
    if ws.policies.rules.is_empty() {
        let _ = writeln!(md, "- no rules loaded");
    }
    for rule in &ws.policies.rules {
        let outcome = engine.judge(rule, dep);
        let _ = writeln!(
            md,
            "- `{}`: {}",
            rule.id,
            crate::describe::verdict(&outcome)
        );
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: md,
        }),
        range: Some(server.encoding.range(&file, dep.span)),
    })
}

/// The documentation of the word under the cursor: a rule id in any file, a word of the
/// language in a `.pact` file.
fn word_hover(
    server: &Server,
    shared: &crate::lsp::server::Shared,
    rel: &str,
    position: lsp_types::Position,
) -> Option<Hover> {
    let ws = &shared.ws;
    let policy = ws.kind(rel) == crate::lsp::workspace::FileKind::Policy;
    let text = crate::lsp::lang::text_of(shared, rel)?;
    let index = crate::source::LineIndex::new(&text);
    let offset = server.encoding.offset(&text, &index, position);
    let (span, id) = crate::lsp::lang::id_at(&text, offset)?;
    let doc = match ws.policies.rule(id) {
        Some(rule) => crate::lsp::lang::rule_doc(rule),
        None if policy => {
            // One word of `tag.team`, `kind`, `eu`: the part under the cursor.
            let word_start = span.start + text[span.start..offset].rfind('.').map_or(0, |i| i + 1);
            let word_end = text[offset..span.end]
                .find('.')
                .map_or(span.end, |i| offset + i);
            let word = &text[word_start..word_end];
            // The key of `tag.KEY`: the attribute.
            let word =
                if text[..word_start].ends_with("tag.") || text[..word_start].ends_with("label.") {
                    "tag"
                } else {
                    word
                };
            // Inside a comment or a string: nothing.
            let line_start = text[..word_start].rfind('\n').map_or(0, |i| i + 1);
            let before = &text[line_start..word_start];
            if before.contains("//") || before.contains('#') || before.matches('"').count() % 2 == 1
            {
                return None;
            }
            crate::lsp::lang::word_doc(&ws.engine.catalog, word)?
        }
        None => return None,
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: doc,
        }),
        range: Some(lsp_types::Range {
            start: server.encoding.position(&text, &index, span.start),
            end: server.encoding.position(&text, &index, span.end),
        }),
    })
}

/// The deployment declared on the offset's line, else the innermost one whose span holds it.
fn deployment_at<'a>(
    deps: &'a [Arc<Deployment>],
    file: &SourceFile,
    offset: usize,
) -> Option<&'a Deployment> {
    let line = file.index().line_of(offset);
    let here = deps.iter().filter(|d| d.path == file.path);
    here.clone()
        .find(|d| file.index().line_of(d.span.start) == line)
        .or_else(|| {
            here.filter(|d| d.span.start <= offset && offset < d.span.end)
                .min_by_key(|d| d.span.len())
        })
        .map(|d| &**d)
}

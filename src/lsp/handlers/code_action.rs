//! `textDocument/codeAction`: for a finding of a waivable rule, insert
//! `cloudpact:ignore RULE_ID -- <reason>` on the line above it, in the file's comment syntax.

use std::collections::{BTreeSet, HashMap};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, NumberOrString, Position,
    Range, TextEdit, WorkspaceEdit,
};

use crate::discover::Syntax;
use crate::lsp::server::Server;
use crate::lsp::workspace::FileKind;

pub(crate) fn handle(
    server: &Server,
    params: CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    let uri = params.text_document.uri;
    let (root, rel) = server.locate(&uri)?;
    let shared = root.lock();
    let ws = &shared.ws;
    if !matches!(ws.kind(&rel), FileKind::Infra(_)) {
        return None;
    }
    // The syntax as read (a `.template` is JSON or YAML by its text). JSON has no comments:
    // its findings are waived in `cloudpact.yaml`.
    let unit = ws.unit_of(&rel)?;
    let syntax = unit.inputs.iter().find(|i| i.file.path == rel)?.syntax;
    let comment = comment_prefix(syntax)?;
    let wanted = params.range.start.line..=params.range.end.line;
    let mut seen = BTreeSet::new();
    let mut actions = Vec::new();
    for f in ws.findings.get(&rel).into_iter().flatten() {
        let line = f.file.index().line_of(f.span.start);
        if !wanted.contains(&(line as u32)) || !seen.insert((line, f.rule.clone())) {
            continue;
        }
        if !ws.policies.rule(&f.rule).is_some_and(|r| r.waivable) {
            continue;
        }
        let text = f.file.line_text(line + 1);
        let indent = &text[..text.len() - text.trim_start().len()];
        let at = Position::new(line as u32, 0);
        let edit = TextEdit {
            range: Range::new(at, at),
            new_text: format!(
                "{indent}{comment} cloudpact:ignore {} -- <reason>\n",
                f.rule
            ),
        };
        let diagnostics: Vec<_> = params
            .context
            .diagnostics
            .iter()
            .filter(|d| d.code == Some(NumberOrString::String(f.rule.to_string())))
            .filter(|d| d.range.start.line == line as u32)
            .cloned()
            .collect();
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Ignore {} here (cloudpact:ignore)", f.rule),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                ..Default::default()
            }),
            ..Default::default()
        }));
    }
    Some(actions)
}

/// The line comment of a syntax, if it has one.
pub(crate) fn comment_prefix(syntax: Syntax) -> Option<&'static str> {
    match syntax {
        Syntax::Hcl
        | Syntax::Tfvars
        | Syntax::Yaml
        | Syntax::HelmTemplate
        | Syntax::Dotenv
        | Syntax::Toml
        | Syntax::Ini
        | Syntax::Properties => Some("#"),
        Syntax::Bicep => Some("//"),
        Syntax::Json | Syntax::CfnTemplate => None,
    }
}

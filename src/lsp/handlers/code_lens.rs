//! `textDocument/codeLens`: each rule of a `.pact` file evaluated live on the workspace —
//! "12 deployments in scope · 2 findings", for `share` "azure 78% of 41 (commitment 75%)" —
//! and each refusal record — "covers 3 deployments · expires in 41 days". A lens's command is
//! `cloudpact.showReferences` with the document's URI and the lens's position: the client
//! asks `textDocument/references` there, which lists the same deployments and findings
//! (editors/README.md).

use lsp_types::{CodeLens, CodeLensParams, Command, Range};
use serde_json::json;

use crate::dsl::ast::RuleKind;
use crate::eval::percent;
use crate::lsp::lang;
use crate::lsp::position::Encoding;
use crate::lsp::server::Server;
use crate::lsp::workspace::{FileKind, Workspace};

/// The client-side command a lens runs (the extensions in `editors/` define it).
pub(crate) const SHOW_REFERENCES: &str = "cloudpact.showReferences";

pub(crate) fn handle(server: &Server, params: CodeLensParams) -> Option<Vec<CodeLens>> {
    let uri = params.text_document.uri;
    let (root, rel) = server.locate(&uri)?;
    let shared = root.lock();
    Some(lenses(&shared.ws, &rel, &uri, server.encoding))
}

pub(crate) fn lenses(
    ws: &Workspace,
    rel: &str,
    uri: &lsp_types::Uri,
    enc: Encoding,
) -> Vec<CodeLens> {
    let engine = lang::engine(ws);
    let lens = |range: Range, title: String| CodeLens {
        range,
        command: Some(Command {
            title,
            command: SHOW_REFERENCES.to_string(),
            arguments: Some(vec![json!(uri), json!(range.start)]),
        }),
        data: None,
    };
    let mut out = Vec::new();
    match ws.kind(rel) {
        FileKind::Policy => {
            for rule in ws.policies.rules.iter().filter(|r| &*r.file.path == rel) {
                let range = enc.range(&rule.file, rule.name_span);
                let (fig, scope, findings) = lang::rule_figures(ws, &engine, rule, enc, false);
                let title = if !fig.active {
                    format!("inactive on {}", ws.as_of())
                } else if rule.kind == RuleKind::Share {
                    let providers: Vec<&str> = rule.providers.iter().map(|p| &**p).collect();
                    let share = if scope == 0 {
                        "no deployment".to_string()
                    } else {
                        percent(fig.listed as f64 * 100.0 / scope as f64)
                    };
                    format!(
                        "{} {share} of {scope} (commitment {})",
                        providers.join(", "),
                        percent(rule.at_least.unwrap_or_default())
                    )
                } else {
                    format!(
                        "{scope} {} in scope · {findings} {}",
                        plural(scope, "deployment", "deployments"),
                        plural(findings, "finding", "findings")
                    )
                };
                out.push(lens(range, title));
            }
        }
        FileKind::Record => {
            for rec in lang::records(ws)
                .into_iter()
                .filter(|r| &*r.file.path == rel)
            {
                let range = enc.range(&rec.file, rec.span);
                let (n, _) = lang::covered_by(ws, &engine, rec, enc, false);
                let when = expiry(rec.declined_on, rec.expires, ws.as_of());
                let title = format!(
                    "covers {n} {} · {when}",
                    plural(n, "deployment", "deployments")
                );
                out.push(lens(range, title));
            }
        }
        _ => {}
    }
    out
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// "expires in 41 days", "expired 3 days ago", "no expiry", "declined from 2027-01-01".
fn expiry(
    declined: jiff::civil::Date,
    expires: Option<jiff::civil::Date>,
    as_of: jiff::civil::Date,
) -> String {
    if as_of < declined {
        return format!("valid from {declined}");
    }
    let Some(end) = expires else {
        return "no expiry".to_string();
    };
    // A civil date difference is in days by default.
    let days = i64::from(end.since(as_of).map_or(0, |s| s.get_days()));
    match days {
        0 => "expires today".to_string(),
        1 => "expires tomorrow".to_string(),
        d if d > 0 => format!("expires in {d} days"),
        -1 => "expired yesterday".to_string(),
        d => format!("expired {} days ago", -d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn expiry_in_words() {
        let today = date(2026, 1, 1);
        assert_eq!(
            expiry(date(2025, 1, 1), Some(date(2026, 2, 11)), today),
            "expires in 41 days"
        );
        assert_eq!(
            expiry(date(2025, 1, 1), Some(date(2025, 12, 29)), today),
            "expired 3 days ago"
        );
        assert_eq!(expiry(date(2025, 1, 1), None, today), "no expiry");
        assert_eq!(
            expiry(date(2026, 3, 1), None, today),
            "valid from 2026-03-01"
        );
    }
}

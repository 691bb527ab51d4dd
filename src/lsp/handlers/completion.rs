//! `textDocument/completion`: in `.pact` files, what the grammar accepts at the cursor
//! (src/dsl/complete.rs) filled with the catalog's providers (the configuration's included),
//! rule kinds, attributes, groups, and the tag keys and values of the workspace's deployments;
//! in refusal records and `cloudpact.yaml`, their keys, providers, rule ids and `where`
//! expressions; after `cloudpact:ignore` in any infra file, rule ids. Every item carries its
//! documentation.

use std::collections::BTreeSet;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit,
    Documentation, MarkupContent, MarkupKind, Range, TextEdit,
};

use crate::dsl::ast::RuleKind;
use crate::dsl::complete::{self, Expected, Slot, Start};
use crate::facts::model::{Format, Kind};
use crate::lsp::lang;
use crate::lsp::server::Server;
use crate::lsp::workspace::{FileKind, Workspace};
use crate::source::Span;

pub(crate) fn handle(server: &Server, params: CompletionParams) -> Option<CompletionResponse> {
    let c = lang::cursor(server, &params.text_document_position)?;
    let shared = c.root.lock();
    let ws = &shared.ws;
    let (text, index) = (&c.text, &c.index);
    let items = items_at(ws, ws.kind(&c.rel), text, c.offset);
    let range_of = |span: Span| Range {
        start: server.encoding.position(text, index, span.start),
        end: server.encoding.position(text, index, span.end),
    };
    let items = items
        .into_iter()
        .map(|(span, item)| with_edit(item, range_of(span)))
        .collect();
    Some(CompletionResponse::Array(items))
}

fn with_edit(mut item: CompletionItem, range: Range) -> CompletionItem {
    item.text_edit = Some(CompletionTextEdit::Edit(TextEdit {
        range,
        new_text: item
            .insert_text
            .take()
            .unwrap_or_else(|| item.label.clone()),
    }));
    item
}

/// The items at `offset` of a file of kind `kind`, each with the span it replaces.
pub(crate) fn items_at(
    ws: &Workspace,
    kind: FileKind,
    text: &str,
    offset: usize,
) -> Vec<(Span, CompletionItem)> {
    let offset = crate::source::clamp_to_char_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..offset];
    match kind {
        FileKind::Policy => complete::expected_at(text, offset, Start::File)
            .map(|e| fill(ws, &e))
            .unwrap_or_default(),
        FileKind::Record => yaml(ws, line, line_start, Yaml::Record),
        FileKind::Config => yaml(
            ws,
            line,
            line_start,
            Yaml::Config(config_section(text, line_start)),
        ),
        FileKind::Infra(_) | FileKind::Other => ignore_comment(ws, line, line_start),
    }
}

/// Items for what the grammar expects.
fn fill(ws: &Workspace, e: &Expected) -> Vec<(Span, CompletionItem)> {
    let mut items: Vec<CompletionItem> = Vec::new();
    let catalog = &ws.engine.catalog;
    for k in &e.keywords {
        items.push(item(
            k,
            CompletionItemKind::KEYWORD,
            "keyword",
            lang::word_doc(catalog, k),
        ));
    }
    for slot in &e.slots {
        match slot {
            Slot::RuleKind => {
                for k in RuleKind::ALL {
                    items.push(item(
                        k.as_str(),
                        CompletionItemKind::CLASS,
                        "rule kind",
                        Some(lang::kind_doc(*k)),
                    ));
                }
            }
            Slot::Provider => items.extend(providers(ws)),
            Slot::Attribute => {
                for a in crate::dsl::names::ATTRIBUTES {
                    items.push(item(
                        a,
                        CompletionItemKind::FIELD,
                        "attribute",
                        lang::attribute_doc(a).map(str::to_string),
                    ));
                }
                for key in tag_keys(ws) {
                    let label = format!("tag.{}", quoted_key(&key));
                    items.push(item(
                        &label,
                        CompletionItemKind::FIELD,
                        "tag seen in the workspace",
                        lang::attribute_doc("tag").map(str::to_string),
                    ));
                }
            }
            Slot::TagKey => {
                for key in tag_keys(ws) {
                    items.push(item(
                        &quoted_key(&key),
                        CompletionItemKind::FIELD,
                        "tag seen in the workspace",
                        Some(tag_values_doc(ws, &key)),
                    ));
                }
            }
            Slot::Group => {
                for g in crate::dsl::names::GROUPS {
                    items.push(item(
                        g,
                        CompletionItemKind::ENUM,
                        "country group",
                        lang::group_doc(g),
                    ));
                }
            }
            Slot::Severity => {
                for s in crate::dsl::names::SEVERITIES {
                    items.push(item(s, CompletionItemKind::ENUM_MEMBER, "severity", None));
                }
            }
            Slot::UnknownMode => {
                let docs = [
                    ("allow", "An unknown value is no finding (the default)."),
                    ("warn", "An unknown value is a warning."),
                    (
                        "deny",
                        "An unknown value is a finding at the rule's severity.",
                    ),
                ];
                for (w, d) in docs {
                    items.push(item(
                        w,
                        CompletionItemKind::ENUM_MEMBER,
                        "unknown",
                        Some(d.to_string()),
                    ));
                }
            }
            Slot::Value(attr) => items.extend(values(ws, attr)),
        }
    }
    let mut seen = BTreeSet::new();
    items.retain(|i| seen.insert(i.label.clone()));
    items.into_iter().map(|i| (e.word, i)).collect()
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: &str,
    doc: Option<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        documentation: doc.map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        ..Default::default()
    }
}

/// Provider ids and aliases of the workspace's catalog (the configuration's providers too).
fn providers(ws: &Workspace) -> Vec<CompletionItem> {
    let catalog = &ws.engine.catalog;
    let mut out = Vec::new();
    for p in catalog.providers() {
        out.push(item(
            &p.id,
            CompletionItemKind::VALUE,
            &p.name,
            lang::provider_doc(catalog, &p.id),
        ));
        for a in &p.aliases {
            out.push(item(
                a,
                CompletionItemKind::VALUE,
                &format!("alias of {}", p.id),
                lang::provider_doc(catalog, a),
            ));
        }
    }
    out
}

/// A tag key as the language writes it: bare when it is an identifier, else quoted.
fn quoted_key(key: &str) -> String {
    let ident = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(complete::word_char);
    if ident {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn tag_keys(ws: &Workspace) -> BTreeSet<String> {
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    for d in lang::all_deployments(ws) {
        keys.extend(d.tags.keys().map(String::as_str));
    }
    keys.into_iter().map(str::to_string).collect()
}

fn tag_values(ws: &Workspace, key: &str) -> BTreeSet<String> {
    let mut values: BTreeSet<&str> = BTreeSet::new();
    values.extend(lang::all_deployments(ws).filter_map(|d| d.tags.get(key).map(String::as_str)));
    values.into_iter().map(str::to_string).collect()
}

fn tag_values_doc(ws: &Workspace, key: &str) -> String {
    let values: Vec<String> = tag_values(ws, key)
        .into_iter()
        .take(20)
        .map(|v| format!("`{v}`"))
        .collect();
    format!("Values seen in the workspace: {}", values.join(", "))
}

/// Values of an attribute: its fixed vocabulary, else what the workspace's deployments hold.
fn values(ws: &Workspace, attr: &str) -> Vec<CompletionItem> {
    let value = |v: &str, detail: &str, doc: Option<String>| {
        let mut i = item(v, CompletionItemKind::VALUE, detail, doc);
        // A value that is not an identifier is written as a string.
        if !(v.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && v.chars().all(complete::word_char))
        {
            i.insert_text = Some(format!("{v:?}"));
        }
        i
    };
    let seen = |f: &dyn Fn(&crate::facts::model::Deployment) -> Option<String>| {
        lang::all_deployments(ws)
            .filter_map(|d| f(d))
            .collect::<BTreeSet<String>>()
    };
    let attr_name = attr;
    if let Some(key) = attr_name
        .strip_prefix("tag.")
        .or_else(|| attr_name.strip_prefix("label."))
    {
        let key = key.trim_matches('"');
        return tag_values(ws, key)
            .iter()
            .map(|v| value(v, &format!("tag.{key} seen in the workspace"), None))
            .collect();
    }
    match attr_name {
        "kind" => Kind::ALL
            .iter()
            .map(|k| {
                value(
                    k.as_str(),
                    "kind",
                    Some(lang::deployment_kind_doc(*k).to_string()),
                )
            })
            .collect(),
        "provider" => providers(ws),
        "format" => Format::ALL
            .iter()
            .map(|f| value(f.as_str(), "format", None))
            .collect(),
        "gpu" => ["true", "false"]
            .iter()
            .map(|b| value(b, "boolean", None))
            .collect(),
        "region" => seen(&|d| d.region.clone())
            .iter()
            .map(|v| value(v, "region seen in the workspace", None))
            .collect(),
        "country" => seen(&|d| d.country.clone())
            .iter()
            .map(|v| value(v, "country seen in the workspace", None))
            .collect(),
        "service" => seen(&|d| d.service.clone())
            .iter()
            .map(|v| value(v, "service seen in the workspace", None))
            .collect(),
        "type" => seen(&|d| Some(d.type_.clone()))
            .iter()
            .map(|v| value(v, "type seen in the workspace", None))
            .collect(),
        _ => Vec::new(),
    }
}

/// Rule ids of the loaded policies, replacing `span`.
fn rule_ids(ws: &Workspace) -> Vec<CompletionItem> {
    ws.policies
        .rules
        .iter()
        .map(|r| {
            item(
                &r.id,
                CompletionItemKind::REFERENCE,
                &format!("{} rule", r.kind.as_str()),
                Some(lang::rule_doc(r)),
            )
        })
        .collect()
}

/// The word being typed at the end of `line` (rule ids include `.`).
fn typed(line: &str, line_start: usize, dots: bool) -> Span {
    let start = line
        .trim_end_matches(|c: char| complete::word_char(c) || (dots && c == '.'))
        .len();
    Span::new(line_start + start, line_start + line.len())
}

/// After `cloudpact:ignore` in a comment: rule ids (several may be listed, comma-separated).
fn ignore_comment(ws: &Workspace, line: &str, line_start: usize) -> Vec<(Span, CompletionItem)> {
    let Some(i) = line.find("cloudpact:ignore") else {
        return Vec::new();
    };
    let after = &line[i + "cloudpact:ignore".len()..];
    // The reason (after `--`) and an `until=` are free text.
    if !after.starts_with([' ', '\t']) || after.contains("--") || after.contains('=') {
        return Vec::new();
    }
    let span = typed(line, line_start, true);
    rule_ids(ws).into_iter().map(|i| (span, i)).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Yaml<'a> {
    Record,
    /// The top-level key the line is under (`waivers`), if any.
    Config(Option<&'a str>),
}

/// The top-level key a line of `cloudpact.yaml` belongs to.
fn config_section(text: &str, line_start: usize) -> Option<&str> {
    text[..line_start]
        .lines()
        .rev()
        .find(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .and_then(|l| l.split_once(':'))
        .map(|(k, _)| k.trim())
}

const RECORD_KEYS: &[(&str, &str)] = &[
    (
        "id",
        "The record's id (`ROFR-2025-007`), unique across the records the policies read.",
    ),
    (
        "holder",
        "The provider that holds the right of first refusal and declined.",
    ),
    (
        "granted_to",
        "The providers now allowed for this scope: one, or a list.",
    ),
    ("declined_on", "The date the holder declined (YYYY-MM-DD)."),
    (
        "expires",
        "Optional: the last day the record is valid (YYYY-MM-DD).",
    ),
    (
        "where",
        "Optional: the declined scope, an expression such as `'gpu and region == \"us-east-1\"'`.",
    ),
    ("reason", "Why the holder declined, in words."),
    ("evidence", "Optional: where the written refusal is kept."),
];

const WAIVER_KEYS: &[(&str, &str)] = &[
    ("rule", "The id of the rule waived (`policy.rule`)."),
    (
        "where",
        "Optional: which findings, an expression such as `'path matches \"legacy/**\"'`.",
    ),
    ("reason", "Why the findings are accepted."),
    (
        "until",
        "Optional: the last day of the waiver (YYYY-MM-DD).",
    ),
];

/// Completion in a refusal record or `cloudpact.yaml`, from the line before the cursor.
fn yaml(
    ws: &Workspace,
    line: &str,
    line_start: usize,
    file: Yaml<'_>,
) -> Vec<(Span, CompletionItem)> {
    let body = line.trim_start().trim_start_matches('-').trim_start();
    let body = body.trim_start_matches('{').trim_start();
    // In a flow mapping (`- {rule: a.b, where: …`), the last entry counts.
    let body = body.rsplit(", ").next().unwrap_or(body);
    let Some((key, value)) = body.split_once(':') else {
        // A key being typed.
        let keys: Vec<(&str, &str)> = match file {
            Yaml::Record => RECORD_KEYS.to_vec(),
            Yaml::Config(_) if !line.starts_with([' ', '-']) => crate::config::KEYS
                .iter()
                .map(|k| (*k, "a setting of cloudpact.yaml (docs/configuration.md)"))
                .collect(),
            Yaml::Config(Some("waivers")) => WAIVER_KEYS.to_vec(),
            Yaml::Config(_) => Vec::new(),
        };
        let span = typed(line, line_start, false);
        return keys
            .into_iter()
            .map(|(k, d)| {
                let mut i = item(k, CompletionItemKind::PROPERTY, "key", Some(d.to_string()));
                i.insert_text = Some(format!("{k}: "));
                (span, i)
            })
            .collect();
    };
    let key = key.trim();
    let value_start = line_start + line.len() - value.len();
    match (file, key) {
        (Yaml::Record, "holder" | "granted_to") => {
            let span = typed(line, line_start, false);
            providers(ws).into_iter().map(|i| (span, i)).collect()
        }
        (Yaml::Config(Some("waivers")), "rule") => {
            let span = typed(line, line_start, true);
            rule_ids(ws).into_iter().map(|i| (span, i)).collect()
        }
        (Yaml::Record | Yaml::Config(Some("waivers")), "where") => {
            // The expression inside its quotes.
            let trimmed = value.trim_start();
            let quote = trimmed.starts_with(['\'', '"']);
            let expr_start = value_start + value.len() - trimmed.len() + usize::from(quote);
            let expr = &line[expr_start - line_start..];
            let Some(e) = complete::expected_at(expr, expr.len(), Start::Expr) else {
                return Vec::new();
            };
            let e = Expected {
                word: Span::new(e.word.start + expr_start, e.word.end + expr_start),
                ..e
            };
            fill(ws, &e)
        }
        _ => Vec::new(),
    }
}

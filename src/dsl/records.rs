//! Refusal records: one YAML document per file, a list of records (docs/language.md,
//! "Refusal records").
//!
//! The values are deserialised with serde_yaml into typed structs; serde_yaml has no positions,
//! so the same text is also read into the span-aware tree (`parse::own_yaml`), which locates
//! every item, key and value for the diagnostics. A record's `where` is parsed with the policy
//! expression parser, and its spans are moved from the decoded string into the YAML file, so an
//! error in it points at the right character of the YAML line.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::ast::{Expr, Spanned};
use super::lower::{Problem, parse_date};
use super::model::RefusalRecord;
use super::validate;
use crate::diag::Diag;
use crate::facts::catalog::Catalog;
use crate::facts::model::ProviderId;
use crate::parse::own_yaml::{self, Kind};
use crate::parse::tree::{Node, Value};
use crate::source::{SourceFile, Span};
use crate::suggest::did_you_mean;

/// Diagnostic codes of refusal records.
pub mod code {
    pub(crate) const NOT_A_LIST: &str = "cloudpact::record::not-a-list";
    pub(crate) const NOT_A_MAPPING: &str = "cloudpact::record::not-a-mapping";
    pub(crate) const MISSING_FIELD: &str = "cloudpact::record::missing-field";
    pub(crate) const UNKNOWN_KEY: &str = "cloudpact::record::unknown-key";
    pub(crate) const BAD_VALUE: &str = "cloudpact::record::bad-value";
    pub(crate) const UNKNOWN_PROVIDER: &str = "cloudpact::record::unknown-provider";
    pub(crate) const BAD_DATE: &str = "cloudpact::record::bad-date";
    pub(crate) const BAD_WHERE: &str = "cloudpact::record::bad-where";
    pub(crate) const WINDOW_ORDER: &str = "cloudpact::record::window-order";
    pub(crate) const SECOND_DOCUMENT: &str = "cloudpact::record::second-document";
    pub(crate) const DUPLICATE_ID: &str = "cloudpact::record::duplicate-id";
}

const KIND: Kind = Kind {
    what: "a refusal-record file",
    // A records file that cannot be read is reported like any file that cannot be parsed.
    invalid: crate::eval::finding::reserved::PARSE_ERROR,
    second_document: code::SECOND_DOCUMENT,
};

const REQUIRED: &[&str] = &["id", "holder", "granted_to", "declined_on", "reason"];
const KEYS: &[&str] = &[
    "id",
    "holder",
    "granted_to",
    "declined_on",
    "expires",
    "where",
    "reason",
    "evidence",
];

/// A record as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    id: Text,
    holder: Text,
    granted_to: OneOrMany,
    declined_on: Text,
    #[serde(default)]
    expires: Option<Text>,
    #[serde(default, rename = "where")]
    scope: Option<Text>,
    reason: Text,
    #[serde(default)]
    evidence: Option<Text>,
}

/// A scalar read as text (`id: 2025` is the id "2025").
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Text {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Text {
    fn into_string(self) -> String {
        match self {
            Text::Str(s) => s,
            Text::Int(i) => i.to_string(),
            Text::Float(f) => f.to_string(),
            Text::Bool(b) => b.to_string(),
        }
    }
}

/// `granted_to: oracle` or `granted_to: [oracle, aws]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Text),
    Many(Vec<Text>),
}

/// A key's span, its value's span, and the spans of the value's items when it is a list.
type KeySpans = (Span, Span, Vec<Span>);

/// Where a mapping's keys and values are.
struct ItemSpans {
    /// The item's first line.
    line: Span,
    /// key → (key span, value span, value item spans when a sequence).
    keys: HashMap<String, KeySpans>,
}

/// Loads every record of one file. Records with an error are left out; every error is a
/// diagnostic pointing at the YAML.
pub(crate) fn load_records(
    file: &Arc<SourceFile>,
    catalog: &Catalog,
) -> (Vec<Arc<RefusalRecord>>, Vec<Diag>) {
    let mut diags = Vec::new();
    let doc = match own_yaml::one_document(file, KIND) {
        Ok(Some(doc)) => doc,
        Ok(None) => return (Vec::new(), diags),
        Err(d) => {
            diags.push(d);
            return (Vec::new(), diags);
        }
    };
    let items = match &doc.value {
        Value::Seq(items) => items,
        Value::Null => return (Vec::new(), diags),
        _ => {
            let at = doc.span;
            diags.push(
                Diag::error(
                    code::NOT_A_LIST,
                    "a refusal file must be a YAML list of records",
                )
                .in_file(file.clone())
                .at(Span::new(at.start, at.start), "expected a list (`- id: …`)"),
            );
            return (Vec::new(), diags);
        }
    };
    // The typed values; the same document, read again without positions. A document the tree
    // reads but serde_yaml refuses (a key written twice) loses every record: say where.
    let values: Vec<serde_yaml::Value> = match serde_yaml::from_str(&file.text()) {
        Ok(v) => v,
        Err(e) => {
            diags.push(own_yaml::serde_error(file, KIND, Some(&doc), &e));
            return (Vec::new(), diags);
        }
    };

    let mut records: Vec<Arc<RefusalRecord>> = Vec::new();
    // Record ids seen in this file, with where: an id names one record (docs/language.md).
    let mut ids: HashMap<String, Span> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let Some(spans) = item_spans(file, item) else {
            let at = item.span;
            diags.push(
                Diag::error(
                    code::NOT_A_MAPPING,
                    "a refusal record must be a mapping of keys",
                )
                .in_file(file.clone())
                .at(at, "expected `id:`, `holder:`, …"),
            );
            continue;
        };
        let before = diags.len();
        check_keys(file, &spans, &mut diags);
        if diags.len() > before {
            continue;
        }
        let Some(value) = values.get(i).cloned() else {
            continue;
        };
        match serde_yaml::from_value::<RawRecord>(value) {
            Ok(raw) => {
                if let Some(r) = build(file, catalog, raw, &spans, &mut diags) {
                    let at = spans.keys.get("id").map_or(spans.line, |k| k.1);
                    if let Some(first) = ids.get(&r.id) {
                        diags.push(duplicate_id(&r.id, file, at, file, *first));
                        continue;
                    }
                    ids.insert(r.id.clone(), at);
                    records.push(Arc::new(r));
                }
            }
            Err(e) => diags.push(
                Diag::error(code::BAD_VALUE, format!("invalid refusal record: {e}"))
                    .in_file(file.clone())
                    .at(spans.line, "in this record")
                    .with_help("`id`, `holder`, `declined_on`, `reason` are text; `granted_to` is a list of providers"),
            ),
        }
    }
    (records, diags)
}

/// Missing required fields and unknown keys.
fn check_keys(file: &Arc<SourceFile>, spans: &ItemSpans, diags: &mut Vec<Diag>) {
    let mut missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|k| !spans.keys.contains_key(*k))
        .collect();
    missing.sort_unstable();
    if !missing.is_empty() {
        let quoted: Vec<String> = missing.iter().map(|k| format!("`{k}`")).collect();
        let list = match quoted.split_last() {
            Some((last, init)) if !init.is_empty() => format!("{} and {last}", init.join(", ")),
            _ => quoted.join(""),
        };
        let s = if missing.len() == 1 { "" } else { "s" };
        diags.push(
            Diag::error(
                code::MISSING_FIELD,
                format!("refusal record without {list}"),
            )
            .in_file(file.clone())
            .at(spans.line, format!("missing field{s} {list}"))
            .with_help("a record needs `id`, `holder`, `granted_to`, `declined_on` and `reason`"),
        );
    }
    let mut unknown: Vec<(&String, &KeySpans)> = spans
        .keys
        .iter()
        .filter(|(k, _)| !KEYS.contains(&k.as_str()))
        .collect();
    unknown.sort_by_key(|(_, (s, _, _))| s.start);
    for (k, (key_span, _, _)) in unknown {
        let m = did_you_mean(k, KEYS.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        diags.push(
            Diag::error(
                code::UNKNOWN_KEY,
                format!("unknown key `{k}` in a refusal record{m}"),
            )
            .in_file(file.clone())
            .at(*key_span, "not a record key")
            .with_help(format!("the keys are {}", KEYS.join(", "))),
        );
    }
}

fn build(
    file: &Arc<SourceFile>,
    catalog: &Catalog,
    raw: RawRecord,
    spans: &ItemSpans,
    diags: &mut Vec<Diag>,
) -> Option<RefusalRecord> {
    let before = diags.len();
    let value_span = |k: &str| spans.keys.get(k).map_or(spans.line, |(_, v, _)| *v);
    let provider = |name: &str, span: Span, diags: &mut Vec<Diag>| -> Option<ProviderId> {
        let id = catalog.resolve(name);
        if id.is_none() {
            let p = validate::unknown_provider(&Spanned::new(name.to_string(), span), catalog);
            diags.push(recode(p, code::UNKNOWN_PROVIDER).to_diag(file));
        }
        id
    };
    let holder = provider(&raw.holder.into_string(), value_span("holder"), diags);
    let granted: Vec<String> = match raw.granted_to {
        OneOrMany::One(t) => vec![t.into_string()],
        OneOrMany::Many(v) => v.into_iter().map(Text::into_string).collect(),
    };
    let item_spans = spans
        .keys
        .get("granted_to")
        .map(|(_, _, items)| items.clone())
        .unwrap_or_default();
    let mut granted_to = Vec::new();
    for (i, g) in granted.iter().enumerate() {
        let span = item_spans
            .get(i)
            .copied()
            .unwrap_or(value_span("granted_to"));
        if let Some(id) = provider(g, span, diags) {
            granted_to.push(id);
        }
    }
    if granted.is_empty() {
        diags.push(
            Diag::error(code::BAD_VALUE, "`granted_to` names no provider")
                .in_file(file.clone())
                .at(value_span("granted_to"), "empty list")
                .with_help("list the providers the refusal lets the work go to"),
        );
    }
    let date = |key: &str, text: String, diags: &mut Vec<Diag>| {
        let span = value_span(key);
        let well_formed = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        let result = if well_formed {
            parse_date(&text)
        } else {
            Err("expected YYYY-MM-DD".to_string())
        };
        match result {
            Ok(d) => Some(d),
            Err(why) => {
                diags.push(
                    Diag::error(code::BAD_DATE, format!("`{key}` is not a date: `{text}`"))
                        .in_file(file.clone())
                        .at(span, why),
                );
                None
            }
        }
    };
    let declined_on = date("declined_on", raw.declined_on.into_string(), diags);
    let expires = raw.expires.map(|t| date("expires", t.into_string(), diags));
    if let (Some(from), Some(Some(until))) = (declined_on, expires)
        && until < from
    {
        diags.push(
            Diag::error(
                code::WINDOW_ORDER,
                format!("the record expires on {until}, before it was declined on {from}"),
            )
            .in_file(file.clone())
            .at(value_span("expires"), "before `declined_on`"),
        );
    }
    let scope_text = raw.scope.map(Text::into_string);
    let scope = scope_text.as_deref().and_then(|t| {
        parse_where(
            file,
            catalog,
            t,
            spans.keys.get("where").map(|k| k.1),
            diags,
        )
    });
    let id = raw.id.into_string();
    let reason = raw.reason.into_string();
    for (key, v) in [("id", &id), ("reason", &reason)] {
        if v.trim().is_empty() {
            diags.push(
                Diag::error(code::BAD_VALUE, format!("`{key}` is empty"))
                    .in_file(file.clone())
                    .at(value_span(key), "empty"),
            );
        }
    }
    if diags.len() > before {
        return None;
    }
    Some(RefusalRecord {
        id,
        holder: holder?,
        granted_to,
        declined_on: declined_on?,
        expires: expires.flatten(),
        scope,
        scope_text,
        reason,
        evidence: raw.evidence.map(Text::into_string),
        file: file.clone(),
        span: spans.line,
    })
}

/// A record id already given to another record: records are named by id in findings,
/// suppressions and audits, so two records with one id would be one too many.
pub(crate) fn duplicate_id(
    id: &str,
    file: &Arc<SourceFile>,
    at: Span,
    first_file: &Arc<SourceFile>,
    first: Span,
) -> Diag {
    let line = first_file.line_col(first.start).line;
    let same_file = Arc::ptr_eq(file, first_file);
    let where_ = if same_file {
        format!("line {line}")
    } else {
        format!("{}:{line}", first_file.path)
    };
    let d = Diag::error(
        code::DUPLICATE_ID,
        format!("refusal record id `{id}` is already used at {where_}"),
    )
    .in_file(file.clone())
    .at(at, "a second record with this id")
    .with_help("give every refusal record its own id");
    if same_file {
        d.with_label(crate::diag::Label::secondary(first, "the first"))
    } else {
        d
    }
}

fn recode(mut p: Problem, code: &'static str) -> Problem {
    p.code = code;
    p
}

/// Parses and validates a record's `where`, with every span moved into the YAML file.
fn parse_where(
    file: &Arc<SourceFile>,
    catalog: &Catalog,
    text: &str,
    value: Option<Span>,
    diags: &mut Vec<Diag>,
) -> Option<Expr> {
    let value = value.unwrap_or_default();
    let map = SpanMap::new(&file.text(), value, text);
    match super::parse_expr(text) {
        Ok(mut expr) => {
            let problems = validate::validate_expr(&expr, catalog);
            for p in &problems {
                let mut d = p.clone().map_spans(&|s| map.map(s)).to_diag(file);
                d.code = d.code.replace("cloudpact::policy::", "cloudpact::record::");
                diags.push(d);
            }
            if !problems.is_empty() {
                return None;
            }
            expr.map_spans(&|s| map.map(s));
            Some(expr)
        }
        Err(e) => {
            let mut d = Diag::error(
                code::BAD_WHERE,
                format!("the record's `where` does not parse: {}", e.message),
            )
            .in_file(file.clone())
            .at(map.map(e.span), e.label.clone());
            d.help.clone_from(&e.help);
            diags.push(d);
            None
        }
    }
}

/// Moves byte offsets of a decoded YAML scalar to byte offsets of the file, by aligning the
/// decoded characters with the written ones (quotes, `''` and backslash escapes are skipped).
/// When the two cannot be aligned (folded block scalars), every span maps to the whole value.
/// Also used for the `where` of the config's waivers.
pub struct SpanMap {
    value: Span,
    /// For every decoded char: its decoded offset, its file offset, its length. Then the end.
    points: Option<Vec<(usize, usize, usize)>>,
}

impl SpanMap {
    pub(crate) fn new(file_text: &str, value: Span, decoded: &str) -> Self {
        let start = value.start.min(file_text.len());
        let end = if value.end > start {
            value.end.min(file_text.len())
        } else {
            file_text.len()
        };
        let src = &file_text[start..end];
        let mut j = usize::from(src.starts_with(['"', '\'']));
        let mut points = Vec::with_capacity(decoded.len() + 1);
        for (i, c) in decoded.char_indices() {
            match src[j..].find(c) {
                // A match far ahead means the texts drifted apart.
                Some(k) if k <= 4 => {
                    points.push((i, start + j + k, c.len_utf8()));
                    j += k + c.len_utf8();
                }
                _ => {
                    return Self {
                        value,
                        points: None,
                    };
                }
            }
        }
        points.push((decoded.len(), start + j, 0));
        Self {
            value,
            points: Some(points),
        }
    }

    pub(crate) fn map(&self, s: Span) -> Span {
        let Some(points) = &self.points else {
            return self.value;
        };
        let at = |o: usize| match points.binary_search_by_key(&o, |p| p.0) {
            Ok(i) => points[i],
            Err(i) => points[i.min(points.len() - 1)],
        };
        let start = at(s.start).1;
        if s.is_empty() {
            return Span::empty(start);
        }
        // The end follows the span's last character, wherever it was written.
        let last = points
            .iter()
            .rev()
            .find(|p| p.0 < s.end)
            .map_or(start, |p| p.1 + p.2);
        Span::new(start, last.max(start))
    }
}

fn item_spans(file: &SourceFile, item: &Node) -> Option<ItemSpans> {
    let Value::Map(map) = &item.value else {
        return None;
    };
    let line = file.index().line_of(item.span.start);
    let line = file.line_span(line + 1);
    let mut keys = HashMap::new();
    for (k, v) in map {
        let name = match &k.value {
            Value::Null => "null".to_string(),
            _ => match k.scalar_text() {
                Some(name) => name,
                None => continue,
            },
        };
        let items = match &v.value {
            Value::Seq(seq) => seq.iter().map(|x| x.span).collect(),
            _ => Vec::new(),
        };
        // Null values have an empty span: point at the key instead.
        let value = if v.span.is_empty() { k.span } else { v.span };
        keys.insert(name, (k.span, value, items));
    }
    Some(ItemSpans { line, keys })
}

#[cfg(test)]
mod tests;

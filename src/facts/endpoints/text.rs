//! The line-oriented config syntaxes (`.env`, INI, properties), and TOML through its span-aware
//! tree (`parse::toml`).

use std::sync::Arc;

use super::{scan_text, scan_tree_as};
use crate::discover::Syntax;
use crate::facts::model::{Deployment, Format};
use crate::facts::{Ctx, Extraction, parse_error};
use crate::parse::toml::toml_to_node;
use crate::source::SourceFile;

pub(super) fn extract(file: &Arc<SourceFile>, syntax: Syntax, ctx: Ctx<'_>) -> Extraction {
    let mut out = Extraction::default();
    match syntax {
        Syntax::Dotenv => out.deployments = dotenv(file, ctx),
        Syntax::Ini => out.deployments = ini(file, ctx),
        Syntax::Properties => out.deployments = properties(file, ctx),
        Syntax::Toml => match toml_to_node(&file.text) {
            Ok(root) => out.deployments = scan_tree_as(file, &root, Format::Config, ctx),
            Err((span, message)) => out.errors.push(parse_error(file, span, message)),
        },
        _ => {}
    }
    out
}

/// Lines with their byte offsets, without terminators (`\n` or `\r\n`).
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        match line.strip_prefix('\u{feff}') {
            Some(rest) if start == 0 => (3, rest),
            _ => (start, line),
        }
    })
}

/// `KEY=value`, `export KEY=value`, `KEY="value"` (double-quoted values may span lines),
/// `KEY='value'`, and `# comments`.
fn dotenv(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Vec<Deployment> {
    let text: &str = &file.text;
    let mut out = Vec::new();
    // Byte offset before which lines belong to a multi-line value already scanned.
    let mut skip_to = 0;
    for (start, line) in lines(text) {
        if start < skip_to {
            continue;
        }
        let body = line.trim_start();
        let mut at = start + (line.len() - body.len());
        let body = match body.strip_prefix("export") {
            Some(rest) if rest.starts_with([' ', '\t']) => {
                let rest = rest.trim_start();
                at += body.len() - rest.len();
                rest
            }
            _ => body,
        };
        let key_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(body.len());
        if key_len == 0 {
            continue;
        }
        let key = &body[..key_len];
        let after_key = body[key_len..].trim_start();
        let Some(value) = after_key.strip_prefix('=') else {
            continue;
        };
        let value_trimmed = value.trim_start();
        let value_at = at + (body.len() - value_trimmed.len());
        let (raw_start, raw) = match value_trimmed.chars().next() {
            Some(q @ ('"' | '\'' | '`')) => {
                let from = value_at + 1;
                match closing_quote(&text[from..], q) {
                    Some(len) => {
                        skip_to = from + len;
                        (from, &text[from..from + len])
                    }
                    None => (from, &value_trimmed[1..]),
                }
            }
            _ => (value_at, strip_inline_comment(value_trimmed, &['#'])),
        };
        scan_text(file, raw_start, raw, key, Format::Dotenv, ctx, &mut out);
    }
    out
}

/// Length up to the closing quote; `\` escapes inside double quotes.
fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && q == '"' {
            escaped = true;
        } else if c == q {
            return Some(i);
        }
    }
    None
}

/// A value up to a comment that follows whitespace (`x # note`); `#` inside a URL stays.
fn strip_inline_comment<'a>(value: &'a str, markers: &[char]) -> &'a str {
    let bytes = value.as_bytes();
    for (i, c) in value.char_indices() {
        if markers.contains(&c) && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim_end();
        }
    }
    value.trim_end()
}

/// `[section]`, `key = value`, `key: value`, `;` and `#` comments. Lines that are not
/// `key = value` (an nginx `proxy_pass https://…;` in a `.conf`) are scanned whole.
fn ini(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Vec<Deployment> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    for (start, line) in lines(&file.text) {
        let body = line.trim_start();
        let at = start + (line.len() - body.len());
        if body.is_empty() || body.starts_with([';', '#']) {
            continue;
        }
        if let Some(end) = body.strip_prefix('[').and_then(|inner| inner.find(']')) {
            section = Some(body[1..=end].trim().to_string());
            continue;
        }
        match split_key_value(body, &['=', ':']) {
            Some((key, value_offset)) if !key.contains(char::is_whitespace) => {
                let name = match &section {
                    Some(s) => format!("{s}.{key}"),
                    None => key.to_string(),
                };
                let value = &body[value_offset..];
                let value = strip_inline_comment(value, &[';', '#']);
                let (value, shift) = unquote(value);
                scan_text(
                    file,
                    at + value_offset + shift,
                    value,
                    &name,
                    Format::Config,
                    ctx,
                    &mut out,
                );
            }
            _ => {
                let name = body.split_whitespace().next().unwrap_or("line");
                let name = name.trim_end_matches([':', '=', ';']);
                scan_text(file, at, body, name, Format::Config, ctx, &mut out);
            }
        }
    }
    out
}

/// `key=value`, `key: value`, `key value`; `#` and `!` comments; a trailing `\` continues the
/// value on the next line.
fn properties(file: &Arc<SourceFile>, ctx: Ctx<'_>) -> Vec<Deployment> {
    let mut out = Vec::new();
    let mut continuing: Option<String> = None;
    for (start, line) in lines(&file.text) {
        let body = line.trim_start();
        let at = start + (line.len() - body.len());
        let continues =
            body.ends_with('\\') && (body.len() - body.trim_end_matches('\\').len()) % 2 == 1;
        if let Some(key) = continuing.take() {
            scan_text(file, at, body, &key, Format::Config, ctx, &mut out);
            if continues {
                continuing = Some(key);
            }
            continue;
        }
        if body.is_empty() || body.starts_with(['#', '!']) {
            continue;
        }
        let Some((key, value_offset)) = split_key_value(body, &['=', ':', ' ', '\t']) else {
            continue;
        };
        let key = key.replace('\\', "");
        let value = &body[value_offset..];
        scan_text(
            file,
            at + value_offset,
            value,
            &key,
            Format::Config,
            ctx,
            &mut out,
        );
        if continues {
            continuing = Some(key);
        }
    }
    out
}

/// The key before the first unescaped separator, and the offset where the value starts
/// (separator and surrounding blanks skipped).
fn split_key_value<'a>(body: &'a str, separators: &[char]) -> Option<(&'a str, usize)> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
            continue;
        }
        if separators.contains(&c) {
            let key = body[..i].trim_end();
            if key.is_empty() {
                return None;
            }
            let mut rest = &body[i..];
            // `key = value`, `key : value`, `key value`: one separator among blanks.
            rest = rest.trim_start_matches([' ', '\t']);
            if let Some(r) = rest.strip_prefix(['=', ':']) {
                rest = r;
            }
            rest = rest.trim_start_matches([' ', '\t']);
            return Some((key, body.len() - rest.len()));
        }
    }
    None
}

/// A value without its surrounding quotes, and how many bytes were cut from its start.
fn unquote(value: &str) -> (&str, usize) {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return (&value[1..value.len() - 1], 1);
        }
    }
    (value, 0)
}

//! Provider endpoint hosts in `.env` files and other config files (YAML, JSON, TOML, INI,
//! properties), model-API endpoints included.
//!
//! Every URL or hostname in a value whose host a catalog rule knows is one deployment, located
//! where the URL (or the bare host) starts. Registry hosts say where images are stored, so they
//! give a provider but never a region. Hosts no rule knows give nothing: cloudpact does not
//! guess from words, e-mail addresses or variable names.

mod ascii;
mod text;

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::model::{Attr, Deployment, Evidence, Format, Kind};
use super::{Ctx, Extraction};
use crate::discover::Syntax;
use crate::parse::tree::{Node, Value};
use crate::source::{SourceFile, Span};

/// `.env`, TOML, INI and properties files, read as text.
pub fn extract_text_config(file: &Arc<SourceFile>, syntax: Syntax, ctx: Ctx<'_>) -> Extraction {
    text::extract(file, syntax, ctx)
}

/// Every endpoint host in the string values of a parsed YAML or JSON config file.
pub(crate) fn scan_tree(file: &Arc<SourceFile>, root: &Node, ctx: Ctx<'_>) -> Vec<Deployment> {
    scan_tree_as(file, root, Format::Config, ctx)
}

/// [`scan_tree`] with the format the deployments get.
pub(crate) fn scan_tree_as(
    file: &Arc<SourceFile>,
    root: &Node,
    format: Format,
    ctx: Ctx<'_>,
) -> Vec<Deployment> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    let text = file.text();
    let scan = Scan {
        file,
        text: &text,
        format,
        ctx,
    };
    scan.walk(root, &mut path, &mut out);
    out
}

/// What a walk of a tree for endpoints reads its values against.
struct Scan<'a> {
    file: &'a Arc<SourceFile>,
    /// The file's text, taken once for the walk.
    text: &'a str,
    format: Format,
    ctx: Ctx<'a>,
}

impl Scan<'_> {
    fn walk<'t>(&self, node: &'t Node, path: &mut Vec<Seg<'t>>, out: &mut Vec<Deployment>) {
        match &node.value {
            Value::String(s) => {
                let raw = self.text.get(node.span.range()).unwrap_or("");
                let (file, format, ctx) = (self.file, self.format, self.ctx);
                scan_scalar(file, node.span, raw, s, &|| name_of(path), format, ctx, out);
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    self.walk(item, path, out);
                    path.pop();
                }
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    let key = key_text(k);
                    // Schema and reference URLs name documents, not services.
                    if matches!(key.as_ref(), "$schema" | "$id" | "$ref") {
                        continue;
                    }
                    path.push(Seg::Key(key));
                    self.walk(v, path, out);
                    path.pop();
                }
            }
            Value::Tagged(_, inner) => self.walk(inner, path, out),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// One step of the way from a tree's root to a value: a map key or a sequence index.
enum Seg<'t> {
    Key(Cow<'t, str>),
    Index(usize),
}

/// A key's text, borrowed from the tree but for a boolean key.
fn key_text(key: &Node) -> Cow<'_, str> {
    match &key.value {
        Value::String(s) | Value::Number(s) => Cow::Borrowed(s),
        Value::Bool(b) => Cow::Owned(b.to_string()),
        Value::Tagged(_, inner) => key_text(inner),
        _ => Cow::Borrowed(""),
    }
}

/// The name of the value at `path` (`spec.containers[0].env`; `value` at the root): made only
/// for a value that holds an endpoint, most hold none.
fn name_of(path: &[Seg<'_>]) -> String {
    use std::fmt::Write as _;
    if path.is_empty() {
        return "value".to_string();
    }
    let mut name = String::new();
    for (i, seg) in path.iter().enumerate() {
        match seg {
            Seg::Key(k) => {
                if i > 0 {
                    name.push('.');
                }
                name.push_str(k);
            }
            Seg::Index(n) => {
                let _ = write!(name, "[{n}]");
            }
        }
    }
    name
}

/// Scans one string value, written as `raw` at `span`. Positions come from the value's source
/// text when it holds the hosts as written (plain and quoted scalars); when escapes hide them
/// there (`https:\/\/`), from the decoded value, located at the value's start.
#[allow(clippy::too_many_arguments)]
fn scan_scalar(
    file: &Arc<SourceFile>,
    span: Span,
    raw: &str,
    decoded: &str,
    name: &dyn Fn() -> String,
    format: Format,
    ctx: Ctx<'_>,
    out: &mut Vec<Deployment>,
) {
    let from_raw = find_hosts(raw);
    // The value as written, or quoted with no escape: the decoded text holds the same hosts
    // with the same neighbours (a quote is no host character), so the raw hits stand.
    let unescaped = raw == decoded
        || (raw.len() == decoded.len() + 2 && raw.get(1..raw.len() - 1) == Some(decoded));
    let from_decoded = if unescaped {
        Vec::new()
    } else {
        find_hosts(decoded)
    };
    if from_raw.len() >= from_decoded.len() {
        for hit in from_raw {
            push_hit(file, span.start, &hit, name, format, ctx, out);
        }
    } else {
        for mut hit in from_decoded {
            hit.span = Span::new(0, raw.len());
            hit.host_span = hit.span;
            push_hit(file, span.start, &hit, name, format, ctx, out);
        }
    }
}

/// Scans a stretch of the file's text at `offset` (a value of a text config, a template line).
pub(crate) fn scan_text(
    file: &Arc<SourceFile>,
    offset: usize,
    raw: &str,
    name: &str,
    format: Format,
    ctx: Ctx<'_>,
    out: &mut Vec<Deployment>,
) {
    for hit in find_hosts(raw) {
        push_hit(file, offset, &hit, &|| name.to_string(), format, ctx, out);
    }
}

fn push_hit(
    file: &Arc<SourceFile>,
    offset: usize,
    hit: &HostHit,
    name: &dyn Fn() -> String,
    format: Format,
    ctx: Ctx<'_>,
    out: &mut Vec<Deployment>,
) {
    let span = Span::new(offset + hit.span.start, offset + hit.span.end);
    let host_span = Span::new(offset + hit.host_span.start, offset + hit.host_span.end);
    if let Some(dep) = endpoint_deployment(file, span, host_span, hit, name, format, ctx) {
        out.push(dep);
    }
}

/// Hosts that match a provider's catch-all but name documentation, schemas, portals, identity
/// sign-in or consumer Google APIs, not a service the repository uses.
const NOT_ENDPOINTS: &[&str] = &[
    "schema.management.azure.com",
    "portal.azure.com",
    "dev.azure.com",
    "login.windows.net",
    "sts.windows.net",
    "graph.windows.net",
    "fonts.googleapis.com",
    "ajax.googleapis.com",
    "maps.googleapis.com",
    "www.googleapis.com",
    "oauth2.googleapis.com",
    "docs.oracle.com",
];

/// Services whose hosts are container or artifact registries.
const REGISTRY_SERVICES: &[&str] = &[
    "ecr",
    "acr",
    "artifact-registry",
    "container-registry",
    "ocir",
];

fn endpoint_deployment(
    file: &Arc<SourceFile>,
    span: Span,
    host_span: Span,
    hit: &HostHit,
    name: &dyn Fn() -> String,
    format: Format,
    ctx: Ctx<'_>,
) -> Option<Deployment> {
    let host = crate::facts::catalog::lowercase(&hit.host);
    let probe = hit.match_as.as_deref().unwrap_or(&host);
    if NOT_ENDPOINTS.contains(&host.as_ref()) || host.ends_with(".dev.azure.com") {
        return None;
    }
    let catalog = ctx.catalog;
    let (provider, service, kind, region, registry) = match catalog.match_host(probe) {
        Some(m) => {
            let registry = m
                .service
                .as_deref()
                .is_some_and(|s| REGISTRY_SERVICES.contains(&s))
                || catalog.by_registry(probe).is_some();
            (m.provider, m.service, m.kind, m.region, registry)
        }
        None => match catalog.by_registry(probe) {
            // A public registry (weak evidence) never decides a provider alone.
            Some(m) if m.strong => (m.provider, None, Some(Kind::Storage), None, true),
            _ => return None,
        },
    };
    let type_ = if registry { "registry" } else { "endpoint" };
    let mut dep = Deployment::new(file.path.clone(), span, format, type_, name());
    let evidence = match &hit.match_as {
        Some(m) => format!("host {}", m.replacen("placeholder.", "<placeholder>.", 1)),
        None => format!("host {host}"),
    };
    dep.evidence
        .push(Evidence::new(Attr::Provider, &evidence).at(host_span));
    dep.provider = Some(provider);
    if let Some(kind) = kind.or(registry.then_some(Kind::Storage)) {
        dep.kind = kind;
        dep.evidence
            .push(Evidence::new(Attr::Kind, &evidence).at(host_span));
    }
    if let Some(service) = service {
        dep.service = Some(service);
        dep.evidence
            .push(Evidence::new(Attr::Service, &evidence).at(host_span));
    }
    // A registry host says where images are stored, not where the workload runs.
    if let (Some(region), false) = (region, registry) {
        dep.region = Some(region.to_lowercase());
        dep.evidence
            .push(Evidence::new(Attr::Region, &evidence).at(host_span));
    }
    Some(dep)
}

/// A URL or bare hostname in a stretch of text. Spans are relative to that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostHit {
    /// The whole URL (scheme to end of path) or the bare host, with its port and path.
    pub span: Span,
    pub host_span: Span,
    pub host: String,
    /// What to match the catalog with when the host's first label is a template placeholder
    /// (`{{ .Values.name }}.openai.azure.com`, `${ACCOUNT}.blob.core.windows.net`).
    pub match_as: Option<String>,
}

static HOST_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?: (?P<scheme>[a-z][a-z0-9+.-]*) :// (?: [^\s/?\#@'\x22<>]* @ )? )?
        (?P<host> (?: [a-z0-9] (?: [a-z0-9-]* [a-z0-9] )? \. )+ [a-z] (?: [a-z0-9-]* [a-z0-9] )? )
        (?: : [0-9]{1,5} )?
        (?: [/?\#] [^\s'\x22<>`]* )?",
    )
    .expect("host pattern compiles")
});

/// Every URL and hostname in `text`. A host glued to a preceding word, dot or `@` (an e-mail
/// address, a file name) is not one, unless what precedes the dot is a template placeholder.
pub(crate) fn find_hosts(text: &str) -> Vec<HostHit> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // Every host holds a dot followed by a letter (its last label starts with one; under
    // the pattern's Unicode case rules, a non-ASCII letter may stand for `k` or `s`). Most
    // values hold none (names, numbers, versions), and a search costs more than a look.
    let may_hold_host = memchr::memchr_iter(b'.', bytes).any(|at| {
        bytes
            .get(at + 1)
            .is_some_and(|&b| b.is_ascii_alphabetic() || b >= 0x80)
    });
    if !may_hold_host {
        return out;
    }
    for found in host_matches(text) {
        let has_scheme = found.has_scheme;
        let host = Span::new(found.host_start, found.host_end);
        let mut match_as = None;
        let mut start = found.start;
        if !has_scheme && host.start > 0 {
            let before = bytes[host.start - 1];
            if before == b'.' && host.start >= 2 && matches!(bytes[host.start - 2], b'}' | b')') {
                let (from, labels) = placeholder_start(text, host.start - 1);
                start = from;
                match_as = Some(format!(
                    "{}placeholder.{}",
                    labels.to_lowercase(),
                    text[host.range()].to_lowercase()
                ));
            } else if before.is_ascii_alphanumeric() || matches!(before, b'.' | b'-' | b'_' | b'@')
            {
                continue;
            }
        }
        // Trailing sentence punctuation is not part of a URL.
        let mut end = found.end;
        while end > host.end && matches!(bytes[end - 1], b'.' | b',' | b';' | b')' | b']') {
            end -= 1;
        }
        out.push(HostHit {
            span: Span::new(start, end),
            host_span: host,
            host: text[host.range()].to_string(),
            match_as,
        });
    }
    out
}

/// The matches of [`HOST_RE`] in `text`, in order. ASCII text (nearly every value) is read by
/// [`ascii::find`]; other text by the regex, for match bounds only (its lazy DFA): the groups
/// are read off the match by [`split_match`], since resolving captures costs a backtracking
/// search per match.
fn host_matches(text: &str) -> impl Iterator<Item = ascii::Found> + '_ {
    let mut by_regex = (!text.is_ascii()).then(|| HOST_RE.find_iter(text));
    let mut at = 0;
    std::iter::from_fn(move || match &mut by_regex {
        Some(matches) => matches.next().map(|whole| {
            let (has_scheme, host) = split_match(whole.as_str());
            ascii::Found {
                start: whole.start(),
                end: whole.end(),
                has_scheme,
                host_start: whole.start() + host.start,
                host_end: whole.start() + host.end,
            }
        }),
        None => {
            let found = ascii::find(text.as_bytes(), at)?;
            at = found.end;
            Some(found)
        }
    })
}

/// Whether a whole match of [`HOST_RE`] has its `scheme` group, and where its `host` group is,
/// relative to the match, read without the regex's captures. The pattern is leftmost-first:
/// at the match's start the scheme branch is preferred, and a match can only start with
/// `letters://` through it (a host holds no `:`); after `://`, the userinfo branch is
/// preferred, and it was taken when the match goes on past its `@` (a host holds no `@`, so
/// without it the match would end before). The host then runs to the first character no
/// host label holds: what follows in the match is a port (`:`) or a path (`/`, `?`, `#`). The
/// pattern is case-insensitive with Unicode rules, under which `[a-z]` also matches the Kelvin
/// sign and the long s: they are host characters here too.
fn split_match(m: &str) -> (bool, Span) {
    let host_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '\u{212A}' | '\u{17F}');
    let letter = |c: char| c.is_ascii_alphabetic() || matches!(c, '\u{212A}' | '\u{17F}');
    let mut at = 0;
    let mut has_scheme = false;
    if let Some(sep) = m.find("://")
        && m[..sep].starts_with(letter)
        && m[..sep].chars().all(|c| host_char(c) || c == '+')
    {
        has_scheme = true;
        at = sep + 3;
        let rest = &m[at..];
        let end = rest
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '/' | '?' | '#' | '@' | '\'' | '"' | '<' | '>')
            })
            .unwrap_or(rest.len());
        if rest[end..].starts_with('@') {
            at += end + 1;
        }
    }
    let len = m[at..]
        .find(|c: char| !host_char(c))
        .unwrap_or(m.len() - at);
    (has_scheme, Span::new(at, at + len))
}

/// Where the placeholder ending just before `dot` starts (`${X}`, `{{ … }}`, `$(X)`), with
/// the host labels and URL scheme right before it, and those labels (`bedrock-runtime.`);
/// `dot` itself when there is no recognisable opening.
fn placeholder_start(text: &str, dot: usize) -> (usize, &str) {
    let head = &text[..dot];
    let open = [head.rfind("${"), head.rfind("{{"), head.rfind("$(")]
        .into_iter()
        .flatten()
        .max();
    let Some(open) = open else { return (dot, "") };
    if head[open..].contains(char::is_whitespace) && !head[open..].starts_with("{{") {
        return (dot, "");
    }
    let before = &head[..open];
    let labels_len = before
        .bytes()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
        .count();
    let labels_start = open - labels_len;
    let labels = &text[labels_start..open];
    let start = text[..labels_start]
        .strip_suffix("://")
        .and_then(|b| {
            let scheme_len = b
                .bytes()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
                .count();
            (scheme_len > 0).then(|| b.len() - scheme_len)
        })
        .unwrap_or(labels_start);
    (start, labels)
}

#[cfg(test)]
pub mod tests;

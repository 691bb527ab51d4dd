//! What the policy author's requests share: the words of the language with their documentation
//! (keywords from the grammar, kinds, providers of the catalog, groups, attributes), the rule
//! or record under a cursor, the workspace's deployments and their locations, and what a rule
//! or record amounts to on the workspace (its scope, findings and coverage), which code lenses
//! show and references list.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use lsp_types::{Location, TextDocumentPositionParams, Uri};

use super::position::{Encoding, path_to_uri};
use super::server::{Root, Server, Shared};
use super::workspace::Workspace;
use crate::dsl::ast::RuleKind;
use crate::dsl::model::{RefusalRecord, RuleDef};
use crate::eval::{Engine, EvalOptions, Verdict};
use crate::facts::catalog::Catalog;
use crate::facts::model::{Deployment, Kind};
use crate::source::{LineIndex, SourceFile, Span};

/// A request's document and position: the root that owns the file, the file, its text (the
/// editor's, else the disk's), and the position as a byte offset of that text.
pub(crate) struct Cursor {
    pub root: Arc<Root>,
    pub rel: Arc<str>,
    pub text: String,
    pub index: LineIndex,
    pub offset: usize,
}

pub(crate) fn cursor(server: &Server, at: &TextDocumentPositionParams) -> Option<Cursor> {
    let (root, rel) = server.locate(&at.text_document.uri)?;
    let text = text_of(&root.lock(), &rel)?;
    let index = LineIndex::new(&text);
    let offset = server.encoding.offset(&text, &index, at.position);
    Some(Cursor {
        root,
        rel,
        text,
        index,
        offset,
    })
}

/// The editor's text of a file, else the disk's.
pub(crate) fn text_of(shared: &Shared, rel: &str) -> Option<String> {
    match shared.docs.get(rel) {
        Some(d) => Some(d.text.clone()),
        None => std::fs::read_to_string(shared.ws.abs(rel)).ok(),
    }
}

/// The `file://` URI of a path relative to the root.
pub(crate) fn uri_of(ws: &Workspace, rel: &str) -> Uri {
    path_to_uri(&ws.abs(rel))
}

pub(crate) fn location(ws: &Workspace, file: &SourceFile, span: Span, enc: Encoding) -> Location {
    Location {
        uri: uri_of(ws, &file.path),
        range: enc.range(file, span),
    }
}

/// A rule id (`policy.rule`) or a word under the cursor, with its span.
pub(crate) fn id_at(text: &str, offset: usize) -> Option<(Span, &str)> {
    let id_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let offset = crate::source::clamp_to_char_boundary(text, offset);
    let start = text[..offset].trim_end_matches(id_char).len();
    let end = offset + text[offset..].len() - text[offset..].trim_start_matches(id_char).len();
    let word = text[start..end].trim_matches('.');
    let start = start + text[start..end].find(word)?;
    (!word.is_empty()).then(|| (Span::new(start, start + word.len()), word))
}

/// The loaded rule a `.pact` file defines around `offset`.
pub(crate) fn rule_around<'a>(ws: &'a Workspace, rel: &str, offset: usize) -> Option<&'a RuleDef> {
    ws.policies
        .rules
        .iter()
        .filter(|r| &*r.file.path == rel && r.span.start <= offset && offset <= r.span.end)
        .min_by_key(|r| r.span.len())
        .map(|r| &**r)
}

/// The records of the loaded rules, each once, in the order of their rules.
pub(crate) fn records(ws: &Workspace) -> Vec<&Arc<RefusalRecord>> {
    let mut out: Vec<&Arc<RefusalRecord>> = Vec::new();
    for r in &ws.policies.rules {
        for rec in &r.refusals {
            if !out.iter().any(|x| Arc::ptr_eq(x, rec)) {
                out.push(rec);
            }
        }
    }
    out
}

/// The record of a records file whose item holds `offset` (the last one starting before it).
pub(crate) fn record_around<'a>(
    ws: &'a Workspace,
    rel: &str,
    offset: usize,
) -> Option<&'a Arc<RefusalRecord>> {
    records(ws)
        .into_iter()
        .filter(|r| &*r.file.path == rel && r.span.start <= offset)
        .max_by_key(|r| r.span.start)
}

/// Every deployment of the workspace (without looking its file up: completion's inventory).
pub(crate) fn all_deployments(ws: &Workspace) -> impl Iterator<Item = &Arc<Deployment>> {
    ws.units.values().flat_map(|u| &u.deployments)
}

/// Every deployment of the workspace, with its file.
pub(crate) fn deployments(ws: &Workspace) -> Vec<(&Arc<Deployment>, &Arc<SourceFile>)> {
    let mut out = Vec::new();
    for unit in ws.units.values() {
        let files: HashMap<&str, &Arc<SourceFile>> = unit
            .inputs
            .iter()
            .map(|i| (&*i.file.path, &i.file))
            .collect();
        for d in &unit.deployments {
            if let Some(f) = files.get(&*d.path) {
                out.push((d, *f));
            }
        }
    }
    out
}

/// The engine of the loaded policies, at the workspace's date, for a whole-repository view.
pub(crate) fn engine(ws: &Workspace) -> Engine<'_> {
    Engine::new(
        &ws.policies,
        &ws.engine.catalog,
        EvalOptions {
            as_of: ws.as_of(),
            whole_repo: true,
        },
    )
}

/// What a rule amounts to on the workspace.
#[derive(Debug, Default)]
pub(crate) struct RuleFigures {
    /// Deployments in scope (for `share`: with a known provider), as locations.
    pub in_scope: Vec<Location>,
    /// Findings it raises now (after ignore comments and waivers), as locations.
    pub findings: Vec<Location>,
    /// `share`: in-scope deployments on the committed providers.
    pub listed: usize,
    pub active: bool,
}

pub(crate) fn rule_figures(
    ws: &Workspace,
    engine: &Engine<'_>,
    rule: &RuleDef,
    enc: Encoding,
    with_locations: bool,
) -> (RuleFigures, usize, usize) {
    let mut fig = RuleFigures {
        active: rule.is_active(ws.as_of()),
        ..RuleFigures::default()
    };
    let mut scope = 0;
    let mut findings = 0;
    if fig.active {
        let deps = deployments(ws);
        if rule.kind == RuleKind::Share {
            let all: Vec<Arc<Deployment>> = deps.iter().map(|(d, _)| (*d).clone()).collect();
            let (listed, total) = engine.share_counts(rule, &all);
            fig.listed = listed;
            scope = total;
        }
        for (dep, file) in &deps {
            let verdict = engine.judge(rule, dep).verdict;
            let counted = match rule.kind {
                // `share` counts in-scope deployments with a known provider.
                RuleKind::Share => dep.provider.is_some() && verdict == Verdict::Aggregate,
                _ => !matches!(verdict, Verdict::OutOfScope | Verdict::Inactive),
            };
            if counted {
                if rule.kind != RuleKind::Share {
                    scope += 1;
                }
                if with_locations {
                    let span = crate::eval::declaration_span(file, dep);
                    fig.in_scope.push(location(ws, file, span, enc));
                }
            }
        }
    }
    for list in ws.findings.values() {
        for f in list.iter().filter(|f| f.rule == rule.id) {
            findings += 1;
            if with_locations {
                fig.findings.push(location(ws, &f.file, f.span, enc));
            }
        }
    }
    (fig, scope, findings)
}

/// The deployments a refusal record covers now.
pub(crate) fn covered_by(
    ws: &Workspace,
    engine: &Engine<'_>,
    rec: &Arc<RefusalRecord>,
    enc: Encoding,
    with_locations: bool,
) -> (usize, Vec<Location>) {
    let rules: Vec<&Arc<RuleDef>> = ws
        .policies
        .rules
        .iter()
        .filter(|r| r.refusals.iter().any(|x| Arc::ptr_eq(x, rec)))
        .collect();
    let mut n = 0;
    let mut out = Vec::new();
    for (dep, file) in deployments(ws) {
        let covered = rules
            .iter()
            .any(|r| engine.judge(r, dep).verdict == Verdict::Covered(rec.id.clone()));
        if covered {
            n += 1;
            if with_locations {
                let span = crate::eval::declaration_span(file, dep);
                out.push(location(ws, file, span, enc));
            }
        }
    }
    (n, out)
}

// ---------------------------------------------------------------------------------------------
// The words of the language and their documentation.

/// What an attribute of a deployment holds (docs/language.md, "Expressions").
pub(crate) fn attribute_doc(name: &str) -> Option<&'static str> {
    Some(match name {
        "provider" => "The deployment's provider id (`aws`, `azure`, …), or unknown.",
        "kind" => {
            "What the deployment is: `compute`, `kubernetes`, `serverless`, `storage`, `database`, `network`, `ai`, `identity`, `messaging`, `other`."
        }
        "service" => {
            "The provider's service, lower case (`ec2`, `s3`, `aks`, `vertex-ai`, …), or unknown."
        }
        "type" => {
            "The resource type as written (`aws_instance`, `AWS::EC2::Instance`, `Deployment`, …)."
        }
        "name" => "The resource's name as written (Terraform name, logical id, `metadata.name`).",
        "region" => "The region as the provider writes it (`us-east-1`, `westeurope`), or unknown.",
        "country" => {
            "ISO 3166-1 alpha-2 country, lower case (`us`, `ie`), derived from the region, or unknown. Test it with `in eu`, `in eea`, `in five_eyes`."
        }
        "path" => "The file's path relative to the scan root, `/`-separated.",
        "format" => "The file's format: `terraform`, `kubernetes`, `cloudformation`, `arm`, …",
        "gpu" => "`true` when the deployment asks for accelerators; a test on its own.",
        "tag" | "label" => {
            "`tag.KEY` (alias `label.KEY`): a tag or label on the resource, or unknown; KEY is a name or a string."
        }
        _ => return None,
    })
}

/// A country group and its members.
pub(crate) fn group_doc(name: &str) -> Option<String> {
    let (title, members): (&str, Vec<&str>) = match name {
        "eu" => (
            "The 27 member states of the European Union",
            crate::dsl::names::EU.to_vec(),
        ),
        "eea" => (
            "The European Economic Area: the EU plus Iceland, Liechtenstein and Norway",
            crate::dsl::names::EU
                .iter()
                .chain(crate::dsl::names::EEA_EXTRA)
                .copied()
                .collect(),
        ),
        "five_eyes" => ("The Five Eyes", crate::dsl::names::FIVE_EYES.to_vec()),
        _ => return None,
    };
    let mut members = members;
    members.sort_unstable();
    Some(format!("{title}: {}.", members.join(", ")))
}

/// A provider of the catalog: its name, aliases, and whether the configuration added it.
pub(crate) fn provider_doc(catalog: &Catalog, name: &str) -> Option<String> {
    let id = catalog.resolve(name)?;
    let def = catalog.get(&id)?;
    let mut s = format!("**{}** (`{}`)", def.name, def.id);
    if name != def.id {
        let _ = write!(s, "\n\n`{name}` is an alias of `{}`.", def.id);
    }
    if !def.aliases.is_empty() {
        let aliases: Vec<String> = def.aliases.iter().map(|a| format!("`{a}`")).collect();
        let _ = write!(s, "\n\nAliases: {}.", aliases.join(", "));
    }
    if crate::facts::catalog::Catalog::builtin()
        .get(&def.id)
        .is_none()
    {
        s.push_str("\n\nAdded by `providers:` in `cloudpact.yaml`.");
    }
    Some(s)
}

/// A rule kind: what it means, an example, how to comply.
pub(crate) fn kind_doc(kind: RuleKind) -> String {
    let d = crate::dsl::kind_docs::doc(kind);
    format!(
        "**{}** rule\n\n{}\n\n```pact\n{}\n```\n\nTo comply: {}",
        kind.as_str(),
        d.what,
        d.example,
        d.comply
    )
}

/// A deployment kind (the value of `kind`).
pub(crate) fn deployment_kind_doc(kind: Kind) -> &'static str {
    match kind {
        Kind::Compute => "Virtual machines, instances, container hosts.",
        Kind::Kubernetes => "Managed Kubernetes clusters and workloads.",
        Kind::Serverless => "Functions and serverless containers.",
        Kind::Storage => "Object, file and block storage.",
        Kind::Database => "Managed databases and caches.",
        Kind::Network => "Networks, load balancers, DNS, CDNs.",
        Kind::Ai => "Model APIs and AI platforms (Azure OpenAI, Bedrock, Vertex AI, …).",
        Kind::Identity => "Identities, roles, keys.",
        Kind::Messaging => "Queues, topics, event streams.",
        Kind::Other => "Anything else cloudpact recognises.",
    }
}

/// A rule as hover and completion describe it.
pub(crate) fn rule_doc(rule: &RuleDef) -> String {
    let mut s = format!("**{}** `{}`", rule.kind.as_str(), rule.id);
    if let Some(m) = &rule.message {
        let _ = write!(s, "\n\n{m}");
    }
    if let Some(r) = &rule.reference {
        let _ = write!(s, "\n\nReference: {r}");
    }
    let _ = write!(
        s,
        "\n\nSeverity {}{}, defined in `{}`.",
        rule.severity,
        if rule.waivable { "" } else { ", not waivable" },
        rule.file.path
    );
    s
}

/// The documentation of any word a `.pact` file may hold, in that order: a keyword of the
/// grammar, a rule kind, an attribute, a group, a deployment kind, a provider.
pub(crate) fn word_doc(catalog: &Catalog, word: &str) -> Option<String> {
    if let Some(k) = RuleKind::parse(word) {
        return Some(kind_doc(k));
    }
    if let Some(d) = crate::dsl::complete::keyword_doc(word) {
        let shape = crate::dsl::names::clause_shape(word)
            .map(|s| format!("\n\nTakes {s}."))
            .unwrap_or_default();
        return Some(format!("`{word}`: {d}{shape}"));
    }
    if let Some(d) = attribute_doc(word) {
        return Some(format!("attribute `{word}`: {d}"));
    }
    if let Some(d) = group_doc(word) {
        return Some(format!("group `{word}`: {d}"));
    }
    if let Some(k) = Kind::parse(word) {
        return Some(format!("kind `{word}`: {}", deployment_kind_doc(k)));
    }
    provider_doc(catalog, word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_under_the_cursor() {
        let t = "  - rule: p.no_small # x";
        let at = t.find("no_").unwrap();
        let (span, id) = id_at(t, at).unwrap();
        assert_eq!(id, "p.no_small");
        assert_eq!(&t[span.range()], "p.no_small");
        assert_eq!(id_at("tag.", 4).map(|(_, w)| w), Some("tag"));
        assert_eq!(id_at("é . ", 3), None);
    }

    #[test]
    fn every_word_of_the_language_has_documentation() {
        let catalog = Catalog::builtin();
        for w in crate::dsl::complete::all_keywords() {
            assert!(word_doc(&catalog, w).is_some(), "no doc for keyword {w}");
        }
        for k in RuleKind::ALL {
            assert!(
                word_doc(&catalog, k.as_str())
                    .unwrap()
                    .contains("To comply")
            );
        }
        for g in crate::dsl::names::GROUPS {
            assert!(word_doc(&catalog, g).is_some(), "{g}");
        }
        for k in Kind::ALL {
            assert!(word_doc(&catalog, k.as_str()).is_some(), "{k}");
        }
        let ms = word_doc(&catalog, "microsoft").unwrap();
        assert!(ms.contains("alias of `azure`"), "{ms}");
    }
}

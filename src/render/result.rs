//! The schema of the `json` result (version 2): what `check --format json` writes and what
//! `cloudpact merge` and `cloudpact report` read back (docs/merge.md).
//!
//! Version 2 extends version 1 compatibly: every version-1 field keeps its name and meaning;
//! added are the repository's identity, the policy set's content hash, the rules and refusal
//! records of the policy set, the waivers, the facts whole-repository rules are judged from
//! (`whole_repo`: per-rule `share` counts, which refusal records covered a deployment), a
//! shard's place (`shard`), deployments by country in the summary, and, with
//! `check --inventory`, every deployment.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// One result document. Its findings are their JSON texts when read back or merged, and the
/// run's findings themselves when a check writes it ([`LiveFindings`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Doc<F = Vec<Box<RawValue>>> {
    pub version: u32,
    pub tool: Value,
    pub as_of: String,
    /// The repository the result is about; absent for a merge of several repositories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<Repository>,
    /// The repositories a merge of several combined, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<Repository>,
    /// A shard's place (`check --shard K/N`); absent for a whole run or a merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// `sha256:…` of the policy set's content (docs/merge.md, "Policy hash").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_hash: Option<String>,
    pub summary: Value,
    /// Each finding as its JSON text ([`finding_raw`]): a merge of many results copies them
    /// without building their trees.
    pub findings: F,
    /// Facts whole-repository rules are judged from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whole_repo: Option<WholeRepo>,
    /// The rules of the policy set (for reports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleInfo>,
    /// Every refusal record of the policy set (for reports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<RecordInfo>,
    /// The configuration's waivers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverInfo>,
    /// Every deployment (`check --inventory`), in the order of `inventory --format json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Which repository a result is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Repository {
    /// `--repo NAME`, else `owner/name` of the git remote, else the root folder's name.
    pub name: String,
    /// The remote's web address (`https://github.com/owner/name`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The commit checked out, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Where the cloudpact root is inside the git work tree (`""`: at its top).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subdir: String,
}

/// `--shard K/N`: part K (0-based) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// What whole-repository rules are judged from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WholeRepo {
    /// Whether `findings` already hold the verdicts (a whole-repository run) or not (a shard,
    /// a scan of named paths): `merge` drops the verdicts and judges the counts again.
    pub judged: bool,
    /// Every `share` rule active on `as_of`.
    pub shares: Vec<ShareFacts>,
    /// Every refusal record in force on `as_of`.
    pub refusals: Vec<RecordFacts>,
}

/// Where a finding about the policy set is: a path of the repository and 1-based positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// A `share` rule's terms and its raw counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShareFacts {
    pub rule: String,
    pub policy: String,
    pub severity: String,
    /// The rule's `message` clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub providers: Vec<String>,
    pub at_least: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// In-scope deployments with a known provider on the listed providers.
    pub listed: usize,
    /// In-scope deployments with a known provider.
    pub total: usize,
    /// The rule's name in its `.pact` file.
    pub place: Place,
    /// What would suppress a breach (a comment above the rule, a waiver of the rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Value>,
}

/// A refusal record in force, and whether a deployment of the run used it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordFacts {
    pub id: String,
    pub place: Place,
    pub used: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Value>,
}

/// A rule of the policy set, as reports show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub kind: String,
    pub severity: String,
    pub active: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub path: String,
    pub line: usize,
}

/// A refusal record, as reports show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordInfo {
    pub id: String,
    pub holder: String,
    pub granted_to: Vec<String>,
    pub declined_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub reason: String,
    pub path: String,
    pub line: usize,
}

/// A waiver of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaiverInfo {
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub path: String,
    pub line: usize,
}

impl Doc {
    /// The names of the repositories the result covers.
    pub fn repository_names(&self) -> Vec<&str> {
        match &self.repository {
            Some(r) => vec![r.name.as_str()],
            None => self.repositories.iter().map(|r| r.name.as_str()).collect(),
        }
    }
}

/// The address of a line of a file at the result's revision: GitHub's and GitLab's blob
/// addresses (`…/blob/REV/PATH#L12`, GitLab's under `/-/`); `None` for other hosts or without a
/// revision.
pub fn blob_url(repo: &Repository, path: &str, line: usize) -> Option<String> {
    let url = repo.url.as_deref()?;
    let rev = repo.revision.as_deref()?;
    let full = if repo.subdir.is_empty() {
        path.to_string()
    } else {
        format!("{}/{path}", repo.subdir)
    };
    let host = url.split_once("://")?.1.split('/').next()?;
    let sep = if host.contains("gitlab") {
        "/-/blob/"
    } else if host.contains("github") {
        "/blob/"
    } else {
        return None;
    };
    let encoded: String = full
        .split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/");
    Some(format!("{url}{sep}{rev}/{encoded}#L{line}"))
}

/// A finding's text as the pretty printer writes it inside the `findings` array (two levels
/// deep), so that a result read back and written again is the same bytes.
pub fn finding_raw(v: &Value) -> Box<RawValue> {
    let text = serde_json::to_string_pretty(v).expect("JSON values always serialize");
    // JSON strings hold no raw line break: every `\n` is the printer's.
    RawValue::from_string(text.replace('\n', "\n    ")).expect("serde_json wrote it")
}

/// The fields of a finding that merging and counting read.
#[derive(Debug, Clone, Deserialize)]
pub struct Head<'a> {
    #[serde(borrow)]
    pub rule: Cow<'a, str>,
    #[serde(borrow, default)]
    pub rule_kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub path: Cow<'a, str>,
    pub line: u64,
    pub column: u64,
    pub end_line: u64,
    pub end_column: u64,
    #[serde(borrow, default)]
    pub message: Cow<'a, str>,
    #[serde(borrow)]
    pub severity: Cow<'a, str>,
    #[serde(default)]
    pub suppressed: bool,
}

impl<'a> Head<'a> {
    pub fn of(raw: &'a RawValue) -> Result<Head<'a>, serde_json::Error> {
        serde_json::from_str(raw.get())
    }

    /// The order of a result's findings: path, position, rule, message.
    pub fn key(&self) -> (&str, u64, u64, u64, u64, &str, &str) {
        (
            &self.path,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
            &self.rule,
            &self.message,
        )
    }
}

/// The findings as trees (for reports; a merge reads only their [`Head`]s).
pub fn finding_values(doc: &Doc) -> Vec<Value> {
    doc.findings
        .iter()
        .map(|r| serde_json::from_str(r.get()).unwrap_or(Value::Null))
        .collect()
}

/// A check's findings, each made into JSON as it is written and dropped after: a run of
/// 60,000 findings held all their texts (100 MB) before the document was written.
pub struct LiveFindings<'a>(pub &'a [crate::eval::finding::Finding]);

impl Serialize for LiveFindings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use crate::eval::finding::{Finding, LOAD_AHEAD};
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for chunk in self.0.chunks(LOAD_AHEAD) {
            let _texts = Finding::load_ahead(chunk);
            for f in chunk {
                seq.serialize_element(&crate::render::json::finding_json(f))?;
            }
        }
        seq.end()
    }
}

/// The document as text: pretty JSON and a final newline.
pub fn to_text(doc: &Doc) -> String {
    let mut out = Vec::new();
    write(&mut out, doc).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`to_text`] straight to a writer, without holding the text whole.
pub fn write<F: Serialize>(w: &mut dyn std::io::Write, doc: &Doc<F>) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    serde_json::to_writer_pretty(&mut w, doc)?;
    std::io::Write::write_all(&mut w, b"\n")?;
    std::io::Write::flush(&mut w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_addresses_per_host() {
        let repo = Repository {
            name: "acme/app".into(),
            url: Some("https://gitlab.com/acme/app".into()),
            revision: Some("0123456789abcdef0123456789abcdef01234567".into()),
            subdir: "infra".into(),
        };
        assert_eq!(
            blob_url(&repo, "a b/main.tf", 3).as_deref(),
            Some(
                "https://gitlab.com/acme/app/-/blob/0123456789abcdef0123456789abcdef01234567/infra/a%20b/main.tf#L3"
            )
        );
        let other = Repository {
            url: Some("https://git.example.com/acme/app".into()),
            ..repo
        };
        assert_eq!(blob_url(&other, "main.tf", 1), None);
    }
}

//! `cloudpact.yaml`: found in the scan root or its parents (docs/configuration.md).
//!
//! One YAML document, parsed with serde_yaml into typed settings and into the span-aware tree
//! for positions (`parse::own_yaml`); unknown keys and bad values are errors at their place,
//! with a suggestion for a misspelt key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use serde::Deserialize;

use crate::diag::{Diag, Severity};
use crate::facts::catalog::{self, Catalog, ProviderDef, ProviderField};
use crate::parse::own_yaml::{self, Kind};
use crate::parse::tree::{Node, Value};
use crate::source::{SourceFile, Span};

pub const FILE_NAME: &str = "cloudpact.yaml";

const KIND: Kind = Kind {
    what: "the configuration file",
    invalid: "cloudpact::config::invalid",
    second_document: "cloudpact::config::second-document",
};

/// The lowest severity that makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
        }
    }
}

/// Severity of the findings about files the run did not check: `parse_errors`
/// (`cloudpact.parse-error`), `unreadable` (`cloudpact.unreadable`) and `too_large`
/// (`cloudpact.too-large`). Never lower than a warning: a file no rule saw must stay visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum InputSeverity {
    #[default]
    Error,
    Warning,
}

impl InputSeverity {
    pub fn severity(self) -> Severity {
        match self {
            InputSeverity::Error => Severity::Error,
            InputSeverity::Warning => Severity::Warning,
        }
    }
}

/// A waiver: findings of `rule` matching `where` are suppressed until `until`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverDef {
    pub rule: String,
    #[serde(default, rename = "where")]
    pub scope: Option<String>,
    pub reason: String,
    #[serde(default)]
    pub until: Option<Date>,
    /// The waiver's item in the `waivers` list of the config file (set by [`parse`]): where
    /// findings about the waiver point, its first line the waiver's line.
    #[serde(skip)]
    pub span: Span,
}

/// The settings of `cloudpact.yaml`, every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub policies: Option<Vec<String>>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    #[serde(default)]
    pub parse_errors: InputSeverity,
    /// Files and folders that cannot or must not be read.
    #[serde(default)]
    pub unreadable: InputSeverity,
    /// Files over `max_file_size`.
    #[serde(default)]
    pub too_large: InputSeverity,
    #[serde(default)]
    pub inline_ignores: Option<bool>,
    #[serde(default)]
    pub providers: Vec<ProviderDef>,
    #[serde(default)]
    pub waivers: Vec<WaiverDef>,
    /// Files larger than this many bytes are not read (`cloudpact.too-large`).
    #[serde(default)]
    pub max_file_size: Option<u64>,
    #[serde(default)]
    pub terraform: TerraformSettings,
    /// The baseline file `check` reads (`--baseline`), relative to the configuration's folder.
    #[serde(default)]
    pub baseline: Option<String>,
    /// How far ahead `check` looks for dates that change its findings (`--horizon`, `90d`).
    #[serde(default)]
    pub horizon: Option<String>,
}

/// `terraform:` settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerraformSettings {
    /// Folder (repository-relative) → the variable files its CI runs pass with `-var-file`,
    /// relative to that folder, in order (later ones win, as with Terraform).
    #[serde(default)]
    pub var_files: std::collections::BTreeMap<String, Vec<String>>,
}

impl TerraformSettings {
    /// The variable files with repository-relative paths, by normalised folder.
    pub fn resolved_var_files(&self) -> crate::facts::VarFiles {
        let norm = |p: &str| crate::discover::join("", p).unwrap_or_else(|| p.to_string());
        self.var_files
            .iter()
            .map(|(dir, files)| {
                let dir = norm(dir);
                let files = files
                    .iter()
                    .filter_map(|f| crate::discover::join(&dir, f))
                    .collect();
                (dir, files)
            })
            .collect()
    }
}

pub(crate) const KEYS: &[&str] = &[
    "policies",
    "exclude",
    "fail_on",
    "parse_errors",
    "unreadable",
    "too_large",
    "inline_ignores",
    "providers",
    "waivers",
    "max_file_size",
    "terraform",
    "baseline",
    "horizon",
];

/// A horizon (`--horizon`, `horizon:`): a count of days (`90d`), weeks (`6w`), months (`3m`)
/// or years (`1y`), at most 100 years ahead.
pub fn parse_horizon(text: &str) -> Result<jiff::Span, String> {
    let t = text.trim();
    let unit = t.chars().last().ok_or_else(|| "it is empty".to_string())?;
    let digits = &t[..t.len() - unit.len_utf8()];
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("`{digits}` is not a whole number"))?;
    let (days, span) = match unit {
        'd' => (n, jiff::Span::new().try_days(n)),
        'w' => (n.saturating_mul(7), jiff::Span::new().try_weeks(n)),
        'm' => (n.saturating_mul(31), jiff::Span::new().try_months(n)),
        'y' => (n.saturating_mul(366), jiff::Span::new().try_years(n)),
        _ => return Err(format!("`{unit}` is not a unit: use d, w, m or y")),
    };
    if !(0..=36_600).contains(&days) {
        return Err("it must be between 0 days and 100 years".to_string());
    }
    span.map_err(|e| e.to_string())
}

/// A loaded configuration and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// The file, when one was found.
    pub file: Option<Arc<SourceFile>>,
    /// The directory relative paths in the config are resolved against.
    pub dir: PathBuf,
}

/// Looks for `cloudpact.yaml` in `start` and its parents.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let dir = if start.is_file() {
        start.parent()?.to_path_buf()
    } else {
        start
    };
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Reads and parses a configuration file. `shown` is the path used in diagnostics.
pub fn load(path: &Path, shown: &str) -> Result<Loaded, Diag> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diag::error(
            "cloudpact::config::unreadable",
            format!("cannot read {shown}: {e}"),
        )
    })?;
    let file = Arc::new(SourceFile::new(shown, text));
    let config = parse(&file)?;
    Ok(Loaded {
        config,
        file: Some(file),
        dir: path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
    })
}

/// Parses configuration text. Every error points at its place in the file: a syntax error or a
/// value serde_yaml rejects where the parser stops, a second document at its `---`, and an
/// invalid waiver or provider at its own entry.
pub fn parse(file: &Arc<SourceFile>) -> Result<Config, Diag> {
    let doc = match own_yaml::one_document(file, KIND)? {
        Some(doc) if doc.value != Value::Null => doc,
        // No document, or an empty one: every key takes its default.
        _ => return Ok(Config::default()),
    };
    let mut config: Config = serde_yaml::from_str(&file.text()).map_err(|e| {
        let mut diag = own_yaml::serde_error(file, KIND, Some(&doc), &e);
        // A top-level key only: serde_yaml puts the path (`waivers[0]: `) before a nested one.
        let top = format!("invalid {}: unknown field `", file.path);
        if let Some(unknown) = diag
            .message
            .strip_prefix(&top)
            .and_then(|r| r.split('`').next())
            && let Some(s) = crate::suggest::did_you_mean(unknown, KEYS.iter().copied())
        {
            diag = diag.with_help(format!("did you mean `{s}`?"));
        }
        diag
    })?;
    for (w, item) in config.waivers.iter_mut().zip(list_items(&doc, "waivers")) {
        w.span = item.span;
    }
    validate(file, &config, &doc)?;
    Ok(config)
}

/// The items of the list under the top-level `key`.
fn list_items<'a>(doc: &'a Node, key: &str) -> &'a [Node] {
    doc.get(key).and_then(Node::as_seq).unwrap_or_default()
}

/// The span of `key`'s value in a mapping item, else the item's.
fn value_span(item: &Node, key: &str) -> Span {
    match item.entry(key) {
        // A key without a value has an empty span after the key: point at the key.
        Some((k, v)) if v.span.is_empty() => k.span,
        Some((_, v)) => v.span,
        None => item.span,
    }
}

fn validate(file: &Arc<SourceFile>, config: &Config, doc: &Node) -> Result<(), Diag> {
    let items = list_items(doc, "waivers");
    for (w, item) in config.waivers.iter().zip(items) {
        if w.reason.trim().is_empty() {
            return Err(Diag::error(
                "cloudpact::config::waiver-without-reason",
                format!("waiver for `{}` has an empty reason", w.rule),
            )
            .in_file(file.clone())
            .at(value_span(item, "reason"), "empty reason")
            .with_help("say why the finding is acceptable: the reason is what auditors read"));
        }
        if let Some(scope) = &w.scope
            && let Err(err) = crate::dsl::parse_expr(scope)
        {
            // The error's span is in the decoded string: move it to the characters as written.
            let written = value_span(item, "where");
            let span =
                crate::dsl::records::SpanMap::new(&file.text(), written, scope).map(err.span);
            let mut diag = Diag::error(
                "cloudpact::config::bad-waiver-where",
                format!("waiver `where` does not parse: {}", err.message),
            )
            .in_file(file.clone())
            .at(span, err.label.clone());
            diag.help.clone_from(&err.help);
            return Err(diag);
        }
    }
    if let Some(h) = &config.horizon
        && let Err(why) = parse_horizon(h)
    {
        return Err(Diag::error(
            "cloudpact::config::bad-horizon",
            format!("`horizon: {h}` is not a span: {why}"),
        )
        .in_file(file.clone())
        .at(value_span(doc, "horizon"), "not a span")
        .with_help("write a number of days, weeks, months or years: `30d`, `6w`, `3m`, `1y`"));
    }
    let builtin = Catalog::builtin();
    let problems = catalog::check_user_providers(builtin.providers(), &config.providers);
    if let Some(p) = problems.first() {
        let items = list_items(doc, "providers");
        let span = items.get(p.entry).map_or_else(
            || {
                doc.entry("providers")
                    .map_or(Span::empty(0), |(k, _)| k.span)
            },
            |item| provider_span(item, p.field),
        );
        let id = &config.providers[p.entry].id;
        let label = match p.field {
            ProviderField::Id => "this id",
            ProviderField::Alias(_) => "this alias",
            ProviderField::Host(_) => "this host",
            ProviderField::TerraformPrefix(_) | ProviderField::TypePrefix(_) => "this prefix",
        };
        return Err(Diag::error(
            "cloudpact::config::bad-provider",
            format!("provider `{id}`: {}", p.message),
        )
        .in_file(file.clone())
        .at(span, label));
    }
    Ok(())
}

/// Where a field of a provider entry is written: the id's value, the n-th alias or host, else
/// the entry.
fn provider_span(item: &Node, field: ProviderField) -> Span {
    let nth = |key: &str, n: usize| {
        item.get(key)
            .and_then(Node::as_seq)
            .and_then(|s| s.get(n))
            .map(|node| node.span)
    };
    match field {
        ProviderField::Id => value_span(item, "id"),
        ProviderField::Alias(n) => nth("aliases", n).unwrap_or(item.span),
        ProviderField::Host(n) => nth("hosts", n).unwrap_or(item.span),
        ProviderField::TerraformPrefix(n) => nth("terraform_prefixes", n).unwrap_or(item.span),
        ProviderField::TypePrefix(n) => nth("type_prefixes", n).unwrap_or(item.span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Config, Diag> {
        parse(&Arc::new(SourceFile::new("cloudpact.yaml", text)))
    }

    #[test]
    fn every_documented_key_parses() {
        let c = parse_text(
            "policies: [policies/]\nexclude: [\"vendor/**\"]\nfail_on: warning\nparse_errors: warning\nunreadable: warning\ntoo_large: warning\ninline_ignores: false\nproviders:\n  - id: stargate\n    name: Stargate\n    terraform_prefixes: [stargate_]\n    hosts: [\"*.stargate.example\"]\nwaivers:\n  - rule: p.r\n    where: 'path matches \"legacy/**\"'\n    reason: Legacy\n    until: 2026-06-30\n",
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(FailOn::Warning));
        assert_eq!(c.parse_errors, InputSeverity::Warning);
        assert_eq!(c.unreadable, InputSeverity::Warning);
        assert_eq!(c.too_large.severity(), Severity::Warning);
        assert_eq!(c.inline_ignores, Some(false));
        assert_eq!(c.providers[0].id, "stargate");
        assert_eq!(c.waivers[0].until.unwrap().to_string(), "2026-06-30");
    }

    #[test]
    fn unknown_key_points_at_its_line_with_a_suggestion() {
        let d = parse_text("exclude: []\npolcies: [x]\n").unwrap_err();
        let (_, line, _) = d.location().unwrap();
        assert_eq!(line, 2);
        assert_eq!(d.help.as_deref(), Some("did you mean `policies`?"));
    }

    #[test]
    fn bad_value_is_an_error_at_its_line() {
        let d = parse_text("policies: [a]\nfail_on: sometimes\n").unwrap_err();
        assert_eq!(d.location().unwrap().1, 2);
        assert!(d.message.contains("sometimes"), "{}", d.message);
    }

    #[test]
    fn a_flow_waiver_is_located_at_its_own_line() {
        // Regression: positions were found by searching the text for the rule id, so a waiver
        // written on one line after `policies: [rules/]` was located wherever the id first
        // appeared.
        let text = "policies: [rules/]\nwaivers:\n  - {rule: hosting.no_hetzner, where: 'path == \"a.tf\"', reason: \"x\", until: 2026-09-30}\n";
        let c = parse_text(text).unwrap();
        let span = c.waivers[0].span;
        assert_eq!(line_of(text, span.start), 3);
        assert!(text[span.range()].starts_with("{rule: hosting.no_hetzner"));
    }

    #[test]
    fn errors_point_at_the_nth_waiver_even_for_the_same_rule() {
        let text = "waivers:\n  - rule: a.b\n    reason: fine\n  - rule: a.b\n    reason: \"  \"\n";
        let d = parse_text(text).unwrap_err();
        assert_eq!(d.code, "cloudpact::config::waiver-without-reason");
        assert_eq!(d.location().unwrap().1, 5);
        assert_eq!(&text[d.primary_span().unwrap().range()], "\"  \"");

        let text = "waivers:\n  - rule: a.b\n    reason: x\n  - {rule: a.b, reason: y, where: 'path == \"a\" and'}\n";
        let d = parse_text(text).unwrap_err();
        assert_eq!(d.code, "cloudpact::config::bad-waiver-where");
        assert_eq!(d.location().unwrap().1, 4);
        // The end of the expression, inside the quotes.
        assert_eq!(d.primary_span().unwrap().start, text.rfind('\'').unwrap());
    }

    #[test]
    fn a_bad_provider_points_at_its_host() {
        let text = "providers:\n  - id: a\n    name: A\n    hosts: [\"*.a.example\"]\n  - id: b\n    name: B\n    hosts:\n      - \"*.b.example\"\n      - {re: \"(\"}\n";
        let d = parse_text(text).unwrap_err();
        assert_eq!(d.code, "cloudpact::config::bad-provider");
        assert_eq!(&text[d.primary_span().unwrap().range()], "{re: \"(\"}");
    }

    #[test]
    fn a_provider_cannot_take_a_built_in_name() {
        let err = |text: &str| {
            let d = parse_text(text).unwrap_err();
            assert_eq!(d.code, "cloudpact::config::bad-provider");
            let span = d.primary_span().unwrap();
            (
                text[span.range()].to_string(),
                d.location().unwrap().1,
                d.message,
            )
        };
        // An alias that is a built-in id: `provider aws` would mean this provider.
        let (at, line, message) =
            err("providers:\n  - id: evil\n    name: Evil\n    aliases: [sg, aws]\n");
        assert_eq!((at.as_str(), line), ("aws", 4));
        assert!(message.contains("the built-in provider `aws`"), "{message}");
        // An alias that is a built-in alias, an id that is one or that differs only in case.
        assert_eq!(
            err("providers:\n  - {id: x, name: X, aliases: [Amazon]}\n").0,
            "Amazon"
        );
        assert_eq!(err("providers:\n  - id: amazon\n    name: A\n").0, "amazon");
        assert_eq!(err("providers:\n  - id: AWS\n    name: A\n").0, "AWS");
        // Two entries with one id, or one's alias the other's id.
        let (at, line, _) = err("providers:\n  - {id: sg, name: S}\n  - {id: sg, name: S}\n");
        assert_eq!((at.as_str(), line), ("sg", 3));
        let text = "providers:\n  - {id: sg, name: S}\n  - {id: sx, name: X, aliases: [sg]}\n";
        assert_eq!(err(text).1, 3);
        // Empty or malformed ids and aliases, reserved words.
        assert_eq!(err("providers:\n  - {id: '', name: S}\n").0, "''");
        assert_eq!(err("providers:\n  - {id: 'a b', name: S}\n").0, "'a b'");
        assert_eq!(err("providers:\n  - {id: any, name: S}\n").0, "any");
        assert_eq!(
            err("providers:\n  - {id: s, name: S, aliases: ['']}\n").0,
            "''"
        );
        // Host globs that match no host, or every host.
        for glob in [
            "'https://*.s.example'",
            "'*'",
            "'*.*'",
            "'a b.example'",
            "''",
        ] {
            let text = format!("providers:\n  - {{id: s, name: S, hosts: [ok.example, {glob}]}}\n");
            assert_eq!(err(&text).0, glob);
        }
        // A prefix under a built-in provider's would take its resource types.
        let text = "providers:\n  - {id: s, name: S, terraform_prefixes: [s_, aws_s3_]}\n";
        assert_eq!(err(text).0, "aws_s3_");
        let text = "providers:\n  - {id: aws, name: A, type_prefixes: ['Microsoft.Compute/']}\n";
        assert_eq!(err(text).0, "'Microsoft.Compute/'");
        // Adding signals to a built-in provider by its exact id is fine, its own names too.
        let c = parse_text(
            "providers:\n  - id: aws\n    name: AWS\n    aliases: [amazon, aws-cloud]\n    terraform_prefixes: [aws_]\n    hosts: [\"*.aws.internal.example\"]\n",
        )
        .unwrap();
        let catalog = Catalog::build(c.providers).unwrap();
        assert_eq!(catalog.resolve("aws-cloud").as_deref(), Some("aws"));
    }

    #[test]
    fn a_second_document_is_an_error_at_its_marker() {
        let d = parse_text("policies: [a]\n---\nfail_on: warning\n").unwrap_err();
        assert_eq!(d.code, "cloudpact::config::second-document");
        assert_eq!(d.location().unwrap().1, 2);
        let d = parse_text("policies: [a]\n---\n").unwrap_err();
        assert!(
            d.message.ends_with("remove the `---` at line 2"),
            "{}",
            d.message
        );
    }

    #[test]
    fn files_without_settings_are_the_defaults() {
        for text in ["", "# nothing yet\n", "---\n"] {
            assert!(parse_text(text).unwrap().policies.is_none(), "{text:?}");
        }
    }

    fn line_of(text: &str, offset: usize) -> usize {
        text[..offset].matches('\n').count() + 1
    }

    #[test]
    fn fail_on_thresholds() {
        assert!(FailOn::Error.fails(Severity::Error));
        assert!(!FailOn::Error.fails(Severity::Warning));
        assert!(FailOn::Warning.fails(Severity::Warning));
        assert!(!FailOn::Never.fails(Severity::Error));
        assert!(FailOn::Info.fails(Severity::Info));
    }
}

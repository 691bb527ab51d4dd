//! `cloudpact.yaml`: found in the scan root or its parents (CLI.md "Configuration").
//!
//! Parsed with serde_yaml into typed settings; unknown keys and bad values are errors at their
//! line, with a suggestion for a misspelt key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use serde::Deserialize;

use crate::diag::{Diag, Severity};
use crate::facts::catalog::ProviderDef;
use crate::source::{SourceFile, Span};

pub const FILE_NAME: &str = "cloudpact.yaml";

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

/// Severity of `cloudpact.parse-error` findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ParseErrors {
    #[default]
    Error,
    Warning,
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
    pub parse_errors: ParseErrors,
    #[serde(default)]
    pub inline_ignores: Option<bool>,
    #[serde(default)]
    pub providers: Vec<ProviderDef>,
    #[serde(default)]
    pub waivers: Vec<WaiverDef>,
    /// Files larger than this many bytes are skipped with a warning.
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

const KEYS: &[&str] = &[
    "policies",
    "exclude",
    "fail_on",
    "parse_errors",
    "inline_ignores",
    "providers",
    "waivers",
    "max_file_size",
];

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

/// Parses configuration text; the error points at the line serde_yaml names.
pub fn parse(file: &Arc<SourceFile>) -> Result<Config, Diag> {
    if file.text.trim().is_empty() {
        return Ok(Config::default());
    }
    let config: Config = serde_yaml::from_str(&file.text).map_err(|e| yaml_error(file, &e))?;
    validate(file, &config)?;
    Ok(config)
}

fn validate(file: &Arc<SourceFile>, config: &Config) -> Result<(), Diag> {
    for w in &config.waivers {
        if w.reason.trim().is_empty() {
            let span = find_span(file, &w.rule);
            return Err(Diag::error(
                "cloudpact::config::waiver-without-reason",
                format!("waiver for `{}` has an empty reason", w.rule),
            )
            .in_file(file.clone())
            .at(span, "this waiver")
            .with_help("say why the finding is acceptable: the reason is what auditors read"));
        }
        if let Some(scope) = &w.scope
            && let Err(err) = crate::dsl::parse_expr(scope)
        {
            let span = find_span(file, scope);
            return Err(Diag::error(
                "cloudpact::config::bad-waiver-where",
                format!("waiver `where` does not parse: {}", err.message),
            )
            .in_file(file.clone())
            .at(span, "in this expression"));
        }
    }
    if let Err(e) = crate::facts::catalog::Catalog::build(config.providers.clone()) {
        let span = find_span(file, "providers");
        return Err(
            Diag::error("cloudpact::config::bad-provider", e.to_string())
                .in_file(file.clone())
                .at(span, "in this provider list"),
        );
    }
    Ok(())
}

/// The first occurrence of `needle` in the file, or line 1.
fn find_span(file: &SourceFile, needle: &str) -> Span {
    file.text
        .find(needle)
        .map_or(Span::empty(0), |i| Span::new(i, i + needle.len()))
}

fn yaml_error(file: &Arc<SourceFile>, e: &serde_yaml::Error) -> Diag {
    let msg = e.to_string();
    // serde_yaml appends " at line L column C"; the label carries the place instead.
    let headline = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let span = e.location().map_or(Span::empty(0), |loc| {
        let offset = loc.index().min(file.text.len());
        let offset = crate::source::clamp_to_char_boundary(&file.text, offset);
        let end = file.text[offset..]
            .find([':', '\n', ','])
            .map_or(file.text.len(), |i| offset + i);
        Span::new(offset, end.max(offset))
    });
    let mut diag = Diag::error(
        "cloudpact::config::invalid",
        format!("invalid {}: {headline}", file.path),
    )
    .in_file(file.clone())
    .at(span, "here");
    if let Some(unknown) = headline
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
        && let Some(s) = crate::suggest::did_you_mean(unknown, KEYS.iter().copied())
    {
        diag = diag.with_help(format!("did you mean `{s}`?"));
    }
    diag
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
            "policies: [policies/]\nexclude: [\"vendor/**\"]\nfail_on: warning\nparse_errors: warning\ninline_ignores: false\nproviders:\n  - id: stargate\n    name: Stargate\n    terraform_prefixes: [stargate_]\n    hosts: [\"*.stargate.example\"]\nwaivers:\n  - rule: p.r\n    where: 'path matches \"legacy/**\"'\n    reason: Legacy\n    until: 2026-06-30\n",
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(FailOn::Warning));
        assert_eq!(c.parse_errors, ParseErrors::Warning);
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
    fn fail_on_thresholds() {
        assert!(FailOn::Error.fails(Severity::Error));
        assert!(!FailOn::Error.fails(Severity::Warning));
        assert!(FailOn::Warning.fails(Severity::Warning));
        assert!(!FailOn::Never.fails(Severity::Error));
        assert!(FailOn::Info.fails(Severity::Info));
    }
}

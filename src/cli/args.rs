//! Flags as clap parses them. Resolution into settings (config discovery, defaults) happens in
//! `settings`, so every command resolves them the same way.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::config::FailOn;

#[derive(Debug, Parser)]
#[command(
    name = "cloudpact",
    version,
    about = "Check infrastructure configs against the cloud terms your company signed",
    long_about = "cloudpact reads policies (.pact files) stating exclusivity, first-refusal, deny-list, \
                  residency and committed-share terms, finds every deployment in a repository's \
                  infrastructure configs, and reports where a deployment breaks a term.",
    after_help = "Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 the run failed \
                  (bad usage, invalid policy, record or config, unreadable path)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan paths, evaluate every active rule, report findings.
    Check(CheckArgs),
    /// Record today's unsuppressed findings in a baseline file: `check --baseline` then fails
    /// only on findings not in it.
    Baseline(BaselineArgs),
    /// List every detected deployment with its provider, region, country, kind and evidence.
    Inventory(InventoryArgs),
    /// Explain a rule (POLICY.RULE) or the deployments at a line (PATH:LINE).
    Explain(ExplainArgs),
    /// Work with policy files.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// The provider catalog: ids, aliases, and what each provider is recognised by.
    Providers(ProvidersArgs),
    /// Run policy tests: every folder holding a cloudpact-test.yaml is a case.
    Test(TestArgs),
    /// Combine json results of shards and repositories; judge `share` and unused refusal records over the union.
    Merge(MergeArgs),
    /// An evidence report (html or md) from json results or repositories.
    Report(ReportArgs),
    /// Write a starter cloudpact.yaml, policies/ and refusals/ here; never overwrites.
    Init,
    /// Print shell completions.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Run the language server on stdin/stdout (for editors).
    #[cfg(feature = "lsp")]
    Lsp(LspArgs),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Folders to search for cases.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dirs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Parse and validate policies and refusal records; exit 0 when all are valid.
    Check(PolicyCheckArgs),
    /// Rewrite policy files in the canonical layout (comments kept); `--check` only reports.
    Fmt(PolicyFmtArgs),
}

/// Flags shared by every command that scans a repository.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Policy files or folders (repeatable) [default: from config, else policies/ under the scan root].
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<PathBuf>,
    /// Configuration file [default: cloudpact.yaml in the scan root or its parents].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Skip paths matching this glob (repeatable; relative to the scan root).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore / .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Worker threads, at most 256 [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// The date the contracts are evaluated at [default: today, UTC].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// When to use colours (NO_COLOR is honoured).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Less output.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More output (inactive rules, skipped files).
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Write the report to this file (stdout still gets the summary line).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1 [default: from config, else error].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Accept the findings recorded in this baseline file (see `cloudpact baseline`)
    /// [default: `baseline:` in cloudpact.yaml].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Report only findings that are new since this git revision (`origin/main`): the
    /// repository is evaluated at REF, read from git, and in the working tree.
    #[arg(long, value_name = "REF")]
    pub new_since: Option<String>,
    /// Also report, as info findings, what changes within this span after --as-of (`90d`, `6w`,
    /// `3m`): rule windows, expiring refusal records, waivers and suppressions
    /// [default: `horizon:` in cloudpact.yaml].
    #[arg(long, value_name = "SPAN", value_parser = parse_horizon)]
    pub horizon: Option<jiff::Span>,
    #[command(flatten)]
    pub result: ResultArgs,
}

fn parse_horizon(s: &str) -> Result<jiff::Span, String> {
    crate::config::parse_horizon(s)
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// The baseline file to write [default: `baseline:` in cloudpact.yaml, else
    /// .cloudpact-baseline.json at the repository root].
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only prune: keep the entries that still match a finding, add none.
    #[arg(long)]
    pub update: bool,
}

/// What `check --format json` adds for `merge` and `report` (docs/merge.md).
#[derive(Debug, Clone, Args)]
pub struct ResultArgs {
    /// The repository's name in the result [default: owner/name of the git remote, else the root folder's name].
    #[arg(long = "repo", value_name = "NAME")]
    pub repo: Option<String>,
    /// Check part K of N (K from 0) of the whole repository; `merge` recombines the parts.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::workspace::ShardSpec>,
    /// Put every deployment in the json result (the inventory `report` shows).
    #[arg(long)]
    pub inventory: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Result files written by `check --format json`.
    #[arg(value_name = "RESULT.json", required = true)]
    pub results: Vec<PathBuf>,
    /// Policy files or folders: the results must have been checked against them (same content
    /// hash); they also describe the rules in `sarif` and `junit`.
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Json)]
    pub format: CheckFormat,
    /// Write the report to this file (stdout still gets the summary line).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value = "error")]
    pub fail_on: FailOn,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Less output.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Result files (`check --format json`) and/or repositories to check [default: .].
    #[arg(value_name = "RESULT.json|PATH", default_value = ".")]
    pub inputs: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Write the report to this file [default: stdout].
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Policy files or folders, for the repositories checked here (as `check --policy`).
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<PathBuf>,
    /// The date the contracts are evaluated at, for repositories checked here [default: today, UTC].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// The repository's name, for a repository checked here.
    #[arg(long = "repo", value_name = "NAME")]
    pub repo: Option<String>,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page (no network): charts, timeline, sortable inventory.
    Html,
    /// Markdown, for a pull-request comment or a wiki page.
    Md,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Short,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions annotations, plus a job summary in $GITHUB_STEP_SUMMARY when set.
    Github,
    /// A GitLab Code Quality report.
    Gitlab,
    /// JUnit XML: a test case per rule, a failure per finding.
    Junit,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    #[arg(long, value_enum, default_value_t = InventoryFormat::Table)]
    pub format: InventoryFormat,
    /// Write the inventory to this file.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id (`policy.rule`) or a place (`path/to/file.tf:12`).
    pub target: String,
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// Policy files or folders [default: from config, else policies/].
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Configuration file [default: cloudpact.yaml in the current directory or its parents].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 every file is formatted (or was rewritten); 1 with --check, \
                        a file would change; 2 a file does not parse (it is left as it is) or a \
                        path cannot be read."
)]
pub struct PolicyFmtArgs {
    /// Policy files or folders (searched recursively for *.pact) [default: from config, else policies/].
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Change nothing: list the files that would change and exit 1 if there is one.
    #[arg(long)]
    pub check: bool,
    /// Configuration file [default: cloudpact.yaml in the current directory or its parents].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct ProvidersArgs {
    /// Configuration file whose `providers:` extend the catalog.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output as JSON.
    #[arg(long)]
    pub json: bool,
}

#[cfg(feature = "lsp")]
#[derive(Debug, Args)]
pub struct LspArgs {
    /// Speak the protocol on stdin/stdout (the only transport; accepted because editors pass it).
    #[arg(long)]
    pub stdio: bool,
    /// The date the contracts are evaluated at [default: today, UTC].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour output written to a stream that is (or is not) a terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

pub fn parse_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>()
        .map_err(|e| format!("`{s}` is not a date (YYYY-MM-DD): {e}"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn impossible_dates_are_rejected() {
        assert!(parse_date("2025-02-30").is_err());
        assert!(parse_date("2025-02-28").is_ok());
    }
}

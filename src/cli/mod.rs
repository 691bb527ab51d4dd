//! The command line: parse flags, open the [`crate::workspace`], render, choose the exit code.
//!
//! Exit codes (README.md, "Exit codes"): 0 no finding at or above `--fail-on`; 1 at least one;
//! 2 the run itself failed (bad usage, an invalid policy, record or config, an unreadable path).

pub mod args;
mod baseline;
mod check;
mod explain;
mod init;
mod inventory;
mod merge;
mod policy;
mod providers;
mod report;
mod test_cmd;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

pub use crate::workspace::Fatal;
use crate::workspace::{OpenOptions, Selection, Workspace};
pub use args::{CheckFormat, Cli, ColorChoice, Command};

use crate::render::diagnostic::DiagRenderer;

/// The exit status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No finding at or above the threshold.
    Clean,
    /// Findings at or above the threshold.
    Findings,
    /// The run failed.
    Failed,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> Self {
        ExitCode::from(match s {
            Status::Clean => 0,
            Status::Findings => 1,
            Status::Failed => 2,
        })
    }
}

pub fn main() -> ExitCode {
    // A panic is a bug: report it as a failed run (2), never as "no findings".
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "cloudpact: internal error: {info}\nplease report this at the project's issue tracker"
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let color = color_of(&cli.command);
    let result = std::panic::catch_unwind(|| run(cli));
    match result {
        Ok(Ok(status)) => status.into(),
        Ok(Err(Fatal(diags))) => {
            print_diags(&diags, color);
            Status::Failed.into()
        }
        Err(_) => Status::Failed.into(),
    }
}

fn run(cli: Cli) -> Result<Status, Fatal> {
    match cli.command {
        Command::Check(a) => check::run(&a),
        Command::Baseline(a) => baseline::run(&a),
        Command::Inventory(a) => inventory::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Policy(args::PolicyCommand::Check(a)) => policy::check(&a),
        Command::Policy(args::PolicyCommand::Fmt(a)) => policy::fmt(&a),
        Command::Providers(a) => providers::run(&a),
        Command::Test(a) => test_cmd::run(&a),
        Command::Merge(a) => merge::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Init => init::run(),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "cloudpact", &mut script);
            write_stdout(&String::from_utf8_lossy(&script))?;
            Ok(Status::Clean)
        }
        #[cfg(feature = "lsp")]
        Command::Lsp(a) => lsp(&a),
    }
}

fn color_of(cmd: &Command) -> ColorChoice {
    match cmd {
        Command::Check(a) => a.scan.color,
        Command::Baseline(a) => a.scan.color,
        Command::Inventory(a) => a.scan.color,
        Command::Explain(a) => a.scan.color,
        Command::Policy(args::PolicyCommand::Check(a)) => a.color,
        Command::Policy(args::PolicyCommand::Fmt(a)) => a.color,
        Command::Test(a) => a.color,
        Command::Merge(a) => a.color,
        Command::Report(a) => a.color,
        Command::Providers(_) | Command::Init | Command::Completions { .. } => ColorChoice::Auto,
        #[cfg(feature = "lsp")]
        Command::Lsp(_) => ColorChoice::Never,
    }
}

#[cfg(feature = "lsp")]
fn lsp(args: &args::LspArgs) -> Result<Status, Fatal> {
    let opts = crate::lsp::Options {
        as_of: args.as_of,
        ..Default::default()
    };
    crate::lsp::run(opts).map_err(|e| {
        Fatal::from(crate::diag::Diag::error(
            "cloudpact::lsp::protocol",
            format!("language server: {e}"),
        ))
    })?;
    Ok(Status::Clean)
}

/// Most worker threads `--threads` starts (more only thrash a machine's scheduler).
const MAX_THREADS: usize = 256;

/// The workspace and selection that flags and PATHs name.
pub(crate) fn open(args: &args::ScanArgs) -> Result<(Workspace, Selection), Fatal> {
    if let Some(asked) = args.threads {
        let n = asked.clamp(1, MAX_THREADS);
        if n != asked && !args.quiet {
            eprintln!(
                "note: --threads {asked} is outside 1..={MAX_THREADS}: using {n} worker threads"
            );
        }
        // The pool is built once per process, here. If its threads cannot be started (a
        // process or memory limit), rayon has no pool left to fall back on and the first
        // parallel step would panic: fail now, saying why.
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| {
                Fatal::from(crate::diag::Diag::error(
                    "cloudpact::cli::threads",
                    format!("cannot start {n} worker threads: {e}"),
                ))
            })?;
    }
    let opts = OpenOptions {
        config: args.config.clone(),
        policies: args.policies.clone(),
        exclude: args.exclude.clone(),
        no_ignore: args.no_ignore,
        as_of: args.as_of,
    };
    Workspace::for_command_line(&args.paths, &opts)
}

/// Diagnostics on stderr, compiler style.
pub(crate) fn print_diags(diags: &[crate::diag::Diag], color: ColorChoice) {
    let renderer = DiagRenderer::new(color.enabled(std::io::stderr().is_terminal()), term_width());
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = writeln!(err, "{}", renderer.render(d));
    }
}

pub(crate) fn term_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// Writes `text` to `path`, or stdout.
pub(crate) fn emit(path: Option<&std::path::Path>, text: &str) -> Result<(), Fatal> {
    emit_with(path, |w| w.write_all(text.as_bytes()))
}

/// Writes what `write` writes to `path`, or stdout, as it is written: a large report is never
/// held whole. Errors are handled as [`write_stdout`] says.
pub(crate) fn emit_with(
    path: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Fatal> {
    match path {
        Some(p) => std::fs::File::create(p)
            .and_then(|f| {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
                write(&mut w).and_then(|()| w.flush())
            })
            .map_err(|e| {
                Fatal::from(crate::diag::Diag::error(
                    "cloudpact::cli::output",
                    format!("cannot write {}: {e}", p.display()),
                ))
            }),
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            stdout_result(write(&mut out).and_then(|()| out.flush()))
        }
    }
}

/// Writes `text` to stdout and flushes it. A report that could not be written (a full disk,
/// `> /dev/full`) fails the run, or a CI job would pass on a report nobody can read; a closed
/// pipe (`| head`) is the reader's choice, not an error.
pub(crate) fn write_stdout(text: &str) -> Result<(), Fatal> {
    let mut out = std::io::stdout().lock();
    stdout_result(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// A write to stdout as a run's outcome: a closed pipe is not an error.
fn stdout_result(r: std::io::Result<()>) -> Result<(), Fatal> {
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fatal::from(crate::diag::Diag::error(
                "cloudpact::cli::output",
                format!("cannot write the report to standard output: {e}"),
            )))
        }
        _ => Ok(()),
    }
}

//! Where a check's wall time goes, phase by phase, when the environment asks for it:
//! `CLOUDPACT_TIMINGS=1 cloudpact check …` ends with one line on standard error
//! (docs/performance.md, "Where a run's time goes").
//!
//! A phase is timed on the thread that waits for it (the main thread), so a phase run on the
//! worker threads counts its wall time once, not once per thread, and the phases add up to
//! the run's wall time; `other` is the rest (start-up, configuration, baselines, the time
//! between phases). A phase met several times is summed, and says how often. The batches of a
//! check (src/workspace/batch.rs) are one phase, `batches`; its steps — reading, extracting,
//! judging — are timed as they run, and shown inside it: they run side by side (one batch
//! read while another is extracted and a third judged), so they add up to more than it. Off,
//! a phase costs one load of a flag.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The environment variable that turns the timings on (any value but empty or `0`).
pub const ENV: &str = "CLOUDPACT_TIMINGS";

/// The steps of a check, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Parsing the policy files and refusal records.
    Policies,
    /// The walk of the repository (src/discover/walk.rs); for named files, also the files
    /// of their units and the Terraform folders linked to theirs (src/workspace/mod.rs).
    Discover,
    /// The deal of a large repository's files into batches (src/workspace/shard.rs).
    Split,
    /// Reading, extracting and judging the batches: the three steps below, side by side.
    Batches,
    /// Reading files (a step of `Batches`).
    Read,
    /// Parsing and extracting deployments (a step of `Batches`).
    Extract,
    /// Judging a batch's deployments (a step of `Batches`).
    Judge,
    /// The verdicts over the whole repository, ignore comments and waivers.
    Conclude,
    /// Writing the report.
    Report,
}

const PHASES: [Phase; 9] = [
    Phase::Policies,
    Phase::Discover,
    Phase::Split,
    Phase::Batches,
    Phase::Read,
    Phase::Extract,
    Phase::Judge,
    Phase::Conclude,
    Phase::Report,
];

impl Phase {
    /// Whether this is a step of `Batches`, timed as it runs beside the others.
    fn is_step(self) -> bool {
        matches!(self, Phase::Read | Phase::Extract | Phase::Judge)
    }

    fn name(self) -> &'static str {
        match self {
            Phase::Policies => "policies",
            Phase::Discover => "discover",
            Phase::Split => "split",
            Phase::Batches => "batches",
            Phase::Read => "read",
            Phase::Extract => "extract",
            Phase::Judge => "judge",
            Phase::Conclude => "conclude",
            Phase::Report => "report",
        }
    }
}

static ON: LazyLock<bool> = LazyLock::new(|| on(std::env::var_os(ENV).as_deref()));

/// Nanoseconds and times met, by phase.
static SPENT: [AtomicU64; PHASES.len()] = [const { AtomicU64::new(0) }; PHASES.len()];
static MET: [AtomicU64; PHASES.len()] = [const { AtomicU64::new(0) }; PHASES.len()];

fn on(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether this process times its phases.
pub fn enabled() -> bool {
    *ON
}

/// Runs `f` as (part of) `phase`.
pub(crate) fn timed<T>(phase: Phase, f: impl FnOnce() -> T) -> T {
    let _timer = Timer::start(phase);
    f()
}

/// Times a phase from its start until it is dropped (the end of a scope).
pub(crate) struct Timer(Option<(Phase, Instant, u64)>);

impl Timer {
    pub(crate) fn start(phase: Phase) -> Self {
        Self::counting(phase, 1)
    }

    /// Times `phase` as met `times` times (the batches, timed as a whole).
    pub(crate) fn counting(phase: Phase, times: u64) -> Self {
        Self(enabled().then(|| (phase, Instant::now(), times)))
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some((phase, start, times)) = self.0 {
            let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            SPENT[phase as usize].fetch_add(nanos, Ordering::Relaxed);
            MET[phase as usize].fetch_add(times, Ordering::Relaxed);
        }
    }
}

/// The line of the phases timed so far, for a run of `total` wall time.
pub fn line(total: Duration) -> String {
    let spent: Vec<(Phase, Duration, u64)> = PHASES
        .iter()
        .map(|&p| {
            let i = p as usize;
            let nanos = SPENT[i].load(Ordering::Relaxed);
            (
                p,
                Duration::from_nanos(nanos),
                MET[i].load(Ordering::Relaxed),
            )
        })
        .collect();
    render(&spent, total)
}

fn render(spent: &[(Phase, Duration, u64)], total: Duration) -> String {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let met = |p: Phase, d: Duration, n: u64| match n {
        1 => format!("{} {}", p.name(), ms(d)),
        n => format!("{} {} ({n}×)", p.name(), ms(d)),
    };
    let steps: Vec<String> = spent
        .iter()
        .filter(|(p, _, n)| p.is_step() && *n > 0)
        .map(|&(p, d, _)| format!("{} {}", p.name(), ms(d)))
        .collect();
    let mut parts: Vec<String> = Vec::new();
    for &(p, d, n) in spent.iter().filter(|(p, _, n)| !p.is_step() && *n > 0) {
        let mut part = met(p, d, n);
        if p == Phase::Batches && !steps.is_empty() {
            part = format!("{part} [{}]", steps.join(", "));
        }
        parts.push(part);
    }
    let timed: Duration = spent
        .iter()
        .filter(|(p, _, _)| !p.is_step())
        .map(|(_, d, _)| *d)
        .sum();
    parts.push(format!("other {}", ms(total.saturating_sub(timed))));
    format!("timings: {} · total {}", parts.join(" · "), ms(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_value_other_than_empty_or_zero_turns_the_timings_on() {
        assert!(!on(None));
        assert!(!on(Some("".as_ref())));
        assert!(!on(Some("0".as_ref())));
        assert!(on(Some("1".as_ref())));
        assert!(on(Some("yes".as_ref())));
    }

    #[test]
    fn the_line_names_the_phases_met_how_often_and_the_rest() {
        let ms = Duration::from_millis;
        let spent = [
            (Phase::Policies, ms(2), 1),
            (Phase::Discover, ms(150), 1),
            (Phase::Split, ms(0), 0),
            (Phase::Batches, ms(900), 11),
            (Phase::Read, ms(230), 11),
            (Phase::Extract, ms(760), 11),
            (Phase::Judge, ms(90), 11),
        ];
        // The steps of the batches are shown inside them, and not added to the rest: they ran
        // side by side.
        assert_eq!(
            render(&spent, ms(1200)),
            "timings: policies 2.0 ms · discover 150.0 ms · \
             batches 900.0 ms (11×) [read 230.0 ms, extract 760.0 ms, judge 90.0 ms] · \
             other 148.0 ms · total 1200.0 ms"
        );
        // Phases that add up to more than the total (a clock's rounding) leave no rest.
        assert_eq!(
            render(&spent[..2], ms(100)),
            "timings: policies 2.0 ms · discover 150.0 ms · other 0.0 ms · total 100.0 ms"
        );
    }
}

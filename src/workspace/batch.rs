//! A check reads, extracts and judges a large repository in batches, so that its memory does
//! not grow with the repository (docs/architecture.md, "Batches").
//!
//! The files are dealt into batches of whole groups, as `--shard` deals them (a Terraform
//! stack, a Pulumi project, an ARM template with its parameter files, Bicep files joined by
//! their references, else a file: src/workspace/shard.rs), so every file is extracted with the
//! same context as in one pass. Each batch is read, extracted and judged deployment by
//! deployment; what outlives it is its findings (each holds its deployment and its file,
//! released: the text is read again if a report needs it, src/source.rs), the files that hold
//! an ignore comment, and what the whole-repository rules and the summary add up ([`Tally`]).
//! The text and deployments of everything else are dropped before the next batch is read. A
//! repository under one batch's size is one batch, as is a check that keeps every deployment
//! ([`Keep::All`]: `--inventory`, a horizon, `report` of a repository).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::{Facts, Judge, Workspace, git, input_finding};
use crate::discover::Discovered;
use crate::eval::finding::{Finding, reserved};
use crate::eval::{EvalOptions, Judged, ShareFigure};
use crate::facts::model::Deployment;
use crate::source::SourceFile;
use crate::suppress;
use crate::timings::{Phase, Timer, timed};

/// The environment variable that sets a batch's size in bytes of files (for tests and for
/// machines with little memory).
pub const BATCH_BYTES_ENV: &str = "CLOUDPACT_BATCH_BYTES";

/// A batch's size by default: the bytes of files read, extracted and judged at a time (a batch
/// holds one to two of it, and three batches are held at once: one read, one extracted, one
/// judged). At about 3 bytes of memory per byte of infrastructure file while a batch is
/// judged, a batch stays under 50 MB, and a repository under two of it is one batch. On the
/// floor trees 8 MiB took the same time as 16 MiB with 40 MB less at 40 copies; 4 MiB was
/// slower (docs/performance.md, "Batches").
const DEFAULT_BATCH_BYTES: u64 = 8 << 20;

/// What a check keeps of what it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every deployment and file (`--inventory` and `report` list them, a horizon judges them
    /// again).
    All,
    /// What the findings hold, and the files that hold an ignore comment.
    Findings,
}

/// What a check counted over every deployment it judged, kept or not.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub deployments: usize,
    /// Deployments per provider (`unknown` for none), sorted by provider id.
    pub by_provider: BTreeMap<String, usize>,
    /// Deployments per country (`unknown` for none), as the summary shows them.
    pub by_country: BTreeMap<String, usize>,
    /// Every active `share` rule's counts, in the order of the policy set.
    pub shares: Vec<ShareFigure>,
    /// Indices (in `eval::Engine::records`) of the refusal records that covered a deployment.
    pub used_records: HashSet<usize>,
}

impl Tally {
    /// Adds a batch's deployments: counted on the worker threads, by provider and by country
    /// (this ran on the main thread between batches, the workers idle), then added up here.
    fn count(&mut self, deployments: &[Arc<Deployment>]) {
        type Counts<'d> = foldhash::HashMap<Cow<'d, str>, usize>;
        fn add<'d>(counts: &mut Counts<'d>, key: Cow<'d, str>, n: usize) {
            *counts.entry(key).or_default() += n;
        }
        let (providers, countries) = deployments
            .par_iter()
            .fold(
                || (Counts::default(), Counts::default()),
                |(mut providers, mut countries), d| {
                    let provider = d.provider.as_deref().unwrap_or("unknown");
                    add(&mut providers, Cow::Borrowed(provider), 1);
                    let country = match &d.country {
                        Some(c) => Cow::Borrowed(c.as_str()),
                        None if !d.countries.is_empty() => {
                            Cow::Owned(d.country_shown().unwrap_or_default())
                        }
                        None => Cow::Borrowed("unknown"),
                    };
                    add(&mut countries, country, 1);
                    (providers, countries)
                },
            )
            .reduce(
                || (Counts::default(), Counts::default()),
                |(mut p, mut c), (p2, c2)| {
                    p2.into_iter().for_each(|(k, n)| add(&mut p, k, n));
                    c2.into_iter().for_each(|(k, n)| add(&mut c, k, n));
                    (p, c)
                },
            );
        self.deployments += deployments.len();
        for (into, counts) in [
            (&mut self.by_provider, providers),
            (&mut self.by_country, countries),
        ] {
            for (key, n) in counts {
                match into.get_mut(key.as_ref()) {
                    Some(m) => *m += n,
                    None => {
                        into.insert(key.into_owned(), n);
                    }
                }
            }
        }
    }
}

/// Where a check's files come from.
pub enum Source<'a> {
    /// The working tree, as discovered.
    Disk(Discovered),
    /// A git tree (always read whole, as one batch), without the files `skip` names.
    Tree(&'a git::GitTree, &'a [Arc<str>]),
}

/// The bytes of files a batch holds: [`BATCH_BYTES_ENV`] if set to a number, else the default.
fn batch_bytes() -> u64 {
    std::env::var(BATCH_BYTES_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_BATCH_BYTES)
}

impl Workspace {
    /// Reads, extracts and judges the files of `source` batch by batch: every finding
    /// (suppressions applied, sorted; not yet narrowed to a selection), the facts kept, and
    /// the tally of every deployment.
    pub(crate) fn judge_source(
        &self,
        source: Source<'_>,
        j: &Judge<'_>,
        keep: Keep,
    ) -> (Vec<Finding>, Facts, Tally) {
        let opts = EvalOptions {
            as_of: j.as_of,
            whole_repo: j.whole_repo,
        };
        let engine = crate::eval::Engine::new(j.policies, j.catalog, opts);
        let mut judged = Judged::new(j.policies, opts);
        let mut tally = Tally::default();
        let mut kept = Facts::default();
        let mut judge_batch = |mut facts: Facts| {
            let _judge = Timer::start(Phase::Judge);
            let from = judged.findings.len();
            judged.add(engine.judge_part(j.policies, &facts.deployments, &facts.files));
            tally.count(&facts.deployments);
            judged.findings.extend(
                facts
                    .parse_errors
                    .iter()
                    .map(|d| input_finding(d, parse_error_severity(j, d))),
            );
            if keep == Keep::Findings {
                release(&mut judged.findings[from..], &mut facts);
            }
            kept.absorb(facts, keep);
        };
        match source {
            Source::Tree(tree, skip) => {
                let _batches = Timer::start(Phase::Batches);
                judge_batch(self.collect_tree(tree, skip));
            }
            Source::Disk(mut found) => {
                let bytes: u64 = found.candidates.iter().map(|c| c.len).sum();
                // As many batches as the batch size fits in the files' bytes, so a batch holds
                // one to two batch sizes (a repository under two is one batch: a cut costs
                // time), and no more batches than files: a batch holds at least one group.
                let count = match keep {
                    Keep::All => 1,
                    Keep::Findings => usize::try_from(bytes / batch_bytes())
                        .unwrap_or(usize::MAX)
                        .min(found.candidates.len())
                        .max(1),
                };
                if count == 1 {
                    let _batches = Timer::start(Phase::Batches);
                    judge_batch(self.collect_found(found));
                } else {
                    crate::memory::batches_start();
                    let notes = std::mem::take(&mut found.notes);
                    let batches: Vec<Discovered> = timed(Phase::Split, || self.split(found, count))
                        .into_iter()
                        .filter(|b| !b.candidates.is_empty() || !b.skipped.is_empty())
                        .collect();
                    let _batches = Timer::counting(Phase::Batches, batches.len() as u64);
                    self.side_by_side(batches, &mut judge_batch);
                    kept.notes.extend(notes);
                }
            }
        }
        let _conclude = Timer::start(Phase::Conclude);
        crate::diag::sort(&mut kept.parse_errors);
        tally.shares = judged.shares.clone();
        tally.used_records = judged.used_records.clone();
        let mut findings = engine.conclude(judged);
        suppress::apply(
            &mut findings,
            &kept.files,
            j.policies,
            j.config,
            j.catalog,
            j.as_of,
            j.whole_repo,
        );
        (findings, kept, tally)
    }

    /// Reads, extracts and judges `batches` in order, three at a time side by side: while one
    /// batch is extracted on the worker threads, the next is read and the one before judged.
    /// One after the other, each batch's steps ended with a wait for the slowest thread, and
    /// its reads and its judging (a serial part among them) left a core idle: 8 % of a large
    /// check's wall time (docs/performance.md, "Batches side by side"). Batches are
    /// judged in their order, as one after the other; three batches' files are held at most.
    fn side_by_side(&self, batches: Vec<Discovered>, judge: &mut (impl FnMut(Facts) + Send)) {
        let mut batches = batches.into_iter();
        let mut next = batches.next().map(super::read_found);
        let mut extracted: Option<Facts> = None;
        while let Some((batch, inputs, errors)) = next.take() {
            let following = batches.next();
            let ((facts, read_next), ()) = rayon::join(
                || {
                    rayon::join(
                        || timed(Phase::Extract, || self.extract(batch, inputs, errors)),
                        || following.map(super::read_found),
                    )
                },
                || extracted.take().map_or((), &mut *judge),
            );
            extracted = Some(facts);
            next = read_next;
        }
        if let Some(facts) = extracted {
            judge(facts);
        }
    }
}

/// Drops from memory the text of the files a batch's findings and parse errors are in (they
/// read it again if a report needs it: src/source.rs), but for the files that hold an ignore
/// comment, which suppressions read and which are kept whole. Where the findings start and end
/// is found first (on the worker threads), so a report of positions reads no file again.
fn release(findings: &mut [Finding], facts: &mut Facts) {
    // A file by its address (a pointer would not cross to the worker threads).
    type Key = usize;
    type Offsets<'f> = foldhash::HashMap<Key, (&'f Arc<SourceFile>, Vec<usize>)>;
    fn at<'f>(offsets: &mut Offsets<'f>, file: &'f Arc<SourceFile>, span: &[usize]) {
        let (_, list) = offsets
            .entry(Arc::as_ptr(file).addr())
            .or_insert_with(|| (file, Vec::new()));
        list.extend(span);
    }
    let mut offsets = Offsets::default();
    for f in findings.iter() {
        at(&mut offsets, &f.file, &[f.span.start, f.span.end]);
        for r in &f.related {
            at(&mut offsets, &r.file, &[r.span.start, r.span.end]);
        }
    }
    for file in facts.parse_errors.iter().filter_map(|d| d.file.as_ref()) {
        at(&mut offsets, file, &[]);
    }
    let released: foldhash::HashMap<Key, Arc<SourceFile>> = offsets
        .into_par_iter()
        .filter_map(|(key, (file, offsets))| {
            let whole = facts
                .files
                .get(&file.path)
                .is_some_and(|f| Arc::ptr_eq(f, file) && suppress::may_hold_directives(f));
            if whole {
                return None;
            }
            Some((key, Arc::new(file.released_knowing(offsets)?)))
        })
        .collect();
    let swap = |file: &mut Arc<SourceFile>| {
        if let Some(new) = released.get(&Arc::as_ptr(file).addr()) {
            *file = new.clone();
        }
    };
    for f in findings {
        swap(&mut f.file);
        for r in &mut f.related {
            swap(&mut r.file);
        }
    }
    for d in &mut facts.parse_errors {
        if let Some(file) = &mut d.file {
            swap(file);
        }
    }
}

/// The severity of the finding of a file the run did not check: `parse_errors` for a parse
/// error, else the diagnostic's own (set from the configuration when it was collected).
pub(crate) fn parse_error_severity(j: &Judge<'_>, d: &crate::diag::Diag) -> crate::diag::Severity {
    if d.code == reserved::PARSE_ERROR {
        j.parse_error_severity
    } else {
        d.severity
    }
}

impl Facts {
    /// Adds a batch's facts: every deployment and file with [`Keep::All`], else only the files
    /// that hold an ignore comment (what is left of the rest is in the findings).
    fn absorb(&mut self, mut batch: Facts, keep: Keep) {
        self.read.append(&mut batch.read);
        self.parse_errors.append(&mut batch.parse_errors);
        self.notes.append(&mut batch.notes);
        self.files_scanned += batch.files_scanned;
        self.bytes_scanned += batch.bytes_scanned;
        match keep {
            Keep::All => {
                self.deployments.append(&mut batch.deployments);
                self.files.extend(batch.files);
            }
            Keep::Findings => {
                // Each text searched for an ignore comment on the worker threads, and what
                // the batch leaves dropped there too, while this thread goes on to the next
                // batch: on this thread both were a sixth of a large run's wall time, the
                // other threads idle (freeing what another thread allocated is the
                // allocator's slow path, too).
                let files = std::mem::take(&mut batch.files);
                let kept: Vec<_> = files
                    .into_par_iter()
                    .filter(|(_, f)| suppress::may_hold_directives(f))
                    .collect();
                self.files.extend(kept);
                rayon::spawn(move || drop(batch));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::model::Format;
    use crate::source::Span;

    fn deployment(
        provider: Option<&str>,
        country: Option<&str>,
        countries: &[&str],
    ) -> Arc<Deployment> {
        let mut d = Deployment::new("a.tf".into(), Span::new(0, 1), Format::Terraform, "t", "n");
        d.provider = provider.map(Into::into);
        d.country = country.map(str::to_string);
        d.countries = countries.iter().map(|c| c.to_string()).collect();
        Arc::new(d)
    }

    #[test]
    fn a_tally_counts_every_deployment_by_provider_and_country_across_batches() {
        let mut tally = Tally::default();
        let first: Vec<_> = (0..1000)
            .map(|i| match i % 4 {
                0 => deployment(Some("aws"), Some("IE"), &[]),
                1 => deployment(Some("azure"), None, &["DE", "NL"]),
                2 => deployment(None, None, &[]),
                _ => deployment(Some("aws"), Some("US"), &[]),
            })
            .collect();
        tally.count(&first);
        tally.count(&[deployment(Some("gcp"), Some("IE"), &[])]);
        tally.count(&[]);
        assert_eq!(tally.deployments, 1001);
        fn pairs(counts: &BTreeMap<String, usize>) -> Vec<(&str, usize)> {
            counts.iter().map(|(k, n)| (k.as_str(), *n)).collect()
        }
        assert_eq!(
            pairs(&tally.by_provider),
            [("aws", 500), ("azure", 250), ("gcp", 1), ("unknown", 250)]
        );
        assert_eq!(
            pairs(&tally.by_country),
            [("DE|NL", 250), ("IE", 251), ("US", 250), ("unknown", 250)]
        );
    }
}

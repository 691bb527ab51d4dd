//! `check --shard K/N`: one part of a whole-repository check (docs/merge.md, "Sharding").
//!
//! The files of the repository are grouped so that everything extracted together stays
//! together — a Terraform *stack* (folders linked by module calls, Terragrunt includes or
//! configured variable files, [`Workspace::terraform_stacks`]), a Pulumi project, an ARM
//! template with its parameter files ([`crate::facts::units::UnitKey`]), Bicep files that
//! reference one another (a module's or a `.bicepparam`'s `using` path, [`bicep_groups`]), else
//! the file — and the groups are dealt to N shards, heaviest first, each to the lightest shard
//! so far (ties: the lower index). The weight of a group is its files' bytes plus a fixed
//! amount per file. The deal depends only on the repository's files, so every shard process
//! computes the same partition: every file is in exactly one shard. A shard judges no
//! whole-repository rule; its `json` carries the raw counts (`whole_repo`) for `merge`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

// foldhash, not SipHash: the deal hashes a key or two per file, on the main thread; its
// order comes from a sort, not from the maps.
use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;
use std::time::Instant;

use super::{Fatal, Keep, Report, Selection, Workspace};
use crate::discover::Discovered;
use crate::facts::units::UnitKey;

/// Part `index` (0-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: usize,
    pub count: usize,
}

/// Most shards `--shard` accepts.
pub const MAX_SHARDS: usize = 10_000;

impl std::str::FromStr for ShardSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{s}` is not a shard: write K/N with 0 <= K < N <= {MAX_SHARDS} (K counts from 0, as $JOB_COMPLETION_INDEX does)"
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || count > MAX_SHARDS || index >= count {
            return Err(bad());
        }
        Ok(ShardSpec { index, count })
    }
}

/// Bytes a file weighs besides its length: reading, parsing and judging it costs something
/// however small it is.
const PER_FILE: u64 = 1024;

impl Workspace {
    /// The shard (0-based) of every candidate and of every skipped file of a discovery.
    fn deal(&self, found: &Discovered, count: usize) -> (Vec<usize>, Vec<usize>) {
        use rayon::prelude::*;
        // On the worker threads, as every scan of the candidates here: they are idle while
        // the deal is made.
        let terraform: Vec<&crate::discover::Candidate> = found
            .candidates
            .par_iter()
            .filter(|c| UnitKey::is_terraform(&c.rel, c.syntax))
            .collect();
        let mut stack_of: HashMap<String, GroupKey> = HashMap::new();
        if !terraform.is_empty() {
            for group in self.terraform_stacks(self.terraform_links(&terraform)) {
                let Some(first) = group.iter().min() else {
                    continue;
                };
                let key = GroupKey::Terraform(first.as_str().into());
                for dir in &group {
                    stack_of.insert(dir.clone(), key.clone());
                }
            }
        }
        let groups = Groups {
            bicep_of: bicep_groups(&found.candidates),
            stack_of,
        };
        // On the worker threads: a key is made for each of many files.
        let keys: Vec<GroupKey> = found
            .candidates
            .par_iter()
            .map(|c| groups.key(&c.rel, self.shard_unit(c, &groups.stack_of)))
            .chain(
                found
                    .skipped
                    .par_iter()
                    .map(|s| GroupKey::File(s.rel.as_str().into())),
            )
            .collect();
        // Each group by its index in order of first appearance, with its weight.
        let sizes = found.candidates.iter().map(|c| c.len + PER_FILE);
        let sizes = sizes.chain(found.skipped.iter().map(|_| PER_FILE));
        let mut index: HashMap<&GroupKey, usize> = HashMap::new();
        let mut names: Vec<&GroupKey> = Vec::new();
        let mut weights: Vec<u64> = Vec::new();
        let group_of: Vec<usize> = keys
            .iter()
            .zip(sizes)
            .map(|(key, size)| {
                let g = *index.entry(key).or_insert_with(|| {
                    names.push(key);
                    weights.push(0);
                    names.len() - 1
                });
                weights[g] += size;
                g
            })
            .collect();
        // Heaviest first (ties: by key), each to the lightest shard so far (ties: the lower
        // index), which is on top of the heap.
        let mut heaviest: Vec<usize> = (0..names.len()).collect();
        heaviest.par_sort_unstable_by(|&a, &b| {
            weights[b].cmp(&weights[a]).then(names[a].cmp(names[b]))
        });
        let mut load: BinaryHeap<Reverse<(u64, usize)>> =
            (0..count.max(1)).map(|i| Reverse((0, i))).collect();
        let mut shard_of = vec![0; names.len()];
        for g in heaviest {
            let Some(Reverse((lightest, i))) = load.pop() else {
                break;
            };
            load.push(Reverse((lightest + weights[g], i)));
            shard_of[g] = i;
        }
        let mut shards = group_of.into_iter().map(|g| shard_of[g]);
        let candidates = shards.by_ref().take(found.candidates.len()).collect();
        (candidates, shards.collect())
    }

    /// A discovery dealt into `count` parts of whole groups (see the module's comment): what
    /// `--shard` takes one of, and what a check of a large repository reads and judges one
    /// after another (src/workspace/batch.rs). Notes stay with the discovery: no part has them.
    pub(crate) fn split(&self, found: Discovered, count: usize) -> Vec<Discovered> {
        let (candidates, skipped) = self.deal(&found, count);
        let mut parts: Vec<Discovered> = (0..count).map(|_| Discovered::default()).collect();
        for (c, shard) in found.candidates.into_iter().zip(candidates) {
            parts[shard].candidates.push(c);
        }
        for (s, shard) in found.skipped.into_iter().zip(skipped) {
            parts[shard].skipped.push(s);
        }
        parts
    }

    /// The unit of a file for the deal: its name's, except that a JSON file in a Terraform
    /// folder is read, since a plan there joins the folder's configuration
    /// ([`Workspace::candidate_key`]).
    fn shard_unit(
        &self,
        c: &crate::discover::Candidate,
        stack_of: &HashMap<String, GroupKey>,
    ) -> UnitKey {
        let key = UnitKey::of(&c.rel, c.syntax);
        let dir = c.rel.rsplit_once('/').map_or("", |(d, _)| d);
        if key.may_be_plan(&c.rel) && stack_of.contains_key(dir) {
            return self.candidate_key(c);
        }
        key
    }

    /// The whole-repository discovery cut to one shard, and the paths of the whole repository
    /// (for the findings no shard's files hold).
    pub fn discover_shard(
        &self,
        spec: ShardSpec,
        skip: &[Arc<str>],
    ) -> Result<(Discovered, HashSet<String>), Fatal> {
        let mut found = self.discover(&Selection::Root, skip)?;
        let all: HashSet<String> = found
            .candidates
            .iter()
            .map(|c| c.rel.clone())
            .chain(found.skipped.iter().map(|s| s.rel.clone()))
            .collect();
        let notes = std::mem::take(&mut found.notes);
        let mut found = self.split(found, spec.count).swap_remove(spec.index);
        found.notes = notes;
        Ok((found, all))
    }

    /// One shard of a whole-repository check: the findings of its files, no whole-repository
    /// verdict. Findings about the policy set and the configuration (located in no file of the
    /// repository's scan) are reported by shard 0 only.
    pub fn check_shard(&self, spec: ShardSpec, keep: Keep) -> Result<Report, Fatal> {
        let start = Instant::now();
        let (policies, policy_warnings) = self.policies()?;
        let records: Vec<Arc<str>> = policies.files.iter().map(|f| f.path.clone()).collect();
        let (found, all) = self.discover_shard(spec, &records)?;
        let mine: HashSet<String> = found
            .candidates
            .iter()
            .map(|c| c.rel.clone())
            .chain(found.skipped.iter().map(|s| s.rel.clone()))
            .collect();
        let (mut findings, facts, tally) = self.judge_source(
            super::batch::Source::Disk(found),
            &self.judge_settings(&policies, false),
            keep,
        );
        findings.retain(|f| {
            let path = f.path();
            mine.contains(path)
                || f.deployment
                    .as_ref()
                    .is_some_and(|d| mine.contains(&*d.path))
                || (spec.index == 0 && !all.contains(path))
        });
        Ok(Report {
            findings,
            facts,
            policies,
            policy_warnings,
            as_of: self.as_of,
            whole_repo: false,
            tally,
            elapsed: start.elapsed(),
        })
    }
}

/// What the files of a discovery are grouped by besides their unit keys.
struct Groups {
    /// The group key of every Terraform folder (its stack's).
    stack_of: HashMap<String, GroupKey>,
    /// The group key of every Bicep file.
    bicep_of: HashMap<String, GroupKey>,
}

/// The key of a group: its kind and the path that names it (a stack's first folder, a Pulumi
/// project's folder, an ARM template, the first Bicep file joined, a file). Keys order as the
/// texts `arm:PATH`, `bicep:PATH`, `file:PATH`, `pulumi:PATH` and `terraform:PATH` would (the
/// kinds in that order, then the path: no two kinds' words start alike), which the deal's ties
/// are broken by; made without writing those texts (a string made for every file).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum GroupKey {
    Arm(Arc<str>),
    Bicep(Arc<str>),
    File(Arc<str>),
    Pulumi(Arc<str>),
    Terraform(Arc<str>),
}

impl Groups {
    /// The group a file of `unit` at `rel` belongs to.
    fn key(&self, rel: &str, unit: UnitKey) -> GroupKey {
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        match unit {
            UnitKey::Terraform(_) => self
                .stack_of
                .get(dir)
                .cloned()
                .unwrap_or_else(|| GroupKey::Terraform(dir.into())),
            UnitKey::Pulumi(d) => GroupKey::Pulumi(d),
            UnitKey::Arm(t) => GroupKey::Arm(t),
            UnitKey::Bicep(_) => self
                .bicep_of
                .get(rel)
                .cloned()
                .unwrap_or_else(|| GroupKey::Bicep(rel.into())),
            UnitKey::File(p) => GroupKey::File(p),
        }
    }
}

/// The group key of every Bicep file: `bicep:` and the first path of the files it is joined
/// to by references. A Bicep file reaches another only through a relative path written as a
/// string (`module m './app.bicep'`, a `.bicepparam`'s `using './main.bicep'`), so every
/// string literal naming another Bicep file of the discovery joins the two: more than the
/// extraction follows (src/facts/bicep.rs), never less. A file that cannot be read is alone.
fn bicep_groups(candidates: &[crate::discover::Candidate]) -> HashMap<String, GroupKey> {
    use rayon::prelude::*;
    let bicep: Vec<&crate::discover::Candidate> = candidates
        .par_iter()
        // `UnitKey::of` keys every Bicep file (and only those) as Bicep.
        .filter(|c| c.syntax == crate::discover::Syntax::Bicep)
        .collect();
    let at: HashMap<&str, usize> = bicep
        .iter()
        .enumerate()
        .map(|(i, c)| (c.rel.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = bicep
        .par_iter()
        .map(|c| {
            let text = crate::discover::read_candidate(c).unwrap_or_default();
            if !may_name_bicep_file(&text) {
                return Vec::new();
            }
            crate::parse::bicep::string_literals(&text)
                .iter()
                // A Bicep file's name ends in `.bicep` or `.bicepparam`, and a path leads to a
                // file by its last name: most strings (types, names, locations) lead to none.
                .filter(|s| has_bicep_dot(s.as_bytes()))
                .filter_map(|s| crate::facts::bicep::local_target(&c.rel, s))
                .filter_map(|target| at.get(target.as_str()).copied())
                .collect()
        })
        .collect();
    let mut parent: Vec<usize> = (0..bicep.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (from, targets) in edges.iter().enumerate() {
        for &to in targets {
            let (a, b) = (root(&mut parent, from), root(&mut parent, to));
            // The lower index (the earlier path: candidates are sorted) is the root.
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let keys: Vec<GroupKey> = bicep
        .iter()
        .map(|c| GroupKey::Bicep(c.rel.as_str().into()))
        .collect();
    (0..bicep.len())
        .map(|i| {
            let first = root(&mut parent, i);
            (bicep[i].rel.clone(), keys[first].clone())
        })
        .collect()
}

/// Whether a Bicep text may hold a string naming a Bicep file: one holds `.bicep` in some case
/// (`.bicepparam` too), unless an escape spells it, and escapes start with a backslash. Half the
/// corpus's Bicep files name none and are not lexed for it.
fn may_name_bicep_file(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr(b'\\', bytes).is_some() || has_bicep_dot(bytes)
}

/// Whether `bytes` hold `.bicep` in some case (which `.bicepparam` also starts with).
fn has_bicep_dot(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'.', bytes).any(|at| {
        bytes
            .get(at + 1..at + 6)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"bicep"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bicep_text_may_name_a_bicep_file_only_through_its_extension_or_an_escape() {
        assert!(may_name_bicep_file("module m './app.bicep' = {}"));
        assert!(may_name_bicep_file("using 'main.BICEP'"));
        assert!(may_name_bicep_file(r"module m './app.\u{62}icep' = {}"));
        assert!(!may_name_bicep_file(
            "module m 'br/public:avm/res/x:1.0' = {}\nparam a string"
        ));
        assert!(!may_name_bicep_file("x.bice"));
    }

    #[test]
    fn shard_specs() {
        assert_eq!(
            "0/7".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 0, count: 7 })
        );
        assert_eq!(
            "6/7".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 6, count: 7 })
        );
        for bad in ["7/7", "1/0", "x/2", "1", "-1/2", "1/20000"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
    }
}

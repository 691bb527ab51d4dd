//! `check --shard K/N`: one part of a whole-repository check (docs/merge.md, "Sharding").
//!
//! The files of the repository are grouped so that everything extracted together stays
//! together — a Terraform *stack* (folders linked by module calls, Terragrunt includes or
//! configured variable files, [`Workspace::terraform_stacks`]), a Pulumi project, an ARM
//! template with its parameter files, every Bicep file ([`crate::facts::units::UnitKey`]), else
//! the file — and the groups are dealt to N shards, heaviest first, each to the lightest shard
//! so far (ties: the lower index). The weight of a group is its files' bytes plus a fixed
//! amount per file. The deal depends only on the repository's files, so every shard process
//! computes the same partition: every file is in exactly one shard. A shard judges no
//! whole-repository rule; its `json` carries the raw counts (`whole_repo`) for `merge`.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
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
    /// The shard (0-based) of every group of the discovered files, by group key; and the
    /// group key of every Terraform folder.
    fn deal(
        &self,
        found: &Discovered,
        count: usize,
    ) -> (HashMap<String, usize>, HashMap<String, String>) {
        let dir_of = |rel: &str| rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        let terraform: Vec<crate::discover::Candidate> = found
            .candidates
            .iter()
            .filter(|c| matches!(UnitKey::of(&c.rel, c.syntax), UnitKey::Terraform(_)))
            .cloned()
            .collect();
        let mut stack_of: HashMap<String, String> = HashMap::new();
        if !terraform.is_empty() {
            for group in self.terraform_stacks(self.terraform_links(&terraform)) {
                let Some(first) = group.iter().min() else {
                    continue;
                };
                let key = format!("terraform:{first}");
                for dir in &group {
                    stack_of.insert(dir.clone(), key.clone());
                }
            }
        }
        let mut weights: BTreeMap<String, u64> = BTreeMap::new();
        for c in &found.candidates {
            let key = group_key(&c.rel, self.shard_unit(c, &stack_of), &stack_of, &dir_of);
            *weights.entry(key).or_default() += c.len + PER_FILE;
        }
        for s in &found.skipped {
            *weights.entry(format!("file:{}", s.rel)).or_default() += PER_FILE;
        }
        let mut groups: Vec<(String, u64)> = weights.into_iter().collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        // The lightest shard so far (ties: the lower index) on top.
        let mut load: BinaryHeap<Reverse<(u64, usize)>> =
            (0..count.max(1)).map(|i| Reverse((0, i))).collect();
        let mut shard_of = HashMap::with_capacity(groups.len());
        for (key, weight) in groups {
            let Some(Reverse((lightest, i))) = load.pop() else {
                break;
            };
            load.push(Reverse((lightest + weight, i)));
            shard_of.insert(key, i);
        }
        (shard_of, stack_of)
    }

    /// A discovery dealt into `count` parts of whole groups (see the module's comment): what
    /// `--shard` takes one of, and what a check of a large repository reads and judges one
    /// after another (src/workspace/batch.rs). Notes stay with the discovery: no part has them.
    pub(crate) fn split(&self, found: Discovered, count: usize) -> Vec<Discovered> {
        let (shard_of, stacks) = self.deal(&found, count);
        let dir_of = |rel: &str| rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        let mut parts: Vec<Discovered> = (0..count).map(|_| Discovered::default()).collect();
        for c in found.candidates {
            let key = group_key(&c.rel, self.shard_unit(&c, &stacks), &stacks, &dir_of);
            parts[shard_of.get(&key).copied().unwrap_or(0)]
                .candidates
                .push(c);
        }
        for s in found.skipped {
            let key = format!("file:{}", s.rel);
            parts[shard_of.get(&key).copied().unwrap_or(0)]
                .skipped
                .push(s);
        }
        parts
    }

    /// The unit of a file for the deal: its name's, except that a JSON file in a Terraform
    /// folder is read, since a plan there joins the folder's configuration
    /// ([`Workspace::candidate_key`]).
    fn shard_unit(
        &self,
        c: &crate::discover::Candidate,
        stack_of: &HashMap<String, String>,
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

fn group_key(
    rel: &str,
    unit: UnitKey,
    stack_of: &HashMap<String, String>,
    dir_of: &dyn Fn(&str) -> String,
) -> String {
    match unit {
        UnitKey::Terraform(_) => stack_of
            .get(&dir_of(rel))
            .cloned()
            .unwrap_or_else(|| format!("terraform:{}", dir_of(rel))),
        UnitKey::Pulumi(d) => format!("pulumi:{d}"),
        UnitKey::Arm(t) => format!("arm:{t}"),
        UnitKey::Bicep(_) => "bicep".to_string(),
        UnitKey::File(p) => format!("file:{p}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

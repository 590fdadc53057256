//! The importer's jobs and stages: a `JobStart`'s stages and RDDs in ember's words (with the
//! shuffles inferred from which RDDs share a stage), a stage attempt's partitions and reason, the
//! stages a job skipped, and the map outputs a lost executor took with it.

use super::convert::{action_of, short_callsite};
use super::import::{JobTrack, SparkImport, StageTrack};
use super::json::{RddInfoJson, StageInfoJson};
use crate::events::{
    DependencyKind, Event, EventKind, ParentInfo, RddInfo, SkipReason, StageInfo, StageKind,
    SubmitReason,
};
use crate::storage::StorageLevel;
use std::collections::{BTreeMap, BTreeSet};

impl SparkImport {
    /// A lost executor's map outputs (Spark unregisters them: without an external shuffle
    /// service they went with it).
    pub(super) fn outputs_lost(&mut self, executor: &str, at: u64, out: &mut Vec<Event>) {
        let mut lost: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for t in self.stages.values_mut().filter(|t| t.map) {
            let maps: Vec<usize> = t
                .succeeded
                .iter()
                .filter(|(_, e)| *e == executor)
                .map(|(p, _)| *p)
                .collect();
            for p in &maps {
                t.succeeded.remove(p);
            }
            if let (Some(s), false) = (t.shuffle, maps.is_empty()) {
                lost.entry(s).or_default().extend(maps);
                self.written.remove(&s);
            }
        }
        for (shuffle, mut maps) in lost {
            maps.sort_unstable();
            maps.dedup();
            let kind = EventKind::MapOutputsLost {
                shuffle,
                maps,
                executor: executor.to_string(),
            };
            self.push(out, at, kind, true);
        }
    }

    pub(super) fn job_start(
        &mut self,
        job: usize,
        at: u64,
        mut infos: Vec<StageInfoJson>,
        stage_ids: Vec<usize>,
        out: &mut Vec<Event>,
    ) {
        infos.sort_by_key(|s| {
            stage_ids
                .iter()
                .position(|id| *id == s.id)
                .unwrap_or(usize::MAX)
        });
        let parents_of_some: BTreeSet<usize> = infos
            .iter()
            .flat_map(|s| s.parents.iter().copied())
            .collect();
        // The shuffles: a map stage's RDD read by an RDD of a child stage.
        let mut new_keys = Vec::new();
        for m in infos.iter().filter(|s| parents_of_some.contains(&s.id)) {
            let Some(map_rdd) = m.rdds.first().map(|r| r.id) else {
                continue;
            };
            for c in infos.iter().filter(|c| c.parents.contains(&m.id)) {
                for r in c.rdds.iter().filter(|r| r.parents.contains(&map_rdd)) {
                    if r.id != map_rdd && !self.shuffles.contains_key(&(map_rdd, r.id)) {
                        new_keys.push((map_rdd, r.id));
                    }
                }
            }
        }
        new_keys.sort_by_key(|k| (k.1, k.0));
        new_keys.dedup();
        for k in new_keys {
            let id = self.shuffles.len();
            self.shuffles.insert(k, id);
        }
        let mut rdds = Vec::new();
        let mut stages = Vec::new();
        for s in &infos {
            for r in &s.rdds {
                let info = self.rdd_info(r);
                if self.rdds.get(&r.id) != Some(&info)
                    && !rdds.iter().any(|x: &RddInfo| x.rdd == r.id)
                {
                    rdds.push(info);
                }
            }
            let map = parents_of_some.contains(&s.id);
            let rdd = s.rdds.first().map_or(0, |r| r.id);
            let shuffle = if map {
                self.shuffles
                    .iter()
                    .find(|((m, c), _)| {
                        *m == rdd
                            && infos.iter().any(|x| {
                                x.parents.contains(&s.id) && x.rdds.iter().any(|r| r.id == *c)
                            })
                    })
                    .map(|(_, id)| *id)
            } else {
                None
            };
            let mut ids: Vec<usize> = s.rdds.iter().map(|r| r.id).collect();
            ids.sort_unstable();
            self.stage_job.insert(s.id, job);
            self.stages.insert(
                s.id,
                StageTrack {
                    partitions: s.tasks,
                    map,
                    shuffle,
                    rdds: ids.clone(),
                    succeeded: BTreeMap::new(),
                },
            );
            stages.push(StageInfo {
                stage: s.id,
                kind: if map {
                    StageKind::ShuffleMap
                } else {
                    StageKind::Result
                },
                rdd,
                rdds: ids,
                parents: s.parents.clone(),
                shuffle,
                tasks: s.tasks,
            });
        }
        rdds.sort_by_key(|r| r.rdd);
        for r in &rdds {
            self.rdds.insert(r.rdd, r.clone());
            if r.storage != StorageLevel::NONE.name() {
                self.blocks.persisted(r.rdd);
            }
        }
        let action = infos
            .iter()
            .find(|s| !parents_of_some.contains(&s.id))
            .map(|s| action_of(&s.name))
            .unwrap_or_else(|| "job".into());
        self.jobs.insert(
            job,
            JobTrack {
                listed: stage_ids.clone(),
                ..JobTrack::default()
            },
        );
        let kind = EventKind::JobStart {
            job,
            action,
            stage_ids,
            rdds,
            stages,
        };
        self.push(out, at, kind, false);
    }

    /// An RDD as ember describes it: the edge to a parent outside the RDD's own stage is a
    /// shuffle (inferred: Spark's `RDDInfo` lists parent ids only).
    pub(super) fn rdd_info(&self, r: &RddInfoJson) -> RddInfo {
        // A parent has a smaller id than its child in Spark; a log that says otherwise is
        // damaged, and a cycle would hang every walk of the lineage.
        let parents = r
            .parents
            .iter()
            .filter(|p| **p < r.id)
            .map(|p| match self.shuffles.get(&(*p, r.id)) {
                Some(s) => ParentInfo {
                    rdd: *p,
                    kind: DependencyKind::Shuffle,
                    shuffle: Some(*s),
                },
                None => ParentInfo {
                    rdd: *p,
                    kind: DependencyKind::Narrow,
                    shuffle: None,
                },
            })
            .collect();
        let level = StorageLevel::from_flags(
            r.storage.use_disk,
            r.storage.use_memory,
            r.storage.use_off_heap,
            r.storage.deserialized,
            r.storage.replication.max(1),
        );
        RddInfo {
            rdd: r.id,
            name: r.name.clone(),
            op: short_callsite(&r.callsite, r.scope.as_deref()),
            partitions: r.partitions,
            storage: level.name().to_string(),
            parents,
            label: None,
        }
    }

    pub(super) fn stage_submitted(&mut self, s: StageInfoJson, out: &mut Vec<Event>) {
        let at = self.at(s.submitted_ms.unwrap_or(0));
        let job = self.stage_job.get(&s.id).copied().unwrap_or(0);
        let fetch_failed = self.jobs.get(&job).is_some_and(|j| j.fetch_failed);
        if let Some(j) = self.jobs.get_mut(&job) {
            j.submitted.insert(s.id);
        }
        let track = self.stages.get(&s.id);
        let total = track.map_or(s.tasks, |t| t.partitions);
        let (partitions, inferred) = if s.attempt == 0 && s.tasks == total {
            ((0..s.tasks).collect(), false)
        } else {
            let missing: Vec<usize> = (0..total)
                .filter(|p| track.is_none_or(|t| !t.succeeded.contains_key(p)))
                .collect();
            if missing.len() == s.tasks {
                (missing, true)
            } else {
                ((0..s.tasks).collect(), true)
            }
        };
        let reason = match (s.attempt, fetch_failed) {
            (0, _) => SubmitReason::New,
            (_, true) => SubmitReason::FetchFailed,
            (_, false) => SubmitReason::MissingOutputs,
        };
        self.attempts.insert((s.id, s.attempt), partitions.clone());
        let kind = EventKind::StageSubmitted {
            stage: s.id,
            attempt: s.attempt,
            job,
            partitions,
            reason,
            preferred: Vec::new(),
        };
        self.push(out, at, kind, inferred || s.attempt > 0);
    }

    /// The stages a job listed and never submitted: skipped, because their shuffle's outputs
    /// exist (an earlier stage wrote them) or because a cached RDD made them unneeded.
    /// A job that failed skipped nothing: the stages it never submitted did not run because it
    /// ended first (as ember's own scheduler posts no `StageSkipped` for them).
    pub(super) fn job_end(&mut self, job: usize, at: u64, succeeded: bool, out: &mut Vec<Event>) {
        let Some(j) = self.jobs.remove(&job) else {
            return;
        };
        if !succeeded {
            return;
        }
        for stage in j.listed.iter().filter(|s| !j.submitted.contains(s)) {
            let written = self
                .stages
                .get(stage)
                .and_then(|t| t.shuffle)
                .is_some_and(|s| self.written.contains(&s));
            let reason = if written {
                SkipReason::MapOutputsExist
            } else {
                SkipReason::Cached
            };
            let kind = EventKind::StageSkipped {
                stage: *stage,
                job,
                reason,
            };
            self.push(out, at, kind, true);
        }
    }
}

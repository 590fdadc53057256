//! Apache Spark's listener events turned into ember's (CONTRACTS §3), one line at a time.
//!
//! [`SparkImport`] is a state machine fed the lines of a Spark event log in order; it keeps
//! what it needs to translate later lines (the jobs' stages, the shuffles, which executor holds
//! which block) and nothing else, so a log of any length imports in the memory of its
//! application's shape, not of its length. Spark's ids (executors `driver`, `0`, `1`, hosts as
//! the log names them, stage, task, job and RDD ids) are kept.
//!
//! What Spark's log does not state, ember infers where it can and marks `"inferred": true`:
//! the shuffle edges of the lineage and shuffle ids (an RDD's parent in another stage is read
//! through a shuffle), why a listed stage was skipped (its shuffle's outputs exist, or a cached
//! RDD made it unneeded), which partitions a retried stage attempt computes, map outputs lost
//! with an executor, evictions (a block Spark reports dropped from memory) and recomputations
//! of cached partitions. Events ember does not model (SQL, streaming, resource profiles, the
//! environment) are counted and skipped, one entry per event name. Block updates are
//! [`super::blocks`]'s.

use super::blocks::Blocks;
use super::json::{event_name, RddInfoJson, SparkEvent, StageInfoJson, TaskMetricsJson};
use crate::events::log::Skipped;
use crate::events::{
    AppResult, DependencyKind, Event, EventKind, Locality, Outcome, ParentInfo, RddInfo,
    SkipReason, SparkApp, StageInfo, StageKind, SubmitReason, TaskEndReason, TaskMetrics,
};
use crate::storage::StorageLevel;
use std::collections::{BTreeMap, BTreeSet};

/// Spark events read but not turned into one of ember's (what they say is folded into
/// others): never warned about.
const FOLDED: [&str; 3] = [
    "SparkListenerLogStart",
    "SparkListenerBlockManagerAdded",
    "SparkListenerBlockManagerRemoved",
];

/// A job as the importer tracks it.
#[derive(Default)]
struct JobTrack {
    listed: Vec<usize>,
    submitted: BTreeSet<usize>,
    fetch_failed: bool,
}

/// A stage as the importer tracks it.
#[derive(Default)]
struct StageTrack {
    partitions: usize,
    map: bool,
    shuffle: Option<usize>,
    rdds: Vec<usize>,
    /// Partitions whose latest attempt succeeded, and where.
    succeeded: BTreeMap<usize, String>,
}

/// The importer: feed it lines with [`SparkImport::line`], then call [`SparkImport::finish`].
#[derive(Default)]
pub struct SparkImport {
    /// Lines seen before the application started, replayed once it has.
    early: Vec<SparkEvent>,
    started: bool,
    base_ms: u64,
    now_us: u64,
    version: String,
    /// Executors added, waiting for their block manager's memory.
    pending: Vec<(String, String, u32, u64)>,
    memory: BTreeMap<String, u64>,
    rdds: BTreeMap<usize, RddInfo>,
    /// Shuffle ids by (map-side RDD, reading RDD), in Spark's order of creation.
    shuffles: BTreeMap<(usize, usize), usize>,
    written: BTreeSet<usize>,
    jobs: BTreeMap<usize, JobTrack>,
    stage_job: BTreeMap<usize, usize>,
    stages: BTreeMap<usize, StageTrack>,
    blocks: Blocks,
    skipped: Vec<Skipped>,
    /// The line being read (1-based).
    line: usize,
    /// Events translated.
    pub events: usize,
}

impl SparkImport {
    /// A fresh importer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads line `number` (1-based) and appends the events it makes to `out`; `last_unended`
    /// says it is the log's last line and has no newline (a log still being written): if it
    /// does not parse, it is dropped and `true` is returned.
    pub fn line(
        &mut self,
        number: usize,
        line: &[u8],
        last_unended: bool,
        out: &mut Vec<Event>,
    ) -> bool {
        self.line = number;
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            return false;
        }
        let Some(name) = event_name(trimmed) else {
            if last_unended {
                return true;
            }
            self.skip(number, "not a Spark event", "no \"Event\" name");
            return false;
        };
        if memchr::memmem::find(trimmed, b"\"Ember\"").is_some() {
            if let Ok(EmberLine { ember }) = serde_json::from_slice::<EmberLine>(trimmed) {
                // ember's own event, exported beside Spark's (see `super::export`): exact.
                self.started = true;
                self.events += 1;
                out.push(ember);
                return false;
            }
        }
        let ember_environment = name == "SparkListenerEnvironmentUpdate"
            && memchr::memmem::find(trimmed, b"spark.ember.version").is_some();
        if !is_read(name) {
            if !FOLDED.contains(&name) && !ember_environment {
                let what = format!("Spark's {name}");
                self.skip(number, &what, "ember does not model it");
            }
            return false;
        }
        match serde_json::from_slice::<SparkEvent>(trimmed) {
            Ok(e) => {
                self.event(e, out);
                false
            }
            Err(_) if last_unended => true,
            Err(e) => {
                let what = format!("a malformed {name}");
                self.skip(number, &what, &e.to_string());
                false
            }
        }
    }

    /// Ends the log: executors still waiting for their memory are added.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        if !self.started && !self.early.is_empty() {
            self.start(String::new(), None, 0, String::new(), out);
        }
        self.flush_pending(out);
    }

    /// What was skipped, one entry per kind.
    pub fn skipped(&self) -> Vec<Skipped> {
        self.skipped.clone()
    }

    fn skip(&mut self, number: usize, what: &str, why: &str) {
        match self.skipped.iter_mut().find(|s| s.what == what) {
            Some(s) => s.count += 1,
            None => self.skipped.push(Skipped {
                what: what.to_string(),
                count: 1,
                first_line: number,
                why: why.to_string(),
            }),
        }
    }

    fn at(&mut self, ms: u64) -> u64 {
        if ms > 0 {
            let us = ms.saturating_sub(self.base_ms).saturating_mul(1000);
            self.now_us = self.now_us.max(us);
        }
        self.now_us
    }

    fn push(&mut self, out: &mut Vec<Event>, time_us: u64, kind: EventKind, inferred: bool) {
        self.events += 1;
        out.push(Event {
            kind,
            time_us,
            engine: None,
            inferred,
        });
    }

    fn start(
        &mut self,
        name: String,
        id: Option<String>,
        time_ms: u64,
        user: String,
        out: &mut Vec<Event>,
    ) {
        self.started = true;
        self.base_ms = time_ms;
        let app = if name.is_empty() {
            id.clone().unwrap_or_else(|| "a Spark application".into())
        } else {
            name
        };
        let spark = SparkApp {
            app_id: id.unwrap_or_default(),
            spark_version: self.version.clone(),
            user,
            start_ms: time_ms,
        };
        self.push(
            out,
            0,
            EventKind::AppStart {
                app,
                clock: "wall".into(),
                seed: 0,
                version: env!("CARGO_PKG_VERSION").to_string(),
                scenario: None,
                spark: Some(spark),
            },
            false,
        );
        for e in std::mem::take(&mut self.early) {
            self.event(e, out);
        }
    }

    fn flush_pending(&mut self, out: &mut Vec<Event>) {
        for (executor, host, cores, at) in std::mem::take(&mut self.pending) {
            let storage_memory = self.memory.get(&executor).copied().unwrap_or(0);
            self.add_executor(executor, host, cores, storage_memory, at, out);
        }
    }

    fn add_executor(
        &mut self,
        executor: String,
        host: String,
        cores: u32,
        storage_memory: u64,
        at: u64,
        out: &mut Vec<Event>,
    ) {
        self.push(
            out,
            at,
            EventKind::ExecutorAdded {
                executor,
                host,
                rack: String::new(),
                cores,
                storage_memory,
            },
            false,
        );
    }

    fn event(&mut self, e: SparkEvent, out: &mut Vec<Event>) {
        match e {
            SparkEvent::LogStart { version } => self.version = version,
            SparkEvent::ApplicationStart {
                name,
                id,
                time_ms,
                user,
            } if !self.started => self.start(name, id, time_ms, user, out),
            SparkEvent::ApplicationStart { .. } => {}
            e if !self.started && !starts_work(&e) => self.early.push(e),
            e if !self.started => {
                self.start(String::new(), None, event_ms(&e), String::new(), out);
                self.event(e, out);
            }
            SparkEvent::ExecutorAdded {
                time_ms,
                executor,
                info,
            } => {
                let at = self.at(time_ms);
                self.pending.push((executor, info.host, info.cores, at));
            }
            SparkEvent::BlockManagerAdded {
                block_manager,
                max_memory,
                ..
            } => {
                self.memory
                    .insert(block_manager.executor.clone(), max_memory);
                if let Some(i) = self
                    .pending
                    .iter()
                    .position(|p| p.0 == block_manager.executor)
                {
                    let (executor, host, cores, at) = self.pending.remove(i);
                    self.add_executor(executor, host, cores, max_memory, at, out);
                }
            }
            SparkEvent::BlockManagerRemoved { .. } => {}
            e => {
                self.flush_pending(out);
                self.work(e, out);
            }
        }
    }

    fn work(&mut self, e: SparkEvent, out: &mut Vec<Event>) {
        match e {
            SparkEvent::JobStart {
                job,
                time_ms,
                stages,
                stage_ids,
                ..
            } => {
                let at = self.at(time_ms);
                self.job_start(job, at, stages, stage_ids, out);
            }
            SparkEvent::JobEnd {
                job,
                time_ms,
                result,
            } => {
                let at = self.at(time_ms);
                self.job_end(job, at, out);
                let failed = result.result != "JobSucceeded";
                let error = failed.then(|| {
                    result
                        .exception
                        .map(|x| first_line(&x.message))
                        .unwrap_or_else(|| result.result.clone())
                });
                let result = if failed {
                    Outcome::Failed
                } else {
                    Outcome::Succeeded
                };
                self.push(out, at, EventKind::JobEnd { job, result, error }, false);
            }
            SparkEvent::StageSubmitted { stage, .. } => self.stage_submitted(stage, out),
            SparkEvent::StageCompleted { stage } => {
                let at = self.at(stage.completed_ms.unwrap_or(0));
                let result = match stage.failure {
                    Some(_) => Outcome::Failed,
                    None => Outcome::Succeeded,
                };
                if let Some(t) = self.stages.get(&stage.id) {
                    if let (Outcome::Succeeded, Some(s)) = (result, t.shuffle) {
                        self.written.insert(s);
                    }
                }
                let kind = EventKind::StageCompleted {
                    stage: stage.id,
                    attempt: stage.attempt,
                    result,
                    reason: stage.failure.as_deref().map(first_line),
                };
                self.push(out, at, kind, false);
            }
            SparkEvent::TaskStart {
                stage,
                attempt,
                info,
            } => {
                let at = self.at(info.launch_ms);
                let partition = partition_of(&info);
                let kind = EventKind::TaskStart {
                    task: info.id,
                    stage,
                    attempt,
                    partition,
                    executor: info.executor.clone(),
                    host: info.host,
                    locality: locality(&info.locality),
                    speculative: info.speculative,
                };
                self.push(out, at, kind, false);
                let rdds = self
                    .stages
                    .get(&stage)
                    .filter(|t| t.partitions > 0)
                    .map(|t| (t.rdds.clone(), t.partitions))
                    .unwrap_or_default();
                for rdd in rdds.0 {
                    let persisted = self.rdds.get(&rdd).filter(|r| {
                        r.partitions == rdds.1 && r.storage != StorageLevel::NONE.name()
                    });
                    if persisted.is_some() {
                        if let Some(k) = self.blocks.recomputed(rdd, partition, &info.executor) {
                            self.push(out, at, k, true);
                        }
                    }
                }
            }
            SparkEvent::TaskEnd {
                stage,
                attempt,
                reason,
                info,
                metrics,
                ..
            } => {
                let at = self.at(info.finish_ms);
                let partition = partition_of(&info);
                let (reason_kind, error) = end_reason(&reason);
                if reason_kind == TaskEndReason::FetchFailed {
                    if let Some(j) = self
                        .stage_job
                        .get(&stage)
                        .and_then(|j| self.jobs.get_mut(j))
                    {
                        j.fetch_failed = true;
                    }
                }
                if let Some(t) = self.stages.get_mut(&stage) {
                    if reason_kind == TaskEndReason::Success {
                        t.succeeded.insert(partition, info.executor.clone());
                        let rdds = t.rdds.clone();
                        self.blocks.computed(&rdds, partition);
                    }
                }
                let duration_us = info
                    .finish_ms
                    .saturating_sub(info.launch_ms)
                    .saturating_mul(1000);
                let kind = EventKind::TaskEnd {
                    task: info.id,
                    stage,
                    attempt,
                    partition,
                    executor: info.executor,
                    reason: reason_kind,
                    duration_us,
                    metrics: metrics.map(|m| task_metrics(&m)).unwrap_or_default(),
                    error,
                    blocks_read: Vec::new(),
                };
                self.push(out, at, kind, false);
            }
            SparkEvent::ExecutorRemoved {
                time_ms,
                executor,
                reason,
            } => {
                let at = self.at(time_ms);
                let kind = EventKind::ExecutorRemoved {
                    executor: executor.clone(),
                    reason,
                };
                self.push(out, at, kind, false);
                self.outputs_lost(&executor, at, out);
                self.blocks.executor_lost(&executor);
            }
            SparkEvent::BlockUpdated { info } => {
                let at = self.now_us;
                let Some(kinds) = self.blocks.updated(&info) else {
                    let what = "Spark's block updates of broadcast and other non-RDD blocks";
                    self.skip(self.line, what, "ember shows RDD blocks only");
                    return;
                };
                for kind in kinds {
                    let inferred = !matches!(kind, EventKind::BlockStored { .. });
                    self.push(out, at, kind, inferred);
                }
            }
            SparkEvent::UnpersistRdd { rdd } => {
                let at = self.now_us;
                for kind in self.blocks.unpersisted(rdd) {
                    self.push(out, at, kind, true);
                }
            }
            SparkEvent::ApplicationEnd { time_ms, exit_code } => {
                let at = self.at(time_ms);
                let failed = exit_code.is_some_and(|c| c != 0);
                let kind = EventKind::AppEnd {
                    result: if failed {
                        AppResult::Failed
                    } else {
                        AppResult::Succeeded
                    },
                    answer: String::new(),
                    result_digest: String::new(),
                    faults_not_injected: Vec::new(),
                    error: exit_code
                        .filter(|c| *c != 0)
                        .map(|c| format!("the application exited with code {c}")),
                };
                self.push(out, at, kind, false);
            }
            _ => {}
        }
    }

    /// A lost executor's map outputs (Spark unregisters them: without an external shuffle
    /// service they went with it).
    fn outputs_lost(&mut self, executor: &str, at: u64, out: &mut Vec<Event>) {
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

    fn job_start(
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
    fn rdd_info(&self, r: &RddInfoJson) -> RddInfo {
        let parents = r
            .parents
            .iter()
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

    fn stage_submitted(&mut self, s: StageInfoJson, out: &mut Vec<Event>) {
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
    fn job_end(&mut self, job: usize, at: u64, out: &mut Vec<Event>) {
        let Some(j) = self.jobs.remove(&job) else {
            return;
        };
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

/// A line of ember's Spark export: the ember event it stands for.
#[derive(serde::Deserialize)]
struct EmberLine {
    #[serde(rename = "Ember")]
    ember: Event,
}

/// Whether the importer reads events of this name.
fn is_read(name: &str) -> bool {
    FOLDED.contains(&name)
        || matches!(
            name,
            "SparkListenerApplicationStart"
                | "SparkListenerApplicationEnd"
                | "SparkListenerExecutorAdded"
                | "SparkListenerExecutorRemoved"
                | "SparkListenerJobStart"
                | "SparkListenerJobEnd"
                | "SparkListenerStageSubmitted"
                | "SparkListenerStageCompleted"
                | "SparkListenerTaskStart"
                | "SparkListenerTaskEnd"
                | "SparkListenerBlockUpdated"
                | "SparkListenerUnpersistRDD"
        )
}

/// Whether an event means the application is running (a log cut before its start).
fn starts_work(e: &SparkEvent) -> bool {
    matches!(
        e,
        SparkEvent::JobStart { .. }
            | SparkEvent::StageSubmitted { .. }
            | SparkEvent::TaskStart { .. }
            | SparkEvent::TaskEnd { .. }
    )
}

fn event_ms(e: &SparkEvent) -> u64 {
    match e {
        SparkEvent::JobStart { time_ms, .. } => *time_ms,
        SparkEvent::StageSubmitted { stage, .. } => stage.submitted_ms.unwrap_or(0),
        SparkEvent::TaskStart { info, .. } | SparkEvent::TaskEnd { info, .. } => info.launch_ms,
        _ => 0,
    }
}

fn partition_of(info: &super::json::TaskInfoJson) -> usize {
    match info.partition {
        Some(p) if p >= 0 => p as usize,
        _ => info.index,
    }
}

fn locality(name: &str) -> Locality {
    match name {
        "NODE_LOCAL" => Locality::NodeLocal,
        "NO_PREF" => Locality::NoPref,
        "RACK_LOCAL" => Locality::RackLocal,
        "ANY" => Locality::Any,
        _ => Locality::ProcessLocal,
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

/// A job's action, from its result stage's name (`count at Foo.scala:4` → `count`).
fn action_of(stage_name: &str) -> String {
    stage_name
        .split(" at ")
        .next()
        .unwrap_or(stage_name)
        .to_string()
}

/// `map at /opt/run/src/app.scala:5` → `map at app.scala:5` (the operation and where, without
/// the directories); the scope's name when there is no call site.
fn short_callsite(callsite: &str, scope: Option<&str>) -> String {
    if let Some((op, place)) = callsite.split_once(" at ") {
        let file = place.rsplit('/').next().unwrap_or(place);
        return format!("{op} at {file}");
    }
    if !callsite.is_empty() {
        return callsite.to_string();
    }
    scope
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .unwrap_or_default()
}

/// Spark's task end reason as ember's, with the error text of a failure.
fn end_reason(r: &super::json::TaskEndReasonJson) -> (TaskEndReason, Option<String>) {
    match r.reason.as_str() {
        "Success" => (TaskEndReason::Success, None),
        "Resubmitted" => (TaskEndReason::Resubmitted, None),
        "FetchFailed" => (
            TaskEndReason::FetchFailed,
            Some(format!(
                "FetchFailed: shuffle {} map {} reduce {} from executor {}",
                r.shuffle.unwrap_or(-1),
                r.map_index.or(r.map_id).unwrap_or(-1),
                r.reduce.unwrap_or(-1),
                r.block_manager
                    .as_ref()
                    .map_or("?", |b| b.executor.as_str())
            )),
        ),
        "ExecutorLostFailure" => (
            TaskEndReason::ExecutorLost,
            Some(format!(
                "executor {} lost{}: {}",
                r.executor.as_deref().unwrap_or("?"),
                if r.exit_caused_by_app == Some(true) {
                    " (caused by the application)"
                } else {
                    ""
                },
                r.loss_reason.as_deref().unwrap_or("unknown reason")
            )),
        ),
        "TaskKilled" => (
            TaskEndReason::Killed,
            Some(format!(
                "killed: {}",
                r.kill_reason.as_deref().unwrap_or("unknown reason")
            )),
        ),
        "ExceptionFailure" => (
            TaskEndReason::Exception,
            Some(format!(
                "{}: {}",
                r.class_name.as_deref().unwrap_or("an exception"),
                first_line(r.description.as_deref().unwrap_or(""))
            )),
        ),
        other => (TaskEndReason::Exception, Some(other.to_string())),
    }
}

/// Spark's task metrics in ember's words (what Spark does not measure stays 0).
fn task_metrics(m: &TaskMetricsJson) -> TaskMetrics {
    TaskMetrics {
        input_records: m.input.records,
        input_bytes: m.input.bytes,
        shuffle_records_read: m.shuffle_read.records,
        shuffle_local_bytes: m.shuffle_read.local_bytes,
        shuffle_remote_bytes: m.shuffle_read.remote_bytes,
        shuffle_local_blocks: m.shuffle_read.local_blocks,
        shuffle_remote_blocks: m.shuffle_read.remote_blocks,
        shuffle_records_written: m.shuffle_write.records,
        shuffle_bytes_written: m.shuffle_write.bytes,
        output_bytes: m.output.bytes,
        disk_bytes_spilled: m.disk_bytes_spilled,
        ..TaskMetrics::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_site_keeps_its_operation_and_file() {
        assert_eq!(
            short_callsite("map at /opt/spark-run/vis/src/dag-twice.scala:6", None),
            "map at dag-twice.scala:6"
        );
        assert_eq!(
            short_callsite("", Some(r#"{"id":"3","name":"reduceByKey"}"#)),
            "reduceByKey"
        );
        assert_eq!(action_of("count at cache.scala:4"), "count");
    }
}

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
//! environment) are counted and skipped, one entry per event name. Jobs and stages are
//! [`super::stages`]'s, block updates [`super::blocks`]'s, the stateless conversions
//! [`super::convert`]'s.

use super::blocks::Blocks;
use super::convert::{
    end_reason, event_ms, first_line, is_read, locality, partition_of, starts_work, task_metrics,
    too_many_tasks, FOLDED, MAX_TASKS,
};
use super::json::{event_name, SparkEvent};
use crate::events::log::Skipped;
use crate::events::{AppResult, Event, EventKind, Outcome, RddInfo, SparkApp, TaskEndReason};
use crate::storage::StorageLevel;
use std::collections::{BTreeMap, BTreeSet};

/// A job as the importer tracks it.
#[derive(Default)]
pub(super) struct JobTrack {
    pub(super) listed: Vec<usize>,
    pub(super) submitted: BTreeSet<usize>,
    pub(super) fetch_failed: bool,
}

/// A stage as the importer tracks it.
#[derive(Default)]
pub(super) struct StageTrack {
    pub(super) partitions: usize,
    pub(super) map: bool,
    pub(super) shuffle: Option<usize>,
    pub(super) rdds: Vec<usize>,
    /// Partitions whose latest attempt succeeded, and where.
    pub(super) succeeded: BTreeMap<usize, String>,
}

/// The Spark settings (prefixes) an imported application keeps for a replay of it: its master
/// (local mode's cores and task failures), speculation, delay scheduling, task retries.
pub const REPLAY_CONF: [&str; 6] = [
    "spark.master",
    "spark.shuffle.service.enabled",
    "spark.speculation",
    "spark.locality.wait",
    "spark.task.maxFailures",
    "spark.task.cpus",
];

/// The importer: feed it lines with [`SparkImport::line`], then call [`SparkImport::finish`].
#[derive(Default)]
pub struct SparkImport {
    /// Lines seen before the application started, replayed once it has.
    pub(super) early: Vec<SparkEvent>,
    pub(super) started: bool,
    pub(super) base_ms: u64,
    pub(super) now_us: u64,
    pub(super) version: String,
    /// The settings of the application's environment a replay takes on ([`REPLAY_CONF`]).
    pub(super) conf: BTreeMap<String, String>,
    /// Executors added, waiting for their block manager's memory.
    pub(super) pending: Vec<(String, String, u32, u64)>,
    pub(super) memory: BTreeMap<String, u64>,
    pub(super) rdds: BTreeMap<usize, RddInfo>,
    /// Shuffle ids by (map-side RDD, reading RDD), in Spark's order of creation.
    pub(super) shuffles: BTreeMap<(usize, usize), usize>,
    pub(super) written: BTreeSet<usize>,
    pub(super) jobs: BTreeMap<usize, JobTrack>,
    pub(super) stage_job: BTreeMap<usize, usize>,
    pub(super) stages: BTreeMap<usize, StageTrack>,
    /// The partitions each stage attempt computes.
    pub(super) attempts: BTreeMap<(usize, usize), Vec<usize>>,
    pub(super) blocks: Blocks,
    pub(super) skipped: Vec<Skipped>,
    /// The line being read (1-based).
    pub(super) line: usize,
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
        // A last line cut short: whatever event it was, it is not whole.
        if last_unended && !trimmed.ends_with(b"}") {
            return true;
        }
        let Some(name) = event_name(trimmed) else {
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
        if name == "SparkListenerEnvironmentUpdate" && !ember_environment {
            self.environment(trimmed);
        }
        if !is_read(name) {
            if !FOLDED.contains(&name) && !ember_environment {
                let what = format!("Spark's {name}");
                self.skip(number, &what, "ember does not model it");
            }
            return false;
        }
        match serde_json::from_slice::<SparkEvent>(trimmed) {
            Ok(e) => {
                if let Some(n) = too_many_tasks(&e) {
                    let why = format!("a stage of {n} tasks (ember reads at most {MAX_TASKS})");
                    self.skip(number, &format!("a malformed {name}"), &why);
                    return false;
                }
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

    /// Keeps the settings of [`REPLAY_CONF`] from an environment update's Spark properties.
    fn environment(&mut self, line: &[u8]) {
        #[derive(serde::Deserialize)]
        struct Environment {
            #[serde(rename = "Spark Properties", default)]
            properties: BTreeMap<String, String>,
        }
        if let Ok(env) = serde_json::from_slice::<Environment>(line) {
            self.conf = env
                .properties
                .into_iter()
                .filter(|(k, _)| REPLAY_CONF.iter().any(|p| k.starts_with(p)))
                .collect();
        }
    }

    /// Ends the log: executors still waiting for their memory are added.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        if !self.started && !self.early.is_empty() {
            // A log cut before the application's start: times count from its first event.
            let first = self.early.iter().map(event_ms).filter(|t| *t > 0).min();
            self.start(String::new(), None, first.unwrap_or(0), String::new(), out);
        }
        self.flush_pending(out);
    }

    /// What was skipped, one entry per kind.
    pub fn skipped(&self) -> Vec<Skipped> {
        self.skipped.clone()
    }

    fn skip(&mut self, number: usize, what: &str, why: &str) {
        Skipped::tally(&mut self.skipped, what, number, why);
    }

    pub(super) fn at(&mut self, ms: u64) -> u64 {
        if ms > 0 {
            let us = ms.saturating_sub(self.base_ms).saturating_mul(1000);
            self.now_us = self.now_us.max(us);
        }
        self.now_us
    }

    pub(super) fn push(
        &mut self,
        out: &mut Vec<Event>,
        time_us: u64,
        kind: EventKind,
        inferred: bool,
    ) {
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
            id.clone().unwrap_or_else(|| "?".into())
        } else {
            name
        };
        let spark = SparkApp {
            app_id: id.unwrap_or_default(),
            spark_version: self.version.clone(),
            user,
            start_ms: time_ms,
            conf: self.conf.clone(),
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
                let failed = result.result != "JobSucceeded";
                self.job_end(job, at, !failed, out);
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
                let partition = partition_of(&info, self.attempts.get(&(stage, attempt)));
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
                // From the stage's last RDD up (ids grow downstream): a cached copy is read,
                // and nothing above it is computed.
                for rdd in rdds.0.into_iter().rev() {
                    let persisted = self.rdds.get(&rdd).is_some_and(|r| {
                        r.partitions == rdds.1 && r.storage != StorageLevel::NONE.name()
                    });
                    if !persisted {
                        continue;
                    }
                    if self.blocks.is_stored(rdd, partition) {
                        break;
                    }
                    if let Some(k) = self.blocks.recomputed(rdd, partition, &info.executor) {
                        self.push(out, at, k, true);
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
                let partition = partition_of(&info, self.attempts.get(&(stage, attempt)));
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
}

/// A line of ember's Spark export: the ember event it stands for.
#[derive(serde::Deserialize)]
struct EmberLine {
    #[serde(rename = "Ember")]
    ember: Event,
}

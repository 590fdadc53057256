//! The UI's state: a fold over events (DESIGN principle 3).
//!
//! [`Log`] holds every event received so far and what can be derived from the whole log once
//! (each task's span: the indices and times of its start and end). [`UiState`] is what the
//! views draw at one point of the log: jobs, stages and their attempts, executors, the RDD
//! graph, counters. It is small and cheap to clone, because per-task history stays in the log:
//! a task is running at event `i` if its start is before `i` and its end is not. A live run, a
//! replayed log and (later) an imported Spark log all fill the same `Log`, so the views draw
//! them with the same code.

use super::storage_state::StorageState;
use crate::events::{
    Event, EventKind, Locality, Outcome, RddInfo, SkipReason, StageInfo, SubmitReason,
    TaskEndReason,
};
use std::collections::{BTreeMap, BTreeSet};

/// One task attempt's span over the log.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskSpan {
    pub task: usize,
    pub stage: usize,
    pub attempt: usize,
    pub partition: usize,
    pub executor: String,
    pub locality: Locality,
    /// Index of its `TaskStart` in the log, and its time.
    pub start_idx: usize,
    pub start_us: u64,
    /// Index of its `TaskEnd`, its time and how it ended, once it has.
    pub end: Option<(usize, u64, TaskEndReason)>,
}

/// Every event so far, and the task spans derived from them.
#[derive(Default)]
pub struct Log {
    pub events: Vec<Event>,
    pub tasks: Vec<TaskSpan>,
    task_index: BTreeMap<usize, usize>,
    /// Whether the log will not grow (its `AppEnd` arrived, or it was read whole).
    pub complete: bool,
    /// Whether it holds the run's `AppEnd` (a log read whole without one was cut short).
    pub ended: bool,
}

impl Log {
    /// A log of `events` read whole.
    pub fn from_events(events: Vec<Event>) -> Log {
        let mut log = Log::default();
        for e in events {
            log.push(e);
        }
        log.complete = true;
        log
    }

    /// Appends an event.
    pub fn push(&mut self, e: Event) {
        let idx = self.events.len();
        match &e.kind {
            EventKind::TaskStart {
                task,
                stage,
                attempt,
                partition,
                executor,
                locality,
                ..
            } => {
                self.task_index.insert(*task, self.tasks.len());
                self.tasks.push(TaskSpan {
                    task: *task,
                    stage: *stage,
                    attempt: *attempt,
                    partition: *partition,
                    executor: executor.clone(),
                    locality: *locality,
                    start_idx: idx,
                    start_us: e.time_us,
                    end: None,
                });
            }
            EventKind::TaskEnd { task, reason, .. } => {
                if let Some(i) = self.task_index.get(task) {
                    self.tasks[*i].end = Some((idx, e.time_us, *reason));
                }
            }
            EventKind::AppEnd { .. } => {
                self.complete = true;
                self.ended = true;
            }
            _ => {}
        }
        self.events.push(e);
    }

    /// The time of the last event.
    pub fn end_us(&self) -> u64 {
        self.events.last().map_or(0, |e| e.time_us)
    }
}

/// An executor as the UI knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutorInfo {
    pub name: String,
    pub host: String,
    pub rack: String,
    pub cores: u32,
    pub storage_memory: u64,
    pub alive: bool,
}

/// A job's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStatus {
    Running,
    Succeeded,
    Failed(String),
}

/// A job as the UI knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct JobState {
    pub job: usize,
    pub action: String,
    /// The stages the job lists, by id.
    pub stages: Vec<usize>,
    /// The RDD the action ran on (the result stage's RDD).
    pub rdd: Option<usize>,
    pub status: JobStatus,
    pub start_us: u64,
    pub end_us: Option<u64>,
    pub skipped: BTreeMap<usize, SkipReason>,
    /// Every RDD of the job's lineage.
    pub rdds: Vec<usize>,
    /// The RDDs no earlier job listed (what this job added to the lineage).
    pub new_rdds: Vec<usize>,
}

/// One attempt of a stage.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptState {
    pub attempt: usize,
    pub job: usize,
    pub tasks: usize,
    pub reason: SubmitReason,
    pub start_us: u64,
    pub end: Option<(u64, Outcome, Option<String>)>,
}

/// Where a stage is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageStatus {
    /// Listed, not submitted (yet).
    Waiting,
    /// Skipped in the job that listed it.
    Skipped(SkipReason),
    Running,
    Done,
    /// Its latest attempt failed (a retry may follow).
    Failed,
}

/// A stage as the UI knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StageState {
    pub info: StageInfo,
    /// The job that listed it.
    pub job: usize,
    pub attempts: Vec<AttemptState>,
    pub status: StageStatus,
    /// Tasks of the latest attempt that succeeded, failed, and are running.
    pub done: usize,
    pub failed: usize,
    pub running: usize,
}

impl StageState {
    /// Tasks of the latest attempt (the stage's count before any attempt).
    pub fn total(&self) -> usize {
        self.attempts.last().map_or(self.info.tasks, |a| a.tasks)
    }
}

/// What the views draw at one point of the log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UiState {
    /// Events applied.
    pub applied: usize,
    pub time_us: u64,
    pub app: String,
    pub clock: String,
    pub seed: u64,
    pub scenario: Option<String>,
    pub executors: Vec<ExecutorInfo>,
    pub rdds: BTreeMap<usize, RddInfo>,
    pub jobs: Vec<JobState>,
    pub stages: BTreeMap<usize, StageState>,
    pub tasks_started: usize,
    pub tasks_ended: usize,
    pub task_failures: usize,
    pub iterations: Vec<(usize, u64)>,
    /// `(result, answer, digest, error)` once the run has ended.
    pub end: Option<(String, String, String, Option<String>)>,
    /// What the block managers hold.
    pub storage: StorageState,
}

impl UiState {
    /// The state after `events`, folded from the start.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> UiState {
        let mut s = UiState::default();
        for e in events {
            s.apply(e);
        }
        s
    }

    /// How many parts the state holds (RDDs, stages, jobs, executors, blocks): the cost of a
    /// copy of it, in units of about one event's fold.
    pub fn size(&self) -> usize {
        self.rdds.len()
            + self.stages.len()
            + self.jobs.len()
            + self.executors.len()
            + self.iterations.len()
            + self.storage.size()
    }

    /// Applies the next event.
    pub fn apply(&mut self, e: &Event) {
        self.applied += 1;
        self.time_us = self.time_us.max(e.time_us);
        self.storage.apply(e);
        match &e.kind {
            EventKind::AppStart {
                app,
                clock,
                seed,
                scenario,
                ..
            } => {
                self.app = app.clone();
                self.clock = clock.clone();
                self.seed = *seed;
                self.scenario = scenario.clone();
            }
            EventKind::ExecutorAdded {
                executor,
                host,
                rack,
                cores,
                storage_memory,
            } => self.executors.push(ExecutorInfo {
                name: executor.clone(),
                host: host.clone(),
                rack: rack.clone(),
                cores: *cores,
                storage_memory: *storage_memory,
                alive: true,
            }),
            EventKind::ExecutorRemoved { executor, .. } => {
                if let Some(x) = self.executors.iter_mut().find(|x| &x.name == executor) {
                    x.alive = false;
                }
            }
            EventKind::JobStart {
                job,
                action,
                rdds,
                stages,
                ..
            } => {
                let new_rdds: Vec<usize> = rdds
                    .iter()
                    .filter(|r| !self.rdds.contains_key(&r.rdd))
                    .map(|r| r.rdd)
                    .collect();
                for r in rdds {
                    self.rdds.insert(r.rdd, r.clone());
                }
                let result_rdd = stages.iter().find(|s| s.kind == "result").map(|s| s.rdd);
                for s in stages {
                    self.stages.insert(
                        s.stage,
                        StageState {
                            info: s.clone(),
                            job: *job,
                            attempts: Vec::new(),
                            status: StageStatus::Waiting,
                            done: 0,
                            failed: 0,
                            running: 0,
                        },
                    );
                }
                self.jobs.push(JobState {
                    job: *job,
                    action: action.clone(),
                    stages: stages.iter().map(|s| s.stage).collect(),
                    rdd: result_rdd,
                    status: JobStatus::Running,
                    start_us: e.time_us,
                    end_us: None,
                    skipped: BTreeMap::new(),
                    // The job's lineage: every RDD its stages pipeline (the event describes
                    // only the RDDs that are new or changed).
                    rdds: stages
                        .iter()
                        .flat_map(|s| s.rdds.iter().copied())
                        .collect::<BTreeSet<usize>>()
                        .into_iter()
                        .collect(),
                    new_rdds,
                });
            }
            EventKind::JobEnd { job, result, error } => {
                if let Some(j) = self.jobs.iter_mut().find(|j| j.job == *job) {
                    j.status = match result {
                        Outcome::Succeeded => JobStatus::Succeeded,
                        Outcome::Failed => JobStatus::Failed(error.clone().unwrap_or_default()),
                    };
                    j.end_us = Some(e.time_us);
                }
            }
            EventKind::StageSkipped { stage, job, reason } => {
                if let Some(s) = self.stages.get_mut(stage) {
                    s.status = StageStatus::Skipped(*reason);
                }
                if let Some(j) = self.jobs.iter_mut().find(|j| j.job == *job) {
                    j.skipped.insert(*stage, *reason);
                }
            }
            EventKind::StageSubmitted {
                stage,
                attempt,
                job,
                partitions,
                reason,
            } => {
                if let Some(s) = self.stages.get_mut(stage) {
                    s.attempts.push(AttemptState {
                        attempt: *attempt,
                        job: *job,
                        tasks: partitions.len(),
                        reason: *reason,
                        start_us: e.time_us,
                        end: None,
                    });
                    s.status = StageStatus::Running;
                    s.done = 0;
                    s.failed = 0;
                    s.running = 0;
                }
            }
            EventKind::StageCompleted {
                stage,
                attempt,
                result,
                reason,
            } => {
                if let Some(s) = self.stages.get_mut(stage) {
                    if let Some(a) = s.attempts.iter_mut().find(|a| a.attempt == *attempt) {
                        a.end = Some((e.time_us, *result, reason.clone()));
                    }
                    if s.attempts.last().is_some_and(|a| a.attempt == *attempt) {
                        s.status = match result {
                            Outcome::Succeeded => StageStatus::Done,
                            Outcome::Failed => StageStatus::Failed,
                        };
                    }
                }
            }
            EventKind::TaskStart { stage, attempt, .. } => {
                self.tasks_started += 1;
                if let Some(s) = self.stages.get_mut(stage) {
                    if s.attempts.last().is_some_and(|a| a.attempt == *attempt) {
                        s.running += 1;
                    }
                }
            }
            EventKind::TaskEnd {
                stage,
                attempt,
                reason,
                ..
            } => {
                self.tasks_ended += 1;
                let ok = matches!(reason, TaskEndReason::Success);
                if !ok && *reason != TaskEndReason::Resubmitted {
                    self.task_failures += 1;
                }
                if let Some(s) = self.stages.get_mut(stage) {
                    if s.attempts.last().is_some_and(|a| a.attempt == *attempt) {
                        s.running = s.running.saturating_sub(1);
                        if ok {
                            s.done += 1;
                        } else {
                            s.failed += 1;
                        }
                    }
                }
            }
            EventKind::IterationEnd {
                iteration,
                duration_us,
                ..
            } => self.iterations.push((*iteration, *duration_us)),
            EventKind::AppEnd {
                result,
                answer,
                result_digest,
                error,
            } => {
                self.end = Some((
                    result.clone(),
                    answer.clone(),
                    result_digest.clone(),
                    error.clone(),
                ))
            }
            _ => {}
        }
    }

    /// The stage of `job` that computes `rdd`, if the job lists one.
    pub fn stage_of_rdd(&self, job: &JobState, rdd: usize) -> Option<usize> {
        self.stages_of_rdd(job, rdd).first().copied()
    }

    /// Every stage of `job` that computes `rdd`, in id order (an RDD read by several shuffles
    /// is pipelined into each of their map stages).
    pub fn stages_of_rdd(&self, job: &JobState, rdd: usize) -> Vec<usize> {
        job.stages
            .iter()
            .filter_map(|s| self.stages.get(s))
            .filter(|s| s.info.rdds.contains(&rdd))
            .map(|s| s.info.stage)
            .collect()
    }

    /// Whether `stage` ran (or runs) in `job`, rather than being skipped there.
    pub fn ran_in(&self, job: &JobState, stage: usize) -> bool {
        !job.skipped.contains_key(&stage)
            || self
                .stages
                .get(&stage)
                .is_some_and(|s| s.attempts.iter().any(|a| a.job == job.job))
    }

    /// The stage that wrote the map outputs a skipped `stage` stands for: the first stage of
    /// the same shuffle with an attempt that succeeded.
    pub fn writer_of(&self, stage: usize) -> Option<usize> {
        let shuffle = self.stages.get(&stage)?.info.shuffle?;
        self.stages
            .values()
            .filter(|s| s.info.shuffle == Some(shuffle) && s.info.stage != stage)
            .find(|s| {
                s.attempts
                    .iter()
                    .any(|a| matches!(a.end, Some((_, Outcome::Succeeded, _))))
            })
            .map(|s| s.info.stage)
    }
}

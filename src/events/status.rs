//! [`AppStatus`]: the one fold over a run's events (Spark's `AppStatusListener`, which folds
//! the listener bus into the store that Spark's Web UI and REST API read).
//!
//! It takes one event at a time, so a log of any length can be folded as it streams, and it
//! keeps what every reader needs: the application, its executors, the RDDs described so far,
//! each job with the stages it lists, each stage with its attempts and tasks, the counters of
//! `run --json` and how the run ended. The run summary ([`super::summary`]), `ember check`,
//! the terminal UI's state and the tests all read a run through it, so the rules (which task
//! ends count as failures, what a skipped stage is, how `AppEnd` ends a run) are written once.
//! What a log does not say stays unknown (`None`), never zero. This module decides nothing
//! about a run; it only remembers what the events said.

use super::{
    AppResult, Event, EventKind, Locality, Outcome, RddInfo, SkipReason, StageInfo, StageKind,
    SubmitReason, TaskEndReason,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// An executor as the events describe it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutorInfo {
    pub name: String,
    pub host: String,
    pub rack: String,
    pub cores: u32,
    pub storage_memory: u64,
    pub alive: bool,
}

/// Where a job is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStatus {
    Running,
    Succeeded,
    Failed(String),
}

/// A job as the events describe it.
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
    /// Every RDD of the job's lineage (what its stages pipeline).
    pub rdds: Vec<usize>,
    /// The RDDs no earlier job described (what this job added to the lineage).
    pub new_rdds: Vec<usize>,
    /// The stage attempts submitted for it, in order: (stage, attempt).
    pub submitted: Vec<(usize, usize)>,
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

/// A stage as the events describe it.
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
    /// Task attempts launched for it, in all its attempts.
    pub launched: usize,
    /// Task attempts that ended, in all its attempts.
    pub ended: usize,
    /// Of those, attempts that ended in failure (a kill included).
    pub failed_total: usize,
}

impl StageState {
    /// Tasks of the latest attempt (the stage's count before any attempt).
    pub fn total(&self) -> usize {
        self.attempts.last().map_or(self.info.tasks, |a| a.tasks)
    }

    /// From its first submission to its latest completion, if it has run and ended.
    pub fn duration_us(&self) -> Option<u64> {
        let first = self.attempts.first()?.start_us;
        let last = self
            .attempts
            .iter()
            .filter_map(|a| a.end.as_ref().map(|e| e.0))
            .max()?;
        Some(last.saturating_sub(first))
    }
}

/// How a run ended (its `AppEnd`).
#[derive(Clone, Debug, PartialEq)]
pub struct AppEnd {
    pub result: AppResult,
    pub answer: String,
    pub result_digest: String,
    /// The faults whose trigger never came, as `fault[i]`.
    pub faults_not_injected: Vec<String>,
    pub error: Option<String>,
}

/// One iteration of an iterative workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Iteration {
    pub engine: String,
    pub iteration: usize,
    pub duration_us: u64,
}

/// What a run's events say, folded one event at a time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppStatus {
    /// Events folded.
    pub events: usize,
    /// The latest time an event carried.
    pub time_us: u64,
    /// `AppStart`'s application (the scenario's name), clock, seed and scenario text.
    pub app: Option<String>,
    pub clock: Option<String>,
    pub seed: Option<u64>,
    pub scenario: Option<String>,
    /// The Apache Spark application an imported log came from.
    pub spark: Option<super::SparkApp>,
    /// Shared between copies until one changes it (executors come and go rarely, and the
    /// UI's snapshots copy the status often).
    pub executors: Arc<Vec<ExecutorInfo>>,
    /// Every RDD described so far, as its latest description says.
    pub rdds: BTreeMap<usize, RddInfo>,
    pub jobs: Vec<JobState>,
    job_index: BTreeMap<usize, usize>,
    pub stages: BTreeMap<usize, StageState>,
    pub tasks_started: usize,
    pub tasks_ended: usize,
    /// Task ends that are failures: not `success`, `resubmitted` (not a failure) or `killed`
    /// (stopped, not failed).
    pub task_failures: usize,
    /// Tasks launched at each level, by [`Locality`] in order (a task with no preference
    /// counts as `PROCESS_LOCAL`, as Spark counts it); see [`Self::launched_at`].
    pub locality: [usize; 5],
    pub blocks_stored: usize,
    pub blocks_evicted: usize,
    pub blocks_not_stored: usize,
    pub partitions_recomputed: usize,
    pub faults_injected: usize,
    pub iterations: Vec<Iteration>,
    /// The first failed job's error.
    pub job_error: Option<String>,
    pub end: Option<AppEnd>,
}

impl AppStatus {
    /// The status after `events`, folded from the start.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> AppStatus {
        let mut s = AppStatus::default();
        for e in events {
            s.apply(e);
        }
        s
    }

    /// The job with id `job`.
    pub fn job(&self, job: usize) -> Option<&JobState> {
        self.job_index.get(&job).and_then(|i| self.jobs.get(*i))
    }

    fn job_mut(&mut self, job: usize) -> Option<&mut JobState> {
        let i = *self.job_index.get(&job)?;
        self.jobs.get_mut(i)
    }

    /// Whether a job failed or the run said it failed.
    pub fn failed(&self) -> bool {
        self.job_error.is_some()
            || self
                .end
                .as_ref()
                .is_some_and(|e| e.result == AppResult::Failed)
    }

    /// Tasks launched at `level`.
    pub fn launched_at(&self, level: Locality) -> usize {
        self.locality[level as usize]
    }

    /// Folds the next event.
    pub fn apply(&mut self, e: &Event) {
        self.events += 1;
        self.time_us = self.time_us.max(e.time_us);
        match &e.kind {
            EventKind::AppStart {
                app,
                clock,
                seed,
                scenario,
                spark,
                ..
            } => {
                self.app = Some(app.clone());
                self.clock = Some(clock.clone());
                // An imported Spark application has no seed.
                self.seed = spark.is_none().then_some(*seed);
                self.scenario = scenario.clone();
                self.spark = spark.clone();
            }
            EventKind::ExecutorAdded {
                executor,
                host,
                rack,
                cores,
                storage_memory,
            } => Arc::make_mut(&mut self.executors).push(ExecutorInfo {
                name: executor.clone(),
                host: host.clone(),
                rack: rack.clone(),
                cores: *cores,
                storage_memory: *storage_memory,
                alive: true,
            }),
            EventKind::ExecutorRemoved { executor, .. } => {
                let executors = Arc::make_mut(&mut self.executors);
                if let Some(x) = executors.iter_mut().find(|x| &x.name == executor) {
                    x.alive = false;
                }
            }
            EventKind::JobStart {
                job,
                action,
                rdds,
                stages,
                ..
            } => self.job_started(*job, action, rdds, stages, e.time_us),
            EventKind::JobEnd { job, result, error } => {
                if *result == Outcome::Failed && self.job_error.is_none() {
                    self.job_error = Some(error.clone().unwrap_or_default());
                }
                if let Some(j) = self.job_mut(*job) {
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
                if let Some(j) = self.job_mut(*job) {
                    j.skipped.insert(*stage, *reason);
                }
            }
            EventKind::StageSubmitted {
                stage,
                attempt,
                job,
                partitions,
                reason,
                ..
            } => {
                if let Some(j) = self.job_mut(*job) {
                    j.submitted.push((*stage, *attempt));
                }
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
            EventKind::TaskStart {
                stage,
                attempt,
                locality,
                ..
            } => {
                self.tasks_started += 1;
                let level = match locality {
                    Locality::NoPref => Locality::ProcessLocal,
                    l => *l,
                };
                self.locality[level as usize] += 1;
                if let Some(s) = self.stages.get_mut(stage) {
                    s.launched += 1;
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
                let ok = *reason == TaskEndReason::Success;
                // A resubmitted task did not fail, and a killed one was stopped (another copy
                // won, its job was aborted): neither is a failure, as Spark's UI counts them.
                let unsuccessful = !ok && *reason != TaskEndReason::Resubmitted;
                if unsuccessful && *reason != TaskEndReason::Killed {
                    self.task_failures += 1;
                }
                if let Some(s) = self.stages.get_mut(stage) {
                    s.ended += 1;
                    if unsuccessful {
                        s.failed_total += 1;
                    }
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
            EventKind::BlockStored { .. } => self.blocks_stored += 1,
            EventKind::BlockEvicted { .. } => self.blocks_evicted += 1,
            EventKind::BlockNotStored { .. } => self.blocks_not_stored += 1,
            EventKind::PartitionRecomputed { .. } => self.partitions_recomputed += 1,
            EventKind::FaultInjected { .. } => self.faults_injected += 1,
            EventKind::IterationEnd {
                engine,
                iteration,
                duration_us,
            } => self.iterations.push(Iteration {
                engine: engine.clone(),
                iteration: *iteration,
                duration_us: *duration_us,
            }),
            EventKind::AppEnd {
                result,
                answer,
                result_digest,
                faults_not_injected,
                error,
            } => {
                self.end = Some(AppEnd {
                    result: *result,
                    answer: answer.clone(),
                    result_digest: result_digest.clone(),
                    faults_not_injected: faults_not_injected.clone(),
                    error: error.clone(),
                })
            }
            _ => {}
        }
    }

    fn job_started(
        &mut self,
        job: usize,
        action: &str,
        rdds: &[RddInfo],
        stages: &[StageInfo],
        at: u64,
    ) {
        let new_rdds: Vec<usize> = rdds
            .iter()
            .filter(|r| !self.rdds.contains_key(&r.rdd))
            .map(|r| r.rdd)
            .collect();
        for r in rdds {
            self.rdds.insert(r.rdd, r.clone());
        }
        let result_rdd = stages
            .iter()
            .find(|s| s.kind == StageKind::Result)
            .map(|s| s.rdd);
        for s in stages {
            self.stages.insert(
                s.stage,
                StageState {
                    info: s.clone(),
                    job,
                    attempts: Vec::new(),
                    status: StageStatus::Waiting,
                    done: 0,
                    failed: 0,
                    running: 0,
                    launched: 0,
                    ended: 0,
                    failed_total: 0,
                },
            );
        }
        self.job_index.insert(job, self.jobs.len());
        self.jobs.push(JobState {
            job,
            action: action.to_string(),
            stages: stages.iter().map(|s| s.stage).collect(),
            rdd: result_rdd,
            status: JobStatus::Running,
            start_us: at,
            end_us: None,
            skipped: BTreeMap::new(),
            // The job's lineage: every RDD its stages pipeline (the event describes only the
            // RDDs that are new or changed).
            rdds: stages
                .iter()
                .flat_map(|s| s.rdds.iter().copied())
                .collect::<BTreeSet<usize>>()
                .into_iter()
                .collect(),
            new_rdds,
            submitted: Vec::new(),
        });
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
        !job.skipped.contains_key(&stage) || self.submitted_in(job, stage)
    }

    /// Whether `stage` was submitted for `job` (it has an attempt of the job).
    pub fn submitted_in(&self, job: &JobState, stage: usize) -> bool {
        self.stages
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

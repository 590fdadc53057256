//! The run summary: `ember run`'s answer (CONTRACTS §1), folded from a run's events.
//!
//! [`RunSummary::from_events`] reads nothing but events (the scenario's name and seed from
//! `AppStart`, the answer and its digest from `AppEnd`), so a summary of a live run and one of
//! a replayed log are the same.

use super::{Event, EventKind, Locality, Outcome, SkipReason, TaskEndReason};
use serde::Serialize;
use std::collections::BTreeMap;

/// One stage of a job, as the summary shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageSummary {
    pub stage: usize,
    /// `shuffle_map` or `result`.
    pub kind: String,
    /// Parent stages (whose map outputs it reads).
    pub parents: Vec<usize>,
    /// Whether it ran in this job (`false`: skipped).
    pub ran: bool,
    /// Why it was skipped, when it was (`map_outputs_exist` or `cached`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<SkipReason>,
    pub attempts: usize,
    /// Tasks launched for it.
    pub tasks: usize,
    /// Of those, tasks that ended in failure.
    pub failed_tasks: usize,
    /// Why its last attempt failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// From its first submission to its last completion, µs.
    pub duration_us: u64,
}

/// One job, as the summary shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobSummary {
    pub job: usize,
    pub action: String,
    pub succeeded: bool,
    pub duration_us: u64,
    pub stages: Vec<StageSummary>,
}

/// One iteration of an iterative workload.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IterationSummary {
    pub engine: String,
    pub iteration: usize,
    pub elapsed_us: u64,
}

/// The `ember run --json` object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    pub scenario: String,
    pub clock: String,
    pub seed: u64,
    /// `succeeded` or `failed`.
    pub status: String,
    pub elapsed_us: u64,
    pub jobs: usize,
    /// Stage attempts run.
    pub stages: usize,
    /// Stages listed by a job but not run in it.
    pub stages_skipped: usize,
    pub tasks: usize,
    pub task_failures: usize,
    pub locality: BTreeMap<String, usize>,
    pub blocks_stored: usize,
    pub blocks_evicted: usize,
    /// Blocks a persisted RDD could not store anywhere its level allows (an addition to the
    /// contract's fields).
    pub blocks_not_stored: usize,
    pub partitions_recomputed: usize,
    pub faults_injected: usize,
    /// Per job (in order), the ids of the stages it ran.
    pub stages_run_by_job: Vec<Vec<usize>>,
    /// Per job (in order), the ids of the stages it listed and did not run.
    pub stages_skipped_by_job: Vec<Vec<usize>>,
    pub iterations: Vec<IterationSummary>,
    pub result: String,
    pub result_digest: String,
    /// Why the run failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per job, its stages run and skipped (an addition to the contract's fields).
    pub job_details: Vec<JobSummary>,
}

impl RunSummary {
    /// Folds a run's events.
    pub fn from_events(events: &[Event]) -> RunSummary {
        let mut s = RunSummary {
            scenario: String::new(),
            clock: String::new(),
            seed: 0,
            status: "succeeded".into(),
            elapsed_us: 0,
            jobs: 0,
            stages: 0,
            stages_skipped: 0,
            tasks: 0,
            task_failures: 0,
            locality: ["PROCESS_LOCAL", "NODE_LOCAL", "RACK_LOCAL", "ANY"]
                .iter()
                .map(|l| (l.to_string(), 0))
                .collect(),
            blocks_stored: 0,
            blocks_evicted: 0,
            blocks_not_stored: 0,
            partitions_recomputed: 0,
            faults_injected: 0,
            stages_run_by_job: Vec::new(),
            stages_skipped_by_job: Vec::new(),
            iterations: Vec::new(),
            result: String::new(),
            result_digest: String::new(),
            error: None,
            job_details: Vec::new(),
        };
        let mut job_start: BTreeMap<usize, (usize, u64)> = BTreeMap::new();
        // Where each stage is: (its job's place in `job_details`, its place in that job).
        let mut stage_at: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        let mut stage_first: BTreeMap<usize, u64> = BTreeMap::new();
        for e in events {
            s.elapsed_us = s.elapsed_us.max(e.time_us);
            match &e.kind {
                EventKind::AppStart {
                    app, clock, seed, ..
                } => {
                    s.scenario = app.clone();
                    s.clock = clock.clone();
                    s.seed = *seed;
                }
                EventKind::JobStart {
                    job,
                    action,
                    stages,
                    ..
                } => {
                    s.jobs += 1;
                    job_start.insert(*job, (s.job_details.len(), e.time_us));
                    s.job_details.push(JobSummary {
                        job: *job,
                        action: action.clone(),
                        succeeded: false,
                        duration_us: 0,
                        stages: stages
                            .iter()
                            .map(|st| StageSummary {
                                stage: st.stage,
                                kind: st.kind.clone(),
                                parents: st.parents.clone(),
                                ran: false,
                                skipped: None,
                                attempts: 0,
                                tasks: 0,
                                failed_tasks: 0,
                                error: None,
                                duration_us: 0,
                            })
                            .collect(),
                    });
                    let j = s.job_details.len() - 1;
                    for (i, st) in stages.iter().enumerate() {
                        stage_at.insert(st.stage, (j, i));
                    }
                }
                EventKind::JobEnd { job, result, error } => {
                    if let Some((i, t0)) = job_start.get(job) {
                        let j = &mut s.job_details[*i];
                        j.succeeded = *result == Outcome::Succeeded;
                        j.duration_us = e.time_us.saturating_sub(*t0);
                        s.stages_skipped += j.stages.iter().filter(|st| !st.ran).count();
                    }
                    if *result == Outcome::Failed {
                        s.status = "failed".into();
                        if s.error.is_none() {
                            s.error = error.clone();
                        }
                    }
                }
                EventKind::StageSkipped { stage, reason, .. } => {
                    if let Some(st) = stage_of(&mut s.job_details, &stage_at, *stage) {
                        st.skipped = Some(*reason);
                    }
                }
                EventKind::StageSubmitted { stage, .. } => {
                    s.stages += 1;
                    stage_first.entry(*stage).or_insert(e.time_us);
                    if let Some(st) = stage_of(&mut s.job_details, &stage_at, *stage) {
                        st.ran = true;
                        st.skipped = None;
                        st.attempts += 1;
                    }
                }
                EventKind::StageCompleted {
                    stage,
                    result,
                    reason,
                    ..
                } => {
                    let t0 = stage_first.get(stage).copied().unwrap_or(e.time_us);
                    if let Some(st) = stage_of(&mut s.job_details, &stage_at, *stage) {
                        st.duration_us = e.time_us.saturating_sub(t0);
                        st.error = match result {
                            Outcome::Failed => reason.clone(),
                            Outcome::Succeeded => None,
                        };
                    }
                }
                EventKind::TaskStart {
                    locality, stage, ..
                } => {
                    let name = match locality {
                        Locality::NoPref => Locality::ProcessLocal.name(),
                        l => l.name(),
                    };
                    *s.locality.entry(name.to_string()).or_insert(0) += 1;
                    if let Some(st) = stage_of(&mut s.job_details, &stage_at, *stage) {
                        st.tasks += 1;
                    }
                }
                EventKind::TaskEnd { reason, stage, .. } => {
                    s.tasks += 1;
                    if !matches!(reason, TaskEndReason::Success | TaskEndReason::Resubmitted) {
                        s.task_failures += 1;
                        if let Some(st) = stage_of(&mut s.job_details, &stage_at, *stage) {
                            st.failed_tasks += 1;
                        }
                    }
                }
                EventKind::BlockStored { .. } => s.blocks_stored += 1,
                EventKind::BlockEvicted { .. } => s.blocks_evicted += 1,
                EventKind::BlockNotStored { .. } => s.blocks_not_stored += 1,
                EventKind::PartitionRecomputed { .. } => s.partitions_recomputed += 1,
                EventKind::FaultInjected { .. } => s.faults_injected += 1,
                EventKind::IterationEnd {
                    engine,
                    iteration,
                    duration_us,
                } => s.iterations.push(IterationSummary {
                    engine: engine.clone(),
                    iteration: *iteration,
                    elapsed_us: *duration_us,
                }),
                EventKind::AppEnd {
                    result,
                    answer,
                    result_digest,
                    error,
                } => {
                    if result == "failed" {
                        s.status = "failed".into();
                    }
                    s.result = answer.clone();
                    s.result_digest = result_digest.clone();
                    if error.is_some() {
                        s.error = error.clone();
                    }
                }
                _ => {}
            }
        }
        for j in &s.job_details {
            let ids = |ran: bool| -> Vec<usize> {
                j.stages
                    .iter()
                    .filter(|st| st.ran == ran)
                    .map(|st| st.stage)
                    .collect()
            };
            s.stages_run_by_job.push(ids(true));
            s.stages_skipped_by_job.push(ids(false));
        }
        s
    }

    /// The summary's value at `key` (a top-level key, or `locality.<LEVEL>`), as JSON: what an
    /// `[expect]` table compares with (numbers, strings, and the per-job arrays of stage ids).
    pub fn get(&self, key: &str) -> Option<serde_json::Value> {
        let v = serde_json::to_value(self).ok()?;
        let mut cur = &v;
        for part in key.split('.') {
            cur = cur.get(part)?;
        }
        match cur {
            serde_json::Value::Number(_)
            | serde_json::Value::String(_)
            | serde_json::Value::Bool(_)
            | serde_json::Value::Array(_) => Some(cur.clone()),
            _ => None,
        }
    }
}

fn stage_of<'a>(
    jobs: &'a mut [JobSummary],
    stage_at: &BTreeMap<usize, (usize, usize)>,
    stage: usize,
) -> Option<&'a mut StageSummary> {
    let (j, i) = stage_at.get(&stage)?;
    jobs.get_mut(*j)?.stages.get_mut(*i)
}

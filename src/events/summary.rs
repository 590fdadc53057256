//! The run summary: `ember run`'s answer (CONTRACTS §1), folded from a run's events.
//!
//! [`RunSummary::from_events`] reads nothing but events, so a summary of a live run and one of
//! a replayed log are the same.

use super::{Event, EventKind, Locality, Outcome, TaskEndReason};
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
    /// Whether it ran in this job (`false`: skipped, its output already existed).
    pub ran: bool,
    pub attempts: usize,
    /// Tasks launched for it.
    pub tasks: usize,
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
    pub partitions_recomputed: usize,
    pub faults_injected: usize,
    pub iterations: Vec<IterationSummary>,
    pub result: String,
    pub result_digest: String,
    /// Per job, its stages run and skipped (an addition to the contract's fields).
    pub job_details: Vec<JobSummary>,
}

impl RunSummary {
    /// Folds a run's events. `result` and `digest` are the workload's answer.
    pub fn from_events(scenario: &str, events: &[Event], result: &str, digest: &str) -> RunSummary {
        let mut s = RunSummary {
            scenario: scenario.to_string(),
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
            partitions_recomputed: 0,
            faults_injected: 0,
            iterations: Vec::new(),
            result: result.to_string(),
            result_digest: digest.to_string(),
            job_details: Vec::new(),
        };
        let mut job_start: BTreeMap<usize, (usize, u64)> = BTreeMap::new();
        let mut stage_job: BTreeMap<usize, usize> = BTreeMap::new();
        let mut stage_first: BTreeMap<(usize, usize), u64> = BTreeMap::new();
        for e in events {
            s.elapsed_us = s.elapsed_us.max(e.time_us);
            match &e.kind {
                EventKind::AppStart { clock, seed, .. } => {
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
                                attempts: 0,
                                tasks: 0,
                                duration_us: 0,
                            })
                            .collect(),
                    });
                    for st in stages {
                        stage_job.insert(st.stage, *job);
                    }
                }
                EventKind::JobEnd { job, result, .. } => {
                    if let Some((i, t0)) = job_start.get(job) {
                        let j = &mut s.job_details[*i];
                        j.succeeded = *result == Outcome::Succeeded;
                        j.duration_us = e.time_us - t0;
                        s.stages_skipped += j.stages.iter().filter(|st| !st.ran).count();
                    }
                    if *result == Outcome::Failed {
                        s.status = "failed".into();
                    }
                }
                EventKind::StageSubmitted { stage, .. } => {
                    s.stages += 1;
                    stage_first.entry((*stage, 0)).or_insert(e.time_us);
                    if let Some(st) = stage_of(&mut s.job_details, &job_start, &stage_job, *stage) {
                        st.ran = true;
                        st.attempts += 1;
                    }
                }
                EventKind::StageCompleted { stage, .. } => {
                    let t0 = stage_first.get(&(*stage, 0)).copied().unwrap_or(e.time_us);
                    if let Some(st) = stage_of(&mut s.job_details, &job_start, &stage_job, *stage) {
                        st.duration_us = e.time_us - t0;
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
                    if let Some(st) = stage_of(&mut s.job_details, &job_start, &stage_job, *stage) {
                        st.tasks += 1;
                    }
                }
                EventKind::TaskEnd { reason, .. } => {
                    s.tasks += 1;
                    if !matches!(reason, TaskEndReason::Success | TaskEndReason::Resubmitted) {
                        s.task_failures += 1;
                    }
                }
                EventKind::BlockStored { .. } => s.blocks_stored += 1,
                EventKind::BlockEvicted { .. } => s.blocks_evicted += 1,
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
                EventKind::AppEnd { result } if result == "failed" => s.status = "failed".into(),
                _ => {}
            }
        }
        s
    }
}

fn stage_of<'a>(
    jobs: &'a mut [JobSummary],
    job_start: &BTreeMap<usize, (usize, u64)>,
    stage_job: &BTreeMap<usize, usize>,
    stage: usize,
) -> Option<&'a mut StageSummary> {
    let job = stage_job.get(&stage)?;
    let (i, _) = job_start.get(job)?;
    jobs.get_mut(*i)?
        .stages
        .iter_mut()
        .find(|s| s.stage == stage)
}

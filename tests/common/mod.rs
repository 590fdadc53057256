//! Helpers shared by the integration tests: reading jobs, stages and tasks back out of events.
#![allow(dead_code)]

use ember::events::{Event, EventKind, SubmitReason, TaskEndReason};
use std::collections::BTreeMap;

/// One job as the events tell it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct JobFacts {
    pub job: usize,
    pub stages_listed: Vec<usize>,
    pub stages_submitted: Vec<usize>,
    pub stages_skipped: Vec<usize>,
    /// (stage, attempt, tasks in that attempt)
    pub attempts: Vec<(usize, usize, usize)>,
    pub tasks: usize,
    pub succeeded: bool,
}

/// Jobs in order, with their stages run and skipped and their task counts.
pub fn job_facts(events: &[Event]) -> Vec<JobFacts> {
    let mut jobs: Vec<JobFacts> = Vec::new();
    let mut current: Option<usize> = None;
    let mut stage_job: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for e in events {
        match &e.kind {
            EventKind::JobStart { job, stages, .. } => {
                jobs.push(JobFacts {
                    job: *job,
                    stages_listed: stages.iter().map(|s| s.stage).collect(),
                    ..Default::default()
                });
                current = Some(jobs.len() - 1);
            }
            EventKind::StageSubmitted {
                stage,
                attempt,
                partitions,
                ..
            } => {
                if let Some(j) = current {
                    jobs[j].stages_submitted.push(*stage);
                    jobs[j].attempts.push((*stage, *attempt, partitions.len()));
                    stage_job.insert((*stage, *attempt), j);
                }
            }
            EventKind::TaskEnd { stage, attempt, .. } => {
                if let Some(j) = stage_job.get(&(*stage, *attempt)) {
                    jobs[*j].tasks += 1;
                }
            }
            EventKind::JobEnd { job, result, .. } => {
                if let Some(j) = jobs.iter_mut().find(|x| x.job == *job) {
                    j.succeeded = *result == ember::events::Outcome::Succeeded;
                    j.stages_submitted.dedup();
                    j.stages_skipped = j
                        .stages_listed
                        .iter()
                        .filter(|s| !j.stages_submitted.contains(s))
                        .copied()
                        .collect();
                }
            }
            _ => {}
        }
    }
    jobs
}

/// TaskEnd counts by reason.
pub fn task_ends(events: &[Event]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in events {
        if let EventKind::TaskEnd { reason, .. } = &e.kind {
            let r = match reason {
                TaskEndReason::Success => "success",
                TaskEndReason::Exception => "exception",
                TaskEndReason::FetchFailed => "fetch_failed",
                TaskEndReason::ExecutorLost => "executor_lost",
                TaskEndReason::Killed => "killed",
                TaskEndReason::Resubmitted => "resubmitted",
            };
            *m.entry(r.to_string()).or_insert(0) += 1;
        }
    }
    m
}

/// One `StageSubmitted`: which stage attempt, for which partitions, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub stage: usize,
    pub attempt: usize,
    pub partitions: Vec<usize>,
    pub reason: SubmitReason,
}

/// Every stage attempt submitted, in order.
pub fn submissions(events: &[Event]) -> Vec<Submission> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StageSubmitted {
                stage,
                attempt,
                partitions,
                reason,
                ..
            } => Some(Submission {
                stage: *stage,
                attempt: *attempt,
                partitions: partitions.clone(),
                reason: *reason,
            }),
            _ => None,
        })
        .collect()
}

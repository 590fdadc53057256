//! Helpers shared by the integration tests: reading jobs, stages and tasks back out of events.
#![allow(dead_code)]

pub mod harness;
pub mod spark;

use ember::events::status::{AppStatus, JobStatus};
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

/// Jobs in order, with their stages run and skipped and their task counts, read off the one
/// fold over events every reader shares ([`AppStatus`]).
pub fn job_facts(events: &[Event]) -> Vec<JobFacts> {
    let s = AppStatus::from_events(events);
    s.jobs
        .iter()
        .map(|j| {
            // Each stage once, in the order first submitted (as Spark's facts list them).
            let mut stages_submitted: Vec<usize> = Vec::new();
            for (st, _) in &j.submitted {
                if !stages_submitted.contains(st) {
                    stages_submitted.push(*st);
                }
            }
            let attempts: Vec<(usize, usize, usize)> = j
                .submitted
                .iter()
                .map(|(st, a)| {
                    let tasks = s
                        .stages
                        .get(st)
                        .and_then(|x| x.attempts.iter().find(|x| x.attempt == *a))
                        .map_or(0, |x| x.tasks);
                    (*st, *a, tasks)
                })
                .collect();
            let mut ran: Vec<usize> = stages_submitted.clone();
            ran.sort_unstable();
            ran.dedup();
            JobFacts {
                job: j.job,
                stages_listed: j.stages.clone(),
                stages_skipped: j
                    .stages
                    .iter()
                    .filter(|st| !ran.contains(st))
                    .copied()
                    .collect(),
                tasks: ran
                    .iter()
                    .filter_map(|st| s.stages.get(st))
                    .map(|x| x.ended)
                    .sum(),
                succeeded: j.status == JobStatus::Succeeded,
                stages_submitted,
                attempts,
            }
        })
        .collect()
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

/// How many speculative copies were launched.
pub fn speculative_starts(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::TaskStart {
                    speculative: true,
                    ..
                }
            )
        })
        .count()
}

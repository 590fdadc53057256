//! Every event in one sentence, and the filters of the events view.

use crate::events::{
    Event, EventKind, LocalityReason, RecomputeReason, SkipReason, SubmitReason, TaskEndReason,
    TaskMetrics,
};
pub use crate::human::{bytes, duration};

/// What the events view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    All,
    /// Jobs, stages and iterations.
    Scheduling,
    /// Task starts and ends, locality changes and declined offers.
    Tasks,
    /// Block and map output events.
    Storage,
    /// Failures, lost outputs, executors removed, faults.
    Problems,
}

impl Filter {
    /// The next filter in the cycle.
    pub fn next(self) -> Filter {
        match self {
            Filter::All => Filter::Scheduling,
            Filter::Scheduling => Filter::Tasks,
            Filter::Tasks => Filter::Storage,
            Filter::Storage => Filter::Problems,
            Filter::Problems => Filter::All,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Scheduling => "jobs & stages",
            Filter::Tasks => "tasks",
            Filter::Storage => "storage",
            Filter::Problems => "problems",
        }
    }

    /// Whether `e` passes.
    pub fn keeps(self, e: &Event) -> bool {
        use EventKind as K;
        match self {
            Filter::All => true,
            Filter::Scheduling => matches!(
                e.kind,
                K::JobStart { .. }
                    | K::JobEnd { .. }
                    | K::StageSubmitted { .. }
                    | K::StageSkipped { .. }
                    | K::StageCompleted { .. }
                    | K::IterationEnd { .. }
                    | K::AppStart { .. }
                    | K::AppEnd { .. }
            ),
            Filter::Tasks => matches!(
                e.kind,
                K::TaskStart { .. }
                    | K::TaskEnd { .. }
                    | K::LocalityChanged { .. }
                    | K::OfferDeclined { .. }
            ),
            Filter::Storage => matches!(
                e.kind,
                K::BlockNotStored { .. }
                    | K::RddCheckpointed { .. }
                    | K::BlockStored { .. }
                    | K::BlockEvicted { .. }
                    | K::BlockRemoved { .. }
                    | K::PartitionRecomputed { .. }
                    | K::MapOutputsLost { .. }
            ),
            Filter::Problems => match &e.kind {
                K::TaskEnd { reason, .. } => *reason != TaskEndReason::Success,
                K::JobEnd { error, .. } => error.is_some(),
                K::StageCompleted { reason, .. } => reason.is_some(),
                K::MapOutputsLost { .. }
                | K::ExecutorRemoved { .. }
                | K::FaultInjected { .. }
                | K::PartitionRecomputed { .. } => true,
                _ => false,
            },
        }
    }
}

pub use crate::human::ranges;

/// A stage attempt for people: `stage 3`, or `stage 3 (attempt 1)` for a retry (Spark's logs
/// write `stage 3.1`).
pub fn stage_attempt(stage: usize, attempt: usize) -> String {
    if attempt == 0 {
        format!("stage {stage}")
    } else {
        format!("stage {stage} (attempt {attempt})")
    }
}

fn what_it_read(m: &TaskMetrics) -> String {
    let mut parts = Vec::new();
    let cached = [
        (m.blocks_read_memory, "from memory"),
        (m.blocks_read_disk, "from disk"),
        (m.blocks_read_remote, "from another executor"),
    ];
    for (n, from) in cached {
        if n > 0 {
            parts.push(format!(
                "read {n} cached block{} {from}",
                if n == 1 { "" } else { "s" }
            ));
        }
    }
    if m.input_records > 0 {
        parts.push(format!("read {} input records", m.input_records));
    }
    let shuffle = m.shuffle_local_bytes + m.shuffle_remote_bytes;
    if shuffle > 0 {
        parts.push(format!(
            "fetched {} of shuffle ({} remote)",
            bytes(shuffle),
            bytes(m.shuffle_remote_bytes)
        ));
    }
    if m.shuffle_bytes_written > 0 {
        parts.push(format!(
            "wrote {} of map output",
            bytes(m.shuffle_bytes_written)
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(", "))
    }
}

/// The event in one sentence.
pub fn explain(e: &Event) -> String {
    // An imported log's inference says so first, where a narrow column still shows it.
    if e.inferred {
        format!("(inferred) {}", says(e))
    } else {
        says(e)
    }
}

/// What the event says, inferred or not.
fn says(e: &Event) -> String {
    use EventKind as K;
    match &e.kind {
        K::AppStart {
            app,
            spark: Some(spark),
            ..
        } => format!(
            "Apache Spark {} application {app} ({}) starts, run by {}",
            spark.spark_version, spark.app_id, spark.user
        ),
        K::AppStart {
            app, clock, seed, ..
        } => format!("the run of {app} starts on the {clock} clock with seed {seed}"),
        K::ExecutorAdded {
            executor,
            host,
            rack,
            cores,
            storage_memory,
        } => format!(
            "{executor} joins on {host}{} with {cores} cores and {} of storage memory",
            if rack.is_empty() {
                String::new()
            } else {
                format!(" ({rack})")
            },
            bytes(*storage_memory)
        ),
        K::ExecutorRemoved { executor, reason } => format!("{executor} is gone: {reason}"),
        K::JobStart {
            job,
            action,
            stages,
            rdds,
            ..
        } => format!(
            "job {job} ({action}) starts: {} stage{}{}",
            stages.len(),
            if stages.len() == 1 { "" } else { "s" },
            match rdds.len() {
                0 => String::new(),
                1 => ", 1 RDD new or changed".to_string(),
                n => format!(", {n} RDDs new or changed"),
            }
        ),
        K::JobEnd { job, error, .. } => match error {
            None => format!("job {job} succeeded"),
            Some(m) => format!("job {job} failed: {m}"),
        },
        K::StageSubmitted {
            stage,
            attempt,
            job,
            partitions,
            reason,
            ..
        } => {
            let why = match reason {
                SubmitReason::New => "",
                SubmitReason::FetchFailed => ", again after a fetch failure",
                SubmitReason::MissingOutputs => ", again for map outputs lost while it ran",
            };
            format!(
                "{} submitted for job {job}: {} task{}{why}",
                stage_attempt(*stage, *attempt),
                partitions.len(),
                if partitions.len() == 1 { "" } else { "s" }
            )
        }
        K::StageSkipped { stage, job, reason } => match reason {
            SkipReason::MapOutputsExist => format!(
                "stage {stage} skipped in job {job}: its shuffle's map outputs already exist"
            ),
            SkipReason::Cached => {
                format!("stage {stage} skipped in job {job}: an RDD after it is cached in full")
            }
        },
        K::StageCompleted {
            stage,
            attempt,
            reason,
            ..
        } => match reason {
            None => format!("{} completed", stage_attempt(*stage, *attempt)),
            Some(r) => format!("{} failed: {r}", stage_attempt(*stage, *attempt)),
        },
        K::LocalityChanged {
            stage,
            attempt,
            level,
            waited_us,
            reason,
        } => {
            let s = stage_attempt(*stage, *attempt);
            let level = level.name();
            match reason {
                Some(LocalityReason::NoTasksAtLevel) => format!(
                    "{s} may launch at {level}: no task was left at its level ({} there)",
                    duration(*waited_us)
                ),
                Some(LocalityReason::WaitExpired) => format!(
                    "{s} may launch at {level}: it waited {} for a more local offer",
                    duration(*waited_us)
                ),
                Some(LocalityReason::ExecutorsChanged) => {
                    format!("{s} may launch at {level}: an executor came or went")
                }
                Some(LocalityReason::Reset) => {
                    format!("{s} is back at {level}: a launch there restarts its wait")
                }
                None => format!(
                    "{s} may launch at {level} (waited {})",
                    duration(*waited_us)
                ),
            }
        }
        K::OfferDeclined {
            stage,
            attempt,
            executor,
            allowed,
            best,
            count,
            since_us,
        } => {
            let s = stage_attempt(*stage, *attempt);
            let times = match count {
                1 => "once".to_string(),
                n => format!(
                    "{n} times in {}",
                    duration(e.time_us.saturating_sub(*since_us))
                ),
            };
            format!(
                "{s} declined {executor} {times}: it waits for {} or better, {executor} offers {}",
                allowed.name(),
                best.name()
            )
        }
        K::TaskStart {
            task,
            stage,
            attempt,
            partition,
            executor,
            host,
            locality,
            speculative,
        } => format!(
            "task {task} ({}, partition {partition}) launched on {executor} ({host}), {}{}",
            stage_attempt(*stage, *attempt),
            locality.name(),
            if *speculative {
                ", a speculative copy"
            } else {
                ""
            }
        ),
        K::TaskEnd {
            task,
            executor,
            reason,
            duration_us,
            metrics,
            error,
            ..
        } => match reason {
            TaskEndReason::Success => format!(
                "task {task} finished on {executor} in {}{}",
                duration(*duration_us),
                what_it_read(metrics)
            ),
            TaskEndReason::Resubmitted => {
                format!("task {task}'s output is lost with {executor}: it will run again")
            }
            other => format!(
                "task {task} on {executor} ended {}: {}",
                format!("{other:?}").to_lowercase(),
                error.as_deref().unwrap_or("no reason given")
            ),
        },
        K::BlockStored {
            block,
            executor,
            storage,
            bytes: b,
        } => format!("{block} stored in {executor}'s {storage} ({})", bytes(*b)),
        K::BlockEvicted {
            block,
            executor,
            bytes: b,
            to_disk,
            for_block,
        } => format!(
            "{block} ({}) evicted from {executor}'s memory{}{}",
            bytes(*b),
            if *to_disk { " to its disk" } else { "" },
            if for_block.is_empty() {
                String::new()
            } else {
                format!(" for {for_block}")
            }
        ),
        K::BlockRemoved {
            block,
            executor,
            reason,
        } => format!("{block} removed from {executor}: {reason}"),
        K::BlockNotStored {
            block,
            executor,
            bytes: b,
            reason,
            unroll_bytes,
        } => match unroll_bytes {
            Some(u) => format!(
                "{block} ({}) not stored on {executor}: {reason} (its unroll needed {})",
                bytes(*b),
                bytes(*u)
            ),
            None => format!("{block} ({}) not stored on {executor}: {reason}", bytes(*b)),
        },
        K::RddCheckpointed {
            rdd,
            checkpoint_rdd,
            kind,
            path,
        } => {
            let place = if path.is_empty() {
                "in the executors' block managers".to_string()
            } else {
                format!("to {path}")
            };
            format!(
                "RDD {rdd} checkpointed ({kind}) {place}: its lineage now starts at RDD {checkpoint_rdd}"
            )
        }
        K::PartitionRecomputed {
            rdd,
            partition,
            executor,
            reason,
        } => format!(
            "rdd_{rdd}_{partition} computed again on {executor}: {}",
            match reason {
                RecomputeReason::Evicted => "it had been evicted",
                RecomputeReason::Lost => "its copies were lost",
                RecomputeReason::NotStored => "it never fitted in memory",
            }
        ),
        K::MapOutputsLost {
            shuffle,
            maps,
            executor,
        } => format!(
            "{} map output{} of shuffle {shuffle} lost with {executor}",
            maps.len(),
            if maps.len() == 1 { "" } else { "s" }
        ),
        K::FaultInjected {
            kind,
            target,
            at,
            fault,
        } => match fault {
            Some(i) => format!("fault[{i}]: {kind} {target} ({at})"),
            None => format!("fault: {kind} {target} ({at})"),
        },
        K::IterationEnd {
            iteration,
            duration_us,
            ..
        } => format!("iteration {iteration} took {}", duration(*duration_us)),
        K::AppEnd {
            result,
            answer,
            error,
            ..
        } => match error {
            Some(e) => format!("the run {result}: {e}"),
            // An imported Spark application has no answer.
            None if answer.is_empty() => format!("the run {result}"),
            None => format!("the run {result}: {answer}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inferred_event_says_so_first() {
        let e = Event {
            kind: EventKind::StageSkipped {
                stage: 3,
                job: 1,
                reason: crate::events::SkipReason::MapOutputsExist,
            },
            time_us: 0,
            engine: None,
            inferred: true,
        };
        assert!(
            explain(&e).starts_with("(inferred) stage 3 skipped"),
            "{}",
            explain(&e)
        );
    }

    #[test]
    fn ranges_fold_runs_of_consecutive_ids() {
        assert_eq!(ranges(&[8, 3, 4, 5]), "3–5, 8");
        assert_eq!(ranges(&[6, 8, 9]), "6, 8, 9");
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn a_first_attempt_is_just_the_stage_and_a_retry_says_its_attempt() {
        assert_eq!(stage_attempt(3, 0), "stage 3");
        assert_eq!(stage_attempt(3, 1), "stage 3 (attempt 1)");
    }
}

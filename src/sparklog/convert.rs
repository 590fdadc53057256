//! The parts of a Spark event that become ember's without any state: end reasons, metrics,
//! locality levels, call sites, which events the importer reads. [`super::import`] keeps the
//! state; these are its pure conversions.

use super::json::{SparkEvent, TaskEndReasonJson, TaskInfoJson, TaskMetricsJson};
use crate::events::{Locality, TaskEndReason, TaskMetrics};

/// Spark events read but not turned into one of ember's (what they say is folded into
/// others): never warned about.
pub(super) const FOLDED: [&str; 3] = [
    "SparkListenerLogStart",
    "SparkListenerBlockManagerAdded",
    "SparkListenerBlockManagerRemoved",
];

/// Whether the importer reads events of this name.
pub(super) fn is_read(name: &str) -> bool {
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
pub(super) fn starts_work(e: &SparkEvent) -> bool {
    matches!(
        e,
        SparkEvent::JobStart { .. }
            | SparkEvent::StageSubmitted { .. }
            | SparkEvent::TaskStart { .. }
            | SparkEvent::TaskEnd { .. }
    )
}

pub(super) fn event_ms(e: &SparkEvent) -> u64 {
    match e {
        SparkEvent::JobStart { time_ms, .. } => *time_ms,
        SparkEvent::StageSubmitted { stage, .. } => stage.submitted_ms.unwrap_or(0),
        SparkEvent::TaskStart { info, .. } | SparkEvent::TaskEnd { info, .. } => info.launch_ms,
        SparkEvent::ExecutorAdded { time_ms, .. }
        | SparkEvent::ExecutorRemoved { time_ms, .. }
        | SparkEvent::BlockManagerAdded { time_ms, .. }
        | SparkEvent::BlockManagerRemoved { time_ms, .. }
        | SparkEvent::JobEnd { time_ms, .. }
        | SparkEvent::ApplicationEnd { time_ms, .. } => *time_ms,
        _ => 0,
    }
}

/// A task's partition: its `Partition ID` (Spark 3.3 and later), else its `Index` in its
/// attempt's task set mapped through the partitions that attempt computes (`attempt`; in an
/// attempt that computes them all, the index is the partition).
pub(super) fn partition_of(info: &TaskInfoJson, attempt: Option<&Vec<usize>>) -> usize {
    match info.partition {
        Some(p) if p >= 0 => p as usize,
        _ => attempt
            .and_then(|ps| ps.get(info.index).copied())
            .unwrap_or(info.index),
    }
}

pub(super) fn locality(name: &str) -> Locality {
    match name {
        "NODE_LOCAL" => Locality::NodeLocal,
        "NO_PREF" => Locality::NoPref,
        "RACK_LOCAL" => Locality::RackLocal,
        "ANY" => Locality::Any,
        _ => Locality::ProcessLocal,
    }
}

pub(super) fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

/// A job's action, from its result stage's name (`count at Foo.scala:4` → `count`).
pub(super) fn action_of(stage_name: &str) -> String {
    stage_name
        .split(" at ")
        .next()
        .unwrap_or(stage_name)
        .to_string()
}

/// `map at /opt/run/src/app.scala:5` → `map at app.scala:5` (the operation and where, without
/// the directories); the scope's name when there is no call site.
pub(super) fn short_callsite(callsite: &str, scope: Option<&str>) -> String {
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
pub(super) fn end_reason(r: &TaskEndReasonJson) -> (TaskEndReason, Option<String>) {
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
pub(super) fn task_metrics(m: &TaskMetricsJson) -> TaskMetrics {
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

/// The most tasks a stage may have in a log ember reads (Spark's own limit is an `Int`; a log
/// claiming more than this is damaged, and taking it at its word would exhaust memory).
pub(super) const MAX_TASKS: usize = 10_000_000;

/// The task count of a stage an event describes beyond [`MAX_TASKS`], if there is one.
pub(super) fn too_many_tasks(e: &SparkEvent) -> Option<usize> {
    let over = |n: usize| (n > MAX_TASKS).then_some(n);
    match e {
        SparkEvent::JobStart { stages, .. } => stages.iter().find_map(|s| over(s.tasks)),
        SparkEvent::StageSubmitted { stage, .. } | SparkEvent::StageCompleted { stage } => {
            over(stage.tasks)
        }
        _ => None,
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

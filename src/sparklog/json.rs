//! Apache Spark's event-log JSON (its `JsonProtocol`), the parts ember reads and writes: the
//! listener events' field names as Spark spells them ("Stage ID", "Task Info", …).
//!
//! Reading, every field has a default and unknown fields are skipped (Spark adds fields from
//! version to version; a log of Spark 3.0 lacks some of 4.x's). Writing, the fields Spark's
//! `JsonProtocol.sparkEventFromJson` needs are all present. This module holds no logic.

use serde::{Deserialize, Serialize};

/// Spark's `StorageLevel` as JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageLevelJson {
    #[serde(rename = "Use Disk")]
    pub use_disk: bool,
    #[serde(rename = "Use Memory")]
    pub use_memory: bool,
    #[serde(rename = "Use Off Heap")]
    pub use_off_heap: bool,
    #[serde(rename = "Deserialized")]
    pub deserialized: bool,
    #[serde(rename = "Replication")]
    pub replication: u8,
}

/// Spark's `RDDInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RddInfoJson {
    #[serde(rename = "RDD ID")]
    pub id: usize,
    #[serde(rename = "Name")]
    pub name: String,
    /// `{"id":"1","name":"map"}`: the operation's scope, as a JSON string.
    #[serde(rename = "Scope", skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(rename = "Callsite")]
    pub callsite: String,
    #[serde(rename = "Parent IDs")]
    pub parents: Vec<usize>,
    #[serde(rename = "Storage Level")]
    pub storage: StorageLevelJson,
    #[serde(rename = "Barrier")]
    pub barrier: bool,
    #[serde(rename = "DeterministicLevel")]
    pub deterministic: String,
    #[serde(rename = "Number of Partitions")]
    pub partitions: usize,
    #[serde(rename = "Number of Cached Partitions")]
    pub cached_partitions: usize,
    #[serde(rename = "Memory Size")]
    pub memory_size: u64,
    #[serde(rename = "Disk Size")]
    pub disk_size: u64,
}

/// Spark's `StageInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageInfoJson {
    #[serde(rename = "Stage ID")]
    pub id: usize,
    #[serde(rename = "Stage Attempt ID")]
    pub attempt: usize,
    #[serde(rename = "Stage Name")]
    pub name: String,
    #[serde(rename = "Number of Tasks")]
    pub tasks: usize,
    #[serde(rename = "RDD Info")]
    pub rdds: Vec<RddInfoJson>,
    #[serde(rename = "Parent IDs")]
    pub parents: Vec<usize>,
    #[serde(rename = "Details")]
    pub details: String,
    #[serde(rename = "Submission Time", skip_serializing_if = "Option::is_none")]
    pub submitted_ms: Option<u64>,
    #[serde(rename = "Completion Time", skip_serializing_if = "Option::is_none")]
    pub completed_ms: Option<u64>,
    #[serde(rename = "Failure Reason", skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    #[serde(rename = "Accumulables")]
    pub accumulables: Vec<serde_json::Value>,
    #[serde(rename = "Resource Profile Id")]
    pub resource_profile: i32,
    #[serde(rename = "Shuffle Push Enabled")]
    pub shuffle_push_enabled: bool,
    #[serde(rename = "Shuffle Push Mergers Count")]
    pub shuffle_push_mergers: u32,
}

/// Spark's `TaskInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskInfoJson {
    #[serde(rename = "Task ID")]
    pub id: usize,
    #[serde(rename = "Index")]
    pub index: usize,
    #[serde(rename = "Attempt")]
    pub attempt: usize,
    /// The partition (Spark 3.3 and later; older logs have only `Index`, which is the
    /// partition in a stage's first attempt).
    #[serde(rename = "Partition ID", skip_serializing_if = "Option::is_none")]
    pub partition: Option<i64>,
    #[serde(rename = "Launch Time")]
    pub launch_ms: u64,
    #[serde(rename = "Executor ID")]
    pub executor: String,
    #[serde(rename = "Host")]
    pub host: String,
    #[serde(rename = "Locality")]
    pub locality: String,
    #[serde(rename = "Speculative")]
    pub speculative: bool,
    #[serde(rename = "Getting Result Time")]
    pub getting_result_ms: u64,
    #[serde(rename = "Finish Time")]
    pub finish_ms: u64,
    #[serde(rename = "Failed")]
    pub failed: bool,
    #[serde(rename = "Killed")]
    pub killed: bool,
    #[serde(rename = "Accumulables")]
    pub accumulables: Vec<serde_json::Value>,
}

/// Shuffle read metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShuffleReadJson {
    #[serde(rename = "Remote Blocks Fetched")]
    pub remote_blocks: u64,
    #[serde(rename = "Local Blocks Fetched")]
    pub local_blocks: u64,
    #[serde(rename = "Fetch Wait Time")]
    pub fetch_wait_ms: u64,
    #[serde(rename = "Remote Bytes Read")]
    pub remote_bytes: u64,
    #[serde(rename = "Remote Bytes Read To Disk")]
    pub remote_bytes_to_disk: u64,
    #[serde(rename = "Local Bytes Read")]
    pub local_bytes: u64,
    #[serde(rename = "Total Records Read")]
    pub records: u64,
}

/// Shuffle write metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShuffleWriteJson {
    #[serde(rename = "Shuffle Bytes Written")]
    pub bytes: u64,
    #[serde(rename = "Shuffle Write Time")]
    pub time_ns: u64,
    #[serde(rename = "Shuffle Records Written")]
    pub records: u64,
}

/// Input metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InputJson {
    #[serde(rename = "Bytes Read")]
    pub bytes: u64,
    #[serde(rename = "Records Read")]
    pub records: u64,
}

/// Output metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputJson {
    #[serde(rename = "Bytes Written")]
    pub bytes: u64,
    #[serde(rename = "Records Written")]
    pub records: u64,
}

/// Spark's `TaskMetrics`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskMetricsJson {
    #[serde(rename = "Executor Deserialize Time")]
    pub deserialize_ms: u64,
    #[serde(rename = "Executor Deserialize CPU Time")]
    pub deserialize_cpu_ns: u64,
    #[serde(rename = "Executor Run Time")]
    pub run_ms: u64,
    #[serde(rename = "Executor CPU Time")]
    pub cpu_ns: u64,
    #[serde(rename = "Peak Execution Memory")]
    pub peak_execution_memory: u64,
    #[serde(rename = "Result Size")]
    pub result_size: u64,
    #[serde(rename = "JVM GC Time")]
    pub gc_ms: u64,
    #[serde(rename = "Result Serialization Time")]
    pub result_serialization_ms: u64,
    #[serde(rename = "Memory Bytes Spilled")]
    pub memory_bytes_spilled: u64,
    #[serde(rename = "Disk Bytes Spilled")]
    pub disk_bytes_spilled: u64,
    #[serde(rename = "Shuffle Read Metrics")]
    pub shuffle_read: ShuffleReadJson,
    #[serde(rename = "Shuffle Write Metrics")]
    pub shuffle_write: ShuffleWriteJson,
    #[serde(rename = "Input Metrics")]
    pub input: InputJson,
    #[serde(rename = "Output Metrics")]
    pub output: OutputJson,
    #[serde(rename = "Updated Blocks")]
    pub updated_blocks: Vec<serde_json::Value>,
}

/// A block manager's address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlockManagerIdJson {
    #[serde(rename = "Executor ID")]
    pub executor: String,
    #[serde(rename = "Host")]
    pub host: String,
    #[serde(rename = "Port")]
    pub port: u32,
}

/// Spark's `TaskEndReason`: `Reason` names the class; the rest depends on it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskEndReasonJson {
    #[serde(rename = "Reason")]
    pub reason: String,
    #[serde(rename = "Class Name", skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    #[serde(rename = "Description", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "Stack Trace", skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<Vec<serde_json::Value>>,
    #[serde(rename = "Full Stack Trace", skip_serializing_if = "Option::is_none")]
    pub full_stack_trace: Option<String>,
    #[serde(
        rename = "Block Manager Address",
        skip_serializing_if = "Option::is_none"
    )]
    pub block_manager: Option<BlockManagerIdJson>,
    #[serde(rename = "Shuffle ID", skip_serializing_if = "Option::is_none")]
    pub shuffle: Option<i64>,
    #[serde(rename = "Map ID", skip_serializing_if = "Option::is_none")]
    pub map_id: Option<i64>,
    #[serde(rename = "Map Index", skip_serializing_if = "Option::is_none")]
    pub map_index: Option<i64>,
    #[serde(rename = "Reduce ID", skip_serializing_if = "Option::is_none")]
    pub reduce: Option<i64>,
    #[serde(rename = "Message", skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(rename = "Executor ID", skip_serializing_if = "Option::is_none")]
    pub executor: Option<String>,
    #[serde(rename = "Exit Caused By App", skip_serializing_if = "Option::is_none")]
    pub exit_caused_by_app: Option<bool>,
    #[serde(rename = "Loss Reason", skip_serializing_if = "Option::is_none")]
    pub loss_reason: Option<String>,
    #[serde(rename = "Kill Reason", skip_serializing_if = "Option::is_none")]
    pub kill_reason: Option<String>,
    #[serde(
        rename = "Accumulator Updates",
        skip_serializing_if = "Option::is_none"
    )]
    pub accumulator_updates: Option<Vec<serde_json::Value>>,
}

/// A job's result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobResultJson {
    #[serde(rename = "Result")]
    pub result: String,
    #[serde(rename = "Exception", skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionJson>,
}

/// A failed job's exception.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExceptionJson {
    #[serde(rename = "Message")]
    pub message: String,
    #[serde(rename = "Stack Trace")]
    pub stack_trace: Vec<serde_json::Value>,
}

/// An executor's description on `ExecutorAdded`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecutorInfoJson {
    #[serde(rename = "Host")]
    pub host: String,
    #[serde(rename = "Total Cores")]
    pub cores: u32,
    #[serde(rename = "Log Urls")]
    pub log_urls: serde_json::Map<String, serde_json::Value>,
    #[serde(rename = "Attributes")]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    #[serde(rename = "Resources")]
    pub resources: serde_json::Map<String, serde_json::Value>,
    #[serde(rename = "Resource Profile Id")]
    pub resource_profile: i32,
}

/// A block update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlockUpdatedInfoJson {
    #[serde(rename = "Block Manager ID")]
    pub block_manager: BlockManagerIdJson,
    #[serde(rename = "Block ID")]
    pub block: String,
    #[serde(rename = "Storage Level")]
    pub storage: StorageLevelJson,
    #[serde(rename = "Memory Size")]
    pub memory_size: u64,
    #[serde(rename = "Disk Size")]
    pub disk_size: u64,
}

/// The listener events ember reads, by their `Event` name. The ids that tie events together
/// (a job's, a task's stage) are required: a line without one is malformed, not job 0.
// A task's end (with its metrics) is the largest and by far the most common: boxing it would
// allocate once more per task for the small ones' sake.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "Event")]
pub enum SparkEvent {
    #[serde(rename = "SparkListenerLogStart")]
    LogStart {
        #[serde(rename = "Spark Version", default)]
        version: String,
    },
    #[serde(rename = "SparkListenerApplicationStart")]
    ApplicationStart {
        #[serde(rename = "App Name", default)]
        name: String,
        #[serde(rename = "App ID", default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(rename = "Timestamp", default)]
        time_ms: u64,
        #[serde(rename = "User", default)]
        user: String,
    },
    #[serde(rename = "SparkListenerApplicationEnd")]
    ApplicationEnd {
        #[serde(rename = "Timestamp", default)]
        time_ms: u64,
        #[serde(rename = "ExitCode", default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
    },
    #[serde(rename = "SparkListenerExecutorAdded")]
    ExecutorAdded {
        #[serde(rename = "Timestamp", default)]
        time_ms: u64,
        #[serde(rename = "Executor ID", default)]
        executor: String,
        #[serde(rename = "Executor Info", default)]
        info: ExecutorInfoJson,
    },
    #[serde(rename = "SparkListenerExecutorRemoved")]
    ExecutorRemoved {
        #[serde(rename = "Timestamp", default)]
        time_ms: u64,
        #[serde(rename = "Executor ID", default)]
        executor: String,
        #[serde(rename = "Removed Reason", default)]
        reason: String,
    },
    #[serde(rename = "SparkListenerBlockManagerAdded")]
    BlockManagerAdded {
        #[serde(rename = "Block Manager ID", default)]
        block_manager: BlockManagerIdJson,
        #[serde(rename = "Maximum Memory", default)]
        max_memory: u64,
        #[serde(rename = "Timestamp", default)]
        time_ms: u64,
    },
    #[serde(rename = "SparkListenerBlockManagerRemoved")]
    BlockManagerRemoved {
        #[serde(rename = "Block Manager ID", default)]
        block_manager: BlockManagerIdJson,
        #[serde(rename = "Timestamp", default)]
        time_ms: u64,
    },
    #[serde(rename = "SparkListenerJobStart")]
    JobStart {
        #[serde(rename = "Job ID")]
        job: usize,
        #[serde(rename = "Submission Time", default)]
        time_ms: u64,
        #[serde(rename = "Stage Infos", default)]
        stages: Vec<StageInfoJson>,
        #[serde(rename = "Stage IDs", default)]
        stage_ids: Vec<usize>,
        #[serde(rename = "Properties", default)]
        properties: serde_json::Map<String, serde_json::Value>,
    },
    #[serde(rename = "SparkListenerJobEnd")]
    JobEnd {
        #[serde(rename = "Job ID")]
        job: usize,
        #[serde(rename = "Completion Time", default)]
        time_ms: u64,
        #[serde(rename = "Job Result", default)]
        result: JobResultJson,
    },
    #[serde(rename = "SparkListenerStageSubmitted")]
    StageSubmitted {
        #[serde(rename = "Stage Info", default)]
        stage: StageInfoJson,
        #[serde(rename = "Properties", default)]
        properties: serde_json::Map<String, serde_json::Value>,
    },
    #[serde(rename = "SparkListenerStageCompleted")]
    StageCompleted {
        #[serde(rename = "Stage Info", default)]
        stage: StageInfoJson,
    },
    #[serde(rename = "SparkListenerTaskStart")]
    TaskStart {
        #[serde(rename = "Stage ID")]
        stage: usize,
        #[serde(rename = "Stage Attempt ID", default)]
        attempt: usize,
        #[serde(rename = "Task Info", default)]
        info: TaskInfoJson,
    },
    #[serde(rename = "SparkListenerTaskEnd")]
    TaskEnd {
        #[serde(rename = "Stage ID")]
        stage: usize,
        #[serde(rename = "Stage Attempt ID", default)]
        attempt: usize,
        #[serde(rename = "Task Type", default)]
        task_type: String,
        #[serde(rename = "Task End Reason", default)]
        reason: TaskEndReasonJson,
        #[serde(rename = "Task Info", default)]
        info: TaskInfoJson,
        #[serde(
            rename = "Task Metrics",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        metrics: Option<TaskMetricsJson>,
    },
    #[serde(rename = "SparkListenerBlockUpdated")]
    BlockUpdated {
        #[serde(rename = "Block Updated Info", default)]
        info: BlockUpdatedInfoJson,
    },
    #[serde(rename = "SparkListenerUnpersistRDD")]
    UnpersistRdd {
        #[serde(rename = "RDD ID", default)]
        rdd: usize,
    },
}

/// The `Event` name of a line, found without parsing the line (a line ember skips, such as
/// `SparkListenerEnvironmentUpdate`, is never parsed whole). Spark writes it first; a tool that
/// sorted the keys moved it, so the rest of the line is searched when it is not near the start.
pub fn event_name(line: &[u8]) -> Option<&str> {
    let key = b"\"Event\"";
    let at = memchr::memmem::find(&line[..line.len().min(256)], key)
        .or_else(|| memchr::memmem::find(line, key))?;
    let rest = &line[at + 7..];
    let rest = trim_start(rest);
    let rest = trim_start(rest.strip_prefix(b":")?);
    let rest = rest.strip_prefix(b"\"")?;
    let end = memchr::memchr(b'"', rest)?;
    std::str::from_utf8(&rest[..end]).ok()
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_name_is_read_with_or_without_spaces() {
        assert_eq!(
            event_name(br#"{"Event":"SparkListenerTaskEnd","Stage ID":1}"#),
            Some("SparkListenerTaskEnd")
        );
        assert_eq!(
            event_name(br#"{"Event": "SparkListenerLogStart", "Spark Version": "4.3.0"}"#),
            Some("SparkListenerLogStart")
        );
        assert_eq!(event_name(br#"{"event":"TaskEnd"}"#), None);
    }
}

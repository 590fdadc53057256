//! Events: the spine of ember (DESIGN principle 3).
//!
//! This module owns the [`Event`] type (CONTRACTS §3), the [`EventBus`] that fans events out to
//! listeners, the JSON-lines log writer and reader ([`log`]), and the run summary folded from
//! events ([`summary`]). It does not decide anything: the schedulers, stores and drivers decide
//! and emit; everything that shows or checks a run (the `run` summary, the UI, tests) reads
//! events.

mod locality;
pub mod log;
pub mod status;
pub mod summary;

pub use locality::{Locality, LocalityReason, PreferenceReason, TaskPreference};

use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// One thing that happened, at `time_us` microseconds since the run started (on the run's clock).
///
/// In JSON: the kind's fields (its `"event"` tag first), `time_us`, and `engine` when the
/// event is stamped with one. `IterationEnd` names its engine itself, so its `engine` is the
/// kind's field, and a stamped `IterationEnd` read back from a log is not stamped again.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Microseconds since the run started, on the run's clock.
    pub time_us: u64,
    /// Which engine's run it belongs to, in a log of two engines' runs (`engine = "both"`);
    /// absent in a log of one run.
    pub engine: Option<Engine>,
    /// Whether the event was built on import from facts the log does not state (an Apache
    /// Spark log's skip reasons, evictions and recomputations, for instance): `"inferred":
    /// true` in JSON, absent when false.
    pub inferred: bool,
}

#[derive(Serialize)]
struct EventOut<'a> {
    #[serde(flatten)]
    kind: &'a EventKind,
    time_us: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    engine: Option<Engine>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    inferred: bool,
}

#[derive(Deserialize)]
struct EventIn {
    #[serde(flatten)]
    kind: EventKind,
    time_us: u64,
    #[serde(default)]
    engine: Option<Engine>,
    #[serde(default)]
    inferred: bool,
}

impl Event {
    /// The engine whose run this event belongs to, in a log of two engines' runs: its stamp,
    /// or, for an `IterationEnd` read back from a log (which names its engine only in its own
    /// field), that field once `engines_seen` (an earlier event of the log was stamped).
    /// `None` in a log of one run.
    pub fn run_engine(&self, engines_seen: bool) -> Option<Engine> {
        match (&self.kind, self.engine) {
            (_, Some(engine)) => Some(engine),
            (EventKind::IterationEnd { engine, .. }, None) if engines_seen => {
                Engine::ALL.into_iter().find(|x| x.name() == engine)
            }
            _ => None,
        }
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let engine = match self.kind {
            EventKind::IterationEnd { .. } => None,
            _ => self.engine,
        };
        EventOut {
            kind: &self.kind,
            time_us: self.time_us,
            engine,
            inferred: self.inferred,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut e = EventIn::deserialize(d)?;
        if let EventKind::IterationEnd { engine, .. } = &mut e.kind {
            // The key is the kind's: the event's field took it.
            *engine = e.engine.take().unwrap_or_default().name().to_string();
        }
        Ok(Event {
            kind: e.kind,
            time_us: e.time_us,
            engine: e.engine,
            inferred: e.inferred,
        })
    }
}

/// The engines a workload runs on (CONTRACTS §2 `workload.engine`): the Spark-style engine,
/// which keeps its working set in memory between jobs, and the MapReduce baseline, which goes
/// through the DFS between them.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    #[default]
    Spark,
    MapReduce,
}

impl Engine {
    /// Both engines, the Spark-style one first.
    pub const ALL: [Engine; 2] = [Engine::Spark, Engine::MapReduce];

    /// The engine's name, as scenario files and event logs spell it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Spark => "spark",
            Engine::MapReduce => "mapreduce",
        }
    }

    /// Its name for people: `Spark-style` or `MapReduce`.
    pub fn title(self) -> &'static str {
        match self {
            Engine::Spark => "Spark-style",
            Engine::MapReduce => "MapReduce",
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The event names and fields of CONTRACTS §3.
// `TaskEnd` (its metrics) is the largest by far and also the most common event: boxing it
// would allocate once more per task for the rare small ones' sake.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum EventKind {
    /// The run began. `scenario` is the scenario as it ran (after `--variant`, `--set` and
    /// `--seed`), as TOML, when the run came from one.
    AppStart {
        app: String,
        clock: String,
        seed: u64,
        version: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scenario: Option<String>,
        /// The Apache Spark application the events were imported from (an addition to
        /// CONTRACTS §3; absent in ember's own runs).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        spark: Option<SparkApp>,
    },
    /// An executor joined the cluster.
    ExecutorAdded {
        executor: String,
        host: String,
        /// Empty (absent in JSON) in an imported log, which does not know racks.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        rack: String,
        cores: u32,
        storage_memory: u64,
    },
    /// An executor left the cluster.
    ExecutorRemoved { executor: String, reason: String },
    /// An action submitted a job. `stage_ids` lists every stage registered to it, skipped or
    /// not, and `stages` describes them. `rdds` describes only the RDDs of its lineage that no
    /// earlier `JobStart` described, or whose description changed since (a new parent after a
    /// checkpoint, a new storage level): a reader keeps what earlier ones said, and the newest
    /// description of an RDD wins. So a log grows with the lineage, not with the lineage times
    /// the jobs.
    JobStart {
        job: usize,
        action: String,
        #[serde(default)]
        stage_ids: Vec<usize>,
        rdds: Vec<RddInfo>,
        stages: Vec<StageInfo>,
    },
    /// A job ended.
    JobEnd {
        job: usize,
        result: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A stage attempt was submitted for the partitions it computes, for job `job`.
    StageSubmitted {
        stage: usize,
        attempt: usize,
        #[serde(default)]
        job: usize,
        partitions: Vec<usize>,
        reason: SubmitReason,
        /// Where each task would rather run and why, for the tasks that have a preference (an
        /// addition to CONTRACTS §3; absent when none has, and in older logs).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        preferred: Vec<TaskPreference>,
    },
    /// A stage listed in job `job` will not run in it, and why.
    StageSkipped {
        stage: usize,
        job: usize,
        reason: SkipReason,
    },
    /// A stage attempt ended.
    StageCompleted {
        stage: usize,
        attempt: usize,
        result: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A task set's delay-scheduling level changed.
    LocalityChanged {
        stage: usize,
        attempt: usize,
        level: Locality,
        waited_us: u64,
        /// Why it changed (absent in logs of ember before it said).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<LocalityReason>,
    },
    /// Delay scheduling declined `count` offers of `executor`'s cores to a task set in a row,
    /// from `since_us` to this event's time: the set's allowed level was `allowed`, and the
    /// best this executor could have had was `best`, a less local level. Posted when something
    /// changes: the executor gets a task from the set, the allowed level moves, the set ends.
    OfferDeclined {
        stage: usize,
        attempt: usize,
        executor: String,
        allowed: Locality,
        best: Locality,
        count: u64,
        /// When the first of the merged declines happened (an addition to CONTRACTS §3).
        #[serde(default)]
        since_us: u64,
    },
    /// A task attempt was launched on an executor.
    TaskStart {
        task: usize,
        stage: usize,
        attempt: usize,
        partition: usize,
        executor: String,
        host: String,
        locality: Locality,
        speculative: bool,
    },
    /// A task attempt ended.
    TaskEnd {
        task: usize,
        stage: usize,
        attempt: usize,
        partition: usize,
        executor: String,
        reason: TaskEndReason,
        duration_us: u64,
        metrics: TaskMetrics,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// The cached blocks the task read from its executor's memory, in the order their
        /// LRU positions were renewed when it ended (an addition to CONTRACTS §3: the storage
        /// view replays the LRU order from it).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        blocks_read: Vec<String>,
    },
    /// A block was stored by an executor's block manager.
    BlockStored {
        block: String,
        executor: String,
        storage: BlockStore,
        bytes: u64,
    },
    /// A block was evicted from memory.
    BlockEvicted {
        block: String,
        executor: String,
        bytes: u64,
        to_disk: bool,
        for_block: String,
    },
    /// A block was removed.
    BlockRemoved {
        block: String,
        executor: String,
        reason: String,
    },
    /// A block of a persisted RDD could not be stored (its level allowed no store it fitted
    /// in); it will be computed again when needed (an addition to CONTRACTS §3).
    BlockNotStored {
        block: String,
        executor: String,
        bytes: u64,
        reason: String,
        /// The unroll memory the block needed at the step memory refused (what it had
        /// reserved and what it asked for more), when memory refused it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unroll_bytes: Option<u64>,
    },
    /// An RDD's checkpoint was written: its lineage now starts at `checkpoint_rdd` (an
    /// addition to CONTRACTS §3).
    RddCheckpointed {
        rdd: usize,
        checkpoint_rdd: usize,
        /// `reliable` (in the DFS) or `local` (in the block managers).
        kind: String,
        /// Where the files are (reliable checkpoints).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        path: String,
    },
    /// A partition of a persisted RDD was computed again.
    PartitionRecomputed {
        rdd: usize,
        partition: usize,
        executor: String,
        reason: RecomputeReason,
    },
    /// Map outputs of a shuffle were lost.
    MapOutputsLost {
        shuffle: usize,
        maps: Vec<usize>,
        executor: String,
    },
    /// A fault of a fault plan was injected.
    FaultInjected {
        kind: String,
        target: String,
        at: String,
        /// Its place in the plan (`fault[i]`; an addition to CONTRACTS §3).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fault: Option<usize>,
    },
    /// An iteration of an iterative workload ended.
    IterationEnd {
        #[serde(default)]
        engine: String,
        iteration: usize,
        duration_us: u64,
    },
    /// The run ended: `result` is `succeeded` or `failed`; `answer` and `result_digest` are the
    /// workload's answer (as `run --json` reports them).
    AppEnd {
        result: AppResult,
        #[serde(default)]
        answer: String,
        #[serde(default)]
        result_digest: String,
        /// The faults of the plan whose trigger never came, as `fault[i]`.
        #[serde(default)]
        faults_not_injected: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

/// An Apache Spark application, as its event log names it (`AppStart.spark`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SparkApp {
    /// Spark's application id (`local-1795431128801`, `app-20261123105307-0000`).
    pub app_id: String,
    /// The Spark version that wrote the log.
    pub spark_version: String,
    /// The user who ran it.
    pub user: String,
    /// When it started, in milliseconds since the Unix epoch (event times count from here).
    pub start_ms: u64,
    /// The Spark settings a replay of the application takes on (`spark.master`,
    /// `spark.speculation*`, `spark.locality.wait*`, `spark.task.*`), from its environment.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub conf: std::collections::BTreeMap<String, String>,
}

/// `succeeded` or `failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    Failed,
}

/// How a run ended (`AppEnd.result`): as its workload answered, failed, or stopped before
/// either (the context dropped with no `finish`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppResult {
    Succeeded,
    Failed,
    Stopped,
}

impl AppResult {
    /// `succeeded`, `failed` or `stopped`.
    pub fn name(self) -> &'static str {
        match self {
            AppResult::Succeeded => "succeeded",
            AppResult::Failed => "failed",
            AppResult::Stopped => "stopped",
        }
    }
}

/// What a stage computes (`StageInfo.kind`): map outputs for a shuffle, or a job's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    ShuffleMap,
    Result,
}

impl StageKind {
    /// `shuffle_map` or `result`.
    pub fn name(self) -> &'static str {
        match self {
            StageKind::ShuffleMap => "shuffle_map",
            StageKind::Result => "result",
        }
    }
}

/// Shows a name-giving enum by its name, as the event log spells it.
macro_rules! display_by_name {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    )*};
}
display_by_name!(
    LocalityReason,
    AppResult,
    StageKind,
    DependencyKind,
    BlockStore,
    RecomputeReason
);

/// An edge of the lineage (`ParentInfo.kind`): narrow, or a shuffle (a stage boundary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyKind {
    Narrow,
    Shuffle,
}

impl DependencyKind {
    /// `narrow` or `shuffle`.
    pub fn name(self) -> &'static str {
        match self {
            DependencyKind::Narrow => "narrow",
            DependencyKind::Shuffle => "shuffle",
        }
    }
}

/// Where a block was stored (`BlockStored.storage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockStore {
    Memory,
    Disk,
}

impl BlockStore {
    /// `memory` or `disk`.
    pub fn name(self) -> &'static str {
        match self {
            BlockStore::Memory => "memory",
            BlockStore::Disk => "disk",
        }
    }
}

/// Why a partition of a persisted RDD was computed again (`PartitionRecomputed.reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecomputeReason {
    /// Evicted from memory with no disk copy.
    Evicted,
    /// Lost with its executor.
    Lost,
    /// Never stored: it fitted in no store its level allows.
    NotStored,
}

impl RecomputeReason {
    /// `evicted`, `lost` or `not_stored`.
    pub fn name(self) -> &'static str {
        match self {
            RecomputeReason::Evicted => "evicted",
            RecomputeReason::Lost => "lost",
            RecomputeReason::NotStored => "not_stored",
        }
    }
}

/// Why a stage attempt runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmitReason {
    /// The first attempt of the stage in this job.
    New,
    /// A retry after a fetch failure (the failed stage or its parent map stage).
    FetchFailed,
    /// A retry because map outputs were lost while the stage ran.
    MissingOutputs,
}

/// Why a stage listed in a job does not run in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Its shuffle's map outputs all exist already (an earlier job wrote them).
    MapOutputsExist,
    /// A persisted RDD downstream of it is cached in full, so nothing reads it.
    Cached,
}

/// How a task attempt ended (CONTRACTS §3; Spark's `TaskEndReason` classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskEndReason {
    Success,
    Exception,
    FetchFailed,
    ExecutorLost,
    Killed,
    Resubmitted,
}

/// An RDD as a `JobStart` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RddInfo {
    pub rdd: usize,
    /// Spark's class name for the RDD (`MapPartitionsRDD`, `ShuffledRDD`, ...).
    pub name: String,
    /// The operation that made it (`map`, `reduce_by_key`, ...).
    pub op: String,
    pub partitions: usize,
    /// A storage level name (`NONE`, `MEMORY_ONLY`, ...).
    pub storage: String,
    pub parents: Vec<ParentInfo>,
    /// The name given with `set_name` (Spark's `setName`; a pipeline RDD's id in its
    /// scenario file), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// An edge of the lineage graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParentInfo {
    pub rdd: usize,
    /// `narrow` or `shuffle`.
    pub kind: DependencyKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle: Option<usize>,
}

/// A stage as a `JobStart` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageInfo {
    pub stage: usize,
    /// `shuffle_map` or `result`.
    pub kind: StageKind,
    /// The stage's last RDD.
    pub rdd: usize,
    /// Every RDD pipelined in the stage.
    pub rdds: Vec<usize>,
    /// Parent stage ids.
    pub parents: Vec<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle: Option<usize>,
    /// Tasks the stage has (its partition count).
    pub tasks: usize,
}

/// What a task did: the inputs of the cost model and of the UI. Byte counts of records in
/// memory (`bytes_processed`, and `input_bytes` from a parallelized collection) are estimates,
/// made on the virtual clock only: the wall clock's time is real and skips the work.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskMetrics {
    /// Records read from a source (parallelized collection, file, DFS block, cache).
    pub input_records: u64,
    /// Bytes read from a source, wherever they came from.
    pub input_bytes: u64,
    /// Of those, bytes read from this host's disk (a local DFS replica, a local file).
    pub input_disk_bytes: u64,
    /// Of those, bytes fetched over the network (a DFS replica on another host).
    pub input_network_bytes: u64,
    /// Of the network bytes, those fetched from another rack.
    pub input_cross_rack_bytes: u64,
    /// Records handed to the stage's operations, each counted once per operation (weighted
    /// by the operation's cost multiple).
    pub records_processed: u64,
    /// Estimated bytes of those records, in memory.
    pub bytes_processed: u64,
    /// Records read from shuffle blocks.
    pub shuffle_records_read: u64,
    /// Shuffle bytes read from this host's disk.
    pub shuffle_local_bytes: u64,
    /// Shuffle bytes fetched from other hosts.
    pub shuffle_remote_bytes: u64,
    /// Of those, bytes fetched from another rack.
    pub shuffle_cross_rack_bytes: u64,
    /// Shuffle blocks read from this host.
    pub shuffle_local_blocks: u64,
    /// Shuffle blocks fetched from other hosts.
    pub shuffle_remote_blocks: u64,
    /// Records written to shuffle files.
    pub shuffle_records_written: u64,
    /// Bytes written to shuffle files.
    pub shuffle_bytes_written: u64,
    /// Bytes written to output files (`save_as_text_file`).
    pub output_bytes: u64,
    /// Bytes of persisted blocks the task wrote to its executor's disk (a DISK_ONLY level, a
    /// serialized block kept on disk): Spark's "disk bytes spilled".
    pub disk_bytes_spilled: u64,
    /// Cached blocks the task read from its executor's memory, from its disk, and from other
    /// executors (the cache hits).
    pub blocks_read_memory: u64,
    pub blocks_read_disk: u64,
    pub blocks_read_remote: u64,
    /// Bytes of output sent to other hosts (the DFS's extra replicas).
    pub output_network_bytes: u64,
    /// Of `records_processed`, those of text-parsing steps (weighted likewise): what the cost
    /// model charges at its parse rate (an addition to CONTRACTS §3).
    #[serde(skip_serializing_if = "is_zero")]
    pub records_parsed: u64,
    /// Bytes a MapReduce map task spilled from its sort buffer to local disk, and read back
    /// to merge them (additions to CONTRACTS §3).
    #[serde(skip_serializing_if = "is_zero")]
    pub spill_bytes_written: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub spill_bytes_read: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TaskMetrics {
    /// Adds every counter of `other` to `self`.
    pub fn add(&mut self, o: &TaskMetrics) {
        self.input_records += o.input_records;
        self.input_bytes += o.input_bytes;
        self.input_disk_bytes += o.input_disk_bytes;
        self.input_network_bytes += o.input_network_bytes;
        self.input_cross_rack_bytes += o.input_cross_rack_bytes;
        self.records_processed += o.records_processed;
        self.bytes_processed += o.bytes_processed;
        self.shuffle_records_read += o.shuffle_records_read;
        self.shuffle_local_bytes += o.shuffle_local_bytes;
        self.shuffle_remote_bytes += o.shuffle_remote_bytes;
        self.shuffle_cross_rack_bytes += o.shuffle_cross_rack_bytes;
        self.shuffle_local_blocks += o.shuffle_local_blocks;
        self.shuffle_remote_blocks += o.shuffle_remote_blocks;
        self.shuffle_records_written += o.shuffle_records_written;
        self.shuffle_bytes_written += o.shuffle_bytes_written;
        self.output_bytes += o.output_bytes;
        self.output_network_bytes += o.output_network_bytes;
        self.records_parsed += o.records_parsed;
        self.spill_bytes_written += o.spill_bytes_written;
        self.spill_bytes_read += o.spill_bytes_read;
    }
}

/// Something that wants every event as it happens.
pub trait EventListener: Send {
    /// Called once per event, in order.
    fn on_event(&mut self, event: &Event);
    /// Called at the end of each job and of the run: a good moment to flush.
    fn flush(&mut self) {}
}

/// Keeps every event in memory; cloning shares the same list.
#[derive(Clone, Default)]
pub struct EventRecorder {
    events: Arc<Mutex<Vec<Event>>>,
}

impl EventRecorder {
    /// A new, empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the events recorded so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl EventListener for EventRecorder {
    fn on_event(&mut self, event: &Event) {
        if let Ok(mut events) = self.events.lock() {
            events.push(event.clone());
        }
    }
}

/// Fans events out to listeners, in registration order.
#[derive(Default)]
pub struct EventBus {
    listeners: Vec<Box<dyn EventListener>>,
    /// The batch being posted by [`EventBus::post_from`]: it and the sink's buffer trade
    /// places, so that posting allocates no buffer once both have grown.
    batch: Vec<Event>,
    /// Events posted so far.
    posted: u64,
    /// The engine every event is stamped with, in a run of two engines.
    engine: Option<Engine>,
}

impl EventBus {
    /// A bus with no listeners.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a listener; it sees events posted from now on.
    pub fn add_listener(&mut self, listener: Box<dyn EventListener>) {
        self.listeners.push(listener);
    }

    /// Delivers `kind` at `time_us` to every listener.
    pub fn post(&mut self, time_us: u64, kind: EventKind) {
        let event = Event {
            kind,
            time_us,
            engine: self.engine,
            inferred: false,
        };
        self.posted += 1;
        for l in &mut self.listeners {
            l.on_event(&event);
        }
    }

    /// Delivers everything `sink` recorded so far, in order.
    pub fn post_from(&mut self, sink: &EventSink) {
        let mut batch = std::mem::take(&mut self.batch);
        sink.swap(&mut batch);
        for e in batch.drain(..) {
            self.post_event(e);
        }
        self.batch = batch;
    }

    /// Delivers an already stamped event.
    pub fn post_event(&mut self, mut event: Event) {
        event.engine = self.engine;
        self.posted += 1;
        for l in &mut self.listeners {
            l.on_event(&event);
        }
    }

    /// Stamps every event posted from now on with `engine` (a run of two engines).
    pub fn stamp_engine(&mut self, engine: Option<Engine>) {
        self.engine = engine;
    }

    /// How many events were posted so far (the next one's number in the log, from 0).
    pub fn posted(&self) -> u64 {
        self.posted
    }

    /// Asks every listener to flush.
    pub fn flush(&mut self) {
        for l in &mut self.listeners {
            l.flush();
        }
    }
}

/// The driver's one ordered stream of decisions: the schedulers and storage emit into it (each
/// through its own handle: cloning shares the stream), and the driver drains it in order and
/// posts the events to the [`EventBus`].
///
/// The schedulers and stores are state machines that take the current time as an argument;
/// what they decide is stamped here, in the order they decided it, whoever decided it.
#[derive(Clone, Default, Debug)]
pub struct EventSink {
    pending: Arc<Mutex<Vec<Event>>>,
}

impl EventSink {
    /// Records `kind` as happening at `time_us`.
    pub fn emit(&self, time_us: u64, kind: EventKind) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.push(Event {
            kind,
            time_us,
            engine: None,
            inferred: false,
        });
    }

    /// Trades what was recorded so far, in order, for `empty` (an empty buffer, whose room
    /// the sink keeps for what comes next).
    fn swap(&self, empty: &mut Vec<Event>) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::swap(&mut *p, empty);
    }

    /// Takes everything recorded so far, in order.
    pub fn drain(&self) -> Vec<Event> {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *p)
    }
}

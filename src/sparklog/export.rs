//! ember's runs written as Apache Spark event logs, for Spark's History Server.
//!
//! [`SparkExport`] takes ember's events one at a time and writes Spark's listener events as
//! Spark 4.3 writes them: the application, executors and their block managers, jobs with their
//! stage and RDD infos, stage attempts, tasks with their metrics and end reasons, block updates
//! and the end. Times are milliseconds from the application's start: a Spark application's own
//! start when the log was imported from one, else 2026-01-01 00:00 UTC (a virtual clock has no
//! date).
//!
//! Every line also carries the ember event it stands for, whole, under `"Ember"` (Spark's
//! `JsonProtocol` reads the fields it knows and ignores the rest), and the events Spark has no
//! event for (`IterationEnd`, `StageSkipped`, `PartitionRecomputed`, `FaultInjected`,
//! `LocalityChanged`, `OfferDeclined`, `BlockNotStored`, `RddCheckpointed`, `MapOutputsLost`)
//! are custom events named `org.ember.<Event>`, whose class Spark's replay cannot load and so
//! skips. ember's import reads the `"Ember"` events back exactly; without them (another tool's
//! copy) it reads the Spark events as it reads any Spark log.

use super::json::{
    BlockManagerIdJson, BlockUpdatedInfoJson, ExceptionJson, ExecutorInfoJson, InputJson,
    JobResultJson, OutputJson, RddInfoJson, ShuffleReadJson, ShuffleWriteJson, SparkEvent,
    StageInfoJson, StorageLevelJson, TaskEndReasonJson, TaskInfoJson, TaskMetricsJson,
};
use crate::events::{
    AppResult, BlockStore, Event, EventKind, Outcome, RddInfo, StageInfo, StageKind, TaskEndReason,
    TaskMetrics,
};
use crate::storage::StorageLevel;
use std::collections::BTreeMap;
use std::io::Write;

/// 2026-01-01 00:00:00 UTC, in milliseconds since the epoch: where a virtual clock's run starts.
pub const VIRTUAL_START_MS: u64 = 1_767_225_600_000;

/// The port written in block managers' ids (Spark requires one above 0).
pub const BLOCK_MANAGER_PORT: u32 = 7337;

/// The Spark version whose format the export follows.
pub const FORMAT_VERSION: &str = "4.3.0";

/// A task launched, as its end will need it.
struct Launched {
    info: TaskInfoJson,
}

/// Writes one application's events in Spark's format.
pub struct SparkExport<W: Write> {
    out: W,
    base_ms: u64,
    hosts: BTreeMap<String, String>,
    rdds: BTreeMap<usize, RddInfo>,
    stages: BTreeMap<usize, StageInfo>,
    /// The action of the job that listed each stage (a result stage is named after it).
    actions: BTreeMap<usize, String>,
    /// Each stage attempt's submission time (ms) and tasks.
    submitted: BTreeMap<(usize, usize), (u64, usize)>,
    /// Each block's size in memory, where it is stored (Spark reports a dropped block's size).
    sizes: BTreeMap<(String, String), u64>,
    /// Added to the application's id (an engine's name, for one of two engines' runs).
    suffix: String,
    tasks: BTreeMap<usize, Launched>,
    /// Lines written.
    pub lines: usize,
}

impl<W: Write> SparkExport<W> {
    /// An export to `out`; `suffix` is added to the application's id (`-spark`, `-mapreduce`
    /// for each engine's run of a log of two), so that the History Server lists both.
    pub fn new(out: W, suffix: &str) -> Self {
        SparkExport {
            sizes: BTreeMap::new(),
            suffix: suffix.to_string(),
            out,
            base_ms: VIRTUAL_START_MS,
            hosts: BTreeMap::new(),
            rdds: BTreeMap::new(),
            stages: BTreeMap::new(),
            actions: BTreeMap::new(),
            submitted: BTreeMap::new(),
            tasks: BTreeMap::new(),
            lines: 0,
        }
    }

    fn ms(&self, time_us: u64) -> u64 {
        self.base_ms + time_us / 1000
    }

    /// Writes `spark` (its `Event` first, as Spark writes it) with `e` under `"Ember"`, last.
    fn line(&mut self, spark: &SparkEvent, e: Option<&Event>) -> std::io::Result<()> {
        let mut text = serde_json::to_vec(spark).map_err(std::io::Error::other)?;
        if let Some(e) = e {
            text.pop();
            text.extend_from_slice(b",\"Ember\":");
            serde_json::to_writer(&mut text, e).map_err(std::io::Error::other)?;
            text.push(b'}');
        }
        text.push(b'\n');
        self.out.write_all(&text)?;
        self.lines += 1;
        Ok(())
    }

    /// Writes an event Spark has none for: `org.ember.<Event>`.
    fn custom(&mut self, e: &Event) -> std::io::Result<()> {
        let inner = serde_json::to_string(e).map_err(std::io::Error::other)?;
        let name = serde_json::to_value(&e.kind)
            .ok()
            .and_then(|v| v.get("event").and_then(|n| n.as_str()).map(str::to_string))
            .unwrap_or_else(|| "Event".into());
        writeln!(
            self.out,
            "{{\"Event\":\"org.ember.{name}\",\"Ember\":{inner}}}"
        )?;
        self.lines += 1;
        Ok(())
    }

    /// Adds one event (of one engine's run: the caller splits a log of two).
    pub fn add(&mut self, e: &Event) -> std::io::Result<()> {
        let at = self.ms(e.time_us);
        match &e.kind {
            EventKind::AppStart {
                app, spark, seed, ..
            } => {
                if let Some(s) = spark {
                    self.base_ms = s.start_ms;
                }
                let version = spark
                    .as_ref()
                    .map_or(FORMAT_VERSION.to_string(), |s| s.spark_version.clone());
                self.line(&SparkEvent::LogStart { version }, None)?;
                let (id, user) = match spark {
                    Some(s) => (s.app_id.clone(), s.user.clone()),
                    None => (format!("ember-{app}-{seed}"), "ember".to_string()),
                };
                let id = format!("{id}{}", self.suffix);
                let start = SparkEvent::ApplicationStart {
                    name: app.clone(),
                    id: Some(id),
                    time_ms: self.base_ms,
                    user,
                };
                self.line(&start, Some(e))?;
                self.environment(app)
            }
            EventKind::ExecutorAdded {
                executor,
                host,
                cores,
                storage_memory,
                ..
            } => {
                self.hosts.insert(executor.clone(), host.clone());
                let added = SparkEvent::ExecutorAdded {
                    time_ms: at,
                    executor: executor.clone(),
                    info: ExecutorInfoJson {
                        host: host.clone(),
                        cores: *cores,
                        ..ExecutorInfoJson::default()
                    },
                };
                self.line(&added, Some(e))?;
                let bm = SparkEvent::BlockManagerAdded {
                    block_manager: self.block_manager(executor),
                    max_memory: *storage_memory,
                    time_ms: at,
                };
                self.line(&bm, None)
            }
            EventKind::ExecutorRemoved { executor, reason } => {
                let removed = SparkEvent::ExecutorRemoved {
                    time_ms: at,
                    executor: executor.clone(),
                    reason: reason.clone(),
                };
                self.line(&removed, Some(e))
            }
            EventKind::JobStart {
                job,
                action,
                stage_ids,
                rdds,
                stages,
            } => {
                for r in rdds {
                    self.rdds.insert(r.rdd, r.clone());
                }
                for s in stages {
                    self.stages.insert(s.stage, s.clone());
                    self.actions.insert(s.stage, action.clone());
                }
                let infos = stages.iter().map(|s| self.stage_info(s.stage, 0)).collect();
                let start = SparkEvent::JobStart {
                    job: *job,
                    time_ms: at,
                    stages: infos,
                    stage_ids: stage_ids.clone(),
                    properties: Default::default(),
                };
                self.line(&start, Some(e))
            }
            EventKind::JobEnd { job, result, error } => {
                let result = match result {
                    Outcome::Succeeded => JobResultJson {
                        result: "JobSucceeded".into(),
                        exception: None,
                    },
                    Outcome::Failed => JobResultJson {
                        result: "JobFailed".into(),
                        exception: Some(ExceptionJson {
                            message: error.clone().unwrap_or_default(),
                            stack_trace: Vec::new(),
                        }),
                    },
                };
                let end = SparkEvent::JobEnd {
                    job: *job,
                    time_ms: at,
                    result,
                };
                self.line(&end, Some(e))
            }
            EventKind::StageSubmitted {
                stage,
                attempt,
                partitions,
                ..
            } => {
                self.submitted
                    .insert((*stage, *attempt), (at, partitions.len()));
                let mut info = self.stage_info(*stage, *attempt);
                info.tasks = partitions.len();
                info.submitted_ms = Some(at);
                let submitted = SparkEvent::StageSubmitted {
                    stage: info,
                    properties: Default::default(),
                };
                self.line(&submitted, Some(e))
            }
            EventKind::StageCompleted {
                stage,
                attempt,
                result,
                reason,
            } => {
                let mut info = self.stage_info(*stage, *attempt);
                // As Spark's, the attempt's own task count and submission time.
                if let Some((ms, tasks)) = self.submitted.get(&(*stage, *attempt)) {
                    info.submitted_ms = Some(*ms);
                    info.tasks = *tasks;
                }
                info.completed_ms = Some(at);
                if *result == Outcome::Failed {
                    info.failure = Some(reason.clone().unwrap_or_else(|| "failed".into()));
                }
                let completed = SparkEvent::StageCompleted { stage: info };
                self.line(&completed, Some(e))
            }
            EventKind::TaskStart {
                task,
                stage,
                attempt,
                partition,
                executor,
                host,
                locality,
                speculative,
            } => {
                let info = TaskInfoJson {
                    id: *task,
                    index: *partition,
                    attempt: 0,
                    partition: Some(*partition as i64),
                    launch_ms: at,
                    executor: executor.clone(),
                    host: host.clone(),
                    locality: match locality {
                        crate::events::Locality::NoPref => "PROCESS_LOCAL".into(),
                        l => l.name().into(),
                    },
                    speculative: *speculative,
                    ..TaskInfoJson::default()
                };
                self.tasks.insert(*task, Launched { info: info.clone() });
                let start = SparkEvent::TaskStart {
                    stage: *stage,
                    attempt: *attempt,
                    info,
                };
                self.line(&start, Some(e))
            }
            EventKind::TaskEnd {
                task,
                stage,
                attempt,
                executor,
                reason,
                duration_us,
                metrics,
                error,
                ..
            } => {
                let mut info =
                    self.tasks
                        .remove(task)
                        .map(|l| l.info)
                        .unwrap_or_else(|| TaskInfoJson {
                            id: *task,
                            executor: executor.clone(),
                            launch_ms: self.ms(e.time_us.saturating_sub(*duration_us)),
                            // Spark reads the level by name: a task whose start the log
                            // lacks still needs one.
                            locality: "ANY".into(),
                            ..TaskInfoJson::default()
                        });
                info.finish_ms = at;
                info.failed = !matches!(reason, TaskEndReason::Success | TaskEndReason::Killed);
                info.killed = *reason == TaskEndReason::Killed;
                let kind = self.stages.get(stage).map(|s| s.kind);
                let end = SparkEvent::TaskEnd {
                    stage: *stage,
                    attempt: *attempt,
                    task_type: match kind {
                        Some(StageKind::ShuffleMap) => "ShuffleMapTask".into(),
                        _ => "ResultTask".into(),
                    },
                    reason: self.end_reason(*reason, error.as_deref(), executor),
                    info,
                    metrics: Some(task_metrics(metrics, *duration_us)),
                };
                self.line(&end, Some(e))
            }
            EventKind::BlockStored {
                block,
                executor,
                storage,
                bytes,
            } => {
                let (memory, disk) = match storage {
                    BlockStore::Memory => (*bytes, 0),
                    BlockStore::Disk => (0, *bytes),
                };
                self.sizes.insert((block.clone(), executor.clone()), memory);
                let u = self.block_update(block, executor, (memory, memory > 0), disk);
                self.line(&u, Some(e))
            }
            EventKind::BlockEvicted {
                block,
                executor,
                bytes,
                to_disk,
                ..
            } => {
                // Spark reports the size dropped from memory, and the disk copy's.
                let disk = if *to_disk { *bytes } else { 0 };
                self.sizes.remove(&(block.clone(), executor.clone()));
                let u = self.block_update(block, executor, (*bytes, false), disk);
                self.line(&u, Some(e))
            }
            EventKind::BlockRemoved {
                block, executor, ..
            } => {
                let memory = self
                    .sizes
                    .remove(&(block.clone(), executor.clone()))
                    .unwrap_or(0);
                let u = self.block_update(block, executor, (memory, false), 0);
                self.line(&u, Some(e))
            }
            EventKind::AppEnd { result, .. } => {
                let end = SparkEvent::ApplicationEnd {
                    time_ms: at,
                    exit_code: Some(if *result == AppResult::Failed { 1 } else { 0 }),
                };
                self.line(&end, Some(e))
            }
            _ => self.custom(e),
        }
    }

    /// Ends the export and returns the writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    /// `SparkListenerEnvironmentUpdate`: the History Server's environment page needs one.
    /// `spark.ember.version` marks it as ember's (its import skips it without a word).
    fn environment(&mut self, app: &str) -> std::io::Result<()> {
        let v = serde_json::json!({
            "Event": "SparkListenerEnvironmentUpdate",
            "JVM Information": {"Java Version": "none (ember)", "Java Home": "", "Scala Version": ""},
            "Spark Properties": {
                "spark.app.name": app,
                "spark.master": "ember",
                "spark.ember.version": env!("CARGO_PKG_VERSION"),
            },
            "Hadoop Properties": {},
            "System Properties": {},
            "Metrics Properties": {},
            "Classpath Entries": {},
        });
        writeln!(self.out, "{v}")?;
        self.lines += 1;
        Ok(())
    }

    fn block_manager(&self, executor: &str) -> BlockManagerIdJson {
        BlockManagerIdJson {
            executor: executor.to_string(),
            host: self.hosts.get(executor).cloned().unwrap_or_default(),
            // Spark's `BlockManagerId` needs a port above 0; ember's block managers have none.
            port: BLOCK_MANAGER_PORT,
        }
    }

    /// A block update: `memory` is the size in memory (or dropped from it) and whether it is
    /// still there; `disk` the size on disk.
    fn block_update(
        &self,
        block: &str,
        executor: &str,
        memory: (u64, bool),
        disk: u64,
    ) -> SparkEvent {
        let (memory_size, in_memory) = memory;
        SparkEvent::BlockUpdated {
            info: BlockUpdatedInfoJson {
                block_manager: self.block_manager(executor),
                block: block.to_string(),
                storage: StorageLevelJson {
                    use_disk: disk > 0,
                    use_memory: in_memory,
                    use_off_heap: false,
                    deserialized: in_memory,
                    replication: 1,
                },
                memory_size,
                disk_size: disk,
            },
        }
    }

    /// Spark's `StageInfo` for `stage`: its RDD first, then the rest it pipelines.
    fn stage_info(&self, stage: usize, attempt: usize) -> StageInfoJson {
        let action = self.actions.get(&stage).map_or("", String::as_str);
        let Some(s) = self.stages.get(&stage) else {
            return StageInfoJson {
                id: stage,
                attempt,
                ..StageInfoJson::default()
            };
        };
        let mut ids = vec![s.rdd];
        ids.extend(s.rdds.iter().rev().filter(|r| **r != s.rdd));
        let rdds = ids.iter().map(|id| self.rdd_info(*id)).collect();
        let op = self.rdds.get(&s.rdd).map_or("", |r| r.op.as_str());
        let name = match (s.kind, action.is_empty()) {
            (StageKind::Result, false) => format!("{action} at rdd {}", s.rdd),
            _ => format!("{op} at rdd {}", s.rdd),
        };
        StageInfoJson {
            id: stage,
            attempt,
            name: name.clone(),
            tasks: s.tasks,
            rdds,
            parents: s.parents.clone(),
            details: name,
            resource_profile: 0,
            ..StageInfoJson::default()
        }
    }

    fn rdd_info(&self, id: usize) -> RddInfoJson {
        let Some(r) = self.rdds.get(&id) else {
            return RddInfoJson {
                id,
                name: format!("RDD {id}"),
                ..RddInfoJson::default()
            };
        };
        let level = StorageLevel::from_name(&r.storage).unwrap_or(StorageLevel::NONE);
        RddInfoJson {
            id,
            name: r.label.clone().unwrap_or_else(|| r.name.clone()),
            scope: Some(serde_json::json!({"id": id.to_string(), "name": r.op}).to_string()),
            callsite: r.op.clone(),
            parents: r.parents.iter().map(|p| p.rdd).collect(),
            storage: StorageLevelJson {
                use_disk: level.use_disk,
                use_memory: level.use_memory,
                use_off_heap: level.use_off_heap,
                deserialized: level.deserialized,
                replication: level.replication,
            },
            barrier: false,
            deterministic: "DETERMINATE".into(),
            partitions: r.partitions,
            ..RddInfoJson::default()
        }
    }

    fn end_reason(
        &self,
        reason: TaskEndReason,
        error: Option<&str>,
        executor: &str,
    ) -> TaskEndReasonJson {
        let text = error.unwrap_or("").to_string();
        let mut r = TaskEndReasonJson::default();
        match reason {
            TaskEndReason::Success => r.reason = "Success".into(),
            TaskEndReason::Resubmitted => r.reason = "Resubmitted".into(),
            TaskEndReason::Exception => {
                r.reason = "ExceptionFailure".into();
                r.class_name = Some("org.ember.TaskFailure".into());
                r.description = Some(text);
                r.stack_trace = Some(Vec::new());
                r.full_stack_trace = Some(String::new());
                r.accumulator_updates = Some(Vec::new());
            }
            TaskEndReason::FetchFailed => {
                r.reason = "FetchFailed".into();
                r.block_manager = Some(self.block_manager(executor));
                r.shuffle = Some(-1);
                r.map_id = Some(-1);
                r.map_index = Some(-1);
                r.reduce = Some(-1);
                r.message = Some(text);
            }
            TaskEndReason::ExecutorLost => {
                r.reason = "ExecutorLostFailure".into();
                r.executor = Some(executor.to_string());
                r.exit_caused_by_app = Some(true);
                r.loss_reason = Some(text);
            }
            TaskEndReason::Killed => {
                r.reason = "TaskKilled".into();
                r.kill_reason = Some(text);
                r.accumulator_updates = Some(Vec::new());
            }
        }
        r
    }
}

/// ember's task metrics as Spark's.
fn task_metrics(m: &TaskMetrics, duration_us: u64) -> TaskMetricsJson {
    TaskMetricsJson {
        run_ms: duration_us / 1000,
        disk_bytes_spilled: m.disk_bytes_spilled,
        shuffle_read: ShuffleReadJson {
            remote_blocks: m.shuffle_remote_blocks,
            local_blocks: m.shuffle_local_blocks,
            remote_bytes: m.shuffle_remote_bytes,
            local_bytes: m.shuffle_local_bytes,
            records: m.shuffle_records_read,
            ..ShuffleReadJson::default()
        },
        shuffle_write: ShuffleWriteJson {
            bytes: m.shuffle_bytes_written,
            time_ns: 0,
            records: m.shuffle_records_written,
        },
        input: InputJson {
            bytes: m.input_bytes,
            records: m.input_records,
        },
        output: OutputJson {
            bytes: m.output_bytes,
            records: 0,
        },
        ..TaskMetricsJson::default()
    }
}

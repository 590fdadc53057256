//! `Context`: the driver's entry point (Spark's `SparkContext`).
//!
//! A context owns a run: its cluster and clock ([`Runtime`]), its DFS, its event bus and log,
//! and the RDD id counter. Users make source RDDs from it and actions come back to it to run
//! jobs. It does not schedule: it hands jobs to the schedulers and waits for them on the run's
//! clock. Jobs run one at a time, as Spark runs the jobs of one driver thread. A context is the
//! driver's: an action called inside a task is an error ([`JobError::ActionInsideTask`]), as in
//! Spark (SPARK-5063), and any other use of it from a task fails that task.

use crate::cluster::{Clock, ClusterError, ClusterSpec, CostModel, Runtime, RuntimeConfig};
use crate::dfs::{Dfs, DfsConfig};
use crate::events::log::{EventLogError, EventLogWriter};
use crate::events::{AppResult, Engine, EventBus, EventKind, EventListener, EventRecorder};
use crate::lineage::{
    checkpoint_file, CheckpointKind, CheckpointMark, CheckpointWriter, Checkpointed, Dependency,
    RddNode, TaskLocation,
};
use crate::scheduler::{JobError, ResultFunction, SchedulerConfig};
use crate::storage::{BlockId, DiskStore};
use crate::task_context::{TaskContext, TaskError};
use std::any::Any;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Where reliable checkpoints are written unless `set_checkpoint_dir` says otherwise.
pub const DEFAULT_CHECKPOINT_DIR: &str = "dfs://checkpoints";

/// Why a context could not start.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    EventLog(#[from] EventLogError),
}

/// The driver's handle on a run. Cloning is cheap and shares the run.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    /// The event log writer's first error, when a log is written.
    log_errors: Option<Arc<Mutex<Option<EventLogError>>>>,
    next_rdd_id: AtomicUsize,
    runtime: Mutex<Runtime>,
    dfs: Arc<Dfs>,
    clock: Clock,
    seed: u64,
    stopped: AtomicBool,
    /// Where reliable checkpoints go (`set_checkpoint_dir`).
    checkpoint_dir: Mutex<String>,
    /// The engine this context runs workloads as.
    engine: Engine,
}

/// Where the event log goes.
enum EventLogTarget {
    File(PathBuf),
    /// After what an earlier run (the other engine's) wrote there.
    Append(PathBuf),
    Stdout,
}

/// Settings for a new [`Context`].
pub struct ContextBuilder {
    app: String,
    cluster: ClusterSpec,
    clock: Clock,
    seed: u64,
    scheduler: SchedulerConfig,
    cost: CostModel,
    dfs: DfsConfig,
    event_log: Option<EventLogTarget>,
    scenario: Option<String>,
    listeners: Vec<Box<dyn EventListener>>,
    work_dir: Option<PathBuf>,
    faults: Vec<crate::faults::Fault>,
    engine: Engine,
    stamp_engine: bool,
}

impl ContextBuilder {
    /// The engine the context runs workloads as (the Spark-style engine by default): the
    /// workloads' `IterationEnd`s name it. With `stamp`, every event carries it too (a log of
    /// two engines' runs).
    pub fn engine(mut self, engine: Engine, stamp: bool) -> Self {
        self.engine = engine;
        self.stamp_engine = stamp;
        self
    }

    /// Appends the event log to `path`, after what is there (the second engine of a run of
    /// both).
    pub fn event_log_append(mut self, path: impl Into<PathBuf>) -> Self {
        self.event_log = Some(EventLogTarget::Append(path.into()));
        self
    }

    /// The application's name (in `AppStart`).
    pub fn app(mut self, name: impl Into<String>) -> Self {
        self.app = name.into();
        self
    }
    /// The cluster's shape.
    pub fn cluster(mut self, spec: ClusterSpec) -> Self {
        self.cluster = spec;
        self
    }
    /// The clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
    /// The seed of every random choice the engine makes.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Scheduler settings (its seed is replaced by the context's).
    pub fn scheduler(mut self, config: SchedulerConfig) -> Self {
        self.scheduler = config;
        self
    }
    /// The virtual clock's cost model.
    pub fn cost(mut self, cost: CostModel) -> Self {
        self.cost = cost;
        self
    }
    /// The DFS's block size and replication.
    pub fn dfs(mut self, dfs: DfsConfig) -> Self {
        self.dfs = dfs;
        self
    }
    /// Writes the event log to `path` (`-`: standard output).
    pub fn event_log(mut self, path: impl Into<PathBuf>) -> Self {
        let path: PathBuf = path.into();
        self.event_log = Some(if path.as_os_str() == "-" {
            EventLogTarget::Stdout
        } else {
            EventLogTarget::File(path)
        });
        self
    }

    /// Records the scenario the run comes from (TOML, as it ran) in `AppStart`.
    pub fn scenario_toml(mut self, toml: impl Into<String>) -> Self {
        self.scenario = Some(toml.into());
        self
    }
    /// Adds a listener that sees every event.
    pub fn listener(mut self, l: impl EventListener + 'static) -> Self {
        self.listeners.push(Box::new(l));
        self
    }

    /// Adds a boxed listener that sees every event.
    pub fn listener_boxed(mut self, l: Box<dyn EventListener>) -> Self {
        self.listeners.push(l);
        self
    }
    /// The run's fault plan: each fault happens when its trigger comes (CONTRACTS §2
    /// `[[fault]]`; [`Context::inject`] adds one to a running context).
    pub fn faults(mut self, faults: Vec<crate::faults::Fault>) -> Self {
        self.faults = faults;
        self
    }

    /// Keeps the run's files (executors' disk stores and the DFS, with the files medium) in
    /// `dir` instead of a temporary folder removed at the end.
    pub fn work_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.work_dir = Some(dir.into());
        self
    }

    /// Starts the run: posts `AppStart`, starts the executors.
    pub fn build(self) -> Result<Context, ContextError> {
        let mut bus = EventBus::new();
        if self.stamp_engine {
            bus.stamp_engine(Some(self.engine));
        }
        let log_errors = match &self.event_log {
            Some(target) => {
                let writer = match target {
                    EventLogTarget::File(p) => EventLogWriter::create(p)?,
                    EventLogTarget::Append(p) => EventLogWriter::append(p)?,
                    EventLogTarget::Stdout => EventLogWriter::stdout(),
                };
                let errors = writer.errors();
                bus.add_listener(Box::new(writer));
                Some(errors)
            }
            None => None,
        };
        for l in self.listeners {
            bus.add_listener(l);
        }
        bus.post(
            0,
            EventKind::AppStart {
                app: self.app,
                clock: self.clock.name().to_string(),
                seed: self.seed,
                version: env!("CARGO_PKG_VERSION").to_string(),
                scenario: self.scenario,
                spark: None,
            },
        );
        let mut scheduler = self.scheduler;
        scheduler.seed = self.seed;
        let runtime = Runtime::start(
            RuntimeConfig {
                cluster: self.cluster,
                clock: self.clock,
                scheduler,
                cost: self.cost,
                dfs: self.dfs,
                seed: self.seed,
                work_dir: self.work_dir,
                faults: self.faults,
                engine: self.engine,
            },
            bus,
        )?;
        Ok(Context {
            inner: Arc::new(Inner {
                log_errors,
                next_rdd_id: AtomicUsize::new(0),
                dfs: runtime.dfs().clone(),
                runtime: Mutex::new(runtime),
                clock: self.clock,
                seed: self.seed,
                stopped: AtomicBool::new(false),
                checkpoint_dir: Mutex::new(DEFAULT_CHECKPOINT_DIR.to_string()),
                engine: self.engine,
            }),
        })
    }
}

impl Context {
    /// Settings for a new context: by default a virtual clock, seed 0, and the default cluster
    /// (2 hosts of one 2-core executor).
    pub fn builder() -> ContextBuilder {
        ContextBuilder {
            app: "ember".into(),
            cluster: ClusterSpec::default(),
            clock: Clock::Virtual,
            seed: 0,
            scheduler: SchedulerConfig::default(),
            cost: CostModel::default(),
            dfs: DfsConfig::default(),
            event_log: None,
            scenario: None,
            listeners: Vec::new(),
            work_dir: None,
            faults: Vec::new(),
            engine: Engine::Spark,
            stamp_engine: false,
        }
    }

    /// The engine this context runs workloads as.
    pub fn engine(&self) -> Engine {
        self.inner.engine
    }

    /// A virtual-clock context with `executors` one-core executors, one per host, recording
    /// nothing. Panics if its temporary work folder cannot be created.
    pub fn local(executors: usize) -> Context {
        match Self::builder()
            .cluster(ClusterSpec::flat(executors, 1))
            .build()
        {
            Ok(c) => c,
            Err(e) => panic!("cannot start a local context: {e}"),
        }
    }

    /// A context like [`Context::local`] whose events are also kept in the returned recorder.
    pub fn local_recorded(executors: usize) -> (Context, EventRecorder) {
        let rec = EventRecorder::new();
        let ctx = match Self::builder()
            .cluster(ClusterSpec::flat(executors, 1))
            .listener(rec.clone())
            .build()
        {
            Ok(c) => c,
            Err(e) => panic!("cannot start a local context: {e}"),
        };
        (ctx, rec)
    }

    /// The run's clock.
    pub fn clock(&self) -> Clock {
        self.inner.clock
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.inner.seed
    }

    pub(crate) fn new_rdd_id(&self) -> usize {
        self.inner.next_rdd_id.fetch_add(1, Ordering::SeqCst)
    }

    fn runtime(&self) -> std::sync::MutexGuard<'_, Runtime> {
        // The driver holds the runtime while tasks run: a task that waited for it would wait
        // forever. Failing the task says why instead.
        if let Some(tc) = TaskContext::get() {
            panic!(
                "the Context belongs to the driver and cannot be used inside a task (task {}); see SPARK-5063",
                tc.task_id()
            );
        }
        // A panic while holding the lock leaves a consistent runtime (jobs run to their end or
        // fail as a whole), so a poisoned lock is taken over.
        self.inner.runtime.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The run's HDFS-like store (write input datasets into it; `text_file("dfs://...")` reads
    /// them).
    pub fn dfs(&self) -> Arc<Dfs> {
        self.inner.dfs.clone()
    }

    /// The disk store of executor `id` (its shuffle files, and later its spilled blocks).
    pub fn disk_store(&self, id: usize) -> Option<Arc<DiskStore>> {
        self.runtime().disk_store(id)
    }

    /// Removes every stored block of RDD `rdd` (`Rdd::unpersist`).
    pub(crate) fn unpersist_rdd(&self, rdd: usize) {
        self.runtime().unpersist(rdd);
    }

    /// What executor `id`'s block manager holds (memory blocks in LRU order, disk blocks).
    pub fn store_status(&self, id: usize) -> Option<crate::storage::StoreStatus> {
        self.runtime().store_status(id)
    }

    pub(crate) fn run_job(
        &self,
        rdd: Arc<RddNode>,
        partitions: Vec<usize>,
        action: &str,
        func: Arc<dyn ResultFunction>,
    ) -> Result<Vec<Box<dyn Any + Send>>, JobError> {
        if let Some(tc) = TaskContext::get() {
            return Err(JobError::ActionInsideTask { task: tc.task_id() });
        }
        if let Some(problem) = rdd.lineage_problem() {
            return Err(JobError::InvalidRdd(problem));
        }
        if let Some(bad) = partitions.iter().find(|p| **p >= rdd.num_partitions()) {
            return Err(JobError::Internal(format!(
                "partition {bad} does not exist: the RDD has {} partitions",
                rdd.num_partitions()
            )));
        }
        let results = self
            .runtime()
            .run_job(rdd.clone(), partitions, func, action)?;
        self.do_checkpoint(&rdd)?;
        Ok(results)
    }

    /// The DFS folder reliable checkpoints are written under (default `dfs://checkpoints`).
    pub fn checkpoint_dir(&self) -> String {
        self.inner
            .checkpoint_dir
            .lock()
            .map(|d| d.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Sets the DFS folder for reliable checkpoints (Spark's `setCheckpointDir`); RDDs marked
    /// after this write under it.
    pub fn set_checkpoint_dir(&self, dir: &str) {
        let dir = crate::dfs::normalize(dir);
        match self.inner.checkpoint_dir.lock() {
            Ok(mut d) => *d = dir,
            Err(p) => *p.into_inner() = dir,
        }
    }

    /// Spark's `RDD.doCheckpoint` after a job on `rdd`: walks the lineage from it (each RDD
    /// once ever) and writes the checkpoint of the first marked RDD on each path, without
    /// going further up (Spark's default `checkpointAllMarkedAncestors = false`).
    fn do_checkpoint(&self, rdd: &Arc<RddNode>) -> Result<(), JobError> {
        let mut todo = vec![rdd.clone()];
        while let Some(n) = todo.pop() {
            if !n.first_checkpoint_walk() {
                continue;
            }
            match n.checkpoint_mark() {
                Some(mark) => self.write_checkpoint(&n, mark)?,
                None => todo.extend(n.dependencies().iter().rev().map(|d| d.rdd().clone())),
            }
        }
        Ok(())
    }

    /// Runs the checkpoint job of `rdd` and cuts its lineage.
    fn write_checkpoint(&self, rdd: &Arc<RddNode>, mark: CheckpointMark) -> Result<(), JobError> {
        let n = rdd.num_partitions();
        let (name, partitions) = match &mark.kind {
            CheckpointKind::Reliable { .. } => ("ReliableCheckpointRDD", (0..n).collect()),
            CheckpointKind::Local => {
                let master = self.runtime().block_master().clone();
                let missing: Vec<usize> = master.with(|m| {
                    (0..n)
                        .filter(|p| {
                            m.locations(BlockId::Rdd {
                                rdd: rdd.id(),
                                partition: *p,
                            })
                            .is_empty()
                        })
                        .collect()
                });
                ("LocalCheckpointRDD", missing)
            }
        };
        let replicas = self.inner.dfs.effective_replication() as u64;
        let func: Arc<dyn ResultFunction> = Arc::new(CheckpointJob {
            writer: mark.writer.clone(),
            replicas: match mark.kind {
                CheckpointKind::Reliable { .. } => replicas,
                CheckpointKind::Local => 0,
            },
        });
        let results = if partitions.is_empty() {
            Vec::new()
        } else {
            self.runtime()
                .run_job(rdd.clone(), partitions.clone(), func, "checkpoint")?
        };
        let mut locations: Vec<Vec<TaskLocation>> = vec![Vec::new(); n];
        if let CheckpointKind::Reliable { dir } = &mark.kind {
            for (p, r) in partitions.iter().zip(results) {
                let (host, bytes) = *r.downcast::<(String, Vec<u8>)>().map_err(|_| {
                    JobError::Internal("checkpoint result of the wrong type".into())
                })?;
                let meta = self
                    .inner
                    .dfs
                    .write(&checkpoint_file(dir, *p), &bytes, Some(&host))
                    .map_err(|e| JobError::Io(e.to_string()))?;
                if let Some(b) = meta.blocks.first() {
                    locations[*p] = b
                        .replicas
                        .iter()
                        .map(|h| TaskLocation::Host(Arc::from(h.as_str())))
                        .collect();
                }
            }
        }
        let locations = Arc::new(locations);
        let node = RddNode::new(
            self.new_rdd_id(),
            name,
            "checkpoint",
            n,
            Vec::new(),
            rdd.partitioner().cloned(),
        )
        .with_locations(Arc::new(move |p| {
            locations.get(p).cloned().unwrap_or_default()
        }));
        let checkpoint_rdd = node.id();
        let (kind, path) = match &mark.kind {
            CheckpointKind::Reliable { dir } => ("reliable", dir.clone()),
            CheckpointKind::Local => ("local", String::new()),
        };
        rdd.set_checkpointed(Checkpointed {
            kind: mark.kind,
            node: Arc::new(node),
            codec: mark.codec,
        });
        self.runtime().post(EventKind::RddCheckpointed {
            rdd: rdd.id(),
            checkpoint_rdd,
            kind: kind.into(),
            path,
        });
        Ok(())
    }

    /// Runs only the map stage of the shuffle that feeds `rdd` (Spark's `submitMapStage`).
    /// Fails if `rdd` has no shuffle dependency of its own. (`Rdd`'s own methods reach the
    /// context, not the other way round: the typed RDD API sits above it.)
    pub fn run_map_stage_of(&self, rdd: &RddNode) -> Result<(), JobError> {
        if let Some(tc) = TaskContext::get() {
            return Err(JobError::ActionInsideTask { task: tc.task_id() });
        }
        let dep = rdd
            .dependencies()
            .iter()
            .find_map(|d| match d {
                Dependency::Shuffle(s) => Some(s.clone()),
                _ => None,
            })
            .ok_or_else(|| {
                JobError::Internal(format!("RDD {} has no shuffle dependency", rdd.id()))
            })?;
        self.runtime().run_map_stage(&dep)
    }

    /// How many turns the driver loop has taken so far (each a wake: a task completion, a
    /// timer, an offer round): a measure of the driver's work that does not grow with how long
    /// tasks take.
    pub fn driver_steps(&self) -> u64 {
        self.runtime().driver_steps()
    }

    /// Microseconds since the run started, on its clock.
    pub fn now_us(&self) -> u64 {
        self.runtime().now()
    }

    /// The driver spends `us` µs on work of its own before what it does next (a replay's
    /// recorded driver time): on the virtual clock the clock moves on; on the wall clock
    /// nothing waits.
    pub fn driver_sleep(&self, us: u64) {
        self.runtime().driver_sleep(us);
    }

    /// Posts an event at the current time (workloads use this for `IterationEnd`).
    pub fn post(&self, kind: EventKind) {
        self.runtime().post(kind);
    }

    /// Every executor that registered so far (alive or lost): names, hosts, racks, cores,
    /// memory, and when it registered and was lost.
    pub fn executors(&self) -> Vec<crate::membership::ExecutorInfo> {
        self.runtime().executors()
    }

    /// Has an executor register at `at_us` (µs on the run's clock), while jobs run: the
    /// driver starts it then and offers it tasks. Its id is the next one (its name `exec-<id>`
    /// unless `new` names it).
    ///
    /// ```
    /// use ember::membership::NewExecutor;
    /// let ctx = ember::Context::local(1);
    /// ctx.register_executor_at(1, NewExecutor::new("host-9", "rack-0", 2, 1 << 30));
    /// let n = ctx.parallelize((0..100).collect::<Vec<u32>>(), 8).count().unwrap();
    /// assert_eq!(n, 100);
    /// assert_eq!(ctx.executors().len(), 2);
    /// ```
    pub fn register_executor_at(&self, at_us: u64, new: crate::membership::NewExecutor) {
        self.runtime().schedule_executor(at_us, new);
    }

    /// Has executor `executor` be lost at `at_us` (µs on the run's clock), for `reason`: what
    /// it ran fails, what it held is forgotten, and jobs recompute it from lineage.
    pub fn lose_executor_at(&self, at_us: u64, executor: usize, reason: &str) {
        self.runtime()
            .schedule_executor_loss(at_us, executor, reason);
    }

    /// Adds `fault` to the run's fault plan (as a scenario's `[[fault]]` would); it happens
    /// when its trigger comes. Returns its index: it is `fault[i]` in the log.
    ///
    /// ```
    /// use ember::faults::{Fault, FaultKind, Trigger};
    /// let (ctx, rec) = ember::Context::local_recorded(3);
    /// ctx.inject(Fault { at: Trigger::Job(0), kind: FaultKind::KillExecutor { executor: 1 }, engine: None });
    /// let n = ctx.parallelize((0..600).collect::<Vec<u32>>(), 6).count().unwrap();
    /// assert_eq!(n, 600, "the job recovers from the loss");
    /// let removed = rec.events().iter()
    ///     .filter(|e| matches!(e.kind, ember::events::EventKind::ExecutorRemoved { .. }))
    ///     .count();
    /// assert_eq!(removed, 1);
    /// ```
    pub fn inject(&self, fault: crate::faults::Fault) -> usize {
        self.runtime().add_fault(fault)
    }

    /// Iteration `i` (from 1) of an iterative workload starts: faults triggered by
    /// `iteration i` happen now.
    pub fn iteration_started(&self, i: usize) {
        self.runtime().iteration_started(i);
    }

    /// Ends the run: posts `AppEnd` with `result` and flushes the log. Later calls do nothing.
    pub fn stop(&self, result: AppResult) {
        // Event log errors are `finish`'s to report; `stop` is for runs that keep no log.
        let _ = self.finish(RunEnd {
            result,
            answer: String::new(),
            result_digest: String::new(),
            error: None,
        });
    }

    /// Ends the run with the workload's answer: posts `AppEnd` and flushes the log. Later calls
    /// do nothing. Returns the first error the event log met, if one is written.
    pub fn finish(&self, end: RunEnd) -> Result<(), EventLogError> {
        if self.inner.stopped.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let mut rt = self.runtime();
        let faults_not_injected = rt.faults_not_injected();
        rt.post(EventKind::AppEnd {
            result: end.result,
            answer: end.answer,
            result_digest: end.result_digest,
            faults_not_injected,
            error: end.error,
        });
        rt.bus.flush();
        match &self.inner.log_errors {
            Some(errors) => match errors.lock().ok().and_then(|mut e| e.take()) {
                Some(e) => Err(e),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }
}

/// The checkpoint job's function: runs the mark's writer on a partition; a reliable
/// checkpoint's bytes go back to the driver with the task's host, which writes them to the DFS
/// from there (the task counts the bytes as its output, and the replicas as network).
struct CheckpointJob {
    writer: Arc<CheckpointWriter>,
    /// DFS replication (0: a local checkpoint, which writes nothing).
    replicas: u64,
}

impl ResultFunction for CheckpointJob {
    fn run(&self, tc: &TaskContext, partition: usize) -> Result<Box<dyn Any + Send>, TaskError> {
        let bytes = (self.writer)(tc, partition)?;
        if self.replicas > 0 {
            let n = bytes.len() as u64;
            tc.metrics_mut(|m| {
                m.output_bytes += n;
                m.output_network_bytes += n * (self.replicas - 1);
            });
        }
        Ok(Box::new((tc.host().to_string(), bytes)))
    }
}

/// How a run ended, for its `AppEnd`.
#[derive(Clone, Debug)]
pub struct RunEnd {
    /// How the run ended.
    pub result: AppResult,
    /// The workload's answer, as `run --json` reports it.
    pub answer: String,
    pub result_digest: String,
    /// Why the run failed.
    pub error: Option<String>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if !self.stopped.load(Ordering::SeqCst) {
            let rt = self.runtime.get_mut().unwrap_or_else(|p| p.into_inner());
            let faults_not_injected = rt.faults_not_injected();
            rt.post(EventKind::AppEnd {
                result: AppResult::Stopped,
                answer: String::new(),
                result_digest: String::new(),
                faults_not_injected,
                error: None,
            });
        }
    }
}

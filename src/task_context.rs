//! The executor-side view of one running task attempt.
//!
//! A [`TaskContext`] is made by an executor for each task it runs and handed to the RDDs'
//! compute functions. It owns the task's metrics and its *effects* ([`TaskEffects`]): what the
//! task wrote is staged, not applied, and travels back in the task's status update so that the
//! driver applies it when the task completes in the run's time (DESIGN, "executor state changes
//! only at completion"): shuffle files, RDD blocks to cache, and the blocks it read (whose read
//! locks and LRU positions change at its completion). It gives access to the executor's
//! services ([`ExecutorEnv`]: its disk store, the transfer service to other executors' stores,
//! the block managers, the DFS) and to the map output
//! locations the driver sent with the task. It does not schedule, and it is never shared
//! between threads.

use crate::dfs::Dfs;
use crate::events::TaskMetrics;
use crate::shuffle::{BlockTransferService, ShuffleInputs};
use crate::storage::{BlockId, BlockManagers, BlockPut, DiskStore, Distance, Found, StagedWrite};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Why a task attempt failed, as the executor reports it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TaskError {
    /// User code failed (a panic in a closure, an unreadable input).
    #[error("{0}")]
    Exception(String),
    /// A shuffle block could not be fetched: the DAG scheduler must recompute its map output.
    #[error("fetch failed: shuffle {shuffle} map {map} reduce {reduce}: {message}")]
    FetchFailed {
        shuffle: usize,
        map: usize,
        reduce: usize,
        /// The executor that held the block, when known.
        executor: Option<usize>,
        message: String,
    },
    /// The executor running the task was lost (Spark's `ExecutorLostFailure`): the driver's
    /// words, naming the executor and why, and whether the application caused the loss
    /// (Spark's `exitCausedByApp`: only then does the failure count toward the task's limit).
    #[error("{message}")]
    ExecutorLost {
        message: String,
        caused_by_app: bool,
    },
}

/// An executor's services, as its tasks see them.
pub struct ExecutorEnv {
    /// The executor's id (`exec-<id>`).
    pub executor: usize,
    pub host: Arc<str>,
    pub rack: Arc<str>,
    /// The executor's disk: shuffle files, and later spilled blocks.
    pub disk: Arc<DiskStore>,
    /// How this executor reads other executors' disk stores.
    pub transfer: Arc<BlockTransferService>,
    /// The cluster's HDFS-like input store.
    pub dfs: Arc<Dfs>,
    /// Every executor's block manager (this one's among them): cached RDD blocks.
    pub blocks: Arc<BlockManagers>,
    /// Whether tasks estimate the bytes of the records they process (the virtual clock's cost
    /// model needs them; the wall clock's time is real, and skips the work).
    pub measure_sizes: bool,
}

/// What a task did to executor state, to be applied by the driver at its completion (or
/// dropped, if it failed or its executor was lost first).
#[derive(Debug, Default)]
pub struct TaskEffects {
    /// Blocks written to the executor's disk store, staged.
    pub disk_writes: Vec<StagedWrite>,
    /// RDD blocks to store in the executor's block manager, in the order computed.
    pub puts: Vec<BlockPut>,
    /// Blocks read from the executor's own block manager, read-locked until the task ends.
    pub reads: Vec<BlockId>,
    /// Blocks of its executor the task used, read or staged, in order: their LRU positions
    /// are renewed in this order when it ends.
    pub touches: Vec<BlockId>,
    /// Blocks read from other executors: `(executor, block)`, renewed there when it ends.
    pub remote_reads: Vec<(usize, BlockId)>,
}

impl TaskEffects {
    /// Whether the task changed nothing.
    pub fn is_empty(&self) -> bool {
        self.disk_writes.is_empty() && self.puts.is_empty() && self.reads.is_empty()
    }
}

/// Everything a running task may use.
#[derive(Clone)]
pub struct TaskContext {
    inner: Rc<Inner>,
}

struct Inner {
    who: TaskIdentity,
    env: Arc<ExecutorEnv>,
    shuffle_inputs: Arc<ShuffleInputs>,
    metrics: RefCell<TaskMetrics>,
    effects: RefCell<TaskEffects>,
    slept_us: std::cell::Cell<u64>,
    /// Set by a kill message (another copy succeeded, the job was aborted).
    killed: Arc<std::sync::atomic::AtomicBool>,
}

/// The payload of the panic [`TaskContext::halt_executor`] unwinds with: the executor's task
/// runner recognises it as the process exiting, not as the task failing.
#[derive(Debug)]
pub(crate) struct ExecutorHalt(pub i32);

/// The payload of the panic a killed task unwinds with, at its next record chunk or sleep.
#[derive(Debug)]
pub(crate) struct TaskKilled;

/// Stops the task running on this thread if a kill message came for it (called between
/// record chunks: a task stops at the next one).
pub(crate) fn stop_if_killed() {
    let killed = CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|tc| tc.inner.killed.load(std::sync::atomic::Ordering::Relaxed))
    });
    if killed {
        std::panic::panic_any(TaskKilled);
    }
}

/// The identity of a task attempt, as the executor receives it.
#[derive(Clone, Debug)]
pub struct TaskIdentity {
    pub task_id: usize,
    pub stage_id: usize,
    pub stage_attempt: usize,
    pub partition: usize,
    pub attempt_number: usize,
}

thread_local! {
    static CURRENT: RefCell<Option<TaskContext>> = const { RefCell::new(None) };
}

/// Makes a task's context the current one on this thread until dropped, then restores the
/// one before (a rayon worker may run another task while it waits inside one).
pub(crate) struct CurrentTask(Option<TaskContext>);

impl CurrentTask {
    pub(crate) fn enter(tc: &TaskContext) -> CurrentTask {
        CurrentTask(CURRENT.with(|c| c.borrow_mut().replace(tc.clone())))
    }
}

impl Drop for CurrentTask {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

impl TaskContext {
    /// The context of the task running on this thread, if any (Spark's `TaskContext.get`):
    /// lets the closures of `map`, `filter`, ... know which partition and attempt they run in.
    ///
    /// ```
    /// use ember::{Context, TaskContext};
    /// let ctx = Context::local(1);
    /// let parts = ctx
    ///     .parallelize(vec![10, 20, 30], 3)
    ///     .map(|x| (*x, TaskContext::get().map(|tc| tc.partition())))
    ///     .collect()
    ///     .unwrap();
    /// assert_eq!(parts, vec![(10, Some(0)), (20, Some(1)), (30, Some(2))]);
    /// assert!(TaskContext::get().is_none(), "not inside a task");
    /// ```
    pub fn get() -> Option<TaskContext> {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// Whether the calling thread is running a task.
    pub fn inside_task() -> bool {
        CURRENT.with(|c| c.borrow().is_some())
    }

    pub(crate) fn new(
        who: TaskIdentity,
        env: Arc<ExecutorEnv>,
        shuffle_inputs: Arc<ShuffleInputs>,
        killed: Arc<std::sync::atomic::AtomicBool>,
    ) -> Self {
        TaskContext {
            inner: Rc::new(Inner {
                who,
                env,
                shuffle_inputs,
                metrics: RefCell::new(TaskMetrics::default()),
                effects: RefCell::new(TaskEffects::default()),
                slept_us: std::cell::Cell::new(0),
                killed,
            }),
        }
    }

    /// The global task id.
    pub fn task_id(&self) -> usize {
        self.inner.who.task_id
    }
    /// The stage this task belongs to.
    pub fn stage_id(&self) -> usize {
        self.inner.who.stage_id
    }
    /// The stage attempt this task belongs to.
    pub fn stage_attempt(&self) -> usize {
        self.inner.who.stage_attempt
    }
    /// The partition this task computes.
    pub fn partition(&self) -> usize {
        self.inner.who.partition
    }
    /// How many earlier attempts of this task there were.
    pub fn attempt_number(&self) -> usize {
        self.inner.who.attempt_number
    }
    /// The executor running the task.
    pub fn executor(&self) -> usize {
        self.inner.env.executor
    }
    /// The host of that executor.
    pub fn host(&self) -> &str {
        &self.inner.env.host
    }
    /// The rack of that host.
    pub fn rack(&self) -> &str {
        &self.inner.env.rack
    }
    /// The executor's services.
    pub fn env(&self) -> &ExecutorEnv {
        &self.inner.env
    }
    /// The cluster's DFS.
    pub fn dfs(&self) -> &Arc<Dfs> {
        &self.inner.env.dfs
    }
    /// Whether the task should estimate the bytes of the records it processes.
    pub fn measures_sizes(&self) -> bool {
        self.inner.env.measure_sizes
    }
    pub(crate) fn shuffle_inputs(&self) -> &ShuffleInputs {
        &self.inner.shuffle_inputs
    }

    /// Stages `bytes` as `block` in this executor's disk store: visible once the task
    /// completes, and only if it succeeds.
    pub fn stage_disk_write(&self, block: BlockId, bytes: Vec<u8>) -> Result<(), TaskError> {
        let w = self
            .inner
            .env
            .disk
            .stage(block, bytes, self.task_id())
            .map_err(|e| TaskError::Exception(format!("writing {block}: {e}")))?;
        self.inner.effects.borrow_mut().disk_writes.push(w);
        Ok(())
    }

    /// Reads RDD block `block`: from this executor's block manager (read-locked until the task
    /// ends), else from the nearest other executor holding it. Counts what the read cost in
    /// the task's metrics. `None` if no executor holds it.
    pub fn get_block(&self, block: BlockId) -> Result<Option<Found>, TaskError> {
        let env = &self.inner.env;
        let err = |e: crate::storage::ReadError| TaskError::Exception(e.to_string());
        // A block this task computed earlier (a join reading one RDD twice): Spark would find
        // it stored by then, ember has it staged. (If its put is going to fail, Spark's second
        // read would compute it again; ember reads the staged copy either way.)
        let staged = self
            .inner
            .effects
            .borrow()
            .puts
            .iter()
            .find(|p| p.block == block && !p.recache)
            .cloned();
        if let Some(p) = staged {
            let value = match &p.value {
                crate::storage::BlockValue::Values(v) => v.clone(),
                crate::storage::BlockValue::Bytes(b) => p
                    .codec
                    .0
                    .decode(b)
                    .map_err(|e| TaskError::Exception(format!("reading {block}: {e}")))?,
            };
            let on_disk_only = !p.level.use_memory;
            self.metrics_mut(|m| {
                m.input_records += p.records;
                m.input_bytes += p.size;
                if on_disk_only {
                    m.input_disk_bytes += p.size;
                }
            });
            return Ok(Some(Found {
                value,
                records: p.records,
                bytes: p.size,
                from: crate::storage::Store::Memory,
                decoded: false,
                recache: None,
            }));
        }
        if let Some(bm) = env.blocks.get(env.executor) {
            if let Some(f) = bm.get_local(block).map_err(err)? {
                {
                    let mut fx = self.inner.effects.borrow_mut();
                    fx.reads.push(block);
                    fx.touches.push(block);
                }
                self.metrics_mut(|m| {
                    m.input_records += f.records;
                    m.input_bytes += f.bytes;
                    if f.from == crate::storage::Store::Disk {
                        m.input_disk_bytes += f.bytes;
                        m.blocks_read_disk += 1;
                    } else {
                        m.blocks_read_memory += 1;
                    }
                    if f.decoded {
                        m.records_processed += f.records;
                    }
                });
                return Ok(Some(f));
            }
        }
        for (bm, distance) in env.blocks.holders(block, env.executor) {
            // A holder that fails to serve the block is passed over for the next, as Spark's
            // `getRemoteBlock` tries each location.
            let Ok(Some(f)) = bm.get_for_remote(block) else {
                continue;
            };
            self.inner
                .effects
                .borrow_mut()
                .remote_reads
                .push((bm.executor(), block));
            self.metrics_mut(|m| {
                m.input_records += f.records;
                m.input_bytes += f.bytes;
                m.blocks_read_remote += 1;
                match distance {
                    Distance::SameHost => {}
                    Distance::SameRack => m.input_network_bytes += f.bytes,
                    Distance::OtherRack => {
                        m.input_network_bytes += f.bytes;
                        m.input_cross_rack_bytes += f.bytes;
                    }
                }
                if f.decoded {
                    m.records_processed += f.records;
                }
            });
            return Ok(Some(Found { recache: None, ..f }));
        }
        Ok(None)
    }

    /// Stages a put of an RDD block into this executor's block manager, applied when the task
    /// completes (and only if it succeeds).
    pub fn stage_put(&self, put: BlockPut) {
        let mut fx = self.inner.effects.borrow_mut();
        if !put.recache {
            fx.touches.push(put.block);
        }
        fx.puts.push(put);
    }

    /// Takes what the task staged.
    /// Sleeps for `d`, as a task's code calling Java's `Thread.sleep` does: on the virtual
    /// clock the task's duration grows by `d` (nothing waits), on the wall clock the thread
    /// really sleeps. Programs use it to make a task slow on purpose.
    pub fn sleep(&self, d: std::time::Duration) {
        if self.measures_sizes() {
            let us = d.as_micros().min(u64::MAX as u128) as u64;
            self.inner
                .slept_us
                .set(self.inner.slept_us.get().saturating_add(us));
        } else {
            // In slices, so that a kill message stops the sleep.
            let end = std::time::Instant::now() + d;
            loop {
                stop_if_killed();
                let left = end.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                std::thread::sleep(left.min(std::time::Duration::from_millis(10)));
            }
        }
    }

    /// How long the task's code slept so far ([`Self::sleep`]), µs.
    pub fn slept_us(&self) -> u64 {
        self.inner.slept_us.get()
    }

    /// Ends this executor's process with exit code `code`, as a task's code calling Java's
    /// `Runtime.getRuntime.halt(code)` does: the task never reports, the driver loses the
    /// executor (and with it what ran and was stored there), and since the application caused
    /// the loss, every task that was running on it counts a failure (Spark's
    /// `exitCausedByApp`). Does not return.
    pub fn halt_executor(&self, code: i32) -> ! {
        std::panic::panic_any(ExecutorHalt(code))
    }

    pub(crate) fn take_effects(&self) -> TaskEffects {
        std::mem::take(&mut *self.inner.effects.borrow_mut())
    }

    /// Updates the task's metrics.
    pub fn metrics_mut<R>(&self, f: impl FnOnce(&mut TaskMetrics) -> R) -> R {
        f(&mut self.inner.metrics.borrow_mut())
    }

    /// A copy of the metrics so far.
    pub fn metrics(&self) -> TaskMetrics {
        self.inner.metrics.borrow().clone()
    }
}

//! The executor-side view of one running task attempt.
//!
//! A [`TaskContext`] is made by an executor for each task it runs and handed to the RDDs'
//! compute functions. It owns the task's metrics and the means to read shuffle blocks (the map
//! output locations the driver sent with the task, and the executors' block transfer service).
//! It does not schedule, and it is never shared between threads.

use crate::events::TaskMetrics;
use crate::shuffle::{BlockTransferService, ShuffleInputs};
use std::cell::RefCell;
use std::path::PathBuf;
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
}

/// Everything a running task may use.
#[derive(Clone)]
pub struct TaskContext {
    inner: Rc<Inner>,
}

struct Inner {
    task_id: usize,
    stage_id: usize,
    stage_attempt: usize,
    partition: usize,
    attempt_number: usize,
    executor: usize,
    host: String,
    work_dir: PathBuf,
    shuffle_inputs: Arc<ShuffleInputs>,
    transfer: Arc<BlockTransferService>,
    metrics: RefCell<TaskMetrics>,
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

/// Makes a task's context the current one on this thread until dropped.
pub(crate) struct CurrentTask;

impl CurrentTask {
    pub(crate) fn enter(tc: &TaskContext) -> CurrentTask {
        CURRENT.with(|c| *c.borrow_mut() = Some(tc.clone()));
        CurrentTask
    }
}

impl Drop for CurrentTask {
    fn drop(&mut self) {
        CURRENT.with(|c| *c.borrow_mut() = None);
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
    ///     .map(|x| (x, TaskContext::get().map(|tc| tc.partition())))
    ///     .collect()
    ///     .unwrap();
    /// assert_eq!(parts, vec![(10, Some(0)), (20, Some(1)), (30, Some(2))]);
    /// assert!(TaskContext::get().is_none(), "not inside a task");
    /// ```
    pub fn get() -> Option<TaskContext> {
        CURRENT.with(|c| c.borrow().clone())
    }

    pub(crate) fn new(
        who: TaskIdentity,
        executor: usize,
        host: String,
        work_dir: PathBuf,
        shuffle_inputs: Arc<ShuffleInputs>,
        transfer: Arc<BlockTransferService>,
    ) -> Self {
        TaskContext {
            inner: Rc::new(Inner {
                task_id: who.task_id,
                stage_id: who.stage_id,
                stage_attempt: who.stage_attempt,
                partition: who.partition,
                attempt_number: who.attempt_number,
                executor,
                host,
                work_dir,
                shuffle_inputs,
                transfer,
                metrics: RefCell::new(TaskMetrics::default()),
            }),
        }
    }

    /// The global task id.
    pub fn task_id(&self) -> usize {
        self.inner.task_id
    }
    /// The stage this task belongs to.
    pub fn stage_id(&self) -> usize {
        self.inner.stage_id
    }
    /// The stage attempt this task belongs to.
    pub fn stage_attempt(&self) -> usize {
        self.inner.stage_attempt
    }
    /// The partition this task computes.
    pub fn partition(&self) -> usize {
        self.inner.partition
    }
    /// How many earlier attempts of this task there were.
    pub fn attempt_number(&self) -> usize {
        self.inner.attempt_number
    }
    /// The executor running the task.
    pub fn executor(&self) -> usize {
        self.inner.executor
    }
    /// The host of that executor.
    pub fn host(&self) -> &str {
        &self.inner.host
    }
    /// The executor's work folder (shuffle files live here).
    pub fn work_dir(&self) -> &PathBuf {
        &self.inner.work_dir
    }
    pub(crate) fn shuffle_inputs(&self) -> &ShuffleInputs {
        &self.inner.shuffle_inputs
    }
    pub(crate) fn transfer(&self) -> &BlockTransferService {
        &self.inner.transfer
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

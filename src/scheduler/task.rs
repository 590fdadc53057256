//! The executor boundary: what the driver sends ([`TaskDescription`]) and what comes back
//! ([`StatusUpdate`]). Nothing else crosses it, so that executors can later live in other
//! processes (DESIGN, "Later").
//!
//! The code a task runs travels as a [`TaskBinary`]: shared handles to the shuffle dependency
//! or result function, as Spark ships a serialized task binary. In-process executors use the
//! handles directly; executors in other processes will rebuild the same lineage from the
//! workload and look the handles up by stage id.

use crate::events::{Locality, TaskMetrics};
use crate::lineage::ShuffleDependency;
use crate::shuffle::{MapStatus, ShuffleInputs};
use crate::task_context::{TaskContext, TaskEffects, TaskError};
use std::any::Any;
use std::sync::Arc;

/// The function a result task applies to its partition.
pub trait ResultFunction: Send + Sync {
    /// Computes the partition and applies the action's function to it.
    fn run(&self, tc: &TaskContext, partition: usize) -> Result<Box<dyn Any + Send>, TaskError>;
}

/// What a task runs.
#[derive(Clone)]
pub enum TaskBinary {
    /// A shuffle map task: compute the map partition and write its shuffle files.
    ShuffleMap(Arc<ShuffleDependency>),
    /// A result task: compute the partition and return the action's value.
    Result(Arc<dyn ResultFunction>),
}

/// A task attempt as sent to an executor.
#[derive(Clone)]
pub struct TaskDescription {
    pub task_id: usize,
    pub stage_id: usize,
    pub stage_attempt: usize,
    /// The job the task set runs for (its FIFO priority).
    pub job_id: usize,
    /// The RDD partition computed.
    pub partition: usize,
    /// Position in the task set.
    pub index: usize,
    /// How many attempts of this task came before.
    pub attempt_number: usize,
    /// The executor it was given to.
    pub executor: usize,
    /// The locality it was launched at.
    pub locality: Locality,
    pub speculative: bool,
    /// A failure a fault plan injected (`fail_task`): the task fails as it starts, with this
    /// message, before computing anything.
    pub fail_with: Option<String>,
    /// The map output tracker's epoch when the task set was made.
    pub epoch: u64,
    pub binary: TaskBinary,
    /// Where the map outputs this task may read are.
    pub shuffle_inputs: Arc<ShuffleInputs>,
}

/// What a task produced.
pub enum TaskOutcome {
    /// A shuffle map task's output location and sizes.
    MapOutput(MapStatus),
    /// A result task's value.
    Result(Box<dyn Any + Send>),
    /// The task failed.
    Failed(TaskError),
    /// The task's own code took its executor's process down (Spark's `Runtime.halt`, as
    /// [`TaskContext::halt_executor`] does): no report comes from a dead process, so the
    /// driver hears of it as the executor's loss, which the application caused.
    ExecutorExited { code: i32 },
}

impl std::fmt::Debug for TaskOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskOutcome::MapOutput(s) => write!(f, "MapOutput({s:?})"),
            TaskOutcome::Result(_) => f.write_str("Result(..)"),
            TaskOutcome::Failed(e) => write!(f, "Failed({e:?})"),
            TaskOutcome::ExecutorExited { code } => write!(f, "ExecutorExited({code})"),
        }
    }
}

/// An executor's report on a task attempt: what it produced, what it did, and what it staged
/// (applied by the driver when the task completes, or dropped).
#[derive(Debug)]
pub struct StatusUpdate {
    pub task_id: usize,
    pub executor: usize,
    pub outcome: TaskOutcome,
    pub metrics: TaskMetrics,
    pub effects: TaskEffects,
    /// Time the task's code slept ([`TaskContext::sleep`]), µs: the virtual clock adds it to
    /// the task's duration (the wall clock really slept).
    pub slept_us: u64,
    /// Filled by the driver as it applies the effects: the cached blocks whose LRU position
    /// the completion renewed (reported on `TaskEnd`).
    pub blocks_read: Vec<String>,
}

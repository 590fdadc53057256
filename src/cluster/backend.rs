//! [`Backend`]: what the one driver loop needs of a clock: the time, a way to launch tasks,
//! executors to launch them on, and a wait for the next thing that happens: a task completion,
//! a change in the cluster, or a deadline.

use super::executor::Executor;
use crate::membership::NewExecutor;
use crate::scheduler::ExecutorLoss;
use crate::scheduler::{StatusUpdate, TaskDescription};
use std::sync::Arc;

/// A change in the cluster's membership, as the driver loop hears of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterChange {
    /// An executor asks to register (Spark's `RegisterExecutor`).
    ExecutorRegistered(NewExecutor),
    /// An executor is gone (Spark's `ExecutorLost`), with why.
    ExecutorLost { executor: usize, loss: ExecutorLoss },
}

/// What a wait ended with.
pub enum Wake {
    /// A task finished (its status update), at the backend's `now`.
    Completed(Box<StatusUpdate>),
    /// The cluster changed, at the backend's `now`.
    Cluster(ClusterChange),
    /// The deadline came first; the backend's `now` is the deadline (or later, on the wall).
    Deadline,
    /// No deadline and nothing running or due: nothing can ever happen.
    Idle,
}

/// A clock with executors behind it: the virtual clock's discrete-event queue, or the wall
/// clock's thread pools.
pub trait Backend {
    /// Microseconds since the run started.
    fn now(&self) -> u64;
    /// Makes executor `id` able to run tasks, on `cores` cores.
    fn add_executor(&mut self, id: usize, executor: Arc<Executor>, cores: u32);
    /// Executor `id` is gone: it runs nothing more, and what it was running never reports
    /// (on the wall clock, a report already under way is discarded by the scheduler).
    fn remove_executor(&mut self, id: usize);
    /// Executor `id` stops answering (a `hang_executor` fault): what it runs, and what is
    /// launched on it from now on, never reports. The driver does not know until it declares
    /// the executor lost.
    fn hang_executor(&mut self, id: usize);
    /// Sends a kill message for `task` to `executor`: the task stops (on the virtual clock at
    /// once; on the wall clock between record chunks, or in a sleep) and reports as killed,
    /// giving its core back.
    fn kill_task(&mut self, task: usize, executor: usize);
    /// Delivers `change` as a [`Wake::Cluster`] at `at` (µs since the start).
    fn schedule(&mut self, at: u64, change: ClusterChange);
    /// Starts `tasks` on their executors.
    fn launch(&mut self, tasks: Vec<TaskDescription>);
    /// Waits for the next completion or cluster change, or until `deadline` (µs since the
    /// start).
    fn wait(&mut self, deadline: Option<u64>) -> Wake;
    /// Lets `us` microseconds pass on the driver (the virtual clock's job overhead; the wall
    /// clock's is real).
    fn sleep(&mut self, us: u64);
    /// Whether any launched task has not reported yet.
    fn has_running(&self) -> bool;
    /// Whether an executor is scheduled to register later.
    fn will_register(&self) -> bool;
}

/// Cluster changes waiting for their time, in time order (then in the order scheduled): the
/// part of [`Backend::schedule`] both clocks share.
#[derive(Default)]
pub(crate) struct ChangeQueue {
    due: std::collections::BTreeMap<(u64, u64), ClusterChange>,
    seq: u64,
}

impl ChangeQueue {
    /// Queues `change` for `at`.
    pub fn push(&mut self, at: u64, change: ClusterChange) {
        self.due.insert((at, self.seq), change);
        self.seq += 1;
    }

    /// Whether an executor is scheduled to register.
    pub fn has_registration(&self) -> bool {
        self.due
            .values()
            .any(|c| matches!(c, ClusterChange::ExecutorRegistered(_)))
    }

    /// When the next change is due.
    pub fn next_at(&self) -> Option<u64> {
        self.due.keys().next().map(|(t, _)| *t)
    }

    /// Takes the next change if it is due at `now`.
    pub fn pop_due(&mut self, now: u64) -> Option<ClusterChange> {
        if self.next_at()? > now {
            return None;
        }
        self.due.pop_first().map(|(_, c)| c)
    }
}

//! The virtual clock: a deterministic discrete-event backend (DESIGN principle 2).
//!
//! Tasks are really computed, on real data; their duration comes from the [`CostModel`] over
//! their metrics, and their status update is delivered at launch time plus that duration: what
//! they produced becomes visible to the driver then, not when their code ran. Launches are
//! computed in batches, in parallel (rayon), just before the clock next moves, so a task sees
//! the executors' state as it was when it was launched; the results are queued in launch order
//! and completions at the same instant are delivered in that order, so nothing about thread
//! timing reaches a decision.

use super::backend::{Backend, Wake};
use super::cost::CostModel;
use super::executor::Executor;
use crate::scheduler::{StatusUpdate, TaskDescription, TaskOutcome};
use crate::task_context::TaskError;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

/// The discrete-event backend.
pub struct VirtualBackend {
    now: u64,
    seq: u64,
    /// Launched, not yet computed.
    launched: Vec<TaskDescription>,
    /// Computed, waiting for their completion time: (time, seq).
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    done: BTreeMap<u64, StatusUpdate>,
    executors: BTreeMap<usize, Arc<Executor>>,
    cost: CostModel,
}

impl VirtualBackend {
    /// A backend over `executors`, at time 0.
    pub fn new(executors: BTreeMap<usize, Arc<Executor>>, cost: CostModel) -> Self {
        VirtualBackend {
            now: 0,
            seq: 0,
            launched: Vec::new(),
            queue: BinaryHeap::new(),
            done: BTreeMap::new(),
            executors,
            cost,
        }
    }

    /// Computes every launched task (in parallel) and queues its completion.
    fn compute_launched(&mut self) {
        if self.launched.is_empty() {
            return;
        }
        let tasks = std::mem::take(&mut self.launched);
        let execs = &self.executors;
        let updates: Vec<StatusUpdate> = tasks
            .into_par_iter()
            .map(|t| match execs.get(&t.executor) {
                Some(e) => e.run_task(t),
                None => StatusUpdate {
                    task_id: t.task_id,
                    executor: t.executor,
                    outcome: TaskOutcome::Failed(TaskError::Exception(format!(
                        "no executor exec-{}",
                        t.executor
                    ))),
                    metrics: Default::default(),
                    effects: Default::default(),
                    blocks_read: Vec::new(),
                },
            })
            .collect();
        for u in updates {
            let at = self.now + self.cost.task_duration_us(&u.metrics);
            self.queue.push(Reverse((at, self.seq)));
            self.done.insert(self.seq, u);
            self.seq += 1;
        }
    }

    fn pop(&mut self) -> Option<StatusUpdate> {
        let Reverse((at, seq)) = self.queue.pop()?;
        self.now = self.now.max(at);
        self.done.remove(&seq)
    }
}

impl Backend for VirtualBackend {
    fn now(&self) -> u64 {
        self.now
    }

    fn launch(&mut self, tasks: Vec<TaskDescription>) {
        self.launched.extend(tasks);
    }

    fn wait(&mut self, deadline: Option<u64>) -> Wake {
        // Completions due now go first: the launches they lead to are then computed together.
        if self
            .queue
            .peek()
            .is_some_and(|Reverse((t, _))| *t <= self.now)
        {
            if let Some(u) = self.pop() {
                return Wake::Completed(Box::new(u));
            }
        }
        self.compute_launched();
        let next = self.queue.peek().map(|Reverse((t, _))| *t);
        match (next, deadline) {
            (Some(t), Some(d)) if d < t => {
                self.now = self.now.max(d);
                Wake::Deadline
            }
            (Some(_), _) => match self.pop() {
                Some(u) => Wake::Completed(Box::new(u)),
                None => Wake::Idle,
            },
            (None, Some(d)) => {
                self.now = self.now.max(d);
                Wake::Deadline
            }
            (None, None) => Wake::Idle,
        }
    }

    fn sleep(&mut self, us: u64) {
        self.compute_launched();
        self.now += us;
    }

    fn has_running(&self) -> bool {
        !self.launched.is_empty() || !self.queue.is_empty()
    }
}

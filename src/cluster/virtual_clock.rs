//! The virtual clock: a deterministic discrete-event backend (DESIGN principle 2).
//!
//! Tasks are really computed, on real data; their duration comes from the [`CostModel`] over
//! their metrics, and their status update is delivered at launch time plus that duration: what
//! they produced becomes visible to the driver then, not when their code ran. Launches are
//! computed in batches, in parallel (rayon), just before the clock next moves, so a task sees
//! the executors' state as it was when it was launched; the results are queued in launch order
//! and completions at the same instant are delivered in that order, so nothing about thread
//! timing reaches a decision. Cluster changes are delivered at their time, after the
//! completions due at the same instant.

use super::backend::{Backend, ChangeQueue, ClusterChange, Wake};
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
    /// Computed, by seq: a completion whose seq is no longer here was dropped (its executor
    /// was lost) and is skipped when its time comes.
    done: BTreeMap<u64, StatusUpdate>,
    changes: ChangeQueue,
    executors: BTreeMap<usize, Arc<Executor>>,
    /// Executors that stopped answering (`hang_executor`): what runs on them never reports.
    hung: std::collections::BTreeSet<usize>,
    cost: CostModel,
}

impl VirtualBackend {
    /// A backend with no executors yet, at time 0.
    pub fn new(cost: CostModel) -> Self {
        VirtualBackend {
            now: 0,
            seq: 0,
            launched: Vec::new(),
            queue: BinaryHeap::new(),
            done: BTreeMap::new(),
            changes: ChangeQueue::default(),
            executors: BTreeMap::new(),
            hung: Default::default(),
            cost,
        }
    }

    /// Computes every launched task (in parallel when there are several: handing one task to
    /// the thread pool costs more than a small task) and queues its completion.
    fn compute_launched(&mut self) {
        if self.launched.is_empty() {
            return;
        }
        let mut tasks = std::mem::take(&mut self.launched);
        tasks.retain(|t| !self.hung.contains(&t.executor));
        let execs = &self.executors;
        let run = |t: TaskDescription| match execs.get(&t.executor) {
            Some(e) => e.run_task(t),
            None => StatusUpdate {
                task_id: t.task_id,
                executor: t.executor,
                outcome: TaskOutcome::Failed(TaskError::Exception(format!(
                    "executor {} is not running",
                    t.executor
                ))),
                metrics: Default::default(),
                effects: Default::default(),
                slept_us: 0,
                blocks_read: Vec::new(),
            },
        };
        let updates: Vec<StatusUpdate> = if tasks.len() == 1 {
            tasks.into_iter().map(run).collect()
        } else {
            tasks.into_par_iter().map(run).collect()
        };
        for u in updates {
            let slowdown = self
                .executors
                .get(&u.executor)
                .map_or(1.0, |e| e.slowdown());
            let took = self
                .cost
                .task_duration_us(&u.metrics)
                .saturating_add(u.slept_us);
            let at = self.now + (took as f64 * slowdown).round() as u64;
            self.queue.push(Reverse((at, self.seq)));
            self.done.insert(self.seq, u);
            self.seq += 1;
        }
    }

    /// When the next completion still wanted is due (dropped ones are discarded on the way).
    fn next_completion(&mut self) -> Option<u64> {
        while let Some(Reverse((t, seq))) = self.queue.peek().copied() {
            if self.done.contains_key(&seq) {
                return Some(t);
            }
            self.queue.pop();
        }
        None
    }

    fn pop(&mut self) -> Option<StatusUpdate> {
        self.next_completion()?;
        let Reverse((at, seq)) = self.queue.pop()?;
        self.now = self.now.max(at);
        self.done.remove(&seq)
    }
}

impl Backend for VirtualBackend {
    fn now(&self) -> u64 {
        self.now
    }

    fn add_executor(&mut self, id: usize, executor: Arc<Executor>, _cores: u32) {
        self.executors.insert(id, executor);
    }

    fn remove_executor(&mut self, id: usize) {
        self.executors.remove(&id);
        self.launched.retain(|t| t.executor != id);
        self.done.retain(|_, u| u.executor != id);
    }

    fn hang_executor(&mut self, id: usize) {
        self.hung.insert(id);
        self.launched.retain(|t| t.executor != id);
        self.done.retain(|_, u| u.executor != id);
    }

    fn kill_task(&mut self, task: usize, _executor: usize) {
        let killed = |mut u: StatusUpdate| {
            u.outcome = TaskOutcome::Failed(TaskError::Exception("killed".into()));
            u
        };
        let report = if let Some(i) = self.launched.iter().position(|t| t.task_id == task) {
            let t = self.launched.remove(i);
            Some(StatusUpdate {
                task_id: t.task_id,
                executor: t.executor,
                outcome: TaskOutcome::Failed(TaskError::Exception("killed".into())),
                metrics: Default::default(),
                effects: Default::default(),
                slept_us: 0,
                blocks_read: Vec::new(),
            })
        } else {
            let seq = (self.done.iter())
                .find(|(_, u)| u.task_id == task)
                .map(|(s, _)| *s);
            seq.and_then(|s| self.done.remove(&s)).map(killed)
        };
        if let Some(u) = report {
            self.queue.push(Reverse((self.now, self.seq)));
            self.done.insert(self.seq, u);
            self.seq += 1;
        }
    }

    fn schedule(&mut self, at: u64, change: ClusterChange) {
        self.changes.push(at, change);
    }

    fn launch(&mut self, tasks: Vec<TaskDescription>) {
        self.launched.extend(tasks);
    }

    fn wait(&mut self, deadline: Option<u64>) -> Wake {
        // Completions due now go first: the launches they lead to are then computed together.
        if self.next_completion().is_some_and(|t| t <= self.now) {
            if let Some(u) = self.pop() {
                return Wake::Completed(Box::new(u));
            }
        }
        if let Some(c) = self.changes.pop_due(self.now) {
            return Wake::Cluster(c);
        }
        self.compute_launched();
        let completion = self.next_completion();
        let change = self.changes.next_at();
        let next = [completion, change].into_iter().flatten().min();
        match (next, deadline) {
            (Some(t), Some(d)) if d < t => {
                self.now = self.now.max(d);
                Wake::Deadline
            }
            (Some(t), _) if completion == Some(t) => match self.pop() {
                Some(u) => Wake::Completed(Box::new(u)),
                None => Wake::Idle,
            },
            (Some(t), _) => {
                self.now = self.now.max(t);
                match self.changes.pop_due(self.now) {
                    Some(c) => Wake::Cluster(c),
                    None => Wake::Idle,
                }
            }
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

    fn will_register(&self) -> bool {
        self.changes.has_registration()
    }

    fn has_running(&self) -> bool {
        !self.launched.is_empty() || !self.done.is_empty()
    }
}

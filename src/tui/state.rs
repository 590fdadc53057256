//! The UI's state: a fold over events (DESIGN principle 3).
//!
//! [`Log`] holds every event received so far and what can be derived from the whole log once
//! (each task's span: the indices and times of its start and end). [`UiState`] is what the
//! views draw at one point of the log: jobs, stages and their attempts, executors, the RDD
//! graph, counters. It is small and cheap to clone, because per-task history stays in the log:
//! a task is running at event `i` if its start is before `i` and its end is not. A live run, a
//! replayed log and (later) an imported Spark log all fill the same `Log`, so the views draw
//! them with the same code.

use super::storage_state::StorageState;
use crate::events::status::AppStatus;
use crate::events::{Event, EventKind, Locality, TaskEndReason};
use std::collections::BTreeMap;

/// One task attempt's span over the log.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskSpan {
    pub task: usize,
    pub stage: usize,
    pub attempt: usize,
    pub partition: usize,
    pub executor: String,
    pub locality: Locality,
    /// Index of its `TaskStart` in the log, and its time.
    pub start_idx: usize,
    pub start_us: u64,
    /// Index of its `TaskEnd`, its time and how it ended, once it has.
    pub end: Option<(usize, u64, TaskEndReason)>,
}

/// A fault on the timeline: a `FaultInjected` (what, in words) or an executor's removal.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// Index of its event in the log, and its time.
    pub idx: usize,
    pub time_us: u64,
    pub kind: MarkKind,
}

/// What a [`Mark`] marks.
#[derive(Clone, Debug, PartialEq)]
pub enum MarkKind {
    /// A fault of the plan: `kill_executor exec-2`.
    Fault(String),
    /// An executor left the cluster.
    ExecutorLost(String),
}

/// Every event so far, and the task spans derived from them.
#[derive(Default)]
pub struct Log {
    pub events: Vec<Event>,
    pub tasks: Vec<TaskSpan>,
    /// Faults and executor losses, in order.
    pub marks: Vec<Mark>,
    task_index: BTreeMap<usize, usize>,
    /// Whether the log will not grow (its `AppEnd` arrived, or it was read whole).
    pub complete: bool,
    /// Whether it holds the run's `AppEnd` (a log read whole without one was cut short).
    pub ended: bool,
}

impl Log {
    /// A log of `events` read whole.
    pub fn from_events(events: Vec<Event>) -> Log {
        let mut log = Log::default();
        for e in events {
            log.push(e);
        }
        log.complete = true;
        log
    }

    /// Appends an event.
    pub fn push(&mut self, e: Event) {
        let idx = self.events.len();
        match &e.kind {
            EventKind::TaskStart {
                task,
                stage,
                attempt,
                partition,
                executor,
                locality,
                ..
            } => {
                self.task_index.insert(*task, self.tasks.len());
                self.tasks.push(TaskSpan {
                    task: *task,
                    stage: *stage,
                    attempt: *attempt,
                    partition: *partition,
                    executor: executor.clone(),
                    locality: *locality,
                    start_idx: idx,
                    start_us: e.time_us,
                    end: None,
                });
            }
            EventKind::TaskEnd { task, reason, .. } => {
                if let Some(i) = self.task_index.get(task) {
                    self.tasks[*i].end = Some((idx, e.time_us, *reason));
                }
            }
            EventKind::AppEnd { .. } => {
                self.complete = true;
                self.ended = true;
            }
            EventKind::FaultInjected { kind, target, .. } => self.marks.push(Mark {
                idx,
                time_us: e.time_us,
                kind: MarkKind::Fault(format!("{kind} {target}")),
            }),
            EventKind::ExecutorRemoved { executor, .. } => self.marks.push(Mark {
                idx,
                time_us: e.time_us,
                kind: MarkKind::ExecutorLost(executor.clone()),
            }),
            _ => {}
        }
        self.events.push(e);
    }

    /// The time of the last event.
    pub fn end_us(&self) -> u64 {
        self.events.last().map_or(0, |e| e.time_us)
    }
}

pub use crate::events::status::{
    AttemptState, ExecutorInfo, JobState, JobStatus, StageState, StageStatus,
};

/// What the views draw at one point of the log: the one fold over events every reader shares
/// ([`AppStatus`], which it reads through as its own fields), and the storage the storage view
/// replays.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UiState {
    /// Events applied.
    pub applied: usize,
    /// The run's status after them.
    pub status: AppStatus,
    /// What the block managers hold.
    pub storage: StorageState,
}

impl std::ops::Deref for UiState {
    type Target = AppStatus;
    fn deref(&self) -> &AppStatus {
        &self.status
    }
}

impl UiState {
    /// The state after `events`, folded from the start.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> UiState {
        let mut s = UiState::default();
        for e in events {
            s.apply(e);
        }
        s
    }

    /// How many parts the state holds (RDDs, stages, jobs, executors, blocks): the cost of a
    /// copy of it, in units of about one event's fold.
    pub fn size(&self) -> usize {
        self.status.rdds.len()
            + self.status.stages.len()
            + self.status.jobs.len()
            + self.status.executors.len()
            + self.status.iterations.len()
            + self.storage.size()
    }

    /// Applies the next event.
    pub fn apply(&mut self, e: &Event) {
        self.applied += 1;
        self.status.apply(e);
        self.storage.apply(e);
    }
}

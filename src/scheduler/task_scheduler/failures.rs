//! What fails outside a task's own code, as the [`TaskScheduler`] sees it: an executor that
//! stops (its cores leave the offers at once; its tasks fail, and a shuffle map stage's
//! outputs written there are resubmitted, when its loss reason is known: Spark's
//! `TaskSchedulerImpl.executorLost` and `TaskSetManager.executorLost`), and the failures a
//! fault plan injects into chosen tasks (`fail_task`). Deciding when executors are lost is
//! the driver's business, not this module's.

use super::{Completion, CompletionResult, Running, TaskScheduler, View};
use crate::events::{EventSink, TaskEndReason, TaskMetrics};
use crate::scheduler::task::{StatusUpdate, TaskBinary, TaskOutcome};
use crate::scheduler::ExecutorLoss;
use crate::task_context::TaskError;
use std::collections::BTreeMap;

/// Takes one injected failure of (`stage`, `partition`), if the plan left any: the message
/// its attempt fails with.
pub(super) fn take_injected(
    injected: &mut BTreeMap<(usize, usize), (u32, String)>,
    stage: usize,
    partition: usize,
) -> Option<String> {
    if injected.is_empty() {
        return None;
    }
    let key = (stage, partition);
    let (left, message) = injected.get_mut(&key)?;
    let m = message.clone();
    *left -= 1;
    if *left == 0 {
        injected.remove(&key);
    }
    Some(m)
}

/// An attempt that carried an injected failure ended another way (its executor was lost
/// before it failed, it was killed): the failure is still owed to the task's next attempt, so
/// that `times` failures really happen.
pub(super) fn give_back_unfailed(
    injected: &mut BTreeMap<(usize, usize), (u32, String)>,
    run: &Running,
    outcome: &TaskOutcome,
) {
    let Some(message) = &run.injected else {
        return;
    };
    if matches!(outcome, TaskOutcome::Failed(TaskError::Exception(m)) if m == message) {
        return;
    }
    let e = injected
        .entry((run.stage_id, run.partition))
        .or_insert((0, message.clone()));
    e.0 += 1;
}

impl TaskScheduler {
    /// The next `times` attempts of stage `stage`'s task for `partition` fail as they start,
    /// with `message` (a `fail_task` fault; the failures count toward the task's limit, as
    /// any exception does). Two such faults on one task overlap: the next attempts fail as
    /// long as either says so.
    pub fn inject_failures(&mut self, stage: usize, partition: usize, times: u32, message: &str) {
        if times == 0 {
            return;
        }
        let e = (self.injected_failures)
            .entry((stage, partition))
            .or_insert((0, message.to_string()));
        if times > e.0 {
            *e = (times, message.to_string());
        }
    }

    /// Executor `id` disconnected (its process died; Spark's `disableExecutor`): its cores
    /// are no longer offered, but while its loss reason is pending its running tasks are
    /// neither failed nor run again ("tasks are not re-scheduled while executor loss reason
    /// is pending"). [`Self::executor_lost`] follows when the reason is known.
    pub fn executor_disconnected(&mut self, id: usize) {
        self.remove_cores(id);
    }

    /// Executor `id` is gone (the membership already says so), for `loss`: its cores are no
    /// longer offered; in each running shuffle map task set, when its map outputs go with it
    /// (`outputs_lost`: no external shuffle service), the tasks that succeeded there are
    /// pending again and end `resubmitted`; then each task running on it fails with
    /// `executor_lost`, counting toward the task's failures only when the application caused
    /// the loss. Returns the completions, in that order, for the DAG scheduler.
    pub fn executor_lost(
        &mut self,
        now: u64,
        id: usize,
        loss: &ExecutorLoss,
        outputs_lost: bool,
        events: &mut EventSink,
    ) -> Vec<Completion> {
        self.remove_cores(id);
        self.killed.retain(|_, e| *e != id);
        let membership = self.membership.clone();
        let mut out = Vec::new();
        if outputs_lost {
            let roster = membership.read();
            let view = View {
                roster: &roster,
                racks: self.config.rack_locality,
            };
            for (tsm, ts) in self.task_sets.values_mut() {
                if !matches!(ts.binary, TaskBinary::ShuffleMap(_)) {
                    continue;
                }
                for (index, task_id) in tsm.resubmit_outputs_on(id, &view) {
                    out.push(Completion {
                        task_id,
                        stage_id: ts.stage_id,
                        stage_attempt: ts.stage_attempt,
                        partition: tsm.partition_of(index),
                        executor: id,
                        epoch: ts.epoch,
                        reason: TaskEndReason::Resubmitted,
                        duration_us: 0,
                        metrics: TaskMetrics::default(),
                        result: CompletionResult::Resubmitted,
                        aborted: None,
                    });
                }
            }
        }
        let on_it: Vec<usize> = self
            .running
            .iter()
            .filter(|(_, r)| r.executor == id)
            .map(|(t, _)| *t)
            .collect();
        let name = self.membership.name(id);
        let why = if loss.caused_by_app {
            "exited caused by one of the running tasks"
        } else {
            "exited unrelated to the running tasks"
        };
        for task in on_it {
            let update = StatusUpdate {
                task_id: task,
                executor: id,
                outcome: TaskOutcome::Failed(TaskError::ExecutorLost {
                    message: format!(
                        "ExecutorLostFailure (executor {name} {why}) Reason: {}",
                        loss.message
                    ),
                    caused_by_app: loss.caused_by_app,
                }),
                metrics: TaskMetrics::default(),
                effects: Default::default(),
                slept_us: 0,
                blocks_read: Vec::new(),
            };
            out.extend(self.status_update(now, update, events));
        }
        self.recompute_locality(&membership.read(), now, events);
        out
    }
}

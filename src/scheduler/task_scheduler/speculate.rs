//! The task scheduler's side of speculation (Spark's `TaskSchedulerImpl.checkSpeculatableTasks`
//! and `TaskSetManager.handleSuccessfulTask`'s kills): the periodic check that marks slow
//! tasks in every live task set, and the kill of a task's other copies when one succeeds
//! (`TaskEnd` reason `killed`, "another attempt succeeded", counting no failure), with a kill
//! message for the executor running it. Which tasks are slow is
//! [`Speculatable`](crate::scheduler::speculation::Speculatable)'s business.

use super::TaskScheduler;
use crate::events::{EventKind, EventSink, TaskEndReason, TaskMetrics};
use crate::scheduler::speculation::RunningTask;

impl TaskScheduler {
    /// When the next speculation check is due, if speculation is on and a task runs.
    pub fn next_speculation_check(&self) -> Option<u64> {
        self.speculation_due
    }

    /// Keeps the speculation timer: due every interval while tasks run.
    pub(super) fn schedule_speculation(&mut self, now: u64) {
        let c = &self.config.speculation;
        self.speculation_due = (c.enabled && !self.running.is_empty()).then(|| {
            let every = c.interval_us.max(1);
            self.speculation_due
                .filter(|t| *t > now)
                .unwrap_or((now / every + 1) * every)
        });
    }

    /// Runs the speculation check due at `now`; returns whether it marked a task (an offer
    /// round may then launch a copy).
    pub fn check_speculatable_tasks(&mut self, now: u64) -> bool {
        if self.speculation_due.is_none_or(|t| t > now) {
            return false;
        }
        self.speculation_due = None;
        let config = self.config.speculation.clone();
        let mut marked = false;
        for (key, (tsm, _)) in self.task_sets.iter_mut() {
            if tsm.zombie {
                continue;
            }
            let running: Vec<RunningTask> = (self.running.values())
                .filter(|r| r.key == *key)
                .map(|r| RunningTask {
                    index: r.index,
                    runtime_us: now.saturating_sub(r.launched_at),
                    copies: tsm.copies_running(r.index),
                    succeeded: tsm.succeeded(r.index),
                })
                .collect();
            let n = tsm.len();
            marked |= !tsm.speculation.check(n, running, &config).is_empty();
        }
        self.schedule_speculation(now);
        marked
    }

    /// The tasks whose copy won since the last call (their `TaskEnd`s posted): every other
    /// copy still running is killed.
    pub fn kill_losing_copies(&mut self, now: u64, events: &mut EventSink) {
        for (key, index, winner) in std::mem::take(&mut self.losers) {
            self.kill_other_copies(now, key, index, winner, events);
        }
    }

    /// Task `winner` of task `index` of set `key` succeeded: every other copy still running is
    /// killed.
    fn kill_other_copies(
        &mut self,
        now: u64,
        key: super::TsmKey,
        index: usize,
        winner: usize,
        events: &mut EventSink,
    ) {
        let losers: Vec<usize> = (self.running.iter())
            .filter(|(t, r)| **t != winner && r.key == key && r.index == index)
            .map(|(t, _)| *t)
            .collect();
        for task in losers {
            let Some(r) = self.running.remove(&task) else {
                continue;
            };
            if let Some((tsm, _)) = self.task_sets.get_mut(&r.key) {
                tsm.copy_killed(r.index, task);
            }
            self.killed.insert(task, r.executor);
            self.kills.push((task, r.executor));
            events.emit(
                now,
                EventKind::TaskEnd {
                    task,
                    stage: r.stage_id,
                    attempt: r.stage_attempt,
                    partition: r.partition,
                    executor: self.membership.name(r.executor),
                    reason: TaskEndReason::Killed,
                    duration_us: now.saturating_sub(r.launched_at),
                    metrics: TaskMetrics::default(),
                    error: Some(format!(
                        "another attempt succeeded (task {winner}{})",
                        if r.speculative {
                            "; this was the speculative copy"
                        } else {
                            ""
                        }
                    )),
                    blocks_read: Vec::new(),
                },
            );
        }
    }

    /// Takes the kill messages decided since the last call: `(task, executor)`.
    pub fn take_kills(&mut self) -> Vec<(usize, usize)> {
        std::mem::take(&mut self.kills)
    }
}

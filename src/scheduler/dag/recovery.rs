//! Recovery: fetch failures, lost map outputs, resubmission and aborts (reference §4.3).
//! Part of the [`DagScheduler`].

use super::DagScheduler;
use crate::events::{EventKind, EventSink, SubmitReason};
use crate::lineage::ShuffleId;
use crate::scheduler::dag::DagAction;
use crate::scheduler::stage::JobOutcome;
use crate::scheduler::task_scheduler::Completion;

impl DagScheduler {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn handle_fetch_failed(
        &mut self,
        now: u64,
        c: &Meta,
        shuffle: ShuffleId,
        map: usize,
        executor: Option<usize>,
        message: &str,
        ev: &mut EventSink,
    ) {
        let Some(s) = self.stages.get_mut(&c.stage) else {
            return;
        };
        if s.latest_attempt != c.attempt {
            return; // a late failure from an older attempt
        }
        s.failed_attempt_ids.insert(c.attempt);
        let should_abort = s.failed_attempt_ids.len() >= self.config.max_stage_attempts as usize;
        let failure = format!("FetchFailed(shuffle {shuffle}, map {map}): {message}");
        if self.running.contains(&c.stage) {
            self.mark_stage_as_finished(now, c.stage, Some(failure.clone()), ev);
            self.actions.push(DagAction::Zombify(c.stage));
        }
        let map_stage = self.shuffle_to_stage.get(&shuffle).copied();
        if let Some(e) = executor {
            if self.tracker.unregister_map_output(shuffle, map, e) {
                ev.emit(
                    now,
                    EventKind::MapOutputsLost {
                        shuffle,
                        maps: vec![map],
                        executor: self.membership.name(e),
                    },
                );
            }
        }
        if should_abort {
            let n = self.config.max_stage_attempts;
            let reason = format!(
                "Stage {} has failed the maximum allowable number of times: {n}. Most recent failure reason: {failure}",
                c.stage
            );
            self.abort_stage(now, c.stage, &reason, ev);
        } else {
            for st in std::iter::once(c.stage).chain(map_stage) {
                if let Some(s) = self.stages.get_mut(&st) {
                    s.next_reason = SubmitReason::FetchFailed;
                }
                self.failed.insert(st);
            }
            if self.resubmit_at.is_none() {
                self.resubmit_at = Some(now + self.config.resubmit_timeout_us);
            }
        }
        if let Some(e) = executor {
            self.remove_executor_and_unregister_outputs(now, e, c.epoch, true, ev);
        }
    }

    /// Spark's `removeExecutorAndUnregisterOutputs`: forgets the executor's cached blocks and,
    /// when `files_lost`, its map outputs, once per epoch.
    pub(super) fn remove_executor_and_unregister_outputs(
        &mut self,
        now: u64,
        exec: usize,
        epoch: u64,
        files_lost: bool,
        ev: &mut EventSink,
    ) {
        if self
            .executor_failure_epoch
            .get(&exec)
            .is_none_or(|e| *e < epoch)
        {
            self.executor_failure_epoch.insert(exec, epoch);
            self.master.remove_executor(exec);
            self.clear_cache_locs();
        }
        if files_lost
            && self
                .shuffle_file_lost_epoch
                .get(&exec)
                .is_none_or(|e| *e < epoch)
        {
            self.shuffle_file_lost_epoch.insert(exec, epoch);
            self.unregister_outputs_on(now, exec, ev);
        }
    }

    /// Forgets every map output `exec` holds, posting `MapOutputsLost` per shuffle.
    fn unregister_outputs_on(&mut self, now: u64, exec: usize, ev: &mut EventSink) {
        for (shuffle, maps) in self.tracker.remove_outputs_on_executor(exec) {
            ev.emit(
                now,
                EventKind::MapOutputsLost {
                    shuffle,
                    maps,
                    executor: self.membership.name(exec),
                },
            );
        }
    }

    /// Spark's `removeOutputsOnHost`: the host is gone, and every map output on it with it.
    /// (Each executor's removal bumps the tracker's epoch.)
    pub(super) fn remove_outputs_on_host(&mut self, now: u64, host: &str, ev: &mut EventSink) {
        // Every executor the host ever ran: one lost before may have left its outputs to the
        // host's shuffle service.
        let on_host: Vec<usize> = (self.membership.read().executors())
            .filter(|e| e.host == host)
            .map(|e| e.id)
            .collect();
        for exec in on_host {
            self.unregister_outputs_on(now, exec, ev);
        }
    }

    pub(super) fn resubmit_failed_stages(&mut self, now: u64, ev: &mut EventSink) {
        self.resubmit_at = None;
        self.clear_cache_locs();
        let mut failed: Vec<(usize, usize)> = std::mem::take(&mut self.failed)
            .into_iter()
            .filter_map(|s| self.stages.get(&s).map(|st| (st.first_job_id, s)))
            .collect();
        failed.sort();
        for (_, s) in failed {
            self.submit_stage(now, s, ev);
        }
    }

    /// Fails every job that needs `stage` (Spark's `abortStage`).
    pub fn abort_stage(&mut self, now: u64, stage: usize, reason: &str, ev: &mut EventSink) {
        if !self.stages.contains_key(&stage) {
            return;
        }
        let message = format!("Job aborted due to stage failure: {reason}");
        let jobs: Vec<usize> = self
            .jobs
            .values()
            .filter(|j| j.stages.contains(&stage))
            .map(|j| j.id)
            .collect();
        for job in jobs {
            self.fail_job(now, job, &message, ev);
        }
    }

    /// Spark's `failJobAndIndependentStages`: the job's running stages that no other job needs
    /// fail and their running tasks are killed; the `JobEnd` follows the kills
    /// ([`DagScheduler::end_failed_jobs`]).
    pub(crate) fn fail_job(&mut self, now: u64, job: usize, message: &str, ev: &mut EventSink) {
        let stages = self.job_to_stages.get(&job).cloned().unwrap_or_default();
        for s in stages {
            let only_this = self.stages.get(&s).is_some_and(|st| st.job_ids.len() == 1);
            if !only_this {
                continue;
            }
            if self.running.contains(&s) {
                self.mark_stage_as_finished(now, s, Some(message.to_string()), ev);
            }
            // A stage that already failed (its attempt a zombie) may still have tasks
            // running: they are killed too, so that every task of the job ends before it.
            self.actions.push(DagAction::Kill {
                stage: s,
                reason: format!("Stage cancelled: {message}"),
            });
        }
        self.cleanup_job(job);
        self.ending
            .push((job, JobOutcome::Failed(message.to_string())));
    }
}

pub(super) struct Meta {
    stage: usize,
    attempt: usize,
    epoch: u64,
}

pub(super) fn c_meta(c: &Completion) -> Meta {
    Meta {
        stage: c.stage_id,
        attempt: c.stage_attempt,
        epoch: c.epoch,
    }
}

//! The driver loop: one loop over either [`Backend`], feeding the schedulers.
//!
//! Every turn it posts what the schedulers decided, then takes the next driver event: a task
//! finished (its effects are committed to its executor's stores, then the schedulers hear of
//! it and the freed cores are offered), or a timer came due (the periodic full offer round of
//! `spark.scheduler.revive.interval`, the DAG scheduler's resubmission). Faults, locality
//! timers and speculation checks are driver events too as they arrive, written here once for
//! both clocks.

use super::backend::{Backend, Wake};
use super::executor::Executor;
use super::DriverError;
use crate::events::EventBus;
use crate::scheduler::{Scheduler, StatusUpdate, TaskOutcome};
use crate::task_context::TaskError;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many revive rounds in a row may launch nothing, with nothing running, before the loop
/// declares the job stuck.
const MAX_IDLE_REVIVES: u32 = 100_000;

/// Posts what the schedulers decided.
pub(crate) fn pump(sched: &mut Scheduler, bus: &mut EventBus) {
    for e in sched.drain_events() {
        bus.post_event(e);
    }
}

/// What the loop needs besides the schedulers and the backend.
pub(crate) struct DriverParts<'a> {
    pub executors: &'a BTreeMap<usize, Arc<Executor>>,
    pub revive_interval: u64,
}

/// Commits what a successful task staged into its executor's disk store; drops what a failed
/// task staged. A commit that fails fails the task.
pub(crate) fn apply_effects(u: &mut StatusUpdate, executors: &BTreeMap<usize, Arc<Executor>>) {
    let effects = std::mem::take(&mut u.effects);
    let Some(exec) = executors.get(&u.executor) else {
        return;
    };
    let disk = &exec.env().disk;
    if matches!(u.outcome, TaskOutcome::Failed(_)) {
        for w in effects.disk_writes {
            disk.discard(w);
        }
        return;
    }
    let mut writes = effects.disk_writes.into_iter();
    for w in writes.by_ref() {
        let block = w.block();
        if let Err(e) = disk.commit(w) {
            u.outcome = TaskOutcome::Failed(TaskError::Exception(format!(
                "committing {block} on exec-{}: {e}",
                u.executor
            )));
            break;
        }
    }
    for w in writes {
        disk.discard(w);
    }
}

/// Runs the loop until `done` holds.
pub(crate) fn run_until(
    sched: &mut Scheduler,
    bus: &mut EventBus,
    backend: &mut dyn Backend,
    parts: &DriverParts<'_>,
    done: &dyn Fn(&Scheduler) -> bool,
) -> Result<(), DriverError> {
    let interval = parts.revive_interval.max(1);
    let mut idle_revives = 0u32;
    loop {
        pump(sched, bus);
        if done(sched) {
            return Ok(());
        }
        if sched.take_revive_request() {
            let t = sched.resource_offers(backend.now(), None);
            backend.launch(t);
            continue;
        }
        let now = backend.now();
        let next_revive = sched
            .has_pending_tasks()
            .then(|| (now / interval + 1) * interval);
        let deadline = [next_revive, sched.next_timer()]
            .into_iter()
            .flatten()
            .min();
        match backend.wait(deadline) {
            Wake::Completed(mut u) => {
                idle_revives = 0;
                let now = backend.now();
                apply_effects(&mut u, parts.executors);
                let exec = u.executor;
                sched.status_update(now, *u);
                let t = sched.resource_offers(now, Some(exec));
                backend.launch(t);
            }
            Wake::Deadline => {
                let now = backend.now();
                if sched.next_timer().is_some_and(|t| t <= now) {
                    sched.on_timer(now);
                }
                if next_revive.is_some_and(|t| t <= now) {
                    let t = sched.resource_offers(now, None);
                    if t.is_empty() && !backend.has_running() {
                        idle_revives += 1;
                        if idle_revives > MAX_IDLE_REVIVES {
                            return Err(DriverError::Stalled);
                        }
                    }
                    backend.launch(t);
                }
            }
            Wake::Idle => return Err(DriverError::Stalled),
        }
    }
}

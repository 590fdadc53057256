//! The driver loop: one loop over either [`Backend`], feeding the schedulers.
//!
//! Every turn it posts what the driver decided (the schedulers and storage, in one ordered
//! stream), then takes the next driver event: a task finished (its effects are committed to its
//! executor's stores, then the schedulers hear of it and the freed cores are offered), the
//! cluster changed (an executor registered, or was lost), or a timer came due (the periodic
//! full offer round of `spark.scheduler.revive.interval`, the DAG scheduler's resubmission),
//! or a fault's trigger came (its effects are applied before anything else is decided:
//! [`super::faults`]). Written here once for both clocks.

use super::backend::{Backend, ClusterChange, Wake};
use super::faults;
use super::members::Driver;
use super::parts::lose_executor;
pub(crate) use super::parts::DriverParts;
use super::DriverError;
use crate::events::{EventBus, EventSink};
use crate::scheduler::{Scheduler, StatusUpdate, TaskOutcome};
use crate::task_context::TaskError;

/// How many revive rounds in a row may launch nothing, with nothing running, before the loop
/// declares the job stuck.
const MAX_IDLE_REVIVES: u32 = 100_000;

/// Posts what the driver decided, in order.
pub(crate) fn pump(events: &EventSink, bus: &mut EventBus) {
    bus.post_from(events);
}

/// Applies what a task staged, at its completion: its shuffle files are committed to its
/// executor's disk store (a commit that fails fails the task), then its block puts and reads
/// are applied to the executor's block manager (events into the stream, in order before its
/// `TaskEnd`). A failed task's writes and puts are dropped; its read locks are released. A
/// report from an executor no longer running applies nothing.
pub(crate) fn apply_effects(u: &mut StatusUpdate, parts: &mut DriverParts<'_>, now: u64) {
    let mut effects = std::mem::take(&mut u.effects);
    let Some(exec) = parts.executors.running.get(&u.executor).cloned() else {
        return;
    };
    let disk = &exec.env().disk;
    if matches!(u.outcome, TaskOutcome::Failed(_)) {
        for w in std::mem::take(&mut effects.disk_writes) {
            disk.discard(w);
        }
        apply_storage(u, parts, now, effects);
        return;
    }
    let mut writes = std::mem::take(&mut effects.disk_writes).into_iter();
    for w in writes.by_ref() {
        let block = w.block();
        if let Err(e) = disk.commit(w) {
            u.outcome = TaskOutcome::Failed(TaskError::Exception(format!(
                "committing {block} on {}: {e}",
                parts.executors.membership.name(u.executor)
            )));
            break;
        }
    }
    for w in writes {
        disk.discard(w);
    }
    apply_storage(u, parts, now, effects);
}

fn apply_storage(
    u: &mut StatusUpdate,
    parts: &mut DriverParts<'_>,
    now: u64,
    effects: crate::task_context::TaskEffects,
) {
    let succeeded = !matches!(u.outcome, TaskOutcome::Failed(_));
    let touched = parts
        .storage
        .complete(now, u.executor, u.task_id, succeeded, effects);
    u.blocks_read = touched.iter().map(|b| b.to_string()).collect();
}

/// Launches `tasks`: a task that reads shuffle blocks first reserves their bytes as execution
/// memory on its executor (the buffers its aggregation or sort holds while it runs), which may
/// evict cached blocks that storage borrowed beyond its protected region.
fn launch(
    tasks: Vec<crate::scheduler::TaskDescription>,
    backend: &mut dyn Backend,
    parts: &mut DriverParts<'_>,
) {
    let now = backend.now();
    for t in &tasks {
        let bytes = t.shuffle_inputs.bytes_for(t.partition);
        if bytes > 0 {
            parts
                .storage
                .reserve_execution(now, t.executor, t.task_id, bytes);
        }
    }
    backend.launch(tasks);
}

/// Applies a change in the cluster's membership at the backend's `now`. An executor that
/// registers but cannot start is reported in the returned error.
pub(crate) fn change_cluster(
    change: ClusterChange,
    sched: &mut Scheduler,
    backend: &mut dyn Backend,
    parts: &mut DriverParts<'_>,
) -> Result<(), DriverError> {
    match change {
        ClusterChange::ExecutorRegistered(new) => {
            let now = backend.now();
            let d = Driver {
                sched,
                storage: parts.storage,
                backend,
                events: parts.events,
            };
            parts
                .executors
                .register(now, new, d)
                .map_err(|e| DriverError::ExecutorStart(e.to_string()))?;
        }
        ClusterChange::ExecutorLost { executor, loss } => {
            lose_executor(executor, &loss, sched, backend, parts)
        }
    }
    Ok(())
}

/// Posts what was decided, sends the kill messages, and applies the faults whose triggers
/// came (which may decide more, and trigger more), so that a fault happens before anything
/// else is decided.
fn settle(
    sched: &mut Scheduler,
    bus: &mut EventBus,
    backend: &mut dyn Backend,
    parts: &mut DriverParts<'_>,
) {
    loop {
        pump(parts.events, bus);
        for (task, executor) in sched.take_kills() {
            backend.kill_task(task, executor);
        }
        if !parts.faults.due(backend.now()) {
            return;
        }
        faults::inject_due(sched, backend, parts);
    }
}

/// Runs the loop until `done` holds.
pub(crate) fn run_until(
    sched: &mut Scheduler,
    bus: &mut EventBus,
    backend: &mut dyn Backend,
    parts: &mut DriverParts<'_>,
    done: &dyn Fn(&Scheduler) -> bool,
) -> Result<(), DriverError> {
    let interval = parts.revive_interval.max(1);
    let mut idle_revives = 0u32;
    loop {
        *parts.steps += 1;
        settle(sched, bus, backend, parts);
        if done(sched) {
            return Ok(());
        }
        if sched.take_revive_request() {
            let t = sched.resource_offers(backend.now(), None);
            launch(t, backend, parts);
            continue;
        }
        let now = backend.now();
        // Spark revives every `revive_interval`; a round with no free core launches nothing
        // and changes nothing, so it is taken only when a core is free: the driver's steps
        // then depend on the decisions to make, not on how long tasks run.
        let next_revive = sched
            .wants_revive()
            .then(|| (now / interval + 1) * interval);
        let next_fault = parts.faults.next_time();
        let deadline = [next_revive, sched.next_timer(), next_fault]
            .into_iter()
            .flatten()
            .min();
        match backend.wait(deadline) {
            Wake::Completed(u) if matches!(u.outcome, TaskOutcome::ExecutorExited { .. }) => {
                idle_revives = 0;
                if let TaskOutcome::ExecutorExited { code } = u.outcome {
                    faults::executor_exited(u.executor, code, sched, backend, parts);
                }
            }
            Wake::Completed(mut u) => {
                idle_revives = 0;
                let now = backend.now();
                if sched.was_killed(u.task_id) {
                    // Its job was aborted while it ran: what it staged is dropped.
                    u.outcome = TaskOutcome::Failed(TaskError::Exception("killed".into()));
                }
                apply_effects(&mut u, parts, now);
                let exec = u.executor;
                sched.status_update(now, *u);
                // A stage this completion submitted may trigger a fault before its tasks
                // launch.
                settle(sched, bus, backend, parts);
                let t = sched.resource_offers(now, Some(exec));
                launch(t, backend, parts);
            }
            Wake::Cluster(change) => {
                idle_revives = 0;
                change_cluster(change, sched, backend, parts)?;
            }
            Wake::Deadline => {
                let now = backend.now();
                if sched.next_timer().is_some_and(|t| t <= now) {
                    sched.on_timer(now);
                    settle(sched, bus, backend, parts);
                }
                if next_revive.is_some_and(|t| t <= now) {
                    let t = sched.resource_offers(now, None);
                    if t.is_empty() && !backend.has_running() {
                        idle_revives += 1;
                        if idle_revives > MAX_IDLE_REVIVES {
                            return Err(DriverError::Stalled);
                        }
                    }
                    launch(t, backend, parts);
                }
            }
            Wake::Idle => {
                // A job submitted after the last executor went.
                if !super::parts::abort_if_no_executor_can_come(sched, backend, parts) {
                    return Err(DriverError::Stalled);
                }
            }
        }
    }
}

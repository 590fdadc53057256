//! What a fault does to the cluster, applied by the driver loop the moment its trigger comes
//! (so a fault is a driver event like a task completion, at the same instant on the virtual
//! clock whatever the machine). Each posts `FaultInjected`, then acts as Spark's cluster
//! would act:
//!
//! - `kill_executor`: the process dies; the driver notices at once through the disconnect
//!   (nothing more is offered to it, its tasks wait while the loss reason is pending), and the
//!   reason follows at the same instant: `ExecutorRemoved`, not the application's doing.
//! - `hang_executor`: it stops answering; nothing it runs reports, what it holds cannot be
//!   read, and it is still offered tasks, until `heartbeat_timeout` declares it lost (as
//!   Spark's `HeartbeatReceiver` does, with `ExecutorProcessLost`, which counts against the
//!   tasks that were running there).
//! - `kill_host`: every executor on it, its shuffle files (even under an external shuffle
//!   service) and its DFS blocks.
//! - `lose_block`, `lose_map_output`: the data is gone from the stores, and the driver finds
//!   out as Spark's would: a cached block is recomputed where next needed; a map output's
//!   loss surfaces as a fetch failure.
//! - `fail_task`, `slow_executor`, `add_executor`: the next attempts fail, the executor's
//!   tasks take longer, a new executor registers.
//!
//! Which faults are due is the [`FaultInjector`](crate::faults::FaultInjector)'s business;
//! [`FaultWatch`](crate::faults::FaultWatch) shows it every event the run posts.

use super::backend::ClusterChange;
use super::members::Driver;
use super::parts::DriverParts;
use crate::events::EventKind;
use crate::faults::{Fault, FaultKind};
use crate::membership::NewExecutor;
use crate::scheduler::{ExecutorLoss, Scheduler};
use crate::storage::BlockId;

/// Applies every due fault, at the backend's `now`.
pub(crate) fn inject_due(
    sched: &mut Scheduler,
    backend: &mut dyn super::backend::Backend,
    parts: &mut DriverParts<'_>,
) {
    let now = backend.now();
    let due = parts.faults.with(|f| {
        f.time_reached(now);
        f.take_due()
    });
    for (i, fault) in due {
        inject(i, &fault, now, sched, backend, parts);
    }
}

fn inject(
    i: usize,
    fault: &Fault,
    now: u64,
    sched: &mut Scheduler,
    backend: &mut dyn super::backend::Backend,
    parts: &mut DriverParts<'_>,
) {
    parts.events.emit(
        now,
        EventKind::FaultInjected {
            kind: fault.kind.name().into(),
            target: fault.kind.target(),
            at: fault.at.to_string(),
            fault: Some(i),
        },
    );
    let name = format!("fault[{i}]");
    let alive = |parts: &DriverParts<'_>, e: usize| parts.executors.membership.read().is_alive(e);
    match &fault.kind {
        FaultKind::KillExecutor { executor } => {
            if alive(parts, *executor) {
                let loss = ExecutorLoss {
                    message: format!("Command exited with code 137 (killed by {name})"),
                    caused_by_app: false,
                    worker_lost: false,
                };
                kill(*executor, loss, sched, backend, parts);
            }
        }
        FaultKind::HangExecutor { executor } => {
            if alive(parts, *executor) {
                backend.hang_executor(*executor);
                // Nothing it holds can be read any more: a remote read of its blocks misses
                // (the block is computed again), a fetch of its shuffle files fails (unless
                // its host's shuffle service serves them), as in Spark once the network
                // timeout passes.
                parts.executors.blocks.lost(*executor);
                parts.executors.transfer().executor_lost(*executor);
                let timeout = parts.cluster.heartbeat_timeout_us;
                backend.schedule(
                    now + timeout,
                    ClusterChange::ExecutorLost {
                        executor: *executor,
                        loss: ExecutorLoss {
                            message: format!(
                                "Executor heartbeat timed out after {} ms (hung by {name})",
                                timeout / 1000
                            ),
                            // Spark's `ExecutorProcessLost` from the heartbeat receiver says
                            // the application caused it: it cannot tell.
                            caused_by_app: true,
                            worker_lost: false,
                        },
                    },
                );
            }
        }
        FaultKind::KillHost { host } => {
            let host = crate::membership::host_name(*host);
            let on_host: Vec<usize> = (parts.executors.membership.read())
                .executors_on_host(&host)
                .collect();
            parts.executors.dfs().host_lost(&host);
            for e in on_host {
                let loss = ExecutorLoss {
                    message: format!("Worker {host} lost (killed by {name})"),
                    caused_by_app: false,
                    worker_lost: true,
                };
                kill(e, loss, sched, backend, parts);
            }
        }
        FaultKind::LoseBlock { block, executor } => {
            parts.storage.lose_block(now, *block, *executor);
        }
        FaultKind::LoseMapOutput { shuffle, map } => {
            if let Some(exec) = sched.dag.map_output_executor(*shuffle, *map) {
                if let Ok(store) = parts.executors.transfer().store(exec) {
                    let (shuffle, map) = (*shuffle, *map);
                    store.remove(BlockId::ShuffleIndex { shuffle, map });
                    store.remove(BlockId::ShuffleData { shuffle, map });
                }
            }
        }
        FaultKind::FailTask {
            stage,
            partition,
            times,
        } => sched.inject_failures(
            *stage,
            *partition,
            *times,
            &format!("injected failure ({name} fail_task)"),
        ),
        FaultKind::SlowExecutor { executor, factor } => {
            if let Some(e) = parts.executors.running.get(executor) {
                e.set_slowdown(*factor);
            }
        }
        FaultKind::AddExecutor { host, cores } => {
            let spec = parts.cluster;
            let rack = spec.rack_of(*host).unwrap_or_else(|| "rack-0".into());
            let new = NewExecutor::new(
                &crate::membership::host_name(*host),
                &rack,
                cores.unwrap_or(spec.cores_per_executor),
                spec.storage_memory,
            );
            backend.schedule(now, ClusterChange::ExecutorRegistered(new));
        }
    }
}

/// Executor `e`'s process is gone: the driver notices the disconnect (it is offered
/// nothing more, and its tasks wait while the loss reason is pending), and the reason follows
/// at the same instant on ember's clocks (Spark's cluster manager sends it moments later).
fn kill(
    e: usize,
    loss: ExecutorLoss,
    sched: &mut Scheduler,
    backend: &mut dyn super::backend::Backend,
    parts: &mut DriverParts<'_>,
) {
    parts.executors.disconnect(
        e,
        Driver {
            sched,
            storage: parts.storage,
            backend,
            events: parts.events,
        },
    );
    super::parts::lose_executor(e, &loss, sched, backend, parts);
}

/// A task's code halted executor `e` (exit `code`): the application's doing.
pub(crate) fn executor_exited(
    e: usize,
    code: i32,
    sched: &mut Scheduler,
    backend: &mut dyn super::backend::Backend,
    parts: &mut DriverParts<'_>,
) {
    let loss = ExecutorLoss {
        message: format!("Command exited with code {code}"),
        caused_by_app: true,
        worker_lost: false,
    };
    kill(e, loss, sched, backend, parts);
}

//! What the driver loop hands to what it calls ([`DriverParts`]: the executors, storage's
//! endpoint, the event stream, the fault plan, the cluster's shape), and the one thing a lost
//! executor does whoever noticed it (the loop, or a fault): it is removed, and if no executor
//! is left and none can come, the active jobs are aborted. The loop itself is
//! [`super::driver`]; what faults do is [`super::faults`].

use super::backend::Backend;
use super::block_updates::BlockManagerMasterEndpoint;
use super::members::{Driver, Executors};
use super::topology::ClusterSpec;
use crate::events::EventSink;
use crate::faults::FaultWatch;
use crate::scheduler::{ExecutorLoss, Scheduler};

/// What the loop needs besides the schedulers and the backend.
pub(crate) struct DriverParts<'a> {
    pub executors: &'a mut Executors,
    /// Storage's place beside the schedulers.
    pub storage: &'a mut BlockManagerMasterEndpoint,
    /// The driver's one stream of decisions.
    pub events: &'a EventSink,
    pub revive_interval: u64,
    /// Turns of the loop so far (each a wake: a completion, a timer, an offer round).
    pub steps: &'a mut u64,
    /// The run's fault plan, watching the events.
    pub faults: &'a FaultWatch,
    /// The cluster's shape: what an added executor gets, how long a heartbeat may be missed.
    pub cluster: &'a ClusterSpec,
}

/// Executor `executor` is lost for `loss` at the backend's `now`. When no executor is left
/// and none is to come (none scheduled to register, no `add_executor` fault still to come
/// by time), the active jobs are aborted: Spark would wait for ever.
pub(crate) fn lose_executor(
    executor: usize,
    loss: &ExecutorLoss,
    sched: &mut Scheduler,
    backend: &mut dyn Backend,
    parts: &mut DriverParts<'_>,
) {
    let now = backend.now();
    let d = Driver {
        sched,
        storage: parts.storage,
        backend,
        events: parts.events,
    };
    parts.executors.lose(now, executor, loss, d);
    abort_if_no_executor_can_come(sched, backend, parts);
}

/// When no executor is alive and none is to come (none scheduled to register, no
/// `add_executor` fault still to come by time), aborts the active jobs: Spark would wait for
/// ever. Returns whether it did.
pub(crate) fn abort_if_no_executor_can_come(
    sched: &mut Scheduler,
    backend: &mut dyn Backend,
    parts: &mut DriverParts<'_>,
) -> bool {
    if parts.executors.any_alive()
        || backend.will_register()
        || parts.faults.with(|f| f.will_add_executor())
        || sched.dag.active_jobs().is_empty()
    {
        return false;
    }
    let lost = parts.executors.membership.executors().len();
    let lost = if lost == 1 {
        "the only one was lost".to_string()
    } else {
        format!("all {lost} were lost")
    };
    sched.abort_all_jobs(
        backend.now(),
        &format!(
            "no executor is left ({lost}) and none is to be added; \
             Spark would wait for executors for ever"
        ),
    );
    true
}

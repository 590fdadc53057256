//! The virtual-clock driver: a deterministic discrete-event loop (DESIGN principle 2).
//!
//! Tasks are really computed, at launch, on real data; their duration comes from the
//! [`CostModel`] over their metrics, and their status update is delivered at launch time plus
//! that duration, so their outputs become visible to the driver then. Events at the same
//! instant are taken in the order they were queued. The tasks of one offer round are computed
//! in parallel (rayon), but their results are queued in launch order, so nothing about thread
//! timing reaches a decision.

use super::cost::CostModel;
use super::executor::Executor;
use super::{pump, DriverError};
use crate::events::EventBus;
use crate::scheduler::{Scheduler, StatusUpdate, TaskDescription};
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

/// How many revive rounds in a row may launch nothing, with nothing running, before the loop
/// declares the job stuck.
const MAX_IDLE_REVIVES: u32 = 100_000;

/// The discrete-event loop.
pub struct VirtualDriver {
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    pending: BTreeMap<u64, StatusUpdate>,
    executors: BTreeMap<usize, Arc<Executor>>,
    cost: CostModel,
    revive_interval: u64,
}

impl VirtualDriver {
    /// A loop over `executors`, starting at time 0.
    pub fn new(
        executors: BTreeMap<usize, Arc<Executor>>,
        cost: CostModel,
        revive_interval: u64,
    ) -> Self {
        VirtualDriver {
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            pending: BTreeMap::new(),
            executors,
            cost,
            revive_interval: revive_interval.max(1),
        }
    }

    /// The current virtual time, µs.
    pub fn now(&self) -> u64 {
        self.now
    }

    fn launch(&mut self, tasks: Vec<TaskDescription>) {
        if tasks.is_empty() {
            return;
        }
        let execs = &self.executors;
        let updates: Vec<StatusUpdate> = tasks
            .into_par_iter()
            .map(|t| match execs.get(&t.executor) {
                Some(e) => e.run_task(t),
                None => StatusUpdate {
                    task_id: t.task_id,
                    executor: t.executor,
                    outcome: crate::scheduler::TaskOutcome::Failed(
                        crate::task_context::TaskError::Exception(format!(
                            "no executor exec-{}",
                            t.executor
                        )),
                    ),
                    metrics: Default::default(),
                },
            })
            .collect();
        for u in updates {
            let at = self.now + self.cost.task_duration_us(&u.metrics);
            self.queue.push(Reverse((at, self.seq)));
            self.pending.insert(self.seq, u);
            self.seq += 1;
        }
    }

    /// Runs the loop until `done` holds.
    pub fn run_until(
        &mut self,
        sched: &mut Scheduler,
        bus: &mut EventBus,
        done: &dyn Fn(&Scheduler) -> bool,
    ) -> Result<(), DriverError> {
        let mut idle_revives = 0u32;
        loop {
            pump(sched, bus);
            if done(sched) {
                return Ok(());
            }
            if sched.take_revive_request() {
                let t = sched.resource_offers(self.now, None);
                self.launch(t);
                continue;
            }
            let next_task = self.queue.peek().map(|Reverse((t, _))| *t);
            let next_timer = sched.next_timer();
            let next_revive = if sched.has_pending_tasks() {
                Some((self.now / self.revive_interval + 1) * self.revive_interval)
            } else {
                None
            };
            let Some(next) = [next_task, next_timer, next_revive]
                .into_iter()
                .flatten()
                .min()
            else {
                return Err(DriverError::Stalled);
            };
            self.now = self.now.max(next);
            if next_task == Some(next) {
                // Every completion due now, then one batch of launches: the batch is computed in
                // parallel, and queued in launch order.
                let mut launches = Vec::new();
                while let Some(Reverse((t, seq))) = self.queue.peek().copied() {
                    if t != self.now {
                        break;
                    }
                    self.queue.pop();
                    if let Some(u) = self.pending.remove(&seq) {
                        let exec = u.executor;
                        sched.status_update(self.now, u);
                        launches.extend(sched.resource_offers(self.now, Some(exec)));
                    }
                }
                self.launch(launches);
                idle_revives = 0;
            } else if next_timer == Some(next) {
                sched.on_timer(self.now);
            } else {
                let t = sched.resource_offers(self.now, None);
                if t.is_empty() && self.queue.is_empty() {
                    idle_revives += 1;
                    if idle_revives > MAX_IDLE_REVIVES {
                        return Err(DriverError::Stalled);
                    }
                }
                self.launch(t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster::{ClusterSpec, CostModel};
    use crate::events::{EventKind, EventRecorder};
    use crate::Context;

    #[test]
    fn task_durations_on_the_virtual_clock_come_from_the_cost_model() {
        let cost = CostModel {
            task_launch_us: 1_000.0,
            cpu_per_record_us: 10.0,
            ..CostModel::default()
        };
        let rec = EventRecorder::new();
        let ctx = Context::builder()
            .cluster(ClusterSpec::flat(2, 1))
            .cost(cost.clone())
            .listener(rec.clone())
            .build()
            .expect("context");
        ctx.parallelize((0..40u32).collect(), 4)
            .count()
            .expect("job");
        let mut starts = std::collections::BTreeMap::new();
        let mut ends = 0;
        for e in rec.events() {
            match e.kind {
                EventKind::TaskStart { task, .. } => {
                    starts.insert(task, e.time_us);
                }
                EventKind::TaskEnd {
                    task,
                    duration_us,
                    metrics,
                    ..
                } => {
                    assert_eq!(duration_us, cost.task_duration_us(&metrics));
                    assert_eq!(
                        e.time_us,
                        starts[&task] + duration_us,
                        "visible at completion"
                    );
                    ends += 1;
                }
                _ => {}
            }
        }
        assert_eq!(ends, 4);
        // 10 records each: 1,000 + 10 * 10 µs; two one-core executors run two waves.
        assert_eq!(ctx.now_us(), 2 * 1_100);
    }
}

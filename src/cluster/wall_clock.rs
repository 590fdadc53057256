//! The wall-clock driver: executors are real thread pools and tasks take the time they take.
//!
//! Each executor has one worker thread per core, fed through a channel of task descriptions;
//! workers send status updates back on one channel to the driver loop, which stamps them with
//! the time elapsed since the run started and hands them to the same schedulers the virtual
//! clock uses. Revive rounds and the DAG scheduler's timers are real waits.

use super::executor::Executor;
use super::{pump, DriverError};
use crate::events::EventBus;
use crate::scheduler::{Scheduler, StatusUpdate, TaskDescription};
use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a thread that expects work soon spins before it blocks: a futex wake-up costs tens
/// of microseconds on a small VM, more than a trivial task takes.
const SPIN: Duration = Duration::from_micros(50);

/// Waits for a message, spinning for [`SPIN`] first, then blocking up to `timeout`.
fn recv_soon<T>(rx: &Receiver<T>, timeout: Duration) -> Result<T, RecvTimeoutError> {
    let start = Instant::now();
    loop {
        match rx.try_recv() {
            Ok(v) => return Ok(v),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                return Err(RecvTimeoutError::Disconnected)
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
        }
        let spent = start.elapsed();
        if spent >= SPIN || spent >= timeout {
            return rx.recv_timeout(timeout.saturating_sub(spent));
        }
        std::hint::spin_loop();
    }
}

struct Pool {
    tasks: Option<Sender<TaskDescription>>,
    threads: Vec<JoinHandle<()>>,
}

/// The thread-pool driver.
pub struct WallDriver {
    start: Instant,
    pools: BTreeMap<usize, Pool>,
    updates: Receiver<StatusUpdate>,
    revive_interval: u64,
}

impl WallDriver {
    /// Starts `cores` worker threads for each executor; time 0 is now.
    pub fn new(executors: BTreeMap<usize, (Arc<Executor>, u32)>, revive_interval: u64) -> Self {
        let (tx, updates) = channel::<StatusUpdate>();
        let mut pools = BTreeMap::new();
        for (id, (exec, cores)) in executors {
            let (task_tx, task_rx) = channel::<TaskDescription>();
            let task_rx = Arc::new(Mutex::new(task_rx));
            let threads = (0..cores.max(1))
                .map(|_| {
                    let (rx, tx, exec) = (task_rx.clone(), tx.clone(), exec.clone());
                    std::thread::spawn(move || loop {
                        let next = match rx.lock() {
                            Ok(r) => loop {
                                match recv_soon(&r, Duration::from_secs(3600)) {
                                    Err(RecvTimeoutError::Timeout) => continue,
                                    other => break other,
                                }
                            },
                            Err(_) => return,
                        };
                        let Ok(task) = next else { return };
                        if tx.send(exec.run_task(task)).is_err() {
                            return;
                        }
                    })
                })
                .collect();
            pools.insert(
                id,
                Pool {
                    tasks: Some(task_tx),
                    threads,
                },
            );
        }
        WallDriver {
            start: Instant::now(),
            pools,
            updates,
            revive_interval: revive_interval.max(1),
        }
    }

    /// Microseconds since the run started.
    pub fn now(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn launch(&self, tasks: Vec<TaskDescription>) {
        for t in tasks {
            if let Some(tx) = self.pools.get(&t.executor).and_then(|p| p.tasks.as_ref()) {
                let _ = tx.send(t);
            }
        }
    }

    /// Runs the loop until `done` holds.
    pub fn run_until(
        &mut self,
        sched: &mut Scheduler,
        bus: &mut EventBus,
        done: &dyn Fn(&Scheduler) -> bool,
    ) -> Result<(), DriverError> {
        let mut next_revive = self.now() + self.revive_interval;
        loop {
            pump(sched, bus);
            if done(sched) {
                return Ok(());
            }
            if sched.take_revive_request() {
                let t = sched.resource_offers(self.now(), None);
                self.launch(t);
                continue;
            }
            let now = self.now();
            let deadline = [Some(next_revive), sched.next_timer()]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(next_revive);
            let wait = Duration::from_micros(deadline.saturating_sub(now));
            match recv_soon(&self.updates, wait) {
                Ok(u) => {
                    let exec = u.executor;
                    sched.status_update(self.now(), u);
                    let t = sched.resource_offers(self.now(), Some(exec));
                    self.launch(t);
                }
                Err(RecvTimeoutError::Timeout) => {
                    let now = self.now();
                    if sched.next_timer().is_some_and(|t| t <= now) {
                        sched.on_timer(now);
                    }
                    if now >= next_revive {
                        next_revive = now + self.revive_interval;
                        let t = sched.resource_offers(now, None);
                        self.launch(t);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Err(DriverError::Stalled),
            }
        }
    }
}

impl Drop for WallDriver {
    fn drop(&mut self) {
        for p in self.pools.values_mut() {
            p.tasks = None;
        }
        for p in self.pools.values_mut() {
            for t in p.threads.drain(..) {
                let _ = t.join();
            }
        }
    }
}

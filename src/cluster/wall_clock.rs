//! The wall clock: executors are real thread pools and tasks take the time they take.
//!
//! Each executor has one worker thread per core, fed through a channel of task descriptions;
//! workers send status updates back on one channel, and a wait is a real wait on it, up to the
//! driver's next deadline.

use super::backend::{Backend, Wake};
use super::executor::Executor;
use crate::scheduler::{StatusUpdate, TaskDescription};
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

/// The thread-pool backend.
pub struct WallBackend {
    start: Instant,
    pools: BTreeMap<usize, Pool>,
    updates: Receiver<StatusUpdate>,
    running: usize,
}

impl WallBackend {
    /// Starts `cores` worker threads for each executor; time 0 is now.
    pub fn new(executors: BTreeMap<usize, (Arc<Executor>, u32)>) -> Self {
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
        WallBackend {
            start: Instant::now(),
            pools,
            updates,
            running: 0,
        }
    }
}

impl Backend for WallBackend {
    fn now(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn launch(&mut self, tasks: Vec<TaskDescription>) {
        for t in tasks {
            if let Some(tx) = self.pools.get(&t.executor).and_then(|p| p.tasks.as_ref()) {
                if tx.send(t).is_ok() {
                    self.running += 1;
                }
            }
        }
    }

    fn wait(&mut self, deadline: Option<u64>) -> Wake {
        let wait = match deadline {
            Some(d) => Duration::from_micros(d.saturating_sub(self.now())),
            None if self.running == 0 => return Wake::Idle,
            None => Duration::from_secs(3600),
        };
        match recv_soon(&self.updates, wait) {
            Ok(u) => {
                self.running = self.running.saturating_sub(1);
                Wake::Completed(Box::new(u))
            }
            Err(RecvTimeoutError::Timeout) => Wake::Deadline,
            Err(RecvTimeoutError::Disconnected) => Wake::Idle,
        }
    }

    fn sleep(&mut self, _us: u64) {}

    fn has_running(&self) -> bool {
        self.running > 0
    }
}

impl Drop for WallBackend {
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

//! The wall clock: executors are real thread pools and tasks take the time they take.
//!
//! Each executor has one worker thread per core, fed through a channel of task descriptions;
//! workers send status updates back on one channel, and a wait is a real wait on it, up to the
//! driver's next deadline or the next scheduled cluster change. An executor registers by
//! starting its pool; a lost one's pool is closed (a task it is running still reports, and the
//! scheduler, which no longer counts it as running, discards the report).

use super::backend::{Backend, ChangeQueue, ClusterChange, Wake};
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
    exec: Arc<Executor>,
}

/// The thread-pool backend.
pub struct WallBackend {
    start: Instant,
    pools: BTreeMap<usize, Pool>,
    /// Pools of lost executors, joined at the end.
    closed: Vec<Pool>,
    updates: Receiver<StatusUpdate>,
    report: Sender<StatusUpdate>,
    changes: ChangeQueue,
    running: usize,
    /// Executors that stopped answering: their reports are dropped.
    hung: std::collections::BTreeSet<usize>,
}

impl Default for WallBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl WallBackend {
    /// A backend with no executors yet; time 0 is now.
    pub fn new() -> Self {
        let (report, updates) = channel::<StatusUpdate>();
        WallBackend {
            start: Instant::now(),
            pools: BTreeMap::new(),
            closed: Vec::new(),
            updates,
            report,
            changes: ChangeQueue::default(),
            running: 0,
            hung: Default::default(),
        }
    }

    /// The next cluster change, if it is due (the clock is read only when one is scheduled).
    fn due_change(&mut self) -> Option<ClusterChange> {
        self.changes.next_at()?;
        let now = self.now();
        self.changes.pop_due(now)
    }

    /// Starts `cores` worker threads for `exec`.
    fn start_pool(&self, exec: Arc<Executor>, cores: u32) -> Pool {
        let tx = self.report.clone();
        let runner = exec.clone();
        {
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
            Pool {
                tasks: Some(task_tx),
                threads,
                exec: runner,
            }
        }
    }
}

impl Backend for WallBackend {
    fn now(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn add_executor(&mut self, id: usize, executor: Arc<Executor>, cores: u32) {
        let pool = self.start_pool(executor, cores);
        if let Some(mut old) = self.pools.insert(id, pool) {
            old.tasks = None;
            self.closed.push(old);
        }
    }

    fn remove_executor(&mut self, id: usize) {
        if let Some(mut p) = self.pools.remove(&id) {
            p.tasks = None;
            self.closed.push(p);
        }
    }

    fn hang_executor(&mut self, id: usize) {
        self.hung.insert(id);
    }

    fn kill_task(&mut self, task: usize, executor: usize) {
        if let Some(p) = self.pools.get(&executor) {
            p.exec.kill(task);
        }
    }

    fn schedule(&mut self, at: u64, change: ClusterChange) {
        self.changes.push(at, change);
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
        if let Some(c) = self.due_change() {
            return Wake::Cluster(c);
        }
        let change = self.changes.next_at();
        let until = [deadline, change].into_iter().flatten().min();
        let wait = match until {
            Some(d) => Duration::from_micros(d.saturating_sub(self.now())),
            None if self.running == 0 => return Wake::Idle,
            None => Duration::from_secs(3600),
        };
        match recv_soon(&self.updates, wait) {
            Ok(u) => {
                self.running = self.running.saturating_sub(1);
                if self.hung.contains(&u.executor) {
                    // A hung executor's report never reaches the driver.
                    return self.wait(deadline);
                }
                Wake::Completed(Box::new(u))
            }
            Err(RecvTimeoutError::Timeout) => match self.due_change() {
                Some(c) => Wake::Cluster(c),
                None => Wake::Deadline,
            },
            Err(RecvTimeoutError::Disconnected) => Wake::Idle,
        }
    }

    fn sleep(&mut self, _us: u64) {}

    fn will_register(&self) -> bool {
        self.changes.has_registration()
    }

    fn has_running(&self) -> bool {
        self.running > 0
    }
}

impl Drop for WallBackend {
    fn drop(&mut self) {
        for p in self.pools.values_mut() {
            p.tasks = None;
        }
        for p in self.pools.values_mut().chain(self.closed.iter_mut()) {
            for t in p.threads.drain(..) {
                let _ = t.join();
            }
        }
    }
}

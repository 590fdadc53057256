//! An executor: runs task descriptions and answers with status updates.
//!
//! This is the executor side of the boundary in [`crate::scheduler::task`]: it receives a
//! [`TaskDescription`], computes it (a shuffle map task stages its output in the executor's
//! disk store, a result task returns its value) and reports a [`StatusUpdate`] with the task's
//! metrics and its staged effects, which the driver applies at the task's completion. A panic
//! in user code is a failed task, not a crashed executor. It knows nothing of stages or
//! scheduling.

use crate::scheduler::{StatusUpdate, TaskBinary, TaskDescription, TaskOutcome};
use crate::task_context::{
    CurrentTask, ExecutorEnv, ExecutorHalt, TaskContext, TaskError, TaskIdentity, TaskKilled,
};
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One executor's task runner.
pub struct Executor {
    env: Arc<ExecutorEnv>,
    /// How many times longer its tasks take (a `slow_executor` fault), as `f64` bits.
    slowdown: std::sync::atomic::AtomicU64,
    /// The kill flags of the tasks it runs, by task id.
    running: std::sync::Mutex<std::collections::BTreeMap<usize, Arc<AtomicBool>>>,
}

impl Executor {
    /// An executor with the services of `env`.
    pub fn new(env: ExecutorEnv) -> Self {
        Executor {
            env: Arc::new(env),
            slowdown: std::sync::atomic::AtomicU64::new(1f64.to_bits()),
            running: Default::default(),
        }
    }

    /// A kill message for `task`: if it runs here, it stops at its next record chunk or
    /// sleep, and reports as killed.
    pub fn kill(&self, task: usize) {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(flag) = running.get(&task) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Makes its tasks take `factor` times as long from now on: on the virtual clock their
    /// durations are multiplied, on the wall clock each task sleeps the difference when its
    /// work is done.
    pub fn set_slowdown(&self, factor: f64) {
        self.slowdown
            .store(factor.to_bits(), std::sync::atomic::Ordering::Relaxed);
    }

    /// How many times longer its tasks take (1 unless a fault slowed it).
    pub fn slowdown(&self) -> f64 {
        f64::from_bits(self.slowdown.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// The executor's id.
    pub fn id(&self) -> usize {
        self.env.executor
    }

    /// The executor's services (its disk store among them).
    pub fn env(&self) -> &ExecutorEnv {
        &self.env
    }

    /// Runs one task to the end. A task carrying an injected failure fails as it starts; one
    /// whose code halts the executor reports [`TaskOutcome::ExecutorExited`].
    pub fn run_task(&self, desc: TaskDescription) -> StatusUpdate {
        if let Some(message) = desc.fail_with.clone() {
            return StatusUpdate {
                task_id: desc.task_id,
                executor: self.env.executor,
                outcome: TaskOutcome::Failed(TaskError::Exception(message)),
                metrics: Default::default(),
                effects: Default::default(),
                slept_us: 0,
                blocks_read: Vec::new(),
            };
        }
        let killed = Arc::new(AtomicBool::new(false));
        (self.running.lock().unwrap_or_else(|p| p.into_inner()))
            .insert(desc.task_id, killed.clone());
        let flag = killed.clone();
        let tc = TaskContext::new(
            TaskIdentity {
                task_id: desc.task_id,
                stage_id: desc.stage_id,
                stage_attempt: desc.stage_attempt,
                partition: desc.partition,
                attempt_number: desc.attempt_number,
            },
            self.env.clone(),
            desc.shuffle_inputs.clone(),
            killed,
        );
        let _current = CurrentTask::enter(&tc);
        let started = (!self.env.measure_sizes).then(std::time::Instant::now);
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| match &desc.binary {
            TaskBinary::ShuffleMap(dep) => {
                let sid = dep
                    .shuffle_id()
                    .ok_or_else(|| TaskError::Exception("shuffle has no id".into()))?;
                dep.writer()
                    .write(&tc, sid, desc.partition)
                    .map(TaskOutcome::MapOutput)
            }
            TaskBinary::Result(func) => func.run(&tc, desc.partition).map(TaskOutcome::Result),
        }));
        let outcome = match run {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => TaskOutcome::Failed(e),
            Err(p) => match p.downcast_ref::<ExecutorHalt>() {
                Some(ExecutorHalt(code)) => TaskOutcome::ExecutorExited { code: *code },
                None if p.is::<TaskKilled>() => {
                    TaskOutcome::Failed(TaskError::Exception("killed".into()))
                }
                None => TaskOutcome::Failed(TaskError::Exception(panic_message(&p))),
            },
        };
        let slowdown = self.slowdown();
        let mut outcome = outcome;
        if let Some(started) = started.filter(|_| slowdown > 1.0) {
            // A slow executor: the rest of the task's time, in slices, so that a kill message
            // still stops it.
            let end = std::time::Instant::now() + started.elapsed().mul_f64(slowdown - 1.0);
            while std::time::Instant::now() < end {
                if flag.load(Ordering::Relaxed) {
                    outcome = TaskOutcome::Failed(TaskError::Exception("killed".into()));
                    break;
                }
                let left = end.saturating_duration_since(std::time::Instant::now());
                std::thread::sleep(left.min(std::time::Duration::from_millis(10)));
            }
        }
        (self.running.lock().unwrap_or_else(|p| p.into_inner())).remove(&desc.task_id);
        StatusUpdate {
            task_id: desc.task_id,
            executor: self.env.executor,
            outcome,
            metrics: tc.metrics(),
            effects: tc.take_effects(),
            slept_us: tc.slept_us(),
            blocks_read: Vec::new(),
        }
    }
}

/// The text of a caught panic.
fn panic_message(p: &Box<dyn Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "task panicked".to_string()
    }
}

//! An executor: runs task descriptions and answers with status updates.
//!
//! This is the executor side of the boundary in [`crate::scheduler::task`]: it receives a
//! [`TaskDescription`], computes it (a shuffle map task stages its output in the executor's
//! disk store, a result task returns its value) and reports a [`StatusUpdate`] with the task's
//! metrics and its staged effects, which the driver applies at the task's completion. A panic
//! in user code is a failed task, not a crashed executor. It knows nothing of stages or
//! scheduling.

use crate::scheduler::{StatusUpdate, TaskBinary, TaskDescription, TaskOutcome};
use crate::task_context::{CurrentTask, ExecutorEnv, TaskContext, TaskError, TaskIdentity};
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

/// One executor's task runner.
pub struct Executor {
    env: Arc<ExecutorEnv>,
}

impl Executor {
    /// An executor with the services of `env`.
    pub fn new(env: ExecutorEnv) -> Self {
        Executor { env: Arc::new(env) }
    }

    /// The executor's id.
    pub fn id(&self) -> usize {
        self.env.executor
    }

    /// The executor's services (its disk store among them).
    pub fn env(&self) -> &ExecutorEnv {
        &self.env
    }

    /// Runs one task to the end.
    pub fn run_task(&self, desc: TaskDescription) -> StatusUpdate {
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
        );
        let _current = CurrentTask::enter(&tc);
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
            Err(p) => TaskOutcome::Failed(TaskError::Exception(panic_message(&p))),
        };
        StatusUpdate {
            task_id: desc.task_id,
            executor: self.env.executor,
            outcome,
            metrics: tc.metrics(),
            effects: tc.take_effects(),
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

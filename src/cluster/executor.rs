//! An executor: runs task descriptions and answers with status updates.
//!
//! This is the executor side of the boundary in [`crate::scheduler::task`]: it receives a
//! [`TaskDescription`], computes it (a shuffle map task writes its files into the executor's
//! work folder, a result task returns its value) and reports a [`StatusUpdate`] with the task's
//! metrics. A panic in user code is a failed task, not a crashed executor. It knows nothing of
//! stages or scheduling.

use crate::rdd::actions::panic_message;
use crate::scheduler::{StatusUpdate, TaskBinary, TaskDescription, TaskOutcome};
use crate::shuffle::BlockTransferService;
use crate::task_context::{CurrentTask, TaskContext, TaskError, TaskIdentity};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

/// One executor's task runner.
pub struct Executor {
    pub id: usize,
    pub host: String,
    /// The executor's work folder.
    pub dir: PathBuf,
    transfer: Arc<BlockTransferService>,
}

impl Executor {
    /// An executor whose files live in `dir` (created if missing).
    pub fn new(
        id: usize,
        host: String,
        dir: PathBuf,
        transfer: Arc<BlockTransferService>,
    ) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        transfer.register(id, dir.clone());
        Ok(Executor {
            id,
            host,
            dir,
            transfer,
        })
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
            self.id,
            self.host.clone(),
            self.dir.clone(),
            desc.shuffle_inputs.clone(),
            self.transfer.clone(),
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
            executor: self.id,
            outcome,
            metrics: tc.metrics(),
        }
    }
}

//! What checkpointing records on an RDD (reference §4.5): the mark `checkpoint()` or
//! `local_checkpoint()` leaves, and, once the checkpoint is written, the checkpoint RDD its
//! lineage now ends in. Writing and reading the data is the typed API's and the context's
//! work; this is the state the lineage methods read.

use super::RddNode;
use crate::storage::BlockCodec;
use crate::task_context::{TaskContext, TaskError};
use std::sync::Arc;

/// Computes partition `p` of the marked RDD inside the checkpoint job: returns it encoded (a
/// reliable checkpoint's file contents), or nothing (a local checkpoint, whose partitions are
/// stored by the block manager as they are computed). Made by the typed API, which knows the
/// record type.
pub type CheckpointWriter = dyn Fn(&TaskContext, usize) -> Result<Vec<u8>, TaskError> + Send + Sync;

/// How an RDD is checkpointed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointKind {
    /// Written to the DFS under `dir` (one `part-NNNNN` file per partition): survives any
    /// executor's loss.
    Reliable { dir: String },
    /// Kept in the executors' block managers (at a level that includes disk): fast, but lost
    /// with its executor, and the lineage to rebuild it is gone.
    Local,
}

/// What `checkpoint()` / `local_checkpoint()` asked for.
#[derive(Clone)]
pub struct CheckpointMark {
    pub kind: CheckpointKind,
    /// Encodes and decodes the RDD's records.
    pub codec: Arc<dyn BlockCodec>,
    /// What the checkpoint job runs on each partition.
    pub writer: Arc<CheckpointWriter>,
}

/// A written checkpoint: the RDD the lineage now ends in.
#[derive(Clone)]
pub struct Checkpointed {
    pub kind: CheckpointKind,
    /// `ReliableCheckpointRDD` or `LocalCheckpointRDD`: no parents; its partitions prefer the
    /// hosts of the checkpoint's files.
    pub node: Arc<RddNode>,
    pub codec: Arc<dyn BlockCodec>,
}

/// An RDD's checkpoint state.
#[derive(Clone, Default)]
pub(crate) struct CheckpointState {
    pub mark: Option<CheckpointMark>,
    pub done: Option<Checkpointed>,
    /// Spark's `doCheckpointCalled`: a job already walked this RDD after running; marks made
    /// after that are not honoured (Spark asks for `checkpoint()` before the first action).
    pub walked: bool,
}

/// The file of partition `p` of a reliable checkpoint in `dir`.
pub fn checkpoint_file(dir: &str, p: usize) -> String {
    format!("{dir}/part-{p:05}")
}

//! Stages: the pieces the DAG scheduler cuts a job into (Spark's `Stage`, `ShuffleMapStage`,
//! `ResultStage`, `ActiveJob`). Plain data; the rules live in [`super::dag`].

use super::task::ResultFunction;
use crate::events::SubmitReason;
use crate::lineage::{RddNode, ShuffleDependency};
use std::any::Any;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What kind of stage, with what only that kind has.
pub enum StageKind {
    /// Computes map outputs for a shuffle.
    ShuffleMap {
        dep: Arc<ShuffleDependency>,
        /// Map-stage jobs waiting for this stage.
        map_stage_jobs: Vec<usize>,
    },
    /// Computes a job's result.
    Result {
        job: usize,
        partitions: Vec<usize>,
        func: Arc<dyn ResultFunction>,
    },
}

/// A set of tasks that run the same pipelined code on different partitions.
pub struct Stage {
    pub id: usize,
    /// The stage's last RDD.
    pub rdd: Arc<RddNode>,
    pub num_tasks: usize,
    /// Parent stages (through shuffle edges).
    pub parents: Vec<usize>,
    pub first_job_id: usize,
    /// Jobs that need this stage.
    pub job_ids: BTreeSet<usize>,
    pub kind: StageKind,
    pub next_attempt: usize,
    /// The attempt currently or last running.
    pub latest_attempt: usize,
    /// Attempts that failed in a row (cleared when an attempt succeeds).
    pub failed_attempt_ids: BTreeSet<usize>,
    /// Map partitions of the running attempt not yet done.
    pub pending_partitions: BTreeSet<usize>,
    /// Why the next attempt will run.
    pub next_reason: SubmitReason,
}

impl Stage {
    /// The shuffle dependency of a map stage.
    pub fn shuffle_dep(&self) -> Option<&Arc<ShuffleDependency>> {
        match &self.kind {
            StageKind::ShuffleMap { dep, .. } => Some(dep),
            StageKind::Result { .. } => None,
        }
    }

    /// Whether this is a map stage.
    pub fn is_shuffle_map(&self) -> bool {
        matches!(self.kind, StageKind::ShuffleMap { .. })
    }
}

/// A job while it runs.
pub struct ActiveJob {
    pub id: usize,
    pub final_stage: usize,
    pub action: String,
    /// Output slots (result jobs); empty for map-stage jobs.
    pub finished: Vec<bool>,
    pub num_finished: usize,
    pub results: Vec<Option<Box<dyn Any + Send>>>,
    /// Every stage the job needs.
    pub stages: BTreeSet<usize>,
}

/// How a job ended.
pub enum JobOutcome {
    Succeeded(Vec<Box<dyn Any + Send>>),
    Failed(String),
}

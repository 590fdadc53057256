//! Locality in the event log: Spark's locality levels, why a task set's allowed level
//! changed, and where each task of a stage attempt would rather run and why.
//!
//! These are the words of delay scheduling as the log carries them (CONTRACTS §3). The
//! decisions are the task scheduler's and the DAG scheduler's; this module only names them.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Spark's locality levels, most local first (`TaskLocality`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Locality {
    #[serde(rename = "PROCESS_LOCAL")]
    ProcessLocal,
    #[serde(rename = "NODE_LOCAL")]
    NodeLocal,
    #[serde(rename = "NO_PREF")]
    NoPref,
    #[serde(rename = "RACK_LOCAL")]
    RackLocal,
    #[serde(rename = "ANY")]
    Any,
}

impl Locality {
    /// Spark's name for the level.
    pub fn name(self) -> &'static str {
        match self {
            Locality::ProcessLocal => "PROCESS_LOCAL",
            Locality::NodeLocal => "NODE_LOCAL",
            Locality::NoPref => "NO_PREF",
            Locality::RackLocal => "RACK_LOCAL",
            Locality::Any => "ANY",
        }
    }
}

/// Why the locality level a task set may launch at changed (`LocalityChanged.reason`): Spark's
/// two log lines of `getAllowedLocalityLevel`, and the timer reset after a launch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalityReason {
    /// "No tasks for locality level X, so moving to locality level Y": the level ran out of
    /// tasks that could run at it, so waiting at it would gain nothing.
    NoTasksAtLevel,
    /// "Moving to locality level Y after waiting for N ms": its wait ran out.
    WaitExpired,
    /// A launch reset the timer to the level it launched at (after a round with no declined
    /// offer, or on every launch in the legacy mode).
    Reset,
    /// An executor registered or was lost and the valid levels were computed again: a level
    /// came back or went away (Spark's `recomputeLocality`, SPARK-31837).
    ExecutorsChanged,
}

impl LocalityReason {
    /// `no_tasks_at_level`, `wait_expired` or `reset`.
    pub fn name(self) -> &'static str {
        match self {
            LocalityReason::NoTasksAtLevel => "no_tasks_at_level",
            LocalityReason::WaitExpired => "wait_expired",
            LocalityReason::Reset => "reset",
            LocalityReason::ExecutorsChanged => "executors_changed",
        }
    }
}

/// Why a task prefers the locations it does (`StageSubmitted.preferred[].why`), in the order
/// Spark's `getPreferredLocs` looks (reference §1.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreferenceReason {
    /// A copy of the partition is cached on those executors (`ExecutorCacheTaskLocation`).
    Cached,
    /// The partition's own preference as a source: the hosts of its DFS block's replicas (or
    /// the hosts `make_rdd` was given for it).
    Input,
    /// The partition is read back from a checkpoint file whose replicas are on those hosts.
    Checkpoint,
    /// Those hosts hold at least 20% of the reduce partition's shuffle input
    /// (`REDUCER_PREF_LOCS_FRACTION`).
    ShuffleOutput,
}

impl PreferenceReason {
    /// `cached`, `input`, `checkpoint` or `shuffle_output`.
    pub fn name(self) -> &'static str {
        match self {
            PreferenceReason::Cached => "cached",
            PreferenceReason::Input => "input",
            PreferenceReason::Checkpoint => "checkpoint",
            PreferenceReason::ShuffleOutput => "shuffle_output",
        }
    }
}

/// Where one task of a stage attempt would rather run (an entry of `StageSubmitted.preferred`;
/// a task with no preference has no entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPreference {
    /// The partition the task computes.
    pub partition: usize,
    /// The RDD whose partition gave the preference: the stage's own RDD, or the first narrow
    /// ancestor that had one.
    pub rdd: usize,
    /// Why it prefers them.
    pub why: PreferenceReason,
    /// Spark's `TaskLocation` strings: a host (`host-0`), or a cached copy's executor
    /// (`executor_host-0_exec-0`).
    pub locations: Vec<Arc<str>>,
}

impl TaskPreference {
    /// The location strings split into (host, executor if a cached copy's).
    pub fn parsed(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.locations
            .iter()
            .map(|l| match l.strip_prefix("executor_") {
                Some(rest) => match rest.rsplit_once('_') {
                    Some((host, exec)) => (host, Some(exec)),
                    None => (rest, None),
                },
                None => (&**l, None),
            })
    }
}

//! RDDs: the user API and the lineage graph underneath it.
//!
//! This module owns the untyped lineage ([`RddNode`], [`Dependency`], [`ShuffleDependency`],
//! [`Partitioner`]) that the schedulers walk, and the typed [`Rdd<T>`] that users program
//! against: sources ([`source`]), transformations ([`transform`], [`pair`], [`sort`],
//! [`sample`]) and actions ([`actions`]). Transformations are lazy: they only add nodes. An
//! action hands a job to the [`Context`](crate::Context); it does not schedule anything itself.

pub mod actions;
pub mod pair;
pub mod partitioner;
pub mod sample;
pub mod sort;
pub mod source;
pub mod transform;
mod typed;

pub use partitioner::{stable_hash, Partitioner};
pub use typed::{Data, Key, Rdd, Records, ShuffleData};

use crate::shuffle::ShuffleMapWriter;
use crate::storage::StorageLevel;
use std::sync::{Arc, Mutex, OnceLock};

/// Ids of RDDs, counted from 0 in creation order (as Spark counts them).
pub type RddId = usize;
/// Ids of shuffles, counted from 0 in the order Spark's DAG scheduler first meets them.
pub type ShuffleId = usize;

/// One node of the lineage graph: what the schedulers know of an RDD.
pub struct RddNode {
    /// Global id.
    pub id: RddId,
    /// Spark's class name for this kind of RDD (`MapPartitionsRDD`, `ShuffledRDD`, ...).
    pub name: &'static str,
    /// The operation that made it (`map`, `reduce_by_key`, ...).
    pub op: &'static str,
    /// How many partitions it has; fixed at creation.
    pub num_partitions: usize,
    /// Its parents, narrow or shuffle, in order.
    pub deps: Vec<Dependency>,
    /// How its records are partitioned by key, when that is known.
    pub partitioner: Option<Partitioner>,
    storage: Mutex<StorageLevel>,
    checkpoint: Mutex<bool>,
}

impl RddNode {
    /// A new node. Use the typed API to build RDDs; this is for those who write sources.
    pub fn new(
        id: RddId,
        name: &'static str,
        op: &'static str,
        num_partitions: usize,
        deps: Vec<Dependency>,
        partitioner: Option<Partitioner>,
    ) -> Self {
        RddNode {
            id,
            name,
            op,
            num_partitions,
            deps,
            partitioner,
            storage: Mutex::new(StorageLevel::NONE),
            checkpoint: Mutex::new(false),
        }
    }

    /// The storage level asked for with `persist` (NONE unless persisted).
    pub fn storage_level(&self) -> StorageLevel {
        self.storage
            .lock()
            .map(|l| *l)
            .unwrap_or(StorageLevel::NONE)
    }

    pub(crate) fn set_storage_level(&self, level: StorageLevel) {
        if let Ok(mut l) = self.storage.lock() {
            *l = level;
        }
    }

    /// Whether `checkpoint()` marked this RDD.
    pub fn is_marked_for_checkpoint(&self) -> bool {
        self.checkpoint.lock().map(|c| *c).unwrap_or(false)
    }

    pub(crate) fn mark_for_checkpoint(&self) {
        if let Ok(mut c) = self.checkpoint.lock() {
            *c = true;
        }
    }

    /// Spark's `RDD.toDebugString`: the lineage, indented at each shuffle.
    pub fn lineage_string(&self) -> String {
        let mut lines = Vec::new();
        let part = format!("({})", self.num_partitions);
        let left = (part.len() - 1) / 2;
        let next_prefix = format!("{}|{}", " ".repeat(left), " ".repeat(part.len() - left));
        lines.push(format!("{part} {}", self.describe()));
        self.debug_children(&next_prefix, &mut lines);
        lines.join("\n")
    }

    fn describe(&self) -> String {
        format!(
            "{}[{}] at {} [{}]",
            self.name,
            self.id,
            self.op,
            self.storage_level().description()
        )
    }

    fn debug_children(&self, prefix: &str, lines: &mut Vec<String>) {
        let n = self.deps.len();
        for (i, dep) in self.deps.iter().enumerate() {
            let parent = dep.rdd();
            if dep.is_shuffle() {
                let part = format!("({})", parent.num_partitions);
                let left = (part.len() - 1) / 2;
                let this_prefix = strip_bar(prefix);
                let next_prefix = format!(
                    "{this_prefix}{}{}|{}",
                    if i == n - 1 { "  " } else { "| " },
                    " ".repeat(left),
                    " ".repeat(part.len() - left)
                );
                lines.push(format!("{this_prefix}+-{part} {}", parent.describe()));
                parent.debug_children(&next_prefix, lines);
            } else {
                lines.push(format!("{prefix}{}", parent.describe()));
                parent.debug_children(prefix, lines);
            }
        }
    }
}

/// Spark's `prefix.replaceAll("\\|\\s+$", "")`.
fn strip_bar(prefix: &str) -> String {
    let trimmed = prefix.trim_end();
    match trimmed.strip_suffix('|') {
        Some(rest) if trimmed.len() < prefix.len() => rest.to_string(),
        _ => prefix.to_string(),
    }
}

impl std::fmt::Debug for RddNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}] {}", self.name, self.id, self.op)
    }
}

/// An edge of the lineage graph, from a child RDD to one parent.
#[derive(Clone)]
pub enum Dependency {
    /// Partition `i` of the child reads partition `i` of the parent (map, filter, ...).
    OneToOne(Arc<RddNode>),
    /// Child partitions `out_start..out_start+len` read parent partitions `in_start..` (union).
    Range {
        rdd: Arc<RddNode>,
        in_start: usize,
        out_start: usize,
        len: usize,
    },
    /// Every child partition reads a piece of every parent partition: a stage boundary.
    Shuffle(Arc<ShuffleDependency>),
}

impl Dependency {
    /// The parent RDD.
    pub fn rdd(&self) -> &Arc<RddNode> {
        match self {
            Dependency::OneToOne(r) => r,
            Dependency::Range { rdd, .. } => rdd,
            Dependency::Shuffle(s) => &s.rdd,
        }
    }

    /// Whether this edge is a shuffle.
    pub fn is_shuffle(&self) -> bool {
        matches!(self, Dependency::Shuffle(_))
    }

    /// For a narrow edge, the parent partitions child partition `p` reads.
    pub fn narrow_parents(&self, p: usize) -> Vec<usize> {
        match self {
            Dependency::OneToOne(_) => vec![p],
            Dependency::Range {
                in_start,
                out_start,
                len,
                ..
            } => {
                if p >= *out_start && p < out_start + len {
                    vec![p - out_start + in_start]
                } else {
                    Vec::new()
                }
            }
            Dependency::Shuffle(_) => Vec::new(),
        }
    }
}

/// A shuffle edge: the map side (the parent RDD), how records are partitioned, and the code
/// that writes a map task's output.
pub struct ShuffleDependency {
    /// The map-side RDD.
    pub rdd: Arc<RddNode>,
    /// Fixes the number of reduce partitions.
    pub partitioner: Partitioner,
    /// Whether values are combined on the map side before writing (reduce_by_key does).
    pub map_side_combine: bool,
    id: OnceLock<ShuffleId>,
    writer: Arc<dyn ShuffleMapWriter>,
}

impl ShuffleDependency {
    pub(crate) fn new(
        rdd: Arc<RddNode>,
        partitioner: Partitioner,
        map_side_combine: bool,
        writer: Arc<dyn ShuffleMapWriter>,
    ) -> Self {
        ShuffleDependency {
            rdd,
            partitioner,
            map_side_combine,
            id: OnceLock::new(),
            writer,
        }
    }

    /// The shuffle id, once the DAG scheduler has met this shuffle.
    pub fn shuffle_id(&self) -> Option<ShuffleId> {
        self.id.get().copied()
    }

    /// Gives the shuffle its id on first sight (Spark makes a `ShuffleDependency`, and so takes
    /// its id, when the RDD's dependencies are first asked for at job submission).
    pub(crate) fn assign_id(&self, next: &mut ShuffleId) -> ShuffleId {
        *self.id.get_or_init(|| {
            let id = *next;
            *next += 1;
            id
        })
    }

    /// Number of map tasks.
    pub fn num_maps(&self) -> usize {
        self.rdd.num_partitions
    }

    /// Number of reduce partitions.
    pub fn num_reduces(&self) -> usize {
        self.partitioner.num_partitions()
    }

    /// The code a map task runs.
    pub fn writer(&self) -> &Arc<dyn ShuffleMapWriter> {
        &self.writer
    }
}

//! The lineage graph: what the schedulers know of an RDD.
//!
//! This module owns the untyped contract between the user API ([`crate::rdd`]) and the
//! schedulers: [`RddNode`] (an RDD's id, partitions, partitioner, storage level, preferred
//! locations), [`Dependency`] and [`ShuffleDependency`] (the edges, narrow or shuffle),
//! [`Partitioner`], and [`TaskLocation`]. Lineage is read through methods
//! ([`RddNode::dependencies`], [`RddNode::preferred_locations`]), never through fields, so that
//! checkpointing can cut it and input sources can fill in where their data lives. It does not
//! compute records (the typed [`Rdd`](crate::rdd::Rdd) does) and does not schedule.

mod checkpoint;
mod partitioner;

pub use crate::hashing::{stable_hash, StableBuildHasher, StableHasher};
use checkpoint::CheckpointState;
pub use checkpoint::{
    checkpoint_file, CheckpointKind, CheckpointMark, CheckpointWriter, Checkpointed,
};
pub use partitioner::{Partitioner, PartitionerError};

use crate::shuffle::MapStatus;
pub use crate::shuffle::ShuffleId;
use crate::storage::{BlockCodec, StorageLevel};
use crate::task_context::{TaskContext, TaskError};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// Ids of RDDs, counted from 0 in creation order (as Spark counts them).
pub type RddId = usize;

/// Where a task would rather run (Spark's `TaskLocation`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskLocation {
    /// Any executor on this host (an input block's replica, a host holding map output).
    /// Host names are shared (`Arc<str>`): a stage of 20,000 tasks with 3 preferred hosts
    /// each copies them 60,000 times, and a copy is then a count, not an allocation.
    Host(Arc<str>),
    /// This executor, which caches the partition.
    ExecutorCache { host: Arc<str>, executor: usize },
}

impl TaskLocation {
    /// The host of the location.
    pub fn host(&self) -> &str {
        match self {
            TaskLocation::Host(h) => h,
            TaskLocation::ExecutorCache { host, .. } => host,
        }
    }
}

/// Where each partition of a source's data lives (the hosts of its input blocks' replicas).
pub type LocationsFn = dyn Fn(usize) -> Vec<TaskLocation> + Send + Sync;

/// How a persisted RDD is kept: the level asked for, and how its blocks are sized and encoded.
#[derive(Clone)]
pub struct Persistence {
    pub level: StorageLevel,
    /// Set by `persist`, which requires records that can be encoded.
    pub codec: Option<Arc<dyn BlockCodec>>,
}

/// One node of the lineage graph.
pub struct RddNode {
    id: RddId,
    name: &'static str,
    op: &'static str,
    num_partitions: usize,
    partitioner: Option<Partitioner>,
    dependencies: RwLock<Arc<[Dependency]>>,
    persistence: Mutex<Persistence>,
    locations: Option<Arc<LocationsFn>>,
    reduce_locality: bool,
    checkpoint: Mutex<CheckpointState>,
    label: Mutex<Option<String>>,
    problem: Mutex<Option<String>>,
}

impl RddNode {
    /// A new node. Use the typed API to build RDDs; this is for those who write sources.
    pub fn new(
        id: RddId,
        name: &'static str,
        op: &'static str,
        num_partitions: usize,
        dependencies: Vec<Dependency>,
        partitioner: Option<Partitioner>,
    ) -> Self {
        RddNode {
            id,
            name,
            op,
            num_partitions,
            partitioner,
            dependencies: RwLock::new(dependencies.into()),
            persistence: Mutex::new(Persistence {
                level: StorageLevel::NONE,
                codec: None,
            }),
            locations: None,
            reduce_locality: false,
            checkpoint: Mutex::new(CheckpointState::default()),
            label: Mutex::new(None),
            problem: Mutex::new(None),
        }
    }

    /// The same node, whose partition `p` prefers `locations(p)` (an input source's blocks).
    pub fn with_locations(mut self, locations: Arc<LocationsFn>) -> Self {
        self.locations = Some(locations);
        self
    }

    /// The same node, whose partitions prefer the hosts holding the most of their input from
    /// its first dependency, a shuffle (Spark's `ShuffledRDD.getPreferredLocations`, which asks
    /// the map output tracker; reference §1.7).
    pub fn with_reduce_locality(mut self) -> Self {
        self.reduce_locality = true;
        self
    }

    /// Whether its partitions prefer the hosts holding the most of their shuffle input.
    pub fn prefers_map_output_hosts(&self) -> bool {
        self.reduce_locality && !self.is_checkpointed()
    }

    /// The same node, which cannot be computed: every job that needs it fails with `problem`
    /// (a hash partitioner over 0 partitions, a storage level changed after it was set).
    pub fn with_problem(self, problem: impl Into<String>) -> Self {
        self.set_problem(problem);
        self
    }

    /// Global id.
    pub fn id(&self) -> RddId {
        self.id
    }

    /// Spark's class name for this kind of RDD (`MapPartitionsRDD`, `ShuffledRDD`, ...).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The operation that made it (`map`, `reduce_by_key`, ...).
    pub fn op(&self) -> &'static str {
        self.op
    }

    /// How many partitions it has; fixed at creation.
    pub fn num_partitions(&self) -> usize {
        self.num_partitions
    }

    /// How its records are partitioned by key, when that is known.
    pub fn partitioner(&self) -> Option<&Partitioner> {
        self.partitioner.as_ref()
    }

    /// Its parents, narrow or shuffle, in order (Spark's `RDD.dependencies`).
    pub fn dependencies(&self) -> Arc<[Dependency]> {
        match self.dependencies.read() {
            Ok(d) => d.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The locations partition `p` itself prefers (Spark's `RDD.preferredLocations`): the
    /// hosts of an input block's replicas, or of its checkpoint file; none for RDDs computed
    /// from parents.
    pub fn preferred_locations(&self, p: usize) -> Vec<TaskLocation> {
        if let Some(cp) = self.checkpointed() {
            return cp.node.preferred_locations(p);
        }
        match &self.locations {
            Some(f) if p < self.num_partitions => f(p),
            _ => Vec::new(),
        }
    }

    /// The storage level asked for with `persist` (NONE unless persisted).
    pub fn storage_level(&self) -> StorageLevel {
        self.persistence().level
    }

    /// The storage level and codec.
    pub fn persistence(&self) -> Persistence {
        match self.persistence.lock() {
            Ok(p) => p.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub(crate) fn set_persistence(&self, p: Persistence) {
        match self.persistence.lock() {
            Ok(mut l) => *l = p,
            Err(poisoned) => *poisoned.into_inner() = p,
        }
    }

    fn checkpoint_state(&self) -> std::sync::MutexGuard<'_, CheckpointState> {
        self.checkpoint.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `checkpoint()` or `local_checkpoint()` marked this RDD.
    pub fn is_marked_for_checkpoint(&self) -> bool {
        self.checkpoint_state().mark.is_some()
    }

    /// Whether its checkpoint is written: its lineage then ends in the checkpoint RDD.
    pub fn is_checkpointed(&self) -> bool {
        self.checkpoint_state().done.is_some()
    }

    /// The written checkpoint, if there is one.
    pub fn checkpointed(&self) -> Option<Checkpointed> {
        self.checkpoint_state().done.clone()
    }

    /// What the checkpoint mark asks for, if it is marked and not yet written.
    pub(crate) fn checkpoint_mark(&self) -> Option<CheckpointMark> {
        let s = self.checkpoint_state();
        s.mark.clone().filter(|_| s.done.is_none())
    }

    /// Marks the RDD. A local checkpoint replaces a reliable mark not yet written (Spark's
    /// `localCheckpoint` overrides `checkpoint`); a reliable mark does not replace one.
    pub(crate) fn mark_for_checkpoint(&self, mark: CheckpointMark) {
        let mut s = self.checkpoint_state();
        if s.done.is_some() {
            return;
        }
        if s.mark.is_none() || mark.kind == CheckpointKind::Local {
            s.mark = Some(mark);
        }
    }

    /// Spark's `doCheckpointCalled`: true the first time only.
    pub(crate) fn first_checkpoint_walk(&self) -> bool {
        !std::mem::replace(&mut self.checkpoint_state().walked, true)
    }

    /// The checkpoint is written: the lineage now ends in `cp.node` (Spark's
    /// `markCheckpointed`: every parent dependency is dropped).
    pub(crate) fn set_checkpointed(&self, cp: Checkpointed) {
        let deps: Vec<Dependency> = vec![Dependency::OneToOne(cp.node.clone())];
        match self.dependencies.write() {
            Ok(mut d) => *d = deps.into(),
            Err(p) => *p.into_inner() = deps.into(),
        }
        self.checkpoint_state().done = Some(cp);
    }

    /// The name given with `set_name`, if any.
    pub fn label(&self) -> Option<String> {
        self.label.lock().ok().and_then(|l| l.clone())
    }

    pub(crate) fn set_label(&self, label: &str) {
        if let Ok(mut l) = self.label.lock() {
            *l = Some(label.to_string());
        }
    }

    /// Why this RDD cannot be computed, if it cannot.
    pub fn problem(&self) -> Option<String> {
        self.problem.lock().ok().and_then(|p| p.clone())
    }

    pub(crate) fn set_problem(&self, problem: impl Into<String>) {
        if let Ok(mut p) = self.problem.lock() {
            p.get_or_insert(problem.into());
        }
    }

    /// The first problem found in this RDD's lineage (itself first, then its ancestors).
    pub fn lineage_problem(&self) -> Option<String> {
        if let Some(p) = self.problem() {
            return Some(format!("RDD {} ({}): {p}", self.id, self.op));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut todo: Vec<Arc<RddNode>> = self
            .dependencies()
            .iter()
            .map(|d| d.rdd().clone())
            .collect();
        while let Some(r) = todo.pop() {
            if !seen.insert(r.id) {
                continue;
            }
            if let Some(p) = r.problem() {
                return Some(format!("RDD {} ({}): {p}", r.id, r.op));
            }
            todo.extend(r.dependencies().iter().map(|d| d.rdd().clone()));
        }
        None
    }

    /// Spark's `RDD.toDebugString`: the lineage, indented at each shuffle.
    ///
    /// Written as a loop over an explicit stack, so a lineage of any depth prints. Past
    /// [`MAX_DEBUG_INDENT`] columns of indentation (some 40 shuffles deep) the indentation
    /// stops growing, so the text stays linear in the lineage's size.
    pub fn lineage_string(&self) -> String {
        let parents = |n: &RddNode| -> Vec<(Arc<RddNode>, bool)> {
            n.dependencies()
                .iter()
                .map(|d| (d.rdd().clone(), d.is_shuffle()))
                .collect()
        };
        debug_string(
            (self.num_partitions, self.describe(), parents(self)),
            |n: &Arc<RddNode>| (n.num_partitions, n.describe(), parents(n)),
        )
    }

    fn describe(&self) -> String {
        // Spark's `RDD.toString`: the name given with setName first, if any.
        let label = self.label().map(|l| format!("{l} ")).unwrap_or_default();
        format!(
            "{label}{}[{}] at {} [{}]",
            self.name,
            self.id,
            self.op,
            self.storage_level().description()
        )
    }
}

/// A node as [`debug_string`] lays it out: its partitions, its description, and its parents
/// (each with whether its edge is a shuffle).
pub type DebugNode<N> = (usize, String, Vec<(N, bool)>);

/// A line of [`debug_string`] still to print, its node's parents, and their prefix.
type Pending<N> = (String, Vec<(N, bool)>, String);

/// How far [`debug_string`] indents before it stops indenting further.
pub const MAX_DEBUG_INDENT: usize = 160;

/// Spark's `RDD.toDebugString` layout over any lineage: `root` is the last RDD's partitions,
/// description and parents (each with whether its edge is a shuffle), and `node` gives the same
/// of any parent. A shuffle indents its parent's subtree under `+-`; a narrow parent continues
/// at the same depth under `|`. A loop over an explicit stack, so any depth prints; past
/// [`MAX_DEBUG_INDENT`] columns the indentation stops growing, so the text stays linear in the
/// lineage's size. [`RddNode::lineage_string`] lays out a live lineage with it, and `ember
/// summary` the one an event log describes.
pub fn debug_string<N>(root: DebugNode<N>, mut node: impl FnMut(&N) -> DebugNode<N>) -> String {
    let (root_parts, root_text, root_parents) = root;
    let part = format!("({root_parts})");
    let left = (part.len() - 1) / 2;
    let prefix = format!("{}|{}", " ".repeat(left), " ".repeat(part.len() - left));
    let mut lines = vec![format!("{part} {root_text}")];
    // Each entry: a line still to print, its node's parents, and the prefix of those parents.
    let mut stack: Vec<Pending<N>> = Vec::new();
    let mut push_parents = |parents: Vec<(N, bool)>, prefix: &str, stack: &mut Vec<Pending<N>>| {
        let n = parents.len();
        let mut children = Vec::with_capacity(n);
        for (i, (parent, shuffle)) in parents.into_iter().enumerate() {
            let (parts, text, grand) = node(&parent);
            if shuffle {
                let part = format!("({parts})");
                let left = (part.len() - 1) / 2;
                let this_prefix = strip_bar(prefix);
                let next_prefix = if this_prefix.len() >= MAX_DEBUG_INDENT {
                    prefix.to_string()
                } else {
                    format!(
                        "{this_prefix}{}{}|{}",
                        if i == n - 1 { "  " } else { "| " },
                        " ".repeat(left),
                        " ".repeat(part.len() - left)
                    )
                };
                children.push((format!("{this_prefix}+-{part} {text}"), grand, next_prefix));
            } else {
                children.push((format!("{prefix}{text}"), grand, prefix.to_string()));
            }
        }
        // The first parent is printed (with everything above it) before the second.
        stack.extend(children.into_iter().rev());
    };
    push_parents(root_parents, &prefix, &mut stack);
    while let Some((line, parents, prefix)) = stack.pop() {
        lines.push(line);
        push_parents(parents, &prefix, &mut stack);
    }
    lines.join("\n")
}

/// Spark's `prefix.replaceAll("\\|\\s+$", "")`.
fn strip_bar(prefix: &str) -> String {
    let trimmed = prefix.trim_end();
    match trimmed.strip_suffix('|') {
        Some(rest) if trimmed.len() < prefix.len() => rest.to_string(),
        _ => prefix.to_string(),
    }
}

impl Drop for RddNode {
    /// Dropping the last handle on a lineage drops its parents, and theirs: through
    /// [`crate::stack::deep`], so a chain of any length drops safely.
    fn drop(&mut self) {
        let deps = match self.dependencies.get_mut() {
            Ok(d) => std::mem::replace(d, Arc::from(Vec::new())),
            Err(p) => std::mem::replace(p.into_inner(), Arc::from(Vec::new())),
        };
        crate::stack::deep(move || drop(deps));
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

/// The code a shuffle map task runs: compute one map partition and write its output into the
/// task's disk store (staged: the driver commits it when the task completes).
pub trait ShuffleMapWriter: Send + Sync {
    /// Computes map partition `map` of `shuffle` and stages its shuffle files.
    fn write(
        &self,
        tc: &TaskContext,
        shuffle: ShuffleId,
        map: usize,
    ) -> Result<MapStatus, TaskError>;
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
    /// A shuffle of `rdd`'s records by `partitioner`, written by `writer`.
    pub fn new(
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
    pub fn assign_id(&self, next: &mut ShuffleId) -> ShuffleId {
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

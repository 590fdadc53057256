//! The typed RDD handle, [`Rdd<T>`], over an untyped lineage node, and the traits its records
//! must meet.

use super::records::Records;
use crate::context::Context;
use crate::lineage::{Dependency, Partitioner, Persistence, RddNode};
use crate::storage::{RecordsCodec, StorageLevel};
use crate::task_context::{TaskContext, TaskError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::hash::Hash;
use std::sync::Arc;

/// What an RDD may hold: owned, shareable between threads, and `Serialize`, so that records
/// can be sized (the cost model and the memory store budget bytes) and encoded wherever they
/// travel. Derive `serde::Serialize` on your record types.
pub trait Data: Clone + Send + Sync + Serialize + 'static {}
impl<T: Clone + Send + Sync + Serialize + 'static> Data for T {}

/// What may be read back from bytes as well: records that cross a shuffle, or that `persist`
/// keeps serialized or on disk. Derive `serde::Deserialize` as well.
pub trait ShuffleData: Data + DeserializeOwned {}
impl<T: Data + DeserializeOwned> ShuffleData for T {}

/// What may be a key of a key-value RDD: hashed and ordered for partitioning.
pub trait Key: ShuffleData + Hash + Eq + Ord {}
impl<T: ShuffleData + Hash + Eq + Ord> Key for T {}

pub(crate) type ComputeFn<T> =
    dyn Fn(&TaskContext, usize) -> Result<Records<T>, TaskError> + Send + Sync;

/// A resilient distributed dataset of `T`: a lineage node plus the code that computes a
/// partition of it. Cloning is cheap and shares the node.
///
/// ```
/// use ember::Context;
/// let ctx = Context::local(2);
/// let squares = ctx.parallelize((1..=4).collect::<Vec<i64>>(), 2).map(|x| x * x);
/// assert_eq!(squares.collect().unwrap(), vec![1, 4, 9, 16]);
/// ```
pub struct Rdd<T> {
    pub(crate) node: Arc<RddNode>,
    pub(crate) compute: Arc<ComputeFn<T>>,
    pub(crate) ctx: Context,
}

impl<T> Clone for Rdd<T> {
    fn clone(&self) -> Self {
        Rdd {
            node: self.node.clone(),
            compute: self.compute.clone(),
            ctx: self.ctx.clone(),
        }
    }
}

impl<T: Data> Rdd<T> {
    pub(crate) fn from_parts(ctx: Context, node: RddNode, compute: Arc<ComputeFn<T>>) -> Self {
        Rdd {
            node: Arc::new(node),
            compute,
            ctx,
        }
    }

    /// The RDD's id.
    pub fn id(&self) -> usize {
        self.node.id()
    }

    /// The lineage node the schedulers see.
    pub fn node(&self) -> &Arc<RddNode> {
        &self.node
    }

    /// The number of partitions.
    pub fn num_partitions(&self) -> usize {
        self.node.num_partitions()
    }

    /// How records are partitioned by key, if that is known.
    pub fn partitioner(&self) -> Option<&Partitioner> {
        self.node.partitioner()
    }

    /// The context that made this RDD.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The lineage like Spark's `toDebugString`.
    pub fn lineage_string(&self) -> String {
        self.node.lineage_string()
    }

    /// Computes partition `split` inside a task. Every read of an RDD's partition goes through
    /// here (Spark's `RDD.iterator`): this is where the storage step puts the block manager's
    /// get-or-compute for persisted RDDs.
    pub fn iterator(&self, tc: &TaskContext, split: usize) -> Result<Records<T>, TaskError> {
        (self.compute)(tc, split)
    }

    /// The storage level asked for.
    pub fn storage_level(&self) -> StorageLevel {
        self.node.storage_level()
    }

    /// Forgets the storage level and removes every stored copy of the RDD's blocks (Spark's
    /// `unpersist`). The RDD is recomputed from its lineage when next needed.
    pub fn unpersist(&self) {
        self.node.set_persistence(Persistence {
            level: StorageLevel::NONE,
            codec: None,
        });
        self.ctx.unpersist_rdd(self.node.id());
    }

    /// Marks the RDD for checkpointing (honoured by the storage step).
    pub fn checkpoint(&self) {
        self.node.mark_for_checkpoint();
    }

    /// A narrow child whose partition `i` is `f(task, i, parent partition i)`; the records the
    /// parent hands on are counted as the child's work.
    pub(crate) fn derive<U: Data>(
        &self,
        name: &'static str,
        op: &'static str,
        preserves_partitioning: bool,
        f: impl Fn(&TaskContext, usize, Records<T>) -> Records<U> + Send + Sync + 'static,
    ) -> Rdd<U> {
        let parent = self.clone();
        let node = RddNode::new(
            self.ctx.new_rdd_id(),
            name,
            op,
            self.num_partitions(),
            vec![Dependency::OneToOne(self.node.clone())],
            if preserves_partitioning {
                self.node.partitioner().cloned()
            } else {
                None
            },
        );
        let compute = move |tc: &TaskContext, split: usize| {
            Ok(f(tc, split, parent.iterator(tc, split)?.metered(tc, 1)))
        };
        Rdd::from_parts(self.ctx.clone(), node, Arc::new(compute))
    }
}

impl<T: ShuffleData> Rdd<T> {
    /// Marks the RDD to be kept at `level` once computed, and returns it. Its records must be
    /// encodable, so that stores can size them, keep them serialized and write them to disk.
    ///
    /// As in Spark, the level of an RDD cannot change once set (unpersist it first): a job
    /// over an RDD persisted twice at different levels fails with Spark's message.
    pub fn persist(self, level: StorageLevel) -> Self {
        let current = self.node.storage_level();
        if current != StorageLevel::NONE && current != level {
            self.node.set_problem(
                "Cannot change storage level of an RDD after it was already assigned a level",
            );
            return self;
        }
        self.node.set_persistence(Persistence {
            level,
            codec: Some(Arc::new(RecordsCodec::<T>::new())),
        });
        self
    }

    /// `persist(MEMORY_ONLY)`.
    pub fn cache(self) -> Self {
        self.persist(StorageLevel::MEMORY_ONLY)
    }
}

//! The typed RDD handle, [`Rdd<T>`], over an untyped lineage node.

use super::{Partitioner, RddNode};
use crate::context::Context;
use crate::storage::StorageLevel;
use crate::task_context::{TaskContext, TaskError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::hash::Hash;
use std::sync::Arc;

/// The records of one partition, as a task computes them: an iterator that pulls from the
/// stage's pipeline of narrow operations.
///
/// Each operation of a pipeline hands its records on in chunks (1, 2, 4, ... up to 1,024), so
/// the only dynamic call is one per chunk; within a chunk every step is a plain, inlined
/// `next`. A dynamic call per record (a `Box<dyn Iterator>` per operation) made a logistic
/// regression step twice as slow as the same loop by hand. Records are still pulled lazily, a
/// chunk at a time: `take(1)` computes at most one record per operation first.
pub struct Records<T> {
    buf: std::vec::IntoIter<T>,
    more: Option<Box<dyn FnMut(usize) -> Vec<T>>>,
    chunk: usize,
}

/// The largest chunk an operation hands on at once.
const MAX_CHUNK: usize = 1024;

impl<T: 'static> Records<T> {
    /// The records `it` yields.
    pub fn new<I>(it: I) -> Self
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: 'static,
    {
        let mut it = it.into_iter();
        Records {
            buf: Vec::new().into_iter(),
            more: Some(Box::new(move |n| it.by_ref().take(n).collect())),
            chunk: 1,
        }
    }

    /// The records of `v`, in order (no chunking needed).
    pub fn from_vec(v: Vec<T>) -> Self {
        Records {
            buf: v.into_iter(),
            more: None,
            chunk: MAX_CHUNK,
        }
    }

    #[cold]
    fn refill(&mut self) -> Option<T> {
        let more = self.more.as_mut()?;
        let chunk = more(self.chunk);
        self.chunk = (self.chunk * 2).min(MAX_CHUNK);
        if chunk.is_empty() {
            self.more = None;
            return None;
        }
        self.buf = chunk.into_iter();
        self.buf.next()
    }
}

impl<T: 'static> Iterator for Records<T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match self.buf.next() {
            Some(x) => Some(x),
            None => self.refill(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lo, _) = self.buf.size_hint();
        (lo, if self.more.is_none() { Some(lo) } else { None })
    }
}

/// What an RDD may hold: owned, shareable between threads.
pub trait Data: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> Data for T {}

/// What may cross a shuffle: it is written to and read from shuffle files.
pub trait ShuffleData: Data + Serialize + DeserializeOwned {}
impl<T: Data + Serialize + DeserializeOwned> ShuffleData for T {}

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
        self.node.id
    }

    /// The lineage node the schedulers see.
    pub fn node(&self) -> &Arc<RddNode> {
        &self.node
    }

    /// The number of partitions.
    pub fn num_partitions(&self) -> usize {
        self.node.num_partitions
    }

    /// How records are partitioned by key, if that is known.
    pub fn partitioner(&self) -> Option<&Partitioner> {
        self.node.partitioner.as_ref()
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

    /// Marks the RDD to be kept at `level` once computed. Returns the same RDD.
    pub fn persist(self, level: StorageLevel) -> Self {
        self.node.set_storage_level(level);
        self
    }

    /// `persist(MEMORY_ONLY)`.
    pub fn cache(self) -> Self {
        self.persist(StorageLevel::MEMORY_ONLY)
    }

    /// The storage level asked for.
    pub fn storage_level(&self) -> StorageLevel {
        self.node.storage_level()
    }

    /// Marks the RDD for checkpointing (honoured by the storage step).
    pub fn checkpoint(&self) {
        self.node.mark_for_checkpoint();
    }

    /// A narrow child whose partition `i` is `f(i, parent partition i)`.
    pub(crate) fn derive<U: Data>(
        &self,
        name: &'static str,
        op: &'static str,
        preserves_partitioning: bool,
        f: impl Fn(usize, Records<T>) -> Records<U> + Send + Sync + 'static,
    ) -> Rdd<U> {
        let parent = self.clone();
        let node = RddNode::new(
            self.ctx.new_rdd_id(),
            name,
            op,
            self.num_partitions(),
            vec![super::Dependency::OneToOne(self.node.clone())],
            if preserves_partitioning {
                self.node.partitioner.clone()
            } else {
                None
            },
        );
        let compute =
            move |tc: &TaskContext, split: usize| Ok(f(split, parent.iterator(tc, split)?));
        Rdd::from_parts(self.ctx.clone(), node, Arc::new(compute))
    }
}

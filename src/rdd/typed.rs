//! The typed RDD handle, [`Rdd<T>`], over an untyped lineage node, and the traits its records
//! must meet.

use super::records::Records;
use crate::context::Context;
use crate::lineage::{
    checkpoint_file, CheckpointKind, CheckpointMark, Dependency, Partitioner, Persistence, RddNode,
};
use crate::stack::DeepDrop;
use crate::storage::{
    BlockCodec, BlockId, BlockPut, BlockValue, CodecRef, RecordBlock, RecordsCodec, StorageLevel,
};
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
    /// Computes a partition; holds the parents' handles, so it is dropped through
    /// [`crate::stack::deep`] (a chain of any length drops safely).
    pub(crate) compute: DeepDrop<Arc<ComputeFn<T>>>,
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
            compute: DeepDrop::new(compute),
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
    /// here (Spark's `RDD.iterator`): a persisted RDD's partition is read from a block manager
    /// if one holds it, else computed and staged to be stored (`getOrCompute`); a checkpointed
    /// RDD's partition is read from its checkpoint (`computeOrReadCheckpoint`).
    ///
    /// Each RDD's compute calls its parent's `iterator`, so a lineage of `n` narrow steps
    /// recurses `n` deep: through [`crate::stack::deep`], which any depth survives.
    pub fn iterator(&self, tc: &TaskContext, split: usize) -> Result<Records<T>, TaskError> {
        crate::stack::deep(|| iterate(&self.node, &**self.compute, tc, split))
    }

    /// Names the RDD (Spark's `setName`): the name shows in events and the UI.
    pub fn set_name(self, name: &str) -> Self {
        self.node.set_label(name);
        self
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

    /// A narrow child whose partition `i` is `f(task, i, parent partition i)`; the records the
    /// parent hands on are counted as the child's work.
    pub(crate) fn derive<U: Data>(
        &self,
        name: &'static str,
        op: &'static str,
        preserves_partitioning: bool,
        f: impl Fn(&TaskContext, usize, Records<T>) -> Records<U> + Send + Sync + 'static,
    ) -> Rdd<U> {
        self.derive_weighted(name, op, preserves_partitioning, 1, f)
    }

    /// [`Rdd::derive_weighted`] whose operation parses text: its records are counted as
    /// parsing too, which the cost model may charge at its own rate (`parse_cpu`).
    pub(crate) fn derive_parsing<U: Data>(
        &self,
        weight: u64,
        f: impl Fn(&TaskContext, usize, Records<T>) -> Records<U> + Send + Sync + 'static,
    ) -> Rdd<U> {
        let parent = self.clone();
        let node = RddNode::new(
            self.ctx.new_rdd_id(),
            "MapPartitionsRDD",
            "map",
            self.num_partitions(),
            vec![Dependency::OneToOne(self.node.clone())],
            None,
        );
        let compute = move |tc: &TaskContext, split: usize| {
            Ok(f(
                tc,
                split,
                parent.iterator(tc, split)?.metered_as(tc, weight, true),
            ))
        };
        Rdd::from_parts(self.ctx.clone(), node, Arc::new(compute))
    }

    /// [`Rdd::derive`] whose operation costs `weight` plain operations per record.
    pub(crate) fn derive_weighted<U: Data>(
        &self,
        name: &'static str,
        op: &'static str,
        preserves_partitioning: bool,
        weight: u64,
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
            Ok(f(
                tc,
                split,
                parent.iterator(tc, split)?.metered(tc, weight),
            ))
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

    /// Marks the RDD for a reliable checkpoint (Spark's `checkpoint`): after the first job
    /// that computes it, another job writes every partition to the context's checkpoint
    /// folder in the DFS, and the RDD's lineage then ends in a `ReliableCheckpointRDD` that
    /// reads those files. Call it before the first action on the RDD, and persist the RDD
    /// first if it is expensive (else the checkpoint job computes it again).
    ///
    /// ```
    /// use ember::Context;
    /// let ctx = Context::local(2);
    /// let r = ctx.parallelize((0..100u32).collect(), 4).map(|x| x + 1);
    /// r.checkpoint();
    /// assert_eq!(r.count().unwrap(), 100);
    /// assert!(r.node().is_checkpointed());
    /// assert!(r.lineage_string().contains("ReliableCheckpointRDD"));
    /// ```
    pub fn checkpoint(&self) {
        let codec: Arc<dyn BlockCodec> = Arc::new(RecordsCodec::<T>::new());
        let node = Arc::downgrade(&self.node);
        let compute = self.compute.clone();
        let enc = codec.clone();
        let writer = move |tc: &TaskContext, split: usize| -> Result<Vec<u8>, TaskError> {
            let node = node
                .upgrade()
                .ok_or_else(|| TaskError::Exception("the RDD to checkpoint is gone".into()))?;
            let block = iterate(&node, &**compute, tc, split)?.into_block();
            let n = block.len() as u64;
            let bytes = enc
                .encode(&block)
                .map_err(|e| TaskError::Exception(format!("encoding a checkpoint: {e}")))?;
            tc.metrics_mut(|m| m.records_processed += n);
            Ok(bytes)
        };
        let dir = format!("{}/rdd-{}", self.ctx.checkpoint_dir(), self.id());
        self.node.mark_for_checkpoint(CheckpointMark {
            kind: CheckpointKind::Reliable { dir },
            codec,
            writer: Arc::new(writer),
        });
    }

    /// Marks the RDD for a local checkpoint (Spark's `localCheckpoint`): it is persisted at a
    /// level that includes disk (MEMORY_AND_DISK unless already persisted, which then gains
    /// disk), after the first job that computes it the partitions no executor holds are
    /// computed by another job, and its lineage is cut. Faster than [`Rdd::checkpoint`], but a
    /// partition lost with its executor cannot be rebuilt: a job that needs it fails.
    pub fn local_checkpoint(self) -> Self {
        let level = self.node.storage_level();
        let level = if level.is_valid() {
            StorageLevel {
                use_disk: true,
                ..level
            }
        } else {
            StorageLevel::MEMORY_AND_DISK
        };
        let codec: Arc<dyn BlockCodec> = Arc::new(RecordsCodec::<T>::new());
        self.node.set_persistence(Persistence {
            level,
            codec: Some(codec.clone()),
        });
        let node = Arc::downgrade(&self.node);
        let compute = self.compute.clone();
        // The job computes the partitions no executor holds; computing them stores them.
        let writer = move |tc: &TaskContext, split: usize| -> Result<Vec<u8>, TaskError> {
            let node = node
                .upgrade()
                .ok_or_else(|| TaskError::Exception("the RDD to checkpoint is gone".into()))?;
            iterate(&node, &**compute, tc, split)?.count();
            Ok(Vec::new())
        };
        self.node.mark_for_checkpoint(CheckpointMark {
            kind: CheckpointKind::Local,
            codec,
            writer: Arc::new(writer),
        });
        self
    }
}

/// Spark's `RDD.iterator`, over an RDD's node and compute function.
fn iterate<T: Data>(
    node: &RddNode,
    compute: &ComputeFn<T>,
    tc: &TaskContext,
    split: usize,
) -> Result<Records<T>, TaskError> {
    let p = node.persistence();
    match (p.level.is_valid(), p.codec) {
        (true, Some(codec)) => get_or_compute(node, compute, tc, split, p.level, codec),
        _ => compute_or_read_checkpoint(node, compute, tc, split),
    }
}

/// Spark's `getOrCompute`: the cached block if some executor has it, else the partition
/// computed (or read from its checkpoint) and staged for the block manager.
fn get_or_compute<T: Data>(
    node: &RddNode,
    compute: &ComputeFn<T>,
    tc: &TaskContext,
    split: usize,
    level: StorageLevel,
    codec: Arc<dyn BlockCodec>,
) -> Result<Records<T>, TaskError> {
    let block = BlockId::Rdd {
        rdd: node.id(),
        partition: split,
    };
    if let Some(found) = tc.get_block(block)? {
        let records = found
            .value
            .downcast_ref::<RecordBlock<T>>()
            .cloned()
            .ok_or_else(|| {
                TaskError::Exception(format!("{block} does not hold this RDD's records"))
            })?;
        if let Some(level) = found.recache {
            // A MEMORY_AND_DISK block read from disk goes back into memory.
            tc.stage_put(block_put(block, level, &records, &codec, true, tc)?);
        }
        return Ok(Records::from_block(records));
    }
    // A source's own block is shared, not copied; records an operation made are moved.
    let records = compute_or_read_checkpoint(node, compute, tc, split)?.into_block();
    tc.stage_put(block_put(block, level, &records, &codec, false, tc)?);
    Ok(Records::from_block(records))
}

/// Spark's `computeOrReadCheckpoint`.
fn compute_or_read_checkpoint<T: Data>(
    node: &RddNode,
    compute: &ComputeFn<T>,
    tc: &TaskContext,
    split: usize,
) -> Result<Records<T>, TaskError> {
    let Some(cp) = node.checkpointed() else {
        return compute(tc, split);
    };
    match &cp.kind {
        CheckpointKind::Local => Err(TaskError::Exception(format!(
            "Checkpoint block rdd_{}_{split} not found! Either the executor that originally \
             checkpointed this partition is no longer alive, or the original RDD is \
             unpersisted. If this problem persists, you may consider using `rdd.checkpoint()` \
             instead, which is slower than local checkpointing but more fault-tolerant.",
            node.id()
        ))),
        CheckpointKind::Reliable { dir } => {
            let path = checkpoint_file(dir, split);
            let fail = |m: String| TaskError::Exception(format!("reading checkpoint {path}: {m}"));
            let dfs = tc.dfs();
            let file = dfs
                .file(&path)
                .ok_or_else(|| fail("no such file in the DFS".into()))?;
            let (bytes, from) = dfs
                .read_range(&file, 0, file.len, Some(tc.host()))
                .map_err(|e| fail(e.to_string()))?;
            let value = cp.codec.decode(&bytes).map_err(|e| fail(e.to_string()))?;
            let records = value
                .downcast_ref::<RecordBlock<T>>()
                .cloned()
                .ok_or_else(|| fail("not this RDD's records".into()))?;
            let n = records.len() as u64;
            tc.metrics_mut(|m| {
                m.input_records += n;
                m.input_bytes += bytes.len() as u64;
                m.input_disk_bytes += from.local;
                m.input_network_bytes += from.rack + from.cross_rack;
                m.input_cross_rack_bytes += from.cross_rack;
                m.records_processed += n;
            });
            Ok(Records::from_block(records))
        }
    }
}

/// The put of a computed (or re-read) partition at `level`: deserialized levels keep the
/// records and their estimated size; serialized levels and disk-only levels are encoded by the
/// task, which counts the encoding (and a disk write) in its metrics.
fn block_put<T: Send + Sync + 'static>(
    block: BlockId,
    level: StorageLevel,
    records: &RecordBlock<T>,
    codec: &Arc<dyn BlockCodec>,
    recache: bool,
    tc: &TaskContext,
) -> Result<BlockPut, TaskError> {
    let n = records.len() as u64;
    let value: Arc<dyn std::any::Any + Send + Sync> = Arc::new(records.clone());
    let encode = || {
        codec
            .encode(&*value)
            .map(Arc::new)
            .map_err(|e| TaskError::Exception(format!("encoding {block}: {e}")))
    };
    // A replicated level sends the block's encoding to its peers as part of the put (Spark's
    // `replicate` runs inside `doPut`), so the task pays for it. Simplification: it pays
    // whenever the level asks for copies, even if the put then finds no room.
    let send_replicas = |len: u64| {
        if level.replication > 1 && !recache {
            tc.metrics_mut(|m| m.output_network_bytes += len * (level.replication as u64 - 1));
        }
    };
    if level.deserialized && level.use_memory {
        if level.replication > 1 && !recache {
            let bytes = encode()?;
            tc.metrics_mut(|m| m.records_processed += n);
            send_replicas(bytes.len() as u64);
        }
        return Ok(BlockPut {
            block,
            level,
            size: codec.estimate(&*value),
            value: BlockValue::Values(value),
            records: n,
            encoded: None,
            codec: CodecRef(codec.clone()),
            recache,
        });
    }
    let bytes = encode()?;
    tc.metrics_mut(|m| {
        m.records_processed += n;
        if !level.use_memory && !recache {
            m.disk_bytes_spilled += bytes.len() as u64;
        }
    });
    send_replicas(bytes.len() as u64);
    Ok(BlockPut {
        block,
        level,
        size: bytes.len() as u64,
        value: BlockValue::Bytes(bytes.clone()),
        records: n,
        encoded: Some(bytes),
        codec: CodecRef(codec.clone()),
        recache,
    })
}

//! The typed ends of a shuffle: the map-side writers and the reduce-side read of a
//! `ShuffledRDD`, over the byte-level [`crate::shuffle`].
//!
//! As in Spark, a shuffle without map-side combine (`group_by_key`, `partition_by`, a sort, a
//! join's side) writes each `(key, value)` record as it comes, encoded straight from the
//! reference the pipeline hands on; one with map-side combine (`reduce_by_key`) merges the
//! values of each key first and writes one record per key. Either way the reduce side reads
//! `(key, value)` records and applies its own step (merge, group, sort).

use super::{Key, Rdd, ShuffleData};
use crate::lineage::{
    Partitioner, ShuffleDependency, ShuffleId, ShuffleMapWriter, StableBuildHasher,
};
use crate::shuffle::layout::MapOutputBuilder;
use crate::shuffle::reader::{read_partition, Reader};
use crate::shuffle::MapStatus;
use crate::storage::BlockId;
use crate::task_context::{TaskContext, TaskError};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// A value-merging function, `f(accumulated, next)`.
pub(crate) type MergeFn<V> = Arc<dyn Fn(V, &V) -> V + Send + Sync>;

/// Writes every record of the parent as it comes.
pub(crate) struct RawPairWriter<K, V> {
    pub parent: Rdd<(K, V)>,
    pub partitioner: Partitioner,
}

/// Merges the values of each key with `merge` before writing (Spark's map-side combine).
pub(crate) struct CombiningPairWriter<K, V> {
    pub parent: Rdd<(K, V)>,
    pub partitioner: Partitioner,
    pub merge: MergeFn<V>,
}

impl<K: Key, V: ShuffleData> ShuffleMapWriter for RawPairWriter<K, V> {
    fn write(
        &self,
        tc: &TaskContext,
        shuffle: ShuffleId,
        map: usize,
    ) -> Result<MapStatus, TaskError> {
        let mut records = self.parent.iterator(tc, map)?.metered(tc, 1);
        let mut out = MapOutputBuilder::new();
        let mut failed = None;
        while let Some(c) = records.next_chunk() {
            c.for_each(|kv| {
                let p = self.partitioner.partition_of(&kv.0) as u32;
                if let Err(e) = out.push(p, kv) {
                    failed.get_or_insert(e);
                }
            });
        }
        if let Some(e) = failed {
            return Err(TaskError::Exception(format!(
                "encoding a shuffle record: {e}"
            )));
        }
        stage_map_output(tc, shuffle, map, self.partitioner.num_partitions(), out)
    }
}

impl<K: Key, V: ShuffleData> ShuffleMapWriter for CombiningPairWriter<K, V> {
    fn write(
        &self,
        tc: &TaskContext,
        shuffle: ShuffleId,
        map: usize,
    ) -> Result<MapStatus, TaskError> {
        let mut records = self.parent.iterator(tc, map)?.metered(tc, 1);
        let merge = &*self.merge;
        // Keys in first-seen order, each with its reduce partition and merged value.
        let mut index: HashMap<K, usize, StableBuildHasher> = HashMap::default();
        let mut open: Vec<(u32, K, Option<V>)> = Vec::new();
        while let Some(c) = records.next_chunk() {
            c.for_each_cow(|kv: Cow<'_, (K, V)>| {
                let i = match index.get(&kv.0) {
                    Some(&i) => i,
                    None => {
                        let p = self.partitioner.partition_of(&kv.0) as u32;
                        index.insert(kv.0.clone(), open.len());
                        open.push((p, kv.0.clone(), None));
                        open.len() - 1
                    }
                };
                let slot = &mut open[i].2;
                *slot = Some(match slot.take() {
                    Some(acc) => merge(acc, &kv.1),
                    None => match kv {
                        Cow::Owned((_, v)) => v,
                        Cow::Borrowed((_, v)) => v.clone(),
                    },
                });
            });
        }
        let mut out = MapOutputBuilder::new();
        for (p, k, v) in open {
            if let Some(v) = v {
                out.push(p, &(k, v))
                    .map_err(|e| TaskError::Exception(format!("encoding a shuffle record: {e}")))?;
            }
        }
        stage_map_output(tc, shuffle, map, self.partitioner.num_partitions(), out)
    }
}

/// Lays out a map output and stages its data and index blocks in the task's disk store.
fn stage_map_output(
    tc: &TaskContext,
    shuffle: ShuffleId,
    map: usize,
    reduces: usize,
    out: MapOutputBuilder,
) -> Result<MapStatus, TaskError> {
    let bytes = out.finish(reduces);
    tc.metrics_mut(|m| {
        m.shuffle_records_written += bytes.records;
        m.shuffle_bytes_written += bytes.data.len() as u64;
    });
    tc.stage_disk_write(BlockId::ShuffleData { shuffle, map }, bytes.data)?;
    tc.stage_disk_write(BlockId::ShuffleIndex { shuffle, map }, bytes.index)?;
    Ok(MapStatus {
        executor: tc.executor(),
        host: tc.env().host.clone(),
        rack: tc.env().rack.clone(),
        sizes: bytes.sizes,
    })
}

/// Reads reduce partition `split` of the shuffle `dep`, counting what it read.
pub(crate) fn read_shuffle<K: Key, V: ShuffleData>(
    tc: &TaskContext,
    dep: &ShuffleDependency,
    split: usize,
) -> Result<Vec<(K, V)>, TaskError> {
    let shuffle = dep
        .shuffle_id()
        .ok_or_else(|| TaskError::Exception("shuffle has no id".into()))?;
    let fail = |map: usize, executor: Option<usize>, message: String| TaskError::FetchFailed {
        shuffle,
        map,
        reduce: split,
        executor,
        message,
    };
    let plan = tc.shuffle_inputs().get(shuffle).ok_or_else(|| {
        fail(
            0,
            None,
            "no map output locations were sent with the task".into(),
        )
    })?;
    let me = Reader {
        executor: tc.executor(),
        host: tc.host(),
        rack: tc.rack(),
    };
    let (records, m) = read_partition(plan, &tc.env().transfer, shuffle, split, me)
        .map_err(|f| fail(f.map, f.executor, f.message))?;
    tc.metrics_mut(|t| {
        t.shuffle_records_read += m.records;
        t.shuffle_local_bytes += m.local_bytes;
        t.shuffle_remote_bytes += m.remote_bytes;
        t.shuffle_cross_rack_bytes += m.cross_rack_bytes;
        t.shuffle_local_blocks += m.local_blocks;
        t.shuffle_remote_blocks += m.remote_blocks;
    });
    Ok(records)
}

/// Merges equal keys' values with `merge`, in first-seen key order.
pub(crate) fn combine_by_key<K: Key, V>(
    records: impl IntoIterator<Item = (K, V)>,
    merge: &dyn Fn(V, &V) -> V,
) -> Vec<(K, V)> {
    let mut index: HashMap<K, usize, StableBuildHasher> = HashMap::default();
    let mut out: Vec<(K, Option<V>)> = Vec::new();
    for (k, v) in records {
        match index.get(&k) {
            Some(&i) => {
                let acc = out[i].1.take();
                out[i].1 = acc.map(|a| merge(a, &v));
            }
            None => {
                index.insert(k.clone(), out.len());
                out.push((k, Some(v)));
            }
        }
    }
    out.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// Gathers equal keys' values, in first-seen key order.
pub(crate) fn group_by_key_local<K: Key, V>(
    records: impl IntoIterator<Item = (K, V)>,
) -> Vec<(K, Vec<V>)> {
    let mut index: HashMap<K, usize, StableBuildHasher> = HashMap::default();
    let mut out: Vec<(K, Vec<V>)> = Vec::new();
    for (k, v) in records {
        match index.get(&k) {
            Some(&i) => out[i].1.push(v),
            None => {
                index.insert(k.clone(), out.len());
                out.push((k, vec![v]));
            }
        }
    }
    out
}

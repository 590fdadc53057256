//! The map side of a shuffle: partition a map task's records by key, optionally combine them,
//! and write the data and index files (layout in the [module docs](super)).

use super::{data_file, index_file, MapStatus};
use crate::rdd::partitioner::StableBuildHasher;
use crate::rdd::ShuffleData;
use crate::rdd::{Key, Partitioner, Rdd, ShuffleId};
use crate::task_context::{TaskContext, TaskError};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

/// The code a shuffle map task runs: compute one map partition and write its output.
pub trait ShuffleMapWriter: Send + Sync {
    /// Computes map partition `map` and writes its shuffle files into the task's work folder.
    fn write(
        &self,
        tc: &TaskContext,
        shuffle: ShuffleId,
        map: usize,
    ) -> Result<MapStatus, TaskError>;
}

/// Spark's `Aggregator`: how values of one key become a combiner.
pub struct Aggregator<V, C> {
    pub create_combiner: Box<dyn Fn(V) -> C + Send + Sync>,
    pub merge_value: Box<dyn Fn(C, V) -> C + Send + Sync>,
    pub merge_combiners: Box<dyn Fn(C, C) -> C + Send + Sync>,
}

/// Writes the records of an `Rdd<(K, V)>` as `(K, C)` blocks, combining values on the map
/// side when `combine` is set (and otherwise turning each value into a `C` on its own).
pub(crate) struct PairShuffleWriter<K, V, C> {
    pub parent: Rdd<(K, V)>,
    pub partitioner: Partitioner,
    pub aggregator: Arc<Aggregator<V, C>>,
    pub combine: bool,
}

impl<K: Key, V: ShuffleData, C: ShuffleData> ShuffleMapWriter for PairShuffleWriter<K, V, C> {
    fn write(
        &self,
        tc: &TaskContext,
        shuffle: ShuffleId,
        map: usize,
    ) -> Result<MapStatus, TaskError> {
        let n = self.partitioner.num_partitions();
        let records = self.parent.iterator(tc, map)?;
        let mut buckets: Vec<Vec<(K, C)>> = (0..n).map(|_| Vec::new()).collect();
        let agg = &self.aggregator;
        if self.combine {
            let mut maps: Vec<HashMap<K, C, StableBuildHasher>> =
                (0..n).map(|_| HashMap::default()).collect();
            for (k, v) in records {
                let p = self.partitioner.partition_of(&k);
                let m = &mut maps[p];
                match m.remove(&k) {
                    Some(c) => {
                        m.insert(k, (agg.merge_value)(c, v));
                    }
                    None => {
                        m.insert(k, (agg.create_combiner)(v));
                    }
                }
            }
            for (p, m) in maps.into_iter().enumerate() {
                buckets[p] = m.into_iter().collect();
            }
        } else {
            for (k, v) in records {
                let p = self.partitioner.partition_of(&k);
                buckets[p].push((k, (agg.create_combiner)(v)));
            }
        }
        let written: u64 = buckets.iter().map(|b| b.len() as u64).sum();
        let status = write_map_output(tc, shuffle, map, &buckets)?;
        tc.metrics_mut(|m| {
            m.shuffle_records_written += written;
            m.shuffle_bytes_written += status.total_bytes();
        });
        Ok(status)
    }
}

/// Serializes each bucket and writes the data and index files of one map output.
fn write_map_output<T: serde::Serialize>(
    tc: &TaskContext,
    shuffle: ShuffleId,
    map: usize,
    buckets: &[Vec<T>],
) -> Result<MapStatus, TaskError> {
    let io = |e: std::io::Error| {
        TaskError::Exception(format!("writing shuffle {shuffle} map {map}: {e}"))
    };
    let dir = tc.work_dir();
    let mut data = Vec::new();
    let mut offsets = Vec::with_capacity(buckets.len() + 1);
    let mut sizes = Vec::new();
    offsets.push(0u64);
    for (r, bucket) in buckets.iter().enumerate() {
        if !bucket.is_empty() {
            let bytes = postcard::to_stdvec(bucket)
                .map_err(|e| TaskError::Exception(format!("serializing shuffle block: {e}")))?;
            sizes.push((r as u32, bytes.len() as u64));
            data.extend_from_slice(&bytes);
        }
        offsets.push(data.len() as u64);
    }
    let mut index = Vec::with_capacity(offsets.len() * 8);
    for o in offsets {
        index.extend_from_slice(&o.to_le_bytes());
    }
    write_atomically(&data_file(dir, shuffle, map), &data).map_err(io)?;
    write_atomically(&index_file(dir, shuffle, map), &index).map_err(io)?;
    Ok(MapStatus {
        executor: tc.executor(),
        host: Arc::from(tc.host()),
        sizes,
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Reads segment `reduce` of map `map`'s data file in `dir`.
pub fn read_segment(
    dir: &Path,
    shuffle: ShuffleId,
    map: usize,
    reduce: usize,
) -> std::io::Result<Vec<u8>> {
    let mut index = std::fs::File::open(index_file(dir, shuffle, map))?;
    index.seek(SeekFrom::Start(reduce as u64 * 8))?;
    let mut buf = [0u8; 16];
    index.read_exact(&mut buf)?;
    let start = u64::from_le_bytes(buf[..8].try_into().unwrap_or_default());
    let end = u64::from_le_bytes(buf[8..].try_into().unwrap_or_default());
    let mut data = std::fs::File::open(data_file(dir, shuffle, map))?;
    data.seek(SeekFrom::Start(start))?;
    let mut out = vec![0u8; end.saturating_sub(start) as usize];
    data.read_exact(&mut out)?;
    Ok(out)
}

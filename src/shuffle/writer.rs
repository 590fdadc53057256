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
        let records = self.parent.iterator(tc, map)?;
        let agg = &self.aggregator;
        // (reduce partition, key, combiner), in first-seen order; then grouped by partition.
        let mut rows: Vec<(u32, K, C)> = Vec::new();
        if self.combine {
            let mut index: HashMap<K, usize, StableBuildHasher> = HashMap::default();
            let mut open: Vec<(u32, K, Option<C>)> = Vec::new();
            for (k, v) in records {
                match index.get(&k) {
                    Some(&i) => {
                        let c = open[i].2.take();
                        open[i].2 = c.map(|c| (agg.merge_value)(c, v));
                    }
                    None => {
                        let p = self.partitioner.partition_of(&k) as u32;
                        index.insert(k.clone(), open.len());
                        open.push((p, k, Some((agg.create_combiner)(v))));
                    }
                }
            }
            rows.extend(
                open.into_iter()
                    .filter_map(|(p, k, c)| c.map(|c| (p, k, c))),
            );
        } else {
            for (k, v) in records {
                let p = self.partitioner.partition_of(&k) as u32;
                rows.push((p, k, (agg.create_combiner)(v)));
            }
        }
        rows.sort_by_key(|r| r.0);
        let written = rows.len() as u64;
        let status = write_map_output(tc, shuffle, map, self.partitioner.num_partitions(), rows)?;
        tc.metrics_mut(|m| {
            m.shuffle_records_written += written;
            m.shuffle_bytes_written += status.total_bytes();
        });
        Ok(status)
    }
}

/// Serializes each reduce partition's records (`rows`, grouped by partition) and writes the
/// data and index files of one map output.
fn write_map_output<K: serde::Serialize, C: serde::Serialize>(
    tc: &TaskContext,
    shuffle: ShuffleId,
    map: usize,
    reduces: usize,
    rows: Vec<(u32, K, C)>,
) -> Result<MapStatus, TaskError> {
    let io = |e: std::io::Error| {
        TaskError::Exception(format!("writing shuffle {shuffle} map {map}: {e}"))
    };
    let dir = tc.work_dir();
    let mut data = Vec::new();
    let mut blocks: Vec<(u32, u64, u64)> = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while let Some((p, k, c)) = rows.next() {
        let mut bucket = vec![(k, c)];
        while let Some((_, k, c)) = rows.next_if(|r| r.0 == p) {
            bucket.push((k, c));
        }
        let bytes = postcard::to_stdvec(&bucket)
            .map_err(|e| TaskError::Exception(format!("serializing shuffle block: {e}")))?;
        let start = data.len() as u64;
        data.extend_from_slice(&bytes);
        blocks.push((p, start, data.len() as u64));
    }
    let index = encode_index(reduces, &blocks);
    write_atomically(&data_file(dir, shuffle, map), &data, tc.task_id()).map_err(io)?;
    write_atomically(&index_file(dir, shuffle, map), &index, tc.task_id()).map_err(io)?;
    Ok(MapStatus {
        executor: tc.executor(),
        host: Arc::from(tc.host()),
        sizes: blocks.iter().map(|(r, s, e)| (*r, e - s)).collect(),
    })
}

/// Writes `bytes` to `path`. A new file is written in place: nobody reads a map output before
/// its task has completed. A file that exists already (a retry on the same executor, whose
/// earlier output someone may still read) is replaced atomically through a rename of a file
/// named after the writing task.
fn write_atomically(path: &Path, bytes: &[u8], task: usize) -> std::io::Result<()> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => f.write_all(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let tmp = path.with_extension(format!("tmp{task}"));
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, path)
        }
        Err(e) => Err(e),
    }
}

/// The index of one map output. Dense (Spark's layout: `reduces + 1` offsets) when at least a
/// quarter of the blocks are non-empty; sparse (`(reduce, start, end)` for the non-empty blocks
/// only) otherwise, so that a map task with a few records among thousands of reduce partitions
/// does not write kilobytes of zeros. The first 8 bytes say which.
fn encode_index(reduces: usize, blocks: &[(u32, u64, u64)]) -> Vec<u8> {
    if blocks.len() * 4 >= reduces {
        let mut offsets = vec![0u64; reduces + 1];
        let mut pos = 0;
        let mut next = blocks.iter().peekable();
        for (r, slot) in offsets.iter_mut().enumerate().take(reduces) {
            *slot = pos;
            if let Some((_, _, end)) = next.next_if(|b| b.0 as usize == r) {
                pos = *end;
            }
        }
        offsets[reduces] = pos;
        let mut out = Vec::with_capacity(8 + offsets.len() * 8);
        out.extend_from_slice(&DENSE.to_le_bytes());
        for o in offsets {
            out.extend_from_slice(&o.to_le_bytes());
        }
        out
    } else {
        let mut out = Vec::with_capacity(8 + blocks.len() * 20);
        out.extend_from_slice(&SPARSE.to_le_bytes());
        for (r, start, end) in blocks {
            out.extend_from_slice(&r.to_le_bytes());
            out.extend_from_slice(&start.to_le_bytes());
            out.extend_from_slice(&end.to_le_bytes());
        }
        out
    }
}

const DENSE: u64 = 0;
const SPARSE: u64 = 1;

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// Where block `reduce` lies in the data file, from the index file's bytes (`None`: empty).
fn find_in_index(index: &[u8], reduce: usize) -> std::io::Result<Option<(u64, u64)>> {
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "corrupt shuffle index");
    if index.len() < 8 {
        return Err(bad());
    }
    let body = &index[8..];
    match le_u64(index) {
        DENSE => {
            let at = reduce * 8;
            if body.len() < at + 16 {
                return Err(bad());
            }
            let (start, end) = (le_u64(&body[at..]), le_u64(&body[at + 8..]));
            Ok((end > start).then_some((start, end)))
        }
        SPARSE => {
            let entries: Vec<&[u8]> = body.chunks_exact(20).collect();
            let key = |e: &&[u8]| u32::from_le_bytes([e[0], e[1], e[2], e[3]]) as usize;
            Ok(entries
                .binary_search_by_key(&reduce, key)
                .ok()
                .map(|i| (le_u64(&entries[i][4..]), le_u64(&entries[i][12..]))))
        }
        _ => Err(bad()),
    }
}

/// Reads segment `reduce` of map `map`'s data file in `dir` (empty if the block is empty).
pub fn read_segment(
    dir: &Path,
    shuffle: ShuffleId,
    map: usize,
    reduce: usize,
) -> std::io::Result<Vec<u8>> {
    let index = std::fs::read(index_file(dir, shuffle, map))?;
    let Some((start, end)) = find_in_index(&index, reduce)? else {
        return Ok(Vec::new());
    };
    let mut data = std::fs::File::open(data_file(dir, shuffle, map))?;
    data.seek(SeekFrom::Start(start))?;
    let mut out = vec![0u8; end.saturating_sub(start) as usize];
    data.read_exact(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_indexes_find_the_same_blocks() {
        // 12 reduces; only blocks 1 (10 bytes) and 5 (7 bytes) are non-empty.
        let blocks = [(1u32, 0u64, 10u64), (5, 10, 17)];
        let sparse = encode_index(12, &blocks);
        assert_eq!(le_u64(&sparse), SPARSE);
        // The same output over 4 reduces is dense.
        let dense = encode_index(4, &[(1, 0, 10)]);
        assert_eq!(le_u64(&dense), DENSE);
        let offsets: Vec<u64> = dense[8..].chunks(8).map(le_u64).collect();
        assert_eq!(offsets, vec![0, 0, 10, 10, 10]);
        assert_eq!(find_in_index(&dense, 1).unwrap(), Some((0, 10)));
        assert_eq!(find_in_index(&dense, 3).unwrap(), None);
        assert_eq!(find_in_index(&sparse, 1).unwrap(), Some((0, 10)));
        assert_eq!(find_in_index(&sparse, 5).unwrap(), Some((10, 17)));
        assert_eq!(find_in_index(&sparse, 0).unwrap(), None);
        assert_eq!(find_in_index(&sparse, 11).unwrap(), None);
        assert!(find_in_index(&[1, 2], 0).is_err());
    }

    #[test]
    fn a_mostly_full_output_gets_sparks_dense_index() {
        let index = encode_index(2, &[(0, 0, 3), (1, 3, 6)]);
        assert_eq!(le_u64(&index), DENSE);
        assert_eq!(index.len(), 8 + 3 * 8);
    }
}

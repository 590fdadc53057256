//! The map side of a MapReduce task after the mapper: Hadoop's `MapOutputBuffer`.
//!
//! Each record the mapper emits is partitioned (by the job's partitioner, the reduce side's),
//! serialized to count its bytes, and buffered. When the buffer reaches its limit
//! (`io.sort.mb × io.sort.spill.percent`), its records are sorted by partition and key, the
//! combiner (if the job has one) folds each key's values, and the run is spilled to the
//! executor's local disk as one file. At the end of the task the last records are sorted and
//! combined too; if there were spills, every spill is read back and merged with them (one
//! merge pass: Hadoop merges `io.sort.factor` = 10 files at a time, and more only in passes)
//! and combined again. What comes out, sorted by partition and key, is the map output the
//! shuffle writes. This module does not write the map output itself (the shuffle does) and
//! knows nothing of the mapper.

use crate::lineage::Partitioner;
use crate::rdd::Key;
use crate::storage::BlockId;
use crate::task_context::TaskContext;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;

/// Folds two values of one key into one (Hadoop's combiner, a reducer run on the map side).
pub type Combiner<K, V> = Arc<dyn Fn(&K, V, V) -> V + Send + Sync>;

/// A map task's output buffer: partition, sort, combine, spill, merge.
pub struct MapOutputBuffer<K, V> {
    partitioner: Partitioner,
    combiner: Option<Combiner<K, V>>,
    /// Serialized bytes buffered before a spill.
    limit: u64,
    records: Vec<(u32, K, V)>,
    bytes: u64,
    spills: Vec<BlockId>,
    tc: TaskContext,
    /// What the buffer did.
    pub counters: SpillCounters,
}

/// What the buffer did, for the task's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpillCounters {
    /// Records the mapper emitted.
    pub map_output_records: u64,
    /// Their serialized bytes.
    pub map_output_bytes: u64,
    /// Spill files written (the map output itself not counted).
    pub spills: u64,
}

impl<K, V> MapOutputBuffer<K, V>
where
    K: Key,
    V: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// A buffer of task `tc` that spills after `limit` serialized bytes.
    pub fn new(
        partitioner: Partitioner,
        combiner: Option<Combiner<K, V>>,
        limit: u64,
        tc: TaskContext,
    ) -> Self {
        MapOutputBuffer {
            partitioner,
            combiner,
            limit: limit.max(1),
            records: Vec::new(),
            bytes: 0,
            spills: Vec::new(),
            tc,
            counters: SpillCounters::default(),
        }
    }

    /// Buffers one record; spills when the buffer is full.
    pub fn collect(&mut self, key: K, value: V) {
        // Its serialized size, counted without writing it anywhere (the record itself is kept
        // and serialized once, when the map output is written).
        let mut size = ByteCount(0);
        let n = match postcard::to_io(&(&key, &value), &mut size) {
            Ok(_) => size.0,
            Err(_) => 0,
        };
        let p = self.partitioner.partition_of(&key) as u32;
        self.records.push((p, key, value));
        self.bytes += n;
        self.counters.map_output_records += 1;
        self.counters.map_output_bytes += n;
        if self.bytes >= self.limit {
            self.spill();
        }
    }

    /// Sorts `records` by partition and key (stably: equal keys keep their order, so runs
    /// concatenated in order merge in order) and combines each key's values.
    fn sort_and_combine(&self, mut records: Vec<(u32, K, V)>) -> Vec<(u32, K, V)> {
        records.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let Some(combine) = &self.combiner else {
            return records;
        };
        let mut out: Vec<(u32, K, V)> = Vec::with_capacity(records.len());
        for (p, k, v) in records {
            match out.last_mut() {
                Some(last) if last.0 == p && last.1 == k => {
                    let prev = last.2.clone();
                    last.2 = combine(&k, prev, v);
                }
                _ => out.push((p, k, v)),
            }
        }
        out
    }

    /// Sorts, combines and writes the buffer to the local disk as a spill file.
    fn spill(&mut self) {
        let records = std::mem::take(&mut self.records);
        let run = self.sort_and_combine(records);
        self.bytes = 0;
        let bytes = match postcard::to_stdvec(&run) {
            Ok(b) => b,
            Err(e) => panic!("serializing a spill: {e}"),
        };
        let n = bytes.len() as u64;
        let id = BlockId::Spill {
            task: self.tc.task_id(),
            spill: self.spills.len(),
        };
        if let Err(e) = self.tc.env().disk.put(id, bytes) {
            panic!("writing {id}: {e}");
        }
        self.tc.metrics_mut(|m| m.spill_bytes_written += n);
        self.spills.push(id);
        self.counters.spills += 1;
    }

    /// The map output: every record sorted by partition and key, combined; the spills read
    /// back, merged and deleted.
    pub fn flush(mut self) -> Vec<(K, V)> {
        if self.spills.is_empty() {
            let records = std::mem::take(&mut self.records);
            let run = self.sort_and_combine(records);
            return run.into_iter().map(|(_, k, v)| (k, v)).collect();
        }
        if !self.records.is_empty() {
            self.spill();
        }
        let mut all: Vec<(u32, K, V)> = Vec::new();
        for id in std::mem::take(&mut self.spills) {
            let bytes = match self.tc.env().disk.get(id) {
                Ok(Some(b)) => b,
                Ok(None) => panic!("{id} is gone from the local disk"),
                Err(e) => panic!("reading {id}: {e}"),
            };
            self.tc
                .metrics_mut(|m| m.spill_bytes_read += bytes.len() as u64);
            match postcard::from_bytes::<Vec<(u32, K, V)>>(&bytes) {
                Ok(run) => all.extend(run),
                Err(e) => panic!("reading {id}: {e}"),
            }
            self.tc.env().disk.remove(id);
        }
        // Each spill is sorted: the stable sort merges the runs in spill order.
        let merged = self.sort_and_combine(all);
        merged.into_iter().map(|(_, k, v)| (k, v)).collect()
    }
}

/// A writer that only counts the bytes written to it.
struct ByteCount(u64);

impl std::io::Write for ByteCount {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

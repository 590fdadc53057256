//! Shuffle: map outputs written as real files, tracked by the driver, fetched by reducers.
//!
//! This module owns the [`MapOutputTracker`] (driver side: which executor holds each map
//! output and how many bytes it has for each reduce partition, with an epoch), the map-side
//! writer ([`writer`]), the reduce-side reader ([`reader`]), and the [`BlockTransferService`]
//! through which an executor reads another executor's shuffle files. It does not decide when
//! a map stage runs or reruns: that is the DAG scheduler's.
//!
//! ## File layout
//!
//! Like Spark's sort-based shuffle, each map task writes two files into its executor's work
//! folder, `<work>/exec-<n>/`:
//! - `shuffle_<shuffle>_<map>_0.data`: the records for every reduce partition, one segment after
//!   another, each segment a postcard-serialized `Vec<(K, C)>`;
//! - `shuffle_<shuffle>_<map>_0.index`: where each segment lies. All numbers are little-endian.
//!   The first `u64` is the kind: `0` (dense, Spark's layout) is followed by `reduces + 1`
//!   `u64` offsets, segment `r` being `offsets[r]..offsets[r+1]`; `1` (sparse, used when fewer
//!   than a quarter of the blocks are non-empty) is followed by one `(reduce: u32, start: u64,
//!   end: u64)` entry per non-empty block, by reduce. A map task with a handful of records among
//!   thousands of reduce partitions so writes bytes, not kilobytes of zero offsets.
//!
//! Block `shuffle_<shuffle>_<map>_<reduce>` is segment `reduce` of map `map`'s data file. ember
//! names map outputs by map partition index (Spark 3+ uses the map task's attempt id as
//! `mapId`), so retries of a map task on the same executor replace its files atomically.

pub mod reader;
pub mod writer;

pub use writer::ShuffleMapWriter;

use crate::rdd::ShuffleId;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// What a finished map task reports: where its output is and its size for each reduce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapStatus {
    /// The executor whose work folder holds the files.
    pub executor: usize,
    /// That executor's host.
    pub host: Arc<str>,
    /// `(reduce, bytes)` for every reduce partition with a non-empty block, by reduce index.
    pub sizes: Vec<(u32, u64)>,
}

impl MapStatus {
    /// Bytes this map output holds for `reduce` (0 if none).
    pub fn size_for(&self, reduce: usize) -> u64 {
        match self
            .sizes
            .binary_search_by_key(&(reduce as u32), |(r, _)| *r)
        {
            Ok(i) => self.sizes[i].1,
            Err(_) => 0,
        }
    }

    /// Total bytes written.
    pub fn total_bytes(&self) -> u64 {
        self.sizes.iter().map(|(_, b)| b).sum()
    }
}

/// The map outputs of one shuffle as a task sees them: slot `m` is map `m`'s status, if any.
pub type MapStatuses = Arc<Vec<Option<Arc<MapStatus>>>>;

/// The map outputs a task may read, by shuffle, as the driver knew them when the task set was
/// made (Spark's executors ask the tracker; ember sends them with the task so that nothing but
/// task descriptions and status updates crosses the executor boundary).
#[derive(Clone, Debug, Default)]
pub struct ShuffleInputs {
    pub(crate) by_shuffle: BTreeMap<ShuffleId, MapStatuses>,
}

impl ShuffleInputs {
    /// The statuses of `shuffle`, if the task was sent any.
    pub fn get(&self, shuffle: ShuffleId) -> Option<&MapStatuses> {
        self.by_shuffle.get(&shuffle)
    }
}

struct ShuffleStatus {
    outputs: MapStatuses,
    num_reduces: usize,
}

/// The driver's record of every shuffle's map outputs (Spark's `MapOutputTrackerMaster`).
///
/// The epoch goes up whenever outputs are lost and after every map stage completes; task sets
/// are stamped with it so that results from an executor lost since can be told apart.
#[derive(Default)]
pub struct MapOutputTracker {
    shuffles: BTreeMap<ShuffleId, ShuffleStatus>,
    epoch: u64,
}

impl MapOutputTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the shuffle has been registered.
    pub fn contains(&self, shuffle: ShuffleId) -> bool {
        self.shuffles.contains_key(&shuffle)
    }

    /// Registers a shuffle with all its slots empty (does nothing if already known).
    pub fn register_shuffle(&mut self, shuffle: ShuffleId, maps: usize, reduces: usize) {
        self.shuffles
            .entry(shuffle)
            .or_insert_with(|| ShuffleStatus {
                outputs: Arc::new(vec![None; maps]),
                num_reduces: reduces,
            });
    }

    /// Records map `map`'s output.
    pub fn register_map_output(&mut self, shuffle: ShuffleId, map: usize, status: MapStatus) {
        if let Some(s) = self.shuffles.get_mut(&shuffle) {
            if let Some(slot) = Arc::make_mut(&mut s.outputs).get_mut(map) {
                *slot = Some(Arc::new(status));
            }
        }
    }

    /// Forgets map `map`'s output if it is on `executor`; returns whether it was. Bumps the epoch.
    pub fn unregister_map_output(
        &mut self,
        shuffle: ShuffleId,
        map: usize,
        executor: usize,
    ) -> bool {
        let Some(s) = self.shuffles.get_mut(&shuffle) else {
            return false;
        };
        let on_exec = matches!(s.outputs.get(map), Some(Some(st)) if st.executor == executor);
        if on_exec {
            Arc::make_mut(&mut s.outputs)[map] = None;
            self.epoch += 1;
        }
        on_exec
    }

    /// Forgets every map output held by `executor`; returns the lost maps by shuffle. Bumps the
    /// epoch.
    pub fn remove_outputs_on_executor(
        &mut self,
        executor: usize,
    ) -> BTreeMap<ShuffleId, Vec<usize>> {
        let mut lost = BTreeMap::new();
        for (sid, s) in &mut self.shuffles {
            let maps: Vec<usize> = s
                .outputs
                .iter()
                .enumerate()
                .filter(|(_, o)| matches!(o, Some(st) if st.executor == executor))
                .map(|(m, _)| m)
                .collect();
            if !maps.is_empty() {
                let outputs = Arc::make_mut(&mut s.outputs);
                for m in &maps {
                    outputs[*m] = None;
                }
                lost.insert(*sid, maps);
            }
        }
        self.epoch += 1;
        lost
    }

    /// Map partitions with no registered output (all of them if the shuffle is unknown).
    pub fn missing_partitions(&self, shuffle: ShuffleId, maps: usize) -> Vec<usize> {
        match self.shuffles.get(&shuffle) {
            Some(s) => s
                .outputs
                .iter()
                .enumerate()
                .filter(|(_, o)| o.is_none())
                .map(|(m, _)| m)
                .collect(),
            None => (0..maps).collect(),
        }
    }

    /// Whether every map output of the shuffle is registered.
    pub fn is_available(&self, shuffle: ShuffleId) -> bool {
        self.shuffles
            .get(&shuffle)
            .is_some_and(|s| s.outputs.iter().all(Option::is_some))
    }

    /// The current statuses of a shuffle (cheap: shared until the tracker next changes).
    pub fn statuses(&self, shuffle: ShuffleId) -> Option<MapStatuses> {
        self.shuffles.get(&shuffle).map(|s| s.outputs.clone())
    }

    /// The number of reduce partitions of a registered shuffle.
    pub fn num_reduces(&self, shuffle: ShuffleId) -> Option<usize> {
        self.shuffles.get(&shuffle).map(|s| s.num_reduces)
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Bumps the epoch (Spark does after every map stage completes).
    pub fn increment_epoch(&mut self) {
        self.epoch += 1;
    }
}

/// The file a map output's index is in.
pub fn index_file(dir: &Path, shuffle: ShuffleId, map: usize) -> PathBuf {
    dir.join(format!("shuffle_{shuffle}_{map}_0.index"))
}

/// The file a map output's records are in.
pub fn data_file(dir: &Path, shuffle: ShuffleId, map: usize) -> PathBuf {
    dir.join(format!("shuffle_{shuffle}_{map}_0.data"))
}

/// How executors reach each other's shuffle files (Spark's `BlockTransferService` and
/// external shuffle service, reduced to reading another executor's work folder). An executor
/// that is gone serves nothing.
#[derive(Default)]
pub struct BlockTransferService {
    endpoints: RwLock<BTreeMap<usize, (PathBuf, bool)>>,
}

impl BlockTransferService {
    /// A service with no executors.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes executor `executor`'s work folder reachable.
    pub fn register(&self, executor: usize, dir: PathBuf) {
        if let Ok(mut e) = self.endpoints.write() {
            e.insert(executor, (dir, true));
        }
    }

    /// Stops serving executor `executor`'s blocks (it is gone).
    pub fn mark_lost(&self, executor: usize) {
        if let Ok(mut e) = self.endpoints.write() {
            if let Some(ep) = e.get_mut(&executor) {
                ep.1 = false;
            }
        }
    }

    /// Reads block `shuffle_<shuffle>_<map>_<reduce>` from `executor`'s files.
    pub fn fetch(
        &self,
        executor: usize,
        shuffle: ShuffleId,
        map: usize,
        reduce: usize,
    ) -> Result<Vec<u8>, String> {
        let dir = {
            let e = self
                .endpoints
                .read()
                .map_err(|_| "transfer service poisoned".to_string())?;
            match e.get(&executor) {
                Some((dir, true)) => dir.clone(),
                Some((_, false)) => return Err(format!("executor exec-{executor} is lost")),
                None => return Err(format!("executor exec-{executor} is unknown")),
            }
        };
        writer::read_segment(&dir, shuffle, map, reduce).map_err(|e| e.to_string())
    }
}

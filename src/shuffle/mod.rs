//! Shuffle: map outputs written as real bytes into executors' disk stores, tracked by the
//! driver, fetched by reducers.
//!
//! This module owns the [`MapOutputTracker`] (driver side: which executor holds each map
//! output and how many bytes it has for each reduce partition, with an epoch), the byte layout
//! of a map output ([`layout`]), the reduce-side fetch ([`reader`]), the read plans a reduce
//! task is sent ([`ShuffleInputs`]), and the [`BlockTransferService`] through which an executor
//! reads another executor's disk store. It works on bytes and serde records only: it knows
//! nothing of RDDs or tasks, and does not decide when a map stage runs or reruns (that is the
//! DAG scheduler's).
//!
//! ## File layout
//!
//! Like Spark's sort-based shuffle, each map task writes two blocks into its executor's
//! [`DiskStore`] (real files `<work>/exec-<n>/shuffle_<s>_<m>_0.data` with the files medium):
//! - `shuffle_<shuffle>_<map>_0.data`: the records for every reduce partition, one segment after
//!   another, each segment a postcard-serialized `Vec` of `(key, value)` records;
//! - `shuffle_<shuffle>_<map>_0.index`: where each segment lies. All numbers are little-endian.
//!   The first `u64` is the kind: `0` (dense, Spark's layout) is followed by `reduces + 1`
//!   `u64` offsets, segment `r` being `offsets[r]..offsets[r+1]`; `1` (sparse, used when fewer
//!   than a quarter of the blocks are non-empty) is followed by one `(reduce: u32, start: u64,
//!   end: u64)` entry per non-empty block, by reduce. A map task with a handful of records among
//!   thousands of reduce partitions so writes bytes, not kilobytes of zero offsets.
//!
//! Block `shuffle_<shuffle>_<map>_<reduce>` is segment `reduce` of map `map`'s data file. ember
//! names map outputs by map partition index (Spark 3+ uses the map task's attempt id as
//! `mapId`): a retry's output replaces the earlier one when it is committed.

pub mod layout;
pub mod reader;

use crate::membership::Membership;
use crate::storage::{BlockId, DiskStore};
use bytes::Bytes;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// Ids of shuffles, counted from 0 in the order Spark's DAG scheduler first meets them.
pub type ShuffleId = usize;

/// What a finished map task reports: where its output is and its size for each reduce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapStatus {
    /// The executor whose disk store holds the output.
    pub executor: usize,
    /// That executor's host.
    pub host: Arc<str>,
    /// That host's rack.
    pub rack: Arc<str>,
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

/// The map outputs of one shuffle as the driver knows them: slot `m` is map `m`'s status.
pub type MapStatuses = Arc<Vec<Option<Arc<MapStatus>>>>;

/// What a reduce task needs to read one shuffle: the map statuses as the driver knew them when
/// the task set was made, and for each reduce partition the non-empty blocks to fetch. Built
/// once per stage attempt and shared by its tasks, so that a reduce task touches only the
/// blocks it reads, not every map output.
#[derive(Debug)]
pub struct ShuffleReadPlan {
    statuses: MapStatuses,
    /// For each reduce partition, `(map, bytes)` of each non-empty block, by map.
    blocks: Vec<Vec<(u32, u64)>>,
    /// The first map with no registered output, if any: reading fails there.
    missing: Option<usize>,
}

impl ShuffleReadPlan {
    /// The plan for `statuses` over `reduces` reduce partitions.
    pub fn new(statuses: MapStatuses, reduces: usize) -> Self {
        let mut blocks = vec![Vec::new(); reduces];
        let mut missing = None;
        for (m, st) in statuses.iter().enumerate() {
            match st {
                Some(st) => {
                    for &(r, size) in &st.sizes {
                        if let Some(b) = blocks.get_mut(r as usize) {
                            b.push((m as u32, size));
                        }
                    }
                }
                None => {
                    missing.get_or_insert(m);
                }
            }
        }
        ShuffleReadPlan {
            statuses,
            blocks,
            missing,
        }
    }

    /// The statuses, by map.
    pub fn statuses(&self) -> &MapStatuses {
        &self.statuses
    }

    /// The non-empty blocks of reduce partition `reduce`: `(map, bytes)`.
    pub fn blocks_for(&self, reduce: usize) -> &[(u32, u64)] {
        self.blocks.get(reduce).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first map with no output, if any.
    pub fn first_missing(&self) -> Option<usize> {
        self.missing
    }
}

/// The map outputs a task may read, by shuffle (Spark's executors ask the tracker; ember sends
/// the plans with the task so that nothing but task descriptions and status updates crosses
/// the executor boundary).
#[derive(Debug, Default)]
pub struct ShuffleInputs {
    by_shuffle: BTreeMap<ShuffleId, ShuffleReadPlan>,
}

impl ShuffleInputs {
    /// Adds the plan of `shuffle`.
    pub fn insert(&mut self, shuffle: ShuffleId, plan: ShuffleReadPlan) {
        self.by_shuffle.insert(shuffle, plan);
    }

    /// The plan of `shuffle`, if the task was sent one.
    pub fn get(&self, shuffle: ShuffleId) -> Option<&ShuffleReadPlan> {
        self.by_shuffle.get(&shuffle)
    }

    /// Bytes a task of reduce partition `reduce` fetches, over every shuffle it reads.
    pub fn bytes_for(&self, reduce: usize) -> u64 {
        self.by_shuffle
            .values()
            .map(|plan| plan.blocks_for(reduce).iter().map(|(_, b)| *b).sum::<u64>())
            .sum()
    }
}

struct ShuffleStatus {
    outputs: MapStatuses,
    num_reduces: usize,
}

/// The share of a reduce partition's bytes an executor must hold for the reduce task to prefer
/// its host (Spark's `REDUCER_PREF_LOCS_FRACTION`).
pub const REDUCER_PREF_LOCS_FRACTION: f64 = 0.2;
/// Reduce tasks prefer map-output hosts only under this many map tasks (Spark's
/// `SHUFFLE_PREF_MAP_THRESHOLD`).
pub const SHUFFLE_PREF_MAP_THRESHOLD: usize = 1000;
/// ... and under this many reduce partitions (Spark's `SHUFFLE_PREF_REDUCE_THRESHOLD`).
pub const SHUFFLE_PREF_REDUCE_THRESHOLD: usize = 1000;

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

    /// Spark's `getPreferredLocationsForShuffle`: the hosts of the executors holding at least
    /// [`REDUCER_PREF_LOCS_FRACTION`] of reduce partition `reduce`'s bytes, when the shuffle has
    /// fewer than [`SHUFFLE_PREF_MAP_THRESHOLD`] maps and [`SHUFFLE_PREF_REDUCE_THRESHOLD`]
    /// reduces (beyond that, Spark finds the sums too costly to be worth it). Sizes are added
    /// up per executor, as Spark's `getLocationsWithLargestOutputs` keys them by block
    /// manager, and the hosts come out in the order of the executors that qualify, each once.
    pub fn largest_output_hosts(&self, shuffle: ShuffleId, reduce: usize) -> Vec<Arc<str>> {
        let Some(s) = self.shuffles.get(&shuffle) else {
            return Vec::new();
        };
        if s.outputs.len() >= SHUFFLE_PREF_MAP_THRESHOLD
            || s.num_reduces >= SHUFFLE_PREF_REDUCE_THRESHOLD
        {
            return Vec::new();
        }
        let mut by_executor: BTreeMap<usize, (u64, &Arc<str>)> = BTreeMap::new();
        let mut total = 0u64;
        for st in s.outputs.iter().flatten() {
            let size = st.size_for(reduce);
            if size > 0 {
                by_executor.entry(st.executor).or_insert((0, &st.host)).0 += size;
                total += size;
            }
        }
        let mut hosts: Vec<Arc<str>> = Vec::new();
        for (size, host) in by_executor.values() {
            if *size as f64 / total as f64 >= REDUCER_PREF_LOCS_FRACTION && !hosts.contains(host) {
                hosts.push((*host).clone());
            }
        }
        hosts
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

/// How a disk store is reachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Serving {
    /// Its executor is alive and serves it.
    Executor,
    /// Its executor is gone, but the host's external shuffle service still serves its files.
    HostService,
    /// Gone.
    Lost,
}

struct Endpoint {
    store: Arc<DiskStore>,
    serving: Serving,
}

/// Why a block could not be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchError(pub String);

/// How executors reach each other's disk stores (Spark's `BlockTransferService` and external
/// shuffle service). An executor that is gone serves nothing, unless the external shuffle
/// service of its host still serves its map outputs. Executors are found by id (ids are dense).
#[derive(Default)]
pub struct BlockTransferService {
    endpoints: RwLock<Vec<Option<Endpoint>>>,
    external_shuffle_service: bool,
    /// Where executors live, and their names.
    membership: Membership,
}

impl BlockTransferService {
    /// A service with no executors yet, for the executors of `membership`; with
    /// `external_shuffle_service`, map outputs outlive their executor (not their host).
    pub fn new(external_shuffle_service: bool, membership: Membership) -> Self {
        BlockTransferService {
            endpoints: RwLock::new(Vec::new()),
            external_shuffle_service,
            membership,
        }
    }

    /// Makes executor `executor`'s disk store reachable.
    pub fn register(&self, executor: usize, store: Arc<DiskStore>) {
        if let Ok(mut e) = self.endpoints.write() {
            if e.len() <= executor {
                e.resize_with(executor + 1, || None);
            }
            e[executor] = Some(Endpoint {
                store,
                serving: Serving::Executor,
            });
        }
    }

    /// Executor `executor` is gone: its store is lost, or still served by its host's shuffle
    /// service.
    pub fn executor_lost(&self, executor: usize) {
        let ess = self.external_shuffle_service;
        if let Ok(mut e) = self.endpoints.write() {
            if let Some(Some(ep)) = e.get_mut(executor) {
                ep.serving = if ess {
                    Serving::HostService
                } else {
                    Serving::Lost
                };
            }
        }
    }

    /// Host `host` is gone: every store on it is lost.
    pub fn host_lost(&self, host: &str) {
        let roster = self.membership.read();
        if let Ok(mut e) = self.endpoints.write() {
            for (id, ep) in e.iter_mut().enumerate() {
                if let Some(ep) = ep.as_mut().filter(|_| roster.host(id) == Some(host)) {
                    ep.serving = Serving::Lost;
                }
            }
        }
    }

    /// The store of `executor`, if it can still be read.
    pub fn store(&self, executor: usize) -> Result<Arc<DiskStore>, FetchError> {
        let e = self
            .endpoints
            .read()
            .map_err(|_| FetchError("transfer service poisoned".into()))?;
        match e.get(executor) {
            Some(Some(ep)) if ep.serving != Serving::Lost => Ok(ep.store.clone()),
            Some(Some(_)) => Err(FetchError(format!(
                "executor {} is lost",
                self.membership.name(executor)
            ))),
            _ => Err(FetchError(format!(
                "executor {} is unknown",
                self.membership.name(executor)
            ))),
        }
    }

    /// Reads block `shuffle_<shuffle>_<map>_<reduce>` from `executor`'s disk store.
    pub fn fetch(
        &self,
        executor: usize,
        shuffle: ShuffleId,
        map: usize,
        reduce: usize,
    ) -> Result<Bytes, FetchError> {
        let store = self.store(executor)?;
        let io = |e: std::io::Error| FetchError(e.to_string());
        let missing = |what: &str| {
            FetchError(format!(
                "shuffle_{shuffle}_{map}_0.{what} is missing on {}",
                self.membership.name(executor)
            ))
        };
        let index = store
            .get(BlockId::ShuffleIndex { shuffle, map })
            .map_err(io)?
            .ok_or_else(|| missing("index"))?;
        let Some((start, end)) = layout::find_in_index(&index, reduce).map_err(io)? else {
            return Ok(Bytes::new());
        };
        store
            .get_range(BlockId::ShuffleData { shuffle, map }, start, end)
            .map_err(io)?
            .ok_or_else(|| missing("data"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::DiskMedium;

    fn service(ess: bool) -> BlockTransferService {
        let members = Membership::new();
        let t = BlockTransferService::new(ess, members.clone());
        for (e, host) in [(0, "host-0"), (1, "host-0"), (2, "host-1")] {
            let info = members.register(0, crate::membership::NewExecutor::new(host, "r", 1, 1));
            assert_eq!(info.id, e);
            let store = Arc::new(DiskStore::new(DiskMedium::Memory, "").unwrap());
            let mut b = layout::MapOutputBuilder::new();
            b.push(0, &(7u32, 8u32)).unwrap();
            let out = b.finish(1);
            store
                .put(BlockId::ShuffleData { shuffle: 0, map: e }, out.data)
                .unwrap();
            store
                .put(BlockId::ShuffleIndex { shuffle: 0, map: e }, out.index)
                .unwrap();
            t.register(e, store);
        }
        t
    }

    #[test]
    fn map_outputs_outlive_their_executor_only_with_the_external_shuffle_service() {
        let without = service(false);
        without.executor_lost(0);
        assert!(without.fetch(0, 0, 0, 0).is_err(), "lost with its executor");
        assert!(without.fetch(1, 0, 1, 0).is_ok());

        let with = service(true);
        with.executor_lost(0);
        let bytes = with
            .fetch(0, 0, 0, 0)
            .expect("served by the host's shuffle service");
        let records: Vec<(u32, u32)> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(records, vec![(7, 8)]);
        with.host_lost("host-0");
        assert!(with.fetch(0, 0, 0, 0).is_err(), "not the loss of its host");
        assert!(with.fetch(1, 0, 1, 0).is_err());
        assert!(with.fetch(2, 0, 2, 0).is_ok(), "other hosts serve on");
    }
}

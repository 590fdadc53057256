//! [`BlockManagerMaster`]: the driver's record of which executors hold which blocks.

use super::BlockId;
use crate::events::RecomputeReason;
use std::collections::{BTreeMap, BTreeSet};

/// A handle on the driver's [`BlockManagerMaster`], as the DAG scheduler holds one (Spark's
/// scheduler holds an RPC reference to it): it asks where blocks are and says when an
/// executor is gone; storage, beside it in the driver, keeps the master up to date. Cloning
/// shares the master.
#[derive(Clone, Default, Debug)]
pub struct MasterRef(std::sync::Arc<std::sync::Mutex<BlockManagerMaster>>);

impl MasterRef {
    /// A handle on a new, empty master.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the master.
    pub fn with<R>(&self, f: impl FnOnce(&mut BlockManagerMaster) -> R) -> R {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut m)
    }

    /// The executors holding `block`, in id order.
    pub fn locations(&self, block: BlockId) -> Vec<usize> {
        self.with(|m| m.locations(block))
    }

    /// Forgets every block `executor` held (it is gone).
    pub fn remove_executor(&self, executor: usize) {
        self.with(|m| m.remove_executor(executor))
    }
}

/// The driver's record of which executors hold which blocks (Spark's `BlockManagerMaster`).
///
/// The DAG scheduler asks it where an RDD's partitions are cached: a stage whose RDD is cached
/// everywhere does not need its parents, and a cached partition is where its task would rather
/// run. Block managers report to it as tasks complete.
#[derive(Default, Debug)]
pub struct BlockManagerMaster {
    locations: BTreeMap<BlockId, BTreeSet<usize>>,
    /// RDD blocks some task computed, and, for those no store holds now, why (the reason a
    /// recomputation gives: `evicted`, `lost`, `not_stored`).
    computed: BTreeMap<BlockId, Option<RecomputeReason>>,
}

impl BlockManagerMaster {
    /// An empty master.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `executor` now holds (`present`) or no longer holds `block`.
    pub fn update_block_info(&mut self, block: BlockId, executor: usize, present: bool) {
        if present {
            self.locations.entry(block).or_default().insert(executor);
        } else if let Some(set) = self.locations.get_mut(&block) {
            set.remove(&executor);
            if set.is_empty() {
                self.locations.remove(&block);
            }
        }
    }

    /// The executors holding `block`, in id order.
    pub fn locations(&self, block: BlockId) -> Vec<usize> {
        self.locations
            .get(&block)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Every block of RDD `rdd`, with the executors holding it.
    pub fn rdd_blocks(&self, rdd: usize) -> Vec<(BlockId, Vec<usize>)> {
        let lo = BlockId::Rdd { rdd, partition: 0 };
        let hi = BlockId::Rdd {
            rdd,
            partition: usize::MAX,
        };
        self.locations
            .range(lo..=hi)
            .map(|(b, s)| (*b, s.iter().copied().collect()))
            .collect()
    }

    /// Forgets every block `executor` held (it is gone); the RDD blocks no one holds any more
    /// are `lost`.
    pub fn remove_executor(&mut self, executor: usize) {
        let mut gone = Vec::new();
        self.locations.retain(|b, set| {
            set.remove(&executor);
            if set.is_empty() {
                gone.push(*b);
            }
            !set.is_empty()
        });
        for b in gone {
            self.forget(b, RecomputeReason::Lost);
        }
    }

    /// A task computed RDD block `block` (and is about to try to store it). If it had been
    /// computed before and no store holds it, returns why: the reason of a recomputation.
    pub fn computed(&mut self, block: BlockId) -> Option<RecomputeReason> {
        let held = self.locations.contains_key(&block);
        match self.computed.insert(block, None) {
            Some(Some(reason)) if !held => Some(reason),
            Some(None) if !held => Some(RecomputeReason::NotStored),
            _ => None,
        }
    }

    /// No store holds `block` any more, for `reason`.
    pub fn forget(&mut self, block: BlockId, reason: RecomputeReason) {
        if !self.locations.contains_key(&block) {
            if let Some(r) = self.computed.get_mut(&block) {
                *r = Some(reason);
            }
        }
    }

    /// Forgets RDD `rdd` entirely (`unpersist`): its blocks and their history.
    pub fn remove_rdd(&mut self, rdd: usize) {
        let lo = BlockId::Rdd { rdd, partition: 0 };
        let hi = BlockId::Rdd {
            rdd,
            partition: usize::MAX,
        };
        let blocks: Vec<BlockId> = self.locations.range(lo..=hi).map(|(b, _)| *b).collect();
        for b in blocks {
            self.locations.remove(&b);
        }
        let blocks: Vec<BlockId> = self.computed.range(lo..=hi).map(|(b, _)| *b).collect();
        for b in blocks {
            self.computed.remove(&b);
        }
    }
}

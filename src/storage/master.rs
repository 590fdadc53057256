//! [`BlockManagerMaster`]: the driver's record of which executors hold which blocks.

use super::BlockId;
use std::collections::{BTreeMap, BTreeSet};

/// The driver's record of which executors hold which blocks (Spark's `BlockManagerMaster`).
///
/// The DAG scheduler asks it where an RDD's partitions are cached: a stage whose RDD is cached
/// everywhere does not need its parents, and a cached partition is where its task would rather
/// run. Block managers report to it as tasks complete.
#[derive(Default, Debug)]
pub struct BlockManagerMaster {
    locations: BTreeMap<BlockId, BTreeSet<usize>>,
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

    /// Forgets every block `executor` held (it is gone).
    pub fn remove_executor(&mut self, executor: usize) {
        self.locations.retain(|_, set| {
            set.remove(&executor);
            !set.is_empty()
        });
    }
}

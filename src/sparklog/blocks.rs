//! Spark's block updates turned into ember's block events, and the recomputations they imply.
//!
//! Spark posts `SparkListenerBlockUpdated` with a block's new storage level on one executor:
//! stored in memory, on disk, or gone (level `NONE`). It never says why. [`Blocks`] keeps where
//! each RDD block is, so that a block leaving memory for disk is an eviction to disk, a block
//! leaving memory for nothing an eviction (an unpersist writes no update; Spark's own
//! `removeBlock` is rare), and a task that starts on a partition of a persisted RDD computed
//! before and stored nowhere now is a recomputation (of a block evicted, lost with its
//! executor, or never stored). Those events are inferred. Broadcast pieces and other non-RDD
//! blocks are not ember's to show: the importer counts them as skipped.

use super::json::BlockUpdatedInfoJson;
use crate::events::{BlockStore, EventKind, RecomputeReason};
use std::collections::{BTreeMap, BTreeSet};

/// Where an executor holds a block, and its size there.
type Held = BTreeMap<String, (BlockStore, u64)>;

/// The RDD blocks of an imported application, as its block updates left them.
#[derive(Default)]
pub struct Blocks {
    held: BTreeMap<(usize, usize), Held>,
    persisted: BTreeSet<usize>,
    computed: BTreeSet<(usize, usize)>,
    gone: BTreeMap<(usize, usize), RecomputeReason>,
}

/// `rdd_R_P` as (R, P).
pub fn rdd_block(name: &str) -> Option<(usize, usize)> {
    let rest = name.strip_prefix("rdd_")?;
    let (r, p) = rest.split_once('_')?;
    Some((r.parse().ok()?, p.parse().ok()?))
}

impl Blocks {
    /// RDD `rdd` has a storage level: its computed partitions are remembered.
    pub fn persisted(&mut self, rdd: usize) {
        self.persisted.insert(rdd);
    }

    /// A task computed partition `p` of the `rdds` of its stage.
    pub fn computed(&mut self, rdds: &[usize], p: usize) {
        for r in rdds.iter().filter(|r| self.persisted.contains(r)) {
            self.computed.insert((*r, p));
        }
    }

    /// Whether partition `p` of `rdd` is stored on some executor.
    pub fn is_stored(&self, rdd: usize, p: usize) -> bool {
        self.held.get(&(rdd, p)).is_some_and(|h| !h.is_empty())
    }

    /// A task starting on partition `p` of persisted `rdd` on `executor`: a recomputation if
    /// the partition was computed before and is stored nowhere now.
    pub fn recomputed(&self, rdd: usize, p: usize, executor: &str) -> Option<EventKind> {
        let key = (rdd, p);
        if !self.computed.contains(&key) || self.is_stored(rdd, p) {
            return None;
        }
        Some(EventKind::PartitionRecomputed {
            rdd,
            partition: p,
            executor: executor.to_string(),
            reason: self
                .gone
                .get(&key)
                .copied()
                .unwrap_or(RecomputeReason::NotStored),
        })
    }

    /// An executor was lost, and every block it held with it.
    pub fn executor_lost(&mut self, executor: &str) {
        for (key, held) in &mut self.held {
            if held.remove(executor).is_some() && held.is_empty() {
                self.gone.insert(*key, RecomputeReason::Lost);
            }
        }
    }

    /// A block update: the events it stands for, or `None` for a block that is not an RDD's.
    pub fn updated(&mut self, u: &BlockUpdatedInfoJson) -> Option<Vec<EventKind>> {
        let key = rdd_block(&u.block)?;
        let executor = u.block_manager.executor.clone();
        let held = self.held.entry(key).or_default();
        let before = held.get(&executor).copied();
        let level_none = !u.storage.use_disk && !u.storage.use_memory;
        let block = u.block.clone();
        let mut out = Vec::new();
        if level_none || (u.memory_size == 0 && u.disk_size == 0) {
            held.remove(&executor);
            match before {
                Some((BlockStore::Memory, bytes)) => {
                    out.push(EventKind::BlockEvicted {
                        block,
                        executor,
                        bytes,
                        to_disk: false,
                        for_block: String::new(),
                    });
                    if held.is_empty() {
                        self.gone.insert(key, RecomputeReason::Evicted);
                    }
                }
                _ => out.push(EventKind::BlockRemoved {
                    block,
                    executor,
                    reason: "removed".into(),
                }),
            }
        } else if u.disk_size > 0 {
            held.insert(executor.clone(), (BlockStore::Disk, u.disk_size));
            match before {
                Some((BlockStore::Memory, bytes)) => out.push(EventKind::BlockEvicted {
                    block,
                    executor,
                    bytes,
                    to_disk: true,
                    for_block: String::new(),
                }),
                _ => out.push(EventKind::BlockStored {
                    block,
                    executor,
                    storage: BlockStore::Disk,
                    bytes: u.disk_size,
                }),
            }
        } else {
            held.insert(executor.clone(), (BlockStore::Memory, u.memory_size));
            self.gone.remove(&key);
            out.push(EventKind::BlockStored {
                block,
                executor,
                storage: BlockStore::Memory,
                bytes: u.memory_size,
            });
        }
        Some(out)
    }

    /// `unpersist`: every block of `rdd` is removed (Spark writes no update for them).
    pub fn unpersisted(&mut self, rdd: usize) -> Vec<EventKind> {
        let keys: Vec<(usize, usize)> = self
            .held
            .range((rdd, 0)..=(rdd, usize::MAX))
            .map(|(k, _)| *k)
            .collect();
        let mut out = Vec::new();
        for key in keys {
            for (executor, _) in self.held.remove(&key).unwrap_or_default() {
                out.push(EventKind::BlockRemoved {
                    block: format!("rdd_{}_{}", key.0, key.1),
                    executor,
                    reason: "unpersist".into(),
                });
            }
        }
        self.persisted.remove(&rdd);
        self.computed.retain(|k| k.0 != rdd);
        self.gone.retain(|k, _| k.0 != rdd);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sparklog::json::{BlockManagerIdJson, StorageLevelJson};

    fn update(block: &str, memory: bool, disk: bool, mem: u64, dsk: u64) -> BlockUpdatedInfoJson {
        BlockUpdatedInfoJson {
            block_manager: BlockManagerIdJson {
                executor: "1".into(),
                ..Default::default()
            },
            block: block.into(),
            storage: StorageLevelJson {
                use_memory: memory,
                use_disk: disk,
                replication: 1,
                ..Default::default()
            },
            memory_size: mem,
            disk_size: dsk,
        }
    }

    #[test]
    fn a_block_leaving_memory_is_an_eviction_to_disk_or_to_nothing() {
        let mut b = Blocks::default();
        b.persisted(1);
        b.updated(&update("rdd_1_0", true, false, 800, 0));
        b.computed(&[1], 0);
        let dropped = b
            .updated(&update("rdd_1_0", false, false, 800, 0))
            .expect("an rdd block");
        assert!(matches!(
            dropped[0],
            EventKind::BlockEvicted {
                to_disk: false,
                bytes: 800,
                ..
            }
        ));
        assert!(matches!(
            b.recomputed(1, 0, "2"),
            Some(EventKind::PartitionRecomputed {
                reason: RecomputeReason::Evicted,
                ..
            })
        ));
        b.updated(&update("rdd_1_1", true, false, 500, 0));
        let to_disk = b
            .updated(&update("rdd_1_1", false, true, 800, 40))
            .expect("an rdd block");
        assert!(matches!(
            to_disk[0],
            EventKind::BlockEvicted { to_disk: true, .. }
        ));
        assert!(b
            .updated(&update("broadcast_0_piece0", true, false, 9, 0))
            .is_none());
    }
}

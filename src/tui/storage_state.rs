//! What the executors' block managers hold, as the events tell it: each executor's memory
//! blocks in LRU order (replayed from `BlockStored`, `BlockEvicted`, `BlockRemoved` and the
//! `blocks_read` of `TaskEnd`), its disk blocks, its recent evictions and what they made room
//! for, and which partitions of which RDD were computed again. Part of the UI's fold
//! ([`super::state::UiState`]); the storage and lineage views draw it.

use crate::events::{Event, EventKind};
use crate::storage::BlockId;
use std::collections::{BTreeMap, VecDeque};

/// How many evictions each executor remembers.
pub const RECENT_EVICTIONS: usize = 12;

/// One eviction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eviction {
    pub time_us: u64,
    pub block: String,
    pub bytes: u64,
    pub to_disk: bool,
    pub for_block: String,
}

/// One executor's stores.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecutorStorage {
    /// Memory blocks from least to most recently used (the next victim first), with sizes.
    pub lru: Vec<(String, u64)>,
    /// Disk blocks and their sizes.
    pub disk: BTreeMap<String, u64>,
    /// The latest evictions, oldest first.
    pub evictions: VecDeque<Eviction>,
    pub evicted_total: usize,
    /// The latest puts that stored nothing.
    pub not_stored: VecDeque<NotStored>,
    pub not_stored_total: usize,
    /// Evictions made for a task's execution memory (a shuffle read's reservation): how
    /// many, and the latest.
    pub for_execution: usize,
}

/// A put that stored nothing, and the memory it met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotStored {
    pub block: String,
    pub bytes: u64,
    pub reason: String,
    /// The unroll memory the block needed at the step memory refused, if memory refused it.
    pub unroll_bytes: Option<u64>,
    /// The executor's storage memory in use then.
    pub used: u64,
}

impl ExecutorStorage {
    /// Bytes held in memory.
    pub fn memory_used(&self) -> u64 {
        self.lru.iter().map(|(_, b)| b).sum()
    }

    /// Bytes held on disk.
    pub fn disk_used(&self) -> u64 {
        self.disk.values().sum()
    }

    fn touch(&mut self, block: &str) {
        if let Some(i) = self.lru.iter().position(|(b, _)| b == block) {
            let e = self.lru.remove(i);
            self.lru.push(e);
        }
    }
}

/// Why and how often a partition was computed again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recomputed {
    pub times: usize,
    pub last_reason: String,
}

/// Storage as the events tell it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageState {
    /// By executor name.
    pub executors: BTreeMap<String, ExecutorStorage>,
    /// By RDD, then partition.
    pub recomputed: BTreeMap<usize, BTreeMap<usize, Recomputed>>,
    /// Checkpointed RDDs: their checkpoint RDD, kind and path.
    pub checkpointed: BTreeMap<usize, (usize, String, String)>,
    /// Partitions whose cached blocks a fault took (an executor lost, a block lost) and that no
    /// executor holds: by RDD. A partition leaves when it is computed again.
    pub lost: BTreeMap<usize, std::collections::BTreeSet<usize>>,
}

/// `rdd_R_P` as `(R, P)` (through [`BlockId`]'s parser, the one for block names).
pub fn rdd_block(block: &str) -> Option<(usize, usize)> {
    block.parse::<BlockId>().ok()?.as_rdd()
}

impl StorageState {
    /// How many parts it holds (blocks, evictions, recomputed partitions).
    pub fn size(&self) -> usize {
        self.executors
            .values()
            .map(|e| e.lru.len() + e.disk.len() + e.evictions.len() + e.not_stored.len())
            .sum::<usize>()
            + self.recomputed.values().map(BTreeMap::len).sum::<usize>()
            + self.checkpointed.len()
    }

    /// Applies an event (the others are ignored).
    #[inline]
    pub fn apply(&mut self, e: &Event) {
        match &e.kind {
            EventKind::BlockStored {
                block,
                executor,
                storage,
                bytes,
            } => {
                let x = self.executors.entry(executor.clone()).or_default();
                if *storage == crate::events::BlockStore::Disk {
                    x.disk.insert(block.clone(), *bytes);
                } else if !x.lru.iter().any(|(b, _)| b == block) {
                    x.lru.push((block.clone(), *bytes));
                }
            }
            EventKind::BlockEvicted {
                block,
                executor,
                bytes,
                to_disk,
                for_block,
            } => {
                let x = self.executors.entry(executor.clone()).or_default();
                x.lru.retain(|(b, _)| b != block);
                x.evicted_total += 1;
                if for_block.ends_with("execution memory") {
                    x.for_execution += 1;
                }
                x.evictions.push_back(Eviction {
                    time_us: e.time_us,
                    block: block.clone(),
                    bytes: *bytes,
                    to_disk: *to_disk,
                    for_block: for_block.clone(),
                });
                while x.evictions.len() > RECENT_EVICTIONS {
                    x.evictions.pop_front();
                }
            }
            EventKind::BlockRemoved {
                block,
                executor,
                reason,
            } => {
                if let Some(x) = self.executors.get_mut(executor) {
                    x.lru.retain(|(b, _)| b != block);
                    x.disk.remove(block);
                }
                if reason == "lost" {
                    self.mark_lost(block);
                }
            }
            EventKind::BlockNotStored {
                block,
                executor,
                bytes,
                reason,
                unroll_bytes,
            } => {
                let x = self.executors.entry(executor.clone()).or_default();
                x.not_stored_total += 1;
                let used = x.memory_used();
                x.not_stored.push_back(NotStored {
                    block: block.clone(),
                    bytes: *bytes,
                    reason: reason.clone(),
                    unroll_bytes: *unroll_bytes,
                    used,
                });
                while x.not_stored.len() > RECENT_EVICTIONS {
                    x.not_stored.pop_front();
                }
            }
            EventKind::RddCheckpointed {
                rdd,
                checkpoint_rdd,
                kind,
                path,
            } => {
                self.checkpointed
                    .insert(*rdd, (*checkpoint_rdd, kind.clone(), path.clone()));
            }
            EventKind::ExecutorRemoved { executor, .. } => {
                if let Some(gone) = self.executors.remove(executor) {
                    let blocks: Vec<String> = (gone.lru.iter().map(|(b, _)| b.clone()))
                        .chain(gone.disk.keys().cloned())
                        .collect();
                    for b in blocks {
                        self.mark_lost(&b);
                    }
                }
            }
            EventKind::TaskEnd {
                executor,
                blocks_read,
                ..
            } if !blocks_read.is_empty() => {
                if let Some(x) = self.executors.get_mut(executor) {
                    for b in blocks_read {
                        x.touch(b);
                    }
                }
            }
            EventKind::PartitionRecomputed {
                rdd,
                partition,
                reason,
                ..
            } => {
                if let Some(l) = self.lost.get_mut(rdd) {
                    l.remove(partition);
                    if l.is_empty() {
                        self.lost.remove(rdd);
                    }
                }
                let r = self
                    .recomputed
                    .entry(*rdd)
                    .or_default()
                    .entry(*partition)
                    .or_default();
                r.times += 1;
                r.last_reason = reason.name().to_string();
            }
            _ => {}
        }
    }

    /// A cached block went with a fault: its partition is lost unless another executor holds
    /// it.
    fn mark_lost(&mut self, block: &str) {
        let Some((rdd, p)) = rdd_block(block) else {
            return;
        };
        let held = self
            .executors
            .values()
            .any(|x| x.lru.iter().any(|(b, _)| b == block) || x.disk.contains_key(block));
        if !held {
            self.lost.entry(rdd).or_default().insert(p);
        }
    }

    /// How many partitions of `rdd` a fault took and are not computed again yet.
    pub fn lost_partitions(&self, rdd: usize) -> usize {
        self.lost.get(&rdd).map_or(0, |l| l.len())
    }

    /// How many partitions of `rdd` some executor holds, in memory or on disk.
    pub fn cached_partitions(&self, rdd: usize) -> usize {
        let mut parts = std::collections::BTreeSet::new();
        for x in self.executors.values() {
            for b in x.lru.iter().map(|(b, _)| b).chain(x.disk.keys()) {
                if let Some((r, p)) = rdd_block(b) {
                    if r == rdd {
                        parts.insert(p);
                    }
                }
            }
        }
        parts.len()
    }

    /// How many times partitions of `rdd` were computed again.
    pub fn recomputations(&self, rdd: usize) -> usize {
        self.recomputed
            .get(&rdd)
            .map_or(0, |m| m.values().map(|r| r.times).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind) -> Event {
        Event {
            kind,
            time_us: 1,
            engine: None,
            inferred: false,
        }
    }

    fn stored(b: &str, bytes: u64) -> Event {
        ev(EventKind::BlockStored {
            block: b.into(),
            executor: "exec-0".into(),
            storage: crate::events::BlockStore::Memory,
            bytes,
        })
    }

    #[test]
    fn reads_reported_on_task_end_replay_the_lru_order() {
        let mut s = StorageState::default();
        s.apply(&stored("rdd_1_0", 10));
        s.apply(&stored("rdd_1_1", 10));
        s.apply(&ev(EventKind::TaskEnd {
            task: 0,
            stage: 0,
            attempt: 0,
            partition: 0,
            executor: "exec-0".into(),
            reason: crate::events::TaskEndReason::Success,
            duration_us: 1,
            metrics: Default::default(),
            error: None,
            blocks_read: vec!["rdd_1_0".into()],
        }));
        let lru: Vec<&str> = s.executors["exec-0"]
            .lru
            .iter()
            .map(|(b, _)| b.as_str())
            .collect();
        assert_eq!(lru, vec!["rdd_1_1", "rdd_1_0"]);
        s.apply(&ev(EventKind::BlockEvicted {
            block: "rdd_1_1".into(),
            executor: "exec-0".into(),
            bytes: 10,
            to_disk: true,
            for_block: "rdd_2_0".into(),
        }));
        assert_eq!(s.executors["exec-0"].evictions.len(), 1);
        assert_eq!(s.cached_partitions(1), 1);
        assert_eq!(rdd_block("rdd_12_3"), Some((12, 3)));
    }
}

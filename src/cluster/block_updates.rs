//! Applying a completed task's storage effects on the driver: its block puts (and their
//! replicas), its read locks and LRU touches, its execution memory; then reporting every change
//! to the [`BlockManagerMaster`] and as events (`BlockStored`, `BlockEvicted`, `BlockRemoved`,
//! `PartitionRecomputed`). The block managers decide what fits; this module only carries their
//! answers to the master and the event stream, and picks where replicas go.

use crate::events::{EventKind, RecomputeReason};
use crate::storage::{BlockId, BlockManagerMaster, BlockManagers, BlockPut, BlockUpdate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// What the driver needs to apply storage effects.
pub(crate) struct StorageDriver<'a> {
    pub blocks: &'a BlockManagers,
    pub master: &'a mut BlockManagerMaster,
    /// Chooses replica peers (seeded).
    pub rng: &'a mut StdRng,
    /// Executor names by id.
    pub names: &'a dyn Fn(usize) -> String,
}

impl StorageDriver<'_> {
    /// Applies task `task`'s storage effects on `executor` (its puts, the blocks it read and
    /// used, there and elsewhere); returns the events, in order, and the memory blocks whose
    /// LRU position the completion renewed on `executor`.
    pub fn complete(
        &mut self,
        executor: usize,
        task: usize,
        succeeded: bool,
        fx: crate::task_context::TaskEffects,
    ) -> (Vec<EventKind>, Vec<BlockId>) {
        let puts = fx.puts;
        for (e, b) in &fx.remote_reads {
            if let Some(bm) = self.blocks.get(*e) {
                bm.touch(b);
            }
        }
        let mut events = Vec::new();
        let Some(bm) = self.blocks.get(executor) else {
            return (events, Vec::new());
        };
        if succeeded {
            for p in &puts {
                if p.recache {
                    continue;
                }
                if let Some(reason) = self.master.computed(p.block) {
                    if let Some((rdd, partition)) = p.block.as_rdd() {
                        events.push(EventKind::PartitionRecomputed {
                            rdd,
                            partition,
                            executor: (self.names)(executor),
                            reason,
                        });
                    }
                }
            }
        }
        let replicated: Vec<BlockPut> = puts
            .iter()
            .filter(|p| p.level.replication > 1 && !p.recache)
            .cloned()
            .collect();
        let (updates, touched) = bm.complete(task, succeeded, puts, &fx.reads, &fx.touches);
        // Replicas only of blocks this completion stored here (Spark's doPut returns early
        // for a block the executor already had).
        let stored_here: Vec<BlockId> = updates
            .iter()
            .filter_map(|u| match u {
                BlockUpdate::Stored { block, .. } => Some(*block),
                _ => None,
            })
            .collect();
        self.report(executor, updates, &mut events);
        if succeeded {
            for p in replicated {
                if !stored_here.contains(&p.block) {
                    continue;
                }
                for peer in self.peers(executor, p.level.replication as usize - 1) {
                    if let Some(pbm) = self.blocks.get(peer) {
                        let updates = pbm.put_replica(p.clone());
                        self.report(peer, updates, &mut events);
                    }
                }
            }
        }
        (events, touched)
    }

    /// Reserves execution memory for task `task` on `executor`; returns the evictions' events.
    pub fn reserve_execution(
        &mut self,
        executor: usize,
        task: usize,
        bytes: u64,
    ) -> Vec<EventKind> {
        let mut events = Vec::new();
        if let Some(bm) = self.blocks.get(executor) {
            let updates = bm.reserve_execution(task, bytes);
            self.report(executor, updates, &mut events);
        }
        events
    }

    /// Removes RDD `rdd`'s blocks everywhere (`unpersist`).
    pub fn unpersist(&mut self, rdd: usize) -> Vec<EventKind> {
        let mut events = Vec::new();
        for bm in self.blocks.all() {
            let e = bm.executor();
            let updates = bm.remove_rdd(rdd, "unpersisted");
            self.report(e, updates, &mut events);
        }
        self.master.remove_rdd(rdd);
        events
    }

    /// Replica peers of a block stored on `from`: other hosts first, shuffled. (Spark's default
    /// `RandomBlockReplicationPolicy` draws peers at random without regard to hosts; preferring
    /// another host is ember's choice, so that a `_2` copy survives the loss of a host.)
    fn peers(&mut self, from: usize, n: usize) -> Vec<usize> {
        let (mut other_hosts, mut same_host) = self.blocks.replica_candidates(from);
        other_hosts.shuffle(self.rng);
        same_host.shuffle(self.rng);
        other_hosts.into_iter().chain(same_host).take(n).collect()
    }

    fn report(&mut self, executor: usize, updates: Vec<BlockUpdate>, events: &mut Vec<EventKind>) {
        let name = (self.names)(executor);
        for u in updates {
            match u {
                BlockUpdate::Stored {
                    block,
                    store,
                    bytes,
                } => {
                    self.master.update_block_info(block, executor, true);
                    events.push(EventKind::BlockStored {
                        block: block.to_string(),
                        executor: name.clone(),
                        storage: store,
                        bytes,
                    });
                }
                BlockUpdate::Evicted {
                    block,
                    bytes,
                    to_disk,
                    for_block,
                } => {
                    if !to_disk {
                        self.master.update_block_info(block, executor, false);
                        self.master.forget(block, RecomputeReason::Evicted);
                    }
                    events.push(EventKind::BlockEvicted {
                        block: block.to_string(),
                        executor: name.clone(),
                        bytes,
                        to_disk,
                        for_block,
                    });
                }
                BlockUpdate::Removed { block, reason } => {
                    self.master.update_block_info(block, executor, false);
                    events.push(EventKind::BlockRemoved {
                        block: block.to_string(),
                        executor: name.clone(),
                        reason,
                    });
                }
                BlockUpdate::NotStored {
                    block,
                    bytes,
                    reason,
                    unroll_needed,
                } => {
                    self.master.forget(block, RecomputeReason::NotStored);
                    events.push(EventKind::BlockNotStored {
                        block: block.to_string(),
                        executor: name.clone(),
                        bytes,
                        reason,
                        unroll_bytes: unroll_needed,
                    });
                }
            }
        }
    }
}

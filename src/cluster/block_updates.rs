//! Storage's place in the driver, beside the schedulers: the [`BlockManagerMasterEndpoint`]
//! applies a completed task's storage effects (its block puts and their replicas, its read
//! locks and LRU touches, its execution memory), keeps the [`BlockManagerMaster`] up to date
//! with every change, and emits each as an event (`BlockStored`, `BlockEvicted`,
//! `BlockRemoved`, `BlockNotStored`, `PartitionRecomputed`) into the driver's one stream, in
//! order with the schedulers' decisions. The block managers decide what fits; the endpoint
//! carries their answers to the master and the stream, and picks where replicas go. The
//! schedulers only ask the master where blocks are.

use crate::events::{EventKind, EventSink, RecomputeReason};
use crate::membership::Membership;
use crate::storage::{
    BlockId, BlockManagerMaster, BlockManagers, BlockPut, BlockUpdate, MasterRef,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::sync::Arc;

/// The driver's storage endpoint (Spark's `BlockManagerMasterEndpoint`): what block managers
/// report reaches the master and the event stream through it.
pub(crate) struct BlockManagerMasterEndpoint {
    blocks: Arc<BlockManagers>,
    master: MasterRef,
    membership: Membership,
    events: EventSink,
    /// Chooses replica peers (seeded).
    rng: StdRng,
}

impl BlockManagerMasterEndpoint {
    /// An endpoint over `blocks`, keeping `master` and emitting into `events`.
    pub fn new(
        blocks: Arc<BlockManagers>,
        master: MasterRef,
        membership: Membership,
        events: EventSink,
        seed: u64,
    ) -> Self {
        BlockManagerMasterEndpoint {
            blocks,
            master,
            membership,
            events,
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_b10c),
        }
    }

    /// Applies task `task`'s storage effects on `executor` (its puts, the blocks it read and
    /// used, there and elsewhere) at `now`, emitting what changed; returns the memory blocks
    /// whose LRU position the completion renewed on `executor`.
    pub fn complete(
        &mut self,
        now: u64,
        executor: usize,
        task: usize,
        succeeded: bool,
        fx: crate::task_context::TaskEffects,
    ) -> Vec<BlockId> {
        let puts = fx.puts;
        for (e, b) in &fx.remote_reads {
            if let Some(bm) = self.blocks.get(*e) {
                bm.touch(b);
            }
        }
        let Some(bm) = self.blocks.get(executor) else {
            return Vec::new();
        };
        if succeeded {
            for p in &puts {
                if p.recache {
                    continue;
                }
                if let Some(reason) = self.master.with(|m| m.computed(p.block)) {
                    if let Some((rdd, partition)) = p.block.as_rdd() {
                        self.events.emit(
                            now,
                            EventKind::PartitionRecomputed {
                                rdd,
                                partition,
                                executor: self.membership.name(executor),
                                reason,
                            },
                        );
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
        self.report(now, executor, updates);
        if succeeded {
            for p in replicated {
                if !stored_here.contains(&p.block) {
                    continue;
                }
                for peer in self.peers(executor, p.level.replication as usize - 1) {
                    if let Some(pbm) = self.blocks.get(peer) {
                        let updates = pbm.put_replica(p.clone());
                        self.report(now, peer, updates);
                    }
                }
            }
        }
        touched
    }

    /// Reserves execution memory for task `task` on `executor` at `now`, emitting the
    /// evictions it causes.
    pub fn reserve_execution(&mut self, now: u64, executor: usize, task: usize, bytes: u64) {
        if let Some(bm) = self.blocks.get(executor) {
            let updates = bm.reserve_execution(task, bytes);
            self.report(now, executor, updates);
        }
    }

    /// Removes RDD `rdd`'s blocks everywhere (`unpersist`) at `now`.
    pub fn unpersist(&mut self, now: u64, rdd: usize) {
        for bm in self.blocks.all() {
            let e = bm.executor();
            let updates = bm.remove_rdd(rdd, "unpersisted");
            self.report(now, e, updates);
        }
        self.master.with(|m| m.remove_rdd(rdd));
    }

    /// Block `block` is lost at `now` (a `lose_block` fault): from `only` that executor, or
    /// from every executor holding it. The master forgets the copies, so the partition is
    /// recomputed (`lost`) where next needed.
    pub fn lose_block(&mut self, now: u64, block: BlockId, only: Option<usize>) {
        let holders: Vec<usize> = match only {
            Some(e) => vec![e],
            None => self.blocks.all().iter().map(|b| b.executor()).collect(),
        };
        for e in holders {
            if let Some(bm) = self.blocks.get(e) {
                let updates = bm.remove_block(block, "lost");
                self.report(now, e, updates);
            }
        }
        self.master.with(|m| m.forget(block, RecomputeReason::Lost));
    }

    /// Executor `executor` is gone: its block manager is unreachable and the master forgets
    /// what it held (Spark's `removeBlockManager`).
    pub fn executor_lost(&mut self, executor: usize) {
        self.blocks.lost(executor);
        self.master.remove_executor(executor);
    }

    /// The master this endpoint keeps.
    pub fn master(&self) -> &MasterRef {
        &self.master
    }

    /// Replica peers of a block stored on `from`: other hosts first, shuffled. (Spark's default
    /// `RandomBlockReplicationPolicy` draws peers at random without regard to hosts; preferring
    /// another host is ember's choice, so that a `_2` copy survives the loss of a host.)
    fn peers(&mut self, from: usize, n: usize) -> Vec<usize> {
        let (mut other_hosts, mut same_host) = self.blocks.replica_candidates(from);
        other_hosts.shuffle(&mut self.rng);
        same_host.shuffle(&mut self.rng);
        other_hosts.into_iter().chain(same_host).take(n).collect()
    }

    fn report(&mut self, now: u64, executor: usize, updates: Vec<BlockUpdate>) {
        if updates.is_empty() {
            return;
        }
        let name = self.membership.name(executor);
        self.master
            .with(|master| Self::record(master, &self.events, now, executor, &name, updates));
    }

    fn record(
        master: &mut BlockManagerMaster,
        events: &EventSink,
        now: u64,
        executor: usize,
        name: &str,
        updates: Vec<BlockUpdate>,
    ) {
        let name = name.to_string();
        for u in updates {
            match u {
                BlockUpdate::Stored {
                    block,
                    store,
                    bytes,
                } => {
                    master.update_block_info(block, executor, true);
                    events.emit(
                        now,
                        EventKind::BlockStored {
                            block: block.to_string(),
                            executor: name.clone(),
                            storage: store,
                            bytes,
                        },
                    );
                }
                BlockUpdate::Evicted {
                    block,
                    bytes,
                    to_disk,
                    for_block,
                } => {
                    if !to_disk {
                        master.update_block_info(block, executor, false);
                        master.forget(block, RecomputeReason::Evicted);
                    }
                    events.emit(
                        now,
                        EventKind::BlockEvicted {
                            block: block.to_string(),
                            executor: name.clone(),
                            bytes,
                            to_disk,
                            for_block,
                        },
                    );
                }
                BlockUpdate::Removed { block, reason } => {
                    master.update_block_info(block, executor, false);
                    events.emit(
                        now,
                        EventKind::BlockRemoved {
                            block: block.to_string(),
                            executor: name.clone(),
                            reason,
                        },
                    );
                }
                BlockUpdate::NotStored {
                    block,
                    bytes,
                    reason,
                    unroll_needed,
                } => {
                    master.forget(block, RecomputeReason::NotStored);
                    events.emit(
                        now,
                        EventKind::BlockNotStored {
                            block: block.to_string(),
                            executor: name.clone(),
                            bytes,
                            reason,
                            unroll_bytes: unroll_needed,
                        },
                    );
                }
            }
        }
    }
}

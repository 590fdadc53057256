//! [`MemoryStore`]: one executor's blocks in memory, in LRU order, under Spark's eviction
//! rules (reference §3.4–3.6, `MemoryStore.scala`).
//!
//! - **LRU by access.** Entries are kept from least to most recently used; a put inserts at the
//!   most recent end and [`MemoryStore::touch`] (a read) moves an entry there.
//! - **Eviction** (`evictBlocksToFreeSpace`) walks from the least recently used end and picks
//!   blocks until enough is freed, skipping blocks locked by a running task and, when the block
//!   being stored is an RDD's, every block of that same RDD (a scan over an RDD that does not fit
//!   must not push out its own earlier partitions). **All or nothing**: if the candidates cannot
//!   free enough, nothing is evicted.
//! - **Unrolling** (Spark 4's `putIterator`, for values and bytes alike): a block's size is
//!   not known before its records are materialized, so memory is reserved in steps: 1 MiB
//!   first, then, each time the estimate reaches the reservation (checked after the 1st record
//!   and every 16th after it), 1.5 × the estimate; at the end, the rest of the real size. Each
//!   step may evict. A step that fails ends the put, **and the evictions already done stay
//!   done** (MemoryStoreSuite "safely unroll blocks"); the reservation is given back at once
//!   (Spark holds it until the partially unrolled records are consumed). Bytes of a known size
//!   (`putBytes`: a serialized replica, a serialized block read back from disk) are acquired at
//!   once.
//!
//! The store is a state machine over sizes: it holds a value `V` per block for its owner (the
//! [`BlockManager`](super::BlockManager)) and returns what it evicted, values included, so the
//! owner can drop them to disk. Records are assumed evenly sized when an unroll is replayed
//! from a block's final size. Unroll memory of concurrent tasks is not held at once: ember
//! applies a task's puts when it completes, one task at a time.

use super::memory_manager::UnifiedMemoryManager;
use super::BlockId;
use std::collections::BTreeMap;

/// Spark's `spark.storage.unrollMemoryThreshold`: the first reservation of an unroll.
pub const UNROLL_MEMORY_THRESHOLD: u64 = 1 << 20;
/// Spark's `memoryCheckPeriod` for deserialized unrolls: the size is re-estimated every 16
/// records.
pub const MEMORY_CHECK_PERIOD: u64 = 16;
/// Spark's `memoryGrowthFactor`.
pub const MEMORY_GROWTH_FACTOR: f64 = 1.5;

/// One block in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryEntry<V> {
    /// Bytes it takes (the estimate of its records, or its encoded length if serialized).
    pub size: u64,
    /// Whether it is held as bytes.
    pub serialized: bool,
    pub value: V,
    seq: u64,
}

/// A block a put or an execution reservation evicted.
#[derive(Clone, Debug, PartialEq)]
pub struct Evicted<V> {
    pub block: BlockId,
    pub entry: MemoryEntry<V>,
}

/// Why a put stored nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotStored {
    /// A step of its unroll asked for more than the executor's storage could ever hold.
    LargerThanMemory,
    /// The blocks that may be evicted (other RDDs', not being read) could not free enough.
    NoRoom,
}

/// What a put did.
#[derive(Clone, Debug, PartialEq)]
pub struct PutResult<V> {
    /// Whether the block is now in memory.
    pub stored: bool,
    /// Blocks evicted to make room, in the order they were chosen (even if the put failed).
    pub evicted: Vec<Evicted<V>>,
    /// Why it was not stored.
    pub not_stored: Option<NotStored>,
    /// When not stored: the unroll memory it needed at the step that failed (what it had
    /// reserved, and what it asked for more).
    pub unroll_needed: Option<u64>,
}

/// What a put is asked to store.
#[derive(Clone, Debug, PartialEq)]
pub struct PutRequest<V> {
    pub block: BlockId,
    /// Its final size in memory.
    pub size: u64,
    /// How many records it holds (the unroll checks its size every so many).
    pub records: u64,
    pub serialized: bool,
    /// Bytes of a known size (a replica, or a serialized block read back from disk): acquired
    /// at once, as Spark's `putBytes` does, with no unroll.
    pub exact: bool,
    pub value: V,
}

/// One executor's memory store.
#[derive(Clone, Debug)]
pub struct MemoryStore<V> {
    memory: UnifiedMemoryManager,
    entries: BTreeMap<BlockId, MemoryEntry<V>>,
    /// Access order: sequence number → block, least recent first.
    order: BTreeMap<u64, BlockId>,
    next_seq: u64,
}

impl<V: Clone> MemoryStore<V> {
    /// A store in `max` bytes of unified memory.
    pub fn new(max: u64) -> Self {
        MemoryStore {
            memory: UnifiedMemoryManager::new(max),
            entries: BTreeMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
        }
    }

    /// The memory accounting.
    pub fn memory(&self) -> &UnifiedMemoryManager {
        &self.memory
    }

    /// Whether `block` is in memory.
    pub fn contains(&self, block: &BlockId) -> bool {
        self.entries.contains_key(block)
    }

    /// The entry of `block`, without touching the LRU order.
    pub fn get(&self, block: &BlockId) -> Option<&MemoryEntry<V>> {
        self.entries.get(block)
    }

    /// Bytes held by blocks.
    pub fn blocks_size(&self) -> u64 {
        self.entries.values().map(|e| e.size).sum()
    }

    /// The blocks from least to most recently used: the next victim first.
    pub fn lru(&self) -> impl Iterator<Item = (&BlockId, &MemoryEntry<V>)> + '_ {
        self.order
            .values()
            .filter_map(|b| self.entries.get_key_value(b))
    }

    /// Marks `block` as just used (a read): it moves to the most recent end.
    pub fn touch(&mut self, block: &BlockId) {
        let seq = self.next_seq;
        if let Some(e) = self.entries.get_mut(block) {
            self.order.remove(&e.seq);
            e.seq = seq;
            self.order.insert(seq, *block);
            self.next_seq += 1;
        }
    }

    /// Removes `block`, releasing its memory.
    pub fn remove(&mut self, block: &BlockId) -> Option<MemoryEntry<V>> {
        let e = self.entries.remove(block)?;
        self.order.remove(&e.seq);
        self.memory.release_storage(e.size);
        Some(e)
    }

    /// Spark's `evictBlocksToFreeSpace`: chooses blocks in LRU order until `space` bytes would
    /// be freed, skipping `locked` blocks and, if `for_rdd` is set, that RDD's blocks; evicts
    /// them only if they free enough. Their memory is released; the evicted entries are
    /// returned.
    fn evict_for(
        entries: &mut BTreeMap<BlockId, MemoryEntry<V>>,
        order: &mut BTreeMap<u64, BlockId>,
        for_rdd: Option<usize>,
        space: u64,
        locked: &dyn Fn(&BlockId) -> bool,
    ) -> Vec<Evicted<V>> {
        let mut chosen = Vec::new();
        let mut freed = 0u64;
        for b in order.values() {
            if freed >= space {
                break;
            }
            let same_rdd = match (for_rdd, b.as_rdd()) {
                (Some(r), Some((rdd, _))) => r == rdd,
                _ => false,
            };
            if same_rdd || locked(b) {
                continue;
            }
            if let Some(e) = entries.get(b) {
                chosen.push(*b);
                freed += e.size;
            }
        }
        if freed < space {
            return Vec::new();
        }
        chosen
            .into_iter()
            .filter_map(|b| {
                let e = entries.remove(&b)?;
                order.remove(&e.seq);
                Some(Evicted { block: b, entry: e })
            })
            .collect()
    }

    /// Acquires `n` bytes of storage for a block of `for_rdd`, evicting if it must; the
    /// evicted go to `out`.
    fn acquire(
        &mut self,
        n: u64,
        for_rdd: Option<usize>,
        locked: &dyn Fn(&BlockId) -> bool,
        out: &mut Vec<Evicted<V>>,
    ) -> Result<(), NotStored> {
        if n == 0 {
            return Ok(());
        }
        if n > self.memory.max_storage() {
            return Err(NotStored::LargerThanMemory);
        }
        let (entries, order) = (&mut self.entries, &mut self.order);
        let ok = self.memory.acquire_storage(n, |space| {
            let ev = Self::evict_for(entries, order, for_rdd, space, locked);
            let freed = ev.iter().map(|e| e.entry.size).sum();
            out.extend(ev);
            freed
        });
        if ok {
            Ok(())
        } else {
            Err(NotStored::NoRoom)
        }
    }

    /// Stores a block, unrolling it as Spark does (or, for bytes of a known size, acquiring
    /// that size at once, as `putBytes`); see the module docs. A block already in memory is not
    /// stored again (and nothing is evicted).
    pub fn put(&mut self, req: PutRequest<V>, locked: &dyn Fn(&BlockId) -> bool) -> PutResult<V> {
        let mut evicted = Vec::new();
        if self.entries.contains_key(&req.block) {
            return PutResult {
                stored: true,
                evicted,
                not_stored: None,
                unroll_needed: None,
            };
        }
        let for_rdd = req.block.as_rdd().map(|(r, _)| r);
        let size = req.size;
        let records = req.records.max(1);
        // The unroll: what is reserved so far.
        let mut reserved = 0u64;
        // What the step that failed asked for, on top of what was reserved.
        let mut asked = size;
        let mut result;
        if req.exact {
            result = self.acquire(size, for_rdd, locked, &mut evicted);
            if result.is_ok() {
                reserved = size;
            }
        } else {
            asked = UNROLL_MEMORY_THRESHOLD;
            result = self.acquire(UNROLL_MEMORY_THRESHOLD, for_rdd, locked, &mut evicted);
            if result.is_ok() {
                reserved = UNROLL_MEMORY_THRESHOLD;
                // Spark checks the size after the 1st record and every 16th after it.
                let mut k = 1;
                while k <= records {
                    let estimate = (size as f64 * k as f64 / records as f64) as u64;
                    if estimate >= reserved {
                        let more = (estimate as f64 * MEMORY_GROWTH_FACTOR) as u64 - reserved;
                        asked = more;
                        if let Err(e) = self.acquire(more, for_rdd, locked, &mut evicted) {
                            result = Err(e);
                            break;
                        }
                        reserved += more;
                    }
                    k += MEMORY_CHECK_PERIOD;
                }
            }
            if result.is_ok() && reserved < size {
                asked = size - reserved;
                result = self.acquire(size - reserved, for_rdd, locked, &mut evicted);
                if result.is_ok() {
                    reserved = size;
                }
            }
        }
        if let Err(why) = result {
            self.memory.release_storage(reserved);
            return PutResult {
                stored: false,
                evicted,
                not_stored: Some(why),
                unroll_needed: Some(reserved + asked),
            };
        }
        // The unroll memory becomes the block's; the excess goes back.
        self.memory.release_storage(reserved - size);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.insert(seq, req.block);
        self.entries.insert(
            req.block,
            MemoryEntry {
                size,
                serialized: req.serialized,
                value: req.value,
                seq,
            },
        );
        PutResult {
            stored: true,
            evicted,
            not_stored: None,
            unroll_needed: None,
        }
    }

    /// Reserves up to `n` bytes of execution memory, evicting cached blocks of any RDD (not
    /// `locked` ones) that storage holds beyond its protected region. Returns what was granted
    /// and what was evicted.
    pub fn acquire_execution(
        &mut self,
        n: u64,
        locked: &dyn Fn(&BlockId) -> bool,
    ) -> (u64, Vec<Evicted<V>>) {
        let mut evicted = Vec::new();
        let (entries, order) = (&mut self.entries, &mut self.order);
        let granted = self.memory.acquire_execution(n, |space| {
            let ev = Self::evict_for(entries, order, None, space, locked);
            let freed = ev.iter().map(|e| e.entry.size).sum();
            evicted.extend(ev);
            freed
        });
        (granted, evicted)
    }

    /// Releases execution memory.
    pub fn release_execution(&mut self, n: u64) {
        self.memory.release_execution(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: u64 = 1000;

    fn rdd(r: usize, p: usize) -> BlockId {
        BlockId::Rdd {
            rdd: r,
            partition: p,
        }
    }

    fn put(s: &mut MemoryStore<()>, b: BlockId, size: u64) -> PutResult<()> {
        s.put(
            PutRequest {
                block: b,
                size,
                records: 1,
                serialized: false,
                exact: false,
                value: (),
            },
            &|_| false,
        )
    }

    /// A put of bytes of a known size (no unroll).
    fn exact(s: &mut MemoryStore<()>, b: BlockId, size: u64) -> PutResult<()> {
        s.put(
            PutRequest {
                block: b,
                size,
                records: 1,
                serialized: true,
                exact: true,
                value: (),
            },
            &|_| false,
        )
    }

    fn held(s: &MemoryStore<()>) -> Vec<BlockId> {
        s.lru().map(|(b, _)| *b).collect()
    }

    /// Spark's suites use a store that holds two blocks, not three. Here a block is one record
    /// just over the first unroll reservation (1 MiB): after its record the unroll asks for
    /// 1.5 × its size, so two fit in 3 blocks' worth of memory (1 + 1.5), and a third does
    /// not (2 + 1.5).
    fn store() -> MemoryStore<()> {
        MemoryStore::new(3 * block())
    }

    fn block() -> u64 {
        UNROLL_MEMORY_THRESHOLD + 4 * KB
    }

    #[test]
    fn in_memory_lru_storage_evicts_the_least_recently_accessed() {
        let mut s = store();
        let (a1, a2, a3) = (rdd(10, 0), rdd(11, 0), rdd(12, 0));
        put(&mut s, a1, block());
        put(&mut s, a2, block());
        let r = put(&mut s, a3, block());
        assert!(r.stored);
        assert_eq!(
            r.evicted.iter().map(|e| e.block).collect::<Vec<_>>(),
            vec![a1]
        );
        // Reading a2 makes a3 the least recent.
        s.touch(&a2);
        let r = put(&mut s, a1, block());
        assert_eq!(
            r.evicted.iter().map(|e| e.block).collect::<Vec<_>>(),
            vec![a3]
        );
        assert_eq!(held(&s), vec![a2, a1]);
    }

    #[test]
    fn never_evicts_blocks_of_the_rdd_being_cached() {
        let mut s = store();
        put(&mut s, rdd(0, 1), block());
        put(&mut s, rdd(0, 2), block());
        let r = put(&mut s, rdd(0, 3), block());
        assert!(!r.stored, "rdd_0_3 cannot push out rdd_0_1 or rdd_0_2");
        assert!(r.evicted.is_empty());
        assert_eq!(held(&s), vec![rdd(0, 1), rdd(0, 2)]);
    }

    #[test]
    fn in_memory_lru_for_partitions_of_multiple_rdds() {
        let mut s = store();
        put(&mut s, rdd(0, 1), block());
        put(&mut s, rdd(0, 2), block());
        let r = put(&mut s, rdd(1, 1), block());
        assert_eq!(r.evicted[0].block, rdd(0, 1));
        s.touch(&rdd(0, 2));
        let r = put(&mut s, rdd(0, 3), block());
        assert_eq!(r.evicted[0].block, rdd(1, 1));
        let r = put(&mut s, rdd(0, 4), block());
        assert!(!r.stored);
        assert_eq!(held(&s), vec![rdd(0, 2), rdd(0, 3)]);
    }

    #[test]
    fn eviction_skips_blocks_locked_by_a_running_task() {
        let mut s = store();
        put(&mut s, rdd(0, 0), block());
        put(&mut s, rdd(1, 0), block());
        // rdd_0_0 is being read: only rdd_1_0 may go, and it frees enough.
        let locked = |b: &BlockId| *b == rdd(0, 0);
        let r = s.put(
            PutRequest {
                block: rdd(2, 0),
                size: block(),
                records: 1,
                serialized: false,
                exact: false,
                value: (),
            },
            &locked,
        );
        assert_eq!(
            r.evicted.iter().map(|e| e.block).collect::<Vec<_>>(),
            vec![rdd(1, 0)]
        );
        assert_eq!(held(&s), vec![rdd(0, 0), rdd(2, 0)]);
    }

    #[test]
    fn eviction_frees_enough_or_evicts_nothing() {
        let mib = 1u64 << 20;
        let mut s: MemoryStore<()> = MemoryStore::new(2 * mib + 100);
        exact(&mut s, rdd(1, 0), mib / 2);
        exact(&mut s, rdd(2, 0), 3 * mib / 2);
        // rdd_2_0 is being read; rdd_1_0 alone cannot free the 1 MiB the unroll starts with.
        let locked = |b: &BlockId| *b == rdd(2, 0);
        let r = s.put(
            PutRequest {
                block: rdd(3, 0),
                size: mib,
                records: 1,
                serialized: false,
                exact: false,
                value: (),
            },
            &locked,
        );
        assert!(!r.stored);
        assert!(r.evicted.is_empty(), "nothing evicted: {:?}", r.evicted);
        assert_eq!(held(&s), vec![rdd(1, 0), rdd(2, 0)]);
    }

    #[test]
    fn a_failed_unroll_keeps_the_evictions_it_made() {
        // Room for 3 blocks of 2 MiB. A 100-record block of 6 MiB unrolls in steps: 1 MiB, then
        // 1.5 × each estimate; the steps evict rdd_1_0 and rdd_2_0, then fail on the same RDD's
        // block, and the evictions stay done (MemoryStoreSuite "safely unroll blocks").
        let mib = 1u64 << 20;
        let mut s: MemoryStore<()> = MemoryStore::new(6 * mib);
        exact(&mut s, rdd(1, 0), 2 * mib);
        exact(&mut s, rdd(2, 0), 2 * mib);
        exact(&mut s, rdd(3, 0), 2 * mib);
        let r = s.put(
            PutRequest {
                block: rdd(3, 1),
                size: 6 * mib,
                records: 100,
                serialized: false,
                exact: false,
                value: (),
            },
            &|_| false,
        );
        assert!(!r.stored);
        let gone: Vec<BlockId> = r.evicted.iter().map(|e| e.block).collect();
        assert_eq!(gone, vec![rdd(1, 0), rdd(2, 0)]);
        assert_eq!(held(&s), vec![rdd(3, 0)]);
        assert_eq!(
            s.memory().storage_used(),
            2 * mib,
            "the unroll memory is released"
        );
    }

    #[test]
    fn a_block_larger_than_memory_is_not_stored_and_evicts_nothing() {
        let mut s = store();
        put(&mut s, rdd(1, 0), block());
        let r = put(&mut s, rdd(2, 0), 10 * block());
        assert!(!r.stored);
        assert!(r.evicted.is_empty());
    }

    #[test]
    fn execution_memory_evicts_cached_blocks_beyond_the_storage_region() {
        let mib = 1u64 << 20;
        let mut s: MemoryStore<()> = MemoryStore::new(8 * mib);
        for p in 0..4 {
            exact(&mut s, rdd(0, p), 2 * mib - 1);
        }
        let (granted, evicted) = s.acquire_execution(6 * mib, &|_| false);
        // Storage grew past R = 4 MiB by about 4 MiB: two blocks go, oldest first.
        assert_eq!(
            evicted.iter().map(|e| e.block).collect::<Vec<_>>(),
            vec![rdd(0, 0), rdd(0, 1)]
        );
        assert!(granted >= 4 * mib && granted < 6 * mib, "{granted}");
        assert_eq!(held(&s), vec![rdd(0, 2), rdd(0, 3)]);
    }
}

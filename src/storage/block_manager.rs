//! [`BlockManager`]: one executor's stores of RDD blocks, its memory store in front of its disk
//! store, as Spark's `BlockManager` (reference §3.2–3.3).
//!
//! Its two sides follow DESIGN's rule that executor state changes only when a task completes:
//!
//! - **Tasks read** ([`BlockManager::get_local`], [`BlockManager::get_for_remote`]): a local
//!   read takes a read lock on the block (a locked block is never evicted) and is remembered by
//!   the task, whose completion releases the lock and moves the block to the most recent end of
//!   the LRU order.
//! - **The driver applies** what a task staged when it completes ([`BlockManager::complete`]):
//!   its puts, in order, by Spark's `doPutIterator`: memory first if the level uses memory (an
//!   unroll that may evict other RDDs' blocks, dropping those whose level uses disk to disk),
//!   then disk if memory failed and the level uses disk; a block already stored is not stored
//!   again. The changes come back as [`BlockUpdate`]s, which the driver reports to the
//!   [`BlockManagerMaster`](super::BlockManagerMaster) and posts as events.
//!
//! Simplifications (each said where it is made): a task's puts, evictions and disk drops
//! happen at its completion rather than while it runs, so two tasks of one executor never
//! unroll at once; a block dropped to disk during another task's put is encoded by the driver,
//! and its write costs no task time.

use super::memory_store::{Evicted, MemoryStore, NotStored, PutRequest};
use super::{BlockCodec, BlockId, DiskStore, StorageLevel};
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A block's records as a store holds them.
#[derive(Clone)]
pub enum BlockValue {
    /// Deserialized: the records themselves (a `RecordBlock<T>`).
    Values(Arc<dyn Any + Send + Sync>),
    /// Serialized: their encoding.
    Bytes(Arc<Vec<u8>>),
}

impl std::fmt::Debug for BlockValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlockValue::Values(_) => f.write_str("Values(..)"),
            BlockValue::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
        }
    }
}

/// A block in memory: its value, and what is needed to encode it or read it back.
#[derive(Clone, Debug)]
pub struct CachedBlock {
    pub value: BlockValue,
    pub records: u64,
    pub level: StorageLevel,
    pub codec: CodecRef,
}

/// A shared codec, printable.
#[derive(Clone)]
pub struct CodecRef(pub Arc<dyn BlockCodec>);

impl std::fmt::Debug for CodecRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("codec")
    }
}

/// A block on disk.
#[derive(Clone, Debug)]
struct DiskBlock {
    bytes: u64,
    records: u64,
    level: StorageLevel,
    codec: CodecRef,
}

/// What a task asks to store, applied when it completes.
#[derive(Clone, Debug)]
pub struct BlockPut {
    pub block: BlockId,
    pub level: StorageLevel,
    /// Values for deserialized levels, bytes for serialized ones.
    pub value: BlockValue,
    /// Its size in memory: the records' estimate, or the encoding's length.
    pub size: u64,
    pub records: u64,
    /// The encoding, if the task made it (serialized levels, disk-only levels).
    pub encoded: Option<Arc<Vec<u8>>>,
    pub codec: CodecRef,
    /// A block read from disk being put back into memory (MEMORY_AND_DISK): memory only.
    pub recache: bool,
}

/// Where a block is kept: the store events name (`BlockStored.storage`).
pub use crate::events::BlockStore as Store;

/// A change to what an executor holds.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockUpdate {
    /// A block now in a store.
    Stored {
        block: BlockId,
        store: Store,
        bytes: u64,
    },
    /// A block pushed out of memory to make room for `for_block` (a block, or a task's
    /// execution memory); `to_disk` if it was written to disk on the way out.
    Evicted {
        block: BlockId,
        bytes: u64,
        to_disk: bool,
        for_block: String,
    },
    /// A block removed from every store of the executor.
    Removed { block: BlockId, reason: String },
    /// A put that stored nothing: the block fitted in no store its level allows; `reason`
    /// says why memory refused it.
    NotStored {
        block: BlockId,
        bytes: u64,
        reason: String,
        /// The unroll memory it needed when memory refused it, if memory did.
        unroll_needed: Option<u64>,
    },
}

/// A block a task found.
pub struct Found {
    /// The records, deserialized (a `RecordBlock<T>`).
    pub value: Arc<dyn Any + Send + Sync>,
    pub records: u64,
    /// Bytes read: the block's size in memory, or the length of its encoding.
    pub bytes: u64,
    pub from: Store,
    /// Whether it had to be decoded.
    pub decoded: bool,
    /// A MEMORY_AND_DISK block read from disk: it should be put back into memory.
    pub recache: Option<StorageLevel>,
}

/// Why a stored block could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("reading {block}: {message}")]
pub struct ReadError {
    pub block: BlockId,
    pub message: String,
}

/// What the store holds, for views and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreStatus {
    /// Memory blocks from least to most recently used, with their sizes.
    pub memory: Vec<(BlockId, u64)>,
    /// Disk blocks, with their sizes.
    pub disk: Vec<(BlockId, u64)>,
    pub max_memory: u64,
    pub storage_used: u64,
    pub execution_used: u64,
}

struct State {
    memory: MemoryStore<CachedBlock>,
    disk: BTreeMap<BlockId, DiskBlock>,
    /// Read locks held by running tasks.
    readers: BTreeMap<BlockId, usize>,
    /// Execution memory reserved by running tasks.
    execution: BTreeMap<usize, u64>,
}

/// One executor's block manager.
pub struct BlockManager {
    executor: usize,
    disk: Arc<DiskStore>,
    state: Mutex<State>,
}

impl BlockManager {
    /// A block manager with `memory` bytes of unified memory over `disk`.
    pub fn new(executor: usize, memory: u64, disk: Arc<DiskStore>) -> Self {
        BlockManager {
            executor,
            disk,
            state: Mutex::new(State {
                memory: MemoryStore::new(memory),
                disk: BTreeMap::new(),
                readers: BTreeMap::new(),
                execution: BTreeMap::new(),
            }),
        }
    }

    /// The executor it belongs to.
    pub fn executor(&self) -> usize {
        self.executor
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every change is applied whole under the lock, so a poisoned lock is consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `block` is in a store.
    pub fn contains(&self, block: &BlockId) -> bool {
        let s = self.state();
        s.memory.contains(block) || s.disk.contains_key(block)
    }

    /// What the stores hold.
    pub fn status(&self) -> StoreStatus {
        let s = self.state();
        StoreStatus {
            memory: s.memory.lru().map(|(b, e)| (*b, e.size)).collect(),
            disk: s.disk.iter().map(|(b, d)| (*b, d.bytes)).collect(),
            max_memory: s.memory.memory().max(),
            storage_used: s.memory.memory().storage_used(),
            execution_used: s.memory.memory().execution_used(),
        }
    }

    /// A running task reads `block` from this executor: memory first, then disk. The block is
    /// read-locked until the task completes ([`BlockManager::complete`] releases it).
    pub fn get_local(&self, block: BlockId) -> Result<Option<Found>, ReadError> {
        let (cached, on_disk) = {
            let mut s = self.state();
            let cached = s.memory.get(&block).map(|e| (e.value.clone(), e.size));
            let on_disk = if cached.is_none() {
                s.disk.get(&block).cloned()
            } else {
                None
            };
            if cached.is_some() || on_disk.is_some() {
                *s.readers.entry(block).or_insert(0) += 1;
            }
            (cached, on_disk)
        };
        let found = match (cached, on_disk) {
            (Some((c, size)), _) => decode_cached(block, c, size),
            (None, Some(d)) => self.read_disk(block).and_then(|bytes| {
                let value = d.codec.0.decode(&bytes).map_err(|e| ReadError {
                    block,
                    message: e.to_string(),
                })?;
                Ok(Found {
                    value,
                    records: d.records,
                    bytes: d.bytes,
                    from: Store::Disk,
                    decoded: true,
                    recache: d.level.use_memory.then_some(d.level),
                })
            }),
            (None, None) => return Ok(None),
        };
        if found.is_err() {
            // The task will not hold the block: its lock goes now.
            self.unlock(&mut self.state(), &block);
        }
        found.map(Some)
    }

    fn unlock(&self, s: &mut State, block: &BlockId) {
        if let Some(n) = s.readers.get_mut(block) {
            *n -= 1;
            if *n == 0 {
                s.readers.remove(block);
            }
        }
    }

    /// Marks `block` as just read by another executor's task (its LRU position renewed).
    pub fn touch(&self, block: &BlockId) {
        self.state().memory.touch(block);
    }

    /// Another executor's task reads `block` from here (no lock: the bytes are sent).
    /// Deserialized blocks are encoded, as Spark serializes them to send them.
    pub fn get_for_remote(&self, block: BlockId) -> Result<Option<Found>, ReadError> {
        let (cached, on_disk) = {
            let s = self.state();
            (
                s.memory.get(&block).map(|e| (e.value.clone(), e.size)),
                s.disk.get(&block).cloned(),
            )
        };
        if let Some((c, size)) = cached {
            let mut f = decode_cached(block, c.clone(), size)?;
            if let BlockValue::Values(v) = &c.value {
                f.bytes = c
                    .codec
                    .0
                    .encode(&**v)
                    .map(|b| b.len() as u64)
                    .map_err(|e| ReadError {
                        block,
                        message: e.to_string(),
                    })?;
                f.decoded = true;
            }
            return Ok(Some(f));
        }
        let Some(d) = on_disk else {
            return Ok(None);
        };
        let bytes = self.read_disk(block)?;
        let value = d.codec.0.decode(&bytes).map_err(|e| ReadError {
            block,
            message: e.to_string(),
        })?;
        Ok(Some(Found {
            value,
            records: d.records,
            bytes: d.bytes,
            from: Store::Disk,
            decoded: true,
            recache: None,
        }))
    }

    fn read_disk(&self, block: BlockId) -> Result<Vec<u8>, ReadError> {
        match self.disk.get(block) {
            Ok(Some(b)) => Ok(b.to_vec()),
            Ok(None) => Err(ReadError {
                block,
                message: "its file is gone from the disk store".into(),
            }),
            Err(e) => Err(ReadError {
                block,
                message: e.to_string(),
            }),
        }
    }

    /// Reserves up to `bytes` of execution memory for running task `task` (its shuffle
    /// aggregation), evicting cached blocks beyond the storage region if it must. Released by
    /// [`BlockManager::complete`].
    pub fn reserve_execution(&self, task: usize, bytes: u64) -> Vec<BlockUpdate> {
        let mut s = self.state();
        let readers = s.readers.clone();
        let locked = |b: &BlockId| readers.get(b).is_some_and(|n| *n > 0);
        let (granted, evicted) = s.memory.acquire_execution(bytes, &locked);
        *s.execution.entry(task).or_insert(0) += granted;
        let mut out = Vec::new();
        self.dropped(
            &mut s,
            evicted,
            &format!("task {task}'s execution memory"),
            &mut out,
        );
        out
    }

    /// Applies what task `task` staged, now that it completed (`succeeded`) or failed: its
    /// puts (only if it succeeded, in order), then the LRU positions of the blocks it read and
    /// stored, renewed in the order it used them (`touches`; a failed task's reads count too,
    /// as Spark's reads move blocks when they happen), then its read locks (`reads`) and its
    /// execution memory released. Returns the changes, and the memory blocks whose LRU
    /// position was renewed, in order.
    pub fn complete(
        &self,
        task: usize,
        succeeded: bool,
        puts: Vec<BlockPut>,
        reads: &[BlockId],
        touches: &[BlockId],
    ) -> (Vec<BlockUpdate>, Vec<BlockId>) {
        let mut s = self.state();
        let mut out = Vec::new();
        // Blocks this task put in memory stay locked by it until it ends (it iterates them).
        let mut held = Vec::new();
        if succeeded {
            for p in puts {
                let block = p.block;
                if self.put(&mut s, p, false, &mut out) {
                    *s.readers.entry(block).or_insert(0) += 1;
                    held.push(block);
                }
            }
        }
        let mut touched = Vec::new();
        for b in touches {
            if s.memory.contains(b) {
                s.memory.touch(b);
                touched.push(*b);
            }
        }
        for b in reads.iter().chain(held.iter()) {
            self.unlock(&mut s, b);
        }
        if let Some(n) = s.execution.remove(&task) {
            s.memory.release_execution(n);
        }
        (out, touched)
    }

    /// Stores a replica (another executor's put, at replication 1); see [`BlockManager::complete`].
    pub fn put_replica(&self, mut p: BlockPut) -> Vec<BlockUpdate> {
        p.level.replication = 1;
        let mut s = self.state();
        let mut out = Vec::new();
        self.put(&mut s, p, true, &mut out);
        out
    }

    /// Spark's `doPutIterator` (or `doPutBytes`, for a `replica`). Returns whether the block
    /// is now in memory.
    fn put(&self, s: &mut State, p: BlockPut, replica: bool, out: &mut Vec<BlockUpdate>) -> bool {
        let block = p.block;
        let in_memory = s.memory.contains(&block);
        let on_disk = s.disk.contains_key(&block);
        if p.recache {
            if in_memory || !on_disk {
                return in_memory;
            }
        } else if in_memory || on_disk {
            return in_memory;
        }
        if p.level.use_memory {
            let readers = s.readers.clone();
            let locked = |b: &BlockId| readers.get(b).is_some_and(|n| *n > 0);
            let serialized = !p.level.deserialized;
            let r = s.memory.put(
                PutRequest {
                    block,
                    size: p.size,
                    records: p.records,
                    serialized,
                    // Bytes of a known size go in at once (`putBytes`).
                    exact: serialized && (replica || p.recache),
                    value: CachedBlock {
                        value: p.value.clone(),
                        records: p.records,
                        level: p.level,
                        codec: p.codec.clone(),
                    },
                },
                &locked,
            );
            self.dropped(s, r.evicted, &block.to_string(), out);
            if r.stored {
                out.push(BlockUpdate::Stored {
                    block,
                    store: Store::Memory,
                    bytes: p.size,
                });
                return true;
            }
            if p.recache {
                return false;
            }
            let max = s.memory.memory().max();
            let reason = match r.not_stored {
                Some(NotStored::LargerThanMemory) if p.size > max => format!(
                    "larger than the executor's {} of memory",
                    crate::human::bytes(max)
                ),
                Some(NotStored::LargerThanMemory) => format!(
                    "unrolling it needs more than the executor's {} of memory",
                    crate::human::bytes(max)
                ),
                _ => "no room to unroll it without evicting blocks of its own RDD or blocks being read".into(),
            };
            if !p.level.use_disk {
                out.push(BlockUpdate::NotStored {
                    block,
                    bytes: p.size,
                    reason,
                    unroll_needed: r.unroll_needed,
                });
                return false;
            }
        }
        if p.level.use_disk {
            match self.write_disk(s, &p) {
                Ok(bytes) => out.push(BlockUpdate::Stored {
                    block,
                    store: Store::Disk,
                    bytes,
                }),
                Err(e) => out.push(BlockUpdate::NotStored {
                    block,
                    bytes: p.size,
                    reason: format!("the disk refused it: {e}"),
                    unroll_needed: None,
                }),
            }
        }
        false
    }

    /// Encodes (if the task did not) and writes a put's block to disk.
    fn write_disk(&self, s: &mut State, p: &BlockPut) -> Result<u64, String> {
        let bytes = match (&p.encoded, &p.value) {
            (Some(b), _) => b.to_vec(),
            (None, BlockValue::Bytes(b)) => b.to_vec(),
            (None, BlockValue::Values(v)) => p.codec.0.encode(&**v).map_err(|e| e.to_string())?,
        };
        let len = bytes.len() as u64;
        self.disk.put(p.block, bytes).map_err(|e| e.to_string())?;
        s.disk.insert(
            p.block,
            DiskBlock {
                bytes: len,
                records: p.records,
                level: p.level,
                codec: p.codec.clone(),
            },
        );
        Ok(len)
    }

    /// Spark's `dropFromMemory` for each evicted block: to disk if its level uses disk and it
    /// is not there yet.
    fn dropped(
        &self,
        s: &mut State,
        evicted: Vec<Evicted<CachedBlock>>,
        for_block: &str,
        out: &mut Vec<BlockUpdate>,
    ) {
        for e in evicted {
            let c = e.entry.value;
            let mut to_disk = false;
            let mut disk_bytes = 0;
            if c.level.use_disk && !s.disk.contains_key(&e.block) {
                let put = BlockPut {
                    block: e.block,
                    level: c.level,
                    value: c.value.clone(),
                    size: e.entry.size,
                    records: c.records,
                    encoded: None,
                    codec: c.codec.clone(),
                    recache: false,
                };
                if let Ok(n) = self.write_disk(s, &put) {
                    to_disk = true;
                    disk_bytes = n;
                }
            } else if s.disk.contains_key(&e.block) {
                to_disk = true;
            }
            out.push(BlockUpdate::Evicted {
                block: e.block,
                bytes: e.entry.size,
                to_disk,
                for_block: for_block.to_string(),
            });
            if to_disk && disk_bytes > 0 {
                out.push(BlockUpdate::Stored {
                    block: e.block,
                    store: Store::Disk,
                    bytes: disk_bytes,
                });
            }
        }
    }

    /// Removes `block` from both stores (a fault lost it); nothing if it holds none.
    pub fn remove_block(&self, block: BlockId, reason: &str) -> Vec<BlockUpdate> {
        let mut s = self.state();
        let in_memory = s.memory.remove(&block).is_some();
        let on_disk = s.disk.remove(&block).is_some();
        if on_disk {
            self.disk.remove(block);
        }
        if !(in_memory || on_disk) {
            return Vec::new();
        }
        vec![BlockUpdate::Removed {
            block,
            reason: reason.to_string(),
        }]
    }

    /// Removes every block of RDD `rdd` from both stores (`unpersist`).
    pub fn remove_rdd(&self, rdd: usize, reason: &str) -> Vec<BlockUpdate> {
        let mut s = self.state();
        let lo = BlockId::Rdd { rdd, partition: 0 };
        let hi = BlockId::Rdd {
            rdd,
            partition: usize::MAX,
        };
        let mut blocks: Vec<BlockId> = s.disk.range(lo..=hi).map(|(b, _)| *b).collect();
        blocks.extend(
            s.memory
                .lru()
                .map(|(b, _)| *b)
                .filter(|b| b.as_rdd().is_some_and(|(r, _)| r == rdd)),
        );
        blocks.sort();
        blocks.dedup();
        let mut out = Vec::new();
        for b in blocks {
            s.memory.remove(&b);
            if s.disk.remove(&b).is_some() {
                self.disk.remove(b);
            }
            out.push(BlockUpdate::Removed {
                block: b,
                reason: reason.to_string(),
            });
        }
        out
    }
}

/// A cached block's records (of `size` bytes in memory), decoded if it is held serialized.
fn decode_cached(block: BlockId, c: CachedBlock, size: u64) -> Result<Found, ReadError> {
    let from = Store::Memory;
    match &c.value {
        BlockValue::Values(v) => Ok(Found {
            value: v.clone(),
            records: c.records,
            bytes: size,
            from,
            decoded: false,
            recache: None,
        }),
        BlockValue::Bytes(b) => Ok(Found {
            value: c.codec.0.decode(b).map_err(|e| ReadError {
                block,
                message: e.to_string(),
            })?,
            records: c.records,
            bytes: b.len() as u64,
            from,
            decoded: true,
            recache: None,
        }),
    }
}

//! [`DiskStore`]: an executor's (or a DataNode's) disk, on one of two media.
//!
//! Blocks are really encoded bytes either way (CONTRACTS §2 `[cluster] disk`):
//! - [`DiskMedium::Files`]: one real file per block in the store's folder (the wall clock's only
//!   medium);
//! - [`DiskMedium::Memory`]: the bytes held in memory (the virtual clock's default), so that a
//!   simulation of thousands of executors does not spend its time in `openat` and `unlink`;
//!   its time comes from the cost model either way.
//!
//! A task never changes a store while it runs: it *stages* what it writes
//! ([`DiskStore::stage`]) and the staged write travels back in the task's status update; the
//! driver *commits* it ([`DiskStore::commit`]) when the task completes in the run's time, or
//! discards it if the task failed or its executor was lost. What a store holds is what its
//! index says: a staged file may already sit at its final name (written in place when no other
//! copy of the block exists or is being written, which spares the file system a rename) without
//! being part of the store. As in Spark (`BlockManager.doPut`, and the shuffle resolver's
//! `writeMetadataFileAndCommit`), a block is never replaced: committing a block the store
//! already holds keeps the one it holds and drops the new copy. This store does not decide
//! what to write or evict.

use super::BlockId;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// Where a disk store keeps its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DiskMedium {
    /// In memory (bytes still encoded, sizes real; no file system).
    #[default]
    Memory,
    /// Real files in the store's folder.
    Files,
}

impl DiskMedium {
    /// `memory` or `files`, as scenario files spell it.
    pub fn name(self) -> &'static str {
        match self {
            DiskMedium::Memory => "memory",
            DiskMedium::Files => "files",
        }
    }
}

/// A write a task made, not yet visible: committed or discarded by the driver.
#[derive(Debug)]
pub struct StagedWrite {
    block: BlockId,
    len: u64,
    staged: Staged,
}

#[derive(Debug)]
enum Staged {
    Memory(Bytes),
    /// Written at the block's own file name (no copy existed when it was staged).
    InPlace(PathBuf),
    /// Written to a temporary file, renamed at commit.
    Temp(PathBuf),
}

impl StagedWrite {
    /// The block it writes.
    pub fn block(&self) -> BlockId {
        self.block
    }
    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }
    /// Whether it writes no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

enum Entry {
    Memory(Bytes),
    File(u64),
}

impl Entry {
    fn len(&self) -> u64 {
        match self {
            Entry::Memory(b) => b.len() as u64,
            Entry::File(n) => *n,
        }
    }
}

/// One disk: blocks by id.
pub struct DiskStore {
    medium: DiskMedium,
    dir: PathBuf,
    entries: RwLock<BTreeMap<BlockId, Entry>>,
}

fn poisoned() -> std::io::Error {
    std::io::Error::other("disk store lock poisoned")
}

impl DiskStore {
    /// A store on `medium`; with files, in `dir` (created if missing).
    pub fn new(medium: DiskMedium, dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        if medium == DiskMedium::Files {
            std::fs::create_dir_all(&dir)?;
        }
        Ok(DiskStore {
            medium,
            dir,
            entries: RwLock::new(BTreeMap::new()),
        })
    }

    /// The store's medium.
    pub fn medium(&self) -> DiskMedium {
        self.medium
    }

    /// The store's folder (used only with files).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, block: BlockId) -> PathBuf {
        self.dir.join(block.to_string())
    }

    /// Stages `bytes` as `block` for task `task`: with files, written at the block's name if no
    /// copy of it exists or is being written (an exclusive create), else to a temporary file
    /// named after the task; in memory, kept in hand. Nothing is part of the store until
    /// [`Self::commit`].
    pub fn stage(
        &self,
        block: BlockId,
        bytes: Vec<u8>,
        task: usize,
    ) -> std::io::Result<StagedWrite> {
        use std::io::Write;
        let len = bytes.len() as u64;
        let staged = match self.medium {
            DiskMedium::Memory => Staged::Memory(Bytes::from(bytes)),
            DiskMedium::Files => {
                let path = self.path(block);
                let fresh = !self.contains(block)
                    && match std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&path)
                    {
                        Ok(mut f) => {
                            f.write_all(&bytes)?;
                            true
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                        Err(e) => return Err(e),
                    };
                if fresh {
                    Staged::InPlace(path)
                } else {
                    let tmp = self.dir.join(format!("{block}.tmp{task}"));
                    std::fs::write(&tmp, &bytes)?;
                    Staged::Temp(tmp)
                }
            }
        };
        Ok(StagedWrite { block, len, staged })
    }

    /// Makes a staged write part of the store, unless the store already holds the block: then
    /// it keeps the copy it holds and drops this one.
    pub fn commit(&self, w: StagedWrite) -> std::io::Result<()> {
        let mut entries = self.entries.write().map_err(|_| poisoned())?;
        let slot = match entries.entry(w.block) {
            std::collections::btree_map::Entry::Occupied(_) => {
                drop(entries);
                self.discard(w);
                return Ok(());
            }
            std::collections::btree_map::Entry::Vacant(v) => v,
        };
        let entry = match w.staged {
            Staged::Memory(b) => Entry::Memory(b),
            Staged::InPlace(_) => Entry::File(w.len),
            Staged::Temp(tmp) => {
                std::fs::rename(&tmp, self.path(w.block))?;
                Entry::File(w.len)
            }
        };
        slot.insert(entry);
        Ok(())
    }

    /// Drops a staged write (its task failed, its executor is gone, or the block was there).
    pub fn discard(&self, w: StagedWrite) {
        match w.staged {
            Staged::Memory(_) => {}
            Staged::Temp(tmp) => {
                let _ = std::fs::remove_file(tmp);
            }
            // The file at the block's name is this write's unless the store holds the block
            // (another copy was renamed over it and committed).
            Staged::InPlace(path) => {
                if !self.contains(w.block) {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    }

    /// Writes `block` at once (the driver's own writes: DFS blocks, spilled blocks).
    pub fn put(&self, block: BlockId, bytes: Vec<u8>) -> std::io::Result<()> {
        let w = self.stage(block, bytes, 0)?;
        self.commit(w)
    }

    /// The whole block, if present.
    pub fn get(&self, block: BlockId) -> std::io::Result<Option<Bytes>> {
        let len = match self.entries.read().map_err(|_| poisoned())?.get(&block) {
            None => return Ok(None),
            Some(Entry::Memory(b)) => return Ok(Some(b.clone())),
            Some(Entry::File(n)) => *n,
        };
        self.read_file(block, 0, len).map(Some)
    }

    /// Bytes `start..end` of the block, if present (clamped to its length).
    pub fn get_range(
        &self,
        block: BlockId,
        start: u64,
        end: u64,
    ) -> std::io::Result<Option<Bytes>> {
        let len = match self.entries.read().map_err(|_| poisoned())?.get(&block) {
            None => return Ok(None),
            Some(Entry::Memory(b)) => {
                let n = b.len() as u64;
                let (s, e) = (start.min(n) as usize, end.min(n) as usize);
                return Ok(Some(b.slice(s..e.max(s))));
            }
            Some(Entry::File(n)) => *n,
        };
        let (s, e) = (start.min(len), end.min(len));
        self.read_file(block, s, e.max(s)).map(Some)
    }

    fn read_file(&self, block: BlockId, start: u64, end: u64) -> std::io::Result<Bytes> {
        let mut f = std::fs::File::open(self.path(block))?;
        f.seek(SeekFrom::Start(start))?;
        let mut out = vec![0u8; (end - start) as usize];
        f.read_exact(&mut out)?;
        Ok(Bytes::from(out))
    }

    /// Removes a block; returns whether it was there.
    pub fn remove(&self, block: BlockId) -> bool {
        let removed = match self.entries.write() {
            Ok(mut e) => e.remove(&block),
            Err(_) => None,
        };
        if let Some(Entry::File(_)) = removed {
            let _ = std::fs::remove_file(self.path(block));
        }
        removed.is_some()
    }

    /// Whether the block is present.
    pub fn contains(&self, block: BlockId) -> bool {
        self.entries
            .read()
            .map(|e| e.contains_key(&block))
            .unwrap_or(false)
    }

    /// The block's size, if present.
    pub fn size(&self, block: BlockId) -> Option<u64> {
        self.entries
            .read()
            .ok()
            .and_then(|e| e.get(&block).map(Entry::len))
    }

    /// Every block and its size, by id.
    pub fn blocks(&self) -> Vec<(BlockId, u64)> {
        self.entries
            .read()
            .map(|e| e.iter().map(|(k, v)| (*k, v.len())).collect())
            .unwrap_or_default()
    }

    /// Bytes held in all.
    pub fn used_bytes(&self) -> u64 {
        self.entries
            .read()
            .map(|e| e.values().map(Entry::len).sum())
            .unwrap_or(0)
    }

    /// Forgets every block (the disk is gone with its host).
    pub fn clear(&self) {
        let blocks: Vec<BlockId> = self.blocks().into_iter().map(|(b, _)| b).collect();
        for b in blocks {
            self.remove(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("ember-disk-{}-{name}", std::process::id()))
    }

    #[test]
    fn a_staged_write_is_invisible_until_committed_on_both_media() {
        for medium in [DiskMedium::Memory, DiskMedium::Files] {
            let dir = temp(medium.name());
            let store = DiskStore::new(medium, &dir).unwrap();
            let b = BlockId::ShuffleData { shuffle: 0, map: 1 };
            let w = store.stage(b, b"hello world".to_vec(), 7).unwrap();
            assert!(!store.contains(b), "{medium:?}: staged is not visible");
            assert_eq!(store.get(b).unwrap(), None);
            store.commit(w).unwrap();
            assert_eq!(store.get(b).unwrap().as_deref(), Some(&b"hello world"[..]));
            assert_eq!(
                store.get_range(b, 6, 11).unwrap().as_deref(),
                Some(&b"world"[..])
            );
            assert_eq!(store.size(b), Some(11));
            let d = store
                .stage(
                    BlockId::Rdd {
                        rdd: 1,
                        partition: 0,
                    },
                    vec![1, 2],
                    8,
                )
                .unwrap();
            store.discard(d);
            assert_eq!(
                store.blocks().len(),
                1,
                "{medium:?}: a discarded write leaves nothing"
            );
            let again = store.stage(b, b"other".to_vec(), 9).unwrap();
            store.commit(again).unwrap();
            assert_eq!(
                store.get(b).unwrap().as_deref(),
                Some(&b"hello world"[..]),
                "{medium:?}: a block is never replaced; the later copy is dropped"
            );
            assert!(store.remove(b));
            assert!(!store.contains(b));
            assert_eq!(store.used_bytes(), 0);
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

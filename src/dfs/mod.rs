//! `dfs`: a small HDFS-like store for input data.
//!
//! Files are split into blocks of `block_size` bytes; each block is replicated `replication`
//! times with HDFS's rack-aware placement ([`placement`]) and kept on its hosts as a DataNode
//! keeps it, in a [`DiskStore`] per host on the run's medium (real files, or memory on the
//! virtual clock). The namespace (the NameNode's part) maps paths to blocks and replicas. Reads
//! pick the closest live replica (same host, then same rack, then any) and say where the bytes
//! came from, so the cost model can charge disk or network. `text_file` reads from it, one
//! partition per block preferring the hosts of its replicas; that is what gives input tasks
//! their locality.
//!
//! Paths are `dfs://` URLs or bare names (`dfs://calls/part-00000`, `calls/part-00000`). A
//! "folder" is a path prefix. This module does not schedule and does not know about RDDs.

pub mod placement;

use crate::hashing::stable_hash;
use crate::storage::{BlockId, DiskMedium, DiskStore};
use bytes::Bytes;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// The `[dfs]` settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DfsConfig {
    /// Bytes per block (HDFS's `dfs.blocksize`); at least 1.
    pub block_size: u64,
    /// Copies of each block (HDFS's `dfs.replication`), capped at the number of hosts.
    pub replication: usize,
}

impl Default for DfsConfig {
    fn default() -> Self {
        DfsConfig {
            block_size: 8 << 20,
            replication: 3,
        }
    }
}

/// HDFS numbers blocks from 2^30 + 1 (`blk_1073741825`); so does ember.
const FIRST_BLOCK_ID: u64 = (1 << 30) + 1;

/// What can go wrong with the DFS.
#[derive(Debug, thiserror::Error)]
pub enum DfsError {
    #[error("dfs://{0}: no such file or folder")]
    NotFound(String),
    #[error("dfs://{path}: block blk_{block} has no live replica")]
    NoLiveReplica { path: String, block: u64 },
    #[error("dfs://{path}: no live DataNode to write to")]
    NoDataNodes { path: String },
    #[error("dfs://{path}: {error}")]
    Io { path: String, error: std::io::Error },
}

/// One block of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockMeta {
    /// HDFS's block id (`blk_<id>`).
    pub id: u64,
    /// Where the block starts in its file.
    pub offset: u64,
    pub len: u64,
    /// The hosts holding a replica, in placement order.
    pub replicas: Vec<String>,
    /// Their DataNodes, by place in the store's list (a read finds them without a look-up).
    datanodes: Vec<usize>,
}

/// A file: its path (without `dfs://`), length and blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMeta {
    pub path: String,
    pub len: u64,
    pub blocks: Vec<BlockMeta>,
}

/// Where read bytes came from, relative to the reader.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadBytes {
    /// From a replica on the reader's host.
    pub local: u64,
    /// From a replica on another host of the reader's rack.
    pub rack: u64,
    /// From a replica on another rack.
    pub cross_rack: u64,
}

impl ReadBytes {
    /// All bytes read.
    pub fn total(&self) -> u64 {
        self.local + self.rack + self.cross_rack
    }
    fn add(&mut self, o: ReadBytes) {
        self.local += o.local;
        self.rack += o.rack;
        self.cross_rack += o.cross_rack;
    }
}

struct DataNode {
    host: String,
    /// The host's name, shared: a task preferring this replica's host copies it.
    shared_host: Arc<str>,
    rack: String,
    store: DiskStore,
    alive: AtomicBool,
}

/// The store: its DataNodes (one per host) and its namespace.
pub struct Dfs {
    config: DfsConfig,
    seed: u64,
    nodes: Vec<DataNode>,
    /// Each host's DataNode, by its place in `nodes`: a read looks up its reader and each
    /// replica, and a scan of the nodes made reads cost as much as the cluster is large.
    by_host: BTreeMap<String, usize>,
    files: RwLock<BTreeMap<String, Arc<FileMeta>>>,
    next_block: AtomicU64,
}

/// `dfs://a/b` and `a/b` name the same file; so do `a//b/` and `a/b`.
pub fn normalize(path: &str) -> String {
    let p = path.strip_prefix("dfs://").unwrap_or(path);
    p.split('/')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `path` names the DFS (`dfs://...`).
pub fn is_dfs_path(path: &str) -> bool {
    path.starts_with("dfs://")
}

impl Dfs {
    /// A DFS over `hosts` (`(host, rack)`, one DataNode each), on `medium` (with files, under
    /// `dir/<host>/`), seeded with `seed`.
    pub fn new(
        config: DfsConfig,
        hosts: &[(String, String)],
        medium: DiskMedium,
        dir: PathBuf,
        seed: u64,
    ) -> std::io::Result<Self> {
        let mut nodes = Vec::with_capacity(hosts.len());
        for (host, rack) in hosts {
            nodes.push(DataNode {
                host: host.clone(),
                shared_host: Arc::from(host.as_str()),
                rack: rack.clone(),
                store: DiskStore::new(medium, dir.join(host))?,
                alive: AtomicBool::new(true),
            });
        }
        Ok(Dfs {
            config: DfsConfig {
                block_size: config.block_size.max(1),
                replication: config.replication.max(1),
            },
            seed,
            by_host: nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.host.clone(), i))
                .collect(),
            nodes,
            files: RwLock::new(BTreeMap::new()),
            next_block: AtomicU64::new(FIRST_BLOCK_ID),
        })
    }

    /// The settings.
    pub fn config(&self) -> &DfsConfig {
        &self.config
    }

    /// Copies actually made of each block: `replication`, capped at the number of hosts.
    pub fn effective_replication(&self) -> usize {
        self.config.replication.min(self.nodes.len()).max(1)
    }

    /// A warning when `replication` exceeds the hosts there are.
    pub fn replication_warning(&self) -> Option<String> {
        (self.config.replication > self.nodes.len()).then(|| {
            format!(
                "dfs.replication = {} but the cluster has {} host(s): each block gets {} replica(s)",
                self.config.replication,
                self.nodes.len(),
                self.effective_replication()
            )
        })
    }

    fn node(&self, host: &str) -> Option<&DataNode> {
        self.by_host.get(host).and_then(|i| self.nodes.get(*i))
    }

    /// Whether `host`'s DataNode is alive.
    pub fn host_alive(&self, host: &str) -> bool {
        self.node(host)
            .is_some_and(|n| n.alive.load(Ordering::SeqCst))
    }

    /// `host` is gone: its replicas are lost with it.
    pub fn host_lost(&self, host: &str) {
        if let Some(n) = self.node(host) {
            n.alive.store(false, Ordering::SeqCst);
            n.store.clear();
        }
    }

    /// Writes `bytes` as the file `path` (replacing it), from `writer` (a host, or `None` for a
    /// client outside the cluster). Returns the file's blocks.
    pub fn write(
        &self,
        path: &str,
        bytes: &[u8],
        writer: Option<&str>,
    ) -> Result<FileMeta, DfsError> {
        self.write_replicated(path, bytes, writer, None)
    }

    /// Writes a file as [`Dfs::write`] does, with `replication` copies of each block instead of
    /// the file system's default (`hdfs dfs -D dfs.replication=N -put`; at most one per host).
    pub fn write_replicated(
        &self,
        path: &str,
        bytes: &[u8],
        writer: Option<&str>,
        replication: Option<usize>,
    ) -> Result<FileMeta, DfsError> {
        let replication = replication.unwrap_or(self.config.replication).max(1);
        let path = normalize(path);
        self.delete(&path);
        let io = |error| DfsError::Io {
            path: path.clone(),
            error,
        };
        let view: Vec<placement::Node<'_>> = self
            .nodes
            .iter()
            .map(|n| placement::Node {
                host: &n.host,
                rack: &n.rack,
                alive: n.alive.load(Ordering::SeqCst),
            })
            .collect();
        let mut blocks = Vec::new();
        let bs = self.config.block_size as usize;
        let chunks: Vec<&[u8]> = if bytes.is_empty() {
            Vec::new()
        } else {
            bytes.chunks(bs).collect()
        };
        for (i, chunk) in chunks.into_iter().enumerate() {
            let mut rng = ChaCha8Rng::seed_from_u64(stable_hash(&(self.seed, &path, i)));
            let chosen = placement::place(&view, writer, replication, &mut rng);
            if chosen.is_empty() {
                return Err(DfsError::NoDataNodes { path });
            }
            let id = self.next_block.fetch_add(1, Ordering::SeqCst);
            for &n in &chosen {
                self.nodes[n]
                    .store
                    .put(BlockId::Dfs { block: id }, chunk.to_vec())
                    .map_err(io)?;
            }
            blocks.push(BlockMeta {
                id,
                offset: (i * bs) as u64,
                len: chunk.len() as u64,
                replicas: chosen.iter().map(|n| self.nodes[*n].host.clone()).collect(),
                datanodes: chosen.clone(),
            });
        }
        let meta = FileMeta {
            path: path.clone(),
            len: bytes.len() as u64,
            blocks,
        };
        if let Ok(mut f) = self.files.write() {
            f.insert(path, Arc::new(meta.clone()));
        }
        Ok(meta)
    }

    /// The hosts of block `b`'s replicas, in placement order, as shared names.
    pub fn replica_hosts<'a>(&'a self, b: &'a BlockMeta) -> impl Iterator<Item = &'a Arc<str>> {
        b.datanodes
            .iter()
            .filter_map(|i| self.nodes.get(*i))
            .map(|n| &n.shared_host)
    }

    /// Removes the file `path` and its blocks; returns whether it existed.
    pub fn delete(&self, path: &str) -> bool {
        let path = normalize(path);
        let old = self.files.write().ok().and_then(|mut f| f.remove(&path));
        if let Some(meta) = &old {
            for b in &meta.blocks {
                for n in b.datanodes.iter().filter_map(|i| self.nodes.get(*i)) {
                    n.store.remove(BlockId::Dfs { block: b.id });
                }
            }
        }
        old.is_some()
    }

    /// The file `path`, if it exists.
    pub fn file(&self, path: &str) -> Option<FileMeta> {
        let path = normalize(path);
        self.files
            .read()
            .ok()?
            .get(&path)
            .map(|f| FileMeta::clone(f))
    }

    /// The file `path`, or every file under the folder `path` (names starting with `_` or `.`
    /// skipped, as Hadoop's input formats skip them), sorted by path.
    pub fn files_under(&self, path: &str) -> Result<Vec<FileMeta>, DfsError> {
        self.files_under_shared(path)
            .map(|v| v.iter().map(|f| FileMeta::clone(f)).collect())
    }

    /// [`Self::files_under`], the files shared rather than copied (a file of 20,000 blocks is
    /// 20,000 block records).
    pub fn files_under_shared(&self, path: &str) -> Result<Vec<Arc<FileMeta>>, DfsError> {
        let path = normalize(path);
        let files = self
            .files
            .read()
            .map_err(|_| DfsError::NotFound(path.clone()))?;
        if let Some(f) = files.get(&path) {
            return Ok(vec![f.clone()]);
        }
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let found: Vec<Arc<FileMeta>> = files
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| {
                let name = k.rsplit('/').next().unwrap_or("");
                !name.starts_with('_') && !name.starts_with('.')
            })
            .map(|(_, v)| v.clone())
            .collect();
        if found.is_empty() {
            Err(DfsError::NotFound(path))
        } else {
            Ok(found)
        }
    }

    /// Whether `path` is a file or a folder holding any file (`_SUCCESS` included).
    pub fn exists(&self, path: &str) -> bool {
        let path = normalize(path);
        let Ok(files) = self.files.read() else {
            return false;
        };
        if files.contains_key(&path) {
            return true;
        }
        let prefix = format!("{path}/");
        files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    /// Every file, sorted by path.
    pub fn list(&self) -> Vec<FileMeta> {
        self.files
            .read()
            .map(|f| f.values().map(|m| FileMeta::clone(m)).collect())
            .unwrap_or_default()
    }

    /// Bytes `start..end` of block `b` of `file` (offsets within the block), from the live
    /// replica closest to `reader`.
    pub fn read_block_range(
        &self,
        file: &FileMeta,
        b: &BlockMeta,
        start: u64,
        end: u64,
        reader: Option<&str>,
    ) -> Result<(Bytes, ReadBytes), DfsError> {
        let reader = reader.and_then(|h| self.by_host.get(h).copied());
        self.read_block_from(file, b, start, end, reader)
    }

    /// [`Self::read_block_range`] for a reader known by its DataNode's place.
    fn read_block_from(
        &self,
        file: &FileMeta,
        b: &BlockMeta,
        start: u64,
        end: u64,
        reader: Option<usize>,
    ) -> Result<(Bytes, ReadBytes), DfsError> {
        let reader_rack = reader
            .and_then(|i| self.nodes.get(i))
            .map(|n| n.rack.as_str());
        let mut best: Option<(u8, &DataNode)> = None;
        for &i in &b.datanodes {
            let Some(n) = self.nodes.get(i) else { continue };
            if !n.alive.load(Ordering::Relaxed) {
                continue;
            }
            let distance = if Some(i) == reader {
                0
            } else if Some(n.rack.as_str()) == reader_rack {
                1
            } else {
                2
            };
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, n));
            }
        }
        let Some((distance, node)) = best else {
            return Err(DfsError::NoLiveReplica {
                path: file.path.clone(),
                block: b.id,
            });
        };
        let bytes = node
            .store
            .get_range(BlockId::Dfs { block: b.id }, start, end)
            .map_err(|error| DfsError::Io {
                path: file.path.clone(),
                error,
            })?
            .ok_or(DfsError::NoLiveReplica {
                path: file.path.clone(),
                block: b.id,
            })?;
        let n = bytes.len() as u64;
        let mut from = ReadBytes::default();
        match distance {
            0 => from.local = n,
            1 => from.rack = n,
            _ => from.cross_rack = n,
        }
        Ok((bytes, from))
    }

    /// Bytes `start..end` of `file`, across blocks as needed, from the closest replicas.
    pub fn read_range(
        &self,
        file: &FileMeta,
        start: u64,
        end: u64,
        reader: Option<&str>,
    ) -> Result<(Vec<u8>, ReadBytes), DfsError> {
        let end = end.min(file.len);
        let mut out = Vec::with_capacity(end.saturating_sub(start) as usize);
        let mut from = ReadBytes::default();
        // Blocks are in offset order: start at the one holding `start`.
        let first = file.blocks.partition_point(|b| b.offset + b.len <= start);
        for b in &file.blocks[first..] {
            let (bs, be) = (b.offset, b.offset + b.len);
            if bs >= end {
                break;
            }
            if be <= start {
                continue;
            }
            let (s, e) = (start.max(bs) - bs, end.min(be) - bs);
            let (bytes, f) = self.read_block_range(file, b, s, e, reader)?;
            out.extend_from_slice(&bytes);
            from.add(f);
        }
        Ok((out, from))
    }

    /// The whole file (a driver-side read).
    pub fn read(&self, path: &str) -> Result<Vec<u8>, DfsError> {
        let file = self
            .file(path)
            .ok_or_else(|| DfsError::NotFound(normalize(path)))?;
        self.read_range(&file, 0, file.len, None).map(|(b, _)| b)
    }

    /// The lines of block `b` of `file`, split as Hadoop's `LineRecordReader` splits them: a
    /// block other than the first skips the line it starts in (its predecessor reads it), and
    /// a block reads on into the next block to finish its last line.
    pub fn read_lines(
        &self,
        file: &FileMeta,
        b: usize,
        reader: Option<&str>,
    ) -> Result<(Vec<String>, ReadBytes), DfsError> {
        let Some(block) = file.blocks.get(b) else {
            return Ok((Vec::new(), ReadBytes::default()));
        };
        let (start, end) = (block.offset, block.offset + block.len);
        let reader = reader.and_then(|h| self.by_host.get(h).copied());
        let (mut buf, mut from) = self.read_block_from(file, block, 0, block.len, reader)?;
        let mut buf: Vec<u8> = std::mem::take(&mut buf).into();
        let mut buf_end = end;
        // Reads on past the block, 64 KiB at a time, until a newline or the end of the file;
        // as HDFS's `DFSInputStream.read`, one read stops at the end of the block it is in.
        let mut more = |buf: &mut Vec<u8>, buf_end: &mut u64| -> Result<bool, DfsError> {
            if *buf_end >= file.len {
                return Ok(false);
            }
            let at = file
                .blocks
                .partition_point(|b| b.offset + b.len <= *buf_end);
            let Some(next) = file.blocks.get(at) else {
                return Ok(false);
            };
            let to = (*buf_end + (64 << 10)).min(next.offset + next.len);
            let (bytes, f) =
                self.read_block_from(file, next, *buf_end - next.offset, to - next.offset, reader)?;
            buf.extend_from_slice(&bytes);
            from.add(f);
            *buf_end = to;
            Ok(true)
        };
        let find_nl = |buf: &Vec<u8>, pos: u64| {
            memchr::memchr(b'\n', &buf[(pos - start) as usize..]).map(|i| pos + i as u64)
        };
        let mut pos = start;
        if start > 0 {
            loop {
                if let Some(nl) = find_nl(&buf, start) {
                    pos = nl + 1;
                    break;
                }
                if !more(&mut buf, &mut buf_end)? {
                    return Ok((Vec::new(), from));
                }
            }
        }
        // As many lines as the block has newlines (and one more), so the list is made once.
        let mut lines = Vec::with_capacity(
            memchr::memchr_iter(b'\n', &buf[(pos - start) as usize..]).count() + 1,
        );
        while pos <= end && pos < file.len {
            let nl = loop {
                if let Some(nl) = find_nl(&buf, pos) {
                    break nl;
                }
                if !more(&mut buf, &mut buf_end)? {
                    break buf_end;
                }
            };
            let line = &buf[(pos - start) as usize..(nl - start) as usize];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            // Valid UTF-8 (the usual case) is copied as it is; anything else is mended.
            lines.push(match std::str::from_utf8(line) {
                Ok(s) => s.to_owned(),
                Err(_) => String::from_utf8_lossy(line).into_owned(),
            });
            pos = nl + 1;
        }
        Ok((lines, from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dfs(racks: usize, hosts_per_rack: usize, block_size: u64, replication: usize) -> Dfs {
        let hosts: Vec<(String, String)> = (0..racks * hosts_per_rack)
            .map(|h| (format!("host-{h}"), format!("rack-{}", h / hosts_per_rack)))
            .collect();
        Dfs::new(
            DfsConfig {
                block_size,
                replication,
            },
            &hosts,
            DiskMedium::Memory,
            PathBuf::new(),
            7,
        )
        .unwrap()
    }

    #[test]
    fn a_file_is_split_into_blocks_of_block_size_and_reads_back_whole() {
        let d = dfs(1, 3, 10, 2);
        let bytes: Vec<u8> = (0..35u8).collect();
        let f = d.write("dfs://data/a", &bytes, None).unwrap();
        let lens: Vec<u64> = f.blocks.iter().map(|b| b.len).collect();
        assert_eq!(lens, vec![10, 10, 10, 5]);
        assert_eq!(f.blocks[1].offset, 10);
        assert_eq!(f.blocks[0].id, FIRST_BLOCK_ID);
        assert_eq!(d.read("data/a").unwrap(), bytes);
        assert_eq!(
            d.read_range(&f, 8, 23, None).unwrap().0,
            bytes[8..23].to_vec()
        );
    }

    #[test]
    fn lines_are_split_at_block_boundaries_as_hadoop_splits_them() {
        let text = "alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\n";
        for bs in 1..=text.len() as u64 + 1 {
            let d = dfs(1, 2, bs, 1);
            let f = d.write("t", text.as_bytes(), None).unwrap();
            let mut all = Vec::new();
            for b in 0..f.blocks.len() {
                all.extend(d.read_lines(&f, b, None).unwrap().0);
            }
            assert_eq!(all.join("\n") + "\n", text, "block size {bs}");
        }
    }

    #[test]
    fn every_block_is_readable_after_the_loss_of_any_one_host_with_two_replicas() {
        for host in 0..4 {
            let d = dfs(2, 2, 16, 2);
            let bytes: Vec<u8> = (0..200u8).collect();
            let f = d.write("x", &bytes, None).unwrap();
            d.host_lost(&format!("host-{host}"));
            assert_eq!(d.read("x").unwrap(), bytes, "after losing host-{host}");
            for b in &f.blocks {
                assert_eq!(b.replicas.len(), 2);
            }
        }
    }

    #[test]
    fn a_read_prefers_the_local_replica_then_the_rack() {
        let d = dfs(2, 2, 100, 3);
        let f = d.write("x", &[1u8; 50], Some("host-0")).unwrap();
        let b = &f.blocks[0];
        assert_eq!(b.replicas[0], "host-0");
        let (_, from) = d.read_block_range(&f, b, 0, 50, Some("host-0")).unwrap();
        assert_eq!(from.local, 50);
        // host-1 shares rack-0 with host-0 but holds no replica (the other two are on rack-1).
        let (_, from) = d.read_block_range(&f, b, 0, 50, Some("host-1")).unwrap();
        assert_eq!(from.rack, 50, "{:?}", b.replicas);
    }

    #[test]
    fn the_same_seed_gives_the_same_placement() {
        let place = || {
            let d = dfs(3, 3, 4, 3);
            let f = d.write("p", &[0u8; 64], None).unwrap();
            f.blocks.into_iter().map(|b| b.replicas).collect::<Vec<_>>()
        };
        assert_eq!(place(), place());
    }

    #[test]
    fn replication_above_the_host_count_is_capped_with_a_warning() {
        let d = dfs(1, 2, 8, 3);
        assert_eq!(d.effective_replication(), 2);
        assert!(d.replication_warning().unwrap().contains("2 host(s)"));
        let f = d.write("x", &[0u8; 20], None).unwrap();
        assert!(f.blocks.iter().all(|b| b.replicas.len() == 2));
    }

    #[test]
    fn a_folder_lists_its_files_in_order_without_hidden_ones() {
        let d = dfs(1, 1, 8, 1);
        for name in [
            "out/part-00001",
            "out/part-00000",
            "out/_SUCCESS",
            "outer/x",
        ] {
            d.write(name, b"1\n", None).unwrap();
        }
        let names: Vec<String> = d
            .files_under("dfs://out")
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(names, vec!["out/part-00000", "out/part-00001"]);
        assert!(matches!(d.files_under("nope"), Err(DfsError::NotFound(_))));
    }
}

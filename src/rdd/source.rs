//! Sources: RDDs with no parents.
//!
//! - `parallelize` slices a local collection the way Spark's `ParallelCollectionRDD` does; a
//!   task reads its slice in place (the collection is shared, never copied).
//! - `text_file` over `dfs://` reads the HDFS-like store: one partition per block, preferring
//!   the hosts of the block's replicas, lines split at block boundaries as Hadoop's
//!   `LineRecordReader` splits them.
//! - `text_file` over any other path reads the local file system: a file, or every file of a
//!   folder, one partition per file (sorted by name).

use super::records::Records;
use super::{Data, Rdd, RddNode};
use crate::context::Context;
use crate::dfs::{self, DfsError, FileMeta, ReadBytes};
use crate::lineage::TaskLocation;
use crate::scheduler::JobError;
use crate::storage::size::sampled_size;
use crate::storage::RecordBlock;
use crate::task_context::{TaskContext, TaskError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Why a source could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A local file or folder could not be read.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A DFS path could not be read.
    #[error(transparent)]
    Dfs(#[from] DfsError),
}

/// Spark's `ParallelCollectionRDD.slice` positions: slice `i` holds `[i*n/k, (i+1)*n/k)`.
pub fn slice_bounds(len: usize, slices: usize) -> Vec<(usize, usize)> {
    (0..slices)
        .map(|i| (i * len / slices, (i + 1) * len / slices))
        .collect()
}

impl Context {
    /// An RDD of `data` split into `slices` partitions as Spark slices it.
    pub fn parallelize<T: Data>(&self, data: Vec<T>, slices: usize) -> Rdd<T> {
        parallelize(self, data, slices)
    }

    /// An RDD of the lines of a text file. A `dfs://` path reads the run's DFS: a file, or every
    /// file of a folder, one partition per block, each preferring its replicas' hosts. Any other
    /// path reads the local file system: a file, or every file of a folder, one partition each.
    pub fn text_file(&self, path: impl AsRef<Path>) -> Result<Rdd<String>, SourceError> {
        text_file(self, &path.as_ref().to_string_lossy())
    }

    /// An RDD of `items`, one partition per item, each preferring the hosts given with it
    /// (Spark's `makeRDD(seq: Seq[(T, Seq[String])])`): a collection in the driver whose
    /// partitions still have preferred locations, so that delay scheduling has something to
    /// wait for without a file to read.
    ///
    /// ```
    /// use ember::Context;
    /// let ctx = Context::local(2);
    /// let rdd = ctx.make_rdd(vec![(1, vec!["host-0".to_string()]), (2, vec![])]);
    /// assert_eq!(rdd.num_partitions(), 2);
    /// assert_eq!(rdd.collect().unwrap(), vec![1, 2]);
    /// ```
    pub fn make_rdd<T: Data>(&self, items: Vec<(T, Vec<String>)>) -> Rdd<T> {
        make_rdd(self, items)
    }

    /// Runs only the map stage of the shuffle that feeds `rdd` (Spark's `submitMapStage`).
    /// Fails if `rdd` has no shuffle dependency of its own.
    pub fn run_map_stage<T: Data>(&self, rdd: &Rdd<T>) -> Result<(), JobError> {
        self.run_map_stage_of(rdd.node())
    }
}

pub(crate) fn parallelize<T: Data>(ctx: &Context, data: Vec<T>, slices: usize) -> Rdd<T> {
    parallelize_as(ctx, data, slices, "parallelize", None)
}

/// A `ParallelCollectionRDD` made by `op`, its partitions preferring `locations` if given.
fn parallelize_as<T: Data>(
    ctx: &Context,
    data: Vec<T>,
    slices: usize,
    op: &'static str,
    locations: Option<Arc<crate::lineage::LocationsFn>>,
) -> Rdd<T> {
    let slices = slices.max(1);
    let bounds = slice_bounds(data.len(), slices);
    let sizes: Arc<Vec<OnceLock<u64>>> = Arc::new((0..slices).map(|_| OnceLock::new()).collect());
    let data = Arc::new(data);
    let mut node = RddNode::new(
        ctx.new_rdd_id(),
        "ParallelCollectionRDD",
        op,
        slices,
        Vec::new(),
        None,
    );
    if let Some(l) = locations {
        node = node.with_locations(l);
    }
    let compute = move |tc: &TaskContext, split: usize| {
        let (start, end) = bounds[split];
        let bytes = if tc.measures_sizes() {
            *sizes[split].get_or_init(|| sampled_size(end - start, |i| &data[start + i]))
        } else {
            0
        };
        tc.metrics_mut(|m| {
            m.input_records += (end - start) as u64;
            m.input_bytes += bytes;
        });
        Ok(Records::from_block(RecordBlock::slice_of(
            data.clone(),
            start..end,
        )))
    };
    Rdd::from_parts(ctx.clone(), node, Arc::new(compute))
}

fn make_rdd<T: Data>(ctx: &Context, items: Vec<(T, Vec<String>)>) -> Rdd<T> {
    let n = items.len();
    // The host names shared: a task set copies them for every task.
    let mut names: BTreeMap<String, Arc<str>> = BTreeMap::new();
    let mut data = Vec::with_capacity(n);
    let mut located: Vec<Vec<TaskLocation>> = Vec::with_capacity(n);
    for (item, hosts) in items {
        data.push(item);
        located.push(
            hosts
                .into_iter()
                .map(|h| {
                    let name = names.entry(h).or_insert_with_key(|h| Arc::from(h.as_str()));
                    TaskLocation::Host(name.clone())
                })
                .collect(),
        );
    }
    let locations = move |p: usize| located.get(p).cloned().unwrap_or_default();
    parallelize_as(ctx, data, n, "make_rdd", Some(Arc::new(locations)))
}

/// The files a local `text_file` path stands for: the file itself, or the regular files of a
/// folder (not starting with `.` or `_`, as Hadoop skips them), sorted by name.
pub fn text_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_file() && !name.starts_with('.') && !name.starts_with('_') {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

pub(crate) fn text_file(ctx: &Context, path: &str) -> Result<Rdd<String>, SourceError> {
    text_file_as(ctx, path, |line| line)
}

/// `text_file` whose lines are made records by `f` as they are read (a pipeline reads lines as
/// dynamic values, without an RDD of its own for it).
pub(crate) fn text_file_as<T: Data>(
    ctx: &Context,
    path: &str,
    f: fn(String) -> T,
) -> Result<Rdd<T>, SourceError> {
    if dfs::is_dfs_path(path) {
        return dfs_text_file(ctx, path, f);
    }
    let path = Path::new(path);
    let files = Arc::new(text_files(path).map_err(|error| SourceError::Io {
        path: path.to_path_buf(),
        error,
    })?);
    let node = RddNode::new(
        ctx.new_rdd_id(),
        "HadoopRDD",
        "text_file",
        files.len(),
        Vec::new(),
        None,
    );
    let compute = move |tc: &TaskContext, split: usize| {
        let file = &files[split];
        let text = std::fs::read_to_string(file)
            .map_err(|e| TaskError::Exception(format!("{}: {e}", file.display())))?;
        let lines: Vec<T> = text.lines().map(|l| f(l.to_string())).collect();
        tc.metrics_mut(|m| {
            m.input_records += lines.len() as u64;
            m.input_bytes += text.len() as u64;
            m.input_disk_bytes += text.len() as u64;
        });
        Ok(Records::from_vec(lines))
    };
    Ok(Rdd::from_parts(ctx.clone(), node, Arc::new(compute)))
}

fn dfs_text_file<T: Data>(
    ctx: &Context,
    path: &str,
    make: fn(String) -> T,
) -> Result<Rdd<T>, SourceError> {
    let files: Arc<Vec<Arc<FileMeta>>> = Arc::new(ctx.dfs().files_under_shared(path)?);
    // One partition per block, file by file; an empty file is one empty partition with no
    // preferred location (Hadoop's `FileInputFormat` makes a split for a zero-length file).
    let parts: Arc<Vec<(usize, Option<usize>)>> = Arc::new(
        files
            .iter()
            .enumerate()
            .flat_map(|(f, meta)| {
                let blocks: Vec<Option<usize>> = match meta.blocks.len() {
                    0 => vec![None],
                    n => (0..n).map(Some).collect(),
                };
                blocks.into_iter().map(move |b| (f, b))
            })
            .collect(),
    );
    // Each partition's preferred hosts: its block's replicas, their names shared (a task set
    // copies them for every task, and a copy of an `Arc<str>` is a count, not an allocation).
    let (dfs, lf, lp) = (ctx.dfs(), files.clone(), parts.clone());
    let locations = move |p: usize| -> Vec<TaskLocation> {
        match lp.get(p) {
            Some((f, Some(b))) => dfs
                .replica_hosts(&lf[*f].blocks[*b])
                .map(|h| TaskLocation::Host(h.clone()))
                .collect(),
            _ => Vec::new(),
        }
    };
    let node = RddNode::new(
        ctx.new_rdd_id(),
        "HadoopRDD",
        "text_file",
        parts.len(),
        Vec::new(),
        None,
    )
    .with_locations(Arc::new(locations));
    let compute = move |tc: &TaskContext, split: usize| {
        let (f, b) = parts[split];
        let Some(b) = b else {
            return Ok(Records::empty());
        };
        let (lines, from) = tc
            .dfs()
            .read_lines(&files[f], b, Some(tc.host()))
            .map_err(|e| TaskError::Exception(e.to_string()))?;
        record_read(tc, lines.len() as u64, from);
        Ok(Records::from_vec(lines.into_iter().map(make).collect()))
    };
    Ok(Rdd::from_parts(ctx.clone(), node, Arc::new(compute)))
}

/// Adds a DFS read to the task's input metrics.
fn record_read(tc: &TaskContext, records: u64, from: ReadBytes) {
    tc.metrics_mut(|m| {
        m.input_records += records;
        m.input_bytes += from.total();
        m.input_disk_bytes += from.local;
        m.input_network_bytes += from.rack + from.cross_rack;
        m.input_cross_rack_bytes += from.cross_rack;
    });
}

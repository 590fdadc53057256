//! Sources: RDDs with no parents.
//!
//! `parallelize` slices a local collection the way Spark's `ParallelCollectionRDD` does;
//! `text_file` reads a file or a folder of text files, one partition per file (sorted by
//! name), until the HDFS-like store of the locality step gives inputs blocks and replicas.

use super::{Data, Rdd, RddNode, Records};
use crate::context::Context;
use crate::task_context::{TaskContext, TaskError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Spark's `ParallelCollectionRDD.slice` positions: slice `i` holds `[i*n/k, (i+1)*n/k)`.
pub fn slice_bounds(len: usize, slices: usize) -> Vec<(usize, usize)> {
    (0..slices)
        .map(|i| (i * len / slices, (i + 1) * len / slices))
        .collect()
}

pub(crate) fn parallelize<T: Data>(ctx: &Context, data: Vec<T>, slices: usize) -> Rdd<T> {
    let slices = slices.max(1);
    let bounds = slice_bounds(data.len(), slices);
    let data = Arc::new(data);
    let node = RddNode::new(
        ctx.new_rdd_id(),
        "ParallelCollectionRDD",
        "parallelize",
        slices,
        Vec::new(),
        None,
    );
    let record_bytes = std::mem::size_of::<T>() as u64;
    let compute = move |tc: &TaskContext, split: usize| {
        let (start, end) = bounds[split];
        tc.metrics_mut(|m| {
            m.input_records += (end - start) as u64;
            m.input_bytes += (end - start) as u64 * record_bytes;
        });
        let data = data.clone();
        let it: Records<T> = Records::new((start..end).map(move |i| data[i].clone()));
        Ok(it)
    };
    Rdd::from_parts(ctx.clone(), node, Arc::new(compute))
}

/// The files a `text_file` path stands for: the file itself, or the regular files of a folder
/// (not starting with `.` or `_`, as Hadoop skips them), sorted by name.
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

pub(crate) fn text_file(ctx: &Context, path: &Path) -> std::io::Result<Rdd<String>> {
    let files = Arc::new(text_files(path)?);
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
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        tc.metrics_mut(|m| {
            m.input_records += lines.len() as u64;
            m.input_bytes += text.len() as u64;
        });
        let it: Records<String> = Records::from_vec(lines);
        Ok(it)
    };
    Ok(Rdd::from_parts(ctx.clone(), node, Arc::new(compute)))
}

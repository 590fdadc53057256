//! PageRank over a generated power-law graph (the RDD paper's §3.2.2 and Figure 10).
//!
//! The edges (`src dst`) are read from the DFS, grouped into each page's links and persisted;
//! every page starts at rank 1. Each iteration joins the links with the ranks, sends each page's
//! rank in equal shares along its links (`flat_map`), sums the shares per page
//! (`reduce_by_key`) and damps them (`0.15 + 0.85 × sum`). Each iteration counts its ranks (one
//! job), so the lineage grows by a join and a shuffle per iteration and the earlier stages are
//! skipped, their map outputs already there.
//!
//! With `partition_by`, the links are hash-partitioned once and the shares are reduced into
//! the same partitioner, so every join is narrow on both sides: only the shares cross the
//! network (the RDD paper's controlled partitioning). Without it the links are held as a
//! program that does not keep their partitioner would hold them (after a `map`), and every
//! iteration's join shuffles them again. `checkpoint_every` marks the ranks for checkpointing
//! every so many iterations.

use super::datasets::{Dataset, Generator};
use super::{float_digest, iterate, read_input, write_input, Common, WorkloadOutput};
use crate::lineage::Partitioner;
use crate::rdd::Rdd;
use crate::scheduler::JobError;
use crate::storage::StorageLevel;
use crate::Context;

/// Parameters of PageRank.
#[derive(Clone, Debug, PartialEq)]
pub struct PageRankParams {
    pub vertices: usize,
    /// Average out-degree.
    pub degree: usize,
    /// Hash-partition the links once, and reduce the ranks into the same partitioner.
    pub partition_by: bool,
    /// Checkpoint the ranks every so many iterations.
    pub checkpoint_every: Option<usize>,
    pub common: Common,
}

impl Default for PageRankParams {
    fn default() -> Self {
        PageRankParams {
            vertices: 2_000,
            degree: 4,
            partition_by: false,
            checkpoint_every: None,
            common: Common::default(),
        }
    }
}

/// Parses a `src dst` line.
pub fn parse_edge(line: &str) -> (u64, u64) {
    let mut it = line
        .split_whitespace()
        .map(|x| x.parse::<u64>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// The graph's edges, as they are written into the DFS.
pub fn input(p: &PageRankParams) -> Dataset {
    Dataset {
        name: "graph".into(),
        generator: Generator::Graph {
            vertices: p.vertices as u64,
            degree: p.degree as u64,
        },
        partitions: p.common.partitions,
        placement: p.common.placement.clone(),
    }
}

/// Runs PageRank; the answer is the ranks.
pub fn run(ctx: &Context, p: &PageRankParams) -> Result<WorkloadOutput, JobError> {
    let input = input(p);
    write_input(ctx, &input, p.common.seed)?;
    let parts = p.common.partitions.max(1);
    let part = Partitioner::hash(parts).map_err(|e| JobError::InvalidRdd(e.to_string()))?;
    let edges = read_input(ctx, &input)?.map(|l| parse_edge(l)).distinct();
    let grouped = edges.group_by_key_with(part.clone());
    let mut links: Rdd<(u64, Vec<u64>)> = if p.partition_by {
        grouped.partition_by(part.clone())
    } else {
        grouped.map(|(k, v)| (*k, v.clone()))
    };
    if p.common.persist != StorageLevel::NONE {
        links = links.persist(p.common.persist);
    }
    let mut ranks: Rdd<(u64, f64)> = links.map_values(|_| 1.0);
    let mut lineage = ranks.lineage_string();
    iterate(ctx, p.common.iterations, |i| {
        let contribs = links.join(&ranks).values().flat_map(|(urls, rank)| {
            let share = rank / urls.len().max(1) as f64;
            urls.iter().map(|u| (*u, share)).collect::<Vec<_>>()
        });
        let sums = if p.partition_by {
            contribs.reduce_by_key_with(|a, b| a + b, part.clone())
        } else {
            contribs.reduce_by_key(|a, b| a + b)
        };
        ranks = sums.map_values(|s| 0.15 + 0.85 * s);
        if p.checkpoint_every.is_some_and(|k| k > 0 && i % k == 0) {
            ranks.checkpoint();
        }
        lineage = ranks.lineage_string();
        ranks.count()?;
        Ok(())
    })?;
    let mut all = ranks.collect()?;
    all.sort_by_key(|a| a.0);
    Ok(WorkloadOutput {
        result: show_ranks(&all),
        digest: float_digest(all.iter().flat_map(|(v, r)| [*v as f64, *r])),
        lineage,
    })
}

/// The ranks (sorted by page) as the run reports them: how many, and the top three.
pub fn show_ranks(all: &[(u64, f64)]) -> String {
    let mut top = all.to_vec();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let shown: Vec<String> = top
        .iter()
        .take(3)
        .map(|(v, r)| format!("{v}={r:.3}"))
        .collect();
    format!("{} ranked pages; top: {}", all.len(), shown.join(", "))
}

//! K-means: the RDD paper's second iterative example (its Figures 7, 8 and 11).
//!
//! Assigning a point costs one distance per centre: the assignment is weighted by k in the
//! cost model (as parsing is by the numbers on a line). The points are read from text in the
//! DFS and persisted; the first `clusters` points are the
//! starting centres (`take`, a job of its own). Each iteration assigns every point to its
//! closest centre (`map`), sums the points and counts of each centre (`reduce_by_key`, a
//! shuffle) and brings the new centres back to the driver (`collect_as_map`): one job of two
//! stages per iteration.

use super::datasets::Dataset;
use super::logistic_regression::parse_point;
use super::{float_digest, iterate, read_input, write_input, Common, WorkloadOutput};
use crate::scheduler::JobError;
use crate::storage::StorageLevel;
use crate::Context;
use std::sync::Arc;

/// Parameters of k-means.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansParams {
    pub points: usize,
    pub dims: usize,
    pub clusters: usize,
    pub common: Common,
}

impl Default for KMeansParams {
    fn default() -> Self {
        KMeansParams {
            points: 20_000,
            dims: 4,
            clusters: 4,
            common: Common::default(),
        }
    }
}

/// The index of the centre closest to `x` (the first, on a tie).
pub fn closest(x: &[f64], centres: &[Vec<f64>]) -> usize {
    let mut best = (0, f64::INFINITY);
    for (i, c) in centres.iter().enumerate() {
        let d: f64 = x.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum();
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

/// Runs k-means; the answer is the centres.
pub fn run(ctx: &Context, p: &KMeansParams) -> Result<WorkloadOutput, JobError> {
    let input = Dataset {
        placement: p.common.placement.clone(),
        ..Dataset::points(p.points, p.dims, p.common.partitions)
    };
    write_input(ctx, &input, p.common.seed)?;
    let mut points =
        read_input(ctx, &input)?.map_parsed(p.dims as u64 + 1, |l| parse_point(l).features);
    if p.common.persist != StorageLevel::NONE {
        points = points.persist(p.common.persist);
    }
    let mut centres: Vec<Vec<f64>> = points.take(p.clusters.max(1))?;
    let mut lineage = points.lineage_string();
    iterate(ctx, p.common.iterations, |_| {
        let c: Arc<Vec<Vec<f64>>> = Arc::new(centres.clone());
        let sums = points
            .map_weighted(p.clusters.max(1) as u64, move |x| {
                (closest(x, &c) as u64, (x.clone(), 1u64))
            })
            .reduce_by_key(|(a, n), (b, m)| {
                let sum: Vec<f64> = a.iter().zip(b).map(|(x, y)| x + y).collect();
                (sum, n + m)
            });
        lineage = sums.lineage_string();
        for (i, (sum, n)) in sums.collect_as_map()? {
            if let Some(c) = centres.get_mut(i as usize) {
                *c = sum.iter().map(|v| v / n as f64).collect();
            }
        }
        Ok(())
    })?;
    Ok(WorkloadOutput {
        result: show_centres(&centres),
        digest: float_digest(centres.iter().flatten().copied()),
        lineage,
    })
}

/// The centres as the run reports them.
pub fn show_centres(centres: &[Vec<f64>]) -> String {
    let shown: Vec<String> = centres
        .iter()
        .map(|c| {
            let xs: Vec<String> = c.iter().take(3).map(|v| format!("{v:.3}")).collect();
            format!(
                "({}{})",
                xs.join(", "),
                if c.len() > 3 { ", ..." } else { "" }
            )
        })
        .collect();
    format!("{} centres: {}", centres.len(), shown.join(" "))
}

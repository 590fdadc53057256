//! Logistic regression by batch gradient descent: the RDD paper's iterative example.
//!
//! As in the paper, the points are read from text in the DFS (`label,x1,...,xd`, generated from
//! the run's seed), parsed, and persisted; each iteration is one job that folds every
//! partition into a partial gradient (`map_partitions`, as MLlib's `treeAggregate` does) and
//! sums the partials in partition order (`reduce`). With the points cached, later iterations
//! skip the reading and parsing that the first one pays for.
//!
//! The record types are plain structs of `f64`s and `Vec<f64>`s: tasks read them in place,
//! never copying them. [`PointBlock`] packs points row by row, as MLlib has packed instances
//! into `InstanceBlock`s since Spark 3.1 (the benchmarks compare both shapes with a hand loop).

use super::datasets::Dataset;
use super::{float_digest, iterate, read_input, write_input, Common, WorkloadOutput};
use crate::rdd::Rdd;
use crate::scheduler::JobError;
use crate::storage::StorageLevel;
use crate::Context;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Parameters of the regression.
#[derive(Clone, Debug, PartialEq)]
pub struct LrParams {
    pub points: usize,
    pub dims: usize,
    pub common: Common,
}

impl Default for LrParams {
    fn default() -> Self {
        LrParams {
            points: 20_000,
            dims: 10,
            common: Common::default(),
        }
    }
}

/// One labelled point (MLlib's `LabeledPoint`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabeledPoint {
    /// +1 or -1.
    pub label: f64,
    pub features: Vec<f64>,
}

/// Points packed row by row: a block of `labels.len()` points of `dims` features each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointBlock {
    pub dims: usize,
    pub labels: Vec<f64>,
    /// Row-major: point `i`'s features are `features[i * dims..(i + 1) * dims]`.
    pub features: Vec<f64>,
}

/// Packs `points` into blocks of `block_size` (the last one may be smaller).
pub fn blockify(points: &[LabeledPoint], dims: usize, block_size: usize) -> Vec<PointBlock> {
    points
        .chunks(block_size.max(1))
        .map(|chunk| PointBlock {
            dims,
            labels: chunk.iter().map(|p| p.label).collect(),
            features: chunk
                .iter()
                .flat_map(|p| p.features.iter().copied())
                .collect(),
        })
        .collect()
}

/// Adds the logistic-loss gradient of every point of `b` at `w` to `acc`.
#[inline]
pub fn add_block_gradient(acc: &mut [f64], w: &[f64], b: &PointBlock) {
    for (label, x) in b.labels.iter().zip(b.features.chunks_exact(b.dims)) {
        let dot: f64 = w.iter().zip(x).map(|(a, b)| a * b).sum();
        let scale = (1.0 / (1.0 + (-label * dot).exp()) - 1.0) * label;
        for (a, xi) in acc.iter_mut().zip(x) {
            *a += scale * xi;
        }
    }
}

/// `n` points in `dims` dimensions, labelled by a hidden hyperplane with a little noise.
pub fn generate_points(n: usize, dims: usize, seed: u64) -> Vec<LabeledPoint> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let truth: Vec<f64> = (0..dims)
        .map(|i| if i % 2 == 0 { 1.0 } else { -0.5 })
        .collect();
    (0..n)
        .map(|_| {
            let x: Vec<f64> = (0..dims).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let dot: f64 = x.iter().zip(&truth).map(|(a, b)| a * b).sum();
            let noise: f64 = rng.gen_range(-0.1..0.1);
            LabeledPoint {
                label: if dot + noise > 0.0 { 1.0 } else { -1.0 },
                features: x,
            }
        })
        .collect()
}

/// Adds the logistic-loss gradient of `p` at `w` to `acc`.
#[inline]
pub fn add_gradient(acc: &mut [f64], w: &[f64], p: &LabeledPoint) {
    let dot: f64 = w.iter().zip(p.features.iter()).map(|(a, b)| a * b).sum();
    let scale = (1.0 / (1.0 + (-p.label * dot).exp()) - 1.0) * p.label;
    for (a, x) in acc.iter_mut().zip(p.features.iter()) {
        *a += scale * x;
    }
}

/// One gradient step's gradient over `points` at `w`: one job.
pub fn gradient(points: &Rdd<PointBlock>, w: &[f64]) -> Result<Vec<f64>, JobError> {
    sum_partials(&gradient_rdd(points, w), w.len())
}

/// The same over one record per point (the RDD paper's shape; slower per point).
pub fn gradient_per_point(points: &Rdd<LabeledPoint>, w: &[f64]) -> Result<Vec<f64>, JobError> {
    let w: Arc<[f64]> = w.into();
    let dims = w.len();
    let partials = points.map_partitions(move |it| {
        let mut acc = vec![0.0; dims];
        it.for_each(|p| add_gradient(&mut acc, &w, p));
        std::iter::once(acc)
    });
    sum_partials(&partials, dims)
}

/// Sums partial gradients in partition order: one job.
pub fn sum_partials(partials: &Rdd<Vec<f64>>, dims: usize) -> Result<Vec<f64>, JobError> {
    let sum = partials.reduce(|mut a, b| {
        add_into(&mut a, b);
        a
    })?;
    Ok(sum.unwrap_or_else(|| vec![0.0; dims]))
}

/// Adds `b` to `a`, element by element (as far as the shorter goes): partial sums combined.
pub fn add_into(a: &mut [f64], b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// The RDD of per-partition partial gradients at `w`.
pub fn gradient_rdd(points: &Rdd<PointBlock>, w: &[f64]) -> Rdd<Vec<f64>> {
    let w: Arc<[f64]> = w.into();
    let dims = w.len();
    points.map_partitions(move |it| {
        let mut acc = vec![0.0; dims];
        it.for_each(|b| add_block_gradient(&mut acc, &w, b));
        std::iter::once(acc)
    })
}

/// Parses a `label,x1,...,xd` line.
pub fn parse_point(line: &str) -> LabeledPoint {
    // One allocation of the exact size (a collected `split` would grow the vector three times
    // on the way to 10 numbers).
    let mut features = Vec::with_capacity(line.bytes().filter(|b| *b == b',').count());
    let mut it = line
        .split(',')
        .map(|x| x.trim().parse::<f64>().unwrap_or(0.0));
    let label = it.next().unwrap_or(0.0);
    features.extend(it);
    LabeledPoint { label, features }
}

/// One gradient step: the weights `w` move against the gradient `g` summed over `points`
/// points (both engines take the same step).
pub fn step(w: &mut [f64], g: &[f64], points: usize) {
    for (wi, gi) in w.iter_mut().zip(g) {
        *wi -= gi / points.max(1) as f64;
    }
}

/// The weights as the run reports them.
pub fn show_weights(w: &[f64]) -> String {
    let shown: Vec<String> = w.iter().take(4).map(|x| format!("{x:.4}")).collect();
    format!(
        "w = [{}{}]",
        shown.join(", "),
        if w.len() > 4 { ", ..." } else { "" }
    )
}

/// Runs the regression; the answer is the weights.
pub fn run(ctx: &Context, p: &LrParams) -> Result<WorkloadOutput, JobError> {
    let input = Dataset {
        placement: p.common.placement.clone(),
        ..Dataset::points(p.points, p.dims, p.common.partitions)
    };
    write_input(ctx, &input, p.common.seed)?;
    // Parsing a line costs about one operation per number on it.
    let mut points = read_input(ctx, &input)?.map_parsed(p.dims as u64 + 1, |l| parse_point(l));
    if p.common.persist != StorageLevel::NONE {
        points = points.persist(p.common.persist);
    }
    let mut w = vec![0.0; p.dims];
    let mut lineage = points.lineage_string();
    iterate(ctx, p.common.iterations, |_| {
        let w0: Arc<[f64]> = w.clone().into();
        let dims = p.dims;
        let partials = points.map_partitions(move |it| {
            let mut acc = vec![0.0; dims];
            it.for_each(|pt| add_gradient(&mut acc, &w0, pt));
            std::iter::once(acc)
        });
        lineage = partials.lineage_string();
        step(&mut w, &sum_partials(&partials, p.dims)?, p.points);
        Ok(())
    })?;
    Ok(WorkloadOutput {
        result: show_weights(&w),
        digest: float_digest(w.iter().copied()),
        lineage,
    })
}

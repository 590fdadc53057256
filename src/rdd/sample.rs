//! `sample`: Spark's `PartitionwiseSampledRDD`.
//!
//! Each partition gets its own seed, drawn in order from an RNG seeded with the user's seed (as
//! Spark draws `random.nextLong()` per partition). Without replacement every record is kept with
//! probability `fraction` (Bernoulli sampling, keeping references to shared records); with
//! replacement each record is emitted a Poisson(`fraction`) number of times. The same seed
//! gives the same sample, whatever the cluster.

use super::{Data, Rdd};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// The seed partition `p` samples with, for a sample seeded `seed` over `n` partitions.
pub fn partition_seeds(seed: u64, n: usize) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.gen()).collect()
}

/// How many copies of one record a Poisson(`mean`) draw keeps (Knuth's method).
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> usize {
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p: f64 = rng.gen();
    while p > limit {
        k += 1;
        p *= rng.gen::<f64>();
    }
    k
}

/// How many times the next record of a partition is kept: the one rule both the RDD and any
/// model of it follow, drawing from the partition's RNG in record order.
pub fn copies(rng: &mut ChaCha8Rng, with_replacement: bool, fraction: f64) -> usize {
    if with_replacement {
        poisson(rng, fraction)
    } else {
        usize::from(rng.gen::<f64>() < fraction)
    }
}

/// Samples the records of one partition, as `sample` does.
pub fn sample_partition<T: Clone>(
    records: &[T],
    with_replacement: bool,
    fraction: f64,
    seed: u64,
) -> Vec<T> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    for x in records {
        for _ in 0..copies(&mut rng, with_replacement, fraction) {
            out.push(x.clone());
        }
    }
    out
}

impl<T: Data> Rdd<T> {
    /// A random sample: each record kept with probability `fraction` (without replacement), or
    /// emitted a Poisson(`fraction`) number of times (with replacement). Keeps the partitioner.
    pub fn sample(&self, with_replacement: bool, fraction: f64, seed: u64) -> Rdd<T> {
        let seeds = Arc::new(partition_seeds(seed, self.num_partitions()));
        let fraction = fraction.max(0.0);
        self.derive(
            "PartitionwiseSampledRDD",
            "sample",
            true,
            move |_, i, it| {
                let mut rng = ChaCha8Rng::seed_from_u64(seeds[i]);
                if with_replacement {
                    it.flat_map(move |x| {
                        std::iter::repeat_n(x.clone(), copies(&mut rng, true, fraction))
                    })
                } else {
                    it.filter(move |_| copies(&mut rng, false, fraction) == 1)
                }
            },
        )
    }
}

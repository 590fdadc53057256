//! `sort_by_key` and the range partitioner it needs.
//!
//! As in Spark, defining a sorted RDD runs a job: the `RangePartitioner` samples the keys of
//! every partition (a reservoir of `ceil(3 * sample_size / partitions)` keys each, with
//! `sample_size = min(20 * partitions wanted, 1e6)`), weights each sampled key by how many
//! records its partition holds per sampled key, and picks bounds that split the weight evenly.
//! There may be fewer partitions than asked for when keys repeat. Simplification: Spark
//! re-samples partitions whose reservoirs were too small with a second job; ember does not,
//! the weights already account for their size.

use super::{Key, Partitioner, Rdd, Records, ShuffleData};
use crate::scheduler::JobError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Reservoir-samples up to `k` items; returns them and how many items there were.
pub fn reservoir_sample<T>(it: impl Iterator<Item = T>, k: usize, seed: u64) -> (Vec<T>, u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut sample = Vec::with_capacity(k);
    let mut n: u64 = 0;
    for x in it {
        if sample.len() < k {
            sample.push(x);
        } else {
            let j = rng.gen_range(0..=n);
            if (j as usize) < k {
                sample[j as usize] = x;
            }
        }
        n += 1;
    }
    (sample, n)
}

/// Spark's `RangePartitioner.determineBounds`: upper bounds for `partitions` ranges from keys
/// weighted by how many records each stands for.
pub fn determine_bounds<K: Ord + Clone>(
    mut candidates: Vec<(K, f64)>,
    partitions: usize,
) -> Vec<K> {
    candidates.sort_by(|a, b| a.0.cmp(&b.0));
    let total: f64 = candidates.iter().map(|c| c.1).sum();
    let step = total / partitions as f64;
    let (mut cum, mut target) = (0.0, step);
    let mut bounds: Vec<K> = Vec::new();
    for (key, weight) in candidates {
        if bounds.len() >= partitions - 1 {
            break;
        }
        cum += weight;
        if cum >= target && bounds.last().is_none_or(|b| key > *b) {
            bounds.push(key);
            target += step;
        }
    }
    bounds
}

impl<K: Key, V: ShuffleData> Rdd<(K, V)> {
    /// Sorts by key into as many ranges as `self` has partitions (Spark's
    /// `sortByKey(ascending)`); runs the range partitioner's sampling job now, as Spark does,
    /// which is why it returns a `Result`.
    pub fn sort_by_key(&self, ascending: bool) -> Result<Rdd<(K, V)>, JobError> {
        self.sort_by_key_into(ascending, self.num_partitions())
    }

    /// Sorts by key into about `partitions` ranges (Spark's `sortByKey(ascending,
    /// numPartitions)`).
    pub fn sort_by_key_into(
        &self,
        ascending: bool,
        partitions: usize,
    ) -> Result<Rdd<(K, V)>, JobError> {
        let partitions = partitions.max(1);
        let (bounds, id) = if partitions <= 1 || self.num_partitions() == 0 {
            (Vec::new(), self.id())
        } else {
            let sample_size = (20.0 * partitions as f64).min(1e6);
            let per_partition = (3.0 * sample_size / self.num_partitions() as f64).ceil() as usize;
            let keys = self.derive("MapPartitionsRDD", "sort_by_key", false, |_, _, it| {
                it.map(|(k, _)| k.clone())
            });
            let sketch = keys.derive("MapPartitionsRDD", "sort_by_key", false, move |_, i, it| {
                let seed = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                Records::from_vec(vec![reservoir_sample(it.into_owned(), per_partition, seed)])
            });
            let sketches = sketch.run_job(
                "sort_by_key",
                (0..self.num_partitions()).collect(),
                |_, it| it.collect_owned(),
            )?;
            let mut candidates = Vec::new();
            for (sample, n) in sketches.into_iter().flatten() {
                if !sample.is_empty() {
                    let w = n as f64 / sample.len() as f64;
                    candidates.extend(sample.into_iter().map(|k| (k, w)));
                }
            }
            (determine_bounds(candidates, partitions), sketch.id())
        };
        let part = Partitioner::range(bounds, ascending, id);
        Ok(
            self.shuffled("sort_by_key", part, None, None, move |mut records| {
                if ascending {
                    records.sort_by(|a, b| a.0.cmp(&b.0));
                } else {
                    records.sort_by(|a, b| b.0.cmp(&a.0));
                }
                records
            }),
        )
    }
}

//! Partitioners: which reduce partition a key goes to.
//!
//! [`Partitioner::Hash`] is Spark's `HashPartitioner` over a hash that is stable across runs
//! and processes ([`stable_hash`]), so that one seed gives one event log. [`Partitioner::Range`]
//! is Spark's `RangePartitioner`: its bounds come from a sampling job (see [`super::sort`]).
//! Two partitioners are equal when they send every key to the same partition; that is what
//! lets a `join` of co-partitioned RDDs stay narrow.

use std::any::Any;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Sends keys to partitions.
#[derive(Clone)]
pub enum Partitioner {
    /// `stable_hash(key) mod partitions`.
    Hash(usize),
    /// Sorted ranges of keys; `bounds` holds the `Vec<K>` of upper bounds.
    Range {
        partitions: usize,
        ascending: bool,
        /// Identifies the bounds (the id of the RDD they were sampled for).
        id: usize,
        bounds: Arc<dyn Any + Send + Sync>,
    },
}

impl Partitioner {
    /// How many partitions keys go to.
    pub fn num_partitions(&self) -> usize {
        match self {
            Partitioner::Hash(n) => *n,
            Partitioner::Range { partitions, .. } => *partitions,
        }
    }

    /// The partition of `key`.
    pub fn partition_of<K: Hash + Ord + 'static>(&self, key: &K) -> usize {
        match self {
            Partitioner::Hash(n) => (stable_hash(key) % (*n as u64)) as usize,
            Partitioner::Range {
                partitions,
                ascending,
                bounds,
                ..
            } => {
                let p = match bounds.downcast_ref::<Vec<K>>() {
                    // Spark: the number of bounds strictly below the key.
                    Some(b) => b.partition_point(|x| x < key),
                    None => 0,
                };
                let p = if *ascending {
                    p
                } else {
                    partitions - 1 - p.min(partitions - 1)
                };
                p.min(partitions - 1)
            }
        }
    }

    /// A short description for the UI and the book.
    pub fn describe(&self) -> String {
        match self {
            Partitioner::Hash(n) => format!("HashPartitioner({n})"),
            Partitioner::Range { partitions, .. } => format!("RangePartitioner({partitions})"),
        }
    }
}

impl PartialEq for Partitioner {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Partitioner::Hash(a), Partitioner::Hash(b)) => a == b,
            (
                Partitioner::Range {
                    partitions: a,
                    id: ia,
                    ascending: aa,
                    ..
                },
                Partitioner::Range {
                    partitions: b,
                    id: ib,
                    ascending: ab,
                    ..
                },
            ) => a == b && ia == ib && aa == ab,
            _ => false,
        }
    }
}

impl std::fmt::Debug for Partitioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// FNV-1a over what `Hash` feeds, finished with a SplitMix64 mix: the same value gives the same
/// hash in every run and process (unlike `std`'s randomly keyed hasher).
#[derive(Clone, Copy)]
pub struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for StableHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A `BuildHasher` for maps whose iteration order must not depend on a random key.
pub type StableBuildHasher = std::hash::BuildHasherDefault<StableHasher>;

/// The stable hash of a value.
///
/// ```
/// assert_eq!(ember::rdd::stable_hash(&"spark"), ember::rdd::stable_hash(&"spark"));
/// ```
pub fn stable_hash<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = StableHasher::default();
    value.hash(&mut h);
    h.finish()
}

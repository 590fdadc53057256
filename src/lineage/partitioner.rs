//! Partitioners: which reduce partition a key goes to.
//!
//! A [`Partitioner`] is either Spark's `HashPartitioner` over a hash that is stable across runs
//! and processes ([`stable_hash`]), so that one seed gives one event log, or Spark's
//! `RangePartitioner`, whose bounds come from a sampling job (`Rdd::sort_by_key`). It is built
//! only through checked constructors: a hash partitioner over 0 partitions is an error
//! ([`PartitionerError`]), never a division by zero in a task. Two partitioners are equal when
//! they send every key to the same partition; that is what lets a `join` of co-partitioned RDDs
//! stay narrow.

use crate::hashing::stable_hash;
use std::any::Any;
use std::hash::Hash;
use std::sync::Arc;

/// Why a partitioner cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PartitionerError {
    /// Keys must go somewhere.
    #[error("a hash partitioner needs at least 1 partition, got 0")]
    ZeroPartitions,
}

/// Sends keys to partitions.
#[derive(Clone)]
pub struct Partitioner {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    /// `stable_hash(key) mod partitions`, partitions ≥ 1.
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
    /// Spark's `HashPartitioner(partitions)`.
    ///
    /// ```
    /// use ember::lineage::Partitioner;
    /// let p = Partitioner::hash(4).unwrap();
    /// assert_eq!(p.num_partitions(), 4);
    /// assert!(p.partition_of(&"spark") < 4);
    /// assert!(Partitioner::hash(0).is_err());
    /// ```
    pub fn hash(partitions: usize) -> Result<Partitioner, PartitionerError> {
        if partitions == 0 {
            return Err(PartitionerError::ZeroPartitions);
        }
        Ok(Partitioner {
            kind: Kind::Hash(partitions),
        })
    }

    /// A range partitioner over sorted upper `bounds` (a `Vec<K>`; `bounds.len() + 1`
    /// partitions), identified by `id` (the RDD whose keys were sampled).
    pub(crate) fn range<K: Send + Sync + 'static>(
        bounds: Vec<K>,
        ascending: bool,
        id: usize,
    ) -> Partitioner {
        Partitioner {
            kind: Kind::Range {
                partitions: bounds.len() + 1,
                ascending,
                id,
                bounds: Arc::new(bounds),
            },
        }
    }

    /// How many partitions keys go to (at least 1).
    pub fn num_partitions(&self) -> usize {
        match &self.kind {
            Kind::Hash(n) => *n,
            Kind::Range { partitions, .. } => *partitions,
        }
    }

    /// Whether this is a hash partitioner.
    pub fn is_hash(&self) -> bool {
        matches!(self.kind, Kind::Hash(_))
    }

    /// The partition of `key`.
    pub fn partition_of<K: Hash + Ord + 'static>(&self, key: &K) -> usize {
        match &self.kind {
            Kind::Hash(n) => (stable_hash(key) % (*n as u64)) as usize,
            Kind::Range {
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
        match &self.kind {
            Kind::Hash(n) => format!("HashPartitioner({n})"),
            Kind::Range { partitions, .. } => format!("RangePartitioner({partitions})"),
        }
    }
}

impl PartialEq for Partitioner {
    fn eq(&self, other: &Self) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Hash(a), Kind::Hash(b)) => a == b,
            (
                Kind::Range {
                    partitions: a,
                    id: ia,
                    ascending: aa,
                    ..
                },
                Kind::Range {
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

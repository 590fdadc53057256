//! [`BlockId`]: the names of everything a store keeps, in Spark's spelling.
//!
//! Spark names blocks by strings (`rdd_3_1`, `shuffle_0_5_2`); ember keeps them typed and
//! ordered, and prints and parses Spark's names, so events, fault plans and file names read the
//! same as in Spark.

use std::fmt;
use std::str::FromStr;

/// The id of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockId {
    /// Partition `partition` of RDD `rdd` (a cached or checkpointed partition): `rdd_<rdd>_<p>`.
    Rdd { rdd: usize, partition: usize },
    /// One reduce partition's block of one map output: `shuffle_<s>_<m>_<r>` (a segment of the
    /// map output's data file).
    Shuffle {
        shuffle: usize,
        map: usize,
        reduce: usize,
    },
    /// A map output's data file: `shuffle_<s>_<m>_0.data`.
    ShuffleData { shuffle: usize, map: usize },
    /// A map output's index file: `shuffle_<s>_<m>_0.index`.
    ShuffleIndex { shuffle: usize, map: usize },
    /// A block of a file in the DFS, as a DataNode names it: `blk_<id>`.
    Dfs { block: u64 },
    /// A MapReduce map task's spill file: `spill_<task>_<n>.out` (Hadoop's `spill<n>.out`).
    Spill { task: usize, spill: usize },
}

impl BlockId {
    /// The RDD and partition of an RDD block.
    pub fn as_rdd(&self) -> Option<(usize, usize)> {
        match self {
            BlockId::Rdd { rdd, partition } => Some((*rdd, *partition)),
            _ => None,
        }
    }
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockId::Rdd { rdd, partition } => write!(f, "rdd_{rdd}_{partition}"),
            BlockId::Shuffle {
                shuffle,
                map,
                reduce,
            } => write!(f, "shuffle_{shuffle}_{map}_{reduce}"),
            BlockId::ShuffleData { shuffle, map } => write!(f, "shuffle_{shuffle}_{map}_0.data"),
            BlockId::ShuffleIndex { shuffle, map } => {
                write!(f, "shuffle_{shuffle}_{map}_0.index")
            }
            BlockId::Dfs { block } => write!(f, "blk_{block}"),
            BlockId::Spill { task, spill } => write!(f, "spill_{task}_{spill}.out"),
        }
    }
}

/// Why a block name does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a block name: {0:?} (expected rdd_<rdd>_<partition> or shuffle_<shuffle>_<map>_<reduce>)"
)]
pub struct BadBlockId(pub String);

impl FromStr for BlockId {
    type Err = BadBlockId;

    /// Parses Spark's names.
    ///
    /// ```
    /// use ember::storage::BlockId;
    /// assert_eq!("rdd_3_1".parse(), Ok(BlockId::Rdd { rdd: 3, partition: 1 }));
    /// assert_eq!(BlockId::Shuffle { shuffle: 0, map: 5, reduce: 2 }.to_string(), "shuffle_0_5_2");
    /// assert!("rdd_x".parse::<BlockId>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadBlockId(s.to_string());
        let nums = |rest: &str, n: usize| -> Result<Vec<usize>, BadBlockId> {
            let v: Vec<usize> = rest
                .split('_')
                .map(|x| x.parse::<usize>().map_err(|_| bad()))
                .collect::<Result<_, _>>()?;
            if v.len() == n {
                Ok(v)
            } else {
                Err(bad())
            }
        };
        if let Some(rest) = s.strip_prefix("rdd_") {
            let v = nums(rest, 2)?;
            return Ok(BlockId::Rdd {
                rdd: v[0],
                partition: v[1],
            });
        }
        if let Some(rest) = s.strip_prefix("shuffle_") {
            if let Some(r) = rest.strip_suffix("_0.data") {
                let v = nums(r, 2)?;
                return Ok(BlockId::ShuffleData {
                    shuffle: v[0],
                    map: v[1],
                });
            }
            if let Some(r) = rest.strip_suffix("_0.index") {
                let v = nums(r, 2)?;
                return Ok(BlockId::ShuffleIndex {
                    shuffle: v[0],
                    map: v[1],
                });
            }
            let v = nums(rest, 3)?;
            return Ok(BlockId::Shuffle {
                shuffle: v[0],
                map: v[1],
                reduce: v[2],
            });
        }
        if let Some(rest) = s.strip_prefix("blk_") {
            return rest
                .parse::<u64>()
                .map(|block| BlockId::Dfs { block })
                .map_err(|_| bad());
        }
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_name_parses_back_to_its_id() {
        for id in [
            BlockId::Rdd {
                rdd: 12,
                partition: 0,
            },
            BlockId::Shuffle {
                shuffle: 1,
                map: 2,
                reduce: 3,
            },
            BlockId::ShuffleData { shuffle: 4, map: 5 },
            BlockId::ShuffleIndex { shuffle: 4, map: 5 },
            BlockId::Dfs {
                block: 1_073_741_825,
            },
        ] {
            assert_eq!(id.to_string().parse::<BlockId>(), Ok(id));
        }
        for bad in [
            "",
            "rdd_1",
            "rdd_1_2_3",
            "shuffle_1_2",
            "broadcast_0",
            "blk_",
        ] {
            assert!(bad.parse::<BlockId>().is_err(), "{bad}");
        }
    }
}

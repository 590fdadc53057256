//! Key-value transformations: the ones that shuffle (`reduce_by_key`, `group_by_key`,
//! `partition_by`, `cogroup`, `join`, `distinct`) and the ones that keep a partitioner
//! (`map_values`, `flat_map_values`).
//!
//! As in Spark, an operation whose input is already partitioned by the partitioner it needs
//! does not shuffle: `reduce_by_key` becomes a narrow per-partition combine, and each side of a
//! `cogroup`/`join` that is already co-partitioned is a one-to-one dependency.

use super::partitioner::StableBuildHasher;
use super::ShuffleData;
use super::{Data, Dependency, Key, Partitioner, Rdd, RddNode, Records, ShuffleDependency};
use crate::shuffle::reader::read_shuffle;
use crate::shuffle::writer::{Aggregator, PairShuffleWriter};
use crate::task_context::{TaskContext, TaskError};
use std::collections::HashMap;
use std::sync::Arc;

/// A `cogroup` row: a key with its values on each side.
pub type CoGrouped<K, V, W> = (K, (Vec<V>, Vec<W>));

/// What a `ShuffledRDD` does with the records it reads.
pub(crate) enum ReduceSide<K, C> {
    /// Hand them on as read (`partition_by`).
    AsRead,
    /// Merge the combiners of equal keys (`reduce_by_key`, `group_by_key`).
    Combine(Arc<dyn Fn(C, C) -> C + Send + Sync>),
    /// Sort by key (`sort_by_key`).
    Sort {
        ascending: bool,
        _k: std::marker::PhantomData<K>,
    },
}

/// Merges equal keys' values with `merge`, in first-seen key order.
pub(crate) fn combine_by_key<K: Key, C>(
    records: impl Iterator<Item = (K, C)>,
    merge: &dyn Fn(C, C) -> C,
) -> Vec<(K, C)> {
    let mut index: HashMap<K, usize, StableBuildHasher> = HashMap::default();
    let mut out: Vec<(K, Option<C>)> = Vec::new();
    for (k, c) in records {
        match index.get(&k) {
            Some(&i) => {
                let prev = out[i].1.take();
                out[i].1 = Some(match prev {
                    Some(p) => merge(p, c),
                    None => c,
                });
            }
            None => {
                index.insert(k.clone(), out.len());
                out.push((k, Some(c)));
            }
        }
    }
    out.into_iter()
        .filter_map(|(k, c)| c.map(|c| (k, c)))
        .collect()
}

impl<K: Key, V: ShuffleData> Rdd<(K, V)> {
    /// A `ShuffledRDD` over `self`: the shuffle dependency and the reduce-side compute.
    pub(crate) fn shuffled<C: ShuffleData>(
        &self,
        op: &'static str,
        partitioner: Partitioner,
        aggregator: Arc<Aggregator<V, C>>,
        map_side_combine: bool,
        reduce: ReduceSide<K, C>,
    ) -> Rdd<(K, C)> {
        let writer = PairShuffleWriter {
            parent: self.clone(),
            partitioner: partitioner.clone(),
            aggregator,
            combine: map_side_combine,
        };
        let dep = Arc::new(ShuffleDependency::new(
            self.node.clone(),
            partitioner.clone(),
            map_side_combine,
            Arc::new(writer),
        ));
        let node = RddNode::new(
            self.ctx.new_rdd_id(),
            "ShuffledRDD",
            op,
            partitioner.num_partitions(),
            vec![Dependency::Shuffle(dep.clone())],
            Some(partitioner),
        );
        let reduce = Arc::new(reduce);
        let compute = move |tc: &TaskContext, split: usize| {
            let sid = dep
                .shuffle_id()
                .ok_or_else(|| TaskError::Exception("shuffle has no id".into()))?;
            let records: Vec<(K, C)> = read_shuffle(tc, sid, split)?;
            let out: Records<(K, C)> = match &*reduce {
                ReduceSide::AsRead => Records::from_vec(records),
                ReduceSide::Combine(merge) => {
                    Records::from_vec(combine_by_key(records.into_iter(), &**merge))
                }
                ReduceSide::Sort { ascending, .. } => {
                    let mut records = records;
                    if *ascending {
                        records.sort_by(|a, b| a.0.cmp(&b.0));
                    } else {
                        records.sort_by(|a, b| b.0.cmp(&a.0));
                    }
                    Records::from_vec(records)
                }
            };
            Ok(out)
        };
        Rdd::from_parts(self.ctx.clone(), node, Arc::new(compute))
    }

    /// Merges the values of each key with `f`, combining on the map side first (Spark's
    /// `reduceByKey(func, numPartitions)`). No shuffle if `self` is already hash-partitioned
    /// into `partitions`.
    pub fn reduce_by_key(
        &self,
        f: impl Fn(V, V) -> V + Send + Sync + 'static,
        partitions: usize,
    ) -> Rdd<(K, V)> {
        self.reduce_by_key_as("reduce_by_key", f, partitions)
    }

    /// Gathers the values of each key (Spark's `groupByKey(numPartitions)`; no map-side
    /// combine, since it would not shrink the data).
    pub fn group_by_key(&self, partitions: usize) -> Rdd<(K, Vec<V>)> {
        let part = Partitioner::Hash(partitions.max(1));
        if self.partitioner() == Some(&part) {
            return self.derive("MapPartitionsRDD", "group_by_key", true, move |_, it| {
                let it = it.map(|(k, v)| (k, vec![v]));
                Records::from_vec(combine_by_key(it, &concat))
            });
        }
        let agg = Arc::new(Aggregator {
            create_combiner: Box::new(|v| vec![v]),
            merge_value: Box::new(|mut c: Vec<V>, v| {
                c.push(v);
                c
            }),
            merge_combiners: Box::new(concat),
        });
        self.shuffled(
            "group_by_key",
            part,
            agg,
            false,
            ReduceSide::Combine(Arc::new(concat)),
        )
    }

    /// Moves records so that `partitioner` decides where each key lives. Returns `self` if it is
    /// already partitioned that way.
    pub fn partition_by(&self, partitioner: Partitioner) -> Rdd<(K, V)> {
        if self.partitioner() == Some(&partitioner) {
            return self.clone();
        }
        let agg = Arc::new(Aggregator {
            create_combiner: Box::new(|v| v),
            merge_value: Box::new(|_, v| v),
            merge_combiners: Box::new(|_, b| b),
        });
        self.shuffled("partition_by", partitioner, agg, false, ReduceSide::AsRead)
    }

    /// Applies `f` to every value; keeps the partitioner.
    pub fn map_values<U: Data>(&self, f: impl Fn(V) -> U + Send + Sync + 'static) -> Rdd<(K, U)> {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", "map_values", true, move |_, it| {
            let f = f.clone();
            Records::new(it.map(move |(k, v)| (k, f(v))))
        })
    }

    /// Maps every value to zero or more values; keeps the partitioner.
    pub fn flat_map_values<U: Data, I>(
        &self,
        f: impl Fn(V) -> I + Send + Sync + 'static,
    ) -> Rdd<(K, U)>
    where
        I: IntoIterator<Item = U> + 'static,
        I::IntoIter: 'static,
    {
        self.flat_map_values_as("flat_map_values", f)
    }

    fn flat_map_values_as<U: Data, I>(
        &self,
        op: &'static str,
        f: impl Fn(V) -> I + Send + Sync + 'static,
    ) -> Rdd<(K, U)>
    where
        I: IntoIterator<Item = U> + 'static,
        I::IntoIter: 'static,
    {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", op, true, move |_, it| {
            let f = f.clone();
            Records::new(it.flat_map(move |(k, v)| f(v).into_iter().map(move |u| (k.clone(), u))))
        })
    }

    /// The keys.
    pub fn keys(&self) -> Rdd<K> {
        self.map(|(k, _)| k)
    }

    /// The values.
    pub fn values(&self) -> Rdd<V> {
        self.map(|(_, v)| v)
    }

    /// For each key in either RDD, its values in `self` and in `other`, partitioned by Spark's
    /// default partitioner for the two.
    pub fn cogroup<W: ShuffleData>(&self, other: &Rdd<(K, W)>) -> Rdd<CoGrouped<K, V, W>> {
        let part = default_partitioner(&[self.node.as_ref(), other.node.as_ref()]);
        self.cogroup_as("cogroup", other, part)
    }

    /// `cogroup` with an explicit partitioner.
    pub fn cogroup_with<W: ShuffleData>(
        &self,
        other: &Rdd<(K, W)>,
        part: Partitioner,
    ) -> Rdd<CoGrouped<K, V, W>> {
        self.cogroup_as("cogroup", other, part)
    }

    /// Pairs every value of a key in `self` with every value of that key in `other` (an inner
    /// join), partitioned by Spark's default partitioner for the two.
    pub fn join<W: ShuffleData>(&self, other: &Rdd<(K, W)>) -> Rdd<(K, (V, W))> {
        let part = default_partitioner(&[self.node.as_ref(), other.node.as_ref()]);
        self.join_with(other, part)
    }

    /// `join` with an explicit partitioner.
    pub fn join_with<W: ShuffleData>(
        &self,
        other: &Rdd<(K, W)>,
        part: Partitioner,
    ) -> Rdd<(K, (V, W))> {
        self.cogroup_as("join", other, part).flat_map_values_as(
            "join",
            |(vs, ws): (Vec<V>, Vec<W>)| {
                let mut out = Vec::with_capacity(vs.len() * ws.len());
                for v in &vs {
                    for w in &ws {
                        out.push((v.clone(), w.clone()));
                    }
                }
                out
            },
        )
    }

    /// Spark's `cogroup`: a `CoGroupedRDD` (one dependency per parent, one-to-one where the
    /// parent is already partitioned by `part`, a shuffle otherwise), then a `mapValues` that
    /// shapes each row. ember's `CoGroupedRDD` already yields the tuple, so that second RDD only
    /// renames; it is kept so that RDD ids are the ones Spark assigns.
    fn cogroup_as<W: ShuffleData>(
        &self,
        op: &'static str,
        other: &Rdd<(K, W)>,
        part: Partitioner,
    ) -> Rdd<CoGrouped<K, V, W>> {
        let left = Side::new(self, &part);
        let right = Side::new(other, &part);
        let node = RddNode::new(
            self.ctx.new_rdd_id(),
            "CoGroupedRDD",
            op,
            part.num_partitions(),
            vec![left.dep.clone(), right.dep.clone()],
            Some(part),
        );
        let compute = move |tc: &TaskContext, split: usize| {
            let mut index: HashMap<K, usize, StableBuildHasher> = HashMap::default();
            let mut rows: Vec<CoGrouped<K, V, W>> = Vec::new();
            for (k, v) in left.read(tc, split)? {
                let i = *index.entry(k.clone()).or_insert_with(|| {
                    rows.push((k, (Vec::new(), Vec::new())));
                    rows.len() - 1
                });
                rows[i].1 .0.push(v);
            }
            for (k, w) in right.read(tc, split)? {
                let i = *index.entry(k.clone()).or_insert_with(|| {
                    rows.push((k, (Vec::new(), Vec::new())));
                    rows.len() - 1
                });
                rows[i].1 .1.push(w);
            }
            let it: Records<CoGrouped<K, V, W>> = Records::from_vec(rows);
            Ok(it)
        };
        let grouped = Rdd::from_parts(self.ctx.clone(), node, Arc::new(compute));
        grouped.derive("MapPartitionsRDD", op, true, |_, it| it)
    }
}

impl<T: Key> Rdd<T> {
    /// The distinct records (Spark: `map((_, ())).reduceByKey(keep first).map(_._1)`).
    pub fn distinct(&self, partitions: usize) -> Rdd<T> {
        self.derive("MapPartitionsRDD", "distinct", false, |_, it| {
            Records::new(it.map(|x| (x, ())))
        })
        .reduce_by_key_as("distinct", |a, _| a, partitions)
        .derive("MapPartitionsRDD", "distinct", false, |_, it| {
            Records::new(it.map(|(x, _)| x))
        })
    }
}

impl<K: Key, V: ShuffleData> Rdd<(K, V)> {
    /// `reduce_by_key` under another operation's name (`distinct` is built on it).
    fn reduce_by_key_as(
        &self,
        op: &'static str,
        f: impl Fn(V, V) -> V + Send + Sync + 'static,
        partitions: usize,
    ) -> Rdd<(K, V)> {
        let part = Partitioner::Hash(partitions.max(1));
        let f = Arc::new(f);
        if self.partitioner() == Some(&part) {
            return self.derive("MapPartitionsRDD", op, true, move |_, it| {
                let f = f.clone();
                Records::from_vec(combine_by_key(it, &move |a, b| f(a, b)))
            });
        }
        let (f1, f2) = (f.clone(), f.clone());
        let agg = Arc::new(Aggregator {
            create_combiner: Box::new(|v| v),
            merge_value: Box::new(move |c, v| f1(c, v)),
            merge_combiners: Box::new(move |a, b| f2(a, b)),
        });
        self.shuffled(
            op,
            part,
            agg,
            true,
            ReduceSide::Combine(Arc::new(move |a, b| f(a, b))),
        )
    }
}

fn concat<V>(mut a: Vec<V>, mut b: Vec<V>) -> Vec<V> {
    a.append(&mut b);
    a
}

/// One parent of a `CoGroupedRDD`: read narrowly if co-partitioned, through a shuffle if not.
struct Side<K, V> {
    rdd: Rdd<(K, V)>,
    dep: Dependency,
}

impl<K: Key, V: ShuffleData> Side<K, V> {
    fn new(rdd: &Rdd<(K, V)>, part: &Partitioner) -> Self {
        let dep = if rdd.partitioner() == Some(part) {
            Dependency::OneToOne(rdd.node.clone())
        } else {
            let agg = Arc::new(Aggregator {
                create_combiner: Box::new(|v: V| v),
                merge_value: Box::new(|_, v| v),
                merge_combiners: Box::new(|_, b| b),
            });
            let writer = PairShuffleWriter {
                parent: rdd.clone(),
                partitioner: part.clone(),
                aggregator: agg,
                combine: false,
            };
            Dependency::Shuffle(Arc::new(ShuffleDependency::new(
                rdd.node.clone(),
                part.clone(),
                false,
                Arc::new(writer),
            )))
        };
        Side {
            rdd: rdd.clone(),
            dep,
        }
    }

    fn read(&self, tc: &TaskContext, split: usize) -> Result<Records<(K, V)>, TaskError> {
        match &self.dep {
            Dependency::Shuffle(d) => {
                let sid = d
                    .shuffle_id()
                    .ok_or_else(|| TaskError::Exception("shuffle has no id".into()))?;
                let records: Vec<(K, V)> = read_shuffle(tc, sid, split)?;
                Ok(Records::from_vec(records))
            }
            _ => self.rdd.iterator(tc, split),
        }
    }
}

/// Spark's `Partitioner.defaultPartitioner` (without `spark.default.parallelism`): the
/// partitioner of the parent with the most partitions among those that have one, if it is
/// within an order of magnitude of the largest parent; otherwise hash into as many partitions
/// as the largest parent has.
pub fn default_partitioner(rdds: &[&RddNode]) -> Partitioner {
    let max_parts = rdds
        .iter()
        .map(|r| r.num_partitions)
        .max()
        .unwrap_or(1)
        .max(1);
    let best = rdds
        .iter()
        .filter(|r| {
            r.partitioner
                .as_ref()
                .is_some_and(|p| p.num_partitions() > 0)
        })
        .max_by_key(|r| r.num_partitions);
    if let Some(r) = best {
        let eligible = (max_parts as f64).log10() - (r.num_partitions as f64).log10() < 1.0;
        if eligible || max_parts <= r.num_partitions {
            if let Some(p) = &r.partitioner {
                return p.clone();
            }
        }
    }
    Partitioner::Hash(max_parts)
}

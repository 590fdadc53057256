//! Key-value transformations: the ones that shuffle (`reduce_by_key`, `group_by_key`,
//! `partition_by`, `cogroup`, `join`, `distinct`) and the ones that keep a partitioner
//! (`map_values`, `flat_map_values`).
//!
//! Each shuffling operation comes in three forms, as Spark's overloads do: with Spark's
//! default partitioner (`reduce_by_key(f)`), into a number of partitions
//! (`reduce_by_key_into(f, n)`), or with a [`Partitioner`] (`reduce_by_key_with(f, p)`). A
//! partition count of 0 makes an RDD that no job can run: the action fails with the reason.
//!
//! As in Spark, an operation whose input is already partitioned by the partitioner it needs
//! does not shuffle: `reduce_by_key` becomes a narrow per-partition combine, and each side of a
//! `cogroup`/`join` that is already co-partitioned is a one-to-one dependency.

use super::records::Records;
use super::shuffled::{
    combine_by_key, group_by_key_local, read_shuffle, CombiningPairWriter, MergeFn, RawPairWriter,
};
use super::{Data, Dependency, Key, Partitioner, Rdd, RddNode, ShuffleData, ShuffleDependency};
use crate::lineage::{PartitionerError, StableBuildHasher};
use crate::task_context::{TaskContext, TaskError};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// A `cogroup` row: a key with its values on each side.
pub type CoGrouped<K, V, W> = (K, (Vec<V>, Vec<W>));

/// A hash partitioner over `n` partitions, or, for 0, a stand-in and the reason the RDD built
/// on it cannot run.
pub(crate) fn hash_or_problem(n: usize) -> (Partitioner, Option<PartitionerError>) {
    match Partitioner::hash(n) {
        Ok(p) => (p, None),
        Err(e) => (single(), Some(e)),
    }
}

fn single() -> Partitioner {
    match Partitioner::hash(1) {
        Ok(p) => p,
        Err(_) => unreachable!("one partition is a valid hash partitioner"),
    }
}

impl<K: Key, V: ShuffleData> Rdd<(K, V)> {
    /// The shuffle dependency of `self` by `partitioner`; with `merge`, values are combined
    /// on the map side first.
    fn shuffle_dep(
        &self,
        partitioner: &Partitioner,
        merge: Option<MergeFn<V>>,
    ) -> Arc<ShuffleDependency> {
        let combine = merge.is_some();
        let writer: Arc<dyn crate::lineage::ShuffleMapWriter> = match merge {
            Some(merge) => Arc::new(CombiningPairWriter {
                parent: self.clone(),
                partitioner: partitioner.clone(),
                merge,
            }),
            None => Arc::new(RawPairWriter {
                parent: self.clone(),
                partitioner: partitioner.clone(),
            }),
        };
        Arc::new(ShuffleDependency::new(
            self.node.clone(),
            partitioner.clone(),
            combine,
            writer,
        ))
    }

    /// A `ShuffledRDD` over `self`: the shuffle, then `reduce` of each reduce partition's
    /// records.
    pub(crate) fn shuffled<U: Data>(
        &self,
        op: &'static str,
        partitioner: Partitioner,
        problem: Option<PartitionerError>,
        merge: Option<MergeFn<V>>,
        reduce: impl Fn(Vec<(K, V)>) -> Vec<U> + Send + Sync + 'static,
    ) -> Rdd<U> {
        let dep = self.shuffle_dep(&partitioner, merge);
        let mut node = RddNode::new(
            self.ctx.new_rdd_id(),
            "ShuffledRDD",
            op,
            partitioner.num_partitions(),
            vec![Dependency::Shuffle(dep.clone())],
            Some(partitioner),
        )
        .with_reduce_locality();
        if let Some(p) = problem {
            node = node.with_problem(p.to_string());
        }
        let compute = move |tc: &TaskContext, split: usize| {
            let records: Vec<(K, V)> = read_shuffle(tc, &dep, split)?;
            Ok(Records::from_vec(reduce(records)))
        };
        Rdd::from_parts(self.ctx.clone(), node, Arc::new(compute))
    }

    /// Merges the values of each key with `f(accumulated, next)`, combining on the map side
    /// first (Spark's `reduceByKey(func)`), into Spark's default partitioner: the input's own
    /// if it has one, else a hash partitioner over as many partitions as the input has.
    ///
    /// ```
    /// use ember::Context;
    /// let ctx = Context::local(2);
    /// let mut counts = ctx
    ///     .parallelize(vec![('a', 1), ('b', 2), ('a', 3)], 2)
    ///     .reduce_by_key(|a, b| a + b)
    ///     .collect()
    ///     .unwrap();
    /// counts.sort();
    /// assert_eq!(counts, vec![('a', 4), ('b', 2)]);
    /// ```
    pub fn reduce_by_key(&self, f: impl Fn(V, &V) -> V + Send + Sync + 'static) -> Rdd<(K, V)> {
        let part = default_partitioner(&[self.node.as_ref()]);
        self.reduce_by_key_as("reduce_by_key", Arc::new(f), part, None)
    }

    /// `reduce_by_key` into `partitions` hash partitions (Spark's
    /// `reduceByKey(func, numPartitions)`). No shuffle if `self` is already hash-partitioned
    /// into `partitions`.
    pub fn reduce_by_key_into(
        &self,
        f: impl Fn(V, &V) -> V + Send + Sync + 'static,
        partitions: usize,
    ) -> Rdd<(K, V)> {
        let (part, problem) = hash_or_problem(partitions);
        self.reduce_by_key_as("reduce_by_key", Arc::new(f), part, problem)
    }

    /// `reduce_by_key` with an explicit partitioner (Spark's `reduceByKey(partitioner, func)`).
    pub fn reduce_by_key_with(
        &self,
        f: impl Fn(V, &V) -> V + Send + Sync + 'static,
        partitioner: Partitioner,
    ) -> Rdd<(K, V)> {
        self.reduce_by_key_as("reduce_by_key", Arc::new(f), partitioner, None)
    }

    /// `reduce_by_key` under another operation's name (`distinct` is built on it).
    fn reduce_by_key_as(
        &self,
        op: &'static str,
        f: MergeFn<V>,
        part: Partitioner,
        problem: Option<PartitionerError>,
    ) -> Rdd<(K, V)> {
        if problem.is_none() && self.partitioner() == Some(&part) {
            return self.derive("MapPartitionsRDD", op, true, move |_, _, it| {
                Records::from_vec(combine_by_key(it.into_owned(), &*f))
            });
        }
        let g = f.clone();
        self.shuffled(op, part, problem, Some(f), move |records| {
            combine_by_key(records, &*g)
        })
    }

    /// Gathers the values of each key, into Spark's default partitioner (Spark's
    /// `groupByKey()`; no map-side combine, since it would not shrink the data).
    pub fn group_by_key(&self) -> Rdd<(K, Vec<V>)> {
        let part = default_partitioner(&[self.node.as_ref()]);
        self.group_by_key_as(part, None)
    }

    /// `group_by_key` into `partitions` hash partitions.
    pub fn group_by_key_into(&self, partitions: usize) -> Rdd<(K, Vec<V>)> {
        let (part, problem) = hash_or_problem(partitions);
        self.group_by_key_as(part, problem)
    }

    /// `group_by_key` with an explicit partitioner.
    pub fn group_by_key_with(&self, partitioner: Partitioner) -> Rdd<(K, Vec<V>)> {
        self.group_by_key_as(partitioner, None)
    }

    fn group_by_key_as(
        &self,
        part: Partitioner,
        problem: Option<PartitionerError>,
    ) -> Rdd<(K, Vec<V>)> {
        self.group_by_key_shaped(part, problem, |vs| vs)
    }

    /// `group_by_key` whose groups are shaped by `shape` as they are made (a pipeline makes
    /// each group one dynamic value, without an RDD of its own for it).
    pub(crate) fn group_by_key_shaped<U: Data>(
        &self,
        part: Partitioner,
        problem: Option<PartitionerError>,
        shape: impl Fn(Vec<V>) -> U + Send + Sync + 'static,
    ) -> Rdd<(K, U)> {
        let shape = Arc::new(shape);
        if problem.is_none() && self.partitioner() == Some(&part) {
            return self.derive("MapPartitionsRDD", "group_by_key", true, move |_, _, it| {
                let groups = group_by_key_local(it.into_owned());
                Records::from_vec(groups.into_iter().map(|(k, vs)| (k, shape(vs))).collect())
            });
        }
        self.shuffled("group_by_key", part, problem, None, move |records| {
            group_by_key_local(records)
                .into_iter()
                .map(|(k, vs)| (k, shape(vs)))
                .collect()
        })
    }

    /// Moves records so that `partitioner` decides where each key lives. Returns `self` if it is
    /// already partitioned that way.
    pub fn partition_by(&self, partitioner: Partitioner) -> Rdd<(K, V)> {
        if self.partitioner() == Some(&partitioner) {
            return self.clone();
        }
        self.shuffled("partition_by", partitioner, None, None, |records| records)
    }

    /// Applies `f` to every value; keeps the partitioner.
    pub fn map_values<U: Data>(&self, f: impl Fn(&V) -> U + Send + Sync + 'static) -> Rdd<(K, U)> {
        self.map_values_as("map_values", f)
    }

    fn map_values_as<U: Data>(
        &self,
        op: &'static str,
        f: impl Fn(&V) -> U + Send + Sync + 'static,
    ) -> Rdd<(K, U)> {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", op, true, move |_, _, it| {
            let f = f.clone();
            it.map_cow(move |kv: Cow<'_, (K, V)>| match kv {
                Cow::Owned((k, v)) => {
                    let u = f(&v);
                    (k, u)
                }
                Cow::Borrowed((k, v)) => (k.clone(), f(v)),
            })
        })
    }

    /// Maps every value to zero or more values; keeps the partitioner.
    pub fn flat_map_values<U: Data, I>(
        &self,
        f: impl Fn(&V) -> I + Send + Sync + 'static,
    ) -> Rdd<(K, U)>
    where
        I: IntoIterator<Item = U>,
    {
        self.flat_map_values_as("flat_map_values", f)
    }

    fn flat_map_values_as<U: Data, I>(
        &self,
        op: &'static str,
        f: impl Fn(&V) -> I + Send + Sync + 'static,
    ) -> Rdd<(K, U)>
    where
        I: IntoIterator<Item = U>,
    {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", op, true, move |_, _, it| {
            let f = f.clone();
            it.flat_map(move |(k, v): &(K, V)| {
                let k = k.clone();
                f(v).into_iter()
                    .map(move |u| (k.clone(), u))
                    .collect::<Vec<_>>()
            })
        })
    }

    /// The keys.
    pub fn keys(&self) -> Rdd<K> {
        self.derive("MapPartitionsRDD", "keys", false, |_, _, it| {
            it.map_cow(|kv: Cow<'_, (K, V)>| match kv {
                Cow::Owned((k, _)) => k,
                Cow::Borrowed((k, _)) => k.clone(),
            })
        })
    }

    /// The values.
    pub fn values(&self) -> Rdd<V> {
        self.derive("MapPartitionsRDD", "values", false, |_, _, it| {
            it.map_cow(|kv: Cow<'_, (K, V)>| match kv {
                Cow::Owned((_, v)) => v,
                Cow::Borrowed((_, v)) => v.clone(),
            })
        })
    }

    /// For each key in either RDD, its values in `self` and in `other`, partitioned by Spark's
    /// default partitioner for the two.
    pub fn cogroup<W: ShuffleData>(&self, other: &Rdd<(K, W)>) -> Rdd<CoGrouped<K, V, W>> {
        let part = default_partitioner(&[self.node.as_ref(), other.node.as_ref()]);
        self.cogroup_as("cogroup", other, part, None)
    }

    /// `cogroup` into `partitions` hash partitions.
    pub fn cogroup_into<W: ShuffleData>(
        &self,
        other: &Rdd<(K, W)>,
        partitions: usize,
    ) -> Rdd<CoGrouped<K, V, W>> {
        let (part, problem) = hash_or_problem(partitions);
        self.cogroup_as("cogroup", other, part, problem)
    }

    /// `cogroup` with an explicit partitioner.
    pub fn cogroup_with<W: ShuffleData>(
        &self,
        other: &Rdd<(K, W)>,
        part: Partitioner,
    ) -> Rdd<CoGrouped<K, V, W>> {
        self.cogroup_as("cogroup", other, part, None)
    }

    /// Pairs every value of a key in `self` with every value of that key in `other` (an inner
    /// join), partitioned by Spark's default partitioner for the two.
    pub fn join<W: ShuffleData>(&self, other: &Rdd<(K, W)>) -> Rdd<(K, (V, W))> {
        let part = default_partitioner(&[self.node.as_ref(), other.node.as_ref()]);
        self.join_as(other, part, None)
    }

    /// `join` into `partitions` hash partitions.
    pub fn join_into<W: ShuffleData>(
        &self,
        other: &Rdd<(K, W)>,
        partitions: usize,
    ) -> Rdd<(K, (V, W))> {
        let (part, problem) = hash_or_problem(partitions);
        self.join_as(other, part, problem)
    }

    /// `join` with an explicit partitioner.
    pub fn join_with<W: ShuffleData>(
        &self,
        other: &Rdd<(K, W)>,
        part: Partitioner,
    ) -> Rdd<(K, (V, W))> {
        self.join_as(other, part, None)
    }

    fn join_as<W: ShuffleData>(
        &self,
        other: &Rdd<(K, W)>,
        part: Partitioner,
        problem: Option<PartitionerError>,
    ) -> Rdd<(K, (V, W))> {
        self.join_shaped(other, part, problem, |v, w| (v.clone(), w.clone()))
    }

    /// `join` whose matched values are shaped by `shape(v, w)`.
    pub(crate) fn join_shaped<W: ShuffleData, U: Data>(
        &self,
        other: &Rdd<(K, W)>,
        part: Partitioner,
        problem: Option<PartitionerError>,
        shape: impl Fn(&V, &W) -> U + Send + Sync + 'static,
    ) -> Rdd<(K, U)> {
        self.cogroup_as("join", other, part, problem)
            .flat_map_values_as("join", move |(vs, ws): &(Vec<V>, Vec<W>)| {
                let mut out = Vec::with_capacity(vs.len() * ws.len());
                for v in vs {
                    for w in ws {
                        out.push(shape(v, w));
                    }
                }
                out
            })
    }

    /// `cogroup` (CoGroupedRDD, then one narrow RDD) whose rows are shaped by `shape`.
    pub(crate) fn cogroup_shaped<W: ShuffleData, U: Data>(
        &self,
        other: &Rdd<(K, W)>,
        part: Partitioner,
        problem: Option<PartitionerError>,
        shape: impl Fn(&(Vec<V>, Vec<W>)) -> U + Send + Sync + 'static,
    ) -> Rdd<(K, U)> {
        let left = Side::new(self, &part);
        let right = Side::new(other, &part);
        self.cogrouped("cogroup", left, right, part, problem)
            .map_values_as("cogroup", shape)
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
        problem: Option<PartitionerError>,
    ) -> Rdd<CoGrouped<K, V, W>> {
        let left = Side::new(self, &part);
        let right = Side::new(other, &part);
        let grouped = self.cogrouped(op, left, right, part, problem);
        grouped.derive("MapPartitionsRDD", op, true, |_, _, it| it)
    }

    /// The `CoGroupedRDD` of two sides.
    fn cogrouped<W: ShuffleData>(
        &self,
        op: &'static str,
        left: Side<K, V>,
        right: Side<K, W>,
        part: Partitioner,
        problem: Option<PartitionerError>,
    ) -> Rdd<CoGrouped<K, V, W>> {
        let mut node = RddNode::new(
            self.ctx.new_rdd_id(),
            "CoGroupedRDD",
            op,
            part.num_partitions(),
            vec![left.dep.clone(), right.dep.clone()],
            Some(part),
        );
        if let Some(p) = problem {
            node = node.with_problem(p.to_string());
        }
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
            Ok(Records::from_vec(rows))
        };
        Rdd::from_parts(self.ctx.clone(), node, Arc::new(compute))
    }
}

impl<T: Key> Rdd<T> {
    /// The distinct records, into as many partitions as `self` has (Spark's `distinct()`:
    /// `map((_, ())).reduceByKey(keep first).map(_._1)`).
    pub fn distinct(&self) -> Rdd<T> {
        self.distinct_as(hash_or_problem(self.num_partitions().max(1)))
    }

    /// The distinct records, into `partitions` hash partitions.
    pub fn distinct_into(&self, partitions: usize) -> Rdd<T> {
        self.distinct_as(hash_or_problem(partitions))
    }

    fn distinct_as(&self, (part, problem): (Partitioner, Option<PartitionerError>)) -> Rdd<T> {
        self.derive("MapPartitionsRDD", "distinct", false, |_, _, it| {
            it.map_cow(|x: Cow<'_, T>| (x.into_owned(), ()))
        })
        .reduce_by_key_as("distinct", Arc::new(|a, _| a), part, problem)
        .derive("MapPartitionsRDD", "distinct", false, |_, _, it| {
            it.map_cow(|kv: Cow<'_, (T, ())>| kv.into_owned().0)
        })
    }
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
            Dependency::Shuffle(rdd.shuffle_dep(part, None))
        };
        Side {
            rdd: rdd.clone(),
            dep,
        }
    }

    fn read(&self, tc: &TaskContext, split: usize) -> Result<Vec<(K, V)>, TaskError> {
        match &self.dep {
            Dependency::Shuffle(d) => read_shuffle(tc, d, split),
            _ => Ok(self.rdd.iterator(tc, split)?.metered(tc, 1).collect_owned()),
        }
    }
}

/// Spark's `Partitioner.defaultPartitioner` (without `spark.default.parallelism`): the
/// partitioner of the parent with the most partitions among those that have one, if it is
/// within an order of magnitude of the largest parent; otherwise hash into as many partitions
/// as the largest parent has (at least 1: Spark would make a 0-partition RDD of an empty one).
pub fn default_partitioner(rdds: &[&RddNode]) -> Partitioner {
    let max_parts = rdds
        .iter()
        .map(|r| r.num_partitions())
        .max()
        .unwrap_or(1)
        .max(1);
    let best = rdds
        .iter()
        .filter(|r| r.partitioner().is_some())
        .max_by_key(|r| r.num_partitions());
    if let Some(r) = best {
        let eligible = (max_parts as f64).log10() - (r.num_partitions() as f64).log10() < 1.0;
        if eligible || max_parts <= r.num_partitions() {
            if let Some(p) = r.partitioner() {
                return p.clone();
            }
        }
    }
    match Partitioner::hash(max_parts) {
        Ok(p) => p,
        Err(_) => single(),
    }
}

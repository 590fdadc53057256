//! Narrow transformations: each child partition reads one parent partition (or, for `union`,
//! one partition of one parent), so they are pipelined inside a stage. Their functions take
//! records by reference ([`super::records`] explains why).

use super::records::{IntoRecords, Records};
use super::{Data, Dependency, Rdd, RddNode};
use crate::task_context::TaskContext;
use std::borrow::Cow;
use std::sync::Arc;

impl<T: Data> Rdd<T> {
    /// Applies `f` to every record.
    ///
    /// ```
    /// use ember::Context;
    /// let ctx = Context::local(1);
    /// let lengths = ctx.parallelize(vec!["a".to_string(), "bcd".to_string()], 2).map(|s| s.len());
    /// assert_eq!(lengths.collect().unwrap(), vec![1, 3]);
    /// ```
    pub fn map<U: Data>(&self, f: impl Fn(&T) -> U + Send + Sync + 'static) -> Rdd<U> {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", "map", false, move |_, _, it| {
            let f = f.clone();
            it.map(move |x| f(x))
        })
    }

    /// `map` whose function costs as much as `weight` plain operations per record in the
    /// virtual clock's cost model (parsing a line of eleven numbers is about eleven): the
    /// same records, a truer time. The wall clock ignores the weight.
    pub fn map_weighted<U: Data>(
        &self,
        weight: u64,
        f: impl Fn(&T) -> U + Send + Sync + 'static,
    ) -> Rdd<U> {
        let f = Arc::new(f);
        self.derive_weighted(
            "MapPartitionsRDD",
            "map",
            false,
            weight.max(1),
            move |_, _, it| {
                let f = f.clone();
                it.map(move |x| f(x))
            },
        )
    }

    /// `map` that parses text records: as [`Rdd::map_weighted`], and its records count as
    /// parsing (`records_parsed`), which the virtual clock charges at `parse_cpu` per
    /// operation when the cost model sets it (the RDD paper's parsing cost, apart from the
    /// rest). A map of lines into records, as the machine-learning workloads read their points.
    pub fn map_parsed<U: Data>(
        &self,
        weight: u64,
        f: impl Fn(&T) -> U + Send + Sync + 'static,
    ) -> Rdd<U> {
        let f = Arc::new(f);
        self.derive_parsing(weight.max(1), move |_, _, it| {
            let f = f.clone();
            it.map(move |x| f(x))
        })
    }

    /// Keeps the records for which `f` is true (without copying them). Keeps the partitioner.
    pub fn filter(&self, f: impl Fn(&T) -> bool + Send + Sync + 'static) -> Rdd<T> {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", "filter", true, move |_, _, it| {
            let f = f.clone();
            it.filter(move |x| f(x))
        })
    }

    /// Maps every record to zero or more records.
    pub fn flat_map<U: Data, I>(&self, f: impl Fn(&T) -> I + Send + Sync + 'static) -> Rdd<U>
    where
        I: IntoIterator<Item = U>,
    {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", "flat_map", false, move |_, _, it| {
            let f = f.clone();
            it.flat_map(move |x| f(x))
        })
    }

    /// Transforms a whole partition at once. `f` gets the partition's [`Records`] (read them
    /// with `for_each`, `fold` or `map`, by reference) and returns records or any iterator.
    ///
    /// ```
    /// use ember::Context;
    /// let ctx = Context::local(1);
    /// let sums = ctx
    ///     .parallelize((1..=6).collect::<Vec<i64>>(), 2)
    ///     .map_partitions(|it| std::iter::once(it.fold(0, |a, x| a + x)));
    /// assert_eq!(sums.collect().unwrap(), vec![6, 15]);
    /// ```
    pub fn map_partitions<U: Data, R>(
        &self,
        f: impl Fn(Records<T>) -> R + Send + Sync + 'static,
    ) -> Rdd<U>
    where
        R: IntoRecords<U>,
    {
        self.derive(
            "MapPartitionsRDD",
            "map_partitions",
            false,
            move |_, _, it| f(it).into_records(),
        )
    }

    /// Transforms a whole partition at once, knowing its index.
    pub fn map_partitions_with_index<U: Data, R>(
        &self,
        f: impl Fn(usize, Records<T>) -> R + Send + Sync + 'static,
    ) -> Rdd<U>
    where
        R: IntoRecords<U>,
    {
        self.derive(
            "MapPartitionsRDD",
            "map_partitions_with_index",
            false,
            move |_, i, it| f(i, it).into_records(),
        )
    }

    /// Pairs every record with a key computed from it. The record itself must be owned by the
    /// pair: it is moved when the parent made it, cloned when a source or store holds it.
    pub fn key_by<K: Data>(&self, f: impl Fn(&T) -> K + Send + Sync + 'static) -> Rdd<(K, T)> {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", "key_by", false, move |_, _, it| {
            let f = f.clone();
            it.map_cow(move |x: Cow<'_, T>| (f(&x), x.into_owned()))
        })
    }

    /// The records of both RDDs: the partitions of `self`, then those of `other`
    /// (Spark's `UnionRDD`, with a range dependency on each parent).
    pub fn union(&self, other: &Rdd<T>) -> Rdd<T> {
        let (a, b) = (self.clone(), other.clone());
        let na = a.num_partitions();
        let node = RddNode::new(
            self.ctx.new_rdd_id(),
            "UnionRDD",
            "union",
            na + b.num_partitions(),
            vec![
                Dependency::Range {
                    rdd: a.node.clone(),
                    in_start: 0,
                    out_start: 0,
                    len: na,
                },
                Dependency::Range {
                    rdd: b.node.clone(),
                    in_start: 0,
                    out_start: na,
                    len: b.num_partitions(),
                },
            ],
            None,
        );
        let compute = move |tc: &TaskContext, split: usize| {
            if split < na {
                a.iterator(tc, split)
            } else {
                b.iterator(tc, split - na)
            }
        };
        Rdd::from_parts(self.ctx.clone(), node, Arc::new(compute))
    }
}

//! Narrow transformations: each child partition reads one parent partition (or, for `union`,
//! one partition of one parent), so they are pipelined inside a stage.

use super::{Data, Dependency, Rdd, RddNode, Records};
use crate::task_context::TaskContext;
use std::sync::Arc;

impl<T: Data> Rdd<T> {
    /// Applies `f` to every record.
    pub fn map<U: Data>(&self, f: impl Fn(T) -> U + Send + Sync + 'static) -> Rdd<U> {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", "map", false, move |_, it| {
            let f = f.clone();
            Records::new(it.map(move |x| f(x)))
        })
    }

    /// Keeps the records for which `f` is true. Keeps the partitioner.
    pub fn filter(&self, f: impl Fn(&T) -> bool + Send + Sync + 'static) -> Rdd<T> {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", "filter", true, move |_, it| {
            let f = f.clone();
            Records::new(it.filter(move |x| f(x)))
        })
    }

    /// Maps every record to zero or more records.
    pub fn flat_map<U: Data, I>(&self, f: impl Fn(T) -> I + Send + Sync + 'static) -> Rdd<U>
    where
        I: IntoIterator<Item = U> + 'static,
        I::IntoIter: 'static,
    {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", "flat_map", false, move |_, it| {
            let f = f.clone();
            Records::new(it.flat_map(move |x| f(x)))
        })
    }

    /// Transforms a whole partition at once.
    pub fn map_partitions<U: Data, I>(
        &self,
        f: impl Fn(Records<T>) -> I + Send + Sync + 'static,
    ) -> Rdd<U>
    where
        I: Iterator<Item = U> + 'static,
    {
        self.derive("MapPartitionsRDD", "map_partitions", false, move |_, it| {
            Records::new(f(it))
        })
    }

    /// Transforms a whole partition at once, knowing its index.
    pub fn map_partitions_with_index<U: Data, I>(
        &self,
        f: impl Fn(usize, Records<T>) -> I + Send + Sync + 'static,
    ) -> Rdd<U>
    where
        I: Iterator<Item = U> + 'static,
    {
        self.derive(
            "MapPartitionsRDD",
            "map_partitions_with_index",
            false,
            move |i, it| Records::new(f(i, it)),
        )
    }

    /// Pairs every record with a key computed from it.
    pub fn key_by<K: Data>(&self, f: impl Fn(&T) -> K + Send + Sync + 'static) -> Rdd<(K, T)> {
        let f = Arc::new(f);
        self.derive("MapPartitionsRDD", "key_by", false, move |_, it| {
            let f = f.clone();
            Records::new(it.map(move |x| (f(&x), x)))
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

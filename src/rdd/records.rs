//! [`Records`]: how a partition's records flow through a stage's pipeline, without copies.
//!
//! A pipeline hands records on in [`Chunk`]s, pulled one at a time with one dynamic call per
//! chunk and operation (a call per record made a logistic regression step twice as slow as the
//! same loop by hand). A chunk is one of:
//!
//! - [`Chunk::Shared`]: records a source or a store holds (a parallelized collection's slice, a
//!   cached block), lent in place. They reach the first operation by reference and are never
//!   copied to get there.
//! - [`Chunk::Picked`]: references to some of those records (a `filter` over a cached RDD keeps
//!   references, not copies).
//! - [`Chunk::Owned`]: records the operation before made; the next one may move them.
//!
//! The operations of an RDD take their records by reference (`map(|x: &T| ..)`), as Spark's
//! functions see references to records they do not own. An operation that must own a record
//! (`collect`, `key_by`, a map-side combine) moves it when its chunk is owned and clones it
//! only when its chunk is shared: the one copy that owning a shared record requires.
//!
//! Chunks grow 1, 2, 4, ... up to [`MAX_CHUNK`] records, so `take(1)` computes at most one
//! record per operation first; operations that consume everything (`count`, `for_each`,
//! `collect`) ask for full chunks from the start.

use crate::stack::DeepDrop;
use crate::storage::size::sampled_heap;
use crate::storage::RecordBlock;
use crate::task_context::TaskContext;
use serde::Serialize;
use std::borrow::Cow;

/// The largest chunk an operation hands on at once.
pub const MAX_CHUNK: usize = 1024;

/// A run of records handed from one operation to the next.
pub enum Chunk<'a, T> {
    /// Records a source or a store holds, lent in place.
    Shared(&'a [T]),
    /// References to some records a source or a store holds.
    Picked(Vec<&'a T>),
    /// Records made by the operation before, which the next one may move.
    Owned(Vec<T>),
}

impl<'a, T> Chunk<'a, T> {
    /// How many records.
    pub fn len(&self) -> usize {
        match self {
            Chunk::Shared(s) => s.len(),
            Chunk::Picked(v) => v.len(),
            Chunk::Owned(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record `i` (`i < len`).
    pub fn at(&self, i: usize) -> &T {
        match self {
            Chunk::Shared(s) => &s[i],
            Chunk::Picked(v) => v[i],
            Chunk::Owned(v) => &v[i],
        }
    }

    /// Calls `f` on every record, by reference.
    #[inline]
    pub fn for_each(&self, mut f: impl FnMut(&T)) {
        match self {
            Chunk::Shared(s) => s.iter().for_each(f),
            Chunk::Picked(v) => v.iter().for_each(|x| f(x)),
            Chunk::Owned(v) => v.iter().for_each(f),
        }
    }

    /// `f` of every record.
    #[inline]
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Vec<U> {
        match self {
            Chunk::Shared(s) => s.iter().map(f).collect(),
            Chunk::Picked(v) => v.iter().map(|x| f(x)).collect(),
            Chunk::Owned(v) => v.iter().map(f).collect(),
        }
    }

    /// The records for which `f` holds: references stay references, owned records stay owned.
    pub fn filter(self, mut f: impl FnMut(&T) -> bool) -> Chunk<'a, T> {
        match self {
            Chunk::Shared(s) => Chunk::Picked(s.iter().filter(|x| f(x)).collect()),
            Chunk::Picked(mut v) => {
                v.retain(|x| f(x));
                Chunk::Picked(v)
            }
            Chunk::Owned(mut v) => {
                v.retain(|x| f(x));
                Chunk::Owned(v)
            }
        }
    }

    /// Calls `f` on every record, owned when the chunk owns it, borrowed when it is shared.
    #[inline]
    pub fn for_each_cow(self, mut f: impl FnMut(Cow<'_, T>))
    where
        T: Clone,
    {
        match self {
            Chunk::Shared(s) => s.iter().for_each(|x| f(Cow::Borrowed(x))),
            Chunk::Picked(v) => v.into_iter().for_each(|x| f(Cow::Borrowed(x))),
            Chunk::Owned(v) => v.into_iter().for_each(|x| f(Cow::Owned(x))),
        }
    }

    /// The records, owned: moved if the chunk owns them, cloned if it is shared.
    pub fn into_owned(self) -> Vec<T>
    where
        T: Clone,
    {
        match self {
            Chunk::Shared(s) => s.to_vec(),
            Chunk::Picked(v) => v.into_iter().cloned().collect(),
            Chunk::Owned(v) => v,
        }
    }
}

/// A source of chunks: one stage of a partition's pipeline.
///
/// `next_chunk` lends its chunk until the next call, which is what lets a source hand out its
/// records by reference. `None` means the records are exhausted; a chunk may be empty (a
/// `filter` that kept nothing).
pub trait Pull<T> {
    /// The next chunk of at most `max` records (a `flat_map` may hand on more).
    fn next_chunk(&mut self, max: usize) -> Option<Chunk<'_, T>>;

    /// Every record still to come, as a stored block that holds them, if this step hands on
    /// such a block untouched (a source's slice, a cached block, nothing pulled yet): caching
    /// them then shares the block instead of copying the records.
    fn whole_block(&self) -> Option<RecordBlock<T>> {
        None
    }
}

/// The records of one partition, as a task computes them: a pipeline of chunk sources.
pub struct Records<T> {
    /// The pipeline's last step; it holds the step before, and so on (dropped through
    /// [`crate::stack::deep`], so a pipeline of any length drops safely).
    pull: DeepDrop<Box<dyn Pull<T>>>,
    chunk: usize,
}

/// What a `map_partitions` function may return: [`Records`] or anything iterable.
pub trait IntoRecords<T> {
    /// The records.
    fn into_records(self) -> Records<T>;
}

impl<T: 'static> IntoRecords<T> for Records<T> {
    fn into_records(self) -> Records<T> {
        self
    }
}

impl<T: 'static, I> IntoRecords<T> for I
where
    I: IntoIterator<Item = T>,
    I::IntoIter: 'static,
{
    fn into_records(self) -> Records<T> {
        Records::from_iter(self)
    }
}

impl<T: 'static> Records<T> {
    /// Records pulled from `pull`.
    pub fn from_pull(pull: impl Pull<T> + 'static) -> Self {
        Records {
            pull: DeepDrop::new(Box::new(pull)),
            chunk: 1,
        }
    }

    /// The records of `v`, owned (moved on).
    pub fn from_vec(v: Vec<T>) -> Self {
        Records {
            pull: DeepDrop::new(Box::new(VecPull(v.into_iter()))),
            chunk: MAX_CHUNK,
        }
    }

    /// The records `it` yields, pulled lazily.
    #[allow(clippy::should_implement_trait)]
    pub fn from_iter<I>(it: I) -> Self
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: 'static,
    {
        Self::from_pull(IterPull(it.into_iter()))
    }

    /// The records of a stored block, lent in place.
    pub fn from_block(block: RecordBlock<T>) -> Self {
        Self::from_pull(BlockPull { block, pos: 0 })
    }

    /// No records.
    pub fn empty() -> Self {
        Self::from_vec(Vec::new())
    }

    /// The next chunk, growing 1, 2, 4, ... up to [`MAX_CHUNK`] records.
    pub fn next_chunk(&mut self) -> Option<Chunk<'_, T>> {
        let n = self.chunk;
        self.chunk = (n * 2).min(MAX_CHUNK);
        self.pull(n)
    }

    /// The next chunk of at most `max` records from the pipeline's last step. Each step asks
    /// the one before, so a pipeline of `n` operations recurses `n` deep: through
    /// [`crate::stack::deep`], which any depth survives.
    #[inline]
    fn pull(&mut self, max: usize) -> Option<Chunk<'_, T>> {
        // A killed task stops here, between chunks (a kill message on the wall clock).
        crate::task_context::stop_if_killed();
        let pull = &mut self.pull;
        crate::stack::deep(move || pull.next_chunk(max))
    }

    /// Calls `f` on every record, by reference.
    ///
    /// ```
    /// use ember::rdd::Records;
    /// let mut sum = 0;
    /// Records::from_vec(vec![1, 2, 3]).for_each(|x| sum += x);
    /// assert_eq!(sum, 6);
    /// ```
    pub fn for_each(mut self, mut f: impl FnMut(&T)) {
        while let Some(c) = self.pull(MAX_CHUNK) {
            c.for_each(&mut f);
        }
    }

    /// Folds every record into `init`, by reference.
    pub fn fold<B>(self, init: B, mut f: impl FnMut(B, &T) -> B) -> B {
        let mut acc = Some(init);
        self.for_each(|x| {
            if let Some(a) = acc.take() {
                acc = Some(f(a, x));
            }
        });
        match acc {
            Some(a) => a,
            None => unreachable!("the accumulator is put back after every record"),
        }
    }

    /// How many records.
    pub fn count(mut self) -> usize {
        let mut n = 0;
        while let Some(c) = self.pull(MAX_CHUNK) {
            n += c.len();
        }
        n
    }

    /// `f` of every record, lazily.
    pub fn map<U: 'static>(self, f: impl FnMut(&T) -> U + 'static) -> Records<U> {
        let chunk = self.chunk;
        Records {
            pull: DeepDrop::new(Box::new(MapPull { parent: self, f })),
            chunk,
        }
    }

    /// `f` of every record, lazily, given owned when its chunk owns it (so `f` may move it) and
    /// borrowed when a source or store holds it.
    pub fn map_cow<U: 'static>(self, f: impl FnMut(Cow<'_, T>) -> U + 'static) -> Records<U>
    where
        T: Clone,
    {
        let chunk = self.chunk;
        Records {
            pull: DeepDrop::new(Box::new(MapCowPull { parent: self, f })),
            chunk,
        }
    }

    /// The records for which `f` holds, lazily; shared records stay shared.
    pub fn filter(self, f: impl FnMut(&T) -> bool + 'static) -> Records<T> {
        let chunk = self.chunk;
        Records {
            pull: DeepDrop::new(Box::new(FilterPull { parent: self, f })),
            chunk,
        }
    }

    /// Every record of every `f(x)`, lazily.
    pub fn flat_map<U: 'static, I>(self, f: impl FnMut(&T) -> I + 'static) -> Records<U>
    where
        I: IntoIterator<Item = U>,
    {
        let chunk = self.chunk;
        Records {
            pull: DeepDrop::new(Box::new(FlatMapPull { parent: self, f })),
            chunk,
        }
    }

    /// The records, owned, as an iterator: records a source or store holds are cloned, others
    /// moved. Prefer [`Self::for_each`], [`Self::fold`] or [`Self::map`] over shared records.
    pub fn into_owned(self) -> OwnedRecords<T>
    where
        T: Clone,
    {
        OwnedRecords {
            records: self,
            buf: Vec::new().into_iter(),
        }
    }

    /// Every record, as a block a store can keep: the block a source or store lends, shared
    /// as it is (a parallelized collection's slice, a cached block: no record copied, as
    /// Spark's unroll buffer holds references to the records, not copies), or the records
    /// owned ([`Self::collect_owned`]).
    pub fn into_block(self) -> RecordBlock<T>
    where
        T: Clone,
    {
        match self.pull.whole_block() {
            Some(b) => b,
            None => RecordBlock::new(self.collect_owned()),
        }
    }

    /// Every record, owned.
    pub fn collect_owned(mut self) -> Vec<T>
    where
        T: Clone,
    {
        let mut out = Vec::new();
        while let Some(c) = self.pull(MAX_CHUNK) {
            match c {
                Chunk::Owned(v) if out.is_empty() => out = v,
                c => out.extend(c.into_owned()),
            }
        }
        out
    }

    /// The first `n` records, owned, computing as few as the chunk sizes allow.
    pub fn take_owned(mut self, n: usize) -> Vec<T>
    where
        T: Clone,
    {
        let mut out = Vec::new();
        while out.len() < n {
            let Some(c) = self.next_chunk() else { break };
            let room = n - out.len();
            match c {
                Chunk::Shared(s) => out.extend(s.iter().take(room).cloned()),
                Chunk::Picked(v) => out.extend(v.into_iter().take(room).cloned()),
                Chunk::Owned(v) => out.extend(v.into_iter().take(room)),
            }
        }
        out
    }

    /// Counts the records (and, if the task measures sizes, their estimated bytes) that pass,
    /// `weight` times each, into the task's `records_processed`: the cost model's view of an
    /// operation's work.
    pub(crate) fn metered(self, tc: &TaskContext, weight: u64) -> Records<T>
    where
        T: Serialize,
    {
        self.metered_as(tc, weight, false)
    }

    /// [`Self::metered`], counting the records as parsing too (`records_parsed`) when `parse`.
    pub(crate) fn metered_as(self, tc: &TaskContext, weight: u64, parse: bool) -> Records<T>
    where
        T: Serialize,
    {
        let chunk = self.chunk;
        Records {
            pull: DeepDrop::new(Box::new(MeterPull {
                parent: self,
                tc: tc.clone(),
                weight,
                parse,
            })),
            chunk,
        }
    }
}

/// The records of [`Records::into_owned`].
pub struct OwnedRecords<T> {
    records: Records<T>,
    buf: std::vec::IntoIter<T>,
}

impl<T: Clone + 'static> Iterator for OwnedRecords<T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        loop {
            if let Some(x) = self.buf.next() {
                return Some(x);
            }
            self.buf = self.records.next_chunk()?.into_owned().into_iter();
        }
    }
}

struct VecPull<T>(std::vec::IntoIter<T>);

impl<T> Pull<T> for VecPull<T> {
    fn next_chunk(&mut self, max: usize) -> Option<Chunk<'_, T>> {
        let left = self.0.len();
        if left == 0 {
            return None;
        }
        if left <= max {
            let all = std::mem::replace(&mut self.0, Vec::new().into_iter());
            return Some(Chunk::Owned(all.collect()));
        }
        Some(Chunk::Owned(self.0.by_ref().take(max).collect()))
    }
}

struct IterPull<I>(I);

impl<T, I: Iterator<Item = T>> Pull<T> for IterPull<I> {
    fn next_chunk(&mut self, max: usize) -> Option<Chunk<'_, T>> {
        let v: Vec<T> = self.0.by_ref().take(max.max(1)).collect();
        (!v.is_empty()).then_some(Chunk::Owned(v))
    }
}

struct BlockPull<T> {
    block: RecordBlock<T>,
    pos: usize,
}

impl<T> Pull<T> for BlockPull<T> {
    fn whole_block(&self) -> Option<RecordBlock<T>> {
        (self.pos == 0).then(|| self.block.clone())
    }

    fn next_chunk(&mut self, max: usize) -> Option<Chunk<'_, T>> {
        let all = self.block.records();
        if self.pos >= all.len() {
            return None;
        }
        let end = (self.pos + max.max(1)).min(all.len());
        let s = &all[self.pos..end];
        self.pos = end;
        Some(Chunk::Shared(s))
    }
}

struct MapPull<T, F> {
    parent: Records<T>,
    f: F,
}

impl<T: 'static, U, F: FnMut(&T) -> U> Pull<U> for MapPull<T, F> {
    fn next_chunk(&mut self, max: usize) -> Option<Chunk<'_, U>> {
        let c = self.parent.pull(max)?;
        Some(Chunk::Owned(c.map(&mut self.f)))
    }
}

struct MapCowPull<T, F> {
    parent: Records<T>,
    f: F,
}

impl<T: Clone + 'static, U, F: FnMut(Cow<'_, T>) -> U> Pull<U> for MapCowPull<T, F> {
    fn next_chunk(&mut self, max: usize) -> Option<Chunk<'_, U>> {
        let c = self.parent.pull(max)?;
        let mut out = Vec::with_capacity(c.len());
        c.for_each_cow(|x| out.push((self.f)(x)));
        Some(Chunk::Owned(out))
    }
}

struct FilterPull<T, F> {
    parent: Records<T>,
    f: F,
}

impl<T: 'static, F: FnMut(&T) -> bool> Pull<T> for FilterPull<T, F> {
    fn next_chunk(&mut self, max: usize) -> Option<Chunk<'_, T>> {
        let f = &mut self.f;
        Some(self.parent.pull(max)?.filter(f))
    }
}

struct FlatMapPull<T, F> {
    parent: Records<T>,
    f: F,
}

impl<T: 'static, U, I, F> Pull<U> for FlatMapPull<T, F>
where
    I: IntoIterator<Item = U>,
    F: FnMut(&T) -> I,
{
    fn next_chunk(&mut self, max: usize) -> Option<Chunk<'_, U>> {
        let c = self.parent.pull(max)?;
        let mut out = Vec::with_capacity(c.len());
        c.for_each(|x| out.extend((self.f)(x)));
        Some(Chunk::Owned(out))
    }
}

struct MeterPull<T> {
    parent: Records<T>,
    tc: TaskContext,
    weight: u64,
    parse: bool,
}

impl<T: Serialize + 'static> Pull<T> for MeterPull<T> {
    fn next_chunk(&mut self, max: usize) -> Option<Chunk<'_, T>> {
        let c = self.parent.pull(max)?;
        let n = c.len() as u64;
        let bytes = if self.tc.measures_sizes() && n > 0 {
            n * std::mem::size_of::<T>() as u64 + sampled_heap(c.len(), |i| c.at(i))
        } else {
            0
        };
        let (w, parse) = (self.weight, self.parse);
        self.tc.metrics_mut(|m| {
            m.records_processed += n * w;
            m.bytes_processed += bytes;
            if parse {
                m.records_parsed += n * w;
            }
        });
        Some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_filter_over_a_stored_block_keeps_references_and_a_map_reads_them() {
        let data = Arc::new((0..10u64).collect::<Vec<_>>());
        let block = RecordBlock::slice_of(data.clone(), 2..8);
        let mut r = Records::from_block(block).filter(|x| x % 2 == 0);
        match r.next_chunk() {
            Some(Chunk::Picked(v)) => assert!(std::ptr::eq(v[0], &data[2]), "no copy"),
            _ => panic!("a filter over shared records picks references"),
        }
        let squares = Records::from_block(RecordBlock::slice_of(data, 2..8))
            .filter(|x| x % 2 == 0)
            .map(|x| x * x)
            .collect_owned();
        assert_eq!(squares, vec![4, 16, 36]);
    }

    #[test]
    fn chunks_grow_so_that_taking_one_record_computes_one() {
        let seen = std::rc::Rc::new(std::cell::Cell::new(0));
        let s = seen.clone();
        let first = Records::from_iter(0..1000)
            .map(move |x| {
                s.set(s.get() + 1);
                *x
            })
            .take_owned(1);
        assert_eq!(first, vec![0]);
        assert_eq!(seen.get(), 1);
    }

    #[test]
    fn owned_records_move_and_shared_ones_are_cloned_only_when_owned() {
        let v = vec![String::from("a"), String::from("b")];
        let ptr = v[0].as_ptr();
        let moved = Records::from_vec(v).collect_owned();
        assert_eq!(moved[0].as_ptr(), ptr, "an owned chunk moves its records");
        let flat = Records::from_vec(vec![1, 2, 3])
            .flat_map(|x| vec![*x; *x as usize])
            .collect_owned();
        assert_eq!(flat, vec![1, 2, 2, 3, 3, 3]);
        assert_eq!(Records::from_vec(vec![1, 2, 3]).fold(0, |a, x| a + x), 6);
        assert_eq!(Records::from_iter(0..2500).count(), 2500);
        let owned: Vec<i32> = Records::from_iter(0..5).into_owned().collect();
        assert_eq!(owned, vec![0, 1, 2, 3, 4]);
    }
}

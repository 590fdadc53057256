//! Deep lineages on ordinary stacks.
//!
//! A lineage may be 100,000 RDDs long (a loop that maps a million times is a user's right), and
//! some of its walks are recursive by nature: computing a partition calls the parent's
//! `iterator`, which calls its parent's, and pulling a chunk through a pipeline asks each
//! operation of the stage in turn; dropping the last handle on a chain drops its parent, which
//! drops its parent. Spark meets the same shapes with a `StackOverflowError` and the advice to
//! checkpoint. Here every such recursion goes through [`deep`], which moves onto a fresh stack
//! segment when little stack is left (the `stacker` crate, which rustc uses for the same
//! reason), so any depth works on any thread, the wall clock's workers included. Walks that are
//! not recursive by nature (the stage graph, preferred locations, the debug string, the UI's
//! layout) are written as loops over explicit stacks instead. This module owns only those two
//! helpers; it knows nothing of RDDs.

use std::mem::ManuallyDrop;
use std::ops::Deref;

/// Stack left below which [`deep`] moves to a new segment: enough for the deepest single step
/// of a walk (a task's operation with its own locals).
const RED_ZONE: usize = 256 * 1024;

/// The size of each new segment.
const SEGMENT: usize = 8 * 1024 * 1024;

/// Runs `f`, first moving onto a new stack segment if this thread's stack is nearly used up.
/// Cheap when it is not (a comparison of the stack pointer with a limit).
///
/// ```
/// fn depth(n: u64) -> u64 {
///     ember::stack::deep(|| if n == 0 { 0 } else { 1 + depth(n - 1) })
/// }
/// assert_eq!(depth(1_000_000), 1_000_000);
/// ```
#[inline]
pub fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

/// A value whose drop runs through [`deep`]: for the links of a chain (a compute function that
/// holds its parent's, a pipeline step that holds the step before), so that dropping a
/// 100,000-long chain does not overflow the stack. Reads through `Deref`; cloning clones the
/// value.
pub struct DeepDrop<T>(ManuallyDrop<T>);

impl<T> DeepDrop<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        DeepDrop(ManuallyDrop::new(value))
    }
}

impl<T> Deref for DeepDrop<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for DeepDrop<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Clone> Clone for DeepDrop<T> {
    fn clone(&self) -> Self {
        DeepDrop::new(T::clone(&self.0))
    }
}

impl<T> Drop for DeepDrop<T> {
    fn drop(&mut self) {
        // SAFETY: the value is taken once, here, and `self` is not used after `drop`.
        let value = unsafe { ManuallyDrop::take(&mut self.0) };
        deep(move || drop(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Link(Option<DeepDrop<Box<Link>>>);

    impl Link {
        fn len(&self) -> usize {
            let mut n = 1;
            let mut at = self;
            while let Some(next) = &at.0 {
                n += 1;
                at = next;
            }
            n
        }
    }

    #[test]
    fn a_chain_of_a_million_links_drops_without_overflowing_the_stack() {
        let mut head = Link(None);
        for _ in 0..1_000_000 {
            head = Link(Some(DeepDrop::new(Box::new(head))));
        }
        assert_eq!(head.len(), 1_000_001);
        drop(head);
    }
}

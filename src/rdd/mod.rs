//! RDDs: the typed API users program against.
//!
//! [`Rdd<T>`] is a lineage node ([`crate::lineage::RddNode`]) plus the code that computes a
//! partition: sources ([`source`]), narrow transformations ([`transform`], [`sample`]),
//! key-value operations ([`pair`], [`sort`]) and actions ([`actions`]). Transformations are
//! lazy: they only add nodes. Records flow through a stage's pipeline in chunks, by reference
//! where a source or store holds them ([`records`]). An action hands a job to the
//! [`Context`](crate::Context); nothing here schedules.

pub mod actions;
pub mod pair;
pub mod records;
pub mod sample;
mod shuffled;
pub mod sort;
pub mod source;
pub mod transform;
mod typed;

pub use crate::lineage::{
    stable_hash, Dependency, Partitioner, RddId, RddNode, ShuffleDependency, ShuffleId,
};
pub use records::{Chunk, IntoRecords, Records};
pub use source::SourceError;
pub use typed::{Data, Key, Rdd, ShuffleData};

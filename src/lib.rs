//! # ember
//!
//! A workbench for learning, testing and measuring how a Spark-style engine schedules work.
//! ember is a real engine: RDDs with lineage, a DAG scheduler that cuts stages at shuffles, a
//! task scheduler with Spark's offer rounds, executors that run tasks and write real shuffle
//! files, and a driver that runs it all on a deterministic virtual clock or on real threads.
//! Every decision is an [`events::Event`].
//!
//! ## Where to start
//!
//! - [`Context`] starts a run; [`rdd::Rdd`] is what you program against:
//!
//! ```
//! use ember::Context;
//! let ctx = Context::local(2);
//! let words = ctx.parallelize(vec!["a b", "b c", "c"], 2)
//!     .flat_map(|l: &str| l.split(' ').map(str::to_string).collect::<Vec<_>>())
//!     .map(|w| (w, 1u64))
//!     .reduce_by_key(|a, b| a + b, 2);
//! let mut counts = words.collect().unwrap();
//! counts.sort();
//! assert_eq!(counts, vec![("a".into(), 1), ("b".into(), 2), ("c".into(), 2)]);
//! ```
//!
//! ## The map, in the order data flows
//!
//! - [`rdd`]: the user API (sources, transformations, actions) over an untyped lineage graph.
//! - [`context`]: the driver's entry point; actions come here to run jobs.
//! - [`scheduler`]: the `DagScheduler` (jobs → stages → task sets, skipping stages whose output
//!   exists) and the `TaskScheduler` with its `TaskSetManager`s (offer rounds, locality levels).
//! - [`cluster`]: topology, executors, the cost model, the virtual-clock and wall-clock drivers.
//! - [`shuffle`]: map output files, the `MapOutputTracker`, the reduce-side reader.
//! - [`storage`]: storage levels and the driver's block locations (the block managers come with
//!   the storage step).
//! - [`events`]: the event type, the bus, the JSON-lines log and the run summary.
//! - [`workloads`]: ready-made jobs (word count, logistic regression) and the built-in scenarios.

pub mod cluster;
pub mod context;
pub mod events;
pub mod rdd;
pub mod scenario;
pub mod scheduler;
pub mod shuffle;
pub mod storage;
pub mod task_context;
pub mod workloads;

pub use context::{Context, ContextBuilder, ContextError};
pub use rdd::Rdd;
pub use task_context::TaskContext;

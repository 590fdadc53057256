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
//!     .flat_map(|l| l.split(' ').map(str::to_string).collect::<Vec<_>>())
//!     .map(|w| (w.clone(), 1u64))
//!     .reduce_by_key(|a, b| a + b);
//! let mut counts = words.collect().unwrap();
//! counts.sort();
//! assert_eq!(counts, vec![("a".into(), 1), ("b".into(), 2), ("c".into(), 2)]);
//! ```
//!
//! ## The map, in the order data flows
//!
//! - [`rdd`]: the user API (sources, transformations, actions). Records flow through a
//!   stage's pipeline in chunks, by reference where a source or a store holds them
//!   ([`rdd::records`]).
//! - [`lineage`]: the untyped lineage graph the schedulers read (RDD nodes, dependencies,
//!   partitioners, preferred locations): the contract between the user API and the rest.
//! - [`context`]: the driver's entry point; actions come here to run jobs.
//! - [`scheduler`]: the `DagScheduler` (jobs → stages → task sets, skipping stages whose output
//!   exists) and the `TaskScheduler` with its `TaskSetManager`s (offer rounds, locality levels).
//! - [`cluster`]: topology, executors, the cost model, and the one driver loop over the
//!   virtual-clock and wall-clock backends; a task's effects are applied at its completion.
//! - [`membership`]: the one registry of racks, hosts and executors (alive or lost, and since
//!   when), which alone names executors; executors register and are lost while jobs run.
//! - [`task_context`]: what a running task sees of its executor, and what it stages.
//! - [`shuffle`]: map outputs as bytes, the `MapOutputTracker`, the reduce-side fetch.
//! - [`storage`]: storage levels, block ids, each executor's block manager (an LRU memory store
//!   under Spark's eviction rules and unified memory, in front of its disk store), sizes and
//!   codecs, and the driver's block locations.
//! - [`dfs`]: the HDFS-like store input data lives in (blocks, replicas, rack-aware placement).
//! - [`events`]: the event type, the bus, the JSON-lines log and the run summary.
//! - [`workloads`]: the ready-made programs scenarios run (logistic regression, k-means,
//!   PageRank, word count, the call-records example, and pipelines written in the scenario
//!   file), each with a seeded data generator and a result digest.
//! - [`scenario`]: scenario files (CONTRACTS §2): reading and validating them with errors that
//!   name the file, line and key, variants and `--set`, running them, and `[expect]`.
//! - [`faults`]: the fault plan's schema (triggers and kinds), validated now; the engine
//!   injects faults from the fault step on.
//! - [`tui`]: the terminal UI, a fold over events drawn by ratatui: lineage, jobs and stages,
//!   timeline, events, storage, playback.
//! - [`cli`]: the command line's commands and flags, and its mistakes in words.
//! - [`human`]: durations and byte counts for people; [`units`]: sizes, durations and
//!   bandwidths as scenario files and faults write them.
//! - [`stack`]: how lineages of any depth are walked, computed and dropped on ordinary stacks.

pub mod cli;
pub mod cluster;
pub mod context;
pub mod dfs;
pub mod events;
pub mod export;
pub mod faults;
pub mod hashing;
pub mod human;
pub mod lineage;
pub mod mapreduce;
pub mod membership;
pub mod rdd;
pub mod scenario;
pub mod scheduler;
pub mod shuffle;
pub mod sparklog;
pub mod stack;
pub mod storage;
pub mod task_context;
pub mod tui;
pub mod units;
pub mod workloads;

pub use context::{Context, ContextBuilder, ContextError};
pub use rdd::Rdd;
pub use task_context::TaskContext;

//! The MapReduce baseline: Hadoop's engine, that goes through the DFS between jobs.
//!
//! A MapReduce job ([`Job`]) reads its input from the DFS one split (block) per map task,
//! parses each line into a record, hands each record to the job's [`Mapper`], and buffers what
//! the mapper emits in a [`buffer::MapOutputBuffer`]: partitioned, sorted, combined and
//! spilled to local disk when full, merged at the end. The shuffle carries each reduce
//! partition's sorted segments to its reduce task, which merges them, groups each key's values
//! and hands them to the reducer, whose lines are written to the DFS, replicated (Hadoop's
//! phases: map, sort and spill, shuffle, merge, reduce, output). [`run_job`] runs one job; an
//! iterative program ([`crate::workloads`]) runs one job per iteration, re-reads and re-parses
//! its input from the DFS each time, and passes its model through the job's configuration (the
//! closures' captures) and the DFS (the reducers' output, read by the driver).
//!
//! The baseline runs on the same cluster, schedulers, executors, DFS, disks, shuffle and cost
//! model as the Spark-style engine ([`crate::Context`]): a job is a map stage and a reduce
//! stage, numbered from 0 in order (job `j`'s map stage is `2j` and its reduce stage `2j + 1`,
//! when every job of the run is a MapReduce job), so the event log and the UI read the same.
//! What differs is what the RDD paper says differs: nothing is cached, the input is parsed
//! every time, every job pays Hadoop's launch (`mapreduce_job_launch`) and every task its
//! heartbeats and JVM (`mapreduce_heartbeat`, `mapreduce_task_launch`: see
//! [`crate::cluster::CostModel`]), and outputs are written to the DFS with its replication. A
//! TaskTracker runs `map_slots` tasks at once ([`MapReduceConfig`]). A failed task is run
//! again, and a lost executor's map outputs are made again, by the same schedulers that do it
//! for the Spark-style engine (Hadoop's JobTracker re-executes them likewise).
//!
//! This module does not choose the workloads' jobs ([`crate::workloads`] does) nor build the
//! context ([`crate::scenario`] does, with [`MapReduceConfig::cluster`] and
//! [`crate::cluster::CostModel::for_mapreduce`]).
//!
//! One difference is Hadoop's and not the paper's: the JobTracker of Hadoop 0.20 does not wait
//! for a data-local slot ([`MapReduceConfig::scheduler`]).

pub mod buffer;
mod job;

pub use job::{read_output, run_job, Job, JobReport, Mapper};

use crate::cluster::ClusterSpec;
use crate::scheduler::SchedulerConfig;

/// The baseline's settings (CONTRACTS §2 `[mapreduce]`).
#[derive(Clone, Debug, PartialEq)]
pub struct MapReduceConfig {
    /// Tasks a TaskTracker (an executor) runs at once (`mapred.tasktracker.map.tasks.maximum`);
    /// `None`: as many as the executor has cores.
    pub map_slots: Option<u32>,
    /// The map output buffer, real bytes (`io.sort.mb`, 100 MiB in Hadoop 0.20).
    pub io_sort_bytes: u64,
    /// The share of the buffer that fills before a spill (`io.sort.spill.percent`, 0.8).
    pub spill_percent: f64,
    /// Reduce tasks of a job (`mapred.reduce.tasks`); `None`: each workload's choice.
    pub reducers: Option<usize>,
}

impl Default for MapReduceConfig {
    fn default() -> Self {
        MapReduceConfig {
            map_slots: None,
            io_sort_bytes: 100 << 20,
            spill_percent: 0.8,
            reducers: None,
        }
    }
}

impl MapReduceConfig {
    /// The cluster as the baseline runs on it: each executor a TaskTracker of `map_slots`
    /// slots.
    pub fn cluster(&self, spec: &ClusterSpec) -> ClusterSpec {
        let mut c = spec.clone();
        if let Some(slots) = self.map_slots {
            c.cores_per_executor = slots.max(1);
        }
        c
    }

    /// The scheduler as the baseline's JobTracker schedules: Hadoop 0.20's FIFO scheduler
    /// gives a free slot a data-local map task if there is one and any other map task if not,
    /// without waiting for locality (delay scheduling came later, with the Fair Scheduler).
    pub fn scheduler(&self, config: &SchedulerConfig) -> SchedulerConfig {
        SchedulerConfig {
            locality_wait_process_us: 0,
            locality_wait_node_us: 0,
            locality_wait_rack_us: 0,
            ..config.clone()
        }
    }

    /// Serialized bytes a map task buffers before it spills.
    pub fn spill_limit(&self) -> u64 {
        ((self.io_sort_bytes as f64) * self.spill_percent.clamp(0.01, 1.0)).max(1.0) as u64
    }
}

//! The virtual clock's cost model: how long a task takes, from what it did.
//!
//! A task's duration is a sum of terms, each a count from its [`TaskMetrics`] times a rate of
//! [`CostModel`] (CONTRACTS §2 `[cost]`):
//!
//! ```text
//! duration = task_launch
//!   + (records_processed + shuffle_records_read + shuffle_records_written) × record_cpu
//!   + (bytes_processed + input bytes from memory)      / memory_bandwidth
//!   + (input_disk_bytes + shuffle_local_bytes)         / disk_read
//!   + (shuffle_bytes_written + output_bytes
//!      + disk_bytes_spilled)                           / disk_write
//!   + bytes fetched from hosts of the same rack        / network
//!   + bytes fetched from other racks                   / cross_rack_network
//!   + output_network_bytes (replicas sent)             / network
//! ```
//!
//! every byte and record count first multiplied by `data_scale` (each real byte stands for
//! that many). Records are counted at every operation of a stage, and their bytes estimated
//! there too, so that a block of 1,024 points costs about what 1,024 one-point records cost
//! (a little less: the per-record overhead is paid once per block, as MLlib's blocks intend).
//! A cached block read from memory counts its bytes as input from memory; one that must be
//! decoded (a serialized level, a disk copy, another executor's) also counts its records once
//! more, as does encoding a block to keep it serialized or on disk.
//! Jobs pay `job_launch` on the driver before their stages are submitted. The wall clock
//! ignores this model: there, tasks take the time they take.
//!
//! ## Where the defaults come from
//!
//! | rate | default | why |
//! | --- | --- | --- |
//! | `record_cpu` | 100 ns | a JVM iterator pipeline: an interface call, an allocation and a little work per record per operator |
//! | `memory_bandwidth` | 4 GiB/s | one core streaming through objects, a fraction of a socket's DRAM bandwidth |
//! | `disk_read` / `disk_write` | 200 / 150 MiB/s | a commodity SSD or a striped pair of spinning disks, as on the RDD paper's EC2 nodes |
//! | `network` | 120 MiB/s | 1 Gb/s Ethernet within a rack |
//! | `cross_rack_network` | 60 MiB/s | the same links 2:1 oversubscribed at the core |
//! | `task_launch` | 2 ms | Spark's task serialization, launch and deserialization |
//! | `job_launch` | 5 ms | the driver's job submission and stage planning |
//! | `parse_cpu` | `record_cpu` | per operation of a text-parsing step (a parsed number): unset, parsing costs what any operation does |
//! | `mapreduce_job_launch` | 15 s | Hadoop 0.20: the job's submission (its jar and splits copied into HDFS, the JobTracker's set-up) and its set-up and clean-up tasks; the RDD paper measured a no-op Hadoop job at 25 s or more, this plus a map and a reduce task's launches below |
//! | `mapreduce_heartbeat` | 3 s | Hadoop 0.20's TaskTracker heartbeat interval (its minimum, for clusters under 300 nodes): a task waits on average half an interval to be assigned and half to be seen finished |
//! | `mapreduce_task_launch` | 1 s | a child JVM started for each task (`mapred.job.reuse.jvm.num.tasks = 1`) |
//!
//! The three `mapreduce_` costs are the baseline's own ([`crate::mapreduce`]): its jobs pay
//! `mapreduce_job_launch` instead of `job_launch`, its tasks `mapreduce_heartbeat +
//! mapreduce_task_launch` instead of `task_launch`. Everything else is the same model.
//!
//! [`CostModel::terms`] splits a task's time into the terms the RDD paper uses to explain
//! where Hadoop's time goes (launch and heartbeats, input read, parsing, compute, shuffle,
//! output writes).

use crate::events::TaskMetrics;

const MIB: f64 = 1024.0 * 1024.0;

/// Rates for the virtual clock (CONTRACTS §2 `[cost]`). Bandwidths are bytes per second.
#[derive(Clone, Debug, PartialEq)]
pub struct CostModel {
    /// Fixed cost of launching a task, µs.
    pub task_launch_us: f64,
    /// Fixed cost of a job on the driver, µs.
    pub job_launch_us: f64,
    /// CPU time per record through one operation, µs.
    pub record_cpu_us: f64,
    /// Reading or writing records in memory.
    pub memory_bandwidth: f64,
    /// Reading from a local disk.
    pub disk_read: f64,
    /// Writing to a local disk.
    pub disk_write: f64,
    /// Between hosts of a rack.
    pub network: f64,
    /// Between racks.
    pub cross_rack_network: f64,
    /// Each real byte and record costs as this many would.
    pub data_scale: f64,
    /// CPU time per operation of a text-parsing step, µs (`None`: `record_cpu_us`).
    pub parse_cpu_us: Option<f64>,
    /// The MapReduce baseline's fixed cost of a job, µs.
    pub mapreduce_job_launch_us: f64,
    /// The MapReduce baseline's heartbeat interval, µs: what a task waits to be assigned and
    /// to be seen done.
    pub mapreduce_heartbeat_us: f64,
    /// The MapReduce baseline's cost of starting a task's JVM, µs.
    pub mapreduce_task_launch_us: f64,
}

/// A task's time split by what it was spent on, µs (see [`CostModel::terms`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct CostTerms {
    /// Launching the task (and, for the MapReduce baseline, the heartbeats it waits for).
    pub launch: f64,
    /// Reading input from disk or another host (DFS blocks, blocks on disk).
    pub input: f64,
    /// Parsing text into records.
    pub parse: f64,
    /// Every other operation on records, and reading and writing them in memory.
    pub compute: f64,
    /// Writing, spilling, merging and fetching shuffle data.
    pub shuffle: f64,
    /// Writing output (and persisted blocks) to disk, and sending replicas.
    pub output: f64,
}

impl CostTerms {
    /// The terms with their names, in the order a task goes through them.
    pub fn named(&self) -> [(&'static str, f64); 6] {
        [
            ("launch", self.launch),
            ("input", self.input),
            ("parse", self.parse),
            ("compute", self.compute),
            ("shuffle", self.shuffle),
            ("output", self.output),
        ]
    }

    /// The sum of the terms.
    pub fn total(&self) -> f64 {
        self.named().iter().map(|(_, v)| v).sum()
    }

    /// Adds `o`'s terms to these.
    pub fn add(&mut self, o: &CostTerms) {
        self.launch += o.launch;
        self.input += o.input;
        self.parse += o.parse;
        self.compute += o.compute;
        self.shuffle += o.shuffle;
        self.output += o.output;
    }

    /// Every term times `k`.
    pub fn scaled(&self, k: f64) -> CostTerms {
        CostTerms {
            launch: self.launch * k,
            input: self.input * k,
            parse: self.parse * k,
            compute: self.compute * k,
            shuffle: self.shuffle * k,
            output: self.output * k,
        }
    }
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            task_launch_us: 2_000.0,
            job_launch_us: 5_000.0,
            record_cpu_us: 0.1,
            memory_bandwidth: 4.0 * 1024.0 * MIB,
            disk_read: 200.0 * MIB,
            disk_write: 150.0 * MIB,
            network: 120.0 * MIB,
            cross_rack_network: 60.0 * MIB,
            data_scale: 1.0,
            parse_cpu_us: None,
            mapreduce_job_launch_us: 15_000_000.0,
            mapreduce_heartbeat_us: 3_000_000.0,
            mapreduce_task_launch_us: 1_000_000.0,
        }
    }
}

impl CostModel {
    /// The model of a replay (`kind = "replay"`): nothing on top of each task's recorded
    /// time (no launch costs, no cost per record, and bytes a billion times cheaper).
    pub fn replay() -> CostModel {
        CostModel {
            task_launch_us: 0.0,
            job_launch_us: 0.0,
            record_cpu_us: 0.0,
            data_scale: 1e-9,
            ..CostModel::default()
        }
    }

    /// How long a task that did `m` takes on the virtual clock, µs (at least 1).
    ///
    /// ```
    /// use ember::cluster::CostModel;
    /// use ember::events::TaskMetrics;
    /// let cost = CostModel { task_launch_us: 100.0, record_cpu_us: 2.0, ..Default::default() };
    /// let m = TaskMetrics { records_processed: 50, ..Default::default() };
    /// assert_eq!(cost.task_duration_us(&m), 200);
    /// ```
    pub fn task_duration_us(&self, m: &TaskMetrics) -> u64 {
        (self.terms(m).total().round() as u64).max(1)
    }

    /// The model for the MapReduce baseline: its jobs and tasks pay its own launch costs.
    pub fn for_mapreduce(&self) -> CostModel {
        CostModel {
            job_launch_us: self.mapreduce_job_launch_us,
            task_launch_us: self.mapreduce_heartbeat_us + self.mapreduce_task_launch_us,
            ..self.clone()
        }
    }

    /// A task's time split into its terms: [`Self::task_duration_us`] is their sum, rounded.
    ///
    /// ```
    /// use ember::cluster::CostModel;
    /// use ember::events::TaskMetrics;
    /// let cost = CostModel { task_launch_us: 100.0, record_cpu_us: 2.0, ..Default::default() };
    /// let m = TaskMetrics { records_processed: 50, records_parsed: 20, ..Default::default() };
    /// let t = cost.terms(&m);
    /// assert_eq!((t.launch, t.parse, t.compute), (100.0, 40.0, 60.0));
    /// ```
    pub fn terms(&self, m: &TaskMetrics) -> CostTerms {
        let s = self.data_scale;
        let t = |bytes: u64, bw: f64| {
            if bw > 0.0 {
                bytes as f64 * s / bw * 1e6
            } else {
                0.0
            }
        };
        let memory_input = m
            .input_bytes
            .saturating_sub(m.input_disk_bytes + m.input_network_bytes);
        let rack_input = m
            .input_network_bytes
            .saturating_sub(m.input_cross_rack_bytes);
        let rack_shuffle = m
            .shuffle_remote_bytes
            .saturating_sub(m.shuffle_cross_rack_bytes);
        let parsed = m.records_parsed.min(m.records_processed);
        let other =
            m.records_processed - parsed + m.shuffle_records_read + m.shuffle_records_written;
        CostTerms {
            launch: self.task_launch_us,
            input: t(m.input_disk_bytes, self.disk_read)
                + t(rack_input, self.network)
                + t(m.input_cross_rack_bytes, self.cross_rack_network),
            parse: parsed as f64 * s * self.parse_cpu_us.unwrap_or(self.record_cpu_us),
            compute: other as f64 * s * self.record_cpu_us
                + t(m.bytes_processed + memory_input, self.memory_bandwidth),
            shuffle: t(m.shuffle_bytes_written, self.disk_write)
                + t(m.shuffle_local_bytes + m.spill_bytes_read, self.disk_read)
                + t(rack_shuffle, self.network)
                + t(m.shuffle_cross_rack_bytes, self.cross_rack_network)
                + t(m.spill_bytes_written, self.disk_write),
            output: t(m.output_bytes + m.disk_bytes_spilled, self.disk_write)
                + t(m.output_network_bytes, self.network),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_rack_bytes_cost_twice_what_rack_bytes_cost_by_default() {
        let cost = CostModel {
            task_launch_us: 0.0,
            ..Default::default()
        };
        let rack = TaskMetrics {
            shuffle_remote_bytes: 120 << 20,
            ..Default::default()
        };
        let cross = TaskMetrics {
            shuffle_remote_bytes: 120 << 20,
            shuffle_cross_rack_bytes: 120 << 20,
            ..Default::default()
        };
        assert_eq!(cost.task_duration_us(&rack), 1_000_000);
        assert_eq!(cost.task_duration_us(&cross), 2_000_000);
    }

    #[test]
    fn a_packed_block_costs_about_what_its_points_cost_one_by_one() {
        let cost = CostModel::default();
        // 1,024 points of 10 features: one record of ~82 KiB, or 1,024 records of ~120 B.
        let block = TaskMetrics {
            records_processed: 1,
            bytes_processed: 48 + 11 * 8 * 1024 + 32,
            ..Default::default()
        };
        let points = TaskMetrics {
            records_processed: 1024,
            bytes_processed: 1024 * (32 + 80 + 16),
            ..Default::default()
        };
        let (b, p) = (
            cost.task_duration_us(&block),
            cost.task_duration_us(&points),
        );
        assert!(
            b < p,
            "a block pays the per-record overhead once: {b} vs {p}"
        );
        assert!(
            (p - cost.task_launch_us as u64) < 20 * (b - cost.task_launch_us as u64),
            "but not 1,000 times less: {b} vs {p}"
        );
    }

    #[test]
    fn data_scale_multiplies_every_count() {
        let m = TaskMetrics {
            records_processed: 1000,
            input_disk_bytes: 200 << 20,
            ..Default::default()
        };
        let one = CostModel {
            task_launch_us: 0.0,
            ..Default::default()
        };
        let ten = CostModel {
            data_scale: 10.0,
            ..one.clone()
        };
        assert_eq!(one.task_duration_us(&m), 1_000_100);
        assert_eq!(ten.task_duration_us(&m), 10_001_000);
    }
}

//! The virtual clock's cost model: how long a task takes, from what it did.
//!
//! A task's duration is a sum of terms, each a measured count from its [`TaskMetrics`] times a
//! rate from [`CostModel`]:
//!
//! ```text
//! duration = task_launch
//!          + (input_records + shuffle_records_read + shuffle_records_written) * cpu_per_record
//!          + input_bytes / memory_bandwidth
//!          + shuffle_bytes_written / disk_write_bandwidth
//!          + shuffle_local_bytes / disk_read_bandwidth
//!          + shuffle_remote_bytes / network_bandwidth
//!          + output_bytes / disk_write_bandwidth
//! ```
//!
//! every byte and record count first multiplied by `data_scale` (each real byte stands for
//! that many). The wall clock ignores this model: there tasks take the time they take.

use crate::events::TaskMetrics;

/// Rates for the virtual clock (CONTRACTS §2 `[cost]`).
#[derive(Clone, Debug, PartialEq)]
pub struct CostModel {
    /// Fixed cost of launching a task, µs.
    pub task_launch_us: f64,
    /// CPU time per record processed, µs.
    pub cpu_per_record_us: f64,
    /// Bytes per second read from an in-memory source.
    pub memory_bandwidth: f64,
    /// Bytes per second read from local disk.
    pub disk_read_bandwidth: f64,
    /// Bytes per second written to local disk.
    pub disk_write_bandwidth: f64,
    /// Bytes per second fetched from another executor.
    pub network_bandwidth: f64,
    /// Each real byte and record stands for this many.
    pub data_scale: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            task_launch_us: 2_000.0,
            cpu_per_record_us: 1.0,
            memory_bandwidth: 5e9,
            disk_read_bandwidth: 200e6,
            disk_write_bandwidth: 100e6,
            network_bandwidth: 125e6,
            data_scale: 1.0,
        }
    }
}

impl CostModel {
    /// How long a task that did `m` takes on the virtual clock, µs (at least 1).
    ///
    /// ```
    /// use ember::cluster::CostModel;
    /// use ember::events::TaskMetrics;
    /// let cost = CostModel { task_launch_us: 100.0, cpu_per_record_us: 2.0, ..Default::default() };
    /// let m = TaskMetrics { input_records: 50, ..Default::default() };
    /// assert_eq!(cost.task_duration_us(&m), 200);
    /// ```
    pub fn task_duration_us(&self, m: &TaskMetrics) -> u64 {
        let s = self.data_scale;
        let records =
            (m.input_records + m.shuffle_records_read + m.shuffle_records_written) as f64 * s;
        let secs = |bytes: u64, bw: f64| {
            if bw > 0.0 {
                bytes as f64 * s / bw * 1e6
            } else {
                0.0
            }
        };
        let us = self.task_launch_us
            + records * self.cpu_per_record_us
            + secs(m.input_bytes, self.memory_bandwidth)
            + secs(m.shuffle_bytes_written, self.disk_write_bandwidth)
            + secs(m.shuffle_local_bytes, self.disk_read_bandwidth)
            + secs(m.shuffle_remote_bytes, self.network_bandwidth)
            + secs(m.output_bytes, self.disk_write_bandwidth);
        (us.round() as u64).max(1)
    }
}

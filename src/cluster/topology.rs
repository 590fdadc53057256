//! The shape of a scenario's cluster: racks of hosts of executors, named as CONTRACTS §2 fixes
//! them (`rack-0`, `host-0` numbered rack by rack; executors register host by host, so that
//! [`Membership`](crate::membership::Membership) names them `exec-0`, `exec-1`, ...).

use crate::membership::NewExecutor;
use crate::storage::DiskMedium;

/// The `[cluster]` table of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSpec {
    pub racks: usize,
    pub hosts_per_rack: usize,
    pub executors_per_host: usize,
    pub cores_per_executor: u32,
    /// Storage memory per executor, in bytes: the unified pool storage and execution share
    /// (default [`SPARK_LOCAL_STORAGE_MEMORY`], Spark's in local mode).
    pub storage_memory: u64,
    /// Where disk blocks, shuffle files and DFS blocks live; `None`: the clock's default
    /// (memory on the virtual clock, files on the wall clock, its only choice).
    pub disk: Option<DiskMedium>,
    /// Whether map outputs outlive their executor (not their host).
    pub external_shuffle_service: bool,
    /// How long a silent executor (a `hang_executor` fault) goes unnoticed before the driver
    /// declares it lost, µs (Spark's `spark.network.timeout`, checked by its
    /// `HeartbeatReceiver`).
    pub heartbeat_timeout_us: u64,
}

/// Spark's unified memory (storage and execution) of an executor in local mode, the default:
/// `(spark.driver.memory − 300 MiB reserved) × spark.memory.fraction` = (1 GiB − 300 MiB) × 0.6
/// = 455,501,414 bytes, about 434 MiB.
pub const SPARK_LOCAL_STORAGE_MEMORY: u64 = ((1u64 << 30) - 300 * (1 << 20)) * 6 / 10;

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            racks: 1,
            hosts_per_rack: 2,
            executors_per_host: 1,
            cores_per_executor: 2,
            storage_memory: SPARK_LOCAL_STORAGE_MEMORY,
            disk: None,
            external_shuffle_service: false,
            heartbeat_timeout_us: 10_000_000,
        }
    }
}

impl ClusterSpec {
    /// A cluster of `executors` executors of `cores` cores, one per host, on one rack.
    pub fn flat(executors: usize, cores: u32) -> Self {
        ClusterSpec {
            racks: 1,
            hosts_per_rack: executors.max(1),
            executors_per_host: 1,
            cores_per_executor: cores.max(1),
            ..Default::default()
        }
    }

    /// Every executor, in the order they register (host by host).
    ///
    /// ```
    /// use ember::cluster::ClusterSpec;
    /// let spec = ClusterSpec { racks: 2, hosts_per_rack: 2, executors_per_host: 2, ..Default::default() };
    /// let e = spec.executors();
    /// assert_eq!(e.len(), 8);
    /// assert_eq!((e[5].host.as_str(), e[5].rack.as_str()), ("host-2", "rack-1"));
    /// ```
    pub fn executors(&self) -> Vec<NewExecutor> {
        let mut out = Vec::new();
        for (host, rack) in self.hosts() {
            for _ in 0..self.executors_per_host {
                out.push(NewExecutor::new(
                    &host,
                    &rack,
                    self.cores_per_executor,
                    self.storage_memory,
                ));
            }
        }
        out
    }

    /// The rack of host `host` (`host-N`), if the cluster has that host.
    pub fn rack_of(&self, host: usize) -> Option<String> {
        self.hosts().into_iter().nth(host).map(|(_, rack)| rack)
    }

    /// Every host with its rack, in host order: `host-N` on `rack-R`, the only place a
    /// scenario's hosts and racks are named.
    pub fn hosts(&self) -> Vec<(String, String)> {
        (0..self.racks * self.hosts_per_rack)
            .map(|h| {
                (
                    crate::membership::host_name(h),
                    format!("rack-{}", h / self.hosts_per_rack.max(1)),
                )
            })
            .collect()
    }

    /// Total cores.
    pub fn total_cores(&self) -> usize {
        self.racks
            * self.hosts_per_rack
            * self.executors_per_host
            * self.cores_per_executor as usize
    }
}

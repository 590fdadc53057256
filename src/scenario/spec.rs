//! The scenario file as written (CONTRACTS §2): serde structs that refuse unknown keys and
//! parse units, and serialize back to TOML (that is how a run records the scenario as it ran).
//! Meaning and ranges are checked afterwards, in [`super::validate`].

use crate::units::{Bandwidth, Duration, Size};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole scenario file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    #[serde(default, skip_serializing_if = "ClusterTable::is_empty")]
    pub cluster: ClusterTable,
    #[serde(default, skip_serializing_if = "SchedulerTable::is_empty")]
    pub scheduler: SchedulerTable,
    #[serde(default, skip_serializing_if = "DfsTable::is_empty")]
    pub dfs: DfsTable,
    #[serde(default, skip_serializing_if = "CostTable::is_empty")]
    pub cost: CostTable,
    pub workload: WorkloadTable,
    #[serde(default, skip_serializing_if = "MapReduceTable::is_empty")]
    pub mapreduce: MapReduceTable,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expect: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "fault", skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultTable>,
    #[serde(default, rename = "variant", skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantTable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<PaperTable>,
}

macro_rules! table {
    ($(#[$meta:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$fm])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl $name {
            /// Whether no key is set.
            pub fn is_empty(&self) -> bool {
                true $(&& self.$field.is_none())*
            }
        }
    };
}

table!(
    /// `[cluster]`.
    ClusterTable {
        racks: u64,
        hosts_per_rack: u64,
        executors_per_host: u64,
        cores_per_executor: u64,
        storage_memory: Size,
        disk: String,
        external_shuffle_service: bool,
        heartbeat_timeout: Duration,
    }
);

table!(
    /// `[scheduler]`.
    SchedulerTable {
        locality_wait: Duration,
        locality_wait_process: Duration,
        locality_wait_node: Duration,
        locality_wait_rack: Duration,
        legacy_locality_reset: bool,
        rack_locality: bool,
        revive_interval: Duration,
        task_cpus: u64,
        max_task_failures: u64,
        max_stage_attempts: u64,
        max_total_stage_attempts: u64,
        speculation: bool,
        speculation_multiplier: f64,
        speculation_quantile: f64,
        speculation_interval: Duration,
        speculation_min_runtime: Duration,
    }
);

table!(
    /// `[mapreduce]`: the MapReduce baseline's settings.
    MapReduceTable {
        map_slots: u64,
        io_sort: Size,
        spill_percent: f64,
        reducers: u64,
    }
);

/// `[paper]`: the published figures a scenario reproduces, which `ember compare` prints
/// beside ember's own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperTable {
    /// What the figures are and where they come from: `"the RDD paper, Figure 7 (...)"`.
    pub figure: String,
    /// Per run of the comparison (`base`, a variant, an engine or `variant:engine`), the
    /// paper's times.
    pub runs: BTreeMap<String, PaperRunTable>,
}

table!(
    /// `[paper.runs]`: one run's published times.
    PaperRunTable {
        first: Duration,
        later: Duration,
    }
);

table!(
    /// `[dfs]`.
    DfsTable {
        block_size: Size,
        replication: u64,
    }
);

table!(
    /// `[cost]`.
    CostTable {
        record_cpu: Duration,
        memory_bandwidth: Bandwidth,
        disk_read: Bandwidth,
        disk_write: Bandwidth,
        network: Bandwidth,
        cross_rack_network: Bandwidth,
        task_launch: Duration,
        job_launch: Duration,
        mapreduce_job_launch: Duration,
        mapreduce_heartbeat: Duration,
        mapreduce_task_launch: Duration,
        parse_cpu: Duration,
        data_scale: f64,
    }
);

/// `[workload]`: the common keys, every kind's own keys, and a pipeline's tables.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadTable {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitions: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persist: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dims: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertices: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degree: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_every: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words_per_line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u64>,
    /// `replay`: the event log whose application it runs again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// The host that writes the generated input (every block's first replica).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer: Option<String>,
    /// Copies of each block of the generated input (instead of `dfs.replication`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataset: Vec<DatasetTable>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rdd: Vec<RddTable>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<ActionTable>,
}

table!(
    /// `[[workload.dataset]]`: generated into the DFS before the run.
    DatasetTable {
        name: String,
        generator: String,
        partitions: u64,
        writer: String,
        replication: u64,
        records: u64,
        users: u64,
        points: u64,
        dims: u64,
        lines: u64,
        words_per_line: u64,
        vocabulary: u64,
        vertices: u64,
        degree: u64,
        start: i64,
        end: i64,
    }
);

table!(
    /// `[[workload.rdd]]`: one RDD of a pipeline.
    RddTable {
        id: String,
        op: String,
        input: String,
        inputs: Vec<String>,
        dataset: String,
        #[serde(rename = "fn")]
        func: String,
        partitions: u64,
        persist: String,
        checkpoint: bool,
        fraction: f64,
        with_replacement: bool,
        seed: u64,
        ascending: bool,
    }
);

table!(
    /// `[[workload.action]]`: one action of a pipeline.
    ActionTable {
        op: String,
        rdd: String,
        n: u64,
        repeat: u64,
        #[serde(rename = "fn")]
        func: String,
        path: String,
    }
);

table!(
    /// `[[fault]]`.
    FaultTable {
        at: String,
        kind: String,
        target: String,
        executor: String,
        times: u64,
        factor: f64,
        cores: u64,
        engine: String,
    }
);

/// `[[variant]]`: the same scenario with some keys changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantTable {
    pub name: String,
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub set: toml::Table,
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub expect: toml::Table,
}

//! From a scenario file as written ([`ScenarioFile`]) to a [`Scenario`] that can run: every key
//! of CONTRACTS §2 checked for its range and meaning, each error naming its key path, and a
//! warning for each key that is accepted but not honoured, saying what the run does instead.

pub use super::bounds::KeyError;
use super::bounds::{at_least, at_most};
pub use super::locate::quote;
use super::spec::ScenarioFile;
use super::{Engine, Scenario};
use crate::cluster::{Clock, ClusterSpec, CostModel};
use crate::dfs::DfsConfig;
use crate::events::summary::RunSummary;
use crate::faults::{parse_fault, ClusterSize, Fault, FaultFields};
use crate::scheduler::SchedulerConfig;
use crate::storage::DiskMedium;

/// The most executors a simulated cluster may have.
const MAX_EXECUTORS: u64 = 100_000;

fn positive(key: &str, v: Option<f64>) -> Result<(), KeyError> {
    match v {
        Some(x) if !(x > 0.0 && x.is_finite()) => Err((
            key.to_string(),
            format!("must be a positive number, got {x}"),
        )),
        _ => Ok(()),
    }
}

/// Checks `f` and builds the scenario; `warnings` receives the keys not honoured.
pub fn validate(f: &ScenarioFile, warnings: &mut Vec<KeyError>) -> Result<Scenario, KeyError> {
    let valid_name = !f.name.is_empty()
        && f.name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_name {
        return Err((
            "name".into(),
            format!(
                "{:?}: a name is lower-case letters, digits and dashes ([a-z0-9-]+)",
                f.name
            ),
        ));
    }
    if f.description.trim().is_empty() {
        return Err((
            "description".into(),
            "a scenario needs a description".into(),
        ));
    }
    let clock = match f.clock.as_deref() {
        None | Some("virtual") => Clock::Virtual,
        Some("wall") => Clock::Wall,
        Some(other) => {
            return Err((
                "clock".into(),
                format!("{other:?}: the clock is \"virtual\" or \"wall\""),
            ))
        }
    };
    if clock == Clock::Wall && f.workload.kind == "replay" {
        return Err((
            "clock".into(),
            "a replay runs on the virtual clock, where each task takes its recorded time".into(),
        ));
    }
    let seed = f.seed.unwrap_or(0);

    let cluster = cluster_table(f, clock, warnings)?;
    let executors = cluster.executors().len() as u64;
    let scheduler = scheduler_table(f, &cluster, warnings)?;
    let dfs = dfs_table(f, &cluster, warnings)?;
    let cost = cost_table(f)?;
    let engine = engine(f)?;
    let workload = super::workload::workload(&f.workload, seed)?;
    if engine != Engine::Spark && !workload.runs_on_mapreduce() {
        return Err((
            "workload.engine".into(),
            format!(
                "the MapReduce baseline does not run a {} workload; it runs {}",
                workload.kind(),
                crate::workloads::MAPREDUCE_KINDS.join(", ")
            ),
        ));
    }
    let mapreduce = mapreduce_table(f, engine, warnings)?;
    placements(f, &cluster, warnings)?;
    for (key, v) in &f.expect {
        check_expect(&format!("expect.{}", quote(key)), key, v)?;
    }

    let faults = fault_tables(f, &cluster, clock, engine)?;
    for (i, fault) in faults.iter().enumerate() {
        if let crate::faults::Trigger::Iteration(n) = fault.at {
            let have = workload.iterations();
            if n > have {
                let why = if have == 0 {
                    format!("a {} workload does not iterate", workload.kind())
                } else {
                    format!("the workload runs {have} iteration(s)")
                };
                return Err((
                    format!("fault[{i}].at"),
                    format!("\"iteration {n}\" never comes: {why}"),
                ));
            }
        }
    }
    variant_tables(f)?;
    super::paper::validate(f)?;
    // Spark stores fewer copies when there are fewer executors, with a warning
    // ("replicated to only 0 peer(s) instead of 1 peers"); say so before the run.
    for (key, l) in workload.persisted_levels() {
        if u64::from(l.replication) > executors {
            warnings.push((
                key,
                format!(
                    "{} keeps {} copies of each block, but the cluster has {executors} executor{}: each block will have {executors}",
                    l.name(),
                    l.replication,
                    if executors == 1 { "" } else { "s" }
                ),
            ));
        }
    }

    Ok(Scenario {
        name: f.name.clone(),
        description: f.description.clone(),
        seed,
        clock,
        cluster,
        scheduler,
        dfs,
        cost,
        engine,
        mapreduce,
        workload,
        faults,
        expect: f.expect.clone(),
        file: f.clone(),
        origin: String::new(),
        text: String::new(),
        variant: None,
        warnings: Vec::new(),
        budget: super::budget::Budget::DEFAULT,
    })
}

/// `[cluster]`: the cluster's shape and memory.
fn cluster_table(
    f: &ScenarioFile,
    clock: Clock,
    warnings: &mut Vec<KeyError>,
) -> Result<ClusterSpec, KeyError> {
    let c = &f.cluster;
    for (k, v) in [
        ("cluster.racks", c.racks),
        ("cluster.hosts_per_rack", c.hosts_per_rack),
        ("cluster.executors_per_host", c.executors_per_host),
        ("cluster.cores_per_executor", c.cores_per_executor),
    ] {
        at_least(k, v, 1)?;
    }
    at_most("cluster.cores_per_executor", c.cores_per_executor, 1024)?;
    let d = ClusterSpec::default();
    let mut cluster = ClusterSpec {
        racks: c.racks.map_or(d.racks, |x| x as usize),
        hosts_per_rack: c.hosts_per_rack.map_or(d.hosts_per_rack, |x| x as usize),
        executors_per_host: c
            .executors_per_host
            .map_or(d.executors_per_host, |x| x as usize),
        cores_per_executor: c
            .cores_per_executor
            .map_or(d.cores_per_executor, |x| x as u32),
        storage_memory: c.storage_memory.map_or(d.storage_memory, |s| s.0),
        disk: None,
        external_shuffle_service: c.external_shuffle_service.unwrap_or(false),
        heartbeat_timeout_us: c
            .heartbeat_timeout
            .map_or(d.heartbeat_timeout_us, |t| t.0.round() as u64),
    };
    let factors = [
        ("cluster.racks", cluster.racks as u64),
        ("cluster.hosts_per_rack", cluster.hosts_per_rack as u64),
        (
            "cluster.executors_per_host",
            cluster.executors_per_host as u64,
        ),
    ];
    let executors = factors.iter().fold(1u64, |n, (_, f)| n.saturating_mul(*f));
    if executors > MAX_EXECUTORS {
        // Blame the largest factor: the one most likely mistyped.
        let (key, _) = factors
            .iter()
            .max_by_key(|(_, f)| *f)
            .copied()
            .unwrap_or(factors[0]);
        return Err((
            key.into(),
            format!(
                "racks × hosts_per_rack × executors_per_host = {executors} executors: at most {MAX_EXECUTORS} can be simulated"
            ),
        ));
    }
    if cluster.storage_memory > 0
        && cluster.storage_memory < crate::storage::memory_store::UNROLL_MEMORY_THRESHOLD
    {
        let hint = if cluster.storage_memory < 1024 {
            " (a size without a unit is in bytes)"
        } else {
            ""
        };
        warnings.push((
            "cluster.storage_memory".into(),
            format!(
                "{} is less than the 1 MiB that unrolling a computed block reserves first: no computed block will be cached in memory (a block read back from disk, stored at its known size, still may){hint}",
                crate::human::bytes(cluster.storage_memory)
            ),
        ));
    }
    if cluster.storage_memory == 0 {
        return Err((
            "cluster.storage_memory".into(),
            "must be more than 0 bytes".into(),
        ));
    }
    cluster.disk = match c.disk.as_deref() {
        None => None,
        Some("memory") => {
            if clock == Clock::Wall {
                return Err((
                    "cluster.disk".into(),
                    "\"memory\" is for the virtual clock; the wall clock keeps disk blocks in files".into(),
                ));
            }
            Some(DiskMedium::Memory)
        }
        Some("files") => Some(DiskMedium::Files),
        Some(other) => {
            return Err((
                "cluster.disk".into(),
                format!("{other:?}: the disk is \"memory\" or \"files\""),
            ))
        }
    };
    if let Some(t) = c.heartbeat_timeout {
        positive("cluster.heartbeat_timeout", Some(t.0))?;
    }
    Ok(cluster)
}

/// `[scheduler]`: locality waits, revives, retries (checked against the cluster's cores).
fn scheduler_table(
    f: &ScenarioFile,
    cluster: &ClusterSpec,
    warnings: &mut Vec<KeyError>,
) -> Result<SchedulerConfig, KeyError> {
    let s = &f.scheduler;
    let ds = SchedulerConfig::default();
    let wait = |v: Option<crate::units::Duration>, d: u64| v.map_or(d, |x| x.0.round() as u64);
    let base = s.locality_wait.map(|x| x.0.round() as u64);
    let revive = wait(s.revive_interval, ds.revive_interval_us);
    if revive == 0 {
        return Err((
            "scheduler.revive_interval".into(),
            "must be more than 0".into(),
        ));
    }
    at_least("scheduler.task_cpus", s.task_cpus, 1)?;
    if let Some(t) = s.task_cpus {
        if t > cluster.cores_per_executor as u64 {
            return Err((
                "scheduler.task_cpus".into(),
                format!(
                    "{t} cores per task, but executors have {}: no task could run",
                    cluster.cores_per_executor
                ),
            ));
        }
    }
    at_least("scheduler.max_task_failures", s.max_task_failures, 1)?;
    at_least("scheduler.max_stage_attempts", s.max_stage_attempts, 1)?;
    positive("scheduler.speculation_multiplier", s.speculation_multiplier)?;
    if let Some(q) = s.speculation_quantile {
        if !(q > 0.0 && q <= 1.0) {
            return Err((
                "scheduler.speculation_quantile".into(),
                format!("must be in (0, 1], got {q}"),
            ));
        }
    }
    if s.speculation == Some(true) && cluster.racks * cluster.hosts_per_rack == 1 {
        warnings.push((
            "scheduler.speculation".into(),
            "a speculative copy runs on another host than its task, and the cluster has one host: no copy will run".into(),
        ));
    }
    if s.speculation_interval.is_some_and(|d| d.0 <= 0.0) {
        return Err((
            "scheduler.speculation_interval".into(),
            "must be more than 0".into(),
        ));
    }
    let scheduler = SchedulerConfig {
        locality_wait_process_us: wait(
            s.locality_wait_process,
            base.unwrap_or(ds.locality_wait_process_us),
        ),
        locality_wait_node_us: wait(
            s.locality_wait_node,
            base.unwrap_or(ds.locality_wait_node_us),
        ),
        locality_wait_rack_us: wait(
            s.locality_wait_rack,
            base.unwrap_or(ds.locality_wait_rack_us),
        ),
        legacy_locality_reset: s.legacy_locality_reset.unwrap_or(ds.legacy_locality_reset),
        revive_interval_us: revive,
        rack_locality: s.rack_locality.unwrap_or(ds.rack_locality),
        task_cpus: s.task_cpus.map_or(ds.task_cpus, |x| x.min(1024) as u32),
        max_task_failures: s
            .max_task_failures
            .map_or(ds.max_task_failures, |x| x.min(1_000_000) as u32),
        max_stage_attempts: s
            .max_stage_attempts
            .map_or(ds.max_stage_attempts, |x| x.min(1_000_000) as u32),
        max_total_stage_attempts: s
            .max_total_stage_attempts
            .map_or(ds.max_total_stage_attempts, |x| x.min(1_000_000) as u32),
        speculation: {
            let d = &ds.speculation;
            crate::scheduler::speculation::SpeculationConfig {
                enabled: s.speculation.unwrap_or(d.enabled),
                multiplier: s.speculation_multiplier.unwrap_or(d.multiplier),
                quantile: s.speculation_quantile.unwrap_or(d.quantile),
                interval_us: wait(s.speculation_interval, d.interval_us),
                min_runtime_us: wait(s.speculation_min_runtime, d.min_runtime_us),
            }
        },
        ..ds
    };
    Ok(scheduler)
}

/// `[dfs]`: block size and replication (checked against the cluster's hosts).
fn dfs_table(
    f: &ScenarioFile,
    cluster: &ClusterSpec,
    warnings: &mut Vec<KeyError>,
) -> Result<DfsConfig, KeyError> {
    let dd = DfsConfig::default();
    if f.dfs.block_size.is_some_and(|b| b.0 == 0) {
        return Err(("dfs.block_size".into(), "must be more than 0 bytes".into()));
    }
    at_least("dfs.replication", f.dfs.replication, 1)?;
    let dfs = DfsConfig {
        block_size: f.dfs.block_size.map_or(dd.block_size, |b| b.0),
        replication: f
            .dfs
            .replication
            .map_or(dd.replication, |r| r.min(1000) as usize),
    };
    let hosts = cluster.racks * cluster.hosts_per_rack;
    if f.dfs.replication.is_some() && dfs.replication > hosts {
        warnings.push((
            "dfs.replication".into(),
            format!(
                "{} replicas but {hosts} host(s): each block gets {hosts}",
                dfs.replication
            ),
        ));
    }
    Ok(dfs)
}

/// `[cost]`: the virtual clock's cost model.
fn cost_table(f: &ScenarioFile) -> Result<CostModel, KeyError> {
    let k = &f.cost;
    // A replay's tasks take their recorded times: by default nothing is added to them.
    let dc = match f.workload.kind.as_str() {
        "replay" => CostModel::replay(),
        _ => CostModel::default(),
    };
    for (key, v) in [
        ("cost.memory_bandwidth", k.memory_bandwidth.map(|b| b.0)),
        ("cost.disk_read", k.disk_read.map(|b| b.0)),
        ("cost.disk_write", k.disk_write.map(|b| b.0)),
        ("cost.network", k.network.map(|b| b.0)),
        ("cost.cross_rack_network", k.cross_rack_network.map(|b| b.0)),
        ("cost.data_scale", k.data_scale),
    ] {
        positive(key, v)?;
    }
    let cost = CostModel {
        task_launch_us: k.task_launch.map_or(dc.task_launch_us, |d| d.0),
        job_launch_us: k.job_launch.map_or(dc.job_launch_us, |d| d.0),
        record_cpu_us: k.record_cpu.map_or(dc.record_cpu_us, |d| d.0),
        memory_bandwidth: k.memory_bandwidth.map_or(dc.memory_bandwidth, |b| b.0),
        disk_read: k.disk_read.map_or(dc.disk_read, |b| b.0),
        disk_write: k.disk_write.map_or(dc.disk_write, |b| b.0),
        network: k.network.map_or(dc.network, |b| b.0),
        cross_rack_network: k.cross_rack_network.map_or(dc.cross_rack_network, |b| b.0),
        data_scale: k.data_scale.unwrap_or(dc.data_scale),
        parse_cpu_us: k.parse_cpu.map(|d| d.0),
        mapreduce_job_launch_us: k
            .mapreduce_job_launch
            .map_or(dc.mapreduce_job_launch_us, |d| d.0),
        mapreduce_heartbeat_us: k
            .mapreduce_heartbeat
            .map_or(dc.mapreduce_heartbeat_us, |d| d.0),
        mapreduce_task_launch_us: k
            .mapreduce_task_launch
            .map_or(dc.mapreduce_task_launch_us, |d| d.0),
    };
    Ok(cost)
}

/// `workload.engine`.
fn engine(f: &ScenarioFile) -> Result<Engine, KeyError> {
    match f.workload.engine.as_deref() {
        None | Some("spark") => Ok(Engine::Spark),
        Some("mapreduce") => Ok(Engine::MapReduce),
        Some("both") => Ok(Engine::Both),
        Some(other) => Err((
            "workload.engine".into(),
            format!("{other:?}: the engine is \"spark\", \"mapreduce\" or \"both\""),
        )),
    }
}

/// `[mapreduce]`: the baseline's settings (warned about when no run uses the baseline).
fn mapreduce_table(
    f: &ScenarioFile,
    engine: Engine,
    warnings: &mut Vec<KeyError>,
) -> Result<crate::mapreduce::MapReduceConfig, KeyError> {
    let t = &f.mapreduce;
    let d = crate::mapreduce::MapReduceConfig::default();
    if engine == Engine::Spark && !t.is_empty() {
        warnings.push((
            "mapreduce".into(),
            "accepted but not used: workload.engine is \"spark\", so the MapReduce baseline does not run".into(),
        ));
    }
    let at_least_one = |key: &str, v: Option<u64>| match v {
        Some(0) => Err((format!("mapreduce.{key}"), "must be at least 1".to_string())),
        _ => Ok(v),
    };
    let map_slots = at_least_one("map_slots", t.map_slots)?;
    let reducers = at_least_one("reducers", t.reducers)?;
    if let Some(p) = t.spill_percent {
        if !(p > 0.0 && p <= 1.0) {
            return Err((
                "mapreduce.spill_percent".into(),
                format!("{p}: a share of the buffer, above 0 and at most 1"),
            ));
        }
    }
    if t.io_sort.is_some_and(|s| s.0 == 0) {
        return Err((
            "mapreduce.io_sort".into(),
            "must be more than 0 bytes".into(),
        ));
    }
    Ok(crate::mapreduce::MapReduceConfig {
        map_slots: map_slots.map(|n| n.min(1024) as u32),
        io_sort_bytes: t.io_sort.map_or(d.io_sort_bytes, |s| s.0),
        spill_percent: t.spill_percent.unwrap_or(d.spill_percent),
        reducers: reducers.map(|n| n.min(100_000) as usize),
    })
}

/// `[[fault]]`: each fault parsed and checked against the cluster's names.
fn fault_tables(
    f: &ScenarioFile,
    cluster: &ClusterSpec,
    clock: Clock,
    engine: Engine,
) -> Result<Vec<Fault>, KeyError> {
    let executors = cluster.executors().len() as u64;
    let hosts = cluster.racks * cluster.hosts_per_rack;
    let size = ClusterSize {
        executors: executors as usize,
        hosts,
    };
    let mut faults = Vec::new();
    for (i, t) in f.faults.iter().enumerate() {
        let fields = FaultFields {
            at: t.at.as_deref(),
            kind: t.kind.as_deref(),
            target: t.target.as_deref(),
            executor: t.executor.as_deref(),
            times: t.times,
            factor: t.factor,
            cores: t.cores,
        };
        let mut fault = parse_fault(&fields, size)
            .map_err(|e| (format!("fault[{i}].{}", e.field), e.message))?;
        fault.engine = match t.engine.as_deref() {
            None => None,
            Some(name) => {
                let named = crate::events::Engine::ALL
                    .into_iter()
                    .find(|e| e.name() == name)
                    .ok_or_else(|| {
                        (
                            format!("fault[{i}].engine"),
                            format!("{name:?}: the engine is \"spark\" or \"mapreduce\""),
                        )
                    })?;
                if !engine.engines().contains(&named) {
                    return Err((
                        format!("fault[{i}].engine"),
                        format!(
                            "{name:?}: the scenario runs only the {} engine (workload.engine); \
                             a fault names its engine when both run",
                            engine.engines()[0].name()
                        ),
                    ));
                }
                Some(named)
            }
        };
        if clock == Clock::Wall && matches!(fault.at, crate::faults::Trigger::Event(_)) {
            return Err((
                format!("fault[{i}].at"),
                "\"event N\" is for the virtual clock, where a run's events always come in the \
                 same order; on the wall clock use \"time\", \"job\", \"stage\" or \"task\""
                    .into(),
            ));
        }
        faults.push(fault);
    }
    Ok(faults)
}

/// `[[variant]]`: names, and the keys each variant expects.
fn variant_tables(f: &ScenarioFile) -> Result<(), KeyError> {
    let mut names = std::collections::BTreeSet::new();
    for (i, v) in f.variants.iter().enumerate() {
        let ok = !v.name.is_empty()
            && v.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err((
                format!("variant[{i}].name"),
                format!(
                    "{:?}: a name is lower-case letters, digits and dashes ([a-z0-9-]+)",
                    v.name
                ),
            ));
        }
        if !names.insert(v.name.clone()) {
            return Err((
                format!("variant[{i}].name"),
                format!("variant {:?} is defined twice", v.name),
            ));
        }
        for (key, val) in &v.expect {
            check_expect(&format!("variant[{i}].expect.{}", quote(key)), key, val)?;
        }
    }
    Ok(())
}

/// `writer` and `replication` of the generated input (`[workload]`) and of each
/// `[[workload.dataset]]`: the writer is a host of the cluster; more copies than hosts are
/// capped, with a warning.
fn placements(
    f: &ScenarioFile,
    cluster: &ClusterSpec,
    warnings: &mut Vec<KeyError>,
) -> Result<(), KeyError> {
    let hosts: Vec<String> = cluster.hosts().into_iter().map(|(h, _)| h).collect();
    let w = &f.workload;
    let tables = std::iter::once(("workload".to_string(), &w.writer, w.replication)).chain(
        w.dataset
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("workload.dataset[{i}]"), &d.writer, d.replication)),
    );
    for (at, writer, replication) in tables {
        if let Some(h) = writer.as_deref().filter(|h| !hosts.iter().any(|x| x == h)) {
            let last = hosts.last().map_or("host-0", |x| x.as_str());
            return Err((
                format!("{at}.writer"),
                format!("{h:?} is not a host of the cluster (host-0 to {last})"),
            ));
        }
        let key = format!("{at}.replication");
        at_least(&key, replication, 1)?;
        if let Some(r) = replication.filter(|r| *r > hosts.len() as u64) {
            warnings.push((
                key,
                format!(
                    "{r} copies but the cluster has {} host(s): each block gets {}",
                    hosts.len(),
                    hosts.len()
                ),
            ));
        }
    }
    Ok(())
}

fn check_expect(path: &str, key: &str, v: &toml::Value) -> Result<(), KeyError> {
    let keys = RunSummary::expect_keys();
    if !keys.iter().any(|k| k == key) {
        return Err((
            path.to_string(),
            format!(
                "{key:?} is not a key of the run summary; expect may name {}",
                keys.join(", ")
            ),
        ));
    }
    let per_job = matches!(key, "stages_run_by_job" | "stages_skipped_by_job");
    let ids = |a: &toml::Value| {
        a.as_array()
            .is_some_and(|a| a.iter().all(|x| x.as_integer().is_some_and(|i| i >= 0)))
    };
    match v {
        toml::Value::Array(jobs) if per_job && jobs.iter().all(ids) => Ok(()),
        _ if per_job => Err((
            path.to_string(),
            "per job, the stage ids: an array of arrays of whole numbers, as [[0], [1, 2]]".into(),
        )),
        toml::Value::Integer(_)
        | toml::Value::String(_)
        | toml::Value::Float(_)
        | toml::Value::Boolean(_) => Ok(()),
        _ => Err((
            path.to_string(),
            "an expected value is a number or a string".into(),
        )),
    }
}

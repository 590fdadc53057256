//! A recorded application as a scenario: `[workload] kind = "replay"` reads an event log
//! (ember's or Apache Spark's) into the application it recorded, and [`scenario_text`] writes
//! the scenario of its recorded shape: the cluster its executors made, the Spark settings its
//! scheduler ran with, and the log (a replay's cost model adds nothing to the recorded task
//! times unless `[cost]` says otherwise).
//! `--set` then changes that scenario like any other (`cluster.executors_per_host=6`). The
//! replay itself is `workloads::replay`'s; comparing it with the recording is
//! [`super::whatif_compare`]'s.

use super::bounds::KeyError;
use crate::workloads::replay::recorded::RecordedBuilder;
use crate::workloads::replay::{RecordedApp, ReplayParams};
use std::path::Path;
use std::sync::Arc;

/// Reads the application the event log at `path` recorded.
pub fn load_app(path: &Path) -> Result<RecordedApp, String> {
    let mut b = RecordedBuilder::default();
    crate::sparklog::fold_log(path, |e| b.on_event(e)).map_err(|e| e.to_string())?;
    let app = b.finish();
    if app.jobs.is_empty() {
        return Err(format!(
            "{}: the log records no job, so there is nothing to replay",
            path.display()
        ));
    }
    Ok(app)
}

/// `workload.log` of a `replay` workload, read.
pub(super) fn read(log: Option<&str>) -> Result<ReplayParams, KeyError> {
    let key = || "workload.log".to_string();
    let log = log.ok_or_else(|| {
        (
            key(),
            "a replay needs log = \"FILE\": the event log (ember's or Apache Spark's) whose application it runs again".to_string(),
        )
    })?;
    let app = load_app(Path::new(log)).map_err(|e| (key(), e))?;
    Ok(ReplayParams {
        log: log.to_string(),
        app: Arc::new(app),
    })
}

/// A Spark duration setting (`3s`, `100ms`, or a bare number of milliseconds) as ember writes
/// durations.
fn spark_duration(v: &str) -> Option<String> {
    let v = v.trim();
    let d = if v.chars().all(|c| c.is_ascii_digit()) && !v.is_empty() {
        format!("{v}ms")
    } else {
        v.to_string()
    };
    crate::units::parse_duration(&d).ok().map(|_| d)
}

/// The most task failures local mode allows: `local[N,F]` says F, `local[N]` 1 (Spark does
/// not retry a task in local mode unless told to).
fn local_max_failures(master: &str) -> Option<u64> {
    let inner = master.strip_prefix("local[")?.strip_suffix(']')?;
    match inner.split_once(',') {
        Some((_, f)) => f.trim().parse().ok(),
        None => Some(1),
    }
}

/// The scenario (TOML) of the application recorded in `log`, on its recorded shape.
pub fn scenario_text(log: &Path, app: &RecordedApp) -> String {
    let initial = if app.initial == 0 {
        &app.executors[..]
    } else {
        &app.executors[..app.initial]
    };
    let mut hosts: Vec<(&str, u64)> = Vec::new();
    for e in initial {
        match hosts.iter_mut().find(|(h, _)| *h == e.host) {
            Some((_, n)) => *n += 1,
            None => hosts.push((&e.host, 1)),
        }
    }
    let per_host = hosts.iter().map(|(_, n)| *n).max().unwrap_or(1);
    let cores = initial.iter().map(|e| e.cores).max().unwrap_or(1).max(1);
    let memory = initial.iter().map(|e| e.storage_memory).max().unwrap_or(0);

    let mut cluster = toml::Table::new();
    cluster.insert("racks".into(), 1.into());
    cluster.insert("hosts_per_rack".into(), (hosts.len().max(1) as i64).into());
    cluster.insert("executors_per_host".into(), (per_host as i64).into());
    cluster.insert("cores_per_executor".into(), i64::from(cores).into());
    if memory > 0 {
        cluster.insert("storage_memory".into(), format!("{memory} B").into());
    }

    let conf = &app.conf;
    let mut scheduler = toml::Table::new();
    let mut duration = |spark: &str, key: &str| {
        if let Some(d) = conf.get(spark).and_then(|v| spark_duration(v)) {
            scheduler.insert(key.into(), d.into());
        }
    };
    duration("spark.locality.wait", "locality_wait");
    duration("spark.locality.wait.process", "locality_wait_process");
    duration("spark.locality.wait.node", "locality_wait_node");
    duration("spark.locality.wait.rack", "locality_wait_rack");
    duration("spark.speculation.interval", "speculation_interval");
    duration(
        "spark.speculation.minTaskRuntime",
        "speculation_min_runtime",
    );
    if conf.get("spark.speculation").map(String::as_str) == Some("true") {
        scheduler.insert("speculation".into(), true.into());
        for (spark, key) in [
            ("spark.speculation.multiplier", "speculation_multiplier"),
            ("spark.speculation.quantile", "speculation_quantile"),
        ] {
            if let Some(x) = conf.get(spark).and_then(|v| v.parse::<f64>().ok()) {
                scheduler.insert(key.into(), x.into());
            }
        }
    }
    if let Some(c) = conf
        .get("spark.task.cpus")
        .and_then(|v| v.parse::<u64>().ok())
    {
        scheduler.insert("task_cpus".into(), (c.clamp(1, 1024) as i64).into());
    }
    if conf
        .get("spark.shuffle.service.enabled")
        .map(String::as_str)
        == Some("true")
    {
        cluster.insert("external_shuffle_service".into(), true.into());
    }
    let failures = conf
        .get("spark.task.maxFailures")
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| conf.get("spark.master").and_then(|m| local_max_failures(m)));
    if let Some(f) = failures.filter(|f| *f >= 1) {
        scheduler.insert("max_task_failures".into(), (f.min(1_000_000) as i64).into());
    }

    // ember's own log: the cluster and the scheduler as its scenario said.
    let ran: Option<toml::Table> = app.scenario.as_deref().and_then(|t| t.parse().ok());
    for key in ["cluster", "scheduler"] {
        if let Some(t) = ran
            .as_ref()
            .and_then(|r| r.get(key))
            .and_then(|v| v.as_table())
        {
            let target = if key == "cluster" {
                &mut cluster
            } else {
                &mut scheduler
            };
            *target = t.clone();
        }
    }

    let mut workload = toml::Table::new();
    workload.insert("kind".into(), "replay".into());
    workload.insert("log".into(), log.display().to_string().into());

    let name: String = app
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let mut doc = toml::Table::new();
    doc.insert(
        "name".into(),
        match name.trim_matches('-') {
            "" => "application-replay".to_string(),
            n => format!("{n}-replay"),
        }
        .into(),
    );
    doc.insert(
        "description".into(),
        format!(
            "{} from {}, run again on the virtual clock: its {} jobs and their stages, each task for its recorded time",
            app.name,
            log.display(),
            app.jobs.len()
        )
        .into(),
    );
    doc.insert("clock".into(), "virtual".into());
    doc.insert("cluster".into(), cluster.into());
    if !scheduler.is_empty() {
        doc.insert("scheduler".into(), scheduler.into());
    }
    doc.insert("workload".into(), workload.into());
    toml::to_string(&doc).unwrap_or_default()
}

/// The scenario of the application recorded in `log`, as a [`super::Source`] to parse with a
/// command line's `--set`.
pub fn source(log: &Path) -> Result<(super::Source, RecordedApp), String> {
    let app = load_app(log)?;
    let abs = std::fs::canonicalize(log).unwrap_or_else(|_| log.to_path_buf());
    let text = scenario_text(&abs, &app);
    Ok((
        super::Source {
            origin: format!("{} (replayed)", log.display()),
            bytes: text.into_bytes(),
            path: None,
        },
        app,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_mode_retries_a_task_only_when_its_master_says_so() {
        assert_eq!(local_max_failures("local[2]"), Some(1));
        assert_eq!(local_max_failures("local[2,4]"), Some(4));
        assert_eq!(local_max_failures("local-cluster[3,1,1024]"), None);
    }

    #[test]
    fn spark_durations_without_a_unit_are_milliseconds() {
        assert_eq!(spark_duration("100").as_deref(), Some("100ms"));
        assert_eq!(spark_duration("3s").as_deref(), Some("3s"));
        assert_eq!(spark_duration("soon"), None);
    }
}

//! Scenarios: a cluster, a clock, a seed and a workload, run as one headless run.
//!
//! Until the scenario-file step brings the TOML format of CONTRACTS §2, the scenarios are
//! built in: [`builtin`] lists them and [`run`] runs one, writing the event log if asked and
//! returning the [`RunSummary`]. The file model, validation and `[expect]` checks arrive with
//! that step and will produce the same [`Scenario`] value.

use crate::cluster::{Clock, ClusterSpec, CostModel};
use crate::events::summary::RunSummary;
use crate::events::EventRecorder;
use crate::scheduler::{JobError, SchedulerConfig};
use crate::workloads::logistic_regression::LrParams;
use crate::workloads::wordcount::WordCountParams;
use crate::workloads::Workload;
use crate::{Context, ContextError};
use std::path::PathBuf;

/// The scenario `ember run` and `ember tui` use when given none.
pub const DEFAULT_SCENARIO: &str = "word-count";

/// A run to make.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// `[a-z0-9-]+`.
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub clock: Clock,
    pub cluster: ClusterSpec,
    pub scheduler: SchedulerConfig,
    pub cost: CostModel,
    pub workload: Workload,
}

/// The built-in scenarios.
pub fn builtin() -> Vec<Scenario> {
    let base = |name: &str, description: &str, workload: Workload| Scenario {
        name: name.into(),
        description: description.into(),
        seed: 42,
        clock: Clock::Virtual,
        cluster: ClusterSpec {
            racks: 2,
            hosts_per_rack: 2,
            executors_per_host: 1,
            cores_per_executor: 2,
            storage_memory: 64 << 20,
            ..ClusterSpec::default()
        },
        scheduler: SchedulerConfig::default(),
        cost: CostModel::default(),
        workload,
    };
    vec![
        base(
            "word-count",
            "Word count over 8 generated text files: one shuffle, two stages",
            Workload::WordCount(WordCountParams::default()),
        ),
        base(
            "lr-iterative",
            "Logistic regression, 5 gradient steps over 20,000 points: one job per iteration",
            Workload::LogisticRegression(LrParams::default()),
        ),
    ]
}

/// The built-in scenario called `name`.
pub fn find_builtin(name: &str) -> Option<Scenario> {
    builtin().into_iter().find(|s| s.name == name)
}

/// What can go wrong running a scenario.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The run could not start (work folder, event log).
    #[error(transparent)]
    Start(#[from] ContextError),
    /// A job failed; the summary is still there.
    #[error("{error}")]
    Job {
        error: JobError,
        summary: Box<RunSummary>,
    },
}

/// How to run a scenario.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Write the event log here.
    pub events: Option<PathBuf>,
    /// Replace the scenario's seed.
    pub seed: Option<u64>,
    /// Replace the scenario's clock.
    pub clock: Option<Clock>,
}

/// The result of a run.
pub struct RunReport {
    pub summary: RunSummary,
    /// The lineage of the last RDD the workload acted on.
    pub lineage: String,
}

/// Runs `scenario` headless.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunReport, RunError> {
    let seed = opts.seed.unwrap_or(scenario.seed);
    let clock = opts.clock.unwrap_or(scenario.clock);
    let rec = EventRecorder::new();
    let mut b = Context::builder()
        .app(scenario.name.clone())
        .cluster(scenario.cluster.clone())
        .clock(clock)
        .seed(seed)
        .scheduler(scenario.scheduler.clone())
        .cost(scenario.cost.clone())
        .listener(rec.clone());
    if let Some(p) = &opts.events {
        b = b.event_log(p);
    }
    let ctx = b.build()?;
    let out = scenario.workload.clone().with_seed(seed).run(&ctx);
    ctx.stop(if out.is_ok() { "succeeded" } else { "failed" });
    drop(ctx);
    match out {
        Ok(o) => Ok(RunReport {
            summary: RunSummary::from_events(&scenario.name, &rec.events(), &o.result, &o.digest),
            lineage: o.lineage,
        }),
        Err(error) => Err(RunError::Job {
            summary: Box::new(RunSummary::from_events(
                &scenario.name,
                &rec.events(),
                "",
                "",
            )),
            error,
        }),
    }
}

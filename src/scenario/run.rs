//! Running a scenario headless: a context built from its settings, its workload, and the
//! summary folded from the events.

use super::budget::{estimate, OverBudget};
use super::Scenario;
use crate::context::RunEnd;
use crate::events::log::EventLogError;
use crate::events::summary::RunSummary;
use crate::events::{AppResult, Engine, Event, EventListener, EventRecorder};
use crate::scheduler::JobError;
use crate::workloads::pipeline::ActionOp;
use crate::workloads::Workload;
use crate::{Context, ContextError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What can go wrong running a scenario.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The run could not start (work folder, event log, settings).
    #[error(transparent)]
    Start(#[from] ContextError),
    /// A pipeline saves into a local folder that exists; nothing ran (exit 2).
    #[error("{scenario}: save_as_text_file: {path} exists already: a save never writes into an existing output (as Spark's does not); remove it or choose another path")]
    OutputExists { scenario: String, path: String },
    /// The run's estimated work is over its budget; nothing ran (exit 2).
    #[error("{scenario}: {over}")]
    OverBudget {
        /// Where the scenario came from.
        scenario: String,
        over: OverBudget,
    },
    /// A job failed; the summary is still there.
    #[error("{error}")]
    Job {
        error: JobError,
        summary: Box<RunSummary>,
    },
    /// The event log could not be written to the end.
    #[error("{error}")]
    EventLog {
        error: EventLogError,
        summary: Box<RunSummary>,
    },
}

/// How to run a scenario.
#[derive(Default)]
pub struct RunOptions {
    /// Write the event log here (`-`: standard output).
    pub events: Option<PathBuf>,
    /// Another listener that sees every event as it happens (the UI's live view).
    pub listener: Option<Box<dyn EventListener>>,
}

/// Makes a listener for each run of a command that runs several (`check --run`, `compare`):
/// the command line's progress on a terminal.
pub type Watcher =
    std::sync::Arc<dyn Fn(&Scenario) -> Option<Box<dyn EventListener>> + Send + Sync>;

/// The result of a run.
pub struct RunReport {
    pub summary: RunSummary,
    /// The lineage of the last RDD the workload acted on.
    pub lineage: String,
    /// Every event of the run, in order (the summary is their fold).
    pub events: Vec<Event>,
}

/// The scenario `name` (a file or a bundled scenario) with the changes `o`, read, checked and
/// cleared to run: each of its `outputs` (`--events FILE`, `--csv FILE`) writable and never one
/// of its inputs, its work within budget. What refuses it is the words for `ember: ` (exit 2).
pub fn prepare(
    name: &str,
    o: &super::Overrides,
    outputs: &[(&str, &std::path::Path)],
) -> Result<Scenario, String> {
    let source = super::find(name).map_err(|e| e.to_string())?;
    let sc = super::parse(&source, o).map_err(|e| e.to_string())?;
    check_outputs(&source, outputs)?;
    preflight(&sc).map_err(|e| e.to_string())?;
    Ok(sc)
}

/// Checks each of `outputs` (flag, path) against `source`'s file ([`super::outputs`]).
pub fn check_outputs(
    source: &super::Source,
    outputs: &[(&str, &std::path::Path)],
) -> Result<(), String> {
    let inputs: Vec<&std::path::Path> = source.path.as_deref().into_iter().collect();
    for (flag, path) in outputs {
        super::outputs::check_output(flag, path, &inputs)?;
    }
    Ok(())
}

/// Refuses, before anything of it runs, a scenario whose estimated work is over its budget
/// ([`super::budget`]) or whose pipeline would save into a local folder that exists.
pub fn preflight(scenario: &Scenario) -> Result<(), RunError> {
    if let Workload::Pipeline(p) = &scenario.workload {
        for a in &p.actions {
            if let ActionOp::SaveAsTextFile(path) = &a.op {
                if !crate::dfs::is_dfs_path(path) && std::path::Path::new(path).exists() {
                    return Err(RunError::OutputExists {
                        scenario: scenario.origin.clone(),
                        path: path.clone(),
                    });
                }
            }
        }
    }
    scenario
        .budget
        .check(&estimate(scenario))
        .map_err(|over| RunError::OverBudget {
            scenario: match &scenario.variant {
                Some(v) => format!("{} --variant {v}", scenario.origin),
                None => scenario.origin.clone(),
            },
            over,
        })
}

/// Runs `scenario` headless. A run over its budget is refused before its first event. With
/// `engine = "both"`, the Spark-style engine runs first and the MapReduce baseline after it,
/// on the same generated data (the same seed), into one event log whose events carry their
/// engine; the run fails if their answers differ.
pub fn run(scenario: &Scenario, opts: RunOptions) -> Result<RunReport, RunError> {
    preflight(scenario)?;
    let engines = scenario.engine.engines();
    let two = engines.len() > 1;
    let rec = EventRecorder::new();
    let listener = opts.listener.map(SharedListener::new);
    let mut outs = Vec::new();
    let mut logged = Ok(());
    for (i, engine) in engines.iter().copied().enumerate() {
        let (cluster, cost, scheduler) = match engine {
            Engine::Spark => (
                scenario.cluster.clone(),
                scenario.cost.clone(),
                scenario.scheduler.clone(),
            ),
            Engine::MapReduce => (
                scenario.mapreduce.cluster(&scenario.cluster),
                scenario.cost.for_mapreduce(),
                scenario.mapreduce.scheduler(&scenario.scheduler),
            ),
        };
        let mut b = Context::builder()
            .app(scenario.name.clone())
            .cluster(cluster)
            .clock(scenario.clock)
            .seed(scenario.seed)
            .scheduler(scheduler)
            .cost(cost)
            .dfs(scenario.dfs.clone())
            .scenario_toml(scenario.as_ran_toml())
            .faults(scenario.faults.clone())
            .engine(engine, two)
            .listener(rec.clone());
        if let Some(l) = &listener {
            b = b.listener(l.clone());
        }
        if let Some(p) = &opts.events {
            b = if i == 0 || p.as_os_str() == "-" {
                b.event_log(p)
            } else {
                b.event_log_append(p)
            };
        }
        let ctx = b.build()?;
        let out = scenario
            .workload
            .clone()
            .with_seed(scenario.seed)
            .run_on(&ctx, &scenario.mapreduce);
        let end = match &out {
            Ok(o) => RunEnd {
                result: AppResult::Succeeded,
                answer: o.result.clone(),
                result_digest: o.digest.clone(),
                error: None,
            },
            Err(e) => RunEnd {
                result: AppResult::Failed,
                answer: String::new(),
                result_digest: String::new(),
                error: Some(e.to_string()),
            },
        };
        let l = ctx.finish(end);
        drop(ctx);
        if logged.is_ok() {
            logged = l;
        }
        let failed = out.is_err();
        outs.push(out);
        if failed {
            break;
        }
    }
    let events = rec.events();
    let summary = RunSummary::from_events(&events);
    if let Err(error) = logged {
        return Err(RunError::EventLog {
            error,
            summary: Box::new(summary),
        });
    }
    let mut lineage = String::new();
    let mut digests = Vec::new();
    for (engine, out) in engines.iter().zip(outs) {
        match out {
            Ok(o) => {
                if lineage.is_empty() {
                    lineage = o.lineage;
                }
                digests.push((*engine, o.digest));
            }
            Err(error) => {
                return Err(RunError::Job {
                    error,
                    summary: Box::new(summary),
                })
            }
        }
    }
    if let [(a, da), (b, db)] = &digests[..] {
        if da != db {
            return Err(RunError::Job {
                error: JobError::Internal(format!(
                    "the engines disagree: the {} engine's answer has digest {da}, the {} engine's {db}",
                    a.title(),
                    b.title()
                )),
                summary: Box::new(summary),
            });
        }
    }
    Ok(RunReport {
        summary,
        lineage,
        events,
    })
}

/// One listener shared by the runs of both engines (each context owns its listeners).
#[derive(Clone)]
struct SharedListener(Arc<Mutex<Box<dyn EventListener>>>);

impl SharedListener {
    fn new(l: Box<dyn EventListener>) -> Self {
        SharedListener(Arc::new(Mutex::new(l)))
    }
}

impl EventListener for SharedListener {
    fn on_event(&mut self, event: &Event) {
        if let Ok(mut l) = self.0.lock() {
            l.on_event(event);
        }
    }

    fn flush(&mut self) {
        if let Ok(mut l) = self.0.lock() {
            l.flush();
        }
    }
}

//! Running a scenario headless: a context built from its settings, its workload, and the
//! summary folded from the events.

use super::Scenario;
use crate::context::RunEnd;
use crate::events::log::EventLogError;
use crate::events::summary::RunSummary;
use crate::events::{Event, EventListener, EventRecorder};
use crate::scheduler::JobError;
use crate::{Context, ContextError};
use std::path::PathBuf;

/// What can go wrong running a scenario.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The run could not start (work folder, event log, settings).
    #[error(transparent)]
    Start(#[from] ContextError),
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

/// The result of a run.
pub struct RunReport {
    pub summary: RunSummary,
    /// The lineage of the last RDD the workload acted on.
    pub lineage: String,
    /// Every event of the run, in order (the summary is their fold).
    pub events: Vec<Event>,
}

/// Runs `scenario` headless.
pub fn run(scenario: &Scenario, opts: RunOptions) -> Result<RunReport, RunError> {
    let rec = EventRecorder::new();
    let mut b = Context::builder()
        .app(scenario.name.clone())
        .cluster(scenario.cluster.clone())
        .clock(scenario.clock)
        .seed(scenario.seed)
        .scheduler(scenario.scheduler.clone())
        .cost(scenario.cost.clone())
        .dfs(scenario.dfs.clone())
        .scenario_toml(scenario.as_ran_toml())
        .listener(rec.clone());
    if let Some(l) = opts.listener {
        b = b.listener_boxed(l);
    }
    if let Some(p) = &opts.events {
        b = b.event_log(p);
    }
    let ctx = b.build()?;
    let out = scenario.workload.clone().with_seed(scenario.seed).run(&ctx);
    let end = match &out {
        Ok(o) => RunEnd {
            result: "succeeded".into(),
            answer: o.result.clone(),
            result_digest: o.digest.clone(),
            error: None,
        },
        Err(e) => RunEnd {
            result: "failed".into(),
            error: Some(e.to_string()),
            ..RunEnd::default()
        },
    };
    let logged = ctx.finish(end);
    drop(ctx);
    let events = rec.events();
    let summary = RunSummary::from_events(&events);
    if let Err(error) = logged {
        return Err(RunError::EventLog {
            error,
            summary: Box::new(summary),
        });
    }
    match out {
        Ok(o) => Ok(RunReport {
            summary,
            lineage: o.lineage,
            events,
        }),
        Err(error) => Err(RunError::Job {
            error,
            summary: Box::new(summary),
        }),
    }
}

//! The cluster: its topology, its executors, and the two drivers that run them.
//!
//! This module owns the [`Runtime`]: the schedulers, the executors (each with a work folder
//! under the run's folder), the event bus, and the driver that feeds time to the schedulers:
//! [`virtual_clock`] (deterministic, simulated durations from the [`cost`] model) or
//! [`wall_clock`] (real threads, real durations). It does not decide what runs where; the
//! schedulers do.

pub mod cost;
pub mod executor;
pub mod topology;
pub mod virtual_clock;
pub mod wall_clock;

pub use cost::CostModel;
pub use executor::Executor;
pub use topology::{ClusterSpec, ExecutorSpec};

use crate::events::{EventBus, EventKind};
use crate::rdd::{RddNode, ShuffleDependency};
use crate::scheduler::{JobError, JobOutcome, ResultFunction, Scheduler, SchedulerConfig};
use crate::shuffle::BlockTransferService;
use std::any::Any;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use virtual_clock::VirtualDriver;
use wall_clock::WallDriver;

/// Which clock a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Clock {
    /// Deterministic simulated time (default).
    #[default]
    Virtual,
    /// Real threads, real time.
    Wall,
}

impl Clock {
    /// `virtual` or `wall`.
    pub fn name(self) -> &'static str {
        match self {
            Clock::Virtual => "virtual",
            Clock::Wall => "wall",
        }
    }
}

/// Why the driver loop stopped without finishing a job.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// Nothing can happen any more, yet the job is not done.
    #[error("the scheduler stalled: no task can run and nothing is pending")]
    Stalled,
}

/// Why a runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The work folder could not be made.
    #[error("cannot create the work folder {path}: {source}")]
    WorkDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

enum Driver {
    Virtual(VirtualDriver),
    Wall(WallDriver),
}

/// The driver side of a run: schedulers, executors, event bus and clock.
pub struct Runtime {
    /// The schedulers.
    pub scheduler: Scheduler,
    /// Where events go.
    pub bus: EventBus,
    driver: Driver,
    executors: Vec<ExecutorSpec>,
    work_dir: PathBuf,
    keep_work_dir: bool,
}

/// Posts what the schedulers decided.
pub(crate) fn pump(sched: &mut Scheduler, bus: &mut EventBus) {
    for e in sched.drain_events() {
        bus.post_event(e);
    }
}

/// Settings a runtime starts from.
pub struct RuntimeConfig {
    pub cluster: ClusterSpec,
    pub clock: Clock,
    pub scheduler: SchedulerConfig,
    pub cost: CostModel,
    /// The run's folder; a fresh temporary one (removed at the end) if `None`.
    pub work_dir: Option<PathBuf>,
}

impl Runtime {
    /// Starts the executors and registers them; posts their `ExecutorAdded` at time 0.
    pub fn start(config: RuntimeConfig, mut bus: EventBus) -> Result<Self, ClusterError> {
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let keep_work_dir = config.work_dir.is_some();
        let work_dir = config.work_dir.unwrap_or_else(|| {
            let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            std::env::temp_dir().join(format!("ember-{}-{n}", std::process::id()))
        });
        let specs = config.cluster.executors();
        let transfer = Arc::new(BlockTransferService::new());
        let mut scheduler = Scheduler::new(config.scheduler.clone());
        let mut execs = BTreeMap::new();
        for s in &specs {
            let dir = work_dir.join(&s.name);
            let e = Executor::new(s.id, s.host.clone(), dir.clone(), transfer.clone())
                .map_err(|source| ClusterError::WorkDir { path: dir, source })?;
            execs.insert(s.id, (Arc::new(e), s.cores));
            scheduler.add_executor(
                s.id,
                s.name.clone(),
                s.host.clone(),
                s.rack.clone(),
                s.cores,
            );
            bus.post(
                0,
                EventKind::ExecutorAdded {
                    executor: s.name.clone(),
                    host: s.host.clone(),
                    rack: s.rack.clone(),
                    cores: s.cores,
                    storage_memory: s.storage_memory,
                },
            );
        }
        let revive = config.scheduler.revive_interval_us;
        let driver = match config.clock {
            Clock::Virtual => Driver::Virtual(VirtualDriver::new(
                execs.into_iter().map(|(k, (e, _))| (k, e)).collect(),
                config.cost,
                revive,
            )),
            Clock::Wall => Driver::Wall(WallDriver::new(execs, revive)),
        };
        Ok(Runtime {
            scheduler,
            bus,
            driver,
            executors: specs,
            work_dir,
            keep_work_dir,
        })
    }

    /// Microseconds since the run started, on the run's clock.
    pub fn now(&self) -> u64 {
        match &self.driver {
            Driver::Virtual(d) => d.now(),
            Driver::Wall(d) => d.now(),
        }
    }

    /// The executors the run started with.
    pub fn executors(&self) -> &[ExecutorSpec] {
        &self.executors
    }

    /// Posts an event at the current time.
    pub fn post(&mut self, kind: EventKind) {
        let now = self.now();
        self.bus.post(now, kind);
    }

    fn drive(&mut self, job: usize) -> Result<Vec<Box<dyn Any + Send>>, JobError> {
        let done = move |s: &Scheduler| s.job_finished(job);
        let r = match &mut self.driver {
            Driver::Virtual(d) => d.run_until(&mut self.scheduler, &mut self.bus, &done),
            Driver::Wall(d) => d.run_until(&mut self.scheduler, &mut self.bus, &done),
        };
        self.bus.flush();
        r.map_err(|e| JobError::Internal(e.to_string()))?;
        match self.scheduler.take_job_outcome(job) {
            Some(JobOutcome::Succeeded(v)) => Ok(v),
            Some(JobOutcome::Failed(m)) => Err(JobError::Aborted(m)),
            None => Err(JobError::Internal(format!(
                "job {job} ended without an outcome"
            ))),
        }
    }

    /// Runs a job to its end; results in the order of `partitions`.
    pub fn run_job(
        &mut self,
        rdd: Arc<RddNode>,
        partitions: Vec<usize>,
        func: Arc<dyn ResultFunction>,
        action: &str,
    ) -> Result<Vec<Box<dyn Any + Send>>, JobError> {
        let now = self.now();
        let job = self
            .scheduler
            .submit_job(now, rdd, partitions, func, action);
        self.drive(job)
    }

    /// Runs only the map stage of a shuffle (Spark's `submitMapStage`).
    pub fn run_map_stage(&mut self, dep: &Arc<ShuffleDependency>) -> Result<(), JobError> {
        let now = self.now();
        let job = self.scheduler.submit_map_stage(now, dep);
        self.drive(job).map(|_| ())
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.bus.flush();
        if !self.keep_work_dir {
            let _ = std::fs::remove_dir_all(&self.work_dir);
        }
    }
}

//! The cluster: its topology, its executors and their disks, the DFS, and the driver that runs
//! them on one of two clocks.
//!
//! This module owns the [`Runtime`]: the schedulers and, beside them, storage's endpoint (both
//! emit into the driver's one ordered stream of events), the executors (each with a
//! [`DiskStore`] on the run's medium, registered in the cluster's [`Membership`] as the run
//! starts or while it runs: [`members`]), the [`Dfs`], the event bus, and the one driver loop
//! ([`driver`]) over a [`Backend`](backend::Backend): the [`virtual_clock`] (deterministic,
//! simulated durations from the [`cost`] model) or the [`wall_clock`] (real threads, real
//! durations). It does not decide what runs where; the schedulers do.

pub mod backend;
mod block_updates;
pub mod cost;
mod driver;
pub mod executor;
mod faults;
mod members;
mod parts;
pub mod topology;
pub mod virtual_clock;
pub mod wall_clock;

pub use backend::ClusterChange;
pub use cost::{CostModel, CostTerms};
pub use executor::Executor;
pub use topology::{ClusterSpec, SPARK_LOCAL_STORAGE_MEMORY};

use crate::dfs::{Dfs, DfsConfig};
use crate::events::{EventBus, EventKind, EventSink};
use crate::lineage::{RddNode, ShuffleDependency};
use crate::membership::{ExecutorInfo, Membership, NewExecutor};
use crate::scheduler::{JobError, JobOutcome, ResultFunction, Scheduler, SchedulerConfig};
use crate::storage::{BlockManagers, DiskMedium, DiskStore, MasterRef, StoreStatus};
use backend::Backend;
use block_updates::BlockManagerMasterEndpoint;
use members::Executors;
use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;
use virtual_clock::VirtualBackend;
use wall_clock::WallBackend;

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
    /// An executor that registered could not be started.
    #[error("an executor could not start: {0}")]
    ExecutorStart(String),
}

/// Why a runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The work folder could not be made.
    #[error("cannot create the work folder {path}: {error}")]
    WorkDir {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The settings contradict each other.
    #[error("{0}")]
    Config(String),
}

/// Settings a runtime starts from.
pub struct RuntimeConfig {
    pub cluster: ClusterSpec,
    pub clock: Clock,
    pub scheduler: SchedulerConfig,
    pub cost: CostModel,
    pub dfs: DfsConfig,
    pub seed: u64,
    /// The run's folder; a fresh temporary one (removed at the end) if `None`.
    pub work_dir: Option<PathBuf>,
    /// The fault plan (CONTRACTS §2 `[[fault]]`).
    pub faults: Vec<crate::faults::Fault>,
    /// The engine the run is for (faults for the other engine are not injected).
    pub engine: crate::events::Engine,
}

/// The driver side of a run: schedulers, storage, executors, DFS, event bus and clock.
pub struct Runtime {
    /// The schedulers.
    pub scheduler: Scheduler,
    /// Where events go.
    pub bus: EventBus,
    /// The driver's one ordered stream: the schedulers and storage emit into it, the driver
    /// loop drains it into the bus.
    events: EventSink,
    /// Storage's place beside the schedulers.
    storage: BlockManagerMasterEndpoint,
    executors: Executors,
    backend: Box<dyn Backend + Send>,
    clock: Clock,
    dfs: Arc<Dfs>,
    cost: CostModel,
    revive_interval: u64,
    /// Turns the driver loop has taken.
    steps: u64,
    /// The fault plan, watching the events for its triggers.
    faults: crate::faults::FaultWatch,
    cluster: ClusterSpec,
    work_dir: PathBuf,
    remove_work_dir: bool,
}

impl Runtime {
    /// Starts the executors and registers them; posts their `ExecutorAdded` at time 0.
    pub fn start(config: RuntimeConfig, mut bus: EventBus) -> Result<Self, ClusterError> {
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let medium = match (config.clock, config.cluster.disk) {
            (Clock::Wall, Some(DiskMedium::Memory)) => {
                return Err(ClusterError::Config(
                    "cluster.disk = \"memory\" is for the virtual clock; the wall clock keeps \
                     disk blocks in files"
                        .into(),
                ))
            }
            (_, Some(m)) => m,
            (Clock::Virtual, None) => DiskMedium::Memory,
            (Clock::Wall, None) => DiskMedium::Files,
        };
        let remove_work_dir = config.work_dir.is_none();
        let work_dir = config.work_dir.unwrap_or_else(|| {
            let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            std::env::temp_dir().join(format!("ember-{}-{n}", std::process::id()))
        });
        let wd = |error| ClusterError::WorkDir {
            path: work_dir.clone(),
            error,
        };
        let dfs = Arc::new(
            Dfs::new(
                config.dfs.clone(),
                &config.cluster.hosts(),
                medium,
                work_dir.join("dfs"),
                config.seed,
            )
            .map_err(wd)?,
        );
        let membership = Membership::new();
        let events = EventSink::default();
        let master = MasterRef::new();
        let blocks = Arc::new(BlockManagers::new(membership.clone()));
        let scheduler = Scheduler::new(
            config.scheduler.clone(),
            membership.clone(),
            master.clone(),
            events.clone(),
        );
        let storage = BlockManagerMasterEndpoint::new(
            blocks.clone(),
            master,
            membership.clone(),
            events.clone(),
            config.seed,
        );
        let executors = Executors::new(
            membership,
            blocks,
            dfs.clone(),
            medium,
            work_dir.clone(),
            config.clock == Clock::Virtual,
            config.cluster.external_shuffle_service,
        );
        let backend: Box<dyn Backend + Send> = match config.clock {
            Clock::Virtual => Box::new(VirtualBackend::new(config.cost.clone())),
            Clock::Wall => Box::new(WallBackend::new()),
        };
        let faults = crate::faults::FaultWatch::default();
        faults.with(|f| {
            f.events_before(bus.posted());
            for fault in config.faults {
                if fault.engine.is_some_and(|e| e != config.engine) {
                    f.add_elsewhere(fault);
                } else {
                    f.add(fault);
                }
            }
        });
        bus.add_listener(Box::new(faults.clone()));
        let mut rt = Runtime {
            faults,
            cluster: config.cluster.clone(),
            scheduler,
            bus,
            events,
            storage,
            executors,
            backend,
            clock: config.clock,
            dfs,
            cost: config.cost,
            revive_interval: config.scheduler.revive_interval_us,
            steps: 0,
            work_dir,
            remove_work_dir,
        };
        for new in config.cluster.executors() {
            rt.register_executor(0, new)?;
        }
        driver::pump(&rt.events, &mut rt.bus);
        Ok(rt)
    }

    /// Registers and starts an executor at `now`.
    fn register_executor(
        &mut self,
        now: u64,
        new: NewExecutor,
    ) -> Result<ExecutorInfo, ClusterError> {
        let d = members::Driver {
            sched: &mut self.scheduler,
            storage: &mut self.storage,
            backend: self.backend.as_mut(),
            events: &self.events,
        };
        self.executors.register(now, new, d)
    }

    /// Microseconds since the run started, on the run's clock.
    pub fn now(&self) -> u64 {
        self.backend.now()
    }

    /// The cluster's membership: every executor that registered, alive or lost.
    pub fn membership(&self) -> &Membership {
        &self.executors.membership
    }

    /// Every executor that registered so far, alive or lost, in id order.
    pub fn executors(&self) -> Vec<ExecutorInfo> {
        self.executors.membership.executors()
    }

    /// Has executor `new` register at `at_us` (µs on the run's clock), while jobs run: the
    /// driver loop hears of it then, starts it and offers it tasks.
    pub fn schedule_executor(&mut self, at_us: u64, new: NewExecutor) {
        self.backend
            .schedule(at_us, ClusterChange::ExecutorRegistered(new));
    }

    /// Has executor `executor` be lost at `at_us`, for `reason` (not the application's
    /// doing).
    pub fn schedule_executor_loss(&mut self, at_us: u64, executor: usize, reason: &str) {
        self.backend.schedule(
            at_us,
            ClusterChange::ExecutorLost {
                executor,
                loss: crate::scheduler::ExecutorLoss {
                    message: reason.to_string(),
                    caused_by_app: false,
                    worker_lost: false,
                },
            },
        );
    }

    /// The master storage keeps, which the schedulers ask where blocks are.
    pub fn block_master(&self) -> &MasterRef {
        self.storage.master()
    }

    /// The disk store of executor `id`, while it runs.
    pub fn disk_store(&self, id: usize) -> Option<Arc<DiskStore>> {
        self.executors
            .running
            .get(&id)
            .map(|e| e.env().disk.clone())
    }

    /// What executor `id`'s block manager holds.
    pub fn store_status(&self, id: usize) -> Option<StoreStatus> {
        self.executors.blocks.get(id).map(|b| b.status())
    }

    /// Removes every block of RDD `rdd` from every executor (`unpersist`), posting a
    /// `BlockRemoved` for each.
    pub fn unpersist(&mut self, rdd: usize) {
        let now = self.backend.now();
        self.storage.unpersist(now, rdd);
        driver::pump(&self.events, &mut self.bus);
    }

    /// How many turns the driver loop has taken (each a wake: a task completion, a timer, an
    /// offer round). Depends on the decisions a run makes, not on how long its tasks take.
    pub fn driver_steps(&self) -> u64 {
        self.steps
    }

    /// The run's DFS.
    pub fn dfs(&self) -> &Arc<Dfs> {
        &self.dfs
    }

    /// Posts an event at the current time.
    pub fn post(&mut self, kind: EventKind) {
        let now = self.now();
        self.bus.post(now, kind);
    }

    /// Adds `fault` to the run's fault plan; returns its index (`fault[i]`).
    pub fn add_fault(&mut self, fault: crate::faults::Fault) -> usize {
        self.faults.with(|f| f.add(fault))
    }

    /// The faults whose trigger has not come (yet), as `fault[i]`.
    pub fn faults_not_injected(&self) -> Vec<String> {
        self.faults.with(|f| f.not_injected())
    }

    /// Iteration `i` (from 1) of the workload starts: faults triggered by it, or by a time
    /// already reached, are applied now.
    pub fn iteration_started(&mut self, i: usize) {
        self.faults.with(|f| f.iteration_started(i));
        self.inject_due_faults();
    }

    /// The runtime split into what the driver loop takes: the schedulers, the bus, the
    /// backend, and the rest.
    fn driver(
        &mut self,
    ) -> (
        &mut Scheduler,
        &mut EventBus,
        &mut dyn Backend,
        driver::DriverParts<'_>,
    ) {
        let parts = driver::DriverParts {
            executors: &mut self.executors,
            storage: &mut self.storage,
            events: &self.events,
            revive_interval: self.revive_interval,
            steps: &mut self.steps,
            faults: &self.faults,
            cluster: &self.cluster,
        };
        (
            &mut self.scheduler,
            &mut self.bus,
            self.backend.as_mut(),
            parts,
        )
    }

    /// Applies the faults that are due, between jobs.
    fn inject_due_faults(&mut self) {
        if !self.faults.due(self.backend.now()) {
            return;
        }
        let (sched, bus, backend, mut parts) = self.driver();
        faults::inject_due(sched, backend, &mut parts);
        driver::pump(parts.events, bus);
    }

    fn drive(&mut self, job: usize) -> Result<Vec<Box<dyn Any + Send>>, JobError> {
        let done = move |s: &Scheduler| s.job_finished(job);
        let (sched, bus, backend, mut parts) = self.driver();
        let r = driver::run_until(sched, bus, backend, &mut parts, &done);
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

    /// The driver spends `us` on work of its own, between jobs (a replay's recorded driver
    /// time): the virtual clock moves on; the wall clock's time is real, so nothing waits.
    pub fn driver_sleep(&mut self, us: u64) {
        if self.clock == Clock::Virtual {
            self.backend.sleep(us);
        }
    }

    /// The driver's overhead before a job's stages are submitted (virtual clock only).
    fn job_launch(&mut self) {
        if self.clock == Clock::Virtual {
            self.backend.sleep(self.cost.job_launch_us.round() as u64);
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
        self.job_launch();
        self.inject_due_faults();
        let now = self.now();
        let job = self
            .scheduler
            .submit_job(now, rdd, partitions, func, action);
        self.drive(job)
    }

    /// Runs only the map stage of a shuffle (Spark's `submitMapStage`).
    pub fn run_map_stage(&mut self, dep: &Arc<ShuffleDependency>) -> Result<(), JobError> {
        self.job_launch();
        self.inject_due_faults();
        let now = self.now();
        let job = self.scheduler.submit_map_stage(now, dep);
        self.drive(job).map(|_| ())
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.bus.flush();
        if self.remove_work_dir {
            let _ = std::fs::remove_dir_all(&self.work_dir);
        }
    }
}

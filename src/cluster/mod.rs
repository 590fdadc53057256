//! The cluster: its topology, its executors and their disks, the DFS, and the driver that runs
//! them on one of two clocks.
//!
//! This module owns the [`Runtime`]: the schedulers, the executors (each with a [`DiskStore`]
//! on the run's medium), the [`Dfs`], the event bus, and the one driver loop ([`driver`]) over
//! a [`Backend`](backend::Backend): the [`virtual_clock`] (deterministic, simulated durations
//! from the [`cost`] model) or the [`wall_clock`] (real threads, real durations). It does not
//! decide what runs where; the schedulers do.

pub mod backend;
mod block_updates;
pub mod cost;
mod driver;
pub mod executor;
pub mod topology;
pub mod virtual_clock;
pub mod wall_clock;

pub use cost::CostModel;
pub use executor::Executor;
pub use topology::{ClusterSpec, ExecutorSpec, SPARK_LOCAL_STORAGE_MEMORY};

use crate::dfs::{Dfs, DfsConfig};
use crate::events::{EventBus, EventKind};
use crate::lineage::{RddNode, ShuffleDependency};
use crate::scheduler::{JobError, JobOutcome, ResultFunction, Scheduler, SchedulerConfig};
use crate::shuffle::BlockTransferService;
use crate::storage::{BlockManager, BlockManagers, DiskMedium, DiskStore, StoreStatus};
use crate::task_context::ExecutorEnv;
use backend::Backend;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::any::Any;
use std::collections::BTreeMap;
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
}

/// The driver side of a run: schedulers, executors, DFS, event bus and clock.
pub struct Runtime {
    /// The schedulers.
    pub scheduler: Scheduler,
    /// Where events go.
    pub bus: EventBus,
    backend: Box<dyn Backend + Send>,
    clock: Clock,
    executors: BTreeMap<usize, Arc<Executor>>,
    blocks: Arc<BlockManagers>,
    names: BTreeMap<usize, String>,
    /// Chooses where replicas of `_2` blocks go.
    replication_rng: StdRng,
    specs: Vec<ExecutorSpec>,
    dfs: Arc<Dfs>,
    cost: CostModel,
    revive_interval: u64,
    /// Turns the driver loop has taken.
    steps: u64,
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
        let specs = config.cluster.executors();
        let transfer = Arc::new(BlockTransferService::new(
            config.cluster.external_shuffle_service,
        ));
        let mut scheduler = Scheduler::new(config.scheduler.clone());
        let mut executors = BTreeMap::new();
        let blocks = Arc::new(BlockManagers::new());
        let measure_sizes = config.clock == Clock::Virtual;
        for s in &specs {
            let dir = work_dir.join(&s.name);
            let disk = Arc::new(
                DiskStore::new(medium, dir.clone())
                    .map_err(|error| ClusterError::WorkDir { path: dir, error })?,
            );
            transfer.register(s.id, &s.host, disk.clone());
            blocks.register(
                s.id,
                &s.host,
                &s.rack,
                Arc::new(BlockManager::new(s.id, s.storage_memory, disk.clone())),
            );
            let e = Executor::new(ExecutorEnv {
                executor: s.id,
                host: Arc::from(s.host.as_str()),
                rack: Arc::from(s.rack.as_str()),
                disk,
                transfer: transfer.clone(),
                dfs: dfs.clone(),
                blocks: blocks.clone(),
                measure_sizes,
            });
            executors.insert(s.id, Arc::new(e));
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
        let backend: Box<dyn Backend + Send> = match config.clock {
            Clock::Virtual => Box::new(VirtualBackend::new(executors.clone(), config.cost.clone())),
            Clock::Wall => Box::new(WallBackend::new(
                specs
                    .iter()
                    .filter_map(|s| executors.get(&s.id).map(|e| (s.id, (e.clone(), s.cores))))
                    .collect(),
            )),
        };
        let names = specs.iter().map(|s| (s.id, s.name.clone())).collect();
        Ok(Runtime {
            scheduler,
            bus,
            backend,
            clock: config.clock,
            executors,
            blocks,
            names,
            replication_rng: StdRng::seed_from_u64(config.seed ^ 0x5eed_b10c),
            specs,
            dfs,
            cost: config.cost,
            revive_interval: config.scheduler.revive_interval_us,
            steps: 0,
            work_dir,
            remove_work_dir,
        })
    }

    /// Microseconds since the run started, on the run's clock.
    pub fn now(&self) -> u64 {
        self.backend.now()
    }

    /// The executors the run started with.
    pub fn executors(&self) -> &[ExecutorSpec] {
        &self.specs
    }

    /// The disk store of executor `id`.
    pub fn disk_store(&self, id: usize) -> Option<Arc<DiskStore>> {
        self.executors.get(&id).map(|e| e.env().disk.clone())
    }

    /// What executor `id`'s block manager holds.
    pub fn store_status(&self, id: usize) -> Option<StoreStatus> {
        self.blocks.get(id).map(|b| b.status())
    }

    /// Removes every block of RDD `rdd` from every executor (`unpersist`), posting a
    /// `BlockRemoved` for each.
    pub fn unpersist(&mut self, rdd: usize) {
        let names = &self.names;
        let name = |e: usize| {
            names
                .get(&e)
                .cloned()
                .unwrap_or_else(|| format!("exec-{e}"))
        };
        let events = block_updates::StorageDriver {
            blocks: &self.blocks,
            master: &mut self.scheduler.dag.block_master,
            rng: &mut self.replication_rng,
            names: &name,
        }
        .unpersist(rdd);
        let now = self.backend.now();
        for e in events {
            self.bus.post(now, e);
        }
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

    fn drive(&mut self, job: usize) -> Result<Vec<Box<dyn Any + Send>>, JobError> {
        let done = move |s: &Scheduler| s.job_finished(job);
        let mut parts = driver::DriverParts {
            executors: &self.executors,
            blocks: &self.blocks,
            names: &self.names,
            rng: &mut self.replication_rng,
            revive_interval: self.revive_interval,
            steps: &mut self.steps,
        };
        let r = driver::run_until(
            &mut self.scheduler,
            &mut self.bus,
            self.backend.as_mut(),
            &mut parts,
            &done,
        );
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
        let now = self.now();
        let job = self
            .scheduler
            .submit_job(now, rdd, partitions, func, action);
        self.drive(job)
    }

    /// Runs only the map stage of a shuffle (Spark's `submitMapStage`).
    pub fn run_map_stage(&mut self, dep: &Arc<ShuffleDependency>) -> Result<(), JobError> {
        self.job_launch();
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

//! Executors joining and leaving the cluster on the driver's side, written once for the start
//! of a run and for changes while jobs run, on either clock.
//!
//! Registering an executor enters it in the [`Membership`] (which names it), starts its disk
//! store, block manager, transfer endpoint and task runner, gives its cores to the backend and
//! the schedulers, and posts `ExecutorAdded`. Losing one marks it lost in the membership, makes
//! its blocks and (without an external shuffle service) its map outputs unreachable, stops its
//! runner, posts `ExecutorRemoved`, and lets the schedulers fail what it ran and forget what it
//! held. It does not decide when executors come and go: the backend delivers the changes.

use super::backend::Backend;
use super::block_updates::BlockManagerMasterEndpoint;
use super::executor::Executor;
use super::ClusterError;
use crate::dfs::Dfs;
use crate::events::{EventKind, EventSink};
use crate::membership::{ExecutorInfo, Membership, NewExecutor};
use crate::scheduler::{ExecutorLoss, Scheduler};
use crate::shuffle::BlockTransferService;
use crate::storage::{BlockManager, BlockManagers, DiskMedium, DiskStore};
use crate::task_context::ExecutorEnv;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The executors' processes and what starting one needs.
pub(crate) struct Executors {
    pub membership: Membership,
    /// The running executors' task runners, by id.
    pub running: BTreeMap<usize, Arc<Executor>>,
    pub blocks: Arc<BlockManagers>,
    transfer: Arc<BlockTransferService>,
    dfs: Arc<Dfs>,
    medium: DiskMedium,
    work_dir: PathBuf,
    measure_sizes: bool,
    external_shuffle_service: bool,
}

/// The parts of the driver a membership change touches.
pub(crate) struct Driver<'a> {
    pub sched: &'a mut Scheduler,
    pub storage: &'a mut BlockManagerMasterEndpoint,
    pub backend: &'a mut dyn Backend,
    pub events: &'a EventSink,
}

impl Executors {
    /// No executors yet.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        membership: Membership,
        blocks: Arc<BlockManagers>,
        dfs: Arc<Dfs>,
        medium: DiskMedium,
        work_dir: PathBuf,
        measure_sizes: bool,
        external_shuffle_service: bool,
    ) -> Self {
        Executors {
            transfer: Arc::new(BlockTransferService::new(
                external_shuffle_service,
                membership.clone(),
            )),
            membership,
            running: BTreeMap::new(),
            blocks,
            dfs,
            medium,
            work_dir,
            measure_sizes,
            external_shuffle_service,
        }
    }

    /// Registers `new` at `now` and starts it; it is offered tasks from the next round.
    pub fn register(
        &mut self,
        now: u64,
        new: NewExecutor,
        d: Driver<'_>,
    ) -> Result<ExecutorInfo, ClusterError> {
        let info = self.membership.register(now, new);
        let dir = self.work_dir.join(&info.name);
        let disk = match DiskStore::new(self.medium, dir.clone()) {
            Ok(disk) => Arc::new(disk),
            Err(error) => {
                self.membership
                    .lose(info.id, now, "its work folder could not be made");
                return Err(ClusterError::WorkDir { path: dir, error });
            }
        };
        self.transfer.register(info.id, disk.clone());
        self.blocks.register(
            info.id,
            Arc::new(BlockManager::new(
                info.id,
                info.storage_memory,
                disk.clone(),
            )),
        );
        let exec = Arc::new(Executor::new(ExecutorEnv {
            executor: info.id,
            host: Arc::from(info.host.as_str()),
            rack: Arc::from(info.rack.as_str()),
            disk,
            transfer: self.transfer.clone(),
            dfs: self.dfs.clone(),
            blocks: self.blocks.clone(),
            measure_sizes: self.measure_sizes,
        }));
        self.running.insert(info.id, exec.clone());
        d.backend.add_executor(info.id, exec, info.cores);
        d.events.emit(
            now,
            EventKind::ExecutorAdded {
                executor: info.name.clone(),
                host: info.host.clone(),
                rack: info.rack.clone(),
                cores: info.cores,
                storage_memory: info.storage_memory,
            },
        );
        d.sched.executor_added(info.id, now);
        Ok(info)
    }

    /// Executor `id`'s process is gone (a kill, or a task that halted it) and the driver
    /// noticed through the disconnect: it runs and reports nothing more and is offered
    /// nothing, while its loss reason is pending ([`Self::lose`] follows).
    pub fn disconnect(&mut self, id: usize, d: Driver<'_>) {
        if self.membership.read().is_alive(id) {
            d.backend.remove_executor(id);
            d.sched.executor_disconnected(id);
        }
    }

    /// Executor `id` is lost at `now` for `loss`; nothing happens if it is not alive.
    pub fn lose(&mut self, now: u64, id: usize, loss: &ExecutorLoss, d: Driver<'_>) {
        let Some(info) = self.membership.lose(id, now, &loss.message) else {
            return;
        };
        self.running.remove(&id);
        if loss.worker_lost {
            self.transfer.host_lost(&info.host);
        } else {
            self.transfer.executor_lost(id);
        }
        d.storage.executor_lost(id);
        d.backend.remove_executor(id);
        d.events.emit(
            now,
            EventKind::ExecutorRemoved {
                executor: info.name,
                reason: loss.message.clone(),
            },
        );
        d.sched
            .executor_lost(now, id, loss, self.external_shuffle_service);
    }

    /// Whether any executor is alive (a hung one is, until it is declared lost).
    pub fn any_alive(&self) -> bool {
        self.membership.read().alive().next().is_some()
    }

    /// How executors reach each other's disk stores.
    pub fn transfer(&self) -> &Arc<BlockTransferService> {
        &self.transfer
    }

    /// The DFS.
    pub fn dfs(&self) -> &Arc<Dfs> {
        &self.dfs
    }
}

//! Scheduling: the [`DagScheduler`](dag::DagScheduler) that turns jobs into stages and task
//! sets, and the [`TaskScheduler`](task_scheduler::TaskScheduler) that hands tasks to free
//! cores, glued together by [`Scheduler`].
//!
//! Both are deterministic state machines (DESIGN principle 2): every entry point takes the
//! current time and returns what to do; none reads a clock, sleeps or spawns a thread. The
//! drivers in [`crate::cluster`] feed them, on the virtual clock or the wall clock. They read
//! the cluster from its [`Membership`] and ask storage's master where blocks are; they do not
//! hold either. What they decide is emitted into the driver's one [`EventSink`], in order with
//! what storage decides.

pub mod dag;
pub mod declines;
mod pending;
pub mod speculation;
pub mod stage;
pub mod task;
pub mod task_scheduler;
pub mod task_set_manager;

pub use stage::JobOutcome;
pub use task::{ResultFunction, StatusUpdate, TaskBinary, TaskDescription, TaskOutcome};

use crate::events::{Event, EventKind, EventSink, TaskEndReason};
pub use crate::lineage::TaskLocation;
use crate::lineage::{RddNode, ShuffleDependency};
use crate::membership::Membership;
use crate::storage::MasterRef;
use dag::{DagAction, DagScheduler};
use std::sync::Arc;
use task_scheduler::{Completion, CompletionResult, TaskScheduler};

/// Why a job did not give an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// The job was aborted (a task or a stage failed too often); Spark's message.
    #[error("{0}")]
    Aborted(String),
    /// The driver could not read or write a file the action needs.
    #[error("{0}")]
    Io(String),
    /// The lineage cannot be computed (a hash partitioner over 0 partitions, a storage level
    /// changed after it was set): the job was not submitted.
    #[error("{0}")]
    InvalidRdd(String),
    /// An action was called inside a task, where only the driver may run jobs.
    #[error("RDD transformations and actions can only be invoked by the driver, not inside of other transformations (an action was called inside task {task}; see SPARK-5063)")]
    ActionInsideTask { task: usize },
    /// The engine broke one of its own rules (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why an executor is gone, as the schedulers need to know it (Spark's
/// `ExecutorLossReason`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutorLoss {
    /// What the cluster said (`Command exited with code 137`, `Executor heartbeat timed out
    /// after 10000 ms`).
    pub message: String,
    /// Whether the application caused it (Spark's `exitCausedByApp`): a task's code took the
    /// process down. Only then do the tasks running there count a failure.
    pub caused_by_app: bool,
    /// Whether the whole host went (Spark's `workerHost`): its shuffle files go with it, even
    /// under an external shuffle service.
    pub worker_lost: bool,
}

/// The scheduler settings of CONTRACTS §2 `[scheduler]`, with Spark's defaults.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// `spark.locality.wait.process`, µs.
    pub locality_wait_process_us: u64,
    /// `spark.locality.wait.node`, µs.
    pub locality_wait_node_us: u64,
    /// `spark.locality.wait.rack`, µs.
    pub locality_wait_rack_us: u64,
    /// `spark.locality.wait.legacyResetOnTaskLaunch`.
    pub legacy_locality_reset: bool,
    /// `spark.scheduler.revive.interval`, µs.
    pub revive_interval_us: u64,
    /// Whether hosts have racks (`false`: no RACK_LOCAL level, as Spark without YARN).
    pub rack_locality: bool,
    /// `spark.task.cpus`: cores each task takes.
    pub task_cpus: u32,
    /// `spark.task.maxFailures`.
    pub max_task_failures: u32,
    /// `spark.stage.maxConsecutiveAttempts`.
    pub max_stage_attempts: u32,
    /// `spark.stage.maxAttempts`: when non-zero, a stage aborts after
    /// `max(this, max_stage_attempts)` attempts in all.
    pub max_total_stage_attempts: u32,
    /// `DAGScheduler.RESUBMIT_TIMEOUT`, µs.
    pub resubmit_timeout_us: u64,
    /// `spark.speculation.*`.
    pub speculation: speculation::SpeculationConfig,
    /// Seeds the offer shuffling.
    pub seed: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            locality_wait_process_us: 3_000_000,
            locality_wait_node_us: 3_000_000,
            locality_wait_rack_us: 3_000_000,
            legacy_locality_reset: false,
            revive_interval_us: 1_000_000,
            rack_locality: true,
            task_cpus: 1,
            max_task_failures: 4,
            max_stage_attempts: 4,
            max_total_stage_attempts: 0,
            resubmit_timeout_us: 200_000,
            speculation: Default::default(),
            seed: 0,
        }
    }
}

/// The DAG scheduler and the task scheduler, and the stream they emit into.
pub struct Scheduler {
    /// Jobs, stages, map outputs.
    pub dag: DagScheduler,
    /// Task sets, offers, running tasks.
    pub tasks: TaskScheduler,
    events: EventSink,
    revive_requested: bool,
}

impl Scheduler {
    /// A scheduler with no jobs, over the executors that register in `membership`, asking
    /// `master` where blocks are, emitting into `events` (a handle on the driver's stream).
    pub fn new(
        config: SchedulerConfig,
        membership: Membership,
        master: MasterRef,
        events: EventSink,
    ) -> Self {
        Scheduler {
            dag: DagScheduler::new(config.clone(), master, membership.clone()),
            tasks: TaskScheduler::new(config, membership),
            events,
            revive_requested: false,
        }
    }

    /// Executor `id`, registered in the membership, offers its cores from now on (the driver
    /// posts its `ExecutorAdded`).
    pub fn executor_added(&mut self, id: usize, now: u64) {
        self.dag.executor_added(id);
        self.tasks.executor_added(id, now, &mut self.events);
        self.revive_requested = true;
    }

    /// Executor `id`'s process is gone and its loss reason is not known yet: it is offered
    /// nothing more, and what it was running waits for [`Self::executor_lost`].
    pub fn executor_disconnected(&mut self, id: usize) {
        self.tasks.executor_disconnected(id);
    }

    /// Executor `id`, lost in the membership, is gone for `loss` (Spark's
    /// `TaskSchedulerImpl.executorLost`, then the DAG scheduler's `handleExecutorLost`): the
    /// map tasks of running stages whose outputs it held end `resubmitted` (without an
    /// `external_shuffle_service`), the tasks it ran end `executor_lost`, its cached blocks
    /// are forgotten, and its map outputs too as reference §4.2's table says: lost without
    /// an external shuffle service, and with one only when the whole host went.
    pub fn executor_lost(
        &mut self,
        now: u64,
        id: usize,
        loss: &ExecutorLoss,
        external_shuffle_service: bool,
    ) {
        let host = self.tasks.membership().read().host(id).map(str::to_string);
        let completions =
            self.tasks
                .executor_lost(now, id, loss, !external_shuffle_service, &mut self.events);
        for c in completions {
            self.task_ended(now, c, Vec::new());
        }
        let files_lost = !external_shuffle_service || loss.worker_lost;
        let host = host.filter(|_| loss.worker_lost);
        self.dag
            .executor_lost(now, id, files_lost, host.as_deref(), &mut self.events);
        self.revive_requested = true;
        self.apply(now);
    }

    /// Fails every active job with `reason` (the cluster cannot run them: no executor is
    /// left); their running tasks are killed first.
    pub fn abort_all_jobs(&mut self, now: u64, reason: &str) {
        let message = format!("Job aborted: {reason}");
        for job in self.dag.active_jobs() {
            self.dag.fail_job(now, job, &message, &mut self.events);
        }
        self.apply(now);
    }

    /// The next `times` attempts of stage `stage`'s task for `partition` fail as they start
    /// (a `fail_task` fault).
    pub fn inject_failures(&mut self, stage: usize, partition: usize, times: u32, message: &str) {
        self.tasks.inject_failures(stage, partition, times, message);
    }

    /// Submits a job; see [`DagScheduler::submit_job`].
    pub fn submit_job(
        &mut self,
        now: u64,
        rdd: Arc<RddNode>,
        partitions: Vec<usize>,
        func: Arc<dyn ResultFunction>,
        action: &str,
    ) -> usize {
        let job = self
            .dag
            .submit_job(now, rdd, partitions, func, action, &mut self.events);
        self.apply(now);
        job
    }

    /// Submits a map-stage job; see [`DagScheduler::submit_map_stage`].
    pub fn submit_map_stage(&mut self, now: u64, dep: &Arc<ShuffleDependency>) -> usize {
        let job = self.dag.submit_map_stage(now, dep, &mut self.events);
        self.apply(now);
        job
    }

    fn apply(&mut self, now: u64) {
        for a in self.dag.take_actions() {
            match a {
                DagAction::Submit(ts) => {
                    self.tasks.submit_task_set(ts, now, &mut self.events);
                    self.revive_requested = true;
                }
                DagAction::Zombify(stage) => self.tasks.zombify_stage(stage, now, &mut self.events),
                DagAction::Kill { stage, reason } => {
                    self.tasks.kill_stage(now, stage, &reason, &mut self.events)
                }
            }
        }
        self.dag.end_failed_jobs(now, &mut self.events);
    }

    /// Whether task `task` was killed while it ran: its report, when it comes, is discarded
    /// (its `TaskEnd` was posted at the kill).
    pub fn was_killed(&self, task: usize) -> bool {
        self.tasks.was_killed(task)
    }

    /// Whether a full offer round was asked for (a task set arrived, a task failed) since the
    /// last call; clears the request.
    pub fn take_revive_request(&mut self) -> bool {
        std::mem::take(&mut self.revive_requested)
    }

    /// One offer round: all executors (`None`) or one (`Some(e)`).
    pub fn resource_offers(&mut self, now: u64, only: Option<usize>) -> Vec<TaskDescription> {
        self.tasks.resource_offers(now, only, &mut self.events)
    }

    /// Takes an executor's report on a task: posts `TaskEnd`, then moves the job on.
    pub fn status_update(&mut self, now: u64, mut update: StatusUpdate) {
        let blocks_read = std::mem::take(&mut update.blocks_read);
        let Some(c) = self.tasks.status_update(now, update, &mut self.events) else {
            return;
        };
        self.task_ended(now, c, blocks_read);
        // The losing copies' `killed` ends come after the winner's `success`.
        self.tasks.kill_losing_copies(now, &mut self.events);
        self.apply(now);
    }

    /// Posts a finished attempt's `TaskEnd`, then tells the DAG scheduler.
    pub(crate) fn task_ended(&mut self, now: u64, c: Completion, blocks_read: Vec<String>) {
        let error = match &c.result {
            CompletionResult::Failed(e) => Some(e.to_string()),
            _ => None,
        };
        if c.reason != TaskEndReason::Success {
            self.revive_requested = true;
        }
        self.events.emit(
            now,
            EventKind::TaskEnd {
                task: c.task_id,
                stage: c.stage_id,
                attempt: c.stage_attempt,
                partition: c.partition,
                executor: self.tasks.membership().name(c.executor),
                reason: c.reason,
                duration_us: c.duration_us,
                metrics: c.metrics.clone(),
                error,
                blocks_read,
            },
        );
        self.dag.handle_task_completion(now, c, &mut self.events);
    }

    /// When [`Self::on_timer`] is next due: the DAG scheduler's resubmission, the task
    /// scheduler's speculation check.
    pub fn next_timer(&self) -> Option<u64> {
        [self.dag.next_timer(), self.tasks.next_speculation_check()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Runs the timers due at `now`.
    pub fn on_timer(&mut self, now: u64) {
        self.dag.on_timer(now, &mut self.events);
        if self.tasks.check_speculatable_tasks(now) {
            self.revive_requested = true;
        }
        self.apply(now);
    }

    /// Takes the kill messages for executors decided since the last call: `(task,
    /// executor)` (a losing speculative copy, a task of an aborted job).
    pub fn take_kills(&mut self) -> Vec<(usize, usize)> {
        self.tasks.take_kills()
    }

    /// Whether the job has ended.
    pub fn job_finished(&self, job: usize) -> bool {
        self.dag.job_finished(job)
    }

    /// Takes a finished job's outcome.
    pub fn take_job_outcome(&mut self, job: usize) -> Option<JobOutcome> {
        self.dag.take_job_outcome(job)
    }

    /// Whether some task set still has tasks to launch.
    pub fn has_pending_tasks(&self) -> bool {
        self.tasks.has_pending_tasks()
    }

    /// Whether a periodic offer round could launch anything: some task set has a task to
    /// launch and some executor has a free core. Otherwise a round would launch nothing and
    /// change nothing, so the driver does not take it (its steps then do not grow with how
    /// long tasks run).
    pub fn wants_revive(&self) -> bool {
        self.tasks.has_tasks_to_launch() && self.tasks.has_free_core()
    }

    /// Takes the events decided since the last call (by the schedulers and by whatever else
    /// shares their stream), in order.
    pub fn drain_events(&mut self) -> Vec<Event> {
        self.events.drain()
    }
}

//! `DagScheduler`: jobs into stages, stages into task sets, and recovery (reference §1, §4.3).
//!
//! It owns the stage graph (stages by id, shuffle → map stage), the active jobs, the waiting,
//! running and failed stage sets and the [`MapOutputTracker`]; it asks the driver's
//! [`BlockManagerMaster`](crate::storage::BlockManagerMaster) where blocks are cached (storage,
//! beside it in the driver, keeps the master up to date) and the [`Membership`] where
//! executors are. It cuts a job's lineage at shuffle dependencies (parents first, so
//! they get smaller ids), submits only the stages whose outputs are missing, reuses map outputs
//! across jobs (a reused stage is listed but skipped), and resubmits what a fetch failure lost.
//! It does not pick executors: it hands [`TaskSet`]s to the task scheduler.

use super::stage::{ActiveJob, JobOutcome, Stage, StageKind};
use super::task::{ResultFunction, TaskBinary};
use super::task_scheduler::{Completion, CompletionResult, TaskSet};
use super::task_set_manager::TaskTemplate;
use super::SchedulerConfig;
use crate::events::{
    EventKind, EventSink, Outcome, RddInfo, SkipReason, SubmitReason, TaskPreference,
};
use crate::lineage::{RddId, RddNode, ShuffleDependency, ShuffleId};
use crate::membership::Membership;
use crate::shuffle::{MapOutputTracker, ShuffleInputs, ShuffleReadPlan};
use crate::storage::MasterRef;
use crate::task_context::TaskError;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

mod graph;
mod recovery;

pub use graph::{rdd_infos, stage_rdds, PreferredLocs};
use recovery::c_meta;

/// What the DAG scheduler asks of the task scheduler.
pub enum DagAction {
    /// Run these tasks.
    Submit(TaskSet),
    /// Launch nothing more for this stage.
    Zombify(usize),
    /// Its job was aborted: launch nothing more for this stage and kill its running tasks
    /// (Spark's `killAllTaskAttempts` with "Stage cancelled").
    Kill { stage: usize, reason: String },
}

/// Jobs, stages, map outputs, cache locations.
pub struct DagScheduler {
    config: SchedulerConfig,
    next_job_id: usize,
    next_stage_id: usize,
    next_shuffle_id: ShuffleId,
    stages: BTreeMap<usize, Stage>,
    /// Each stage's children: the stages that list it among their parents (kept with
    /// `stages`, so that a finished stage finds its waiting children without a scan of every
    /// waiting stage, which made a chain of `n` shuffles cost `n²`).
    children: BTreeMap<usize, BTreeSet<usize>>,
    shuffle_to_stage: BTreeMap<ShuffleId, usize>,
    job_to_stages: BTreeMap<usize, BTreeSet<usize>>,
    jobs: BTreeMap<usize, ActiveJob>,
    finished_jobs: BTreeMap<usize, JobOutcome>,
    waiting: BTreeSet<usize>,
    running: BTreeSet<usize>,
    failed: BTreeSet<usize>,
    /// Where every map output is.
    pub tracker: MapOutputTracker,
    /// Where every cached block is: the driver's master, which storage keeps up to date and
    /// the DAG scheduler asks (Spark's `BlockManagerMaster`).
    master: MasterRef,
    /// Where executors are, and whether they are alive.
    membership: Membership,
    cache_locs: BTreeMap<RddId, Vec<Vec<usize>>>,
    /// Every RDD as the last `JobStart` that described it said it: a job describes only the
    /// RDDs that are new or changed.
    described: BTreeMap<RddId, RddInfo>,
    executor_failure_epoch: BTreeMap<usize, u64>,
    shuffle_file_lost_epoch: BTreeMap<usize, u64>,
    resubmit_at: Option<u64>,
    actions: Vec<DagAction>,
    /// Jobs that failed, whose `JobEnd` waits until their running tasks are killed.
    ending: Vec<(usize, JobOutcome)>,
}

pub(super) fn ptr_eq(a: &Arc<ShuffleDependency>, b: &Arc<ShuffleDependency>) -> bool {
    Arc::ptr_eq(a, b)
}

impl DagScheduler {
    /// A scheduler with no jobs, asking `master` where blocks are and `membership` where
    /// executors are.
    pub fn new(config: SchedulerConfig, master: MasterRef, membership: Membership) -> Self {
        DagScheduler {
            config,
            next_job_id: 0,
            next_stage_id: 0,
            next_shuffle_id: 0,
            stages: BTreeMap::new(),
            children: BTreeMap::new(),
            shuffle_to_stage: BTreeMap::new(),
            job_to_stages: BTreeMap::new(),
            jobs: BTreeMap::new(),
            finished_jobs: BTreeMap::new(),
            waiting: BTreeSet::new(),
            running: BTreeSet::new(),
            failed: BTreeSet::new(),
            tracker: MapOutputTracker::new(),
            master,
            membership,
            cache_locs: BTreeMap::new(),
            described: BTreeMap::new(),
            executor_failure_epoch: BTreeMap::new(),
            shuffle_file_lost_epoch: BTreeMap::new(),
            resubmit_at: None,
            actions: Vec::new(),
            ending: Vec::new(),
        }
    }

    /// Takes what was decided for the task scheduler since the last call.
    pub fn take_actions(&mut self) -> Vec<DagAction> {
        std::mem::take(&mut self.actions)
    }

    /// An executor registered (Spark's `handleExecutorAdded`): failures it had before, under
    /// the same id, are forgotten.
    pub fn executor_added(&mut self, executor: usize) {
        self.executor_failure_epoch.remove(&executor);
        self.shuffle_file_lost_epoch.remove(&executor);
    }

    /// An executor was lost (Spark's `handleExecutorLost`): its cached blocks are forgotten,
    /// and its map outputs too unless `files_lost` is false (an external shuffle service
    /// still serves them); with `worker_host`, the whole host went, and every map output on
    /// it is forgotten. Stages missing outputs are resubmitted as their jobs need them.
    pub fn executor_lost(
        &mut self,
        now: u64,
        executor: usize,
        files_lost: bool,
        worker_host: Option<&str>,
        ev: &mut EventSink,
    ) {
        let epoch = self.tracker.epoch();
        self.remove_executor_and_unregister_outputs(now, executor, epoch, files_lost, ev);
        if let Some(host) = worker_host {
            self.remove_outputs_on_host(now, host, ev);
        }
    }

    /// The executor holding map `map`'s output of shuffle `shuffle`, while it is registered.
    pub fn map_output_executor(&self, shuffle: usize, map: usize) -> Option<usize> {
        let statuses = self.tracker.statuses(shuffle)?;
        statuses.get(map)?.as_ref().map(|s| s.executor)
    }

    /// The master this scheduler asks where blocks are.
    pub fn block_master(&self) -> &MasterRef {
        &self.master
    }

    /// Stages currently known, by id.
    pub fn stages(&self) -> &BTreeMap<usize, Stage> {
        &self.stages
    }

    /// Whether the job has ended; its outcome is then waiting in [`Self::take_job_outcome`].
    pub fn job_finished(&self, job: usize) -> bool {
        self.finished_jobs.contains_key(&job)
    }

    /// Takes a finished job's outcome.
    pub fn take_job_outcome(&mut self, job: usize) -> Option<JobOutcome> {
        self.finished_jobs.remove(&job)
    }

    /// Jobs still running.
    pub fn active_jobs(&self) -> Vec<usize> {
        self.jobs.keys().copied().collect()
    }

    /// When the DAG scheduler next wants [`Self::on_timer`] called.
    pub fn next_timer(&self) -> Option<u64> {
        self.resubmit_at
    }

    /// Runs what is due at `now` (resubmitting stages after fetch failures).
    pub fn on_timer(&mut self, now: u64, ev: &mut EventSink) {
        if self.resubmit_at.is_some_and(|t| t <= now) {
            self.resubmit_failed_stages(now, ev);
        }
    }

    // ----- jobs ------------------------------------------------------------------------------

    /// Submits a job computing `partitions` of `rdd` with `func`; returns its id. Nothing runs
    /// until the task scheduler gets the task sets this produces.
    pub fn submit_job(
        &mut self,
        now: u64,
        rdd: Arc<RddNode>,
        partitions: Vec<usize>,
        func: Arc<dyn ResultFunction>,
        action: &str,
        ev: &mut EventSink,
    ) -> usize {
        let job = self.next_job_id;
        self.next_job_id += 1;
        self.assign_shuffle_ids(&rdd);
        if partitions.is_empty() {
            ev.emit(
                now,
                EventKind::JobStart {
                    job,
                    action: action.to_string(),
                    stage_ids: Vec::new(),
                    rdds: Vec::new(),
                    stages: Vec::new(),
                },
            );
            self.end_job(now, job, JobOutcome::Succeeded(Vec::new()), ev);
            return job;
        }
        let parents = self.get_or_create_parent_stages(&rdd, job);
        let id = self.next_stage_id;
        self.next_stage_id += 1;
        let n = partitions.len();
        self.add_children(id, &parents);
        self.stages.insert(
            id,
            Stage {
                id,
                rdd: rdd.clone(),
                num_tasks: n,
                parents,
                first_job_id: job,
                job_ids: BTreeSet::new(),
                kind: StageKind::Result {
                    job,
                    partitions,
                    func,
                },
                next_attempt: 0,
                latest_attempt: 0,
                failed_attempt_ids: BTreeSet::new(),
                pending_partitions: BTreeSet::new(),
                next_reason: SubmitReason::New,
            },
        );
        self.register_job_on_stage(job, id);
        self.start_job(now, job, id, action, n, &rdd, ev);
        self.post_skipped(now, job, id, ev);
        self.submit_stage(now, id, ev);
        job
    }

    /// Submits a job that only computes the map outputs of the shuffle `dep` (Spark's
    /// `submitMapStage`); returns its id.
    pub fn submit_map_stage(
        &mut self,
        now: u64,
        dep: &Arc<ShuffleDependency>,
        ev: &mut EventSink,
    ) -> usize {
        let job = self.next_job_id;
        self.next_job_id += 1;
        self.assign_shuffle_ids(&dep.rdd);
        let stage = self.get_or_create_shuffle_map_stage(dep, job);
        self.register_job_on_stage(job, stage);
        if let Some(StageKind::ShuffleMap { map_stage_jobs, .. }) =
            self.stages.get_mut(&stage).map(|s| &mut s.kind)
        {
            map_stage_jobs.push(job);
        }
        let rdd = dep.rdd.clone();
        self.start_job(now, job, stage, "submit_map_stage", 0, &rdd, ev);
        self.post_skipped(now, job, stage, ev);
        self.submit_stage(now, stage, ev);
        let sid = self.shuffle_id(dep);
        if self.jobs.contains_key(&job) && self.tracker.is_available(sid) {
            self.finish_map_stage_job(now, job, ev);
        }
        job
    }

    #[allow(clippy::too_many_arguments)]
    fn start_job(
        &mut self,
        now: u64,
        job: usize,
        final_stage: usize,
        action: &str,
        outputs: usize,
        rdd: &Arc<RddNode>,
        ev: &mut EventSink,
    ) {
        let stages = self.job_to_stages.get(&job).cloned().unwrap_or_default();
        self.jobs.insert(
            job,
            ActiveJob {
                id: job,
                final_stage,
                action: action.to_string(),
                finished: vec![false; outputs],
                num_finished: 0,
                results: (0..outputs).map(|_| None).collect(),
                stages: stages.clone(),
            },
        );
        self.cache_locs.clear();
        let infos = stages.iter().filter_map(|s| self.stage_info(*s)).collect();
        let rdds = self.new_descriptions(rdd);
        ev.emit(
            now,
            EventKind::JobStart {
                job,
                action: action.to_string(),
                stage_ids: stages.iter().copied().collect(),
                rdds,
                stages: infos,
            },
        );
    }

    /// Records `stage` as a child of each of its `parents`.
    pub(super) fn add_children(&mut self, stage: usize, parents: &[usize]) {
        for p in parents {
            self.children.entry(*p).or_default().insert(stage);
        }
    }

    /// The descriptions of `rdd`'s lineage that no earlier job gave, or that changed since;
    /// remembered as given.
    fn new_descriptions(&mut self, rdd: &Arc<RddNode>) -> Vec<RddInfo> {
        let mut new = Vec::new();
        for info in rdd_infos(rdd) {
            if self.described.get(&info.rdd) != Some(&info) {
                self.described.insert(info.rdd, info.clone());
                new.push(info);
            }
        }
        new
    }

    fn active_job_for_stage(&self, stage: usize) -> Option<usize> {
        self.stages
            .get(&stage)?
            .job_ids
            .iter()
            .find(|j| self.jobs.contains_key(j))
            .copied()
    }

    // ----- submitting stages -----------------------------------------------------------------

    /// Posts `StageSkipped` for every stage the job lists that its final stage does not need:
    /// stages whose map outputs exist, and stages hidden behind a fully cached RDD. The walk is
    /// the one `submit_stage` makes, so the stages it reaches are the ones that will run.
    fn post_skipped(&mut self, now: u64, job: usize, final_stage: usize, ev: &mut EventSink) {
        let mut needed = BTreeSet::from([final_stage]);
        let mut todo = vec![final_stage];
        while let Some(s) = todo.pop() {
            for p in self.missing_parent_stages(s) {
                if needed.insert(p) {
                    todo.push(p);
                }
            }
        }
        let listed = self.job_to_stages.get(&job).cloned().unwrap_or_default();
        for stage in listed.difference(&needed) {
            let available = self
                .stages
                .get(stage)
                .and_then(|s| s.shuffle_dep())
                .and_then(|d| d.shuffle_id())
                .is_some_and(|sid| self.tracker.is_available(sid));
            ev.emit(
                now,
                EventKind::StageSkipped {
                    stage: *stage,
                    job,
                    reason: if available {
                        SkipReason::MapOutputsExist
                    } else {
                        SkipReason::Cached
                    },
                },
            );
        }
    }

    /// Spark's `submitStage`: runs the stage if its parents' outputs are all there, else
    /// submits the missing parents first and waits. Recursive as Spark's is, one level per
    /// stage of a chain of shuffles: through [`crate::stack::deep`], so any depth works.
    fn submit_stage(&mut self, now: u64, stage: usize, ev: &mut EventSink) {
        crate::stack::deep(|| self.submit_stage_now(now, stage, ev))
    }

    fn submit_stage_now(&mut self, now: u64, stage: usize, ev: &mut EventSink) {
        let Some(job) = self.active_job_for_stage(stage) else {
            self.abort_stage(now, stage, "No active job for stage", ev);
            return;
        };
        if self.waiting.contains(&stage)
            || self.running.contains(&stage)
            || self.failed.contains(&stage)
        {
            return;
        }
        // Spark 4: a stage attempted spark.stage.maxAttempts times in all (when that cap is
        // set above the consecutive one) is aborted.
        let cap = self.config.max_total_stage_attempts;
        if cap > 0 {
            let cap = cap.max(self.config.max_stage_attempts) as usize;
            if self
                .stages
                .get(&stage)
                .is_some_and(|s| s.next_attempt >= cap)
            {
                let reason = format!(
                    "Stage {stage} has been attempted {cap} times in all (spark.stage.maxAttempts)"
                );
                self.abort_stage(now, stage, &reason, ev);
                return;
            }
        }
        let missing = self.missing_parent_stages(stage);
        if missing.is_empty() {
            self.submit_missing_tasks(now, stage, job, ev);
        } else {
            for p in missing {
                self.submit_stage(now, p, ev);
            }
            self.waiting.insert(stage);
        }
    }

    fn submit_missing_tasks(&mut self, now: u64, stage: usize, job: usize, ev: &mut EventSink) {
        let Some(s) = self.stages.get(&stage) else {
            return;
        };
        // (output index, partition) for each task to run.
        let todo: Vec<(usize, usize)> = match &s.kind {
            StageKind::ShuffleMap { dep, .. } => {
                let sid = dep.shuffle_id().unwrap_or(0);
                self.tracker
                    .missing_partitions(sid, s.num_tasks)
                    .into_iter()
                    .map(|p| (p, p))
                    .collect()
            }
            StageKind::Result {
                job: j, partitions, ..
            } => match self.jobs.get(j) {
                Some(active) => (0..partitions.len())
                    .filter(|i| !active.finished[*i])
                    .map(|i| (i, partitions[i]))
                    .collect(),
                None => Vec::new(),
            },
        };
        let rdd = s.rdd.clone();
        let binary = match &s.kind {
            StageKind::ShuffleMap { dep, .. } => TaskBinary::ShuffleMap(dep.clone()),
            StageKind::Result { func, .. } => TaskBinary::Result(func.clone()),
        };
        self.running.insert(stage);
        let mut tasks = Vec::with_capacity(todo.len());
        let mut preferred = Vec::new();
        for (_, p) in &todo {
            let prefs = match self.preferred_locs(&rdd, *p, &mut BTreeSet::new()) {
                Some(found) => {
                    preferred.push(TaskPreference {
                        partition: *p,
                        rdd: found.rdd,
                        why: found.why,
                        locations: found.names,
                    });
                    found.locs
                }
                None => Vec::new(),
            };
            tasks.push(TaskTemplate {
                partition: *p,
                prefs,
            });
        }
        let mut inputs = ShuffleInputs::default();
        for d in Self::direct_shuffle_deps(&rdd) {
            if let Some(sid) = d.shuffle_id() {
                if let Some(st) = self.tracker.statuses(sid) {
                    inputs.insert(sid, ShuffleReadPlan::new(st, d.num_reduces()));
                }
            }
        }
        let epoch = self.tracker.epoch();
        let Some(s) = self.stages.get_mut(&stage) else {
            return;
        };
        let attempt = s.next_attempt;
        s.next_attempt += 1;
        s.latest_attempt = attempt;
        let reason = std::mem::replace(&mut s.next_reason, SubmitReason::New);
        if s.is_shuffle_map() {
            s.pending_partitions = todo.iter().map(|(_, p)| *p).collect();
        }
        ev.emit(
            now,
            EventKind::StageSubmitted {
                stage,
                attempt,
                job,
                partitions: todo.iter().map(|(_, p)| *p).collect(),
                reason,
                preferred,
            },
        );
        if !tasks.is_empty() {
            self.actions.push(DagAction::Submit(TaskSet {
                stage_id: stage,
                stage_attempt: attempt,
                job_id: job,
                epoch,
                tasks,
                binary,
                shuffle_inputs: Arc::new(inputs),
            }));
        } else if self.stages.get(&stage).is_some_and(Stage::is_shuffle_map) {
            self.process_shuffle_map_stage_completion(now, stage, ev);
        } else {
            self.mark_stage_as_finished(now, stage, None, ev);
            self.submit_waiting_child_stages(now, stage, ev);
        }
    }

    fn mark_stage_as_finished(
        &mut self,
        now: u64,
        stage: usize,
        error: Option<String>,
        ev: &mut EventSink,
    ) {
        let Some(s) = self.stages.get_mut(&stage) else {
            return;
        };
        ev.emit(
            now,
            EventKind::StageCompleted {
                stage,
                attempt: s.latest_attempt,
                result: if error.is_some() {
                    Outcome::Failed
                } else {
                    Outcome::Succeeded
                },
                reason: error.clone(),
            },
        );
        if error.is_none() {
            s.failed_attempt_ids.clear();
        }
        self.running.remove(&stage);
    }

    fn submit_waiting_child_stages(&mut self, now: u64, parent: usize, ev: &mut EventSink) {
        let mut children: Vec<(usize, usize)> = self
            .children
            .get(&parent)
            .into_iter()
            .flatten()
            .filter(|c| self.waiting.contains(c))
            .filter_map(|c| self.stages.get(c))
            .map(|c| (c.first_job_id, c.id))
            .collect();
        children.sort();
        for (_, c) in &children {
            self.waiting.remove(c);
        }
        for (_, c) in children {
            self.submit_stage(now, c, ev);
        }
    }

    fn process_shuffle_map_stage_completion(&mut self, now: u64, stage: usize, ev: &mut EventSink) {
        self.mark_stage_as_finished(now, stage, None, ev);
        self.tracker.increment_epoch();
        self.clear_cache_locs();
        let Some(s) = self.stages.get_mut(&stage) else {
            return;
        };
        let sid = s.shuffle_dep().and_then(|d| d.shuffle_id()).unwrap_or(0);
        if !self.tracker.is_available(sid) {
            s.next_reason = SubmitReason::MissingOutputs;
            self.submit_stage(now, stage, ev);
            return;
        }
        let map_jobs = match &s.kind {
            StageKind::ShuffleMap { map_stage_jobs, .. } => map_stage_jobs.clone(),
            StageKind::Result { .. } => Vec::new(),
        };
        for j in map_jobs {
            if self.jobs.contains_key(&j) {
                self.finish_map_stage_job(now, j, ev);
            }
        }
        self.submit_waiting_child_stages(now, stage, ev);
    }

    fn finish_map_stage_job(&mut self, now: u64, job: usize, ev: &mut EventSink) {
        self.cleanup_job(job);
        self.end_job(now, job, JobOutcome::Succeeded(Vec::new()), ev);
    }

    /// Posts the `JobEnd` of jobs that failed, once the task scheduler has killed their running
    /// tasks (the [`DagAction::Kill`]s taken before this call), so that every task of a job ends
    /// before the job does.
    pub fn end_failed_jobs(&mut self, now: u64, ev: &mut EventSink) {
        for (job, outcome) in std::mem::take(&mut self.ending) {
            self.end_job(now, job, outcome, ev);
        }
    }

    /// Posts `JobEnd` and keeps the outcome for the driver.
    fn end_job(&mut self, now: u64, job: usize, outcome: JobOutcome, ev: &mut EventSink) {
        let (result, error) = match &outcome {
            JobOutcome::Succeeded(_) => (Outcome::Succeeded, None),
            JobOutcome::Failed(m) => (Outcome::Failed, Some(m.clone())),
        };
        ev.emit(now, EventKind::JobEnd { job, result, error });
        self.finished_jobs.insert(job, outcome);
    }

    /// Spark's `cleanupStateForJobAndIndependentStages`: a stage goes when no job needs it.
    fn cleanup_job(&mut self, job: usize) {
        for s in self.job_to_stages.remove(&job).unwrap_or_default() {
            let Some(st) = self.stages.get_mut(&s) else {
                continue;
            };
            st.job_ids.remove(&job);
            if let StageKind::ShuffleMap { map_stage_jobs, .. } = &mut st.kind {
                map_stage_jobs.retain(|j| *j != job);
            }
            if st.job_ids.is_empty() {
                if let Some(sid) = st.shuffle_dep().and_then(|d| d.shuffle_id()) {
                    if self.shuffle_to_stage.get(&sid) == Some(&s) {
                        self.shuffle_to_stage.remove(&sid);
                    }
                }
                if let Some(gone) = self.stages.remove(&s) {
                    for p in &gone.parents {
                        if let Some(c) = self.children.get_mut(p) {
                            c.remove(&s);
                        }
                    }
                }
                self.children.remove(&s);
                self.waiting.remove(&s);
                self.running.remove(&s);
                self.failed.remove(&s);
            }
        }
        self.jobs.remove(&job);
    }

    // ----- task completions ------------------------------------------------------------------

    /// Takes a finished task attempt (its `TaskEnd` already posted) and moves the job on.
    pub fn handle_task_completion(&mut self, now: u64, c: Completion, ev: &mut EventSink) {
        if !self.stages.contains_key(&c.stage_id) {
            return;
        }
        let meta = c_meta(&c);
        match c.result {
            CompletionResult::MapOutput(status) => {
                let stage = c.stage_id;
                let Some(s) = self.stages.get_mut(&stage) else {
                    return;
                };
                s.pending_partitions.remove(&c.partition);
                let sid = s.shuffle_dep().and_then(|d| d.shuffle_id()).unwrap_or(0);
                let bogus = self
                    .executor_failure_epoch
                    .get(&status.executor)
                    .is_some_and(|e| *e >= c.epoch);
                if !bogus {
                    self.tracker.register_map_output(sid, c.partition, status);
                }
                let done = s.pending_partitions.is_empty();
                if self.running.contains(&stage) && done {
                    self.process_shuffle_map_stage_completion(now, stage, ev);
                }
            }
            CompletionResult::Value(v) => {
                let Some(s) = self.stages.get(&c.stage_id) else {
                    return;
                };
                let StageKind::Result {
                    job, partitions, ..
                } = &s.kind
                else {
                    return;
                };
                let job = *job;
                let Some(out) = partitions.iter().position(|p| *p == c.partition) else {
                    return;
                };
                let Some(active) = self.jobs.get_mut(&job) else {
                    return;
                };
                if active.finished[out] {
                    return;
                }
                active.finished[out] = true;
                active.results[out] = Some(v);
                active.num_finished += 1;
                if active.num_finished == active.finished.len() {
                    let results = active.results.iter_mut().filter_map(Option::take).collect();
                    self.mark_stage_as_finished(now, c.stage_id, None, ev);
                    self.cleanup_job(job);
                    self.end_job(now, job, JobOutcome::Succeeded(results), ev);
                }
            }
            CompletionResult::Failed(TaskError::FetchFailed {
                shuffle,
                map,
                executor,
                message,
                ..
            }) => self.handle_fetch_failed(now, &meta, shuffle, map, executor, &message, ev),
            CompletionResult::Resubmitted => {
                // Spark: `stage.pendingPartitions += task.partitionId`, so that the stage
                // does not look finished.
                if let Some(s) = self.stages.get_mut(&c.stage_id) {
                    s.pending_partitions.insert(c.partition);
                }
            }
            CompletionResult::Failed(TaskError::Exception(_) | TaskError::ExecutorLost { .. }) => {
                if let Some(reason) = c.aborted {
                    self.abort_stage(now, c.stage_id, &reason, ev);
                }
            }
        }
    }
}

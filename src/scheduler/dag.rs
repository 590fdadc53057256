//! `DagScheduler`: jobs into stages, stages into task sets, and recovery (reference §1, §4.3).
//!
//! It owns the stage graph (stages by id, shuffle → map stage), the active jobs, the waiting,
//! running and failed stage sets, the [`MapOutputTracker`] and the driver's
//! [`BlockManagerMaster`]. It cuts a job's lineage at shuffle dependencies (parents first, so
//! they get smaller ids), submits only the stages whose outputs are missing, reuses map outputs
//! across jobs (a reused stage is listed but skipped), and resubmits what a fetch failure lost.
//! It does not pick executors: it hands [`TaskSet`]s to the task scheduler.

use super::stage::{ActiveJob, JobOutcome, Stage, StageKind};
use super::task::{ResultFunction, TaskBinary};
use super::task_scheduler::{Completion, CompletionResult, TaskSet};
use super::task_set_manager::TaskTemplate;
use super::{SchedulerConfig, TaskLocation};
use crate::events::{EventKind, EventSink, Outcome, ParentInfo, RddInfo, StageInfo, SubmitReason};
use crate::rdd::{Dependency, RddId, RddNode, ShuffleDependency, ShuffleId};
use crate::shuffle::{MapOutputTracker, ShuffleInputs};
use crate::storage::{rdd_block_id, BlockManagerMaster, StorageLevel};
use crate::task_context::TaskError;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// What the DAG scheduler asks of the task scheduler.
pub enum DagAction {
    /// Run these tasks.
    Submit(TaskSet),
    /// Launch nothing more for this stage.
    Zombify(usize),
}

/// Jobs, stages, map outputs, cache locations.
pub struct DagScheduler {
    config: SchedulerConfig,
    next_job_id: usize,
    next_stage_id: usize,
    next_shuffle_id: ShuffleId,
    stages: BTreeMap<usize, Stage>,
    shuffle_to_stage: BTreeMap<ShuffleId, usize>,
    job_to_stages: BTreeMap<usize, BTreeSet<usize>>,
    jobs: BTreeMap<usize, ActiveJob>,
    finished_jobs: BTreeMap<usize, JobOutcome>,
    waiting: BTreeSet<usize>,
    running: BTreeSet<usize>,
    failed: BTreeSet<usize>,
    /// Where every map output is.
    pub tracker: MapOutputTracker,
    /// Where every cached block is.
    pub block_master: BlockManagerMaster,
    cache_locs: BTreeMap<RddId, Vec<Vec<usize>>>,
    executor_hosts: BTreeMap<usize, String>,
    executor_failure_epoch: BTreeMap<usize, u64>,
    shuffle_file_lost_epoch: BTreeMap<usize, u64>,
    resubmit_at: Option<u64>,
    actions: Vec<DagAction>,
}

fn ptr_eq(a: &Arc<ShuffleDependency>, b: &Arc<ShuffleDependency>) -> bool {
    Arc::ptr_eq(a, b)
}

impl DagScheduler {
    /// A scheduler with no jobs.
    pub fn new(config: SchedulerConfig) -> Self {
        DagScheduler {
            config,
            next_job_id: 0,
            next_stage_id: 0,
            next_shuffle_id: 0,
            stages: BTreeMap::new(),
            shuffle_to_stage: BTreeMap::new(),
            job_to_stages: BTreeMap::new(),
            jobs: BTreeMap::new(),
            finished_jobs: BTreeMap::new(),
            waiting: BTreeSet::new(),
            running: BTreeSet::new(),
            failed: BTreeSet::new(),
            tracker: MapOutputTracker::new(),
            block_master: BlockManagerMaster::new(),
            cache_locs: BTreeMap::new(),
            executor_hosts: BTreeMap::new(),
            executor_failure_epoch: BTreeMap::new(),
            shuffle_file_lost_epoch: BTreeMap::new(),
            resubmit_at: None,
            actions: Vec::new(),
        }
    }

    /// Takes what was decided for the task scheduler since the last call.
    pub fn take_actions(&mut self) -> Vec<DagAction> {
        std::mem::take(&mut self.actions)
    }

    /// Learns an executor's host (for cache-location preferences).
    pub fn executor_added(&mut self, executor: usize, host: &str) {
        self.executor_hosts.insert(executor, host.to_string());
        self.executor_failure_epoch.remove(&executor);
        self.shuffle_file_lost_epoch.remove(&executor);
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

    // ----- building the stage graph ----------------------------------------------------------

    /// Gives ids to the shuffles of a lineage in the order Spark creates its shuffle
    /// dependencies: `eagerlyComputePartitionsForRddAndAncestors` asks each RDD for its
    /// dependencies, visiting parents depth first, last dependency first.
    fn assign_shuffle_ids(&mut self, rdd: &Arc<RddNode>) {
        let mut visited = BTreeSet::new();
        let mut waiting: VecDeque<Arc<RddNode>> = VecDeque::from([rdd.clone()]);
        while let Some(r) = waiting.pop_front() {
            if !visited.insert(r.id) {
                continue;
            }
            for dep in &r.deps {
                if let Dependency::Shuffle(s) = dep {
                    s.assign_id(&mut self.next_shuffle_id);
                }
                waiting.push_front(dep.rdd().clone());
            }
        }
    }

    /// Spark's `getShuffleDependenciesAndResourceProfiles`: the shuffle dependencies reached
    /// from `rdd` through narrow edges only, in the order a depth-first walk meets them.
    fn direct_shuffle_deps(rdd: &Arc<RddNode>) -> Vec<Arc<ShuffleDependency>> {
        let mut parents: Vec<Arc<ShuffleDependency>> = Vec::new();
        let mut visited = BTreeSet::new();
        let mut waiting: VecDeque<Arc<RddNode>> = VecDeque::from([rdd.clone()]);
        while let Some(r) = waiting.pop_front() {
            if !visited.insert(r.id) {
                continue;
            }
            for dep in &r.deps {
                match dep {
                    Dependency::Shuffle(s) => {
                        if !parents.iter().any(|p| ptr_eq(p, s)) {
                            parents.push(s.clone());
                        }
                    }
                    narrow => waiting.push_front(narrow.rdd().clone()),
                }
            }
        }
        parents
    }

    fn shuffle_id(&mut self, dep: &ShuffleDependency) -> ShuffleId {
        dep.assign_id(&mut self.next_shuffle_id)
    }

    fn get_or_create_parent_stages(&mut self, rdd: &Arc<RddNode>, job: usize) -> Vec<usize> {
        Self::direct_shuffle_deps(rdd)
            .iter()
            .map(|d| self.get_or_create_shuffle_map_stage(d, job))
            .collect()
    }

    /// Spark's `getMissingAncestorShuffleDependencies`: unregistered shuffles above `rdd`,
    /// deepest first.
    fn missing_ancestor_shuffle_deps(&mut self, rdd: &Arc<RddNode>) -> Vec<Arc<ShuffleDependency>> {
        let mut ancestors: VecDeque<Arc<ShuffleDependency>> = VecDeque::new();
        let mut visited = BTreeSet::new();
        let mut waiting: VecDeque<Arc<RddNode>> = VecDeque::from([rdd.clone()]);
        while let Some(r) = waiting.pop_front() {
            if !visited.insert(r.id) {
                continue;
            }
            for d in Self::direct_shuffle_deps(&r) {
                let sid = self.shuffle_id(&d);
                if !self.shuffle_to_stage.contains_key(&sid) {
                    waiting.push_front(d.rdd.clone());
                    ancestors.push_front(d);
                }
            }
        }
        ancestors.into()
    }

    fn get_or_create_shuffle_map_stage(
        &mut self,
        dep: &Arc<ShuffleDependency>,
        job: usize,
    ) -> usize {
        let sid = self.shuffle_id(dep);
        if let Some(s) = self.shuffle_to_stage.get(&sid) {
            return *s;
        }
        for anc in self.missing_ancestor_shuffle_deps(&dep.rdd) {
            let aid = self.shuffle_id(&anc);
            if !self.shuffle_to_stage.contains_key(&aid) {
                self.create_shuffle_map_stage(&anc, job);
            }
        }
        self.create_shuffle_map_stage(dep, job)
    }

    fn create_shuffle_map_stage(&mut self, dep: &Arc<ShuffleDependency>, job: usize) -> usize {
        let sid = self.shuffle_id(dep);
        let parents = self.get_or_create_parent_stages(&dep.rdd, job);
        let id = self.next_stage_id;
        self.next_stage_id += 1;
        self.stages.insert(
            id,
            Stage {
                id,
                rdd: dep.rdd.clone(),
                num_tasks: dep.num_maps(),
                parents,
                first_job_id: job,
                job_ids: BTreeSet::new(),
                kind: StageKind::ShuffleMap {
                    dep: dep.clone(),
                    map_stage_jobs: Vec::new(),
                },
                next_attempt: 0,
                latest_attempt: 0,
                failed_attempt_ids: BTreeSet::new(),
                pending_partitions: BTreeSet::new(),
                next_reason: SubmitReason::New,
            },
        );
        self.shuffle_to_stage.insert(sid, id);
        self.register_job_on_stage(job, id);
        if !self.tracker.contains(sid) {
            self.tracker
                .register_shuffle(sid, dep.num_maps(), dep.num_reduces());
        }
        id
    }

    /// Spark's `updateJobIdStageIdMaps`: the job needs this stage and all its ancestors.
    fn register_job_on_stage(&mut self, job: usize, stage: usize) {
        let mut todo = vec![stage];
        while let Some(s) = todo.pop() {
            if let Some(st) = self.stages.get_mut(&s) {
                st.job_ids.insert(job);
                self.job_to_stages.entry(job).or_default().insert(s);
                todo.extend(st.parents.iter().copied());
            }
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
        ev.emit(
            now,
            EventKind::JobStart {
                job,
                action: action.to_string(),
                rdds: rdd_infos(rdd),
                stages: infos,
            },
        );
    }

    /// A stage as `JobStart` lists it.
    pub fn stage_info(&self, id: usize) -> Option<StageInfo> {
        let s = self.stages.get(&id)?;
        Some(StageInfo {
            stage: id,
            kind: if s.is_shuffle_map() {
                "shuffle_map"
            } else {
                "result"
            }
            .to_string(),
            rdd: s.rdd.id,
            rdds: stage_rdds(&s.rdd),
            parents: s.parents.clone(),
            shuffle: s.shuffle_dep().and_then(|d| d.shuffle_id()),
            tasks: s.num_tasks,
        })
    }

    fn active_job_for_stage(&self, stage: usize) -> Option<usize> {
        self.stages
            .get(&stage)?
            .job_ids
            .iter()
            .find(|j| self.jobs.contains_key(j))
            .copied()
    }

    // ----- cache awareness -------------------------------------------------------------------

    /// Where each partition of `rdd` is cached (empty lists for an RDD that is not persisted).
    fn get_cache_locs(&mut self, rdd: &RddNode) -> Vec<Vec<usize>> {
        if rdd.storage_level() == StorageLevel::NONE {
            return vec![Vec::new(); rdd.num_partitions];
        }
        if let Some(l) = self.cache_locs.get(&rdd.id) {
            return l.clone();
        }
        let locs: Vec<Vec<usize>> = (0..rdd.num_partitions)
            .map(|p| self.block_master.locations(&rdd_block_id(rdd.id, p)))
            .collect();
        self.cache_locs.insert(rdd.id, locs.clone());
        locs
    }

    /// Forgets memoized cache locations (Spark's `clearCacheLocs`).
    pub fn clear_cache_locs(&mut self) {
        self.cache_locs.clear();
    }

    /// Spark's `getMissingParentStages`: parent map stages whose output is not all there. An
    /// RDD whose partitions are all cached hides everything above it.
    fn missing_parent_stages(&mut self, stage: usize) -> Vec<usize> {
        let Some(s) = self.stages.get(&stage) else {
            return Vec::new();
        };
        let (root, job) = (s.rdd.clone(), s.first_job_id);
        let mut missing = BTreeSet::new();
        let mut visited = BTreeSet::new();
        let mut waiting = vec![root];
        while let Some(r) = waiting.pop() {
            if !visited.insert(r.id) {
                continue;
            }
            if !self.get_cache_locs(&r).iter().any(Vec::is_empty) {
                continue;
            }
            for dep in &r.deps {
                match dep {
                    Dependency::Shuffle(d) => {
                        let ms = self.get_or_create_shuffle_map_stage(d, job);
                        let sid = self.shuffle_id(d);
                        if !self.tracker.is_available(sid) {
                            missing.insert(ms);
                        }
                    }
                    narrow => waiting.push(narrow.rdd().clone()),
                }
            }
        }
        missing.into_iter().collect()
    }

    /// Spark's `getPreferredLocs`: cached copies first, then the RDD's own preferences (none
    /// until the DFS of the locality step), then the first narrow parent that has any.
    fn preferred_locs(
        &mut self,
        rdd: &Arc<RddNode>,
        p: usize,
        visited: &mut BTreeSet<(RddId, usize)>,
    ) -> Vec<TaskLocation> {
        if !visited.insert((rdd.id, p)) {
            return Vec::new();
        }
        let cached = self.get_cache_locs(rdd).get(p).cloned().unwrap_or_default();
        if !cached.is_empty() {
            return cached
                .into_iter()
                .filter_map(|e| {
                    self.executor_hosts
                        .get(&e)
                        .map(|h| TaskLocation::ExecutorCache {
                            host: h.clone(),
                            executor: e,
                        })
                })
                .collect();
        }
        for dep in &rdd.deps {
            if dep.is_shuffle() {
                continue;
            }
            for pp in dep.narrow_parents(p) {
                let locs = self.preferred_locs(dep.rdd(), pp, visited);
                if !locs.is_empty() {
                    return locs;
                }
            }
        }
        Vec::new()
    }

    // ----- submitting stages -----------------------------------------------------------------

    fn submit_stage(&mut self, now: u64, stage: usize, ev: &mut EventSink) {
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
        for (_, p) in &todo {
            let prefs = self.preferred_locs(&rdd, *p, &mut BTreeSet::new());
            tasks.push(TaskTemplate {
                partition: *p,
                prefs,
            });
        }
        let mut inputs = ShuffleInputs::default();
        for d in Self::direct_shuffle_deps(&rdd) {
            if let Some(sid) = d.shuffle_id() {
                if let Some(st) = self.tracker.statuses(sid) {
                    inputs.by_shuffle.insert(sid, st);
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
                partitions: todo.iter().map(|(_, p)| *p).collect(),
                reason,
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
            .waiting
            .iter()
            .filter_map(|c| self.stages.get(c))
            .filter(|c| c.parents.contains(&parent))
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
                self.stages.remove(&s);
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
            CompletionResult::Failed(TaskError::Exception(_)) => {
                if let Some(reason) = c.aborted {
                    self.abort_stage(now, c.stage_id, &reason, ev);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_fetch_failed(
        &mut self,
        now: u64,
        c: &Meta,
        shuffle: ShuffleId,
        map: usize,
        executor: Option<usize>,
        message: &str,
        ev: &mut EventSink,
    ) {
        let Some(s) = self.stages.get_mut(&c.stage) else {
            return;
        };
        if s.latest_attempt != c.attempt {
            return; // a late failure from an older attempt
        }
        s.failed_attempt_ids.insert(c.attempt);
        let should_abort = s.failed_attempt_ids.len() >= self.config.max_stage_attempts as usize;
        let failure = format!("FetchFailed(shuffle {shuffle}, map {map}): {message}");
        if self.running.contains(&c.stage) {
            self.mark_stage_as_finished(now, c.stage, Some(failure.clone()), ev);
            self.actions.push(DagAction::Zombify(c.stage));
        }
        let map_stage = self.shuffle_to_stage.get(&shuffle).copied();
        if let Some(e) = executor {
            if self.tracker.unregister_map_output(shuffle, map, e) {
                ev.emit(
                    now,
                    EventKind::MapOutputsLost {
                        shuffle,
                        maps: vec![map],
                        executor: format!("exec-{e}"),
                    },
                );
            }
        }
        if should_abort {
            let n = self.config.max_stage_attempts;
            let reason = format!(
                "Stage {} has failed the maximum allowable number of times: {n}. Most recent failure reason: {failure}",
                c.stage
            );
            self.abort_stage(now, c.stage, &reason, ev);
        } else {
            for st in std::iter::once(c.stage).chain(map_stage) {
                if let Some(s) = self.stages.get_mut(&st) {
                    s.next_reason = SubmitReason::FetchFailed;
                }
                self.failed.insert(st);
            }
            if self.resubmit_at.is_none() {
                self.resubmit_at = Some(now + self.config.resubmit_timeout_us);
            }
        }
        if let Some(e) = executor {
            self.remove_executor_and_unregister_outputs(now, e, c.epoch, ev);
        }
    }

    /// Spark's `removeExecutorAndUnregisterOutputs` with the shuffle files lost: forgets the
    /// executor's cached blocks and map outputs, once per epoch.
    fn remove_executor_and_unregister_outputs(
        &mut self,
        now: u64,
        exec: usize,
        epoch: u64,
        ev: &mut EventSink,
    ) {
        if self
            .executor_failure_epoch
            .get(&exec)
            .is_none_or(|e| *e < epoch)
        {
            self.executor_failure_epoch.insert(exec, epoch);
            self.block_master.remove_executor(exec);
            self.clear_cache_locs();
        }
        if self
            .shuffle_file_lost_epoch
            .get(&exec)
            .is_none_or(|e| *e < epoch)
        {
            self.shuffle_file_lost_epoch.insert(exec, epoch);
            for (shuffle, maps) in self.tracker.remove_outputs_on_executor(exec) {
                ev.emit(
                    now,
                    EventKind::MapOutputsLost {
                        shuffle,
                        maps,
                        executor: format!("exec-{exec}"),
                    },
                );
            }
        }
    }

    fn resubmit_failed_stages(&mut self, now: u64, ev: &mut EventSink) {
        self.resubmit_at = None;
        self.clear_cache_locs();
        let mut failed: Vec<(usize, usize)> = std::mem::take(&mut self.failed)
            .into_iter()
            .filter_map(|s| self.stages.get(&s).map(|st| (st.first_job_id, s)))
            .collect();
        failed.sort();
        for (_, s) in failed {
            self.submit_stage(now, s, ev);
        }
    }

    /// Fails every job that needs `stage` (Spark's `abortStage`).
    pub fn abort_stage(&mut self, now: u64, stage: usize, reason: &str, ev: &mut EventSink) {
        if !self.stages.contains_key(&stage) {
            return;
        }
        let message = format!("Job aborted due to stage failure: {reason}");
        let jobs: Vec<usize> = self
            .jobs
            .values()
            .filter(|j| j.stages.contains(&stage))
            .map(|j| j.id)
            .collect();
        for job in jobs {
            self.fail_job(now, job, &message, ev);
        }
    }

    fn fail_job(&mut self, now: u64, job: usize, message: &str, ev: &mut EventSink) {
        let stages = self.job_to_stages.get(&job).cloned().unwrap_or_default();
        for s in stages {
            let only_this = self.stages.get(&s).is_some_and(|st| st.job_ids.len() == 1);
            if only_this && self.running.contains(&s) {
                self.mark_stage_as_finished(now, s, Some(message.to_string()), ev);
                self.actions.push(DagAction::Zombify(s));
            }
        }
        self.cleanup_job(job);
        self.end_job(now, job, JobOutcome::Failed(message.to_string()), ev);
    }
}

struct Meta {
    stage: usize,
    attempt: usize,
    epoch: u64,
}

fn c_meta(c: &Completion) -> Meta {
    Meta {
        stage: c.stage_id,
        attempt: c.stage_attempt,
        epoch: c.epoch,
    }
}

/// The RDDs a stage pipelines: its RDD and every ancestor reached through narrow edges.
pub fn stage_rdds(rdd: &Arc<RddNode>) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![rdd.clone()];
    while let Some(r) = todo.pop() {
        if seen.insert(r.id) {
            for d in &r.deps {
                if !d.is_shuffle() {
                    todo.push(d.rdd().clone());
                }
            }
        }
    }
    seen.into_iter().collect()
}

/// Every RDD of a lineage, by id, as `JobStart` lists them.
pub fn rdd_infos(rdd: &Arc<RddNode>) -> Vec<RddInfo> {
    let mut seen: BTreeMap<usize, RddInfo> = BTreeMap::new();
    let mut todo = vec![rdd.clone()];
    while let Some(r) = todo.pop() {
        if seen.contains_key(&r.id) {
            continue;
        }
        let parents = r
            .deps
            .iter()
            .map(|d| ParentInfo {
                rdd: d.rdd().id,
                kind: if d.is_shuffle() { "shuffle" } else { "narrow" }.to_string(),
                shuffle: match d {
                    Dependency::Shuffle(s) => s.shuffle_id(),
                    _ => None,
                },
            })
            .collect();
        seen.insert(
            r.id,
            RddInfo {
                rdd: r.id,
                name: r.name.to_string(),
                op: r.op.to_string(),
                partitions: r.num_partitions,
                storage: r.storage_level().name().to_string(),
                parents,
            },
        );
        for d in &r.deps {
            todo.push(d.rdd().clone());
        }
    }
    seen.into_values().collect()
}

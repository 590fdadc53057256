//! `TaskScheduler`: offer rounds over executors' free cores (Spark's `TaskSchedulerImpl`).
//!
//! It owns the live executors' free cores, every live [`TaskSetManager`] in FIFO order (job,
//! then stage), the running tasks, the task id counter and the seeded RNG that shuffles offers.
//! It decides which task goes to which core; it reads where executors are, and whether they are
//! alive, from the cluster's [`Membership`]. It does not know about stages' parents or map
//! outputs (the [`DagScheduler`](super::dag::DagScheduler)'s business). Reference §2.3.

use super::task::{StatusUpdate, TaskBinary, TaskDescription, TaskOutcome};
use super::task_set_manager::{
    ClusterView, FailureVerdict, LocalityWaits, Offer, TaskSetManager, TaskTemplate,
};
use super::SchedulerConfig;
use crate::events::{EventKind, EventSink, Locality, TaskEndReason, TaskMetrics};
use crate::membership::{Membership, Roster};
use crate::shuffle::{MapStatus, ShuffleInputs};
use crate::task_context::TaskError;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

mod failures;
mod speculate;

/// A stage attempt's tasks as the DAG scheduler hands them over.
pub struct TaskSet {
    pub stage_id: usize,
    pub stage_attempt: usize,
    /// The job it runs for: its FIFO priority.
    pub job_id: usize,
    pub epoch: u64,
    pub tasks: Vec<TaskTemplate>,
    pub binary: TaskBinary,
    pub shuffle_inputs: Arc<ShuffleInputs>,
}

/// A live executor's cores, as the task scheduler hands them out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cores {
    pub total: u32,
    pub free: u32,
}

struct Running {
    key: TsmKey,
    index: usize,
    attempt_number: usize,
    partition: usize,
    stage_id: usize,
    stage_attempt: usize,
    executor: usize,
    launched_at: u64,
    epoch: u64,
    /// A speculative copy.
    speculative: bool,
    /// The failure a fault injected into this attempt, if any.
    injected: Option<String>,
}

type TsmKey = (usize, usize, usize);

/// What offers to one task set did: launched anything, were declined by delay scheduling,
/// and the best locality launched.
#[derive(Default)]
struct Round {
    launched: bool,
    rejected: bool,
    best: Option<Locality>,
}

impl Round {
    fn merge(&mut self, o: &Round) {
        self.launched |= o.launched;
        self.rejected |= o.rejected;
        self.best = match (self.best, o.best) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// What the DAG scheduler needs to know of a finished task attempt.
pub struct Completion {
    pub task_id: usize,
    pub stage_id: usize,
    pub stage_attempt: usize,
    pub partition: usize,
    pub executor: usize,
    pub epoch: u64,
    pub reason: TaskEndReason,
    pub duration_us: u64,
    pub metrics: TaskMetrics,
    pub result: CompletionResult,
    /// Set when this failure aborted the whole task set.
    pub aborted: Option<String>,
}

/// The payload of a completion.
pub enum CompletionResult {
    MapOutput(MapStatus),
    Value(Box<dyn Any + Send>),
    Failed(TaskError),
    /// A shuffle map task that had succeeded must run again: its output was on an executor
    /// that is gone (the `resubmitted` task end).
    Resubmitted,
}

/// Offer rounds, FIFO task sets, running tasks.
pub struct TaskScheduler {
    config: SchedulerConfig,
    rng: ChaCha8Rng,
    membership: Membership,
    /// The live executors' cores: an executor is here from its registration to its loss.
    cores: BTreeMap<usize, Cores>,
    /// How many of them have a task's cores free (`free >= task_cpus`), kept as cores are
    /// taken and given back, so that the driver's question of every step ("could a task
    /// launch?") is not a scan of the cluster.
    with_free_core: usize,
    task_sets: BTreeMap<TsmKey, (TaskSetManager, TaskSet)>,
    no_rejects_since_reset: BTreeMap<TsmKey, bool>,
    running: BTreeMap<usize, Running>,
    /// Tasks killed while they ran, by id, with their executor: their cores are freed and
    /// their reports discarded when they come.
    killed: BTreeMap<usize, usize>,
    next_task_id: usize,
    /// Kill messages for executors (a losing speculative copy, a task of an aborted job):
    /// `(task, executor)`, taken by the driver, which sends them across.
    kills: Vec<(usize, usize)>,
    /// When the next speculation check is due (`spark.speculation.interval`).
    speculation_due: Option<u64>,
    /// Copies to kill once the winner's `TaskEnd` is posted: (task set, index, winner).
    losers: Vec<(TsmKey, usize, usize)>,
    /// Failures a fault plan injected (`fail_task`): by (stage, partition), how many of its
    /// next attempts fail, and with what message.
    injected_failures: BTreeMap<(usize, usize), (u32, String)>,
    /// Whether each round's offers are shuffled (Spark's `shuffleOffers`): always, but in
    /// tests that follow a worked example offer by offer.
    shuffle_offers: bool,
}

/// The cluster as task sets see it; with `racks` false, hosts have no rack (Spark without a
/// cluster manager that knows racks: no RACK_LOCAL level).
struct View<'a> {
    roster: &'a Roster,
    racks: bool,
}

impl ClusterView for View<'_> {
    fn executor_alive(&self, e: usize) -> bool {
        self.roster.is_alive(e)
    }
    fn host_alive(&self, host: &str) -> bool {
        self.roster.host_alive(host)
    }
    fn rack_alive(&self, rack: &str) -> bool {
        self.racks && self.roster.rack_alive(rack)
    }
    fn rack_of(&self, host: &str) -> Option<&str> {
        if !self.racks {
            return None;
        }
        self.roster.rack_of(host)
    }
}

impl TaskScheduler {
    /// Makes offers in executor id order instead of shuffled, as Spark's suites do by
    /// overriding `shuffleOffers`: for a test that follows a worked example offer by offer.
    pub fn keep_offer_order(&mut self) {
        self.shuffle_offers = false;
    }

    /// A scheduler over the executors of `membership` that register with it.
    pub fn new(config: SchedulerConfig, membership: Membership) -> Self {
        TaskScheduler {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            config,
            membership,
            cores: BTreeMap::new(),
            with_free_core: 0,
            task_sets: BTreeMap::new(),
            no_rejects_since_reset: BTreeMap::new(),
            running: BTreeMap::new(),
            killed: BTreeMap::new(),
            next_task_id: 0,
            injected_failures: BTreeMap::new(),
            kills: Vec::new(),
            speculation_due: None,
            losers: Vec::new(),
            shuffle_offers: true,
        }
    }

    /// Executor `id` (registered in the membership) offers its cores from now on; task sets
    /// recompute their locality levels, as Spark's `executorAdded` makes them.
    pub fn executor_added(&mut self, id: usize, now: u64, events: &mut EventSink) {
        let membership = self.membership.clone();
        let roster = membership.read();
        let Some(e) = roster.get(id).filter(|e| e.alive()) else {
            return;
        };
        self.remove_cores(id);
        self.cores.insert(
            id,
            Cores {
                total: e.cores,
                free: 0,
            },
        );
        self.set_free(id, e.cores);
        self.recompute_locality(&roster, now, events);
    }

    /// Sets executor `id`'s free cores (at most its total), keeping the count of executors
    /// with a task's cores free.
    fn set_free(&mut self, id: usize, free: u32) {
        let cpus = self.config.task_cpus.max(1);
        if let Some(c) = self.cores.get_mut(&id) {
            let was = c.free >= cpus;
            c.free = free.min(c.total);
            match (was, c.free >= cpus) {
                (false, true) => self.with_free_core += 1,
                (true, false) => self.with_free_core -= 1,
                _ => {}
            }
        }
    }

    /// Gives `cpus` cores back to executor `id` (a task on it ended).
    fn give_back(&mut self, id: usize, cpus: u32) {
        if let Some(free) = self.cores.get(&id).map(|c| c.free) {
            self.set_free(id, free + cpus);
        }
    }

    /// Forgets executor `id`'s cores.
    pub(super) fn remove_cores(&mut self, id: usize) {
        self.set_free(id, 0);
        self.cores.remove(&id);
    }

    pub(super) fn recompute_locality(&mut self, roster: &Roster, now: u64, events: &mut EventSink) {
        let view = View {
            roster,
            racks: self.config.rack_locality,
        };
        for (tsm, _) in self.task_sets.values_mut() {
            tsm.recompute_locality(&view, now, events);
        }
    }

    /// The cluster this scheduler offers.
    pub fn membership(&self) -> &Membership {
        &self.membership
    }

    /// The live executors' cores, by executor id.
    pub fn cores(&self) -> &BTreeMap<usize, Cores> {
        &self.cores
    }

    /// Takes a stage attempt's tasks. Earlier attempts of the stage become zombies.
    pub fn submit_task_set(&mut self, mut ts: TaskSet, now: u64, events: &mut EventSink) {
        for ((_, stage, _), (tsm, _)) in self.task_sets.iter_mut() {
            if *stage == ts.stage_id {
                tsm.zombie = true;
            }
        }
        self.post_quiet_declines(now, events);
        let waits = LocalityWaits {
            process: self.config.locality_wait_process_us,
            node: self.config.locality_wait_node_us,
            rack: self.config.locality_wait_rack_us,
        };
        let tsm = TaskSetManager::new(
            ts.stage_id,
            ts.stage_attempt,
            ts.job_id,
            std::mem::take(&mut ts.tasks),
            waits,
            self.config.max_task_failures,
            &View {
                roster: &self.membership.read(),
                racks: self.config.rack_locality,
            },
            now,
        );
        self.task_sets
            .insert((ts.job_id, ts.stage_id, ts.stage_attempt), (tsm, ts));
        self.drop_finished(now, events);
    }

    /// The delay-scheduling timer of stage `stage`'s attempt `attempt`: its level and when its
    /// wait started (µs), while its task set is live.
    pub fn locality_timer(&self, stage: usize, attempt: usize) -> Option<(Locality, u64)> {
        self.task_sets
            .iter()
            .find(|((_, s, a), _)| *s == stage && *a == attempt)
            .map(|(_, (tsm, _))| tsm.timer())
    }

    /// Makes every task set of `stage` a zombie (its running tasks still report).
    /// Kills the running tasks of `stage`'s task sets (its job was aborted): each ends now with
    /// a `TaskEnd` of reason `killed`, and the sets launch nothing more. As in Spark, the task
    /// keeps its core until its executor reports it (here, when its run ends).
    pub fn kill_stage(&mut self, now: u64, stage: usize, reason: &str, ev: &mut EventSink) {
        self.zombify_stage(stage, now, ev);
        let doomed: Vec<usize> = self
            .running
            .iter()
            .filter(|(_, r)| r.stage_id == stage)
            .map(|(t, _)| *t)
            .collect();
        for task in doomed {
            let Some(run) = self.running.remove(&task) else {
                continue;
            };
            if let Some((tsm, _)) = self.task_sets.get_mut(&run.key) {
                tsm.running.remove(&task);
            }
            self.killed.insert(task, run.executor);
            self.kills.push((task, run.executor));
            ev.emit(
                now,
                EventKind::TaskEnd {
                    task,
                    stage: run.stage_id,
                    attempt: run.stage_attempt,
                    partition: run.partition,
                    executor: self.membership.name(run.executor),
                    reason: TaskEndReason::Killed,
                    duration_us: now.saturating_sub(run.launched_at),
                    metrics: TaskMetrics::default(),
                    error: Some(reason.to_string()),
                    blocks_read: Vec::new(),
                },
            );
        }
        self.drop_finished(now, ev);
    }

    /// Whether `task` was killed while it ran.
    pub fn was_killed(&self, task: usize) -> bool {
        self.killed.contains_key(&task)
    }

    /// Marks `stage`'s task sets as zombies: they launch nothing more.
    pub fn zombify_stage(&mut self, stage: usize, now: u64, events: &mut EventSink) {
        for ((_, s, _), (tsm, _)) in self.task_sets.iter_mut() {
            if *s == stage {
                tsm.zombie = true;
            }
        }
        self.drop_finished(now, events);
    }

    /// Posts the declined offers of every task set no offer can be declined by any more (a
    /// zombie, or one whose tasks have all been launched): nothing will change for them.
    fn post_quiet_declines(&mut self, now: u64, events: &mut EventSink) {
        for (tsm, _) in self.task_sets.values_mut() {
            if tsm.zombie || !tsm.has_tasks_to_launch() {
                tsm.post_declines(now, events);
            }
        }
    }

    fn drop_finished(&mut self, now: u64, events: &mut EventSink) {
        self.post_quiet_declines(now, events);
        let done: Vec<TsmKey> = self
            .task_sets
            .iter()
            .filter(|(_, (t, _))| t.is_finished())
            .map(|(k, _)| *k)
            .collect();
        for k in done {
            self.task_sets.remove(&k);
            self.no_rejects_since_reset.remove(&k);
        }
    }

    /// Whether some task set still has tasks to launch.
    pub fn has_pending_tasks(&self) -> bool {
        self.task_sets.values().any(|(t, _)| !t.zombie)
    }

    /// Whether some task set has a task an offer could launch (one not running, not done).
    pub fn has_tasks_to_launch(&self) -> bool {
        self.task_sets
            .values()
            .any(|(t, _)| t.has_tasks_to_launch())
    }

    /// Whether some live executor has the cores for one more task: an offer round could
    /// launch something only then.
    pub fn has_free_core(&self) -> bool {
        debug_assert_eq!(
            self.with_free_core,
            (self.cores.values())
                .filter(|c| c.free >= self.config.task_cpus.max(1))
                .count()
        );
        self.with_free_core > 0
    }

    /// Whether any task is running.
    pub fn has_running_tasks(&self) -> bool {
        !self.running.is_empty()
    }

    /// One offer round (Spark's `resourceOffers`): `only` makes it a partial offer of one
    /// executor's free cores, `None` a full offer of every executor's.
    pub fn resource_offers(
        &mut self,
        now: u64,
        only: Option<usize>,
        events: &mut EventSink,
    ) -> Vec<TaskDescription> {
        let full = only.is_none();
        let mut offers: Vec<usize> = match only {
            // A partial offer: one executor, looked up rather than searched for.
            Some(o) if self.cores.contains_key(&o) => vec![o],
            Some(_) => Vec::new(),
            None => self.cores.keys().copied().collect(),
        };
        if self.shuffle_offers {
            offers.shuffle(&mut self.rng);
        }
        let mut avail: Vec<u32> = offers
            .iter()
            .map(|e| self.cores.get(e).map_or(0, |c| c.free))
            .collect();
        let cpus = self.config.task_cpus.max(1);
        if avail.iter().all(|a| *a < cpus) {
            return Vec::new();
        }
        let mut launched = Vec::new();
        let membership = self.membership.clone();
        let roster = membership.read();
        let keys: Vec<TsmKey> = self.task_sets.keys().copied().collect();
        for key in keys {
            // A set has at most the five levels; copied out, not allocated.
            let mut levels = [Locality::Any; 5];
            let Some(n) = self
                .task_sets
                .get(&key)
                .filter(|(t, _)| !t.zombie)
                .map(|(t, _)| {
                    let l = t.levels();
                    let n = l.len().min(levels.len());
                    levels[..n].copy_from_slice(&l[..n]);
                    n
                })
            else {
                continue;
            };
            // Spark's loop: each level in turn, offering until a round launches nothing. Once
            // no offered executor has a task's cores left, the rounds would offer nothing.
            let mut set = Round::default();
            for &max_loc in &levels[..n] {
                loop {
                    if avail.iter().all(|a| *a < cpus) {
                        break;
                    }
                    let round = self.resource_offer_single_task_set(
                        &roster,
                        key,
                        max_loc,
                        &offers,
                        &mut avail,
                        now,
                        events,
                        &mut launched,
                    );
                    set.merge(&round);
                    if !round.launched {
                        break;
                    }
                }
            }
            self.after_offers(key, full, &set, now, events);
            if let Some((tsm, _)) = self.task_sets.get_mut(&key) {
                if !tsm.has_tasks_to_launch() {
                    tsm.post_declines(now, events);
                }
            }
        }
        for (i, exec) in offers.iter().enumerate() {
            self.set_free(*exec, avail[i]);
        }
        if !launched.is_empty() {
            self.schedule_speculation(now);
        }
        launched
    }

    /// Spark's `resourceOfferSingleTaskSet`: offers each executor with a free core to one task
    /// set, at most `max_loc`, launching what it accepts. The round says whether anything was
    /// launched, whether delay scheduling declined an offer, and the best level launched.
    #[allow(clippy::too_many_arguments)]
    fn resource_offer_single_task_set(
        &mut self,
        roster: &Roster,
        key: TsmKey,
        max_loc: Locality,
        offers: &[usize],
        avail: &mut [u32],
        now: u64,
        events: &mut EventSink,
        launched: &mut Vec<TaskDescription>,
    ) -> Round {
        let mut round = Round::default();
        let cpus = self.config.task_cpus.max(1);
        let racks = self.config.rack_locality;
        let Some((tsm, ts)) = self.task_sets.get_mut(&key) else {
            return round;
        };
        for (i, exec) in offers.iter().enumerate() {
            if avail[i] < cpus {
                continue;
            }
            let Some(slot) = roster.get(*exec) else {
                continue;
            };
            let offer = Offer {
                exec: *exec,
                name: &slot.name,
                host: &slot.host,
                rack: racks.then_some(slot.rack.as_str()),
            };
            let (task, rejected) = tsm.resource_offer(
                offer,
                max_loc,
                now,
                self.config.legacy_locality_reset,
                events,
            );
            round.rejected |= rejected;
            let speculative = task.is_none() && self.config.speculation.enabled;
            let task = match task {
                Some(t) => Some(t),
                None if speculative => {
                    let running = &self.running;
                    let host = slot.host.as_str();
                    let on_host = |index: usize| {
                        running.values().any(|r| {
                            r.key == key
                                && r.index == index
                                && roster.host(r.executor) == Some(host)
                        })
                    };
                    tsm.speculative_task(offer, max_loc, now, events, &on_host)
                }
                None => None,
            };
            let Some((index, locality)) = task else {
                continue;
            };
            avail[i] -= cpus;
            round.launched = true;
            round.best = Some(round.best.map_or(locality, |g| g.min(locality)));
            let task_id = self.next_task_id;
            self.next_task_id += 1;
            let attempt_number = tsm.launched(index, task_id);
            let partition = tsm.partition_of(index);
            let fail_with =
                failures::take_injected(&mut self.injected_failures, ts.stage_id, partition);
            events.emit(
                now,
                EventKind::TaskStart {
                    task: task_id,
                    stage: ts.stage_id,
                    attempt: ts.stage_attempt,
                    partition,
                    executor: slot.name.clone(),
                    host: slot.host.clone(),
                    locality,
                    speculative,
                },
            );
            tsm.report_launch_reset(now, events);
            self.running.insert(
                task_id,
                Running {
                    key,
                    index,
                    attempt_number,
                    partition,
                    stage_id: ts.stage_id,
                    stage_attempt: ts.stage_attempt,
                    executor: *exec,
                    launched_at: now,
                    epoch: ts.epoch,
                    speculative,
                    injected: fail_with.clone(),
                },
            );
            launched.push(TaskDescription {
                task_id,
                stage_id: ts.stage_id,
                stage_attempt: ts.stage_attempt,
                job_id: ts.job_id,
                partition,
                index,
                attempt_number,
                executor: *exec,
                locality,
                speculative,
                fail_with,
                epoch: ts.epoch,
                binary: ts.binary.clone(),
                shuffle_inputs: ts.shuffle_inputs.clone(),
            });
        }
        round
    }

    /// After a task set's offers: the delay-scheduling timer reset of SPARK-18886 (a reset
    /// only after a round with no delay-scheduling reject; the legacy mode resets on every
    /// launch instead, inside the task set).
    fn after_offers(
        &mut self,
        key: TsmKey,
        full: bool,
        set: &Round,
        now: u64,
        events: &mut EventSink,
    ) {
        if self.config.legacy_locality_reset {
            return;
        }
        let Some((tsm, _)) = self.task_sets.get_mut(&key) else {
            return;
        };
        let since = self.no_rejects_since_reset.entry(key).or_insert(true);
        if !set.rejected {
            if set.launched && (full || *since) {
                tsm.reset_delay_timer(set.best, now, events);
                *since = true;
            }
        } else {
            *since = false;
        }
    }

    /// Takes an executor's report on a task. Returns `None` for a task it does not know (a
    /// report from an executor already declared lost).
    pub fn status_update(
        &mut self,
        now: u64,
        update: StatusUpdate,
        events: &mut EventSink,
    ) -> Option<Completion> {
        let cpus = self.config.task_cpus.max(1);
        if let Some(exec) = self.killed.remove(&update.task_id) {
            self.give_back(exec, cpus);
            return None;
        }
        let run = self.running.remove(&update.task_id)?;
        self.give_back(run.executor, cpus);
        failures::give_back_unfailed(&mut self.injected_failures, &run, &update.outcome);
        let membership = self.membership.clone();
        let roster = membership.read();
        let view = View {
            roster: &roster,
            racks: self.config.rack_locality,
        };
        let (reason, result, aborted) = match update.outcome {
            TaskOutcome::MapOutput(s) => {
                (TaskEndReason::Success, CompletionResult::MapOutput(s), None)
            }
            TaskOutcome::Result(v) => (TaskEndReason::Success, CompletionResult::Value(v), None),
            outcome @ (TaskOutcome::Failed(_) | TaskOutcome::ExecutorExited { .. }) => {
                let e = match outcome {
                    TaskOutcome::Failed(e) => e,
                    // The driver hears of an exit as the executor's loss; should a report say
                    // it, it is that loss, caused by the application.
                    _ => TaskError::ExecutorLost {
                        message: "the executor's process exited".into(),
                        caused_by_app: true,
                    },
                };
                let fetch = matches!(e, TaskError::FetchFailed { .. });
                let executor_lost = matches!(e, TaskError::ExecutorLost { .. });
                // Spark's `countTowardsTaskFailures`: an executor's loss counts only when the
                // application caused it.
                let app_lost = matches!(
                    e,
                    TaskError::ExecutorLost {
                        caused_by_app: true,
                        ..
                    }
                );
                let reason = if fetch {
                    TaskEndReason::FetchFailed
                } else if executor_lost {
                    TaskEndReason::ExecutorLost
                } else {
                    TaskEndReason::Exception
                };
                let counts = !fetch && (!executor_lost || app_lost);
                let mut aborted = None;
                let host = roster.host(run.executor).unwrap_or_default();
                let name = roster.name(run.executor);
                // Spark's wording, which the abort message quotes.
                let lost = format!(
                    "Lost task {}.{} in stage {}.{} (TID {}) ({host} executor {name}): {e}",
                    run.index, run.attempt_number, run.stage_id, run.stage_attempt, update.task_id
                );
                if let Some((tsm, _)) = self.task_sets.get_mut(&run.key) {
                    if let FailureVerdict::Abort(msg) =
                        tsm.handle_failure(run.index, update.task_id, counts, fetch, &lost, &view)
                    {
                        aborted = Some(msg);
                    }
                }
                (reason, CompletionResult::Failed(e), aborted)
            }
        };
        if reason == TaskEndReason::Success {
            if let Some((tsm, _)) = self.task_sets.get_mut(&run.key) {
                if tsm.handle_success(run.index, update.task_id, run.executor) {
                    tsm.speculation
                        .record_success(now.saturating_sub(run.launched_at));
                }
            }
            // Only speculation runs two copies of a task (the scan is skipped without it: a
            // large cluster runs thousands of tasks at once).
            if self.config.speculation.enabled
                && (self.running.values()).any(|r| r.key == run.key && r.index == run.index)
            {
                self.losers.push((run.key, run.index, update.task_id));
            }
        }
        self.drop_finished(now, events);
        self.schedule_speculation(now);
        Some(Completion {
            task_id: update.task_id,
            stage_id: run.stage_id,
            stage_attempt: run.stage_attempt,
            partition: run.partition,
            executor: run.executor,
            epoch: run.epoch,
            reason,
            duration_us: now.saturating_sub(run.launched_at),
            metrics: update.metrics,
            result,
            aborted,
        })
    }
}

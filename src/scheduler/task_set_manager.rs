//! `TaskSetManager`: one stage attempt's tasks, handed out under delay scheduling.
//!
//! It owns the pending lists (stacks with lazy deletion, filled in reverse index order so that
//! low indices go first), the locality levels and their timer (reference §2.2–2.5), and each
//! task's attempts and failures (§4.1). It does not know executors' free cores or the FIFO
//! order of task sets: that is the [`TaskScheduler`](super::task_scheduler::TaskScheduler)'s.

use super::declines::Declines;
use super::pending::NamedLists;
use super::speculation::Speculatable;
use super::TaskLocation;
use crate::events::{EventKind, EventSink, Locality, LocalityReason};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One task of a task set, before it is launched.
#[derive(Clone, Debug)]
pub struct TaskTemplate {
    /// The partition it computes.
    pub partition: usize,
    /// Where it would rather run.
    pub prefs: Vec<TaskLocation>,
}

#[derive(Default, Debug)]
struct PendingLists {
    for_executor: BTreeMap<usize, Vec<usize>>,
    for_host: NamedLists,
    for_rack: NamedLists,
    /// The rack of each host of `for_host`, by the host's id (`None`: not known).
    host_rack: Vec<Option<usize>>,
    /// Each offered executor's host and rack, as ids of `for_host` and `for_rack` (`None`: no
    /// task prefers it), so that an offer is not a look-up by name.
    offered: BTreeMap<usize, (Option<usize>, Option<usize>)>,
    no_prefs: Vec<usize>,
    all: Vec<usize>,
}

/// The cluster as a task set sees it when it (re)computes its locality levels.
pub trait ClusterView {
    /// Whether executor `e` is alive.
    fn executor_alive(&self, e: usize) -> bool;
    /// Whether some alive executor is on `host`.
    fn host_alive(&self, host: &str) -> bool;
    /// Whether some alive host is in `rack`.
    fn rack_alive(&self, rack: &str) -> bool;
    /// The rack of `host`, if known.
    fn rack_of(&self, host: &str) -> Option<&str>;
}

/// An executor's free cores offered to a task set: which executor, its name, host and rack
/// (none when the cluster has no rack locality).
#[derive(Clone, Copy, Debug)]
pub struct Offer<'a> {
    pub exec: usize,
    pub name: &'a str,
    pub host: &'a str,
    pub rack: Option<&'a str>,
}

/// Waits per locality level, in microseconds.
#[derive(Clone, Copy, Debug)]
pub struct LocalityWaits {
    pub process: u64,
    pub node: u64,
    pub rack: u64,
}

/// What became of a failed task.
#[derive(Debug, PartialEq, Eq)]
pub enum FailureVerdict {
    /// Re-queued for another attempt (or not, if it is already done).
    Retry,
    /// The task failed too often: the task set is aborted.
    Abort(String),
}

/// The level a task with preferences `prefs` would launch at on `offer` (a task with none
/// launches `PROCESS_LOCAL`, as Spark logs it).
fn locality_on(prefs: &[crate::lineage::TaskLocation], offer: &Offer<'_>) -> Locality {
    use crate::lineage::TaskLocation;
    if prefs.is_empty() {
        return Locality::ProcessLocal;
    }
    let mut best = Locality::Any;
    for p in prefs {
        let level = match p {
            TaskLocation::ExecutorCache { executor, .. } if *executor == offer.exec => {
                Locality::ProcessLocal
            }
            p if p.host() == offer.host => Locality::NodeLocal,
            _ => Locality::Any,
        };
        best = best.min(level);
    }
    best
}

/// One stage attempt's tasks.
pub struct TaskSetManager {
    pub stage_id: usize,
    pub stage_attempt: usize,
    /// The job whose priority this task set runs at.
    pub priority: usize,
    tasks: Vec<TaskTemplate>,
    successful: Vec<bool>,
    /// For each successful task, the attempt that succeeded: its task id and executor (a
    /// shuffle map task's output lives there).
    succeeded_on: Vec<Option<(usize, usize)>>,
    copies_running: Vec<u32>,
    num_failures: Vec<u32>,
    attempts: Vec<usize>,
    tasks_successful: usize,
    /// Tasks neither running nor succeeded: what an offer could launch.
    unlaunched: usize,
    /// A zombie launches nothing new but still tracks its running tasks.
    pub zombie: bool,
    pending: PendingLists,
    levels: Vec<Locality>,
    level_waits: Vec<u64>,
    current_level: usize,
    last_reset: u64,
    /// The level the log last said the set may launch at (see [`Self::effective_level`]):
    /// a `LocalityChanged` is posted only when this changes.
    reported: Locality,
    waits: LocalityWaits,
    max_failures: u32,
    /// Tasks of this set that are running.
    pub running: BTreeSet<usize>,
    /// Declined offers not yet posted.
    declines: Declines,
    /// A legacy-mode reset made by a launch whose `TaskStart` is not posted yet: how long the
    /// set had waited.
    unreported_reset: Option<u64>,
    /// Successful durations and the tasks slow enough to copy (reference §4.6).
    pub speculation: Speculatable,
}

impl TaskSetManager {
    /// A task set over `tasks`; `now` starts its locality timer.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        stage_id: usize,
        stage_attempt: usize,
        priority: usize,
        tasks: Vec<TaskTemplate>,
        waits: LocalityWaits,
        max_failures: u32,
        cluster: &dyn ClusterView,
        now: u64,
    ) -> Self {
        let n = tasks.len();
        let mut tsm = TaskSetManager {
            stage_id,
            stage_attempt,
            priority,
            tasks,
            successful: vec![false; n],
            succeeded_on: vec![None; n],
            copies_running: vec![0; n],
            num_failures: vec![0; n],
            attempts: vec![0; n],
            tasks_successful: 0,
            unlaunched: n,
            zombie: false,
            pending: PendingLists::default(),
            levels: Vec::new(),
            level_waits: Vec::new(),
            current_level: 0,
            last_reset: now,
            reported: Locality::Any,
            waits,
            max_failures,
            running: BTreeSet::new(),
            declines: Declines::default(),
            unreported_reset: None,
            speculation: Speculatable::default(),
        };
        for i in (0..n).rev() {
            tsm.add_pending_task(i, cluster);
        }
        tsm.compute_valid_locality_levels(cluster);
        tsm.reported = tsm.effective_level(now);
        tsm
    }

    /// The number of tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the set has no tasks.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The partition task `index` computes.
    pub fn partition_of(&self, index: usize) -> usize {
        self.tasks[index].partition
    }

    /// The locality levels this set may use, most local first.
    pub fn levels(&self) -> &[Locality] {
        &self.levels
    }

    /// The delay-scheduling timer: the level the set is at and when its wait started, µs.
    pub fn timer(&self) -> (Locality, u64) {
        let level = self.levels.get(self.current_level).copied();
        (level.unwrap_or(Locality::Any), self.last_reset)
    }

    /// Whether every task has succeeded.
    pub fn all_succeeded(&self) -> bool {
        self.tasks_successful == self.tasks.len()
    }

    fn add_pending_task(&mut self, index: usize, cluster: &dyn ClusterView) {
        let p = &mut self.pending;
        for loc in &self.tasks[index].prefs {
            let host = match loc {
                TaskLocation::Host(h) => h,
                TaskLocation::ExecutorCache { host, executor } => {
                    p.for_executor.entry(*executor).or_default().push(index);
                    host
                }
            };
            let id = p.for_host.intern(host);
            p.for_host.push(id, index);
            // A host's rack is looked up once, when a task first names the host.
            if id == p.host_rack.len() {
                let rack = cluster
                    .rack_of(host)
                    .map(|r| p.for_rack.intern(&Arc::from(r)));
                p.host_rack.push(rack);
            }
            if let Some(rack) = p.host_rack.get(id).copied().flatten() {
                p.for_rack.push(rack, index);
            }
        }
        if self.tasks[index].prefs.is_empty() {
            p.no_prefs.push(index);
        }
        p.all.push(index);
    }

    /// Spark's `recomputeLocality`, when an executor registers or is lost: the valid levels
    /// are computed again, the set keeps its level (or the next one that still exists), and
    /// if a more local level appeared before it, it moves to the first such level (SPARK-31837:
    /// an executor registering on a preferred host brings NODE_LOCAL back).
    pub fn recompute_locality(
        &mut self,
        cluster: &dyn ClusterView,
        now: u64,
        events: &mut EventSink,
    ) {
        if self.zombie {
            return;
        }
        let before = self.levels.clone();
        let index_before = self.current_level;
        self.compute_valid_locality_levels(cluster);
        if self.current_level > index_before {
            if let Some(new) = self.levels.iter().position(|l| !before.contains(l)) {
                self.current_level = new;
            }
        }
        let level = self.effective_level(now);
        let waited = now.saturating_sub(self.last_reset);
        self.report(level, LocalityReason::ExecutorsChanged, waited, now, events);
    }

    /// Spark's `computeValidLocalityLevels`.
    pub fn compute_valid_locality_levels(&mut self, cluster: &dyn ClusterView) {
        let old = self.levels.get(self.current_level).copied();
        let p = &self.pending;
        let mut levels = Vec::new();
        if p.for_executor.keys().any(|e| cluster.executor_alive(*e)) {
            levels.push(Locality::ProcessLocal);
        }
        if p.for_host.names().any(|h| cluster.host_alive(h)) {
            levels.push(Locality::NodeLocal);
        }
        if !p.no_prefs.is_empty() {
            levels.push(Locality::NoPref);
        }
        if p.for_rack.names().any(|r| cluster.rack_alive(r)) {
            levels.push(Locality::RackLocal);
        }
        levels.push(Locality::Any);
        self.level_waits = levels
            .iter()
            .map(|l| match l {
                Locality::ProcessLocal => self.waits.process,
                Locality::NodeLocal => self.waits.node,
                Locality::RackLocal => self.waits.rack,
                _ => 0,
            })
            .collect();
        self.current_level = match old {
            Some(old) => levels
                .iter()
                .position(|l| *l >= old)
                .unwrap_or(levels.len() - 1),
            None => 0,
        };
        self.levels = levels;
    }

    /// Pops the next launchable task from `list`, dropping stale entries as it passes.
    fn dequeue_from(list: &mut Vec<usize>, ok: impl Fn(usize) -> bool) -> Option<usize> {
        while let Some(i) = list.pop() {
            if ok(i) {
                return Some(i);
            }
        }
        None
    }

    /// Executor `exec`'s host and rack as ids of the pending lists, found by name once per
    /// executor.
    fn offered_ids(
        &mut self,
        exec: usize,
        host: &str,
        rack: Option<&str>,
    ) -> (Option<usize>, Option<usize>) {
        let p = &mut self.pending;
        if let Some(ids) = p.offered.get(&exec) {
            return *ids;
        }
        let ids = (p.for_host.id(host), rack.and_then(|r| p.for_rack.id(r)));
        p.offered.insert(exec, ids);
        ids
    }

    fn dequeue_task(
        &mut self,
        exec: usize,
        host: &str,
        rack: Option<&str>,
        allowed: Locality,
    ) -> Option<(usize, Locality)> {
        let (host_id, rack_id) = self.offered_ids(exec, host, rack);
        let ok = |i: usize| !self.successful[i] && self.copies_running[i] == 0;
        let p = &mut self.pending;
        if let Some(l) = p.for_executor.get_mut(&exec) {
            if let Some(i) = Self::dequeue_from(l, ok) {
                return Some((i, Locality::ProcessLocal));
            }
        }
        if allowed >= Locality::NodeLocal {
            if let Some(l) = host_id.and_then(|h| p.for_host.get_mut(h)) {
                if let Some(i) = Self::dequeue_from(l, ok) {
                    return Some((i, Locality::NodeLocal));
                }
            }
        }
        if allowed >= Locality::NoPref {
            if let Some(i) = Self::dequeue_from(&mut p.no_prefs, ok) {
                // Spark logs a task with no preference as PROCESS_LOCAL.
                return Some((i, Locality::ProcessLocal));
            }
        }
        if allowed >= Locality::RackLocal {
            if let Some(l) = rack_id.and_then(|r| p.for_rack.get_mut(r)) {
                if let Some(i) = Self::dequeue_from(l, ok) {
                    return Some((i, Locality::RackLocal));
                }
            }
        }
        if allowed >= Locality::Any {
            if let Some(i) = Self::dequeue_from(&mut p.all, ok) {
                return Some((i, Locality::Any));
            }
        }
        None
    }

    /// Whether a level still has launchable tasks, pruning stale entries as Spark's
    /// `moreTasksToRunIn` does: each list is popped from its top until a launchable task shows
    /// (a stack is handed out from the top), an emptied list is dropped, and the search stops
    /// at the first list with a task, so the pruning costs each stale entry once.
    fn more_tasks_at(&mut self, level: Locality) -> bool {
        let successful = &self.successful;
        let copies = &self.copies_running;
        let ok = |i: usize| !successful[i] && copies[i] == 0;
        fn any_left<K: Ord + Clone>(
            map: &mut BTreeMap<K, Vec<usize>>,
            ok: &dyn Fn(usize) -> bool,
        ) -> bool {
            let mut emptied = Vec::new();
            let mut found = false;
            for (k, list) in map.iter_mut() {
                while let Some(&i) = list.last() {
                    if ok(i) {
                        found = true;
                        break;
                    }
                    list.pop();
                }
                if found {
                    break;
                }
                emptied.push(k.clone());
            }
            for k in emptied {
                map.remove(&k);
            }
            found
        }
        match level {
            Locality::ProcessLocal => any_left(&mut self.pending.for_executor, &ok),
            Locality::NodeLocal => self.pending.for_host.any_left(&ok),
            Locality::NoPref => !self.pending.no_prefs.is_empty(),
            Locality::RackLocal => self.pending.for_rack.any_left(&ok),
            Locality::Any => true,
        }
    }

    /// Spark's `getAllowedLocalityLevel`: advances past exhausted or waited-out levels, and
    /// reports the move when it changes the level the log last gave.
    fn allowed_locality(&mut self, now: u64, events: &mut EventSink) -> Locality {
        let started_at = self.last_reset;
        // Whether a non-zero wait ran out on the way (else levels ran out of tasks, or only
        // zero waits were passed, which is no waiting).
        let mut waited = false;
        while self.current_level + 1 < self.levels.len() {
            let level = self.levels[self.current_level];
            let wait = self.level_waits[self.current_level];
            if !self.more_tasks_at(level) {
                self.last_reset = now;
                self.current_level += 1;
            } else if now.saturating_sub(self.last_reset) >= wait {
                self.last_reset += wait;
                self.current_level += 1;
                waited |= wait > 0;
            } else {
                break;
            }
        }
        let reason = if waited {
            LocalityReason::WaitExpired
        } else {
            LocalityReason::NoTasksAtLevel
        };
        let level = self.levels[self.current_level];
        self.report(level, reason, now.saturating_sub(started_at), now, events);
        level
    }

    /// The level an offer made now would be allowed (what [`Self::allowed_locality`] would
    /// answer, without moving the level or its timer; stale entries are pruned on the way, as
    /// any offer would): levels with no tasks left, or whose wait has run out (a zero wait at
    /// once), are passed. This is the level the log reports, so that a timer reset to a level
    /// that would be left at the next offer is no change to report.
    pub fn effective_level(&mut self, now: u64) -> Locality {
        let (mut idx, mut last) = (self.current_level, self.last_reset);
        while idx + 1 < self.levels.len() {
            let wait = self.level_waits[idx];
            if !self.more_tasks_at(self.levels[idx]) {
                last = now;
            } else if now.saturating_sub(last) >= wait {
                last += wait;
            } else {
                break;
            }
            idx += 1;
        }
        self.levels.get(idx).copied().unwrap_or(Locality::Any)
    }

    /// Whether the set has a level to wait at (its tasks prefer executors, hosts or racks
    /// that are alive): a set without one only ever moves between NO_PREF and ANY, at once,
    /// which is no delay-scheduling decision.
    fn waits_for_locality(&self) -> bool {
        self.levels.iter().any(|l| {
            matches!(
                l,
                Locality::ProcessLocal | Locality::NodeLocal | Locality::RackLocal
            )
        })
    }

    /// Posts `LocalityChanged` if `level` is not the level the log last gave.
    fn report(
        &mut self,
        level: Locality,
        reason: LocalityReason,
        waited_us: u64,
        now: u64,
        events: &mut EventSink,
    ) {
        if level == self.reported || !self.waits_for_locality() {
            return;
        }
        self.reported = level;
        // The declines were made at the level that ends here.
        self.declines
            .post_all(self.stage_id, self.stage_attempt, now, events);
        events.emit(
            now,
            EventKind::LocalityChanged {
                stage: self.stage_id,
                attempt: self.stage_attempt,
                level,
                waited_us,
                reason: Some(reason),
            },
        );
    }

    /// Resets the delay timer to the level of `locality` (Spark's `resetDelayScheduleTimer`),
    /// reporting the level it brings the set back to if that is a change.
    pub fn reset_delay_timer(
        &mut self,
        locality: Option<Locality>,
        now: u64,
        events: &mut EventSink,
    ) {
        let waited = self.restart_timer(locality, now);
        self.report_reset(waited, now, events);
    }

    /// The timer part of [`Self::reset_delay_timer`]: returns how long the set had waited.
    fn restart_timer(&mut self, locality: Option<Locality>, now: u64) -> u64 {
        let waited = now.saturating_sub(self.last_reset);
        self.last_reset = now;
        if let Some(loc) = locality {
            self.current_level = self.levels.iter().position(|l| *l >= loc).unwrap_or(0);
        }
        waited
    }

    /// Reports the reset made by the legacy mode's last launch, once the launch is posted (so
    /// that the log says the launch, then what it did to the level).
    pub fn report_launch_reset(&mut self, now: u64, events: &mut EventSink) {
        if let Some(waited) = self.unreported_reset.take() {
            self.report_reset(waited, now, events);
        }
    }

    /// The report part of [`Self::reset_delay_timer`].
    fn report_reset(&mut self, waited: u64, now: u64, events: &mut EventSink) {
        if !self.waits_for_locality() {
            return;
        }
        // Reset to a level with no task left, the set moves on from it at its next offer:
        // report that move, not the reset.
        let level = self.effective_level(now);
        let reason = if Some(&level) == self.levels.get(self.current_level) {
            LocalityReason::Reset
        } else {
            LocalityReason::NoTasksAtLevel
        };
        self.report(level, reason, waited, now, events);
    }

    /// Spark's `resourceOffer`: a task for the offered executor at no worse than
    /// `max_locality`, if one may go there now; and whether the offer was a delay-scheduling
    /// reject, which is recorded (and posted, merged, as `OfferDeclined`).
    pub fn resource_offer(
        &mut self,
        offer: Offer<'_>,
        max_locality: Locality,
        now: u64,
        legacy_reset: bool,
        events: &mut EventSink,
    ) -> (Option<(usize, Locality)>, bool) {
        if self.zombie {
            return (None, false);
        }
        let allowed = if max_locality != Locality::NoPref {
            self.allowed_locality(now, events).min(max_locality)
        } else {
            max_locality
        };
        let task = self.dequeue_task(offer.exec, offer.host, offer.rack, allowed);
        if let Some((_, loc)) = task {
            let (stage, attempt) = (self.stage_id, self.stage_attempt);
            self.declines.post(stage, attempt, offer.exec, now, events);
            if legacy_reset && max_locality != Locality::NoPref {
                let waited = self.restart_timer(Some(loc), now);
                self.unreported_reset = Some(waited);
            }
        }
        // Spark judges "pending" from the lazily pruned `all` list.
        let rejected =
            task.is_none() && max_locality == Locality::Any && !self.pending.all.is_empty();
        if rejected {
            let best = self.best_level_for(offer);
            let key = (self.stage_id, self.stage_attempt);
            self.declines
                .record(key, offer.exec, offer.name, allowed, best, now, events);
        }
        (task, rejected)
    }

    /// The most local level a task of this set could have run at on the offered executor,
    /// had the set allowed it (pruning stale entries on the way, as a dequeue would).
    fn best_level_for(&mut self, offer: Offer<'_>) -> Locality {
        let (host_id, rack_id) = self.offered_ids(offer.exec, offer.host, offer.rack);
        let successful = &self.successful;
        let copies = &self.copies_running;
        let ok = |i: usize| !successful[i] && copies[i] == 0;
        let live = |list: Option<&mut Vec<usize>>| {
            list.is_some_and(|l| {
                while let Some(&i) = l.last() {
                    if ok(i) {
                        return true;
                    }
                    l.pop();
                }
                false
            })
        };
        let p = &mut self.pending;
        if live(p.for_executor.get_mut(&offer.exec)) {
            Locality::ProcessLocal
        } else if live(host_id.and_then(|h| p.for_host.get_mut(h))) {
            Locality::NodeLocal
        } else if live(Some(&mut p.no_prefs)) {
            Locality::NoPref
        } else if live(rack_id.and_then(|r| p.for_rack.get_mut(r))) {
            Locality::RackLocal
        } else {
            Locality::Any
        }
    }

    /// Posts the declines not yet posted (the set ends, or stops launching).
    pub fn post_declines(&mut self, now: u64, events: &mut EventSink) {
        self.declines
            .post_all(self.stage_id, self.stage_attempt, now, events);
    }

    /// Records that task `index` was launched; returns its attempt number.
    pub fn launched(&mut self, index: usize, task_id: usize) -> usize {
        if self.copies_running[index] == 0 && !self.successful[index] {
            self.unlaunched = self.unlaunched.saturating_sub(1);
        }
        self.copies_running[index] += 1;
        self.running.insert(task_id);
        let a = self.attempts[index];
        self.attempts[index] += 1;
        a
    }

    /// A task attempt succeeded on `executor`. Returns false if the task had already
    /// succeeded.
    pub fn handle_success(&mut self, index: usize, task_id: usize, executor: usize) -> bool {
        self.running.remove(&task_id);
        self.copies_running[index] = self.copies_running[index].saturating_sub(1);
        if self.successful[index] {
            return false;
        }
        self.successful[index] = true;
        self.succeeded_on[index] = Some((task_id, executor));
        self.tasks_successful += 1;
        if self.all_succeeded() {
            self.zombie = true;
        }
        true
    }

    /// Whether task `index` has succeeded.
    pub fn succeeded(&self, index: usize) -> bool {
        self.successful[index]
    }

    /// How many copies of task `index` run now.
    pub fn copies_running(&self, index: usize) -> u32 {
        self.copies_running[index]
    }

    /// Copy `task_id` of task `index` was killed (another copy succeeded): it no longer runs,
    /// and its end counts no failure.
    pub fn copy_killed(&mut self, index: usize, task_id: usize) {
        if self.running.remove(&task_id) {
            self.copies_running[index] = self.copies_running[index].saturating_sub(1);
        }
    }

    /// A speculative copy for `offer` (Spark's speculative `dequeueTask`): a speculatable
    /// task, not done, with one copy running and none on the offered host (`runs_on_host`),
    /// at a locality the set allows now. Marks it launched no more speculatable.
    pub fn speculative_task(
        &mut self,
        offer: Offer<'_>,
        max_locality: Locality,
        now: u64,
        events: &mut EventSink,
        runs_on_host: &dyn Fn(usize) -> bool,
    ) -> Option<(usize, Locality)> {
        if self.zombie || self.speculation.candidates.is_empty() {
            return None;
        }
        let allowed = self.allowed_locality(now, events).min(max_locality);
        let found = self.speculation.candidates.iter().copied().find_map(|i| {
            if self.successful[i] || self.copies_running[i] != 1 || runs_on_host(i) {
                return None;
            }
            let level = locality_on(&self.tasks[i].prefs, &offer);
            (level <= allowed).then_some((i, level))
        });
        if let Some((i, _)) = found {
            self.speculation.candidates.remove(&i);
        }
        found
    }

    /// Executor `executor` is gone with the map outputs it wrote (Spark's
    /// `TaskSetManager.executorLost` for a shuffle map stage without an external shuffle
    /// service): every task that succeeded there is pending again, in this same attempt.
    /// Returns them as `(index, task id of the attempt that had succeeded)`, for the
    /// `resubmitted` task ends. A zombie set resubmits nothing (the DAG scheduler finds the
    /// missing outputs when the stage is next submitted).
    pub fn resubmit_outputs_on(
        &mut self,
        executor: usize,
        cluster: &dyn ClusterView,
    ) -> Vec<(usize, usize)> {
        if self.zombie {
            return Vec::new();
        }
        let mut out = Vec::new();
        for index in 0..self.tasks.len() {
            let Some((task, _)) = self.succeeded_on[index].filter(|(_, e)| *e == executor) else {
                continue;
            };
            self.successful[index] = false;
            self.succeeded_on[index] = None;
            self.tasks_successful -= 1;
            if self.copies_running[index] == 0 {
                self.unlaunched += 1;
            }
            self.add_pending_task(index, cluster);
            out.push((index, task));
        }
        out
    }

    /// A task attempt failed. `counts` says whether the reason counts toward
    /// `max_task_failures`; `fetch_failed` makes the set a zombie (the DAG scheduler recovers).
    pub fn handle_failure(
        &mut self,
        index: usize,
        task_id: usize,
        counts: bool,
        fetch_failed: bool,
        error: &str,
        cluster: &dyn ClusterView,
    ) -> FailureVerdict {
        self.running.remove(&task_id);
        self.copies_running[index] = self.copies_running[index].saturating_sub(1);
        if fetch_failed {
            if !self.successful[index] {
                self.successful[index] = true;
                self.tasks_successful += 1;
            }
            self.zombie = true;
            return FailureVerdict::Retry;
        }
        if counts && !self.successful[index] {
            self.num_failures[index] += 1;
            if self.num_failures[index] >= self.max_failures {
                self.zombie = true;
                return FailureVerdict::Abort(format!(
                    "Task {} in stage {}.{} failed {} times, most recent failure: {}",
                    index, self.stage_id, self.stage_attempt, self.num_failures[index], error
                ));
            }
        }
        if !self.successful[index] {
            if self.copies_running[index] == 0 {
                self.unlaunched += 1;
            }
            self.add_pending_task(index, cluster);
        }
        FailureVerdict::Retry
    }

    /// Whether an offer could launch one of its tasks (it is not a zombie, and some task is
    /// neither running nor done).
    pub fn has_tasks_to_launch(&self) -> bool {
        !self.zombie && self.unlaunched > 0
    }

    /// Whether the set can be dropped: a zombie with nothing running.
    pub fn is_finished(&self) -> bool {
        self.zombie && self.running.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Flat;
    impl ClusterView for Flat {
        fn executor_alive(&self, _: usize) -> bool {
            true
        }
        fn host_alive(&self, _: &str) -> bool {
            true
        }
        fn rack_alive(&self, _: &str) -> bool {
            true
        }
        fn rack_of(&self, _: &str) -> Option<&str> {
            None
        }
    }

    fn tsm(n: usize) -> TaskSetManager {
        let tasks = (0..n)
            .map(|p| TaskTemplate {
                partition: p,
                prefs: Vec::new(),
            })
            .collect();
        let waits = LocalityWaits {
            process: 3,
            node: 3,
            rack: 3,
        };
        TaskSetManager::new(0, 0, 0, tasks, waits, 4, &Flat, 0)
    }

    fn at(exec: usize, host: &str) -> Offer<'_> {
        Offer {
            exec,
            name: "e",
            host,
            rack: None,
        }
    }

    fn offer(t: &mut TaskSetManager, ev: &mut EventSink) -> Option<(usize, Locality)> {
        t.resource_offer(at(0, "h"), Locality::Any, 0, false, ev).0
    }

    #[test]
    fn hands_out_lower_indices_first_and_a_failed_task_before_untouched_ones() {
        let mut ev = EventSink::default();
        let mut t = tsm(4);
        assert_eq!(t.levels(), &[Locality::NoPref, Locality::Any]);
        assert_eq!(
            offer(&mut t, &mut ev),
            Some((0, Locality::ProcessLocal)),
            "no preference logs as PROCESS_LOCAL"
        );
        t.launched(0, 100);
        assert_eq!(offer(&mut t, &mut ev).map(|x| x.0), Some(1));
        t.launched(1, 101);
        assert_eq!(
            t.handle_failure(1, 101, true, false, "boom", &Flat),
            FailureVerdict::Retry
        );
        assert_eq!(
            offer(&mut t, &mut ev).map(|x| x.0),
            Some(1),
            "the failed task goes first"
        );
        t.launched(1, 102);
        assert_eq!(offer(&mut t, &mut ev).map(|x| x.0), Some(2));
    }

    #[test]
    fn a_fetch_failure_makes_the_set_a_zombie_that_launches_nothing() {
        let mut ev = EventSink::default();
        let mut t = tsm(2);
        let (i, _) = offer(&mut t, &mut ev).expect("a task");
        t.launched(i, 7);
        t.handle_failure(i, 7, false, true, "fetch", &Flat);
        assert!(t.zombie);
        assert_eq!(offer(&mut t, &mut ev), None);
        assert!(t.is_finished());
    }

    #[test]
    fn an_offer_with_nothing_launchable_at_any_is_a_reject_only_while_tasks_are_pending() {
        let mut ev = EventSink::default();
        let mut t = tsm(1);
        let (i, _) = offer(&mut t, &mut ev).expect("a task");
        t.launched(i, 1);
        // The only task runs: the `all` list is swept empty, so this is no reject.
        let (task, rejected) = t.resource_offer(at(1, "h2"), Locality::Any, 0, false, &mut ev);
        assert_eq!((task, rejected), (None, false));
    }

    #[test]
    fn moving_past_levels_with_no_wait_is_not_reported_as_a_locality_change() {
        let located = |wait: u64| {
            let tasks = (0..4)
                .map(|p| TaskTemplate {
                    partition: p,
                    prefs: vec![TaskLocation::Host("h0".into())],
                })
                .collect();
            let waits = LocalityWaits {
                process: wait,
                node: wait,
                rack: wait,
            };
            TaskSetManager::new(0, 0, 0, tasks, waits, 4, &Flat, 0)
        };
        let changes = |ev: &mut EventSink| {
            ev.drain()
                .iter()
                .filter(|e| matches!(e.kind, EventKind::LocalityChanged { .. }))
                .count()
        };
        // An executor on another host: every task still prefers h0.
        let mut ev = EventSink::default();
        let mut t = located(0);
        let (task, _) = t.resource_offer(at(1, "h1"), Locality::Any, 10, false, &mut ev);
        assert!(task.is_some(), "with no wait the task goes at once");
        assert_eq!(changes(&mut ev), 0);
        // With a wait, giving up on NODE_LOCAL after it is a decision, and reported.
        let mut t = located(3);
        let (task, _) = t.resource_offer(at(1, "h1"), Locality::Any, 10, false, &mut ev);
        assert!(task.is_some());
        assert_eq!(changes(&mut ev), 1);
    }
}

//! What a replay needs of a recorded application: its executors, its jobs with their stage
//! graphs, each task attempt's duration and how it ended, and when executors came and went.
//!
//! [`RecordedApp`] is a fold over an event log's events (ember's own or imported from Apache
//! Spark), one event at a time, so that a large log is never held whole. It keeps shapes and
//! times, not records: a replay re-runs the schedule, not the computation. Running it is
//! [`super::run`]'s; making a scenario of it is `scenario::replay`'s.

use crate::events::{Event, EventKind, StageInfo, StageKind, TaskEndReason};
use std::collections::BTreeMap;

/// An executor as the log added it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedExecutor {
    /// Its id in the log (`driver`, `0`, `exec-1`).
    pub id: String,
    /// The host it ran on, as the log names it.
    pub host: String,
    /// Its cores.
    pub cores: u32,
    /// Its storage (unified) memory, bytes (0 when the log does not say).
    pub storage_memory: u64,
}

/// A job as the log recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedJob {
    /// Its id in the log.
    pub job: usize,
    /// The stage that computed its result.
    pub result_stage: usize,
    /// The stages it listed, run or skipped.
    pub stages: Vec<usize>,
    /// When it was submitted, µs from the application's start.
    pub start_us: u64,
    /// From its submission to its end, µs.
    pub duration_us: u64,
    /// Of that, the time no task of the application ran: the driver's own (submitting
    /// stages, collecting results, starting and ending the job), µs.
    pub driver_us: u64,
    pub succeeded: bool,
}

/// A task attempt as the log recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedAttempt {
    /// From its launch to its end, µs.
    pub duration_us: u64,
    /// How it ended.
    pub reason: TaskEndReason,
    /// Its error, when its own code failed (`TaskEndReason::Exception`).
    pub error: Option<String>,
    /// Its executor was lost while it ran, `duration_us` into it: a replay of it ends the
    /// executor it runs on there (as the fixtures' tasks that call `halt` do).
    pub halts: bool,
}

/// A stage as the log recorded it: its place in the graph and its tasks' attempts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordedStage {
    /// Its id in the log.
    pub stage: usize,
    /// Whether it wrote a shuffle.
    pub shuffle_map: bool,
    /// Which shuffle, when the log says or ember inferred it.
    pub shuffle: Option<usize>,
    /// The stages whose shuffles it reads.
    pub parents: Vec<usize>,
    /// Its partition count.
    pub tasks: usize,
    /// Per (stage attempt, partition), its task attempts in the order they were launched.
    pub attempts: BTreeMap<(usize, usize), Vec<RecordedAttempt>>,
    /// Per partition, the hosts its task preferred for its input (a source's blocks, a
    /// checkpoint, a cached copy) when the stage was first submitted, as ember's logs say
    /// (Apache Spark's do not).
    pub preferred: BTreeMap<usize, Vec<String>>,
}

impl RecordedStage {
    /// The attempt a replay runs for the `number`-th launch (from 0) of `partition` in stage
    /// attempt `stage_attempt`: the recorded one, or, when the log has none (a replay that
    /// runs a task more often than the recording did, or a partition the log never saw run),
    /// a successful attempt of that partition's time, or of the stage's median time.
    pub fn attempt(
        &self,
        stage_attempt: usize,
        partition: usize,
        number: usize,
    ) -> RecordedAttempt {
        let recorded = self
            .attempts
            .get(&(stage_attempt, partition))
            .and_then(|a| a.get(number))
            // An attempt that could not fetch its input replays as its partition's successful
            // time: the missing input fails it again by itself, if at all.
            .filter(|a| a.reason != TaskEndReason::FetchFailed);
        match recorded {
            Some(a) if a.reason == TaskEndReason::Exception || a.halts => a.clone(),
            // One whose executor was lost had not finished: it runs until the loss (replayed
            // at the same time) and, were the loss to come later, as long as a successful
            // attempt more.
            Some(a) if a.reason == TaskEndReason::ExecutorLost => RecordedAttempt {
                duration_us: a.duration_us
                    + self
                        .success_us(partition)
                        .unwrap_or_else(|| self.median_us()),
                reason: TaskEndReason::Success,
                error: None,
                halts: false,
            },
            // Any other (a killed one: a faster copy won) ran at least its recorded time.
            Some(a) => RecordedAttempt {
                reason: TaskEndReason::Success,
                ..a.clone()
            },
            None => RecordedAttempt {
                duration_us: self
                    .success_us(partition)
                    .unwrap_or_else(|| self.median_us()),
                reason: TaskEndReason::Success,
                error: None,
                halts: false,
            },
        }
    }

    /// The duration of `partition`'s successful attempt (the first one, if it succeeded in
    /// several stage attempts).
    pub fn success_us(&self, partition: usize) -> Option<u64> {
        self.attempts
            .iter()
            .filter(|((_, p), _)| *p == partition)
            .flat_map(|(_, a)| a.iter())
            .find(|a| a.reason == TaskEndReason::Success)
            .map(|a| a.duration_us)
    }

    /// The median duration of the stage's successful attempts (0 with none).
    pub fn median_us(&self) -> u64 {
        let mut d: Vec<u64> = self
            .attempts
            .values()
            .flatten()
            .filter(|a| a.reason == TaskEndReason::Success)
            .map(|a| a.duration_us)
            .collect();
        d.sort_unstable();
        d.get(d.len() / 2).copied().unwrap_or(0)
    }
}

/// An executor joining or leaving while jobs ran.
#[derive(Clone, Debug, PartialEq)]
pub enum MembershipChange {
    /// Executor `executor` (an index into [`RecordedApp::executors`]) joined.
    Added { executor: usize },
    /// Executor `executor` (an index into [`RecordedApp::executors`]) was lost.
    Removed { executor: usize, reason: String },
}

/// A membership change and when: `offset_us` after the start of job `job` (an index into
/// [`RecordedApp::jobs`]), the job that was running or had last started.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedChange {
    /// The job it happened in (or before).
    pub job: usize,
    /// How long after the job's start, µs.
    pub offset_us: u64,
    /// What changed.
    pub change: MembershipChange,
}

/// The recorded application a replay re-runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordedApp {
    /// The application's name (its id when it has none).
    pub name: String,
    /// Every executor the log added, in order; the first [`Self::initial`] were there before
    /// the first job.
    pub executors: Vec<RecordedExecutor>,
    pub initial: usize,
    /// The jobs the log ended, in the order they started.
    pub jobs: Vec<RecordedJob>,
    /// Every stage a job listed or a task ran in, by id.
    pub stages: BTreeMap<usize, RecordedStage>,
    /// Executors that joined or were lost while jobs ran, in order.
    pub changes: Vec<TimedChange>,
    /// Apache Spark's settings the log carried (`spark.speculation`, ...).
    pub conf: BTreeMap<String, String>,
    /// The scenario that ran, as TOML, when ember wrote the log.
    pub scenario: Option<String>,
}

impl RecordedApp {
    /// Folds `events` into the application they recorded.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> RecordedApp {
        let mut b = RecordedBuilder::default();
        for e in events {
            b.on_event(e);
        }
        b.finish()
    }

    /// The distinct hosts, in the order their first executor joined.
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = Vec::new();
        for e in &self.executors {
            if !hosts.contains(&e.host) {
                hosts.push(e.host.clone());
            }
        }
        hosts
    }

    /// The tasks the log recorded.
    pub fn tasks(&self) -> usize {
        self.stages
            .values()
            .map(|s| s.attempts.values().map(Vec::len).sum::<usize>())
            .sum()
    }
}

/// Where an attempt is recorded: its (stage, stage attempt, partition), and its place in
/// that list.
type Slot = ((usize, usize, usize), usize);

/// Builds a [`RecordedApp`] one event at a time ([`RecordedApp::from_events`]).
#[derive(Default)]
pub struct RecordedBuilder {
    app: RecordedApp,
    /// Task id → where its attempt is (see [`Slot`]), and when it started.
    running: BTreeMap<usize, (Slot, u64)>,
    /// Per executor, its attempts that ended lost with it before its removal was logged (as
    /// Spark logs them), and when each started.
    lost_on: BTreeMap<String, Vec<(Slot, u64)>>,
    /// Per executor, its removal not tied to an attempt yet: when, and its place in
    /// `changes` (ember logs the removal before the attempts it ended).
    removed: BTreeMap<String, (u64, usize)>,
    /// When tasks ran (start, end), since the last job ended.
    busy: Vec<(u64, u64)>,
    /// Executors added after the first job started, or lost, and when; `false` once a lost
    /// attempt ends the executor itself.
    changes: Vec<(u64, MembershipChange, bool)>,
    /// Executor id → index into `app.executors`.
    index: BTreeMap<String, usize>,
    /// Whether a task started yet.
    tasks_seen: bool,
    /// Jobs that ended.
    ended: std::collections::BTreeSet<usize>,
    job_index: BTreeMap<usize, usize>,
}

impl RecordedBuilder {
    /// Takes in one event (of a log of both engines, the Spark-style engine's only).
    pub fn on_event(&mut self, e: &Event) {
        // A log of both engines: the Spark-style engine's run is the application.
        if e.engine == Some(crate::events::Engine::MapReduce) {
            return;
        }
        let app = &mut self.app;
        match &e.kind {
            EventKind::AppStart {
                app: name,
                spark,
                scenario,
                ..
            } => {
                app.name = name.clone();
                app.scenario = scenario.clone();
                if let Some(s) = spark {
                    app.conf = s.conf.clone();
                    if app.name.is_empty() {
                        app.name = s.app_id.clone();
                    }
                }
            }
            EventKind::ExecutorAdded {
                executor,
                host,
                cores,
                storage_memory,
                ..
            } => {
                let i = app.executors.len();
                self.index.insert(executor.clone(), i);
                app.executors.push(RecordedExecutor {
                    id: executor.clone(),
                    host: host.clone(),
                    cores: *cores,
                    storage_memory: *storage_memory,
                });
                // Those there before the first task (on YARN or Kubernetes they may come after
                // the first job's start) are the cluster; later ones join it.
                match self.tasks_seen {
                    false => app.initial = app.executors.len(),
                    true => {
                        let change = MembershipChange::Added { executor: i };
                        self.changes.push((e.time_us, change, true));
                    }
                }
            }
            EventKind::ExecutorRemoved { executor, reason } => {
                let lost = self.lost_on.remove(executor).unwrap_or_default();
                if let Some(&(slot, _)) = lost.first() {
                    // An attempt running on it ended with it: the attempt ends it again.
                    if let Some(a) = Self::slot(app, slot) {
                        a.halts = true;
                    }
                } else if let Some(&i) = self.index.get(executor) {
                    let change = MembershipChange::Removed {
                        executor: i,
                        reason: reason.clone(),
                    };
                    let at = self.changes.len();
                    self.removed.insert(executor.clone(), (e.time_us, at));
                    self.changes.push((e.time_us, change, true));
                }
            }
            EventKind::JobStart { job, stages, .. } => {
                for s in stages {
                    Self::stage(app, s);
                }
                let result_stage = stages
                    .iter()
                    .filter(|s| s.kind == StageKind::Result)
                    .map(|s| s.stage)
                    .max();
                if let Some(result_stage) = result_stage {
                    self.job_index.insert(*job, app.jobs.len());
                    app.jobs.push(RecordedJob {
                        job: *job,
                        result_stage,
                        stages: stages.iter().map(|s| s.stage).collect(),
                        start_us: e.time_us,
                        duration_us: 0,
                        driver_us: 0,
                        succeeded: false,
                    });
                }
            }
            EventKind::JobEnd { job, result, .. } => {
                if let Some(j) = self.job_index.get(job).and_then(|&i| app.jobs.get_mut(i)) {
                    j.duration_us = e.time_us.saturating_sub(j.start_us);
                    j.succeeded = *result == crate::events::Outcome::Succeeded;
                    // A task whose end the log lost is no longer running after its job.
                    let running = self
                        .running
                        .values()
                        .filter(|(_, start)| *start >= j.start_us)
                        .map(|(_, start)| (*start, e.time_us));
                    let busy = covered(
                        self.busy.iter().copied().chain(running),
                        j.start_us,
                        e.time_us,
                    );
                    j.driver_us = j.duration_us.saturating_sub(busy);
                    self.ended.insert(*job);
                }
                self.busy.clear();
                self.lost_on.clear();
            }
            EventKind::StageSubmitted {
                stage,
                attempt: 0,
                preferred,
                ..
            } => {
                let s = app.stages.entry(*stage).or_default();
                for p in preferred
                    .iter()
                    .filter(|p| p.why != crate::events::PreferenceReason::ShuffleOutput)
                {
                    let hosts = p.parsed().map(|(host, _)| host.to_string()).collect();
                    s.preferred.insert(p.partition, hosts);
                }
            }
            EventKind::TaskStart {
                task,
                stage,
                attempt,
                partition,
                ..
            } => {
                let list = Self::attempts(app, (*stage, *attempt, *partition));
                // In the order they were launched; what it was is known at its end (one
                // that never ended counts as lost with its executor).
                list.push(RecordedAttempt {
                    duration_us: 0,
                    reason: TaskEndReason::ExecutorLost,
                    error: None,
                    halts: false,
                });
                let slot = ((*stage, *attempt, *partition), list.len() - 1);
                self.tasks_seen = true;
                self.running.insert(*task, (slot, e.time_us));
            }
            EventKind::TaskEnd {
                task,
                reason,
                duration_us,
                error,
                stage,
                attempt,
                partition,
                executor,
                ..
            } => {
                let mut recorded = RecordedAttempt {
                    duration_us: *duration_us,
                    reason: *reason,
                    error: error.clone(),
                    halts: false,
                };
                let Some((slot, start)) = self.running.remove(task) else {
                    Self::attempts(app, (*stage, *attempt, *partition)).push(recorded);
                    return;
                };
                self.busy.push((start, e.time_us));
                if *reason == TaskEndReason::ExecutorLost {
                    match self.removed.remove(executor) {
                        // Its executor's removal came first (ember's order): this attempt
                        // ends the executor, as far into it as the removal came.
                        Some((at, change)) => {
                            recorded.halts = true;
                            recorded.duration_us = at.saturating_sub(start);
                            if let Some(c) = self.changes.get_mut(change) {
                                c.2 = false;
                            }
                        }
                        None => self
                            .lost_on
                            .entry(executor.clone())
                            .or_default()
                            .push((slot, start)),
                    }
                }
                if let Some(a) = Self::slot(app, slot) {
                    *a = recorded;
                }
            }
            _ => {}
        }
    }

    fn attempts(
        app: &mut RecordedApp,
        (stage, attempt, partition): (usize, usize, usize),
    ) -> &mut Vec<RecordedAttempt> {
        app.stages
            .entry(stage)
            .or_insert_with(|| RecordedStage {
                stage,
                ..Default::default()
            })
            .attempts
            .entry((attempt, partition))
            .or_default()
    }

    fn slot(app: &mut RecordedApp, (key, i): Slot) -> Option<&mut RecordedAttempt> {
        Self::attempts(app, key).get_mut(i)
    }

    fn stage(app: &mut RecordedApp, s: &StageInfo) {
        let st = app.stages.entry(s.stage).or_default();
        st.stage = s.stage;
        st.shuffle_map = s.kind == StageKind::ShuffleMap;
        st.shuffle = s.shuffle.or(st.shuffle);
        st.parents = s.parents.clone();
        st.tasks = s.tasks;
    }

    /// The application folded so far. A membership change happens again at the same time
    /// into the job that was running (a loss at the moment a job ended, after it), or, between
    /// jobs, just before the next one; one after the last job is not replayed.
    pub fn finish(mut self) -> RecordedApp {
        // A job the log does not end (cut short) has no time to compare with: not replayed.
        let ended = std::mem::take(&mut self.ended);
        self.app.jobs.retain(|j| ended.contains(&j.job));
        let jobs = &self.app.jobs;
        let changes = std::mem::take(&mut self.changes);
        for (t, change) in changes.into_iter().filter(|c| c.2).map(|(t, c, _)| (t, c)) {
            let running = jobs
                .iter()
                .position(|j| j.start_us <= t && t < j.start_us + j.duration_us);
            let at = match running {
                Some(i) => Some((i, t - jobs[i].start_us)),
                None => jobs.iter().position(|j| j.start_us > t).map(|i| (i, 0)),
            };
            if let Some((job, offset_us)) = at {
                self.app.changes.push(TimedChange {
                    job,
                    offset_us,
                    change,
                });
            }
        }
        self.app
    }
}

/// How much of `[from, to]` the intervals cover, µs.
fn covered(intervals: impl Iterator<Item = (u64, u64)>, from: u64, to: u64) -> u64 {
    let mut v: Vec<(u64, u64)> = intervals
        .map(|(a, b)| (a.max(from), b.min(to)))
        .filter(|(a, b)| a < b)
        .collect();
    v.sort_unstable();
    let (mut total, mut end) = (0, from);
    for (a, b) in v {
        let a = a.max(end);
        if b > a {
            total += b - a;
            end = b;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    #[test]
    fn overlapping_task_times_count_once() {
        let v = [(0, 10), (5, 20), (30, 40), (35, 38)];
        assert_eq!(super::covered(v.into_iter(), 0, 50), 30);
        assert_eq!(super::covered(v.into_iter(), 8, 32), 14);
    }

    use super::*;

    fn stage_with(attempts: &[(usize, usize, u64, TaskEndReason)]) -> RecordedStage {
        let mut s = RecordedStage::default();
        for &(sa, p, d, reason) in attempts {
            s.attempts
                .entry((sa, p))
                .or_default()
                .push(RecordedAttempt {
                    duration_us: d,
                    reason,
                    error: None,
                    halts: false,
                });
        }
        s
    }

    #[test]
    fn an_attempt_whose_executor_was_lost_runs_past_the_loss() {
        let s = stage_with(&[
            (0, 0, 100, TaskEndReason::ExecutorLost),
            (1, 0, 700, TaskEndReason::Success),
            (0, 1, 300, TaskEndReason::Success),
        ]);
        assert_eq!(
            s.attempt(0, 0, 0).duration_us,
            800,
            "until the loss, then more"
        );
        assert_eq!(s.attempt(1, 0, 0).duration_us, 700);
        assert_eq!(s.attempt(0, 1, 0).duration_us, 300);
    }

    #[test]
    fn a_failed_attempt_replays_as_a_failure_and_unrecorded_ones_take_the_median() {
        let s = stage_with(&[
            (0, 0, 50, TaskEndReason::Exception),
            (0, 0, 60, TaskEndReason::Success),
            (0, 1, 10, TaskEndReason::Success),
            (0, 2, 30, TaskEndReason::Success),
        ]);
        assert_eq!(s.attempt(0, 0, 0).reason, TaskEndReason::Exception);
        assert_eq!(s.attempt(0, 0, 1).reason, TaskEndReason::Success);
        assert_eq!(
            s.attempt(0, 7, 0).duration_us,
            30,
            "the median of 10, 30, 60"
        );
    }
}

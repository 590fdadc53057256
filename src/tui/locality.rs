//! Delay scheduling as the log tells it: one task set's locality at a point of the log.
//!
//! [`TaskSetLocality`] gathers, for a stage attempt, what its `StageSubmitted` said each task
//! prefers and why, its `LocalityChanged` and `OfferDeclined` events, and its tasks' launches,
//! up to an event; [`Waits`] are the locality waits its run used (read back from the scenario
//! `AppStart` carries, else Spark's defaults). The locality view draws them and the events view
//! explains a locality event with them. Nothing here decides anything: the task scheduler did,
//! and this reads what it wrote.

use super::state::Log;
use crate::events::{EventKind, Locality, LocalityReason, PreferenceReason, TaskEndReason};
use crate::human::duration;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The locality settings of a run: each level's wait (µs), and whether hosts have racks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waits {
    pub process_us: u64,
    pub node_us: u64,
    pub rack_us: u64,
    pub rack_locality: bool,
    pub legacy_reset: bool,
    /// How often every executor's free cores are offered (`revive_interval`), µs.
    pub revive_us: u64,
    /// Whether they were read from the run's scenario (else they are Spark's defaults).
    pub known: bool,
}

impl Waits {
    /// The run's settings, from the scenario text `AppStart` carries (for the MapReduce
    /// baseline's run, its scheduler's: no locality waits), else the defaults. `engine` is the
    /// engine the run's events name, if any.
    pub fn of(scenario: Option<&str>, engine: Option<crate::events::Engine>) -> Waits {
        let from = |c: &crate::scheduler::SchedulerConfig, known| Waits {
            process_us: c.locality_wait_process_us,
            node_us: c.locality_wait_node_us,
            rack_us: c.locality_wait_rack_us,
            rack_locality: c.rack_locality,
            legacy_reset: c.legacy_locality_reset,
            revive_us: c.revive_interval_us,
            known,
        };
        match super::metrics::scenario_of(scenario) {
            Some(sc) if super::metrics::is_mapreduce(&sc, engine) => {
                from(&sc.mapreduce.scheduler(&sc.scheduler), true)
            }
            Some(sc) => from(&sc.scheduler, true),
            None => from(&crate::scheduler::SchedulerConfig::default(), false),
        }
    }

    /// The wait at `level` before the next level is allowed.
    pub fn at(&self, level: Locality) -> u64 {
        match level {
            Locality::ProcessLocal => self.process_us,
            Locality::NodeLocal => self.node_us,
            Locality::RackLocal => self.rack_us,
            Locality::NoPref | Locality::Any => 0,
        }
    }
}

/// One offer's outcome, as the log has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OfferOutcome {
    /// A task of the set was launched on the executor, at that level.
    Launched { partition: usize, level: Locality },
    /// `count` offers were declined alike since `since_us`: the set allowed `allowed`, the
    /// executor could have had `best`.
    Declined {
        count: u64,
        since_us: u64,
        allowed: Locality,
        best: Locality,
    },
}

/// An offer of an executor's cores to the set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferSeen {
    pub time_us: u64,
    pub executor: String,
    pub outcome: OfferOutcome,
}

/// Where a task is, at the point of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskState {
    Pending,
    Running { executor: String, level: Locality },
    Done { executor: String, level: Locality },
}

/// Where a task would rather run: why, the RDD whose partition said so, and its places as
/// Spark's `TaskLocation` strings.
pub type Preference = (PreferenceReason, usize, Vec<Arc<str>>);

/// One task of the set: its partition, its preference (`None`: none), and where it is.
pub type TaskRow = (usize, Option<Preference>, TaskState);

/// A stage attempt's delay scheduling up to an event.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskSetLocality {
    pub stage: usize,
    pub attempt: usize,
    pub job: usize,
    pub submitted_us: u64,
    /// Its partitions, in order, with where each would rather run and why (`None`: no
    /// preference), and where the task is.
    pub tasks: Vec<TaskRow>,
    /// `LocalityChanged`: (time, level, reason, waited).
    pub changes: Vec<(u64, Locality, Option<LocalityReason>, u64)>,
    /// Offers, in order: launches and merged declines.
    pub offers: Vec<OfferSeen>,
    /// Whether its last task has ended (or it ended otherwise).
    pub ended: bool,
}

/// The stage attempts submitted in the first `upto` events: (stage, attempt), in order.
pub fn submitted(log: &Log, upto: usize) -> Vec<(usize, usize)> {
    log.events
        .iter()
        .take(upto)
        .filter_map(|e| match &e.kind {
            EventKind::StageSubmitted { stage, attempt, .. } => Some((*stage, *attempt)),
            _ => None,
        })
        .collect()
}

impl TaskSetLocality {
    /// Stage `stage`'s attempt `attempt` as the first `upto` events of `log` tell it; `None`
    /// if it was not submitted by then.
    pub fn at(log: &Log, stage: usize, attempt: usize, upto: usize) -> Option<TaskSetLocality> {
        let upto = upto.min(log.events.len());
        let (start, submit) = log.events[..upto].iter().enumerate().rev().find(|(_, e)| {
            matches!(&e.kind, EventKind::StageSubmitted { stage: s, attempt: a, .. }
                    if *s == stage && *a == attempt)
        })?;
        let EventKind::StageSubmitted {
            job,
            partitions,
            preferred,
            ..
        } = &submit.kind
        else {
            return None;
        };
        let prefs: BTreeMap<usize, Preference> = preferred
            .iter()
            .map(|p| (p.partition, (p.why, p.rdd, p.locations.clone())))
            .collect();
        let mut state: BTreeMap<usize, TaskState> = partitions
            .iter()
            .map(|p| (*p, TaskState::Pending))
            .collect();
        for t in log.tasks.iter() {
            if t.stage != stage || t.attempt != attempt || t.start_idx >= upto {
                continue;
            }
            let end = t.end.filter(|(i, _, _)| *i < upto);
            let (executor, level) = (t.executor.clone(), t.locality);
            let now = match end {
                None => TaskState::Running { executor, level },
                Some((_, _, TaskEndReason::Success)) => TaskState::Done { executor, level },
                // Failed: pending again, unless another attempt is already recorded.
                Some(_) => TaskState::Pending,
            };
            if let Some(slot) = state.get_mut(&t.partition) {
                if !matches!(slot, TaskState::Done { .. }) {
                    *slot = now;
                }
            }
        }
        let mut changes = Vec::new();
        let mut offers = Vec::new();
        let mut ended = false;
        for e in &log.events[start..upto] {
            match &e.kind {
                EventKind::LocalityChanged {
                    stage: s,
                    attempt: a,
                    level,
                    reason,
                    waited_us,
                } if *s == stage && *a == attempt => {
                    changes.push((e.time_us, *level, *reason, *waited_us));
                }
                EventKind::OfferDeclined {
                    stage: s,
                    attempt: a,
                    executor,
                    allowed,
                    best,
                    count,
                    since_us,
                } if *s == stage && *a == attempt => offers.push(OfferSeen {
                    time_us: e.time_us,
                    executor: executor.clone(),
                    outcome: OfferOutcome::Declined {
                        count: *count,
                        since_us: *since_us,
                        allowed: *allowed,
                        best: *best,
                    },
                }),
                EventKind::TaskStart {
                    stage: s,
                    attempt: a,
                    partition,
                    executor,
                    locality,
                    ..
                } if *s == stage && *a == attempt => offers.push(OfferSeen {
                    time_us: e.time_us,
                    executor: executor.clone(),
                    outcome: OfferOutcome::Launched {
                        partition: *partition,
                        level: *locality,
                    },
                }),
                EventKind::StageCompleted {
                    stage: s,
                    attempt: a,
                    ..
                } if *s == stage && *a == attempt => ended = true,
                _ => {}
            }
        }
        let tasks = state
            .into_iter()
            .map(|(p, st)| (p, prefs.get(&p).cloned(), st))
            .collect();
        Some(TaskSetLocality {
            stage,
            attempt,
            job: *job,
            submitted_us: submit.time_us,
            tasks,
            changes,
            offers,
            ended,
        })
    }

    /// The level the set may launch at, and since when its wait runs: its last
    /// `LocalityChanged`, else the most local level its tasks have (the level a set starts at)
    /// from its submission. In the legacy mode every launch of a task with a preference
    /// restarts the wait without changing the level, which the log does not repeat: the wait
    /// then runs from the last such launch.
    pub fn allowed(&self, waits: &Waits) -> (Locality, u64) {
        let (level, mut since) = match self.changes.last() {
            Some((t, level, _, _)) => (*level, *t),
            None => (
                self.levels(waits).first().copied().unwrap_or(Locality::Any),
                self.submitted_us,
            ),
        };
        if waits.legacy_reset {
            let preferring: BTreeSet<usize> = self
                .tasks
                .iter()
                .filter(|(_, pref, _)| pref.is_some())
                .map(|(p, _, _)| *p)
                .collect();
            let last_launch = self.offers.iter().rev().find_map(|o| match o.outcome {
                OfferOutcome::Launched {
                    partition,
                    level: l,
                } if l <= level && preferring.contains(&partition) => Some(o.time_us),
                _ => None,
            });
            if let Some(t) = last_launch {
                since = since.max(t);
            }
        }
        (level, since)
    }

    /// The levels its tasks give it, most local first (Spark's `computeValidLocalityLevels`,
    /// from the preferences; whether each place is alive the log does not say here).
    pub fn levels(&self, waits: &Waits) -> Vec<Locality> {
        let mut has = BTreeSet::new();
        for (_, pref, _) in &self.tasks {
            match pref {
                Some((PreferenceReason::Cached, _, _)) => {
                    has.insert(Locality::ProcessLocal);
                    has.insert(Locality::NodeLocal);
                }
                Some(_) => {
                    has.insert(Locality::NodeLocal);
                }
                None => {
                    has.insert(Locality::NoPref);
                }
            }
        }
        if waits.rack_locality && has.contains(&Locality::NodeLocal) {
            has.insert(Locality::RackLocal);
        }
        has.insert(Locality::Any);
        has.into_iter().collect()
    }

    /// The tasks not launched (or to launch again).
    pub fn pending(&self) -> impl Iterator<Item = &TaskRow> {
        self.tasks
            .iter()
            .filter(|(_, _, st)| *st == TaskState::Pending)
    }

    /// The places pending tasks prefer, with how many prefer each, most wanted first (ties in
    /// name order): an executor for a cached copy, else a host.
    pub fn wanted(&self) -> Vec<(String, usize)> {
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for (_, pref, _) in self.pending() {
            if let Some((_, _, locations)) = pref {
                for l in locations {
                    *count.entry(place(l)).or_default() += 1;
                }
            }
        }
        let mut v: Vec<(String, usize)> = count.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// The set's wait in one sentence at `now_us`: what it waits for, how many pending tasks
    /// want it, and when the next level comes; `None` when it waits for nothing (its level is
    /// ANY or NO_PREF, or nothing is pending).
    pub fn waiting(&self, waits: &Waits, now_us: u64) -> Option<String> {
        let (level, since) = self.allowed(waits);
        if matches!(level, Locality::Any | Locality::NoPref) {
            return None;
        }
        let pending = self.pending().count();
        let wanted = self.wanted();
        let n = wanted.first()?.1;
        // The places that tie for the most wanted, named up to three.
        let tied: Vec<&str> = wanted
            .iter()
            .take_while(|(_, k)| *k == n)
            .map(|(p, _)| p.as_str())
            .collect();
        let top = match tied.as_slice() {
            [one] => one.to_string(),
            [a, b] => format!("{a} or {b}"),
            [a, b, c] => format!("{a}, {b} or {c}"),
            more => format!("{}, {} or {} others", more[0], more[1], more.len() - 2),
        };
        let levels = self.levels(waits);
        let next = levels
            .iter()
            .find(|l| **l > level && **l != Locality::NoPref)
            .copied()
            .unwrap_or(Locality::Any);
        let top = if level == Locality::RackLocal {
            format!("a host in the rack of {top}")
        } else {
            top
        };
        let due = since + waits.at(level);
        let when = if now_us >= due {
            "at its next offer".to_string()
        } else {
            format!("in {}", duration(due - now_us))
        };
        let stage = super::explain::stage_attempt(self.stage, self.attempt);
        Some(format!(
            "{stage} waits at {} for {top}: {n} of {pending} pending task{} prefer{} {}; {} allowed {when}",
            level.name(),
            if pending == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            if tied.len() == 1 { "it" } else { "them" },
            next.name()
        ))
    }
}

/// The place a `TaskLocation` string names: the executor of a cached copy
/// (`executor_host-0_exec-0`), else the host.
pub fn place(location: &str) -> String {
    match location
        .strip_prefix("executor_")
        .and_then(|r| r.rsplit_once('_'))
    {
        Some((_, exec)) => exec.to_string(),
        None => location.to_string(),
    }
}

/// Why a task prefers its places, in a few words.
pub fn why_words(why: PreferenceReason, rdd: usize) -> String {
    match why {
        PreferenceReason::Cached => format!("cached, RDD {rdd}"),
        PreferenceReason::Input => format!("input, RDD {rdd}"),
        PreferenceReason::Checkpoint => format!("checkpoint, RDD {rdd}"),
        PreferenceReason::ShuffleOutput => "≥20% of its shuffle input".to_string(),
    }
}

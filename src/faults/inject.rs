//! [`FaultInjector`]: which faults of a plan are due, as a run goes.
//!
//! The injector watches what the driver posts (each event in order, counted from 0, as the
//! log numbers them), hears when an iteration starts and what time it is, and marks a fault
//! due when its trigger comes; the driver takes the due faults and applies them at once,
//! before it decides anything else. Each fault is injected at most once. What a fault does is
//! not this module's business. [`FaultWatch`] shares an injector between the driver and the
//! event bus.

use super::{Fault, FaultKind, Trigger};
use crate::events::{Event, EventKind, EventListener};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A plan's faults and which of them have come.
#[derive(Clone, Debug, Default)]
pub struct FaultInjector {
    plan: Vec<Fault>,
    /// Whether each fault's trigger came (it is due or was injected).
    fired: Vec<bool>,
    /// Faults whose trigger came, not yet taken, in the order the triggers came.
    due: Vec<usize>,
    /// Events posted so far.
    events: u64,
}

impl FaultInjector {
    /// An injector for `plan` (faults are named `fault[i]` by their place in it).
    pub fn new(plan: Vec<Fault>) -> Self {
        let fired = vec![false; plan.len()];
        FaultInjector {
            plan,
            fired,
            due: Vec::new(),
            events: 0,
        }
    }

    /// `n` events were posted before the injector started watching.
    pub fn events_before(&mut self, n: u64) {
        self.events = n;
    }

    /// `n` events were posted while no fault waited for a trigger: they are counted, not
    /// looked at.
    pub fn skip_events(&mut self, n: u64) {
        self.events += n;
    }

    /// Adds `fault` to the plan (the Rust API's way to inject one); returns its index.
    pub fn add(&mut self, fault: Fault) -> usize {
        self.plan.push(fault);
        self.fired.push(false);
        let i = self.plan.len() - 1;
        if matches!(self.plan[i].at, Trigger::Event(n) if (n as u64) < self.events) {
            self.fire(i);
        }
        i
    }

    /// Adds `fault` as one for another engine's run: it keeps its place (and its name
    /// `fault[i]`), and is never injected here nor reported as not injected.
    pub fn add_elsewhere(&mut self, fault: Fault) -> usize {
        self.plan.push(fault);
        self.fired.push(true);
        self.plan.len() - 1
    }

    /// The plan.
    pub fn plan(&self) -> &[Fault] {
        &self.plan
    }

    /// Whether no fault is still waiting for its trigger.
    pub fn all_fired(&self) -> bool {
        self.fired.iter().all(|f| *f)
    }

    fn fire(&mut self, i: usize) {
        if !self.fired[i] {
            self.fired[i] = true;
            self.due.push(i);
        }
    }

    fn fire_where(&mut self, hit: impl Fn(&Trigger) -> bool) {
        for i in 0..self.plan.len() {
            if !self.fired[i] && hit(&self.plan[i].at) {
                self.fire(i);
            }
        }
    }

    /// The driver posted `e` (the next event of the log).
    pub fn observe(&mut self, e: &Event) {
        let n = self.events;
        self.events += 1;
        if self.all_fired() {
            return;
        }
        self.fire_where(|t| matches!(t, Trigger::Event(m) if *m as u64 == n));
        match &e.kind {
            EventKind::JobStart { job, .. } => {
                self.fire_where(|t| matches!(t, Trigger::Job(j) if j == job))
            }
            EventKind::StageSubmitted { stage, .. } => {
                self.fire_where(|t| matches!(t, Trigger::Stage(s) if s == stage))
            }
            EventKind::TaskStart { task, .. } => {
                self.fire_where(|t| matches!(t, Trigger::Task(k) if k == task))
            }
            _ => {}
        }
    }

    /// Iteration `i` (from 1) of the workload starts.
    pub fn iteration_started(&mut self, i: usize) {
        self.fire_where(|t| *t == Trigger::Iteration(i));
    }

    /// The run's clock reads `now`: time triggers up to it come.
    pub fn time_reached(&mut self, now: u64) {
        self.fire_where(|t| matches!(t, Trigger::Time(at) if *at <= now));
    }

    /// The earliest time trigger still to come.
    pub fn next_time(&self) -> Option<u64> {
        (self.plan.iter().zip(&self.fired))
            .filter(|(_, fired)| !**fired)
            .filter_map(|(f, _)| match f.at {
                Trigger::Time(t) => Some(t),
                _ => None,
            })
            .min()
    }

    /// Whether some fault is due.
    pub fn has_due(&self) -> bool {
        !self.due.is_empty()
    }

    /// Takes the due faults, in the order their triggers came (plan order among those that
    /// came together), with their indices.
    pub fn take_due(&mut self) -> Vec<(usize, Fault)> {
        std::mem::take(&mut self.due)
            .into_iter()
            .map(|i| (i, self.plan[i].clone()))
            .collect()
    }

    /// Whether an executor may still be added while nothing runs: an `add_executor` whose
    /// trigger is a time still to come (no other trigger can come while no task runs).
    pub fn will_add_executor(&self) -> bool {
        (self.plan.iter().zip(&self.fired)).any(|(f, fired)| {
            !fired
                && matches!(f.kind, FaultKind::AddExecutor { .. })
                && matches!(f.at, Trigger::Time(_))
        })
    }

    /// The faults whose trigger never came, as `fault[i]`.
    pub fn not_injected(&self) -> Vec<String> {
        (self.fired.iter().enumerate())
            .filter(|(_, fired)| !**fired)
            .map(|(i, _)| format!("fault[{i}]"))
            .collect()
    }
}

/// The run's fault injector, shared between the driver and the event bus, where it watches
/// every event posted (whoever posted it) for the triggers. While no fault waits for a trigger
/// (most runs), an event only counts itself, without taking the lock.
#[derive(Clone, Default)]
pub struct FaultWatch {
    injector: Arc<Mutex<FaultInjector>>,
    /// Whether no fault waits for its trigger and none is due.
    quiet: Arc<AtomicBool>,
    /// Events posted while quiet, not yet counted by the injector.
    unseen: Arc<AtomicU64>,
}

impl FaultWatch {
    /// Runs `f` on the injector.
    pub fn with<R>(&self, f: impl FnOnce(&mut FaultInjector) -> R) -> R {
        let mut inj = self.injector.lock().unwrap_or_else(|p| p.into_inner());
        inj.skip_events(self.unseen.swap(0, Ordering::Relaxed));
        let r = f(&mut inj);
        self.quiet
            .store(inj.all_fired() && !inj.has_due(), Ordering::Relaxed);
        r
    }

    /// Whether a fault is due, or a time trigger has come by `now`.
    pub fn due(&self, now: u64) -> bool {
        !self.quiet.load(Ordering::Relaxed)
            && self.with(|f| f.has_due() || f.next_time().is_some_and(|t| t <= now))
    }

    /// The earliest time trigger still to come.
    pub fn next_time(&self) -> Option<u64> {
        if self.quiet.load(Ordering::Relaxed) {
            return None;
        }
        self.with(|f| f.next_time())
    }
}

impl EventListener for FaultWatch {
    fn on_event(&mut self, event: &Event) {
        if self.quiet.load(Ordering::Relaxed) {
            self.unseen.fetch_add(1, Ordering::Relaxed);
        } else {
            self.with(|f| f.observe(event));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Event, EventKind};

    fn fault(at: Trigger) -> Fault {
        Fault {
            engine: None,
            at,
            kind: FaultKind::KillExecutor { executor: 0 },
        }
    }

    fn ev(kind: EventKind) -> Event {
        Event {
            kind,
            time_us: 0,
            engine: None,
            inferred: false,
        }
    }

    #[test]
    fn each_trigger_fires_once_and_the_rest_are_reported_not_injected() {
        let mut inj = FaultInjector::new(vec![
            fault(Trigger::Event(1)),
            fault(Trigger::Time(500)),
            fault(Trigger::Iteration(3)),
            fault(Trigger::Job(7)),
        ]);
        let removed = || {
            ev(EventKind::ExecutorRemoved {
                executor: "exec-9".into(),
                reason: "x".into(),
            })
        };
        inj.observe(&removed());
        assert!(!inj.has_due());
        inj.observe(&removed());
        assert_eq!(inj.take_due().iter().map(|d| d.0).collect::<Vec<_>>(), [0]);
        assert_eq!(inj.next_time(), Some(500));
        inj.time_reached(499);
        assert!(!inj.has_due());
        inj.time_reached(500);
        inj.iteration_started(3);
        assert_eq!(
            inj.take_due().iter().map(|d| d.0).collect::<Vec<_>>(),
            [1, 2]
        );
        inj.iteration_started(3);
        assert!(!inj.has_due(), "a trigger fires its fault once");
        assert_eq!(inj.not_injected(), ["fault[3]"]);
    }
}

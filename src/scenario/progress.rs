//! Progress of a long run, for a terminal: tasks done of the estimate.
//!
//! [`Progress`] is the rule: nothing in a run's first second (most runs end before it), then a
//! line at most ten times a second, `1,234 of about 5,000 tasks (24%), job 3, 2.4 s`. The time
//! is the wall clock's: how long the person at the terminal has waited, whatever clock the run
//! simulates. [`ProgressListener`] applies the rule to a run's events and hands each line to a
//! writer; the command line writes it to standard error when that is a terminal. This module
//! prints nothing itself.

use crate::events::{Event, EventKind, EventListener};
use crate::human::count;
use std::time::{Duration, Instant};

/// How long a run goes before its progress shows.
pub const QUIET: Duration = Duration::from_secs(1);
/// The shortest time between two lines.
pub const EVERY: Duration = Duration::from_millis(100);

/// The rule: what to show, and when.
pub struct Progress {
    estimate: u128,
    tasks: u64,
    job: Option<usize>,
    /// The engine running, in a run of both engines.
    engine: Option<crate::events::Engine>,
    start: Instant,
    last: Option<Instant>,
}

impl Progress {
    /// A run of about `estimate` tasks, starting at `start`.
    pub fn new(estimate: u128, start: Instant) -> Self {
        Progress {
            estimate,
            tasks: 0,
            job: None,
            engine: None,
            start,
            last: None,
        }
    }

    /// Takes `e`, seen at `now`; returns the line to show, if one is due.
    pub fn on_event(&mut self, e: &Event, now: Instant) -> Option<String> {
        if e.engine.is_some() {
            self.engine = e.engine;
        }
        match &e.kind {
            EventKind::TaskEnd { .. } => self.tasks += 1,
            EventKind::JobStart { job, .. } => self.job = Some(*job),
            _ => {}
        }
        let waited = now.saturating_duration_since(self.start);
        if waited < QUIET {
            return None;
        }
        if self
            .last
            .is_some_and(|l| now.saturating_duration_since(l) < EVERY)
        {
            return None;
        }
        self.last = Some(now);
        Some(self.line(waited))
    }

    /// Whether a line was shown (so the last one needs clearing).
    pub fn shown(&self) -> bool {
        self.last.is_some()
    }

    fn line(&self, waited: Duration) -> String {
        let done = if (self.tasks as u128) < self.estimate {
            format!(
                "{} of about {} tasks ({}%)",
                count(self.tasks),
                count(self.estimate.min(u64::MAX as u128) as u64),
                self.tasks as u128 * 100 / self.estimate.max(1)
            )
        } else {
            format!("{} tasks", count(self.tasks))
        };
        let job = self.job.map(|j| format!(", job {j}")).unwrap_or_default();
        let engine = self
            .engine
            .map(|e| format!("{} engine, ", e.title()))
            .unwrap_or_default();
        format!("ember: {engine}{done}{job}, {:.1} s", waited.as_secs_f64())
    }
}

/// What a [`ProgressListener`] hands its writer.
pub enum ProgressUpdate<'a> {
    /// Show this line in place of the last.
    Line(&'a str),
    /// The run ended: clear the line.
    Done,
}

/// Applies [`Progress`] to a run's events as they come.
pub struct ProgressListener {
    progress: Progress,
    write: Box<dyn FnMut(ProgressUpdate<'_>) + Send>,
}

impl ProgressListener {
    /// Progress of a run of about `estimate` tasks, starting now, handed to `write`.
    pub fn new(estimate: u128, write: impl FnMut(ProgressUpdate<'_>) + Send + 'static) -> Self {
        ProgressListener {
            progress: Progress::new(estimate, Instant::now()),
            write: Box::new(write),
        }
    }
}

impl EventListener for ProgressListener {
    fn on_event(&mut self, e: &Event) {
        if let Some(line) = self.progress.on_event(e, Instant::now()) {
            (self.write)(ProgressUpdate::Line(&line));
        }
        if matches!(e.kind, EventKind::AppEnd { .. }) && self.progress.shown() {
            (self.write)(ProgressUpdate::Done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{TaskEndReason, TaskMetrics};

    fn task_end() -> Event {
        Event {
            time_us: 0,
            engine: None,
            inferred: false,
            kind: EventKind::TaskEnd {
                task: 0,
                stage: 0,
                attempt: 0,
                partition: 0,
                executor: "exec-0".into(),
                reason: TaskEndReason::Success,
                duration_us: 1,
                metrics: TaskMetrics::default(),
                error: None,
                blocks_read: Vec::new(),
            },
        }
    }

    #[test]
    fn progress_shows_after_a_second_at_most_ten_times_a_second() {
        let t0 = Instant::now();
        let mut p = Progress::new(1000, t0);
        let ms = |n: u64| t0 + Duration::from_millis(n);
        assert_eq!(
            p.on_event(&task_end(), ms(10)),
            None,
            "not in the first second"
        );
        assert_eq!(p.on_event(&task_end(), ms(999)), None);
        let line = p
            .on_event(&task_end(), ms(1000))
            .expect("shown after a second");
        assert_eq!(line, "ember: 3 of about 1,000 tasks (0%), 1.0 s");
        assert_eq!(p.on_event(&task_end(), ms(1050)), None, "not again so soon");
        let line = p
            .on_event(&task_end(), ms(1100))
            .expect("a tenth of a second later");
        assert!(line.starts_with("ember: 5 of about 1,000 tasks"), "{line}");
        assert!(p.shown());
    }

    #[test]
    fn in_a_run_of_both_engines_progress_names_the_engine_running() {
        let t0 = Instant::now();
        let mut p = Progress::new(10, t0);
        let mut e = task_end();
        e.engine = Some(crate::events::Engine::MapReduce);
        let line = p.on_event(&e, t0 + Duration::from_secs(2)).expect("shown");
        assert_eq!(
            line,
            "ember: MapReduce engine, 1 of about 10 tasks (10%), 2.0 s"
        );
    }

    #[test]
    fn past_the_estimate_progress_counts_tasks_alone() {
        let t0 = Instant::now();
        let mut p = Progress::new(1, t0);
        p.on_event(&task_end(), t0);
        let line = p
            .on_event(&task_end(), t0 + Duration::from_secs(2))
            .expect("shown");
        assert_eq!(line, "ember: 2 tasks, 2.0 s");
    }
}

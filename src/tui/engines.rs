//! A log of two engines' runs in the UI (`engine = "both"`: the Spark-style engine's run,
//! then the MapReduce baseline's, in one log whose events carry `engine`, each engine's ids
//! and times from 0). The views draw one engine's run at a time: this module sorts the events
//! as they arrive, keeps the log of the engine shown, builds the other's when `e` switches, and
//! keeps each run's iteration times for the compare view. A log of one run passes through
//! untouched (and is not copied). It does not draw.

use super::state::Log;
use crate::events::{Engine, Event, EventKind};

/// One run's iterations so far: its engine (`None` in a log of one run) and each
/// iteration's time, µs, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunIterations {
    pub engine: Option<Engine>,
    pub times: Vec<u64>,
}

/// The engines of the log and which one the views show.
#[derive(Default)]
pub struct Engines {
    /// Every event of a log of engines' runs, in order (empty for a log of one run: the log
    /// shown holds its events alone).
    all: Vec<Event>,
    /// The engines met, in the order of their first events.
    pub seen: Vec<Engine>,
    /// The engine whose run the log shown holds.
    pub shown: Option<Engine>,
    /// Each run's iteration times, in the order the runs began.
    pub runs: Vec<RunIterations>,
    /// Where playback was in each engine's run when `e` last left it (events applied).
    pub places: std::collections::BTreeMap<Engine, usize>,
}

impl Engines {
    /// Sorts the events of `log`: the log to show (the first engine's run, or `log` itself
    /// when its events carry no engine) and the engines.
    pub fn split(log: Log) -> (Engines, Log) {
        let mut engines = Engines::default();
        if !log.events.iter().any(|e| e.engine.is_some()) {
            for e in &log.events {
                engines.note_iteration(e, None);
            }
            return (engines, log);
        }
        let complete = log.complete;
        let mut shown = Log::default();
        for e in log.events {
            if let Some(e) = engines.take(e) {
                shown.push(e);
            }
        }
        shown.complete |= complete;
        (engines, shown)
    }

    /// Whether the log holds more than one engine's run.
    pub fn two(&self) -> bool {
        self.seen.len() > 1
    }

    /// Takes an event that arrived: returns it when it belongs in the log shown.
    pub fn take(&mut self, e: Event) -> Option<Event> {
        let engine = e.run_engine(!self.seen.is_empty());
        self.note_iteration(&e, engine);
        let Some(engine) = engine else {
            if !self.seen.is_empty() {
                self.all.push(e.clone());
            }
            return Some(e);
        };
        if !self.seen.contains(&engine) {
            self.seen.push(engine);
        }
        let shown = *self.shown.get_or_insert(engine);
        self.all.push(e.clone());
        (engine == shown).then_some(e)
    }

    fn note_iteration(&mut self, e: &Event, engine: Option<Engine>) {
        let EventKind::IterationEnd { duration_us, .. } = &e.kind else {
            return;
        };
        match self.runs.iter_mut().find(|r| r.engine == engine) {
            Some(r) => r.times.push(*duration_us),
            None => self.runs.push(RunIterations {
                engine,
                times: vec![*duration_us],
            }),
        }
    }

    /// Shows the next engine's run: the log of its events so far (`complete` when no more
    /// will come), or `None` when the log holds one engine's run.
    pub fn switch(&mut self, complete: bool) -> Option<Log> {
        if !self.two() {
            return None;
        }
        let at = self
            .shown
            .and_then(|s| self.seen.iter().position(|e| *e == s))
            .unwrap_or(0);
        let next = self.seen[(at + 1) % self.seen.len()];
        self.shown = Some(next);
        let mut log = Log::default();
        for e in &self.all {
            if e.run_engine(true).is_none_or(|x| x == next) {
                log.push(e.clone());
            }
        }
        log.complete |= complete;
        Some(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind, t: u64, engine: Option<Engine>) -> Event {
        Event {
            kind,
            time_us: t,
            engine,
            inferred: false,
        }
    }

    fn iteration(engine: Engine, i: usize, d: u64) -> Event {
        // As read back from a log: the engine is the kind's field only.
        ev(
            EventKind::IterationEnd {
                engine: engine.name().into(),
                iteration: i,
                duration_us: d,
            },
            d,
            None,
        )
    }

    fn job(j: usize, engine: Engine) -> Event {
        ev(
            EventKind::JobEnd {
                job: j,
                result: crate::events::Outcome::Succeeded,
                error: None,
            },
            1,
            Some(engine),
        )
    }

    #[test]
    fn a_log_of_two_engines_shows_one_run_at_a_time_and_switches() {
        let events = vec![
            job(0, Engine::Spark),
            iteration(Engine::Spark, 1, 30),
            job(0, Engine::MapReduce),
            iteration(Engine::MapReduce, 1, 60),
            iteration(Engine::MapReduce, 2, 60),
        ];
        let (mut engines, shown) = Engines::split(Log::from_events(events));
        assert_eq!(engines.seen, vec![Engine::Spark, Engine::MapReduce]);
        assert_eq!(shown.events.len(), 2, "the Spark-style run's events only");
        assert_eq!(engines.runs.len(), 2);
        assert_eq!(engines.runs[1].times, vec![60, 60]);
        let other = engines.switch(true).expect("two engines");
        assert_eq!(engines.shown, Some(Engine::MapReduce));
        assert_eq!(other.events.len(), 3);
        assert!(other.complete);
        let back = engines.switch(true).expect("two engines");
        assert_eq!(back.events.len(), 2);
    }

    #[test]
    fn a_log_of_one_run_passes_through_and_cannot_switch() {
        let events = vec![
            iteration(Engine::Spark, 1, 5),
            iteration(Engine::Spark, 2, 3),
        ];
        let (mut engines, shown) = Engines::split(Log::from_events(events));
        assert_eq!(shown.events.len(), 2);
        assert!(engines.seen.is_empty());
        assert_eq!(engines.runs[0].times, vec![5, 3]);
        assert!(engines.switch(true).is_none());
    }
}

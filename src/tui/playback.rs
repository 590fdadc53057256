//! Playback: where in the log the UI is, and how it moves.
//!
//! The cursor is a number of events applied. Playing moves it in run time: each second of
//! wall time shows `speed` seconds of the run. Stepping moves it by one event, or to the next
//! (or previous) task, stage or job boundary. Seeking anywhere re-folds from the nearest
//! snapshot (one every [`SNAPSHOT_EVERY`] events or more, as the state grows), not from the
//! start.

use super::state::{Log, UiState};
use crate::events::{Event, EventKind};

/// Events between two snapshots, at the least.
pub const SNAPSHOT_EVERY: usize = 2_000;

/// Events between a snapshot and the next: [`SNAPSHOT_EVERY`], or as many as the state has
/// parts when it is larger (a 400-iteration PageRank's state lists 160,000 stages), so that
/// copying states never costs more than folding the events between them: the snapshots of a
/// log cost time and memory linear in the log, and a seek folds at most that many events.
fn interval(s: &UiState) -> usize {
    SNAPSHOT_EVERY.max(s.size())
}

/// A kind of boundary to step to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    Task,
    Stage,
    Job,
}

impl Boundary {
    fn matches(self, e: &Event) -> bool {
        use EventKind as K;
        match self {
            Boundary::Task => matches!(e.kind, K::TaskStart { .. } | K::TaskEnd { .. }),
            Boundary::Stage => matches!(
                e.kind,
                K::StageSubmitted { .. } | K::StageCompleted { .. } | K::StageSkipped { .. }
            ),
            Boundary::Job => matches!(e.kind, K::JobStart { .. } | K::JobEnd { .. }),
        }
    }
}

/// The playback state.
pub struct Playback {
    /// The state after `state.applied` events.
    pub state: UiState,
    snapshots: Vec<UiState>,
    pub playing: bool,
    /// Run µs shown per wall µs.
    pub speed: f64,
    /// The run time the play clock has reached (between events).
    play_us: f64,
}

impl Default for Playback {
    fn default() -> Self {
        Playback {
            state: UiState::default(),
            snapshots: vec![UiState::default()],
            playing: false,
            speed: 1.0,
            play_us: 0.0,
        }
    }
}

impl Playback {
    /// Events applied.
    pub fn cursor(&self) -> usize {
        self.state.applied
    }

    /// Brings snapshots up to date with a log that has grown.
    pub fn index(&mut self, log: &Log) {
        let Some(last) = self.snapshots.last() else {
            self.snapshots.push(UiState::default());
            return self.index(log);
        };
        if last.applied + interval(last) > log.events.len() {
            return;
        }
        let mut s = last.clone();
        loop {
            let upto = s.applied + interval(&s);
            if upto > log.events.len() {
                break;
            }
            for e in &log.events[s.applied..upto] {
                s.apply(e);
            }
            self.snapshots.push(s.clone());
        }
    }

    /// Moves the cursor to `target` events applied (clamped to the log).
    pub fn seek(&mut self, log: &Log, target: usize) {
        let target = target.min(log.events.len());
        let far = target - self.state.applied.min(target) > interval(&self.state);
        if target < self.state.applied || far {
            self.index(log);
            let after = self.snapshots.partition_point(|s| s.applied <= target);
            let snap = after.saturating_sub(1);
            // Go on from the state shown when it is nearer than the snapshot.
            if target < self.state.applied || self.snapshots[snap].applied > self.state.applied {
                self.state = self.snapshots[snap].clone();
            }
        }
        for e in &log.events[self.state.applied..target] {
            self.state.apply(e);
        }
        self.play_us = self.state.time_us as f64;
    }

    /// Moves the cursor to the last event at or before run time `us`.
    pub fn seek_time(&mut self, log: &Log, us: u64) {
        let us = us.min(log.end_us());
        let target = log.events.partition_point(|e| e.time_us <= us);
        self.seek(log, target);
        self.play_us = us as f64;
    }

    /// Steps `n` events forward (or back, for negative `n`).
    pub fn step(&mut self, log: &Log, n: isize) {
        let c = self.cursor() as isize + n;
        self.seek(log, c.max(0) as usize);
    }

    /// Moves to just after the next (`forward`) or previous boundary of `kind`.
    pub fn step_to(&mut self, log: &Log, kind: Boundary, forward: bool) {
        let c = self.cursor();
        let target = if forward {
            log.events[c.min(log.events.len())..]
                .iter()
                .position(|e| kind.matches(e))
                .map(|i| c + i + 1)
        } else {
            // The boundary just before the current one.
            log.events[..c.saturating_sub(1)]
                .iter()
                .rposition(|e| kind.matches(e))
                .map(|i| i + 1)
        };
        self.seek(
            log,
            target.unwrap_or(if forward { log.events.len() } else { 0 }),
        );
    }

    /// Advances the play clock by `wall_us` of wall time; stops at the end of a complete log.
    pub fn tick(&mut self, log: &Log, wall_us: u64) {
        if !self.playing {
            return;
        }
        self.play_us += wall_us as f64 * self.speed;
        let target = log
            .events
            .partition_point(|e| (e.time_us as f64) <= self.play_us);
        let c = self.cursor();
        if target > c {
            for e in &log.events[c..target] {
                self.state.apply(e);
            }
        }
        if self.cursor() >= log.events.len() && log.complete {
            self.playing = false;
            self.play_us = self.play_us.min(log.end_us() as f64);
        }
    }

    /// The run time the playback shows.
    pub fn now_us(&self) -> u64 {
        (self.play_us as u64).max(self.state.time_us)
    }

    /// A playing speed that shows a run of `total_us` in about `seconds` seconds.
    pub fn speed_for(total_us: u64, seconds: f64) -> f64 {
        let s = total_us as f64 / (seconds * 1e6);
        // Round to 1, 2 or 5 times a power of ten, so speeds read well.
        if s <= 0.0 {
            return 1.0;
        }
        let p = 10f64.powf(s.log10().floor());
        let m = s / p;
        let m = if m < 1.5 {
            1.0
        } else if m < 3.5 {
            2.0
        } else if m < 7.5 {
            5.0
        } else {
            10.0
        };
        m * p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;

    fn log(n: usize) -> Log {
        let mut events = Vec::new();
        for i in 0..n {
            events.push(Event {
                kind: EventKind::IterationEnd {
                    engine: "spark".into(),
                    iteration: i,
                    duration_us: 1,
                },
                time_us: i as u64 * 10,
                engine: None,
                inferred: false,
            });
        }
        Log::from_events(events)
    }

    #[test]
    fn seeking_anywhere_gives_the_state_folding_from_the_start_gives() {
        let l = log(7_000);
        let mut p = Playback::default();
        for target in [6_999, 3, 4_500, 2_000, 0, 7_000, 6_001] {
            p.seek(&l, target);
            let mut fresh = UiState::default();
            for e in &l.events[..target] {
                fresh.apply(e);
            }
            assert_eq!(p.state, fresh, "at {target}");
        }
    }

    #[test]
    fn playing_moves_in_run_time_and_stops_at_the_end() {
        let l = log(100);
        let mut p = Playback {
            playing: true,
            speed: 2.0,
            ..Default::default()
        };
        p.tick(&l, 50);
        // 100 run µs: events at 0..=100 µs.
        assert_eq!(p.cursor(), 11);
        p.tick(&l, 1_000_000);
        assert_eq!(p.cursor(), 100);
        assert!(!p.playing);
        assert_eq!(p.now_us(), 990, "the clock stops at the last event");
        assert_eq!(Playback::speed_for(50_000, 20.0), 0.002);
    }

    #[test]
    fn seeking_past_the_end_stops_at_the_last_event() {
        let l = log(10);
        let mut p = Playback::default();
        p.seek_time(&l, 999_000_000);
        assert_eq!(p.cursor(), 10);
        assert_eq!(p.now_us(), 90);
    }
}

//! What-if in the UI: at the moment playback has reached, kill the executor selected (in the
//! executors view) or lose the block chosen (in the storage view), and see what the run would
//! have done. The scenario the log carries is run again on the virtual clock with that fault
//! added as `at = "event N"` ([`crate::scenario::whatif`]): it is the same run, event for
//! event, up to the moment, so playback goes on from there in the new run. The jobs view shows
//! each job's time beside its time in the run the what-if was made from; `w` saves the what-if
//! as a scenario file.

use super::app::App;
use super::playback::Playback;
use super::state::Log;
use crate::events::status::AppStatus;
use crate::events::EventKind;
use crate::scenario::whatif::{what_if, WhatIfFault};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A what-if being shown.
pub struct WhatIfRun {
    /// The scenario it runs, as TOML (what `w` saves).
    pub text: String,
    /// The scenario's name.
    pub name: String,
    pub fault: WhatIfFault,
    /// The event it was made after.
    pub at: usize,
    /// Where playback goes on, once the new run has reached it.
    pub resume_at: Option<usize>,
    /// Each job's time in the run it was made from.
    pub baseline: BTreeMap<usize, u64>,
    /// Where it was saved, if it was.
    pub saved: Option<PathBuf>,
    /// The title of the run it was made from.
    pub title: String,
}

/// Each job's time in `log`, by job id.
fn job_times(log: &Log) -> BTreeMap<usize, u64> {
    let s = AppStatus::from_events(&log.events);
    s.jobs
        .iter()
        .filter_map(|j| j.end_us.map(|e| (j.job, e.saturating_sub(j.start_us))))
        .collect()
}

impl App {
    /// Runs the log's scenario again with `fault` after the event playback has reached.
    pub fn start_what_if(&mut self, fault: WhatIfFault) {
        let Some((scenario, clock)) = self.log.events.first().and_then(|e| match &e.kind {
            EventKind::AppStart {
                scenario, clock, ..
            } => Some((scenario.clone(), clock.clone())),
            _ => None,
        }) else {
            self.message = Some("a what-if needs the run's start (AppStart): none yet".into());
            return;
        };
        let Some(scenario) = scenario else {
            self.message = Some(
                "a what-if runs the log's scenario again, and this log does not carry one".into(),
            );
            return;
        };
        let at = self.play.cursor().saturating_sub(1);
        let (text, sc) = match what_if(&scenario, &clock, &fault, at) {
            Ok(x) => x,
            Err(e) => {
                self.message = Some(format!("no what-if: {e}"));
                return;
            }
        };
        if let Err(e) = crate::scenario::preflight(&sc) {
            self.message = Some(format!("no what-if: {e}"));
            return;
        }
        let baseline = match &self.what_if {
            // A what-if of a what-if compares with the first run.
            Some(w) => w.baseline.clone(),
            None => job_times(&self.log),
        };
        let cursor = self.play.cursor();
        let base_title = match &self.what_if {
            Some(w) => w.title.clone(),
            None => self.title.clone(),
        };
        self.title = format!("{base_title} · what-if: {} @{at}", fault.describe());
        self.rx = Some(super::start_run(sc.clone()));
        self.log = Log::default();
        self.play = Playback::default();
        self.run_error = None;
        self.live = true;
        self.job = None;
        self.message = Some(format!(
            "what-if: {} after event {at}: the run goes again (the same up to here), then plays on",
            fault.describe()
        ));
        self.what_if = Some(WhatIfRun {
            text,
            name: sc.name.clone(),
            fault,
            at,
            resume_at: Some(cursor),
            baseline,
            saved: None,
            title: base_title,
        });
    }

    /// Once the new run has reached the moment the what-if was made at, playback goes on from
    /// there.
    pub fn resume_what_if(&mut self) {
        let Some(w) = self.what_if.as_mut() else {
            return;
        };
        let Some(at) = w.resume_at else {
            return;
        };
        if self.log.events.len() >= at || self.log.complete {
            w.resume_at = None;
            self.play.seek(&self.log, at.min(self.log.events.len()));
            self.play.playing = true;
        }
    }

    /// Saves the what-if as a scenario file in the current folder (never over a file).
    pub fn save_what_if(&mut self) {
        let Some(w) = self.what_if.as_mut() else {
            self.message = Some(
                "w saves a what-if: make one first (x in the executors or storage view)".into(),
            );
            return;
        };
        if let Some(p) = &w.saved {
            self.message = Some(format!("saved already as {}", p.display()));
            return;
        }
        // The scenario's name says what-if and where: `tour-what-if-104`.
        let stem = w.name.clone();
        let path = (0..100)
            .map(|i| match i {
                0 => PathBuf::from(format!("{stem}.toml")),
                n => PathBuf::from(format!("{stem}-{n}.toml")),
            })
            .find(|p| !p.exists());
        let Some(path) = path else {
            self.message = Some(format!("{stem}.toml and 99 more exist already"));
            return;
        };
        let text = format!(
            "# A what-if made in `ember tui`: {} after event {}.\n{}",
            w.fault.describe(),
            w.at,
            w.text
        );
        match std::fs::write(&path, text) {
            Ok(()) => {
                self.message = Some(format!(
                    "saved as {}: `ember run {}` runs it",
                    path.display(),
                    path.display()
                ));
                w.saved = Some(path);
            }
            Err(e) => self.message = Some(format!("could not save {}: {e}", path.display())),
        }
    }
}

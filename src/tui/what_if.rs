//! What-if in the UI: at the moment playback has reached, kill the executor selected (in the
//! executors view) or lose the block chosen (in the storage view), and see what the run would
//! have done. The scenario the log carries is run again on the virtual clock with that fault
//! added as `at = "event N"` ([`crate::scenario::whatif`]): it is the same run, event for
//! event, up to the moment, so playback goes on from there in the new run. The jobs view shows
//! each job's time beside its time in the run the what-if was made from; `w` saves the what-if
//! as a scenario file.

use super::state::Log;
use crate::events::status::AppStatus;
use crate::events::EventKind;
use crate::scenario::whatif::{what_if, WhatIfFault};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;

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

/// A what-if started: its state, the stream of its run, the UI's new title and what the
/// footer says.
pub struct Started {
    pub run: WhatIfRun,
    pub rx: Receiver<super::Message>,
    pub title: String,
    pub message: String,
}

/// Starts a what-if: the scenario `log` carries, run again with `fault` after the event before
/// `cursor`. `previous` is the what-if shown, if any (a what-if of a what-if compares its jobs
/// with the first run's), `title` the UI's title now. An error is said in words.
pub fn start(
    log: &Log,
    cursor: usize,
    fault: WhatIfFault,
    previous: Option<&WhatIfRun>,
    title: &str,
    recorded: Option<&std::path::Path>,
) -> Result<Started, String> {
    let (scenario, clock) = log
        .events
        .first()
        .and_then(|e| match &e.kind {
            EventKind::AppStart {
                scenario, clock, ..
            } => Some((scenario.clone(), clock.clone())),
            _ => None,
        })
        .ok_or("a what-if needs the run's start (AppStart): none yet")?;
    let at = cursor.saturating_sub(1);
    let (text, sc, when) = match (scenario, recorded) {
        (Some(scenario), _) => {
            let (text, sc) =
                what_if(&scenario, &clock, &fault, at).map_err(|e| format!("no what-if: {e}"))?;
            (text, sc, format!("after event {at}"))
        }
        // Apache Spark's log: its application replayed, the fault when the job at the
        // moment (or the next one) is submitted.
        (None, Some(path)) => {
            let job = job_at(log, cursor);
            let (text, sc) = crate::scenario::whatif::replay_what_if(path, &fault, job)
                .map_err(|e| format!("no what-if: {e}"))?;
            (text, sc, format!("when its job {job} starts, in a replay"))
        }
        (None, None) => {
            return Err(
                "a what-if runs the log's scenario again, and this log does not carry one".into(),
            )
        }
    };
    crate::scenario::preflight(&sc).map_err(|e| format!("no what-if: {e}"))?;
    let (baseline, base_title) = match previous {
        Some(w) => (w.baseline.clone(), w.title.clone()),
        None => (job_times(log), title.to_string()),
    };
    Ok(Started {
        title: format!("{base_title} · what-if: {} @{at}", fault.describe()),
        message: format!(
            "what-if: {} {when}: the run goes again, then plays on from here",
            fault.describe()
        ),
        rx: super::start_run(sc.clone()),
        run: WhatIfRun {
            text,
            name: sc.name.clone(),
            fault,
            at,
            resume_at: Some(cursor),
            baseline,
            saved: None,
            title: base_title,
        },
    })
}

/// The job (counted from 0, in the order jobs started) at the moment before event `cursor`:
/// the one running, else the next to start.
fn job_at(log: &Log, cursor: usize) -> usize {
    let (mut started, mut ended) = (0usize, 0usize);
    for e in log.events.iter().take(cursor) {
        match e.kind {
            EventKind::JobStart { .. } => started += 1,
            EventKind::JobEnd { .. } => ended += 1,
            _ => {}
        }
    }
    if started > ended {
        started - 1
    } else {
        started
    }
}

impl WhatIfRun {
    /// Where playback goes on, once the new run (`log`) has reached the moment the what-if
    /// was made at; then `None` ever after.
    pub fn resume(&mut self, log: &Log) -> Option<usize> {
        let at = self.resume_at?;
        if log.events.len() >= at || log.complete {
            self.resume_at = None;
            return Some(at.min(log.events.len()));
        }
        None
    }

    /// Saves it as a scenario file in the current folder (never over a file); says where.
    pub fn save(&mut self) -> String {
        if let Some(p) = &self.saved {
            return format!("saved already as {}", p.display());
        }
        // The scenario's name says what-if and where: `tour-what-if-104`.
        let stem = self.name.clone();
        let path = (0..100)
            .map(|i| match i {
                0 => PathBuf::from(format!("{stem}.toml")),
                n => PathBuf::from(format!("{stem}-{n}.toml")),
            })
            .find(|p| !p.exists());
        let Some(path) = path else {
            return format!("{stem}.toml and 99 more exist already");
        };
        let text = format!(
            "# A what-if made in `ember tui`: {} after event {}.\n{}",
            self.fault.describe(),
            self.at,
            self.text
        );
        match std::fs::write(&path, text) {
            Ok(()) => {
                let m = format!(
                    "saved as {}: `ember run {}` runs it",
                    path.display(),
                    path.display()
                );
                self.saved = Some(path);
                m
            }
            Err(e) => format!("could not save {}: {e}", path.display()),
        }
    }
}

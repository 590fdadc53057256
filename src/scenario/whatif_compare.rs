//! `ember compare LOG [--set KEY=VALUE]...`: a recorded application beside its replay on the
//! recorded shape and, with `--set`, its replay on the shape the changes make, as Sparklens's
//! what-if answers "and with twice the executors?". Job by job: the recorded times, the
//! replayed ones, and their totals and ratios. The replays are scenarios
//! ([`super::replay`]) run as any other; this module sets them side by side (text, JSON).

use super::compare::CompareError;
use super::{parse, replay, run, Overrides, RunError, RunOptions, Watcher};
use crate::cluster::Clock;
use crate::events::summary::RunSummary;
use crate::human::duration;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// One column of a what-if: the recording, or a replay.
#[derive(Clone, Debug, Serialize)]
pub struct WhatIfRun {
    /// `recorded`, `replayed` (the recorded shape) or `what-if` (with the changes).
    pub run: String,
    /// The `--set` changes it ran with.
    pub changes: Vec<(String, String)>,
    /// Each job's time, µs, in the recorded jobs' order.
    pub jobs_us: Vec<u64>,
    /// The jobs' times added up, µs.
    pub total_us: u64,
    /// The cluster it ran on: executors and cores at the start.
    pub executors: usize,
    /// Their cores in all.
    pub cores: usize,
    /// The run's summary (the recording's as `ember summary --json` gives it).
    pub summary: RunSummary,
    /// Why the replay failed, when it did.
    pub error: Option<String>,
}

/// A recorded application beside its replays.
#[derive(Clone, Debug, Serialize)]
pub struct WhatIf {
    /// The log, as given.
    pub log: String,
    pub application: String,
    /// The recorded jobs' ids.
    pub jobs: Vec<usize>,
    pub runs: Vec<WhatIfRun>,
    /// The replays' scenario warnings (a setting that cannot take effect), for standard error.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Replays the application recorded in `log` on its recorded shape and, when `o` sets keys,
/// on the shape they make; `watcher` may give each replay a listener.
pub fn compare_log(
    log: &Path,
    o: &Overrides,
    watcher: Option<&Watcher>,
) -> Result<WhatIf, CompareError> {
    if o.clock == Some(Clock::Wall) {
        return Err(CompareError::Input(format!(
            "{}: a replay runs on the virtual clock, where each task takes its recorded time; drop --clock wall",
            log.display()
        )));
    }
    let (source, app) = replay::source(log).map_err(CompareError::Input)?;
    let recorded = super::report::summarize_log(log)
        .map_err(|e| CompareError::Input(e.to_string()))?
        .summary;
    let executors = app.initial.max(1);
    let cores: usize = app.executors[..app.initial]
        .iter()
        .map(|e| e.cores as usize)
        .sum();
    let mut runs = vec![WhatIfRun {
        run: "recorded".into(),
        changes: Vec::new(),
        jobs_us: app.jobs.iter().map(|j| j.duration_us).collect(),
        total_us: app.jobs.iter().map(|j| j.duration_us).sum(),
        executors,
        cores,
        summary: recorded,
        error: None,
    }];
    let mut warnings = Vec::new();
    let shapes = [("replayed", Vec::new()), ("what-if", o.sets.clone())];
    for (name, sets) in shapes {
        if name == "what-if" && sets.is_empty() {
            continue;
        }
        let oo = Overrides {
            sets: sets.clone(),
            variant: None,
            clock: Some(Clock::Virtual),
            ..o.clone()
        };
        let sc = parse(&source, &oo)?;
        for w in &sc.warnings {
            let w = w.to_string();
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        super::preflight(&sc).map_err(CompareError::OverBudget)?;
        let opts = RunOptions {
            events: None,
            listener: watcher.and_then(|w| w(&sc)),
        };
        let (summary, error) = match run(&sc, opts) {
            Ok(r) => (r.summary, None),
            Err(RunError::Job { error, summary }) => (*summary, Some(error.to_string())),
            Err(e) => return Err(CompareError::Run(format!("{}: {e}", sc.origin))),
        };
        let jobs_us: Vec<u64> = summary.iterations.iter().map(|i| i.elapsed_us).collect();
        runs.push(WhatIfRun {
            run: name.into(),
            changes: sets,
            total_us: jobs_us.iter().sum(),
            jobs_us,
            executors: sc.cluster.executors().len(),
            cores: sc.cluster.total_cores(),
            summary,
            error,
        });
    }
    Ok(WhatIf {
        log: log.display().to_string(),
        application: app.name.clone(),
        jobs: app.jobs.iter().map(|j| j.job).collect(),
        runs,
        warnings,
    })
}

/// Past this many jobs, the table shows the first [`HEAD`] and the last [`TAIL`].
const MANY: usize = 24;
const HEAD: usize = 12;
const TAIL: usize = 8;

impl WhatIf {
    /// The comparison as JSON (one line) or as text for a terminal.
    pub fn output(&self, json: bool) -> String {
        if json {
            return format!("{}\n", serde_json::to_string(self).unwrap_or_default());
        }
        self.render()
    }

    /// The comparison as text: the shapes, a row per job, the totals and their ratio to the
    /// recorded total.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} ({}): {} job{} recorded, replayed on the virtual clock with each task's recorded time\n",
            self.application,
            self.log,
            self.jobs.len(),
            if self.jobs.len() == 1 { "" } else { "s" }
        );
        for r in &self.runs {
            let changes: Vec<String> = r.changes.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let what = match r.run.as_str() {
                "recorded" => "as the log recorded it".to_string(),
                "replayed" => "the recorded shape".to_string(),
                _ => format!("--set {}", changes.join(" --set ")),
            };
            let _ = writeln!(
                s,
                "  {:<9} {} executor{}, {} core{}: {what}{}",
                r.run,
                r.executors,
                if r.executors == 1 { "" } else { "s" },
                r.cores,
                if r.cores == 1 { "" } else { "s" },
                r.error
                    .as_ref()
                    .map(|e| format!(" (FAILED: {e})"))
                    .unwrap_or_default()
            );
        }
        let w: Vec<usize> = self
            .runs
            .iter()
            .map(|r| {
                r.jobs_us
                    .iter()
                    .chain([&r.total_us])
                    .map(|u| duration(*u).chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(r.run.chars().count())
            })
            .collect();
        let _ = write!(s, "\n{:<6}", "job");
        for (r, w) in self.runs.iter().zip(&w) {
            let _ = write!(s, "  {:>w$}", r.run);
        }
        s.push('\n');
        let n = self.jobs.len();
        let shown: Vec<usize> = if n > MANY {
            (0..HEAD).chain(n - TAIL..n).collect()
        } else {
            (0..n).collect()
        };
        for (k, &i) in shown.iter().enumerate() {
            if n > MANY && k == HEAD {
                let _ = writeln!(s, "{:<6}", format!("({} jobs more)", n - HEAD - TAIL));
            }
            let _ = write!(s, "{:<6}", self.jobs[i]);
            for (r, w) in self.runs.iter().zip(&w) {
                let t = r.jobs_us.get(i).map_or("-".to_string(), |u| duration(*u));
                let _ = write!(s, "  {t:>w$}");
            }
            s.push('\n');
        }
        let _ = write!(s, "{:<6}", "total");
        for (r, w) in self.runs.iter().zip(&w) {
            // A failed run's jobs did not all run: no total.
            let total = match r.error {
                Some(_) => "FAILED".to_string(),
                None => duration(r.total_us),
            };
            let _ = write!(s, "  {total:>w$}");
        }
        s.push('\n');
        let recorded = self.runs.first().map_or(0, |r| r.total_us);
        if recorded > 0 {
            let _ = write!(s, "{:<6}", "×");
            for (r, w) in self.runs.iter().zip(&w) {
                let ratio = match r.error {
                    Some(_) => "-".to_string(),
                    None => format!("{:.2}", r.total_us as f64 / recorded as f64),
                };
                let _ = write!(s, "  {ratio:>w$}");
            }
            s.push('\n');
        }
        s.push_str(
            "\nA replay keeps the recorded jobs, stages, task times and the driver's own time (when \
             no task ran), and schedules the tasks on the cluster anew.\n",
        );
        s
    }
}

/// What `ember compare` compared: a scenario and its variants, or a recorded application and
/// its replays.
pub enum Compared {
    /// A scenario and its variants (and engines).
    Scenario(super::compare::Comparison),
    /// A recorded application and its replays.
    Log(WhatIf),
}

impl Compared {
    /// Compares `name`: an event log's application with its replays, or a scenario (a file or
    /// a bundled scenario's name) with its variants. Also returns the scenario's warnings, and
    /// refuses an output (`--csv FILE`) that is one of the inputs.
    pub fn of(
        name: &str,
        o: &Overrides,
        outputs: &[(&str, &Path)],
        watcher: Option<&Watcher>,
    ) -> Result<(Compared, Vec<String>), CompareError> {
        let path = Path::new(name);
        if crate::sparklog::is_event_log(path) && path.exists() {
            for (flag, out) in outputs {
                super::outputs::check_output(flag, out, &[path]).map_err(CompareError::Input)?;
            }
            let w = compare_log(path, o, watcher)?;
            let warnings = w.warnings.clone();
            return Ok((Compared::Log(w), warnings));
        }
        let source = super::find(name).map_err(|e| CompareError::Input(e.to_string()))?;
        let warnings = super::parse(&source, o)
            .map(|sc| sc.warnings.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        super::check_outputs(&source, outputs).map_err(CompareError::Input)?;
        let c = super::compare::compare(&source, o, watcher)?;
        Ok((Compared::Scenario(c), warnings))
    }

    /// How many runs failed.
    pub fn failed_runs(&self) -> usize {
        match self {
            Compared::Scenario(c) => c.failed_runs(),
            Compared::Log(w) => w.runs.iter().filter(|r| r.error.is_some()).count(),
        }
    }

    /// Whether the runs' answers agree (a replay's jobs always answer alike).
    pub fn answers_agree(&self) -> bool {
        match self {
            Compared::Scenario(c) => c.answers_agree(),
            Compared::Log(_) => true,
        }
    }

    /// Writes the CSV (a scenario's per-iteration times, or a log's per-job times) to `path`;
    /// returns what to say.
    pub fn write_csv(&self, path: &Path) -> Result<String, String> {
        match self {
            Compared::Scenario(c) => c.write_csv(path),
            Compared::Log(w) => {
                let mut s = String::from("job");
                for r in &w.runs {
                    let _ = write!(s, ",{}_us", r.run.replace('-', "_"));
                }
                s.push('\n');
                for (i, job) in w.jobs.iter().enumerate() {
                    let _ = write!(s, "{job}");
                    for r in &w.runs {
                        // A job a failed run never ran has no time: an empty field.
                        match r.jobs_us.get(i) {
                            Some(us) => {
                                let _ = write!(s, ",{us}");
                            }
                            None => s.push(','),
                        }
                    }
                    s.push('\n');
                }
                std::fs::write(path, s)
                    .map(|_| format!("wrote {} ({} jobs)", path.display(), w.jobs.len()))
                    .map_err(|e| format!("{}: {e}", path.display()))
            }
        }
    }

    /// The text or JSON to print.
    pub fn output(&self, json: bool) -> String {
        match self {
            Compared::Scenario(c) => c.output(json),
            Compared::Log(w) => w.output(json),
        }
    }
}

//! The human summary of a run, as `ember run` prints it: the lineage of the last RDD acted on,
//! every job with the stages it ran (aligned columns) and those it skipped (one line), the
//! totals, the iterations and the answer. A failed run gets the same summary, with where it
//! failed and why (and without the lineage, which only a workload that finished reports). Long runs are shortened (the first and last jobs and iterations, and a
//! line saying what was left out); `--json` has everything. This module only formats a
//! [`RunSummary`]; it reads no events itself.

use crate::events::log::{looks_like_event_log, EventLogError, ParsedLog};
use crate::events::status::AppStatus;
use crate::events::summary::{EngineFold, JobSummary, RunSummary, StageSummary};
use crate::events::{DependencyKind, SkipReason};
use crate::human::{count, duration, plural, ranges};
use crate::lineage::debug_string;
use crate::storage::StorageLevel;
use std::fmt::Write as _;
use std::path::Path;

/// The debug string (Spark's `toDebugString`) of the last RDD a job acted on, as an event log
/// describes it (its `JobStart`s' RDD descriptions): what `ember summary` shows where `ember
/// run` shows the live RDD's.
pub fn lineage_in_log(s: &AppStatus) -> String {
    let Some(root) = s.jobs.iter().rev().find_map(|j| j.rdd) else {
        return String::new();
    };
    let node = |id: &usize| -> (usize, String, Vec<(usize, bool)>) {
        match s.rdds.get(id) {
            Some(r) => {
                let level = StorageLevel::from_name(&r.storage)
                    .map(|l| l.description())
                    .unwrap_or_default();
                let label = r
                    .label
                    .as_ref()
                    .map(|l| format!("{l} "))
                    .unwrap_or_default();
                (
                    r.partitions,
                    format!("{label}{}[{}] at {} [{level}]", r.name, r.rdd, r.op),
                    r.parents
                        .iter()
                        .map(|p| (p.rdd, p.kind == DependencyKind::Shuffle))
                        .collect(),
                )
            }
            None => (
                0,
                format!("RDD {id} (not described in the log)"),
                Vec::new(),
            ),
        }
    };
    debug_string(node(&root), node)
}

/// An event log summarised: the summary, the lineage it describes, and what the reader
/// skipped.
pub struct LogSummary {
    pub summary: RunSummary,
    pub lineage: String,
    pub read: ParsedLog,
}

/// Why a log could not be summarised.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error(transparent)]
    Log(#[from] EventLogError),
    #[error(transparent)]
    Read(#[from] crate::sparklog::LogError),
    /// The file is not one of ember's event logs (exit 2).
    #[error("{0}")]
    NotALog(String),
}

/// Summarises the event log at `path`, folding it one line at a time (`ember summary`): the
/// object of `run --json` for the run that wrote it, and its human summary's parts.
pub fn summarize_log(path: &Path) -> Result<LogSummary, SummaryError> {
    let shown = path.display();
    let rolling = crate::sparklog::is_rolling_log(path);
    if path.is_dir() && !rolling {
        return Err(SummaryError::NotALog(format!(
            "{shown}: a directory, not an event log (nor a rolling Spark log's eventlog_v2_… directory)"
        )));
    }
    if !rolling && crate::sparklog::source::Codec::of(path) == crate::sparklog::source::Codec::None
    {
        let head = std::fs::File::open(path)
            .and_then(|f| {
                use std::io::Read;
                let mut b = Vec::new();
                f.take(4096).read_to_end(&mut b).map(|_| b)
            })
            .map_err(|error| EventLogError::Io {
                path: path.to_path_buf(),
                error,
            })?;
        if head.is_empty() {
            return Err(SummaryError::NotALog(format!("{shown}: the file is empty")));
        }
        if !looks_like_text(&head) {
            return Err(SummaryError::NotALog(format!(
                "{shown}: not text, so neither an event log nor a scenario (a compressed Spark log is read by its name's extension: .zstd, .zst, .lz4, .snappy)"
            )));
        }
        if !looks_like_event_log(&head) {
            return Err(SummaryError::NotALog(format!(
                "{shown}: a scenario, not an event log: `ember run {shown}` runs it and prints its summary"
            )));
        }
    }
    let mut fold = EngineFold::default();
    let read = crate::sparklog::fold_log(path, |e| fold.apply(e))?;
    Ok(LogSummary {
        summary: fold.summary(),
        lineage: lineage_in_log(fold.main()),
        read: read.parsed,
    })
}

/// Whether `head` (a file's first bytes) is text: UTF-8 with no NUL (a character cut at the
/// end of the head is allowed).
fn looks_like_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    valid && !head.contains(&0)
}

/// The most lineage lines shown; the rest is counted.
const LINEAGE_LINES: usize = 40;
/// Past this many jobs, the first [`HEAD`] and the last [`TAIL`] are shown.
const MANY: usize = 30;
const HEAD: usize = 15;
const TAIL: usize = 10;

/// One warning per fault of `sc`'s plan whose trigger never came in the run `s` summarizes:
/// `fault[1] (kill_executor exec-2 at "iteration 9") was not injected: its trigger never came`.
pub fn faults_not_injected(sc: &super::Scenario, s: &RunSummary) -> Vec<String> {
    s.faults_not_injected
        .iter()
        .map(|name| {
            let what = name
                .strip_prefix("fault[")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| sc.faults.get(i))
                .map(|f| format!(" ({} {} at \"{}\")", f.kind.name(), f.kind.target(), f.at))
                .unwrap_or_default();
            format!("{name}{what} was not injected: its trigger never came")
        })
        .collect()
}

/// What `run` and `summary` print: the JSON object on one line, or the human summary.
pub fn render(s: &RunSummary, lineage: &str, json: bool) -> String {
    if json {
        format!("{}\n", serde_json::to_string(s).unwrap_or_default())
    } else {
        human(s, lineage)
    }
}

/// `text`, or `?` when a log did not say (a Spark log cut before its application started).
fn or_unknown(text: &str) -> &str {
    if text.is_empty() {
        "?"
    } else {
        text
    }
}

/// The summary of a run for people; `lineage` is the debug string of the last RDD acted on.
pub fn human(s: &RunSummary, lineage: &str) -> String {
    let mut out = String::new();
    let status = match s.status.as_deref() {
        Some("failed") => format!("FAILED after {}", duration(s.elapsed_us)),
        Some(st) => format!("{st} in {}", duration(s.elapsed_us)),
        None => format!("no end in the log, after {}", duration(s.elapsed_us)),
    };
    let unknown = || "?".to_string();
    match &s.spark {
        Some(app) => {
            let _ = writeln!(
                out,
                "Apache Spark {} application {} ({}, run by {}): {status}",
                or_unknown(&app.spark_version),
                s.scenario.clone().unwrap_or_else(unknown),
                or_unknown(&app.app_id),
                or_unknown(&app.user)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "scenario {} ({} clock, seed {}): {status}",
                s.scenario.clone().unwrap_or_else(unknown),
                s.clock.clone().unwrap_or_else(unknown),
                s.seed.map_or_else(unknown, |x| x.to_string())
            );
        }
    }
    if !lineage.is_empty() {
        let lines: Vec<&str> = lineage.lines().collect();
        out.push_str("\nlineage of the last RDD acted on:\n");
        for l in lines.iter().take(LINEAGE_LINES) {
            let _ = writeln!(out, "  {l}");
        }
        if lines.len() > LINEAGE_LINES {
            let _ = writeln!(
                out,
                "  … {} more (the lineage view of `ember tui` shows every RDD)",
                plural((lines.len() - LINEAGE_LINES) as u64, "line", "lines")
            );
        }
    }
    out.push('\n');
    let jobs = &s.job_details;
    let shown: Vec<&JobSummary> = if jobs.len() > MANY {
        jobs.iter()
            .take(HEAD)
            .chain(jobs.iter().skip(jobs.len() - TAIL))
            .collect()
    } else {
        jobs.iter().collect()
    };
    let table = StageTable::new(&shown);
    for (i, j) in shown.iter().enumerate() {
        if jobs.len() > MANY && i == HEAD {
            let _ = writeln!(
                out,
                "… {} more (`ember run --json` lists every job)",
                plural((jobs.len() - HEAD - TAIL) as u64, "job", "jobs")
            );
        }
        let verdict = if j.succeeded {
            format!("succeeded in {}", duration(j.duration_us))
        } else {
            format!("FAILED after {}", duration(j.duration_us))
        };
        let _ = writeln!(out, "job {} ({}): {verdict}", j.job, j.action);
        table.write(&mut out, j);
    }
    if !jobs.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{}, {} run, {} skipped, {} ({} failed)",
        plural(s.jobs as u64, "job", "jobs"),
        plural(s.stages as u64, "stage", "stages"),
        count(s.stages_skipped as u64),
        plural(s.tasks as u64, "task", "tasks"),
        count(s.task_failures as u64)
    );
    if s.blocks_stored + s.blocks_evicted + s.blocks_not_stored + s.partitions_recomputed > 0 {
        let _ = writeln!(
            out,
            "storage: {} stored, {} evicted, {} not stored, {} computed again",
            plural(s.blocks_stored as u64, "block", "blocks"),
            count(s.blocks_evicted as u64),
            count(s.blocks_not_stored as u64),
            plural(s.partitions_recomputed as u64, "partition", "partitions")
        );
    }
    if s.faults_injected + s.faults_not_injected.len() > 0 {
        let not = match s.faults_not_injected.len() {
            0 => String::new(),
            _ => format!(", not injected: {}", s.faults_not_injected.join(", ")),
        };
        let _ = writeln!(
            out,
            "faults: {} injected{not}",
            count(s.faults_injected as u64)
        );
    }
    iterations(&mut out, s);
    engines(&mut out, s);
    match &s.error {
        Some(e) if s.status.as_deref() == Some("failed") => {
            let _ = writeln!(out, "the run failed: {e}");
        }
        _ => {
            let _ = writeln!(
                out,
                "result: {}\nresult digest: {}",
                s.result.as_deref().unwrap_or("(none)"),
                s.result_digest.as_deref().unwrap_or("(none)")
            );
        }
    }
    out
}

/// In a run of both engines: each engine's jobs and iterations, and the ratio of their later
/// iterations.
fn engines(out: &mut String, s: &RunSummary) {
    let Some(engines) = &s.engines else {
        return;
    };
    let mean_later = |r: &RunSummary| {
        let it: Vec<u64> = r.iterations.iter().map(|i| i.elapsed_us).collect();
        let later = if it.len() > 1 { &it[1..] } else { &it[..] };
        (!later.is_empty()).then(|| later.iter().sum::<u64>() as f64 / later.len() as f64)
    };
    for (name, r) in engines {
        let title = if name == "mapreduce" {
            "MapReduce"
        } else {
            "Spark-style"
        };
        let _ = writeln!(
            out,
            "\n{title} engine: {} in {}, {} run, {}",
            plural(r.jobs as u64, "job", "jobs"),
            duration(r.elapsed_us),
            plural(r.stages as u64, "stage", "stages"),
            plural(r.tasks as u64, "task", "tasks"),
        );
        iterations(out, r);
    }
    if let (Some(sp), Some(mr)) = (engines.get("spark"), engines.get("mapreduce")) {
        if let (Some(a), Some(b)) = (mean_later(sp), mean_later(mr)) {
            if a > 0.0 {
                let _ = writeln!(
                    out,
                    "\nlater iterations: MapReduce {} vs Spark-style {}: {:.1}× (`ember compare` breaks them down)",
                    duration(b as u64),
                    duration(a as u64),
                    b / a
                );
            }
        }
    }
    out.push('\n');
}

/// The iterations' times, one a line, aligned; a long run shows the first and last ones and
/// the mean of those after the first.
fn iterations(out: &mut String, s: &RunSummary) {
    let its = &s.iterations;
    if its.is_empty() {
        return;
    }
    let w = its
        .iter()
        .map(|i| i.iteration.to_string().len())
        .max()
        .unwrap_or(1);
    let times: Vec<String> = its.iter().map(|i| duration(i.elapsed_us)).collect();
    let tw = times.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    let line = |out: &mut String, k: usize| {
        let _ = writeln!(out, "iteration {:>w$}: {:>tw$}", its[k].iteration, times[k]);
    };
    if its.len() > MANY {
        (0..HEAD).for_each(|k| line(out, k));
        let _ = writeln!(
            out,
            "… {} more",
            plural((its.len() - HEAD - TAIL) as u64, "iteration", "iterations")
        );
        (its.len() - TAIL..its.len()).for_each(|k| line(out, k));
    } else {
        (0..its.len()).for_each(|k| line(out, k));
    }
    if its.len() > 2 {
        let later = &its[1..];
        let mean = later.iter().map(|i| i.elapsed_us).sum::<u64>() / later.len() as u64;
        let _ = writeln!(
            out,
            "mean of iterations {}–{}: {}",
            later[0].iteration,
            later[later.len() - 1].iteration,
            duration(mean)
        );
    }
}

/// The columns of the stages run, sized over every job shown so that they align.
struct StageTable {
    id: usize,
    kind: usize,
    tasks: usize,
    time: usize,
}

impl StageTable {
    fn new(jobs: &[&JobSummary]) -> Self {
        let ran = jobs.iter().flat_map(|j| j.stages.iter().filter(|s| s.ran));
        let mut t = StageTable {
            id: 1,
            kind: 6,
            tasks: 1,
            time: 1,
        };
        for s in ran {
            t.id = t.id.max(s.stage.to_string().len());
            t.kind = t.kind.max(s.kind.name().len());
            t.tasks = t.tasks.max(Self::tasks(s).chars().count());
            t.time = t.time.max(duration(s.duration_us).chars().count());
        }
        t
    }

    fn tasks(s: &StageSummary) -> String {
        plural(s.tasks as u64, "task", "tasks")
    }

    /// A job's stages: one line for the stages it skipped, then one per stage it ran.
    fn write(&self, out: &mut String, j: &JobSummary) {
        for (reason, one, many) in [
            (
                Some(SkipReason::MapOutputsExist),
                "skipped: its map outputs exist already",
                "skipped: their map outputs exist already",
            ),
            (
                Some(SkipReason::Cached),
                "skipped: an RDD after it is cached",
                "skipped: an RDD after them is cached",
            ),
            (
                None,
                "did not run: the job ended first",
                "did not run: the job ended first",
            ),
        ] {
            let ids: Vec<usize> = j
                .stages
                .iter()
                .filter(|s| !s.ran && s.skipped == reason)
                .map(|s| s.stage)
                .collect();
            match ids.len() {
                0 => {}
                1 => {
                    let _ = writeln!(out, "  stage {} {one}", ids[0]);
                }
                n => {
                    let _ = writeln!(out, "  {n} stages ({}) {many}", ranges(&ids));
                }
            }
        }
        for s in j.stages.iter().filter(|s| s.ran) {
            let mut line = format!(
                "  stage {:>iw$}  {:<kw$}  {:>tw$}  {:>dw$}",
                s.stage,
                s.kind.name(),
                Self::tasks(s),
                duration(s.duration_us),
                iw = self.id,
                kw = self.kind,
                tw = self.tasks,
                dw = self.time
            );
            if s.attempts > 1 {
                line.push_str(&format!("  {} attempts", s.attempts));
            }
            if !s.parents.is_empty() {
                line.push_str(&format!("  reads stage {}", ranges(&s.parents)));
            }
            if s.failed_tasks > 0 {
                line.push_str(&format!(
                    "  {} not successful",
                    count(s.failed_tasks as u64)
                ));
            }
            if s.error.is_some() {
                line.push_str("  FAILED (why: below)");
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
}

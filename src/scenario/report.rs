//! The human summary of a run, as `ember run` prints it: the lineage of the last RDD acted on,
//! every job with the stages it ran (aligned columns) and those it skipped (one line), the
//! totals, the iterations and the answer. A failed run gets the same summary, with where it
//! failed and why (and without the lineage, which only a workload that finished reports). Long runs are shortened (the first and last jobs and iterations, and a
//! line saying what was left out); `--json` has everything. This module only formats a
//! [`RunSummary`]; it reads no events itself.

use crate::events::summary::{JobSummary, RunSummary, StageSummary};
use crate::events::SkipReason;
use crate::human::{count, duration, plural, ranges};
use std::fmt::Write as _;

/// The most lineage lines shown; the rest is counted.
const LINEAGE_LINES: usize = 40;
/// Past this many jobs, the first [`HEAD`] and the last [`TAIL`] are shown.
const MANY: usize = 30;
const HEAD: usize = 15;
const TAIL: usize = 10;

/// The summary of a run for people; `lineage` is the debug string of the last RDD acted on.
pub fn human(s: &RunSummary, lineage: &str) -> String {
    let mut out = String::new();
    let status = if s.status == "failed" {
        format!("FAILED after {}", duration(s.elapsed_us))
    } else {
        format!("{} in {}", s.status, duration(s.elapsed_us))
    };
    let _ = writeln!(
        out,
        "scenario {} ({} clock, seed {}): {status}",
        s.scenario, s.clock, s.seed
    );
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
    iterations(&mut out, s);
    match &s.error {
        Some(e) if s.status == "failed" => {
            let _ = writeln!(out, "the run failed: {e}");
        }
        _ => {
            let _ = writeln!(
                out,
                "result: {}\nresult digest: {}",
                s.result, s.result_digest
            );
        }
    }
    out
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
            t.kind = t.kind.max(s.kind.len());
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
                s.kind,
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

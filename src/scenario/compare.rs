//! `ember compare`: a scenario and each of its variants, run one after the other and set side
//! by side: the keys each variant changes, per-iteration times, totals, ratios to the base run,
//! and a bar chart that fits a terminal. The runs' summaries are folds over their events, as
//! `run --json` prints them; this module only arranges them (text, JSON, CSV).

use super::breakdown::{breakdown, later_mean, IterationBreakdown};
use super::{parse, run, RunError, RunOptions, ScenarioError, Source, Watcher};
use super::{Overrides, Scenario};
use crate::cluster::Clock;
use crate::events::summary::RunSummary;
use crate::events::{Engine, Event};
use crate::human::{duration, wrap};
use serde::Serialize;
use std::fmt::Write as _;

/// One run of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct CompareRun {
    /// `base`, or the variant's name.
    pub run: String,
    pub variant: Option<String>,
    /// The keys the variant sets, as `key = value`.
    pub changes: Vec<(String, String)>,
    pub summary: RunSummary,
    /// Why the run failed, if it did.
    pub error: Option<String>,
    /// The engine that ran it (`spark` or `mapreduce`).
    pub engine: String,
    /// Each iteration's time by cost term (the virtual clock only).
    pub breakdown: Vec<IterationBreakdown>,
}

impl CompareRun {
    /// Times of the iterations, in order.
    pub fn iterations(&self) -> Vec<u64> {
        self.summary
            .iterations
            .iter()
            .map(|i| i.elapsed_us)
            .collect()
    }

    /// The mean time of the iterations after the first (the first pays for loading and
    /// caching), or of the only one.
    pub fn later_mean_us(&self) -> Option<f64> {
        let it = self.iterations();
        let later = if it.len() > 1 { &it[1..] } else { &it[..] };
        (!later.is_empty()).then(|| later.iter().sum::<u64>() as f64 / later.len() as f64)
    }
}

/// A scenario beside its variants.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub scenario: String,
    pub clock: String,
    pub runs: Vec<CompareRun>,
    /// The published figures the scenario reproduces (its `[paper]` table).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper: Option<super::paper::Paper>,
}

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The scenario or a variant is invalid (exit 2).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A run could not start (exit 1).
    #[error("{0}")]
    Run(String),
    /// A run's estimated work is over its budget; nothing ran (exit 2).
    #[error(transparent)]
    OverBudget(RunError),
    /// What was given cannot be compared: a scenario or log that cannot be read, an output
    /// that is an input (exit 2).
    #[error("{0}")]
    Input(String),
}

fn flatten(prefix: &str, v: &toml::Value, out: &mut Vec<(String, String)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(v) => out.push((prefix.to_string(), v.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// The keys variant `name` of `sc` sets.
fn changes(sc: &Scenario, name: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(v) = sc.file.variants.iter().find(|v| v.name == name) {
        flatten("", &toml::Value::Table(v.set.clone()), &mut out);
    }
    out
}

/// Runs `source` and each of its variants with the overrides `o` (its `variant` ignored);
/// `watcher` may give each run a listener (progress on a terminal).
pub fn compare(
    source: &Source,
    o: &Overrides,
    watcher: Option<&Watcher>,
) -> Result<Comparison, CompareError> {
    let base_o = Overrides {
        variant: None,
        ..o.clone()
    };
    let base = parse(source, &base_o)?;
    let mut scenarios = vec![base.clone()];
    for v in base.variant_names() {
        scenarios.push(parse(
            source,
            &Overrides {
                variant: Some(v),
                ..base_o.clone()
            },
        )?);
    }
    // Every run must be within its budget before the first starts.
    for sc in &scenarios {
        super::preflight(sc).map_err(CompareError::OverBudget)?;
    }
    let mut runs = Vec::new();
    for sc in &scenarios {
        let opts = RunOptions {
            events: None,
            listener: watcher.and_then(|w| w(sc)),
        };
        let (summary, error, events) = match run(sc, opts) {
            Ok(r) => (r.summary, None, r.events),
            Err(RunError::Job { error, summary }) => {
                (*summary, Some(error.to_string()), Vec::new())
            }
            Err(e) => return Err(CompareError::Run(format!("{}: {e}", sc.origin))),
        };
        let name = sc.variant.clone().unwrap_or_else(|| "base".into());
        let changes = sc
            .variant
            .as_deref()
            .map_or(Vec::new(), |v| changes(&base, v));
        let engines = sc.engine.engines();
        for engine in &engines {
            let (summary, events, error) = if engines.len() > 1 {
                let one = summary
                    .engines
                    .as_ref()
                    .and_then(|m| m.get(engine.name()))
                    .cloned();
                let evs: Vec<Event> = events
                    .iter()
                    .filter(|e| e.engine == Some(*engine))
                    .cloned()
                    .collect();
                // The error is the engine's whose run failed, or never ran (the engines run one
                // after the other: a failed first run stops the second).
                let error = match &one {
                    Some(o) if o.result.as_deref() == Some("succeeded") => None,
                    Some(_) => error.clone(),
                    None => error
                        .as_ref()
                        .map(|e| format!("it did not run: the run before it failed ({e})")),
                };
                let one = one.unwrap_or_else(|| RunSummary::from_events(&[]));
                (one, evs, error)
            } else {
                (summary.clone(), events.clone(), error.clone())
            };
            let cost = match engine {
                Engine::Spark => sc.cost.clone(),
                Engine::MapReduce => sc.cost.for_mapreduce(),
            };
            let breakdown = if sc.clock == Clock::Virtual {
                breakdown(&events, &cost)
            } else {
                Vec::new()
            };
            runs.push(CompareRun {
                run: match (engines.len(), sc.variant.as_deref()) {
                    (1, _) => name.clone(),
                    (_, None) => engine.name().to_string(),
                    (_, Some(v)) => format!("{v}:{}", engine.name()),
                },
                variant: sc.variant.clone(),
                changes: changes.clone(),
                summary,
                error,
                engine: engine.name().to_string(),
                breakdown,
            });
        }
    }
    Ok(Comparison {
        scenario: base.name.clone(),
        clock: base.clock.name().to_string(),
        runs,
        paper: super::paper::Paper::of(&base.file),
    })
}

impl Comparison {
    /// How many runs failed.
    pub fn failed_runs(&self) -> usize {
        self.runs.iter().filter(|r| r.error.is_some()).count()
    }

    /// Whether every run succeeded with the same answer.
    pub fn answers_agree(&self) -> bool {
        let mut digests = self.runs.iter().map(|r| &r.summary.result_digest);
        let first = digests.next();
        self.runs.iter().all(|r| r.error.is_none()) && digests.all(|d| Some(d) == first)
    }

    /// One CSV row per iteration of each run: `run,iteration,elapsed_us`.
    pub fn csv(&self) -> String {
        let mut s = String::from("run,engine,iteration,elapsed_us\n");
        for r in &self.runs {
            for i in &r.summary.iterations {
                let _ = writeln!(s, "{},{},{},{}", r.run, i.engine, i.iteration, i.elapsed_us);
            }
        }
        s
    }

    /// Writes [`Self::csv`] to `path`; says what it wrote.
    pub fn write_csv(&self, path: &std::path::Path) -> Result<String, String> {
        let text = self.csv();
        std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(match text.lines().count().saturating_sub(1) {
            0 => format!(
                "wrote {} with no rows: the scenario's workload has no iterations",
                path.display()
            ),
            rows => format!("wrote {} ({rows} iterations)", path.display()),
        })
    }

    /// What `ember compare` prints: one JSON object with `json`, else the text as wide as the
    /// terminal says it is (`COLUMNS`, 80 when unset).
    pub fn output(&self, json: bool) -> String {
        if json {
            return format!("{}\n", serde_json::to_string(self).unwrap_or_default());
        }
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(80);
        self.render(width)
    }

    /// The comparison as text `width` columns wide: a table, the variants' changes, a chart of
    /// the later iterations' mean time, and whether the answers agree.
    pub fn render(&self, width: usize) -> String {
        let width = width.max(50);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "scenario {} ({} clock): {} run{}\n",
            self.scenario,
            self.clock,
            self.runs.len(),
            if self.runs.len() == 1 { "" } else { "s" }
        );
        let name_w = self
            .runs
            .iter()
            .map(|r| r.run.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let iterative = self.runs.iter().any(|r| r.later_mean_us().is_some());
        // Each time column as wide as its longest entry (9 at the least).
        let widest = |f: &dyn Fn(&CompareRun) -> String| {
            self.runs
                .iter()
                .map(|r| f(r).chars().count())
                .max()
                .unwrap_or(0)
                .max(9)
        };
        let first_of = |r: &CompareRun| r.iterations().first().map_or("-".into(), |u| duration(*u));
        let later_of = |r: &CompareRun| {
            r.later_mean_us()
                .map_or("-".into(), |u| duration(u.round() as u64))
        };
        let total_of = |r: &CompareRun| duration(r.summary.elapsed_us);
        let (fw, lw, tw) = (widest(&first_of), widest(&later_of), widest(&total_of));
        let base_total = self.runs.first().map_or(0, |r| r.summary.elapsed_us);
        let base_later = self.runs.first().and_then(|r| r.later_mean_us());
        if self.runs.len() == 1 {
            let _ = writeln!(s, "(the scenario has no [[variant]]: one run)\n");
        }
        let _ = writeln!(
            s,
            "{:<name_w$}  {:>fw$}  {:>lw$}  {:>tw$}  {:>6}  {:>6}  {:>5}",
            "run",
            "first it.",
            "later it.",
            "total",
            if iterative { "later×" } else { "total×" },
            "stored",
            "again"
        );
        for r in &self.runs {
            let (first, later) = (first_of(r), later_of(r));
            let ratio = match (iterative, r.later_mean_us(), base_later) {
                (true, Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
                (false, _, _) if base_total > 0 => {
                    format!("{:.2}", r.summary.elapsed_us as f64 / base_total as f64)
                }
                _ => "-".into(),
            };
            let status = match &r.error {
                Some(_) => " FAILED".to_string(),
                None => String::new(),
            };
            let _ = writeln!(
                s,
                "{:<name_w$}  {:>fw$}  {:>lw$}  {:>tw$}  {:>6}  {:>6}  {:>5}{status}",
                r.run,
                first,
                later,
                total_of(r),
                ratio,
                r.summary.blocks_stored,
                r.summary.partitions_recomputed,
            );
        }
        let _ = write!(
            s,
            "{}",
            wrap(
                if iterative {
                    "later it.: the mean of the iterations after the first; later×: that, over the first run's; total: the whole run, writing the input included; stored: blocks stored; again: partitions computed again"
                } else {
                    "total: the whole run, writing the input included; total×: over the first run's; stored: blocks stored; again: partitions computed again"
                },
                width
            )
        );
        let changed: Vec<&CompareRun> =
            self.runs.iter().filter(|r| !r.changes.is_empty()).collect();
        if !changed.is_empty() {
            s.push('\n');
            for r in changed {
                for (i, (k, v)) in r.changes.iter().enumerate() {
                    let label = if i == 0 { r.run.as_str() } else { "" };
                    let _ = writeln!(s, "{label:<name_w$}  {k} = {v}");
                }
            }
        }
        if let Some(p) = &self.paper {
            let rows: Vec<super::paper::RunTimes> = self
                .runs
                .iter()
                .map(|r| super::paper::RunTimes {
                    run: &r.run,
                    first_us: r.iterations().first().copied(),
                    later_us: r.later_mean_us(),
                    failed: r.error.is_some(),
                })
                .collect();
            s.push_str(&super::paper::render(&rows, p, width));
        }
        // How local each run's task launches were (delay scheduling's effect).
        let levels = ["PROCESS_LOCAL", "NODE_LOCAL", "RACK_LOCAL", "ANY"];
        let _ = writeln!(
            s,
            "\ntasks launched at each locality level:\n{:<name_w$}  {:>8}  {:>8}  {:>8}  {:>8}",
            "run", "PROCESS", "NODE", "RACK", "ANY"
        );
        for r in &self.runs {
            let at = |l: &str| r.summary.locality.get(l).copied().unwrap_or(0);
            let all: usize = levels.iter().map(|l| at(l)).sum();
            let share = |l: &str| match all {
                0 => "-".to_string(),
                n => format!("{:.0}%", 100.0 * at(l) as f64 / n as f64),
            };
            let _ = writeln!(
                s,
                "{:<name_w$}  {:>8}  {:>8}  {:>8}  {:>8}",
                r.run,
                share(levels[0]),
                share(levels[1]),
                share(levels[2]),
                share(levels[3])
            );
        }
        let _ = writeln!(
            s,
            "of all launches; PROCESS includes tasks with no preference (Spark logs them so)"
        );
        self.render_breakdown(&mut s, name_w, width);
        self.render_chart(&mut s, name_w, width);
        s.push('\n');
        if self.clock == "wall" {
            s.push_str(&wrap(
                "(wall clock: which task finishes first decides where the next runs, and so which blocks fit where; the counts may differ from run to run)",
                width,
            ));
        }
        if self.answers_agree() {
            let d = self
                .runs
                .first()
                .and_then(|r| r.summary.result_digest.as_deref())
                .unwrap_or("");
            let _ = writeln!(s, "every run gave the same answer (digest {d})");
        } else {
            for r in &self.runs {
                let _ = writeln!(
                    s,
                    "{}: {}",
                    r.run,
                    match &r.error {
                        Some(e) => format!("FAILED: {e}"),
                        None => format!(
                            "digest {}",
                            r.summary.result_digest.as_deref().unwrap_or("unknown")
                        ),
                    }
                );
            }
            let failed = self.failed_runs();
            let _ = writeln!(
                s,
                "{}",
                if failed == 0 {
                    "the answers differ".to_string()
                } else {
                    format!(
                        "{failed} of {} runs failed: their answers cannot be compared",
                        self.runs.len()
                    )
                }
            );
        }
        s
    }
}

/// Iterations a chart draws at most, one line each.
const CHART_ITERATIONS: usize = 20;

impl Comparison {
    /// The charts: each iteration's time, the runs side by side, when at most four runs
    /// iterate; then the later iterations' mean time per run (or the total time, without
    /// iterations), one bar each.
    fn render_chart(&self, s: &mut String, name_w: usize, width: usize) {
        let iterating: Vec<(&CompareRun, Vec<u64>)> = self
            .runs
            .iter()
            .map(|r| (r, r.iterations()))
            .filter(|(_, it)| it.len() > 1)
            .collect();
        if !iterating.is_empty() && iterating.len() <= 4 {
            let series: Vec<super::chart::Series> = iterating
                .iter()
                .map(|(r, it)| super::chart::Series {
                    name: &r.run,
                    values: &it[..it.len().min(CHART_ITERATIONS)],
                })
                .collect();
            let _ = writeln!(s, "\neach iteration's time (one scale for all):");
            for l in super::chart::iteration_columns(&series, width) {
                let _ = writeln!(s, "{l}");
            }
            let most = iterating.iter().map(|(_, it)| it.len()).max().unwrap_or(0);
            if most > CHART_ITERATIONS {
                let _ = writeln!(
                    s,
                    "(iterations {}–{most} are not drawn; --json lists them all)",
                    CHART_ITERATIONS + 1
                );
            }
        }
        let values: Vec<(&str, f64)> = self
            .runs
            .iter()
            .map(|r| {
                (
                    r.run.as_str(),
                    r.later_mean_us().unwrap_or(r.summary.elapsed_us as f64),
                )
            })
            .collect();
        let max = values.iter().map(|(_, v)| *v).fold(0.0, f64::max);
        if max <= 0.0 {
            return;
        }
        let what = if self.runs.iter().any(|r| r.later_mean_us().is_some()) {
            "mean time of the iterations after the first"
        } else {
            "total time"
        };
        let _ = writeln!(s, "\n{what}:");
        let bar_w = width.saturating_sub(name_w + 14).max(10);
        for (name, v) in &values {
            let _ = writeln!(
                s,
                "{name:<name_w$}  {} {}",
                super::chart::bar(*v, max, bar_w),
                duration(v.round() as u64)
            );
        }
    }

    /// Where the later iterations' time goes, by cost term, for each run that has a
    /// breakdown (the virtual clock's).
    fn render_breakdown(&self, s: &mut String, name_w: usize, width: usize) {
        let rows: Vec<(&CompareRun, crate::cluster::CostTerms)> = self
            .runs
            .iter()
            .filter_map(|r| later_mean(&r.breakdown).map(|t| (r, t)))
            .collect();
        if rows.is_empty() || !self.runs.iter().any(|r| r.engine == "mapreduce") {
            return;
        }
        let names = ["launch", "input", "parse", "compute", "shuffle", "output"];
        let _ = write!(
            s,
            "\nwhere the later iterations' time goes (mean per iteration):\n{:<name_w$}",
            "run"
        );
        for n in names {
            let _ = write!(s, "  {n:>8}");
        }
        s.push('\n');
        for (r, t) in rows {
            let _ = write!(s, "{:<name_w$}", r.run);
            for (_, v) in t.named() {
                let cell = if v < 0.5 {
                    "-".to_string()
                } else {
                    duration(v.round() as u64)
                };
                let _ = write!(s, "  {cell:>8}");
            }
            s.push('\n');
        }
        s.push_str(&wrap(
            "launch: the driver's job launches and each task's launch (for MapReduce: its heartbeats and JVM); input: reading the DFS (or disk); parse: text into records; compute: every other operation, and memory; shuffle: map output written, spilled, merged and fetched; output: written to the DFS with its replicas. The terms share out the iteration's time as they share the tasks' work.",
            width,
        ));
    }
}

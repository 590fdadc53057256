//! A stage's summary metrics, as Spark's stage page gives them: over its successful tasks,
//! the minimum, 25th percentile, median, 75th percentile and maximum of each metric; and the
//! parts of a task's time, split by the cost model ([`crate::cluster::CostModel`]) that made
//! it on the virtual clock.
//!
//! The log says a task's duration and its counters (records, bytes read and written, where
//! from), not how the time was spent; the split is derived here from the counters and the
//! cost model's rates, which is how the virtual clock made the duration in the first place:
//!
//! - **scheduler delay**: the model's `task_launch` (Spark's serialization, launch and
//!   deserialization of the task);
//! - **shuffle read**: the shuffle bytes read from the local disk at `disk_read`, and fetched
//!   from other hosts at `network` (`cross_rack_network` from other racks);
//! - **shuffle write**: the shuffle bytes written at `disk_write`;
//! - **output**: output files and blocks written to disk at `disk_write`, and replicas sent at
//!   `network`. Spark's "result" times (serializing a result and sending it to the driver)
//!   have no term in the model: they are in no part;
//! - **compute**: the rest (records through the operations at `record_cpu`, bytes through
//!   memory, input read from disk or the network).
//!
//! [`render`] draws them under the jobs view's stage DAG.
//!
//! The rates are the scenario's `[cost]` table when the log's `AppStart` carries the scenario,
//! else the defaults. On the wall clock, durations are measured, and no split is made.

use super::state::Log;
use super::text::{fit, short_bytes, short_time, wrap};
use super::theme;
use super::view::Ctx;
use crate::cluster::CostModel;
use crate::events::{EventKind, TaskEndReason, TaskMetrics};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// Spark's quantiles: min, 25th, median, 75th, max.
pub const QUANTILES: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// The parts of a task's time, µs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TimeParts {
    pub scheduler_delay: f64,
    pub compute: f64,
    pub shuffle_read: f64,
    pub shuffle_write: f64,
    pub output: f64,
}

impl TimeParts {
    /// The parts, with their names, in the order a task goes through them.
    pub fn named(&self) -> [(&'static str, f64); 5] {
        [
            ("scheduler delay", self.scheduler_delay),
            ("compute", self.compute),
            ("shuffle read", self.shuffle_read),
            ("shuffle write", self.shuffle_write),
            ("output", self.output),
        ]
    }
}

/// Splits a task's `duration_us` into its parts by the cost model `cost`. The parts add up to
/// the duration (compute takes what the others leave).
pub fn split(cost: &CostModel, m: &TaskMetrics, duration_us: u64) -> TimeParts {
    let s = cost.data_scale;
    let t = |bytes: u64, bw: f64| {
        if bw > 0.0 {
            bytes as f64 * s / bw * 1e6
        } else {
            0.0
        }
    };
    let rack_shuffle = m
        .shuffle_remote_bytes
        .saturating_sub(m.shuffle_cross_rack_bytes);
    let shuffle_read = t(m.shuffle_local_bytes, cost.disk_read)
        + t(rack_shuffle, cost.network)
        + t(m.shuffle_cross_rack_bytes, cost.cross_rack_network);
    let shuffle_write = t(m.shuffle_bytes_written, cost.disk_write);
    let output = t(m.output_bytes + m.disk_bytes_spilled, cost.disk_write)
        + t(m.output_network_bytes, cost.network);
    let total = duration_us as f64;
    let scheduler_delay = cost.task_launch_us.min(total);
    let rest = (total - scheduler_delay).max(0.0);
    // Rounding may leave the measured parts a little over the duration: scale them to fit.
    let io = shuffle_read + shuffle_write + output;
    let k = if io > rest && io > 0.0 {
        rest / io
    } else {
        1.0
    };
    TimeParts {
        scheduler_delay,
        shuffle_read: shuffle_read * k,
        shuffle_write: shuffle_write * k,
        output: output * k,
        compute: (rest - io * k).max(0.0),
    }
}

/// One successful task of a stage, as its `TaskEnd` says.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskSample {
    pub duration_us: u64,
    pub metrics: TaskMetrics,
}

impl TaskSample {
    pub fn input_bytes(&self) -> u64 {
        self.metrics.input_bytes
    }
    pub fn shuffle_read_bytes(&self) -> u64 {
        self.metrics.shuffle_local_bytes + self.metrics.shuffle_remote_bytes
    }
    pub fn shuffle_write_bytes(&self) -> u64 {
        self.metrics.shuffle_bytes_written
    }
}

/// The successful tasks of `stage` that ended before event `cursor` (every attempt of the
/// stage), from the log.
pub fn samples(log: &Log, stage: usize, cursor: usize) -> Vec<TaskSample> {
    log.tasks
        .iter()
        .filter(|t| t.stage == stage)
        .filter_map(|t| {
            t.end
                .filter(|(i, _, r)| *i < cursor && *r == TaskEndReason::Success)
        })
        .filter_map(|(i, _, _)| match &log.events.get(i)?.kind {
            EventKind::TaskEnd {
                duration_us,
                metrics,
                ..
            } => Some(TaskSample {
                duration_us: *duration_us,
                metrics: metrics.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The five quantiles of `values` (sorted here), as Spark's stage page takes them: the value
/// at index `min(q × n, n − 1)`. `None` for no value.
pub fn quantiles(mut values: Vec<f64>) -> Option<[f64; 5]> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(QUANTILES.map(|q| values[((q * n as f64) as usize).min(n - 1)]))
}

/// The scenario a log's run ran, read back from the text `AppStart` carries (`None` when it
/// carries none, or the text does not read back).
pub fn scenario_of(scenario: Option<&str>) -> Option<crate::scenario::Scenario> {
    let source = crate::scenario::Source {
        origin: "the event log's scenario".into(),
        bytes: scenario?.as_bytes().to_vec(),
        path: None,
    };
    crate::scenario::parse(&source, &crate::scenario::Overrides::default()).ok()
}

/// Whether the run shown is the MapReduce baseline's: the engine its events name (a run of
/// both engines), else the scenario's own.
pub fn is_mapreduce(sc: &crate::scenario::Scenario, engine: Option<crate::events::Engine>) -> bool {
    match engine {
        Some(e) => e == crate::events::Engine::MapReduce,
        None => sc.engine == crate::scenario::Engine::MapReduce,
    }
}

/// The cost model a log's run used: its scenario's `[cost]` table (for the MapReduce baseline's
/// run, with the baseline's launch costs), when `AppStart` carries the scenario and it reads
/// back, else the defaults. `engine` is the engine the run's events name, if any. The flag
/// says whether the scenario was read.
pub fn cost_model(
    scenario: Option<&str>,
    engine: Option<crate::events::Engine>,
) -> (CostModel, bool) {
    match scenario_of(scenario) {
        Some(sc) if is_mapreduce(&sc, engine) => (sc.cost.for_mapreduce(), true),
        Some(sc) => (sc.cost, true),
        None => (CostModel::default(), false),
    }
}

/// The summary metrics of `stage`: its successful tasks' quantiles, and the parts of the
/// median task's time, as a bar.
pub(super) fn render(
    ctx: &Ctx,
    stage: usize,
    cost: &(crate::cluster::CostModel, bool),
    area: Rect,
    buf: &mut Buffer,
) {
    let width = area.width as usize;
    let s = ctx.state;
    let samples = samples(ctx.log, stage, s.applied);
    let kind = s.stages.get(&stage).map_or("", |st| match st.info.kind {
        crate::events::StageKind::Result => "result",
        _ => "shuffle map",
    });
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(
        fit(
            &format!(
                "stage {stage} · {kind}: summary of {} successful task{}",
                samples.len(),
                if samples.len() == 1 { "" } else { "s" }
            ),
            width,
        ),
        theme::stage(stage).add_modifier(Modifier::BOLD),
    ))];
    if samples.is_empty() {
        lines.push(Line::from(Span::styled(
            fit("no task of it has finished yet (n N: another stage)", width),
            theme::dim(),
        )));
        Paragraph::new(lines).render(area, buf);
        return;
    }
    let wall = s.clock.as_deref() == Some("wall");
    let (model, from_log) = cost;
    let parts: Vec<super::metrics::TimeParts> = samples
        .iter()
        .map(|t| split(model, &t.metrics, t.duration_us))
        .collect();
    let row = |label: &str, q: Option<[f64; 5]>, f: &dyn Fn(f64) -> String| -> Line<'static> {
        let mut text = format!("{label:<12}");
        if let Some(q) = q {
            for v in q {
                let v = if v <= 0.0 { "0".to_string() } else { f(v) };
                text.push_str(&format!("{v:>7}"));
            }
        }
        Line::from(fit(&text, width))
    };
    lines.push(Line::from(Span::styled(
        fit(
            &format!(
                "{:<12}{:>7}{:>7}{:>7}{:>7}{:>7}",
                "", "min", "25th", "median", "75th", "max"
            ),
            width,
        ),
        theme::dim(),
    )));
    let time = |v: f64| short_time(v);
    let size = |v: f64| short_bytes(v);
    lines.push(row(
        "task time",
        quantiles(samples.iter().map(|t| t.duration_us as f64).collect()),
        &time,
    ));
    if !wall {
        let part = |i: usize| quantiles(parts.iter().map(|p| p.named()[i].1).collect());
        for (i, label) in [
            " sched.delay",
            " compute",
            " shuf.read",
            " shuf.write",
            " output",
        ]
        .iter()
        .enumerate()
        {
            lines.push(row(label, part(i), &time));
        }
    }
    lines.push(row(
        "input B",
        quantiles(samples.iter().map(|t| t.input_bytes() as f64).collect()),
        &size,
    ));
    lines.push(row(
        "shuf.read B",
        quantiles(
            samples
                .iter()
                .map(|t| t.shuffle_read_bytes() as f64)
                .collect(),
        ),
        &size,
    ));
    lines.push(row(
        "shuf.write B",
        quantiles(
            samples
                .iter()
                .map(|t| t.shuffle_write_bytes() as f64)
                .collect(),
        ),
        &size,
    ));
    if wall {
        lines.push(Line::from(Span::styled(
            fit(
                "wall clock: durations are measured, so no split of a task's time is made",
                width,
            ),
            theme::dim(),
        )));
    } else {
        // The median task's time as a bar, a glyph per part.
        let mut by_time: Vec<usize> = (0..samples.len()).collect();
        by_time.sort_by_key(|i| samples[*i].duration_us);
        let median = by_time[(samples.len() / 2).min(samples.len() - 1)];
        let p = parts[median].named();
        let total: f64 = p.iter().map(|(_, v)| v).sum::<f64>().max(1.0);
        let bar_w = width.saturating_sub(20).clamp(10, 60);
        const GLYPHS: [char; 5] = ['░', '█', '▓', '▒', '▚'];
        let mut bar = String::new();
        for (i, (_, v)) in p.iter().enumerate() {
            let cells = (v / total * bar_w as f64).round() as usize;
            bar.extend(std::iter::repeat_n(GLYPHS[i], cells));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(fit(
            &format!(
                "median task: {} {bar}",
                short_time(samples[median].duration_us as f64)
            ),
            width,
        )));
        let key: Vec<String> = p
            .iter()
            .enumerate()
            .filter(|(_, (_, v))| *v > 0.0)
            .map(|(i, (name, v))| format!("{} {name} {}", GLYPHS[i], short_time(*v)))
            .collect();
        for l in wrap(&key.join(" · "), width, 2) {
            lines.push(Line::from(Span::styled(l, theme::dim())));
        }
        let whose = if *from_log {
            "the run's cost model"
        } else {
            "the default cost model (the log does not carry the scenario)"
        };
        let note = format!(
            "times split by {whose}: scheduler delay is its task launch ({}); output is files and blocks written (no time to send a result is modelled)",
            short_time(model.task_launch_us)
        );
        for l in wrap(&note, width, 3) {
            lines.push(Line::from(Span::styled(l, theme::dim())));
        }
    }
    Paragraph::new(lines).render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_add_up_to_the_cost_models_duration() {
        let cost = CostModel::default();
        let m = TaskMetrics {
            records_processed: 10_000,
            shuffle_local_bytes: 1 << 20,
            shuffle_remote_bytes: 2 << 20,
            shuffle_bytes_written: 1 << 20,
            ..Default::default()
        };
        let d = cost.task_duration_us(&m);
        let p = split(&cost, &m, d);
        let sum: f64 = p.named().iter().map(|(_, v)| v).sum();
        assert!((sum - d as f64).abs() < 1.0, "{p:?} vs {d}");
        assert_eq!(p.scheduler_delay, 2_000.0);
        assert!(p.shuffle_read > p.shuffle_write, "{p:?}");
        assert!(
            (p.compute - 1_000.0).abs() < 1.0,
            "records at 100 ns: {p:?}"
        );
    }

    #[test]
    fn quantiles_are_taken_as_spark_takes_them() {
        let q = quantiles((1..=8).map(f64::from).collect()).unwrap();
        assert_eq!(q, [1.0, 3.0, 5.0, 7.0, 8.0]);
        assert_eq!(quantiles(vec![]), None);
    }
}

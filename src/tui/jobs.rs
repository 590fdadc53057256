//! The jobs-and-stages view: the jobs on the left; on the right, the selected job's stage DAG,
//! each stage a box with its state (waiting, running, done, skipped and why, failed) and its
//! tasks' progress, and its attempts when there was more than one.

use super::canvas::Canvas;
use super::explain::{duration, ranges};
use super::layout::{layout, NodeSize, Ordering};
use super::state::{JobState, JobStatus, StageState, StageStatus, UiState};
use super::text::{fit, wrap};
use super::theme;
use crate::events::{SkipReason, SubmitReason};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

const STAGE_W: u16 = 26;
const STAGE_H: u16 = 4;

/// A progress bar of `width` cells: done, running, the rest.
pub fn progress(done: usize, running: usize, total: usize, width: usize) -> String {
    if total == 0 {
        return "·".repeat(width);
    }
    let d = (done * width).div_ceil(total).min(width);
    let r = ((done + running) * width).div_ceil(total).min(width).max(d) - d;
    format!(
        "{}{}{}",
        "█".repeat(d),
        "▒".repeat(r),
        "░".repeat(width - d - r)
    )
}

fn status_line(s: &StageState, job: &JobState) -> (String, Style) {
    if let Some(r) = job.skipped.get(&s.info.stage) {
        if s.attempts.iter().all(|a| a.job != job.job) {
            return (
                match r {
                    SkipReason::MapOutputsExist => "skipped: outputs exist".into(),
                    SkipReason::Cached => "skipped: RDD cached".into(),
                },
                theme::dim(),
            );
        }
    }
    let total = s.total();
    // A later attempt says so: the stage was resubmitted after a fetch failure or lost outputs.
    let again = match s.attempts.last() {
        Some(a) if a.reason != SubmitReason::New => format!("resubmitted ({}) ", a.attempt),
        _ => String::new(),
    };
    match s.status {
        StageStatus::Waiting => ("waiting".into(), theme::dim()),
        StageStatus::Skipped(_) => ("skipped".into(), theme::dim()),
        StageStatus::Running => (
            format!("{again}running {}/{total}", s.done),
            theme::running(),
        ),
        StageStatus::Done => (format!("{again}done {}/{total}", s.done), theme::success()),
        StageStatus::Failed => (
            format!(
                "attempt {} failed",
                s.attempts.last().map_or(0, |a| a.attempt)
            ),
            theme::failure(),
        ),
    }
}

/// The job list, on the left: one line per job, the one shown reversed.
fn render_list(s: &UiState, selected: Option<usize>, list: Rect, buf: &mut Buffer) {
    let list_w = list.width as usize;
    let sel_idx = selected.and_then(|j| s.jobs.iter().position(|x| x.job == j));
    let first = sel_idx
        .map(|i| i.saturating_sub(list.height.saturating_sub(1) as usize))
        .unwrap_or(0);
    let lines: Vec<Line> = s
        .jobs
        .iter()
        .enumerate()
        .skip(first)
        .take(list.height as usize)
        .map(|(i, j)| {
            let (mark, style) = match &j.status {
                JobStatus::Running => ("▶", theme::running()),
                JobStatus::Succeeded => ("✓", theme::success()),
                JobStatus::Failed(_) => ("✗", theme::failure()),
            };
            let took = j
                .end_us
                .map_or(String::new(), |e| duration(e.saturating_sub(j.start_us)));
            // `job 3 count      4.6 ms`, the action cut to fit the column.
            let head = format!("job {:<3} ", j.job);
            let room = list_w.saturating_sub(3 + head.chars().count() + took.chars().count() + 1);
            let action = fit(&j.action, room + 1);
            let line = Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::raw(format!("{head}{action:<room$} {took}")),
            ]);
            if Some(i) == sel_idx {
                line.style(theme::selected())
            } else {
                line
            }
        })
        .collect();
    let header = if s.jobs.is_empty() {
        vec![Line::from(Span::styled("no job yet", theme::dim()))]
    } else {
        lines
    };
    Paragraph::new(header).render(list, buf);
}

/// In a what-if, the job's time beside its time in the run the what-if was made from.
fn beside_baseline(
    job: &JobState,
    baseline: &std::collections::BTreeMap<usize, u64>,
) -> Option<String> {
    let was = baseline.get(&job.job).copied();
    let now = job.end_us.map(|e| e.saturating_sub(job.start_us));
    Some(match (now, was) {
        (Some(n), Some(w)) => {
            let sign = if n >= w { "+" } else { "−" };
            format!(
                "what-if: {} · before it: {} ({sign}{})",
                duration(n),
                duration(w),
                duration(n.abs_diff(w))
            )
        }
        (None, Some(w)) => format!("what-if: running · before it: {}", duration(w)),
        (Some(n), None) => format!(
            "what-if: {} · a job the run before did not have",
            duration(n)
        ),
        (None, None) => return None,
    })
}

/// The heading of the job shown: what it is, its stages, and why it failed, in words that
/// wrap (up to three lines). Returns the lines.
fn heading(job: &JobState, width: usize) -> Vec<String> {
    let skipped = job.skipped.len();
    let mut heading = format!(
        "job {} ({}): {} stage{}, {skipped} skipped",
        job.job,
        job.action,
        job.stages.len(),
        if job.stages.len() == 1 { "" } else { "s" }
    );
    if let JobStatus::Failed(m) = &job.status {
        heading.push_str(&format!(" · failed: {m}"));
    }
    wrap(&heading, width, 3)
}

/// The stages of `job` laid out, with those folded away: (layout, stages drawn, folded).
fn dag<'a>(
    s: &'a UiState,
    job: &JobState,
    all_stages: bool,
    height: i32,
) -> (super::layout::Layout, Vec<&'a StageState>, Vec<usize>) {
    // Every stage of the job if it fits; else the stages that ran or run in this job, the
    // skipped stages they read, and one box for the skipped stages further up.
    let all: Vec<&StageState> = job
        .stages
        .iter()
        .filter_map(|id| s.stages.get(id))
        .collect();
    let ran = |st: &StageState| s.ran_in(job, st.info.stage);
    let read_by_ran: Vec<usize> = all
        .iter()
        .filter(|st| ran(st))
        .flat_map(|st| st.info.parents.iter().copied())
        .collect();
    if all_stages || all.len() <= 6 {
        return (dag_layout(&all, &[]), all, Vec::new());
    }
    // Laying out hundreds of stages only to see that they do not fit costs seconds: past a
    // few dozen, they are folded without trying.
    if all.len() <= 60 {
        let full = dag_layout(&all, &[]);
        if full.height <= height {
            return (full, all, Vec::new());
        }
    }
    let stages: Vec<&StageState> = all
        .iter()
        .copied()
        .filter(|st| ran(st) || read_by_ran.contains(&st.info.stage))
        .collect();
    let folded: Vec<usize> = all
        .iter()
        .filter(|st| !stages.iter().any(|x| x.info.stage == st.info.stage))
        .map(|st| st.info.stage)
        .collect();
    (dag_layout(&stages, &folded), stages, folded)
}

/// A job's stage DAG laid out: the layout, the stages drawn (by id), those folded into one box.
#[derive(Clone, Debug, PartialEq)]
struct Dag {
    layout: super::layout::Layout,
    stages: Vec<usize>,
    folded: Vec<usize>,
}

/// Draws the stage DAG `d` of `job` into `area`, `selected` stage reversed.
fn render_dag(
    s: &UiState,
    job: &JobState,
    d: &Dag,
    scroll: (i32, i32),
    selected: Option<usize>,
    area: Rect,
    buf: &mut Buffer,
) {
    let (l, folded) = (&d.layout, &d.folded);
    let stages: Vec<&StageState> = d.stages.iter().filter_map(|id| s.stages.get(id)).collect();
    let ran = |st: &StageState| s.ran_in(job, st.info.stage);
    let mut c = Canvas::new(buf, area, scroll.0, scroll.1);
    for r in &l.routes {
        c.route(&r.points, true, theme::shuffle_edge(true));
    }
    c.flush_lines();
    if !folded.is_empty() {
        c.boxed(
            &l.boxes[stages.len()],
            &format!(
                " ⋯ {} more stage{} ",
                folded.len(),
                if folded.len() == 1 { "" } else { "s" }
            ),
            &[
                format!("{}: skipped", ranges(folded)),
                "c shows them all".into(),
            ],
            theme::dim(),
            theme::dim(),
        );
    }
    for (i, st) in stages.iter().enumerate() {
        let (status, style) = status_line(st, job);
        let kind = if st.info.kind == crate::events::StageKind::Result {
            "result"
        } else {
            "shuffle map"
        };
        let mut lines = vec![status];
        let ran_here = st.attempts.iter().any(|a| a.job == job.job);
        if ran_here {
            lines.push(progress(
                st.done,
                st.running,
                st.total(),
                STAGE_W as usize - 2,
            ));
        } else if let Some(w) = s.writer_of(st.info.stage).filter(|_| !ran(st)) {
            lines.push(format!("stage {w} wrote them"));
        } else {
            lines.push(format!("{} tasks", st.info.tasks));
        }
        let mut border = if ran_here {
            theme::stage(st.info.stage)
        } else {
            theme::dim()
        };
        if selected == Some(st.info.stage) {
            border = border.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        let attempts = if st.attempts.len() > 1 {
            format!(" · {} tries", st.attempts.len())
        } else {
            String::new()
        };
        c.boxed(
            &l.boxes[i],
            &format!(" stage {} · {kind}{attempts} ", st.info.stage),
            &lines,
            border,
            style,
        );
    }
    c.mark_cuts(theme::key());
}

/// Lays out `stages` (and a box for `folded` ones, after them, if any) as a DAG.
fn dag_layout(stages: &[&StageState], folded: &[usize]) -> super::layout::Layout {
    let pos = |id: usize| stages.iter().position(|x| x.info.stage == id);
    let mut edges: Vec<(usize, usize)> = stages
        .iter()
        .enumerate()
        .flat_map(|(i, st)| {
            st.info
                .parents
                .iter()
                .filter_map(move |p| pos(*p).map(|pi| (pi, i)))
        })
        .collect();
    let fold_node = stages.len();
    if !folded.is_empty() {
        for (i, st) in stages.iter().enumerate() {
            if st.info.parents.iter().any(|p| folded.contains(p)) {
                edges.push((fold_node, i));
            }
        }
    }
    let sizes = vec![
        NodeSize {
            width: STAGE_W,
            height: STAGE_H
        };
        stages.len() + usize::from(!folded.is_empty())
    ];
    layout(&sizes, &edges, Ordering::Barycenter)
}

/// The jobs view's state, as keys change it.
#[derive(Clone, Debug, Default, PartialEq)]
struct JobsKeys {
    /// Every stage of the job drawn (else the skipped ones far up fold into one box).
    all_stages: bool,
    scroll: (i32, i32),
    /// The right side shows the selected stage's summary metrics instead of the DAG.
    metrics: bool,
    /// The stage selected (`n` `N`); `None`: the job's latest stage that ran.
    stage: Option<usize>,
}

/// The jobs-and-stages view.
pub struct JobsTab {
    keys: JobsKeys,
    /// The DAG of the job shown, laid out for (job, its stages, all stages, rows).
    dag: Option<((usize, usize, bool, i32), Dag)>,
    /// The area it was last drawn in, and the size of its stage DAG there.
    area: Rect,
    extent: (i32, i32),
    /// The cost model of the run (for the parts of a task's time), once the log says it.
    cost: Option<(crate::cluster::CostModel, bool)>,
}

impl Default for JobsTab {
    fn default() -> Self {
        JobsTab {
            keys: JobsKeys::default(),
            area: Rect::new(0, 0, 80, 21),
            extent: (0, 0),
            cost: None,
            dag: None,
        }
    }
}

use super::view::{bind, Action, Ctx, Effect, KeyBinding, Reply, View, SCROLL_SIDEWAYS};
use ratatui::crossterm::event::KeyCode;

const JOBS_KEYS: &[KeyBinding] = &[
    bind(
        &[(KeyCode::Up, Action::Up), (KeyCode::Down, Action::Down)],
        "↑ ↓",
        "job shown: earlier, later",
        Some("job"),
    ),
    bind(
        &[
            (KeyCode::Char('n'), Action::NextItem),
            (KeyCode::Char('N'), Action::PreviousItem),
        ],
        "n N",
        "next, previous stage",
        Some("stage"),
    ),
    bind(
        &[(KeyCode::Char('m'), Action::Metrics)],
        "m",
        "stage metrics or DAG",
        Some("metrics"),
    ),
    bind(
        &[(KeyCode::Char('c'), Action::Fold)],
        "c",
        "all stages, or folded",
        Some("all stages"),
    ),
    bind(
        &[
            (KeyCode::PageUp, Action::PageUp),
            (KeyCode::PageDown, Action::PageDown),
        ],
        "PgUp PgDn",
        "scroll the stages",
        None,
    ),
    SCROLL_SIDEWAYS,
    bind(
        &[(KeyCode::Esc, Action::Latest)],
        "Esc",
        "the latest job",
        None,
    ),
];

const JOBS_WORDS: &[(&str, &str)] = &[
    ("✓ ✗ ▶", "done, failed, running"),
    ("█ ▒ ░", "tasks done, running, left"),
    ("┆ ▽", "a shuffle between stages"),
    ("min … max", "quantiles of its tasks"),
];

impl JobsTab {
    fn right(&self) -> Rect {
        let area = self.area;
        let list_w = (area.width / 3).clamp(18, 32).min(area.width);
        Rect {
            x: area.x + list_w + 1,
            width: area.width.saturating_sub(list_w + 1),
            ..area
        }
    }

    /// The stage the metrics are of: the one selected, else the job's latest that ran.
    fn stage(&self, ctx: &Ctx) -> Option<usize> {
        let job = ctx.state.job(ctx.job?)?;
        self.keys
            .stage
            .filter(|s| job.stages.contains(s))
            .or_else(|| {
                job.stages
                    .iter()
                    .rev()
                    .copied()
                    .find(|st| ctx.state.submitted_in(job, *st))
            })
            .or_else(|| job.stages.last().copied())
    }

    fn scroll_by(&mut self, dx: i32, dy: i32) -> Reply {
        if self.keys.metrics {
            return Reply::say("the metrics fit the view: m shows the stages again");
        }
        let r = self.right();
        let max = (
            (self.extent.0 - r.width as i32).max(0),
            (self.extent.1 - r.height as i32).max(0),
        );
        let (x, y) = self.keys.scroll;
        let next = ((x + dx).clamp(0, max.0), (y + dy).clamp(0, max.1));
        if next == (x, y) {
            return Reply::say(if max == (0, 0) {
                "every stage is in sight: nothing to scroll"
            } else {
                "at the end of the stages that way"
            });
        }
        self.keys.scroll = next;
        Reply::done()
    }

    fn select_stage(&mut self, delta: isize, ctx: &Ctx) -> Reply {
        let Some(job) = ctx.job.and_then(|j| ctx.state.job(j)) else {
            return Reply::say("no job yet: jobs start with the first action");
        };
        let stages = &job.stages;
        let at = self
            .stage(ctx)
            .and_then(|s| stages.iter().position(|x| *x == s))
            .unwrap_or(0) as isize;
        let next = at + delta;
        if next < 0 || next >= stages.len() as isize {
            return Reply::say(format!(
                "stage {} is the job's {} stage",
                stages[at as usize],
                if delta < 0 { "first" } else { "last" }
            ));
        }
        let st = stages[next as usize];
        self.keys.stage = Some(st);
        let what = match ctx.state.stages.get(&st) {
            Some(_) if !ctx.state.ran_in(job, st) => {
                format!("stage {st}: skipped in job {}", job.job)
            }
            Some(s) => format!("stage {st}: {} of {} tasks done", s.done, s.total()),
            None => format!("stage {st}"),
        };
        Reply::say(format!("{what} (m: its summary metrics)"))
    }
}

impl View for JobsTab {
    fn name(&self) -> &'static str {
        "Jobs"
    }

    fn keys(&self) -> &'static [KeyBinding] {
        JOBS_KEYS
    }

    fn words(&self) -> &'static [(&'static str, &'static str)] {
        JOBS_WORDS
    }

    fn update(&mut self, ctx: &Ctx, area: Rect) {
        self.area = area;
        if self.cost.is_none() && ctx.state.app.is_some() {
            self.cost = Some(super::metrics::cost_model(
                ctx.state.scenario.as_deref(),
                ctx.engines.shown,
            ));
        }
        let r = self.right();
        let head = ctx.job.and_then(|j| ctx.state.job(j)).map_or(1, |j| {
            let extra = ctx.baseline.and_then(|b| beside_baseline(j, b)).is_some();
            (heading(j, r.width as usize).len() + usize::from(extra)) as u16
        });
        let Some(j) = ctx.job.and_then(|j| ctx.state.job(j)) else {
            self.extent = (0, 0);
            return;
        };
        let rows = r.height.saturating_sub(head + 1) as i32;
        let key = (j.job, j.stages.len(), self.keys.all_stages, rows);
        if self.dag.as_ref().is_none_or(|(k, _)| *k != key) {
            let (layout, stages, folded) = dag(ctx.state, j, self.keys.all_stages, rows);
            let stages = stages.iter().map(|st| st.info.stage).collect();
            self.dag = Some((
                key,
                Dag {
                    layout,
                    stages,
                    folded,
                },
            ));
        }
        if let Some((_, d)) = &self.dag {
            self.extent = (d.layout.width + 1, d.layout.height + 2);
        }
    }

    fn handle(&mut self, action: Action, ctx: &Ctx) -> Reply {
        let page = (self.area.height as i32 / 2).max(4);
        match action {
            Action::Up => Reply::effect(Effect::SelectJob(-1)),
            Action::Down => Reply::effect(Effect::SelectJob(1)),
            Action::PageUp => self.scroll_by(0, -page),
            Action::PageDown => self.scroll_by(0, page),
            Action::Left => self.scroll_by(-8, 0),
            Action::Right => self.scroll_by(8, 0),
            Action::NextItem => self.select_stage(1, ctx),
            Action::PreviousItem => self.select_stage(-1, ctx),
            Action::Metrics => {
                self.keys.metrics = !self.keys.metrics;
                Reply::say(if self.keys.metrics {
                    "the stage's summary metrics (n N: another stage; m: the DAG)"
                } else {
                    "the job's stages (m: the selected stage's metrics)"
                })
            }
            Action::Fold => {
                self.keys.all_stages = !self.keys.all_stages;
                self.keys.scroll = (0, 0);
                Reply::say(if self.keys.all_stages {
                    "every stage of the job drawn (PgUp PgDn scroll; c folds skipped ones)"
                } else {
                    "skipped stages far up fold into one box when they do not fit"
                })
            }
            Action::Latest => Reply::effect(Effect::LatestJob),
            _ => Reply::default(),
        }
    }

    fn job_changed(&mut self) {
        self.keys.scroll = (0, 0);
        self.keys.stage = None;
    }

    fn draw(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let s = ctx.state;
        let list_w = (area.width / 3).clamp(18, 32).min(area.width);
        render_list(
            s,
            ctx.job,
            Rect {
                width: list_w,
                ..area
            },
            buf,
        );
        for y in area.y..area.y + area.height {
            if let Some(c) = buf.cell_mut((area.x + list_w, y)) {
                c.set_char('│').set_style(theme::dim());
            }
        }
        let right = Rect {
            x: area.x + list_w + 1,
            width: area.width.saturating_sub(list_w + 1),
            ..area
        };
        let Some(job) = ctx.job.and_then(|j| s.job(j)) else {
            return;
        };
        let mut head = heading(job, right.width as usize);
        if let Some(line) = ctx.baseline.and_then(|b| beside_baseline(job, b)) {
            head.push(fit(&line, right.width as usize));
        }
        let style = if matches!(job.status, JobStatus::Failed(_)) {
            theme::failure()
        } else {
            theme::bold()
        };
        let n = head.len() as u16;
        Paragraph::new(
            head.into_iter()
                .map(|l| Line::from(Span::styled(l, style)))
                .collect::<Vec<_>>(),
        )
        .render(Rect { height: n, ..right }, buf);
        let below = Rect {
            y: right.y + n + 1,
            height: right.height.saturating_sub(n + 1),
            ..right
        };
        let stage = self.stage(ctx);
        if self.keys.metrics {
            if let Some(st) = stage {
                let cost = self.cost.clone().unwrap_or_default();
                super::metrics::render(ctx, st, &cost, below, buf);
            }
        } else if let Some((_, d)) = self.dag.as_ref().filter(|(k, _)| k.0 == job.job) {
            render_dag(s, job, d, self.keys.scroll, self.keys.stage, below, buf);
        }
    }

    fn fingerprint(&self) -> String {
        format!("{:?}", self.keys)
    }
}

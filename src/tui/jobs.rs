//! The jobs-and-stages view: the jobs on the left; on the right, the selected job's stage DAG,
//! each stage a box with its state (waiting, running, done, skipped and why, failed) and its
//! tasks' progress, and its attempts when there was more than one.

use super::canvas::Canvas;
use super::explain::{duration, ranges};
use super::layout::{layout, NodeSize, Ordering};
use super::state::{JobState, JobStatus, StageState, StageStatus, UiState};
use super::theme;
use crate::events::{SkipReason, SubmitReason};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

const STAGE_W: u16 = 26;
const STAGE_H: u16 = 4;

/// `text` in at most `room` characters, cut with `…`.
fn fit(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        text.to_string()
    } else if room == 0 {
        String::new()
    } else {
        let mut t: String = text.chars().take(room - 1).collect();
        t.push('…');
        t
    }
}

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

/// Draws the view; `selected` is the job shown on the right, with every stage if `all` (else
/// the skipped stages far up fold into one box when they do not fit). Returns the size of its
/// stage DAG (what scrolling can reach).
pub fn render(
    s: &UiState,
    selected: Option<usize>,
    all_stages: bool,
    scroll: (i32, i32),
    area: Rect,
    buf: &mut Buffer,
) -> (i32, i32) {
    let list_w = (area.width / 3).clamp(18, 32).min(area.width);
    let list = Rect {
        width: list_w,
        ..area
    };
    let right = Rect {
        x: area.x + list_w + 1,
        width: area.width.saturating_sub(list_w + 1),
        ..area
    };
    // The job list.
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
            let room = (list_w as usize)
                .saturating_sub(2 + head.chars().count() + took.chars().count() + 1);
            let action = fit(&j.action, room);
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
    for y in area.y..area.y + area.height {
        if let Some(c) = buf.cell_mut((area.x + list_w, y)) {
            c.set_char('│').set_style(theme::dim());
        }
    }
    let Some(job) = sel_idx.map(|i| &s.jobs[i]) else {
        return (0, 0);
    };
    // The selected job's heading.
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
    Paragraph::new(Line::from(Span::styled(
        heading,
        Style::default().add_modifier(Modifier::BOLD),
    )))
    .render(Rect { height: 1, ..right }, buf);
    let dag = Rect {
        y: right.y + 2,
        height: right.height.saturating_sub(2),
        ..right
    };
    // The stage DAG: every stage of the job if it fits; else the stages that ran or run in
    // this job, the skipped stages they read, and one box for the skipped stages further up.
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
    let (l, stages, folded) = {
        let full = dag_layout(&all, &[]);
        if all_stages || full.height <= dag.height as i32 || all.len() <= 6 {
            (full, all.clone(), Vec::new())
        } else {
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
    };
    let extent = (l.width + 1, l.height + 2);
    let mut c = Canvas::new(buf, dag, scroll.0, scroll.1);
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
                format!("{}: skipped", ranges(&folded)),
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
        let border = if ran_here {
            theme::stage(st.info.stage)
        } else {
            theme::dim()
        };
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
    extent
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

//! The timeline view: one row per executor core, each task a bar in its stage's colour from
//! its launch to its end (or to now, while it runs), failed tasks in red with a `✗`, faults as
//! `↯` on the time axis and a lost executor's rows ending in `✗`, and the current time as a
//! cursor. Tasks take the first core of their executor free when they
//! launch (the events say which executor, not which core).

use super::explain::duration;
use super::state::{Log, UiState};
use super::text::{fit_parts, Part};
use super::theme;
use crate::events::{Locality, TaskEndReason};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use std::collections::BTreeMap;

/// One bar: a task on a core.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub task: usize,
    pub stage: usize,
    pub start_us: u64,
    /// `None`: still running at the cursor.
    pub end_us: Option<u64>,
    pub failed: bool,
    /// The level it was launched at (its first cell shows it).
    pub locality: Locality,
}

/// The letter a bar starts with: the level its task was launched at.
pub fn locality_mark(l: Locality) -> char {
    match l {
        Locality::ProcessLocal => 'P',
        Locality::NodeLocal => 'N',
        Locality::NoPref => 'P',
        Locality::RackLocal => 'R',
        Locality::Any => 'A',
    }
}

/// The rows: `(executor, core)` and its bars, in executor order.
pub fn lanes(log: &Log, s: &UiState) -> Vec<((String, u32), Vec<Bar>)> {
    let cursor = s.applied;
    let mut rows: BTreeMap<(usize, u32), (String, Vec<Bar>)> = BTreeMap::new();
    let order: BTreeMap<&str, (usize, u32)> = s
        .executors
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), (i, e.cores.max(1))))
        .collect();
    for (e, (i, cores)) in &order {
        for c in 0..*cores {
            rows.insert((*i, c), (e.to_string(), Vec::new()));
        }
    }
    // Each core's busy-until time.
    let mut free_at: BTreeMap<(usize, u32), Option<u64>> = BTreeMap::new();
    for t in log.tasks.iter().take_while(|t| t.start_idx < cursor) {
        let Some((i, cores)) = order.get(t.executor.as_str()).copied() else {
            continue;
        };
        let end = t.end.filter(|(idx, _, _)| *idx < cursor);
        let core = (0..cores)
            .find(|c| match free_at.get(&(i, *c)) {
                None => true,
                Some(Some(at)) => *at <= t.start_us,
                Some(None) => false,
            })
            .unwrap_or(0);
        free_at.insert((i, core), end.map(|(_, at, _)| at));
        if let Some((_, bars)) = rows.get_mut(&(i, core)) {
            bars.push(Bar {
                task: t.task,
                stage: t.stage,
                start_us: t.start_us,
                end_us: end.map(|(_, at, _)| at),
                failed: end.is_some_and(|(_, _, r)| {
                    !matches!(r, TaskEndReason::Success | TaskEndReason::Resubmitted)
                }),
                locality: t.locality,
            });
        }
    }
    rows.into_iter()
        .map(|((_, core), (name, bars))| ((name, core), bars))
        .collect()
}

/// Zoom and pan of the time axis, and the first core row shown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// 1: the whole run fits; 2: half of it; ...
    pub zoom: f64,
    /// Where the window starts, as a fraction of the run.
    pub start: f64,
    /// The first row (core) shown.
    pub row: usize,
}

/// How many core rows a view `height` rows high shows (one row is the axis, one the legend).
pub fn rows_shown(height: u16) -> usize {
    height.saturating_sub(2) as usize
}

impl Default for Window {
    fn default() -> Self {
        Window {
            zoom: 1.0,
            start: 0.0,
            row: 0,
        }
    }
}

/// Draws the view.
pub fn render(log: &Log, s: &UiState, now_us: u64, w: Window, area: Rect, buf: &mut Buffer) {
    if area.height < 3 || area.width < 20 {
        return;
    }
    let label_w: u16 = 11;
    let plot_w = area.width - label_w;
    let total = log.end_us().max(now_us).max(1) as f64;
    let span = (total / w.zoom).max(1.0);
    let t0 = (w.start * total).min(total - span).max(0.0);
    let col = |us: u64| ((us as f64 - t0) / span * plot_w as f64).floor() as i64;
    let put = |buf: &mut Buffer, x: u16, y: u16, ch: char, st: Style| {
        if let Some(c) = buf.cell_mut((x, y)) {
            c.set_char(ch).set_style(st);
        }
    };
    // The axis: a tick every ~16 columns, each label whole or not at all.
    let mut x = 0;
    while x < plot_w as i64 {
        let us = t0 + span * x as f64 / plot_w as f64;
        let label = format!("|{}", duration(us as u64));
        if x + (label.chars().count() as i64) < plot_w as i64 {
            for (k, ch) in label.chars().enumerate() {
                let cx = label_w + (x as u16) + k as u16;
                put(buf, area.x + cx, area.y, ch, theme::dim());
            }
        }
        x += 16;
    }
    let rows = lanes(log, s);
    let shown = rows_shown(area.height);
    let first = w.row.min(rows.len().saturating_sub(shown));
    for (r, ((exec, core), bars)) in rows.iter().skip(first).take(shown).enumerate() {
        let y = area.y + 1 + r as u16;
        let label = if *core == 0 || r == 0 {
            format!("{exec:<8}{core:>2}")
        } else {
            format!("{:<8}{core:>2}", "")
        };
        for (k, ch) in label.chars().take(label_w as usize - 1).enumerate() {
            put(buf, area.x + k as u16, y, ch, theme::dim());
        }
        for b in bars {
            let end = b.end_us.unwrap_or(now_us);
            let (x1, x2) = (col(b.start_us), col(end).max(col(b.start_us) + 1));
            let style = if b.failed {
                theme::failure()
            } else {
                Style::default().fg(theme::stage_color(b.stage))
            };
            // The task's id and its stage's label (`12 s3`), as room allows: stages are told
            // apart by their labels too, not by colour alone.
            let width = x2 - x1;
            let full = format!("{} s{}", b.task, b.stage);
            let label = if width > full.len() as i64 + 1 {
                full
            } else {
                format!("{}", b.task)
            };
            for x in x1.max(0)..x2.min(plot_w as i64) {
                let k = (x - x1) as usize;
                let ch = if b.failed && x == x2 - 1 {
                    '✗'
                } else if k == 0 && x1 >= 0 {
                    locality_mark(b.locality)
                } else if x2 - x1 > label.len() as i64 + 1
                    && x1 >= 0
                    && x1 + 1 + (label.len() as i64) < plot_w as i64
                    && k >= 1
                    && k <= label.len()
                {
                    label.as_bytes()[k - 1] as char
                } else if b.end_us.is_none() {
                    '▒'
                } else {
                    '█'
                };
                let st = if k == 0 && ch != '✗' {
                    // The locality letter: bold, and underlined when the task reads from
                    // another host (RACK_LOCAL, ANY).
                    let st = style.add_modifier(Modifier::BOLD);
                    if matches!(b.locality, Locality::RackLocal | Locality::Any) {
                        st.add_modifier(Modifier::UNDERLINED)
                    } else {
                        st
                    }
                } else if ch.is_ascii_alphanumeric() || ch == ' ' {
                    Style::default()
                        .fg(theme::stage_color(b.stage))
                        .add_modifier(Modifier::REVERSED)
                } else {
                    style
                };
                put(buf, area.x + label_w + x as u16, y, ch, st);
            }
        }
    }
    // Faults: `↯` on the axis when one was injected; a lost executor's rows end in `✗` where
    // it was removed.
    for m in log.marks.iter().take_while(|m| m.idx < s.applied) {
        let x = col(m.time_us);
        if x < 0 || x >= plot_w as i64 {
            continue;
        }
        let cx = area.x + label_w + x as u16;
        match &m.kind {
            super::state::MarkKind::Fault(_) => put(buf, cx, area.y, '↯', theme::failure()),
            super::state::MarkKind::ExecutorLost(exec) => {
                for (r, ((e, _), _)) in rows.iter().skip(first).take(shown).enumerate() {
                    if e == exec {
                        put(buf, cx, area.y + 1 + r as u16, '✗', theme::failure());
                    }
                }
            }
        }
    }
    // The legend, with the rows shown when they do not all fit.
    let legend_y = area.y + area.height - 1;
    let mut parts = Vec::new();
    if rows.len() > shown {
        parts.push(Part::new(
            format!(
                "cores {}–{} of {} (↑↓)",
                first + 1,
                (first + shown).min(rows.len()),
                rows.len()
            ),
            theme::key(),
            9,
        ));
    }
    parts.push(Part::new(
        "bar: a task, `12 s3`: task 12 of stage 3",
        theme::dim(),
        8,
    ));
    parts.push(Part::new("P N R A: locality", theme::dim(), 8));
    parts.push(Part::new("▒ running", theme::dim(), 6));
    parts.push(Part::new("✗ failed", theme::failure(), 7));
    if log.marks.iter().any(|m| m.idx < s.applied) {
        parts.push(Part::new("↯ fault", theme::failure(), 7));
    }
    parts.push(Part::new("│ now", theme::dim(), 5));
    let (legend, _) = fit_parts(
        parts,
        Span::styled(" · ", theme::dim()),
        area.width as usize,
    );
    let mut spans = vec![Span::raw(" ")];
    spans.extend(legend.spans);
    Paragraph::new(Line::from(spans)).render(
        Rect {
            y: legend_y,
            height: 1,
            ..area
        },
        buf,
    );
    // The cursor.
    let cx = col(now_us);
    if cx >= 0 && cx < plot_w as i64 {
        let drawn = rows.len().saturating_sub(first).min(shown) as u16;
        for y in area.y + 1..area.y + 1 + drawn {
            if let Some(c) = buf.cell_mut((area.x + label_w + cx as u16, y)) {
                let st = c.style().add_modifier(Modifier::REVERSED);
                if c.symbol() == " " {
                    c.set_char('│');
                }
                c.set_style(st);
            }
        }
    }
}

/// The timeline view.
#[derive(Default)]
pub struct TimelineTab {
    window: Window,
    /// The height of the area it was last drawn in.
    height: u16,
}

use super::view::{bind, Action, Ctx, KeyBinding, Reply, View};
use ratatui::crossterm::event::KeyCode;

const TIMELINE_KEYS: &[KeyBinding] = &[
    bind(
        &[
            (KeyCode::Char('z'), Action::ZoomIn),
            (KeyCode::Char('Z'), Action::ZoomOut),
        ],
        "z Z",
        "zoom in, out at now",
        Some("zoom"),
    ),
    bind(
        &[
            (KeyCode::Char('<'), Action::Left),
            (KeyCode::Char('>'), Action::Right),
        ],
        "< >",
        "move in time",
        Some("move"),
    ),
    bind(
        &[
            (KeyCode::Up, Action::Up),
            (KeyCode::Down, Action::Down),
            (KeyCode::PageUp, Action::PageUp),
            (KeyCode::PageDown, Action::PageDown),
        ],
        "↑ ↓ PgUp PgDn",
        "scroll the cores",
        None,
    ),
];

const TIMELINE_WORDS: &[(&str, &str)] = &[
    ("12 s3", "task 12, of stage 3"),
    ("█ ▒", "a task ended; running"),
    ("P N R A", "launched at PROCESS NODE RACK ANY"),
    ("✗", "failed or killed"),
    ("│", "now: the cursor"),
];

impl TimelineTab {
    /// Zooms by `factor`, keeping the current time where it is on screen.
    fn zoom(&mut self, factor: f64, ctx: &Ctx) -> Reply {
        let total = ctx.log.end_us().max(ctx.now_us).max(1) as f64;
        let now = ctx.now_us as f64 / total;
        let w = &mut self.window;
        let old = w.zoom;
        let zoom = (w.zoom * factor).clamp(1.0, 4096.0);
        if zoom == old {
            return Reply::say(if factor > 1.0 {
                "zoomed in as far as it goes (4096×)"
            } else {
                "zoomed out: the whole run is in sight"
            });
        }
        w.zoom = zoom;
        // The cursor's place in the window, kept (or the window centred on it if it was out).
        let at = ((now - w.start) * old).clamp(0.0, 1.0);
        let at = if (now - w.start) * old > 1.0 || now < w.start {
            0.5
        } else {
            at
        };
        w.start = (now - at / w.zoom).clamp(0.0, 1.0 - 1.0 / w.zoom);
        Reply::say(format!("zoom {}×", w.zoom))
    }
}

impl View for TimelineTab {
    fn name(&self) -> &'static str {
        "Timeline"
    }

    fn keys(&self) -> &'static [KeyBinding] {
        TIMELINE_KEYS
    }

    fn words(&self) -> &'static [(&'static str, &'static str)] {
        TIMELINE_WORDS
    }

    fn update(&mut self, _ctx: &Ctx, area: Rect) {
        self.height = area.height;
    }

    fn handle(&mut self, action: Action, ctx: &Ctx) -> Reply {
        match action {
            Action::ZoomIn => self.zoom(2.0, ctx),
            Action::ZoomOut => self.zoom(0.5, ctx),
            Action::Left | Action::Right => {
                let delta = if action == Action::Left { -1.0 } else { 1.0 };
                let step = 0.25 / self.window.zoom;
                let start =
                    (self.window.start + step * delta).clamp(0.0, 1.0 - 1.0 / self.window.zoom);
                if start == self.window.start {
                    return Reply::say(if self.window.zoom == 1.0 {
                        "the whole run is in sight: z zooms in"
                    } else if delta < 0.0 {
                        "at the run's start"
                    } else {
                        "at the run's end"
                    });
                }
                self.window.start = start;
                Reply::done()
            }
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                let delta: isize = match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -10,
                    _ => 10,
                };
                let rows = lanes(ctx.log, ctx.state).len();
                let shown = rows_shown(self.height);
                let max = rows.saturating_sub(shown) as isize;
                let row = (self.window.row as isize + delta).clamp(0, max) as usize;
                if row == self.window.row {
                    return Reply::say(if max == 0 {
                        format!("all {rows} cores are in sight")
                    } else if delta < 0 {
                        "at the first core".into()
                    } else {
                        "at the last core".into()
                    });
                }
                self.window.row = row;
                Reply::done()
            }
            _ => Reply::default(),
        }
    }

    fn draw(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        render(ctx.log, ctx.state, ctx.now_us, self.window, area, buf);
    }

    fn fingerprint(&self) -> String {
        format!("{:?}", self.window)
    }
}

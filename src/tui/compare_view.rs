//! The compare view: every run's iteration times side by side, as `ember compare` charts
//! them. In a run of both engines (`engine = "both"`), the Spark-style engine's iterations
//! beside the MapReduce baseline's on one scale, with each run's first iteration, the mean of
//! the later ones and their ratio; in a log of one run, that run's. It draws the whole log
//! received so far, not the moment playback shows (the other views do that, one engine at a
//! time: `e` switches). The chart's lines are [`crate::scenario::chart`]'s.

use super::engines::RunIterations;
use super::text::fit;
use super::theme;
use super::view::{bind, Action, Ctx, KeyBinding, Reply, View};
use crate::human::duration;
use crate::scenario::chart::{iteration_columns, Series};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

const KEYS: &[KeyBinding] = &[bind(
    &[
        (KeyCode::Up, Action::Up),
        (KeyCode::Down, Action::Down),
        (KeyCode::PageUp, Action::PageUp),
        (KeyCode::PageDown, Action::PageDown),
    ],
    "↑ ↓ PgUp PgDn",
    "scroll the iterations",
    Some("scroll"),
)];

const WORDS: &[(&str, &str)] = &[
    (
        "first",
        "the first iteration (it reads the input, and caches it)",
    ),
    ("later", "the mean of the iterations after the first"),
    ("×", "a run's later iterations over the fastest run's"),
];

/// The compare view.
#[derive(Default)]
pub struct CompareTab {
    /// The first iteration drawn.
    scroll: usize,
    /// (iterations, rows of the chart that fit), as last drawn.
    rows: (usize, usize),
}

/// A run's name: its engine's, or `this run` in a log of one run.
fn name(r: &RunIterations) -> &'static str {
    r.engine.map_or("this run", |e| e.title())
}

/// The mean of the iterations after the first (or the only one).
fn later(times: &[u64]) -> Option<f64> {
    let later = if times.len() > 1 { &times[1..] } else { times };
    (!later.is_empty()).then(|| later.iter().sum::<u64>() as f64 / later.len() as f64)
}

/// Lines above the chart: a title, the table's head and a line per run.
fn head_rows(runs: usize) -> usize {
    2 + runs + 1
}

impl View for CompareTab {
    fn name(&self) -> &'static str {
        "Compare"
    }

    fn keys(&self) -> &'static [KeyBinding] {
        KEYS
    }

    fn words(&self) -> &'static [(&'static str, &'static str)] {
        WORDS
    }

    fn update(&mut self, ctx: &Ctx, area: Rect) {
        let runs = &ctx.engines.runs;
        let n = runs.iter().map(|r| r.times.len()).max().unwrap_or(0);
        let room = (area.height as usize).saturating_sub(head_rows(runs.len()) + 1);
        self.rows = (n, room);
        self.scroll = self.scroll.min(n.saturating_sub(room));
    }

    fn handle(&mut self, action: Action, _ctx: &Ctx) -> Reply {
        let (n, room) = self.rows;
        if room == 0 {
            return Reply::say("the terminal is too short to chart the iterations");
        }
        let step: isize = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -(room.max(1) as isize),
            Action::PageDown => room.max(1) as isize,
            _ => return Reply::done(),
        };
        let max = n.saturating_sub(room);
        let next = (self.scroll as isize + step).clamp(0, max as isize) as usize;
        if next == self.scroll {
            return Reply::say(if n <= room {
                "every iteration is shown"
            } else if step < 0 {
                "the first iteration is shown"
            } else {
                "the last iteration is shown"
            });
        }
        self.scroll = next;
        Reply::done()
    }

    fn draw(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let width = area.width as usize;
        let runs = &ctx.engines.runs;
        let mut lines: Vec<Line> = Vec::new();
        if runs.is_empty() {
            let why = if ctx.log.complete {
                "this run has no iterations: the compare view charts iterative workloads (logistic regression, k-means, PageRank), and `engine = \"both\"` runs one on both engines side by side"
            } else {
                "no iteration has ended yet"
            };
            for l in super::text::wrap(why, width, area.height as usize) {
                lines.push(Line::from(l));
            }
            Paragraph::new(lines).render(area, buf);
            return;
        }
        let title = if runs.len() > 1 {
            let names: Vec<&str> = runs.iter().map(name).collect();
            format!("iteration times, the whole log: {}", names.join(" beside "))
        } else {
            "iteration times of this run (the whole log)".to_string()
        };
        lines.push(Line::from(Span::styled(fit(&title, width), theme::bold())));
        let name_w = runs.iter().map(|r| name(r).len()).max().unwrap_or(8).max(8);
        lines.push(Line::from(Span::styled(
            fit(
                &format!(
                    "{:<name_w$}  {:>10}  {:>10}  {:>8}",
                    "run", "first", "later", "×"
                ),
                width,
            ),
            theme::dim(),
        )));
        let fastest = runs
            .iter()
            .filter_map(|r| later(&r.times))
            .fold(f64::INFINITY, f64::min);
        for r in runs {
            let l = later(&r.times);
            let ratio = match l {
                Some(l) if fastest > 0.0 && fastest.is_finite() => format!("{:.2}", l / fastest),
                _ => "-".into(),
            };
            let style = if r.engine.is_some() && r.engine == ctx.engines.shown && runs.len() > 1 {
                theme::selected()
            } else {
                ratatui::style::Style::default()
            };
            lines.push(Line::from(Span::styled(
                fit(
                    &format!(
                        "{:<name_w$}  {:>10}  {:>10}  {:>8}",
                        name(r),
                        r.times.first().map_or("-".into(), |u| duration(*u)),
                        l.map_or("-".into(), |u| duration(u.round() as u64)),
                        ratio
                    ),
                    width,
                ),
                style,
            )));
        }
        lines.push(Line::from(""));
        let series: Vec<Series> = runs
            .iter()
            .map(|r| Series {
                name: name(r),
                values: &r.times,
            })
            .collect();
        let chart = iteration_columns(&series, width);
        let (n, room) = self.rows;
        if let Some(h) = chart.first().filter(|_| room > 0) {
            let more = if n > room {
                format!(
                    "  ({}–{} of {n}: ↑ ↓)",
                    self.scroll + 1,
                    (self.scroll + room).min(n)
                )
            } else {
                String::new()
            };
            lines.push(Line::from(Span::styled(
                fit(&format!("{h}{more}"), width),
                theme::dim(),
            )));
        }
        for l in chart.iter().skip(1 + self.scroll).take(room) {
            lines.push(Line::from(fit(l, width)));
        }
        Paragraph::new(lines).render(area, buf);
    }

    fn fingerprint(&self) -> String {
        format!("scroll {}", self.scroll)
    }
}

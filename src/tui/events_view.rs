//! The events view: the events so far (those the filter keeps), each with its time, its name
//! and one sentence; the latest applied is marked, and a selected one can be jumped to.

use super::explain::{duration, explain, Filter};
use super::state::{Log, UiState};
use super::text::{fit, fit_parts, wrap, Part};
use super::theme;
use crate::events::EventKind;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// The name of an event, as the log spells it.
pub fn name(e: &crate::events::Event) -> String {
    serde_json::to_value(&e.kind)
        .ok()
        .and_then(|v| v.get("event").and_then(|n| n.as_str()).map(str::to_string))
        .unwrap_or_default()
}

/// The indices of the events up to `cursor` that `filter` keeps.
pub fn visible(log: &Log, cursor: usize, filter: Filter) -> Vec<usize> {
    log.events[..cursor.min(log.events.len())]
        .iter()
        .enumerate()
        .filter(|(_, e)| filter.keeps(e))
        .map(|(i, _)| i)
        .collect()
}

/// What the view shows of the log.
#[derive(Clone, Copy, Debug)]
pub struct Selection {
    pub filter: Filter,
    /// An event index; `None` to follow the latest.
    pub selected: Option<usize>,
    /// Columns the sentences are scrolled by (`<` `>`).
    pub shift: usize,
}

/// An event's sentence, with what the state at the cursor adds: which stage wrote the map
/// outputs a skipped stage stands for.
pub fn sentence(e: &crate::events::Event, s: &UiState) -> String {
    let mut text = explain(e);
    if let EventKind::StageSkipped { stage, .. } = &e.kind {
        if let Some(w) = s.writer_of(*stage) {
            text.push_str(&format!(" (stage {w} wrote them)"));
        }
    }
    text
}

/// Event `idx` of `log` in a sentence with what the log around it adds: for a task set that
/// now waits at a level (a `LocalityChanged` to a level before ANY), what it waits for, how
/// many of its pending tasks want it, and when the next level comes.
pub fn sentence_in_context(log: &Log, idx: usize, s: &UiState) -> String {
    let Some(e) = log.events.get(idx) else {
        return String::new();
    };
    let mut text = sentence(e, s);
    if let EventKind::LocalityChanged {
        stage,
        attempt,
        level,
        reason,
        waited_us,
    } = &e.kind
    {
        if *level < crate::events::Locality::Any {
            let waits = super::locality::Waits::of(s.scenario.as_deref(), e.engine);
            let wait = super::locality::TaskSetLocality::at(log, *stage, *attempt, idx + 1)
                .and_then(|t| t.waiting(&waits, e.time_us));
            if let Some(w) = wait {
                use crate::events::LocalityReason as R;
                let why = match reason {
                    Some(R::NoTasksAtLevel) => "the level before had no task left".to_string(),
                    Some(R::WaitExpired) => format!("after waiting {}", duration(*waited_us)),
                    Some(R::Reset) => "a launch here restarted the wait".to_string(),
                    Some(R::ExecutorsChanged) => "an executor came or went".to_string(),
                    None => return text,
                };
                text = format!("{w} ({why})");
            }
        }
    }
    text
}

/// Draws the view at the state `s` (the events up to its cursor).
pub fn render(log: &Log, s: &UiState, sel: Selection, area: Rect, buf: &mut Buffer) {
    let cursor = s.applied;
    let Selection {
        filter,
        selected,
        shift,
    } = sel;
    let rows = visible(log, cursor, filter);
    let (header, _) = fit_parts(
        vec![
            Part::new(format!(" filter: {} ", filter.name()), theme::selected(), 9),
            Part::new(
                format!("{} of {} events so far", rows.len(), cursor),
                theme::dim(),
                8,
            ),
            Part::new("(f filter, ↑↓ select, ⏎ go, <> sideways)", theme::dim(), 3),
        ],
        Span::raw("  "),
        area.width as usize,
    );
    Paragraph::new(header).render(Rect { height: 1, ..area }, buf);
    // The event in focus (selected, else the latest), whole, in the last two rows.
    let detail_rows: u16 = if area.height >= 8 { 2 } else { 0 };
    let list = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1 + detail_rows),
        ..area
    };
    let h = list.height as usize;
    let focus = selected
        .and_then(|s| rows.iter().position(|i| *i >= s))
        .unwrap_or(rows.len().saturating_sub(1));
    let first = focus.saturating_sub(h.saturating_sub(1).min(h / 2 + h / 3));
    let first = first.min(rows.len().saturating_sub(h));
    let lines: Vec<Line> = rows[first..]
        .iter()
        .take(h)
        .map(|i| {
            let e = &log.events[*i];
            let said: String = sentence(e, s).chars().skip(shift).collect();
            let more = if shift > 0 { "…" } else { "" };
            let text = fit(
                &format!("{:>9}  {:<19} {more}{said}", duration(e.time_us), name(e)),
                area.width as usize,
            );
            let style = if Some(*i) == selected {
                theme::selected()
            } else if *i + 1 == cursor {
                theme::bold()
            } else {
                Style::default()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    Paragraph::new(lines).render(list, buf);
    let focused = selected.or_else(|| rows.last().copied());
    if let (Some(i), true) = (focused, detail_rows > 0) {
        let e = &log.events[i];
        let text = format!(
            " event {} at {}: {}",
            i + 1,
            duration(e.time_us),
            sentence_in_context(log, i, s)
        );
        let detail: Vec<Line> = wrap(&text, area.width as usize, detail_rows as usize)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme::key())))
            .collect();
        Paragraph::new(detail).render(
            Rect {
                y: area.y + area.height - detail_rows,
                height: detail_rows,
                ..area
            },
            buf,
        );
    }
}

/// The events view.
#[derive(Debug)]
pub struct EventsTab {
    filter: Filter,
    /// The event selected; `None`: follow the latest.
    selected: Option<usize>,
    /// Columns the sentences are scrolled by.
    shift: usize,
}

impl Default for EventsTab {
    fn default() -> Self {
        EventsTab {
            filter: Filter::All,
            selected: None,
            shift: 0,
        }
    }
}

use super::view::{bind, Action, Ctx, Effect, KeyBinding, Reply, View, SCROLL_SIDEWAYS};
use ratatui::crossterm::event::KeyCode;

const EVENTS_KEYS: &[KeyBinding] = &[
    bind(
        &[
            (KeyCode::Up, Action::Up),
            (KeyCode::Down, Action::Down),
            (KeyCode::PageUp, Action::PageUp),
            (KeyCode::PageDown, Action::PageDown),
        ],
        "↑ ↓ PgUp PgDn",
        "select an event",
        Some("select"),
    ),
    bind(
        &[(KeyCode::Enter, Action::Go)],
        "Enter",
        "go to the event selected",
        Some("go there"),
    ),
    bind(
        &[(KeyCode::Char('f'), Action::Filter)],
        "f",
        "the next filter",
        Some("filter"),
    ),
    SCROLL_SIDEWAYS,
    bind(
        &[(KeyCode::Esc, Action::Latest)],
        "Esc",
        "follow the latest",
        None,
    ),
];

const EVENTS_WORDS: &[(&str, &str)] = &[
    ("bold", "the event the cursor has reached"),
    ("reversed", "the event selected"),
    ("…", "a sentence goes on: < > scroll"),
];

impl EventsTab {
    fn move_selection(&mut self, delta: isize, ctx: &Ctx) -> Reply {
        let rows = visible(ctx.log, ctx.state.applied, self.filter);
        if rows.is_empty() {
            return Reply::say(format!(
                "no event so far passes the filter `{}` (f: the next filter)",
                self.filter.name()
            ));
        }
        let at = self
            .selected
            .and_then(|s| rows.iter().position(|i| *i >= s))
            .unwrap_or(rows.len() - 1) as isize;
        let next = (at + delta).clamp(0, rows.len() as isize - 1) as usize;
        if self.selected == Some(rows[next]) {
            return Reply::say(if delta < 0 {
                "the first event is selected"
            } else {
                "the latest event so far is selected (space or → plays on)"
            });
        }
        self.selected = Some(rows[next]);
        Reply::done()
    }
}

impl View for EventsTab {
    fn name(&self) -> &'static str {
        "Events"
    }

    fn keys(&self) -> &'static [KeyBinding] {
        EVENTS_KEYS
    }

    fn words(&self) -> &'static [(&'static str, &'static str)] {
        EVENTS_WORDS
    }

    fn handle(&mut self, action: Action, ctx: &Ctx) -> Reply {
        match action {
            Action::Up => self.move_selection(-1, ctx),
            Action::Down => self.move_selection(1, ctx),
            Action::PageUp => self.move_selection(-10, ctx),
            Action::PageDown => self.move_selection(10, ctx),
            Action::Go => match self.selected {
                Some(i) => Reply::effect(Effect::Seek(i + 1)),
                None => Reply::say("no event selected: ↑ ↓ select one"),
            },
            Action::Filter => {
                self.filter = self.filter.next();
                Reply::done()
            }
            Action::Left => {
                if self.shift == 0 {
                    return Reply::say("the sentences are at their start");
                }
                self.shift = self.shift.saturating_sub(16);
                Reply::done()
            }
            Action::Right => {
                self.shift += 16;
                Reply::done()
            }
            Action::Latest => {
                let had = self.selected.take().is_some();
                let reply = Reply::effect(Effect::LatestJob);
                if had {
                    Reply {
                        message: Some("following the latest event".into()),
                        ..reply
                    }
                } else {
                    reply
                }
            }
            _ => Reply::default(),
        }
    }

    fn draw(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        render(
            ctx.log,
            ctx.state,
            Selection {
                filter: self.filter,
                selected: self.selected,
                shift: self.shift,
            },
            area,
            buf,
        );
    }

    fn fingerprint(&self) -> String {
        format!("{self:?}")
    }
}

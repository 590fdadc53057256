//! The events view: the events so far (those the filter keeps), each with its time, its name
//! and one sentence; the latest applied is marked, and a selected one can be jumped to.

use super::explain::{duration, explain, Filter};
use super::state::{Log, UiState};
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

/// Draws the view at the state `s` (the events up to its cursor).
pub fn render(log: &Log, s: &UiState, sel: Selection, area: Rect, buf: &mut Buffer) {
    let cursor = s.applied;
    let Selection {
        filter,
        selected,
        shift,
    } = sel;
    let rows = visible(log, cursor, filter);
    let header = Line::from(vec![
        Span::styled(format!(" filter: {} ", filter.name()), theme::selected()),
        Span::styled(
            format!(
                "  {} of {} events so far  (f filter, ↑↓ select, ⏎ go, <> sideways)",
                rows.len(),
                cursor
            ),
            theme::dim(),
        ),
    ]);
    Paragraph::new(header).render(Rect { height: 1, ..area }, buf);
    let list = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
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
            let text = format!("{:>9}  {:<19} {more}{said}", duration(e.time_us), name(e));
            let style = if Some(*i) == selected {
                theme::selected()
            } else if *i + 1 == cursor {
                Style::default()
                    .fg(ratatui::style::Color::White)
                    .add_modifier(ratatui::style::Modifier::BOLD)
            } else {
                Style::default()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    Paragraph::new(lines).render(list, buf);
}

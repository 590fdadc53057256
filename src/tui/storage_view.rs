//! The storage view: per executor, its storage memory used against its capacity, its memory
//! blocks in LRU order (least recently used first: the first a put may evict, unless it is of
//! the same RDD or being read), its disk blocks, the last block it could not store and why, and
//! its latest eviction with what it made room for; above them, totals and the partitions
//! computed again.

use super::explain::{bytes, duration};
use super::state::UiState;
use super::storage_state::rdd_block;
use super::theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// A bar of `width` cells, `used` of `capacity` filled.
fn bar(used: u64, capacity: u64, width: usize) -> (String, String) {
    let filled = if capacity == 0 {
        0
    } else {
        ((used as f64 / capacity as f64) * width as f64).ceil() as usize
    }
    .min(width);
    ("█".repeat(filled), "░".repeat(width - filled))
}

/// The lines of the view.
pub fn lines(s: &UiState, width: u16, height: u16) -> Vec<Line<'static>> {
    let st = &s.storage;
    let mut out = Vec::new();
    let mem_blocks: usize = st.executors.values().map(|x| x.lru.len()).sum();
    let mem_bytes: u64 = st.executors.values().map(|x| x.memory_used()).sum();
    let capacity: u64 = s
        .executors
        .iter()
        .filter(|e| e.alive)
        .map(|e| e.storage_memory)
        .sum();
    let disk_blocks: usize = st.executors.values().map(|x| x.disk.len()).sum();
    let evicted: usize = st.executors.values().map(|x| x.evicted_total).sum();
    let recomputed: usize = st.recomputed.keys().map(|r| st.recomputations(*r)).sum();
    let bold = Style::default().add_modifier(Modifier::BOLD);
    out.push(Line::from(vec![
        Span::styled(" memory ", bold),
        Span::raw(format!(
            "{mem_blocks} blocks, {} of {}",
            bytes(mem_bytes),
            bytes(capacity)
        )),
        Span::styled(" · disk ", bold),
        Span::raw(format!("{disk_blocks}")),
        Span::styled(" · evicted ", bold),
        Span::raw(format!("{evicted}")),
        Span::styled(" · computed again ", bold),
        Span::raw(format!("{recomputed}")),
    ]));
    if !st.recomputed.is_empty() {
        let parts: Vec<String> = st
            .recomputed
            .iter()
            .map(|(rdd, m)| {
                let mut reasons: Vec<&str> = m.values().map(|r| r.last_reason.as_str()).collect();
                reasons.sort();
                reasons.dedup();
                format!(
                    "RDD {rdd} {}× ({})",
                    st.recomputations(*rdd),
                    reasons.join(", ").replace('_', " ")
                )
            })
            .collect();
        out.push(Line::from(Span::styled(
            format!(" computed again: {}", parts.join(" · ")),
            theme::dim(),
        )));
    }
    if s.executors.is_empty() {
        out.push(Line::from(Span::styled(" no executor yet", theme::dim())));
        return out;
    }
    let bar_w = (width as usize / 4).clamp(8, 24);
    // Rows the LRU list of each executor may take: one, and more when the screen has room.
    let fixed: usize = out.len()
        + s.executors
            .iter()
            .map(|e| {
                let x = st.executors.get(&e.name);
                3 + x.map_or(0, |x| {
                    usize::from(!x.disk.is_empty())
                        + usize::from(!x.not_stored.is_empty())
                        + usize::from(!x.evictions.is_empty())
                })
            })
            .sum::<usize>();
    let spare = (height as usize).saturating_sub(fixed);
    let lru_rows = (1 + spare / s.executors.len()).min(8);
    for e in &s.executors {
        out.push(Line::raw(""));
        let x = st.executors.get(&e.name).cloned().unwrap_or_default();
        let used = x.memory_used();
        let (full, empty) = bar(used, e.storage_memory, bar_w);
        let mut head = vec![
            Span::styled(
                format!(" {:<8}", e.name),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{:<8} ", e.host), theme::dim()),
            Span::raw("memory "),
            Span::styled(full, theme::storage()),
            Span::styled(empty, theme::dim()),
            Span::raw(format!(" {} of {}", bytes(used), bytes(e.storage_memory))),
        ];
        if !e.alive {
            head.push(Span::styled("  lost", theme::failure()));
        }
        out.push(Line::from(head));
        out.extend(lru_lines(&x.lru, width, lru_rows));
        if !x.disk.is_empty() {
            let d: u64 = x.disk.values().sum();
            let n = x.disk.len();
            let names: Vec<&str> = x.disk.keys().map(String::as_str).collect();
            let text = format!(
                "   on disk, {n} block{} ({}): {}",
                if n == 1 { "" } else { "s" },
                bytes(d),
                names.join(" · ")
            );
            out.push(Line::from(Span::styled(fit(&text, width), theme::dim())));
        }
        if let Some((b, size, why)) = x.not_stored.back() {
            let mut text = format!("   not stored: {b} ({}): {why}", bytes(*size));
            if x.not_stored_total > 1 {
                text.push_str(&format!(" · {} in all", x.not_stored_total));
            }
            out.push(Line::from(Span::styled(fit(&text, width), theme::dim())));
        }
        if let Some(ev) = x.evictions.back() {
            out.push(Line::from(vec![
                Span::styled("   last eviction: ", theme::dim()),
                Span::raw(format!(
                    "{} ({}{}) for {} at {}",
                    ev.block,
                    bytes(ev.bytes),
                    if ev.to_disk { ", to disk" } else { "" },
                    ev.for_block,
                    duration(ev.time_us)
                )),
                Span::styled(format!(" · {} in all", x.evicted_total), theme::dim()),
            ]));
        }
    }
    out
}

/// The blocks in memory, least recently used first (the first an eviction would take), on at
/// most `rows` lines of `width` columns; what does not fit is counted.
fn lru_lines(lru: &[(String, u64)], width: u16, rows: usize) -> Vec<Line<'static>> {
    const HEAD: &str = "   least recently used first: ";
    let indent = HEAD.chars().count();
    let width = width as usize;
    let sizes = width >= 120;
    let mut lines = Vec::new();
    let mut line = vec![Span::styled(HEAD, theme::dim())];
    if lru.is_empty() {
        line.push(Span::styled("(empty)", theme::dim()));
    }
    let mut used_w = indent;
    for (i, (b, size)) in lru.iter().enumerate() {
        let text = if sizes {
            format!("{b} {}", bytes(*size))
        } else {
            b.clone()
        };
        let first_on_line = used_w == indent;
        let sep = if first_on_line { "" } else { " · " };
        let left = lru.len() - i;
        // The last line keeps room for "… N more".
        let reserve = if lines.len() + 1 == rows && left > 1 {
            12
        } else {
            0
        };
        if !first_on_line && used_w + sep.len() + text.chars().count() + reserve > width {
            if lines.len() + 1 == rows {
                line.push(Span::styled(format!(" … {left} more"), theme::dim()));
                break;
            }
            lines.push(Line::from(std::mem::take(&mut line)));
            line.push(Span::raw(" ".repeat(indent)));
            used_w = indent;
        }
        let sep = if used_w == indent { "" } else { " · " };
        used_w += sep.len() + text.chars().count();
        line.push(Span::raw(sep.to_string()));
        let style = if i == 0 {
            theme::running()
        } else {
            stage_like(b)
        };
        line.push(Span::styled(text, style));
    }
    lines.push(Line::from(line));
    lines
}

/// `text` cut to `width` columns with `…`.
fn fit(text: &str, width: u16) -> String {
    let w = width as usize;
    if text.chars().count() <= w {
        text.to_string()
    } else {
        text.chars().take(w.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// Blocks of the same RDD share a colour.
fn stage_like(block: &str) -> Style {
    match rdd_block(block) {
        Some((rdd, _)) => theme::stage(rdd),
        None => Style::default(),
    }
}

/// Draws the view scrolled down by `scroll` rows; returns how many rows it has.
pub fn render(s: &UiState, scroll: usize, area: Rect, buf: &mut Buffer) -> usize {
    let all = lines(s, area.width, area.height);
    let n = all.len();
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    Paragraph::new(shown).render(area, buf);
    n
}

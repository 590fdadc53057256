//! The storage view: per executor, its storage memory used against its capacity, its memory
//! blocks in LRU order (least recently used first: the first a put may evict, unless it is of
//! the same RDD or being read), its disk blocks, the last block it could not store and why, and
//! its latest eviction with what it made room for; above them, totals and the partitions
//! computed again.

use super::explain::{bytes, duration};
use super::state::Log;
use super::state::UiState;
use super::storage_state::rdd_block;
use super::text::{fit_parts, fit_spans, glue, wrap, Part};
use super::theme;
use crate::events::EventKind;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use std::collections::BTreeMap;

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

/// Execution memory by executor, at the cursor: (tasks running that read a shuffle and
/// whose `TaskEnd` the log holds, the shuffle bytes they read, running tasks whose end is not
/// in the log yet). The events do not say a task's reservation: a task that reads a shuffle
/// asks, at its launch, for as many bytes as it reads (and holds what it is granted until
/// it ends), so its shuffle read stands for it; the log gives it at the task's end.
pub fn execution_now(log: &Log, cursor: usize) -> BTreeMap<String, (usize, u64, usize)> {
    let mut out: BTreeMap<String, (usize, u64, usize)> = BTreeMap::new();
    for t in log.tasks.iter().take_while(|t| t.start_idx < cursor) {
        match t.end {
            Some((i, _, _)) if i < cursor => {}
            Some((i, _, _)) => {
                if let Some(EventKind::TaskEnd { metrics, .. }) = log.events.get(i).map(|e| &e.kind)
                {
                    let b = metrics.shuffle_local_bytes + metrics.shuffle_remote_bytes;
                    if b > 0 {
                        let x = out.entry(t.executor.clone()).or_default();
                        x.0 += 1;
                        x.1 += b;
                    }
                }
            }
            None => out.entry(t.executor.clone()).or_default().2 += 1,
        }
    }
    out
}

/// The lines of the view; `execution` is [`execution_now`]'s.
pub fn lines(
    s: &UiState,
    execution: &BTreeMap<String, (usize, u64, usize)>,
    width: u16,
    height: u16,
) -> Vec<Line<'static>> {
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
    let part = |name: &str, value: String, priority: u8| Part {
        spans: vec![Span::styled(name.to_string(), bold), Span::raw(value)],
        priority,
    };
    let (totals, _) = fit_parts(
        vec![
            part(
                " memory ",
                format!(
                    "{mem_blocks} blocks, {} of {}",
                    bytes(mem_bytes),
                    bytes(capacity)
                ),
                9,
            ),
            part("disk ", format!("{disk_blocks}"), 6),
            part("evicted ", format!("{evicted}"), 8),
            part("computed again ", format!("{recomputed}"), 7),
        ],
        Span::raw(" · "),
        width as usize,
    );
    out.push(totals);
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
        return fitted(out, width);
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
                        + 2 * usize::from(!x.not_stored.is_empty())
                        + usize::from(x.for_execution > 0 || execution.contains_key(&e.name))
                        + usize::from(!x.evictions.is_empty())
                })
            })
            .sum::<usize>();
    let spare = (height as usize).saturating_sub(fixed);
    let lru_rows = (1 + spare / s.executors.len()).min(8);
    for e in s.executors.iter() {
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
        if let Some(n) = x.not_stored.back() {
            // What memory held when the put was refused, and the unroll memory it needed.
            let mut text = format!(
                "   {} ({}): {} of {} used, yet not stored: {}",
                n.block,
                glue(&bytes(n.bytes)),
                glue(&bytes(n.used)),
                glue(&bytes(e.storage_memory)),
                n.reason
            );
            if let Some(u) = n.unroll_bytes {
                text.push_str(&format!(" (its unroll needed {})", glue(&bytes(u))));
            }
            if x.not_stored_total > 1 {
                text.push_str(&format!(" · {} not stored in all", x.not_stored_total));
            }
            for l in wrap(&text, width as usize, 3) {
                out.push(Line::from(Span::styled(l, theme::dim())));
            }
        }
        let (tasks, asked, unknown) = execution.get(&e.name).copied().unwrap_or_default();
        if tasks + unknown > 0 || x.for_execution > 0 {
            let mut text = format!(
                "   execution memory: {tasks} task{} reading a shuffle asked for {}",
                if tasks == 1 { "" } else { "s" },
                glue(&bytes(asked))
            );
            if unknown > 0 {
                text.push_str(&format!(
                    "; {unknown} running task{} not ended in the log yet",
                    if unknown == 1 { "" } else { "s" }
                ));
            }
            if x.for_execution > 0 {
                text.push_str(&format!(
                    "; it evicted {} block{} to get room",
                    x.for_execution,
                    if x.for_execution == 1 { "" } else { "s" }
                ));
            }
            for l in wrap(&text, width as usize, 2) {
                out.push(Line::from(Span::styled(l, theme::dim())));
            }
        }
        if let Some(ev) = x.evictions.back() {
            out.push(Line::from(vec![
                Span::styled("   last eviction: ", theme::dim()),
                Span::raw(format!(
                    "{} ({}{}){} at {}",
                    ev.block,
                    bytes(ev.bytes),
                    if ev.to_disk { ", to disk" } else { "" },
                    // An imported Spark log does not say what a block made room for.
                    if ev.for_block.is_empty() {
                        String::new()
                    } else {
                        format!(" for {}", ev.for_block)
                    },
                    duration(ev.time_us)
                )),
                Span::styled(format!(" · {} in all", x.evicted_total), theme::dim()),
            ]));
        }
    }
    fitted(out, width)
}

/// Every line fitted to `width` ([`fit_spans`]).
fn fitted(lines: Vec<Line<'static>>, width: u16) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|l| fit_spans(l.spans, width as usize))
        .collect()
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

fn fit(text: &str, width: u16) -> String {
    super::text::fit(text, width as usize)
}

/// Blocks of the same RDD share a colour.
fn stage_like(block: &str) -> Style {
    match rdd_block(block) {
        Some((rdd, _)) => theme::stage(rdd),
        None => Style::default(),
    }
}

/// Draws the view scrolled down by `scroll` rows; returns how many rows it has.
pub fn render(
    s: &UiState,
    execution: &BTreeMap<String, (usize, u64, usize)>,
    scroll: usize,
    area: Rect,
    buf: &mut Buffer,
) -> usize {
    let all = lines(s, execution, area.width, area.height);
    let n = all.len();
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    Paragraph::new(shown).render(area, buf);
    n
}

/// The storage view.
#[derive(Debug, Default)]
pub struct StorageTab {
    scroll: usize,
    /// The block chosen with `n N` (for a what-if): its executor and name.
    chosen: Option<(String, String)>,
    /// Execution memory at the cursor ([`execution_now`]), updated before drawing.
    execution: BTreeMap<String, (usize, u64, usize)>,
    /// Rows it has, and rows shown, when last drawn.
    rows: (usize, usize),
}

use super::view::{bind, Action, Ctx, KeyBinding, Reply, View};
use ratatui::crossterm::event::KeyCode;

const STORAGE_KEYS: &[KeyBinding] = &[
    bind(
        &[
            (KeyCode::Up, Action::Up),
            (KeyCode::Down, Action::Down),
            (KeyCode::PageUp, Action::PageUp),
            (KeyCode::PageDown, Action::PageDown),
        ],
        "↑ ↓ PgUp PgDn",
        "scroll the executors",
        Some("scroll"),
    ),
    bind(
        &[
            (KeyCode::Char('n'), Action::NextItem),
            (KeyCode::Char('N'), Action::PreviousItem),
        ],
        "n N",
        "choose a cached block: next, previous",
        Some("block"),
    ),
    bind(
        &[(KeyCode::Char('x'), Action::WhatIf)],
        "x",
        "what if the chosen block were lost now: run again from here",
        None,
    ),
];

/// Every cached block, executor by executor: (executor, block).
fn blocks(s: &UiState) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (e, x) in &s.storage.executors {
        for b in x.lru.iter().map(|(b, _)| b).chain(x.disk.keys()) {
            if !out
                .iter()
                .any(|(oe, ob): &(String, String)| oe == e && ob == b)
            {
                out.push((e.clone(), b.clone()));
            }
        }
    }
    out
}

const STORAGE_WORDS: &[(&str, &str)] = &[
    ("█░", "storage memory used, free"),
    ("rdd_2_5", "partition 5 of RDD 2"),
    ("first", "next to evict (LRU)"),
    ("unroll", "memory to build a block"),
];

impl View for StorageTab {
    fn name(&self) -> &'static str {
        "Storage"
    }

    fn keys(&self) -> &'static [KeyBinding] {
        STORAGE_KEYS
    }

    fn words(&self) -> &'static [(&'static str, &'static str)] {
        STORAGE_WORDS
    }

    fn update(&mut self, ctx: &Ctx, area: Rect) {
        self.execution = execution_now(ctx.log, ctx.state.applied);
        let n = lines(ctx.state, &self.execution, area.width, area.height).len();
        self.rows = (n, area.height as usize);
        self.scroll = self.scroll.min(n.saturating_sub(area.height as usize));
    }

    fn handle(&mut self, action: Action, ctx: &Ctx) -> Reply {
        if matches!(action, Action::NextItem | Action::PreviousItem) {
            let all = blocks(ctx.state);
            if all.is_empty() {
                return Reply::say("no block is cached now");
            }
            let at = self
                .chosen
                .as_ref()
                .and_then(|c| all.iter().position(|b| b == c));
            let next = match (at, action) {
                (None, Action::NextItem) => 0,
                (None, _) => all.len() - 1,
                (Some(i), Action::NextItem) => (i + 1) % all.len(),
                (Some(i), _) => (i + all.len() - 1) % all.len(),
            };
            let (e, b) = all[next].clone();
            self.chosen = Some((e.clone(), b.clone()));
            return Reply::say(format!(
                "{b} on {e} chosen ({} of {}): x asks what if it were lost now",
                next + 1,
                all.len()
            ));
        }
        if action == Action::WhatIf {
            let Some((e, b)) = self.chosen.clone() else {
                return Reply::say("choose a cached block first (n N)");
            };
            if !blocks(ctx.state).contains(&(e.clone(), b.clone())) {
                return Reply::say(format!("{b} is no longer on {e}: choose another (n N)"));
            }
            return Reply::effect(super::view::Effect::WhatIf(
                crate::scenario::whatif::WhatIfFault {
                    kind: "lose_block",
                    target: b,
                    executor: Some(e),
                },
            ));
        }
        let step: isize = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -10,
            Action::PageDown => 10,
            _ => return Reply::default(),
        };
        let max = self.rows.0.saturating_sub(self.rows.1);
        let next = (self.scroll as isize + step).clamp(0, max as isize) as usize;
        if next == self.scroll {
            return Reply::say(if max == 0 {
                "every executor is in sight: nothing to scroll"
            } else if step < 0 {
                "at the top"
            } else {
                "at the bottom"
            });
        }
        self.scroll = next;
        Reply::done()
    }

    fn draw(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let area = match &self.chosen {
            Some((e, b)) if area.height > 2 => {
                let line = Line::from(vec![
                    Span::styled(format!(" chosen: {b} on {e}"), theme::selected()),
                    Span::styled(" · x: what if it were lost now", theme::dim()),
                ]);
                Paragraph::new(line).render(Rect { height: 1, ..area }, buf);
                Rect {
                    y: area.y + 1,
                    height: area.height - 1,
                    ..area
                }
            }
            _ => area,
        };
        render(ctx.state, &self.execution, self.scroll, area, buf);
    }

    fn fingerprint(&self) -> String {
        format!("{} {:?}", self.scroll, self.chosen)
    }
}

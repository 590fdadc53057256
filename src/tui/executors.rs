//! The executors view (Spark's executors page): per executor, its cores, the tasks it runs,
//! ran and failed, the time they took, the storage memory and disk its blocks use, and the
//! input and shuffle bytes its tasks read and wrote; a line of totals; and the selected
//! executor in words.
//!
//! The tasks' figures are tallied from the log's task spans ([`Log::tasks`]) when the view is
//! shown and the event shown changes, not folded on every event: a name lookup per task event
//! would slow every seek of every view (by 40% on the seek benchmark); the blocks' figures are
//! the storage fold's.

use super::state::{Log, UiState};
use super::text::{fit, glue, wrap};
use super::theme;
use super::view::{bind, Action, Ctx, KeyBinding, Reply, View, SCROLL_SIDEWAYS};
use crate::events::{EventKind, TaskEndReason};
use crate::human::{bytes, duration};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use std::collections::BTreeMap;

fn short_bytes(b: u64) -> String {
    super::text::short_bytes(b as f64)
}

fn short_time(us: u64) -> String {
    super::text::short_time(us as f64)
}

/// What an executor's tasks did up to the event shown (Spark's executors page), tallied from
/// the log's task spans and their `TaskEnd`s' durations and metrics. What its block manager
/// holds is the storage fold's ([`super::storage_state::StorageState`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecutorSummary {
    pub tasks_started: usize,
    pub tasks_succeeded: usize,
    /// Task attempts that ended in failure (a kill included; `resubmitted` is not one).
    pub tasks_failed: usize,
    /// Task attempts that ended, however.
    pub tasks_ended: usize,
    /// The time its tasks took, added up.
    pub task_time_us: u64,
    pub input_bytes: u64,
    /// Shuffle bytes its tasks read (from this host and fetched).
    pub shuffle_read_bytes: u64,
    pub shuffle_write_bytes: u64,
}

impl ExecutorSummary {
    /// Tasks running now.
    pub fn tasks_running(&self) -> usize {
        self.tasks_started.saturating_sub(self.tasks_ended)
    }
}

/// Each executor's tally after the first `applied` events of `log`, by executor name.
pub fn tally(log: &Log, applied: usize) -> BTreeMap<String, ExecutorSummary> {
    let mut out: BTreeMap<String, ExecutorSummary> = BTreeMap::new();
    for t in log.tasks.iter().take_while(|t| t.start_idx < applied) {
        if !out.contains_key(&t.executor) {
            out.insert(t.executor.clone(), ExecutorSummary::default());
        }
        let Some(x) = out.get_mut(&t.executor) else {
            continue;
        };
        x.tasks_started += 1;
        let Some((end, _, reason)) = t.end.filter(|(end, _, _)| *end < applied) else {
            continue;
        };
        x.tasks_ended += 1;
        match reason {
            TaskEndReason::Success => x.tasks_succeeded += 1,
            TaskEndReason::Resubmitted => {}
            _ => x.tasks_failed += 1,
        }
        if let Some(EventKind::TaskEnd {
            duration_us,
            metrics,
            ..
        }) = log.events.get(end).map(|e| &e.kind)
        {
            x.task_time_us += duration_us;
            x.input_bytes += metrics.input_bytes;
            x.shuffle_read_bytes += metrics.shuffle_local_bytes + metrics.shuffle_remote_bytes;
            x.shuffle_write_bytes += metrics.shuffle_bytes_written;
        }
    }
    out
}

/// The table's heading.
const HEAD: &str = "executor cores  run  done  fail    time    memory   disk  input  sh.rd  sh.wr";

/// One row of the table.
fn row(name: &str, cores: String, x: &ExecutorSummary, memory: String, disk: u64) -> String {
    format!(
        "{:<8} {:>5} {:>4} {:>5} {:>5} {:>7} {:>9} {:>6} {:>6} {:>6} {:>6}",
        fit(name, 9),
        cores,
        x.tasks_running(),
        x.tasks_succeeded,
        x.tasks_failed,
        short_time(x.task_time_us),
        memory,
        short_bytes(disk),
        short_bytes(x.input_bytes),
        short_bytes(x.shuffle_read_bytes),
        short_bytes(x.shuffle_write_bytes),
    )
}

/// The bytes of blocks executor `name` holds in memory and on disk (the storage fold's).
fn stored(s: &UiState, name: &str) -> (u64, u64) {
    s.storage
        .executors
        .get(name)
        .map_or((0, 0), |x| (x.memory_used(), x.disk_used()))
}

/// The lines of the view: the table (its rows `shift` columns to the left), then the selected
/// executor in words.
pub fn lines(
    s: &UiState,
    tally: &BTreeMap<String, ExecutorSummary>,
    selected: usize,
    shift: usize,
    width: usize,
) -> Vec<Line<'static>> {
    let cut = |t: &str| -> String {
        let shown: String = t.chars().skip(shift).collect();
        let shown = if shift > 0 && !shown.is_empty() {
            format!("…{}", shown.chars().skip(1).collect::<String>())
        } else {
            shown
        };
        fit(&format!(" {shown}"), width)
    };
    let mut out = vec![Line::from(Span::styled(cut(HEAD), theme::bold()))];
    if s.executors.is_empty() {
        out.push(Line::from(Span::styled(" no executor yet", theme::dim())));
        return out;
    }
    let none = ExecutorSummary::default();
    let mut total = ExecutorSummary::default();
    let (mut cores, mut capacity, mut used, mut disk) = (0u32, 0u64, 0u64, 0u64);
    for (i, e) in s.executors.iter().enumerate() {
        let x = tally.get(&e.name).unwrap_or(&none);
        let (in_memory, on_disk) = stored(s, &e.name);
        let memory = format!(
            "{}/{}",
            short_bytes(in_memory),
            short_bytes(e.storage_memory)
        );
        // A lost executor says so where its cores were.
        let shown_cores = if e.alive {
            e.cores.to_string()
        } else {
            "lost".into()
        };
        let text = row(&e.name, shown_cores, x, memory, on_disk);
        let mut style = if !e.alive {
            theme::dim().add_modifier(Modifier::CROSSED_OUT)
        } else if x.tasks_running() > 0 {
            theme::running()
        } else {
            Style::default()
        };
        if i == selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        out.push(Line::from(Span::styled(cut(&text), style)));
        total.tasks_started += x.tasks_started;
        total.tasks_ended += x.tasks_ended;
        total.tasks_succeeded += x.tasks_succeeded;
        total.tasks_failed += x.tasks_failed;
        total.task_time_us += x.task_time_us;
        total.input_bytes += x.input_bytes;
        total.shuffle_read_bytes += x.shuffle_read_bytes;
        total.shuffle_write_bytes += x.shuffle_write_bytes;
        if e.alive {
            cores += e.cores;
            capacity += e.storage_memory;
        }
        used += in_memory;
        disk += on_disk;
    }
    let totals = format!(
        "{:<8} {:>5} {:>4} {:>5} {:>5} {:>7} {:>9} {:>6} {:>6} {:>6} {:>6}",
        "all",
        cores,
        total.tasks_running(),
        total.tasks_succeeded,
        total.tasks_failed,
        short_time(total.task_time_us),
        format!("{}/{}", short_bytes(used), short_bytes(capacity)),
        short_bytes(disk),
        short_bytes(total.input_bytes),
        short_bytes(total.shuffle_read_bytes),
        short_bytes(total.shuffle_write_bytes),
    );
    out.push(Line::from(Span::styled(cut(&totals), theme::bold())));
    out.push(Line::raw(""));
    // The selected executor, in words.
    if let Some(e) = s.executors.get(selected) {
        let x = tally.get(&e.name).unwrap_or(&none);
        let (in_memory, on_disk) = stored(s, &e.name);
        let mut text = format!(
            "{} on {}{}: {} cores, {} of storage memory{}. {} task{} done, {} failed, {} running, {} in tasks; its blocks: {} in memory, {} on disk; its tasks read {} of input and {} of shuffle, and wrote {} of shuffle.",
            e.name,
            e.host,
            // An imported Spark log knows no racks.
            if e.rack.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.rack)
            },
            e.cores,
            glue(&bytes(e.storage_memory)),
            if e.alive { "" } else { " (lost)" },
            x.tasks_succeeded,
            if x.tasks_succeeded == 1 { "" } else { "s" },
            x.tasks_failed,
            x.tasks_running(),
            glue(&duration(x.task_time_us)),
            glue(&bytes(in_memory)),
            glue(&bytes(on_disk)),
            glue(&bytes(x.input_bytes)),
            glue(&bytes(x.shuffle_read_bytes)),
            glue(&bytes(x.shuffle_write_bytes)),
        );
        if x.tasks_ended > 0 {
            text.push_str(&format!(
                " A task took {} on average.",
                glue(&duration(x.task_time_us / x.tasks_ended as u64))
            ));
        }
        for l in wrap(&text, width.saturating_sub(1), 4) {
            out.push(Line::from(format!(" {l}")));
        }
    }
    out.push(Line::raw(""));
    let key = "run: tasks running · done, fail: tasks that succeeded, failed · time: time in tasks · memory: storage memory its blocks use, of its capacity · sh.rd, sh.wr: shuffle bytes read, written";
    for l in wrap(key, width.saturating_sub(1), 3) {
        out.push(Line::from(Span::styled(format!(" {l}"), theme::dim())));
    }
    out
}

/// The executors view.
#[derive(Debug, Default)]
pub struct ExecutorsTab {
    /// The executor selected, by its place in the list.
    selected: usize,
    /// Columns the table is scrolled by.
    shift: usize,
    /// The tally, and the (events applied, tasks in the log) it was made at.
    tally: (Option<(usize, usize)>, BTreeMap<String, ExecutorSummary>),
}

const EXECUTORS_KEYS: &[KeyBinding] = &[
    bind(
        &[(KeyCode::Up, Action::Up), (KeyCode::Down, Action::Down)],
        "↑ ↓",
        "select an executor",
        Some("select"),
    ),
    bind(
        &[(KeyCode::Char('x'), Action::WhatIf)],
        "x",
        "what if it were killed now: run again from here",
        Some("kill"),
    ),
    SCROLL_SIDEWAYS,
];

const EXECUTORS_WORDS: &[(&str, &str)] = &[
    ("run", "tasks running"),
    ("done fail", "tasks succeeded, failed"),
    ("memory", "blocks / storage memory"),
    ("sh.rd", "shuffle bytes read"),
    ("sh.wr", "shuffle bytes written"),
    ("K M G", "KiB, MiB, GiB"),
];

impl View for ExecutorsTab {
    fn name(&self) -> &'static str {
        "Executors"
    }

    fn keys(&self) -> &'static [KeyBinding] {
        EXECUTORS_KEYS
    }

    fn words(&self) -> &'static [(&'static str, &'static str)] {
        EXECUTORS_WORDS
    }

    fn handle(&mut self, action: Action, ctx: &Ctx) -> Reply {
        let n = ctx.state.executors.len();
        match action {
            Action::Up | Action::Down => {
                if n == 0 {
                    return Reply::say("no executor yet");
                }
                let next = if action == Action::Up {
                    self.selected.checked_sub(1)
                } else {
                    Some(self.selected + 1).filter(|i| *i < n)
                };
                match next {
                    Some(i) => {
                        self.selected = i;
                        Reply::say(format!("{} selected", ctx.state.executors[i].name))
                    }
                    None => Reply::say(if action == Action::Up {
                        "the first executor is selected"
                    } else {
                        "the last executor is selected"
                    }),
                }
            }
            Action::WhatIf => {
                let Some(e) = ctx
                    .state
                    .executors
                    .get(self.selected.min(n.saturating_sub(1)))
                else {
                    return Reply::say("no executor yet");
                };
                if !e.alive {
                    return Reply::say(format!("{} is lost already", e.name));
                }
                Reply::effect(super::view::Effect::WhatIf(
                    crate::scenario::whatif::WhatIfFault {
                        kind: "kill_executor",
                        target: e.name.clone(),
                        executor: None,
                    },
                ))
            }
            Action::Left => {
                if self.shift == 0 {
                    return Reply::say("the table is at its left edge");
                }
                self.shift = self.shift.saturating_sub(8);
                Reply::done()
            }
            Action::Right => {
                let widest = HEAD.chars().count() + 2;
                if self.shift + 8 >= widest {
                    return Reply::say("the table is at its right edge");
                }
                self.shift += 8;
                Reply::done()
            }
            _ => Reply::default(),
        }
    }

    fn update(&mut self, ctx: &Ctx, _area: Rect) {
        let at = Some((ctx.state.applied, ctx.log.tasks.len()));
        if self.tally.0 != at {
            self.tally = (at, tally(ctx.log, ctx.state.applied));
        }
    }

    fn draw(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let selected = self
            .selected
            .min(ctx.state.executors.len().saturating_sub(1));
        let width = area.width as usize;
        Paragraph::new(lines(ctx.state, &self.tally.1, selected, self.shift, width))
            .render(area, buf);
    }

    fn fingerprint(&self) -> String {
        format!("{:?}", (self.selected, self.shift))
    }
}

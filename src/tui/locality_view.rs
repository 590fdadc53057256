//! The locality view: delay scheduling of one task set at the event shown.
//!
//! For the stage attempt selected (by default the latest submitted that still has tasks to
//! place): the level it may launch at and since when, the time waited against that level's
//! wait and when the next level comes, its levels with their waits, the places its pending
//! tasks want, each task's preferred places and why (a cached copy, DFS replicas, 20% of its
//! shuffle input, or no preference, which the log writes as `PROCESS_LOCAL`), and its recent
//! offers: launched at a level, or declined and why. It reads [`TaskSetLocality`]; it decides
//! nothing.

use super::locality::{
    place, submitted, why_words, OfferOutcome, TaskSetLocality, TaskState, Waits,
};
use super::text::{fit, glue, wrap};
use super::theme;
use super::view::{bind, Action, Ctx, KeyBinding, Reply, View};
use crate::events::Locality;
use crate::human::duration;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// What the view's model was made for: (events applied, the task set chosen).
type ModelKey = (usize, Option<(usize, usize)>);

/// The locality view.
#[derive(Debug, Default)]
pub struct LocalityTab {
    /// The stage attempt chosen with ↑↓; `None` follows the latest.
    chosen: Option<(usize, usize)>,
    /// Rows the task list is scrolled by.
    scroll: usize,
    /// The run's waits, read once from the scenario.
    waits: Option<Waits>,
    /// What is drawn, and the (events applied, choice) it was made for.
    model: Option<(ModelKey, Option<TaskSetLocality>)>,
}

const LOCALITY_KEYS: &[KeyBinding] = &[
    bind(
        &[(KeyCode::Up, Action::Up), (KeyCode::Down, Action::Down)],
        "↑ ↓",
        "earlier, later task set",
        Some("task set"),
    ),
    bind(
        &[
            (KeyCode::PageUp, Action::PageUp),
            (KeyCode::PageDown, Action::PageDown),
        ],
        "PgUp PgDn",
        "scroll the tasks",
        None,
    ),
    bind(
        &[(KeyCode::Char('0'), Action::Latest)],
        "0",
        "follow the latest",
        None,
    ),
];

const LOCALITY_WORDS: &[(&str, &str)] = &[
    ("[LEVEL]", "the level allowed now"),
    ("×n", "n declines in a row"),
    ("offers X", "best level there"),
    ("wants Y", "level allowed then"),
    ("anywhere", "no preference"),
];

/// The task set a choice shows at `applied`: the chosen one, else the latest submitted that
/// still has tasks to place, else the latest submitted.
fn shown(ctx: &Ctx, chosen: Option<(usize, usize)>) -> Option<TaskSetLocality> {
    let at = |(s, a): (usize, usize)| TaskSetLocality::at(ctx.log, s, a, ctx.state.applied);
    if let Some(c) = chosen {
        return at(c);
    }
    let all = submitted(ctx.log, ctx.state.applied);
    all.iter()
        .rev()
        .filter_map(|c| at(*c))
        .find(|t| !t.ended && t.pending().next().is_some())
        .or_else(|| all.last().and_then(|c| at(*c)))
}

/// A level's name with its wait (`NODE_LOCAL 3 s`).
fn level_with_wait(l: Locality, waits: &Waits) -> String {
    match l {
        Locality::NoPref | Locality::Any => l.name().to_string(),
        _ => format!("{} {}", l.name(), duration(waits.at(l))),
    }
}

/// The lines of the view for `t` at `now_us`, `width` wide, the task list scrolled by
/// `scroll` and cut to leave room for the offers in `height` rows.
pub fn lines(
    t: &TaskSetLocality,
    waits: &Waits,
    now_us: u64,
    scroll: usize,
    width: usize,
    height: usize,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let put = |out: &mut Vec<Line<'static>>, text: String, style: Style| {
        out.push(Line::from(Span::styled(
            fit(&format!(" {text}"), width),
            style,
        )));
    };
    let stage = super::explain::stage_attempt(t.stage, t.attempt);
    put(
        &mut out,
        format!(
            "{stage} of job {} · submitted at {} · {} task{}{}",
            t.job,
            duration(t.submitted_us),
            t.tasks.len(),
            if t.tasks.len() == 1 { "" } else { "s" },
            if t.ended { " · ended" } else { "" }
        ),
        theme::bold(),
    );
    // The allowed level and its wait.
    let (level, since) = t.allowed(waits);
    let wait = waits.at(level);
    let waited = now_us.saturating_sub(since);
    let status = if t.ended || t.pending().next().is_none() {
        format!("allowed {} (no task left to place)", level.name())
    } else if wait == 0 {
        format!("allowed {} since {}", level.name(), duration(since))
    } else if waited >= wait {
        format!(
            "allowed {} since {}: its {} wait has run out, and the next offer moves on \
             (offers come as tasks end, and every {} to every executor)",
            level.name(),
            glue(&duration(since)),
            glue(&duration(wait)),
            glue(&duration(waits.revive_us))
        )
    } else {
        format!(
            "allowed {} since {}: waited {} of {}, the next level in {}",
            level.name(),
            glue(&duration(since)),
            glue(&duration(waited)),
            glue(&duration(wait)),
            glue(&duration(wait - waited))
        )
    };
    let status = if waits.legacy_reset && wait > 0 && !t.ended {
        format!("{status} (legacy reset: each launch here restarts the wait)")
    } else {
        status
    };
    for l in wrap(&status, width.saturating_sub(1), 3) {
        put(&mut out, l, Style::default());
    }
    if wait > 0 && waited < wait && !t.ended {
        let room = width.saturating_sub(12).min(40);
        let filled = (room as u64 * waited / wait.max(1)) as usize;
        put(
            &mut out,
            format!(
                "wait     {}{}",
                "█".repeat(filled),
                "░".repeat(room.saturating_sub(filled))
            ),
            theme::running(),
        );
    }
    let levels: Vec<String> = t
        .levels(waits)
        .into_iter()
        .map(|l| {
            if l == level {
                format!("[{}]", level_with_wait(l, waits))
            } else {
                level_with_wait(l, waits)
            }
        })
        .collect();
    for l in wrap(
        &format!("levels   {}", levels.join(" · ")),
        width.saturating_sub(1),
        2,
    ) {
        put(&mut out, l, Style::default());
    }
    if !waits.known {
        put(
            &mut out,
            "(waits: Spark's defaults; the log does not carry its scenario)".into(),
            theme::dim(),
        );
    }
    // What the pending tasks want.
    let pending = t.pending().count();
    let none = t.pending().filter(|(_, p, _)| p.is_none()).count();
    let mut wanted: Vec<String> = t
        .wanted()
        .into_iter()
        .take(6)
        .map(|(p, n)| format!("{p} ({n})"))
        .collect();
    if none > 0 {
        wanted.push(format!("no preference ({none})"));
    }
    let text = if wanted.is_empty() {
        format!(
            "pending  {pending} task{}",
            if pending == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "pending  {pending} task{}, preferring: {}",
            if pending == 1 { "" } else { "s" },
            wanted.join(" · ")
        )
    };
    for l in wrap(&text, width.saturating_sub(1), 2) {
        put(&mut out, l, Style::default());
    }
    if let Some(w) = t.waiting(waits, now_us) {
        for l in wrap(&w, width.saturating_sub(1), 2) {
            put(&mut out, l, theme::dim());
        }
    }
    // The offers take the last rows; the tasks what is left.
    let offer_rows = t.offers.len().clamp(1, (height / 3).clamp(2, 8));
    // Below: the two headings, the offers, and the line saying which tasks are shown.
    let task_rows = height.saturating_sub(out.len() + 3 + offer_rows).max(1);
    put(
        &mut out,
        "tasks, pending first: where each would rather run (why), where it runs".into(),
        theme::bold(),
    );
    let first = scroll.min(t.tasks.len().saturating_sub(task_rows));
    // Pending tasks first, then running, then done: what delay scheduling still decides.
    let mut order: Vec<_> = t.tasks.iter().collect();
    order.sort_by_key(|(p, _, st)| {
        let rank = match st {
            TaskState::Pending => 0,
            TaskState::Running { .. } => 1,
            TaskState::Done { .. } => 2,
        };
        (rank, *p)
    });
    for (p, pref, st) in order.into_iter().skip(first).take(task_rows) {
        let (places, why) = match pref {
            Some((why, rdd, locations)) => (
                locations
                    .iter()
                    .map(|l| place(l))
                    .collect::<Vec<_>>()
                    .join(" "),
                why_words(*why, *rdd),
            ),
            None => ("anywhere".into(), "no preference".into()),
        };
        let (whereat, style) = match st {
            TaskState::Pending => ("pending".to_string(), theme::running()),
            TaskState::Running { executor, level } => (
                format!("runs: {executor} {}", level.name()),
                Style::default(),
            ),
            TaskState::Done { executor, level } => {
                (format!("ran: {executor} {}", level.name()), theme::dim())
            }
        };
        put(
            &mut out,
            format!(" p{p:<3} {places} ({why}) {whereat}"),
            style,
        );
    }
    if t.tasks.len() > task_rows {
        put(
            &mut out,
            format!(
                " tasks {}–{} of {} (PgUp PgDn)",
                first + 1,
                (first + task_rows).min(t.tasks.len()),
                t.tasks.len()
            ),
            theme::dim(),
        );
    }
    put(
        &mut out,
        "recent offers (a run of declines is written when it ends)".into(),
        theme::bold(),
    );
    let recent: Vec<_> = t.offers.iter().rev().take(offer_rows).collect();
    if recent.is_empty() {
        put(&mut out, " none yet".into(), theme::dim());
    }
    for o in recent.into_iter().rev() {
        let text = match &o.outcome {
            OfferOutcome::Launched { partition, level } => format!(
                " {:>8} {} took p{partition} at {}",
                duration(o.time_us),
                o.executor,
                level.name()
            ),
            OfferOutcome::Declined {
                count,
                since_us,
                allowed,
                best,
            } => format!(
                " {:>8} {} declined ×{count} from {}: offers {}, wants {}",
                duration(o.time_us),
                o.executor,
                duration(*since_us),
                best.name(),
                allowed.name()
            ),
        };
        let style = match o.outcome {
            OfferOutcome::Declined { .. } => theme::failure(),
            OfferOutcome::Launched { .. } => Style::default(),
        };
        put(&mut out, text, style);
    }
    out
}

impl View for LocalityTab {
    fn name(&self) -> &'static str {
        "Locality"
    }

    fn keys(&self) -> &'static [KeyBinding] {
        LOCALITY_KEYS
    }

    fn words(&self) -> &'static [(&'static str, &'static str)] {
        LOCALITY_WORDS
    }

    fn handle(&mut self, action: Action, ctx: &Ctx) -> Reply {
        match action {
            Action::Up | Action::Down => {
                let all = submitted(ctx.log, ctx.state.applied);
                if all.is_empty() {
                    return Reply::say("no stage submitted yet");
                }
                let here = (self.model.as_ref().and_then(|(_, m)| m.as_ref()))
                    .and_then(|t| all.iter().position(|x| *x == (t.stage, t.attempt)))
                    .unwrap_or(all.len() - 1);
                let next = if action == Action::Up {
                    here.checked_sub(1)
                } else {
                    Some(here + 1).filter(|i| *i < all.len())
                };
                match next {
                    Some(i) => {
                        self.chosen = Some(all[i]);
                        self.scroll = 0;
                        let (s, a) = all[i];
                        Reply::say(format!("{} shown", super::explain::stage_attempt(s, a)))
                    }
                    None => Reply::say(if action == Action::Up {
                        "the first task set is shown"
                    } else {
                        "the last task set submitted so far is shown"
                    }),
                }
            }
            Action::PageUp => {
                if self.scroll == 0 {
                    return Reply::say("the task list is at its top");
                }
                self.scroll = self.scroll.saturating_sub(8);
                Reply::done()
            }
            Action::PageDown => {
                let tasks = self
                    .model
                    .as_ref()
                    .and_then(|(_, m)| m.as_ref())
                    .map_or(0, |t| t.tasks.len());
                if self.scroll + 8 >= tasks {
                    return Reply::say("the task list is at its end");
                }
                self.scroll += 8;
                Reply::done()
            }
            Action::Latest => {
                if self.chosen.is_none() {
                    return Reply::say("already following the latest task set");
                }
                self.chosen = None;
                self.scroll = 0;
                Reply::say("following the latest task set")
            }
            _ => Reply::default(),
        }
    }

    fn update(&mut self, ctx: &Ctx, _area: Rect) {
        if self.waits.is_none() && ctx.state.applied > 0 {
            self.waits = Some(Waits::of(ctx.state.scenario.as_deref(), ctx.engines.shown));
        }
        let key = (ctx.state.applied, self.chosen);
        if self.model.as_ref().map(|(k, _)| *k) != Some(key) {
            let model = shown(ctx, self.chosen);
            self.model = Some((key, model));
        }
    }

    fn draw(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let width = area.width as usize;
        let waits = self.waits.unwrap_or_else(|| Waits::of(None, None));
        let text = match self.model.as_ref().and_then(|(_, m)| m.as_ref()) {
            Some(t) => lines(
                t,
                &waits,
                ctx.now_us,
                self.scroll,
                width,
                area.height as usize,
            ),
            None => vec![Line::from(Span::styled(
                fit(
                    " no stage submitted yet: delay scheduling starts with a task set",
                    width,
                ),
                theme::dim(),
            ))],
        };
        Paragraph::new(text).render(area, buf);
    }

    fn fingerprint(&self) -> String {
        format!("{:?}", (self.chosen, self.scroll))
    }
}

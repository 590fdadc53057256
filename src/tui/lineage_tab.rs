//! The lineage view as a tab of the UI: its state (the RDD selected, the form, the scroll,
//! whether it follows the job shown), its keys and what they do, and when its graph is laid
//! out again. The graph and its drawing are [`super::lineage`]'s; this file decides what is
//! shown of them.

use super::layout::Ordering;
use super::lineage::{
    body, foldable_iterations, legend, title, LineageGraph, LineageNode, BOX_LIMIT,
};
use super::lineage_draw::LineageView;
use super::state::UiState;
use super::theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The lineage view's state, as keys change it.
#[derive(Clone, Debug, PartialEq)]
struct LineageKeys {
    /// Whether repeated iterations are folded (`c`).
    collapse: bool,
    /// The form chosen with `b` (`Some(true)`: one line per RDD); `None`: boxes when the job
    /// shown fits the screen, else lines.
    form: Option<bool>,
    scroll: (i32, i32),
    /// Whether the view keeps the job shown in sight, its sources at the top (until the user
    /// scrolls).
    follow: bool,
    /// The RDD selected (for a folded box, its first RDD).
    selected: Option<usize>,
}

/// The lineage view: the RDD graph of the run so far, the job shown in its stages' colours.
pub struct LineageTab {
    keys: LineageKeys,
    /// The graph, laid out, for (RDDs known, folded).
    graph: Option<(usize, bool, LineageGraph)>,
    /// The form drawn (decided in [`View::update`]).
    compact: bool,
    /// The area it was last drawn in.
    area: Rect,
}

impl Default for LineageTab {
    fn default() -> Self {
        LineageTab {
            keys: LineageKeys {
                collapse: true,
                form: None,
                scroll: (0, 0),
                follow: true,
                selected: None,
            },
            graph: None,
            compact: false,
            area: Rect::new(0, 0, 80, 21),
        }
    }
}

use super::view::{Action, Ctx, Effect, KeyBinding, Reply, View};
use ratatui::crossterm::event::KeyCode;

const LINEAGE_KEYS: &[KeyBinding] = &[
    super::view::bind(
        &[(KeyCode::Up, Action::Up), (KeyCode::Down, Action::Down)],
        "↑ ↓",
        "select an RDD",
        Some("select"),
    ),
    super::view::bind(
        &[
            (KeyCode::PageUp, Action::PageUp),
            (KeyCode::PageDown, Action::PageDown),
        ],
        "PgUp PgDn",
        "scroll up, down",
        None,
    ),
    super::view::bind(
        &[
            (KeyCode::Char('<'), Action::Left),
            (KeyCode::Char('>'), Action::Right),
        ],
        "< >",
        "scroll sideways",
        Some("sideways"),
    ),
    super::view::bind(
        &[(KeyCode::Char('c'), Action::Fold)],
        "c",
        "fold, unfold iterations",
        Some("fold"),
    ),
    super::view::bind(
        &[(KeyCode::Char('b'), Action::Form)],
        "b",
        "boxes or lines per RDD",
        Some("boxes/lines"),
    ),
    super::view::bind(
        &[(KeyCode::Esc, Action::Latest)],
        "Esc",
        "the latest job",
        None,
    ),
];

const LINEAGE_WORDS: &[(&str, &str)] = &[
    ("s4  4p", "stage 4; 4 partitions"),
    ("┆ ▽  │ ▼", "shuffle edge, narrow edge"),
    ("◎  ●", "reads a shuffle, or not"),
    ("3/8", "partitions cached"),
    ("↻2 ✓cp", "recomputed; checkpointed"),
    ("✗2 lost", "cached partitions a fault took"),
    ("…", "more past the edge"),
];

impl LineageTab {
    fn graph(&self) -> Option<&LineageGraph> {
        self.graph.as_ref().map(|(_, _, g)| g)
    }

    /// Rows the graph has below the legend.
    fn rows(&self) -> i32 {
        self.area.height.saturating_sub(1) as i32
    }

    /// The nodes in the order the eye reads them: line by line, or box by box (top to
    /// bottom, left to right).
    fn order(&self) -> Vec<usize> {
        let Some(g) = self.graph() else {
            return Vec::new();
        };
        if self.compact || !g.boxes {
            g.compact.rows.iter().map(|r| r.node).collect()
        } else {
            let mut v: Vec<usize> = (0..g.nodes.len()).collect();
            v.sort_by_key(|n| (g.layout.boxes[*n].y, g.layout.boxes[*n].x));
            v
        }
    }

    /// Where node `n` is drawn: (x, y, width, height).
    fn place(&self, n: usize) -> Option<(i32, i32, i32, i32)> {
        let g = self.graph()?;
        if self.compact || !g.boxes {
            let y = *g.compact.row_of.get(n)? as i32;
            Some((0, y, g.extent(true).0, 1))
        } else {
            let b = g.layout.boxes.get(n)?;
            Some((b.x, b.y, b.width, b.height))
        }
    }

    fn selected_node(&self) -> Option<usize> {
        let g = self.graph()?;
        g.node_of.get(&self.keys.selected?).copied()
    }

    /// The extent a form needs, with a margin.
    fn extent(&self) -> (i32, i32) {
        self.graph().map_or((0, 0), |g| g.extent(self.compact))
    }

    fn max_scroll(&self) -> (i32, i32) {
        let (w, h) = self.extent();
        (
            (w + 2 - self.area.width as i32).max(0),
            (h - self.rows()).max(0),
        )
    }

    /// The cells the job shown covers in a form: (min x, min y, max x, max y).
    fn job_span(&self, ctx: &Ctx, compact: bool) -> Option<(i32, i32, i32, i32)> {
        let g = self.graph()?;
        let job = ctx.state.job(ctx.job?)?;
        let mut span: Option<(i32, i32, i32, i32)> = None;
        let mut nodes: Vec<usize> = job
            .rdds
            .iter()
            .filter_map(|r| g.node_of.get(r).copied())
            .collect();
        nodes.dedup();
        for n in nodes {
            let (x, y, w, h) = if compact || !g.boxes {
                let y = *g.compact.row_of.get(n)? as i32;
                (0, y, 1, 1)
            } else {
                let b = g.layout.boxes.get(n)?;
                (b.x, b.y, b.width, b.height)
            };
            span = Some(match span {
                None => (x, y, x + w, y + h),
                Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x + w), d.max(y + h)),
            });
        }
        span
    }

    /// Scrolls so that node `n` is in sight.
    fn reveal(&mut self, n: usize) {
        let Some((x, y, w, h)) = self.place(n) else {
            return;
        };
        let rows = self.rows();
        let cols = self.area.width as i32;
        let (sx, sy) = &mut self.keys.scroll;
        if y < *sy {
            *sy = y;
        } else if y + h > *sy + rows {
            *sy = y + h - rows;
        }
        if x < *sx {
            *sx = x;
        } else if x + w.min(cols) > *sx + cols {
            *sx = x + w.min(cols) - cols;
        }
    }

    /// What the footer says of a node: what it is, what it reads and what reads it.
    fn describe(&self, s: &UiState, n: usize) -> String {
        let Some(g) = self.graph() else {
            return String::new();
        };
        let name = |n: usize| match &g.nodes[n] {
            LineageNode::Rdd(id) => format!("{id}"),
            LineageNode::Collapsed { iterations, .. } => format!("⋯ {iterations} iterations"),
        };
        let parents: Vec<String> = g
            .edges
            .iter()
            .filter(|e| e.1 == n)
            .map(|e| {
                let kind = if g.shuffle.contains(e) {
                    "shuffle"
                } else {
                    "narrow"
                };
                format!("{} ({kind})", name(e.0))
            })
            .collect();
        let children: Vec<String> = g
            .edges
            .iter()
            .filter(|e| e.0 == n)
            .map(|e| name(e.1))
            .collect();
        let what = format!("{}: {}", title(s, &g.nodes[n]).trim(), body(s, &g.nodes[n]));
        let reads = if parents.is_empty() {
            "a source".to_string()
        } else {
            format!("reads {}", parents.join(", "))
        };
        let read_by = if children.is_empty() {
            "nothing reads it yet".to_string()
        } else {
            format!("read by {}", children.join(", "))
        };
        format!("RDD {what}; {reads}; {read_by}")
    }

    fn first_rdd(g: &LineageGraph, n: usize) -> Option<usize> {
        match &g.nodes[n] {
            LineageNode::Rdd(id) => Some(*id),
            LineageNode::Collapsed { rdds, .. } => rdds.iter().min().copied(),
        }
    }

    fn select(&mut self, delta: i32, s: &UiState) -> Reply {
        let order = self.order();
        if order.is_empty() {
            return Reply::say("no RDD yet: the lineage appears with the first action");
        }
        let rows = self.rows();
        let at = self
            .selected_node()
            .and_then(|n| order.iter().position(|x| *x == n));
        let next = match at {
            Some(i) => {
                let j = i as i32 + delta;
                if j < 0 {
                    return Reply::say("the first RDD is selected: nothing above it");
                }
                if j as usize >= order.len() {
                    return Reply::say("the last RDD is selected: nothing below it");
                }
                j as usize
            }
            None => {
                // The first node in sight (going down) or the last (going up).
                let sy = self.keys.scroll.1;
                let in_sight: Vec<usize> = (0..order.len())
                    .filter(|i| {
                        self.place(order[*i])
                            .is_some_and(|(_, y, _, _)| y >= sy && y < sy + rows)
                    })
                    .collect();
                if delta > 0 {
                    in_sight.first().copied().unwrap_or(0)
                } else {
                    in_sight.last().copied().unwrap_or(order.len() - 1)
                }
            }
        };
        let n = order[next];
        let Some(g) = self.graph() else {
            return Reply::done();
        };
        self.keys.selected = Self::first_rdd(g, n);
        self.keys.follow = false;
        self.reveal(n);
        Reply::say(self.describe(s, n))
    }

    fn scroll_by(&mut self, dx: i32, dy: i32) -> Reply {
        let max = self.max_scroll();
        let (x, y) = self.keys.scroll;
        let next = ((x + dx).clamp(0, max.0), (y + dy).clamp(0, max.1));
        if next == (x, y) {
            return Reply::say(match (dx.signum(), dy.signum()) {
                (0, -1) => "at the top of the lineage",
                (0, 1) => "at the bottom of the lineage",
                (-1, _) => "at the left edge of the lineage",
                _ if max.0 == 0 => "the lineage is not wider than the view",
                _ => "at the right edge of the lineage",
            });
        }
        self.keys.scroll = next;
        self.keys.follow = false;
        Reply::done()
    }

    fn toggle_fold(&mut self, s: &UiState) -> Reply {
        let folded = foldable_iterations(s);
        if folded == 0 {
            return Reply::say(format!(
                "nothing to fold: no three jobs in a row add the same operations ({} RDDs)",
                s.rdds.len()
            ));
        }
        self.keys.collapse = !self.keys.collapse;
        self.keys.follow = true;
        Reply::say(if self.keys.collapse {
            format!(
                "{folded} repeated iteration{} folded into one box (c unfolds)",
                if folded == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "every RDD shown: {} of them (c folds them again)",
                s.rdds.len()
            )
        })
    }

    fn toggle_form(&mut self) -> Reply {
        let Some(g) = self.graph() else {
            return Reply::say("no RDD yet: the lineage appears with the first action");
        };
        if !g.boxes {
            return Reply::say(format!(
                "{} nodes: one line each (boxes are drawn for up to {BOX_LIMIT})",
                g.nodes.len()
            ));
        }
        let lines = !self.compact;
        self.keys.form = Some(lines);
        self.compact = lines;
        self.keys.follow = true;
        Reply::say(if lines {
            "one line per RDD, edges in the margin (b: boxes again)"
        } else {
            "one box per RDD (b: one line each)"
        })
    }
}

impl View for LineageTab {
    fn name(&self) -> &'static str {
        "Lineage"
    }

    fn keys(&self) -> &'static [KeyBinding] {
        LINEAGE_KEYS
    }

    fn words(&self) -> &'static [(&'static str, &'static str)] {
        LINEAGE_WORDS
    }

    fn update(&mut self, ctx: &Ctx, area: Rect) {
        self.area = area;
        let s = ctx.state;
        let n = s.rdds.len();
        let fresh = matches!(&self.graph, Some((k, c, _)) if *k == n && *c == self.keys.collapse);
        if !fresh {
            let g = LineageGraph::build(s, self.keys.collapse, Ordering::Barycenter);
            self.graph = Some((n, self.keys.collapse, g));
        }
        let boxes = self.graph().is_some_and(|g| g.boxes);
        // Boxes when the job shown fits the screen in them, else one line per RDD.
        self.compact = !boxes
            || self.keys.form.unwrap_or_else(|| {
                let rows = self.rows();
                match self.job_span(ctx, false) {
                    Some((_, y0, _, y1)) => y1 - y0 > rows,
                    None => self.graph().is_some_and(|g| g.layout.height > rows),
                }
            });
        if self.keys.follow {
            // The job's sources at the top, its left edge in sight.
            if let Some((x0, y0, x1, _)) = self.job_span(ctx, self.compact) {
                let cols = self.area.width as i32;
                self.keys.scroll = ((x1 + 1 - cols).max(0).min(x0), y0);
            }
        }
        let max = self.max_scroll();
        self.keys.scroll = (
            self.keys.scroll.0.clamp(0, max.0),
            self.keys.scroll.1.clamp(0, max.1),
        );
    }

    fn handle(&mut self, action: Action, ctx: &Ctx) -> Reply {
        let page = (self.rows() - 1).max(1);
        match action {
            Action::Up => self.select(-1, ctx.state),
            Action::Down => self.select(1, ctx.state),
            Action::PageUp => self.scroll_by(0, -page),
            Action::PageDown => self.scroll_by(0, page),
            Action::Left => self.scroll_by(-16, 0),
            Action::Right => self.scroll_by(16, 0),
            Action::Fold => self.toggle_fold(ctx.state),
            Action::Form => self.toggle_form(),
            Action::Latest => {
                self.keys.follow = true;
                self.keys.selected = None;
                Reply::effect(Effect::LatestJob)
            }
            _ => Reply::default(),
        }
    }

    fn job_changed(&mut self) {
        self.keys.follow = true;
    }

    fn draw(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        use ratatui::widgets::{Paragraph, Widget};
        let s = ctx.state;
        let Some(g) = self.graph() else {
            return;
        };
        let rows = area.height.saturating_sub(1) as i32;
        let scroll = self.keys.scroll;
        let more = (scroll.1 > 0, g.extent(self.compact).1 - scroll.1 > rows);
        let legend = legend(
            s,
            ctx.job,
            ctx.chosen,
            g.folded_iterations(),
            self.compact,
            more,
            area.width as usize,
        );
        Paragraph::new(legend).render(Rect { height: 1, ..area }, buf);
        let body = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        LineageView {
            graph: g,
            job: ctx.job,
            scroll,
            compact: self.compact,
            selected: self.selected_node(),
        }
        .render(s, body, buf);
        // Below a graph that leaves the last row free: what the marks mean, in words.
        if g.extent(self.compact).1 - scroll.1 < rows && rows > 2 && ctx.job.is_some() {
            use super::text::{fit_parts, Part};
            let dim = theme::dim();
            let parts = if self.compact {
                vec![
                    Part::new(" ◎ reads a shuffle: a stage starts there", dim, 9),
                    Part::new("╌┆ shuffle", dim, 8),
                    Part::new("─│ narrow", dim, 8),
                    Part::new("sN: stage N computes it", dim, 6),
                    Part::new("b: boxes", dim, 3),
                ]
            } else {
                vec![
                    Part::new(" ┆▽ shuffle: a stage starts below it", dim, 9),
                    Part::new("│▼ narrow", dim, 8),
                    Part::new("sN: stage N computes it", dim, 6),
                    Part::new("b: one line per RDD", dim, 3),
                ]
            };
            let (line, _) = fit_parts(
                parts,
                ratatui::text::Span::styled(" · ", dim),
                area.width as usize,
            );
            Paragraph::new(line).render(
                Rect {
                    y: area.y + area.height - 1,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
    }

    fn fingerprint(&self) -> String {
        format!("{:?}", self.keys)
    }
}

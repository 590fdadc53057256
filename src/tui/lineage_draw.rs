//! Drawing a lineage graph ([`super::lineage::LineageGraph`]) into a buffer: its boxes and
//! routed edges, or its compact form of one line per RDD, coloured by the stages of the job
//! shown and with the selected node standing out. It draws what the graph and the state say
//! and decides nothing: the graph, its layout and the text of a node are
//! [`super::lineage`]'s; the keys and scrolling are the lineage tab's.

use super::canvas::Canvas;
use super::lineage::{body, storage, title, LineageGraph, LineageNode};
use super::state::UiState;
use super::theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use std::collections::BTreeSet;

/// What the lineage view needs besides the state.
pub struct LineageView<'a> {
    pub graph: &'a LineageGraph,
    /// The job whose stages colour the boxes.
    pub job: Option<usize>,
    pub scroll: (i32, i32),
    /// Draw one line per RDD instead of boxes.
    pub compact: bool,
    /// The node selected: its box is reversed and its edges stand out.
    pub selected: Option<usize>,
}

impl LineageView<'_> {
    /// Draws the view into `area`: boxes, or the compact form if asked for (or if the graph
    /// is too large for boxes).
    pub fn render(&self, s: &UiState, area: Rect, buf: &mut Buffer) {
        if self.compact || !self.graph.boxes {
            return render_compact(self, s, area, buf);
        }
        let g = self.graph;
        let job = self.job.and_then(|j| s.jobs.iter().find(|x| x.job == j));
        let in_job: BTreeSet<usize> = job
            .map(|j| j.rdds.iter().copied().collect())
            .unwrap_or_default();
        let mut c = Canvas::new(buf, area, self.scroll.0, self.scroll.1);
        let touches =
            |r: &super::layout::Route| self.selected.is_some_and(|n| r.from == n || r.to == n);
        // The selected node's edges last, so that they stand out where lines share cells.
        let routes = g
            .layout
            .routes
            .iter()
            .filter(|r| !touches(r))
            .chain(g.layout.routes.iter().filter(|r| touches(r)));
        for r in routes {
            let dashed = g.shuffle.contains(&(r.from, r.to));
            let child_in = match &g.nodes[r.to] {
                LineageNode::Rdd(id) => in_job.contains(id),
                LineageNode::Collapsed { .. } => false,
            };
            let style = if touches(r) {
                theme::selected_edge()
            } else if dashed {
                theme::shuffle_edge(child_in)
            } else {
                theme::narrow_edge(child_in)
            };
            c.route(&r.points, dashed, style);
        }
        c.flush_lines();
        for (i, n) in g.nodes.iter().enumerate() {
            let b = &g.layout.boxes[i];
            let tag = match (n, job) {
                (LineageNode::Rdd(id), Some(j)) if in_job.contains(id) => stage_tag(s, j, *id),
                _ => None,
            };
            let (border, text) = match (n, &tag) {
                (LineageNode::Rdd(id), Some(t)) => {
                    let mut border = match t.ran {
                        Some(st) => theme::stage(st),
                        None => theme::dim(),
                    };
                    if job.and_then(|j| j.rdd) == Some(*id) {
                        border = border.add_modifier(Modifier::BOLD);
                    }
                    (border, Style::default())
                }
                (LineageNode::Rdd(_), None) => (theme::dim(), theme::dim()),
                (LineageNode::Collapsed { .. }, _) => (theme::collapsed(), theme::collapsed()),
            };
            let border = if self.selected == Some(i) {
                border.add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                border
            };
            c.boxed(b, &title(s, n), &[body(s, n)], border, text);
            if let Some(l) = super::lineage::lost(s, n) {
                let w = l.chars().count() as i32;
                c.text(b.x + 1, b.y + b.height - 1, &l, theme::failure(), w);
            }
            let storage_w = match storage(s, n) {
                Some(st) => {
                    let w = st.chars().count() as i32;
                    let x = b.x + b.width - 1 - w;
                    c.text(x, b.y + b.height - 1, &st, theme::storage(), w);
                    w
                }
                None => 0,
            };
            // The stages that compute it, in the bottom-left corner.
            if let Some(t) = tag {
                let room = b.width - 3 - storage_w;
                let text = t.text(room as usize);
                let style = t.ran.map_or(theme::dim(), theme::stage);
                c.text(b.x + 1, b.y + b.height - 1, &text, style, room);
            }
        }
        c.mark_cuts(theme::key());
    }
}

/// Which stages of a job compute an RDD, for the corner of its box.
pub(super) struct StageTag {
    /// The first stage that runs it in the job; `None` if every stage computing it is skipped.
    pub(super) ran: Option<usize>,
    first: usize,
    /// How many more stages compute it.
    more: usize,
}

impl StageTag {
    /// ` s4 `, ` s52 +5 `, or ` s4 skipped ` (shortened to fit `room` cells).
    pub(super) fn text(&self, room: usize) -> String {
        let mut t = match self.ran {
            Some(st) => format!(" s{st} "),
            None => format!(" s{} skipped ", self.first),
        };
        if self.more > 0 {
            t.push_str(&format!("+{} ", self.more));
        }
        if t.chars().count() > room {
            t = format!(" s{} ", self.ran.unwrap_or(self.first));
        }
        t
    }
}

pub(super) fn stage_tag(
    s: &UiState,
    job: &crate::tui::state::JobState,
    rdd: usize,
) -> Option<StageTag> {
    let stages = s.stages_of_rdd(job, rdd);
    let first = *stages.first()?;
    Some(StageTag {
        ran: stages.iter().copied().find(|st| s.ran_in(job, *st)),
        first,
        more: stages.len() - 1,
    })
}

/// The compact form: one line per RDD (the lines in view only), its margin of lanes, then
/// what the RDD is, coloured by the stage of the shown job that computes it. The selected line
/// is reversed, and the lines of its parents and children underlined; a line longer than the
/// view ends in `…` (`<` `>` scroll it).
fn render_compact(view: &LineageView<'_>, s: &UiState, area: Rect, buf: &mut Buffer) {
    let g = view.graph;
    let job = view.job.and_then(|j| s.jobs.iter().find(|x| x.job == j));
    let in_job: BTreeSet<usize> = job
        .map(|j| j.rdds.iter().copied().collect())
        .unwrap_or_default();
    let relatives: BTreeSet<usize> = view
        .selected
        .map(|sel| {
            g.edges
                .iter()
                .filter_map(|&(p, c)| {
                    if p == sel {
                        Some(c)
                    } else if c == sel {
                        Some(p)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let (dx, dy) = (view.scroll.0.max(0) as usize, view.scroll.1.max(0) as usize);
    let text_x = g.compact.margin_width + 1;
    for (i, row) in g
        .compact
        .rows
        .iter()
        .skip(dy)
        .take(area.height as usize)
        .enumerate()
    {
        let n = &g.nodes[row.node];
        let (mut style, tag) = match (n, job) {
            (LineageNode::Rdd(id), Some(j)) if in_job.contains(id) => {
                let t = stage_tag(s, j, *id);
                let mut st = match t.as_ref().and_then(|t| t.ran) {
                    Some(stage) => theme::stage(stage),
                    None => theme::dim(),
                };
                if j.rdd == Some(*id) {
                    st = st.add_modifier(Modifier::BOLD);
                }
                (st, t.map(|t| t.text(usize::MAX).trim().to_string()))
            }
            (LineageNode::Rdd(_), _) => (theme::dim(), None),
            (LineageNode::Collapsed { .. }, _) => (theme::collapsed(), None),
        };
        if view.selected == Some(row.node) {
            style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        } else if relatives.contains(&row.node) {
            style = style.add_modifier(Modifier::UNDERLINED);
        }
        let mut line = format!("{:<w$} ", row.margin, w = g.compact.margin_width);
        line.push_str(title(s, n).trim());
        let body = body(s, n);
        if !body.is_empty() {
            line.push_str(&format!("  {body}"));
        }
        if let Some(st) = storage(s, n) {
            line.push_str(&format!("  {}", st.trim()));
        }
        if let Some(l) = super::lineage::lost(s, n) {
            line.push_str(&format!("  {}", l.trim()));
        }
        if let Some(t) = tag {
            line.push_str(&format!("  {t}"));
        }
        let mut shown: String = line.chars().skip(dx).collect();
        if dx > 0 && !shown.is_empty() {
            shown = format!("…{}", shown.chars().skip(1).collect::<String>());
        }
        let shown = super::text::fit(&shown, area.width as usize);
        let y = area.y + i as u16;
        let edge_style = |col: usize, ch: char| {
            if col < text_x {
                if matches!(ch, '╌' | '┆') {
                    theme::shuffle_edge(true)
                } else {
                    theme::narrow_edge(true)
                }
            } else {
                style
            }
        };
        for (k, ch) in shown.chars().enumerate() {
            let x = area.x + k as u16;
            let col = k + dx;
            let st = if ch == '…' && (k == 0 || k + 1 == area.width as usize) {
                theme::key()
            } else {
                edge_style(col, ch)
            };
            if let Some(cell) = buf.cell_mut((x, y)) {
                cell.set_char(ch).set_style(st);
            }
        }
    }
}

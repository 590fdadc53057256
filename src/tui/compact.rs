//! The lineage in its compact form: one line per RDD, sources first, with the edges drawn as
//! lanes in a margin on the left (as `git log --graph` draws commits), so a lineage of any size
//! is laid out in one pass, linear in its size, and read down the screen like Spark's
//! `toDebugString` read upwards.
//!
//! Each RDD that still has children below it owns a lane, a column of the margin; its line is
//! `●` in its lane. An RDD's line connects to its parents' lanes: a lane that ends there turns
//! into the line (`╯`, `╰`), a lane that goes on to more children branches (`├`, `┤`); a lane
//! passed on the way is crossed (`┼`). Lanes and connections that carry only shuffle edges are
//! dashed (`┆`, `╌`), and a line that reads a shuffle is `◎`: a stage starts there. This module
//! owns the margin and draws the lines; what a line says of its RDD (title, class, storage,
//! stage) is the lineage view's ([`super::lineage`]), as its boxes say it.

use super::lineage::{body, stage_tag, storage, title, LineageNode, LineageView};
use super::state::UiState;
use super::theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use std::collections::BTreeSet;

/// The widest margin drawn, in lanes; more lanes end in `…`.
pub const MAX_LANES: usize = 24;

/// One line of the compact form.
#[derive(Clone, Debug, PartialEq)]
pub struct CompactRow {
    /// The node (of the lineage graph) the line shows.
    pub node: usize,
    /// The margin: two cells per lane (a glyph and a connector), up to [`MAX_LANES`] lanes.
    pub margin: String,
}

/// The compact form of a lineage graph.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compact {
    /// Lines, top to bottom: every parent above its children.
    pub rows: Vec<CompactRow>,
    /// The row of each node.
    pub row_of: Vec<usize>,
    /// The widest margin, in cells.
    pub margin_width: usize,
}

/// Lays out `n` nodes with `edges` (parent, child) in one line each; an edge in `shuffle` is
/// dashed. Nodes come in index order wherever the edges allow it.
pub fn compact(
    n: usize,
    edges: &[(usize, usize)],
    shuffle: impl Fn(usize, usize) -> bool,
) -> Compact {
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(p, c) in edges {
        if p < n && c < n && p != c && !children[p].contains(&c) {
            parents[c].push(p);
            children[p].push(c);
        }
    }
    let order = topological(n, &parents, &children);
    // A lane is dashed while every edge it still carries is a shuffle.
    let only_shuffles = |p: usize, left: &[usize]| left.iter().all(|c| shuffle(p, *c));
    let mut remaining: Vec<Vec<usize>> = children.clone();
    let mut lanes: Vec<Option<usize>> = Vec::new();
    let mut lane_of: Vec<Option<usize>> = vec![None; n];
    let mut rows = Vec::with_capacity(n);
    let mut row_of = vec![0; n];
    let mut margin_width = 0;
    for (row, &v) in order.iter().enumerate() {
        row_of[v] = row;
        let ps: Vec<(usize, usize)> = parents[v]
            .iter()
            .filter_map(|p| lane_of[*p].map(|c| (*p, c)))
            .collect();
        for (p, _) in &ps {
            remaining[*p].retain(|c| *c != v);
        }
        let ending = |p: usize| remaining[p].is_empty();
        // The line takes the leftmost lane of a parent that ends here, else the first free one.
        let col = ps
            .iter()
            .filter(|(p, _)| ending(*p))
            .map(|(_, c)| *c)
            .min()
            .unwrap_or_else(|| {
                lanes
                    .iter()
                    .position(Option::is_none)
                    .unwrap_or(lanes.len())
            });
        if col >= lanes.len() {
            lanes.resize(col + 1, None);
        }
        let lo = ps.iter().map(|(_, c)| *c).chain([col]).min().unwrap_or(col);
        let hi = ps.iter().map(|(_, c)| *c).chain([col]).max().unwrap_or(col);
        // Whether the connector between lanes `c` and `c + 1` carries only shuffle edges.
        let dashed_between = |c: usize| {
            ps.iter()
                .filter(|(_, pc)| (c >= *pc && c < col) || (c >= col && c < *pc))
                .all(|(p, _)| shuffle(*p, v))
        };
        let reads_shuffle = parents[v].iter().any(|p| shuffle(*p, v));
        let horizontal = |c: usize| if dashed_between(c) { '╌' } else { '─' };
        let mut margin = String::new();
        let width = lanes.len().min(MAX_LANES);
        for (c, lane) in lanes.iter().enumerate().take(width) {
            let glyph = if c == col {
                if reads_shuffle {
                    '◎'
                } else {
                    '●'
                }
            } else if let Some((p, _)) = ps.iter().find(|(_, pc)| *pc == c) {
                match (ending(*p), c < col) {
                    (true, true) => '╰',
                    (true, false) => '╯',
                    (false, true) => '├',
                    (false, false) => '┤',
                }
            } else if let Some(other) = lane {
                if c > lo && c < hi {
                    '┼'
                } else if only_shuffles(*other, &remaining[*other]) {
                    '┆'
                } else {
                    '│'
                }
            } else if c > lo && c < hi {
                horizontal(c)
            } else {
                ' '
            };
            margin.push(glyph);
            let connector = if c >= lo && c < hi {
                horizontal(c)
            } else {
                ' '
            };
            margin.push(connector);
        }
        if lanes.len() > MAX_LANES {
            margin.push('…');
        }
        let margin = margin.trim_end().to_string();
        margin_width = margin_width.max(margin.chars().count());
        rows.push(CompactRow { node: v, margin });
        for (p, c) in &ps {
            if ending(*p) {
                lanes[*c] = None;
                lane_of[*p] = None;
            }
        }
        if remaining[v].is_empty() {
            lanes[col] = None;
        } else {
            lanes[col] = Some(v);
            lane_of[v] = Some(col);
        }
        while lanes.last() == Some(&None) {
            lanes.pop();
        }
    }
    Compact {
        rows,
        row_of,
        margin_width,
    }
}

/// Kahn's algorithm, taking the smallest ready node first: index order wherever the edges
/// allow (a checkpoint RDD, made after the RDD it cuts, still comes above it).
fn topological(n: usize, parents: &[Vec<usize>], children: &[Vec<usize>]) -> Vec<usize> {
    let mut waiting: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|v| waiting[*v] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(v) = ready.pop_first() {
        order.push(v);
        for c in &children[v] {
            waiting[*c] -= 1;
            if waiting[*c] == 0 {
                ready.insert(*c);
            }
        }
    }
    if order.len() < n {
        // A cycle cannot come from a lineage; if one did, its nodes still get a line.
        let placed: std::collections::BTreeSet<usize> = order.iter().copied().collect();
        order.extend((0..n).filter(|v| !placed.contains(v)));
    }
    order
}

/// The compact form: one line per RDD (the lines in view only), its margin of lanes, then
/// what the RDD is, coloured by the stage of the shown job that computes it. The selected line
/// is reversed, and the lines of its parents and children underlined; a line longer than the
/// view ends in `…` (`<` `>` scroll it).
pub(super) fn render(view: &LineageView<'_>, s: &UiState, area: Rect, buf: &mut Buffer) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn margins(c: &Compact) -> Vec<&str> {
        c.rows.iter().map(|r| r.margin.as_str()).collect()
    }

    #[test]
    fn a_chain_is_one_lane() {
        let edges: Vec<(usize, usize)> = (0..4).map(|i| (i, i + 1)).collect();
        let c = compact(5, &edges, |_, _| false);
        assert_eq!(margins(&c), vec!["●"; 5]);
        assert_eq!(c.row_of, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_reused_rdd_keeps_its_lane_and_branches_to_each_child() {
        // 0 feeds 1 and 3; 1 → 2; 2 and 0 → 3 (a join with a reused RDD), 3 ← shuffle.
        let edges = [(0, 1), (1, 2), (0, 3), (2, 3)];
        let c = compact(4, &edges, |p, ch| (p, ch) == (2, 3));
        assert_eq!(margins(&c), vec!["●", "├─●", "│ ●", "◎╌╯"]);
    }

    #[test]
    fn a_union_of_two_sources_merges_their_lanes() {
        let edges = [(0, 2), (1, 2)];
        let c = compact(3, &edges, |_, _| false);
        assert_eq!(margins(&c), vec!["●", "│ ●", "●─╯"]);
    }

    #[test]
    fn a_line_that_passes_a_lane_crosses_it() {
        // 0 and 1 are sources; 2 reads 0 only while 1 waits for 3.
        let edges = [(0, 3), (1, 3), (0, 2), (1, 4)];
        let c = compact(5, &edges, |_, _| false);
        assert_eq!(margins(&c)[2], "├─┼─●");
    }

    #[test]
    fn a_hundred_thousand_rdds_lay_out_in_one_pass() {
        let edges: Vec<(usize, usize)> = (0..99_999).map(|i| (i, i + 1)).collect();
        let c = compact(100_000, &edges, |_, _| false);
        assert_eq!(c.rows.len(), 100_000);
        assert_eq!(c.margin_width, 1);
    }
}

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

//! The lineage view: the RDD graph in layers, one box per RDD (id, operation, class,
//! partitions, storage level), narrow edges solid and shuffle edges dashed with hollow arrows
//! (the stage cuts), boxes coloured by the stage that computes them in the selected job and
//! tagged with it (`s4`; `s52 +5` when several stages pipeline the RDD; `s4 skipped`, in grey,
//! when the job skips it), the rest dimmed. A persisted RDD shows its level and how many of
//! its partitions are cached (`MEMORY_ONLY 4/8`), and `↻3` when partitions were computed
//! again (evicted, lost, or never stored).
//!
//! Repeated iterations collapse: when three or more jobs in a row each add RDDs with the
//! same operations (PageRank's join, flat_map, reduce_by_key, map_values per iteration), the
//! middle ones are drawn as one box, so a long run's lineage fits on a screen.
//!
//! The same graph has a compact form ([`super::compact`]): one line per RDD with the edges as
//! lanes in a margin. This module builds the graph and lays it out; [`super::lineage_draw`]
//! draws it. It is built for every lineage, in one linear pass; the boxes are laid
//! out only for lineages of up to [`BOX_LIMIT`] nodes, since their layout is not linear.

use super::compact::{compact, Compact};
use super::layout::{layout, Layout, NodeSize, Ordering};
use super::state::UiState;
use super::theme;
use std::collections::{BTreeMap, BTreeSet};

/// One box of the lineage graph.
#[derive(Clone, Debug, PartialEq)]
pub enum LineageNode {
    Rdd(usize),
    /// Several iterations folded into one: the RDDs it stands for, and how many iterations.
    Collapsed {
        rdds: Vec<usize>,
        iterations: usize,
        ops: String,
    },
}

/// The lineage graph and its layout.
#[derive(Clone, Debug, PartialEq)]
pub struct LineageGraph {
    pub nodes: Vec<LineageNode>,
    pub edges: Vec<(usize, usize)>,
    /// Which edges are shuffles.
    pub shuffle: BTreeSet<(usize, usize)>,
    /// The boxes' layout (empty when the graph has more than [`BOX_LIMIT`] nodes).
    pub layout: Layout,
    /// Whether the boxes were laid out.
    pub boxes: bool,
    /// The compact form: one line per node.
    pub compact: Compact,
    /// The node standing for each RDD.
    pub node_of: BTreeMap<usize, usize>,
}

/// The most nodes laid out as boxes; a larger lineage is drawn in its compact form only.
pub const BOX_LIMIT: usize = 600;

/// Box width bounds.
const MIN_W: usize = 17;
const MAX_W: usize = 34;
/// A collapsed box lists the operations it folds: it may be wider.
const MAX_COLLAPSED_W: usize = 44;
/// Box height: the top border with the title, one line, the bottom border.
const BOX_H: u16 = 3;

pub(super) fn title(s: &UiState, n: &LineageNode) -> String {
    match n {
        LineageNode::Rdd(id) => match s.rdds.get(id) {
            Some(r) => match &r.label {
                Some(l) => format!(" {id} {l}: {} ", r.op),
                None => format!(" {id} {} ", r.op),
            },
            None => format!(" {id} "),
        },
        LineageNode::Collapsed { iterations, .. } => format!(
            " ⋯ {iterations} iteration{} ",
            if *iterations == 1 { "" } else { "s" }
        ),
    }
}

pub(super) fn body(s: &UiState, n: &LineageNode) -> String {
    match n {
        LineageNode::Rdd(id) => match s.rdds.get(id) {
            Some(r) => {
                let mut b = format!("{} {}p", r.name, r.partitions);
                match s.storage.recomputations(*id) {
                    0 => {}
                    n => b.push_str(&format!(" ↻{n}")),
                }
                if s.storage.checkpointed.contains_key(id) {
                    b.push_str(" ✓cp");
                }
                b
            }
            None => String::new(),
        },
        LineageNode::Collapsed { rdds, ops, .. } => format!("{} RDDs: {ops}", rdds.len()),
    }
}

/// The partitions of an RDD a fault took and not yet computed again (`✗2 lost`), for the
/// bottom left of its box, in the failure colour.
pub(super) fn lost(s: &UiState, n: &LineageNode) -> Option<String> {
    match n {
        LineageNode::Rdd(id) => match s.storage.lost_partitions(*id) {
            0 => None,
            k => Some(format!(" ✗{k} lost ")),
        },
        LineageNode::Collapsed { .. } => None,
    }
}

/// A persisted RDD's level and how many of its partitions some executor holds.
pub(super) fn storage(s: &UiState, n: &LineageNode) -> Option<String> {
    match n {
        LineageNode::Rdd(id) => s.rdds.get(id).filter(|r| r.storage != "NONE").map(|r| {
            format!(
                " {} {}/{} ",
                r.storage,
                s.storage.cached_partitions(*id),
                r.partitions
            )
        }),
        LineageNode::Collapsed { .. } => None,
    }
}

/// A box's width: its widest line, with room in the bottom border for the storage level and
/// its widest count (`16/16`) beside a stage tag (` s123 `). It does not change as blocks come
/// and go, so the layout need not either.
fn width_for(s: &UiState, n: &LineageNode) -> u16 {
    let storage_w = match n {
        LineageNode::Rdd(id) => s
            .rdds
            .get(id)
            .filter(|r| r.storage != "NONE")
            .map_or(0, |r| {
                format!(" {} {}/{} ", r.storage, r.partitions, r.partitions)
                    .chars()
                    .count()
                    + 13
            }),
        LineageNode::Collapsed { .. } => 0,
    };
    let w = title(s, n)
        .chars()
        .count()
        .max(body(s, n).chars().count() + 3)
        .max(storage_w)
        + 2;
    let max = match n {
        LineageNode::Collapsed { .. } => MAX_COLLAPSED_W,
        LineageNode::Rdd(_) => MAX_W,
    };
    w.clamp(MIN_W, max) as u16
}

/// Groups of RDDs that consecutive jobs added with the same operations, three or more in a
/// row: the middle groups of each such run (kept: the first and the last).
fn repeated_runs(s: &UiState) -> Vec<Vec<Vec<usize>>> {
    let sig = |rdds: &[usize]| -> Vec<String> {
        let mut v: Vec<String> = rdds
            .iter()
            .filter_map(|r| s.rdds.get(r).map(|i| i.op.clone()))
            .collect();
        v.sort();
        v
    };
    let groups: Vec<(&[usize], Vec<String>)> = s
        .jobs
        .iter()
        .filter(|j| !j.new_rdds.is_empty())
        .map(|j| (j.new_rdds.as_slice(), sig(&j.new_rdds)))
        .collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < groups.len() {
        let mut j = i + 1;
        while j < groups.len() && groups[j].1 == groups[i].1 {
            j += 1;
        }
        // Folding one RDD into a box of its own would hide nothing.
        let folds: usize = groups[i + 1..j.saturating_sub(1).max(i + 1)]
            .iter()
            .map(|g| g.0.len())
            .sum();
        if j - i >= 3 && folds >= 2 {
            runs.push(groups[i + 1..j - 1].iter().map(|g| g.0.to_vec()).collect());
        }
        i = j;
    }
    runs
}

/// How many iterations a collapsed lineage would fold (0: nothing to fold).
pub fn foldable_iterations(s: &UiState) -> usize {
    repeated_runs(s).iter().map(|r| r.len()).sum()
}

/// The line above the lineage: the job shown, the stages it runs and skips, what the edges
/// mean, what is folded, and whether there is more above or below. What does not fit is left
/// out whole, the least useful first.
pub fn legend(
    s: &UiState,
    job: Option<usize>,
    chosen: bool,
    folded: usize,
    compact: bool,
    more: (bool, bool),
    width: usize,
) -> ratatui::text::Line<'static> {
    use super::explain::ranges;
    use super::text::{fit_parts, Part};
    use ratatui::text::Span;
    let mut parts = Vec::new();
    match job.and_then(|j| s.job(j)) {
        Some(j) => {
            let which = if chosen { "chosen" } else { "latest" };
            parts.push(Part::new(
                format!(" job {} ({}, {which})", j.job, j.action),
                theme::bold(),
                9,
            ));
            let mut runs = vec![Span::raw("stages run: ")];
            for st in j.stages.iter().filter(|st| s.ran_in(j, **st)) {
                runs.push(Span::styled(format!("s{st} "), theme::stage(*st)));
            }
            if let Some(last) = runs.last_mut() {
                last.content = last.content.trim_end().to_string().into();
            }
            parts.push(Part {
                spans: runs,
                priority: 8,
            });
            let skipped: Vec<usize> = j
                .stages
                .iter()
                .copied()
                .filter(|st| !s.ran_in(j, *st))
                .collect();
            if !skipped.is_empty() {
                parts.push(Part::new(
                    format!("skipped: s{}", ranges(&skipped)),
                    theme::dim(),
                    6,
                ));
            }
            parts.push(Part::new(
                if compact {
                    "◎ reads a shuffle  ╌ shuffle  ─ narrow"
                } else {
                    "┆▽ shuffle  │▼ narrow"
                },
                theme::dim(),
                4,
            ));
            if folded > 0 {
                parts.push(Part::new(
                    format!(
                        "⋯ {folded} iteration{} folded (c)",
                        if folded == 1 { "" } else { "s" }
                    ),
                    theme::collapsed(),
                    7,
                ));
            }
        }
        None => parts.push(Part::new(
            " no job yet: the lineage appears with the first action",
            theme::dim(),
            9,
        )),
    }
    let arrows = match more {
        (true, true) => "↑↓ more",
        (true, false) => "↑ more",
        (false, true) => "↓ more",
        (false, false) => "",
    };
    if !arrows.is_empty() {
        parts.push(Part::new(arrows, theme::key(), 10));
    }
    fit_parts(parts, Span::styled(" │ ", theme::dim()), width).0
}

impl LineageGraph {
    /// How many iterations its collapsed boxes fold.
    pub fn folded_iterations(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| match n {
                LineageNode::Collapsed { iterations, .. } => *iterations,
                LineageNode::Rdd(_) => 0,
            })
            .sum()
    }

    /// The graph of every RDD known, with repeated iterations collapsed if `collapse`.
    pub fn build(s: &UiState, collapse: bool, ordering: Ordering) -> LineageGraph {
        let mut nodes = Vec::new();
        let mut node_of = BTreeMap::new();
        if collapse {
            for run in repeated_runs(s) {
                let rdds: Vec<usize> = run.iter().flatten().copied().collect();
                let ops: BTreeSet<String> = rdds
                    .iter()
                    .filter_map(|r| s.rdds.get(r).map(|i| i.op.clone()))
                    .collect();
                let id = nodes.len();
                for r in &rdds {
                    node_of.insert(*r, id);
                }
                nodes.push(LineageNode::Collapsed {
                    rdds,
                    iterations: run.len(),
                    ops: ops.into_iter().collect::<Vec<_>>().join(", "),
                });
            }
        }
        for id in s.rdds.keys() {
            if !node_of.contains_key(id) {
                node_of.insert(*id, nodes.len());
                nodes.push(LineageNode::Rdd(*id));
            }
        }
        // Place collapsed boxes in id order with the RDDs around them.
        let first_id = |n: &LineageNode| match n {
            LineageNode::Rdd(id) => *id,
            LineageNode::Collapsed { rdds, .. } => rdds.iter().min().copied().unwrap_or(0),
        };
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by_key(|i| first_id(&nodes[*i]));
        let nodes: Vec<LineageNode> = order.iter().map(|i| nodes[*i].clone()).collect();
        let remap: BTreeMap<usize, usize> = order
            .iter()
            .enumerate()
            .map(|(new, old)| (*old, new))
            .collect();
        let node_of: BTreeMap<usize, usize> =
            node_of.into_iter().map(|(r, n)| (r, remap[&n])).collect();
        let mut edges = BTreeSet::new();
        let mut shuffle = BTreeSet::new();
        for (id, info) in &s.rdds {
            let child = node_of[id];
            for p in &info.parents {
                let Some(&parent) = node_of.get(&p.rdd) else {
                    continue;
                };
                if parent != child {
                    edges.insert((parent, child));
                    if p.kind == crate::events::DependencyKind::Shuffle {
                        shuffle.insert((parent, child));
                    }
                }
            }
        }
        let edges: Vec<(usize, usize)> = edges.into_iter().collect();
        let sizes: Vec<NodeSize> = if nodes.len() <= BOX_LIMIT {
            nodes
                .iter()
                .map(|n| NodeSize {
                    width: width_for(s, n),
                    height: BOX_H,
                })
                .collect()
        } else {
            Vec::new()
        };
        let boxes = nodes.len() <= BOX_LIMIT;
        let layout = if boxes {
            layout(&sizes, &edges, ordering)
        } else {
            Layout::default()
        };
        let compact = compact(nodes.len(), &edges, |p, c| shuffle.contains(&(p, c)));
        LineageGraph {
            nodes,
            edges,
            shuffle,
            layout,
            boxes,
            compact,
            node_of,
        }
    }

    /// The box of an RDD, if it has one of its own (not collapsed).
    pub fn box_of(&self, rdd: usize) -> Option<usize> {
        let n = *self.node_of.get(&rdd)?;
        matches!(self.nodes[n], LineageNode::Rdd(_)).then_some(n)
    }

    /// The cells the graph needs in a form (`compact` or boxes): width and height.
    pub fn extent(&self, compact: bool) -> (i32, i32) {
        if compact || !self.boxes {
            (
                (self.compact.margin_width + 1 + COMPACT_TEXT_W) as i32,
                self.compact.rows.len() as i32,
            )
        } else {
            (self.layout.width, self.layout.height)
        }
    }

    /// Where an RDD is drawn in a form: its (x, y, width, height) in the graph's cells.
    pub fn place_of(&self, rdd: usize, compact: bool) -> Option<(i32, i32, i32, i32)> {
        let n = *self.node_of.get(&rdd)?;
        if compact || !self.boxes {
            let y = *self.compact.row_of.get(n)? as i32;
            Some((0, y, self.extent(true).0, 1))
        } else {
            let b = self.box_of(rdd).map(|n| self.layout.boxes[n])?;
            Some((b.x, b.y, b.width, b.height))
        }
    }
}

/// The widest text of a line of the compact form.
pub(super) const COMPACT_TEXT_W: usize = 96;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{ParentInfo, RddInfo};
    use crate::tui::state::{JobState, JobStatus};

    fn rdd(id: usize, op: &str, parents: &[(usize, &str)]) -> RddInfo {
        RddInfo {
            rdd: id,
            name: "MapPartitionsRDD".into(),
            op: op.into(),
            partitions: 4,
            storage: "NONE".into(),
            label: None,
            parents: parents
                .iter()
                .map(|(p, k)| ParentInfo {
                    rdd: *p,
                    kind: if *k == "shuffle" {
                        crate::events::DependencyKind::Shuffle
                    } else {
                        crate::events::DependencyKind::Narrow
                    },
                    shuffle: None,
                })
                .collect(),
        }
    }

    #[test]
    fn three_or_more_identical_iterations_collapse_to_first_last_and_one_box() {
        let mut s = UiState::default();
        let st = &mut s.status;
        st.rdds.insert(0, rdd(0, "text_file", &[]));
        let mut prev = 0;
        for j in 0..5 {
            let a = 1 + 2 * j;
            st.rdds.insert(a, rdd(a, "map", &[(prev, "narrow")]));
            st.rdds
                .insert(a + 1, rdd(a + 1, "reduce_by_key", &[(a, "shuffle")]));
            st.jobs.push(JobState {
                job: j,
                action: "count".into(),
                stages: vec![],
                rdd: Some(a + 1),
                status: JobStatus::Succeeded,
                start_us: 0,
                end_us: None,
                skipped: Default::default(),
                rdds: vec![],
                new_rdds: if j == 0 {
                    vec![0, a, a + 1]
                } else {
                    vec![a, a + 1]
                },
                submitted: vec![],
            });
            prev = a + 1;
        }
        let g = LineageGraph::build(&s, true, Ordering::Barycenter);
        // 11 RDDs; iterations 2..4 (jobs 1..5 add the same ops; the middle 2 fold): 11 - 4 + 1.
        assert_eq!(g.nodes.len(), 8);
        assert!(g
            .nodes
            .iter()
            .any(|n| matches!(n, LineageNode::Collapsed { iterations: 2, .. })));
        let full = LineageGraph::build(&s, false, Ordering::Barycenter);
        assert_eq!(full.nodes.len(), 11);
    }
}

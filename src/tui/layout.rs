//! A layered layout of a DAG for terminal cells (Sugiyama's method, sized for boxes of text).
//!
//! 1. **Layers** (petgraph's topological order): a node sits one layer below its deepest
//!    parent, so edges point down.
//! 2. **Dummy nodes**: an edge that spans several layers passes through a one-cell dummy in
//!    each layer between, so a long edge (an RDD every iteration reads) is routed around the
//!    boxes in its way instead of through them.
//! 3. **Order**: starting from id order, alternate sweeps down and up sort each layer by the
//!    barycentre of its neighbours' positions; the order with the fewest edge crossings seen is
//!    kept.
//! 4. **Coordinates**: each layer is a band of rows; nodes are placed left to right in order,
//!    each as close to the mean of its parents' centres as the nodes before it allow.
//!
//! The crates measured first (rust-sugiyama, ascii-dag) lay out a lineage as quickly, but
//! neither routes edges through dummy positions we can draw on, nor sizes nodes in cells;
//! the method is small enough to own.

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;

/// A node to place: its size in cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSize {
    pub width: u16,
    pub height: u16,
}

/// A placed box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl Placed {
    /// The column of its centre.
    pub fn center_x(&self) -> i32 {
        self.x + self.width / 2
    }

    /// Whether two boxes share a cell.
    pub fn overlaps(&self, o: &Placed) -> bool {
        self.x < o.x + o.width
            && o.x < self.x + self.width
            && self.y < o.y + o.height
            && o.y < self.y + self.height
    }
}

/// An edge's route: from the bottom of its parent to the top of its child, through the
/// columns of its dummies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub from: usize,
    pub to: usize,
    /// `(column, row)` points: the parent's bottom centre, each dummy's (column, top row) and
    /// (column, bottom row), and a column of the child's top border (its centre if it has one
    /// parent; spread over the border, in the order the edges come from, if it has more).
    pub points: Vec<(i32, i32)>,
}

/// The result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    pub boxes: Vec<Placed>,
    pub routes: Vec<Route>,
    pub width: i32,
    pub height: i32,
    /// Edge crossings between adjacent layers, in the order kept.
    pub crossings: usize,
}

/// How to order each layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    /// Barycentre sweeps (the default).
    Barycenter,
    /// Each layer in id order, an edge's dummy placed by the id of the node it leaves (the
    /// baseline the sweeps must beat).
    IdOrder,
}

/// Rows between two layers (where edges turn).
pub const LAYER_GAP: i32 = 2;
/// Columns between two boxes of a layer.
pub const NODE_GAP: i32 = 2;

#[derive(Clone, Copy)]
enum Slot {
    Real(usize),
    /// The dummy of edge `e` in layer `l`: `Dummy(e, l)`.
    Dummy(usize, usize),
}

/// Lays out `sizes.len()` nodes with `edges` (parent, child).
pub fn layout(sizes: &[NodeSize], edges: &[(usize, usize)], ordering: Ordering) -> Layout {
    let n = sizes.len();
    if n == 0 {
        return Layout::default();
    }
    let mut g: DiGraph<usize, ()> = DiGraph::new();
    let idx: Vec<NodeIndex> = (0..n).map(|i| g.add_node(i)).collect();
    let mut edges: Vec<(usize, usize)> = edges
        .iter()
        .copied()
        .filter(|(a, b)| a != b && *a < n && *b < n)
        .collect();
    edges.sort();
    edges.dedup();
    for (a, b) in &edges {
        g.add_edge(idx[*a], idx[*b], ());
    }
    let order: Vec<usize> = match toposort(&g, None) {
        Ok(o) => o.into_iter().map(|i| g[i]).collect(),
        Err(_) => (0..n).collect(),
    };
    // 1. Layers.
    let mut layer = vec![0usize; n];
    for v in &order {
        for p in g.neighbors_directed(idx[*v], petgraph::Direction::Incoming) {
            layer[*v] = layer[*v].max(layer[g[p]] + 1);
        }
    }
    // Edges that point up (a cycle fallback) are drawn as if reversed.
    let edges: Vec<(usize, usize)> = edges
        .into_iter()
        .map(|(a, b)| if layer[a] < layer[b] { (a, b) } else { (b, a) })
        .filter(|(a, b)| layer[*a] < layer[*b])
        .collect();
    let depth = layer.iter().max().copied().unwrap_or(0) + 1;
    // 2. Slots per layer, with a dummy per edge per layer crossed.
    let mut layers: Vec<Vec<Slot>> = vec![Vec::new(); depth];
    for v in 0..n {
        layers[layer[v]].push(Slot::Real(v));
    }
    // Per edge, the layers its dummies are in.
    let mut chains: Vec<Vec<usize>> = Vec::new();
    for (e, (a, b)) in edges.iter().enumerate() {
        let chain: Vec<usize> = (layer[*a] + 1..layer[*b]).collect();
        for &l in &chain {
            layers[l].push(Slot::Dummy(e, l));
        }
        chains.push(chain);
    }
    // Segments between consecutive layers, as (upper slot, lower slot) by layer. A slot's key
    // is the node, or the edge and the layer of a dummy (an edge has one dummy per layer).
    type Key = (usize, usize, usize);
    let key = |s: &Slot| -> Key {
        match s {
            Slot::Real(v) => (0, *v, 0),
            Slot::Dummy(e, l) => (1, *e, *l),
        }
    };
    let mut segs: Vec<Vec<(Key, Key)>> = vec![Vec::new(); depth];
    for (e, (a, b)) in edges.iter().enumerate() {
        let mut prev: Key = (0, *a, 0);
        for l in &chains[e] {
            segs[l - 1].push((prev, (1, e, *l)));
            prev = (1, e, *l);
        }
        segs[layer[*b] - 1].push((prev, (0, *b, 0)));
    }
    // 3. Order. The baseline puts each layer in id order, a dummy standing for the node its
    // edge leaves (then by the node it reaches), as a drawing without ordering would.
    if ordering == Ordering::IdOrder {
        for l in layers.iter_mut() {
            l.sort_by_key(|s| match s {
                Slot::Real(v) => (*v, 0, 0),
                Slot::Dummy(e, _) => (edges[*e].0, 1, edges[*e].1),
            });
        }
    }
    let mut pos: BTreeMap<Key, f64> = BTreeMap::new();
    let reindex = |layers: &Vec<Vec<Slot>>, pos: &mut BTreeMap<Key, f64>| {
        for l in layers {
            for (i, s) in l.iter().enumerate() {
                pos.insert(key(s), i as f64);
            }
        }
    };
    reindex(&layers, &mut pos);
    let count = |pos: &BTreeMap<Key, f64>| -> usize {
        let mut c = 0;
        for band in &segs {
            for (i, (a1, b1)) in band.iter().enumerate() {
                for (a2, b2) in &band[i + 1..] {
                    let (p1, q1, p2, q2) = (pos[a1], pos[b1], pos[a2], pos[b2]);
                    if (p1 - p2) * (q1 - q2) < 0.0 {
                        c += 1;
                    }
                }
            }
        }
        c
    };
    let mut best = (count(&pos), layers.clone());
    if ordering == Ordering::Barycenter {
        for sweep in 0..16 {
            let down = sweep % 2 == 0;
            let range: Vec<usize> = if down {
                (1..depth).collect()
            } else {
                (0..depth.saturating_sub(1)).rev().collect()
            };
            for l in range {
                let mut keyed: Vec<(f64, usize, Slot)> = layers[l]
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let me = key(s);
                        let band = if down { &segs[l - 1] } else { &segs[l] };
                        let ns: Vec<f64> = band
                            .iter()
                            .filter_map(|(a, b)| {
                                if down && *b == me {
                                    Some(pos[a])
                                } else if !down && *a == me {
                                    Some(pos[b])
                                } else {
                                    None
                                }
                            })
                            .collect();
                        let bc = if ns.is_empty() {
                            i as f64
                        } else {
                            ns.iter().sum::<f64>() / ns.len() as f64
                        };
                        (bc, i, *s)
                    })
                    .collect();
                keyed.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                layers[l] = keyed.into_iter().map(|(_, _, s)| s).collect();
                for (i, s) in layers[l].iter().enumerate() {
                    pos.insert(key(s), i as f64);
                }
            }
            let c = count(&pos);
            if c < best.0 {
                best = (c, layers.clone());
            }
            if c == 0 {
                break;
            }
        }
    }
    let (crossings, layers) = best;
    // 4. Coordinates.
    let width_of = |s: &Slot| match s {
        Slot::Real(v) => sizes[*v].width.max(1) as i32,
        Slot::Dummy(..) => 1,
    };
    let band_height: Vec<i32> = layers
        .iter()
        .map(|l| {
            l.iter()
                .map(|s| match s {
                    Slot::Real(v) => sizes[*v].height.max(1) as i32,
                    Slot::Dummy(..) => 1,
                })
                .max()
                .unwrap_or(1)
        })
        .collect();
    let mut top = vec![0i32; depth];
    for l in 1..depth {
        top[l] = top[l - 1] + band_height[l - 1] + LAYER_GAP;
    }
    let mut x: BTreeMap<Key, i32> = BTreeMap::new();
    let mut center: BTreeMap<Key, f64> = BTreeMap::new();
    for (l, slots) in layers.iter().enumerate() {
        let mut left = 0;
        for s in slots {
            let me = key(s);
            let w = width_of(s);
            let parents: Vec<f64> = if l == 0 {
                Vec::new()
            } else {
                segs[l - 1]
                    .iter()
                    .filter(|(_, b)| *b == me)
                    .filter_map(|(a, _)| center.get(a).copied())
                    .collect()
            };
            let want = if parents.is_empty() {
                left
            } else {
                (parents.iter().sum::<f64>() / parents.len() as f64 - w as f64 / 2.0).round() as i32
            };
            let at = want.max(left);
            x.insert(me, at);
            center.insert(me, at as f64 + w as f64 / 2.0);
            left = at + w + NODE_GAP;
        }
    }
    let mut boxes = vec![
        Placed {
            x: 0,
            y: 0,
            width: 0,
            height: 0
        };
        n
    ];
    for (l, slots) in layers.iter().enumerate() {
        for s in slots {
            if let Slot::Real(v) = s {
                boxes[*v] = Placed {
                    x: x[&key(s)],
                    y: top[l],
                    width: sizes[*v].width.max(1) as i32,
                    height: sizes[*v].height.max(1) as i32,
                };
            }
        }
    }
    // Edges into one box arrive at their own columns of its top border, spread in the order
    // they come from (left to right), so each edge keeps its own arrow.
    let approach = |e: usize| -> i32 {
        match chains[e].last() {
            Some(l) => x[&(1, e, *l)],
            None => boxes[edges[e].0].center_x(),
        }
    };
    let mut arrive = vec![0i32; edges.len()];
    let mut into: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (e, (_, b)) in edges.iter().enumerate() {
        into.entry(*b).or_default().push(e);
    }
    for (b, mut es) in into {
        es.sort_by_key(|e| (approach(*e), *e));
        let p = boxes[b];
        let k = es.len() as i32;
        for (i, e) in es.into_iter().enumerate() {
            arrive[e] = if k == 1 {
                p.center_x()
            } else {
                // Inside the corners: columns 1 ..= width - 2.
                p.x + 1 + ((i as i32) * (p.width - 3)) / (k - 1)
            };
        }
    }
    let routes: Vec<Route> = edges
        .iter()
        .enumerate()
        .map(|(e, (a, b))| {
            let pa = boxes[*a];
            let pb = boxes[*b];
            let mut points = vec![(pa.center_x(), pa.y + pa.height - 1)];
            for l in &chains[e] {
                let dx = x[&(1, e, *l)];
                points.push((dx, top[*l]));
                points.push((dx, top[*l] + band_height[*l] - 1));
            }
            points.push((arrive[e], pb.y));
            Route {
                from: *a,
                to: *b,
                points,
            }
        })
        .collect();
    let width = boxes
        .iter()
        .map(|b| b.x + b.width)
        .max()
        .unwrap_or(0)
        .max(x.values().copied().max().map_or(0, |m| m + 1));
    let height = top[depth - 1] + band_height[depth - 1];
    Layout {
        boxes,
        routes,
        width,
        height,
        crossings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diamond_lays_out_in_three_layers_without_overlap_or_crossings() {
        let sizes = vec![
            NodeSize {
                width: 10,
                height: 3
            };
            4
        ];
        let l = layout(
            &sizes,
            &[(0, 1), (0, 2), (1, 3), (2, 3)],
            Ordering::Barycenter,
        );
        assert_eq!(l.boxes[0].y, 0);
        assert_eq!(l.boxes[1].y, l.boxes[2].y);
        assert!(l.boxes[3].y > l.boxes[1].y);
        assert!(!l.boxes[1].overlaps(&l.boxes[2]));
        assert_eq!(l.crossings, 0);
    }

    #[test]
    fn a_long_edge_passes_beside_the_boxes_in_between() {
        let sizes = vec![
            NodeSize {
                width: 8,
                height: 3
            };
            4
        ];
        // 0 -> 1 -> 2 -> 3, and 0 -> 3 across two layers.
        let l = layout(
            &sizes,
            &[(0, 1), (1, 2), (2, 3), (0, 3)],
            Ordering::Barycenter,
        );
        let long = l.routes.iter().find(|r| r.from == 0 && r.to == 3).unwrap();
        assert_eq!(
            long.points.len(),
            6,
            "two dummies, two points each, and the ends"
        );
        for &(x, y) in &long.points[1..5] {
            for b in [&l.boxes[1], &l.boxes[2]] {
                let inside = x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;
                assert!(!inside, "the long edge runs through a box at ({x}, {y})");
            }
        }
    }

    #[test]
    fn edges_leaving_one_node_for_later_layers_cross_in_id_order_and_not_after_the_sweeps() {
        // A chain 0 -> 1 -> ... -> 5 that node 0 also feeds at layers 3 and 5, as the links
        // feed every PageRank iteration: in id order the dummy to 3 sits left of the dummy to 5
        // and the two cross where 3 is reached.
        let sizes = vec![
            NodeSize {
                width: 8,
                height: 3
            };
            6
        ];
        let e = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 3), (0, 5)];
        let naive = layout(&sizes, &e, Ordering::IdOrder);
        let swept = layout(&sizes, &e, Ordering::Barycenter);
        assert!(naive.crossings > 0);
        assert_eq!(swept.crossings, 0);
        // Each dummy has its own column per layer: the route's dummy points are where the
        // coordinates put them, so no two boxes and no dummy share a cell.
        for r in &swept.routes {
            for &(x, y) in &r.points[1..r.points.len() - 1] {
                for b in &swept.boxes {
                    let inside = x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;
                    assert!(
                        !inside,
                        "edge {}->{} runs through a box at ({x}, {y})",
                        r.from, r.to
                    );
                }
            }
        }
    }
}

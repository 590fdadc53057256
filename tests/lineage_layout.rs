//! The lineage view's layout on a long lineage (PageRank over 10 iterations) and a branchy one.

use ember::scenario::{load, run, Overrides, RunOptions};
use ember::tui::layout::Ordering;
use ember::tui::lineage::{LineageGraph, LineageNode};
use ember::tui::state::UiState;

fn pagerank_state(iterations: usize) -> UiState {
    let o = Overrides {
        sets: vec![("workload.iterations".into(), iterations.to_string())],
        ..Overrides::default()
    };
    let sc = load("pagerank", &o).expect("bundled");
    let events = run(&sc, RunOptions::default()).expect("run").events;
    UiState::from_events(&events)
}

#[test]
fn a_ten_iteration_pagerank_lineage_lays_out_without_overlaps_and_with_fewer_crossings_than_id_order(
) {
    let s = pagerank_state(10);
    let g = LineageGraph::build(&s, false, Ordering::Barycenter);
    assert!(g.nodes.len() >= 60, "{} RDDs", g.nodes.len());
    let boxes = &g.layout.boxes;
    for (i, a) in boxes.iter().enumerate() {
        for (j, b) in boxes.iter().enumerate().skip(i + 1) {
            assert!(!a.overlaps(b), "boxes {i} and {j} overlap: {a:?} {b:?}");
        }
    }
    let naive = LineageGraph::build(&s, false, Ordering::IdOrder);
    assert!(
        g.layout.crossings < naive.layout.crossings,
        "barycentre order: {} crossings; id order: {}",
        g.layout.crossings,
        naive.layout.crossings
    );
    // Every edge is routed from its parent's bottom to its child's top, each edge into a join
    // at its own column.
    for r in &g.layout.routes {
        let (from, to) = (boxes[r.from], boxes[r.to]);
        assert_eq!(
            r.points.first(),
            Some(&(from.center_x(), from.y + from.height - 1))
        );
        let &(ax, ay) = r.points.last().expect("an end");
        assert_eq!(ay, to.y, "edges end on the child's top border");
        assert!(ax > to.x && ax < to.x + to.width - 1, "inside its corners");
        // The long edges (the links, read by every iteration) pass beside the boxes.
        for &(x, y) in &r.points[1..r.points.len() - 1] {
            for b in boxes {
                let inside = x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;
                assert!(
                    !inside,
                    "edge {}->{} runs through a box at ({x}, {y})",
                    r.from, r.to
                );
            }
        }
    }
    for (i, r) in g.layout.routes.iter().enumerate() {
        for q in &g.layout.routes[i + 1..] {
            if r.to == q.to {
                assert_ne!(r.points.last(), q.points.last(), "two edges share an arrow");
            }
        }
    }
    // A chain with one node read from every iteration can be drawn without a crossing.
    assert_eq!(g.layout.crossings, 0);
    // Collapsed, the iterations between the second and the last (seven of them, seven RDDs
    // each) fold into one box.
    let folded = LineageGraph::build(&s, true, Ordering::Barycenter);
    let collapsed: Vec<usize> = folded
        .nodes
        .iter()
        .filter_map(|n| match n {
            LineageNode::Collapsed { iterations, .. } => Some(*iterations),
            LineageNode::Rdd(_) => None,
        })
        .collect();
    assert_eq!(collapsed, vec![7]);
    assert_eq!(folded.nodes.len(), g.nodes.len() - 7 * 7 + 1);
}

/// Three sources joined pairwise and then together: the shape where ordering matters most.
fn branchy_state() -> UiState {
    use ember::Context;
    let (ctx, rec) = Context::local_recorded(2);
    let v: Vec<(u32, u32)> = (0..50).map(|i| (i % 7, i)).collect();
    let a = ctx.parallelize(v.clone(), 4);
    let b = ctx.parallelize(v.clone(), 3);
    let c = ctx.parallelize(v, 2);
    let ab = a.join(&b);
    let bc = b.join(&c).map_values(|(x, y)| (*y, *x));
    let ca = c.union(&a).reduce_by_key(|x, y| x + y);
    let all = ab.join(&bc).join(&ca);
    all.count().expect("count");
    UiState::from_events(&rec.events())
}

#[test]
fn barycentre_sweeps_cross_fewer_edges_than_id_order_on_a_branchy_lineage() {
    let s = branchy_state();
    let g = LineageGraph::build(&s, false, Ordering::Barycenter);
    let naive = LineageGraph::build(&s, false, Ordering::IdOrder);
    assert!(
        g.layout.crossings < naive.layout.crossings,
        "barycentre order: {} crossings; id order: {}",
        g.layout.crossings,
        naive.layout.crossings
    );
}

//! Lineages 100,000 RDDs deep: every walk of the lineage works at that depth (computing a
//! partition, dropping the chain, the debug string, preferred locations, the stage graph, a
//! scenario's check and run, the UI's layout), on both clocks.

use ember::cluster::{Clock, ClusterSpec};
use ember::scenario::{parse, run, Overrides, RunOptions, Source};
use ember::tui::layout::Ordering;
use ember::tui::lineage::{LineageGraph, BOX_LIMIT};
use ember::tui::state::UiState;
use ember::Context;

const DEPTH: usize = 100_000;

fn context(clock: Clock) -> Context {
    Context::builder()
        .cluster(ClusterSpec::flat(2, 1))
        .clock(clock)
        .build()
        .expect("context")
}

#[test]
fn a_chain_of_a_hundred_thousand_maps_computes_prints_and_drops_on_both_clocks() {
    for clock in [Clock::Virtual, Clock::Wall] {
        let ctx = context(clock);
        let mut r = ctx.parallelize((0..100u64).collect(), 2);
        for _ in 0..DEPTH {
            r = r.map(|x| x + 1);
        }
        let mut got = r.collect().expect("the job runs");
        got.sort();
        assert_eq!(got, (DEPTH as u64..DEPTH as u64 + 100).collect::<Vec<_>>());
        let text = r.lineage_string();
        assert_eq!(text.lines().count(), DEPTH + 1, "one line per RDD");
        assert!(text
            .lines()
            .last()
            .is_some_and(|l| l.contains("ParallelCollectionRDD[0]")));
        // Dropping the last handle drops the whole chain, node by node.
        drop(r);
    }
}

#[test]
fn a_chain_of_maps_over_a_dfs_file_finds_its_preferred_locations_a_hundred_thousand_rdds_down() {
    let ctx = context(Clock::Virtual);
    ctx.dfs()
        .write("dfs://in/x.txt", b"1\n2\n3\n", None)
        .expect("written");
    let mut r = ctx
        .text_file("dfs://in/x.txt")
        .expect("read")
        .map(|l| l.len());
    for _ in 0..DEPTH {
        r = r.map(|x| x + 1);
    }
    assert_eq!(r.count().expect("the job runs"), 3);
}

#[test]
fn a_chain_of_shuffles_a_hundred_thousand_rdds_long_cuts_into_stages_and_runs() {
    // reduce_by_key makes one RDD; each link of the chain is a map and a shuffle.
    let ctx = context(Clock::Virtual);
    let mut r = ctx.parallelize((0..8u64).map(|x| (x, 1u64)).collect(), 2);
    for _ in 0..DEPTH / 2 {
        r = r.map(|(k, v)| (*k, *v)).reduce_by_key_into(|a, b| a + b, 2);
    }
    assert_eq!(r.count().expect("the job runs"), 8);
    assert!(r.lineage_string().lines().count() > DEPTH);
}

/// A pipeline scenario of `n` chained maps after a parallelized range.
fn chain_scenario(n: usize) -> String {
    let mut s = String::from(
        "name = \"deep\"\ndescription = \"a long chain of maps\"\n[workload]\nkind = \"pipeline\"\n\
         [[workload.dataset]]\nname = \"r\"\ngenerator = \"range\"\nstart = 0\nend = 10\npartitions = 2\n\
         [[workload.rdd]]\nid = \"r0\"\nop = \"parallelize\"\ndataset = \"r\"\n",
    );
    let mut prev = "r0".to_string();
    for i in 1..=n {
        s.push_str(&format!(
            "[[workload.rdd]]\nid = \"r{i}\"\nop = \"map\"\ninput = \"{prev}\"\nfn = \"identity\"\n"
        ));
        prev = format!("r{i}");
    }
    s.push_str(&format!(
        "[[workload.action]]\nop = \"count\"\nrdd = \"{prev}\"\n"
    ));
    s
}

#[test]
fn a_scenario_of_a_hundred_thousand_rdds_checks_runs_and_lays_out_in_its_compact_form() {
    let source = Source {
        origin: "deep.toml".into(),
        bytes: chain_scenario(DEPTH).into_bytes(),
        path: None,
    };
    let sc = parse(&source, &Overrides::default()).expect("the file checks");
    let report = run(&sc, RunOptions::default()).expect("the run succeeds");
    assert_eq!(report.summary.tasks, 2);
    assert!(report.lineage.lines().count() > DEPTH);
    let state = UiState::from_events(&report.events);
    assert_eq!(state.rdds.len(), DEPTH + 1);
    let g = LineageGraph::build(&state, true, Ordering::Barycenter);
    assert!(!g.boxes, "past {BOX_LIMIT} RDDs, no boxes");
    assert_eq!(g.compact.rows.len(), DEPTH + 1, "one line per RDD");
    assert!(g.compact.rows.iter().all(|r| r.margin == "●"));
}

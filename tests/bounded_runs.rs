//! Runs are bounded: the driver's work does not grow with how long tasks take, and an event
//! log grows with the lineage, not with the lineage times the jobs.

use ember::cluster::{ClusterSpec, CostModel};
use ember::events::{EventKind, RddInfo};
use ember::scenario::{bundled, load, run, Overrides, RunOptions};
use ember::Context;
use std::collections::BTreeMap;

/// Word pairs reduced by key, then a second job over the shuffled result: tasks queue for the
/// cores, a shuffle, a job that skips a stage.
fn driver_steps(data_scale: f64) -> (u64, u64) {
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(2, 2))
        .cost(CostModel {
            data_scale,
            ..CostModel::default()
        })
        .build()
        .expect("context");
    let words: Vec<String> = (0..4000).map(|i| format!("w{}", i % 37)).collect();
    let counts = ctx
        .parallelize(words, 12)
        .map(|w| (w.clone(), 1u64))
        .reduce_by_key_into(|a, b| a + b, 5);
    assert_eq!(counts.count().expect("job 0"), 37);
    assert_eq!(counts.count().expect("job 1"), 37);
    (ctx.driver_steps(), ctx.now_us())
}

#[test]
fn the_driver_takes_the_same_steps_whatever_the_data_scale() {
    let (steps, took) = driver_steps(1.0);
    let (big_steps, big_took) = driver_steps(1e12);
    assert!(
        big_took > took * 1_000_000,
        "the big run takes far longer on the virtual clock: {big_took} µs vs {took} µs"
    );
    assert_eq!(
        big_steps, steps,
        "the driver's steps depend on the decisions to make, not on the tasks' durations"
    );
}

#[test]
fn no_job_start_describes_an_rdd_again_unless_its_description_changed() {
    for (name, _) in bundled::BUNDLED {
        let sc = load(name, &Overrides::default()).expect("bundled");
        let events = match run(&sc, RunOptions::default()) {
            Ok(r) => r.events,
            Err(e) => panic!("{name}: {e}"),
        };
        let mut described: BTreeMap<usize, RddInfo> = BTreeMap::new();
        let mut starts = 0;
        for e in &events {
            if let EventKind::JobStart { job, rdds, .. } = &e.kind {
                starts += 1;
                for r in rdds {
                    assert_ne!(
                        described.get(&r.rdd),
                        Some(r),
                        "{name}: job {job} describes RDD {} again, unchanged",
                        r.rdd
                    );
                    described.insert(r.rdd, r.clone());
                }
            }
        }
        assert!(starts > 0, "{name} ran no job");
    }
}

/// The bytes of the event log of `pagerank-checkpoint` over `iterations`.
fn pagerank_checkpoint_log_bytes(iterations: usize) -> u64 {
    let o = Overrides {
        sets: vec![("workload.iterations".into(), iterations.to_string())],
        ..Overrides::default()
    };
    let sc = load("pagerank-checkpoint", &o).expect("bundled");
    let path = std::env::temp_dir().join(format!(
        "ember-bounded-{}-{iterations}.jsonl",
        std::process::id()
    ));
    run(
        &sc,
        RunOptions {
            events: Some(path.clone()),
            listener: None,
        },
    )
    .expect("run");
    let bytes = std::fs::metadata(&path).expect("the log").len();
    let _ = std::fs::remove_file(&path);
    bytes
}

#[test]
fn a_checkpointed_pagerank_log_grows_with_its_iterations_not_their_square() {
    let small = pagerank_checkpoint_log_bytes(40);
    let big = pagerank_checkpoint_log_bytes(400);
    assert!(
        big <= 15 * small,
        "400 iterations wrote {big} bytes, 40 wrote {small}: {:.1}×",
        big as f64 / small as f64
    );
}

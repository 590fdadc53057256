//! Runs are bounded: the driver's work does not grow with how long tasks take.

use ember::cluster::{ClusterSpec, CostModel};
use ember::Context;

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

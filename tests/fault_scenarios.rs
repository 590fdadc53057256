//! The bundled fault scenarios show what their comments say: the answer is the fault-free
//! run's, exactly the lost partitions are computed again, the RDD paper's Figure 11 has its
//! shape, a lost map output reruns one map task, replicated blocks survive a lost host, and
//! speculation copies the straggler's tasks.

mod common;

use ember::events::{Event, EventKind, RecomputeReason, TaskEndReason};
use ember::scenario::{load, run, Overrides, RunReport};
use std::collections::BTreeSet;

fn run_scenario(name: &str, variant: Option<&str>, faults: bool) -> RunReport {
    let o = Overrides {
        variant: variant.map(str::to_string),
        ..Overrides::default()
    };
    let mut sc = load(name, &o).expect("loads");
    if !faults {
        sc.faults.clear();
    }
    run(&sc, Default::default()).expect("runs")
}

fn digest(r: &RunReport) -> String {
    r.summary.result_digest.clone().expect("a digest")
}

/// The RDD blocks `executor` held when `until` events had been posted.
fn held(events: &[Event], executor: &str, until: usize) -> BTreeSet<String> {
    let mut blocks = BTreeSet::new();
    for e in &events[..until] {
        match &e.kind {
            EventKind::BlockStored {
                block, executor: x, ..
            } if x == executor => {
                blocks.insert(block.clone());
            }
            EventKind::BlockEvicted {
                block, executor: x, ..
            }
            | EventKind::BlockRemoved {
                block, executor: x, ..
            } if x == executor => {
                blocks.remove(block);
            }
            _ => {}
        }
    }
    blocks
}

fn recomputed_lost(events: &[Event]) -> BTreeSet<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PartitionRecomputed {
                rdd,
                partition,
                reason: RecomputeReason::Lost,
                ..
            } => Some(format!("rdd_{rdd}_{partition}")),
            _ => None,
        })
        .collect()
}

fn fault_at(events: &[Event]) -> usize {
    events
        .iter()
        .position(|e| matches!(e.kind, EventKind::FaultInjected { .. }))
        .expect("the fault was injected")
}

fn iterations(r: &RunReport) -> Vec<f64> {
    r.summary
        .iterations
        .iter()
        .map(|i| i.elapsed_us as f64)
        .collect()
}

#[test]
fn figure_11_loses_a_machine_recomputes_exactly_its_partitions_and_keeps_the_answer() {
    let with = run_scenario("kmeans-figure-11", None, true);
    let without = run_scenario("kmeans-figure-11", None, false);
    assert_eq!(digest(&with), digest(&without));
    let lost = held(&with.events, "exec-3", fault_at(&with.events));
    assert!(!lost.is_empty());
    assert_eq!(
        recomputed_lost(&with.events),
        lost,
        "exactly the killed machine's cached partitions are computed again"
    );
    // The paper's shape: the failed iteration is slower than its neighbours, and the ones
    // after it are within 10% of the ones before it.
    let it = iterations(&with);
    assert_eq!(it.len(), 10);
    assert!(it[5] > it[4] * 1.2 && it[5] > it[6] * 1.2, "{it:?}");
    let before = it[1..5].iter().sum::<f64>() / 4.0;
    for (i, t) in it.iter().enumerate().skip(6) {
        assert!(
            (t / before - 1.0).abs() < 0.10,
            "iteration {} took {t} µs, those before {before} µs",
            i + 1
        );
    }
}

#[test]
fn a_silent_machine_costs_the_heartbeat_timeout_before_it_is_declared_lost() {
    let silent = run_scenario("kmeans-figure-11", Some("silent"), true);
    let without = run_scenario("kmeans-figure-11", Some("silent"), false);
    assert_eq!(digest(&silent), digest(&without));
    let e = &silent.events;
    let hang = e[fault_at(e)].time_us;
    let removed = e
        .iter()
        .find_map(|x| match &x.kind {
            EventKind::ExecutorRemoved { reason, .. } => Some((x.time_us, reason.clone())),
            _ => None,
        })
        .expect("ExecutorRemoved");
    assert_eq!(
        removed.0 - hang,
        1_000_000,
        "declared lost after heartbeat_timeout"
    );
    assert!(removed.1.contains("heartbeat timed out"), "{}", removed.1);
    assert!(iterations(&silent)[5] >= iterations(&without)[5] + 1_000_000.0);
}

#[test]
fn a_lost_map_output_reruns_its_executors_map_tasks_and_the_unfinished_reduce_partitions() {
    let r = run_scenario("fetch-failure", None, true);
    let without = run_scenario("fetch-failure", None, false);
    assert_eq!(digest(&r), digest(&without));
    let attempts: Vec<(usize, usize, Vec<usize>)> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StageSubmitted {
                stage,
                attempt,
                partitions,
                ..
            } => Some((*stage, *attempt, partitions.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    // A fetch failure from an executor is taken to mean that all its shuffle files are gone
    // (Spark's `removeExecutorAndUnregisterOutputs`): the maps it wrote run again.
    let map_on: Vec<String> = (0..6)
        .map(|m| {
            r.events
                .iter()
                .find_map(|e| match &e.kind {
                    EventKind::TaskEnd {
                        stage: 0,
                        attempt: 0,
                        partition,
                        executor,
                        reason: TaskEndReason::Success,
                        ..
                    } if *partition == m => Some(executor.clone()),
                    _ => None,
                })
                .expect("map ran")
        })
        .collect();
    let same: Vec<usize> = (0..6).filter(|m| map_on[*m] == map_on[2]).collect();
    assert_eq!(
        attempts[2],
        (0, 1, same),
        "the maps of map 2's executor run again"
    );
    let done_before: BTreeSet<usize> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TaskEnd {
                stage: 1,
                attempt: 0,
                partition,
                reason: TaskEndReason::Success,
                ..
            } => Some(*partition),
            _ => None,
        })
        .collect();
    let rerun: BTreeSet<usize> = attempts[3].2.iter().copied().collect();
    assert_eq!(attempts[3].0, 1);
    assert_eq!(
        rerun,
        (0..9).filter(|p| !done_before.contains(p)).collect(),
        "the reduce stage's second attempt runs only its unfinished partitions"
    );
    // With the external shuffle service, a killed executor's files are still served.
    let ess = run_scenario("fetch-failure", Some("external-shuffle-service"), true);
    assert_eq!(ess.summary.task_failures, 0);
    assert_eq!(ess.summary.stages, 2);
}

#[test]
fn a_lost_host_costs_recomputation_unless_the_blocks_are_replicated() {
    let base = run_scenario("host-loss", None, true);
    let replicated = run_scenario("host-loss", Some("replicated"), true);
    assert_eq!(digest(&base), digest(&replicated));
    let lost = held(&base.events, "exec-1", fault_at(&base.events));
    assert!(!lost.is_empty());
    assert_eq!(recomputed_lost(&base.events), lost);
    assert_eq!(replicated.summary.partitions_recomputed, 0);
}

#[test]
fn speculation_copies_the_stragglers_tasks_and_kills_the_losers_without_failing() {
    let r = run_scenario("stragglers", None, true);
    let plain = run_scenario("stragglers", Some("no-speculation"), true);
    assert_eq!(digest(&r), digest(&plain));
    let copies = common::speculative_starts(&r.events);
    let killed = r
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::TaskEnd {
                    reason: TaskEndReason::Killed,
                    ..
                }
            )
        })
        .count();
    assert!(
        copies > 0 && killed == copies,
        "{copies} copies, {killed} killed"
    );
    assert_eq!(r.summary.task_failures, 0, "a kill is not a failure");
    assert!(
        r.summary.elapsed_us < plain.summary.elapsed_us,
        "the copies finish before the straggler would have"
    );
}

#[test]
fn the_tour_loses_an_executor_and_still_gives_the_answer() {
    let r = run_scenario("tour", None, true);
    let without = run_scenario("tour", None, false);
    assert_eq!(digest(&r), digest(&without));
    assert!(r
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::ExecutorRemoved { .. })));
}

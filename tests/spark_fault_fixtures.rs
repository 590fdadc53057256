//! Real Apache Spark 4.3 as ground truth for faults: `executor-lost.scala`, `fetch-failed.scala`
//! and `speculation.scala` (tests/fixtures/spark) written against ember's API, with the task
//! code doing what the Scala does (`Thread.sleep` is `TaskContext::sleep`, virtual time;
//! `Runtime.getRuntime.halt(1)` is `TaskContext::halt_executor(1)`). Jobs, stage attempts and
//! resubmissions must be Spark's exactly; task ends by reason within 2 of Spark's, each
//! difference explained where it is asserted.
//!
//! Spark ran these on `local-cluster[3,1,1024]`: three one-core executors on one host. When an
//! executor's process exits, Spark's standalone worker starts a replacement (executor `3` in
//! both logs); ember models it with an `add_executor` fault on the same host.

mod common;

use common::spark::{check_against, check_against_within, facts, spark_task_ends};
use common::{job_facts, task_ends};
use ember::cluster::ClusterSpec;
use ember::events::{Event, EventKind, EventRecorder};
use ember::faults::{Fault, FaultKind, Trigger};
use ember::{Context, TaskContext};
use std::time::Duration;

/// Three one-core executors on one host, as `local-cluster[3,1,1024]`.
fn local_cluster() -> (Context, EventRecorder) {
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec {
            racks: 1,
            hosts_per_rack: 1,
            executors_per_host: 3,
            cores_per_executor: 1,
            ..Default::default()
        })
        .listener(rec.clone())
        .build()
        .expect("context");
    (ctx, rec)
}

/// Spark's task-end counts by reason, renamed to ember's words.
fn removed(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ExecutorRemoved { executor, reason } => {
                Some((executor.clone(), reason.clone()))
            }
            _ => None,
        })
        .collect()
}

/// `executor-lost.scala`: five iterations over cached points; in iteration 3 the task for
/// partition 2 sleeps 500 ms and halts its executor. Spark's job 3 has 7 task ends (6
/// successes, 1 `ExecutorLostFailure`) in its one stage attempt of 6 tasks; the lost
/// executor's cached partitions are computed again where next needed.
#[test]
fn executor_lost_matches_spark_jobs_attempts_and_task_ends() {
    let (ctx, rec) = local_cluster();
    // The worker's replacement executor, registered before the next iteration.
    ctx.inject(Fault {
        engine: None,
        at: Trigger::Job(4),
        kind: FaultKind::AddExecutor {
            host: 0,
            cores: Some(1),
        },
    });
    let points = ctx
        .parallelize((0..6000u32).collect(), 6)
        .map(|i| ((i % 97) as f64, (i % 13) as f64))
        .cache();
    assert_eq!(points.count().unwrap(), 6000);
    let mut w = 1.0f64;
    for iter in 1..=5 {
        let wv = w;
        let g = points
            .map(move |(x, y)| {
                if let Some(tc) = TaskContext::get() {
                    if iter == 3
                        && tc.stage_attempt() == 0
                        && tc.partition() == 2
                        && tc.attempt_number() == 0
                    {
                        tc.sleep(Duration::from_millis(500));
                        tc.halt_executor(1);
                    }
                }
                (wv * x - y) * x
            })
            .reduce(|a, b| a + b)
            .unwrap()
            .expect("non-empty");
        w -= 1e-6 * g;
    }
    let events = rec.events();
    let spark = facts("executor-lost");
    check_against(&spark, &job_facts(&events));
    assert_eq!(task_ends(&events), spark_task_ends(&spark));
    let lost = removed(&events);
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].1, "Command exited with code 1", "Spark's reason");
    // The lost executor's cached partitions come back by recomputation, not by rerunning
    // anything else.
    let recomputed = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::PartitionRecomputed { reason, .. } if *reason == ember::events::RecomputeReason::Lost))
        .count();
    assert_eq!(
        recomputed, 2,
        "exec's two cached partitions (of 6 on 3 executors)"
    );
}

/// `fetch-failed.scala`: a reduce task halts its executor, which holds two map outputs, while
/// the reduce stage runs; later reduce tasks cannot fetch those outputs, the reduce attempt
/// fails, the map stage reruns its 2 lost partitions (attempt 1), and the reduce stage its 7
/// unfinished ones (attempt 1).
#[test]
fn fetch_failed_matches_spark_attempts_and_resubmissions() {
    let (ctx, rec) = local_cluster();
    // The worker's replacement: Spark's log has it register 3.3 s after the exit (a new JVM);
    // here the exit comes at 0.61 s, as the reduce stage starts.
    ctx.inject(Fault {
        engine: None,
        at: Trigger::Time(3_900_000),
        kind: FaultKind::AddExecutor {
            host: 0,
            cores: Some(1),
        },
    });
    let pairs = ctx
        .parallelize((0..6000u64).collect(), 6)
        .map_partitions(|it| {
            if let Some(tc) = TaskContext::get() {
                tc.sleep(Duration::from_millis(300));
            }
            it.map(|i| (i % 50, *i))
        });
    let summed = pairs
        .reduce_by_key_into(|a, b| a + b, 9)
        .map_partitions(|it| {
            if let Some(tc) = TaskContext::get() {
                if tc.stage_attempt() == 0 && tc.partition() == 0 && tc.attempt_number() == 0 {
                    tc.halt_executor(1);
                }
                tc.sleep(Duration::from_millis(1500));
            }
            it
        });
    let out = summed.collect().unwrap();
    assert_eq!(out.len(), 50);
    assert_eq!(
        out.iter().map(|(_, v)| v).sum::<u64>(),
        (0..6000).sum::<u64>()
    );
    let events = rec.events();
    let spark = facts("fetch-failed");
    check_against_within(&spark, &job_facts(&events), 2);
    let ours = task_ends(&events);
    let theirs = spark_task_ends(&spark);
    for (reason, n) in &theirs {
        let o = ours.get(reason).copied().unwrap_or(0);
        assert!(
            o.abs_diff(*n) <= 2,
            "{reason}: ember {o}, Spark {n} (ember's {ours:?})"
        );
    }
    // The one difference: Spark 3 fetch failures, ember 2. Spark's fetch from the dead
    // executor took about 0.9 s to fail (the shuffle client's connection retries), and in
    // that time one more task of the doomed attempt launched and failed too; ember's fetch
    // fails at once, so only the two tasks launched together when the first reduce tasks
    // ended (the retry of partition 0 and partition 3) fail.
    assert_eq!(
        (ours["success"], ours["executor_lost"], ours["fetch_failed"]),
        (17, 1, 2)
    );
    assert_eq!(removed(&events).len(), 1);
}

/// `speculation.scala`: partition 5's first attempt sleeps 30 s, the others 500 ms, with
/// `spark.speculation` on (multiplier 2, quantile 0.5, interval and minimum runtime 100 ms, the
/// efficiency check off). A copy of task 5 runs on another host, succeeds, and the original is
/// killed ("another attempt succeeded"). Spark ran its three executors under three host names
/// (`vm`, `127.0.0.1`, `localhost`), so that a copy had another host to go to: three hosts here.
#[test]
fn speculation_matches_spark_one_copy_that_wins_and_a_killed_original() {
    let rec = EventRecorder::new();
    let mut scheduler = ember::scheduler::SchedulerConfig::default();
    scheduler.speculation = ember::scheduler::speculation::SpeculationConfig {
        enabled: true,
        multiplier: 2.0,
        quantile: 0.5,
        interval_us: 100_000,
        min_runtime_us: 100_000,
    };
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(3, 1))
        .scheduler(scheduler)
        .listener(rec.clone())
        .build()
        .expect("context");
    let sum = ctx
        .parallelize((0..600u64).collect(), 6)
        .map_partitions(|it| {
            if let Some(tc) = TaskContext::get() {
                let ms = if tc.partition() == 5 && tc.attempt_number() == 0 {
                    30_000
                } else {
                    500
                };
                tc.sleep(Duration::from_millis(ms));
            }
            it.map(|x| x * 3)
        })
        .reduce(|a, b| a + b)
        .unwrap();
    assert_eq!(sum, Some(3 * (0..600u64).sum::<u64>()));
    let events = rec.events();
    let spark = facts("speculation");
    check_against(&spark, &job_facts(&events));
    assert_eq!(task_ends(&events), spark_task_ends(&spark));
    let speculative = common::speculative_starts(&events);
    assert_eq!(
        speculative as u64,
        spark["speculative_tasks"].as_u64().unwrap_or(0)
    );
    // The job ends when the copy wins (about 0.5 s after it starts), not after 30 s.
    let end = events
        .iter()
        .find_map(|e| matches!(e.kind, EventKind::JobEnd { .. }).then_some(e.time_us))
        .expect("JobEnd");
    assert!(end < 5_000_000, "the job ended at {end} µs");
}

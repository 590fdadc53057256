//! Executor loss, resubmission and aborts against Spark's `DAGSchedulerSuite`,
//! `TaskSetManagerSuite` and `TaskSchedulerImplSuite` (reference §4 and §6 cases 8–10, 12,
//! 14, 20, 23): a bare scheduler, driven by hand (the harness of `tests/common/harness.rs`).

mod common;

use common::harness::{complete_map_on, killed, shuffle_dep, Harness};
use ember::events::{EventKind, Outcome, TaskEndReason};
use ember::scheduler::{ExecutorLoss, SchedulerConfig, TaskOutcome};
use ember::storage::BlockId;
use ember::Context;

/// A two-map, two-reduce shuffle with both maps done: map 0 on exec-0, map 1 on exec-1.
fn shuffle_with_outputs(hosts: &[&'static str]) -> (Harness, usize) {
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 2);
    let mut h = Harness::new(hosts);
    h.sched.tasks.keep_offer_order();
    let job = h.submit(b.node(), vec![0, 1]);
    let maps = h.offer();
    assert_eq!(
        maps.iter().map(|t| t.executor).collect::<Vec<_>>(),
        [0, 1],
        "offers in executor order: map 0 on exec-0, map 1 on exec-1"
    );
    for t in &maps {
        h.complete_map(t, 2);
    }
    (h, job)
}

fn outputs_on(h: &Harness, shuffle: usize) -> Vec<Option<usize>> {
    h.sched
        .dag
        .tracker
        .statuses(shuffle)
        .expect("shuffle registered")
        .iter()
        .map(|s| s.as_ref().map(|s| s.executor))
        .collect()
}

// Reference §6 case 8 and §4.2's table.

#[test]
fn shuffle_files_lost_or_not_lost_as_the_external_shuffle_service_and_the_worker_say() {
    // (case, worker lost, external shuffle service, map outputs of hostA lost)
    let cases = [
        ("executor process lost, ESS on", false, true, false),
        ("worker lost, ESS on", true, true, true),
        ("worker lost, ESS off", true, false, true),
        ("executor killed, ESS on", false, true, false),
        ("executor killed, ESS off", false, false, true),
    ];
    for (case, worker_lost, ess, lost) in cases {
        // exec-0 and exec-2 on hostA, exec-1 on hostB.
        let (mut h, _) = shuffle_with_outputs(&["hostA", "hostB", "hostA"]);
        // exec-0 also holds a cached block: the block manager is always removed.
        let block = BlockId::Rdd {
            rdd: 0,
            partition: 0,
        };
        h.master.with(|m| m.update_block_info(block, 0, true));
        h.lose(
            0,
            ExecutorLoss {
                message: case.into(),
                caused_by_app: false,
                worker_lost,
            },
            ess,
        );
        assert!(
            h.master.locations(block).is_empty(),
            "{case}: the block manager is removed"
        );
        let expected = if lost {
            vec![None, Some(1)]
        } else {
            vec![Some(0), Some(1)]
        };
        assert_eq!(outputs_on(&h, 0), expected, "{case}");
    }
}

#[test]
fn a_lost_worker_takes_the_outputs_of_every_executor_on_its_host() {
    // exec-2 on hostA wrote map 1; hostA's worker goes with exec-0.
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 2);
    let mut h = Harness::new(&["hostA", "hostB", "hostA"]);
    h.submit(b.node(), vec![0, 1]);
    let maps = h.offer();
    complete_map_on(&mut h, &maps[0], 0, 2);
    complete_map_on(&mut h, &maps[1], 2, 2);
    h.lose(
        0,
        ExecutorLoss {
            message: "worker lost".into(),
            caused_by_app: false,
            worker_lost: true,
        },
        true,
    );
    assert_eq!(outputs_on(&h, 0), vec![None, None]);
}

// Reference §6 case 9.

#[test]
fn register_map_outputs_correctly_after_executor_lost_and_task_resubmitted() {
    // Three maps: two finish on hostA (exec-0 and exec-1), then hostA's worker is lost, while
    // the third still runs on hostB.
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2), (3, 3)], 3);
    let b = a.reduce_by_key_into(|x, y| x + y, 2);
    let mut h = Harness::new(&["hostA", "hostA", "hostB"]);
    h.sched.tasks.keep_offer_order();
    let job = h.submit(b.node(), vec![0, 1]);
    let maps = h.offer();
    assert_eq!(
        maps.iter().map(|t| t.executor).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    h.complete_map(&maps[0], 2);
    h.complete_map(&maps[1], 2);
    let before = h.events.len();
    h.lose(
        0,
        ExecutorLoss {
            message: "worker lost".into(),
            caused_by_app: false,
            worker_lost: true,
        },
        false,
    );
    h.lose(
        1,
        ExecutorLoss {
            message: "worker lost".into(),
            caused_by_app: false,
            worker_lost: true,
        },
        false,
    );
    let resubmitted: Vec<usize> = h.task_ends()[..]
        .iter()
        .filter(|(_, r)| *r == TaskEndReason::Resubmitted)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(
        resubmitted,
        vec![maps[0].task_id, maps[1].task_id],
        "both finished maps on hostA end `resubmitted`"
    );
    assert!(
        !h.events[before..]
            .iter()
            .any(|e| matches!(e.kind, EventKind::StageSubmitted { .. })),
        "no new attempt: the same task set runs them again"
    );
    h.complete_map(&maps[2], 2);
    assert!(
        !h.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::StageSubmitted { stage: 1, .. })),
        "the map stage is not finished while its resubmitted tasks are pending"
    );
    // Everything else finishes on hostB (exec-2, one core: one task at a time).
    for _ in 0..2 {
        let t = h.offer();
        assert_eq!(t.len(), 1);
        assert_eq!(
            (t[0].stage_id, t[0].stage_attempt, t[0].executor),
            (0, 0, 2)
        );
        h.complete_map(&t[0], 2);
    }
    assert_eq!(outputs_on(&h, 0), vec![Some(2), Some(2), Some(2)]);
    let reduces = h.offer();
    assert_eq!(
        reduces[0].stage_id, 1,
        "the reduce stage runs on a full set"
    );
    h.complete_result(&reduces[0], 1);
    let last = h.offer();
    h.complete_result(&last[0], 2);
    assert_eq!(h.results(job).len(), 2);
}

// Reference §6 case 10.

#[test]
fn run_trivial_shuffle_with_out_of_band_executor_failure_and_retry() {
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 1);
    let mut h = Harness::new(&["hostA", "hostB", "hostC"]);
    h.sched.tasks.keep_offer_order();
    let job = h.submit(b.node(), vec![0]);
    let maps = h.offer();
    assert_eq!(
        maps.iter()
            .map(|t| (t.partition, t.executor))
            .collect::<Vec<_>>(),
        [(0, 0), (1, 1)]
    );
    // hostA's executor is lost while map 0 runs there: the task fails (not counting).
    h.lose(0, killed("killed"), false);
    assert!(h
        .task_ends()
        .contains(&(maps[0].task_id, TaskEndReason::ExecutorLost)));
    // A late success whose output is on hostA is a zombie: the executor failed at this task
    // set's epoch, so the output is not registered.
    complete_map_on(&mut h, &maps[1], 0, 1);
    assert_eq!(outputs_on(&h, 0), vec![None, None]);
    // Map 0 runs again in the same attempt, on hostB.
    let retry = h.offer();
    assert_eq!(
        retry
            .iter()
            .map(|t| (t.stage_id, t.stage_attempt, t.partition))
            .collect::<Vec<_>>(),
        [(0, 0, 0)]
    );
    h.complete_map(&retry[0], 1);
    // The stage ended with map 1's output missing: it is resubmitted with 1 task.
    let again = h.offer();
    assert_eq!(
        again
            .iter()
            .map(|t| (t.stage_id, t.stage_attempt, t.partition))
            .collect::<Vec<_>>(),
        [(0, 1, 1)],
        "the map stage is resubmitted for the zombie's partition only"
    );
    assert!(
        !h.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::StageSubmitted { stage: 1, .. })),
        "the reduce stage waits"
    );
    complete_map_on(&mut h, &again[0], 2, 1);
    let reduce = h.offer();
    assert_eq!(
        reduce[0].stage_id, 1,
        "it starts once the task succeeds on hostC"
    );
    h.complete_result(&reduce[0], 42);
    assert_eq!(h.results(job), vec![42]);
}

// Reference §6 case 12.

#[test]
fn cached_post_shuffle() {
    // A --shuffle 0--> B (cached) --shuffle 1--> C.
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 2).cache();
    let c = b.reduce_by_key_into(|x, y| x + y, 1);
    let mut h = Harness::new(&["hostA", "hostB", "hostC", "hostD"]);
    let job = h.submit(c.node(), vec![0]);
    let first = h.offer();
    let mut first: Vec<_> = first.into_iter().collect();
    first.sort_by_key(|t| t.partition);
    complete_map_on(&mut h, &first[0], 0, 2);
    complete_map_on(&mut h, &first[1], 1, 2);
    let mut second = h.offer();
    second.sort_by_key(|t| t.partition);
    assert!(second.iter().all(|t| t.stage_id == 1));
    complete_map_on(&mut h, &second[0], 0, 1);
    complete_map_on(&mut h, &second[1], 1, 1);
    // B is cached: partition 0 on hostD, partition 1 on hostC.
    for (p, exec) in [(0, 3), (1, 2)] {
        let block = BlockId::Rdd {
            rdd: b.id(),
            partition: p,
        };
        h.master.with(|m| m.update_block_info(block, exec, true));
    }
    let last = h.offer();
    assert_eq!(last[0].stage_id, 2);
    h.update(
        &last[0],
        TaskOutcome::Failed(ember::task_context::TaskError::FetchFailed {
            shuffle: shuffle_dep(c.node()).shuffle_id().expect("assigned"),
            map: 0,
            reduce: 0,
            executor: Some(0),
            message: "hostA is gone".into(),
        }),
    );
    h.resubmit();
    let rerun = h.offer();
    assert_eq!(
        rerun
            .iter()
            .map(|t| (t.stage_id, t.partition, t.executor))
            .collect::<Vec<_>>(),
        [(1, 0, 3)],
        "only stage 1 reruns, its task on hostD where B's partition is cached"
    );
    assert_eq!(rerun[0].locality, ember::events::Locality::ProcessLocal);
    assert!(
        !h.submitted().iter().any(|(s, a, _)| *s == 0 && *a > 0),
        "stage 0 is not run again"
    );
    complete_map_on(&mut h, &rerun[0], 3, 1);
    let again = h.offer();
    assert_eq!((again[0].stage_id, again[0].stage_attempt), (2, 1));
    h.complete_result(&again[0], 42);
    assert_eq!(h.results(job), vec![42]);
}

// Reference §6 case 14.

#[test]
fn failure_of_stage_used_by_two_jobs() {
    // Job 0 reads shuffle 0; job 1 reads shuffle 0 and shuffle 1 (co-partitioned, so no
    // further shuffle): stage 0 is shared, stage 2 (shuffle 1's map stage) is job 1's alone.
    let ctx = Context::local(1);
    let one = ctx
        .parallelize(vec![(1u32, 1u32), (2, 2)], 2)
        .reduce_by_key_into(|x, y| x + y, 2);
    let two = ctx
        .parallelize(vec![(1u32, 10u32), (2, 20)], 2)
        .reduce_by_key_into(|x, y| x + y, 2);
    let joined = one.join(&two);
    let mut h = Harness::new(&["hostA", "hostB", "hostC", "hostD"]);
    let job0 = h.submit(one.node(), vec![0, 1]);
    let job1 = h.submit(joined.node(), vec![0, 1]);
    assert_eq!(h.listed(job1), vec![0, 2, 3], "stage 0 is shared");
    // Stage 0's task for partition 0 fails four times: the stage is aborted.
    for _ in 0..4 {
        let t = h.offer();
        let s0 = t
            .iter()
            .find(|t| t.stage_id == 0 && t.partition == 0)
            .expect("stage 0's task 0 is offered")
            .clone();
        h.fail(&s0, "Exception failure in map stage");
    }
    let m0 = h.failure(job0).expect("job 0 fails");
    let m1 = h.failure(job1).expect("job 1 fails");
    assert!(m0.starts_with("Job aborted due to stage failure: Task 0 in stage 0.0 failed 4 times"));
    assert_eq!(m0, m1, "both jobs fail with the shared stage's failure");
    let failed: Vec<usize> = h
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StageCompleted {
                stage,
                result: Outcome::Failed,
                ..
            } => Some(*stage),
            _ => None,
        })
        .collect();
    let mut failed_sorted = failed.clone();
    failed_sorted.sort();
    assert_eq!(
        failed_sorted,
        vec![0, 2],
        "the shared stage and job 1's own running map stage are cancelled"
    );
    assert!(
        !h.events.iter().any(|e| matches!(
            e.kind,
            EventKind::StageCompleted {
                result: Outcome::Succeeded,
                ..
            }
        )),
        "no stage succeeded"
    );
}

// Reference §6 case 20.

#[test]
fn task_result_lost_the_failed_task_is_offered_again_at_once() {
    // ember's results cannot be lost in transit (executors are in the driver's process); a
    // failure that counts behaves as Spark's `TaskResultLost`: the task goes back to the
    // front of its lists and the next offer takes it, with no locality wait.
    let ctx = Context::local(1);
    let rdd = ctx.parallelize(vec![1u32, 2, 3], 3);
    let mut h = Harness::new(&["hostA"]);
    h.submit(rdd.node(), vec![0, 1, 2]);
    let t = h.offer();
    assert_eq!(t[0].partition, 0);
    h.fail(&t[0], "result lost");
    let again = h.offer();
    assert_eq!(
        (again[0].partition, again[0].attempt_number),
        (0, 1),
        "the lost task is offered again first"
    );
}

#[test]
fn a_loss_the_application_caused_counts_toward_the_task_limit_and_an_injected_kill_does_not() {
    for (caused_by_app, aborts) in [(false, false), (true, true)] {
        let ctx = Context::local(1);
        let rdd = ctx.parallelize(vec![1u32], 1);
        let hosts = ["h0", "h1", "h2", "h3", "h4"];
        let mut h = Harness::new(&hosts);
        h.sched.tasks.keep_offer_order();
        let job = h.submit(rdd.node(), vec![0]);
        for _ in 0..4 {
            let t = h.offer();
            assert_eq!(t.len(), 1);
            h.lose(
                t[0].executor,
                ExecutorLoss {
                    message: "Command exited with code 1".into(),
                    caused_by_app,
                    worker_lost: false,
                },
                false,
            );
        }
        assert_eq!(
            h.failure(job).is_some(),
            aborts,
            "caused by the application: {caused_by_app}"
        );
        if !aborts {
            let t = h.offer();
            h.complete_result(&t[0], 7);
            assert_eq!(h.results(job), vec![7]);
        }
    }
}

// Reference §6 case 23.

#[test]
fn tasks_are_not_rescheduled_while_executor_loss_reason_is_pending() {
    let ctx = Context::local(1);
    let rdd = ctx.parallelize(vec![1u32, 2], 2);
    let mut h = Harness::with_config(&["host0", "host1"], SchedulerConfig::default());
    h.sched.tasks.keep_offer_order();
    let job = h.submit(rdd.node(), vec![0, 1]);
    let t = h.offer();
    assert_eq!(t.iter().map(|t| t.executor).collect::<Vec<_>>(), [0, 1]);
    h.complete_result(&t[1], 2);
    // exec-0 disconnects: its loss reason is pending.
    h.sched.executor_disconnected(0);
    assert!(
        h.offer().is_empty(),
        "task 0 is not run again while the reason is pending"
    );
    // The reason arrives: the task fails and runs again on exec-1.
    h.lose(0, killed("Command exited with code 137"), false);
    let again = h.offer();
    assert_eq!(
        again
            .iter()
            .map(|t| (t.partition, t.executor))
            .collect::<Vec<_>>(),
        [(0, 1)]
    );
    h.complete_result(&again[0], 1);
    assert_eq!(h.results(job), vec![1, 2]);
}

// Reference §6 case 21.

fn speculating(multiplier: f64, quantile: f64, max_task_failures: u32) -> SchedulerConfig {
    SchedulerConfig {
        max_task_failures,
        speculation: ember::scheduler::speculation::SpeculationConfig {
            enabled: true,
            multiplier,
            quantile,
            interval_us: 100_000,
            min_runtime_us: 0,
        },
        ..Default::default()
    }
}

/// Runs the speculation timer due next.
fn check_speculation(h: &mut Harness) {
    let due = h.sched.next_timer().expect("a speculation check is due");
    h.now = h.now.max(due);
    h.sched.on_timer(h.now);
    h.pump();
}

#[test]
fn kill_other_task_attempts_when_one_attempt_belonging_to_the_same_task_succeeds() {
    let ctx = Context::local(1);
    let rdd = ctx.parallelize(vec![1u32, 2, 3, 4], 4);
    let mut h = Harness::with_config(
        &["host0", "host1", "host2", "host3", "host4"],
        speculating(1.5, 0.75, 4),
    );
    h.sched.tasks.keep_offer_order();
    let job = h.submit(rdd.node(), vec![0, 1, 2, 3]);
    let t = h.offer();
    assert_eq!(t.len(), 4);
    for task in &t[..3] {
        h.complete_result(task, task.partition as u32);
    }
    // 3 of 4 finished in ~2 µs each; task 3 has run far longer.
    h.now += 1_000_000;
    check_speculation(&mut h);
    let copy = h.offer();
    assert_eq!(copy.len(), 1, "one speculative copy");
    assert!(copy[0].speculative);
    assert_eq!(copy[0].partition, 3);
    assert_ne!(copy[0].executor, t[3].executor, "on another host");
    h.complete_result(&copy[0], 3);
    let ends = h.task_ends();
    assert!(
        ends.contains(&(t[3].task_id, TaskEndReason::Killed)),
        "the original is killed when its copy succeeds: {ends:?}"
    );
    assert_eq!(
        h.sched.take_kills(),
        vec![(t[3].task_id, t[3].executor)],
        "a kill message for its executor"
    );
    assert_eq!(h.results(job), vec![0, 1, 2, 3]);
}

#[test]
fn killing_speculative_tasks_does_not_count_towards_aborting_the_taskset() {
    // Multiplier 0: once the quantile is met every running task is slow. One failure would
    // abort the set (max_task_failures = 1): the kills of the losing copies must not count.
    let ctx = Context::local(1);
    let rdd = ctx.parallelize(vec![1u32, 2, 3, 4], 4);
    let mut h = Harness::with_config(
        &["host0", "host1", "host2", "host3", "host4", "host5"],
        speculating(0.0, 0.5, 1),
    );
    h.sched.tasks.keep_offer_order();
    let job = h.submit(rdd.node(), vec![0, 1, 2, 3]);
    let t = h.offer();
    assert_eq!(t.len(), 4);
    h.complete_result(&t[0], 0);
    h.complete_result(&t[1], 1);
    h.now += 1_000;
    check_speculation(&mut h);
    let copies = h.offer();
    assert_eq!(
        copies
            .iter()
            .map(|c| (c.partition, c.speculative))
            .collect::<Vec<_>>(),
        [(2, true), (3, true)]
    );
    // The originals win; the copies are killed.
    h.complete_result(&t[2], 2);
    h.complete_result(&t[3], 3);
    let killed: Vec<usize> = h
        .task_ends()
        .iter()
        .filter(|(_, r)| *r == TaskEndReason::Killed)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(killed, copies.iter().map(|c| c.task_id).collect::<Vec<_>>());
    assert_eq!(h.results(job), vec![0, 1, 2, 3], "the set is not aborted");
}

//! The DAG scheduler against Spark's `DAGSchedulerSuite` (reference §6): jobs are submitted to
//! a bare [`Scheduler`] and their tasks are completed by hand, so each test controls exactly
//! which outputs exist and where.

mod common;

use common::harness::{complete_map_on, shuffle_dep, Harness};
use common::submissions;
use ember::events::{EventKind, Locality, SubmitReason};
use ember::scheduler::{JobOutcome, TaskDescription, TaskOutcome};
use ember::shuffle::MapStatus;
use ember::storage::BlockId;
use ember::task_context::TaskError;
use ember::Context;
use std::sync::Arc;

#[test]
fn run_trivial_job() {
    let ctx = Context::local(1);
    let rdd = ctx.parallelize(vec![1u32], 1);
    let mut h = Harness::new(&["hostA"]);
    let job = h.submit(rdd.node(), vec![0]);
    let tasks = h.offer();
    assert_eq!(tasks.len(), 1, "one task set of one task for stage 0");
    assert_eq!(tasks[0].stage_id, 0);
    h.complete_result(&tasks[0], 42);
    assert_eq!(h.results(job), vec![42]);
    // Every internal map is empty afterwards.
    assert!(h.sched.dag.stages().is_empty());
    assert!(h.sched.dag.active_jobs().is_empty());
    assert!(!h.sched.has_pending_tasks());
}

#[test]
fn run_trivial_job_with_dependency() {
    let ctx = Context::local(1);
    let rdd = ctx.parallelize(vec![1u32], 1).map(|x| x + 1);
    let mut h = Harness::new(&["hostA"]);
    let job = h.submit(rdd.node(), vec![0]);
    // Narrow edges are pipelined: a single stage holding both RDDs, a single task set.
    assert_eq!(h.listed(job), vec![0]);
    let tasks = h.offer();
    assert_eq!(tasks.len(), 1);
    h.complete_result(&tasks[0], 42);
    assert_eq!(h.results(job), vec![42]);
    assert_eq!(h.submitted(), vec![(0, 0, vec![0])]);
    let info = h
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::JobStart { stages, .. } => Some(stages[0].clone()),
            _ => None,
        })
        .expect("JobStart");
    assert_eq!(info.rdds, vec![0, 1]);
}

#[test]
fn get_missing_parent_stages_should_consider_all_ancestor_rdds_cache_statuses() {
    // A --shuffle--> B -> C (cached, all partitions) -> D
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 2);
    let c = b.map_values(|v| v * 10).cache();
    let d = c.map(|(k, v)| k + v);
    let mut h = Harness::new(&["hostA", "hostB"]);
    for p in 0..2 {
        h.master.with(|m| {
            m.update_block_info(
                BlockId::Rdd {
                    rdd: c.id(),
                    partition: p,
                },
                1,
                true,
            )
        });
    }
    let job = h.submit(d.node(), vec![0, 1]);
    assert_eq!(h.listed(job), vec![0, 1], "the map stage is listed");
    let tasks = h.offer();
    assert_eq!(
        h.submitted(),
        vec![(1, 0, vec![0, 1])],
        "only the result stage runs"
    );
    // The cached copies are on exec-1: both tasks prefer it and run there PROCESS_LOCAL, one
    // now and one when the core frees up (delay scheduling holds the other back).
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0].executor, tasks[0].locality),
        (1, Locality::ProcessLocal)
    );
    h.complete_result(&tasks[0], 1);
    let rest = h.offer();
    assert_eq!(rest.len(), 1);
    assert_eq!(
        (rest[0].executor, rest[0].locality),
        (1, Locality::ProcessLocal)
    );
    h.complete_result(&rest[0], 2);
    assert_eq!(h.results(job), vec![1, 2]);
}

#[test]
fn run_trivial_shuffle() {
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 1);
    let mut h = Harness::new(&["hostA", "hostB"]);
    let job = h.submit(b.node(), vec![0]);
    let maps = h.offer();
    assert_eq!(maps.len(), 2, "the map stage's two tasks, one per executor");
    assert!(maps.iter().all(|t| t.stage_id == 0));
    for t in &maps {
        h.complete_map(t, 1);
    }
    let statuses = h
        .sched
        .dag
        .tracker
        .statuses(0)
        .expect("shuffle 0 registered");
    let mut hosts: Vec<String> = statuses
        .iter()
        .map(|s| s.as_ref().expect("output").host.to_string())
        .collect();
    hosts.sort();
    assert_eq!(
        hosts,
        vec!["hostA", "hostB"],
        "map outputs registered on hostA and hostB"
    );
    let reduces = h.offer();
    assert_eq!(reduces.len(), 1);
    assert_eq!(reduces[0].stage_id, 1);
    h.complete_result(&reduces[0], 42);
    assert_eq!(h.results(job), vec![42]);
}

#[test]
fn run_trivial_shuffle_with_fetch_failure() {
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 2);
    let mut h = Harness::new(&["hostA", "hostB"]);
    let job = h.submit(b.node(), vec![0, 1]);
    let maps = h.offer();
    for t in &maps {
        h.complete_map(t, 2);
    }
    let on_a = maps
        .iter()
        .find(|t| t.executor == 0)
        .expect("a map on hostA")
        .partition;
    let reduces = h.offer();
    assert_eq!(reduces.len(), 2);
    h.complete_result(&reduces[0], 42);
    let failed = &reduces[1];
    h.update(
        failed,
        TaskOutcome::Failed(TaskError::FetchFailed {
            shuffle: 0,
            map: on_a,
            reduce: failed.partition,
            executor: Some(0),
            message: "hostA is gone".into(),
        }),
    );
    assert!(
        h.sched.dag.tracker.statuses(0).expect("shuffle")[on_a].is_none(),
        "hostA's output is unregistered"
    );
    // The resubmission waits for the 200 ms resubmit timeout.
    let due = h.sched.next_timer().expect("a resubmit is scheduled");
    assert_eq!(due, h.now + 200_000);
    h.now = due;
    h.sched.on_timer(due);
    h.pump();
    let rerun = h.offer();
    assert_eq!(rerun.len(), 1, "only the lost map partition reruns");
    assert_eq!((rerun[0].stage_id, rerun[0].partition), (0, on_a));
    h.complete_map(&rerun[0], 2);
    let again = h.offer();
    assert_eq!(again.len(), 1, "only the failed output reruns");
    assert_eq!(
        (
            again[0].stage_id,
            again[0].stage_attempt,
            again[0].partition
        ),
        (1, 1, failed.partition)
    );
    h.complete_result(&again[0], 43);
    assert_eq!(h.results(job), vec![42, 43]);
    let reasons: Vec<SubmitReason> = submissions(&h.events).iter().map(|s| s.reason).collect();
    assert_eq!(
        reasons,
        vec![
            SubmitReason::New,
            SubmitReason::New,
            SubmitReason::FetchFailed,
            SubmitReason::FetchFailed
        ]
    );
}

#[test]
fn simple_map_stage_submission() {
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 1);
    let dep = shuffle_dep(b.node());
    let mut h = Harness::new(&["hostA", "hostB"]);

    // The map stage on its own.
    let j0 = h.sched.submit_map_stage(h.now, &dep);
    h.pump();
    let maps = h.offer();
    assert_eq!(maps.len(), 2);
    for t in &maps {
        h.complete_map(t, 1);
    }
    assert!(h.sched.job_finished(j0));
    assert!(h.sched.dag.tracker.is_available(0));

    // A reduce job afterwards runs only its result stage: the map stage is listed, skipped.
    let j1 = h.submit(b.node(), vec![0]);
    let listed = h.listed(j1);
    assert_eq!(listed.len(), 2);
    let reduces = h.offer();
    assert_eq!(reduces.len(), 1);
    assert_eq!(reduces[0].stage_id, listed[1]);
    h.complete_result(&reduces[0], 7);
    assert_eq!(h.results(j1), vec![7]);

    // Submitting the map stage again runs no tasks.
    let before = h.submitted().len();
    let j2 = h.sched.submit_map_stage(h.now, &dep);
    h.pump();
    assert!(h.offer().is_empty());
    assert!(h.sched.job_finished(j2));
    let after: Vec<_> = h.submitted().into_iter().skip(before).collect();
    assert!(
        after.iter().all(|(_, _, parts)| parts.is_empty()),
        "no partition computed: {after:?}"
    );
}

#[test]
fn a_job_on_zero_partitions_starts_and_ends_at_once() {
    let ctx = Context::local(1);
    let rdd = ctx.parallelize(vec![1u32], 1);
    let mut h = Harness::new(&["hostA"]);
    let job = h.submit(rdd.node(), vec![]);
    assert!(h.sched.job_finished(job));
    assert!(h.offer().is_empty());
    assert!(h.results(job).is_empty());
}

#[test]
fn four_failures_of_one_task_abort_the_job_and_three_do_not() {
    let ctx = Context::local(1);
    let rdd = ctx.parallelize(vec![1u32, 2], 2);
    let mut h = Harness::new(&["hostA"]);
    let job = h.submit(rdd.node(), vec![0, 1]);
    let fail = |h: &mut Harness, t: &TaskDescription| {
        h.update(t, TaskOutcome::Failed(TaskError::Exception("boom".into())));
    };
    let first = h.offer();
    assert_eq!(first.len(), 1);
    let p0 = first[0].partition;
    fail(&mut h, &first[0]);
    for attempt in 1..4 {
        let t = h.offer();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].partition, p0, "a failed task is retried first");
        assert_eq!(t[0].attempt_number, attempt);
        if attempt < 3 {
            fail(&mut h, &t[0]);
            assert!(
                !h.sched.job_finished(job),
                "{} failures do not abort",
                attempt + 1
            );
        } else {
            fail(&mut h, &t[0]);
        }
    }
    match h.sched.take_job_outcome(job) {
        Some(JobOutcome::Failed(m)) => {
            assert!(
                m.starts_with(
                    "Job aborted due to stage failure: Task 0 in stage 0.0 failed 4 times"
                ),
                "{m}"
            )
        }
        _ => panic!("the job should have failed"),
    }
}

/// The `preferred` entry of stage `stage`'s latest `StageSubmitted` for `partition`: why, and
/// the locations.
fn preferred(h: &Harness, stage: usize, partition: usize) -> Option<(String, Vec<String>)> {
    h.events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::StageSubmitted {
                stage: s,
                preferred,
                ..
            } if *s == stage => Some(preferred.iter().find(|p| p.partition == partition).map(
                |p| {
                    let places = p.locations.iter().map(|l| l.to_string()).collect();
                    (p.why.name().to_string(), places)
                },
            )),
            _ => None,
        })
        .expect("the stage was submitted")
}

// Reference §6 case 16 (and the test before it in DAGSchedulerSuite).

#[test]
fn reduce_tasks_should_be_placed_locally_with_map_output() {
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32)], 1);
    let b = a.reduce_by_key_into(|x, y| x + y, 1);
    let mut h = Harness::new(&["hostA", "hostB"]);
    h.submit(b.node(), vec![0]);
    let maps = h.offer();
    assert_eq!(maps.len(), 1);
    h.complete_map(&maps[0], 1);
    let host = h.hosts[maps[0].executor].to_string();
    assert_eq!(
        preferred(&h, 1, 0),
        Some(("shuffle_output".into(), vec![host.clone()])),
        "the reduce task prefers the one host holding its input"
    );
    let reduces = h.offer();
    assert_eq!(reduces[0].locality, Locality::NodeLocal);
    assert_eq!(h.hosts[reduces[0].executor], host);
}

#[test]
fn reduce_task_locality_preferences_should_only_include_machines_with_largest_map_outputs() {
    let ctx = Context::local(1);
    let a = ctx.parallelize((0..4u32).map(|i| (i, i)).collect::<Vec<_>>(), 4);
    let b = a.reduce_by_key_into(|x, y| x + y, 1);
    let mut h = Harness::new(&["hostA", "hostB", "hostC", "hostD"]);
    h.submit(b.node(), vec![0]);
    let maps = h.offer();
    assert_eq!(maps.len(), 4);
    // Map task i writes (i + 1) × 10 bytes for the one reduce: hostA holds 10%, hostB 20%,
    // hostC 30%, hostD 40%.
    for t in &maps {
        let status = MapStatus {
            executor: t.executor,
            host: Arc::from(h.hosts[t.executor]),
            rack: Arc::from("rack-0"),
            sizes: vec![(0, (t.executor as u64 + 1) * 10)],
        };
        h.update(t, TaskOutcome::MapOutput(status));
    }
    let (why, mut hosts) = preferred(&h, 1, 0).expect("a preference");
    hosts.sort();
    assert_eq!(why, "shuffle_output");
    assert_eq!(
        hosts,
        vec!["hostB", "hostC", "hostD"],
        "only the hosts with at least 20% of the reduce's bytes"
    );
}

#[test]
fn a_shuffle_of_a_thousand_maps_gives_its_reduce_tasks_no_preference() {
    let mut tracker = ember::shuffle::MapOutputTracker::new();
    let status = |e: usize| MapStatus {
        executor: e,
        host: Arc::from("hostA"),
        rack: Arc::from("rack-0"),
        sizes: vec![(0, 10)],
    };
    tracker.register_shuffle(0, 999, 2);
    tracker.register_shuffle(1, 1000, 2);
    tracker.register_shuffle(2, 2, 1000);
    for m in 0..1000 {
        tracker.register_map_output(0, m, status(0));
        tracker.register_map_output(1, m, status(0));
    }
    tracker.register_map_output(2, 0, status(0));
    assert_eq!(tracker.largest_output_hosts(0, 0), vec![Arc::from("hostA")]);
    assert!(tracker.largest_output_hosts(1, 0).is_empty(), "1000 maps");
    assert!(
        tracker.largest_output_hosts(2, 0).is_empty(),
        "1000 reduces"
    );
    assert!(
        tracker.largest_output_hosts(0, 1).is_empty(),
        "a reduce with no input prefers nothing"
    );
}

#[test]
fn shares_are_summed_per_executor_as_spark_keys_them_by_block_manager() {
    // Two executors on hostA with 15% each do not make hostA preferred: Spark sums a reduce's
    // bytes per block manager, not per host.
    let mut tracker = ember::shuffle::MapOutputTracker::new();
    let status = |e: usize, host: &str, bytes: u64| MapStatus {
        executor: e,
        host: Arc::from(host),
        rack: Arc::from("rack-0"),
        sizes: vec![(0, bytes)],
    };
    tracker.register_shuffle(0, 3, 1);
    tracker.register_map_output(0, 0, status(0, "hostA", 15));
    tracker.register_map_output(0, 1, status(1, "hostA", 15));
    tracker.register_map_output(0, 2, status(2, "hostB", 70));
    assert_eq!(tracker.largest_output_hosts(0, 0), vec![Arc::from("hostB")]);
}

// Reference §6 case 5.

#[test]
fn avoid_exponential_blowup_when_getting_preferred_locs_list() {
    // Spark nests 30 zips; ember nests 30 self-joins of a hash-partitioned RDD: each join reads
    // its parent twice through narrow edges, so 2^30 paths lead to the source. The search
    // visits each (RDD, partition) once.
    let ctx = Context::local(1);
    let mut rdd = ctx
        .parallelize(vec![(1u32, 1u32), (2, 2)], 2)
        .partition_by(ember::rdd::Partitioner::hash(2).expect("2 partitions"));
    for _ in 0..30 {
        rdd = rdd.join(&rdd).map_values(|(a, _)| *a);
    }
    let lineage = ember::scheduler::dag::rdd_infos(rdd.node()).len();
    let mut h = Harness::new(&["hostA"]);
    let found = h.sched.dag.get_preferred_locs(rdd.node(), 0);
    assert!(found.locations.is_empty(), "parallelize has no preference");
    assert_eq!(found.why, None);
    assert!(
        found.visited <= lineage,
        "{} (RDD, partition) pairs visited for a lineage of {lineage} RDDs",
        found.visited
    );
    assert!(
        lineage > 60,
        "the lineage is 30 levels deep: {lineage} RDDs"
    );
}

// Reference §6 case 3.

#[test]
fn cache_location_preferences_with_dependency() {
    // A cached on exec-0 (hostA) and exec-1 (hostB); B = A.map: B's task prefers both copies.
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![1u32], 1).cache();
    let b = a.map(|x| x + 1);
    let mut h = Harness::new(&["hostA", "hostB", "hostC"]);
    for exec in [0, 1] {
        h.master.with(|m| {
            m.update_block_info(
                BlockId::Rdd {
                    rdd: a.id(),
                    partition: 0,
                },
                exec,
                true,
            )
        });
    }
    h.submit(b.node(), vec![0]);
    let (why, locations) = preferred(&h, 0, 0).expect("a preference");
    assert_eq!(why, "cached");
    assert_eq!(
        locations,
        vec!["executor_hostA_exec-0", "executor_hostB_exec-1"],
        "Spark's ExecutorCacheTaskLocation strings, in executor order"
    );
    let found = h.sched.dag.get_preferred_locs(b.node(), 0);
    assert_eq!(
        found.why.map(|(_, rdd)| rdd),
        Some(a.id()),
        "from A's partition"
    );
    let task = h.offer();
    assert_eq!(task[0].locality, Locality::ProcessLocal);
    assert!(
        task[0].executor < 2,
        "on one of the executors holding the copy"
    );
}

#[test]
fn make_rdd_gives_each_item_a_partition_that_prefers_its_hosts() {
    // Spark's makeRDD(Seq[(T, Seq[String])]): one partition per item, located where it says.
    let ctx = Context::local(1);
    let rdd = ctx.make_rdd(vec![
        (1u32, vec!["hostB".to_string()]),
        (2u32, vec![]),
        (3u32, vec!["hostA".to_string(), "hostB".to_string()]),
    ]);
    assert_eq!(rdd.num_partitions(), 3);
    let mut h = Harness::new(&["hostA", "hostB"]);
    h.submit(rdd.node(), vec![0, 1, 2]);
    assert_eq!(
        preferred(&h, 0, 0),
        Some(("input".into(), vec!["hostB".into()]))
    );
    assert_eq!(
        preferred(&h, 0, 1),
        None,
        "an item given no host has no preference"
    );
    assert_eq!(
        preferred(&h, 0, 2),
        Some(("input".into(), vec!["hostA".into(), "hostB".into()]))
    );
    let tasks = h.offer();
    let on_b = tasks
        .iter()
        .find(|t| t.partition == 0)
        .expect("partition 0 runs");
    assert_eq!((on_b.executor, on_b.locality), (1, Locality::NodeLocal));
}

// Reference §6 case 11.

#[test]
fn recursive_shuffle_failures() {
    // A --shuffle 0--> B --shuffle 1--> C; C's task fails to fetch from hostA: hostA's
    // outputs of both shuffles are gone, so stage 0 reruns its hostA partition, then stage 1
    // its hostA partition, then the result stage.
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 2);
    let c = b.reduce_by_key_into(|x, y| x + y, 1);
    let mut h = Harness::new(&["hostA", "hostB", "hostC"]);
    let job = h.submit(c.node(), vec![0]);
    let mut first = h.offer();
    first.sort_by_key(|t| t.partition);
    assert_eq!(
        first.iter().map(|t| t.stage_id).collect::<Vec<_>>(),
        vec![0, 0]
    );
    complete_map_on(&mut h, &first[0], 0, 2);
    complete_map_on(&mut h, &first[1], 1, 2);
    let mut second = h.offer();
    second.sort_by_key(|t| t.partition);
    assert_eq!(
        second.iter().map(|t| t.stage_id).collect::<Vec<_>>(),
        vec![1, 1]
    );
    complete_map_on(&mut h, &second[0], 0, 1);
    complete_map_on(&mut h, &second[1], 2, 1);
    let last = h.offer();
    assert_eq!((last.len(), last[0].stage_id), (1, 2));
    h.update(
        &last[0],
        TaskOutcome::Failed(TaskError::FetchFailed {
            shuffle: 1,
            map: 0,
            reduce: 0,
            executor: Some(0),
            message: "hostA is gone".into(),
        }),
    );
    let due = h.sched.next_timer().expect("a resubmit is scheduled");
    h.now = due;
    h.sched.on_timer(due);
    h.pump();
    let rerun0 = h.offer();
    assert_eq!(
        rerun0
            .iter()
            .map(|t| (t.stage_id, t.partition))
            .collect::<Vec<_>>(),
        vec![(0, 0)],
        "stage 0 reruns only its hostA partition"
    );
    complete_map_on(&mut h, &rerun0[0], 0, 2);
    let rerun1 = h.offer();
    assert_eq!(
        rerun1
            .iter()
            .map(|t| (t.stage_id, t.partition))
            .collect::<Vec<_>>(),
        vec![(1, 0)],
        "then stage 1 its hostA partition"
    );
    complete_map_on(&mut h, &rerun1[0], 0, 1);
    let again = h.offer();
    assert_eq!(
        (again.len(), again[0].stage_id, again[0].stage_attempt),
        (1, 2, 1)
    );
    h.complete_result(&again[0], 42);
    assert_eq!(h.results(job), vec![42]);
}

// Reference §6 case 13.

#[test]
fn multiple_consecutive_stage_fetch_failures_should_lead_to_job_being_aborted() {
    // The reduce stage fails to fetch in 4 attempts in a row (spark.stage.maxConsecutiveAttempts
    // = 4): the job aborts, after exactly 4 attempts of it.
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 1);
    let mut h = Harness::new(&["hostA", "hostB"]);
    let job = h.submit(b.node(), vec![0]);
    let mut reduce_attempts = 0;
    for _ in 0..20 {
        let tasks = h.offer();
        if tasks.is_empty() {
            match h.sched.next_timer() {
                Some(due) => {
                    h.now = due;
                    h.sched.on_timer(due);
                    h.pump();
                    continue;
                }
                None => break,
            }
        }
        for t in &tasks {
            if t.stage_id == 0 {
                complete_map_on(&mut h, t, t.partition % 2, 1);
            } else {
                reduce_attempts += 1;
                h.update(
                    t,
                    TaskOutcome::Failed(TaskError::FetchFailed {
                        shuffle: 0,
                        map: 0,
                        reduce: 0,
                        executor: Some(0),
                        message: "hostA is gone".into(),
                    }),
                );
            }
        }
        if h.sched.job_finished(job) {
            break;
        }
    }
    assert_eq!(
        reduce_attempts, 4,
        "four attempts of the reduce stage, then no more"
    );
    match h.sched.take_job_outcome(job) {
        Some(JobOutcome::Failed(m)) => assert!(
            m.contains("failed the maximum allowable number of times: 4"),
            "Spark's message: {m}"
        ),
        _ => panic!("the job should have aborted"),
    }
}

#[test]
fn non_consecutive_stage_failures_dont_trigger_abort() {
    // A --shuffle 0--> B (one map task) --shuffle 1--> C (two result tasks). B's stage fails
    // to fetch 3 times in a row, succeeds, is needed again when C fails to fetch its output,
    // and fails 3 times more: 6 failures, never 4 in a row, so the job gives its answer.
    let ctx = Context::local(1);
    let a = ctx.parallelize(vec![(1u32, 1u32), (2, 2)], 2);
    let b = a.reduce_by_key_into(|x, y| x + y, 1);
    let c = b.reduce_by_key_into(|x, y| x + y, 2);
    let mut h = Harness::new(&["hostA", "hostB"]);
    let job = h.submit(c.node(), vec![0, 1]);
    assert_eq!(h.listed(job), vec![0, 1, 2]);
    let (mut b_failures, mut b_runs, mut c_failed) = (0, 0, false);
    // Where map 0 of each shuffle has its output.
    let (mut a0_on, mut b0_on) = (0, 0);
    let fetch_failed = |shuffle: usize, executor: usize| {
        TaskOutcome::Failed(TaskError::FetchFailed {
            shuffle,
            map: 0,
            reduce: 0,
            executor: Some(executor),
            message: "its host is gone".into(),
        })
    };
    for _ in 0..100 {
        if h.sched.job_finished(job) {
            break;
        }
        let tasks = h.offer();
        if tasks.is_empty() {
            let due = h.sched.next_timer().expect("something to wait for");
            h.now = due;
            h.sched.on_timer(due);
            h.pump();
            continue;
        }
        for t in &tasks {
            match t.stage_id {
                0 => {
                    if t.partition == 0 {
                        a0_on = t.executor;
                    }
                    complete_map_on(&mut h, t, t.executor, 1);
                }
                1 => {
                    b_runs += 1;
                    // The first three runs of each phase fail, the fourth succeeds.
                    let phase_failures = if c_failed { b_failures - 3 } else { b_failures };
                    if phase_failures < 3 {
                        b_failures += 1;
                        h.update(t, fetch_failed(0, a0_on));
                    } else {
                        b0_on = t.executor;
                        complete_map_on(&mut h, t, t.executor, 2);
                    }
                }
                _ => {
                    if !c_failed {
                        c_failed = true;
                        h.update(t, fetch_failed(1, b0_on));
                    } else if !h.sched.job_finished(job) {
                        h.complete_result(t, 7);
                    }
                }
            }
        }
    }
    assert_eq!(b_failures, 6, "six failed attempts of stage 1 in all");
    assert_eq!(b_runs, 8, "and two that succeeded");
    assert_eq!(h.results(job), vec![7, 7], "never four in a row: no abort");
}

//! Cluster membership while jobs run: an executor that registers in the middle of a job is
//! offered tasks and stores blocks, on both clocks; one that is lost ends what it ran as
//! `executor_lost`, and the job finishes on the others, recomputing what it held.

use ember::cluster::{Clock, ClusterSpec};
use ember::events::{Event, EventKind, EventRecorder, TaskEndReason};
use ember::membership::NewExecutor;
use ember::Context;

fn context(clock: Clock, executors: usize) -> (Context, EventRecorder) {
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(executors, 1))
        .clock(clock)
        .listener(rec.clone())
        .build()
        .expect("a context");
    (ctx, rec)
}

/// The index of the first event that `f` picks.
fn first(events: &[Event], f: impl Fn(&EventKind) -> bool) -> Option<usize> {
    events.iter().position(|e| f(&e.kind))
}

fn executor_joins_mid_job_and_works(clock: Clock, at_us: u64, slow_ms: u64) {
    let (ctx, rec) = context(clock, 1);
    let data = ctx
        .parallelize((0..2400u64).collect::<Vec<_>>(), 24)
        .map(move |x| {
            if slow_ms > 0 && x % 100 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(slow_ms));
            }
            x * 2
        })
        .cache();
    ctx.register_executor_at(
        ctx.now_us() + at_us,
        NewExecutor::new("host-7", "rack-0", 1, 1 << 30),
    );
    assert_eq!(data.count().unwrap(), 2400);
    let events = rec.events();
    let added = first(&events, |k| {
        matches!(k, EventKind::ExecutorAdded { executor, host, .. } if executor == "exec-1" && host == "host-7")
    })
    .expect("exec-1 registered");
    let job_start = first(&events, |k| matches!(k, EventKind::JobStart { .. })).unwrap();
    let job_end = first(&events, |k| matches!(k, EventKind::JobEnd { .. })).unwrap();
    assert!(
        job_start < added && added < job_end,
        "exec-1 registered while the job ran (event {added}, job from {job_start} to {job_end})"
    );
    let on_new = events[added..]
        .iter()
        .filter(
            |e| matches!(&e.kind, EventKind::TaskStart { executor, .. } if executor == "exec-1"),
        )
        .count();
    assert!(on_new > 0, "exec-1 was offered tasks");
    let stored = events
        .iter()
        .filter(
            |e| matches!(&e.kind, EventKind::BlockStored { executor, .. } if executor == "exec-1"),
        )
        .count();
    assert!(stored > 0, "exec-1 stored blocks");
    let status = ctx.store_status(1).expect("exec-1's block manager");
    assert!(
        !status.memory.is_empty(),
        "the blocks are in exec-1's memory store"
    );
    let info = &ctx.executors()[1];
    assert!(info.alive() && info.registered_us > 0, "{info:?}");
}

#[test]
fn an_executor_registered_mid_job_on_the_virtual_clock_runs_tasks_and_stores_blocks() {
    executor_joins_mid_job_and_works(Clock::Virtual, 1, 0);
}

#[test]
fn an_executor_registered_mid_job_on_the_wall_clock_runs_tasks_and_stores_blocks() {
    // 24 tasks of at least 10 ms on one core: the job runs at least 120 ms even once exec-1
    // shares it; exec-1 comes at 40 ms.
    executor_joins_mid_job_and_works(Clock::Wall, 40_000, 10);
}

#[test]
fn registering_twice_the_same_host_gives_two_executors_named_in_order() {
    let (ctx, _rec) = context(Clock::Virtual, 2);
    ctx.register_executor_at(1, NewExecutor::new("host-0", "rack-0", 2, 1 << 30));
    ctx.register_executor_at(1, NewExecutor::new("host-0", "rack-0", 2, 1 << 30));
    assert_eq!(ctx.parallelize(vec![1u8; 10], 4).count().unwrap(), 10);
    let names: Vec<(String, String)> = ctx
        .executors()
        .into_iter()
        .map(|e| (e.name, e.host))
        .collect();
    assert_eq!(
        names,
        [
            ("exec-0", "host-0"),
            ("exec-1", "host-1"),
            ("exec-2", "host-0"),
            ("exec-3", "host-0")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

#[test]
fn a_lost_executor_ends_its_tasks_as_executor_lost_and_the_job_recomputes_what_it_held() {
    let (ctx, rec) = context(Clock::Virtual, 2);
    let cached = ctx
        .parallelize((0..4000u64).collect::<Vec<_>>(), 8)
        .map(|x| (*x % 10, *x))
        .cache();
    assert_eq!(cached.count().unwrap(), 4000);
    let held_by_1 = rec
        .events()
        .iter()
        .filter(
            |e| matches!(&e.kind, EventKind::BlockStored { executor, .. } if executor == "exec-1"),
        )
        .count();
    assert!(held_by_1 > 0, "exec-1 cached partitions");
    // Lost while the next job's first tasks run.
    ctx.lose_executor_at(ctx.now_us() + 1, 1, "killed by the test");
    let mut sums = cached.reduce_by_key(|a, b| a + b).collect().unwrap();
    sums.sort();
    let expect: Vec<(u64, u64)> = (0..10)
        .map(|k| (k, (0..4000u64).filter(|x| x % 10 == k).sum()))
        .collect();
    assert_eq!(sums, expect, "the answer survives the loss");
    let events = rec.events();
    let removed = first(&events, |k| {
        matches!(k, EventKind::ExecutorRemoved { executor, reason } if executor == "exec-1" && reason == "killed by the test")
    })
    .expect("ExecutorRemoved for exec-1");
    assert!(
        events[removed..].iter().all(
            |e| !matches!(&e.kind, EventKind::TaskStart { executor, .. } if executor == "exec-1")
        ),
        "nothing is launched on a lost executor"
    );
    let lost_tasks = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::TaskEnd { reason: TaskEndReason::ExecutorLost, executor, .. } if executor == "exec-1"))
        .count();
    assert!(lost_tasks > 0, "the tasks exec-1 ran ended executor_lost");
    let recomputed = events[removed..]
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::PartitionRecomputed { .. }))
        .count();
    assert!(
        recomputed > 0,
        "exec-1's cached partitions were recomputed from lineage"
    );
    let info = &ctx.executors()[1];
    assert_eq!(
        info.lost.as_ref().map(|(_, r)| r.as_str()),
        Some("killed by the test")
    );
    assert!(ctx.store_status(1).is_none(), "its block manager is gone");
}

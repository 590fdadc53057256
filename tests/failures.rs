//! A panic in user code fails the task, not the executor; four failures of one task abort the
//! job with Spark's message, and the run goes on.

mod common;

use common::task_ends;
use ember::scheduler::JobError;
use ember::Context;

#[test]
fn a_panicking_task_is_retried_and_four_failures_abort_the_job_with_sparks_message() {
    std::panic::set_hook(Box::new(|_| {})); // keep the test output quiet
    let (ctx, rec) = Context::local_recorded(2);
    let r = ctx.parallelize((0..8u32).collect(), 4).map(|x| {
        if *x < 2 {
            panic!("partition 0 always fails");
        }
        *x
    });
    match r.count() {
        Err(JobError::Aborted(m)) => {
            assert!(
                m.starts_with(
                    "Job aborted due to stage failure: Task 0 in stage 0.0 failed 4 times"
                ),
                "{m}"
            );
            assert!(m.contains("partition 0 always fails"), "{m}");
        }
        other => panic!("expected an aborted job, got {other:?}"),
    }
    let ends = task_ends(&rec.events());
    assert_eq!(ends.get("exception"), Some(&4));
    // The context is still usable.
    assert_eq!(ctx.parallelize(vec![1, 2, 3], 2).count().unwrap(), 3);
    let _ = std::panic::take_hook();
}

/// An aborted job's tasks still running at the abort end, killed, before its `JobEnd`: every
/// `TaskStart` has one `TaskEnd`, and the count of `run --json` equals the launches.
#[test]
fn an_aborted_jobs_running_tasks_end_killed_before_its_job_end_on_both_clocks() {
    use ember::cluster::{Clock, ClusterSpec, CostModel};
    use ember::events::{EventKind, EventRecorder, TaskEndReason};
    use std::collections::BTreeMap;
    for clock in [Clock::Virtual, Clock::Wall] {
        let rec = EventRecorder::new();
        let ctx = Context::builder()
            .cluster(ClusterSpec::flat(2, 2))
            .clock(clock)
            .cost(CostModel {
                data_scale: 1000.0,
                ..CostModel::default()
            })
            .listener(rec.clone())
            .build()
            .expect("context");
        // Partition 0 fails at once; the others are slow (each record costs as a thousand on
        // the virtual clock; a real sleep on the wall clock), so they run when the fourth
        // failure aborts the job.
        let data: Vec<u64> = (0..40_000).collect();
        let r = ctx.parallelize(data, 4).map_partitions_with_index(|i, it| {
            if i == 0 {
                panic!("partition 0 always fails");
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
            std::iter::once(it.count() as u64)
        });
        std::panic::set_hook(Box::new(|_| {}));
        let aborted = matches!(r.count(), Err(JobError::Aborted(_)));
        let _ = std::panic::take_hook();
        assert!(aborted);
        let events = rec.events();
        let mut open: BTreeMap<usize, usize> = BTreeMap::new();
        let mut killed = 0;
        for e in &events {
            match &e.kind {
                EventKind::TaskStart { task, .. } => {
                    open.insert(*task, 0);
                }
                EventKind::TaskEnd { task, reason, .. } => {
                    let ends = open.get_mut(task).expect("a TaskEnd follows its TaskStart");
                    *ends += 1;
                    if *reason == TaskEndReason::Killed {
                        killed += 1;
                    }
                }
                EventKind::JobEnd { .. } => {
                    assert!(
                        open.values().all(|n| *n == 1),
                        "{clock:?}: every task ended once before the JobEnd: {open:?}"
                    );
                }
                _ => {}
            }
        }
        assert!(killed > 0, "{clock:?}: tasks were running at the abort");
        let summary = ember::events::summary::RunSummary::from_events(&events);
        assert_eq!(summary.tasks, open.len(), "{clock:?}: ends = launches");
    }
}

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

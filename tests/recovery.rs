//! Recovery from lost shuffle files, end to end: the fetch fails, the DAG scheduler forgets the
//! executor's map outputs, reruns only those map tasks, then only the unfinished reduce tasks.

mod common;

use common::{job_facts, submissions, task_ends};
use ember::cluster::ClusterSpec;
use ember::events::{EventKind, EventRecorder, SubmitReason};
use ember::storage::BlockId;
use ember::Context;

#[test]
fn a_lost_shuffle_file_fails_the_fetch_and_only_the_lost_map_outputs_are_recomputed() {
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(2, 1))
        .listener(rec.clone())
        .build()
        .unwrap();
    let counts = ctx
        .parallelize((0..600u32).collect(), 6)
        .map(|x| (x % 12, 1u32))
        .reduce_by_key_into(|a, b| a + b, 3);
    let mut first = counts.collect().unwrap();

    // Which maps wrote on exec-0? Lose their index files.
    let disk = ctx.disk_store(0).expect("exec-0's disk");
    let index = |map| BlockId::ShuffleIndex { shuffle: 0, map };
    let lost: Vec<usize> = (0..6).filter(|m| disk.contains(index(*m))).collect();
    assert!(
        !lost.is_empty() && lost.len() < 6,
        "the maps were spread over both executors: {lost:?}"
    );
    for m in &lost {
        assert!(disk.remove(index(*m)));
    }

    let mut second = counts.collect().unwrap();
    first.sort();
    second.sort();
    assert_eq!(first, second, "the same answer after recovery");
    assert_eq!(second.iter().map(|(_, c)| c).sum::<u32>(), 600);

    let events = rec.events();
    let jobs = job_facts(&events);
    assert_eq!(jobs.len(), 2);
    // Job 1 lists the map stage (2) and result stage (3); the map stage is first skipped, then
    // rerun for the lost partitions only, then the result stage retries what failed.
    let retry: Vec<(usize, usize, Vec<usize>, SubmitReason)> = submissions(&events)
        .into_iter()
        .filter(|s| s.reason == SubmitReason::FetchFailed)
        .map(|s| (s.stage, s.attempt, s.partitions, s.reason))
        .collect();
    assert_eq!(retry.len(), 2, "{retry:?}");
    assert_eq!(
        (retry[0].0, retry[0].2.clone()),
        (2, lost.clone()),
        "only the lost map outputs rerun"
    );
    assert_eq!(retry[1].0, 3);
    assert!(task_ends(&events).get("fetch_failed").copied().unwrap_or(0) >= 1);
    assert!(events.iter().any(
        |e| matches!(&e.kind, EventKind::MapOutputsLost { executor, .. } if executor == "exec-0")
    ));
}

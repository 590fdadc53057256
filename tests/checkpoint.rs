//! Checkpointing (reference §4.5): a reliable checkpoint is written by a job of its own to the
//! DFS and cuts the lineage; a local checkpoint keeps the blocks in the executors and cuts it
//! too, at the price of fault tolerance.

mod common;

use common::job_facts;
use ember::events::EventKind;
use ember::storage::StorageLevel;
use ember::Context;

#[test]
fn a_checkpointed_rdd_s_lineage_is_cut_and_later_jobs_read_the_checkpoint() {
    let (ctx, rec) = Context::local_recorded(2);
    let counts = ctx
        .parallelize((0..1000u64).collect(), 4)
        .map(|x| (x % 10, 1u64))
        .reduce_by_key_into(|a, b| a + b, 2);
    let doubled = counts.map_values(|v| v * 2);
    doubled.checkpoint();
    assert!(doubled.lineage_string().contains("ShuffledRDD"));
    let before = doubled.collect().unwrap();
    // Job 0 is the collect; job 1 writes the checkpoint (its map stage skipped: the shuffle's
    // outputs exist).
    let jobs = job_facts(&rec.events());
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[1].stages_skipped.len(), 1);
    assert!(rec.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::JobStart { job: 1, action, .. } if action == "checkpoint"
    )));
    assert!(doubled.node().is_checkpointed());
    let lineage = doubled.lineage_string();
    assert!(lineage.contains("ReliableCheckpointRDD"), "{lineage}");
    assert!(
        !lineage.contains("ShuffledRDD"),
        "the shuffle is cut off: {lineage}"
    );
    // The files are in the DFS.
    let files = ctx.dfs().files_under(&ctx.checkpoint_dir()).unwrap();
    assert_eq!(files.len(), 2, "one file per partition");
    // A later job reads them: one stage, no shuffle.
    let after = doubled.collect().unwrap();
    assert_eq!(before, after);
    let jobs = job_facts(&rec.events());
    assert_eq!(jobs.len(), 3);
    assert_eq!(jobs[2].stages_listed.len(), 1);
    let read: u64 = rec
        .events()
        .iter()
        .rev()
        .take_while(|e| !matches!(e.kind, EventKind::JobStart { .. }))
        .filter_map(|e| match &e.kind {
            EventKind::TaskEnd { metrics, .. } => Some(metrics.input_bytes),
            _ => None,
        })
        .sum();
    assert!(read > 0, "the last job read the checkpoint files");
}

#[test]
fn a_mark_made_after_the_first_action_is_not_honoured() {
    let ctx = Context::local(1);
    let r = ctx.parallelize((0..10u32).collect(), 2).map(|x| x + 1);
    r.count().unwrap();
    r.checkpoint();
    r.count().unwrap();
    assert!(
        !r.node().is_checkpointed(),
        "as in Spark: mark before the first action"
    );
}

#[test]
fn a_persisted_rdd_is_checkpointed_from_its_cached_blocks() {
    let (ctx, rec) = Context::local_recorded(2);
    let r = ctx
        .parallelize((0..100u32).collect(), 4)
        .map(|x| x * 3)
        .persist(StorageLevel::MEMORY_ONLY);
    r.checkpoint();
    r.count().unwrap();
    // The checkpoint job's tasks read the cache: no block is stored twice, nothing recomputed.
    let stored = rec
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::BlockStored { .. }))
        .count();
    assert_eq!(stored, 4);
    assert!(r.node().is_checkpointed());
    assert_eq!(r.collect().unwrap()[99], 297);
}

#[test]
fn a_local_checkpoint_keeps_blocks_on_the_executors_and_cuts_the_lineage() {
    let (ctx, rec) = Context::local_recorded(2);
    let counts = ctx
        .parallelize((0..1000u64).collect(), 4)
        .map(|x| (x % 10, 1u64))
        .reduce_by_key_into(|a, b| a + b, 2)
        .local_checkpoint();
    assert_eq!(counts.storage_level(), StorageLevel::MEMORY_AND_DISK);
    assert_eq!(counts.count().unwrap(), 10);
    // Every partition was stored by the first job: no checkpoint job was needed.
    assert_eq!(job_facts(&rec.events()).len(), 1);
    let lineage = counts.lineage_string();
    assert!(lineage.contains("LocalCheckpointRDD"), "{lineage}");
    assert!(!lineage.contains("ParallelCollectionRDD"), "{lineage}");
    assert_eq!(counts.count().unwrap(), 10);
}

#[test]
fn a_local_checkpoint_whose_blocks_are_gone_fails_the_job() {
    std::panic::set_hook(Box::new(|_| {}));
    let ctx = Context::local(1);
    let r = ctx
        .parallelize((0..10u32).collect(), 2)
        .map(|x| x + 1)
        .local_checkpoint();
    r.count().unwrap();
    r.unpersist();
    let err = r.count().unwrap_err().to_string();
    let _ = std::panic::take_hook();
    assert!(err.contains("Checkpoint block rdd_1_0 not found!"), "{err}");
}

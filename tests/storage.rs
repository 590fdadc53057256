//! Storage end to end: persisted RDDs kept by the executors' block managers under Spark's rules
//! (reference §3 and §6 "Storage"), as a program against the API sees them.

use ember::cluster::ClusterSpec;
use ember::events::{Event, EventKind, EventRecorder};
use ember::storage::StorageLevel;
use ember::Context;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const MIB: u64 = 1 << 20;

/// A context of `executors` one-core executors (one per host) with `memory` bytes each.
fn cluster(executors: usize, memory: u64) -> (Context, EventRecorder) {
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec {
            storage_memory: memory,
            ..ClusterSpec::flat(executors, 1)
        })
        .listener(rec.clone())
        .build()
        .expect("context");
    (ctx, rec)
}

/// An RDD of `parts` partitions of one record each, a vector of `words` u64s (about
/// `8 × words` bytes), counting how many partitions are computed.
fn blocks(
    ctx: &Context,
    parts: usize,
    words: usize,
) -> (ember::rdd::Rdd<Vec<u64>>, Arc<AtomicUsize>) {
    let computed = Arc::new(AtomicUsize::new(0));
    let c = computed.clone();
    let rdd = ctx
        .parallelize((0..parts as u64).collect(), parts)
        .map(move |p| {
            c.fetch_add(1, Ordering::SeqCst);
            vec![*p; words]
        });
    (rdd, computed)
}

/// About 1.1 MiB: one block is one step past the first unroll reservation.
const WORDS: usize = 150_000;

/// Room for two of those blocks and not three: unrolling a block reserves 1.5 × its size
/// (Spark's `memoryGrowthFactor`) before the excess goes back, so the second fits beside the
/// first (1.2 + 1.8 MB) and a third does not beside two (2.4 + 1.8 MB).
const ROOM_FOR_TWO: u64 = 3_500_000;

fn stored(events: &[Event]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::BlockStored {
                block,
                executor,
                storage,
                ..
            } => Some((block.clone(), executor.clone(), storage.name().to_string())),
            _ => None,
        })
        .collect()
}

fn evicted(events: &[Event]) -> Vec<(String, bool, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::BlockEvicted {
                block,
                to_disk,
                for_block,
                ..
            } => Some((block.clone(), *to_disk, for_block.clone())),
            _ => None,
        })
        .collect()
}

fn recomputed(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PartitionRecomputed {
                rdd,
                partition,
                reason,
                ..
            } => Some((format!("rdd_{rdd}_{partition}"), reason.name().to_string())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_persisted_rdd_is_computed_once_then_read_from_memory_where_it_is() {
    let (ctx, rec) = cluster(2, 64 * MIB);
    let (rdd, computed) = blocks(&ctx, 4, 1000);
    let rdd = rdd.persist(StorageLevel::MEMORY_ONLY);
    assert_eq!(rdd.count().unwrap(), 4);
    assert_eq!(computed.load(Ordering::SeqCst), 4);
    let first = rec.events().len();
    assert_eq!(rdd.count().unwrap(), 4);
    assert_eq!(
        computed.load(Ordering::SeqCst),
        4,
        "the second job computes nothing"
    );
    let events = rec.events();
    let s = stored(&events);
    assert_eq!(s.len(), 4, "{s:?}");
    assert!(stored(&events[first..]).is_empty());
    // Each task of the second job ran where its block is, PROCESS_LOCAL.
    for e in &events[first..] {
        if let EventKind::TaskStart {
            partition,
            executor,
            locality,
            ..
        } = &e.kind
        {
            let (_, holder, _) = &s[*partition];
            assert_eq!(executor, holder, "partition {partition}");
            assert_eq!(*locality, ember::events::Locality::ProcessLocal);
        }
    }
}

#[test]
fn a_partition_that_does_not_fit_is_not_cached_under_memory_only_and_is_recomputed() {
    // One executor, room for two blocks: of three partitions the third is never stored.
    let (ctx, rec) = cluster(1, ROOM_FOR_TWO);
    let (rdd, computed) = blocks(&ctx, 3, WORDS);
    let rdd = rdd.persist(StorageLevel::MEMORY_ONLY);
    for _ in 0..3 {
        assert_eq!(rdd.count().unwrap(), 3);
    }
    let events = rec.events();
    assert_eq!(
        stored(&events)
            .iter()
            .map(|s| s.0.as_str())
            .collect::<Vec<_>>(),
        vec!["rdd_1_0", "rdd_1_1"]
    );
    assert_eq!(computed.load(Ordering::SeqCst), 3 + 1 + 1);
    assert_eq!(
        recomputed(&events),
        vec![
            ("rdd_1_2".to_string(), "not_stored".to_string()),
            ("rdd_1_2".to_string(), "not_stored".to_string())
        ]
    );
}

#[test]
fn never_evicts_blocks_of_the_rdd_being_cached() {
    let (ctx, rec) = cluster(1, ROOM_FOR_TWO);
    let (rdd, _) = blocks(&ctx, 6, WORDS);
    let rdd = rdd.persist(StorageLevel::MEMORY_ONLY);
    rdd.count().unwrap();
    rdd.count().unwrap();
    let events = rec.events();
    assert!(evicted(&events).is_empty(), "{:?}", evicted(&events));
    let status = ctx.store_status(0).unwrap();
    let held: Vec<String> = status.memory.iter().map(|(b, _)| b.to_string()).collect();
    assert_eq!(
        held,
        vec!["rdd_1_0", "rdd_1_1"],
        "the first partitions stay"
    );
}

#[test]
fn lru_evicts_the_least_recently_read_rdd_first() {
    let (ctx, rec) = cluster(1, ROOM_FOR_TWO);
    let (a, _) = blocks(&ctx, 1, WORDS);
    let (b, _) = blocks(&ctx, 1, WORDS);
    let (c, _) = blocks(&ctx, 1, WORDS);
    let (a, b, c) = (
        a.persist(StorageLevel::MEMORY_ONLY),
        b.persist(StorageLevel::MEMORY_ONLY),
        c.persist(StorageLevel::MEMORY_ONLY),
    );
    a.count().unwrap();
    b.count().unwrap();
    a.count().unwrap(); // a is now the most recently used
    c.count().unwrap();
    let ev = evicted(&rec.events());
    assert_eq!(
        ev,
        vec![(
            format!("rdd_{}_0", b.id()),
            false,
            format!("rdd_{}_0", c.id())
        )]
    );
}

#[test]
fn memory_and_disk_keeps_what_does_not_fit_on_disk_and_reads_it_from_there() {
    let (ctx, rec) = cluster(1, ROOM_FOR_TWO);
    let (rdd, computed) = blocks(&ctx, 3, WORDS);
    let rdd = rdd.persist(StorageLevel::MEMORY_AND_DISK);
    rdd.count().unwrap();
    let first = rec.events().len();
    rdd.count().unwrap();
    let events = rec.events();
    let s = stored(&events);
    assert_eq!(
        s.iter()
            .map(|(b, _, st)| (b.as_str(), st.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("rdd_1_0", "memory"),
            ("rdd_1_1", "memory"),
            ("rdd_1_2", "disk")
        ]
    );
    assert_eq!(computed.load(Ordering::SeqCst), 3, "nothing is recomputed");
    let disk_read: u64 = events[first..]
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TaskEnd { metrics, .. } => Some(metrics.input_disk_bytes),
            _ => None,
        })
        .sum();
    // The block's encoding: 150,000 small numbers, a byte each.
    assert!(
        disk_read >= WORDS as u64,
        "the third partition came from disk"
    );
}

#[test]
fn an_evicted_memory_and_disk_block_is_dropped_to_disk_and_read_back_into_memory() {
    let (ctx, rec) = cluster(1, ROOM_FOR_TWO);
    let (a, computed) = blocks(&ctx, 1, WORDS);
    let a = a.persist(StorageLevel::MEMORY_AND_DISK);
    let (b, _) = blocks(&ctx, 2, WORDS);
    let b = b.persist(StorageLevel::MEMORY_ONLY);
    a.count().unwrap();
    b.count().unwrap(); // b's second block pushes a's out, to disk
    let ev = evicted(&rec.events());
    assert_eq!(
        ev,
        vec![(
            format!("rdd_{}_0", a.id()),
            true,
            format!("rdd_{}_1", b.id())
        )]
    );
    let before = rec.events().len();
    a.count().unwrap();
    assert_eq!(
        computed.load(Ordering::SeqCst),
        1,
        "read from disk, not recomputed"
    );
    // Read from disk, a's block goes back into memory (evicting b's least recent block).
    let after = &rec.events()[before..];
    assert!(
        stored(after).contains(&(
            format!("rdd_{}_0", a.id()),
            "exec-0".into(),
            "memory".into()
        )),
        "{:?}",
        stored(after)
    );
    assert_eq!(
        evicted(after),
        vec![(
            format!("rdd_{}_0", b.id()),
            false,
            format!("rdd_{}_0", a.id())
        )]
    );
}

#[test]
fn replicated_levels_keep_a_second_copy_on_another_host() {
    let (ctx, rec) = cluster(3, 64 * MIB);
    let (rdd, _) = blocks(&ctx, 6, 1000);
    let rdd = rdd.persist(StorageLevel::MEMORY_ONLY_2);
    rdd.count().unwrap();
    let s = stored(&rec.events());
    assert_eq!(s.len(), 12, "two copies of each of 6 blocks: {s:?}");
    for p in 0..6 {
        let holders: Vec<&String> = s
            .iter()
            .filter(|(b, _, _)| *b == format!("rdd_1_{p}"))
            .map(|(_, e, _)| e)
            .collect();
        assert_eq!(holders.len(), 2);
        assert_ne!(
            holders[0], holders[1],
            "on two executors (each its own host)"
        );
    }
}

#[test]
fn unpersist_removes_every_copy_and_the_next_job_recomputes() {
    let (ctx, rec) = cluster(3, 64 * MIB);
    let (rdd, computed) = blocks(&ctx, 6, 1000);
    let rdd = rdd.persist(StorageLevel::MEMORY_AND_DISK_2);
    rdd.count().unwrap();
    rdd.unpersist();
    let removed = rec
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::BlockRemoved { .. }))
        .count();
    assert_eq!(removed, 12, "every copy, on every executor");
    for e in 0..3 {
        let st = ctx.store_status(e).unwrap();
        assert!(st.memory.is_empty() && st.disk.is_empty(), "{st:?}");
        assert_eq!(st.storage_used, 0);
    }
    rdd.count().unwrap();
    assert_eq!(computed.load(Ordering::SeqCst), 12);
}

#[test]
fn serialized_levels_hold_encoded_bytes_smaller_than_the_records() {
    let sizes = |level: StorageLevel| {
        let (ctx, rec) = cluster(1, 64 * MIB);
        let strings = ctx
            .parallelize((0..2000u64).collect(), 1)
            .map(|i| format!("record number {i}"))
            .persist(level);
        strings.count().unwrap();
        rec.events()
            .iter()
            .find_map(|e| match &e.kind {
                EventKind::BlockStored { bytes, .. } => Some(*bytes),
                _ => None,
            })
            .expect("stored")
    };
    let objects = sizes(StorageLevel::MEMORY_ONLY);
    let encoded = sizes(StorageLevel::MEMORY_ONLY_SER);
    assert!(
        encoded < objects / 2,
        "{encoded} encoded vs {objects} as objects"
    );
}

#[test]
fn disk_only_takes_no_memory() {
    let (ctx, rec) = cluster(1, 64 * MIB);
    let (rdd, computed) = blocks(&ctx, 2, 1000);
    let rdd = rdd.persist(StorageLevel::DISK_ONLY);
    rdd.count().unwrap();
    rdd.count().unwrap();
    assert_eq!(computed.load(Ordering::SeqCst), 2);
    assert!(stored(&rec.events()).iter().all(|(_, _, s)| s == "disk"));
    let st = ctx.store_status(0).unwrap();
    assert_eq!(st.storage_used, 0);
    assert_eq!(st.disk.len(), 2);
}

#[test]
fn a_failed_task_stores_nothing() {
    std::panic::set_hook(Box::new(|_| {}));
    let (ctx, rec) = cluster(1, 64 * MIB);
    let (rdd, _) = blocks(&ctx, 1, 1000);
    let rdd = rdd.persist(StorageLevel::MEMORY_ONLY);
    let failing = rdd.map(|v| {
        assert!(
            v.is_empty(),
            "the task fails after computing the cached partition"
        );
        1u64
    });
    assert!(failing.count().is_err());
    let _ = std::panic::take_hook();
    assert!(stored(&rec.events()).is_empty());
    assert_eq!(ctx.store_status(0).unwrap().storage_used, 0);
}

#[test]
fn a_shuffle_read_reserves_execution_memory_that_evicts_blocks_beyond_the_storage_region() {
    // 4.5 MiB of unified memory, R = 2.25 MiB protected for storage. Three cached blocks
    // (3.4 MiB) borrow past R; a reduce task fetching about 2 MiB takes the borrowed part back.
    let (ctx, rec) = cluster(1, 9 * MIB / 2);
    let (cached, _) = blocks(&ctx, 3, WORDS);
    let cached = cached.persist(StorageLevel::MEMORY_ONLY);
    cached.count().unwrap();
    let pairs = ctx
        .parallelize((0..300_000u64).collect(), 2)
        .map(|x| (*x, x.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    let sums = pairs.reduce_by_key_into(|a, b| a ^ b, 1);
    assert_eq!(sums.count().unwrap(), 300_000);
    // Storage had borrowed about 1.2 MB past R and the fetch needs more than the 1.1 MB left
    // free; reclaiming takes the two least recently used blocks (1.2 MB each), as Spark's
    // `freeSpaceToShrinkPool` evicts whole blocks. The third stays: storage is back within R.
    let ev = evicted(&rec.events());
    assert_eq!(
        ev.iter().map(|(b, _, _)| b.as_str()).collect::<Vec<_>>(),
        vec!["rdd_1_0", "rdd_1_1"],
        "{ev:?}"
    );
    assert!(
        ev.iter()
            .all(|(_, _, why)| why.ends_with("execution memory")),
        "{ev:?}"
    );
    let st = ctx.store_status(0).unwrap();
    assert_eq!(st.memory.len(), 1, "{st:?}");
    assert!(st.storage_used <= 2 * MIB);
    assert_eq!(st.execution_used, 0, "released when the task ended");
}

#[test]
fn a_replicated_level_sends_its_copy_over_the_network_inside_the_task() {
    // Spark replicates inside the put: the task that computes a `_2` block pays for sending it.
    let sent = |level: StorageLevel| {
        let (ctx, rec) = cluster(2, 64 * MIB);
        let (rdd, _) = blocks(&ctx, 2, 1000);
        rdd.persist(level).count().unwrap();
        rec.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::TaskEnd { metrics, .. } => Some(metrics.output_network_bytes),
                _ => None,
            })
            .sum::<u64>()
    };
    assert_eq!(sent(StorageLevel::MEMORY_ONLY), 0);
    // Each block is 1,000 small numbers: at least a byte each, once per block.
    assert!(sent(StorageLevel::MEMORY_ONLY_2) >= 2 * 1000);
    assert!(sent(StorageLevel::DISK_ONLY_2) >= 2 * 1000);
}

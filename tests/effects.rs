//! Effects at completion (DESIGN, "executor state changes only at completion"): on the virtual
//! clock tasks are computed in parallel batches when they are launched, yet what a task wrote
//! becomes part of its executor's state only at its completion time, in the driver's order.

use ember::cluster::ClusterSpec;
use ember::events::{Event, EventKind, EventListener};
use ember::storage::{BlockId, DiskStore};
use ember::Context;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Set by map 1's code when it runs.
static COMPUTED_1: AtomicBool = AtomicBool::new(false);

/// What the listener saw of exec-0's disk store at each task start and end of the map stage:
/// (event, partition, time, map 0's output present, map 1's output present, map 1 computed).
type Sightings = Arc<Mutex<Vec<(&'static str, usize, u64, bool, bool, bool)>>>;

struct Watcher {
    disk: Arc<Mutex<Option<Arc<DiskStore>>>>,
    seen: Sightings,
}

impl EventListener for Watcher {
    fn on_event(&mut self, e: &Event) {
        let (what, stage, partition) = match &e.kind {
            EventKind::TaskStart {
                stage, partition, ..
            } => ("start", *stage, *partition),
            EventKind::TaskEnd {
                stage, partition, ..
            } => ("end", *stage, *partition),
            _ => return,
        };
        if stage != 0 {
            return;
        }
        let Some(disk) = self.disk.lock().unwrap().clone() else {
            return;
        };
        let has = |map| {
            disk.contains(BlockId::ShuffleData { shuffle: 0, map })
                && disk.contains(BlockId::ShuffleIndex { shuffle: 0, map })
        };
        self.seen.lock().unwrap().push((
            what,
            partition,
            e.time_us,
            has(0),
            has(1),
            COMPUTED_1.load(Ordering::SeqCst),
        ));
    }
}

#[test]
fn a_map_output_becomes_visible_at_its_tasks_completion_not_at_launch() {
    let disk = Arc::new(Mutex::new(None));
    let seen: Sightings = Arc::default();
    // One executor with two cores: both map tasks launch at time 0, in one round, and are
    // computed in one parallel batch.
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(1, 2))
        .listener(Watcher {
            disk: disk.clone(),
            seen: seen.clone(),
        })
        .build()
        .unwrap();
    *disk.lock().unwrap() = ctx.disk_store(0);
    // Partition 0 holds one record, partition 1 ten thousand: map 1 takes far longer.
    let counts = ctx
        .parallelize(vec![0u32, 1], 2)
        .flat_map(|x| {
            if *x == 1 {
                COMPUTED_1.store(true, Ordering::SeqCst);
            }
            0..(1 + x * 10_000)
        })
        .map(|x| (x % 10, 1u32))
        .reduce_by_key_into(|a, b| a + b, 2);
    assert_eq!(counts.count().unwrap(), 10);
    assert!(COMPUTED_1.load(Ordering::SeqCst));

    let seen = seen.lock().unwrap().clone();
    let starts: Vec<_> = seen.iter().filter(|s| s.0 == "start").collect();
    assert_eq!(starts.len(), 2);
    assert!(
        starts.iter().all(|s| s.2 == starts[0].2),
        "launched together"
    );
    assert!(
        starts.iter().all(|s| !s.3 && !s.4),
        "nothing is visible at launch: {seen:?}"
    );
    let end = |p| {
        seen.iter()
            .find(|s| s.0 == "end" && s.1 == p)
            .copied()
            .unwrap()
    };
    let (end0, end1) = (end(0), end(1));
    assert!(end0.2 < end1.2, "map 0 completes first: {seen:?}");
    // By map 0's completion, map 1 has been computed (the batch ran both), yet only map 0's
    // output is part of the executor's store.
    assert!(
        end0.5,
        "map 1 was computed before map 0 completed: {seen:?}"
    );
    assert!(end0.3, "map 0's output is visible at its completion");
    assert!(
        !end0.4,
        "map 1's output is not visible before its completion"
    );
    assert!(
        end1.3 && end1.4,
        "both are visible once both have completed"
    );
}

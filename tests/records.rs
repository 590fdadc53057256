//! Records a source holds reach a task's code by reference: they are never copied to get
//! there, and only an operation that must own a record (collecting it, putting it in a pair)
//! copies it.

use ember::cluster::ClusterSpec;
use ember::storage::StorageLevel;
use ember::Context;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A record that counts how often it is cloned.
#[derive(Serialize, Deserialize)]
struct Point {
    x: Vec<f64>,
    #[serde(skip)]
    clones: Arc<AtomicUsize>,
}

impl Clone for Point {
    fn clone(&self) -> Self {
        self.clones.fetch_add(1, Ordering::SeqCst);
        Point {
            x: self.x.clone(),
            clones: self.clones.clone(),
        }
    }
}

fn points(n: usize) -> (Vec<Point>, Arc<AtomicUsize>) {
    let clones = Arc::new(AtomicUsize::new(0));
    let v = (0..n)
        .map(|i| Point {
            x: vec![i as f64; 8],
            clones: clones.clone(),
        })
        .collect();
    (v, clones)
}

#[test]
fn records_held_by_a_source_reach_every_operation_without_being_copied() {
    let ctx = Context::local(2);
    let (v, clones) = points(1000);
    let rdd = ctx.parallelize(v, 4);
    assert_eq!(rdd.count().unwrap(), 1000);
    let sum = rdd.map(|p| p.x[0]).reduce(|a, b| a + b).unwrap().unwrap();
    assert_eq!(sum, (0..1000).sum::<usize>() as f64);
    assert_eq!(rdd.filter(|p| p.x[0] >= 500.0).count().unwrap(), 500);
    let kept = rdd
        .filter(|p| p.x[0] < 10.0)
        .map(|p| p.x.len())
        .collect()
        .unwrap();
    assert_eq!(kept, vec![8; 10]);
    let partials = rdd
        .map_partitions(|it| std::iter::once(it.fold(0.0, |a, p| a + p.x[1])))
        .collect()
        .unwrap();
    assert_eq!(partials.iter().sum::<f64>(), sum);
    let seen = rdd
        .aggregate(0usize, |n, p| n + p.x.len(), |a, b| a + b)
        .unwrap();
    assert_eq!(seen, 8000);
    rdd.foreach(|p| assert_eq!(p.x.len(), 8)).unwrap();
    assert!(rdd.sample(false, 0.5, 3).count().unwrap() > 0);
    assert_eq!(
        clones.load(Ordering::SeqCst),
        0,
        "reading, mapping, filtering, sampling and folding copy no record"
    );
}

#[test]
fn only_operations_that_must_own_a_record_copy_it() {
    let ctx = Context::local(2);
    let (v, clones) = points(100);
    let rdd = ctx.parallelize(v, 4);
    assert_eq!(rdd.collect().unwrap().len(), 100);
    assert_eq!(
        clones.load(Ordering::SeqCst),
        100,
        "collect owns every record"
    );
    clones.store(0, Ordering::SeqCst);
    let pairs = rdd.key_by(|p| p.x[0] as u64).count().unwrap();
    assert_eq!(pairs, 100);
    assert_eq!(clones.load(Ordering::SeqCst), 100, "a pair owns its record");
    clones.store(0, Ordering::SeqCst);
    // key_by over records an operation made moves them instead.
    let moved = rdd
        .map(|p| Point {
            x: p.x.clone(),
            clones: p.clones.clone(),
        })
        .key_by(|p| p.x[0] as u64)
        .count()
        .unwrap();
    assert_eq!(moved, 100);
    assert_eq!(clones.load(Ordering::SeqCst), 0, "owned records are moved");
}

#[test]
fn persisting_a_source_shares_its_records_whether_they_fit_or_not() {
    // Spark's unroll buffer holds references to the records it caches, not copies: so does
    // ember's cache of a source's block, and a block that does not fit costs no copy either.
    for (memory, stored) in [(ember::cluster::SPARK_LOCAL_STORAGE_MEMORY, 4), (4096, 0)] {
        let ctx = Context::builder()
            .cluster(ClusterSpec {
                storage_memory: memory,
                ..ClusterSpec::flat(1, 2)
            })
            .build()
            .expect("context");
        let (v, clones) = points(1000);
        let rdd = ctx.parallelize(v, 4).persist(StorageLevel::MEMORY_ONLY);
        for _ in 0..3 {
            let sum = rdd.map(|p| p.x[0]).reduce(|a, b| a + b).unwrap().unwrap();
            assert_eq!(sum, (0..1000).sum::<usize>() as f64);
        }
        let held = ctx.store_status(0).expect("exec-0").memory.len();
        assert_eq!(held, stored, "blocks in memory with {memory} bytes");
        assert_eq!(
            clones.load(Ordering::SeqCst),
            0,
            "caching (or failing to cache) a source's block copies no record"
        );
    }
}

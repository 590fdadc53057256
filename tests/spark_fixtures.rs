//! Real Apache Spark 4.3 as ground truth: the programs of `tests/fixtures/spark/` (the event
//! logs, facts and Scala programs of real Spark runs, kept byte for byte as Spark wrote them)
//! written against ember's API give Spark's jobs, stages (listed, run, skipped) and task counts.

mod common;

use common::job_facts;
use common::spark::{check_against, facts};
use ember::cluster::{Clock, ClusterSpec};
use ember::events::{EventKind, EventRecorder};
use ember::storage::StorageLevel;
use ember::Context;

/// `dag-twice.scala`: word pairs → reduceByKey(8) → join → sortByKey(4) → collect, twice, on
/// `local[2]` (here one executor of two cores), on both clocks.
///
/// Spark iterates the parent shuffle dependencies of a stage out of a `HashSet`, so their
/// order (and so which map stage gets the smaller id) is in principle arbitrary there; ember
/// takes them in the order a depth-first walk meets them, which is the order this log shows:
/// stage 0 is `lengths` (3 tasks), stage 1 `pairs` (4 tasks), and in job 1, where the
/// ancestor walk prepends, stage 3 is `pairs` and stage 4 `lengths`.
#[test]
fn dag_twice_matches_spark_jobs_stages_skips_and_task_counts() {
    for clock in [Clock::Virtual, Clock::Wall] {
        dag_twice(clock);
    }
}

fn dag_twice(clock: Clock) {
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(1, 2))
        .clock(clock)
        .listener(rec.clone())
        .build()
        .expect("context");
    let vocab: Vec<&'static str> = vec![
        "spark",
        "stage",
        "task",
        "shuffle",
        "cache",
        "join",
        "sort",
        "block",
        "executor",
        "driver",
        "job",
        "rdd",
        "partition",
        "map",
        "reduce",
        "key",
    ];
    let v = vocab.clone();
    let text = ctx
        .parallelize((0..2000usize).collect(), 4)
        .map(move |i| v[(i * 7 + i / 3) % v.len()].to_string());
    let pairs = text.map(|w| (w.clone(), 1u64));
    let counts = pairs.reduce_by_key_into(|a, b| a + b, 8);
    let lengths = ctx.parallelize(vocab.iter().map(|w| (w.to_string(), w.len())).collect(), 3);
    let joined = counts.join(&lengths);
    // Defining the sorted RDD runs the range partitioner's sampling job (job 0), as in Spark.
    let sorted = joined.sort_by_key_into(true, 4).expect("sampling job");
    let first = sorted.collect().expect("first collect");
    let second = sorted.collect().expect("second collect");
    assert_eq!(first, second);
    assert_eq!(first.len(), 16);
    assert!(first.windows(2).all(|w| w[0].0 < w[1].0), "sorted by key");

    // The RDD ids Spark assigns: 0..=10, with the join's three RDDs 5, 6, 7 and the sort's
    // sampling RDDs 8, 9 before the ShuffledRDD 10.
    assert_eq!(sorted.id(), 10);
    assert_eq!(joined.id(), 7);

    check_against(&facts("dag-twice"), &job_facts(&rec.events()));
}

/// `cache-rbk-join.scala`: a cached map counted twice, then `reduceByKey(3)` joined with a
/// 2-partition pair RDD. The join shuffles only `names`, whose map stage therefore gets the
/// smaller id (2) before `nums`' (3). The storage story is Spark's: job 0 stores the four
/// blocks `rdd_1_0..3` in memory, job 1 reads them where they are (all PROCESS_LOCAL) and
/// stores nothing, nor does job 2. Spark's log has 12 BlockUpdated events: these 4 and 8 of
/// broadcast pieces, which ember does not have (closures are not broadcast). Spark sizes each
/// block at 9,016 bytes: 250 `Tuple2`s of boxed `Integer`s, about 36 bytes a record; ember's
/// records are plain `(i64, i64)`, 16 bytes, so its blocks are 4,040 bytes.
#[test]
fn cache_rbk_join_matches_spark_jobs_stages_and_task_counts() {
    let (ctx, rec) = Context::local_recorded(2);
    let nums = ctx
        .parallelize((1..=1000i64).collect(), 4)
        .map(|x| (x % 10, x * 2))
        .cache();
    assert_eq!(nums.count().unwrap(), 1000);
    assert_eq!(nums.count().unwrap(), 1000);
    let sums = nums.reduce_by_key_into(|a, b| a + b, 3);
    let words = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let names = ctx.parallelize(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| (i as i64, w.to_string()))
            .collect(),
        2,
    );
    let mut joined = sums.join(&names).collect().unwrap();
    joined.sort();
    assert_eq!(joined.len(), 10);
    assert_eq!(
        joined[1],
        (
            1,
            (
                2 * (1..=1000).filter(|x| x % 10 == 1).sum::<i64>(),
                "one".to_string()
            )
        )
    );
    let events = rec.events();
    check_against(&facts("cache-rbk-join"), &job_facts(&events));
    let story = storage_story(&events);
    let stored: Vec<&str> = story[0]
        .memory_stored
        .iter()
        .map(|(b, _)| b.as_str())
        .collect();
    assert_eq!(stored, vec!["rdd_1_0", "rdd_1_1", "rdd_1_2", "rdd_1_3"]);
    assert!(story[0]
        .memory_stored
        .iter()
        .all(|(_, bytes)| *bytes == 4_040));
    for j in &story[1..] {
        assert!(j.memory_stored.is_empty() && j.evicted.is_empty(), "{j:?}");
    }
    let job1_local = events
        .iter()
        .skip_while(|e| !matches!(e.kind, EventKind::JobStart { job: 1, .. }))
        .take_while(|e| !matches!(e.kind, EventKind::JobEnd { job: 1, .. }))
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::TaskStart {
                    locality: ember::events::Locality::ProcessLocal,
                    ..
                }
            )
        })
        .count();
    assert_eq!(job1_local, 4, "job 1 reads every block where it is");
    let f = facts("cache-rbk-join");
    assert_eq!(f["block_updates_by_rdd"]["rdd_1:memory_stored"], 4);
}

/// What one job did to storage, from the events.
#[derive(Debug, Default)]
struct JobStorage {
    /// (block, bytes) stored in memory, in order.
    memory_stored: Vec<(String, u64)>,
    disk_stored: Vec<String>,
    /// (block, dropped to disk)
    evicted: Vec<(String, bool)>,
    /// (block, reason)
    recomputed: Vec<(String, String)>,
}

fn storage_story(events: &[ember::events::Event]) -> Vec<JobStorage> {
    let mut jobs: Vec<JobStorage> = Vec::new();
    for e in events {
        let Some(j) = jobs.last_mut() else {
            if matches!(e.kind, EventKind::JobStart { .. }) {
                jobs.push(JobStorage::default());
            }
            continue;
        };
        match &e.kind {
            EventKind::JobStart { .. } => jobs.push(JobStorage::default()),
            EventKind::BlockStored {
                block,
                storage,
                bytes,
                ..
            } => {
                if *storage == ember::events::BlockStore::Memory {
                    j.memory_stored.push((block.clone(), *bytes));
                } else {
                    j.disk_stored.push(block.clone());
                }
            }
            EventKind::BlockEvicted { block, to_disk, .. } => {
                j.evicted.push((block.clone(), *to_disk))
            }
            EventKind::PartitionRecomputed {
                rdd,
                partition,
                reason,
                ..
            } => j
                .recomputed
                .push((format!("rdd_{rdd}_{partition}"), reason.name().to_string())),
            _ => {}
        }
    }
    jobs
}

fn of_rdd<T>(items: &[(String, T)], rdd: usize) -> Vec<&(String, T)> {
    let prefix = format!("rdd_{rdd}_");
    items
        .iter()
        .filter(|(b, _)| b.starts_with(&prefix))
        .collect()
}

/// `memory-pressure.scala` on `local-cluster[3,1,1024]` with 512 MB executors and
/// `spark.memory.fraction=0.1`: (512 − 300) MiB × 0.1 ≈ 21.2 MiB of unified memory each.
/// `big` (MEMORY_ONLY, 12 partitions of about 8 MB) is summed four times, then `derived`
/// (MEMORY_AND_DISK) twice. Jobs, stages and tasks are Spark's, and so is the storage story:
///
/// - job 0 stores 6 of `big`'s 12 blocks, two per executor; the other 6 do not fit and, as
///   blocks of the RDD being stored may not be evicted, are not stored;
/// - jobs 1 to 3 store nothing and compute those 6 partitions again (ember says so with
///   `PartitionRecomputed`, reason `not_stored`; Spark's log is silent);
/// - job 4 stores all 12 blocks of `derived` in memory, dropping 9 of them to disk as the
///   recomputed `big` blocks (9 stored again) push them out; `big` loses 12 blocks;
/// - job 5 computes nothing: it reads `derived` from memory or disk, and 3 of the blocks read
///   from disk go back into memory, pushing out 3 more of `big`'s.
///
/// Spark's counts, from its facts: `rdd_1` memory-stored 15 (= 6 + 9), `rdd_6` disk-stored 9,
/// the same here. Spark counts 16 `rdd_1` removals: the same 15 evictions, with one block
/// (`rdd_1_5`) reported twice. Spark counts 12 `rdd_6` memory stores: the 3 blocks job 5 puts
/// back into memory are not reported by Spark (`maybeCacheDiskValuesInMemory` does not tell the
/// master); ember posts them, so it has 15. Block sizes: Spark's estimator gives 8,000,096
/// bytes, ember's 8,000,200; on disk Spark's blocks are about 40 KB because it compresses
/// them (every value of a block is the same number), ember's are the plain encoding.
#[test]
fn memory_pressure_matches_spark_jobs_and_storage_story() {
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec {
            racks: 1,
            hosts_per_rack: 1,
            executors_per_host: 3,
            cores_per_executor: 1,
            storage_memory: (212.0 * 1024.0 * 1024.0 * 0.1) as u64,
            ..ClusterSpec::default()
        })
        .listener(rec.clone())
        .build()
        .expect("context");
    let big = ctx
        .parallelize((0..12u32).collect(), 12)
        .flat_map(|p| {
            (0..4u32)
                .map(|r| vec![(p * 4 + r) as f64; 250_000])
                .collect::<Vec<_>>()
        })
        .persist(StorageLevel::MEMORY_ONLY);
    for _ in 0..4 {
        let s = big
            .map(|a| a[0] + a.len() as f64)
            .fold(0.0, |acc, x| acc + x)
            .unwrap();
        assert_eq!(s, (0..48).map(|i| i as f64 + 250_000.0).sum::<f64>());
    }
    let derived = big
        .map(|a| a.iter().map(|x| x * 0.5).collect::<Vec<f64>>())
        .persist(StorageLevel::MEMORY_AND_DISK);
    for _ in 0..2 {
        let n = derived
            .map(|a| a.len() as u64)
            .fold(0, |acc, x| acc + x)
            .unwrap();
        assert_eq!(n, 48 * 250_000);
    }
    derived.unpersist();
    big.unpersist();
    let events = rec.events();
    let f = facts("memory-pressure");
    check_against(&f, &job_facts(&events));

    let story = storage_story(&events);
    assert_eq!(story.len(), 6);
    // Job 0: two blocks per executor.
    assert_eq!(of_rdd(&story[0].memory_stored, 1).len(), 6);
    assert!(story[0].evicted.is_empty());
    for (b, bytes) in &story[0].memory_stored {
        let spark = 8_000_096.0;
        assert!(
            (*bytes as f64 - spark).abs() / spark < 0.001,
            "{b}: {bytes}"
        );
    }
    // Jobs 1-3: nothing stored, the same 6 partitions computed again each time.
    for j in &story[1..4] {
        assert!(j.memory_stored.is_empty() && j.evicted.is_empty(), "{j:?}");
        assert_eq!(j.recomputed.len(), 6);
        assert!(j.recomputed.iter().all(|(_, r)| r == "not_stored"));
    }
    // Job 4: all of derived in memory first, 9 dropped to disk; big re-stored 9, evicted 12.
    let j4 = &story[4];
    assert_eq!(of_rdd(&j4.memory_stored, 6).len(), 12);
    assert_eq!(j4.disk_stored.len(), 9);
    assert_eq!(of_rdd(&j4.memory_stored, 1).len(), 9);
    let big_evicted = of_rdd(&j4.evicted, 1);
    assert_eq!(big_evicted.len(), 12);
    assert!(
        big_evicted.iter().all(|(_, to_disk)| !to_disk),
        "MEMORY_ONLY: gone"
    );
    assert!(of_rdd(&j4.evicted, 6).iter().all(|(_, to_disk)| *to_disk));
    // Job 5: derived read back; 3 blocks return to memory, 3 of big's give way.
    let j5 = &story[5];
    assert!(of_rdd(&j5.recomputed, 6).is_empty());
    assert_eq!(of_rdd(&j5.memory_stored, 6).len(), 3);
    assert_eq!(of_rdd(&j5.evicted, 1).len(), 3);

    // Against Spark's counts.
    let by = &f["block_updates_by_rdd"];
    let count = |pred: &dyn Fn(&JobStorage) -> usize| story.iter().map(pred).sum::<usize>();
    assert_eq!(
        count(&|j| of_rdd(&j.memory_stored, 1).len()) as u64,
        by["rdd_1:memory_stored"].as_u64().unwrap()
    );
    assert_eq!(
        count(&|j| j.disk_stored.len()) as u64,
        by["rdd_6:disk_stored"].as_u64().unwrap()
    );
    assert_eq!(
        count(&|j| of_rdd(&j.evicted, 1).len()) as u64 + 1,
        by["rdd_1:removed"].as_u64().unwrap(),
        "Spark reports rdd_1_5's removal twice"
    );
    assert_eq!(
        count(&|j| of_rdd(&j.memory_stored, 6).len()) as u64 - 3,
        by["rdd_6:memory_stored"].as_u64().unwrap(),
        "Spark does not report the 3 blocks read back into memory"
    );
}

/// `task-retry-and-abort.scala` (`local[2,4]`): partition 1 fails its first attempt and
/// succeeds on the retry; then partition 0 fails four times and the job is aborted with
/// Spark's message while the other three partitions succeed.
#[test]
fn task_retry_and_abort_matches_spark_attempts_and_failures() {
    std::panic::set_hook(Box::new(|_| {}));
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(1, 2))
        .listener(rec.clone())
        .build()
        .expect("context");
    let data = ctx.parallelize((1..=400i64).collect(), 4);
    let ok = data
        .map(|x| {
            let tc = ember::TaskContext::get().expect("inside a task");
            if tc.partition() == 1 && tc.attempt_number() == 0 {
                panic!("first attempt of partition 1 fails on purpose");
            }
            x * 2
        })
        .fold(0, |a, b| a + b)
        .expect("job 0 succeeds after a retry");
    assert_eq!(ok, 400 * 401);
    let failed = data
        .map(|x| {
            if ember::TaskContext::get().map(|t| t.partition()) == Some(0) {
                panic!("partition 0 always fails");
            }
            x + 1
        })
        .count();
    let _ = std::panic::take_hook();
    match failed {
        Err(ember::scheduler::JobError::Aborted(m)) => {
            // Spark: "... failed 4 times, most recent failure: Lost task 0.3 in stage 1.0 (TID 11)
            // (localhost executor driver): java.lang.ArithmeticException: partition 0 always fails"
            let head = "Job aborted due to stage failure: Task 0 in stage 1.0 failed 4 times, \
                        most recent failure: Lost task 0.3 in stage 1.0 (TID ";
            assert!(m.starts_with(head), "{m}");
            assert!(
                m.ends_with("(host-0 executor exec-0): partition 0 always fails"),
                "{m}"
            );
        }
        other => panic!("job 1 should fail: {other:?}"),
    }
    let spark = facts("task-retry-and-abort");
    let events = rec.events();
    check_against(&spark, &job_facts(&events));
    let ends = common::task_ends(&events);
    assert_eq!(ends.get("success"), Some(&7));
    assert_eq!(ends.get("exception"), Some(&5));
}

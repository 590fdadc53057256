//! Real Apache Spark 4.3 as ground truth: the programs of `../shared/fixtures/spark-eventlogs/`
//! written against ember's API give Spark's jobs, stages (listed, run, skipped) and task counts.

mod common;

use common::job_facts;
use ember::cluster::{Clock, ClusterSpec};
use ember::events::EventRecorder;
use ember::Context;
use serde_json::Value;
use std::path::PathBuf;

fn facts(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/spark-eventlogs")
        .join(format!("{name}.facts.json"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("facts parse")
}

fn ids(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("id") as usize)
        .collect()
}

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

fn check_against(spark: &Value, ours: &[common::JobFacts]) {
    let jobs = spark["job_details"].as_array().expect("jobs");
    assert_eq!(ours.len(), jobs.len(), "number of jobs");
    for (o, s) in ours.iter().zip(jobs) {
        assert_eq!(
            o.succeeded,
            s["result"] == "JobSucceeded",
            "job {} result",
            o.job
        );
        assert_eq!(
            o.stages_listed,
            ids(&s["stage_ids"]),
            "job {} stages listed",
            o.job
        );
        assert_eq!(
            o.stages_submitted,
            ids(&s["stages_submitted"]),
            "job {} stages run",
            o.job
        );
        assert_eq!(
            o.stages_skipped,
            ids(&s["stages_skipped"]),
            "job {} stages skipped",
            o.job
        );
        let attempts: Vec<(usize, usize, usize)> = s["stage_attempts"]
            .as_array()
            .expect("attempts")
            .iter()
            .map(|a| {
                (
                    a["stage_id"].as_u64().unwrap_or(0) as usize,
                    a["attempt"].as_u64().unwrap_or(0) as usize,
                    a["tasks"].as_u64().unwrap_or(0) as usize,
                )
            })
            .collect();
        assert_eq!(
            o.attempts, attempts,
            "job {} stage attempts and task counts",
            o.job
        );
        assert_eq!(
            o.tasks as u64,
            s["tasks"].as_u64().unwrap_or(0),
            "job {} task ends",
            o.job
        );
    }
}

/// `cache-rbk-join.scala`: a cached map counted twice, then `reduceByKey(3)` joined with a
/// 2-partition pair RDD. The cache itself is the storage step's; the jobs, stages and tasks do
/// not depend on it here (nothing upstream of the cached RDD shuffles), and the join shuffles
/// only `names`, whose map stage therefore gets the smaller id (2) before `nums`' (3).
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
    check_against(&facts("cache-rbk-join"), &job_facts(&rec.events()));
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

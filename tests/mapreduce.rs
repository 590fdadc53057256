//! The MapReduce baseline: the same answers as the Spark-style engine, Hadoop's stages, spills
//! and re-execution.

use ember::cluster::ClusterSpec;
use ember::events::{Engine, Event, EventKind, EventRecorder};
use ember::mapreduce::MapReduceConfig;
use ember::workloads::kmeans::KMeansParams;
use ember::workloads::logistic_regression::LrParams;
use ember::workloads::pagerank::PageRankParams;
use ember::workloads::wordcount::WordCountParams;
use ember::workloads::{Common, Workload, WorkloadOutput};
use ember::Context;

fn common(iterations: usize) -> Common {
    Common {
        iterations,
        partitions: 6,
        seed: 11,
        ..Common::default()
    }
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload::LogisticRegression(LrParams {
            points: 3_000,
            dims: 5,
            common: common(3),
        }),
        Workload::KMeans(KMeansParams {
            points: 3_000,
            dims: 3,
            clusters: 4,
            common: common(3),
        }),
        Workload::PageRank(PageRankParams {
            vertices: 400,
            degree: 4,
            common: common(3),
            ..PageRankParams::default()
        }),
        Workload::WordCount(WordCountParams {
            lines: 2_000,
            words_per_line: 6,
            vocabulary: 300,
            common: common(0),
        }),
    ]
}

fn run(w: &Workload, engine: Engine, mr: &MapReduceConfig) -> (WorkloadOutput, Vec<Event>) {
    let rec = EventRecorder::new();
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(3, 2))
        .engine(engine, false)
        .listener(rec.clone())
        .build()
        .expect("context");
    let out = w.run_on(&ctx, mr).expect("the workload runs");
    drop(ctx);
    (out, rec.events())
}

#[test]
fn both_engines_give_the_same_digest_on_every_workload_the_baseline_runs() {
    let mr = MapReduceConfig::default();
    for w in workloads() {
        let (spark, _) = run(&w, Engine::Spark, &mr);
        let (mapreduce, _) = run(&w, Engine::MapReduce, &mr);
        assert_eq!(spark.digest, mapreduce.digest, "{}", w.kind());
        assert_eq!(spark.result, mapreduce.result, "{}", w.kind());
    }
}

#[test]
fn a_mapreduce_job_is_a_map_stage_and_a_reduce_stage_numbered_2j_and_2j_plus_1() {
    let w = &workloads()[0];
    let (_, events) = run(w, Engine::MapReduce, &MapReduceConfig::default());
    let mut jobs = Vec::new();
    for e in &events {
        if let EventKind::JobStart { job, stage_ids, .. } = &e.kind {
            jobs.push((*job, stage_ids.clone()));
        }
    }
    assert_eq!(jobs.len(), 3, "one job per iteration");
    for (j, stages) in jobs {
        assert_eq!(stages, vec![2 * j, 2 * j + 1]);
    }
    let iterations: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::IterationEnd { engine, .. } => Some(engine.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(iterations, vec!["mapreduce"; 3]);
}

#[test]
fn a_small_sort_buffer_spills_and_merges_to_the_same_answer() {
    let w = &workloads()[3];
    let (whole, _) = run(w, Engine::MapReduce, &MapReduceConfig::default());
    let small = MapReduceConfig {
        io_sort_bytes: 2_000,
        ..MapReduceConfig::default()
    };
    let (spilled, events) = run(w, Engine::MapReduce, &small);
    assert_eq!(whole.digest, spilled.digest);
    let (written, read) = events.iter().fold((0, 0), |acc, e| match &e.kind {
        EventKind::TaskEnd { metrics, .. } => (
            acc.0 + metrics.spill_bytes_written,
            acc.1 + metrics.spill_bytes_read,
        ),
        _ => acc,
    });
    assert!(written > 0, "the map tasks spilled");
    assert_eq!(written, read, "every spill is read back once to merge");
}

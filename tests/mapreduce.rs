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

#[test]
fn the_baseline_runs_failed_tasks_and_lost_executors_work_again_to_the_same_answer() {
    use ember::faults::{Fault, FaultKind, Trigger};
    let w = &workloads()[1];
    let mr = MapReduceConfig::default();
    let (clean, _) = run(w, Engine::MapReduce, &mr);
    let plans = [
        // A map task of the second job fails twice, a reduce task of the third once.
        vec![
            (
                Trigger::Job(1),
                FaultKind::FailTask {
                    stage: 2,
                    partition: 1,
                    times: 2,
                },
            ),
            (
                Trigger::Job(2),
                FaultKind::FailTask {
                    stage: 5,
                    partition: 0,
                    times: 1,
                },
            ),
        ],
        // An executor dies as the second job's reduce stage starts: its map outputs are made again.
        vec![(Trigger::Stage(3), FaultKind::KillExecutor { executor: 1 })],
    ];
    for plan in plans {
        let rec = EventRecorder::new();
        let ctx = Context::builder()
            .cluster(ClusterSpec::flat(3, 2))
            .engine(Engine::MapReduce, false)
            .faults(
                plan.into_iter()
                    .map(|(at, kind)| Fault {
                        at,
                        kind,
                        engine: None,
                    })
                    .collect(),
            )
            .listener(rec.clone())
            .build()
            .expect("context");
        let out = w.run_on(&ctx, &mr).expect("the baseline recovers");
        drop(ctx);
        let events = rec.events();
        let injected = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::FaultInjected { .. }))
            .count();
        assert!(injected > 0, "the faults came");
        let failed = events
            .iter()
            .filter(|e| matches!(&e.kind, EventKind::TaskEnd { reason, .. } if *reason != ember::events::TaskEndReason::Success))
            .count();
        assert!(failed > 0, "some task attempt did not succeed");
        assert_eq!(out.digest, clean.digest);
    }
}

#[test]
fn a_run_of_both_engines_writes_one_log_that_summarises_each_engine() {
    let sc = ember::scenario::parse(
        &ember::scenario::find("word-count").expect("bundled"),
        &ember::scenario::Overrides {
            sets: vec![("workload.engine".into(), "both".into())],
            ..Default::default()
        },
    )
    .expect("valid");
    let dir = std::env::temp_dir().join(format!("ember-both-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let log = dir.join("both.jsonl");
    let report = ember::scenario::run(
        &sc,
        ember::scenario::RunOptions {
            events: Some(log.clone()),
            listener: None,
        },
    )
    .expect("runs");
    let engines = report.summary.engines.clone().expect("two engines");
    assert_eq!(engines["spark"].jobs, 1);
    assert_eq!(engines["mapreduce"].stages_run_by_job, vec![vec![0, 1]]);
    assert_eq!(
        engines["spark"].result_digest,
        engines["mapreduce"].result_digest
    );
    let from_log = ember::scenario::report::summarize_log(&log).expect("reads");
    assert_eq!(
        from_log.summary, report.summary,
        "the log summarises to the run's"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_refuses_the_baseline_for_a_kind_it_does_not_run() {
    let err = ember::scenario::parse(
        &ember::scenario::find("skipped-stages").expect("bundled"),
        &ember::scenario::Overrides {
            sets: vec![("workload.engine".into(), "mapreduce".into())],
            ..Default::default()
        },
    )
    .expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("workload.engine"), "{text}");
    assert!(
        text.contains("logistic_regression, kmeans, pagerank, wordcount"),
        "{text}"
    );
}

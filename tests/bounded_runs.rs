//! Runs are bounded: the driver's work does not grow with how long tasks take, and an event
//! log grows with the lineage, not with the lineage times the jobs.

use ember::cluster::{ClusterSpec, CostModel};
use ember::events::{EventKind, RddInfo};
use ember::scenario::{bundled, load, run, Overrides, RunOptions};
use ember::Context;
use std::collections::BTreeMap;

/// Word pairs reduced by key, then a second job over the shuffled result: tasks queue for the
/// cores, a shuffle, a job that skips a stage.
fn driver_steps(data_scale: f64) -> (u64, u64) {
    let ctx = Context::builder()
        .cluster(ClusterSpec::flat(2, 2))
        .cost(CostModel {
            data_scale,
            ..CostModel::default()
        })
        .build()
        .expect("context");
    let words: Vec<String> = (0..4000).map(|i| format!("w{}", i % 37)).collect();
    let counts = ctx
        .parallelize(words, 12)
        .map(|w| (w.clone(), 1u64))
        .reduce_by_key_into(|a, b| a + b, 5);
    assert_eq!(counts.count().expect("job 0"), 37);
    assert_eq!(counts.count().expect("job 1"), 37);
    (ctx.driver_steps(), ctx.now_us())
}

#[test]
fn the_driver_takes_the_same_steps_whatever_the_data_scale() {
    let (steps, took) = driver_steps(1.0);
    let (big_steps, big_took) = driver_steps(1e12);
    assert!(
        big_took > took * 1_000_000,
        "the big run takes far longer on the virtual clock: {big_took} µs vs {took} µs"
    );
    assert_eq!(
        big_steps, steps,
        "the driver's steps depend on the decisions to make, not on the tasks' durations"
    );
}

#[test]
fn no_job_start_describes_an_rdd_again_unless_its_description_changed() {
    for (name, _) in bundled::BUNDLED {
        let sc = load(name, &Overrides::default()).expect("bundled");
        let events = match run(&sc, RunOptions::default()) {
            Ok(r) => r.events,
            Err(e) => panic!("{name}: {e}"),
        };
        let mut described: BTreeMap<usize, RddInfo> = BTreeMap::new();
        let mut starts = 0;
        for e in &events {
            if let EventKind::JobStart { job, rdds, .. } = &e.kind {
                starts += 1;
                for r in rdds {
                    assert_ne!(
                        described.get(&r.rdd),
                        Some(r),
                        "{name}: job {job} describes RDD {} again, unchanged",
                        r.rdd
                    );
                    described.insert(r.rdd, r.clone());
                }
            }
        }
        assert!(starts > 0, "{name} ran no job");
    }
}

/// The bytes of the event log of `pagerank-checkpoint` over `iterations`.
fn pagerank_checkpoint_log_bytes(iterations: usize) -> u64 {
    let o = Overrides {
        sets: vec![("workload.iterations".into(), iterations.to_string())],
        ..Overrides::default()
    };
    let sc = load("pagerank-checkpoint", &o).expect("bundled");
    let path = std::env::temp_dir().join(format!(
        "ember-bounded-{}-{iterations}.jsonl",
        std::process::id()
    ));
    run(
        &sc,
        RunOptions {
            events: Some(path.clone()),
            listener: None,
        },
    )
    .expect("run");
    let bytes = std::fs::metadata(&path).expect("the log").len();
    let _ = std::fs::remove_file(&path);
    bytes
}

#[test]
fn a_checkpointed_pagerank_log_grows_with_its_iterations_not_their_square() {
    let small = pagerank_checkpoint_log_bytes(40);
    let big = pagerank_checkpoint_log_bytes(400);
    assert!(
        big <= 15 * small,
        "400 iterations wrote {big} bytes, 40 wrote {small}: {:.1}×",
        big as f64 / small as f64
    );
}

/// `ember` with `args`: its exit code and standard error.
fn ember(args: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .output()
        .expect("run ember");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_run_too_large_is_refused_before_its_first_event_naming_the_product() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "word-count",
                "--set",
                "workload.lines=50000000",
                "--set",
                "workload.words_per_line=50000000",
            ],
            "50,000,000 lines × 50,000,000 words per line",
        ),
        (
            &["word-count", "--set", "dfs.block_size=1B"],
            "in blocks of 1 B",
        ),
        (
            &[
                "pagerank",
                "--set",
                "workload.vertices=50000000",
                "--set",
                "workload.degree=50000000",
            ],
            "50,000,000 vertices × 50,000,000 edges per vertex",
        ),
        (
            &["word-count", "--set", "workload.partitions=100000"],
            "100,000 map tasks × 100,000 reduce partitions",
        ),
    ];
    for (i, (args, product)) in cases.iter().enumerate() {
        let log =
            std::env::temp_dir().join(format!("ember-too-large-{}-{i}.jsonl", std::process::id()));
        let mut all = vec!["run"];
        all.extend_from_slice(args);
        let log_arg = log.display().to_string();
        all.extend_from_slice(&["--events", &log_arg]);
        let (code, err) = ember(&all);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("the run is too large"), "{args:?}: {err}");
        assert!(err.contains(product), "{args:?} names {product:?}: {err}");
        assert!(err.contains("--no-budget"), "{err}");
        assert!(
            !log.exists(),
            "{args:?}: nothing was written, not even AppStart"
        );
    }
}

#[test]
fn no_budget_lifts_the_limits_and_a_run_within_them_passes() {
    let huge = Overrides {
        sets: vec![
            ("workload.lines".into(), "50000000".into()),
            ("workload.words_per_line".into(), "50000000".into()),
        ],
        ..Overrides::default()
    };
    let sc = load("word-count", &huge).expect("valid");
    assert!(ember::scenario::preflight(&sc).is_err());
    let lifted = Overrides {
        no_budget: true,
        ..huge
    };
    let sc = load("word-count", &lifted).expect("valid");
    assert!(
        ember::scenario::preflight(&sc).is_ok(),
        "--no-budget lifts it"
    );
    for (name, _) in bundled::BUNDLED {
        let sc = load(name, &Overrides::default()).expect("bundled");
        assert!(
            ember::scenario::preflight(&sc).is_ok(),
            "{name} is within budget"
        );
    }
}

#[test]
fn more_partitions_than_lines_run_as_many_tasks_most_of_them_empty() {
    let o = Overrides {
        sets: vec![
            ("workload.lines".into(), "100".into()),
            ("workload.partitions".into(), "500".into()),
        ],
        ..Overrides::default()
    };
    let sc = load("word-count", &o).expect("valid");
    let r = run(&sc, RunOptions::default()).expect("runs");
    assert_eq!(
        r.summary.tasks, 1000,
        "500 map tasks (one per part file, empty or not, as Hadoop splits them) and 500 reduces"
    );
}

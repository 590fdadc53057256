//! What-if on a recorded application: an event log's jobs and stages run again on ember's
//! schedulers, each task for its recorded time, on the recorded cluster or another
//! (`ember compare LOG --set ...`, `ember tui LOG --set ...`, `[workload] kind = "replay"`).

mod common;

use ember::events::{Event, EventRecorder};
use ember::scenario::whatif_compare::{compare_log, WhatIf, WhatIfRun};
use ember::scenario::{self, Overrides, RunOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/spark/{name}.json"))
}

fn what_if(name: &str, sets: &[(&str, &str)]) -> WhatIf {
    let o = Overrides {
        sets: sets
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    compare_log(&fixture(name), &o, None).expect("the log replays")
}

fn run<'a>(w: &'a WhatIf, name: &str) -> &'a WhatIfRun {
    w.runs
        .iter()
        .find(|r| r.run == name)
        .expect("the run is there")
}

/// Every fixture Apache Spark wrote (the rolling and compressed ones are these programs too).
const FIXTURES: [&str; 7] = [
    "cache-rbk-join",
    "dag-twice",
    "memory-pressure",
    "speculation",
    "executor-lost",
    "fetch-failed",
    "task-retry-and-abort",
];

#[test]
fn a_replay_on_the_recorded_shape_runs_the_recorded_jobs_stages_skips_and_tasks() {
    for name in FIXTURES {
        let w = what_if(name, &[]);
        let (rec, rep) = (&run(&w, "recorded").summary, &run(&w, "replayed").summary);
        assert_eq!(run(&w, "replayed").error, None, "{name}");
        assert_eq!(rep.jobs, rec.jobs, "{name}: jobs");
        assert_eq!(rep.stages, rec.stages, "{name}: stage attempts");
        assert_eq!(
            rep.stages_skipped, rec.stages_skipped,
            "{name}: stages skipped"
        );
        if name == "fetch-failed" {
            // Which reduce tasks fail to fetch depends on when the executor goes, to the
            // millisecond: Spark failed 4, and ran 2 more tasks for it.
            assert!(rep.task_failures >= 1, "{name}: a fetch failure again");
        } else {
            assert_eq!(rep.tasks, rec.tasks, "{name}: tasks");
            assert_eq!(
                rep.task_failures, rec.task_failures,
                "{name}: task failures"
            );
        }
    }
}

#[test]
fn a_replay_on_the_recorded_shape_comes_within_a_quarter_of_the_recorded_time() {
    for name in [
        "cache-rbk-join",
        "dag-twice",
        "memory-pressure",
        "speculation",
    ] {
        let w = what_if(name, &[]);
        let (rec, rep) = (run(&w, "recorded").total_us, run(&w, "replayed").total_us);
        let ratio = rep as f64 / rec as f64;
        assert!(
            (0.75..=1.25).contains(&ratio),
            "{name}: replayed {rep} µs, recorded {rec} µs"
        );
        assert_eq!(run(&w, "replayed").jobs_us.len(), w.jobs.len(), "{name}");
    }
}

#[test]
fn twice_the_executors_make_a_wide_application_faster_and_half_slower() {
    // memory-pressure: three executors of one core on one host, 12 tasks a stage.
    let twice = what_if("memory-pressure", &[("cluster.executors_per_host", "6")]);
    let half = what_if("memory-pressure", &[("cluster.executors_per_host", "1")]);
    let replayed = run(&twice, "replayed").total_us;
    let (more, fewer) = (run(&twice, "what-if"), run(&half, "what-if"));
    assert_eq!((more.executors, more.cores), (6, 6));
    assert!(more.total_us < replayed, "{} vs {replayed}", more.total_us);
    assert!(
        fewer.total_us > replayed,
        "{} vs {replayed}",
        fewer.total_us
    );
    assert_eq!(more.summary.tasks, run(&twice, "replayed").summary.tasks);
}

#[test]
fn a_recorded_executor_loss_happens_again_and_its_work_is_recomputed() {
    let w = what_if("executor-lost", &[("cluster.executors_per_host", "6")]);
    for r in ["replayed", "what-if"] {
        let s = &run(&w, r).summary;
        assert_eq!(
            s.task_failures, 1,
            "{r}: the task on the lost executor fails"
        );
        assert_eq!(s.jobs, 6, "{r}");
    }
}

#[test]
fn a_task_that_failed_in_its_own_code_fails_again_and_a_job_spark_aborted_aborts() {
    let w = what_if("task-retry-and-abort", &[]);
    let s = &run(&w, "replayed").summary;
    let failed: Vec<bool> = s.job_details.iter().map(|j| j.succeeded).collect();
    assert_eq!(
        failed,
        vec![true, false],
        "job 1 fails its 4 attempts, as in Spark"
    );
    assert_eq!(
        run(&w, "replayed").error,
        None,
        "a failure the recording had is no error"
    );
}

#[test]
fn speculation_and_its_settings_come_from_the_log() {
    let (source, app) = scenario::replay::source(&fixture("speculation")).expect("reads");
    let sc = scenario::parse(&source, &Overrides::default()).expect("a valid scenario");
    assert!(sc.scheduler.speculation.enabled);
    assert_eq!(sc.scheduler.speculation.multiplier, 2.0);
    assert_eq!(
        (sc.cluster.hosts_per_rack, sc.cluster.executors_per_host),
        (3, 1)
    );
    assert_eq!(app.jobs.len(), 1);
    let events = events(&sc);
    let copies = common::speculative_starts(&events);
    assert_eq!(copies, 1, "the straggler gets a copy, as in Spark");
}

fn events(sc: &scenario::Scenario) -> Vec<Event> {
    let rec = EventRecorder::new();
    scenario::run(
        sc,
        RunOptions {
            listener: Some(Box::new(rec.clone())),
            ..Default::default()
        },
    )
    .expect("the replay runs");
    rec.events()
}

#[test]
fn a_replay_is_the_same_event_for_event_every_time() {
    let (source, _) = scenario::replay::source(&fixture("dag-twice")).expect("reads");
    let sc = scenario::parse(&source, &Overrides::default()).expect("valid");
    let a: Vec<String> = events(&sc)
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    let b: Vec<String> = events(&sc)
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    assert_eq!(a, b);
}

fn ember(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("ember runs")
}

#[test]
fn compare_on_a_log_prints_each_jobs_time_recorded_replayed_and_what_if() {
    let out = ember(&[
        "compare",
        "tests/fixtures/spark/dag-twice.json",
        "--set",
        "cluster.executors_per_host=2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("recorded") && text.contains("replayed") && text.contains("what-if"));
    assert!(
        text.contains("--set cluster.executors_per_host=2"),
        "{text}"
    );
    let rows = text
        .lines()
        .filter(|l| l.starts_with(['0', '1', '2']))
        .count();
    assert_eq!(rows, 3, "a row per job:\n{text}");
}

#[test]
fn a_scenario_file_can_replay_a_log_and_a_bad_one_is_refused_by_its_key() {
    let dir = std::env::temp_dir().join(format!("ember-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let log = fixture("cache-rbk-join");
    let good = dir.join("replay.toml");
    std::fs::write(
        &good,
        format!(
            "name = \"r\"\ndescription = \"d\"\n[cluster]\nexecutors_per_host = 2\n[workload]\nkind = \"replay\"\nlog = {:?}\n",
            log.display().to_string()
        ),
    )
    .unwrap();
    let out = ember(&["run", good.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(s["jobs"], 3);
    assert_eq!(
        s["iterations"].as_array().map(Vec::len),
        Some(3),
        "an iteration per job"
    );

    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"r\"\ndescription = \"d\"\n[workload]\nkind = \"replay\"\nlog = \"no/such.json\"\n",
    )
    .unwrap();
    let out = ember(&["run", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("workload.log") && err.contains("no/such.json"),
        "{err}"
    );

    let _ = std::fs::remove_dir_all(&dir);
    let out = ember(&[
        "compare",
        "tests/fixtures/spark/dag-twice.json",
        "--clock",
        "wall",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("virtual clock"));
}

/// `name`'s lines, changed by `f`, written to a scratch file.
fn changed_log(name: &str, tag: &str, f: impl Fn(Vec<String>) -> Vec<String>) -> PathBuf {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    let lines = f(text.lines().map(str::to_string).collect());
    let path = std::env::temp_dir().join(format!("ember-{tag}-{}.json", std::process::id()));
    std::fs::write(&path, lines.join("\n") + "\n").expect("scratch log");
    path
}

fn totals(path: &Path) -> (WhatIf, u64) {
    let w = compare_log(path, &Overrides::default(), None).expect("replays");
    let t = run(&w, "replayed").total_us;
    let _ = std::fs::remove_file(path);
    (w, t)
}

#[test]
fn executors_that_join_after_the_first_job_but_before_any_task_are_the_cluster() {
    // As on YARN or Kubernetes: the executors register after the first job is submitted.
    let late = changed_log("memory-pressure", "late", |lines| {
        let (adds, mut rest): (Vec<_>, Vec<_>) = lines
            .into_iter()
            .partition(|l| l.contains("\"SparkListenerExecutorAdded\""));
        let job = rest
            .iter()
            .position(|l| l.contains("\"SparkListenerJobStart\""))
            .expect("a job");
        for (i, a) in adds.into_iter().enumerate() {
            rest.insert(job + 1 + i, a);
        }
        rest
    });
    let (w, late_total) = totals(&late);
    let normal = run(&what_if("memory-pressure", &[]), "replayed").total_us;
    assert_eq!(run(&w, "replayed").executors, 3, "not 3 more");
    assert_eq!(late_total, normal);
}

#[test]
fn a_task_end_the_log_lost_does_not_take_the_driver_time_of_later_jobs() {
    let dropped = changed_log("dag-twice", "dropped", |mut lines| {
        let first = lines
            .iter()
            .position(|l| l.contains("\"SparkListenerTaskEnd\""))
            .expect("a task end");
        lines.remove(first);
        lines
    });
    let (w, _) = totals(&dropped);
    let normal = what_if("dag-twice", &[]);
    // Jobs 1 and 2 ran after the lost end: their times are the ones with every end there.
    assert_eq!(
        run(&w, "replayed").jobs_us[1..],
        run(&normal, "replayed").jobs_us[1..]
    );
}

#[test]
fn a_job_the_log_does_not_end_is_not_replayed() {
    let cut = changed_log("dag-twice", "cut", |lines| {
        let last_end = lines
            .iter()
            .rposition(|l| l.contains("\"SparkListenerJobEnd\""))
            .expect("a job end");
        lines[..last_end].to_vec()
    });
    let (w, _) = totals(&cut);
    assert_eq!(w.jobs, vec![0, 1], "job 2 never ended");
    assert!(run(&w, "recorded").jobs_us.iter().all(|t| *t > 0));
}

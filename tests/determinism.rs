//! One seed, one event log: on the virtual clock the same scenario and seed give byte-identical
//! logs, in one process and across processes; another seed gives another run.

use ember::scenario::{load, run, Overrides, RunOptions};
use std::path::PathBuf;
use std::process::Command;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ember-test-{}-{name}", std::process::id()))
}

/// Runs `scenario` with `seed`, logging to `path`; returns the log and the answer's digest.
fn run_to(scenario: &str, seed: u64, path: &PathBuf) -> (Vec<u8>, String) {
    let o = Overrides {
        seed: Some(seed),
        ..Overrides::default()
    };
    let sc = load(scenario, &o).expect("bundled scenario");
    let report = run(
        &sc,
        RunOptions {
            events: Some(path.clone()),
            listener: None,
        },
    )
    .expect("run");
    let log = std::fs::read(path).expect("log");
    let _ = std::fs::remove_file(path);
    (log, report.summary.result_digest.expect("a digest"))
}

#[test]
fn same_seed_gives_byte_identical_event_logs_in_one_process() {
    for scenario in [
        "tour",
        "word-count",
        "call-records",
        "pagerank-pipeline",
        "kmeans",
    ] {
        let (a, b) = (
            temp(&format!("{scenario}-a.jsonl")),
            temp(&format!("{scenario}-b.jsonl")),
        );
        let (la, _) = run_to(scenario, 7, &a);
        let (lb, _) = run_to(scenario, 7, &b);
        assert!(la.len() > 1000, "{scenario}: a real log");
        assert!(
            la == lb,
            "{scenario}: two runs with seed 7 wrote different logs"
        );
    }
}

#[test]
fn another_seed_generates_other_data_and_so_another_run() {
    let (la, da) = run_to("word-count", 1, &temp("seed-1.jsonl"));
    let (lb, db) = run_to("word-count", 2, &temp("seed-2.jsonl"));
    assert_ne!(da, db, "other words, other counts");
    // Beyond the AppStart line, which names the seed, the runs themselves differ.
    let body = |l: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(l)
            .lines()
            .filter(|x| !x.contains("\"AppStart\""))
            .map(str::to_string)
            .collect()
    };
    assert_ne!(body(&la), body(&lb));
}

#[test]
fn same_seed_gives_byte_identical_event_logs_across_two_processes() {
    let bin = env!("CARGO_BIN_EXE_ember");
    let mut logs = Vec::new();
    for i in 0..2 {
        let path = temp(&format!("proc-{i}.jsonl"));
        let out = Command::new(bin)
            .args(["run", "tour", "--seed", "11", "--events"])
            .arg(&path)
            .output()
            .expect("run ember");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        logs.push(std::fs::read(&path).expect("log"));
        let _ = std::fs::remove_file(path);
    }
    assert!(!logs[0].is_empty());
    assert!(
        logs[0] == logs[1],
        "two processes wrote different logs for seed 11"
    );
}

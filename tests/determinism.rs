//! One seed, one event log: on the virtual clock the same program and seed give byte-identical
//! logs, in one process and across processes.

use ember::scenario::{find_builtin, run, RunOptions};
use std::path::PathBuf;
use std::process::Command;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ember-test-{}-{name}", std::process::id()))
}

fn run_to(scenario: &str, seed: u64, path: &PathBuf) -> Vec<u8> {
    let sc = find_builtin(scenario).expect("built-in scenario");
    let opts = RunOptions {
        events: Some(path.clone()),
        seed: Some(seed),
        clock: None,
    };
    run(&sc, &opts).expect("run");
    std::fs::read(path).expect("log")
}

#[test]
fn same_seed_gives_byte_identical_event_logs_in_one_process() {
    for scenario in ["word-count", "lr-iterative"] {
        let (a, b) = (
            temp(&format!("{scenario}-a.jsonl")),
            temp(&format!("{scenario}-b.jsonl")),
        );
        let la = run_to(scenario, 7, &a);
        let lb = run_to(scenario, 7, &b);
        assert!(!la.is_empty());
        assert!(
            la == lb,
            "{scenario}: two runs with seed 7 wrote different logs"
        );
        let _ = (std::fs::remove_file(a), std::fs::remove_file(b));
    }
}

#[test]
fn another_seed_gives_another_log() {
    let (a, b) = (temp("seed-1.jsonl"), temp("seed-2.jsonl"));
    let la = run_to("word-count", 1, &a);
    let lb = run_to("word-count", 2, &b);
    assert!(la != lb);
    let _ = (std::fs::remove_file(a), std::fs::remove_file(b));
}

#[test]
fn same_seed_gives_byte_identical_event_logs_across_two_processes() {
    let bin = env!("CARGO_BIN_EXE_ember");
    let mut logs = Vec::new();
    for i in 0..2 {
        let path = temp(&format!("proc-{i}.jsonl"));
        let out = Command::new(bin)
            .args(["run", "word-count", "--seed", "11", "--events"])
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
